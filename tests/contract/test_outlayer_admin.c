/* test_outlayer_admin.c — init, migration, owner-only methods and views of
 * the OutLayer contract, against the mock NEAR runtime. */
#include "harness.h"
#include "outlayer.h"

#define OWNER "alice.testnet"
#define OPERATOR "bob.testnet"

static int setup(void **state)
{
    (void)state;
    mock_reset();
    mock_set_predecessor(OWNER);
    call_ok(ol_new, "{\"owner_id\":\"" OWNER "\",\"operator_id\":\"" OPERATOR "\"}");
    return 0;
}

static void test_new_initializes_defaults(void **state)
{
    (void)state;
    call_ok(ol_get_config, "");
    assert_return("[\"alice.testnet\",\"bob.testnet\"]");
    call_ok(ol_get_pricing, "");
    assert_return("[\"1000000000000000000000\",\"100000000000000\",\"100000000000000000\",\"100000000000000000\"]");
    call_ok(ol_is_paused, "");
    assert_return("false");
    call_ok(ol_get_stats, "");
    assert_return("[0,\"0\"]");
    call_ok(ol_get_max_limits, "");
    assert_return("[500000000000,180,300]");
    call_ok(ol_get_storage_version, "");
    assert_return("\"2\"");
    call_ok(ol_get_request, "{\"request_id\":0}");
    assert_return("null");
}

static void test_new_state_layout(void **state)
{
    (void)state;
    /* Borsh: owner, operator, paused, 4 x u128, next id, [0x00], total
     * executions, fees, [0x01], [0x02]. */
    size_t len;
    const uint8_t *raw = mock_storage_get("STATE", 5, &len);
    assert_non_null(raw);
    size_t expect = (4 + 13) + (4 + 11) + 1 + 4 * 16 + 8 + 5 + 8 + 16 + 5 + 5;
    assert_int_equal(len, expect);
    assert_memory_equal(raw,
                        "\x0d\x00\x00\x00"
                        "alice.testnet",
                        17);
    assert_int_equal(raw[17 + 15], 0); /* paused */
    const uint8_t prefix0[5] = {1, 0, 0, 0, 0x00};
    assert_memory_equal(raw + 17 + 15 + 1 + 64 + 8, prefix0, 5);
    const uint8_t tail[10] = {1, 0, 0, 0, 0x01, 1, 0, 0, 0, 0x02};
    assert_memory_equal(raw + len - 10, tail, 10);
}

static void test_new_operator_defaults_to_owner(void **state)
{
    (void)state;
    mock_reset();
    call_ok(ol_new, "{\"owner_id\":\"owner.near\"}");
    call_ok(ol_get_config, "");
    assert_return("[\"owner.near\",\"owner.near\"]");
}

static void test_new_panics(void **state)
{
    (void)state;
    call_panics(ol_new, "{\"owner_id\":\"x.near\"}", "The contract has already been initialized");
    mock_reset();
    call_panics(ol_new, "", "Failed to deserialize input from JSON.");
    call_panics(ol_new, "{\"owner_id\":\"Bad..Account\"}", "Failed to deserialize input from JSON.");
    call_panics(ol_new, "{}", "Failed to deserialize input from JSON.");
    mock_set_deposit(1);
    call_panics(ol_new, "{\"owner_id\":\"x.near\"}", "Method new doesn't accept deposit");
}

/* Valid arguments for every method, so each one gets past argument parsing
 * and reaches the missing state. */
