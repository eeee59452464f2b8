/*
 * test_hostapi_vrfcall.c — outlayer_v1.vrf / vrf_public_key and the HTTP
 * transcript's bytes (record, replay) through the real runner with the
 * wasm program tests/hostapi/vrf_probe.c, and the worker's wk_execute with
 * a VRF key and a recorded transcript.
 *
 * VRF: the proof the program gets checks with vrf_verify under the key's
 * public half for exactly the documented input (the request's contract and
 * id, then the program's alpha); the same request and alpha give the same
 * output, another request id another; refusals: no key (EDISABLED), alpha
 * over 1024 bytes (EINVAL), the per-job cap (ETOO_MANY), a short buffer
 * (EBUFFER, with the needed length), out-of-bounds pointers (EFAULT).
 * Transcripts: SHA-256 of the recorded bytes is the transcript hash;
 * replaying them gives the same answers and hash without a network; a
 * program that sends another request, or more requests, traps; malformed
 * transcripts are refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostapi/hostapi.h"
#include "hostapi/vrf.h"
#include "runner/runner.h"
#include "worker/worker.h"

#ifndef HOSTAPI_VRF_PROBE_WASM
#define HOSTAPI_VRF_PROBE_WASM "../../build/tests/hostapi/vrf_probe.wasm"
#endif

static struct MHD_Daemon *server;
static unsigned port;
static const uint8_t SEED[32] = {7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static unsigned hits;

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_len, void **state)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_len, (void)state;
    hits++;
    static const char body[] = "{\"ok\":true}";
    struct MHD_Response *r = MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ok;
}

static int setup(void **st)
{
    (void)st;
    if (sodium_init() < 0)
        return -1;
    server = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR,
                              NULL, MHD_OPTION_END);
    if (!server)
        return -1;
    port = MHD_get_daemon_info(server, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    MHD_stop_daemon(server);
    return 0;
}

static uint8_t *read_wasm(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (make builds it)", path);
    static uint8_t buf[1 << 20];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

/* Runs the probe: argv {probe, mode, arg}, stdin in. */
static void run(hostapi_ctx *h, const char *mode, const char *arg, const void *in, size_t in_len, runner_result *r)
{
    size_t len;
    const uint8_t *wasm = read_wasm(HOSTAPI_VRF_PROBE_WASM, &len);
    const char *argv[] = {"probe", mode, arg};
    runner_options o = {.wasm = wasm,
                        .wasm_len = len,
                        .input = in,
                        .input_len = in_len,
                        .argv = argv,
                        .argc = arg ? 3 : 2,
                        .timeout_ms = 20000,
                        .hostapi = h};
    runner_run(&o, r);
}

static hostapi_ctx *vrf_ctx(const char *contract, uint64_t request_id, uint32_t max_calls)
{
    hostapi_config c = {.vrf_seed = SEED, .vrf_contract_id = contract, .vrf_request_id = request_id,
                        .vrf_max_calls = max_calls};
    char err[200];
    hostapi_ctx *h = hostapi_ctx_new_checked(&c, err, sizeof err);
    if (!h)
        fail_msg("%s", err);
    return h;
}

static int code_of(hostapi_ctx *h, const char *mode, const char *arg, const void *in, size_t n)
{
    runner_result r;
    run(h, mode, arg, in, n, &r);
    if (r.status != RUNNER_OK && r.status != RUNNER_EXIT)
        fail_msg("probe did not finish: %s %s", runner_status_name(r.status), r.message);
    int code = r.exit_code;
    runner_result_free(&r);
    return code;
}

