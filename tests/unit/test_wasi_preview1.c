/*
 * test_wasi_preview1.c — the wasi_snapshot_preview1 functions, one by one.
 *
 * Each test instantiates tests/wasi/shim.wat, which imports every WASI
 * function and re-exports it through a wasm wrapper, then calls the
 * wrapper with arguments chosen here and checks the errno, the bytes
 * written into guest memory and the context's state. Clocks, sleep and
 * random are replaced by fakes so every result is exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wasi/wasi.h"
#include "wasm/olw.h"

#ifndef WASI_TEST_WASM_DIR
#define WASI_TEST_WASM_DIR "../../build/tests/wasi"
#endif

/* ---- fixture ------------------------------------------------------------- */

typedef struct fake_time {
    uint64_t realtime, monotonic;
    uint64_t slept_until; /* last deadline given to the fake sleep */
    int sleeps;
    bool cancel_on_sleep;
} fake_time;

typedef struct fixture {
    fake_time time;
    wasi_ctx *ctx;
    olw_module *module;
    olw_store *store;
    olw_linker *linker;
    olw_instance *inst;
    uint8_t *mem;
    uint64_t mem_size;
} fixture;

static int fake_clock(void *env, uint32_t id, uint64_t *out)
{
    fake_time *t = env;
    switch (id) {
    case WASI_CLOCK_REALTIME: *out = t->realtime; return 0;
    case WASI_CLOCK_MONOTONIC: *out = t->monotonic; return 0;
    case WASI_CLOCK_PROCESS_CPUTIME:
    case WASI_CLOCK_THREAD_CPUTIME: *out = 777; return 0;
    }
    return WASI_EINVAL;
}

static bool fake_sleep(void *env, uint64_t deadline)
{
    fake_time *t = env;
    t->sleeps++;
    t->slept_until = deadline;
    if (t->cancel_on_sleep)
        return false;
    if (deadline > t->monotonic) {
        t->realtime += deadline - t->monotonic;
        t->monotonic = deadline;
    }
    return true;
}

static void fake_random(void *env, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(0xA0 + i);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    if (n < 0)
        n = 0;
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static const char *const test_argv[] = {"prog.wasm", "--flag", ""};
static const char *const test_env[] = {"A=1", "GREETING=hi there"};
static const char test_stdin[] = "hello world";

static int setup_with(void **state, size_t stdout_cap, size_t stderr_cap, bool fake_random_source)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->time.realtime = 1700000000000000000ull;
    f->time.monotonic = 5000;
    wasi_config cfg = {
        .argv = test_argv,
        .argc = 3,
        .environ = test_env,
        .environ_count = 2,
        .stdin_data = (const uint8_t *)test_stdin,
        .stdin_len = strlen(test_stdin),
        .stdout_cap = stdout_cap,
        .stderr_cap = stderr_cap,
        .clock = fake_clock,
        .sleep = fake_sleep,
        .clock_env = &f->time,
        .random = fake_random_source ? fake_random : NULL,
    };
    f->ctx = wasi_ctx_new(&cfg);
    assert_non_null(f->ctx);

    size_t len = 0;
    uint8_t *bytes = read_file(WASI_TEST_WASM_DIR "/shim.wasm", &len);
    assert_non_null(bytes);
    olw_error err;
    f->module = olw_module_load(bytes, len, &err);
    free(bytes);
    if (!f->module)
        fail_msg("shim.wasm does not load: %s", err.message);
    f->store = olw_store_new(NULL);
    f->linker = olw_linker_new(f->store);
    assert_true(wasi_define(f->linker, f->ctx));
    f->inst = olw_instantiate(f->store, f->module, f->linker, &err);
    if (!f->inst)
        fail_msg("shim.wasm does not instantiate: %s", err.message);
    olw_memory *m = olw_instance_memory(f->inst, "memory");
    assert_non_null(m);
    f->mem = olw_memory_data(m);
    f->mem_size = olw_memory_size(m);
    *state = f;
    return 0;
}

static int setup(void **state) { return setup_with(state, 64, 16, true); }
static int setup_real_random(void **state) { return setup_with(state, 64, 16, false); }

static int teardown(void **state)
{
    fixture *f = *state;
    olw_linker_free(f->linker);
    olw_store_free(f->store);
    wasi_ctx_free(f->ctx);
    olw_module_release(f->module);
    free(f);
    return 0;
}

/* Calls the shim's wrapper `name` with integer arguments, each passed as a
 * uint64_t (use U()) and converted to the wrapper's parameter types.
 * Returns the trap code; the WASI errno goes to *errno_out. */
