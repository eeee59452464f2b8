/* test_forwarder.c — the forwarding example contract, run together with the
 * OutLayer contract on one mock: ask -> request_execution (yield) -> worker
 * resolve -> OutLayer callback -> on_answer stores the program's JSON.
 * (The e2e suite runs the same round trip on the devnet with real workers.) */
#include "harness.h"
#include "forwarder.h"
#include "outlayer.h"

#define OUTLAYER "outlayer.testnet"
#define FORWARDER "forwarder.testnet"
#define USER "user.testnet"
#define OPERATOR "worker.testnet"
#define CODE \
    "{\"WasmUrl\":{\"url\":\"https://example.com/p.wasm\",\"hash\":\"abcd\",\"build_target\":\"wasm32-wasip1\"}}"

static void as(const char *current, const char *predecessor, u128 deposit)
{
    mock_set_current(current);
    mock_set_predecessor(predecessor);
    mock_set_deposit(deposit);
}

static int setup(void **state)
{
    (void)state;
    mock_reset();
    as(OUTLAYER, "admin.testnet", 0);
    call_ok(ol_new, "{\"owner_id\":\"admin.testnet\",\"operator_id\":\"" OPERATOR "\"}");
    as(FORWARDER, "deployer.testnet", 0);
    call_ok(fw_new, "{\"outlayer_id\":\"" OUTLAYER "\"}");
    return 0;
}

/* One round trip; `output` is the worker's Json output (JSON text), NULL for
 * a failed execution, or "TIMEOUT". Returns on_answer's result. */
static const char *ask(uint64_t want_id, const char *output)
{
    u128 pay = u128_dec("100000000000000000000000");
    as(FORWARDER, USER, pay);
    call_ok(fw_ask,
            "{\"code_source\":" CODE ",\"input_data\":\"{\\\"n\\\":3}\","
            "\"resource_limits\":{\"max_instructions\":1000000,\"max_memory_mb\":32,\"max_execution_seconds\":5}}");
    assert_log(fmt("Forwarding request %llu from user.testnet", (unsigned long long)want_id));
    assert_int_equal(mock_promise_count(), 2);
    const struct mock_promise *call = mock_promise(0), *then = mock_promise(1);
    assert_string_equal(call->account, OUTLAYER);
    assert_string_equal(call->actions[0].method, "request_execution");
    assert_true(call->actions[0].amount == pay);
    assert_int_equal(call->actions[0].gas, FORWARDER_OUTLAYER_GAS);
    assert_string_equal(then->account, FORWARDER);
    assert_string_equal(then->actions[0].method, "on_answer");
    assert_int_equal(mock_promise_returned(), 1);
    char *req_args = strdup((const char *)call->actions[0].args);
    char *cb_args = strdup((const char *)then->actions[0].args);
    assert_string_equal(req_args, "{\"code_source\":" CODE ",\"resource_limits\":{\"max_instructions\":1000000,"
                                  "\"max_memory_mb\":32,\"max_execution_seconds\":5},\"input_data\":\"{\\\"n\\\":3}\","
                                  "\"response_format\":\"Json\",\"payer_account_id\":\"user.testnet\"}");
    assert_string_equal(cb_args, fmt("{\"id\":%llu,\"sender\":\"user.testnet\"}", (unsigned long long)want_id));

    as(OUTLAYER, FORWARDER, pay);
    call_ok(ol_request_execution, req_args);
    size_t y = mock_yield_count() - 1;
    if (output == NULL) {
        as(OUTLAYER, OPERATOR, 0);
        call_ok(ol_resolve_execution, fmt("{\"request_id\":%zu,\"response\":{\"success\":false,\"error\":\"trap\","
                                          "\"resources_used\":{\"instructions\":1,\"time_ms\":1}}}",
                                          y));
    } else if (strcmp(output, "TIMEOUT") == 0) {
        mock_yield_timeout(y);
    } else {
        as(OUTLAYER, OPERATOR, 0);
        call_ok(ol_resolve_execution, fmt("{\"request_id\":%zu,\"response\":{\"success\":true,\"output\":{\"Json\":"
                                          "%s},\"resources_used\":{\"instructions\":1000000,\"time_ms\":3}}}",
                                          y, output));
    }
    struct mock_yield *yd = mock_yield(y);
    as(OUTLAYER, OUTLAYER, 0);
    mock_clear_promise_results();
    if (yd->state == MOCK_YIELD_RESUMED)
        mock_add_promise_result_success(yd->payload, yd->payload_len);
    else
        mock_add_promise_result_failed();
    call_ok(ol_on_execution_response, fmt("%.*s", (int)yd->args_len, (const char *)yd->args));
    yd->state = MOCK_YIELD_DONE;
    size_t len;
    const uint8_t *value = mock_return_value(&len);
    char *outlayer_result = fmt("%.*s", (int)len, (const char *)value);

    as(FORWARDER, FORWARDER, 0);
    mock_clear_promise_results();
    mock_add_promise_result_success(outlayer_result, strlen(outlayer_result));
    call_ok(fw_on_answer, cb_args);
    free(req_args);
    free(cb_args);
    return mock_return_text();
}