/* The program's output verifies for the documented input, under the key. */
static void test_vrf_bound_to_request(void **st)
{
    (void)st;
    hostapi_ctx *h = vrf_ctx("outlayer.test.near", 42, 0);
    runner_result r;
    run(h, "vrf", NULL, "round 1", 7, &r);
    assert_int_equal(r.status, RUNNER_OK);
    uint8_t pk[32], sk[64];
    crypto_sign_seed_keypair(pk, sk, SEED);
    uint8_t input[256];
    size_t in_len = hostapi_vrf_input("outlayer.test.near", 42, (const uint8_t *)"round 1", 7, input, sizeof input);
    /* the documented layout, spelled out */
    static const uint8_t want[] = "outlayer-vrf-v1\0\x12\0\0\0outlayer.test.near\x2a\0\0\0\0\0\0\0\x07\0\0\0round 1";
    assert_int_equal(in_len, sizeof want - 1);
    assert_memory_equal(input, want, in_len);
    assert_int_equal(r.stdout_len, 32 + 64 + 80 + in_len);
    const uint8_t *o = r.stdout_data;
    assert_memory_equal(o, pk, 32);
    assert_memory_equal(o + 176, input, in_len);
    uint8_t beta[64];
    assert_true(vrf_verify(pk, input, in_len, o + 96, beta));
    assert_memory_equal(beta, o + 32, 64);
    /* a flipped proof byte, or another request's input, does not verify */
    uint8_t bad[80];
    memcpy(bad, o + 96, 80);
    bad[40] ^= 1;
    assert_false(vrf_verify(pk, input, in_len, bad, beta));
    input[in_len - 8] ^= 1;
    assert_false(vrf_verify(pk, input, in_len, o + 96, beta));
    uint8_t first[64];
    memcpy(first, o + 32, 64);
    runner_result_free(&r);
    assert_int_equal(hostapi_vrf_calls(h), 2); /* the probe also ran outlayer_vrf once before printing */
    hostapi_ctx_free(h);

    /* the same request and alpha: the same output (nothing for a worker to choose) */
    h = vrf_ctx("outlayer.test.near", 42, 0);
    run(h, "vrf", NULL, "round 1", 7, &r);
    assert_memory_equal(r.stdout_data + 32, first, 64);
    runner_result_free(&r);
    hostapi_ctx_free(h);
    /* another request id: another output */
    h = vrf_ctx("outlayer.test.near", 43, 0);
    run(h, "vrf", NULL, "round 1", 7, &r);
    assert_memory_not_equal(r.stdout_data + 32, first, 64);
    runner_result_free(&r);
    hostapi_ctx_free(h);
}

static void test_vrf_refusals(void **st)
{
    (void)st;
    /* no key: both functions are disabled, the program still links */
    hostapi_ctx *h = hostapi_ctx_new(NULL);
    assert_int_equal(code_of(h, "code", NULL, "x", 1), HOSTAPI_EDISABLED);
    assert_int_equal(code_of(h, "pk", NULL, "", 0), HOSTAPI_EDISABLED);
    assert_int_equal(hostapi_vrf_keyless_calls(h), 2); /* what outlayer verify reports */
    assert_int_equal(hostapi_vrf_calls(h), 0);
    hostapi_ctx_free(h);

    h = vrf_ctx("c.near", 1, 3);
    static uint8_t big[HOSTAPI_VRF_MAX_ALPHA + 1];
    assert_int_equal(code_of(h, "code", NULL, big, sizeof big - 1), HOSTAPI_OK); /* 1024: fine */
    assert_int_equal(code_of(h, "code", NULL, big, sizeof big), HOSTAPI_EINVAL);
    assert_int_equal(code_of(h, "repeat", "5", "x", 1), HOSTAPI_ETOO_MANY); /* 1 + 2 more reach the cap of 3 */
    assert_int_equal(hostapi_vrf_calls(h), 3);
    hostapi_ctx_free(h);

    h = vrf_ctx("c.near", 1, 0);
    runner_result r;
    run(h, "short", NULL, "abc", 3, &r);
    char want[64];
    snprintf(want, sizeof want, "%d %zu\n", HOSTAPI_EBUFFER,
             (size_t)(64 + 80) + hostapi_vrf_input("c.near", 1, NULL, 3, NULL, 0));
    assert_int_equal(r.stdout_len, strlen(want));
    assert_memory_equal(r.stdout_data, want, strlen(want));
    runner_result_free(&r);
    run(h, "oob", NULL, "abcd", 4, &r);
    snprintf(want, sizeof want, "%d %d %d %d\n", HOSTAPI_EFAULT, HOSTAPI_EFAULT, HOSTAPI_EFAULT, HOSTAPI_EFAULT);
    assert_int_equal(r.stdout_len, strlen(want));
    assert_memory_equal(r.stdout_data, want, strlen(want));
    runner_result_free(&r);
    assert_int_equal(hostapi_vrf_calls(h), 0);
    hostapi_ctx_free(h);
}

