/*
 * test_wasm_exec_api.c — the embedding API as a new embedder meets it:
 * limits where 0 means the default in every field, link errors that show
 * the expected and the given type, raw-slot helpers for floats and
 * references in host functions, API misuse told apart from a failing host
 * function, and listing an instance's exports.
 *
 * Modules: tests/unit/wat/{api,api_host,fuel}.wat (built into WASM_TEST_DIR).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"

#ifndef WASM_TEST_DIR
#error "WASM_TEST_DIR must name the directory of the compiled test modules"
#endif

/* The error's trap field has the trap enum's type. */
_Static_assert(__builtin_types_compatible_p(__typeof__(((wasm_error *)0)->trap), wasm_trap_code),
               "wasm_error.trap is a wasm_trap_code");

static wasm_module *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.wasm", WASM_TEST_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    wasm_error err;
    wasm_module *m = wasm_module_load(buf, n, &err);
    free(buf);
    if (!m)
        fail_msg("loading %s: %s", name, err.message);
    return m;
}

static wasm_trap_code call_i32(wasm_store *s, wasm_instance *inst, const char *name, int32_t arg, int32_t *out)
{
    wasm_func *f = wasm_instance_func(inst, name);
    assert_non_null(f);
    wasm_value a[1] = {wasm_i32(arg)}, r[1];
    wasm_trap_code t = wasm_func_call(s, f, a, 1, r, 1);
    if (t == WASM_TRAP_NONE)
        *out = r[0].of.i32;
    return t;
}

/* ---- limits: 0 = the default, in every field ------------------------------ */

static void test_limits_zero_is_default(void **state)
{
    wasm_module *m = load("fuel");
    int32_t r = 0;

    /* Only a memory cap: the program still has fuel (it used to trap at once). */
    wasm_limits only_memory = {.max_memory_pages = 16};
    wasm_store *s = wasm_store_new(&only_memory);
    wasm_instance *inst = wasm_instantiate(s, m, NULL, NULL);
    assert_non_null(inst);
    assert_int_equal(call_i32(s, inst, "busy", 1000, &r), WASM_TRAP_NONE);
    assert_true(wasm_store_fuel_used(s) > 1000);
    assert_true(wasm_store_fuel_remaining(s) == WASM_FUEL_UNLIMITED - wasm_store_fuel_used(s));
    wasm_store_free(s);

    /* {0} and NULL are the same store: identical fuel accounting. */
    wasm_limits zero = {0};
    wasm_store *a = wasm_store_new(&zero), *b = wasm_store_new(NULL);
    wasm_instance *ia = wasm_instantiate(a, m, NULL, NULL), *ib = wasm_instantiate(b, m, NULL, NULL);
    int32_t ra = 0, rb = 0;
    assert_int_equal(call_i32(a, ia, "sum", 100, &ra), WASM_TRAP_NONE);
    assert_int_equal(call_i32(b, ib, "sum", 100, &rb), WASM_TRAP_NONE);
    assert_int_equal(ra, rb);
    assert_true(wasm_store_fuel_remaining(a) == wasm_store_fuel_remaining(b));
    wasm_store_free(a);
    wasm_store_free(b);

    /* A fuel limit still limits; set_fuel(0) starts a store with none. */
    wasm_limits some = {.fuel = 50};
    s = wasm_store_new(&some);
    inst = wasm_instantiate(s, m, NULL, NULL);
    assert_int_equal(call_i32(s, inst, "busy", 1000000, &r), WASM_TRAP_OUT_OF_FUEL);
    wasm_store_set_fuel(s, 0);
    assert_int_equal(call_i32(s, inst, "busy", 1, &r), WASM_TRAP_OUT_OF_FUEL);
    wasm_store_free(s);

    /* The memory cap alone is enforced: 16 pages. */
    s = wasm_store_new(&only_memory);
    assert_null(wasm_memory_new(s, 17, 0, false));
    assert_non_null(wasm_memory_new(s, 8, 0, false));
    wasm_store_free(s);
    assert_int_equal(WASM_MEMORY_PAGES_MAX, 65536);
    wasm_module_release(m);
}

