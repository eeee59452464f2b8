/* test_outlayer_execution.c — request_execution, the worker submissions,
 * the yield callback (success / large output / failure / timeout / missing
 * request), output formats, pricing (spec §7) and byte-exact events. */
#include "harness.h"
#include "outlayer.h"

#define OWNER "alice.testnet"
#define OPERATOR "bob.testnet"
#define USER "carol.testnet"
#define CONTRACT "outlayer.testnet"
#define TS 1731000000000000000ull
#define PAY "100000000000000000000000" /* 0.1 NEAR */

#define GITHUB \
    "{\"GitHub\":{\"repo\":\"https://github.com/u/r\",\"commit\":\"main\",\"build_target\":\"wasm32-wasip1\"}}"
#define LIMITS "{\"max_instructions\":1000000000,\"max_memory_mb\":128,\"max_execution_seconds\":60}"
#define REQUEST "{\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS ",\"input_data\":\"{}\"}"

static int setup(void **state)
{
    (void)state;
    mock_reset();
    mock_set_predecessor(OWNER);
    call_ok(ol_new, "{\"owner_id\":\"" OWNER "\",\"operator_id\":\"" OPERATOR "\"}");
    return 0;
}

/* carol requests with `pay` attached; returns the yield index. */
static size_t request(const char *args, const char *pay)
{
    mock_set_predecessor(USER);
    mock_set_deposit(u128_dec(pay));
    call_ok(ol_request_execution, args);
    mock_set_deposit(0);
    assert_true(mock_yield_count() > 0);
    return mock_yield_count() - 1;
}

static void resolve(const char *json)
{
    mock_set_predecessor(OPERATOR);
    call_ok(ol_resolve_execution, json);
}

/* Runs the yield callback as the runtime would: predecessor = contract,
 * args = the yield's request_data, promise result = payload or Failed. */
static bool run_callback(size_t yield_index)
{
    struct mock_yield *y = mock_yield(yield_index);
    mock_set_predecessor(CONTRACT);
    mock_set_deposit(0);
    mock_clear_promise_results();
    if (y->state == MOCK_YIELD_RESUMED)
        mock_add_promise_result_success(y->payload, y->payload_len);
    else
        mock_add_promise_result_failed();
    char *args = fmt("%.*s", (int)y->args_len, (const char *)y->args);
    bool ok = mock_call_json(ol_on_execution_response, args);
    y->state = MOCK_YIELD_DONE;
    return ok;
}

static const char *data_id_json(size_t yield_index) { return bytes_list(mock_yield(yield_index)->data_id, 32, ","); }

static const struct mock_promise *only_transfer(void)
{
    const struct mock_promise *found = NULL;
    for (size_t i = 0; i < mock_promise_count(); i++) {
        const struct mock_promise *p = mock_promise(i);
        if (p->kind == MOCK_PROMISE_BATCH && p->action_count == 1 && p->actions[0].kind == MOCK_TRANSFER) {
            assert_null(found);
            found = p;
        }
    }
    return found;
}

/* ---------------------------------------------------------------- */

static void test_request_event_and_yield_exact(void **state)
{
    (void)state;
    size_t y = request(REQUEST, PAY);
    const char *request_data =
        "{\"request_id\":0,\"sender_id\":\"carol.testnet\",\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS
        ",\"input_data\":\"{}\",\"secrets_ref\":null,\"response_format\":\"Text\",\"payment\":\"" PAY
        "\",\"timestamp\":1731000000000000000,\"compile_only\":false,\"force_rebuild\":false,"
        "\"store_on_fastfs\":false}";
    struct mock_yield *yd = mock_yield(y);
    assert_string_equal(yd->method, "on_execution_response");
    assert_int_equal(yd->args_len, strlen(request_data));
    assert_memory_equal(yd->args, request_data, yd->args_len);
    assert_int_equal(yd->gas, 50000000000000ull);
    assert_int_equal(yd->gas_weight, 1);
    /* the yield promise is what the call returns */
    assert_int_equal(mock_promise_returned(), 0);
    assert_int_equal(mock_promise(0)->kind, MOCK_PROMISE_YIELD);

    const char *escaped =
        "{\\\"request_id\\\":0,\\\"sender_id\\\":\\\"carol.testnet\\\",\\\"code_source\\\":{\\\"GitHub\\\":{"
        "\\\"repo\\\":\\\"https://github.com/u/r\\\",\\\"commit\\\":\\\"main\\\",\\\"build_target\\\":\\\"wasm32-"
        "wasip1\\\"}},\\\"resource_limits\\\":{\\\"max_instructions\\\":1000000000,\\\"max_memory_mb\\\":128,"
        "\\\"max_execution_seconds\\\":60},\\\"input_data\\\":\\\"{}\\\",\\\"secrets_ref\\\":null,"
        "\\\"response_format\\\":\\\"Text\\\",\\\"payment\\\":\\\"100000000000000000000000\\\",\\\"timestamp\\\":"
        "1731000000000000000,\\\"compile_only\\\":false,\\\"force_rebuild\\\":false,\\\"store_on_fastfs\\\":false}";
    const char *event = fmt("EVENT_JSON:{\"standard\":\"near-outlayer\",\"version\":\"1.0.0\",\"event\":"
                            "\"execution_requested\",\"data\":[{\"request_data\":\"%s\",\"data_id\":%s,"
                            "\"timestamp\":1731000000000000000}]}",
                            escaped, data_id_json(y));
    assert_int_equal(mock_log_count(), 1);
    assert_string_equal(mock_log(0), event);
}

