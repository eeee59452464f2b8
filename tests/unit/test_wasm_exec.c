/*
 * test_wasm_exec.c — the engine's back end through the public API: every
 * trap, fuel metering (exact counts and determinism), limits, interruption
 * from another thread, host functions reading guest memory, linking two
 * instances, and argument checking of wasm_func_call.
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

#include "wasm/wasm.h"

#ifndef WASM_TEST_DIR
#error "WASM_TEST_DIR must name the directory of the compiled test modules"
#endif

static wasm_module *load_ex(const char *name, bool metering)
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
    wasm_load_options opts = {.no_metering = !metering};
    wasm_module *m = wasm_module_load_ex(buf, n, &opts, &err);
    free(buf);
    if (!m)
        fail_msg("loading %s: %s", name, err.message);
    return m;
}

static wasm_module *load(const char *name) { return load_ex(name, true); }

static wasm_trap_code call0(wasm_store *s, wasm_instance *inst, const char *name, wasm_value *result)
{
    wasm_func *f = wasm_instance_func(inst, name);
    assert_non_null(f);
    wasm_value r[1];
    wasm_trap_code code = wasm_func_call(s, f, NULL, 0, r, wasm_func_type(f).nresults);
    if (result && code == WASM_TRAP_NONE)
        *result = r[0];
    return code;
}

static wasm_trap_code call1(wasm_store *s, wasm_instance *inst, const char *name, wasm_value arg,
                            wasm_value *result)
{
    wasm_func *f = wasm_instance_func(inst, name);
    assert_non_null(f);
    wasm_value r[1];
    wasm_trap_code code = wasm_func_call(s, f, &arg, 1, r, wasm_func_type(f).nresults);
    if (result && code == WASM_TRAP_NONE)
        *result = r[0];
    return code;
}

/* ---- traps -------------------------------------------------------------- */

static wasm_trap_code host_fail(wasm_call *call, const uint64_t *args, uint64_t *results)
{
    return wasm_call_trap(call, WASM_TRAP_HOST, "host says no (%d)", 7);
}

static wasm_trap_code host_exit(wasm_call *call, const uint64_t *args, uint64_t *results)
{
    return wasm_call_exit(call, (int32_t)args[0]);
}

static wasm_instance *traps_instance(wasm_store *s, wasm_module *m)
{
    wasm_linker *l = wasm_linker_new(s);
    assert_true(wasm_linker_define_host(l, "host", "fail", "", host_fail, NULL));
    assert_true(wasm_linker_define_host(l, "host", "exit", "i", host_exit, NULL));
    wasm_error err;
    wasm_instance *inst = wasm_instantiate(s, m, l, &err);
    wasm_linker_free(l);
    if (!inst)
        fail_msg("instantiate: %s", err.message);
    return inst;
}

