/* NEAR VM layer: log_utf8/log_utf16 (with the u64::MAX NUL-terminated
 * convention), log limits, panic/panic_utf8/abort shapes and wasm traps.
 * Contract: tests/devnet/contracts/logs.wat. */
#include "nearvm_test.h"

static nearvm_contract *contract;

static int setup(void **state)
{
    contract = load_contract("logs");
    return 0;
}

static int teardown(void **state)
{
    nearvm_contract_release(contract);
    return 0;
}

static bool call(const char *method, nearvm_outcome *o)
{
    nearvm_context ctx = test_context();
    return nearvm_run(contract, method, &ctx, NULL, o);
}

static void expect_log(const char *method, const char *line)
{
    nearvm_outcome o;
    assert_true(call(method, &o));
    assert_int_equal(o.logs_count, 1);
    assert_string_equal(o.logs[0], line);
    nearvm_outcome_free(&o);
}

static void test_logs(void **state)
{
    expect_log("log_hello", "hello");
    expect_log("log_nul", "nul-terminated");
    expect_log("log16", "h\xc3\xa9");
    expect_log("log16_nul", "hi");
}

static void test_log_errors(void **state)
{
    nearvm_outcome o;
    assert_false(call("log16_odd", &o));
    assert_error(&o, NEARVM_ERR_HOST, "BadUTF16", "String encoding is bad UTF-16 sequence.");
    nearvm_outcome_free(&o);
    assert_false(call("log16_surrogate", &o));
    assert_error(&o, NEARVM_ERR_HOST, "BadUTF16", NULL);
    nearvm_outcome_free(&o);
    assert_false(call("log_bad_utf8", &o));
    assert_error(&o, NEARVM_ERR_HOST, "BadUTF8", "String encoding is bad UTF-8 sequence.");
    nearvm_outcome_free(&o);
}

static void test_log_limits(void **state)
{
    nearvm_outcome o;
    assert_false(call("log_many", &o));
    assert_error(&o, NEARVM_ERR_HOST, "NumberOfLogsExceeded", "The number of logs will exceed the limit 100");
    assert_int_equal(o.logs_count, 100); /* the logs before the failure are kept */
    nearvm_outcome_free(&o);
    assert_false(call("log_long", &o));
    assert_error(&o, NEARVM_ERR_HOST, "TotalLogLengthExceeded",
                 "The length of a log message 20000 exceeds the limit 16384");
    assert_int_equal(o.logs_count, 4);
    nearvm_outcome_free(&o);
    /* crossing the limit when the log is recorded: nearcore has already
     * added the message's length, so the error counts it twice */
    assert_false(call("log16_euro", &o));
    assert_error(&o, NEARVM_ERR_HOST, "TotalLogLengthExceeded",
                 "The length of a log message 36000 exceeds the limit 16384");
    assert_int_equal(o.logs_count, 0);
    nearvm_outcome_free(&o);
}

static void test_panics(void **state)
{
    nearvm_outcome o;
    assert_false(call("panic", &o));
    assert_error(&o, NEARVM_ERR_HOST, "GuestPanic", "Smart contract panicked: explicit guest panic");
    assert_string_equal(o.error.json, "{\"ExecutionError\":\"Smart contract panicked: explicit guest panic\"}");
    assert_string_equal(o.error.debug, "HostError(GuestPanic { panic_msg: \"explicit guest panic\" })");
    assert_int_equal(o.logs_count, 1);
    nearvm_outcome_free(&o);

    assert_false(call("panic_msg", &o));
    assert_error(&o, NEARVM_ERR_HOST, "GuestPanic", "Smart contract panicked: oh \"no\"\n");
    assert_string_equal(o.error.json, "{\"ExecutionError\":\"Smart contract panicked: oh \\\"no\\\"\\n\"}");
    assert_string_equal(o.error.debug, "HostError(GuestPanic { panic_msg: \"oh \\\"no\\\"\\n\" })");
    assert_int_equal(o.logs_count, 1);
    assert_string_equal(o.logs[0], "hello");
    assert_int_equal(o.return_kind, NEAR_RETURN_NONE); /* the value set before the panic is dropped */
    nearvm_outcome_free(&o);

    assert_false(call("panic_nul", &o));
    assert_error(&o, NEARVM_ERR_HOST, "GuestPanic", "Smart contract panicked: boom");
    nearvm_outcome_free(&o);
}

static void test_abort(void **state)
{
    nearvm_outcome o;
    assert_false(call("abort", &o));
    assert_error(&o, NEARVM_ERR_HOST, "GuestPanic", "Smart contract panicked: ms, filename: \"f.t\" line: 7 col: 9");
    assert_int_equal(o.logs_count, 1);
    assert_string_equal(o.logs[0], "ABORT: ms, filename: \"f.t\" line: 7 col: 9");
    nearvm_outcome_free(&o);
    assert_false(call("abort_low", &o));
    assert_error(&o, NEARVM_ERR_HOST, "BadUTF16", NULL);
    nearvm_outcome_free(&o);
}

static void test_traps(void **state)
{
    nearvm_outcome o;
    assert_false(call("trap", &o));
    assert_error(&o, NEARVM_ERR_WASM_TRAP, "Unreachable", "WebAssembly trap: An `unreachable` opcode was executed.");
    assert_string_equal(o.error.json,
                        "{\"ExecutionError\":\"WebAssembly trap: An `unreachable` opcode was executed.\"}");
    assert_string_equal(o.error.debug, "WasmTrap(Unreachable)");
    assert_int_equal(o.logs_count, 1);
    assert_true(o.gas_burnt > 0);
    assert_true(o.gas_used == o.gas_burnt);
    nearvm_outcome_free(&o);
    assert_false(call("div0", &o));
    assert_error(&o, NEARVM_ERR_WASM_TRAP, "IllegalArithmetic",
                 "WebAssembly trap: An arithmetic exception, e.g. divided by zero.");
    nearvm_outcome_free(&o);
    assert_false(call("oob", &o));
    assert_error(&o, NEARVM_ERR_WASM_TRAP, "MemoryOutOfBounds", "WebAssembly trap: Memory out of bounds trap.");
    nearvm_outcome_free(&o);
    assert_false(call("call_null", &o));
    assert_error(&o, NEARVM_ERR_WASM_TRAP, "IndirectCallToNull", "WebAssembly trap: Indirect call to null.");
    nearvm_outcome_free(&o);
    /* infinite recursion: NearVM's stack limit showed as `unreachable` */
    assert_false(call("recurse", &o));
    assert_error(&o, NEARVM_ERR_WASM_TRAP, "Unreachable", NULL);
    nearvm_outcome_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logs),   cmocka_unit_test(test_log_errors), cmocka_unit_test(test_log_limits),
        cmocka_unit_test(test_panics), cmocka_unit_test(test_abort),      cmocka_unit_test(test_traps),
    };
    return cmocka_run_group_tests_name("nearvm_logs", tests, setup, teardown);
}