/* The optional http_allow (ours): carried into request_data after the
 * reference's keys; malformed or too long lists fail the call. */
static void test_request_http_allow(void **state)
{
    (void)state;
    size_t y = request("{\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS
                       ",\"input_data\":\"{}\",\"http_allow\":\"api.example.com, *.example.org,[::1]\"}",
                       PAY);
    const char *request_data =
        "{\"request_id\":0,\"sender_id\":\"carol.testnet\",\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS
        ",\"input_data\":\"{}\",\"secrets_ref\":null,\"response_format\":\"Text\",\"payment\":\"" PAY
        "\",\"timestamp\":1731000000000000000,\"compile_only\":false,\"force_rebuild\":false,"
        "\"store_on_fastfs\":false,\"http_allow\":\"api.example.com, *.example.org,[::1]\"}";
    struct mock_yield *yd = mock_yield(y);
    assert_int_equal(yd->args_len, strlen(request_data));
    assert_memory_equal(yd->args, request_data, yd->args_len);
    assert_int_equal(mock_log_count(), 1);
    assert_non_null(strstr(mock_log(0), "\\\"store_on_fastfs\\\":false,\\\"http_allow\\\":\\\"api.example.com, "
                                        "*.example.org,[::1]\\\"}\",\"data_id\""));
    /* the callback still accepts the request_data it gets back */
    resolve("{\"request_id\":0,\"response\":{\"success\":true,\"output\":{\"Text\":\"ok\"},\"error\":null,"
            "\"resources_used\":{\"instructions\":1,\"time_ms\":1,\"compile_time_ms\":null},"
            "\"compilation_note\":null}}");
    assert_true(run_callback(y));

    /* an explicit null is the same as leaving it out; an empty list is kept */
    y = request("{\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS ",\"http_allow\":null}", PAY);
    assert_null(strstr(fmt("%.*s", (int)mock_yield(y)->args_len, (const char *)mock_yield(y)->args), "http_allow"));
    y = request("{\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS ",\"http_allow\":\"\"}", PAY);
    assert_non_null(
        strstr(fmt("%.*s", (int)mock_yield(y)->args_len, (const char *)mock_yield(y)->args), ",\"http_allow\":\"\"}"));

    mock_set_predecessor(USER);
    mock_set_deposit(u128_dec(PAY));
    const char *bad[][2] = {
        {"\"http://api.example.com\"", "http_allow: bad host pattern \"http://api.example.com\""},
        {"\"api.example.com:443\"", "bad host pattern \"api.example.com:443\""},
        {"\"a.org,*a.org\"", "bad host pattern \"*a.org\""},
        {"\"256.0.0.1\"", "bad host pattern \"256.0.0.1\""},
        {"\"a..org\"", "bad host pattern"},
        {"\"[zz::1]\"", "bad host pattern"},
        {"\"a.org;b.org\"", "bad host pattern"},
        {"[\"a.org\"]", "http_allow must be a string"},
        {"7", "http_allow must be a string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        call_panics(ol_request_execution,
                    fmt("{\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS ",\"http_allow\":%s}", bad[i][0]),
                    bad[i][1]);
    /* the length cap: 1024 bytes pass, 1025 do not */
    char big[1030];
    memset(big, 'a', sizeof big);
    for (size_t i = 60; i < sizeof big; i += 61)
        big[i] = ',';
    call_panics(ol_request_execution,
                fmt("{\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS ",\"http_allow\":\"%.1025s\"}", big),
                "http_allow is 1025 bytes, more than the limit of 1024");
    call_ok(ol_request_execution,
            fmt("{\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS ",\"http_allow\":\"%.1024s\"}", big));
    mock_set_deposit(0);
}

/* The pending request's Borsh record, byte for byte (reference layout). */
static void test_request_borsh_layout(void **state)
{
    (void)state;
    size_t y = request("{\"code_source\":{\"GitHub\":{\"repo\":\"r\",\"commit\":\"c\"}},\"resource_limits\":"
                       "{\"max_instructions\":5},\"input_data\":\"in\"}",
                       PAY);
    uint8_t expect[256];
    size_t n = 0;
#define PUT(p, len) (memcpy(expect + n, p, len), n += (len))
    PUT("\0\0\0\0\0\0\0\0", 8);                /* request_id */
    PUT(mock_yield(y)->data_id, 32);           /* data_id */
    PUT("\x0d\0\0\0carol.testnet", 17);        /* sender_id */
    PUT("\x00\x01\0\0\0r\x01\0\0\0c\x00", 12); /* GitHub{r, c, None} */
    PUT("\x01\x05\0\0\0\0\0\0\0", 9);          /* Some(5) */
    PUT("\x01\x80\0\0\0", 5);                  /* Some(128) */
    PUT("\x01\x3c\0\0\0\0\0\0\0", 9);          /* Some(60) */
    u128 pay = u128_dec(PAY);
    for (int i = 0; i < 16; i++, pay >>= 8)
        expect[n++] = (uint8_t)pay; /* payment */
    uint64_t ts = TS;
    for (int i = 0; i < 8; i++, ts >>= 8)
        expect[n++] = (uint8_t)ts;      /* timestamp */
    PUT("\x00", 1);                     /* secrets_ref None */
    PUT("\x01", 1);                     /* Text */
    PUT("\x01\x02\0\0\0in", 7);         /* input_data */
    PUT("\x0d\0\0\0carol.testnet", 17); /* payer */
    PUT("\x00\x00", 2);                 /* pending_output, output_submitted */
#undef PUT
    size_t len;
    const uint8_t *rec = mock_storage_get("\x00\0\0\0\0\0\0\0\0", 9, &len);
    assert_non_null(rec);
    assert_int_equal(len, n);
    assert_memory_equal(rec, expect, n);
}

static void test_get_request_shape(void **state)
{
    (void)state;
    size_t y = request("{\"code_source\":{\"WasmUrl\":{\"url\":\"ipfs://x\",\"hash\":\"ab\"}},\"resource_limits\":"
                       "{\"max_instructions\":5},\"secrets_ref\":{\"profile\":\"p1\",\"account_id\":\"dave.near\"},"
                       "\"response_format\":\"Json\",\"payer_account_id\":\"erin.near\",\"params\":{}}",
                       PAY);
    call_ok(ol_get_request, "{\"request_id\":0}");
    assert_return(fmt("{\"request_id\":0,\"data_id\":%s,\"sender_id\":\"carol.testnet\",\"code_source\":{\"WasmUrl\":"
                      "{\"url\":\"ipfs://x\",\"hash\":\"ab\",\"build_target\":null}},\"resource_limits\":{"
                      "\"max_instructions\":5,\"max_memory_mb\":128,\"max_execution_seconds\":60},\"payment\":" PAY
                      ",\"timestamp\":1731000000000000000,\"secrets_ref\":{\"profile\":\"p1\",\"account_id\":"
                      "\"dave.near\"},\"response_format\":\"Json\",\"input_data\":null,\"payer_account_id\":"
                      "\"erin.near\",\"pending_output\":null,\"output_submitted\":false}",
                      data_id_json(y)));
    /* payer_account_id is not part of request_data */
    assert_null(strstr((const char *)mock_yield(y)->args, "erin.near"));
}

static void test_request_response_formats(void **state)
{
    (void)state;
    const char *formats[] = {NULL, "Text", "Json", "Bytes"};
    const char *expect[] = {"Text", "Text", "Json", "Bytes"};
    for (int i = 0; i < 4; i++) {
        const char *args = formats[i] ? fmt("{\"code_source\":" GITHUB ",\"response_format\":\"%s\"}", formats[i])
                                      : "{\"code_source\":" GITHUB "}";
        request(args, "1000000000000000000000000");
        call_ok(ol_get_request, fmt("{\"request_id\":%d}", i));
        assert_non_null(strstr(mock_return_text(), fmt("\"response_format\":\"%s\"", expect[i])));
        /* no resource_limits: compile-only, default limits */
        assert_non_null(strstr((const char *)mock_yield(mock_yield_count() - 1)->args, "\"compile_only\":true"));
    }
    call_panics(ol_request_execution, "{\"code_source\":" GITHUB ",\"response_format\":\"Xml\"}",
                "Failed to deserialize input from JSON.");
}

static void test_request_panics(void **state)
{
    (void)state;
    mock_set_predecessor(USER);
    mock_set_deposit(NEAR_1);
    call_panics(ol_request_execution, "", "Failed to deserialize input from JSON.");
    call_panics(ol_request_execution, "{}", "missing field `code_source`");
    call_panics(ol_request_execution, "{\"code_source\":{\"GitLab\":{}}}", "Failed to deserialize input from JSON.");
    call_panics(ol_request_execution, "{\"code_source\":" GITHUB ",\"payer_account_id\":\"UPPER\"}",
                "Failed to deserialize input from JSON.");
    call_panics(ol_request_execution,
                "{\"code_source\":{\"WasmUrl\":{\"url\":\"u\",\"hash\":\"h\"}},\"params\":{\"force_rebuild\":true}}",
                "force_rebuild is not applicable for WasmUrl code source");
    call_panics(ol_request_execution, "{\"code_source\":" GITHUB ",\"params\":{\"store_on_fastfs\":true}}",
                "store_on_fastfs requires force_rebuild to ensure fresh compilation and upload");
    call_ok(ol_request_execution,
            "{\"code_source\":" GITHUB ",\"params\":{\"store_on_fastfs\":true,\"force_rebuild\":true}}");
    call_panics(ol_request_execution, "{\"code_source\":" GITHUB ",\"input_data\":\"x\"}",
                "input_data must be empty for compile_only mode - compilation does not use input_data");
    call_panics(ol_request_execution,
                "{\"code_source\":" GITHUB ",\"resource_limits\":{},\"params\":{\"compile_only\":true},"
                "\"input_data\":\"x\"}",
                "input_data must be empty for compile_only mode");
    call_ok(ol_request_execution, "{\"code_source\":" GITHUB ",\"input_data\":\"\"}");
    call_panics(ol_request_execution,
                "{\"code_source\":" GITHUB ",\"resource_limits\":{\"max_instructions\":500000000001}}",
                "Requested max_instructions 500000000001 exceeds hard limit of 500000000000");
    call_panics(ol_request_execution,
                "{\"code_source\":" GITHUB ",\"resource_limits\":{\"max_execution_seconds\":181}}",
                "Requested max_execution_seconds 181 exceeds hard limit of 180 seconds");
    mock_set_deposit(1000);
    call_panics(ol_request_execution, "{\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS "}",
                "Insufficient payment: required 7000100000000000000000 yoctoNEAR for requested limits "
                "(max_instructions: Some(1000000000), max_execution_seconds: Some(60)), got 1000 yoctoNEAR");
    call_panics(ol_request_execution, "{\"code_source\":" GITHUB "}",
                "Insufficient payment: required 1000000000000000000000 yoctoNEAR");
    /* exactly the estimate is enough */
    mock_set_deposit(u128_dec("7000100000000000000000"));
    call_ok(ol_request_execution, "{\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS "}");
    /* paused */
    mock_set_predecessor(OWNER);
    mock_set_deposit(0);
    call_ok(ol_set_paused, "{\"paused\":true}");
    mock_set_predecessor(USER);
    mock_set_deposit(NEAR_1);
    call_panics(ol_request_execution, REQUEST, "Contract is paused");
}

