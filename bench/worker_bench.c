/*
 * worker_bench.c — `make bench-worker`: the worker on the real stack
 * (outlayer-devnet, outlayer-coordinator, outlayer-worker on loopback),
 * side by side in one run:
 *
 *   1. off-chain latency: from the timestamp of the block holding a request
 *      to the moment the worker sends its resolve (the worker logs it per
 *      request), for a small cached program, requests one at a time;
 *   2. sustained throughput: N requests broadcast at once, completed
 *      callbacks per second with 1, 2 and 4 job threads, and a check that
 *      every request was executed successfully (none lost);
 *   3. a cold build of a C program from git (git daemon on loopback,
 *      bubblewrap + clang-19) vs fetching the built WASM from the
 *      coordinator's cache.
 *
 * Environment: BENCH_REQUESTS (default 60), BENCH_LATENCY (default 20),
 * BENCH_BLOCK_MS (default 50).
 */
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/http_client.h"
#include "near/encoding.h"
#include "worker/worker.h"
#include "worker_harness.h"

#define PROBE "build/tests/worker/probe.wasm"

static wh_chain C;
static char dir[256], token[128], coord_url[64], source[1300];
static int coord_port;
static pid_t coord_pid, worker_pid, git_pid;
static int runs;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    return v && atoi(v) > 0 ? atoi(v) : def;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

static void start_worker(int jobs)
{
    char log[300], key[300], feed[128], cursor[300], nj[16], start[32];
    snprintf(log, sizeof log, "%s/worker%d.log", dir, ++runs);
    snprintf(key, sizeof key, "%s/operator.json", dir);
    snprintf(feed, sizeof feed, "%s/v0", C.node.url);
    snprintf(cursor, sizeof cursor, "%s/cursor", dir);
    snprintf(nj, sizeof nj, "%d", jobs);
    snprintf(start, sizeof start, "%llu", (unsigned long long)dn_height(&C.node));
    char *argv[] = {"build/bin/outlayer-worker",
                    "--api-token",
                    token,
                    "--contract-id",
                    WH_OUTLAYER,
                    "--key-file",
                    key,
                    "--rpc-url",
                    C.node.url,
                    "--coordinator-url",
                    coord_url,
                    "--monitor",
                    "true",
                    "--feed-url",
                    feed,
                    "--cursor-file",
                    cursor,
                    "--start-block",
                    start,
                    "--jobs",
                    nj,
                    "--poll-timeout",
                    "5",
                    "--allow-file-urls",
                    "true",
                    NULL};
    worker_pid = wh_spawn(argv, log);
    usleep(300 * 1000);
}

/* Total executions the contract has finished (its callback ran). */
static long long executions(void)
{
    near_call_result r;
    near_rpc_error err = {0};
    if (near_view_function(C.node.rpc, WH_OUTLAYER, "get_stats", "{}", &r, &err) != NEAR_OK) {
        near_rpc_error_clear(&err);
        return -1;
    }
    json_t *v = json_loadb((const char *)r.result, r.result_len, 0, NULL);
    near_call_result_free(&r);
    long long n = json_integer_value(json_array_get(v, 0));
    json_decref(v);
    return n;
}

static char *request_args(const char *input)
{
    char *s = NULL;
    if (asprintf(&s,
                 "{\"code_source\":%s,\"resource_limits\":{\"max_instructions\":100000000,\"max_memory_mb\":32,"
                 "\"max_execution_seconds\":10},\"input_data\":\"%s\",\"response_format\":\"Text\"}",
                 source, input) < 0)
        return NULL;
    return s;
}