static void test_answers_are_stored(void **state)
{
    (void)state;
    assert_string_equal(ask(0, "{\"square\":9,\"list\":[1,2]}"),
                        "{\"id\":0,\"sender\":\"user.testnet\",\"answer\":{\"square\":9,\"list\":[1,2]}}");
    assert_log("Answer stored for request 0 from user.testnet");
    assert_string_equal(ask(1, "\"text\""), "{\"id\":1,\"sender\":\"user.testnet\",\"answer\":\"text\"}");
    as(FORWARDER, USER, 0);
    call_ok(fw_get_answer, "{\"id\":0}");
    assert_return("{\"id\":0,\"sender\":\"user.testnet\",\"answer\":{\"square\":9,\"list\":[1,2]}}");
    call_ok(fw_get_answer, "{\"id\":7}");
    assert_return("null");
    call_ok(fw_get_config, "");
    assert_return("[\"outlayer.testnet\",2]");
}

static void test_failures_are_stored_too(void **state)
{
    (void)state;
    assert_string_equal(ask(0, NULL), "{\"id\":0,\"sender\":\"user.testnet\",\"answer\":null,"
                                      "\"error\":\"the execution failed or timed out\"}");
    assert_log("No answer for request 0 from user.testnet: the execution failed or timed out");
    assert_string_equal(ask(1, "TIMEOUT"), "{\"id\":1,\"sender\":\"user.testnet\",\"answer\":null,"
                                           "\"error\":\"the execution failed or timed out\"}");
    /* a failed OutLayer receipt */
    as(FORWARDER, FORWARDER, 0);
    mock_clear_promise_results();
    mock_add_promise_result_failed();
    call_ok(fw_on_answer, "{\"id\":5,\"sender\":\"user.testnet\"}");
    assert_return("{\"id\":5,\"sender\":\"user.testnet\",\"answer\":null,\"error\":\"OutLayer call failed\"}");
}

static void test_checks(void **state)
{
    (void)state;
    as(FORWARDER, USER, 0);
    call_panics(fw_ask, "{\"code_source\":" CODE "}", "Attach a deposit");
    mock_set_deposit(1);
    call_panics(fw_ask, "{}", "missing field `code_source`");
    call_panics(fw_ask, "{\"code_source\":" CODE ",\"input_data\":5}", "");
    call_panics(fw_on_answer, "{\"id\":0,\"sender\":\"user.testnet\"}", "Method on_answer is private");
    mock_set_deposit(0);
    call_panics(fw_new, "{\"outlayer_id\":\"x.near\"}", "already been initialized");
    call_panics(fw_new, "{\"outlayer_id\":\"BAD ID\"}", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_answers_are_stored, setup),
        cmocka_unit_test_setup(test_failures_are_stored_too, setup),
        cmocka_unit_test_setup(test_checks, setup),
    };
    int rc = cmocka_run_group_tests_name("forwarder", tests, NULL, NULL);
    mock_reset();
    return rc;
}
