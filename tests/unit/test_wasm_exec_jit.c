/*
 * test_wasm_exec_jit.c — the compiling tier's own guarantees (issue 17),
 * beyond running every other test under both tiers (make unit and make
 * wasm-unit-interp, make spec, make tiers-test):
 *
 *   - the tier asked for is the tier that runs (olw_module_engine);
 *   - both tiers count the same fuel and trap at the same instruction when
 *     fuel runs out, for every fuel budget around a loop's exhaustion;
 *   - a call depth the machine stack cannot hold traps "call stack
 *     exhausted" instead of crashing, directly and through call_indirect,
 *     and the store stays usable;
 *   - no page of the process is writable and executable at once;
 *   - pinned locals and elided stores give the interpreter's results (and
 *     never make the compile fall back to the interpreter).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/olw.h"

#ifndef WASM_TEST_DIR
#error "WASM_TEST_DIR must name the directory of the compiled test modules"
#endif

static olw_module *load(const char *name, olw_engine engine)
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
    olw_load_options lo = {.engine = engine};
    olw_module *m = olw_module_load_ex(buf, n, &lo, &err);
    free(buf);
    if (!m)
        fail_msg("loading %s: %s", name, err.message);
    return m;
}

static olw_instance *instantiate(olw_store *s, olw_module *m)
{
    olw_linker *l = olw_linker_new(s);
    olw_error err;
    olw_instance *inst = olw_instantiate(s, m, l, &err);
    olw_linker_free(l);
    if (!inst)
        fail_msg("instantiate: %s", err.message);
    return inst;
}

static olw_trap_code call_i32(olw_store *s, olw_instance *inst, const char *name, int32_t arg, olw_value *result)
{
    olw_func *f = olw_instance_func(inst, name);
    assert_non_null(f);
    olw_value a = olw_i32(arg);
    return olw_func_call(s, f, &a, 1, result, 1);
}

static void test_engine_is_the_one_asked_for(void **state)
{
    (void)state;
    olw_module *i = load("jit", OLW_ENGINE_INTERP);
    olw_module *j = load("jit", OLW_ENGINE_JIT);
    assert_int_equal(olw_module_engine(i), OLW_ENGINE_INTERP);
#if defined(__x86_64__) && defined(__linux__)
    assert_int_equal(olw_module_engine(j), OLW_ENGINE_JIT);
#else
    assert_int_equal(olw_module_engine(j), OLW_ENGINE_INTERP);
#endif
    olw_module_release(i);
    olw_module_release(j);
}

/* For budgets around the exact cost of sum(1000): the same outcome, the
 * same fuel used and left, in both tiers. */
