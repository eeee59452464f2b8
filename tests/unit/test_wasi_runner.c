/*
 * test_wasi_runner.c — runner_run: whole WASI programs under job limits.
 *
 * Uses the example programs (examples/NAME.c built for wasm32-wasi) and the
 * small WAT programs in tests/wasi/: every outcome the runner can report —
 * success, exit codes, each limit, load and link errors — and that the
 * instruction count is the same on every run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/runner.h"

#ifndef WASI_TEST_WASM_DIR
#define WASI_TEST_WASM_DIR "../../build/tests/wasi"
#endif
#ifndef EXAMPLES_WASM_DIR
#define EXAMPLES_WASM_DIR "../../build/examples"
#endif

typedef struct program {
    uint8_t *bytes;
    size_t len;
} program;

static program load(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (build it first)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    program p = {malloc(n > 0 ? (size_t)n : 1), n > 0 ? (size_t)n : 0};
    assert_non_null(p.bytes);
    assert_int_equal(fread(p.bytes, 1, p.len, f), p.len);
    fclose(f);
    return p;
}

static runner_options options_for(const program *p, const char *input)
{
    runner_options o = {
        .wasm = p->bytes,
        .wasm_len = p->len,
        .input = (const uint8_t *)input,
        .input_len = input ? strlen(input) : 0,
    };
    return o;
}

static void test_sha256_example(void **state)
{
    program p = load(EXAMPLES_WASM_DIR, "sha256");
    runner_options o = options_for(&p, "abc");
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_OK);
    assert_int_equal(r.stdout_len, 65);
    assert_memory_equal(r.stdout_data, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n", 65);
    assert_int_equal(r.stdout_bytes, 65);
    assert_true(r.instructions > 0);
    assert_true(r.peak_memory_bytes >= 65536);
    assert_int_equal(r.message[0], 0);

    /* Metering is deterministic: the same program and input, the same count. */
    runner_result again;
    runner_run(&o, &again);
    assert_int_equal(again.instructions, r.instructions);
    assert_int_equal(again.peak_memory_bytes, r.peak_memory_bytes);
    runner_result_free(&again);
    runner_result_free(&r);
    free(p.bytes);
}

static void test_env_and_exit_code(void **state)
{
    program p = load(EXAMPLES_WASM_DIR, "env_exit");
    const char *env[] = {"NEAR_SENDER_ID=alice.near", "EXIT_CODE=9"};
    runner_options o = options_for(&p, "");
    o.env = env;
    o.env_count = 2;
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_EXIT);
    assert_int_equal(r.exit_code, 9);
    assert_non_null(memmem(r.stdout_data, r.stdout_len, "NEAR_SENDER_ID=alice.near\n", 26));
    assert_non_null(memmem(r.stdout_data, r.stdout_len, "environment: 2 variables\n", 25));
    runner_result_free(&r);

    /* The input wins over EXIT_CODE; exit(0) is success. */
    o.input = (const uint8_t *)"0";
    o.input_len = 1;
    assert_int_equal(runner_run(&o, &r), RUNNER_OK);
    assert_int_equal(r.exit_code, 0);
    runner_result_free(&r);

    /* Bad input: message on stderr, exit code 2. */
    o.input = (const uint8_t *)"x";
    assert_int_equal(runner_run(&o, &r), RUNNER_EXIT);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(memmem(r.stderr_data, r.stderr_len, "expected an exit code", 21));
    runner_result_free(&r);
    free(p.bytes);
}

static void test_hello_with_argv(void **state)
{
    program p = load(EXAMPLES_WASM_DIR, "hello");
    const char *env[] = {"GREETING=Salut"};
    const char *argv[] = {"hello.wasm", "ignored"};
    runner_options o = options_for(&p, "{\"name\": \"Ada\"}");
    o.env = env;
    o.env_count = 1;
    o.argv = argv;
    o.argc = 2;
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_OK);
    assert_int_equal(r.stdout_len, strlen("Salut, Ada!\n"));
    assert_memory_equal(r.stdout_data, "Salut, Ada!\n", r.stdout_len);
    runner_result_free(&r);
    free(p.bytes);
}

static void test_fuel_limit(void **state)
{
    program p = load(WASI_TEST_WASM_DIR, "loop");
    runner_options o = options_for(&p, NULL);
    o.fuel = 5000;
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_TRAP);
    assert_int_equal(r.trap, OLW_TRAP_OUT_OF_FUEL);
    assert_int_equal(r.limit, RUNNER_LIMIT_FUEL);
    assert_true(r.instructions <= 5000);
    assert_non_null(strstr(r.message, "out of fuel"));
    uint64_t first = r.instructions;
    runner_result_free(&r);
    assert_int_equal(runner_run(&o, &r), RUNNER_TRAP); /* the same count again: metering is exact */
    assert_int_equal(r.instructions, first);
    runner_result_free(&r);
    free(p.bytes);
}

static void test_timeout_interrupts_loop(void **state)
{
    program p = load(WASI_TEST_WASM_DIR, "loop");
    runner_options o = options_for(&p, NULL);
    o.fuel = UINT64_MAX;
    o.timeout_ms = 50;
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_TRAP);
    assert_int_equal(r.trap, OLW_TRAP_INTERRUPTED);
    assert_int_equal(r.limit, RUNNER_LIMIT_TIMEOUT);
    assert_non_null(strstr(r.message, "timeout"));
    runner_result_free(&r);
    free(p.bytes);
}

