/* test_register_sim.c — register.wasm in the devnet's NEAR VM against a
 * simulated TDX platform (libtee, src/tee: a development PCK chain under a root
 * made here, which the contract is told to trust): the full success path
 * (function-call key added with the right permissions, worker record,
 * list/get, removal deletes the key), and the refusals a real quote cannot
 * exercise: revoked PCK certificate and PCK CA, TCB status policy with
 * advisories, debug TD, report_data bound to another account. */
#include "vm_register.h"
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

static int setup(void **state)
{
    (void)state;
    return load_register_wasm();
}

static int teardown(void **state)
{
    (void)state;
    nearvm_contract_release(contract);
    return 0;
}

static uint8_t measurements[5][48];

/* report_data = worker key || SHA-256("outlayer-register-v1:register.near:<worker>") */
static void report_data_for(const uint8_t key[32], const char *worker, uint8_t out[64])
{
    memcpy(out, key, 32);
    char text[200];
    snprintf(text, sizeof text, "outlayer-register-v1:register.near:%s", worker);
    SHA256((const uint8_t *)text, strlen(text), out + 32);
}

static void deploy_sim(mem_store *st, const tee_sim *t)
{
    char *hex = tee_sim_root_hex(t), *args = malloc(strlen(hex) + 300);
    sprintf(args,
            "{\"owner_id\":\"owner.near\",\"init_worker_account\":\"worker.near\",\"receiver_id\":\"outlayer.near\","
            "\"root_ca_hex\":\"%s\"}",
            hex);
    expect_ok(st, "owner.near", (uint64_t)t->now, "new", args);
    free(hex);
    free(args);
    for (int i = 0; i < 5; i++)
        memset(measurements[i], 0x10 + i, 48);
    uint8_t body[584] = {0};
    memcpy(body + 136, measurements[0], 48);
    for (int i = 0; i < 4; i++)
        memcpy(body + 328 + 48 * i, measurements[i + 1], 48);
    char *m = measurement_args(body);
    expect_ok(st, "owner.near", (uint64_t)t->now, "add_approved_measurements", m);
    free(m);
    char *r3 = hex_of(measurements[4], 48), a[200];
    snprintf(a, sizeof a, "{\"rtmr3\":\"%s\"}", r3);
    expect_ok(st, "owner.near", (uint64_t)t->now, "add_approved_rtmr3", a);
    free(r3);
}

static void upload_collateral(mem_store *st, const tee_sim *t)
{
    char *coll = tee_sim_collateral(t, t->now);
    char *a = collateral_args((const uint8_t *)coll, strlen(coll));
    expect_ok(st, "owner.near", (uint64_t)t->now, "update_collateral", a);
    free(a);
    free(coll);
}

static char *sim_register_args(const tee_sim *t, const uint8_t key[32], const char *bound_to, uint64_t attrs,
                               char *key_str, size_t cap)
{
    uint8_t rd[64];
    report_data_for(key, bound_to, rd);
    uint8_t *q;
    size_t qlen = sim_quote(t, measurements, rd, attrs, &q);
    key_of(key, key_str, cap);
    char *a = register_args(key_str, q, qlen);
    free(q);
    return a;
}

