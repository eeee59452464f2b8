/*
 * test_devnet_timeout.c — the yield timeout path: a request nobody resolves
 * times out after 200 blocks (5 ms blocks here, so about a second), the
 * callback sees a failed promise, refunds the payment minus the base fee,
 * and the caller's transaction finishes with `null`. A late resolve fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devnet_harness.h"

#define OUTLAYER "outlayer.test.near"
#define OPERATOR "operator.test.near"
#define ALICE "alice.test.near"

static dn_node node;

static void test_timeout_refunds_minus_base_fee(void **state)
{
    (void)state;
    const char *extra[] = {"--wait-timeout-ms", "30000", NULL};
    assert_int_equal(dn_start(&node, 5, extra), 0);
    near_credentials outlayer, op, alice;
    assert_int_equal(dn_create_account(&node, &node.test_root, OUTLAYER, 20 * DN_NEAR, &outlayer), 0);
    assert_int_equal(dn_create_account(&node, &node.test_root, OPERATOR, 20 * DN_NEAR, &op), 0);
    assert_int_equal(dn_create_account(&node, &node.test_root, ALICE, 20 * DN_NEAR, &alice), 0);
    const char *wasm = getenv("OUTLAYER_WASM") ? getenv("OUTLAYER_WASM") : "build/contracts/outlayer.wasm";
    assert_int_equal(dn_deploy(&node, &outlayer, wasm, "{\"owner_id\":\"test.near\",\"operator_id\":\"" OPERATOR "\"}"),
                     0);
    near_outcome o;
    near_rpc_error err = {0};

    near_u128 before = dn_balance(&node, ALICE);
    uint64_t h0 = dn_height(&node);
    char hash[64];
    const char *args =
        "{\"code_source\":{\"GitHub\":{\"repo\":\"https://github.com/u/r\",\"commit\":\"main\",\"build_target\":null}},"
        "\"resource_limits\":{\"max_instructions\":10000000,\"max_memory_mb\":64,\"max_execution_seconds\":10}}";
    near_u128 payment = DN_NEAR / 10;
    assert_int_equal(
        dn_call(&node, &alice, OUTLAYER, "request_execution", args, payment, NEAR_WAIT_NONE, &o, &err, hash), NEAR_OK);
    near_outcome_free(&o);
    uint64_t at = 0;
    char *event = dn_feed_find_event(&node, OUTLAYER, "execution_requested", h0, 20000, &at);
    assert_non_null(event);
    free(event);

    /* Nobody resolves: the transaction ends once the yield times out. */
    near_status st = NEAR_ERR_TIMEOUT;
    for (int i = 0; i < 6 && st == NEAR_ERR_TIMEOUT; i++) {
        st = near_rpc_tx_status(node.rpc, hash, ALICE, NEAR_WAIT_FINAL, 1, &o, &err);
        near_rpc_error_clear(&err);
    }
    assert_int_equal(st, NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    assert_int_equal(o.value_len, 4);
    assert_memory_equal(o.value, "null", 4);
    bool failed_log = false;
    for (size_t i = 0; i < o.n_logs; i++)
        failed_log |= strstr(o.logs[i], "Execution promise failed") != NULL;
    assert_true(failed_log);
    uint64_t request_gas = o.gas_burnt;
    near_outcome_free(&o);
    assert_true(dn_height(&node) >= at + 200);

    /* Paid: exactly the base fee (1e21) and the gas the request's receipts
     * burnt (the timed-out callback included); the rest came back. */
    near_u128 base_fee = (near_u128)1000 * 1000000000000000000ull;
    near_u128 after = dn_balance(&node, ALICE);
    assert_true(before - after == base_fee + (near_u128)request_gas * DN_GAS_PRICE);

    /* A resolve after the timeout cannot resume anything. */
    assert_int_equal(
        dn_call(&node, &op, OUTLAYER, "resolve_execution",
                "{\"request_id\":0,\"response\":{\"success\":true,\"output\":{\"Text\":\"late\"},\"error\":null,"
                "\"resources_used\":{\"instructions\":1,\"time_ms\":1,\"compile_time_ms\":null},"
                "\"compilation_note\":null}}",
                0, NEAR_WAIT_FINAL, &o, &err, NULL),
        NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_FAILURE);
    near_outcome_free(&o);
    assert_int_equal(dn_stop(&node, true), 0);
    assert_int_equal(dn_check_supply(&node), 0);
    dn_stop(&node, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeout_refunds_minus_base_fee),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
