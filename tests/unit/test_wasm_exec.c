/*
 * test_wasm_exec.c — the engine's back end through the public API: every
 * trap, fuel metering (exact counts and determinism), limits, interruption
 * from another thread, host functions reading guest memory, linking two
 * instances, and argument checking of olw_func_call.
 *
 * The modules are the .wat files of tests/unit/wat/, converted to .wasm by the build
 * (mk/wasm_tests.mk) into WASM_TEST_DIR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/olw.h"

#ifndef WASM_TEST_DIR
#error "WASM_TEST_DIR must name the directory of the compiled test modules"
#endif

static olw_module *load_ex(const char *name, bool metering)
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
    olw_load_options opts = {.no_metering = !metering};
    olw_module *m = olw_module_load_ex(buf, n, &opts, &err);
    free(buf);
    if (!m)
        fail_msg("loading %s: %s", name, err.message);
    return m;
}

static olw_module *load(const char *name) { return load_ex(name, true); }

static olw_trap_code call0(olw_store *s, olw_instance *inst, const char *name, olw_value *result)
{
    olw_func *f = olw_instance_func(inst, name);
    assert_non_null(f);
    olw_value r[1];
    olw_trap_code code = olw_func_call(s, f, NULL, 0, r, olw_func_type(f).nresults);
    if (result && code == OLW_TRAP_NONE)
        *result = r[0];
    return code;
}

static olw_trap_code call1(olw_store *s, olw_instance *inst, const char *name, olw_value arg, olw_value *result)
{
    olw_func *f = olw_instance_func(inst, name);
    assert_non_null(f);
    olw_value r[1];
    olw_trap_code code = olw_func_call(s, f, &arg, 1, r, olw_func_type(f).nresults);
    if (result && code == OLW_TRAP_NONE)
        *result = r[0];
    return code;
}

/* ---- traps -------------------------------------------------------------- */

static olw_trap_code host_fail(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return olw_call_trap(call, OLW_TRAP_HOST, "host says no (%d)", 7);
}

static olw_trap_code host_exit(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return olw_call_exit(call, (int32_t)args[0]);
}

static olw_instance *traps_instance(olw_store *s, olw_module *m)
{
    olw_linker *l = olw_linker_new(s);
    assert_true(olw_linker_define_host(l, "host", "fail", "", host_fail, NULL));
    assert_true(olw_linker_define_host(l, "host", "exit", "i", host_exit, NULL));
    olw_error err;
    olw_instance *inst = olw_instantiate(s, m, l, &err);
    olw_linker_free(l);
    if (!inst)
        fail_msg("instantiate: %s", err.message);
    return inst;
}

