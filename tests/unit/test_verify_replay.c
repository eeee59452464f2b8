/*
 * test_verify_replay.c — what makes a worker's run repeatable
 * (docs/verify.md, Determinism): the seeded random stream and the virtual
 * clocks of runner_replay (src/runner/replay.c), the worker's seed
 * derivation and nonce (wk_execute, wk_replay_seed), and the nonce in the
 * attestation quote (wk_attestation) that `outlayer verify` reads back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "runner/replay.h"
#include "runner/runner.h"
#include "worker/worker.h"

#ifndef EXAMPLES_WASM_DIR
#define EXAMPLES_WASM_DIR "../../build/examples"
#endif

static uint8_t *load(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.wasm", EXAMPLES_WASM_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (build it first)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void test_random_stream(void **state)
{
    runner_replay cfg = {.realtime_base_ns = 0};
    for (int i = 0; i < 32; i++)
        cfg.seed[i] = (uint8_t)(i * 7 + 1);
    /* The stream is ChaCha20-IETF(seed, nonce 0) read in order. */
    uint8_t want[300];
    static const uint8_t nonce[12] = {0};
    crypto_stream_chacha20_ietf(want, sizeof want, nonce, cfg.seed);

    replay_state s;
    replay_state_init(&s, &cfg);
    uint8_t whole[300];
    replay_random(&s, whole, sizeof whole);
    assert_memory_equal(whole, want, sizeof want);

    /* Split reads (mid-block, across blocks, zero length) give the same bytes. */
    replay_state_init(&s, &cfg);
    uint8_t parts[300];
    size_t sizes[] = {1, 0, 62, 1, 64, 100, 72};
    size_t at = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        replay_random(&s, parts + at, sizes[i]);
        at += sizes[i];
    }
    assert_int_equal(at, 300);
    assert_memory_equal(parts, want, sizeof want);

    /* Another seed, another stream. */
    cfg.seed[0] ^= 1;
    replay_state_init(&s, &cfg);
    replay_random(&s, parts, sizeof parts);
    assert_memory_not_equal(parts, want, sizeof want);
}

static void test_virtual_clocks(void **state)
{
    runner_replay cfg = {.realtime_base_ns = UINT64_C(1765000000000000000)};
    replay_state s;
    replay_state_init(&s, &cfg);
    uint64_t t = 0;
    assert_int_equal(replay_clock(&s, WASI_CLOCK_REALTIME, &t), 0);
    assert_true(t == UINT64_C(1765000000000000000));
    assert_int_equal(replay_clock(&s, WASI_CLOCK_MONOTONIC, &t), 0);
    assert_true(t == RUNNER_REPLAY_CLOCK_STEP_NS);
    assert_int_equal(replay_clock(&s, WASI_CLOCK_THREAD_CPUTIME, &t), 0);
    assert_true(t == 2 * RUNNER_REPLAY_CLOCK_STEP_NS);
    assert_int_equal(replay_clock(&s, 9, &t), WASI_EINVAL);
    /* A sleep returns at once and moves the clock to its deadline; a past one does not go back. */
    assert_true(replay_sleep(&s, UINT64_C(5000000000)));
    assert_int_equal(replay_clock(&s, WASI_CLOCK_MONOTONIC, &t), 0);
    assert_true(t == UINT64_C(5000000000));
    assert_true(replay_sleep(&s, 10));
    assert_int_equal(replay_clock(&s, WASI_CLOCK_REALTIME, &t), 0);
    assert_true(t == UINT64_C(1765000000000000000) + UINT64_C(5000000000) + RUNNER_REPLAY_CLOCK_STEP_NS);
}

static void run_random(const uint8_t *wasm, size_t len, const runner_replay *rp, char out[200])
{
    runner_options o = {.wasm = wasm, .wasm_len = len, .input = (const uint8_t *)"32", .input_len = 2, .replay = rp};
    runner_result r;
    assert_int_equal(runner_run(&o, &r), RUNNER_OK);
    assert_true(r.stdout_len > 0 && r.stdout_len < 200);
    memcpy(out, r.stdout_data, r.stdout_len);
    out[r.stdout_len] = 0;
    runner_result_free(&r);
}

static void test_runner_replay(void **state)
{
    size_t len;
    uint8_t *wasm = load("random", &len);
    runner_replay a = {0}, b = {0};
    a.seed[0] = 1;
    b.seed[0] = 2;
    char x[200], y[200], z[200];
    run_random(wasm, len, &a, x);
    run_random(wasm, len, &a, y);
    run_random(wasm, len, &b, z);
    assert_string_equal(x, y);
    assert_string_not_equal(x, z);
    run_random(wasm, len, NULL, y); /* the host's CSPRNG */
    run_random(wasm, len, NULL, z);
    assert_string_not_equal(y, z);
    free(wasm);
}