static void test_null_limits_take_defaults(void **state)
{
    (void)state;
    size_t y = request("{\"code_source\":" GITHUB ",\"resource_limits\":{\"max_instructions\":null,"
                       "\"max_memory_mb\":null,\"max_execution_seconds\":30}}",
                       PAY);
    assert_non_null(strstr((const char *)mock_yield(y)->args,
                           "\"resource_limits\":{\"max_instructions\":1000000000,\"max_memory_mb\":128,"
                           "\"max_execution_seconds\":30}"));
}

static void test_success_small_output_text(void **state)
{
    (void)state;
    size_t y = request(REQUEST, PAY);
    resolve("{\"request_id\":0,\"response\":{\"success\":true,\"output\":{\"Text\":\"Hello\"},\"error\":null,"
            "\"resources_used\":{\"instructions\":10000000,\"time_ms\":5000,\"compile_time_ms\":null},"
            "\"compilation_note\":null}}");
    assert_log(fmt("Resolving execution for request_id: 0, data_id: %s, success: true, output_submitted: false, "
                   "resources_used: { instructions: 10000000, time_ms: 5000, compile_time_ms: None }",
                   bytes_list(mock_yield(y)->data_id, 32, ", ")));
    assert_log("[[yNEAR charged: \"1500001000000000000000\"]]");
    struct mock_yield *yd = mock_yield(y);
    assert_int_equal(yd->state, MOCK_YIELD_RESUMED);
    const char *payload = "{\"success\":true,\"output\":{\"Text\":\"Hello\"},\"error\":null,\"resources_used\":{"
                          "\"instructions\":10000000,\"time_ms\":5000,\"compile_time_ms\":null},"
                          "\"compilation_note\":null}";
    assert_int_equal(yd->payload_len, strlen(payload));
    assert_memory_equal(yd->payload, payload, yd->payload_len);
    /* the request stays pending until the callback */
    call_ok(ol_get_request, "{\"request_id\":0}");
    assert_string_not_equal(mock_return_text(), "null");

    mock_set_block(150, TS + 5);
    assert_true(run_callback(y));
    assert_return("\"Hello\"");
    assert_string_equal(mock_log(0), "[[yNEAR charged: \"1500001000000000000000\"]]");
    assert_string_equal(mock_log(1),
                        "EVENT_JSON:{\"standard\":\"near-outlayer\",\"version\":\"1.0.0\",\"event\":"
                        "\"execution_completed\",\"data\":[{\"sender_id\":\"carol.testnet\",\"code_source\":" GITHUB
                        ",\"resources_used\":{\"instructions\":10000000,\"time_ms\":5000,\"compile_time_ms\":null},"
                        "\"success\":true,\"error_message\":null,\"payment_charged\":\"1500001000000000000000\","
                        "\"payment_refunded\":\"98499999000000000000000\",\"compilation_note\":null,"
                        "\"timestamp\":1731000000000000005}]}");
    assert_string_equal(mock_log(2), "Execution completed successfully. Output: Text: Hello, Resources: { "
                                     "instructions: 10000000, time_ms: 5000 }, Cost: 1500001000000000000000 "
                                     "yoctoNEAR, Refund: 98499999000000000000000 yoctoNEAR");
    const struct mock_promise *t = only_transfer();
    assert_non_null(t);
    assert_string_equal(t->account, USER);
    assert_true(t->actions[0].amount == u128_dec("98499999000000000000000"));
    call_ok(ol_get_stats, "");
    assert_return("[1,\"1500001000000000000000\"]");
    call_ok(ol_get_request, "{\"request_id\":0}");
    assert_return("null");
}