/* After each trap the store stays usable. */
static void assert_usable(olw_store *s, olw_instance *inst)
{
    olw_value r;
    assert_int_equal(call0(s, inst, "call_ok", &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 7);
}

static void expect_trap(olw_store *s, olw_instance *inst, const char *fn, olw_trap_code want)
{
    olw_func *f = olw_instance_func(inst, fn);
    assert_non_null(f);
    olw_functype t = olw_func_type(f);
    olw_value args[1] = {olw_i32(0)};
    olw_value r[1];
    olw_trap_code code = olw_func_call(s, f, args, t.nparams, r, t.nresults);
    if (code != want)
        fail_msg("%s: trap %d (%s), want %d", fn, code, olw_store_trap_message(s), want);
    if (want != OLW_TRAP_HOST && want != OLW_TRAP_EXIT)
        assert_string_equal(olw_store_trap_message(s), olw_trap_name(want));
    assert_usable(s, inst);
}

static void test_spec_traps(void **state)
{
    olw_module *m = load("traps");
    olw_store *s = olw_store_new(NULL);
    olw_instance *inst = traps_instance(s, m);
    expect_trap(s, inst, "unreachable", OLW_TRAP_UNREACHABLE);
    expect_trap(s, inst, "mem_oob", OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
    expect_trap(s, inst, "mem_oob_wrap", OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
    expect_trap(s, inst, "table_oob", OLW_TRAP_TABLE_OUT_OF_BOUNDS);
    expect_trap(s, inst, "call_undefined", OLW_TRAP_UNDEFINED_ELEMENT);
    expect_trap(s, inst, "call_null", OLW_TRAP_UNINITIALIZED_ELEMENT);
    expect_trap(s, inst, "call_mismatch", OLW_TRAP_INDIRECT_CALL_TYPE);
    expect_trap(s, inst, "div_zero", OLW_TRAP_DIVIDE_BY_ZERO);
    expect_trap(s, inst, "overflow", OLW_TRAP_INTEGER_OVERFLOW);
    expect_trap(s, inst, "bad_conv", OLW_TRAP_INVALID_CONVERSION);
    expect_trap(s, inst, "conv_overflow", OLW_TRAP_INTEGER_OVERFLOW);
    expect_trap(s, inst, "recurse", OLW_TRAP_STACK_EXHAUSTED);
    assert_string_equal(olw_trap_name(OLW_TRAP_STACK_EXHAUSTED), "call stack exhausted");
    olw_store_free(s);
    olw_module_release(m);
}

static void test_host_trap_and_exit(void **state)
{
    olw_module *m = load("traps");
    olw_store *s = olw_store_new(NULL);
    olw_instance *inst = traps_instance(s, m);
    expect_trap(s, inst, "host_fail", OLW_TRAP_HOST);
    assert_string_equal(olw_store_trap_message(s), "host says no (7)");

    olw_value r;
    assert_int_equal(call1(s, inst, "host_exit", olw_i32(42), &r), OLW_TRAP_EXIT);
    assert_int_equal(olw_store_exit_code(s), 42);
    assert_usable(s, inst);
    olw_store_free(s);
    olw_module_release(m);
}

static void test_stack_limits(void **state)
{
    olw_module *m = load("traps");
    /* a small call-depth cap */
    olw_limits lim = {.fuel = UINT64_MAX, .max_call_depth = 50};
    olw_store *s = olw_store_new(&lim);
    olw_instance *inst = traps_instance(s, m);
    expect_trap(s, inst, "recurse", OLW_TRAP_STACK_EXHAUSTED);
    olw_store_free(s);

    /* a small value stack: frames are bigger than one slot, so it runs out first */
    olw_limits lim2 = {.fuel = UINT64_MAX, .max_stack_slots = 64};
    s = olw_store_new(&lim2);
    inst = traps_instance(s, m);
    expect_trap(s, inst, "recurse", OLW_TRAP_STACK_EXHAUSTED);
    olw_store_free(s);
    olw_module_release(m);
}

static void test_memory_limit(void **state)
{
    olw_module *m = load("traps"); /* (memory 1 100) */
    /* The cap covers everything the store holds for wasm: the memory's pages
     * and, besides them, the instance and its objects (far less than a page). */
    olw_limits lim = {.fuel = UINT64_MAX, .max_memory_pages = 6};
    olw_store *s = olw_store_new(&lim);
    olw_instance *inst = traps_instance(s, m);
    olw_value r;
    assert_int_equal(call1(s, inst, "grow", olw_i32(3), &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 1); /* old size */
    uint64_t overhead = olw_store_peak_memory_bytes(s) - 4 * 65536;
    assert_true(overhead > 0 && overhead < 4096);
    /* past the module's own maximum: -1, as the spec says */
    assert_int_equal(call1(s, inst, "grow", olw_i32(200), &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, -1);
    /* past the store's cap: a trap (6 pages would fit alone, not with the rest) */
    assert_int_equal(call1(s, inst, "grow", olw_i32(2), &r), OLW_TRAP_MEMORY_LIMIT);
    assert_string_equal(olw_store_trap_message(s), "memory limit exceeded");
    assert_int_equal(call1(s, inst, "grow", olw_i32(1), &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 4);
    assert_int_equal(olw_store_peak_memory_bytes(s), 5 * 65536 + overhead);
    assert_usable(s, inst);
    olw_store_free(s);
    olw_module_release(m);

    /* an initial memory above the cap fails instantiation with RESOURCE */
    m = load("bigmem");
    s = olw_store_new(&lim);
    olw_error err;
    assert_null(olw_instantiate(s, m, NULL, &err));
    assert_int_equal(err.kind, OLW_ERR_RESOURCE);
    olw_store_free(s);
    olw_module_release(m);
}

static void test_instantiation_trap(void **state)
{
    olw_module *m = load("segments");
    olw_store *s = olw_store_new(NULL);
    olw_memory *mem = olw_memory_new(s, 1, 0, false);
    assert_non_null(mem);
    olw_linker *l = olw_linker_new(s);
    olw_extern ext = {.kind = OLW_EXTERN_MEMORY, .of.memory = mem};
    assert_true(olw_linker_define(l, "env", "memory", ext));
    olw_error err;
    assert_null(olw_instantiate(s, m, l, &err));
    assert_int_equal(err.kind, OLW_ERR_TRAP);
    assert_int_equal(err.trap, OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
    /* the segment before the failing one stays applied */
    assert_memory_equal(olw_memory_data(mem), "kept", 4);
    olw_linker_free(l);
    olw_store_free(s);
    olw_module_release(m);
}

/* ---- fuel ----------------------------------------------------------------- */

static uint64_t run_sum(olw_module *m, int32_t n, uint64_t fuel, olw_trap_code *code, int32_t *result)
{
    olw_limits lim = {.fuel = fuel};
    olw_store *s = olw_store_new(&lim);
    olw_instance *inst = olw_instantiate(s, m, NULL, NULL);
    assert_non_null(inst);
    olw_value r = {0};
    *code = call1(s, inst, "sum", olw_i32(n), &r);
    *result = r.of.i32;
    uint64_t used = olw_store_fuel_used(s);
    assert_int_equal(used + olw_store_fuel_remaining(s), fuel);
    olw_store_free(s);
    return used;
}

static void test_fuel_exact(void **state)
{
    olw_module *m = load("fuel");
    olw_store *s = olw_store_new(NULL);
    olw_instance *inst = olw_instantiate(s, m, NULL, NULL);
    olw_value args[2] = {olw_i32(2), olw_i32(3)}, r;
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "add"), args, 2, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 5);
    assert_int_equal(olw_store_fuel_used(s), 3);

    /* across a call: the run after it is charged when the callee returns */
    olw_func *tpo = olw_instance_func(inst, "twice_plus_one");
    olw_value arg = olw_i32(20);
    olw_store_set_fuel(s, 8);
    assert_int_equal(olw_func_call(s, tpo, &arg, 1, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 41);
    assert_int_equal(olw_store_fuel_remaining(s), 0);
    olw_store_set_fuel(s, 7);
    uint64_t before = olw_store_fuel_used(s);
    assert_int_equal(olw_func_call(s, tpo, &arg, 1, &r, 1), OLW_TRAP_OUT_OF_FUEL);
    assert_int_equal(olw_store_fuel_used(s) - before, 6); /* caller 3 + callee 3; the last 2 did not fit */
    olw_store_free(s);

    /* sum(n) executes 12 n + 6 instructions */
    olw_trap_code code;
    int32_t result;
    int32_t ns[] = {0, 1, 10, 1000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        int32_t n = ns[i];
        uint64_t want = 12 * (uint64_t)n + 6;
        assert_int_equal(run_sum(m, n, UINT64_MAX, &code, &result), want);
        assert_int_equal(code, OLW_TRAP_NONE);
        assert_int_equal(result, n * (n + 1) / 2);
        /* exactly enough fuel succeeds, one less runs out */
        assert_int_equal(run_sum(m, n, want, &code, &result), want);
        assert_int_equal(code, OLW_TRAP_NONE);
        run_sum(m, n, want - 1, &code, &result);
        assert_int_equal(code, OLW_TRAP_OUT_OF_FUEL);
    }
    olw_module_release(m);
}

static void test_fuel_out_and_refill(void **state)
{
    olw_module *m = load("fuel");
    olw_limits lim = {.fuel = 10000};
    olw_store *s = olw_store_new(&lim);
    olw_instance *inst = olw_instantiate(s, m, NULL, NULL);
    assert_int_equal(call0(s, inst, "spin", NULL), OLW_TRAP_OUT_OF_FUEL);
    assert_string_equal(olw_store_trap_message(s), "out of fuel");
    /* a run is charged whole before it executes: at most 10000 were used */
    assert_true(olw_store_fuel_used(s) <= 10000);
    assert_true(olw_store_fuel_remaining(s) < 3);
    olw_store_set_fuel(s, 1000);
    olw_value r;
    assert_int_equal(call1(s, inst, "sum", olw_i32(10), &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 55);
    assert_int_equal(olw_store_fuel_remaining(s), 1000 - 126);
    olw_store_free(s);
    olw_module_release(m);
}

static uint64_t run_busy(olw_module *m, int32_t n, int32_t *result)
{
    olw_store *s = olw_store_new(NULL);
    olw_instance *inst = olw_instantiate(s, m, NULL, NULL);
    assert_non_null(inst);
    olw_value r;
    assert_int_equal(call1(s, inst, "busy", olw_i32(n), &r), OLW_TRAP_NONE);
    *result = r.of.i32;
    uint64_t used = olw_store_fuel_used(s);
    olw_store_free(s);
    return used;
}

static void test_fuel_deterministic(void **state)
{
    olw_module *m = load("fuel");
    int32_t first_result, result;
    uint64_t first = run_busy(m, 5000, &first_result);
    assert_true(first > 5000 * 10);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(run_busy(m, 5000, &result), first);
        assert_int_equal(result, first_result);
    }
    olw_module_release(m);
}

/* Bulk instructions: 1 + n / 64, charged before they act; a fill that
 * does not fit traps without touching memory. */
static void test_fuel_bulk(void **state)
{
    olw_module *m = load("bulk_fuel");
    olw_store *s = olw_store_new(NULL);
    olw_instance *inst = olw_instantiate(s, m, NULL, NULL);
    assert_non_null(inst);
    struct {
        const char *name;
        int32_t n;
        uint64_t want;
    } cases[] = {
        {"fill", 0, 4},        {"fill", 63, 4},        {"fill", 64, 5}, {"fill", 65536, 4 + 1024},
        {"copy", 640, 4 + 10}, {"tfill", 200, 4 + 25}, {"tfill", 7, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t before = olw_store_fuel_used(s);
        olw_value arg = olw_i32(cases[i].n);
        assert_int_equal(olw_func_call(s, olw_instance_func(inst, cases[i].name), &arg, 1, NULL, 0), OLW_TRAP_NONE);
        assert_int_equal(olw_store_fuel_used(s) - before, cases[i].want);
    }
    /* one unit short: out of fuel, and nothing was written */
    olw_value r, arg = olw_i32(3);
    assert_int_equal(call1(s, inst, "byte", arg, &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 7);
    olw_store_free(s);

    olw_limits lim = {.fuel = 4 + 1024 - 1};
    s = olw_store_new(&lim);
    inst = olw_instantiate(s, m, NULL, NULL);
    arg = olw_i32(65536);
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "fill"), &arg, 1, NULL, 0), OLW_TRAP_OUT_OF_FUEL);
    olw_store_set_fuel(s, 100);
    assert_int_equal(call1(s, inst, "byte", olw_i32(3), &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 0);

    /* fused address arithmetic wraps at 32 bits */
    olw_value args[3] = {olw_i32(-8), olw_i32(100), olw_i32(0x12345678)};
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "store_add"), args, 3, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 0x12345678);
    assert_int_equal(call1(s, inst, "byte", olw_i32(96), &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 0x78);
    olw_value sa[3] = {olw_i32(3), olw_i32(33), olw_i32(-1)};
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "shl_add"), sa, 3, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, (3 << 1) - 1);
    olw_value a3[3] = {olw_i32(INT32_MAX), olw_i32(2), olw_i32(-5)};
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "add3"), a3, 3, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, (int32_t)((uint32_t)INT32_MAX + 2u - 5u));
    olw_store_free(s);

    /* out-of-bounds loads trap, charged as counted, and the store goes on */
    s = olw_store_new(NULL);
    inst = olw_instantiate(s, m, NULL, NULL);
    for (int round = 0; round < 3; round++) {
        uint64_t before = olw_store_fuel_used(s);
        assert_int_equal(call1(s, inst, "oob", olw_i32(65536 - 4), &r), OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
        assert_string_equal(olw_store_trap_message(s), "out of bounds memory access");
        assert_int_equal(olw_store_fuel_used(s) - before, 4);
        before = olw_store_fuel_used(s);
        assert_int_equal(call1(s, inst, "walk", olw_i32(0), &r), OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
        assert_int_equal(olw_store_fuel_used(s) - before, 1 + 10 * 16385);
        assert_int_equal(call1(s, inst, "oob", olw_i32(65536 - 5), &r), OLW_TRAP_NONE);
    }
    olw_store_free(s);
    olw_module_release(m);
}

static void test_metering_off(void **state)
{
    olw_module *on = load_ex("fuel", true), *off = load_ex("fuel", false);
    int32_t r_on, r_off;
    uint64_t used_on = run_busy(on, 3000, &r_on);
    uint64_t used_off = run_busy(off, 3000, &r_off);
    assert_int_equal(r_on, r_off);
    assert_true(used_on > 0);
    assert_int_equal(used_off, 0);

    /* without metering, fuel never runs out */
    olw_limits lim = {.fuel = 10};
    olw_store *s = olw_store_new(&lim);
    olw_instance *inst = olw_instantiate(s, off, NULL, NULL);
    olw_value r;
    assert_int_equal(call1(s, inst, "sum", olw_i32(100), &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 5050);
    olw_store_free(s);
    olw_module_release(on);
    olw_module_release(off);
}

/* ---- host functions and interruption ------------------------------------ */

typedef struct host_state {
    atomic_int started;
    int logged;
    char text[64];
    olw_store *store;
} host_state;

static olw_trap_code host_log(olw_call *call, const uint64_t *args, uint64_t *results)
{
    host_state *st = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint32_t ptr = (uint32_t)args[0], len = (uint32_t)args[1];
    const uint8_t *p = mem ? olw_memory_ptr(mem, ptr, len) : NULL;
    if (!p || len >= sizeof st->text)
        return olw_call_trap(call, OLW_TRAP_HOST, "bad pointer %u+%u", ptr, len);
    memcpy(st->text, p, len);
    st->text[len] = 0;
    st->logged++;
    results[0] = len;
    return OLW_TRAP_NONE;
}

static olw_trap_code host_started(olw_call *call, const uint64_t *args, uint64_t *results)
{
    host_state *st = olw_call_env(call);
    atomic_store(&st->started, 1);
    return OLW_TRAP_NONE;
}

static olw_instance *host_instance(olw_store *s, olw_module *m, host_state *st)
{
    olw_linker *l = olw_linker_new(s);
    assert_true(olw_linker_define_host(l, "env", "log", "ii>i", host_log, st));
    assert_true(olw_linker_define_host(l, "env", "started", "", host_started, st));
    olw_error err;
    olw_instance *inst = olw_instantiate(s, m, l, &err);
    olw_linker_free(l);
    if (!inst)
        fail_msg("instantiate: %s", err.message);
    return inst;
}

static void test_host_reads_memory(void **state)
{
    olw_module *m = load("host");
    olw_store *s = olw_store_new(NULL);
    host_state st;
    memset(&st, 0, sizeof st);
    olw_instance *inst = host_instance(s, m, &st);
    olw_value r;
    assert_int_equal(call0(s, inst, "greet", &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 11);
    assert_int_equal(st.logged, 1);
    assert_string_equal(st.text, "hello, host");

    assert_int_equal(call0(s, inst, "bad_pointer", &r), OLW_TRAP_HOST);
    assert_string_equal(olw_store_trap_message(s), "bad pointer 65530+100");

    /* the embedder sees the same bytes */
    olw_memory *mem = olw_instance_memory(inst, "memory");
    assert_non_null(mem);
    assert_memory_equal(olw_memory_ptr(mem, 16, 11), "hello, host", 11);
    assert_null(olw_memory_ptr(mem, 65536, 1));
    olw_store_free(s);
    olw_module_release(m);
}

static void *interrupter(void *arg)
{
    host_state *st = arg;
    while (!atomic_load(&st->started))
        sched_yield();
    olw_store_interrupt(st->store);
    return NULL;
}

static void check_interrupt(bool metering)
{
    olw_module *m = load_ex("host", metering);
    olw_store *s = olw_store_new(NULL);
    host_state st;
    memset(&st, 0, sizeof st);
    st.store = s;
    olw_instance *inst = host_instance(s, m, &st);

    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, interrupter, &st), 0);
    assert_int_equal(call0(s, inst, "wait_forever", NULL), OLW_TRAP_INTERRUPTED);
    pthread_join(t, NULL);
    assert_string_equal(olw_store_trap_message(s), "interrupted");

    /* the flag stays until cleared: the next call stops at its entry */
    assert_int_equal(call0(s, inst, "greet", NULL), OLW_TRAP_INTERRUPTED);
    assert_int_equal(st.logged, 0);
    olw_store_clear_interrupt(s);
    olw_value r;
    assert_int_equal(call0(s, inst, "greet", &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 11);
    olw_store_free(s);
    olw_module_release(m);
}

/* Interruption works with and without metering (the check rides on the
 * fuel check, or stands alone when there is no fuel code). */
static void test_interrupt_from_thread(void **state)
{
    check_interrupt(true);
    check_interrupt(false);
}

/* ---- host functions calling back into wasm ------------------------------------ */

static olw_trap_code host_reenter(olw_call *call, const uint64_t *args, uint64_t *results)
{
    olw_func *down = olw_instance_func(olw_call_instance(call), "down");
    olw_value arg = olw_i32((int32_t)args[0]), r;
    olw_trap_code code = olw_func_call(olw_call_store(call), down, &arg, 1, &r, 1);
    if (code != OLW_TRAP_NONE)
        return code;
    results[0] = (uint32_t)r.of.i32;
    return OLW_TRAP_NONE;
}

static void test_host_reentry(void **state)
{
    olw_module *m = load("reenter");
    olw_limits lim = {.fuel = 1000000};
    olw_store *s = olw_store_new(&lim);
    olw_linker *l = olw_linker_new(s);
    assert_true(olw_linker_define_host(l, "env", "reenter", "i>i", host_reenter, NULL));
    olw_instance *inst = olw_instantiate(s, m, l, NULL);
    assert_non_null(inst);
    olw_value r;
    assert_int_equal(call1(s, inst, "down", olw_i32(50), &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 50);
    /* fuel is shared by the nested calls: 50 levels of 9 instructions + the last 4 */
    assert_int_equal(olw_store_fuel_used(s), 50 * 9 + 4);
    /* re-entry is bounded (it costs C stack): a clean trap, then usable again */
    assert_int_equal(call1(s, inst, "down", olw_i32(100000), &r), OLW_TRAP_STACK_EXHAUSTED);
    assert_int_equal(call1(s, inst, "down", olw_i32(3), &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 3);
    olw_linker_free(l);
    olw_store_free(s);
    olw_module_release(m);
}

/* ---- linking ------------------------------------------------------------------ */

static void test_two_instances_linked(void **state)
{
    olw_module *pm = load("producer"), *cm = load("consumer");
    olw_store *s = olw_store_new(NULL);
    olw_error err;
    olw_instance *producer = olw_instantiate(s, pm, NULL, &err);
    assert_non_null(producer);

    /* nothing defined yet: unlinkable, and the message names the import */
    olw_linker *l = olw_linker_new(s);
    assert_null(olw_instantiate(s, cm, l, &err));
    assert_int_equal(err.kind, OLW_ERR_UNLINKABLE);
    assert_non_null(strstr(err.message, "producer.double"));

    /* a function of the wrong type: unlinkable */
    assert_true(olw_linker_define_instance(l, "producer", producer));
    assert_true(olw_linker_define_host(l, "producer", "double", "i>I", host_fail, NULL));
    assert_null(olw_instantiate(s, cm, l, &err));
    assert_int_equal(err.kind, OLW_ERR_UNLINKABLE);
    assert_non_null(strstr(err.message, "incompatible import type"));

    assert_true(olw_linker_define_instance(l, "producer", producer));
    olw_instance *consumer = olw_instantiate(s, cm, l, &err);
    if (!consumer)
        fail_msg("instantiate consumer: %s", err.message);

    olw_value r;
    assert_int_equal(call1(s, consumer, "run", olw_i32(5), &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 35);

    /* the consumer's segments went into the producer's table and memory */
    olw_extern ext;
    assert_true(olw_instance_export(producer, "table", &ext));
    olw_value ref;
    assert_true(olw_table_get(ext.of.table, 1, &ref));
    assert_non_null(ref.of.funcref);
    olw_value arg = olw_i32(4);
    assert_int_equal(olw_func_call(s, ref.of.funcref, &arg, 1, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 12);
    olw_memory *mem = olw_instance_memory(producer, "memory");
    assert_memory_equal(olw_memory_ptr(mem, 100, 6), "shared", 6);

    /* the imported function runs with the producer's memory and global */
    assert_int_equal(call0(s, consumer, "bump_and_read", &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 202);
    assert_int_equal(call1(s, consumer, "set_counter", olw_i32(7), NULL), OLW_TRAP_NONE);
    assert_true(olw_instance_export(producer, "counter", &ext));
    assert_int_equal(olw_global_get(ext.of.global).of.i32, 7);
    assert_int_equal(call0(s, producer, "bump", &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 8);

    olw_linker_free(l);
    olw_store_free(s);
    olw_module_release(pm);
    olw_module_release(cm);
}

static void test_module_shared_across_stores(void **state)
{
    olw_module *m = load("producer");
    assert_int_equal(olw_module_export_count(m), 5);
    assert_int_equal(olw_module_import_count(m), 0);
    olw_store *a = olw_store_new(NULL), *b = olw_store_new(NULL);
    olw_instance *ia = olw_instantiate(a, m, NULL, NULL), *ib = olw_instantiate(b, m, NULL, NULL);
    olw_module_release(m); /* the instances keep it alive */
    olw_value r;
    assert_int_equal(call0(a, ia, "bump", &r), OLW_TRAP_NONE);
    assert_int_equal(call0(a, ia, "bump", &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 102);
    assert_int_equal(call0(b, ib, "bump", &r), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 101); /* separate state */
    olw_store_free(a);
    olw_store_free(b);
}

/* ---- operand fusion ------------------------------------------------------------ */

typedef struct fusion_case {
    const char *name;
    int nargs;
    int64_t a, b;
    int32_t want;
} fusion_case;

static void check_fusion(olw_module *m)
{
    static const fusion_case cases[] = {
        {"old_value", 1, 5, 0, 104},    {"swap", 2, 1, 2, 21},         {"block_write", 1, 5, 0, 12},
        {"if_write", 2, 5, 0, 10},      {"if_write", 2, 5, 1, 105},    {"br_if_value", 1, 4, 0, 4},
        {"br_if_value", 1, 40, 0, -1},  {"tee", 1, 4, 0, 25},          {"tee_old", 1, 8, 0, 8003},
        {"call_args", 2, 9, 4, 504},    {"count", 1, 100, 0, 5050},    {"many_gets", 1, 3, 0, 210},
        {"many_consts", 0, 0, 0, 7315}, {"block_param", 1, 20, 0, 41},
    };
    olw_store *s = olw_store_new(NULL);
    olw_instance *inst = olw_instantiate(s, m, NULL, NULL);
    assert_non_null(inst);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const fusion_case *fc = &cases[i];
        olw_value args[2] = {olw_i32((int32_t)fc->a), olw_i32((int32_t)fc->b)}, r;
        olw_func *f = olw_instance_func(inst, fc->name);
        assert_non_null(f);
        assert_int_equal(olw_func_call(s, f, args, (size_t)fc->nargs, &r, 1), OLW_TRAP_NONE);
        if (r.of.i32 != fc->want)
            fail_msg("%s(%lld, %lld) = %d, want %d", fc->name, (long long)fc->a, (long long)fc->b, r.of.i32, fc->want);
    }
    olw_value args64[2] = {olw_i64(-1), olw_i64(5)}, r;
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "if_cmp64"), args64, 2, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 1); /* unsigned: 2^64-1 > 5 */
    args64[0] = olw_i64(5);
    args64[1] = olw_i64(-1);
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "if_cmp64"), args64, 2, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 2);
    olw_store_free(s);
}

static void test_operand_fusion(void **state)
{
    olw_module *on = load_ex("fusion", true), *off = load_ex("fusion", false);
    check_fusion(on);
    check_fusion(off);
    olw_module_release(on);
    olw_module_release(off);
}

/* ---- one module, several threads ------------------------------------------------ */

typedef struct thread_job {
    olw_module *module;
    int32_t result;
    uint64_t fuel;
} thread_job;

static void *run_busy_thread(void *arg)
{
    thread_job *job = arg;
    job->fuel = run_busy(job->module, 2000, &job->result);
    return NULL;
}

static void test_module_shared_by_threads(void **state)
{
    olw_module *m = load("fuel");
    int32_t want_result;
    uint64_t want_fuel = run_busy(m, 2000, &want_result);
    thread_job jobs[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        jobs[i].module = m;
        assert_int_equal(pthread_create(&threads[i], NULL, run_busy_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(jobs[i].result, want_result);
        assert_int_equal(jobs[i].fuel, want_fuel);
    }
    olw_module_release(m);
}

/* ---- API objects ------------------------------------------------------------------ */

static olw_trap_code host_add64(olw_call *call, const uint64_t *args, uint64_t *results)
{
    /* called directly by the embedder: no calling instance, no memory */
    if (olw_call_instance(call) || olw_call_memory(call))
        return olw_call_trap(call, OLW_TRAP_HOST, "unexpected caller");
    results[0] = args[0] + args[1];
    return OLW_TRAP_NONE;
}

static void test_api_objects(void **state)
{
    /* module reflection */
    olw_module *m = load("host");
    assert_int_equal(olw_module_import_count(m), 2);
    olw_import_info imp = olw_module_import(m, 0);
    assert_string_equal(imp.module, "env");
    assert_string_equal(imp.name, "log");
    assert_int_equal(imp.kind, OLW_EXTERN_FUNC);
    assert_int_equal(imp.func_type.nparams, 2);
    assert_int_equal(imp.func_type.nresults, 1);
    assert_int_equal(imp.func_type.types[2], OLW_I32);
    olw_export_info exp = olw_module_export(m, 0);
    assert_string_equal(exp.name, "memory");
    assert_int_equal(exp.kind, OLW_EXTERN_MEMORY);

    olw_error err;
    static const uint8_t garbage[] = {0, 'a', 's', 'm', 2, 0, 0, 0};
    assert_false(olw_module_validate(garbage, sizeof garbage, &err));
    assert_int_equal(err.kind, OLW_ERR_MALFORMED);
    assert_null(olw_module_load(garbage, sizeof garbage, &err));

    olw_store *s = olw_store_new(NULL);
    /* host functions: signatures, direct calls */
    assert_null(olw_func_new_host(s, "ii>i>i", host_add64, NULL));
    assert_null(olw_func_new_host(s, "q", host_add64, NULL));
    olw_func *add = olw_func_new_host(s, "II>I", host_add64, NULL);
    assert_non_null(add);
    assert_int_equal(olw_func_type(add).nparams, 2);
    olw_value args[2] = {olw_i64(1LL << 40), olw_i64(2)}, r;
    assert_int_equal(olw_func_call(s, add, args, 2, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.type, OLW_I64);
    assert_int_equal(r.of.i64, (1LL << 40) + 2);

    /* tables */
    olw_value null_ref = {.type = OLW_FUNCREF, .of.funcref = NULL};
    olw_table *t = olw_table_new(s, OLW_FUNCREF, 2, 4, true, null_ref);
    assert_non_null(t);
    assert_int_equal(olw_table_size(t), 2);
    olw_value ref = {.type = OLW_FUNCREF, .of.funcref = add};
    assert_true(olw_table_set(t, 1, ref));
    assert_false(olw_table_set(t, 2, ref));
    assert_false(olw_table_set(t, 0, olw_i32(1)));
    assert_true(olw_table_get(t, 1, &r));
    assert_ptr_equal(r.of.funcref, add);
    assert_false(olw_table_get(t, 2, &r));
    assert_null(olw_table_new(s, OLW_I32, 1, 0, false, olw_i32(0)));

    /* globals */
    olw_global *g = olw_global_new(s, olw_i32(5), true);
    olw_global *k = olw_global_new(s, olw_i64(6), false);
    assert_int_equal(olw_global_get(g).of.i32, 5);
    assert_true(olw_global_set(g, olw_i32(-3)));
    assert_int_equal(olw_global_get(g).of.i32, -3);
    assert_false(olw_global_set(g, olw_i64(1))); /* wrong type */
    assert_false(olw_global_set(k, olw_i64(1))); /* immutable */

    /* memories */
    olw_memory *mem = olw_memory_new(s, 1, 2, true);
    assert_non_null(mem);
    assert_int_equal(olw_memory_pages(mem), 1);
    assert_int_equal(olw_memory_size(mem), 65536);
    assert_int_equal(olw_memory_grow(mem, 1), 1);
    assert_int_equal(olw_memory_grow(mem, 1), -1); /* past its maximum */
    assert_non_null(olw_memory_ptr(mem, 131072 - 8, 8));
    assert_null(olw_memory_ptr(mem, 131072 - 8, 9));
    assert_null(olw_memory_new(s, 3, 2, true));

    /* objects of another store cannot be imported */
    olw_store *other = olw_store_new(NULL);
    olw_linker *l = olw_linker_new(other);
    olw_extern ext = {.kind = OLW_EXTERN_FUNC, .of.func = add};
    assert_true(olw_linker_define(l, "env", "log", ext));
    assert_true(olw_linker_define_host(l, "env", "started", "", host_started, NULL));
    assert_null(olw_instantiate(other, m, l, &err));
    assert_int_equal(err.kind, OLW_ERR_UNLINKABLE);
    olw_linker_free(l);
    olw_store_free(other);

    olw_store_free(s);
    olw_module_release(m);
}

/* ---- argument checking -------------------------------------------------------- */

static void test_call_argument_errors(void **state)
{
    olw_module *m = load("fuel");
    olw_store *s = olw_store_new(NULL);
    olw_instance *inst = olw_instantiate(s, m, NULL, NULL);
    olw_func *add = olw_instance_func(inst, "add");
    assert_non_null(add);
    assert_null(olw_instance_func(inst, "nope"));
    olw_value r[2];

    olw_value one[1] = {olw_i32(1)};
    assert_int_equal(olw_func_call(s, add, one, 1, r, 1), OLW_TRAP_MISUSE);
    assert_non_null(strstr(olw_store_trap_message(s), "wrong number of arguments"));

    olw_value mixed[2] = {olw_i32(1), olw_i64(2)};
    assert_int_equal(olw_func_call(s, add, mixed, 2, r, 1), OLW_TRAP_MISUSE);
    assert_string_equal(olw_store_trap_message(s), "argument 1 has type i64, expected i32");

    olw_value good[2] = {olw_i32(40), olw_i32(2)};
    assert_int_equal(olw_func_call(s, add, good, 2, r, 0), OLW_TRAP_MISUSE);
    assert_non_null(strstr(olw_store_trap_message(s), "result buffer too small"));
    assert_int_equal(olw_func_call(s, NULL, good, 2, r, 1), OLW_TRAP_MISUSE);
    assert_int_equal(olw_store_fuel_used(s), 0); /* nothing ran */

    assert_int_equal(olw_func_call(s, add, good, 2, r, 1), OLW_TRAP_NONE);
    assert_int_equal(r[0].type, OLW_I32);
    assert_int_equal(r[0].of.i32, 42);

    /* a function of one store cannot be called through another */
    olw_store *other = olw_store_new(NULL);
    assert_int_equal(olw_func_call(other, add, good, 2, r, 1), OLW_TRAP_MISUSE);
    olw_store_free(other);
    olw_store_free(s);
    olw_module_release(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_traps),
        cmocka_unit_test(test_host_trap_and_exit),
        cmocka_unit_test(test_stack_limits),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_instantiation_trap),
        cmocka_unit_test(test_fuel_exact),
        cmocka_unit_test(test_fuel_out_and_refill),
        cmocka_unit_test(test_fuel_deterministic),
        cmocka_unit_test(test_fuel_bulk),
        cmocka_unit_test(test_metering_off),
        cmocka_unit_test(test_host_reads_memory),
        cmocka_unit_test(test_interrupt_from_thread),
        cmocka_unit_test(test_two_instances_linked),
        cmocka_unit_test(test_module_shared_across_stores),
        cmocka_unit_test(test_call_argument_errors),
        cmocka_unit_test(test_operand_fusion),
        cmocka_unit_test(test_host_reentry),
        cmocka_unit_test(test_api_objects),
        cmocka_unit_test(test_module_shared_by_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
