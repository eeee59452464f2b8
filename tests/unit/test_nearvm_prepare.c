/* NEAR VM layer: contract preparation (memory forced to an imported
 * env.memory of 1024/2048 pages, imported memory and foreign imports
 * rejected, NEAR's structural limits, custom sections dropped) and link
 * errors at call time. */
#include "nearvm_test.h"

#include "wasm/olw.h"

static uint8_t *prepare_file(const char *name, size_t *out_len, nearvm_prepare_error *err)
{
    size_t len = 0;
    uint8_t *code = contract_bytes(name, &len), *out = NULL;
    char detail[160];
    *err = nearvm_prepare(code, len, &out, out_len, detail, sizeof detail);
    free(code);
    return out;
}

/* Walks the sections of a module; returns how many have this id. */
static int count_sections(const uint8_t *b, size_t n, uint8_t id)
{
    size_t i = 8;
    int count = 0;
    while (i < n) {
        uint8_t sid = b[i++];
        uint64_t size = 0;
        unsigned shift = 0;
        uint8_t byte;
        do {
            byte = b[i++];
            size |= (uint64_t)(byte & 0x7f) << shift;
            shift += 7;
        } while (byte & 0x80);
        count += sid == id;
        i += size;
    }
    return count;
}

static void test_memory_becomes_import(void **state)
{
    nearvm_prepare_error e;
    size_t len;
    uint8_t *out = prepare_file("basic", &len, &e);
    assert_int_equal(e, NEAR_PREPARE_OK);
    assert_non_null(out);
    /* the memory section is gone and env.memory {min 1024, max 2048} imported */
    assert_int_equal(count_sections(out, len, 5), 0);
    assert_int_equal(count_sections(out, len, 2), 1);
    static const uint8_t import[] = {3, 'e', 'n', 'v', 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 1, 0x80, 0x08, 0x80, 0x10};
    assert_non_null(memmem(out, len, import, sizeof import));
    /* the engine accepts the result, and the import is the last one */
    olw_error err;
    olw_module *m = olw_module_load(out, len, &err);
    assert_non_null(m);
    size_t n = olw_module_import_count(m);
    olw_import_info last = olw_module_import(m, n - 1);
    assert_int_equal(last.kind, OLW_EXTERN_MEMORY);
    assert_string_equal(last.name, "memory");
    olw_module_release(m);
    free(out);

    /* a module without an import section gets one */
    out = prepare_file("bad_multivalue", &len, &e);
    assert_int_equal(e, NEAR_PREPARE_DESERIALIZATION);
    assert_null(out);
    out = prepare_file("no_memory", &len, &e);
    assert_int_equal(e, NEAR_PREPARE_OK);
    assert_non_null(memmem(out, len, import, sizeof import));
    free(out);
}

static void test_no_memory_contract_runs(void **state)
{
    nearvm_contract *c = load_contract("no_memory");
    nearvm_context ctx = test_context();
    nearvm_outcome o;
    assert_true(nearvm_run(c, "main", &ctx, NULL, &o));
    assert_return(&o, "", 0);
    nearvm_outcome_free(&o);
    nearvm_contract_release(c);
}

static void expect_compile_error(const char *name, nearvm_prepare_error want, const char *json)
{
    size_t len = 0;
    uint8_t *code = contract_bytes(name, &len);
    nearvm_prepare_error e;
    char detail[160];
    assert_null(nearvm_contract_load(code, len, &e, detail, sizeof detail));
    assert_int_equal(e, want);
    assert_true(detail[0] != 0);
    nearvm_context ctx = test_context();
    nearvm_outcome o;
    assert_false(nearvm_run_code(code, len, "main", &ctx, NULL, &o));
    assert_int_equal(o.error.kind, NEARVM_ERR_COMPILATION);
    assert_string_equal(o.error.json, json);
    /* loading is charged even so */
    assert_true(o.gas_burnt == 35445963ull + 1089295ull * len);
    nearvm_outcome_free(&o);
    free(code);
}

static void test_rejected_modules(void **state)
{
    expect_compile_error("bad_memory_import", NEAR_PREPARE_MEMORY,
                         "{\"CompilationError\":{\"PrepareError\":\"Memory\"}}");
    expect_compile_error("bad_import_module", NEAR_PREPARE_INSTANTIATE,
                         "{\"CompilationError\":{\"PrepareError\":\"Instantiate\"}}");
    expect_compile_error("bad_multivalue", NEAR_PREPARE_DESERIALIZATION,
                         "{\"CompilationError\":{\"PrepareError\":\"Deserialization\"}}");

    nearvm_context ctx = test_context();
    nearvm_outcome o;
    static const uint8_t garbage[] = "this is not wasm";
    assert_false(nearvm_run_code(garbage, sizeof garbage, "main", &ctx, NULL, &o));
    assert_string_equal(o.error.json, "{\"CompilationError\":{\"PrepareError\":\"Deserialization\"}}");
    assert_string_equal(o.error.debug, "CompilationError(PrepareError(Deserialization))");
    assert_string_equal(o.error.message, "PrepareError: Error happened while deserializing the module.");
    nearvm_outcome_free(&o);

    /* truncations of a valid contract: rejected cleanly unless the cut falls
     * on a section boundary (then the shorter module is valid) */
    size_t len = 0, rejected = 0;
    uint8_t *code = contract_bytes("basic", &len);
    for (size_t cut = 0; cut < len; cut++) {
        nearvm_prepare_error e;
        nearvm_contract *c = nearvm_contract_load(code, cut, &e, NULL, 0);
        if (c) {
            assert_true(cut >= 8);
            nearvm_contract_release(c);
        } else {
            assert_int_equal(e, NEAR_PREPARE_DESERIALIZATION);
            rejected++;
        }
    }
    assert_true(rejected > len - 16);
    free(code);
}

