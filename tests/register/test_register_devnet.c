/* test_register_devnet.c — end to end on the real outlayer-devnet: deploy
 * build/contracts/register.wasm trusting a simulated platform's root
 * (libtee, src/tee), upload collateral, register a worker whose quote binds its
 * fresh ed25519 key and account; the chain then holds a function-call key
 * on the contract account that may call resolve_execution on the OutLayer
 * account and nothing else; strangers and unapproved measurements are
 * refused; remove_worker deletes the key. (The real Intel sample quote
 * cannot be used here: the devnet's block time is the wall clock, outside
 * that collateral's 2025 validity window — see docs/attestation.md.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "devnet_harness.h"
#include <openssl/sha.h>

#include "tee/tee.h"

/* A quote of the simulated platform (libtee), or a failed test. */
static size_t sim_quote_v(const tee_sim *t, int version, const uint8_t m[5][48], const uint8_t rd[64], uint64_t attrs,
                          uint8_t mrservicetd, uint8_t **q)
{
    size_t n = 0;
    char err[TEE_ERR];
    if (tee_sim_quote(t, version, m, rd, attrs, mrservicetd, q, &n, err, sizeof err))
        fail_msg("quote: %s", err);
    return n;
}

static size_t sim_quote(const tee_sim *t, const uint8_t m[5][48], const uint8_t rd[64], uint64_t attrs, uint8_t **q)
{
    return sim_quote_v(t, 4, m, rd, attrs, 0, q);
}

#define REG "reg.test.near"
#define WORKER "worker.test.near"
#define STRANGER "stranger.test.near"
#define OUTLAYER "outlayer.test.near"
#define TREASURY "treasury.test.near"

static dn_node node;
static near_credentials reg, worker, stranger, outlayer, treasury;
static tee_sim sim;
static uint8_t meas[5][48];

static char *hexs(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", p[i]);
    return s;
}

static int setup(void **state)
{
    (void)state;
    if (dn_start(&node, 20, NULL)) {
        fprintf(stderr, "cannot start the devnet\n");
        return -1;
    }
    if (dn_create_account(&node, &node.test_root, REG, 30 * DN_NEAR, &reg) ||
        dn_create_account(&node, &node.test_root, WORKER, 10 * DN_NEAR, &worker) ||
        dn_create_account(&node, &node.test_root, STRANGER, 10 * DN_NEAR, &stranger) ||
        dn_create_account(&node, &node.test_root, OUTLAYER, 30 * DN_NEAR, &outlayer) ||
        dn_create_account(&node, &node.test_root, TREASURY, 1 * DN_NEAR, &treasury))
        return -1;
    if (dn_deploy(&node, &outlayer, "build/contracts/outlayer.wasm",
                  "{\"owner_id\":\"test.near\",\"operator_id\":\"" REG "\"}"))
        return -1;
    assert_int_equal(tee_sim_create(&sim, (int64_t)time(NULL), NULL, 0), 0);
    char *hex = tee_sim_root_hex(&sim), *init = malloc(strlen(hex) + 300);
    sprintf(init,
            "{\"owner_id\":\"test.near\",\"init_worker_account\":\"" WORKER "\",\"receiver_id\":\"" OUTLAYER
            "\",\"root_ca_hex\":\"%s\"}",
            hex);
    int rc = dn_deploy(&node, &reg, "build/contracts/register.wasm", init);
    free(hex);
    free(init);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    tee_sim_free(&sim);
    return dn_finish(&node) ? -1 : 0;
}

/* The RPC status, with an executed-but-failed transaction mapped to
 * NEAR_ERR_TX_FAILED (o->failure_message then says why). */
static near_status settled(near_status st, const near_outcome *o)
{
    if (st == NEAR_OK && o->kind != NEAR_OUTCOME_SUCCESS)
        return NEAR_ERR_TX_FAILED;
    return st;
}

static near_status call(const near_credentials *who, const char *method, const char *args, near_outcome *o)
{
    near_rpc_error err = {0};
    near_status st = dn_call(&node, who, REG, method, args, 0, NEAR_WAIT_FINAL, o, &err, NULL);
    near_rpc_error_clear(&err);
    return settled(st, o);
}

static char *quote_args(const near_keypair *kp, const char *bound_worker)
{
    uint8_t rd[64];
    memcpy(rd, kp->public_key.data, 32);
    char text[200];
    snprintf(text, sizeof text, "outlayer-register-v1:" REG ":%s", bound_worker);
    SHA256((const uint8_t *)text, strlen(text), rd + 32);
    uint8_t *q;
    size_t qlen = sim_quote(&sim, meas, rd, TEE_TD_ATTRIBUTES_OK, &q);
    char key[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&kp->public_key, key);
    char *hex = hexs(q, qlen);
    json_t *o = json_pack("{s:s,s:s}", "public_key", key, "tdx_quote_hex", hex);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    free(hex);
    free(q);
    return s;
}