static void test_callback_is_private(void **state)
{
    (void)state;
    size_t y = request(REQUEST, PAY);
    mock_set_predecessor(USER);
    mock_add_promise_result_failed();
    call_panics(ol_on_execution_response, (const char *)mock_yield(y)->args, "Method on_execution_response is private");
    mock_set_predecessor(CONTRACT);
    mock_set_deposit(1);
    call_panics(ol_on_execution_response, (const char *)mock_yield(y)->args,
                "Method on_execution_response doesn't accept deposit");
}

static void test_output_formats_bytes_and_json(void **state)
{
    (void)state;
    size_t y0 = request(REQUEST, PAY);
    size_t y1 = request(REQUEST, PAY);
    size_t y2 = request(REQUEST, PAY);
    resolve("{\"request_id\":0,\"response\":{\"success\":true,\"output\":{\"Bytes\":[72,105,0,255]},"
            "\"resources_used\":{\"instructions\":0,\"time_ms\":0}}}");
    resolve(
        "{\"request_id\":1,\"response\":{\"success\":true,\"output\":{\"Json\":{\"a\":[1,2.5,{\"b\":null}],"
        "\"c\":\"\\u00e9\\n\"}},\"resources_used\":{\"instructions\":0,\"time_ms\":0},\"compilation_note\":\"cached\"}}");
    resolve("{\"request_id\":2,\"response\":{\"success\":true,\"output\":{\"Text\":\"\\ud83d\\ude00 \\\"q\\\"\"},"
            "\"resources_used\":{\"instructions\":0,\"time_ms\":0}}}");
    assert_true(run_callback(y0));
    assert_return("\"SGkA/w==\"");
    assert_log("Execution completed successfully. Output: Bytes(4 bytes), Resources: { instructions: 0, time_ms: 0 }, "
               "Cost: 1000000000000000000000 yoctoNEAR, Refund: 99000000000000000000000 yoctoNEAR");
    assert_true(run_callback(y1));
    assert_return("{\"a\":[1,2.5,{\"b\":null}],\"c\":\"\xc3\xa9\\n\"}");
    assert_log("Execution completed successfully. Output: Json: {\"a\":[1,2.5,{\"b\":null}],\"c\":\"\xc3\xa9\\n\"}, "
               "Resources: { instructions: 0, time_ms: 0 }, Cost: 1000000000000000000000 yoctoNEAR, Refund: "
               "99000000000000000000000 yoctoNEAR, cached");
    assert_true(run_callback(y2));
    assert_return("\"\xf0\x9f\x98\x80 \\\"q\\\"\"");
}