#define U(x) ((uint64_t)(x))
static olw_trap_code vcall(fixture *f, const char *name, int *errno_out, int nargs, va_list ap)
{
    olw_func *fn = olw_instance_func(f->inst, name);
    if (!fn)
        fail_msg("no export %s", name);
    olw_functype t = olw_func_type(fn);
    assert_int_equal(t.nparams, (uint32_t)nargs);
    olw_value args[16];
    for (int i = 0; i < nargs; i++) {
        uint64_t v = va_arg(ap, uint64_t);
        args[i] = t.types[i] == OLW_I64 ? olw_i64((int64_t)v) : olw_i32((int32_t)(uint32_t)v);
    }
    olw_value result = olw_i32(-1);
    olw_trap_code trap = olw_func_call(f->store, fn, args, (size_t)nargs, &result, t.nresults);
    *errno_out = result.of.i32;
    return trap;
}

static olw_trap_code call_raw(fixture *f, const char *name, int *errno_out, int nargs, ...)
{
    va_list ap;
    va_start(ap, nargs);
    olw_trap_code trap = vcall(f, name, errno_out, nargs, ap);
    va_end(ap);
    return trap;
}

/* The usual case: the call must not trap; returns the errno. */
static int call_errno(fixture *f, const char *name, int nargs, ...)
{
    va_list ap;
    va_start(ap, nargs);
    int e;
    olw_trap_code trap = vcall(f, name, &e, nargs, ap);
    va_end(ap);
    if (trap != OLW_TRAP_NONE)
        fail_msg("%s trapped: %s", name, olw_store_trap_message(f->store));
    return e;
}

static uint32_t load32(fixture *f, uint32_t at)
{
    uint32_t v;
    memcpy(&v, f->mem + at, 4);
    return v;
}

static uint64_t load64(fixture *f, uint32_t at)
{
    uint64_t v;
    memcpy(&v, f->mem + at, 8);
    return v;
}

static void store32(fixture *f, uint32_t at, uint32_t v) { memcpy(f->mem + at, &v, 4); }
static void store64(fixture *f, uint32_t at, uint64_t v) { memcpy(f->mem + at, &v, 8); }

/* ---- the table ------------------------------------------------------------ */

static void test_every_function_is_defined(void **state)
{
    fixture *f = *state;
    /* The shim imports all of them, so instantiation in setup proved linking;
     * here: the documented count, unique names, and each one callable. */
    assert_int_equal(wasi_function_count(), 46);
    for (size_t i = 0; i < wasi_function_count(); i++) {
        for (size_t j = i + 1; j < wasi_function_count(); j++)
            assert_string_not_equal(wasi_function_name(i), wasi_function_name(j));
        assert_non_null(olw_instance_func(f->inst, wasi_function_name(i)));
    }
    assert_null(wasi_function_name(46));
}

/* ---- args and environ ----------------------------------------------------- */

static void test_args(void **state)
{
    fixture *f = *state;
    assert_int_equal(call_errno(f, "args_sizes_get", 2, U(100), U(104)), 0);
    assert_int_equal(load32(f, 100), 3);
    assert_int_equal(load32(f, 104), sizeof "prog.wasm" + sizeof "--flag" + 1);
    assert_int_equal(call_errno(f, "args_get", 2, U(200), U(300)), 0);
    assert_int_equal(load32(f, 200), 300);
    assert_string_equal((char *)f->mem + 300, "prog.wasm");
    assert_int_equal(load32(f, 204), 310);
    assert_string_equal((char *)f->mem + load32(f, 204), "--flag");
    assert_string_equal((char *)f->mem + load32(f, 208), "");
}

static void test_environ(void **state)
{
    fixture *f = *state;
    assert_int_equal(call_errno(f, "environ_sizes_get", 2, U(100), U(104)), 0);
    assert_int_equal(load32(f, 100), 2);
    assert_int_equal(load32(f, 104), sizeof "A=1" + sizeof "GREETING=hi there");
    assert_int_equal(call_errno(f, "environ_get", 2, U(200), U(300)), 0);
    assert_string_equal((char *)f->mem + load32(f, 200), "A=1");
    assert_string_equal((char *)f->mem + load32(f, 204), "GREETING=hi there");
}