/* ---- link errors name both types --------------------------------------------- */

static wasm_trap_code host_nop(wasm_call *call, const uint64_t *args, uint64_t *results) { return WASM_TRAP_NONE; }

static void expect_link_error(wasm_store *s, wasm_module *m, wasm_linker *l, const char *want)
{
    wasm_error err;
    assert_null(wasm_instantiate(s, m, l, &err));
    assert_int_equal(err.kind, WASM_ERR_UNLINKABLE);
    assert_int_equal(err.trap, WASM_TRAP_NONE);
    assert_string_equal(err.message, want);
}

static void test_link_errors_show_both_types(void **state)
{
    wasm_module *m = load("api");
    wasm_store *s = wasm_store_new(NULL);
    wasm_linker *l = wasm_linker_new(s);

    expect_link_error(s, m, l, "unknown import: env.f (function (i32, i64) -> (f32))");
    assert_true(wasm_linker_define_host(l, "env", "f", "i>f", host_nop, NULL));
    expect_link_error(s, m, l,
                      "incompatible import type: env.f: expected function (i32, i64) -> (f32), "
                      "given function (i32) -> (f32)");
    assert_true(wasm_linker_define_host(l, "env", "f", "iI>f", host_nop, NULL));

    expect_link_error(s, m, l, "unknown import: env.g (global mut i64)");
    wasm_extern g = {.kind = WASM_EXTERN_GLOBAL, .of.global = wasm_global_new(s, wasm_i32(1), false)};
    assert_true(wasm_linker_define(l, "env", "g", g));
    expect_link_error(s, m, l, "incompatible import type: env.g: expected global mut i64, given global i32");
    g.of.global = wasm_global_new(s, wasm_i64(1), true);
    assert_true(wasm_linker_define(l, "env", "g", g));

    wasm_extern mem = {.kind = WASM_EXTERN_MEMORY, .of.memory = wasm_memory_new(s, 1, 0, false)};
    assert_true(wasm_linker_define(l, "env", "mem", mem));
    expect_link_error(s, m, l,
                      "incompatible import type: env.mem: expected memory {min 1, max 2}, given memory {min 1}");
    mem.of.memory = wasm_memory_new(s, 1, 2, true);
    assert_true(wasm_linker_define(l, "env", "mem", mem));

    /* the wrong kind altogether */
    assert_true(wasm_linker_define(l, "env", "tab", mem));
    expect_link_error(s, m, l,
                      "incompatible import type: env.tab: expected table funcref {min 1}, "
                      "given memory {min 1, max 2}");
    wasm_value null_ref = {.type = WASM_FUNCREF, .of.funcref = NULL};
    wasm_extern tab = {.kind = WASM_EXTERN_TABLE, .of.table = wasm_table_new(s, WASM_EXTERNREF, 1, 0, false,
                                                                             wasm_externref(NULL))};
    assert_true(wasm_linker_define(l, "env", "tab", tab));
    expect_link_error(s, m, l,
                      "incompatible import type: env.tab: expected table funcref {min 1}, "
                      "given table externref {min 1}");
    tab.of.table = wasm_table_new(s, WASM_FUNCREF, 1, 0, false, null_ref);
    assert_true(wasm_linker_define(l, "env", "tab", tab));

    wasm_error err;
    assert_non_null(wasm_instantiate(s, m, l, &err));
    wasm_linker_free(l);
    wasm_store_free(s);
    wasm_module_release(m);
}

/* ---- listing exports ------------------------------------------------------------ */