/* Broadcasts n requests with consecutive nonces; returns 0 once sent. */
static int broadcast(int n)
{
    near_access_key_view ak;
    near_rpc_error err = {0};
    if (near_rpc_view_access_key(C.node.rpc, WH_CALLER, &C.caller.keypair.public_key, NEAR_FINAL, &ak, &err))
        return -1;
    uint64_t nonce = ak.key.nonce;
    near_access_key_view_free(&ak);
    near_block b;
    if (near_rpc_block(C.node.rpc, NEAR_FINAL, &b, &err) != NEAR_OK)
        return -1;
    for (int i = 0; i < n; i++) {
        near_transaction tx;
        if (near_transaction_init(&tx, WH_CALLER, &C.caller.keypair.public_key, nonce + 1 + (uint64_t)i, WH_OUTLAYER,
                                  b.hash)) {
            near_block_free(&b);
            return -1;
        }
        char input[32];
        snprintf(input, sizeof input, "echo:r%d", i);
        char *args = request_args(input);
        near_status added = near_add_function_call(near_tx_actions(&tx), "request_execution", (const uint8_t *)args,
                                                   strlen(args), 300 * DN_TGAS, DN_NEAR / 10);
        free(args);
        if (added != NEAR_OK) {
            near_transaction_free(&tx);
            near_block_free(&b);
            return -1;
        }
        size_t len = 0;
        char hash[64];
        uint8_t *bytes = dn_tx_sign(&tx, &C.caller.keypair, &len, NULL);
        near_status st = near_rpc_broadcast_tx_async(C.node.rpc, bytes, len, hash, &err);
        free(bytes);
        if (st != NEAR_OK) {
            near_block_free(&b);
            return -1;
        }
    }
    near_block_free(&b);
    return 0;
}

static int count_lines(const char *needle)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "cat %s/worker*.log | grep -cF -- '%s'", dir, needle);
    FILE *p = popen(cmd, "r");
    int n = 0;
    if (p && fscanf(p, "%d", &n) != 1)
        n = 0;
    if (p)
        pclose(p);
    return n;
}

static int latency(int count, double *p50, double *p90, double *max)
{
    double v[256];
    int n = 0;
    for (int i = 0; i < count && i < 256; i++) {
        wh_request rq;
        char input[32];
        snprintf(input, sizeof input, "echo:l%d", i);
        char *args = request_args(input);
        json_t *a = json_loads(args, 0, NULL);
        free(args);
        char *cs = json_dumps(json_object_get(a, "code_source"), JSON_COMPACT);
        json_decref(a);
        if (wh_request_execution(&C, cs,
                                 "{\"max_instructions\":100000000,\"max_memory_mb\":32,\"max_execution_seconds\":10}",
                                 input, "Text", &rq)) {
            free(cs);
            return -1;
        }
        free(cs);
        near_outcome o;
        if (wh_final(&C, &rq, 30000, &o))
            return -1;
        near_outcome_free(&o);
    }
    /* The worker's own measurements of the last `count` resolves. */
    char cmd[400];
    snprintf(
        cmd, sizeof cmd,
        "cat %s/worker%d.log | grep -F 'resolved success=true' | sed -n 's/.*sent \\([0-9-]*\\) ms after.*/\\1/p' | tail -%d",
        dir, runs, count);
    FILE *p = popen(cmd, "r");
    double x;
    while (p && n < 256 && fscanf(p, "%lf", &x) == 1)
        v[n++] = x;
    if (p)
        pclose(p);
    if (n == 0)
        return -1;
    *max = pct(v, n, 1.0);
    *p90 = pct(v, n, 0.9);
    *p50 = pct(v, n, 0.5);
    return n;
}

static int throughput(int n, double *rate)
{
    long long base = executions();
    int ok_before = count_lines("resolved success=true");
    double t0 = now_ms();
    if (broadcast(n))
        return -1;
    double deadline = t0 + 180000;
    long long done = base;
    while (now_ms() < deadline) {
        done = executions();
        if (done >= base + n)
            break;
        usleep(20 * 1000);
    }
    double t1 = now_ms();
    int ok = count_lines("resolved success=true") - ok_before;
    *rate = (done - base) / ((t1 - t0) / 1000.0);
    if (done < base + n || ok != n) {
        fprintf(stderr, "throughput: %lld of %d executed, %d resolved successfully\n", done - base, n, ok);
        return -1;
    }
    return 0;
}