static void test_success_path_and_removal(void **state)
{
    (void)state;
    tee_sim t;
    assert_int_equal(tee_sim_create(&t, (int64_t)time(NULL), NULL, 0), 0);
    mem_store st = {0};
    deploy_sim(&st, &t);
    upload_collateral(&st, &t);
    uint8_t key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(0x40 + i);
    char key_str[80];
    char *a = sim_register_args(&t, key, "worker.near", TEE_TD_ATTRIBUTES_OK, key_str, sizeof key_str);

    struct call c = vm_call(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a);
    if (!c.ok)
        fail_msg("register_worker_key: %s\n%s", c.panic, c.logs);
    printf("register_worker_key, simulated platform, success path: %.2f TGas burnt\n", (double)c.gas_burnt / TGAS);
    assert_non_null(strstr(c.logs, "✅ TEE verification passed: rtmr3="));
    assert_non_null(strstr(c.logs, "allowance=10 NEAR, methods=resolve_execution,submit_execution_output_and_resolve, "
                                   "receiver=outlayer.near"));
    /* one receipt to the contract itself with one AddKey action */
    assert_int_equal(c.out.receipts_count, 1);
    nearvm_receipt *r = &c.out.receipts[0];
    assert_string_equal(r->receiver_id, "register.near");
    assert_int_equal(r->actions_count, 1);
    nearvm_action *act = &r->actions[0];
    assert_int_equal(act->kind, NEARVM_ACTION_ADD_KEY);
    assert_int_equal(act->public_key_len, 33);
    assert_int_equal(act->public_key[0], 0);
    assert_memory_equal(act->public_key + 1, key, 32);
    assert_false(act->full_access);
    assert_true(act->has_allowance);
    assert_true(act->allowance == (nearvm_u128)10 * 1000000000000ull * 1000000000000ull);
    assert_string_equal(act->receiver_id, "outlayer.near");
    assert_int_equal(act->method_names_count, 2);
    assert_string_equal(act->method_names[0], "resolve_execution");
    assert_string_equal(act->method_names[1], "submit_execution_output_and_resolve");
    call_free(&c);

    /* the record */
    char ga[120];
    snprintf(ga, sizeof ga, "{\"public_key\":\"%s\"}", key_str);
    c = vm_call(&st, "anyone.near", (uint64_t)t.now, "get_worker", ga);
    assert_true(c.ok);
    assert_non_null(strstr(c.ret, "\"account_id\":\"worker.near\""));
    assert_non_null(strstr(c.ret, "\"tcb_status\":\"UpToDate\""));
    assert_non_null(strstr(c.ret, "\"rtmr3\":\"141414"));
    call_free(&c);
    c = vm_call(&st, "anyone.near", (uint64_t)t.now, "list_workers", "");
    assert_non_null(strstr(c.ret, key_str));
    call_free(&c);
    /* the same key again */
    expect_panic(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a, "Worker key already registered");

    /* removal: owner only, deletes the access key */
    expect_panic(&st, "stranger.near", (uint64_t)t.now, "remove_worker", ga, "Only owner can call this method");
    c = vm_call(&st, "owner.near", (uint64_t)t.now, "remove_worker", ga);
    assert_true(c.ok);
    assert_int_equal(c.out.receipts_count, 1);
    assert_int_equal(c.out.receipts[0].actions[0].kind, NEARVM_ACTION_DELETE_KEY);
    assert_memory_equal(c.out.receipts[0].actions[0].public_key + 1, key, 32);
    call_free(&c);
    c = vm_call(&st, "anyone.near", (uint64_t)t.now, "list_workers", "");
    assert_string_equal(c.ret, "[]");
    call_free(&c);
    c = vm_call(&st, "anyone.near", (uint64_t)t.now, "get_worker", ga);
    assert_string_equal(c.ret, "null");
    call_free(&c);
    free(a);
    mem_free(&st);
    tee_sim_free(&t);
}

static void test_binding_and_attributes(void **state)
{
    (void)state;
    tee_sim t;
    assert_int_equal(tee_sim_create(&t, (int64_t)time(NULL), NULL, 0), 0);
    mem_store st = {0};
    deploy_sim(&st, &t);
    upload_collateral(&st, &t);
    uint8_t key[32] = {9};
    char key_str[80];
    /* bound to another worker account */
    char *a = sim_register_args(&t, key, "other.near", TEE_TD_ATTRIBUTES_OK, key_str, sizeof key_str);
    expect_panic(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a, "Report data binding mismatch");
    free(a);
    /* a debug TD */
    a = sim_register_args(&t, key, "worker.near", TEE_TD_ATTRIBUTES_OK | 1, key_str, sizeof key_str);
    expect_panic(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a, "TD attributes: debug (TUD) bits set");
    free(a);
    /* SEPT_VE_DISABLE clear */
    a = sim_register_args(&t, key, "worker.near", 0, key_str, sizeof key_str);
    expect_panic(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a, "SEPT_VE_DISABLE not set");
    free(a);
    /* an unapproved measurement set (approved RTMR3, other MRTD) */
    measurements[0][0] ^= 1;
    a = sim_register_args(&t, key, "worker.near", TEE_TD_ATTRIBUTES_OK, key_str, sizeof key_str);
    expect_panic(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a, "Worker measurements not approved");
    measurements[0][0] ^= 1;
    free(a);
    mem_free(&st);
    tee_sim_free(&t);
}