static void test_export_listing(void **state)
{
    wasm_module *m = load("api");
    wasm_store *s = wasm_store_new(NULL);
    wasm_linker *l = wasm_linker_new(s);
    assert_true(wasm_linker_define_host(l, "env", "f", "iI>f", host_nop, NULL));
    wasm_extern g = {.kind = WASM_EXTERN_GLOBAL, .of.global = wasm_global_new(s, wasm_i64(1), true)};
    wasm_extern mem = {.kind = WASM_EXTERN_MEMORY, .of.memory = wasm_memory_new(s, 1, 2, true)};
    wasm_value null_ref = {.type = WASM_FUNCREF, .of.funcref = NULL};
    wasm_extern tab = {.kind = WASM_EXTERN_TABLE, .of.table = wasm_table_new(s, WASM_FUNCREF, 1, 0, false, null_ref)};
    assert_true(wasm_linker_define(l, "env", "g", g) && wasm_linker_define(l, "env", "mem", mem) &&
                wasm_linker_define(l, "env", "tab", tab));
    wasm_instance *inst = wasm_instantiate(s, m, l, NULL);
    assert_non_null(inst);

    static const struct {
        const char *name;
        wasm_extern_kind kind;
    } want[] = {{"add", WASM_EXTERN_FUNC},      {"loop", WASM_EXTERN_FUNC},  {"counter", WASM_EXTERN_GLOBAL},
                {"memory", WASM_EXTERN_MEMORY}, {"refs", WASM_EXTERN_TABLE}};
    assert_int_equal(wasm_instance_export_count(inst), 5);
    for (size_t i = 0; i < 5; i++) {
        wasm_export_info info;
        wasm_extern e, by_name;
        assert_true(wasm_instance_export_at(inst, i, &info, &e));
        assert_int_equal(info.name_len, strlen(want[i].name));
        assert_memory_equal(info.name, want[i].name, info.name_len);
        assert_int_equal(info.kind, want[i].kind);
        assert_int_equal(e.kind, want[i].kind);
        /* the same object as the lookup by name */
        assert_true(wasm_instance_export(inst, want[i].name, &by_name));
        assert_ptr_equal(e.of.func, by_name.of.func);
    }
    wasm_export_info info;
    wasm_extern e;
    assert_true(wasm_instance_export_at(inst, 0, &info, NULL)); /* either output may be NULL */
    assert_int_equal(info.func_type.nparams, 2);
    assert_int_equal(info.func_type.nresults, 1);
    assert_int_equal(info.func_type.types[0], WASM_I32);
    assert_true(wasm_instance_export_at(inst, 2, NULL, &e));
    assert_int_equal(wasm_global_get(e.of.global).of.i32, 7);
    assert_false(wasm_instance_export_at(inst, 5, &info, &e));
    assert_false(wasm_instance_export_at(NULL, 0, &info, &e));
    assert_int_equal(wasm_instance_export_count(NULL), 0);

    wasm_linker_free(l);
    wasm_store_free(s);
    wasm_module_release(m);
}

/* ---- host functions: float and reference slots ------------------------------------ */

/* fmix(f32 a, f64 b) -> (f64 b*2, f32 a's exact bits) */
static wasm_trap_code host_fmix(wasm_call *call, const uint64_t *args, uint64_t *results)
{
    double b = wasm_slot_get_f64(args[1]);
    results[0] = wasm_slot_of_f64(b * 2);
    results[1] = wasm_slot_of_f32_bits(wasm_slot_get_f32_bits(args[0]));
    float *seen = wasm_call_env(call);
    *seen = wasm_slot_get_f32(args[0]);
    return WASM_TRAP_NONE;
}

/* refs(externref x, funcref f) -> (x, f) */
static wasm_trap_code host_refs(wasm_call *call, const uint64_t *args, uint64_t *results)
{
    void *x = wasm_slot_get_externref(args[0]);
    wasm_func *f = wasm_slot_get_funcref(args[1]);
    if (!f || wasm_func_type(f).nparams != 0)
        return wasm_call_trap(call, WASM_TRAP_HOST, "expected the module's own function");
    results[0] = wasm_slot_of_externref(x);
    results[1] = wasm_slot_of_funcref(f);
    return WASM_TRAP_NONE;
}