typedef struct enc {
    uint8_t b[1024];
    size_t n;
} enc;

static void put32(enc *e, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        e->b[e->n++] = (uint8_t)(v >> (8 * i));
}

static void puts_(enc *e, const char *s)
{
    put32(e, (uint32_t)strlen(s));
    memcpy(e->b + e->n, s, strlen(s));
    e->n += strlen(s);
}

static enc get_request(const char *path)
{
    enc e = {.n = 0};
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    puts_(&e, "GET");
    puts_(&e, url);
    put32(&e, 0);
    puts_(&e, "");
    return e;
}

/* Records two live calls (one answered, one over the cap), replays them offline. */
static void test_transcript_record_and_replay(void **st)
{
    (void)st;
    hostapi_config c = {.http_allow = "127.0.0.1", .max_requests = 1, .record_transcript = true};
    hostapi_ctx *h = hostapi_ctx_new(&c);
    enc rq = get_request("/a");
    runner_result r;
    unsigned before = hits;
    run(h, "http", "2", rq.b, rq.n, &r);
    assert_int_equal(r.status, RUNNER_OK);
    char live[64];
    snprintf(live, sizeof live, "%.*s", (int)r.stdout_len, (const char *)r.stdout_data);
    assert_int_equal(strncmp(live, "0:", 2), 0);
    assert_non_null(strstr(live, " 7 \n")); /* the second call: ETOO_MANY */
    runner_result_free(&r);
    assert_int_equal(hits - before, 1);
    uint8_t hash[32], again[32];
    uint32_t n = 0;
    hostapi_transcript(h, hash, &n);
    assert_int_equal(n, 2);
    size_t len = 0;
    const uint8_t *bytes = hostapi_transcript_bytes(h, &len);
    assert_non_null(bytes);
    crypto_hash_sha256(again, bytes, len); /* the file's SHA-256 is the transcript hash */
    assert_memory_equal(hash, again, 32);
    uint32_t calls = 0;
    char err[160];
    assert_int_equal(hostapi_transcript_check(bytes, len, &calls, err, sizeof err), HOSTAPI_OK);
    assert_int_equal(calls, 2);
    uint8_t *copy = malloc(len);
    memcpy(copy, bytes, len);
    hostapi_ctx_free(h);

    /* replay: no allow-list, no network; the same answers and hash */
    hostapi_config rc = {.replay_transcript = copy, .replay_transcript_len = len};
    h = hostapi_ctx_new(&rc);
    assert_non_null(h);
    before = hits;
    run(h, "http", "2", rq.b, rq.n, &r);
    assert_int_equal(r.status, RUNNER_OK);
    assert_int_equal(r.stdout_len, strlen(live));
    assert_memory_equal(r.stdout_data, live, strlen(live));
    runner_result_free(&r);
    assert_int_equal(hits, before);
    hostapi_transcript(h, again, &n);
    assert_memory_equal(hash, again, 32);
    assert_true(hostapi_replay_complete(h));
    hostapi_ctx_free(h);

    /* a program that asks for something else traps; one that stops early is incomplete */
    h = hostapi_ctx_new(&rc);
    enc other = get_request("/b");
    run(h, "http", "1", other.b, other.n, &r);
    assert_int_equal(r.status, RUNNER_TRAP);
    assert_non_null(strstr(r.message, "differs from the recorded one"));
    runner_result_free(&r);
    hostapi_ctx_free(h);
    h = hostapi_ctx_new(&rc);
    run(h, "http", "3", rq.b, rq.n, &r);
    assert_int_equal(r.status, RUNNER_TRAP);
    assert_non_null(strstr(r.message, "more requests than the 2 recorded"));
    runner_result_free(&r);
    hostapi_ctx_free(h);
    h = hostapi_ctx_new(&rc);
    run(h, "http", "1", rq.b, rq.n, &r);
    assert_int_equal(r.status, RUNNER_OK);
    assert_false(hostapi_replay_complete(h));
    runner_result_free(&r);
    hostapi_ctx_free(h);

    /* malformed transcripts are refused, with the reason */
    rc.replay_transcript_len = len - 1;
    assert_null(hostapi_ctx_new_checked(&rc, err, sizeof err));
    assert_non_null(strstr(err, "truncated"));
    copy[0] ^= 1;
    rc.replay_transcript_len = len;
    assert_null(hostapi_ctx_new_checked(&rc, err, sizeof err));
    assert_non_null(strstr(err, "not an HTTP transcript"));
    free(copy);
}

