/* test_sdk_core.c — the freestanding contract SDK: JSON reader/writer,
 * u128, Borsh, account ids, base64, collections and the mock runtime. */
#include "harness.h"
#include "sdk.h"

/* Each SDK call that may panic runs inside a tiny "method" so the mock can
 * catch the panic; inputs and outputs go through these globals. */
static const char *g_text;
static size_t g_len;

static void m_parse_and_echo(void)
{
    const struct jr_value *v = jr_parse_or_fail((const uint8_t *)g_text, g_len);
    struct buf b;
    struct jw w;
    buf_init(&b);
    jw_init(&w, &b);
    jw_value(&w, v);
    sdk_return_buf(&b);
}

static bool echo(const char *json)
{
    g_text = json;
    g_len = strlen(json);
    return mock_call(m_parse_and_echo, "", 0);
}

static int setup(void **state)
{
    (void)state;
    mock_reset();
    return 0;
}

static void test_json_valid(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } cases[] = {
        {" {\"a\" : [1, -2, 3.5e-7, 0, true, false, null] } ", "{\"a\":[1,-2,3.5e-7,0,true,false,null]}"},
        {"\"\\u00e9\\u4e2d\\ud83d\\ude00\"", "\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\""},
        {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\"", "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\""},
        {"\"\xe2\x82\xac raw utf8\"", "\"\xe2\x82\xac raw utf8\""},
        {"[]", "[]"},
        {"{}", "{}"},
        {"18446744073709551615", "18446744073709551615"},
        {"\"\\u0000\"", "\"\\u0000\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (!echo(cases[i].in))
            fail_msg("case %zu: %s", i, mock_panic_message());
        assert_return(cases[i].out);
    }
}

static void test_json_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        " ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "+1",
        "tru",
        "nul",
        "\"unterminated",
        "\"bad \\x escape\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"ctl \x01\"",
        "\"\xc3\"",
        "\"\xc0\xaf\"",
        "\"\xed\xa0\x80\"",
        "\"\xf5\x80\x80\x80\"",
        "[1] 2",
        "{\"a\":1}}",
        "\"\\u12\"",
        "'single'",
        "NaN",
        "[1 2]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (echo(bad[i]))
            fail_msg("case %zu accepted: %s", i, bad[i]);
        assert_non_null(strstr(mock_panic_message(), "Failed to deserialize input from JSON. Error: `"));
    }
    /* nesting limit: 128 ok, 129 rejected */
    char deep[300];
    memset(deep, '[', 129);
    memset(deep + 129, ']', 129);
    deep[258] = 0;
    assert_false(echo(deep));
    assert_non_null(strstr(mock_panic_message(), "recursion limit exceeded"));
    memset(deep, '[', 128);
    memset(deep + 128, ']', 128);
    deep[256] = 0;
    if (!echo(deep))
        fail_msg("depth 128 rejected: %s", mock_panic_message());
}

static void m_typed(void)
{
    const struct jr_value *v = jr_parse_or_fail((const uint8_t *)g_text, g_len);
    struct buf b;
    buf_init(&b);
    buf_u64(&b, jr_as_u64(jr_req(v, "n")));
    buf_byte(&b, ' ');
    buf_u64(&b, jr_as_u32(jr_req(v, "m")));
    buf_byte(&b, ' ');
    buf_u128(&b, jr_as_u128_str(jr_req(v, "u")));
    buf_byte(&b, ' ');
    buf_str(&b, jr_as_account(jr_req(v, "a")));
    buf_byte(&b, ' ');
    buf_bool(&b, jr_as_bool(jr_req(v, "b")));
    buf_byte(&b, ' ');
    buf_str(&b, jr_opt(v, "o") ? "some" : "none");
    sdk_return_buf(&b);
}

static bool typed(const char *json)
{
    g_text = json;
    g_len = strlen(json);
    return mock_call(m_typed, "", 0);
}

