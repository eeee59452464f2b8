/*
 * soak.c — `make soak` (not part of make test): SOAK_N requests (default
 * 1000) through `outlayer dev` with SOAK_WORKERS workers (default 4), random
 * programs and limits, and kill -9 of a random worker every SOAK_N/5
 * requests. Prints requests/s, latency percentiles and the loss count:
 * requests with no final outcome, or resolved more than once (must be 0).
 *
 * Requests are signed here with locally counted nonces and sent without
 * waiting (broadcast_tx_async), so submission is not limited by block time.
 * Latency is submit → the caller's outcome seen final, measured by polling
 * all pending transactions in rounds (so its resolution is one round).
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "near/encoding.h"
#include "worker_harness.h"

#define PROBE "build/tests/worker/probe.wasm"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct req {
    char hash[64];
    double sent, done;
    int state; /* 0 pending, 1 final */
    int success;
} req;

int main(void)
{
    int n = getenv("SOAK_N") ? atoi(getenv("SOAK_N")) : 1000;
    int workers = getenv("SOAK_WORKERS") ? atoi(getenv("SOAK_WORKERS")) : 4;
    const char *outlayer = getenv("OUTLAYER_BIN") ? getenv("OUTLAYER_BIN") : "build/bin/outlayer";
    if (n < 1 || workers < 1 || sodium_init() < 0 || near_rpc_global_init())
        return 2;
    char home[64] = "/tmp/ol-soak-XXXXXX";
    if (!mkdtemp(home))
        return 2;
    char log[128], devjson[128], pb[16], nw[16], cmd[512];
    snprintf(log, sizeof log, "%s/dev.out", home);
    snprintf(devjson, sizeof devjson, "%s/dev.json", home);
    snprintf(pb, sizeof pb, "0"); /* outlayer dev chooses free ports; the URLs are in dev.json */
    snprintf(nw, sizeof nw, "%d", workers);
    char *argv[] = {(char *)outlayer, "dev", "--home", home, "--workers", nw, "--port-base", pb, NULL};
    pid_t dev = wh_spawn(argv, log);
    json_t *d = NULL;
    for (int i = 0; i < 600 && !d; i++) {
        usleep(100 * 1000);
        d = json_load_file(devjson, 0, NULL);
    }
    if (!d) {
        fprintf(stderr, "soak: outlayer dev did not start (%s)\n", log);
        wh_stop(dev, SIGTERM);
        return 1;
    }
    near_rpc *rpc = near_rpc_new(json_string_value(json_object_get(d, "rpc_url")));
    char base[128], key[256];
    snprintf(base, sizeof base, "%s", json_string_value(json_object_get(d, "wasm_url_base")));
    snprintf(key, sizeof key, "%s/credentials/localnet/" WH_CALLER ".json", home);
    json_decref(d);
    near_credentials user;
    char err[300];
    if (near_credentials_read_file(key, &user, err, sizeof err))
        return 1;
    size_t len;
    uint8_t *probe = dn_read_file(PROBE, &len), h[32];
    char hash[65];
    crypto_hash_sha256(h, probe, len);
    sodium_bin2hex(hash, sizeof hash, h, 32);
    free(probe);
    snprintf(cmd, sizeof cmd, "cp %s %s/wasm/%s.wasm", PROBE, home, hash);
    if (system(cmd) != 0)
        return 1;

    near_access_key_view ak;
    near_rpc_error e = {0};
    if (near_rpc_view_access_key(rpc, WH_CALLER, &user.keypair.public_key, NEAR_FINAL, &ak, &e) != NEAR_OK)
        return 1;
    uint64_t nonce = ak.key.nonce;
    near_access_key_view_free(&ak);

    req *rq = calloc((size_t)n, sizeof *rq);
    srand((unsigned)getpid());
    const char *inputs[] = {"echo:soak", "json", "spin", "echo:x"};
    const char *formats[] = {"Text", "Json", "Text", "Bytes"};
    const char *limits[] = {"{\"max_instructions\":1000000000,\"max_memory_mb\":32,\"max_execution_seconds\":10}",
                            "{\"max_instructions\":20000000,\"max_memory_mb\":32,\"max_execution_seconds\":10}"};
    int kills = 0;
    double t0 = now_s();
    near_block b = {0};
    for (int i = 0; i < n; i++) {
        if (i % 50 == 0) {
            near_block_free(&b);
            if (near_rpc_block(rpc, NEAR_FINAL, &b, &e) != NEAR_OK)
                return 1;
        }
        if (i > 0 && i % (n / 5 > 0 ? n / 5 : 1) == 0) {
            int k = 1 + rand() % workers;
            snprintf(cmd, sizeof cmd, "pgrep -f -- '--cursor-file %s/monitor.cursor --worker-id dev-worker-%d[.]'",
                     home, k);
            FILE *pg = popen(cmd, "r");
            int victim = 0;
            if (pg && fscanf(pg, "%d", &victim) == 1 && victim > 0 && kill(victim, SIGKILL) == 0)
                kills++;
            if (pg)
                pclose(pg);
        }
        int kind = rand() % 4;
        char args[1024];
        snprintf(
            args, sizeof args,
            "{\"code_source\":{\"WasmUrl\":{\"url\":\"%s/%s.wasm\",\"hash\":\"%s\",\"build_target\":\"wasm32-wasip1\"}},"
            "\"resource_limits\":%s,\"input_data\":\"%s\",\"response_format\":\"%s\"}",
            base, hash, hash, limits[kind == 2], inputs[kind], formats[kind]);
        near_transaction tx;
        near_signed_transaction stx;
        uint8_t th[32];
        if (near_transaction_init(&tx, WH_CALLER, &user.keypair.public_key, ++nonce, WH_OUTLAYER, b.hash) ||
            near_add_function_call(near_tx_actions(&tx), "request_execution", (const uint8_t *)args, strlen(args),
                                   300 * DN_TGAS, DN_NEAR / 10) ||
            near_transaction_sign(&tx, &user.keypair, &stx, th)) {
            fprintf(stderr, "soak: request %d: cannot build the transaction\n", i);
            exit(2);
        }
        near_transaction_free(&tx);
        size_t blen;
        uint8_t *bytes = near_signed_transaction_to_bytes(&stx, &blen);
        near_signed_transaction_free(&stx);
        rq[i].sent = now_s();
        if (near_rpc_broadcast_tx_async(rpc, bytes, blen, rq[i].hash, &e) != NEAR_OK) {
            fprintf(stderr, "soak: request %d not sent: %s\n", i, e.message);
            rq[i].state = -1;
        }
        free(bytes);
        if (i % 20 == 19)
            usleep(50 * 1000); /* ~ 400 requests/s at most */
    }
    near_block_free(&b);
    double submitted = now_s();
    int done = 0, sent = 0;
    for (int i = 0; i < n; i++)
        sent += rq[i].state == 0;
    int rounds = 0;
    while (done < sent && now_s() - submitted < 300) {
        rounds++;
        for (int i = 0; i < n; i++) {
            if (rq[i].state != 0)
                continue;
            near_outcome o;
            if (near_rpc_tx_status(rpc, rq[i].hash, WH_CALLER, NEAR_WAIT_NONE, 1, &o, &e) != NEAR_OK)
                continue;
            json_t *ev = o.kind == NEAR_OUTCOME_SUCCESS ? wh_completed_event(&o) : NULL;
            if (ev || o.kind == NEAR_OUTCOME_FAILURE) {
                rq[i].state = 1;
                rq[i].done = now_s();
                rq[i].success =
                    ev && json_is_true(json_object_get(json_array_get(json_object_get(ev, "data"), 0), "success"));
                done++;
            }
            json_decref(ev);
            near_outcome_free(&o);
        }
    }
    double end = now_s();
    near_rpc_error_clear(&e);
    /* Resolved more than once: any request id with two "resolved" lines. */
    snprintf(cmd, sizeof cmd,
             "cat %s/logs/worker-*.log | grep -o 'request [0-9]*: resolved success' | sort | uniq -d | wc -l", home);
    FILE *p = popen(cmd, "r");
    int twice = 0;
    if (!p || fscanf(p, "%d", &twice) != 1)
        twice = -1;
    if (p)
        pclose(p);
    double *lat = calloc((size_t)n, sizeof *lat);
    int m = 0, ok = 0;
    double last = t0;
    for (int i = 0; i < n; i++)
        if (rq[i].state == 1) {
            lat[m++] = rq[i].done - rq[i].sent;
            ok += rq[i].success;
            if (rq[i].done > last)
                last = rq[i].done;
        }
    qsort(lat, (size_t)m, sizeof *lat, cmp_double);
    int lost = n - m;
    printf("soak: %d requests over %d workers, %d worker kills (kill -9)\n", n, workers, kills);
    printf("soak: %d answered (%d success, %d failure by design: instruction limit), %.1f requests/s end to end\n", m,
           ok, m - ok, m / (last - t0));
    if (m)
        printf(
            "soak: latency p50 %.2f s, p90 %.2f s, p99 %.2f s, max %.2f s (resolution: one polling round, %.1f s on average)\n",
            lat[m / 2], lat[m * 9 / 10], lat[m * 99 / 100], lat[m - 1], rounds ? (end - submitted) / rounds : 0.0);
    printf("soak: lost %d, resolved twice %d\n", lost, twice);
    free(lat);
    free(rq);
    near_rpc_free(rpc);
    int st = wh_stop(dev, SIGTERM);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fprintf(stderr, "soak: outlayer dev exited with status %d\n", st);
    if (lost == 0 && twice == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", home);
        if (system(cmd) != 0)
            fprintf(stderr, "soak: could not remove %s\n", home);
    } else {
        fprintf(stderr, "soak: home kept: %s\n", home);
    }
    return lost == 0 && twice == 0 ? 0 : 1;
}