static const char *valid_args(const char *method)
{
    static const struct {
        const char *method, *args;
    } table[] = {
        {"request_execution", "{\"code_source\":{\"GitHub\":{\"repo\":\"r\",\"commit\":\"c\"}}}"},
        {"resolve_execution", "{\"request_id\":0,\"response\":{\"success\":true,\"resources_used\":{"
                              "\"instructions\":0,\"time_ms\":0}}}"},
        {"submit_execution_output_and_resolve", "{\"request_id\":0,\"output\":{\"Text\":\"x\"},\"success\":true,"
                                                "\"resources_used\":{\"instructions\":0,\"time_ms\":0}}"},
        {"submit_execution_output", "{\"request_id\":0,\"output\":{\"Text\":\"x\"}}"},
        {"on_execution_response", "{\"request_id\":0,\"sender_id\":\"a.near\",\"code_source\":{\"GitHub\":{"
                                  "\"repo\":\"r\",\"commit\":\"c\"}},\"resource_limits\":{},\"payment\":\"1\"}"},
        {"store_secrets", "{\"accessor\":{\"Repo\":{\"repo\":\"r\"}},\"profile\":\"p\",\"encrypted_secrets_base64\":"
                          "\"x\",\"access\":\"AllowAll\"}"},
        {"delete_secrets", "{\"accessor\":{\"Repo\":{\"repo\":\"r\"}},\"profile\":\"p\"}"},
        {"update_access", "{\"accessor\":{\"Repo\":{\"repo\":\"r\"}},\"profile\":\"p\",\"new_access\":\"AllowAll\"}"},
        {"set_owner", "{\"new_owner_id\":\"a.near\"}"},
        {"set_operator", "{\"new_operator_id\":\"a.near\"}"},
        {"set_paused", "{\"paused\":true}"},
        {"get_secrets", "{\"accessor\":{\"Repo\":{\"repo\":\"r\"}},\"profile\":\"p\",\"owner\":\"a.near\"}"},
        {"secrets_exist", "{\"accessor\":{\"Repo\":{\"repo\":\"r\"}},\"profile\":\"p\",\"owner\":\"a.near\"}"},
        {"list_user_secrets", "{\"account_id\":\"a.near\"}"},
        {"estimate_storage_cost", "{\"accessor\":{\"Repo\":{\"repo\":\"r\"}},\"profile\":\"p\",\"owner\":\"a.near\","
                                  "\"encrypted_secrets_base64\":\"x\",\"access\":\"AllowAll\"}"},
        {"list_profiles", "{\"_repo\":\"r\"}"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].method, method) == 0)
            return table[i].args;
    return "{\"request_id\":0}"; /* the rest take request_id, optional args or none */
}

static void test_not_initialized(void **state)
{
    (void)state;
    mock_reset();
    mock_set_predecessor("outlayer.testnet"); /* passes the private check */
    mock_add_promise_result_failed();         /* for the callback */
    for (size_t i = 0; i < OL_METHOD_COUNT; i++) {
        if (strcmp(OL_METHODS[i].name, "new") == 0)
            continue;
        if (mock_call_json(OL_METHODS[i].fn, valid_args(OL_METHODS[i].name)))
            fail_msg("%s succeeded without state", OL_METHODS[i].name);
        if (strcmp(mock_panic_message(), "The contract is not initialized") != 0)
            fail_msg("%s: %s", OL_METHODS[i].name, mock_panic_message());
    }
    assert_int_equal(mock_storage_count(), 0);
}

static void test_set_operator_and_owner(void **state)
{
    (void)state;
    call_ok(ol_set_operator, "{\"new_operator_id\":\"worker.testnet\"}");
    assert_log("Operator changed from bob.testnet to worker.testnet");
    call_ok(ol_set_owner, "{\"new_owner_id\":\"carol.testnet\"}");
    assert_log("Owner changed from alice.testnet to carol.testnet");
    call_ok(ol_get_config, "");
    assert_return("[\"carol.testnet\",\"worker.testnet\"]");
    /* alice is no longer the owner */
    call_panics(ol_set_paused, "{\"paused\":true}", "Only owner can call this method");
}