static void test_bad_pointers_are_efault(void **state)
{
    fixture *f = *state;
    uint32_t end = (uint32_t)f->mem_size;
    memset(f->mem + end - 16, 0x55, 16);
    /* The string buffer would cross the end of memory: nothing is written. */
    assert_int_equal(call_errno(f, "args_get", 2, U(end - 16), U(end - 4)), WASI_EFAULT);
    for (int i = 0; i < 16; i++)
        assert_int_equal(f->mem[end - 16 + i], 0x55);
    assert_int_equal(call_errno(f, "args_sizes_get", 2, U(end - 2), U(0)), WASI_EFAULT);
    assert_int_equal(call_errno(f, "environ_get", 2, U(0xFFFFFFF0u), U(0)), WASI_EFAULT);
    assert_int_equal(call_errno(f, "clock_time_get", 3, U(0), U(0), U(end - 4)), WASI_EFAULT);
    assert_int_equal(call_errno(f, "random_get", 2, U(end - 8), U(9)), WASI_EFAULT);
    assert_int_equal(call_errno(f, "fd_fdstat_get", 2, U(1), U(end)), WASI_EFAULT);
    assert_int_equal(call_errno(f, "poll_oneoff", 4, U(end - 8), U(0), U(1), U(100)), WASI_EFAULT);
    /* An iovec whose buffer leaves memory. */
    store32(f, 0, end - 2);
    store32(f, 4, 3);
    assert_int_equal(call_errno(f, "fd_write", 4, U(1), U(0), U(1), U(16)), WASI_EFAULT);
    assert_int_equal(wasi_ctx_stdout_bytes(f->ctx), 0);
    assert_int_equal(call_errno(f, "fd_read", 4, U(0), U(0), U(1), U(16)), WASI_EFAULT);
    /* Nothing was consumed from stdin by the failed read. */
    store32(f, 0, 100);
    store32(f, 4, 5);
    assert_int_equal(call_errno(f, "fd_read", 4, U(0), U(0), U(1), U(16)), 0);
    assert_memory_equal(f->mem + 100, "hello", 5);
}

/* ---- clocks and random -------------------------------------------------- */

static void test_clocks(void **state)
{
    fixture *f = *state;
    assert_int_equal(call_errno(f, "clock_time_get", 3, U(WASI_CLOCK_REALTIME), U(1), U(64)), 0);
    assert_int_equal(load64(f, 64), 1700000000000000000ull);
    assert_int_equal(call_errno(f, "clock_time_get", 3, U(WASI_CLOCK_MONOTONIC), U(1), U(64)), 0);
    assert_int_equal(load64(f, 64), 5000);
    assert_int_equal(call_errno(f, "clock_time_get", 3, U(WASI_CLOCK_PROCESS_CPUTIME), U(1), U(64)), 0);
    assert_int_equal(load64(f, 64), 777);
    assert_int_equal(call_errno(f, "clock_time_get", 3, U(4), U(1), U(64)), WASI_EINVAL);
    assert_int_equal(call_errno(f, "clock_res_get", 2, U(WASI_CLOCK_MONOTONIC), U(72)), 0);
    assert_int_equal(load64(f, 72), 1);
    assert_int_equal(call_errno(f, "clock_res_get", 2, U(99), U(72)), WASI_EINVAL);
}

/* A second instance of the shim in its own store, for a ctx made here. */
typedef struct side_instance {
    olw_store *store;
    olw_linker *linker;
    olw_instance *inst;
    uint8_t *mem;
} side_instance;

static void side_open(side_instance *s, fixture *f, wasi_ctx *ctx)
{
    s->store = olw_store_new(NULL);
    s->linker = olw_linker_new(s->store);
    assert_true(wasi_define(s->linker, ctx));
    olw_error err;
    s->inst = olw_instantiate(s->store, f->module, s->linker, &err);
    assert_non_null(s->inst);
    s->mem = olw_memory_data(olw_instance_memory(s->inst, "memory"));
}

static void side_close(side_instance *s)
{
    olw_linker_free(s->linker);
    olw_store_free(s->store);
}

static int side_call(side_instance *s, const char *name, olw_value *args, size_t n, olw_trap_code *trap)
{
    olw_value res = olw_i32(-1);
    *trap = olw_func_call(s->store, olw_instance_func(s->inst, name), args, n, &res, 1);
    return res.of.i32;
}

static void test_host_clocks(void **state)
{
    /* The default (host) clock source: monotonic never goes back, realtime
     * is after 2020, the CPU-time clocks answer. */
    fixture *f = *state;
    wasi_ctx *ctx = wasi_ctx_new(NULL);
    assert_non_null(ctx);
    side_instance s;
    side_open(&s, f, ctx);
    olw_trap_code trap;
    uint64_t t[4];
    uint32_t ids[4] = {WASI_CLOCK_MONOTONIC, WASI_CLOCK_MONOTONIC, WASI_CLOCK_REALTIME, WASI_CLOCK_THREAD_CPUTIME};
    for (int i = 0; i < 4; i++) {
        olw_value args[3] = {olw_i32((int32_t)ids[i]), olw_i64(1), olw_i32(64)};
        assert_int_equal(side_call(&s, "clock_time_get", args, 3, &trap), 0);
        assert_int_equal(trap, OLW_TRAP_NONE);
        memcpy(&t[i], s.mem + 64, 8);
    }
    assert_true(t[1] >= t[0]);
    assert_true(t[2] > 1577836800ull * 1000000000ull);
    assert_true(t[3] > 0);
    olw_value args[3] = {olw_i32(WASI_CLOCK_PROCESS_CPUTIME), olw_i64(1), olw_i32(64)};
    assert_int_equal(side_call(&s, "clock_time_get", args, 3, &trap), 0);
    side_close(&s);
    wasi_ctx_free(ctx);
}

