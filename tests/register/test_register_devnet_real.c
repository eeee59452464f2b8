/* test_register_devnet_real.c — the real Intel-signed sample quote and its
 * real collateral (tests/register/data = ../shared/tdx-samples) verified by
 * build/contracts/register.wasm ON the devnet, in production mode (the
 * embedded Intel SGX Root CA, no root_ca_hex), at a block time inside the
 * collateral's validity window: outlayer-devnet --genesis-time puts the
 * chain's clock in June 2025, sandbox_set_time moves it past the window.
 *
 *   - blocks carry the genesis time (and run on from it);
 *   - update_collateral verifies every collateral signature and window at
 *     block time and stores it;
 *   - register_worker_key with the real quote passes every DCAP step on
 *     chain (signatures, PCK chain, CRLs, TCB and QE identity, measurements)
 *     and stops at the report-data binding, which a third-party quote cannot
 *     carry (the registration itself is covered with simulated quotes);
 *   - a flipped byte in the quote is refused;
 *   - after sandbox_set_time to one second past the PCK CRL's nextUpdate the
 *     same registration fails as expired, and new collateral uploads too;
 *   - the clock cannot be set backwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "dcap_test_util.h"
#include "devnet_harness.h"
#include "tee/tee.h"

#define REG "reg.test.near"
#define WORKER "worker.test.near"
#define OUTLAYER "outlayer.test.near"
#define GENESIS "2025-06-25T12:00:00Z"

static dn_node node;
static near_credentials reg, worker;
static uint8_t *quote, *coll;
static size_t quote_len, coll_len;

static near_status call(const near_credentials *who, const char *method, const char *args, near_outcome *o)
{
    near_rpc_error err = {0};
    near_status st = dn_call(&node, who, REG, method, args, 0, NEAR_WAIT_FINAL, o, &err, NULL);
    near_rpc_error_clear(&err);
    if (st == NEAR_OK && o->kind != NEAR_OUTCOME_SUCCESS)
        return NEAR_ERR_TX_FAILED;
    return st;
}

static int setup(void **state)
{
    (void)state;
    quote = tu_slurp("tdx_quote", &quote_len);
    coll = tu_slurp("tdx_quote_collateral.json", &coll_len);
    const char *extra[] = {"--genesis-time", GENESIS, NULL};
    if (dn_start(&node, 20, extra)) {
        fprintf(stderr, "cannot start the devnet\n");
        return -1;
    }
    if (dn_create_account(&node, &node.test_root, REG, 30 * DN_NEAR, &reg) ||
        dn_create_account(&node, &node.test_root, WORKER, 10 * DN_NEAR, &worker))
        return -1;
    /* production mode: no root_ca_hex, the embedded Intel root */
    return dn_deploy(&node, &reg, "build/contracts/register.wasm",
                     "{\"owner_id\":\"test.near\",\"init_worker_account\":\"" WORKER "\",\"receiver_id\":\"" OUTLAYER
                     "\"}");
}

static int teardown(void **state)
{
    (void)state;
    free(quote);
    free(coll);
    return dn_finish(&node) ? -1 : 0;
}

static char *register_args(const uint8_t *q, size_t qlen)
{
    near_public_key pk = {.type = NEAR_KEY_ED25519};
    memcpy(pk.data, q + 568, 32); /* the quote's report_data[0..32] */
    char key[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&pk, key);
    char *hex = tee_hex(q, qlen);
    json_t *j = json_pack("{s:s, s:s}", "public_key", key, "tdx_quote_hex", hex);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    free(hex);
    return s;
}

static uint64_t head_time(void)
{
    near_block b;
    near_rpc_error e = {0};
    assert_int_equal(near_rpc_block(node.rpc, NEAR_FINAL, &b, &e), NEAR_OK);
    uint64_t t = b.timestamp_ns;
    near_block_free(&b);
    return t;
}

static near_status set_time(const char *iso, char *msg, size_t cap)
{
    json_t *result = NULL;
    near_rpc_error e = {0};
    near_status st = near_rpc_call(node.rpc, "sandbox_set_time", json_pack("{s:s}", "time", iso), 0, &result, &e);
    if (msg)
        snprintf(msg, cap, "%s", e.message);
    json_decref(result);
    near_rpc_error_clear(&e);
    return st;
}