static void test_custom_sections_dropped(void **state)
{
    size_t len = 0, plain_len, custom_len;
    uint8_t *code = contract_bytes("basic", &len);
    uint8_t *with = malloc(len + 12);
    memcpy(with, code, len);
    memcpy(with + len, "\0\x0a\4name\1\2\3\4\5", 12); /* custom section "name" of 10 bytes */
    uint8_t *a = NULL, *b = NULL;
    assert_int_equal(nearvm_prepare(code, len, &a, &plain_len, NULL, 0), NEAR_PREPARE_OK);
    assert_int_equal(nearvm_prepare(with, len + 12, &b, &custom_len, NULL, 0), NEAR_PREPARE_OK);
    assert_int_equal(plain_len, custom_len);
    assert_memory_equal(a, b, plain_len);
    free(a), free(b), free(with), free(code);
}

static size_t put_uleb(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        p[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    return n;
}

static void test_structural_limits(void **state)
{
    /* 10,001 functions */
    size_t cap = 64 + 10001;
    uint8_t *m = malloc(cap);
    size_t n = 0;
    memcpy(m, "\0asm\1\0\0\0\1\4\1\x60\0\0", 14);
    n = 14;
    uint8_t sec[16];
    size_t k = put_uleb(sec, 10001);
    m[n++] = 3;
    n += put_uleb(m + n, k + 10001);
    memcpy(m + n, sec, k);
    n += k;
    memset(m + n, 0, 10001);
    n += 10001;
    uint8_t *out = NULL;
    size_t out_len;
    assert_int_equal(nearvm_prepare(m, n, &out, &out_len, NULL, 0), NEAR_PREPARE_TOO_MANY_FUNCTIONS);
    assert_null(out);

    /* one function with 1,000,001 locals */
    n = 14;
    memcpy(m + n, "\3\2\1\0", 4);
    n += 4;
    uint8_t body[16];
    size_t b = 0;
    body[b++] = 1;
    b += put_uleb(body + b, 1000001);
    body[b++] = 0x7f;
    body[b++] = 0x0b;
    m[n++] = 10;
    n += put_uleb(m + n, 1 + 1 + b);
    m[n++] = 1;
    m[n++] = (uint8_t)b;
    memcpy(m + n, body, b);
    n += b;
    assert_int_equal(nearvm_prepare(m, n, &out, &out_len, NULL, 0), NEAR_PREPARE_TOO_MANY_LOCALS);
    free(m);
    assert_string_equal(nearvm_prepare_error_name(NEAR_PREPARE_TOO_MANY_LOCALS), "TooManyLocals");
}

static void test_link_errors(void **state)
{
    nearvm_contract *c = load_contract("link_unknown");
    nearvm_context ctx = test_context();
    nearvm_outcome o;
    assert_false(nearvm_run(c, "main", &ctx, NULL, &o));
    assert_error(&o, NEARVM_ERR_LINK, "LinkError", "unknown import: `env::no_such_function` has not been defined");
    assert_string_equal(o.error.json,
                        "{\"ExecutionError\":\"unknown import: `env::no_such_function` has not been defined\"}");
    assert_string_equal(o.error.debug,
                        "LinkError { msg: \"unknown import: `env::no_such_function` has not been defined\" }");
    assert_true(o.gas_burnt > 0);
    nearvm_outcome_free(&o);
    /* the method is resolved first */
    assert_false(nearvm_run(c, "nope", &ctx, NULL, &o));
    assert_error(&o, NEARVM_ERR_METHOD_RESOLVE, "MethodNotFound", NULL);
    nearvm_outcome_free(&o);
    nearvm_contract_release(c);

    c = load_contract("link_badsig");
    assert_false(nearvm_run(c, "main", &ctx, NULL, &o));
    assert_error(&o, NEARVM_ERR_LINK, "LinkError", "incompatible import type for `env::block_index`");
    nearvm_outcome_free(&o);
    nearvm_contract_release(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_becomes_import), cmocka_unit_test(test_no_memory_contract_runs),
        cmocka_unit_test(test_rejected_modules),      cmocka_unit_test(test_custom_sections_dropped),
        cmocka_unit_test(test_structural_limits),     cmocka_unit_test(test_link_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