static void test_random_get(void **state)
{
    fixture *f = *state;
    assert_int_equal(call_errno(f, "random_get", 2, U(1000), U(4)), 0);
    assert_int_equal(f->mem[1000], 0xA0);
    assert_int_equal(f->mem[1003], 0xA3);
    assert_int_equal(f->mem[1004], 0);
    assert_int_equal(call_errno(f, "random_get", 2, U(1000), U(0)), 0);

    /* the bytes cost fuel, 1 each (on top of the shim's few instructions),
     * and a request that cannot be paid for traps before any byte is made */
    uint64_t before = olw_store_fuel_used(f->store);
    assert_int_equal(call_errno(f, "random_get", 2, U(1000), U(3000)), 0);
    uint64_t used = olw_store_fuel_used(f->store) - before;
    assert_true(used >= 3000 && used < 3000 + 20);
    assert_int_equal(f->mem[3999], (uint8_t)(0xA0 + 2999)); /* written */
    olw_store_set_fuel(f->store, 2000);
    f->mem[5000] = 0x55;
    int e;
    assert_int_equal(call_raw(f, "random_get", &e, 2, U(5000), U(3000)), OLW_TRAP_OUT_OF_FUEL);
    assert_int_equal(f->mem[5000], 0x55);
    olw_store_set_fuel(f->store, UINT64_MAX);
}

static void test_random_get_default_source(void **state)
{
    fixture *f = *state;
    /* 64 bytes from libsodium: all zero with probability 2^-512. */
    assert_int_equal(call_errno(f, "random_get", 2, U(1000), U(64)), 0);
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero |= f->mem[1000 + i];
    assert_true(nonzero);
    uint8_t first[64];
    memcpy(first, f->mem + 1000, 64);
    assert_int_equal(call_errno(f, "random_get", 2, U(1000), U(64)), 0);
    assert_memory_not_equal(first, f->mem + 1000, 64);
}

/* ---- stdin / stdout / stderr ---------------------------------------------- */

static void set_iov(fixture *f, uint32_t at, uint32_t buf, uint32_t len)
{
    store32(f, at, buf);
    store32(f, at + 4, len);
}

static void test_fd_read_stdin_then_eof(void **state)
{
    fixture *f = *state;
    set_iov(f, 0, 100, 5);
    set_iov(f, 8, 200, 3);
    set_iov(f, 16, 300, 0); /* empty iovecs are fine */
    assert_int_equal(call_errno(f, "fd_read", 4, U(0), U(0), U(3), U(40)), 0);
    assert_int_equal(load32(f, 40), 8);
    assert_memory_equal(f->mem + 100, "hello", 5);
    assert_memory_equal(f->mem + 200, " wo", 3);
    assert_int_equal(call_errno(f, "fd_read", 4, U(0), U(0), U(2), U(40)), 0);
    assert_int_equal(load32(f, 40), 3);
    assert_memory_equal(f->mem + 100, "rld", 3);
    assert_int_equal(call_errno(f, "fd_read", 4, U(0), U(0), U(2), U(40)), 0);
    assert_int_equal(load32(f, 40), 0); /* EOF */
    assert_int_equal(call_errno(f, "fd_read", 4, U(1), U(0), U(1), U(40)), WASI_EBADF);
    assert_int_equal(call_errno(f, "fd_read", 4, U(3), U(0), U(1), U(40)), WASI_EBADF);
}