/* The worker's path: the VRF key, bound to the request; the transcript kept. */
static void test_worker_execute(void **st)
{
    (void)st;
    size_t len;
    const uint8_t *wasm = read_wasm(HOSTAPI_VRF_PROBE_WASM, &len);
    json_t *o = json_loads("{\"request_id\":9,\"data_id\":\"ab\",\"code_source\":{\"type\":\"WasmUrl\",\"url\":\"file:///x\","
                           "\"hash\":\"00\",\"build_target\":\"wasm32-wasip1\"},\"resource_limits\":{"
                           "\"max_instructions\":100000000,\"max_memory_mb\":16,\"max_execution_seconds\":20},"
                           "\"input_data\":\"dice\",\"response_format\":\"Bytes\",\"context\":{\"sender_id\":\"a.near\"}}",
                           0, NULL);
    assert_non_null(o);
    wk_request req;
    char err[WK_ERR] = "";
    assert_int_equal(wk_request_parse(o, &req, err, sizeof err), 0);
    json_decref(o);
    wk_exec_limits lim = {.vrf_seed = SEED, .vrf_contract_id = "outlayer.test.near"};
    wk_result res;
    wk_execute(&req, wasm, len, NULL, &lim, &res);
    assert_true(res.success);
    assert_int_equal(res.vrf_calls, 2);
    uint8_t pk[32], sk[64];
    crypto_sign_seed_keypair(pk, sk, SEED);
    assert_memory_equal(res.vrf_public_key, pk, 32);
    wk_worker w;
    memset(&w, 0, sizeof w);
    w.cfg.tee = "none";
    w.coord.worker_id = "w-test";
    json_t *att = wk_attestation(&w, 5, &req, "aa", &res);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, pk, 32);
    assert_string_equal(json_string_value(json_object_get(att, "vrf_public_key")), hex);
    assert_int_equal(json_integer_value(json_object_get(att, "vrf_calls")), 2);
    json_decref(att);
    wk_result_free(&res);

    /* without a key (outlayer verify's re-run): the program's call is refused */
    wk_execute(&req, wasm, len, NULL, NULL, &res);
    assert_false(res.success);
    assert_non_null(strstr(res.error, "code 3"));
    wk_result_free(&res);
    wk_request_free(&req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vrf_bound_to_request),
        cmocka_unit_test(test_vrf_refusals),
        cmocka_unit_test(test_transcript_record_and_replay),
        cmocka_unit_test(test_worker_execute),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
