/* test_register_wasm.c — build/contracts/register.wasm in the NEAR VM the
 * devnet uses (NEAR gas schedule), at block times inside and outside the
 * real sample collateral's window: the Intel-signed quote verifies inside
 * the contract (then stops at the report_data binding, which a third-party
 * quote cannot carry), every failure has its specific message, the caller
 * checks hold, and the gas of the verification is measured and printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dcap_test_util.h"
#include "vm_register.h"

static uint8_t *quote, *coll, *old_quote, *old_coll;
static size_t quote_len, coll_len, old_quote_len, old_coll_len;

/* A deployed, initialised contract with the sample's collateral and
 * measurements approved. */
static void deploy(mem_store *st, const uint8_t *q_body, const uint8_t *c, size_t clen, uint64_t t)
{
    expect_ok(
        st, "owner.near", t, "new",
        "{\"owner_id\":\"owner.near\",\"init_worker_account\":\"worker.near\",\"receiver_id\":\"outlayer.near\"}");
    char *a = collateral_args(c, clen);
    expect_ok(st, "owner.near", t, "update_collateral", a);
    free(a);
    char *r3 = hex_of(q_body + 472, 48), args[200];
    snprintf(args, sizeof args, "{\"rtmr3\":\"%s\"}", r3);
    expect_ok(st, "owner.near", t, "add_approved_rtmr3", args);
    free(r3);
    a = measurement_args(q_body);
    expect_ok(st, "owner.near", t, "add_approved_measurements", a);
    free(a);
}

