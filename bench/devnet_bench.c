/*
 * devnet_bench.c — outlayer-devnet performance, measured against the real
 * binary through src/near's RPC client (make bench-devnet):
 *
 *   transfer  plain transfers per second: the RPC + chain pipeline alone;
 *   startup   from an existing home to a served `status` RPC (best and
 *             median of several restarts), next to the bare process start;
 *   call      transactions per second for a simple function call
 *             (is_paused on the OutLayer contract, signed and broadcast
 *             asynchronously, then awaited);
 *   request   request_execution + resolve_execution pairs per second,
 *             the whole yield/resume round trip of OutLayer.
 *
 * BENCH_CALLS / BENCH_REQUESTS / BENCH_BLOCK_MS override the sizes.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "../tests/devnet/devnet_harness.h"

extern char **environ;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* Signs n function calls with consecutive nonces and broadcasts them
 * asynchronously; hashes go to hashes[i] (64 bytes each). */
static int broadcast_calls(dn_node *n, const near_credentials *who, const char *receiver, const char *method,
                           char *(*args_of)(int i, void *user), void *user, near_u128 deposit, int count,
                           char (*hashes)[64])
{
    near_access_key_view ak;
    near_rpc_error err = {0};
    if (near_rpc_view_access_key(n->rpc, who->account_id, &who->keypair.public_key, NEAR_FINAL, &ak, &err) != NEAR_OK)
        return -1;
    uint64_t nonce = ak.key.nonce;
    near_access_key_view_free(&ak);
    near_block b;
    if (near_rpc_block(n->rpc, NEAR_FINAL, &b, &err) != NEAR_OK)
        return -1;
    for (int i = 0; i < count; i++) {
        near_transaction tx;
        if (near_transaction_init(&tx, who->account_id, &who->keypair.public_key, nonce + 1 + (uint64_t)i, receiver,
                                  b.hash))
            return -1;
        if (method) {
            char *args = args_of(i, user);
            near_status st = near_add_function_call(near_tx_actions(&tx), method, (const uint8_t *)args, strlen(args),
                                                    300 * DN_TGAS, deposit);
            free(args);
            if (st)
                return -1;
        } else {
            if (near_add_transfer(near_tx_actions(&tx), deposit))
                return -1; /* method NULL: a plain transfer */
        }
        size_t len = 0;
        uint8_t *bytes = dn_tx_sign(&tx, &who->keypair, &len, NULL);
        near_status st = near_rpc_broadcast_tx_async(n->rpc, bytes, len, hashes[i], &err);
        free(bytes);
        if (st != NEAR_OK) {
            fprintf(stderr, "broadcast %d: %s\n", i, err.message);
            near_block_free(&b);
            return -1;
        }
    }
    near_block_free(&b);
    return 0;
}

static int await_all(dn_node *n, const char *sender, char (*hashes)[64], int count, bool want_success)
{
    for (int i = 0; i < count; i++) {
        near_outcome o;
        near_rpc_error err = {0};
        near_status st = NEAR_ERR_TIMEOUT;
        for (int t = 0; t < 20 && (st == NEAR_ERR_TIMEOUT || st == NEAR_ERR_UNKNOWN_TRANSACTION); t++) {
            st = near_rpc_tx_status(n->rpc, hashes[i], sender, NEAR_WAIT_FINAL, 0, &o, &err);
            near_rpc_error_clear(&err);
        }
        if (st != NEAR_OK)
            return -1;
        bool ok = o.kind == NEAR_OUTCOME_SUCCESS;
        near_outcome_free(&o);
        if (want_success && !ok)
            return -1;
    }
    return 0;
}

static char *empty_args(int i, void *user)
{
    (void)i, (void)user;
    return strdup("{}");
}

static char *request_args(int i, void *user)
{
    (void)i, (void)user;
    return strdup("{\"code_source\":{\"WasmUrl\":{\"url\":\"https://example.com/a.wasm\",\"hash\":\"00\","
                  "\"build_target\":null}},\"resource_limits\":{\"max_instructions\":1000000,\"max_memory_mb\":64,"
                  "\"max_execution_seconds\":1},\"input_data\":\"x\"}");
}

static char *resolve_args(int i, void *user)
{
    int base = *(int *)user;
    char *s = malloc(400);
    snprintf(s, 400,
             "{\"request_id\":%d,\"response\":{\"success\":true,\"output\":{\"Text\":\"ok\"},\"error\":null,"
             "\"resources_used\":{\"instructions\":1000,\"time_ms\":1,\"compile_time_ms\":null},"
             "\"compilation_note\":null}}",
             base + i);
    return s;
}