static void test_host_float_and_ref_slots(void **state)
{
    wasm_module *m = load("api_host");
    wasm_store *s = wasm_store_new(NULL);
    wasm_linker *l = wasm_linker_new(s);
    float seen = 0;
    assert_true(wasm_linker_define_host(l, "env", "fmix", "fF>Ff", host_fmix, &seen));
    assert_true(wasm_linker_define_host(l, "env", "refs", "xr>xr", host_refs, NULL));
    wasm_instance *inst = wasm_instantiate(s, m, l, NULL);
    assert_non_null(inst);

    /* A NaN with a payload survives the trip by bits; a double by value. */
    wasm_value args[2] = {wasm_f32_bits(0x7fa00001u), wasm_f64(1.25)}, r[2];
    assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, "fmix"), args, 2, r, 2), WASM_TRAP_NONE);
    assert_int_equal(r[0].type, WASM_F64);
    assert_int_equal(r[0].of.f64_bits, wasm_f64(2.5).of.f64_bits);
    assert_int_equal(r[1].type, WASM_F32);
    assert_int_equal(r[1].of.f32_bits, 0x7fa00001u);
    assert_true(isnan(seen));

    args[0] = wasm_f32(-0.5f);
    assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, "fmix"), args, 2, r, 2), WASM_TRAP_NONE);
    assert_true(seen == -0.5f);
    assert_int_equal(r[1].of.f32_bits, 0xbf000000u);

    int token;
    wasm_value x[1] = {wasm_externref(&token)};
    assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, "refs"), x, 1, r, 2), WASM_TRAP_NONE);
    assert_int_equal(r[0].type, WASM_EXTERNREF);
    assert_ptr_equal(r[0].of.externref, &token);
    assert_int_equal(r[1].type, WASM_FUNCREF);
    assert_non_null(r[1].of.funcref);
    /* the funcref is callable from the embedder */
    assert_int_equal(wasm_func_call(s, r[1].of.funcref, NULL, 0, NULL, 0), WASM_TRAP_NONE);
    assert_string_equal(wasm_valtype_name(WASM_EXTERNREF), "externref");
    assert_string_equal(wasm_valtype_name(0x42), "unknown");

    wasm_linker_free(l);
    wasm_store_free(s);
    wasm_module_release(m);
}

/* ---- misuse is not a host failure ------------------------------------------------ */

static wasm_trap_code host_fail(wasm_call *call, const uint64_t *args, uint64_t *results)
{
    return wasm_call_trap(call, WASM_TRAP_HOST, "host says no");
}

static void test_misuse_has_its_own_code(void **state)
{
    wasm_store *s = wasm_store_new(NULL);
    wasm_func *h = wasm_func_new_host(s, "i>i", host_fail, NULL);
    assert_non_null(h);
    wasm_value a[1] = {wasm_i32(1)}, r[1];

    assert_int_equal(wasm_func_call(s, h, a, 1, r, 1), WASM_TRAP_HOST);
    assert_string_equal(wasm_store_trap_message(s), "host says no");

    assert_int_equal(wasm_func_call(s, h, a, 1, r, 0), WASM_TRAP_MISUSE);
    assert_string_equal(wasm_store_trap_message(s), "result buffer too small: 1 results, room for 0");
    assert_int_equal(wasm_func_call(s, h, NULL, 1, r, 1), WASM_TRAP_MISUSE);
    assert_int_equal(wasm_func_call(NULL, h, a, 1, r, 1), WASM_TRAP_MISUSE);
    assert_string_equal(wasm_trap_name(WASM_TRAP_MISUSE), "API misuse");
    assert_string_not_equal(wasm_trap_name(WASM_TRAP_MISUSE), wasm_trap_name(WASM_TRAP_HOST));

    /* Instantiation with nothing to instantiate is misuse too. */
    wasm_error err;
    assert_null(wasm_instantiate(s, NULL, NULL, &err));
    assert_int_equal(err.kind, WASM_ERR_MISUSE);
    assert_int_equal(err.trap, WASM_TRAP_NONE);
    wasm_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_zero_is_default),
        cmocka_unit_test(test_link_errors_show_both_types),
        cmocka_unit_test(test_export_listing),
        cmocka_unit_test(test_host_float_and_ref_slots),
        cmocka_unit_test(test_misuse_has_its_own_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