static void test_owner_only_methods_reject_others(void **state)
{
    (void)state;
    mock_set_predecessor("mallory.testnet");
    call_panics(ol_set_operator, "{\"new_operator_id\":\"x.testnet\"}", "Only owner can call this method");
    call_panics(ol_set_owner, "{\"new_owner_id\":\"x.testnet\"}", "Only owner can call this method");
    call_panics(ol_set_paused, "{\"paused\":true}", "Only owner can call this method");
    call_panics(ol_set_pricing, "{\"base_fee\":\"1\"}", "Only owner can call this method");
    call_panics(ol_emergency_cancel_execution, "{\"request_id\":0}", "Only owner can call this method");
    call_panics(ol_clear_all_pending_requests, "{}", "Only owner can call this method");
}

static void test_admin_methods_reject_deposit(void **state)
{
    (void)state;
    mock_set_deposit(1);
    call_panics(ol_set_operator, "{\"new_operator_id\":\"x.testnet\"}", "Method set_operator doesn't accept deposit");
    call_panics(ol_set_owner, "{\"new_owner_id\":\"x.testnet\"}", "Method set_owner doesn't accept deposit");
    call_panics(ol_set_paused, "{\"paused\":true}", "Method set_paused doesn't accept deposit");
    call_panics(ol_set_pricing, "{}", "Method set_pricing doesn't accept deposit");
    call_panics(ol_emergency_cancel_execution, "{\"request_id\":0}",
                "Method emergency_cancel_execution doesn't accept deposit");
    call_panics(ol_clear_all_pending_requests, "{}", "Method clear_all_pending_requests doesn't accept deposit");
    call_panics(ol_migrate, "", "Method migrate doesn't accept deposit");
    /* views have no deposit check */
    call_ok(ol_get_stats, "");
}

static void test_pause_unpause(void **state)
{
    (void)state;
    call_ok(ol_set_paused, "{\"paused\":true}");
    assert_log("Contract paused");
    call_ok(ol_is_paused, "");
    assert_return("true");
    call_ok(ol_set_paused, "{\"paused\":false}");
    assert_log("Contract unpaused");
    call_ok(ol_is_paused, "");
    assert_return("false");
}

static void test_set_pricing(void **state)
{
    (void)state;
    call_ok(ol_set_pricing, "{\"base_fee\":\"20000000000000000000000\"}");
    assert_int_equal(mock_log_count(), 1);
    assert_log("Base fee updated to 20000000000000000000000");
    call_ok(ol_get_pricing, "");
    assert_return("[\"20000000000000000000000\",\"100000000000000\",\"100000000000000000\",\"100000000000000000\"]");
    call_ok(ol_set_pricing, "{\"per_million_instructions_fee\":\"1\",\"per_ms_fee\":\"2\",\"per_compile_ms_fee\":\"3\","
                            "\"per_instruction_fee\":\"9\"}");
    assert_log("Per million instructions fee updated to 1");
    assert_log("Per millisecond fee (execution) updated to 2");
    assert_log("Per millisecond fee (compilation) updated to 3");
    call_ok(ol_get_pricing, "");
    assert_return("[\"20000000000000000000000\",\"1\",\"2\",\"3\"]");
    /* U128 must be a string of digits */
    call_panics(ol_set_pricing, "{\"base_fee\":5}", "Failed to deserialize input from JSON.");
    call_panics(ol_set_pricing, "{\"base_fee\":\"-5\"}", "Failed to deserialize input from JSON.");
    call_panics(ol_set_pricing, "{\"base_fee\":\"340282366920938463463374607431768211456\"}",
                "Failed to deserialize input from JSON.");
    call_ok(ol_set_pricing, "{\"base_fee\":\"340282366920938463463374607431768211455\"}");
}

static void test_migrate_fixed_to_owner_or_self(void **state)
{
    (void)state;
    mock_set_predecessor("mallory.testnet");
    call_panics(ol_migrate, "", "Method migrate is private");
    mock_set_predecessor(OWNER);
    call_ok(ol_migrate, "");
    assert_log("Migrating contract from v1 to v2: owner=alice.testnet, total_executions=0");
    mock_set_predecessor("outlayer.testnet");
    call_ok(ol_migrate, "");
    call_ok(ol_get_config, "");
    assert_return("[\"alice.testnet\",\"bob.testnet\"]");
}