static void test_register_on_devnet(void **state)
{
    (void)state;
    near_outcome o;
    /* owner: collateral and the approved measurements */
    char *coll = tee_sim_collateral(&sim, sim.now);
    json_t *j = json_pack("{s:s}", "collateral", coll);
    char *ca = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    free(coll);
    assert_int_equal(call(&node.test_root, "update_collateral", ca, &o), NEAR_OK);
    printf("update_collateral (simulated platform) on the devnet: %.2f TGas burnt\n", (double)o.gas_burnt / DN_TGAS);
    near_outcome_free(&o);
    free(ca);
    for (int i = 0; i < 5; i++)
        memset(meas[i], 0x20 + i, 48);
    char *m[5];
    for (int i = 0; i < 5; i++)
        m[i] = hexs(meas[i], 48);
    j = json_pack("{s:{s:s,s:s,s:s,s:s,s:s}}", "measurements", "mrtd", m[0], "rtmr0", m[1], "rtmr1", m[2], "rtmr2",
                  m[3], "rtmr3", m[4]);
    char *ma = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    assert_int_equal(call(&node.test_root, "add_approved_measurements", ma, &o), NEAR_OK);
    near_outcome_free(&o);
    free(ma);
    char r3[200];
    snprintf(r3, sizeof r3, "{\"rtmr3\":\"%s\"}", m[4]);
    assert_int_equal(call(&node.test_root, "add_approved_rtmr3", r3, &o), NEAR_OK);
    near_outcome_free(&o);
    for (int i = 0; i < 5; i++)
        free(m[i]);

    near_keypair wk;
    assert_int_equal(near_keypair_generate(&wk), 0);
    char *a = quote_args(&wk, WORKER);
    /* a stranger cannot register */
    assert_int_equal(call(&stranger, "register_worker_key", a, &o), NEAR_ERR_TX_FAILED);
    assert_non_null(strstr(o.failure_message, "Only " WORKER " can call register_worker_key"));
    near_outcome_free(&o);
    /* the worker can */
    near_status st = call(&worker, "register_worker_key", a, &o);
    if (st != NEAR_OK)
        fail_msg("register_worker_key: %s", o.failure_message);
    printf("register_worker_key (simulated platform) on the devnet: %.2f TGas burnt (tx + receipts)\n",
           (double)o.gas_burnt / DN_TGAS);
    near_outcome_free(&o);
    free(a);

    /* the key on chain: function call, 10 NEAR allowance, OutLayer only */
    near_access_key_view v;
    near_rpc_error err = {0};
    assert_int_equal(near_rpc_view_access_key(node.rpc, REG, &wk.public_key, NEAR_FINAL, &v, &err), NEAR_OK);
    assert_false(v.key.full_access);
    assert_true(v.key.has_allowance);
    assert_true(v.key.allowance == (near_u128)10 * DN_NEAR);
    assert_string_equal(v.key.receiver_id, OUTLAYER);
    assert_int_equal(v.key.n_method_names, 2);
    assert_string_equal(v.key.method_names[0], "resolve_execution");
    assert_string_equal(v.key.method_names[1], "submit_execution_output_and_resolve");
    near_access_key_view_free(&v);

    /* the worker's key signs for the contract account: an allowed method is
     * accepted by the chain (the contract then panics: no such request), a
     * method outside the permission is refused before execution */
    near_credentials as_reg;
    memset(&as_reg, 0, sizeof as_reg);
    strcpy(as_reg.account_id, REG);
    as_reg.keypair = wk;
    st = settled(dn_call(&node, &as_reg, OUTLAYER, "resolve_execution", "{\"request_id\":12345,\"response\":{}}", 0,
                         NEAR_WAIT_FINAL, &o, &err, NULL),
                 &o);
    assert_int_equal(st, NEAR_ERR_TX_FAILED);
    assert_null(strstr(o.failure_message, "AccessKey"));
    near_outcome_free(&o);
    memset(&err, 0, sizeof err);
    st = dn_call(&node, &as_reg, OUTLAYER, "set_paused", "{\"paused\":true}", 0, NEAR_WAIT_FINAL, &o, &err, NULL);
    assert_int_not_equal(st, NEAR_OK); /* refused by the RPC: the key does not allow this method */
    if (err.message[0])
        printf("set_paused with the worker key: %s\n", err.message);
    near_rpc_error_clear(&err);

    /* an unapproved measurement set */
    meas[1][0] ^= 1;
    near_keypair k2;
    assert_int_equal(near_keypair_generate(&k2), NEAR_OK);
    a = quote_args(&k2, WORKER);
    assert_int_equal(call(&worker, "register_worker_key", a, &o), NEAR_ERR_TX_FAILED);
    assert_non_null(strstr(o.failure_message, "Worker measurements not approved"));
    near_outcome_free(&o);
    free(a);
    meas[1][0] ^= 1;
    /* a quote bound to another account */
    a = quote_args(&k2, STRANGER);
    assert_int_equal(call(&worker, "register_worker_key", a, &o), NEAR_ERR_TX_FAILED);
    assert_non_null(strstr(o.failure_message, "Report data binding mismatch"));
    near_outcome_free(&o);
    free(a);

    /* remove_worker deletes the key */
    char key[NEAR_KEY_TEXT_MAX], ra[200];
    near_public_key_format(&wk.public_key, key);
    snprintf(ra, sizeof ra, "{\"public_key\":\"%s\"}", key);
    assert_int_equal(call(&stranger, "remove_worker", ra, &o), NEAR_ERR_TX_FAILED);
    near_outcome_free(&o);
    assert_int_equal(call(&node.test_root, "remove_worker", ra, &o), NEAR_OK);
    near_outcome_free(&o);
    memset(&err, 0, sizeof err);
    assert_int_not_equal(near_rpc_view_access_key(node.rpc, REG, &wk.public_key, NEAR_FINAL, &v, &err), NEAR_OK);
}