static void test_large_output_combined_flow(void **state)
{
    (void)state;
    size_t y = request(REQUEST, PAY);
    char *text = malloc(2001);
    for (int i = 0; i < 2000; i++)
        text[i] = (char)('a' + i % 26);
    text[2000] = 0;
    mock_set_predecessor(OPERATOR);
    /* too large for the 1024-byte yield payload through resolve_execution */
    call_panics(ol_resolve_execution,
                fmt("{\"request_id\":0,\"response\":{\"success\":true,\"output\":{\"Text\":\"%s\"},"
                    "\"resources_used\":{\"instructions\":0,\"time_ms\":0}}}",
                    text),
                "exceeds the 1024 byte limit");
    call_panics(ol_submit_execution_output_and_resolve, "{\"request_id\":0}", "missing field `output`");
    mock_set_predecessor(USER);
    call_panics(ol_submit_execution_output_and_resolve,
                fmt("{\"request_id\":0,\"output\":{\"Text\":\"%s\"},\"success\":true,\"resources_used\":{"
                    "\"instructions\":0,\"time_ms\":0}}",
                    text),
                "Only operator can call this");
    mock_set_predecessor(OPERATOR);
    call_ok(ol_submit_execution_output_and_resolve,
            fmt("{\"request_id\":0,\"output\":{\"Text\":\"%s\"},\"success\":true,\"error\":null,\"resources_used\":{"
                "\"instructions\":2000000,\"time_ms\":10,\"compile_time_ms\":5},\"compilation_note\":null}",
                text));
    const char *ids = bytes_list(mock_yield(y)->data_id, 32, ", ");
    assert_string_equal(mock_log(0), fmt("Stored pending output for request_id: 0, data_id: %s", ids));
    assert_string_equal(mock_log(1), "Resolving execution for request_id: 0 (combined flow)");
    assert_string_equal(mock_log(2), fmt("Resolving execution for request_id: 0, data_id: %s, success: true, "
                                         "output_submitted: true, resources_used: { instructions: 2000000, "
                                         "time_ms: 10, compile_time_ms: Some(5) }",
                                         ids));
    /* 1e21 + 2*1e14 + 10*1e17 + 5*1e17 */
    assert_string_equal(mock_log(3), "[[yNEAR charged: \"1001500200000000000000\"]]");
    assert_string_equal((const char *)mock_yield(y)->payload,
                        "{\"success\":true,\"output\":null,\"error\":null,\"resources_used\":{\"instructions\":2000000,"
                        "\"time_ms\":10,\"compile_time_ms\":5},\"compilation_note\":null}");
    call_ok(ol_has_pending_output, "{\"request_id\":0}");
    assert_return("true");
    call_ok(ol_get_pending_output, "{\"request_id\":0}");
    assert_return(fmt("{\"Text\":\"%s\"}", text));
    assert_true(run_callback(y));
    assert_log("Retrieving large output from storage for request_id: 0");
    assert_return(fmt("\"%s\"", text));
    char preview[101];
    memcpy(preview, text, 100);
    preview[100] = 0;
    assert_log(fmt("Execution completed successfully. Output: Text: %s, Resources: { instructions: 2000000, "
                   "time_ms: 10 }, Cost: 1001500200000000000000 yoctoNEAR, Refund: 98998499800000000000000 yoctoNEAR",
                   preview));
    free(text);
}