static void test_real_quote_on_chain(void **state)
{
    (void)state;
    /* 1. the chain's clock is in the window */
    uint64_t t = head_time();
    uint64_t genesis = (uint64_t)tu_time(GENESIS) * 1000000000ull;
    assert_true(t >= genesis && t < genesis + 120 * 1000000000ull);

    /* 2. the owner uploads the real collateral: verified at block time */
    near_outcome o;
    json_t *j = json_pack("{s:s%}", "collateral", (const char *)coll, coll_len);
    char *ca = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    near_status st = call(&node.test_root, "update_collateral", ca, &o);
    if (st != NEAR_OK)
        fail_msg("update_collateral: %s", o.failure_message);
    printf("update_collateral with the real Intel collateral on the devnet: %.2f TGas burnt\n",
           (double)o.gas_burnt / DN_TGAS);
    bool valid_until = false;
    for (size_t i = 0; i < o.n_logs; i++)
        valid_until |= strstr(o.logs[i], "Collateral valid until 1752919235") != NULL;
    assert_true(valid_until);
    near_outcome_free(&o);

    /* 3. its measurements approved */
    char *m[5];
    m[0] = tee_hex(quote + 48 + 136, 48);
    for (int i = 0; i < 4; i++)
        m[i + 1] = tee_hex(quote + 48 + 328 + 48 * i, 48);
    j = json_pack("{s:{s:s,s:s,s:s,s:s,s:s}}", "measurements", "mrtd", m[0], "rtmr0", m[1], "rtmr1", m[2], "rtmr2",
                  m[3], "rtmr3", m[4]);
    char *ma = json_dumps(j, JSON_COMPACT), r3[200];
    json_decref(j);
    snprintf(r3, sizeof r3, "{\"rtmr3\":\"%s\"}", m[4]);
    for (int i = 0; i < 5; i++)
        free(m[i]);
    assert_int_equal(call(&node.test_root, "add_approved_measurements", ma, &o), NEAR_OK);
    near_outcome_free(&o);
    assert_int_equal(call(&node.test_root, "add_approved_rtmr3", r3, &o), NEAR_OK);
    near_outcome_free(&o);
    free(ma);

    /* 4. the real quote: every DCAP check passes on chain; the binding stops it */
    char *a = register_args(quote, quote_len);
    assert_int_equal(call(&worker, "register_worker_key", a, &o), NEAR_ERR_TX_FAILED);
    if (!strstr(o.failure_message, "Report data binding mismatch"))
        fail_msg("unexpected: %s", o.failure_message);
    bool verified_log = false;
    for (size_t i = 0; i < o.n_logs; i++)
        verified_log |= strstr(o.logs[i], "Extracted RTMR3 from TDX quote") != NULL;
    assert_true(verified_log);
    printf("register_worker_key with the real Intel quote on the devnet (all DCAP checks, then the binding): "
           "%.2f TGas burnt\n",
           (double)o.gas_burnt / DN_TGAS);
    near_outcome_free(&o);

    /* 5. a flipped byte of the TD report */
    uint8_t *bad = malloc(quote_len);
    memcpy(bad, quote, quote_len);
    bad[48 + 200] ^= 1;
    char *b = register_args(bad, quote_len);
    assert_int_equal(call(&worker, "register_worker_key", b, &o), NEAR_ERR_TX_FAILED);
    assert_non_null(strstr(o.failure_message, "TDX quote verification failed"));
    near_outcome_free(&o);
    free(b);
    free(bad);

    /* 6. one second after the PCK CRL's nextUpdate: expired */
    char msg[512];
    assert_int_equal(set_time("2025-07-19T10:00:36Z", msg, sizeof msg), NEAR_OK);
    uint64_t target = (uint64_t)tu_time("2025-07-19T10:00:36Z") * 1000000000ull;
    for (int i = 0; i < 200 && head_time() < target; i++)
        usleep(50 * 1000);
    assert_true(head_time() >= target);
    assert_int_equal(call(&worker, "register_worker_key", a, &o), NEAR_ERR_TX_FAILED);
    if (!strstr(o.failure_message, "expired"))
        fail_msg("expected expired, got: %s", o.failure_message);
    near_outcome_free(&o);
    assert_int_equal(call(&node.test_root, "update_collateral", ca, &o), NEAR_ERR_TX_FAILED);
    assert_non_null(strstr(o.failure_message, "Invalid collateral"));
    near_outcome_free(&o);
    free(a);
    free(ca);

    /* 7. time only moves forward */
    assert_int_not_equal(set_time("2025-06-01T00:00:00Z", msg, sizeof msg), NEAR_OK);
    assert_non_null(strstr(msg, "only moves forward"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_quote_on_chain),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