int main(void)
{
    int block_ms = env_int("BENCH_BLOCK_MS", 20);
    int calls = env_int("BENCH_CALLS", 400);
    int requests = env_int("BENCH_REQUESTS", 100);
    dn_node n;
    if (dn_start(&n, block_ms, NULL)) {
        fprintf(stderr, "cannot start the devnet\n");
        return 1;
    }
    near_credentials ol, op, alice;
    if (dn_create_account(&n, &n.test_root, "outlayer.test.near", 50 * DN_NEAR, &ol) ||
        dn_create_account(&n, &n.test_root, "operator.test.near", 1000 * DN_NEAR, &op) ||
        dn_create_account(&n, &n.test_root, "alice.test.near", 1000 * DN_NEAR, &alice))
        return 1;
    size_t len = 0;
    uint8_t *code = dn_read_file("build/contracts/outlayer.wasm", &len);
    if (!code)
        return 1;
    near_transaction tx;
    if (dn_tx_begin(&n, "outlayer.test.near", &ol.keypair, "outlayer.test.near", &tx))
        return 1;
    const char *init = "{\"owner_id\":\"test.near\",\"operator_id\":\"operator.test.near\"}";
    if (near_add_deploy_contract(near_tx_actions(&tx), code, len) ||
        near_add_function_call(near_tx_actions(&tx), "new", (const uint8_t *)init, strlen(init), 100 * DN_TGAS, 0))
        return 1;
    free(code);
    near_outcome o;
    near_rpc_error err = {0};
    if (dn_tx_send(&n, &tx, &ol.keypair, NEAR_WAIT_FINAL, &o, &err, NULL) != NEAR_OK)
        return 1;
    near_outcome_free(&o);

    printf("outlayer-devnet benchmark (block interval %d ms)\n", block_ms);
    /* 0. plain transfers: the same pipeline without running a contract */
    char(*hashes)[64] = calloc((size_t)(calls > requests ? calls : requests), 64);
    double t0 = now_s();
    if (broadcast_calls(&n, &alice, "operator.test.near", NULL, NULL, NULL, 1, calls, hashes) ||
        await_all(&n, "alice.test.near", hashes, calls, true)) {
        fprintf(stderr, "transfer run failed\n");
        return 1;
    }
    double dt = now_s() - t0;
    printf("  transfer:                    %5d txs in %6.2f s  = %8.1f tx/s\n", calls, dt, calls / dt);
    /* 1. simple function calls */
    t0 = now_s();
    if (broadcast_calls(&n, &alice, "outlayer.test.near", "is_paused", empty_args, NULL, 0, calls, hashes) ||
        await_all(&n, "alice.test.near", hashes, calls, true)) {
        fprintf(stderr, "function-call run failed\n");
        return 1;
    }
    dt = now_s() - t0;
    printf("  function call (is_paused):   %5d txs in %6.2f s  = %8.1f tx/s\n", calls, dt, calls / dt);

    /* 2. request_execution + resolve_execution */
    char(*req_hashes)[64] = calloc((size_t)requests, 64);
    int base = 0;
    t0 = now_s();
    if (broadcast_calls(&n, &alice, "outlayer.test.near", "request_execution", request_args, NULL, DN_NEAR / 100,
                        requests, req_hashes)) {
        fprintf(stderr, "request run failed\n");
        return 1;
    }
    /* Wait until the requests are in (their receipts ran), then resolve. */
    uint64_t at = 0;
    char *ev = NULL;
    for (int tries = 0; tries < 200; tries++) {
        near_call_result r;
        if (near_view_function(n.rpc, "outlayer.test.near", "get_request", "{\"request_id\":0}", &r, &err) == NEAR_OK) {
            bool have = r.result_len > 4 && strncmp((char *)r.result, "null", 4) != 0;
            near_call_result_free(&r);
            char q[64];
            snprintf(q, sizeof q, "{\"request_id\":%d}", requests - 1);
            if (have && near_view_function(n.rpc, "outlayer.test.near", "get_request", q, &r, &err) == NEAR_OK) {
                have = r.result_len > 4 && strncmp((char *)r.result, "null", 4) != 0;
                near_call_result_free(&r);
                if (have)
                    break;
            }
        }
        near_rpc_error_clear(&err);
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    (void)at;
    free(ev);
    if (broadcast_calls(&n, &op, "outlayer.test.near", "resolve_execution", resolve_args, &base, 0, requests, hashes) ||
        await_all(&n, "operator.test.near", hashes, requests, true) ||
        await_all(&n, "alice.test.near", req_hashes, requests, true)) {
        fprintf(stderr, "resolve run failed\n");
        return 1;
    }
    dt = now_s() - t0;
    printf("  request + resolve (yield):   %5d pairs in %6.2f s = %8.1f pairs/s (%.1f tx/s)\n", requests, dt,
           requests / dt, 2 * requests / dt);

    /* 3. start-up from an existing home */
    int runs = 10;
    double times[10];
    for (int i = 0; i < runs; i++) {
        dn_stop(&n, true);
        double s0 = now_s();
        if (dn_restart(&n, block_ms, NULL))
            return 1;
        times[i] = (now_s() - s0) * 1000.0;
    }
    qsort(times, (size_t)runs, sizeof times[0], cmp_double);
    /* Side by side: the same binary just starting and exiting (--help), the
     * floor set by exec and dynamic linking on this machine. */
    double bare[10];
    const char *bin = getenv("DEVNET_BIN") ? getenv("DEVNET_BIN") : "build/bin/outlayer-devnet";
    for (int i = 0; i < runs; i++) {
        double s0 = now_s();
        pid_t pid;
        char *argv[] = {(char *)bin, (char *)"--help", NULL};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        int status = 0;
        if (posix_spawn(&pid, bin, &fa, NULL, argv, environ) || waitpid(pid, &status, 0) != pid)
            return 1;
        posix_spawn_file_actions_destroy(&fa);
        bare[i] = (now_s() - s0) * 1000.0;
    }
    qsort(bare, (size_t)runs, sizeof bare[0], cmp_double);
    printf("  start-up to serving RPC:     best %.1f ms, median %.1f ms over %d restarts (state: %d+%d txs)\n",
           times[0], times[runs / 2], runs, calls, 2 * requests);
    printf("  process start only (--help): best %.1f ms, median %.1f ms  -> devnet's own start-up ~%.1f ms\n", bare[0],
           bare[runs / 2], times[runs / 2] - bare[runs / 2]);
    free(hashes);
    free(req_hashes);
    dn_stop(&n, false);
    return 0;
}