static void test_revocation(void **state)
{
    (void)state;
    tee_sim t;
    assert_int_equal(tee_sim_create(&t, (int64_t)time(NULL), NULL, 0), 0);
    uint8_t key[32] = {7};
    char key_str[80];
    /* the PCK certificate listed in the PCK CRL */
    mem_store st = {0};
    deploy_sim(&st, &t);
    t.revoked_pck_serial = TEE_SIM_PCK_SERIAL;
    upload_collateral(&st, &t);
    char *a = sim_register_args(&t, key, "worker.near", TEE_TD_ATTRIBUTES_OK, key_str, sizeof key_str);
    expect_panic(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a,
                 "TDX quote verification failed - invalid signature or expired TCB: PCK certificate revoked by the "
                 "PCK CRL");
    free(a);
    mem_free(&st);
    /* the PCK CA listed in the root CA CRL: the collateral itself is refused */
    mem_store st2 = {0};
    deploy_sim(&st2, &t);
    t.revoked_pck_serial = 0;
    t.revoked_root_serial = TEE_SIM_PCK_CA_SERIAL;
    char *coll = tee_sim_collateral(&t, t.now);
    a = collateral_args((const uint8_t *)coll, strlen(coll));
    expect_panic(&st2, "owner.near", (uint64_t)t.now, "update_collateral", a,
                 "Invalid collateral: PCK CRL issuer chain: certificate revoked by the root CA CRL");
    free(a);
    free(coll);
    mem_free(&st2);
    tee_sim_free(&t);
}

static void test_tcb_policy(void **state)
{
    (void)state;
    tee_sim t;
    assert_int_equal(tee_sim_create(&t, (int64_t)time(NULL), NULL, 0), 0);
    t.tcb_status = "OutOfDate";
    t.advisories = "[\"INTEL-SA-00001\",\"INTEL-SA-00002\"]";
    mem_store st = {0};
    deploy_sim(&st, &t);
    upload_collateral(&st, &t);
    uint8_t key[32] = {5};
    char key_str[80];
    char *a = sim_register_args(&t, key, "worker.near", TEE_TD_ATTRIBUTES_OK, key_str, sizeof key_str);
    expect_panic(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a,
                 "TCB status OutOfDate not allowed by policy (allowed: UpToDate); advisories: "
                 "INTEL-SA-00001,INTEL-SA-00002");
    expect_ok(&st, "owner.near", (uint64_t)t.now, "set_tcb_policy", "{\"allowed\":[\"UpToDate\",\"OutOfDate\"]}");
    struct call c = vm_call(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a);
    if (!c.ok)
        fail_msg("register with OutOfDate allowed: %s", c.panic);
    assert_non_null(strstr(c.logs, "TCB advisories for this platform: INTEL-SA-00001,INTEL-SA-00002"));
    assert_non_null(strstr(c.logs, "tcb_status=OutOfDate"));
    call_free(&c);
    free(a);
    mem_free(&st);
    tee_sim_free(&t);
}

#define NEAR ((nearvm_u128)1000000000000ull * 1000000000000ull)

/* The single Transfer receipt to `to` in an outcome, or -1 (as u128 max). */
static nearvm_u128 transfer_to(const struct call *c, const char *to)
{
    for (size_t i = 0; i < c->out.receipts_count; i++) {
        nearvm_receipt *r = &c->out.receipts[i];
        if (strcmp(r->receiver_id, to) == 0 && r->actions_count == 1 && r->actions[0].kind == NEARVM_ACTION_TRANSFER)
            return r->actions[0].deposit;
    }
    return (nearvm_u128)-1;
}

static bool has_delete_key(const struct call *c, const uint8_t key[32])
{
    for (size_t i = 0; i < c->out.receipts_count; i++) {
        nearvm_receipt *r = &c->out.receipts[i];
        for (size_t k = 0; k < r->actions_count; k++)
            if (r->actions[k].kind == NEARVM_ACTION_DELETE_KEY && memcmp(r->actions[k].public_key + 1, key, 32) == 0)
                return strcmp(r->receiver_id, "register.near") == 0;
    }
    return false;
}

/* Stake: minimum enforced, held, slashed (owner or arbiter only, never more
 * than held, also during unbonding) to the treasury with an event,
 * unstake/withdraw by the worker's account only and only after the
 * unbonding period; the amounts paid out add up to what was deposited. */
