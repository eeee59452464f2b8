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

#include "wasm/olw.h"

#ifndef WASM_TEST_DIR
#error "WASM_TEST_DIR must name the directory of the compiled test modules"
#endif

/* The error's trap field has the trap enum's type. */
_Static_assert(__builtin_types_compatible_p(__typeof__(((olw_error *)0)->trap), olw_trap_code),
               "olw_error.trap is a olw_trap_code");

static olw_module *load(const char *name)
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
    olw_error err;
    olw_module *m = olw_module_load(buf, n, &err);
    free(buf);
    if (!m)
        fail_msg("loading %s: %s", name, err.message);
    return m;
}

static olw_trap_code call_i32(olw_store *s, olw_instance *inst, const char *name, int32_t arg, int32_t *out)
{
    olw_func *f = olw_instance_func(inst, name);
    assert_non_null(f);
    olw_value a[1] = {olw_i32(arg)}, r[1];
    olw_trap_code t = olw_func_call(s, f, a, 1, r, 1);
    if (t == OLW_TRAP_NONE)
        *out = r[0].of.i32;
    return t;
}

/* ---- limits: 0 = the default, in every field ------------------------------ */

static void test_limits_zero_is_default(void **state)
{
    olw_module *m = load("fuel");
    int32_t r = 0;

    /* Only a memory cap: the program still has fuel (it used to trap at once). */
    olw_limits only_memory = {.max_memory_pages = 16};
    olw_store *s = olw_store_new(&only_memory);
    olw_instance *inst = olw_instantiate(s, m, NULL, NULL);
    assert_non_null(inst);
    assert_int_equal(call_i32(s, inst, "busy", 1000, &r), OLW_TRAP_NONE);
    assert_true(olw_store_fuel_used(s) > 1000);
    assert_true(olw_store_fuel_remaining(s) == OLW_FUEL_UNLIMITED - olw_store_fuel_used(s));
    olw_store_free(s);

    /* {0} and NULL are the same store: identical fuel accounting. */
    olw_limits zero = {0};
    olw_store *a = olw_store_new(&zero), *b = olw_store_new(NULL);
    olw_instance *ia = olw_instantiate(a, m, NULL, NULL), *ib = olw_instantiate(b, m, NULL, NULL);
    int32_t ra = 0, rb = 0;
    assert_int_equal(call_i32(a, ia, "sum", 100, &ra), OLW_TRAP_NONE);
    assert_int_equal(call_i32(b, ib, "sum", 100, &rb), OLW_TRAP_NONE);
    assert_int_equal(ra, rb);
    assert_true(olw_store_fuel_remaining(a) == olw_store_fuel_remaining(b));
    olw_store_free(a);
    olw_store_free(b);

    /* A fuel limit still limits; set_fuel(0) starts a store with none. */
    olw_limits some = {.fuel = 50};
    s = olw_store_new(&some);
    inst = olw_instantiate(s, m, NULL, NULL);
    assert_int_equal(call_i32(s, inst, "busy", 1000000, &r), OLW_TRAP_OUT_OF_FUEL);
    olw_store_set_fuel(s, 0);
    assert_int_equal(call_i32(s, inst, "busy", 1, &r), OLW_TRAP_OUT_OF_FUEL);
    olw_store_free(s);

    /* The memory cap alone is enforced: 16 pages. */
    s = olw_store_new(&only_memory);
    assert_null(olw_memory_new(s, 17, 0, false));
    assert_non_null(olw_memory_new(s, 8, 0, false));
    olw_store_free(s);
    assert_int_equal(OLW_MEMORY_PAGES_MAX, 65536);
    olw_module_release(m);
}

/* ---- link errors name both types --------------------------------------------- */

static olw_trap_code host_nop(olw_call *call, const uint64_t *args, uint64_t *results) { return OLW_TRAP_NONE; }

static void expect_link_error(olw_store *s, olw_module *m, olw_linker *l, const char *want)
{
    olw_error err;
    assert_null(olw_instantiate(s, m, l, &err));
    assert_int_equal(err.kind, OLW_ERR_UNLINKABLE);
    assert_int_equal(err.trap, OLW_TRAP_NONE);
    assert_string_equal(err.message, want);
}

