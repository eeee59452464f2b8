/* NEAR VM layer: storage_write/read/remove/has_key with evicted values in
 * registers, storage usage accounting (key + value + 40 bytes per record),
 * key limits, the deprecated iterators, view-mode rules and storage
 * failures. Contract: tests/devnet/contracts/storage.wat. */
#include "nearvm_test.h"

static nearvm_contract *contract;

static int setup(void **state)
{
    contract = load_contract("storage");
    return 0;
}

static int teardown(void **state)
{
    nearvm_contract_release(contract);
    return 0;
}

static bool call(mem_store *ms, uint64_t usage, bool view, const char *method, const void *in, size_t len,
                 nearvm_outcome *o)
{
    nearvm_storage st = mem_storage(ms);
    nearvm_context ctx = test_context();
    ctx.input = in;
    ctx.input_len = len;
    ctx.storage_usage = usage;
    ctx.is_view = view;
    return nearvm_run(contract, method, &ctx, &st, o);
}

/* Asserts the 8-byte result code and the register bytes after it. */
static void assert_result(const nearvm_outcome *o, uint64_t code, const char *reg)
{
    assert_int_equal(o->error.kind, NEARVM_OK);
    assert_true(o->return_len >= 8);
    assert_int_equal(le64(o->return_data), code);
    assert_int_equal(o->return_len - 8, strlen(reg));
    assert_memory_equal(o->return_data + 8, reg, strlen(reg));
}

static void test_write_read_remove(void **state)
{
    mem_store ms = {0};
    nearvm_outcome o;

    /* new record: returns 0, register untouched, usage + 2 + 7 + 40 */
    assert_true(call(&ms, 182, false, "kv_write", "\2k1v1-long", 10, &o));
    assert_result(&o, 0, "");
    assert_int_equal(o.storage_usage, 182 + 49);
    nearvm_outcome_free(&o);
    assert_int_equal(ms.n, 1);

    /* overwrite: returns 1 and the evicted value, usage - 7 + 2 */
    assert_true(call(&ms, 231, false, "kv_write", "\2k1v2", 5, &o));
    assert_result(&o, 1, "v1-long");
    assert_int_equal(o.storage_usage, 226);
    nearvm_outcome_free(&o);

    assert_true(call(&ms, 226, false, "kv_read", "k1", 2, &o));
    assert_result(&o, 1, "v2");
    assert_int_equal(o.storage_usage, 226);
    nearvm_outcome_free(&o);
    assert_true(call(&ms, 226, false, "kv_read", "zz", 2, &o));
    assert_result(&o, 0, "");
    nearvm_outcome_free(&o);

    assert_true(call(&ms, 226, false, "kv_has", "k1", 2, &o));
    assert_result(&o, 1, "");
    nearvm_outcome_free(&o);
    assert_true(call(&ms, 226, false, "kv_has", "k", 1, &o));
    assert_result(&o, 0, "");
    nearvm_outcome_free(&o);

    /* remove: returns 1 and the old value, usage - (2 + 2 + 40) */
    assert_true(call(&ms, 226, false, "kv_remove", "k1", 2, &o));
    assert_result(&o, 1, "v2");
    assert_int_equal(o.storage_usage, 182);
    nearvm_outcome_free(&o);
    assert_int_equal(ms.n, 0);
    assert_true(call(&ms, 182, false, "kv_remove", "k1", 2, &o));
    assert_result(&o, 0, "");
    assert_int_equal(o.storage_usage, 182);
    nearvm_outcome_free(&o);

    /* empty key and empty value are fine */
    assert_true(call(&ms, 182, false, "kv_write", "\0", 1, &o));
    assert_result(&o, 0, "");
    assert_int_equal(o.storage_usage, 222);
    nearvm_outcome_free(&o);
    mem_free(&ms);
}

static void test_usage_reported(void **state)
{
    mem_store ms = {0};
    nearvm_outcome o;
    assert_true(call(&ms, 4242, false, "usage", NULL, 0, &o));
    assert_result(&o, 4242, "");
    nearvm_outcome_free(&o);
}

static void test_limits_and_deprecated(void **state)
{
    mem_store ms = {0};
    nearvm_outcome o;
    assert_false(call(&ms, 182, false, "long_key", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "KeyLengthExceeded", "The length of a storage key 2049 exceeds the limit 2048");
    assert_string_equal(o.error.debug, "HostError(KeyLengthExceeded { length: 2049, limit: 2048 })");
    nearvm_outcome_free(&o);
    assert_false(call(&ms, 182, false, "long_key_read", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "KeyLengthExceeded", NULL);
    nearvm_outcome_free(&o);

    assert_false(call(&ms, 182, false, "iter", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "Deprecated", "Attempted to call deprecated host function storage_iter_prefix");
    assert_string_equal(o.error.debug, "HostError(Deprecated { method_name: \"storage_iter_prefix\" })");
    nearvm_outcome_free(&o);
    assert_int_equal(ms.n, 0);
}

static void test_view_mode(void **state)
{
    mem_store ms = {0};
    nearvm_outcome o;
    assert_true(call(&ms, 182, false, "kv_write", "\1ab", 3, &o));
    nearvm_outcome_free(&o);
    /* reads are allowed in views */
    assert_true(call(&ms, 222, true, "kv_read", "a", 1, &o));
    assert_result(&o, 1, "b");
    nearvm_outcome_free(&o);
    assert_true(call(&ms, 222, true, "kv_has", "a", 1, &o));
    assert_result(&o, 1, "");
    nearvm_outcome_free(&o);
    /* writes and removes are not */
    assert_false(call(&ms, 222, true, "kv_write", "\1ac", 3, &o));
    assert_error(&o, NEARVM_ERR_HOST, "ProhibitedInView", "storage_write is not allowed in view calls");
    nearvm_outcome_free(&o);
    assert_false(call(&ms, 222, true, "kv_remove", "a", 1, &o));
    assert_error(&o, NEARVM_ERR_HOST, "ProhibitedInView", "storage_remove is not allowed in view calls");
    nearvm_outcome_free(&o);
    assert_int_equal(ms.n, 1);
    assert_memory_equal(ms.kv[0].value, "b", 1);
    mem_free(&ms);
}

static void test_storage_failure_is_internal(void **state)
{
    mem_store ms = {0};
    ms.fail_get = 1;
    nearvm_outcome o;
    assert_false(call(&ms, 182, false, "kv_read", "a", 1, &o));
    assert_int_equal(o.error.kind, NEARVM_ERR_STORAGE);
    nearvm_outcome_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read_remove),           cmocka_unit_test(test_usage_reported),
        cmocka_unit_test(test_limits_and_deprecated),       cmocka_unit_test(test_view_mode),
        cmocka_unit_test(test_storage_failure_is_internal),
    };
    return cmocka_run_group_tests_name("nearvm_storage", tests, setup, teardown);
}