static int compile_bench(double *cold_ms, double *hit_ms, size_t *wasm_len, double *rust_ms, size_t *rust_len)
{
    int git_port = wh_free_port();
    char cmd[2048];
    snprintf(
        cmd, sizeof cmd,
        "set -e; w=$(pwd); d=%s/repos/bench/probe; mkdir -p $d; cp tests/worker/probe.c $d/; cd $d; git init -q -b main .;"
        "printf '{\"language\":\"c\",\"sources\":[\"probe.c\"]}' > outlayer.json; git add -A;"
        "git -c user.name=b -c user.email=b@b commit -qm probe;"
        "d=%s/repos/bench/rust_echo; mkdir -p $d; cp -R $w/examples/rust_echo/. $d/; cd $d; git init -q -b main .;"
        "git add -A; git -c user.name=b -c user.email=b@b commit -qm echo",
        dir, dir);
    if (system(cmd))
        return -1;
    char base[300], port[32], glog[300];
    snprintf(base, sizeof base, "--base-path=%s/repos", dir);
    snprintf(port, sizeof port, "--port=%d", git_port);
    snprintf(glog, sizeof glog, "%s/git.log", dir);
    char *gargv[] = {"/usr/bin/git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", port, base, NULL};
    git_pid = wh_spawn(gargv, glog);
    usleep(500 * 1000);
    static char git_url[64];
    snprintf(git_url, sizeof git_url, "git://127.0.0.1:%d", git_port);
    wk_worker w = {0};
    w.cfg.git_base_url = git_url;
    w.cfg.build_dir = dir;
    w.cfg.compile_timeout_ms = 120000;
    w.cfg.compile_memory_bytes = INT64_C(2) << 30;
    w.cfg.max_wasm_bytes = 10 << 20;
    w.coord = (wk_coord){.base_url = coord_url, .token = token, .worker_id = "bench", .capabilities = "compilation"};
    wk_request r = {0};
    r.source.is_git = true;
    r.source.repo = "https://github.com/bench/probe";
    r.source.commit = "main";
    r.source.build_target = "wasm32-wasip1";
    double cold[5], hit[20];
    uint8_t *bytes = NULL;
    size_t len = 0;
    char err[WK_ERR], commit[41], hex[65];
    for (int i = 0; i < 5; i++) {
        free(bytes);
        double t0 = now_ms();
        if (wk_compile_source(&w, &r, &bytes, &len, commit, err, sizeof err)) {
            fprintf(stderr, "compile: %s\n", err);
            return -1;
        }
        cold[i] = now_ms() - t0;
    }
    wk_sha256_hex(bytes, len, hex);
    if (wk_coord_wasm_upload(&w.coord, hex, r.source.repo, commit, "wasm32-wasip1", bytes, len, err, sizeof err)) {
        fprintf(stderr, "upload: %s\n", err);
        return -1;
    }
    for (int i = 0; i < 20; i++) {
        uint8_t *got = NULL;
        size_t gl = 0;
        char actual[65];
        double t0 = now_ms();
        if (wk_coord_wasm_get(&w.coord, hex, 10 << 20, &got, &gl, err, sizeof err) ||
            !wk_hash_matches(got, gl, hex, actual))
            return -1;
        hit[i] = now_ms() - t0;
        free(got);
    }
    free(bytes);
    bytes = NULL;
    /* The Rust example (cargo --offline for wasm32-wasi, std prebuilt). */
    double rust[3];
    r.source.repo = "https://github.com/bench/rust_echo";
    for (int i = 0; i < 3; i++) {
        free(bytes);
        double t0 = now_ms();
        if (wk_compile_source(&w, &r, &bytes, rust_len, commit, err, sizeof err)) {
            fprintf(stderr, "rust compile: %s\n", err);
            return -1;
        }
        rust[i] = now_ms() - t0;
    }
    free(bytes);
    *rust_ms = pct(rust, 3, 0.5);
    *wasm_len = len;
    *cold_ms = pct(cold, 5, 0.5);
    *hit_ms = pct(hit, 20, 0.5);
    return 0;
}