static const char *REQ =
    "{\"request_id\":7,\"data_id\":\"abcd\",\"code_source\":{\"type\":\"WasmUrl\",\"url\":\"file:///x\","
    "\"hash\":\"00\",\"build_target\":\"wasm32-wasip1\"},\"resource_limits\":{\"max_instructions\":100000000,"
    "\"max_memory_mb\":16,\"max_execution_seconds\":20},\"input_data\":\"16\",\"response_format\":\"Text\","
    "\"context\":{\"sender_id\":\"alice.near\",\"block_height\":12,\"block_timestamp\":1765000000000000000}}";

static void test_worker_nonce_and_attestation(void **state)
{
    size_t len;
    uint8_t *wasm = load("random", &len);
    json_t *o = json_loads(REQ, 0, NULL);
    wk_request r;
    char err[WK_ERR] = "";
    assert_int_equal(wk_request_parse(o, &r, err, sizeof err), 0);
    json_decref(o);

    /* A fresh nonce per run (recorded in the result) ... */
    wk_result fresh1, fresh2;
    wk_execute(&r, wasm, len, NULL, NULL, &fresh1);
    wk_execute(&r, wasm, len, NULL, NULL, &fresh2);
    assert_true(fresh1.success && fresh1.has_replay_nonce && fresh2.has_replay_nonce);
    assert_memory_not_equal(fresh1.replay_nonce, fresh2.replay_nonce, WK_NONCE_LEN);
    assert_memory_not_equal(fresh1.output_hash, fresh2.output_hash, 32);

    /* ... and the run repeated from it gives the same output (what verify does). */
    wk_exec_limits lim = {.replay_nonce = fresh1.replay_nonce};
    wk_result again;
    wk_execute(&r, wasm, len, NULL, &lim, &again);
    assert_true(again.success);
    assert_memory_equal(again.output_hash, fresh1.output_hash, 32);
    assert_true(json_equal(again.output, fresh1.output));
    assert_true(again.instructions == fresh1.instructions);

    /* The seed is bound to the request. */
    uint8_t s1[32], s2[32];
    wk_replay_seed(&r, fresh1.replay_nonce, s1);
    r.request_id = 8;
    wk_replay_seed(&r, fresh1.replay_nonce, s2);
    assert_memory_not_equal(s1, s2, 32);
    r.request_id = 7;

    /* The nonce travels in the quote's report_data[32..64], after the task hash. */
    wk_worker w;
    memset(&w, 0, sizeof w);
    w.cfg.tee = "none";
    w.coord.worker_id = "w-test";
    json_t *att = wk_attestation(&w, 42, &r, "aa", &fresh1);
    assert_non_null(att);
    const char *q = json_string_value(json_object_get(att, "tdx_quote"));
    uint8_t raw[700];
    size_t n = 0;
    assert_int_equal(sodium_base642bin(raw, sizeof raw, q, strlen(q), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(n, 632);
    assert_memory_equal(raw + 600, fresh1.replay_nonce, WK_NONCE_LEN);
    uint64_t executed = 0;
    for (int i = 7; i >= 0; i--)
        executed = (executed << 8) | raw[600 + WK_NONCE_LEN + i];
    assert_true(executed == fresh1.executed && executed == fresh1.instructions && executed > 0);
    char task[65];
    sodium_bin2hex(task, sizeof task, raw + 568, 32);
    assert_string_equal(task, json_string_value(json_object_get(att, "task_hash")));
    json_decref(att);

    /* A failed run has an output hash too (its attestation is stored): of what it wrote. */
    r.max_instructions = 100;
    wk_result failed;
    wk_execute(&r, wasm, len, NULL, NULL, &failed);
    assert_false(failed.success);
    assert_true(failed.has_output_hash && failed.has_replay_nonce);
    uint8_t empty[32];
    crypto_hash_sha256(empty, (const uint8_t *)"", 0);
    assert_memory_equal(failed.output_hash, empty, 32);
    /* It reports 0 instructions (as on chain) but says where it stopped. */
    assert_true(failed.instructions == 0 && failed.executed > 0 && failed.executed <= 100);

    wk_result_free(&fresh1);
    wk_result_free(&fresh2);
    wk_result_free(&again);
    wk_result_free(&failed);
    wk_request_free(&r);
    free(wasm);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_stream),
        cmocka_unit_test(test_virtual_clocks),
        cmocka_unit_test(test_runner_replay),
        cmocka_unit_test(test_worker_nonce_and_attestation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
