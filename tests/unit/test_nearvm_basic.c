/* NEAR VM layer: registers, input, value_return, context getters, NEAR's
 * memory rules, method resolution, view-mode prohibitions, and a contract
 * written in C (tests/devnet/contracts/counter.c). */
#include "nearvm_test.h"

static nearvm_contract *basic;

static int setup(void **state)
{
    basic = load_contract("basic");
    return 0;
}

static int teardown(void **state)
{
    nearvm_contract_release(basic);
    return 0;
}

static bool call(const char *method, const void *input, size_t len, nearvm_outcome *o)
{
    return run_with_input(basic, method, input, len, o);
}

static void test_echo(void **state)
{
    nearvm_outcome o;
    assert_true(call("echo", "{\"x\":1}", 7, &o));
    assert_return_str(&o, "{\"x\":1}");
    nearvm_outcome_free(&o);
    /* the same through register u64::MAX-2 and a register-sourced value_return */
    assert_true(call("echo_reg", "abc", 3, &o));
    assert_return_str(&o, "abc");
    nearvm_outcome_free(&o);
    /* empty input gives an empty register, not an absent one */
    assert_true(call("echo_reg", NULL, 0, &o));
    assert_return(&o, "", 0);
    nearvm_outcome_free(&o);
}

static void test_registers(void **state)
{
    nearvm_outcome o;
    assert_true(call("absent_len", NULL, 0, &o));
    assert_int_equal(o.return_len, 8);
    assert_true(le64(o.return_data) == UINT64_MAX);
    nearvm_outcome_free(&o);

    assert_true(call("write_then_return", NULL, 0, &o));
    assert_return_str(&o, "hello");
    nearvm_outcome_free(&o);

    assert_false(call("read_missing", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "InvalidRegisterId", "Accessed invalid register id: 5");
    assert_string_equal(o.error.json, "{\"ExecutionError\":\"Accessed invalid register id: 5\"}");
    assert_string_equal(o.error.debug, "HostError(InvalidRegisterId { register_id: 5 })");
    assert_int_equal(o.return_kind, NEAR_RETURN_NONE);
    nearvm_outcome_free(&o);
}

/* At most 100 registers; the input register counts too. many_registers
 * writes registers 0..n-1, then replaces register 0. */
static void test_register_count_limit(void **state)
{
    nearvm_outcome o;
    uint8_t n = 98; /* + the input register = 99: the replacement fits */
    assert_true(call("many_registers", &n, 1, &o));
    nearvm_outcome_free(&o);
    /* 100 registers exist: nearcore checks the count before looking the id
     * up, so even replacing register 0 fails (a bug kept in the protocol) */
    n = 99;
    assert_false(call("many_registers", &n, 1, &o));
    assert_error(&o, NEARVM_ERR_HOST, "MemoryAccessViolation", NULL);
    nearvm_outcome_free(&o);
    n = 100;
    assert_false(call("many_registers", &n, 1, &o));
    assert_error(&o, NEARVM_ERR_HOST, "MemoryAccessViolation", NULL);
    nearvm_outcome_free(&o);
}

static void test_value_return_replaces(void **state)
{
    nearvm_outcome o;
    assert_true(call("return_twice", NULL, 0, &o));
    assert_return_str(&o, "near");
    nearvm_outcome_free(&o);
}

static void test_memory_access_violation(void **state)
{
    nearvm_outcome o;
    assert_false(call("oob_read", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "MemoryAccessViolation", "Accessed memory outside the bounds.");
    nearvm_outcome_free(&o);
    assert_false(call("oob_write", "0123456789abcdefghijklmnopqrstuvwxyz", 36, &o));
    assert_error(&o, NEARVM_ERR_HOST, "MemoryAccessViolation", NULL);
    nearvm_outcome_free(&o);
}

/* The contract declares 1..2 pages; NEAR gives it 1024..2048. */
static void test_memory_forced_to_near_limits(void **state)
{
    nearvm_outcome o;
    assert_true(call("mem_size", NULL, 0, &o));
    assert_int_equal(le64(o.return_data), 1024);
    nearvm_outcome_free(&o);
    assert_true(call("grow_past_max", NULL, 0, &o));
    assert_true(le64(o.return_data) == UINT64_MAX); /* -1 */
    nearvm_outcome_free(&o);
    assert_true(call("grow_to_max", NULL, 0, &o));
    assert_int_equal(le64(o.return_data), 1024);
    nearvm_outcome_free(&o);
}

static void test_context_getters(void **state)
{
    nearvm_outcome o;
    assert_true(call("current", NULL, 0, &o));
    assert_return_str(&o, "alice.near");
    nearvm_outcome_free(&o);
    assert_true(call("signer", NULL, 0, &o));
    assert_return_str(&o, "signer.near");
    nearvm_outcome_free(&o);
    assert_true(call("predecessor", NULL, 0, &o));
    assert_return_str(&o, "bob.near");
    nearvm_outcome_free(&o);
    assert_true(call("signer_pk", NULL, 0, &o));
    assert_return(&o, test_signer_pk, 33);
    nearvm_outcome_free(&o);
    assert_true(call("chain", NULL, 0, &o));
    assert_return_str(&o, "localnet");
    nearvm_outcome_free(&o);
    nearvm_context ctx = test_context();
    assert_true(call("seed", NULL, 0, &o));
    assert_return(&o, ctx.random_seed, 32);
    nearvm_outcome_free(&o);

    assert_true(call("numbers", NULL, 0, &o));
    assert_int_equal(o.return_len, 40);
    assert_int_equal(le64(o.return_data), 1234);
    assert_true(le64(o.return_data + 8) == 1700000000000000000ull);
    assert_int_equal(le64(o.return_data + 16), 5);
    assert_int_equal(le64(o.return_data + 24), 182);
    assert_true(le64(o.return_data + 32) == 300 * TGAS);
    nearvm_outcome_free(&o);

    assert_true(call("balances", NULL, 0, &o));
    assert_int_equal(o.return_len, 64);
    assert_true(le128(o.return_data) == ctx.account_balance);
    assert_true(le128(o.return_data + 16) == 3);
    assert_true(le128(o.return_data + 32) == 7);
    assert_true(le128(o.return_data + 48) == 0); /* validator_stake: no validators */
    nearvm_outcome_free(&o);
}

static void test_method_resolution(void **state)
{
    nearvm_outcome o;
    assert_false(call("nope", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_METHOD_RESOLVE, "MethodNotFound", NULL);
    assert_string_equal(o.error.json, "{\"MethodResolveError\":\"MethodNotFound\"}");
    assert_string_equal(o.error.debug, "MethodResolveError(MethodNotFound)");
    assert_true(o.gas_burnt > 0); /* contract loading is paid */
    nearvm_outcome_free(&o);
    assert_false(call("not_a_function", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_METHOD_RESOLVE, "MethodNotFound", NULL);
    nearvm_outcome_free(&o);
    assert_false(call("with_args", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_METHOD_RESOLVE, "MethodInvalidSignature", NULL);
    nearvm_outcome_free(&o);
    assert_false(call("", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_METHOD_RESOLVE, "MethodEmptyName", NULL);
    nearvm_outcome_free(&o);
}

static void test_code_does_not_exist(void **state)
{
    nearvm_context ctx = test_context();
    nearvm_outcome o;
    assert_false(nearvm_run_code(NULL, 0, "main", &ctx, NULL, &o));
    assert_error(&o, NEARVM_ERR_COMPILATION, "CodeDoesNotExist", "cannot find contract code for account alice.near");
    assert_string_equal(o.error.json, "{\"CompilationError\":{\"CodeDoesNotExist\":{\"account_id\":\"alice.near\"}}}");
    assert_string_equal(o.error.debug, "CompilationError(CodeDoesNotExist { account_id: AccountId(\"alice.near\") })");
    nearvm_outcome_free(&o);
}

static void test_view_prohibitions(void **state)
{
    nearvm_context ctx = test_context();
    ctx.is_view = true;
    nearvm_outcome o;
    static const struct {
        const char *method, *host;
    } piv[] = {{"signer", "signer_account_id"},
               {"signer_pk", "signer_account_pk"},
               {"predecessor", "predecessor_account_id"},
               {"numbers", "prepaid_gas"}};
    for (size_t i = 0; i < sizeof piv / sizeof piv[0]; i++) {
        assert_false(nearvm_run(basic, piv[i].method, &ctx, NULL, &o));
        char msg[96], dbg[128];
        snprintf(msg, sizeof msg, "%s is not allowed in view calls", piv[i].host);
        snprintf(dbg, sizeof dbg, "HostError(ProhibitedInView { method_name: \"%s\" })", piv[i].host);
        assert_error(&o, NEARVM_ERR_HOST, "ProhibitedInView", msg);
        assert_string_equal(o.error.debug, dbg);
        nearvm_outcome_free(&o);
    }
    /* getters that are allowed in views */
    assert_true(nearvm_run(basic, "current", &ctx, NULL, &o));
    assert_return_str(&o, "alice.near");
    nearvm_outcome_free(&o);
    assert_true(nearvm_run(basic, "balances", &ctx, NULL, &o));
    nearvm_outcome_free(&o);
}

static void test_c_contract_counter(void **state)
{
    nearvm_contract *c = load_contract("counter");
    mem_store ms = {0};
    nearvm_storage st = mem_storage(&ms);
    nearvm_context ctx = test_context();
    nearvm_outcome o;

    assert_true(nearvm_run(c, "increment", &ctx, &st, &o));
    assert_return_str(&o, "1");
    assert_int_equal(o.logs_count, 1);
    assert_string_equal(o.logs[0], "count=1");
    /* new record: 5-byte key + 8-byte value + 40 */
    assert_int_equal(o.storage_usage, 182 + 5 + 8 + 40);
    ctx.storage_usage = o.storage_usage;
    nearvm_outcome_free(&o);

    uint8_t add[8] = {41};
    ctx.input = add;
    ctx.input_len = 8;
    assert_true(nearvm_run(c, "increment", &ctx, &st, &o));
    assert_return_str(&o, "42");
    assert_string_equal(o.logs[0], "count=42");
    assert_int_equal(o.storage_usage, 182 + 5 + 8 + 40); /* overwrite, same size */
    nearvm_outcome_free(&o);

    ctx = test_context();
    ctx.is_view = true;
    assert_true(nearvm_run(c, "get", &ctx, &st, &o));
    assert_return_str(&o, "42");
    nearvm_outcome_free(&o);
    /* increment writes storage: prohibited in a view */
    assert_false(nearvm_run(c, "increment", &ctx, &st, &o));
    assert_error(&o, NEARVM_ERR_HOST, "ProhibitedInView", "storage_write is not allowed in view calls");
    assert_string_equal(o.error.debug, "HostError(ProhibitedInView { method_name: \"storage_write\" })");
    nearvm_outcome_free(&o);

    ctx = test_context();
    assert_true(nearvm_run(c, "whoami", &ctx, &st, &o));
    assert_return_str(&o, "bob.near -> alice.near");
    nearvm_outcome_free(&o);
    mem_free(&ms);
    nearvm_contract_release(c);
}

/* The OutLayer contract's `new` and a view (mk/nearvm.mk builds it first). */
static void test_outlayer_smoke(void **state)
{
    size_t len = 0;
    uint8_t *code = read_file("../../build/contracts/outlayer.wasm", &len);
    if (!code)
        fail_msg("cannot read build/contracts/outlayer.wasm (make contracts)");
    mem_store ms = {0};
    nearvm_storage st = mem_storage(&ms);
    nearvm_context ctx = test_context();
    ctx.current_account_id = "outlayer.near";
    ctx.predecessor_account_id = "outlayer.near";
    ctx.signer_account_id = "outlayer.near";
    ctx.attached_deposit = 0;
    static const char args[] = "{\"owner_id\":\"owner.near\",\"operator_id\":\"operator.near\"}";
    ctx.input = (const uint8_t *)args;
    ctx.input_len = sizeof args - 1;
    nearvm_outcome o;
    bool ok = nearvm_run_code(code, len, "new", &ctx, &st, &o);
    if (!ok)
        print_message("outlayer new: %s\n", o.error.message);
    assert_true(ok);
    assert_true(ms.n > 0); /* it stored its state */
    nearvm_outcome_free(&o);
    ctx = test_context();
    ctx.current_account_id = "outlayer.near";
    ctx.is_view = true;
    ok = nearvm_run_code(code, len, "get_config", &ctx, &st, &o);
    if (!ok)
        print_message("outlayer get_config: %s\n", o.error.message);
    assert_true(ok);
    assert_int_equal(o.return_kind, NEAR_RETURN_VALUE);
    /* get_config returns ["<owner>","<operator>"] */
    assert_non_null(memmem(o.return_data, o.return_len, "\"owner.near\"", 12));
    assert_non_null(memmem(o.return_data, o.return_len, "\"operator.near\"", 15));
    nearvm_outcome_free(&o);
    free(code);
    mem_free(&ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo),
        cmocka_unit_test(test_registers),
        cmocka_unit_test(test_register_count_limit),
        cmocka_unit_test(test_value_return_replaces),
        cmocka_unit_test(test_memory_access_violation),
        cmocka_unit_test(test_memory_forced_to_near_limits),
        cmocka_unit_test(test_context_getters),
        cmocka_unit_test(test_method_resolution),
        cmocka_unit_test(test_code_does_not_exist),
        cmocka_unit_test(test_view_prohibitions),
        cmocka_unit_test(test_c_contract_counter),
        cmocka_unit_test(test_outlayer_smoke),
    };
    return cmocka_run_group_tests_name("nearvm_basic", tests, setup, teardown);
}