static void test_two_step_submit_then_resolve(void **state)
{
    (void)state;
    size_t y = request(REQUEST, PAY);
    mock_set_predecessor(OPERATOR);
    call_ok(ol_submit_execution_output, "{\"request_id\":0,\"output\":{\"Bytes\":[1,2,3]}}");
    call_panics(ol_submit_execution_output, "{\"request_id\":0,\"output\":{\"Bytes\":[1]}}",
                "Output already submitted for this request");
    call_panics(ol_submit_execution_output, "{\"request_id\":7,\"output\":{\"Bytes\":[1]}}",
                "Execution request not found");
    call_panics(ol_submit_execution_output, "{\"request_id\":0,\"output\":{\"Bytes\":[256]}}",
                "Failed to deserialize input from JSON.");
    call_ok(ol_get_request, "{\"request_id\":0}");
    assert_non_null(strstr(mock_return_text(), "\"pending_output\":{\"Bytes\":[1,2,3]},\"output_submitted\":true}"));
    call_ok(ol_get_pending_output, "{\"request_id\":0}");
    assert_return("{\"Bytes\":[1,2,3]}");
    mock_set_predecessor(USER);
    call_panics(ol_submit_execution_output, "{\"request_id\":0,\"output\":{\"Bytes\":[1]}}",
                "Only operator can call this");
    resolve("{\"request_id\":0,\"response\":{\"success\":true,\"output\":{\"Text\":\"ignored\"},"
            "\"resources_used\":{\"instructions\":0,\"time_ms\":0}}}");
    assert_true(run_callback(y));
    assert_return("\"AQID\"");
}

static void test_failure_path(void **state)
{
    (void)state;
    size_t y = request(REQUEST, PAY);
    resolve("{\"request_id\":0,\"response\":{\"success\":false,\"output\":null,\"error\":\"boom\","
            "\"resources_used\":{\"instructions\":99000000,\"time_ms\":7,\"compile_time_ms\":null},"
            "\"compilation_note\":null}}");
    /* the resolve-time line is an estimate, even for failures */
    assert_log("[[yNEAR charged: \"1000709900000000000000\"]]"); /* 1e21 + 99*1e14 + 7*1e17 */
    assert_true(run_callback(y));
    assert_return("null");
    assert_string_equal(mock_log(0), "[[yNEAR charged: \"1000000000000000000000\"]]");
    assert_string_equal(mock_log(1),
                        "EVENT_JSON:{\"standard\":\"near-outlayer\",\"version\":\"1.0.0\",\"event\":"
                        "\"execution_completed\",\"data\":[{\"sender_id\":\"carol.testnet\",\"code_source\":" GITHUB
                        ",\"resources_used\":{\"instructions\":99000000,\"time_ms\":7,\"compile_time_ms\":null},"
                        "\"success\":false,\"error_message\":\"boom\",\"payment_charged\":\"1000000000000000000000\","
                        "\"payment_refunded\":\"99000000000000000000000\",\"compilation_note\":null,"
                        "\"timestamp\":1731000000000000000}]}");
    assert_string_equal(mock_log(2), "Execution failed: boom. Resources: { instructions: 99000000, time_ms: 7 }. "
                                     "Refunded 99000000000000000000000 yoctoNEAR");
    assert_true(only_transfer()->actions[0].amount == u128_dec("99000000000000000000000"));
    call_ok(ol_get_stats, "");
    assert_return("[1,\"1000000000000000000000\"]");

    /* no error message -> "Unknown error" */
    y = request(REQUEST, PAY);
    resolve(
        "{\"request_id\":1,\"response\":{\"success\":false,\"resources_used\":{\"instructions\":0,\"time_ms\":0}}}");
    assert_true(run_callback(y));
    assert_non_null(strstr(mock_log(1), "\"error_message\":\"Unknown error\""));
    assert_log("Execution failed: Unknown error. Resources: { instructions: 0, time_ms: 0 }. Refunded "
               "99000000000000000000000 yoctoNEAR");
}

static void test_timeout_path(void **state)
{
    (void)state;
    size_t y = request(REQUEST, PAY);
    mock_yield_timeout(y);
    assert_true(run_callback(y));
    assert_return("null");
    assert_int_equal(mock_log_count(), 2); /* no event on timeout */
    assert_string_equal(mock_log(0), "[[yNEAR charged: \"1000000000000000000000\"]]");
    assert_string_equal(mock_log(1), "Execution promise failed: Failed. Refunded 99000000000000000000000 yoctoNEAR");
    assert_true(only_transfer()->actions[0].amount == u128_dec("99000000000000000000000"));
    /* a late worker cannot resume any more */
    mock_set_predecessor(OPERATOR);
    call_panics(ol_resolve_execution,
                "{\"request_id\":0,\"response\":{\"success\":true,\"resources_used\":{"
                "\"instructions\":0,\"time_ms\":0}}}",
                "Execution request not found");
}

static void test_resume_after_timeout_panics(void **state)
{
    (void)state;
    size_t y = request(REQUEST, PAY);
    mock_yield_timeout(y); /* the timeout fired but the callback has not run yet */
    mock_set_predecessor(OPERATOR);
    call_panics(ol_resolve_execution,
                "{\"request_id\":0,\"response\":{\"success\":true,\"resources_used\":{"
                "\"instructions\":0,\"time_ms\":0}}}",
                "Unable to resume execution promise");
    /* the panic rolled everything back: nothing was stored */
    call_ok(ol_has_pending_output, "{\"request_id\":0}");
    assert_return("false");
}