/* Stake on the chain: the deposit is held by the contract account, a slash
 * reaches the treasury exactly, withdraw pays the rest back and deletes the
 * key; dn_finish then checks that no yoctoNEAR was created or lost. */
static void test_stake_on_devnet(void **state)
{
    (void)state;
    near_outcome o;
    assert_int_equal(call(&node.test_root, "set_stake_config",
                          "{\"min_stake\":\"1000000000000000000000000\",\"unbonding_period_ns\":1,"
                          "\"treasury_id\":\"" TREASURY "\"}",
                          &o),
                     NEAR_OK);
    near_outcome_free(&o);
    near_keypair kp;
    assert_int_equal(near_keypair_generate(&kp), NEAR_OK);
    char *a = quote_args(&kp, WORKER);
    near_rpc_error err = {0};
    near_u128 reg_before = dn_balance(&node, REG);
    near_status st = settled(
        dn_call(&node, &worker, REG, "register_worker_key", a, 2 * DN_NEAR, NEAR_WAIT_FINAL, &o, &err, NULL), &o);
    if (st != NEAR_OK)
        fail_msg("staked register_worker_key: %s", o.failure_message);
    near_outcome_free(&o);
    free(a);
    /* the contract account now holds the stake (plus its share of gas rewards, minus storage: >= 1.9 NEAR more) */
    assert_true(dn_balance(&node, REG) > reg_before + 19 * DN_NEAR / 10);

    char key[NEAR_KEY_TEXT_MAX], args[400];
    near_public_key_format(&kp.public_key, key);
    snprintf(args, sizeof args,
             "{\"worker\":\"%s\",\"amount\":\"500000000000000000000000\",\"evidence_hash\":\"00ff\","
             "\"reason\":\"test\"}",
             key);
    near_u128 t_before = dn_balance(&node, TREASURY);
    assert_int_equal(call(&stranger, "slash", args, &o), NEAR_ERR_TX_FAILED);
    near_outcome_free(&o);
    assert_int_equal(call(&node.test_root, "slash", args, &o), NEAR_OK);
    near_outcome_free(&o);
    assert_true(dn_balance(&node, TREASURY) == t_before + DN_NEAR / 2);

    snprintf(args, sizeof args, "{\"public_key\":\"%s\"}", key);
    assert_int_equal(call(&worker, "unstake", args, &o), NEAR_OK);
    near_outcome_free(&o);
    near_u128 w_before = dn_balance(&node, WORKER);
    assert_int_equal(call(&worker, "withdraw", args, &o), NEAR_OK);
    uint64_t burnt = o.gas_burnt;
    near_outcome_free(&o);
    near_u128 w_after = dn_balance(&node, WORKER);
    /* 1.5 NEAR back, minus what the worker paid for the withdraw's gas */
    assert_true(w_after > w_before + DN_NEAR + DN_NEAR / 2 - (near_u128)burnt * 1000000000u);
    assert_true(w_after < w_before + DN_NEAR + DN_NEAR / 2);
    near_access_key_view v;
    memset(&err, 0, sizeof err);
    assert_int_not_equal(near_rpc_view_access_key(node.rpc, REG, &kp.public_key, NEAR_FINAL, &v, &err), NEAR_OK);
    near_rpc_error_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_on_devnet),
        cmocka_unit_test(test_stake_on_devnet),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