static void test_stake_and_slashing(void **state)
{
    (void)state;
    tee_sim t;
    assert_int_equal(tee_sim_create(&t, (int64_t)time(NULL), NULL, 0), 0);
    uint64_t now = (uint64_t)t.now;
    mem_store st = {0};
    deploy_sim(&st, &t);
    upload_collateral(&st, &t);
    expect_panic(&st, "stranger.near", now, "set_stake_config", "{\"min_stake\":\"1\"}",
                 "Only owner can call this method");
    expect_ok(&st, "owner.near", now, "set_stake_config",
              "{\"min_stake\":\"1000000000000000000000000\",\"unbonding_period_ns\":1000000000000,"
              "\"treasury_id\":\"treasury.near\",\"arbiter_id\":\"arbiter.near\"}");
    uint8_t key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(0x60 + i);
    char key_str[80];
    char *a = sim_register_args(&t, key, "worker.near", TEE_TD_ATTRIBUTES_OK, key_str, sizeof key_str);
    vm_next_deposit = NEAR / 2;
    expect_panic(&st, "worker.near", now, "register_worker_key", a,
                 "Stake deposit of at least 1000000000000000000000000 yoctoNEAR required (attached "
                 "500000000000000000000000)");
    vm_next_deposit = 2 * NEAR;
    expect_ok(&st, "worker.near", now, "register_worker_key", a);
    free(a);
    char wk[160], ga[160];
    snprintf(wk, sizeof wk, "{\"public_key\":\"%s\"}", key_str);
    snprintf(ga, sizeof ga, "{\"account_id\":\"worker.near\"}");
    struct call c = vm_call(&st, "anyone.near", now, "get_worker", ga);
    assert_non_null(strstr(c.ret, "\"stake\":\"2000000000000000000000000\",\"status\":\"active\""));
    assert_non_null(strstr(c.ret, key_str));
    call_free(&c);

    /* slashing: who, how much */
    char sl[400];
    snprintf(sl, sizeof sl,
             "{\"worker\":\"%s\",\"amount\":\"500000000000000000000000\",\"evidence_hash\":\"ab12\","
             "\"reason\":\"wrong \\\"result\\\"\"}",
             key_str);
    expect_panic(&st, "worker.near", now, "slash", sl, "Only the owner or the arbiter can slash");
    char too_much[400];
    snprintf(too_much, sizeof too_much,
             "{\"worker\":\"%s\",\"amount\":\"2000000000000000000000001\",\"evidence_hash\":\"ab\",\"reason\":\"r\"}",
             key_str);
    expect_panic(&st, "owner.near", now, "slash", too_much,
                 "Slash amount exceeds the stake (2000000000000000000000000)");
    c = vm_call(&st, "arbiter.near", now, "slash", sl);
    if (!c.ok)
        fail_msg("slash: %s", c.panic);
    assert_true(transfer_to(&c, "treasury.near") == NEAR / 2);
    assert_false(has_delete_key(&c, key));
    assert_non_null(strstr(c.logs, "EVENT_JSON:{\"standard\":\"outlayer_register\",\"version\":\"1.0.0\","
                                   "\"event\":\"worker_slashed\",\"data\":[{\"worker\":\""));
    assert_non_null(strstr(c.logs,
                           "\"amount\":\"500000000000000000000000\",\"remaining_stake\":"
                           "\"1500000000000000000000000\",\"treasury_id\":\"treasury.near\","
                           "\"evidence_hash\":\"ab12\",\"reason\":\"wrong \\\"result\\\"\",\"key_removed\":false,"
                           "\"by\":\"arbiter.near\"}]}"));
    call_free(&c);

    /* unstake / withdraw: the worker's account only, after the period */
    expect_panic(&st, "worker.near", now, "withdraw", wk, "Worker is not unbonding (call unstake first)");
    expect_panic(&st, "stranger.near", now, "unstake", wk, "Only the worker's account can unstake: worker.near");
    expect_ok(&st, "worker.near", now, "unstake", wk);
    expect_panic(&st, "worker.near", now, "unstake", wk, "Worker is already unbonding");
    expect_panic(&st, "worker.near", now + 999, "withdraw", wk, "Unbonding until");
    /* slashing during unbonding still works */
    snprintf(sl, sizeof sl,
             "{\"worker\":\"%s\",\"amount\":\"250000000000000000000000\",\"evidence_hash\":\"cd\",\"reason\":\"late\"}",
             key_str);
    c = vm_call(&st, "owner.near", now + 10, "slash", sl);
    assert_true(c.ok);
    assert_true(transfer_to(&c, "treasury.near") == NEAR / 4);
    call_free(&c);
    expect_panic(&st, "stranger.near", now + 1000, "withdraw", wk, "Only the worker's account can withdraw");
    c = vm_call(&st, "worker.near", now + 1000, "withdraw", wk);
    if (!c.ok)
        fail_msg("withdraw: %s", c.panic);
    nearvm_u128 back = transfer_to(&c, "worker.near");
    assert_true(back == NEAR + NEAR / 4);
    assert_true(back + NEAR / 2 + NEAR / 4 == 2 * NEAR); /* nothing created or lost */
    assert_true(has_delete_key(&c, key));
    call_free(&c);
    c = vm_call(&st, "anyone.near", now, "get_worker", wk);
    assert_string_equal(c.ret, "null");
    call_free(&c);
    expect_panic(&st, "worker.near", now + 2000, "withdraw", wk, "Worker not registered");

    /* slash with key removal: key deleted now, rest unbonds */
    uint8_t key2[32] = {0x77, 1};
    char key2_str[80];
    a = sim_register_args(&t, key2, "worker.near", TEE_TD_ATTRIBUTES_OK, key2_str, sizeof key2_str);
    vm_next_deposit = NEAR;
    expect_ok(&st, "worker.near", now, "register_worker_key", a);
    free(a);
    snprintf(
        sl, sizeof sl,
        "{\"worker\":\"%s\",\"amount\":\"1000000000000000000000000\",\"evidence_hash\":\"ef\",\"reason\":\"fraud\","
        "\"remove_key\":true}",
        key2_str);
    c = vm_call(&st, "owner.near", now, "slash", sl);
    assert_true(c.ok);
    assert_true(transfer_to(&c, "treasury.near") == NEAR);
    assert_true(has_delete_key(&c, key2));
    call_free(&c);
    snprintf(wk, sizeof wk, "{\"public_key\":\"%s\"}", key2_str);
    c = vm_call(&st, "anyone.near", now, "get_worker", wk);
    assert_non_null(strstr(c.ret, "\"stake\":\"0\",\"status\":\"unbonding\""));
    assert_non_null(strstr(c.ret, "\"key_active\":false"));
    call_free(&c);
    /* withdrawing a fully slashed stake pays nothing and deletes no key twice */
    c = vm_call(&st, "worker.near", now + 1000, "withdraw", wk);
    assert_true(c.ok);
    assert_int_equal(c.out.receipts_count, 0);
    call_free(&c);

    /* remove_worker on a staked worker: key deleted now, the stake is not
     * confiscated but unbonds and is withdrawn later */
    uint8_t key3[32] = {0x33, 3};
    char key3_str[80];
    a = sim_register_args(&t, key3, "worker.near", TEE_TD_ATTRIBUTES_OK, key3_str, sizeof key3_str);
    vm_next_deposit = 3 * NEAR;
    expect_ok(&st, "worker.near", now, "register_worker_key", a);
    free(a);
    snprintf(wk, sizeof wk, "{\"public_key\":\"%s\"}", key3_str);
    c = vm_call(&st, "owner.near", now, "remove_worker", wk);
    assert_true(c.ok);
    assert_true(has_delete_key(&c, key3));
    call_free(&c);
    expect_panic(&st, "owner.near", now, "remove_worker", wk, "Worker key already removed");
    expect_panic(&st, "worker.near", now + 999, "withdraw", wk, "Unbonding until");
    c = vm_call(&st, "worker.near", now + 1000, "withdraw", wk);
    assert_true(c.ok);
    assert_true(transfer_to(&c, "worker.near") == 3 * NEAR);
    assert_false(has_delete_key(&c, key3));
    call_free(&c);
    mem_free(&st);
    tee_sim_free(&t);
}