static void test_link_errors_show_both_types(void **state)
{
    olw_module *m = load("api");
    olw_store *s = olw_store_new(NULL);
    olw_linker *l = olw_linker_new(s);

    expect_link_error(s, m, l, "unknown import: env.f (function (i32, i64) -> (f32))");
    assert_true(olw_linker_define_host(l, "env", "f", "i>f", host_nop, NULL));
    expect_link_error(s, m, l,
                      "incompatible import type: env.f: expected function (i32, i64) -> (f32), "
                      "given function (i32) -> (f32)");
    assert_true(olw_linker_define_host(l, "env", "f", "iI>f", host_nop, NULL));

    expect_link_error(s, m, l, "unknown import: env.g (global mut i64)");
    olw_extern g = {.kind = OLW_EXTERN_GLOBAL, .of.global = olw_global_new(s, olw_i32(1), false)};
    assert_true(olw_linker_define(l, "env", "g", g));
    expect_link_error(s, m, l, "incompatible import type: env.g: expected global mut i64, given global i32");
    g.of.global = olw_global_new(s, olw_i64(1), true);
    assert_true(olw_linker_define(l, "env", "g", g));

    olw_extern mem = {.kind = OLW_EXTERN_MEMORY, .of.memory = olw_memory_new(s, 1, 0, false)};
    assert_true(olw_linker_define(l, "env", "mem", mem));
    expect_link_error(s, m, l,
                      "incompatible import type: env.mem: expected memory {min 1, max 2}, given memory {min 1}");
    mem.of.memory = olw_memory_new(s, 1, 2, true);
    assert_true(olw_linker_define(l, "env", "mem", mem));

    /* the wrong kind altogether */
    assert_true(olw_linker_define(l, "env", "tab", mem));
    expect_link_error(s, m, l,
                      "incompatible import type: env.tab: expected table funcref {min 1}, "
                      "given memory {min 1, max 2}");
    olw_value null_ref = {.type = OLW_FUNCREF, .of.funcref = NULL};
    olw_extern tab = {.kind = OLW_EXTERN_TABLE,
                      .of.table = olw_table_new(s, OLW_EXTERNREF, 1, 0, false, olw_externref(NULL))};
    assert_true(olw_linker_define(l, "env", "tab", tab));
    expect_link_error(s, m, l,
                      "incompatible import type: env.tab: expected table funcref {min 1}, "
                      "given table externref {min 1}");
    tab.of.table = olw_table_new(s, OLW_FUNCREF, 1, 0, false, null_ref);
    assert_true(olw_linker_define(l, "env", "tab", tab));

    olw_error err;
    assert_non_null(olw_instantiate(s, m, l, &err));
    olw_linker_free(l);
    olw_store_free(s);
    olw_module_release(m);
}

/* ---- listing exports ------------------------------------------------------------ */

static void test_export_listing(void **state)
{
    olw_module *m = load("api");
    olw_store *s = olw_store_new(NULL);
    olw_linker *l = olw_linker_new(s);
    assert_true(olw_linker_define_host(l, "env", "f", "iI>f", host_nop, NULL));
    olw_extern g = {.kind = OLW_EXTERN_GLOBAL, .of.global = olw_global_new(s, olw_i64(1), true)};
    olw_extern mem = {.kind = OLW_EXTERN_MEMORY, .of.memory = olw_memory_new(s, 1, 2, true)};
    olw_value null_ref = {.type = OLW_FUNCREF, .of.funcref = NULL};
    olw_extern tab = {.kind = OLW_EXTERN_TABLE, .of.table = olw_table_new(s, OLW_FUNCREF, 1, 0, false, null_ref)};
    assert_true(olw_linker_define(l, "env", "g", g) && olw_linker_define(l, "env", "mem", mem) &&
                olw_linker_define(l, "env", "tab", tab));
    olw_instance *inst = olw_instantiate(s, m, l, NULL);
    assert_non_null(inst);

    static const struct {
        const char *name;
        olw_extern_kind kind;
    } want[] = {{"add", OLW_EXTERN_FUNC},
                {"loop", OLW_EXTERN_FUNC},
                {"counter", OLW_EXTERN_GLOBAL},
                {"memory", OLW_EXTERN_MEMORY},
                {"refs", OLW_EXTERN_TABLE}};
    assert_int_equal(olw_instance_export_count(inst), 5);
    for (size_t i = 0; i < 5; i++) {
        olw_export_info info;
        olw_extern e, by_name;
        assert_true(olw_instance_export_at(inst, i, &info, &e));
        assert_int_equal(info.name_len, strlen(want[i].name));
        assert_memory_equal(info.name, want[i].name, info.name_len);
        assert_int_equal(info.kind, want[i].kind);
        assert_int_equal(e.kind, want[i].kind);
        /* the same object as the lookup by name */
        assert_true(olw_instance_export(inst, want[i].name, &by_name));
        assert_ptr_equal(e.of.func, by_name.of.func);
    }
    olw_export_info info;
    olw_extern e;
    assert_true(olw_instance_export_at(inst, 0, &info, NULL)); /* either output may be NULL */
    assert_int_equal(info.func_type.nparams, 2);
    assert_int_equal(info.func_type.nresults, 1);
    assert_int_equal(info.func_type.types[0], OLW_I32);
    assert_true(olw_instance_export_at(inst, 2, NULL, &e));
    assert_int_equal(olw_global_get(e.of.global).of.i32, 7);
    assert_false(olw_instance_export_at(inst, 5, &info, &e));
    assert_false(olw_instance_export_at(NULL, 0, &info, &e));
    assert_int_equal(olw_instance_export_count(NULL), 0);

    olw_linker_free(l);
    olw_store_free(s);
    olw_module_release(m);
}

/* ---- host functions: float and reference slots ------------------------------------ */