static void test_missing_request_in_callback(void **state)
{
    (void)state;
    size_t y = request(REQUEST, PAY);
    mock_set_predecessor(OWNER);
    call_ok(ol_emergency_cancel_execution, "{\"request_id\":0}");
    assert_log("Emergency cancelled execution 0 and refunded 100000000000000000000000 yoctoNEAR to carol.testnet");
    assert_true(only_transfer()->actions[0].amount == u128_dec(PAY));
    call_panics(ol_emergency_cancel_execution, "{\"request_id\":0}", "Execution request not found");
    assert_true(run_callback(y));
    assert_return("null");
    assert_int_equal(mock_log_count(), 1);
    assert_string_equal(mock_log(0), "Warning: Execution request 0 not found in pending requests");
    assert_int_equal(mock_promise_count(), 0);
    call_ok(ol_get_stats, "");
    assert_return("[0,\"0\"]");
}

static void test_bad_callback_payload(void **state)
{
    (void)state;
    size_t y = request(REQUEST, PAY);
    mock_set_predecessor(CONTRACT);
    mock_add_promise_result_success("{\"success\":tru", 14);
    call_panics(ol_on_execution_response, (const char *)mock_yield(y)->args,
                "Failed to deserialize callback using JSON");
    /* the request is still pending (state rolled back) */
    call_ok(ol_get_request, "{\"request_id\":0}");
    assert_string_not_equal(mock_return_text(), "null");
}

/* Fix: never account more than the payment (spec quirk 4). */
static void test_charge_capped_at_payment(void **state)
{
    (void)state;
    size_t y = request(REQUEST, "7000100000000000000000");
    /* compile time is not covered by the estimate: cost 1e21 + 1000*1e14
     * + 60000*1e17 + 20000*1e17 = 9000100000000000000000 > payment */
    resolve("{\"request_id\":0,\"response\":{\"success\":true,\"output\":{\"Text\":\"x\"},\"resources_used\":{"
            "\"instructions\":1000000000,\"time_ms\":60000,\"compile_time_ms\":20000}}}");
    assert_log("[[yNEAR charged: \"9000100000000000000000\"]]"); /* resolve-time estimate */
    assert_true(run_callback(y));
    assert_log("[[yNEAR charged: \"7000100000000000000000\"]]");
    assert_non_null(strstr(mock_log(1), "\"payment_charged\":\"7000100000000000000000\",\"payment_refunded\":\"0\""));
    assert_null(only_transfer());
    call_ok(ol_get_stats, "");
    assert_return("[1,\"7000100000000000000000\"]");
}

static void test_pricing_examples(void **state)
{
    (void)state;
    /* calculate_cost as logged by resolve (spec §7 worked numbers) */
    struct {
        const char *metrics;
        const char *cost;
    } cases[] = {
        {"{\"instructions\":10000000,\"time_ms\":5000}", "1500001000000000000000"},
        {"{\"instructions\":10000000,\"time_ms\":5000,\"compile_time_ms\":3000}", "1800001000000000000000"},
        {"{\"instructions\":0,\"time_ms\":0}", "1000000000000000000000"},
        {"{\"instructions\":0,\"time_ms\":0,\"compile_time_ms\":10000}", "2000000000000000000000"},
        {"{\"instructions\":999999,\"time_ms\":0}", "1000000000000000000000"}, /* whole millions only */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        request(REQUEST, PAY);
        resolve(fmt("{\"request_id\":%zu,\"response\":{\"success\":true,\"resources_used\":%s}}", i, cases[i].metrics));
        assert_log(fmt("[[yNEAR charged: \"%s\"]]", cases[i].cost));
    }
    /* settlement uses the pricing in force at callback time */
    size_t y = request(REQUEST, PAY);
    resolve("{\"request_id\":5,\"response\":{\"success\":true,\"resources_used\":{\"instructions\":0,\"time_ms\":0}}}");
    mock_set_predecessor(OWNER);
    call_ok(ol_set_pricing, "{\"base_fee\":\"5\"}");
    assert_true(run_callback(y));
    assert_log("Execution has no output value. Resources: { instructions: 0, time_ms: 0 }, Cost: 5 yoctoNEAR, "
               "Refund: 99999999999999999999995 yoctoNEAR");
    assert_return("null");
}

static void test_cancel_stale_execution(void **state)
{
    (void)state;
    request("{\"code_source\":" GITHUB ",\"resource_limits\":" LIMITS ",\"payer_account_id\":\"payer.testnet\"}", PAY);
    mock_set_predecessor(USER);
    call_panics(ol_cancel_stale_execution, "{\"request_id\":999}", "Execution request not found");
    mock_set_block(200, TS + OL_EXECUTION_TIMEOUT_NS - 1);
    call_panics(ol_cancel_stale_execution, "{\"request_id\":0}", "Execution is not yet stale, please wait");
    mock_set_block(200, TS + OL_EXECUTION_TIMEOUT_NS);
    call_panics(ol_cancel_stale_execution, "{\"request_id\":0}", "Execution is not yet stale, please wait");
    mock_set_block(200, TS + OL_EXECUTION_TIMEOUT_NS + 1);
    mock_set_predecessor("payer.testnet");
    call_panics(ol_cancel_stale_execution, "{\"request_id\":0}", "Only the sender can cancel this execution");
    mock_set_predecessor(USER);
    mock_set_deposit(1);
    call_panics(ol_cancel_stale_execution, "{\"request_id\":0}",
                "Method cancel_stale_execution doesn't accept deposit");
    mock_set_deposit(0);
    call_ok(ol_cancel_stale_execution, "{\"request_id\":0}");
    assert_log("Cancelled stale execution 0 and refunded payer payer.testnet");
    const struct mock_promise *t = only_transfer();
    assert_string_equal(t->account, "payer.testnet");
    assert_true(t->actions[0].amount == u128_dec(PAY));
    call_ok(ol_get_request, "{\"request_id\":0}");
    assert_return("null");
}