static void test_json_typed_reads(void **state)
{
    (void)state;
    assert_true(typed("{\"n\":18446744073709551615,\"m\":4294967295,\"u\":\"340282366920938463463374607431768211455\","
                      "\"a\":\"a-b_c.near\",\"b\":true,\"o\":null}"));
    assert_return("18446744073709551615 4294967295 340282366920938463463374607431768211455 a-b_c.near true none");
    assert_true(typed("{\"n\":0,\"m\":0,\"u\":\"+0\",\"a\":\"ab\",\"b\":false,\"o\":1}"));
    assert_return("0 0 0 ab false some");
    const char *bad[] = {
        "{\"n\":18446744073709551616,\"m\":0,\"u\":\"0\",\"a\":\"ab\",\"b\":true}",
        "{\"n\":1,\"m\":4294967296,\"u\":\"0\",\"a\":\"ab\",\"b\":true}",
        "{\"n\":1,\"m\":1,\"u\":5,\"a\":\"ab\",\"b\":true}",
        "{\"n\":1,\"m\":1,\"u\":\"\",\"a\":\"ab\",\"b\":true}",
        "{\"n\":1,\"m\":1,\"u\":\"1a\",\"a\":\"ab\",\"b\":true}",
        "{\"n\":1,\"m\":1,\"u\":\"340282366920938463463374607431768211456\",\"a\":\"ab\",\"b\":true}",
        "{\"n\":1,\"m\":1,\"u\":\"1\",\"a\":\"a\",\"b\":true}",
        "{\"n\":1,\"m\":1,\"u\":\"1\",\"a\":\"ab\",\"b\":1}",
        "{\"n\":\"1\",\"m\":1,\"u\":\"1\",\"a\":\"ab\",\"b\":true}",
        "{\"n\":1e3,\"m\":1,\"u\":\"1\",\"a\":\"ab\",\"b\":true}",
        "{\"n\":-0,\"m\":1,\"u\":\"1\",\"a\":\"ab\",\"b\":true}",
        "{\"m\":1,\"u\":\"1\",\"a\":\"ab\",\"b\":true}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (typed(bad[i]))
            fail_msg("case %zu accepted", i);
        assert_non_null(strstr(mock_panic_message(), "Failed to deserialize input from JSON."));
    }
}