/* A v5 quote with a TD 1.5 body registers; a non-zero MRSERVICETD is refused. */
static void test_v5_td15_quote(void **state)
{
    (void)state;
    tee_sim t;
    assert_int_equal(tee_sim_create(&t, (int64_t)time(NULL), NULL, 0), 0);
    mem_store st = {0};
    deploy_sim(&st, &t);
    upload_collateral(&st, &t);
    uint8_t key[32] = {0x15, 0x15};
    uint8_t rd[64];
    report_data_for(key, "worker.near", rd);
    char key_str[80];
    key_of(key, key_str, sizeof key_str);
    uint8_t *q;
    size_t qlen = sim_quote_v(&t, 5, measurements, rd, TEE_TD_ATTRIBUTES_OK, 1, &q);
    char *a = register_args(key_str, q, qlen);
    free(q);
    expect_panic(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a,
                 "TD 1.5 report: MRSERVICETD is not zero");
    free(a);
    qlen = sim_quote_v(&t, 5, measurements, rd, TEE_TD_ATTRIBUTES_OK, 0, &q);
    a = register_args(key_str, q, qlen);
    free(q);
    struct call c = vm_call(&st, "worker.near", (uint64_t)t.now, "register_worker_key", a);
    if (!c.ok)
        fail_msg("v5 register: %s", c.panic);
    assert_int_equal(c.out.receipts_count, 1);
    assert_int_equal(c.out.receipts[0].actions[0].kind, NEARVM_ACTION_ADD_KEY);
    call_free(&c);
    free(a);
    mem_free(&st);
    tee_sim_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_path_and_removal),
        cmocka_unit_test(test_binding_and_attributes),
        cmocka_unit_test(test_revocation),
        cmocka_unit_test(test_tcb_policy),
        cmocka_unit_test(test_stake_and_slashing),
        cmocka_unit_test(test_v5_td15_quote),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