/* After each trap the store stays usable. */
static void assert_usable(wasm_store *s, wasm_instance *inst)
{
    wasm_value r;
    assert_int_equal(call0(s, inst, "call_ok", &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 7);
}

static void expect_trap(wasm_store *s, wasm_instance *inst, const char *fn, wasm_trap_code want)
{
    wasm_func *f = wasm_instance_func(inst, fn);
    assert_non_null(f);
    wasm_functype t = wasm_func_type(f);
    wasm_value args[1] = {wasm_i32(0)};
    wasm_value r[1];
    wasm_trap_code code = wasm_func_call(s, f, args, t.nparams, r, t.nresults);
    if (code != want)
        fail_msg("%s: trap %d (%s), want %d", fn, code, wasm_store_trap_message(s), want);
    if (want != WASM_TRAP_HOST && want != WASM_TRAP_EXIT)
        assert_string_equal(wasm_store_trap_message(s), wasm_trap_name(want));
    assert_usable(s, inst);
}

static void test_spec_traps(void **state)
{
    wasm_module *m = load("traps");
    wasm_store *s = wasm_store_new(NULL);
    wasm_instance *inst = traps_instance(s, m);
    expect_trap(s, inst, "unreachable", WASM_TRAP_UNREACHABLE);
    expect_trap(s, inst, "mem_oob", WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
    expect_trap(s, inst, "mem_oob_wrap", WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
    expect_trap(s, inst, "table_oob", WASM_TRAP_TABLE_OUT_OF_BOUNDS);
    expect_trap(s, inst, "call_undefined", WASM_TRAP_UNDEFINED_ELEMENT);
    expect_trap(s, inst, "call_null", WASM_TRAP_UNINITIALIZED_ELEMENT);
    expect_trap(s, inst, "call_mismatch", WASM_TRAP_INDIRECT_CALL_TYPE);
    expect_trap(s, inst, "div_zero", WASM_TRAP_DIVIDE_BY_ZERO);
    expect_trap(s, inst, "overflow", WASM_TRAP_INTEGER_OVERFLOW);
    expect_trap(s, inst, "bad_conv", WASM_TRAP_INVALID_CONVERSION);
    expect_trap(s, inst, "conv_overflow", WASM_TRAP_INTEGER_OVERFLOW);
    expect_trap(s, inst, "recurse", WASM_TRAP_STACK_EXHAUSTED);
    assert_string_equal(wasm_trap_name(WASM_TRAP_STACK_EXHAUSTED), "call stack exhausted");
    wasm_store_free(s);
    wasm_module_release(m);
}

static void test_host_trap_and_exit(void **state)
{
    wasm_module *m = load("traps");
    wasm_store *s = wasm_store_new(NULL);
    wasm_instance *inst = traps_instance(s, m);
    expect_trap(s, inst, "host_fail", WASM_TRAP_HOST);
    assert_string_equal(wasm_store_trap_message(s), "host says no (7)");

    wasm_value r;
    assert_int_equal(call1(s, inst, "host_exit", wasm_i32(42), &r), WASM_TRAP_EXIT);
    assert_int_equal(wasm_store_exit_code(s), 42);
    assert_usable(s, inst);
    wasm_store_free(s);
    wasm_module_release(m);
}

static void test_stack_limits(void **state)
{
    wasm_module *m = load("traps");
    /* a small call-depth cap */
    wasm_limits lim = {.fuel = UINT64_MAX, .max_call_depth = 50};
    wasm_store *s = wasm_store_new(&lim);
    wasm_instance *inst = traps_instance(s, m);
    expect_trap(s, inst, "recurse", WASM_TRAP_STACK_EXHAUSTED);
    wasm_store_free(s);

    /* a small value stack: frames are bigger than one slot, so it runs out first */
    wasm_limits lim2 = {.fuel = UINT64_MAX, .max_stack_slots = 64};
    s = wasm_store_new(&lim2);
    inst = traps_instance(s, m);
    expect_trap(s, inst, "recurse", WASM_TRAP_STACK_EXHAUSTED);
    wasm_store_free(s);
    wasm_module_release(m);
}

static void test_memory_limit(void **state)
{
    wasm_module *m = load("traps"); /* (memory 1 100) */
    /* The cap covers everything the store holds for wasm: the memory's pages
     * and, besides them, the instance and its objects (far less than a page). */
    wasm_limits lim = {.fuel = UINT64_MAX, .max_memory_pages = 6};
    wasm_store *s = wasm_store_new(&lim);
    wasm_instance *inst = traps_instance(s, m);
    wasm_value r;
    assert_int_equal(call1(s, inst, "grow", wasm_i32(3), &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 1); /* old size */
    uint64_t overhead = wasm_store_peak_memory_bytes(s) - 4 * 65536;
    assert_true(overhead > 0 && overhead < 4096);
    /* past the module's own maximum: -1, as the spec says */
    assert_int_equal(call1(s, inst, "grow", wasm_i32(200), &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, -1);
    /* past the store's cap: a trap (6 pages would fit alone, not with the rest) */
    assert_int_equal(call1(s, inst, "grow", wasm_i32(2), &r), WASM_TRAP_MEMORY_LIMIT);
    assert_string_equal(wasm_store_trap_message(s), "memory limit exceeded");
    assert_int_equal(call1(s, inst, "grow", wasm_i32(1), &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 4);
    assert_int_equal(wasm_store_peak_memory_bytes(s), 5 * 65536 + overhead);
    assert_usable(s, inst);
    wasm_store_free(s);
    wasm_module_release(m);

    /* an initial memory above the cap fails instantiation with RESOURCE */
    m = load("bigmem");
    s = wasm_store_new(&lim);
    wasm_error err;
    assert_null(wasm_instantiate(s, m, NULL, &err));
    assert_int_equal(err.kind, WASM_ERR_RESOURCE);
    wasm_store_free(s);
    wasm_module_release(m);
}

static void test_instantiation_trap(void **state)
{
    wasm_module *m = load("segments");
    wasm_store *s = wasm_store_new(NULL);
    wasm_memory *mem = wasm_memory_new(s, 1, 0, false);
    assert_non_null(mem);
    wasm_linker *l = wasm_linker_new(s);
    wasm_extern ext = {.kind = WASM_EXTERN_MEMORY, .of.memory = mem};
    assert_true(wasm_linker_define(l, "env", "memory", ext));
    wasm_error err;
    assert_null(wasm_instantiate(s, m, l, &err));
    assert_int_equal(err.kind, WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
    /* the segment before the failing one stays applied */
    assert_memory_equal(wasm_memory_data(mem), "kept", 4);
    wasm_linker_free(l);
    wasm_store_free(s);
    wasm_module_release(m);
}

/* ---- fuel ----------------------------------------------------------------- */

static uint64_t run_sum(wasm_module *m, int32_t n, uint64_t fuel, wasm_trap_code *code, int32_t *result)
{
    wasm_limits lim = {.fuel = fuel};
    wasm_store *s = wasm_store_new(&lim);
    wasm_instance *inst = wasm_instantiate(s, m, NULL, NULL);
    assert_non_null(inst);
    wasm_value r = {0};
    *code = call1(s, inst, "sum", wasm_i32(n), &r);
    *result = r.of.i32;
    uint64_t used = wasm_store_fuel_used(s);
    assert_int_equal(used + wasm_store_fuel_remaining(s), fuel);
    wasm_store_free(s);
    return used;
}

static void test_fuel_exact(void **state)
{
    wasm_module *m = load("fuel");
    wasm_store *s = wasm_store_new(NULL);
    wasm_instance *inst = wasm_instantiate(s, m, NULL, NULL);
    wasm_value args[2] = {wasm_i32(2), wasm_i32(3)}, r;
    assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, "add"), args, 2, &r, 1), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 5);
    assert_int_equal(wasm_store_fuel_used(s), 3);

    /* across a call: the run after it is charged when the callee returns */
    wasm_func *tpo = wasm_instance_func(inst, "twice_plus_one");
    wasm_value arg = wasm_i32(20);
    wasm_store_set_fuel(s, 8);
    assert_int_equal(wasm_func_call(s, tpo, &arg, 1, &r, 1), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 41);
    assert_int_equal(wasm_store_fuel_remaining(s), 0);
    wasm_store_set_fuel(s, 7);
    uint64_t before = wasm_store_fuel_used(s);
    assert_int_equal(wasm_func_call(s, tpo, &arg, 1, &r, 1), WASM_TRAP_OUT_OF_FUEL);
    assert_int_equal(wasm_store_fuel_used(s) - before, 6); /* caller 3 + callee 3; the last 2 did not fit */
    wasm_store_free(s);

    /* sum(n) executes 12 n + 6 instructions */
    wasm_trap_code code;
    int32_t result;
    int32_t ns[] = {0, 1, 10, 1000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        int32_t n = ns[i];
        uint64_t want = 12 * (uint64_t)n + 6;
        assert_int_equal(run_sum(m, n, UINT64_MAX, &code, &result), want);
        assert_int_equal(code, WASM_TRAP_NONE);
        assert_int_equal(result, n * (n + 1) / 2);
        /* exactly enough fuel succeeds, one less runs out */
        assert_int_equal(run_sum(m, n, want, &code, &result), want);
        assert_int_equal(code, WASM_TRAP_NONE);
        run_sum(m, n, want - 1, &code, &result);
        assert_int_equal(code, WASM_TRAP_OUT_OF_FUEL);
    }
    wasm_module_release(m);
}

static void test_fuel_out_and_refill(void **state)
{
    wasm_module *m = load("fuel");
    wasm_limits lim = {.fuel = 10000};
    wasm_store *s = wasm_store_new(&lim);
    wasm_instance *inst = wasm_instantiate(s, m, NULL, NULL);
    assert_int_equal(call0(s, inst, "spin", NULL), WASM_TRAP_OUT_OF_FUEL);
    assert_string_equal(wasm_store_trap_message(s), "out of fuel");
    /* a run is charged whole before it executes: at most 10000 were used */
    assert_true(wasm_store_fuel_used(s) <= 10000);
    assert_true(wasm_store_fuel_remaining(s) < 3);
    wasm_store_set_fuel(s, 1000);
    wasm_value r;
    assert_int_equal(call1(s, inst, "sum", wasm_i32(10), &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 55);
    assert_int_equal(wasm_store_fuel_remaining(s), 1000 - 126);
    wasm_store_free(s);
    wasm_module_release(m);
}

static uint64_t run_busy(wasm_module *m, int32_t n, int32_t *result)
{
    wasm_store *s = wasm_store_new(NULL);
    wasm_instance *inst = wasm_instantiate(s, m, NULL, NULL);
    assert_non_null(inst);
    wasm_value r;
    assert_int_equal(call1(s, inst, "busy", wasm_i32(n), &r), WASM_TRAP_NONE);
    *result = r.of.i32;
    uint64_t used = wasm_store_fuel_used(s);
    wasm_store_free(s);
    return used;
}

static void test_fuel_deterministic(void **state)
{
    wasm_module *m = load("fuel");
    int32_t first_result, result;
    uint64_t first = run_busy(m, 5000, &first_result);
    assert_true(first > 5000 * 10);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(run_busy(m, 5000, &result), first);
        assert_int_equal(result, first_result);
    }
    wasm_module_release(m);
}

/* Bulk instructions: 1 + n / 64, charged before they act; a fill that
 * does not fit traps without touching memory. */
static void test_fuel_bulk(void **state)
{
    wasm_module *m = load("bulk_fuel");
    wasm_store *s = wasm_store_new(NULL);
    wasm_instance *inst = wasm_instantiate(s, m, NULL, NULL);
    assert_non_null(inst);
    struct {
        const char *name;
        int32_t n;
        uint64_t want;
    } cases[] = {
        {"fill", 0, 4},        {"fill", 63, 4},     {"fill", 64, 5},       {"fill", 65536, 4 + 1024},
        {"copy", 640, 4 + 10}, {"tfill", 200, 4 + 25}, {"tfill", 7, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t before = wasm_store_fuel_used(s);
        wasm_value arg = wasm_i32(cases[i].n);
        assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, cases[i].name), &arg, 1, NULL, 0),
                         WASM_TRAP_NONE);
        assert_int_equal(wasm_store_fuel_used(s) - before, cases[i].want);
    }
    /* one unit short: out of fuel, and nothing was written */
    wasm_value r, arg = wasm_i32(3);
    assert_int_equal(call1(s, inst, "byte", arg, &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 7);
    wasm_store_free(s);

    wasm_limits lim = {.fuel = 4 + 1024 - 1};
    s = wasm_store_new(&lim);
    inst = wasm_instantiate(s, m, NULL, NULL);
    arg = wasm_i32(65536);
    assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, "fill"), &arg, 1, NULL, 0), WASM_TRAP_OUT_OF_FUEL);
    wasm_store_set_fuel(s, 100);
    assert_int_equal(call1(s, inst, "byte", wasm_i32(3), &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 0);

    /* fused address arithmetic wraps at 32 bits */
    wasm_value args[3] = {wasm_i32(-8), wasm_i32(100), wasm_i32(0x12345678)};
    assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, "store_add"), args, 3, &r, 1), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 0x12345678);
    assert_int_equal(call1(s, inst, "byte", wasm_i32(96), &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 0x78);
    wasm_value sa[3] = {wasm_i32(3), wasm_i32(33), wasm_i32(-1)};
    assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, "shl_add"), sa, 3, &r, 1), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, (3 << 1) - 1);
    wasm_value a3[3] = {wasm_i32(INT32_MAX), wasm_i32(2), wasm_i32(-5)};
    assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, "add3"), a3, 3, &r, 1), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, (int32_t)((uint32_t)INT32_MAX + 2u - 5u));
    wasm_store_free(s);

    /* out-of-bounds loads trap, charged as counted, and the store goes on */
    s = wasm_store_new(NULL);
    inst = wasm_instantiate(s, m, NULL, NULL);
    for (int round = 0; round < 3; round++) {
        uint64_t before = wasm_store_fuel_used(s);
        assert_int_equal(call1(s, inst, "oob", wasm_i32(65536 - 4), &r), WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
        assert_string_equal(wasm_store_trap_message(s), "out of bounds memory access");
        assert_int_equal(wasm_store_fuel_used(s) - before, 4);
        before = wasm_store_fuel_used(s);
        assert_int_equal(call1(s, inst, "walk", wasm_i32(0), &r), WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
        assert_int_equal(wasm_store_fuel_used(s) - before, 1 + 10 * 16385);
        assert_int_equal(call1(s, inst, "oob", wasm_i32(65536 - 5), &r), WASM_TRAP_NONE);
    }
    wasm_store_free(s);
    wasm_module_release(m);
}

static void test_metering_off(void **state)
{
    wasm_module *on = load_ex("fuel", true), *off = load_ex("fuel", false);
    int32_t r_on, r_off;
    uint64_t used_on = run_busy(on, 3000, &r_on);
    uint64_t used_off = run_busy(off, 3000, &r_off);
    assert_int_equal(r_on, r_off);
    assert_true(used_on > 0);
    assert_int_equal(used_off, 0);

    /* without metering, fuel never runs out */
    wasm_limits lim = {.fuel = 10};
    wasm_store *s = wasm_store_new(&lim);
    wasm_instance *inst = wasm_instantiate(s, off, NULL, NULL);
    wasm_value r;
    assert_int_equal(call1(s, inst, "sum", wasm_i32(100), &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 5050);
    wasm_store_free(s);
    wasm_module_release(on);
    wasm_module_release(off);
}

/* ---- host functions and interruption ------------------------------------ */

typedef struct host_state {
    atomic_int started;
    int logged;
    char text[64];
    wasm_store *store;
} host_state;

static wasm_trap_code host_log(wasm_call *call, const uint64_t *args, uint64_t *results)
{
    host_state *st = wasm_call_env(call);
    wasm_memory *mem = wasm_call_memory(call);
    uint32_t ptr = (uint32_t)args[0], len = (uint32_t)args[1];
    const uint8_t *p = mem ? wasm_memory_ptr(mem, ptr, len) : NULL;
    if (!p || len >= sizeof st->text)
        return wasm_call_trap(call, WASM_TRAP_HOST, "bad pointer %u+%u", ptr, len);
    memcpy(st->text, p, len);
    st->text[len] = 0;
    st->logged++;
    results[0] = len;
    return WASM_TRAP_NONE;
}

static wasm_trap_code host_started(wasm_call *call, const uint64_t *args, uint64_t *results)
{
    host_state *st = wasm_call_env(call);
    atomic_store(&st->started, 1);
    return WASM_TRAP_NONE;
}

static wasm_instance *host_instance(wasm_store *s, wasm_module *m, host_state *st)
{
    wasm_linker *l = wasm_linker_new(s);
    assert_true(wasm_linker_define_host(l, "env", "log", "ii>i", host_log, st));
    assert_true(wasm_linker_define_host(l, "env", "started", "", host_started, st));
    wasm_error err;
    wasm_instance *inst = wasm_instantiate(s, m, l, &err);
    wasm_linker_free(l);
    if (!inst)
        fail_msg("instantiate: %s", err.message);
    return inst;
}

static void test_host_reads_memory(void **state)
{
    wasm_module *m = load("host");
    wasm_store *s = wasm_store_new(NULL);
    host_state st;
    memset(&st, 0, sizeof st);
    wasm_instance *inst = host_instance(s, m, &st);
    wasm_value r;
    assert_int_equal(call0(s, inst, "greet", &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 11);
    assert_int_equal(st.logged, 1);
    assert_string_equal(st.text, "hello, host");

    assert_int_equal(call0(s, inst, "bad_pointer", &r), WASM_TRAP_HOST);
    assert_string_equal(wasm_store_trap_message(s), "bad pointer 65530+100");

    /* the embedder sees the same bytes */
    wasm_memory *mem = wasm_instance_memory(inst, "memory");
    assert_non_null(mem);
    assert_memory_equal(wasm_memory_ptr(mem, 16, 11), "hello, host", 11);
    assert_null(wasm_memory_ptr(mem, 65536, 1));
    wasm_store_free(s);
    wasm_module_release(m);
}

static void *interrupter(void *arg)
{
    host_state *st = arg;
    while (!atomic_load(&st->started))
        sched_yield();
    wasm_store_interrupt(st->store);
    return NULL;
}

static void check_interrupt(bool metering)
{
    wasm_module *m = load_ex("host", metering);
    wasm_store *s = wasm_store_new(NULL);
    host_state st;
    memset(&st, 0, sizeof st);
    st.store = s;
    wasm_instance *inst = host_instance(s, m, &st);

    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, interrupter, &st), 0);
    assert_int_equal(call0(s, inst, "wait_forever", NULL), WASM_TRAP_INTERRUPTED);
    pthread_join(t, NULL);
    assert_string_equal(wasm_store_trap_message(s), "interrupted");

    /* the flag stays until cleared: the next call stops at its entry */
    assert_int_equal(call0(s, inst, "greet", NULL), WASM_TRAP_INTERRUPTED);
    assert_int_equal(st.logged, 0);
    wasm_store_clear_interrupt(s);
    wasm_value r;
    assert_int_equal(call0(s, inst, "greet", &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 11);
    wasm_store_free(s);
    wasm_module_release(m);
}

/* Interruption works with and without metering (the check rides on the
 * fuel check, or stands alone when there is no fuel code). */
static void test_interrupt_from_thread(void **state)
{
    check_interrupt(true);
    check_interrupt(false);
}

/* ---- host functions calling back into wasm ------------------------------------ */

static wasm_trap_code host_reenter(wasm_call *call, const uint64_t *args, uint64_t *results)
{
    wasm_func *down = wasm_instance_func(wasm_call_instance(call), "down");
    wasm_value arg = wasm_i32((int32_t)args[0]), r;
    wasm_trap_code code = wasm_func_call(wasm_call_store(call), down, &arg, 1, &r, 1);
    if (code != WASM_TRAP_NONE)
        return code;
    results[0] = (uint32_t)r.of.i32;
    return WASM_TRAP_NONE;
}

static void test_host_reentry(void **state)
{
    wasm_module *m = load("reenter");
    wasm_limits lim = {.fuel = 1000000};
    wasm_store *s = wasm_store_new(&lim);
    wasm_linker *l = wasm_linker_new(s);
    assert_true(wasm_linker_define_host(l, "env", "reenter", "i>i", host_reenter, NULL));
    wasm_instance *inst = wasm_instantiate(s, m, l, NULL);
    assert_non_null(inst);
    wasm_value r;
    assert_int_equal(call1(s, inst, "down", wasm_i32(50), &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 50);
    /* fuel is shared by the nested calls: 50 levels of 9 instructions + the last 4 */
    assert_int_equal(wasm_store_fuel_used(s), 50 * 9 + 4);
    /* re-entry is bounded (it costs C stack): a clean trap, then usable again */
    assert_int_equal(call1(s, inst, "down", wasm_i32(100000), &r), WASM_TRAP_STACK_EXHAUSTED);
    assert_int_equal(call1(s, inst, "down", wasm_i32(3), &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 3);
    wasm_linker_free(l);
    wasm_store_free(s);
    wasm_module_release(m);
}

/* ---- linking ------------------------------------------------------------------ */

static void test_two_instances_linked(void **state)
{
    wasm_module *pm = load("producer"), *cm = load("consumer");
    wasm_store *s = wasm_store_new(NULL);
    wasm_error err;
    wasm_instance *producer = wasm_instantiate(s, pm, NULL, &err);
    assert_non_null(producer);

    /* nothing defined yet: unlinkable, and the message names the import */
    wasm_linker *l = wasm_linker_new(s);
    assert_null(wasm_instantiate(s, cm, l, &err));
    assert_int_equal(err.kind, WASM_ERR_UNLINKABLE);
    assert_non_null(strstr(err.message, "producer.double"));

    /* a function of the wrong type: unlinkable */
    assert_true(wasm_linker_define_instance(l, "producer", producer));
    assert_true(wasm_linker_define_host(l, "producer", "double", "i>I", host_fail, NULL));
    assert_null(wasm_instantiate(s, cm, l, &err));
    assert_int_equal(err.kind, WASM_ERR_UNLINKABLE);
    assert_non_null(strstr(err.message, "incompatible import type"));

    assert_true(wasm_linker_define_instance(l, "producer", producer));
    wasm_instance *consumer = wasm_instantiate(s, cm, l, &err);
    if (!consumer)
        fail_msg("instantiate consumer: %s", err.message);

    wasm_value r;
    assert_int_equal(call1(s, consumer, "run", wasm_i32(5), &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 35);

    /* the consumer's segments went into the producer's table and memory */
    wasm_extern ext;
    assert_true(wasm_instance_export(producer, "table", &ext));
    wasm_value ref;
    assert_true(wasm_table_get(ext.of.table, 1, &ref));
    assert_non_null(ref.of.funcref);
    wasm_value arg = wasm_i32(4);
    assert_int_equal(wasm_func_call(s, ref.of.funcref, &arg, 1, &r, 1), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 12);
    wasm_memory *mem = wasm_instance_memory(producer, "memory");
    assert_memory_equal(wasm_memory_ptr(mem, 100, 6), "shared", 6);

    /* the imported function runs with the producer's memory and global */
    assert_int_equal(call0(s, consumer, "bump_and_read", &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 202);
    assert_int_equal(call1(s, consumer, "set_counter", wasm_i32(7), NULL), WASM_TRAP_NONE);
    assert_true(wasm_instance_export(producer, "counter", &ext));
    assert_int_equal(wasm_global_get(ext.of.global).of.i32, 7);
    assert_int_equal(call0(s, producer, "bump", &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 8);

    wasm_linker_free(l);
    wasm_store_free(s);
    wasm_module_release(pm);
    wasm_module_release(cm);
}

static void test_module_shared_across_stores(void **state)
{
    wasm_module *m = load("producer");
    assert_int_equal(wasm_module_export_count(m), 5);
    assert_int_equal(wasm_module_import_count(m), 0);
    wasm_store *a = wasm_store_new(NULL), *b = wasm_store_new(NULL);
    wasm_instance *ia = wasm_instantiate(a, m, NULL, NULL), *ib = wasm_instantiate(b, m, NULL, NULL);
    wasm_module_release(m); /* the instances keep it alive */
    wasm_value r;
    assert_int_equal(call0(a, ia, "bump", &r), WASM_TRAP_NONE);
    assert_int_equal(call0(a, ia, "bump", &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 102);
    assert_int_equal(call0(b, ib, "bump", &r), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 101); /* separate state */
    wasm_store_free(a);
    wasm_store_free(b);
}

/* ---- operand fusion ------------------------------------------------------------ */

typedef struct fusion_case {
    const char *name;
    int nargs;
    int64_t a, b;
    int32_t want;
} fusion_case;

static void check_fusion(wasm_module *m)
{
    static const fusion_case cases[] = {
        {"old_value", 1, 5, 0, 104},   {"swap", 2, 1, 2, 21},
        {"block_write", 1, 5, 0, 12},  {"if_write", 2, 5, 0, 10},
        {"if_write", 2, 5, 1, 105},    {"br_if_value", 1, 4, 0, 4},
        {"br_if_value", 1, 40, 0, -1}, {"tee", 1, 4, 0, 25},
        {"tee_old", 1, 8, 0, 8003},    {"call_args", 2, 9, 4, 504},
        {"count", 1, 100, 0, 5050},    {"many_gets", 1, 3, 0, 210},
        {"many_consts", 0, 0, 0, 7315}, {"block_param", 1, 20, 0, 41},
    };
    wasm_store *s = wasm_store_new(NULL);
    wasm_instance *inst = wasm_instantiate(s, m, NULL, NULL);
    assert_non_null(inst);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const fusion_case *fc = &cases[i];
        wasm_value args[2] = {wasm_i32((int32_t)fc->a), wasm_i32((int32_t)fc->b)}, r;
        wasm_func *f = wasm_instance_func(inst, fc->name);
        assert_non_null(f);
        assert_int_equal(wasm_func_call(s, f, args, (size_t)fc->nargs, &r, 1), WASM_TRAP_NONE);
        if (r.of.i32 != fc->want)
            fail_msg("%s(%lld, %lld) = %d, want %d", fc->name, (long long)fc->a, (long long)fc->b, r.of.i32,
                     fc->want);
    }
    wasm_value args64[2] = {wasm_i64(-1), wasm_i64(5)}, r;
    assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, "if_cmp64"), args64, 2, &r, 1), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 1); /* unsigned: 2^64-1 > 5 */
    args64[0] = wasm_i64(5);
    args64[1] = wasm_i64(-1);
    assert_int_equal(wasm_func_call(s, wasm_instance_func(inst, "if_cmp64"), args64, 2, &r, 1), WASM_TRAP_NONE);
    assert_int_equal(r.of.i32, 2);
    wasm_store_free(s);
}

static void test_operand_fusion(void **state)
{
    wasm_module *on = load_ex("fusion", true), *off = load_ex("fusion", false);
    check_fusion(on);
    check_fusion(off);
    wasm_module_release(on);
    wasm_module_release(off);
}

/* ---- one module, several threads ------------------------------------------------ */

typedef struct thread_job {
    wasm_module *module;
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
    wasm_module *m = load("fuel");
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
    wasm_module_release(m);
}

/* ---- API objects ------------------------------------------------------------------ */

static wasm_trap_code host_add64(wasm_call *call, const uint64_t *args, uint64_t *results)
{
    /* called directly by the embedder: no calling instance, no memory */
    if (wasm_call_instance(call) || wasm_call_memory(call))
        return wasm_call_trap(call, WASM_TRAP_HOST, "unexpected caller");
    results[0] = args[0] + args[1];
    return WASM_TRAP_NONE;
}

static void test_api_objects(void **state)
{
    /* module reflection */
    wasm_module *m = load("host");
    assert_int_equal(wasm_module_import_count(m), 2);
    wasm_import_info imp = wasm_module_import(m, 0);
    assert_string_equal(imp.module, "env");
    assert_string_equal(imp.name, "log");
    assert_int_equal(imp.kind, WASM_EXTERN_FUNC);
    assert_int_equal(imp.func_type.nparams, 2);
    assert_int_equal(imp.func_type.nresults, 1);
    assert_int_equal(imp.func_type.types[2], WASM_I32);
    wasm_export_info exp = wasm_module_export(m, 0);
    assert_string_equal(exp.name, "memory");
    assert_int_equal(exp.kind, WASM_EXTERN_MEMORY);

    wasm_error err;
    static const uint8_t garbage[] = {0, 'a', 's', 'm', 2, 0, 0, 0};
    assert_false(wasm_module_validate(garbage, sizeof garbage, &err));
    assert_int_equal(err.kind, WASM_ERR_MALFORMED);
    assert_null(wasm_module_load(garbage, sizeof garbage, &err));

    wasm_store *s = wasm_store_new(NULL);
    /* host functions: signatures, direct calls */
    assert_null(wasm_func_new_host(s, "ii>i>i", host_add64, NULL));
    assert_null(wasm_func_new_host(s, "q", host_add64, NULL));
    wasm_func *add = wasm_func_new_host(s, "II>I", host_add64, NULL);
    assert_non_null(add);
    assert_int_equal(wasm_func_type(add).nparams, 2);
    wasm_value args[2] = {wasm_i64(1LL << 40), wasm_i64(2)}, r;
    assert_int_equal(wasm_func_call(s, add, args, 2, &r, 1), WASM_TRAP_NONE);
    assert_int_equal(r.type, WASM_I64);
    assert_int_equal(r.of.i64, (1LL << 40) + 2);

    /* tables */
    wasm_value null_ref = {.type = WASM_FUNCREF, .of.funcref = NULL};
    wasm_table *t = wasm_table_new(s, WASM_FUNCREF, 2, 4, true, null_ref);
    assert_non_null(t);
    assert_int_equal(wasm_table_size(t), 2);
    wasm_value ref = {.type = WASM_FUNCREF, .of.funcref = add};
    assert_true(wasm_table_set(t, 1, ref));
    assert_false(wasm_table_set(t, 2, ref));
    assert_false(wasm_table_set(t, 0, wasm_i32(1)));
    assert_true(wasm_table_get(t, 1, &r));
    assert_ptr_equal(r.of.funcref, add);
    assert_false(wasm_table_get(t, 2, &r));
    assert_null(wasm_table_new(s, WASM_I32, 1, 0, false, wasm_i32(0)));

    /* globals */
    wasm_global *g = wasm_global_new(s, wasm_i32(5), true);
    wasm_global *k = wasm_global_new(s, wasm_i64(6), false);
    assert_int_equal(wasm_global_get(g).of.i32, 5);
    assert_true(wasm_global_set(g, wasm_i32(-3)));
    assert_int_equal(wasm_global_get(g).of.i32, -3);
    assert_false(wasm_global_set(g, wasm_i64(1))); /* wrong type */
    assert_false(wasm_global_set(k, wasm_i64(1))); /* immutable */

    /* memories */
    wasm_memory *mem = wasm_memory_new(s, 1, 2, true);
    assert_non_null(mem);
    assert_int_equal(wasm_memory_pages(mem), 1);
    assert_int_equal(wasm_memory_size(mem), 65536);
    assert_int_equal(wasm_memory_grow(mem, 1), 1);
    assert_int_equal(wasm_memory_grow(mem, 1), -1); /* past its maximum */
    assert_non_null(wasm_memory_ptr(mem, 131072 - 8, 8));
    assert_null(wasm_memory_ptr(mem, 131072 - 8, 9));
    assert_null(wasm_memory_new(s, 3, 2, true));

    /* objects of another store cannot be imported */
    wasm_store *other = wasm_store_new(NULL);
    wasm_linker *l = wasm_linker_new(other);
    wasm_extern ext = {.kind = WASM_EXTERN_FUNC, .of.func = add};
    assert_true(wasm_linker_define(l, "env", "log", ext));
    assert_true(wasm_linker_define_host(l, "env", "started", "", host_started, NULL));
    assert_null(wasm_instantiate(other, m, l, &err));
    assert_int_equal(err.kind, WASM_ERR_UNLINKABLE);
    wasm_linker_free(l);
    wasm_store_free(other);

    wasm_store_free(s);
    wasm_module_release(m);
}

/* ---- argument checking -------------------------------------------------------- */

static void test_call_argument_errors(void **state)
{
    wasm_module *m = load("fuel");
    wasm_store *s = wasm_store_new(NULL);
    wasm_instance *inst = wasm_instantiate(s, m, NULL, NULL);
    wasm_func *add = wasm_instance_func(inst, "add");
    assert_non_null(add);
    assert_null(wasm_instance_func(inst, "nope"));
    wasm_value r[2];

    wasm_value one[1] = {wasm_i32(1)};
    assert_int_equal(wasm_func_call(s, add, one, 1, r, 1), WASM_TRAP_MISUSE);
    assert_non_null(strstr(wasm_store_trap_message(s), "wrong number of arguments"));

    wasm_value mixed[2] = {wasm_i32(1), wasm_i64(2)};
    assert_int_equal(wasm_func_call(s, add, mixed, 2, r, 1), WASM_TRAP_MISUSE);
    assert_string_equal(wasm_store_trap_message(s), "argument 1 has type i64, expected i32");

    wasm_value good[2] = {wasm_i32(40), wasm_i32(2)};
    assert_int_equal(wasm_func_call(s, add, good, 2, r, 0), WASM_TRAP_MISUSE);
    assert_non_null(strstr(wasm_store_trap_message(s), "result buffer too small"));
    assert_int_equal(wasm_func_call(s, NULL, good, 2, r, 1), WASM_TRAP_MISUSE);
    assert_int_equal(wasm_store_fuel_used(s), 0); /* nothing ran */

    assert_int_equal(wasm_func_call(s, add, good, 2, r, 1), WASM_TRAP_NONE);
    assert_int_equal(r[0].type, WASM_I32);
    assert_int_equal(r[0].of.i32, 42);

    /* a function of one store cannot be called through another */
    wasm_store *other = wasm_store_new(NULL);
    assert_int_equal(wasm_func_call(other, add, good, 2, r, 1), WASM_TRAP_MISUSE);
    wasm_store_free(other);
    wasm_store_free(s);
    wasm_module_release(m);
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