static int setup(void **state)
{
    (void)state;
    if (load_register_wasm())
        return -1;
    quote = tu_slurp("tdx_quote", &quote_len);
    coll = tu_slurp("tdx_quote_collateral.json", &coll_len);
    old_quote = tu_slurp("tdx_quote_outdated", &old_quote_len);
    old_coll = tu_slurp("tdx_quote_outdated_collateral.json", &old_coll_len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nearvm_contract_release(contract);
    free(quote);
    free(coll);
    free(old_quote);
    free(old_coll);
    return 0;
}

static void test_real_quote_verifies_in_contract(void **state)
{
    (void)state;
    mem_store st = {0};
    uint64_t t = (uint64_t)tu_time("2025-06-25T12:00:00Z");
    deploy(&st, quote + 48, coll, coll_len, t);
    char key[80];
    key_of(quote + 568, key, sizeof key);
    char *a = register_args(key, quote, quote_len);
    struct call c = vm_call(&st, "worker.near", t, "register_worker_key", a);
    /* All of DCAP passed inside the wasm; the sample's report_data[32..64]
     * is not our binding, so the contract stops there. */
    assert_false(c.ok);
    if (!strstr(c.panic, "Report data binding mismatch"))
        fail_msg("unexpected: %s\nlogs:\n%s", c.panic, c.logs);
    assert_non_null(strstr(
        c.logs, "📋 Extracted RTMR3 from TDX quote: "
                "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"));
    char want[128];
    snprintf(want, sizeof want, "📋 Extracted public key from quote: %s", key);
    assert_non_null(strstr(c.logs, want));
    printf(
        "register_worker_key with the real v4 quote (quote, QE report, PCK chain, TCB/QE matching): %.2f TGas burnt, %llu wasm "
        "instructions\n",
        (double)c.gas_burnt / TGAS, (unsigned long long)c.out.instructions);
    assert_true(c.gas_burnt < 300 * TGAS);
    call_free(&c);
    free(a);

    /* a different key than the quote's */
    a = register_args("ed25519:11111111111111111111111111111111", quote, quote_len);
    expect_panic(&st, "worker.near", t, "register_worker_key", a,
                 "Public key mismatch: provided key doesn't match TDX quote report_data");
    /* only the init worker account may register */
    expect_panic(&st, "stranger.near", t, "register_worker_key", a, "Only worker.near can call register_worker_key");
    free(a);
    mem_free(&st);
}

static void test_contract_rejections(void **state)
{
    (void)state;
    mem_store st = {0};
    uint64_t t = (uint64_t)tu_time("2025-06-25T12:00:00Z");
    char key[80];
    key_of(quote + 568, key, sizeof key);
    char *a = register_args(key, quote, quote_len);
    expect_ok(&st, "owner.near", t, "new", "{\"owner_id\":\"owner.near\",\"init_worker_account\":\"worker.near\"}");
    expect_panic(&st, "worker.near", t, "register_worker_key", a,
                 "Quote collateral required (cache via update_collateral)");
    char *ca = collateral_args(coll, coll_len);
    expect_panic(&st, "worker.near", t, "update_collateral", ca, "Only owner can call this method");
    /* collateral is verified on upload: expired, or tampered, is refused */
    expect_panic(&st, "owner.near", (uint64_t)tu_time("2025-08-01T00:00:00Z"), "update_collateral", ca,
                 "Invalid collateral: ");
    char *bad_json = malloc(coll_len + 1);
    memcpy(bad_json, coll, coll_len);
    bad_json[coll_len] = 0;
    char *p = strstr(bad_json, "\\\"tcbStatus\\\":\\\"OutOfDate");
    assert_non_null(p);
    p[strlen("\\\"tcbStatus\\\":\\\"") + 2] = 'X';
    char *bad = collateral_args((const uint8_t *)bad_json, coll_len);
    expect_panic(&st, "owner.near", t, "update_collateral", bad, "Invalid collateral: TCB info: signature invalid");
    free(bad);
    free(bad_json);
    struct call uc = vm_call(&st, "owner.near", t, "update_collateral", ca);
    if (!uc.ok)
        fail_msg("update_collateral: %s", uc.panic);
    assert_non_null(strstr(uc.logs, "Quote collateral updated\nCollateral valid until 1752919235 (Unix seconds)\n"));
    printf("update_collateral with the real collateral (all collateral signatures): %.2f TGas burnt\n",
           (double)uc.gas_burnt / TGAS);
    call_free(&uc);
    free(ca);
    /* RTMR3 not approved */
    expect_panic(&st, "worker.near", t, "register_worker_key", a, "not approved for registration");
    /* RTMR3 approved (upper case input is normalised) but not the full set */
    char args[200];
    snprintf(args, sizeof args, "{\"rtmr3\":\"%096d\"}", 0);
    expect_ok(&st, "owner.near", t, "add_approved_rtmr3", args);
    expect_panic(&st, "worker.near", t, "register_worker_key", a, "Worker measurements not approved");
    /* outside the collateral window */
    expect_panic(&st, "worker.near", (uint64_t)tu_time("2026-12-01T00:00:00Z"), "register_worker_key", a,
                 "TDX quote verification failed - invalid signature or expired TCB: root CA CRL: expired");
    free(a);
    /* a flipped byte in the signed report */
    uint8_t *q = malloc(quote_len);
    memcpy(q, quote, quote_len);
    q[200] ^= 0x10;
    a = register_args(key, q, quote_len);
    expect_panic(&st, "worker.near", t, "register_worker_key", a,
                 "TDX quote verification failed - invalid signature or expired TCB: quote signature invalid");
    free(a);
    /* truncated */
    a = register_args(key, quote, 1000);
    expect_panic(&st, "worker.near", t, "register_worker_key", a, "quote: signature data length exceeds the quote");
    free(a);
    free(q);
    /* not hex */
    expect_panic(&st, "worker.near", t, "register_worker_key",
                 "{\"public_key\":\"ed25519:11111111111111111111111111111111\",\"tdx_quote_hex\":\"0g\"}",
                 "Invalid quote hex encoding");
    /* bad measurement input */
    expect_panic(&st, "owner.near", t, "add_approved_rtmr3", "{\"rtmr3\":\"00\"}",
                 "Invalid RTMR3 format: expected 96 hex characters");
    mem_free(&st);
}

static void test_outdated_v5_quote_in_contract(void **state)
{
    (void)state;
    mem_store st = {0};
    uint64_t t = (uint64_t)tu_time("2026-03-01T12:00:00Z");
    deploy(&st, old_quote + 54, old_coll, old_coll_len, t);
    char key[80];
    key_of(old_quote + 54 + 520, key, sizeof key);
    char *a = register_args(key, old_quote, old_quote_len);
    struct call c = vm_call(&st, "worker.near", t, "register_worker_key", a);
    assert_false(c.ok);
    if (!strstr(c.panic, "no TCB level matches the platform"))
        fail_msg("unexpected: %s", c.panic);
    printf("register_worker_key with the outdated v5 quote (rejected at TCB matching): %.2f TGas burnt\n",
           (double)c.gas_burnt / TGAS);
    call_free(&c);
    free(a);
    mem_free(&st);
}

static void test_views_and_admin(void **state)
{
    (void)state;
    mem_store st = {0};
    uint64_t t = (uint64_t)tu_time("2025-06-25T12:00:00Z");
    deploy(&st, quote + 48, coll, coll_len, t);
    struct call c = vm_call(&st, "anyone.near", t, "get_config", "{}");
    assert_true(c.ok);
    assert_string_equal(c.ret, "{\"owner_id\":\"owner.near\",\"init_worker_account\":\"worker.near\","
                               "\"receiver_id\":\"outlayer.near\",\"tcb_policy\":[\"UpToDate\"],"
                               "\"intel_root_ca\":true,\"worker_count\":0,\"min_stake\":\"0\","
                               "\"unbonding_period_ns\":604800000000000,\"treasury_id\":\"owner.near\","
                               "\"arbiter_id\":null}");
    call_free(&c);
    c = vm_call(&st, "anyone.near", t, "get_init_worker_account", "");
    assert_string_equal(c.ret, "\"worker.near\"");
    call_free(&c);
    char args[200];
    snprintf(args, sizeof args, "{\"rtmr3\":\"%096d\"}", 0);
    c = vm_call(&st, "anyone.near", t, "is_rtmr3_approved", args);
    assert_string_equal(c.ret, "true");
    call_free(&c);
    expect_ok(&st, "owner.near", t, "remove_approved_rtmr3", args);
    c = vm_call(&st, "anyone.near", t, "get_approved_rtmr3", "");
    assert_string_equal(c.ret, "[]");
    call_free(&c);
    expect_ok(&st, "owner.near", t, "set_tcb_policy", "{\"allowed\":[\"UpToDate\",\"SWHardeningNeeded\"]}");
    expect_panic(&st, "owner.near", t, "set_tcb_policy", "{\"allowed\":[\"Revoked\"]}",
                 "Unknown or forbidden TCB status: Revoked");
    expect_panic(&st, "stranger.near", t, "set_tcb_policy", "{\"allowed\":[\"UpToDate\"]}",
                 "Only owner can call this method");
    c = vm_call(&st, "owner.near", t, "transfer_ownership", "{\"new_owner\":\"next.near\"}");
    assert_true(c.ok);
    assert_non_null(strstr(c.logs, "Ownership transferred: owner.near -> next.near"));
    call_free(&c);
    expect_panic(&st, "owner.near", t, "remove_worker", "{\"public_key\":\"ed25519:11111111111111111111111111111111\"}",
                 "Only owner can call this method");
    expect_panic(&st, "next.near", t, "remove_worker", "{\"public_key\":\"ed25519:11111111111111111111111111111111\"}",
                 "Worker not registered");
    c = vm_call(&st, "anyone.near", t, "list_workers", "");
    assert_string_equal(c.ret, "[]");
    call_free(&c);
    mem_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_quote_verifies_in_contract),
        cmocka_unit_test(test_contract_rejections),
        cmocka_unit_test(test_outdated_v5_quote_in_contract),
        cmocka_unit_test(test_views_and_admin),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