static void test_timeout_interrupts_sleep(void **state)
{
    program p = load(WASI_TEST_WASM_DIR, "sleep"); /* sleeps 600 s in poll_oneoff */
    runner_options o = options_for(&p, NULL);
    o.timeout_ms = 50;
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_TRAP);
    assert_int_equal(r.trap, OLW_TRAP_INTERRUPTED);
    assert_int_equal(r.limit, RUNNER_LIMIT_TIMEOUT);
    runner_result_free(&r);
    free(p.bytes);
}

static void test_memory_limit(void **state)
{
    program p = load(WASI_TEST_WASM_DIR, "grow");
    runner_options o = options_for(&p, NULL);
    o.max_memory_mb = 2;
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_TRAP);
    assert_int_equal(r.trap, OLW_TRAP_MEMORY_LIMIT);
    assert_int_equal(r.limit, RUNNER_LIMIT_MEMORY);
    assert_true(r.peak_memory_bytes <= 2u << 20);
    runner_result_free(&r);
    free(p.bytes);
}

static void test_stdout_limit(void **state)
{
    program p = load(WASI_TEST_WASM_DIR, "flood");
    runner_options o = options_for(&p, NULL);
    o.stdout_cap = 100000;
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_TRAP);
    assert_int_equal(r.limit, RUNNER_LIMIT_OUTPUT);
    assert_int_equal(r.stdout_len, 100000);
    assert_int_equal(r.stdout_data[99999], 'x');
    assert_non_null(strstr(r.message, "output limit exceeded"));
    runner_result_free(&r);

    /* By default the cap is max_memory_mb MiB. */
    o.stdout_cap = 0;
    o.max_memory_mb = 1;
    assert_int_equal(runner_run(&o, &r), RUNNER_TRAP);
    assert_int_equal(r.limit, RUNNER_LIMIT_OUTPUT);
    assert_int_equal(r.stdout_bytes, 1u << 20);
    runner_result_free(&r);
    free(p.bytes);
}

static void test_load_and_link_errors(void **state)
{
    const uint8_t garbage[] = "this is not wasm";
    runner_options o = {.wasm = garbage, .wasm_len = sizeof garbage - 1};
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_LOAD_ERROR);
    assert_int_equal(r.load_error.kind, OLW_ERR_MALFORMED);
    assert_int_equal(r.load_error.offset, 0);
    assert_true(r.message[0] != 0);
    runner_result_free(&r);

    program p = load(WASI_TEST_WASM_DIR, "no_start");
    o = options_for(&p, NULL);
    assert_int_equal(runner_run(&o, &r), RUNNER_LINK_ERROR);
    assert_non_null(strstr(r.message, "_start"));
    runner_result_free(&r);
    free(p.bytes);

    /* An import WASI does not provide. */
    static const uint8_t imports_env[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                             /* header */
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                                         /* type 0: () -> () */
        0x02, 0x0b, 0x01, 0x03, 'e',  'n',  'v',  0x03, 'f', 'o', 'o',  0x00, 0x00, /* import env.foo */
        0x03, 0x02, 0x01, 0x00,                                                     /* func 1: type 0 */
        0x07, 0x0a, 0x01, 0x06, '_',  's',  't',  'a',  'r', 't', 0x00, 0x01,       /* export _start */
        0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,                                         /* body: end */
    };
    o = (runner_options){.wasm = imports_env, .wasm_len = sizeof imports_env};
    assert_int_equal(runner_run(&o, &r), RUNNER_LINK_ERROR);
    assert_int_equal(r.load_error.kind, OLW_ERR_UNLINKABLE);
    runner_result_free(&r);
}

static void test_every_wasi_libc_import_links(void **state)
{
    program p = load(WASI_TEST_WASM_DIR, "imports_all");
    runner_options o = options_for(&p, NULL);
    runner_result r;
    runner_run(&o, &r);
    if (r.status != RUNNER_OK)
        fail_msg("imports_all: %s: %s", runner_status_name(r.status), r.message);
    runner_result_free(&r);
    free(p.bytes);
}

/* Collects streamed output into a small buffer. */
typedef struct sink_state {
    char buf[64];
    size_t len;
} sink_state;

static void collect(void *env, const uint8_t *d, size_t n)
{
    sink_state *st = env;
    if (st->len + n < sizeof st->buf) {
        memcpy(st->buf + st->len, d, n);
        st->len += n;
        st->buf[st->len] = 0;
    }
}

static void test_streaming_sinks(void **state)
{
    program p = load(EXAMPLES_WASM_DIR, "hello");
    runner_options o = options_for(&p, "Bob");
    sink_state st = {"", 0};
    o.stdout_sink = collect;
    o.sink_env = &st;
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_OK);
    /* With a sink nothing is captured, but the bytes are counted. */
    assert_null(r.stdout_data);
    assert_int_equal(r.stdout_bytes, strlen("Hello, Bob!\n"));
    assert_string_equal(st.buf, "Hello, Bob!\n");
    runner_result_free(&r);
    free(p.bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_example),
        cmocka_unit_test(test_env_and_exit_code),
        cmocka_unit_test(test_hello_with_argv),
        cmocka_unit_test(test_fuel_limit),
        cmocka_unit_test(test_timeout_interrupts_loop),
        cmocka_unit_test(test_timeout_interrupts_sleep),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_stdout_limit),
        cmocka_unit_test(test_load_and_link_errors),
        cmocka_unit_test(test_streaming_sinks),
        cmocka_unit_test(test_every_wasi_libc_import_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
