/* test_coinflip.c — the example caller contract, run together with the
 * OutLayer contract on one mock: flip -> request_execution (yield) ->
 * worker resolve -> OutLayer callback -> coin flip callback. */
#include "harness.h"
#include "coinflip.h"
#include "outlayer.h"

#define OUTLAYER "outlayer.testnet"
#define COINFLIP "coinflip.testnet"
#define PLAYER "player.testnet"
#define OPERATOR "worker.testnet"
#define CODE \
    "{\"WasmUrl\":{\"url\":\"https://example.com/flip.wasm\",\"hash\":\"abcd\",\"build_target\":\"wasm32-wasip1\"}}"

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
    as(COINFLIP, "deployer.testnet", 0);
    call_ok(cf_new, "{\"outlayer_id\":\"" OUTLAYER "\",\"code_source\":" CODE "}");
    return 0;
}

/* Plays one round; `output` is the worker's Text output, or NULL for a
 * worker failure, or "TIMEOUT". Returns the coin flip callback's result. */
static const char *play(const char *choice, const char *output)
{
    u128 pay = u128_dec("50000000000000000000000");
    as(COINFLIP, PLAYER, pay);
    call_ok(cf_flip, fmt("{\"choice\":\"%s\"}", choice));
    assert_log(fmt("Flip requested by player.testnet: %s", choice));
    assert_int_equal(mock_promise_count(), 2);
    const struct mock_promise *call = mock_promise(0);
    const struct mock_promise *then = mock_promise(1);
    assert_string_equal(call->account, OUTLAYER);
    assert_string_equal(call->actions[0].method, "request_execution");
    assert_true(call->actions[0].amount == pay);
    assert_int_equal(call->actions[0].gas, COINFLIP_OUTLAYER_GAS);
    assert_string_equal(then->account, COINFLIP);
    assert_int_equal(then->after, 0);
    assert_string_equal(then->actions[0].method, "on_flip_result");
    assert_int_equal(mock_promise_returned(), 1);
    char *req_args = strdup((const char *)call->actions[0].args);
    char *cb_args = strdup((const char *)then->actions[0].args);
    assert_string_equal(req_args, "{\"code_source\":" CODE ",\"resource_limits\":{\"max_instructions\":10000000000,"
                                  "\"max_memory_mb\":64,\"max_execution_seconds\":20},\"input_data\":\"{}\","
                                  "\"response_format\":\"Text\",\"payer_account_id\":\"player.testnet\"}");
    assert_string_equal(cb_args, fmt("{\"player\":\"player.testnet\",\"choice\":\"%s\"}", choice));

    /* the request_execution receipt on OutLayer */
    as(OUTLAYER, COINFLIP, pay);
    call_ok(ol_request_execution, req_args);
    size_t y = mock_yield_count() - 1;
    uint64_t id = mock_yield_count() - 1;
    if (output == NULL) {
        as(OUTLAYER, OPERATOR, 0);
        call_ok(ol_resolve_execution, fmt("{\"request_id\":%llu,\"response\":{\"success\":false,\"error\":\"trap\","
                                          "\"resources_used\":{\"instructions\":1,\"time_ms\":1}}}",
                                          (unsigned long long)id));
    } else if (strcmp(output, "TIMEOUT") == 0) {
        mock_yield_timeout(y);
    } else {
        as(OUTLAYER, OPERATOR, 0);
        call_ok(ol_resolve_execution, fmt("{\"request_id\":%llu,\"response\":{\"success\":true,\"output\":{\"Text\":"
                                          "\"%s\"},\"resources_used\":{\"instructions\":1000000,\"time_ms\":3}}}",
                                          (unsigned long long)id, output));
    }
    /* OutLayer's callback; its return value flows to on_flip_result */
    struct mock_yield *yd = mock_yield(y);
    as(OUTLAYER, OUTLAYER, 0);
    mock_clear_promise_results();
    if (yd->state == MOCK_YIELD_RESUMED)
        mock_add_promise_result_success(yd->payload, yd->payload_len);
    else
        mock_add_promise_result_failed();
    call_ok(ol_on_execution_response, fmt("%.*s", (int)yd->args_len, (const char *)yd->args));
    yd->state = MOCK_YIELD_DONE;
    /* the refund goes straight to the player (payer_account_id) */
    bool refunded = false;
    for (size_t i = 0; i < mock_promise_count(); i++)
        if (mock_promise(i)->actions[0].kind == MOCK_TRANSFER)
            refunded = strcmp(mock_promise(i)->account, PLAYER) == 0;
    assert_true(refunded);
    size_t len;
    const uint8_t *value = mock_return_value(&len);
    char *outlayer_result = fmt("%.*s", (int)len, (const char *)value);

    as(COINFLIP, COINFLIP, 0);
    mock_clear_promise_results();
    mock_add_promise_result_success(outlayer_result, strlen(outlayer_result));
    call_ok(cf_on_flip_result, cb_args);
    free(req_args);
    free(cb_args);
    return mock_return_text();
}

static void test_win_and_lose(void **state)
{
    (void)state;
    assert_string_equal(play("Heads", "Heads\\n"),
                        "{\"player\":\"player.testnet\",\"choice\":\"Heads\",\"outcome\":\"Heads\",\"won\":true}");
    assert_log("player.testnet won: Heads");
    assert_string_equal(play("Heads", "Tails"),
                        "{\"player\":\"player.testnet\",\"choice\":\"Heads\",\"outcome\":\"Tails\",\"won\":false}");
    assert_log("player.testnet lost: Tails");
}

static void test_failure_timeout_and_garbage(void **state)
{
    (void)state;
    assert_string_equal(play("Tails", NULL), "null");
    assert_log("Flip failed for player.testnet: OutLayer returned no result");
    assert_string_equal(play("Tails", "TIMEOUT"), "null");
    assert_string_equal(play("Tails", "Edge"), "null");
    assert_log("Flip failed for player.testnet: unexpected output");
    /* a failed OutLayer receipt */
    as(COINFLIP, COINFLIP, 0);
    mock_clear_promise_results();
    mock_add_promise_result_failed();
    call_ok(cf_on_flip_result, "{\"player\":\"player.testnet\",\"choice\":\"Heads\"}");
    assert_return("null");
    assert_log("Flip failed for player.testnet: OutLayer call failed");
}

static void test_checks(void **state)
{
    (void)state;
    as(COINFLIP, PLAYER, 0);
    call_panics(cf_flip, "{\"choice\":\"Heads\"}", "Attach a deposit");
    mock_set_deposit(1);
    call_panics(cf_flip, "{\"choice\":\"Edge\"}", "choice must be");
    call_panics(cf_flip, "{}", "missing field `choice`");
    call_panics(cf_on_flip_result, "{\"player\":\"player.testnet\",\"choice\":\"Heads\"}",
                "Method on_flip_result is private");
    call_ok(cf_get_config, "");
    assert_return("[\"outlayer.testnet\"," CODE "]");
    call_panics(cf_new, "{\"outlayer_id\":\"x.near\",\"code_source\":{}}", "doesn't accept deposit");
    mock_set_deposit(0);
    call_panics(cf_new, "{\"outlayer_id\":\"x.near\",\"code_source\":{}}", "already been initialized");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_win_and_lose, setup),
        cmocka_unit_test_setup(test_failure_timeout_and_garbage, setup),
        cmocka_unit_test_setup(test_checks, setup),
    };
    int rc = cmocka_run_group_tests_name("coinflip", tests, NULL, NULL);
    mock_reset();
    return rc;
}