static void test_account_ids(void **state)
{
    (void)state;
    const char *good[] = {"ab",     "alice.near", "a-b_c.d-e",
                          "0x1234", "1.2.3",      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    const char *bad[] = {"a",
                         "",
                         "Alice.near",
                         "a..b",
                         "a-_b",
                         "-ab",
                         "ab-",
                         ".ab",
                         "ab.",
                         "a b",
                         "a.-b",
                         "a@b",
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(account_id_valid(good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(account_id_valid(bad[i], strlen(bad[i])));
}

static void test_u128(void **state)
{
    (void)state;
    char out[U128_DEC_MAX];
    assert_int_equal(u128_format(0, out), 1);
    assert_string_equal(out, "0");
    u128_format(U128_MAX, out);
    assert_string_equal(out, "340282366920938463463374607431768211455");
    u128_format((u128)1 << 64, out);
    assert_string_equal(out, "18446744073709551616");
    u128 v;
    assert_true(u128_parse("12345678901234567890123456789", 29, &v));
    u128_format(v, out);
    assert_string_equal(out, "12345678901234567890123456789");
    assert_false(u128_parse("", 0, &v));
    assert_false(u128_parse("+", 1, &v));
    assert_false(u128_parse("-1", 2, &v));
    assert_false(u128_parse("340282366920938463463374607431768211456", 39, &v));
    assert_true(u128_sub_sat(3, 5) == 0);
    assert_true(u128_min(3, 5) == 3);
}

static void m_overflow(void) { u128_add(U128_MAX, 1); }

static void m_mul_overflow(void) { u128_mul((u128)1 << 64, (u128)1 << 64); }

static void test_u128_overflow_panics(void **state)
{
    (void)state;
    assert_false(mock_call(m_overflow, "", 0));
    assert_string_equal(mock_panic_message(), "attempt to add with overflow");
    assert_false(mock_call(m_mul_overflow, "", 0));
    assert_string_equal(mock_panic_message(), "attempt to multiply with overflow");
}

static void m_borsh(void)
{
    struct buf b;
    buf_init(&b);
    bw_u8(&b, 7);
    bw_u32(&b, 0x01020304);
    bw_u64(&b, 0x1122334455667788ull);
    bw_u128(&b, ((u128)0xAABBull << 64) | 0xCCDDull);
    bw_str(&b, "hey");
    bw_bool(&b, true);
    struct br r;
    br_init(&r, b.data, b.len);
    if (br_u8(&r) != 7 || br_u32(&r) != 0x01020304 || br_u64(&r) != 0x1122334455667788ull ||
        br_u128(&r) != (((u128)0xAABBull << 64) | 0xCCDDull))
        sdk_panic("mismatch");
    size_t n;
    char *s = br_str(&r, &n);
    if (n != 3 || strcmp(s, "hey") != 0 || !br_bool(&r) || !br_done(&r))
        sdk_panic("mismatch");
    sdk_return_buf(&b);
    br_u8(&r); /* past the end */
}

static void test_borsh(void **state)
{
    (void)state;
    assert_false(mock_call(m_borsh, "", 0));
    assert_string_equal(mock_panic_message(), "Cannot deserialize the contract state.");
    /* a failed call returns nothing; check the encoding directly */
}

static void m_borsh_bytes(void)
{
    struct buf b;
    buf_init(&b);
    bw_u32(&b, 0x01020304);
    bw_u128(&b, 1);
    bw_str(&b, "ab");
    sdk_return_buf(&b);
}

static void test_borsh_bytes(void **state)
{
    (void)state;
    assert_true(mock_call(m_borsh_bytes, "", 0));
    size_t len;
    const uint8_t *v = mock_return_value(&len);
    const uint8_t expect[] = {4, 3, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 'a', 'b'};
    assert_int_equal(len, sizeof expect);
    assert_memory_equal(v, expect, len);
}

static void m_base64(void)
{
    struct buf b;
    buf_init(&b);
    const char *inputs[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    for (int i = 0; i < 7; i++) {
        sdk_base64_encode(&b, (const uint8_t *)inputs[i], strlen(inputs[i]));
        buf_byte(&b, '|');
    }
    sdk_return_buf(&b);
}

static void test_base64(void **state)
{
    (void)state;
    assert_true(mock_call(m_base64, "", 0));
    assert_return("|Zg==|Zm8=|Zm9v|Zm9vYg==|Zm9vYmE=|Zm9vYmFy|");
}

/* UnorderedSet: insert a, b, c; remove a -> c takes index 0. */
static void m_set(void)
{
    struct unordered_set s;
    unordered_set_new(&s, (const uint8_t *)"P", 1);
    if (!unordered_set_insert(&s, "a", 1) || !unordered_set_insert(&s, "b", 1) || !unordered_set_insert(&s, "c", 1))
        sdk_panic("insert");
    if (unordered_set_insert(&s, "b", 1))
        sdk_panic("duplicate insert");
    if (!unordered_set_remove(&s, "a", 1) || unordered_set_remove(&s, "zz", 2))
        sdk_panic("remove");
    if (!unordered_set_contains(&s, "c", 1) || unordered_set_contains(&s, "a", 1))
        sdk_panic("contains");
    struct buf b;
    buf_init(&b);
    unordered_set_write(&b, &s);
    storage_set("SET", 3, b.data, b.len);
}

static void test_unordered_set_layout(void **state)
{
    (void)state;
    assert_true(mock_call(m_set, "", 0));
    size_t len;
    const uint8_t *e0 = mock_storage_get("Pe\0\0\0\0\0\0\0\0", 10, &len);
    assert_non_null(e0);
    assert_memory_equal(e0, "c", 1);
    const uint8_t *e1 = mock_storage_get("Pe\x01\0\0\0\0\0\0\0", 10, &len);
    assert_memory_equal(e1, "b", 1);
    assert_null(mock_storage_get("Pe\x02\0\0\0\0\0\0\0", 10, &len));
    const uint8_t *ic = mock_storage_get("Pic", 3, &len);
    assert_memory_equal(ic, "\0\0\0\0\0\0\0\0", 8);
    assert_null(mock_storage_get("Pia", 3, &len));
    const uint8_t *set = mock_storage_get("SET", 3, &len);
    const uint8_t expect[] = {2, 0, 0, 0, 'P', 'i', 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 'P', 'e'};
    assert_int_equal(len, sizeof expect);
    assert_memory_equal(set, expect, len);
    assert_int_equal(mock_storage_count(), 5); /* 2 elements, 2 index entries, SET */
}

static void m_promises(void)
{
    uint64_t a = promise_call("x.near", "f", "{}", 2, 5, 10 * TGAS);
    uint64_t b = promise_call("y.near", "g", "", 0, 0, 1);
    uint64_t both = promise_and2(a, b);
    uint64_t then = promise_then_call(both, "me.near", "cb", "[1]", 3, 0, 7);
    uint64_t batch = promise_batch_create("z.near");
    promise_action_transfer(batch, 99);
    promise_action_function_call_weight(batch, "h", "x", 1, 1, 2, 3);
    promise_return_value(then);
}

static void test_promises_recorded(void **state)
{
    (void)state;
    assert_true(mock_call(m_promises, "", 0));
    assert_int_equal(mock_promise_count(), 5);
    const struct mock_promise *p = mock_promise(0);
    assert_string_equal(p->account, "x.near");
    assert_string_equal(p->actions[0].method, "f");
    assert_true(p->actions[0].amount == 5);
    assert_int_equal(p->actions[0].gas, 10 * TGAS);
    assert_int_equal(mock_promise(2)->kind, MOCK_PROMISE_AND);
    assert_int_equal(mock_promise(2)->joined_count, 2);
    assert_int_equal(mock_promise(3)->after, 2);
    assert_memory_equal(mock_promise(3)->actions[0].args, "[1]", 3);
    const struct mock_promise *z = mock_promise(4);
    assert_int_equal(z->action_count, 2);
    assert_true(z->actions[0].amount == 99);
    assert_int_equal(z->actions[1].gas_weight, 3);
    assert_int_equal(mock_promise_returned(), 3);
}

static void m_bad_account(void) { promise_transfer("Not Valid", 1); }

static void m_logs(void)
{
    for (int i = 0; i < 101; i++)
        sdk_log("x");
}

static void m_write_then_panic(void)
{
    storage_set("k", 1, "v", 1);
    sdk_log("before");
    sdk_panic("boom \xc3\xa9");
}

static void test_mock_runtime_rules(void **state)
{
    (void)state;
    assert_false(mock_call(m_bad_account, "", 0));
    assert_string_equal(mock_panic_message(), "InvalidAccountId");
    assert_false(mock_call(m_logs, "", 0));
    assert_non_null(strstr(mock_panic_message(), "NumberOfLogsExceeded"));
    assert_false(mock_call(m_write_then_panic, "", 0));
    assert_string_equal(mock_panic_message(), "boom \xc3\xa9");
    assert_int_equal(mock_log_count(), 1);     /* logs before a failure are kept */
    assert_int_equal(mock_storage_count(), 0); /* the write was rolled back */
    assert_false(mock_has_return());
}

static void m_input_echo(void)
{
    size_t len;
    const uint8_t *in = sdk_input(&len);
    struct buf b;
    buf_init(&b);
    buf_str(&b, sdk_predecessor());
    buf_byte(&b, ' ');
    buf_str(&b, sdk_current_account());
    buf_byte(&b, ' ');
    buf_u128(&b, sdk_attached_deposit());
    buf_byte(&b, ' ');
    buf_u64(&b, sdk_block_height());
    buf_byte(&b, ' ');
    buf_put(&b, in, len);
    sdk_return_buf(&b);
}

static void test_context(void **state)
{
    (void)state;
    mock_set_predecessor("p.near");
    mock_set_current("c.near");
    mock_set_deposit(((u128)1 << 100) + 3);
    mock_set_block(77, 1);
    assert_true(mock_call_json(m_input_echo, "{\"x\":1}"));
    assert_return("p.near c.near 1267650600228229401496703205379 77 {\"x\":1}");
}

static void test_json_writer_nesting(void **state)
{
    (void)state;
    struct buf b;
    struct jw w;
    buf_init(&b);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "a");
    jw_arr_begin(&w);
    jw_u64(&w, 1);
    jw_obj_begin(&w);
    jw_obj_end(&w);
    jw_arr_begin(&w);
    jw_arr_end(&w);
    jw_null(&w);
    jw_arr_end(&w);
    jw_key(&w, "k\"");
    jw_u128_str(&w, 5);
    jw_key(&w, "n");
    jw_u128_num(&w, 6);
    jw_key(&w, "b");
    jw_byte_array(&w, (const uint8_t *)"\x01\xff", 2);
    jw_obj_end(&w);
    assert_string_equal(buf_cstr(&b), "{\"a\":[1,{},[],null],\"k\\\"\":\"5\",\"n\":6,\"b\":[1,255]}");
    sdk_mem_release_all();
}

static uint8_t g_data_id[32];
static bool g_resumed;

static void m_yield(void) { promise_return_value(promise_yield("cb", "{\"k\":1}", 7, 5 * TGAS, 1, g_data_id)); }

static void m_resume(void) { g_resumed = promise_resume(g_data_id, "payload", 7); }

static void m_event(void) { sdk_emit_event("std", "1.0.0", "ev", (const uint8_t *)"{\"a\":1}", 7); }

static void test_mock_yield_resume_and_events(void **state)
{
    (void)state;
    assert_true(mock_call(m_yield, "", 0));
    assert_int_equal(mock_yield_count(), 1);
    struct mock_yield *y = mock_yield(0);
    assert_memory_equal(y->data_id, g_data_id, 32);
    assert_string_equal(y->method, "cb");
    assert_int_equal(y->gas, 5 * TGAS);
    assert_int_equal(mock_promise_returned(), 0);
    /* only the yielding account can resume */
    mock_set_current("other.near");
    assert_true(mock_call(m_resume, "", 0));
    assert_false(g_resumed);
    mock_set_current("outlayer.testnet");
    assert_true(mock_call(m_resume, "", 0));
    assert_true(g_resumed);
    assert_int_equal(y->state, MOCK_YIELD_RESUMED);
    assert_memory_equal(y->payload, "payload", 7);
    /* a second resume finds nothing waiting */
    assert_true(mock_call(m_resume, "", 0));
    assert_false(g_resumed);
    assert_true(mock_call(m_event, "", 0));
    assert_string_equal(mock_log(0), "EVENT_JSON:{\"standard\":\"std\",\"version\":\"1.0.0\",\"event\":\"ev\","
                                     "\"data\":[{\"a\":1}]}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_json_valid, setup),
        cmocka_unit_test_setup(test_json_malformed, setup),
        cmocka_unit_test_setup(test_json_typed_reads, setup),
        cmocka_unit_test_setup(test_account_ids, setup),
        cmocka_unit_test_setup(test_u128, setup),
        cmocka_unit_test_setup(test_u128_overflow_panics, setup),
        cmocka_unit_test_setup(test_borsh, setup),
        cmocka_unit_test_setup(test_borsh_bytes, setup),
        cmocka_unit_test_setup(test_base64, setup),
        cmocka_unit_test_setup(test_unordered_set_layout, setup),
        cmocka_unit_test_setup(test_promises_recorded, setup),
        cmocka_unit_test_setup(test_mock_runtime_rules, setup),
        cmocka_unit_test_setup(test_context, setup),
        cmocka_unit_test_setup(test_json_writer_nesting, setup),
        cmocka_unit_test_setup(test_mock_yield_resume_and_events, setup),
    };
    int rc = cmocka_run_group_tests_name("sdk_core", tests, NULL, NULL);
    mock_reset();
    return rc;
}