int main(void)
{
    int block_ms = env_int("BENCH_BLOCK_MS", 50);
    int n = env_int("BENCH_REQUESTS", 60);
    int lat_n = env_int("BENCH_LATENCY", 20);
    if (sodium_init() < 0 || hc_global_init())
        return 1;
    log_set_level(LOG_WARN);
    snprintf(dir, sizeof dir, "/tmp/wk-bench-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    const char *extra[] = {"--yield-timeout", "5000", NULL};
    if (wh_start_args(&C, block_ms, extra))
        return 1;
    char key[300], data[300], port[16], probe_abs[4096], hash[65];
    snprintf(key, sizeof key, "%s/operator.json", dir);
    wh_write_key_file(&C, key);
    size_t plen;
    uint8_t *probe = dn_read_file(PROBE, &plen);
    if (!probe || !realpath(PROBE, probe_abs))
        return 1;
    wk_sha256_hex(probe, plen, hash);
    free(probe);
    snprintf(source, sizeof source,
             "{\"WasmUrl\":{\"url\":\"file://%.1100s\",\"hash\":\"%s\",\"build_target\":\"wasm32-wasip1\"}}", probe_abs,
             hash);
    snprintf(data, sizeof data, "%s/coord", dir);
    wh_coordinator_token("build/bin/outlayer-coordinator", data, token);
    coord_port = wh_free_port();
    snprintf(port, sizeof port, "%d", coord_port);
    snprintf(coord_url, sizeof coord_url, "http://127.0.0.1:%d", coord_port);
    char clog[300];
    snprintf(clog, sizeof clog, "%s/coordinator.log", dir);
    char *cargv[] = {"build/bin/outlayer-coordinator",
                     "--host",
                     "127.0.0.1",
                     "--port",
                     port,
                     "--data-dir",
                     data,
                     "--log-level",
                     "warn",
                     NULL};
    coord_pid = wh_spawn(cargv, clog);
    char health[96];
    snprintf(health, sizeof health, "%s/health", coord_url);
    if (wh_wait_http(health, 10000))
        return 1;

    printf("outlayer-worker benchmark (devnet block interval %d ms, program: tests/worker/probe.c, cached)\n",
           block_ms);
    int fail = 0;
    int threads[] = {1, 2, 4};
    double rates[3] = {0};
    for (int t = 0; t < 3; t++) {
        start_worker(threads[t]);
        double p50, p90, max;
        int got = latency(t == 0 ? lat_n : 2, &p50, &p90, &max); /* also warms the cache */
        if (got < 0) {
            fprintf(stderr, "latency run failed (logs in %s)\n", dir);
            fail = 1;
            break;
        }
        if (t == 0)
            printf("  block -> resolve sent:  p50 %.0f ms, p90 %.0f ms, max %.0f ms over %d requests (one at a time)\n",
                   p50, p90, max, got);
        if (throughput(n, &rates[t])) {
            fprintf(stderr, "throughput run failed (logs in %s)\n", dir);
            fail = 1;
        }
        printf("  %d job thread(s):        %d requests, all resolved: %6.1f requests/s\n", threads[t], n, rates[t]);
        fflush(stdout);
        wh_stop(worker_pid, SIGTERM);
    }
    double cold, hit, rust;
    size_t wl, rl;
    if (compile_bench(&cold, &hit, &wl, &rust, &rl) == 0)
        printf("  build from git (cold):  median %.0f ms (fetch + bubblewrap + clang-19, %zu-byte WASM)\n"
               "  coordinator cache hit:  median %.1f ms (GET /wasm + SHA-256 check)  -> %.0fx faster\n"
               "  Rust build (cold):      median %.0f ms (fetch + bubblewrap + cargo/rustc, examples/rust_echo, "
               "%zu-byte WASM)\n",
               cold, wl, hit, cold / hit, rust, rl);
    else
        fail = 1;
    wh_stop(git_pid, SIGTERM);
    wh_stop(coord_pid, SIGTERM);
    dn_stop(&C.node, false);
    if (getenv("KEEP_BENCH_DIR"))
        fprintf(stderr, "logs in %s\n", dir);
    else {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd))
            fail = 1;
    }
    return fail;
}