static void test_clear_all_pending_requests(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++)
        request(REQUEST, PAY);
    mock_set_predecessor(OWNER);
    call_ok(ol_emergency_cancel_execution, "{\"request_id\":1}");
    call_panics(ol_clear_all_pending_requests, "", "Failed to deserialize input from JSON.");
    call_ok(ol_clear_all_pending_requests, "{\"limit\":2}");
    assert_return("2");
    assert_string_equal(mock_log(0),
                        "Cleared request 0 and refunded 100000000000000000000000 yoctoNEAR to carol.testnet");
    assert_string_equal(mock_log(1),
                        "Cleared request 2 and refunded 100000000000000000000000 yoctoNEAR to carol.testnet");
    assert_string_equal(mock_log(2), "Cleared 2 pending requests");
    assert_int_equal(mock_promise_count(), 2);
    call_ok(ol_clear_all_pending_requests, "{}");
    assert_return("1");
    call_ok(ol_clear_all_pending_requests, "{\"limit\":null}");
    assert_return("0");
}

/* Fix: at most 99 per call, so the log lines fit NEAR's 100-log limit. */
static void test_clear_all_respects_log_limit(void **state)
{
    (void)state;
    for (int i = 0; i < 120; i++)
        request(REQUEST, PAY);
    mock_set_predecessor(OWNER);
    call_ok(ol_clear_all_pending_requests, "{}");
    assert_return("99");
    assert_int_equal(mock_log_count(), 100);
    call_ok(ol_clear_all_pending_requests, "{\"limit\":1000}");
    assert_return("21");
}

static void test_resolve_checks(void **state)
{
    (void)state;
    request(REQUEST, PAY);
    mock_set_predecessor(USER);
    call_panics(ol_resolve_execution,
                "{\"request_id\":0,\"response\":{\"success\":true,\"resources_used\":{"
                "\"instructions\":0,\"time_ms\":0}}}",
                "Only operator can call this");
    mock_set_predecessor(OPERATOR);
    call_panics(ol_resolve_execution,
                "{\"request_id\":3,\"response\":{\"success\":true,\"resources_used\":{"
                "\"instructions\":0,\"time_ms\":0}}}",
                "Execution request not found");
    call_panics(ol_resolve_execution, "{\"request_id\":0,\"response\":{\"success\":true}}",
                "missing field `resources_used`");
    call_panics(ol_resolve_execution,
                "{\"request_id\":0,\"response\":{\"success\":1,\"resources_used\":{"
                "\"instructions\":0,\"time_ms\":0}}}",
                "Failed to deserialize input from JSON.");
    mock_set_deposit(1);
    call_panics(ol_resolve_execution, "{}", "Method resolve_execution doesn't accept deposit");
    call_panics(ol_submit_execution_output, "{}", "Method submit_execution_output doesn't accept deposit");
    call_panics(ol_submit_execution_output_and_resolve, "{}",
                "Method submit_execution_output_and_resolve doesn't accept deposit");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_request_event_and_yield_exact, setup),
        cmocka_unit_test_setup(test_request_borsh_layout, setup),
        cmocka_unit_test_setup(test_get_request_shape, setup),
        cmocka_unit_test_setup(test_request_response_formats, setup),
        cmocka_unit_test_setup(test_request_panics, setup),
        cmocka_unit_test_setup(test_null_limits_take_defaults, setup),
        cmocka_unit_test_setup(test_success_small_output_text, setup),
        cmocka_unit_test_setup(test_callback_is_private, setup),
        cmocka_unit_test_setup(test_output_formats_bytes_and_json, setup),
        cmocka_unit_test_setup(test_large_output_combined_flow, setup),
        cmocka_unit_test_setup(test_two_step_submit_then_resolve, setup),
        cmocka_unit_test_setup(test_failure_path, setup),
        cmocka_unit_test_setup(test_timeout_path, setup),
        cmocka_unit_test_setup(test_resume_after_timeout_panics, setup),
        cmocka_unit_test_setup(test_missing_request_in_callback, setup),
        cmocka_unit_test_setup(test_bad_callback_payload, setup),
        cmocka_unit_test_setup(test_charge_capped_at_payment, setup),
        cmocka_unit_test_setup(test_pricing_examples, setup),
        cmocka_unit_test_setup(test_cancel_stale_execution, setup),
        cmocka_unit_test_setup(test_clear_all_pending_requests, setup),
        cmocka_unit_test_setup(test_clear_all_respects_log_limit, setup),
        cmocka_unit_test_setup(test_resolve_checks, setup),
        cmocka_unit_test_setup(test_request_http_allow, setup),
    };
    int rc = cmocka_run_group_tests_name("outlayer_execution", tests, NULL, NULL);
    mock_reset();
    return rc;
}