/* fmix(f32 a, f64 b) -> (f64 b*2, f32 a's exact bits) */
static olw_trap_code host_fmix(olw_call *call, const uint64_t *args, uint64_t *results)
{
    double b = olw_slot_get_f64(args[1]);
    results[0] = olw_slot_of_f64(b * 2);
    results[1] = olw_slot_of_f32_bits(olw_slot_get_f32_bits(args[0]));
    float *seen = olw_call_env(call);
    *seen = olw_slot_get_f32(args[0]);
    return OLW_TRAP_NONE;
}

/* refs(externref x, funcref f) -> (x, f) */
static olw_trap_code host_refs(olw_call *call, const uint64_t *args, uint64_t *results)
{
    void *x = olw_slot_get_externref(args[0]);
    olw_func *f = olw_slot_get_funcref(args[1]);
    if (!f || olw_func_type(f).nparams != 0)
        return olw_call_trap(call, OLW_TRAP_HOST, "expected the module's own function");
    results[0] = olw_slot_of_externref(x);
    results[1] = olw_slot_of_funcref(f);
    return OLW_TRAP_NONE;
}

static void test_host_float_and_ref_slots(void **state)
{
    olw_module *m = load("api_host");
    olw_store *s = olw_store_new(NULL);
    olw_linker *l = olw_linker_new(s);
    float seen = 0;
    assert_true(olw_linker_define_host(l, "env", "fmix", "fF>Ff", host_fmix, &seen));
    assert_true(olw_linker_define_host(l, "env", "refs", "xr>xr", host_refs, NULL));
    olw_instance *inst = olw_instantiate(s, m, l, NULL);
    assert_non_null(inst);

    /* A NaN with a payload survives the trip by bits; a double by value. */
    olw_value args[2] = {olw_f32_bits(0x7fa00001u), olw_f64(1.25)}, r[2];
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "fmix"), args, 2, r, 2), OLW_TRAP_NONE);
    assert_int_equal(r[0].type, OLW_F64);
    assert_int_equal(r[0].of.f64_bits, olw_f64(2.5).of.f64_bits);
    assert_int_equal(r[1].type, OLW_F32);
    assert_int_equal(r[1].of.f32_bits, 0x7fa00001u);
    assert_true(isnan(seen));

    args[0] = olw_f32(-0.5f);
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "fmix"), args, 2, r, 2), OLW_TRAP_NONE);
    assert_true(seen == -0.5f);
    assert_int_equal(r[1].of.f32_bits, 0xbf000000u);

    int token;
    olw_value x[1] = {olw_externref(&token)};
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "refs"), x, 1, r, 2), OLW_TRAP_NONE);
    assert_int_equal(r[0].type, OLW_EXTERNREF);
    assert_ptr_equal(r[0].of.externref, &token);
    assert_int_equal(r[1].type, OLW_FUNCREF);
    assert_non_null(r[1].of.funcref);
    /* the funcref is callable from the embedder */
    assert_int_equal(olw_func_call(s, r[1].of.funcref, NULL, 0, NULL, 0), OLW_TRAP_NONE);
    assert_string_equal(olw_valtype_name(OLW_EXTERNREF), "externref");
    assert_string_equal(olw_valtype_name(0x42), "unknown");

    olw_linker_free(l);
    olw_store_free(s);
    olw_module_release(m);
}

/* ---- misuse is not a host failure ------------------------------------------------ */

static olw_trap_code host_fail(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return olw_call_trap(call, OLW_TRAP_HOST, "host says no");
}

static void test_misuse_has_its_own_code(void **state)
{
    olw_store *s = olw_store_new(NULL);
    olw_func *h = olw_func_new_host(s, "i>i", host_fail, NULL);
    assert_non_null(h);
    olw_value a[1] = {olw_i32(1)}, r[1];

    assert_int_equal(olw_func_call(s, h, a, 1, r, 1), OLW_TRAP_HOST);
    assert_string_equal(olw_store_trap_message(s), "host says no");

    assert_int_equal(olw_func_call(s, h, a, 1, r, 0), OLW_TRAP_MISUSE);
    assert_string_equal(olw_store_trap_message(s), "result buffer too small: 1 results, room for 0");
    assert_int_equal(olw_func_call(s, h, NULL, 1, r, 1), OLW_TRAP_MISUSE);
    assert_int_equal(olw_func_call(NULL, h, a, 1, r, 1), OLW_TRAP_MISUSE);
    assert_string_equal(olw_trap_name(OLW_TRAP_MISUSE), "API misuse");
    assert_string_not_equal(olw_trap_name(OLW_TRAP_MISUSE), olw_trap_name(OLW_TRAP_HOST));

    /* Instantiation with nothing to instantiate is misuse too. */
    olw_error err;
    assert_null(olw_instantiate(s, NULL, NULL, &err));
    assert_int_equal(err.kind, OLW_ERR_MISUSE);
    assert_int_equal(err.trap, OLW_TRAP_NONE);
    olw_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_zero_is_default),  cmocka_unit_test(test_link_errors_show_both_types),
        cmocka_unit_test(test_export_listing),          cmocka_unit_test(test_host_float_and_ref_slots),
        cmocka_unit_test(test_misuse_has_its_own_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