static void test_fd_write_captures(void **state)
{
    fixture *f = *state;
    memcpy(f->mem + 100, "out:", 4);
    memcpy(f->mem + 200, "put\n", 4);
    set_iov(f, 0, 100, 4);
    set_iov(f, 8, 200, 4);
    assert_int_equal(call_errno(f, "fd_write", 4, U(1), U(0), U(2), U(40)), 0);
    assert_int_equal(load32(f, 40), 8);
    assert_int_equal(call_errno(f, "fd_write", 4, U(2), U(0), U(1), U(40)), 0);
    size_t len;
    const uint8_t *out = wasi_ctx_stdout(f->ctx, &len);
    assert_int_equal(len, 8);
    assert_memory_equal(out, "out:put\n", 8);
    out = wasi_ctx_stderr(f->ctx, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(out, "out:", 4);
    assert_int_equal(call_errno(f, "fd_write", 4, U(0), U(0), U(1), U(40)), WASI_EBADF);
    assert_int_equal(call_errno(f, "fd_write", 4, U(5), U(0), U(1), U(40)), WASI_EBADF);
    assert_false(wasi_ctx_stdout_overflowed(f->ctx));

    /* handing the captured bytes over: the caller owns them, NUL-terminated;
     * the ctx keeps the counts and nothing else */
    uint8_t *taken = wasi_ctx_take_stdout(f->ctx, &len);
    assert_non_null(taken);
    assert_int_equal(len, 8);
    assert_string_equal((char *)taken, "out:put\n");
    free(taken);
    wasi_ctx_stdout(f->ctx, &len);
    assert_int_equal(len, 0);
    assert_int_equal(wasi_ctx_stdout_bytes(f->ctx), 8);
    assert_int_equal(call_errno(f, "fd_write", 4, U(1), U(0), U(1), U(40)), 0); /* counted, not kept */
    assert_int_equal(wasi_ctx_stdout_bytes(f->ctx), 12);
    wasi_ctx_stdout(f->ctx, &len);
    assert_int_equal(len, 0);
}

static void test_stdout_cap_traps(void **state)
{
    fixture *f = *state; /* stdout cap 64 */
    memset(f->mem + 1000, 'x', 100);
    set_iov(f, 0, 1000, 60);
    assert_int_equal(call_errno(f, "fd_write", 4, U(1), U(0), U(1), U(40)), 0);
    set_iov(f, 0, 1000, 10);
    int e;
    olw_trap_code trap = call_raw(f, "fd_write", &e, 4, U(1), U(0), U(1), U(40));
    assert_int_equal(trap, OLW_TRAP_HOST);
    assert_non_null(strstr(olw_store_trap_message(f->store), "output limit exceeded"));
    assert_true(wasi_ctx_stdout_overflowed(f->ctx));
    size_t len;
    wasi_ctx_stdout(f->ctx, &len);
    assert_int_equal(len, 64); /* what fitted was kept */
}

static void test_stderr_cap_truncates(void **state)
{
    fixture *f = *state; /* stderr cap 16 */
    memset(f->mem + 1000, 'e', 100);
    set_iov(f, 0, 1000, 40);
    assert_int_equal(call_errno(f, "fd_write", 4, U(2), U(0), U(1), U(40)), 0);
    assert_int_equal(load32(f, 40), 40); /* reported as written */
    assert_true(wasi_ctx_stderr_truncated(f->ctx));
    size_t len;
    wasi_ctx_stderr(f->ctx, &len);
    assert_int_equal(len, 16);
    assert_false(wasi_ctx_stdout_overflowed(f->ctx));
}

static void test_fdstat_and_rights(void **state)
{
    fixture *f = *state;
    memset(f->mem + 64, 0xFF, 24);
    assert_int_equal(call_errno(f, "fd_fdstat_get", 2, U(0), U(64)), 0);
    assert_int_equal(f->mem[64], 0); /* filetype unknown */
    assert_int_equal(load64(f, 72), (1u << 1) | (1u << 27));
    assert_int_equal(call_errno(f, "fd_fdstat_get", 2, U(1), U(64)), 0);
    assert_int_equal(load64(f, 72), (1u << 6) | (1u << 27));
    assert_int_equal(load64(f, 80), 0);
    assert_int_equal(call_errno(f, "fd_fdstat_get", 2, U(3), U(64)), WASI_EBADF);
    /* Rights only shrink; a dropped right makes the call ENOTCAPABLE. */
    assert_int_equal(call_errno(f, "fd_fdstat_set_rights", 3, U(1), U(1u << 2), U(0)), WASI_ENOTCAPABLE);
    assert_int_equal(call_errno(f, "fd_fdstat_set_rights", 3, U(1), U(1u << 27), U(0)), 0);
    set_iov(f, 0, 100, 1);
    assert_int_equal(call_errno(f, "fd_write", 4, U(1), U(0), U(1), U(40)), WASI_ENOTCAPABLE);
    assert_int_equal(call_errno(f, "fd_fdstat_set_flags", 2, U(2), U(0)), 0);
    assert_int_equal(call_errno(f, "fd_fdstat_set_flags", 2, U(2), U(1)), WASI_ENOTCAPABLE);
    assert_int_equal(call_errno(f, "fd_filestat_get", 2, U(0), U(128)), 0);
    assert_int_equal(call_errno(f, "fd_filestat_get", 2, U(4), U(128)), WASI_EBADF);
}

static void test_close_seek_tell_prestat(void **state)
{
    fixture *f = *state;
    for (uint32_t fd = 0; fd < 3; fd++) {
        assert_int_equal(call_errno(f, "fd_seek", 4, U(fd), U(0), U(0), U(64)), WASI_ESPIPE);
        assert_int_equal(call_errno(f, "fd_tell", 2, U(fd), U(64)), WASI_ESPIPE);
        assert_int_equal(call_errno(f, "fd_pread", 5, U(fd), U(0), U(0), U(0), U(64)), WASI_ESPIPE);
    }
    assert_int_equal(call_errno(f, "fd_seek", 4, U(9), U(0), U(0), U(64)), WASI_EBADF);
    assert_int_equal(call_errno(f, "fd_prestat_get", 2, U(3), U(64)), WASI_EBADF);
    assert_int_equal(call_errno(f, "fd_prestat_get", 2, U(0), U(64)), WASI_EBADF);
    assert_int_equal(call_errno(f, "fd_prestat_dir_name", 3, U(3), U(64), U(10)), WASI_EBADF);
    assert_int_equal(call_errno(f, "fd_close", 1, U(1)), 0);
    set_iov(f, 0, 100, 1);
    assert_int_equal(call_errno(f, "fd_write", 4, U(1), U(0), U(1), U(40)), WASI_EBADF);
    assert_int_equal(call_errno(f, "fd_close", 1, U(1)), WASI_EBADF);
    assert_int_equal(call_errno(f, "fd_close", 1, U(7)), WASI_EBADF);
    assert_int_equal(call_errno(f, "fd_seek", 4, U(1), U(0), U(0), U(64)), WASI_EBADF);
}

static void test_unsupported_functions(void **state)
{
    fixture *f = *state;
    assert_int_equal(call_errno(f, "proc_raise", 1, U(6)), WASI_ENOSYS);
    assert_int_equal(call_errno(f, "sched_yield", 0), 0);
    assert_int_equal(call_errno(f, "path_open", 9, U(3), U(0), U(0), U(1), U(0), U(0), U(0), U(0), U(64)), WASI_EBADF);
    assert_int_equal(call_errno(f, "path_open", 9, U(0), U(0), U(0), U(1), U(0), U(0), U(0), U(0), U(64)),
                     WASI_ENOTDIR);
    assert_int_equal(call_errno(f, "path_unlink_file", 3, U(4), U(0), U(1)), WASI_EBADF);
    assert_int_equal(call_errno(f, "path_symlink", 5, U(0), U(1), U(2), U(0), U(1)), WASI_ENOTDIR);
    assert_int_equal(call_errno(f, "fd_readdir", 5, U(1), U(0), U(10), U(0), U(64)), WASI_ENOTDIR);
    assert_int_equal(call_errno(f, "sock_recv", 6, U(1), U(0), U(0), U(0), U(64), U(68)), WASI_ENOTSOCK);
    assert_int_equal(call_errno(f, "sock_accept", 3, U(9), U(0), U(64)), WASI_EBADF);
    assert_int_equal(call_errno(f, "fd_sync", 1, U(1)), WASI_ENOTCAPABLE);
    assert_int_equal(call_errno(f, "fd_allocate", 3, U(1), U(0), U(10)), WASI_ENOTCAPABLE);
    assert_int_equal(call_errno(f, "fd_advise", 4, U(12), U(0), U(10), U(0)), WASI_EBADF);
}

static void test_proc_exit(void **state)
{
    fixture *f = *state;
    int e;
    assert_int_equal(call_raw(f, "proc_exit", &e, 1, U(3)), OLW_TRAP_EXIT);
    assert_int_equal(olw_store_exit_code(f->store), 3);
    assert_int_equal(call_raw(f, "proc_exit", &e, 1, U(0)), OLW_TRAP_EXIT);
    assert_int_equal(olw_store_exit_code(f->store), 0);
}

/* ---- poll_oneoff ---------------------------------------------------------- */

enum { SUBS = 2000, EVENTS = 3000, NEVENTS = 3500 };

static void put_clock_sub(fixture *f, int i, uint64_t userdata, uint32_t clock, uint64_t timeout, uint16_t flags)
{
    uint32_t at = SUBS + 48 * (uint32_t)i;
    memset(f->mem + at, 0, 48);
    store64(f, at, userdata);
    f->mem[at + 8] = 0;
    store32(f, at + 16, clock);
    store64(f, at + 24, timeout);
    memcpy(f->mem + at + 40, &flags, 2);
}

static void put_fd_sub(fixture *f, int i, uint64_t userdata, uint8_t tag, uint32_t fd)
{
    uint32_t at = SUBS + 48 * (uint32_t)i;
    memset(f->mem + at, 0, 48);
    store64(f, at, userdata);
    f->mem[at + 8] = tag;
    store32(f, at + 16, fd);
}

static uint16_t event_error(fixture *f, int i)
{
    uint16_t v;
    memcpy(&v, f->mem + EVENTS + 32 * i + 8, 2);
    return v;
}

static void test_poll_sleeps_on_clock(void **state)
{
    fixture *f = *state;
    put_clock_sub(f, 0, 42, WASI_CLOCK_MONOTONIC, 2000000000ull, 0);
    put_clock_sub(f, 1, 43, WASI_CLOCK_MONOTONIC, 9000000000ull, 0);
    assert_int_equal(call_errno(f, "poll_oneoff", 4, U(SUBS), U(EVENTS), U(2), U(NEVENTS)), 0);
    assert_int_equal(f->time.sleeps, 1);
    assert_int_equal(f->time.slept_until, 5000 + 2000000000ull);
    assert_int_equal(load32(f, NEVENTS), 1); /* only the earlier timeout fired */
    assert_int_equal(load64(f, EVENTS), 42);
    assert_int_equal(event_error(f, 0), 0);
    assert_int_equal(f->mem[EVENTS + 10], 0); /* type clock */
}

static void test_poll_absolute_and_expired(void **state)
{
    fixture *f = *state;
    /* Absolute realtime deadline 1 s ahead -> sleeps 1 s of monotonic time. */
    put_clock_sub(f, 0, 7, WASI_CLOCK_REALTIME, f->time.realtime + 1000000000ull, 1);
    assert_int_equal(call_errno(f, "poll_oneoff", 4, U(SUBS), U(EVENTS), U(1), U(NEVENTS)), 0);
    assert_int_equal(f->time.slept_until, 5000 + 1000000000ull);
    /* A deadline already past fires without sleeping. */
    put_clock_sub(f, 0, 8, WASI_CLOCK_MONOTONIC, 1, 1);
    assert_int_equal(call_errno(f, "poll_oneoff", 4, U(SUBS), U(EVENTS), U(1), U(NEVENTS)), 0);
    assert_int_equal(f->time.sleeps, 1);
    assert_int_equal(load32(f, NEVENTS), 1);
    assert_int_equal(load64(f, EVENTS), 8);
    /* An unknown clock is an event error, not a sleep. */
    put_clock_sub(f, 0, 9, 17, 100, 0);
    assert_int_equal(call_errno(f, "poll_oneoff", 4, U(SUBS), U(EVENTS), U(1), U(NEVENTS)), 0);
    assert_int_equal(event_error(f, 0), WASI_EINVAL);
    assert_int_equal(f->time.sleeps, 1);
}

static void test_poll_fds(void **state)
{
    fixture *f = *state;
    put_fd_sub(f, 0, 1, 1, 0); /* read stdin: ready */
    put_fd_sub(f, 1, 2, 2, 1); /* write stdout: ready */
    put_fd_sub(f, 2, 3, 1, 9); /* read fd 9: EBADF */
    put_clock_sub(f, 3, 4, WASI_CLOCK_MONOTONIC, 1000000000ull, 0);
    assert_int_equal(call_errno(f, "poll_oneoff", 4, U(SUBS), U(EVENTS), U(4), U(NEVENTS)), 0);
    assert_int_equal(f->time.sleeps, 0); /* fds ready: no sleep */
    assert_int_equal(load32(f, NEVENTS), 3);
    assert_int_equal(load64(f, EVENTS), 1);
    assert_int_equal(event_error(f, 0), 0);
    assert_int_equal(load64(f, EVENTS + 16), strlen(test_stdin)); /* bytes available */
    assert_int_equal(load64(f, EVENTS + 32), 2);
    assert_int_equal(load64(f, EVENTS + 32 + 16), 64); /* room under the stdout cap */
    assert_int_equal(event_error(f, 2), WASI_EBADF);
    assert_int_equal(call_errno(f, "poll_oneoff", 4, U(SUBS), U(EVENTS), U(0), U(NEVENTS)), WASI_EINVAL);
}

static void test_poll_cancelled_traps(void **state)
{
    fixture *f = *state;
    f->time.cancel_on_sleep = true;
    put_clock_sub(f, 0, 1, WASI_CLOCK_MONOTONIC, 60000000000ull, 0);
    int e;
    assert_int_equal(call_raw(f, "poll_oneoff", &e, 4, U(SUBS), U(EVENTS), U(1), U(NEVENTS)), OLW_TRAP_INTERRUPTED);
}

static void test_cancel_wakes_real_sleep(void **state)
{
    /* The host sleep path: cancelled before the call, a 60 s sleep returns
     * at once as an interruption (no wall time is asserted). */
    fixture *f = *state;
    wasi_config cfg = {0};
    wasi_ctx *ctx = wasi_ctx_new(&cfg);
    assert_non_null(ctx);
    side_instance s;
    side_open(&s, f, ctx);
    memset(s.mem + SUBS, 0, 48);
    s.mem[SUBS + 16] = WASI_CLOCK_MONOTONIC;
    uint64_t timeout = 60000000000ull;
    memcpy(s.mem + SUBS + 24, &timeout, 8);
    wasi_ctx_cancel(ctx);
    olw_value args[4] = {olw_i32(SUBS), olw_i32(EVENTS), olw_i32(1), olw_i32(NEVENTS)};
    olw_trap_code trap;
    side_call(&s, "poll_oneoff", args, 4, &trap);
    assert_int_equal(trap, OLW_TRAP_INTERRUPTED);
    side_close(&s);
    wasi_ctx_free(ctx);
}

static void test_host_sleep_short(void **state)
{
    /* A 1 ms sleep on the real clock completes and reports its event. */
    fixture *f = *state;
    wasi_ctx *ctx = wasi_ctx_new(NULL);
    side_instance s;
    side_open(&s, f, ctx);
    memset(s.mem + SUBS, 0, 48);
    s.mem[SUBS] = 99; /* userdata */
    s.mem[SUBS + 16] = WASI_CLOCK_MONOTONIC;
    uint64_t timeout = 1000000ull;
    memcpy(s.mem + SUBS + 24, &timeout, 8);
    olw_value args[4] = {olw_i32(SUBS), olw_i32(EVENTS), olw_i32(1), olw_i32(NEVENTS)};
    olw_trap_code trap;
    assert_int_equal(side_call(&s, "poll_oneoff", args, 4, &trap), 0);
    assert_int_equal(trap, OLW_TRAP_NONE);
    assert_int_equal(s.mem[NEVENTS], 1);
    assert_int_equal(s.mem[EVENTS], 99);
    side_close(&s);
    wasi_ctx_free(ctx);
}

/* Deterministic xorshift so a failure reproduces. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Arguments biased towards the edges where bounds checks go wrong. */
static uint64_t edgy_value(uint64_t *rng, uint64_t mem_size)
{
    static const uint64_t fixed[] = {0,  1,    2,          3,           4,           8,           24,        48,
                                     64, 1024, 0x7fffffff, 0x80000000u, 0xffffffffu, 0xfffffff8u, UINT64_MAX};
    uint64_t r = next_random(rng);
    switch (r % 4) {
    case 0: return fixed[(r >> 8) % (sizeof fixed / sizeof fixed[0])];
    case 1: return mem_size - ((r >> 8) % 80); /* just inside or across the end */
    case 2: return (r >> 8) % mem_size;        /* anywhere in memory */
    default: return (r >> 8) % 16;             /* small counts and fds */
    }
}

static void test_random_arguments_never_crash(void **state)
{
    /* Every function, many times, with hostile arguments and random memory:
     * each call must return an errno or stop with an expected trap (exit,
     * output limit); under ASan this also proves no access leaves memory. */
    fixture *f = *state;
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    for (int round = 0; round < 20000; round++) {
        size_t i = next_random(&rng) % wasi_function_count();
        const char *name = wasi_function_name(i);
        if (round % 64 == 0)
            for (uint64_t k = 0; k < f->mem_size; k += 8) {
                uint64_t v = next_random(&rng);
                memcpy(f->mem + k, &v, 8);
            }
        olw_func *fn = olw_instance_func(f->inst, name);
        olw_functype t = olw_func_type(fn);
        olw_value args[16];
        for (uint32_t a = 0; a < t.nparams; a++) {
            uint64_t v = edgy_value(&rng, f->mem_size);
            args[a] = t.types[a] == OLW_I64 ? olw_i64((int64_t)v) : olw_i32((int32_t)(uint32_t)v);
        }
        olw_value result = olw_i32(-1);
        olw_trap_code trap = olw_func_call(f->store, fn, args, t.nparams, &result, t.nresults);
        if (trap == OLW_TRAP_EXIT) {
            assert_string_equal(name, "proc_exit");
            continue;
        }
        if (trap == OLW_TRAP_HOST) {
            assert_string_equal(name, "fd_write");
            assert_true(wasi_ctx_stdout_overflowed(f->ctx));
            continue;
        }
        if (trap != OLW_TRAP_NONE)
            fail_msg("%s: unexpected trap %s", name, olw_store_trap_message(f->store));
        assert_true(result.of.i32 >= 0 && result.of.i32 <= WASI_ENOTCAPABLE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_function_is_defined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_pointers_are_efault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_clocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_get_default_source, setup_real_random, teardown),
        cmocka_unit_test_setup_teardown(test_fd_read_stdin_then_eof, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fd_write_captures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdout_cap_traps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stderr_cap_truncates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fdstat_and_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_seek_tell_prestat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proc_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_sleeps_on_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_absolute_and_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_fds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_cancelled_traps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_wakes_real_sleep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_sleep_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_arguments_never_crash, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