static void test_fuel_exhaustion_matches(void **state)
{
    (void)state;
    olw_module *mi = load("jit", OLW_ENGINE_INTERP), *mj = load("jit", OLW_ENGINE_JIT);
    olw_store *probe = olw_store_new(NULL);
    olw_instance *pi = instantiate(probe, mi);
    olw_value r;
    uint64_t before = olw_store_fuel_used(probe);
    assert_int_equal(call_i32(probe, pi, "sum", 1000, &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i64, 499500);
    uint64_t cost = olw_store_fuel_used(probe) - before;
    assert_true(cost > 3000);
    olw_store_free(probe);
    for (uint64_t fuel = cost - 40; fuel <= cost + 2; fuel++) {
        olw_store *si = olw_store_new(NULL), *sj = olw_store_new(NULL);
        olw_instance *ii = instantiate(si, mi), *ij = instantiate(sj, mj);
        olw_store_set_fuel(si, fuel);
        olw_store_set_fuel(sj, fuel);
        olw_value ri = {0}, rj = {0};
        olw_trap_code ci = call_i32(si, ii, "sum", 1000, &ri), cj = call_i32(sj, ij, "sum", 1000, &rj);
        assert_int_equal(ci, cj);
        assert_int_equal(ci, fuel >= cost ? OLW_TRAP_NONE : OLW_TRAP_OUT_OF_FUEL);
        assert_int_equal(olw_store_fuel_used(si), olw_store_fuel_used(sj));
        assert_int_equal(olw_store_fuel_remaining(si), olw_store_fuel_remaining(sj));
        if (ci == OLW_TRAP_NONE)
            assert_int_equal(ri.of.i64, rj.of.i64);
        olw_store_free(si);
        olw_store_free(sj);
    }
    olw_module_release(mi);
    olw_module_release(mj);
}

/* A store that allows 4 million nested calls: deeper than any thread's
 * machine stack holds for compiled code. The compiling tier must trap, not
 * fault, and the store must run the next call normally. */
static void deep(const char *export)
{
    olw_module *m = load("jit", OLW_ENGINE_JIT);
    olw_limits lim = {.max_call_depth = 4000000, .max_stack_slots = 1u << 26};
    olw_store *s = olw_store_new(&lim);
    olw_instance *inst = instantiate(s, m);
    olw_value r;
    olw_trap_code code = call_i32(s, inst, export, 3900000, &r);
    if (olw_module_engine(m) == OLW_ENGINE_JIT)
        assert_int_equal(code, OLW_TRAP_STACK_EXHAUSTED);
    assert_int_equal(call_i32(s, inst, export, 1000, &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 1000);
    olw_store_free(s);
    olw_module_release(m);
}

static void test_deep_recursion_traps(void **state)
{
    (void)state;
    deep("rec");
}

static void test_deep_indirect_recursion_traps(void **state)
{
    (void)state;
    deep("rec_indirect");
}

static void test_no_page_writable_and_executable(void **state)
{
    (void)state;
    olw_module *m = load("jit", OLW_ENGINE_JIT);
    FILE *f = fopen("/proc/self/maps", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            char perms[8] = "";
            if (sscanf(line, "%*s %7s", perms) == 1 && perms[1] == 'w' && perms[2] == 'x')
                fail_msg("writable and executable: %s", line);
        }
        fclose(f);
    }
    olw_module_release(m);
}

/* The "pins" loop of jit.wat, in C. */
static int64_t pins_expected(uint32_t n)
{
    uint64_t acc = 0;
    double f = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = (uint32_t)__builtin_popcount(i);
        acc += (uint32_t)(x + i + 1);
        f += (double)x * 0.5;
        acc ^= 3;
    }
    return (int64_t)(acc + (uint64_t)(int64_t)f);
}

static void test_pinned_locals_and_elided_stores(void **state)
{
    (void)state;
    olw_module *mi = load("jit", OLW_ENGINE_INTERP), *mj = load("jit", OLW_ENGINE_JIT);
#if defined(__x86_64__) && defined(__linux__)
    assert_int_equal(olw_module_engine(mj), OLW_ENGINE_JIT);
#endif
    for (int32_t n = 0; n <= 1000; n += 37) {
        olw_store *si = olw_store_new(NULL), *sj = olw_store_new(NULL);
        olw_instance *ii = instantiate(si, mi), *ij = instantiate(sj, mj);
        olw_value ri = {0}, rj = {0};
        assert_int_equal(call_i32(si, ii, "pins", n, &ri), OLW_TRAP_NONE);
        assert_int_equal(call_i32(sj, ij, "pins", n, &rj), OLW_TRAP_NONE);
        assert_int_equal(ri.of.i64, pins_expected((uint32_t)n));
        assert_int_equal(rj.of.i64, ri.of.i64);
        assert_int_equal(olw_store_fuel_used(si), olw_store_fuel_used(sj));
        olw_store_free(si);
        olw_store_free(sj);
    }
    olw_module_release(mi);
    olw_module_release(mj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_is_the_one_asked_for),
        cmocka_unit_test(test_fuel_exhaustion_matches),
        cmocka_unit_test(test_deep_recursion_traps),
        cmocka_unit_test(test_deep_indirect_recursion_traps),
        cmocka_unit_test(test_no_page_writable_and_executable),
        cmocka_unit_test(test_pinned_locals_and_elided_stores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