static void test_views_require_arguments_object(void **state)
{
    (void)state;
    call_panics(ol_get_request, "", "Failed to deserialize input from JSON.");
    call_panics(ol_get_request, "{}", "missing field `request_id`");
    call_panics(ol_get_request, "{\"request_id\":-1}", "Failed to deserialize input from JSON.");
    call_panics(ol_get_request, "{\"request_id\":1.5}", "Failed to deserialize input from JSON.");
    call_panics(ol_get_request, "{\"request_id\":18446744073709551616}", "Failed to deserialize input from JSON.");
    call_panics(ol_get_request, "[1]", "Failed to deserialize input from JSON.");
    call_panics(ol_get_request, "{\"request_id\":1,\"request_id\":2}", "duplicate field `request_id`");
    call_ok(ol_get_request, "{\"request_id\":18446744073709551615,\"extra\":[1,{}]}");
    assert_return("null");
    call_panics(ol_estimate_execution_cost, "", "Failed to deserialize input from JSON.");
    /* methods without parameters ignore the input entirely */
    call_ok(ol_get_pricing, "this is not json");
    call_ok(ol_has_pending_output, "{\"request_id\":5}");
    assert_return("false");
    call_ok(ol_get_pending_output, "{\"request_id\":5}");
    assert_return("null");
}

static void test_estimate_execution_cost(void **state)
{
    (void)state;
    call_ok(ol_estimate_execution_cost, "{}");
    assert_return("\"7000100000000000000000\"");
    call_ok(ol_estimate_execution_cost, "{\"resource_limits\":null}");
    assert_return("\"7000100000000000000000\"");
    call_ok(ol_estimate_execution_cost,
            "{\"resource_limits\":{\"max_instructions\":500000000000,\"max_execution_seconds\":180}}");
    assert_return("\"19050000000000000000000\"");
    call_ok(ol_estimate_execution_cost, "{\"resource_limits\":{\"max_instructions\":10000000,\"max_memory_mb\":1,"
                                        "\"max_execution_seconds\":5}}");
    assert_return("\"1500001000000000000000\"");
    /* missing fields count as the defaults */
    call_ok(ol_estimate_execution_cost, "{\"resource_limits\":{}}");
    assert_return("\"7000100000000000000000\"");
    call_panics(ol_estimate_execution_cost, "{\"resource_limits\":{\"max_memory_mb\":4294967296}}",
                "Failed to deserialize input from JSON.");
}

static void test_list_profiles_stub(void **state)
{
    (void)state;
    call_ok(ol_list_profiles, "{\"_repo\":\"github.com/a/b\",\"_branch\":null}");
    assert_return("[]");
    assert_log("WARNING: list_profiles requires indexing implementation");
    call_panics(ol_list_profiles, "{\"repo\":\"x\"}", "missing field `_repo`");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_new_initializes_defaults, setup),
        cmocka_unit_test_setup(test_new_state_layout, setup),
        cmocka_unit_test_setup(test_new_operator_defaults_to_owner, setup),
        cmocka_unit_test_setup(test_new_panics, setup),
        cmocka_unit_test_setup(test_not_initialized, setup),
        cmocka_unit_test_setup(test_set_operator_and_owner, setup),
        cmocka_unit_test_setup(test_owner_only_methods_reject_others, setup),
        cmocka_unit_test_setup(test_admin_methods_reject_deposit, setup),
        cmocka_unit_test_setup(test_pause_unpause, setup),
        cmocka_unit_test_setup(test_set_pricing, setup),
        cmocka_unit_test_setup(test_migrate_fixed_to_owner_or_self, setup),
        cmocka_unit_test_setup(test_views_require_arguments_object, setup),
        cmocka_unit_test_setup(test_estimate_execution_cost, setup),
        cmocka_unit_test_setup(test_list_profiles_stub, setup),
    };
    int rc = cmocka_run_group_tests_name("outlayer_admin", tests, NULL, NULL);
    mock_reset();
    return rc;
}
