/*
 * test_worker_e2e.c — the whole path on loopback with the real binaries:
 * outlayer-devnet, outlayer-coordinator and outlayer-worker (event monitor
 * on), a small HTTP server in this process for WasmUrl programs and a real
 * `git daemon` for git sources. A caller requests executions on the
 * OutLayer contract; each test checks the caller's final outcome (the
 * output, or null and the failure text in the completed event) and that
 * the refund is exact.
 *
 * Failure paths, each ending on chain with success:false: bad SHA-256,
 * download too big, fuel, memory, time, exit code, output too large,
 * compile error, a build that includes a host file. Then kill -9 of the
 * worker in the middle of an execution: a new worker finishes the job once
 * the lease expires, and the request is resolved exactly once.
 *
 * Secrets: a real outlayer-keystore; alice stores a recognisable secret
 * (sealed, with store_secrets) for the probe's WASM hash and for a branch of
 * the git repository; the program gets it for an allowed caller, a denied
 * caller and another program do not, a worker without a keystore fails
 * clearly; then no file the stack wrote holds the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/http_client.h"
#include "hostapi/hostapi.h"
#include "hostapi/vrf.h"
#include "worker/worker.h"
#include "ks_harness.h"
#include "worker_harness.h"

#define PROBE "build/tests/worker/probe.wasm"

static wh_chain C;
static char dir[256];
static struct MHD_Daemon *files;
static int files_port, git_port;
static wh_coordinator coord;
static pid_t worker_pid, git_pid;
static uint8_t *probe;
static size_t probe_len;
static char probe_hash[65];
static uint8_t big[2u << 20];
static char big_hash[65];
static char head_commit[41];
static int worker_runs;
static const char *worker_bin = "build/bin/outlayer-worker";
static const char *coord_bin = "build/bin/outlayer-coordinator";
static ks_node ks;
static ks_node ks_attested;         /* a --require-attestation keystore */
static const char *keystore_url;    /* what workers are given (ks.url) */
static bool worker_keystore = true; /* start workers with --keystore-url */
static uint8_t *oracle;             /* sdk/examples/price_oracle.c: fetches a quote with outlayer_v1 HTTP */
static const char QUOTE_JSON[] = "{\"symbol\":\"NEAR\",\"price\": 7.5}";
static size_t oracle_len;
static char oracle_hash[65];
/* issue 16: sdk/examples/vrf_dice.c and ai_completion.c, the mock chat API at /v1/chat/completions */
static uint8_t *dice, *ai;
static size_t dice_len, ai_len;
static char dice_hash[65], ai_hash[65];
#define AI_KEY "sk-e2e-ai-7f3a91-never-printed"
static uint8_t *probe2; /* the probe with a custom section: same code, another hash */
static size_t probe2_len;
static char probe2_hash[65];

#define ALICE "alice.test.near"
static near_credentials alice;
#define SECRET_VALUE "sk-e2e-5d1c9e-recognisable-secret"

/* ------------------------------------------------------------ helpers */

#define free_port wh_free_port
#define spawn wh_spawn
#define stop wh_stop

static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* A mock OpenAI-style chat completions API: checks the bearer key, answers
 * "echo: " + the request body's length (the example's JSON body arrives
 * whole; the answer proves it was read). */
static enum MHD_Result serve_chat(struct MHD_Connection *conn, const char *upload, size_t *upload_len, void **ptr)
{
    size_t *got = *ptr;
    if (!got) {
        *ptr = got = calloc(1, sizeof *got);
        return got ? MHD_YES : MHD_NO;
    }
    if (*upload_len) {
        *got += *upload_len;
        *upload_len = 0;
        return MHD_YES;
    }
    (void)upload;
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    char *answer = NULL;
    bool ok = auth && strcmp(auth, "Bearer " AI_KEY) == 0;
    if (asprintf(&answer,
                 ok ? "{\"model\":\"mock-1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                      "\"content\":\"body of %zu bytes\"},\"finish_reason\":\"stop\"}]}"
                    : "{\"error\":{\"message\":\"invalid api key (%zu)\"}}",
                 *got) < 0)
        return MHD_NO;
    free(got);
    *ptr = NULL;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(answer), answer, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result res = MHD_queue_response(conn, ok ? MHD_HTTP_OK : MHD_HTTP_UNAUTHORIZED, r);
    MHD_destroy_response(r);
    return res;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_len, void **ptr)
{
    const uint8_t *body = NULL;
    size_t len = 0;
    if (strcmp(url, "/v1/chat/completions") == 0)
        return serve_chat(conn, upload, upload_len, ptr);
    if (strcmp(url, "/dice.wasm") == 0)
        body = dice, len = dice_len;
    else if (strcmp(url, "/ai.wasm") == 0)
        body = ai, len = ai_len;
    else if (strcmp(url, "/probe.wasm") == 0)
        body = probe, len = probe_len;
    else if (strcmp(url, "/probe2.wasm") == 0)
        body = probe2, len = probe2_len;
    else if (strcmp(url, "/big.wasm") == 0)
        body = big, len = sizeof big;
    else if (strcmp(url, "/oracle.wasm") == 0)
        body = oracle, len = oracle_len;
    else if (strcmp(url, "/quote.json") == 0)
        body = (const uint8_t *)QUOTE_JSON, len = sizeof QUOTE_JSON - 1;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = MHD_queue_response(conn, body ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, r);
    MHD_destroy_response(r);
    return ok;
}

/* Counts lines of the worker logs containing both needles. */
static int log_count(const char *a, const char *b)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cat %s/worker*.log | grep -F -- '%s' | grep -cF -- '%s'", dir, a, b);
    FILE *p = popen(cmd, "r");
    int n = 0;
    if (p && fscanf(p, "%d", &n) != 1)
        n = 0;
    if (p)
        pclose(p);
    return n;
}

static void start_worker(void)
{
    char log[300], key[300], port_git[64], cursor[300], run[16], start[32], transcripts[300];
    snprintf(log, sizeof log, "%s/worker%d.log", dir, ++worker_runs);
    snprintf(key, sizeof key, "%s/operator.json", dir);
    snprintf(port_git, sizeof port_git, "git://127.0.0.1:%d", git_port);
    snprintf(cursor, sizeof cursor, "%s/cursor", dir);
    snprintf(run, sizeof run, "e2e-%d", worker_runs);
    snprintf(start, sizeof start, "%llu", (unsigned long long)dn_height(&C.node));
    snprintf(transcripts, sizeof transcripts, "%s/transcripts", dir);
    const char *extra[] = {"--jobs", "2", "--max-wasm-size", "1MiB", "--max-output", "16KiB", "--git-base-url", port_git,
                           "--build-dir", dir, "--tee", "simulated", "--shutdown-grace", "5s", "--start-block", start,
                           /* the WasmUrl server is this process, on 127.0.0.1 */
                           "--allow-private-urls", "true",
                           /* programs' HTTP: the quote server is this process too */
                           "--http-allow", "127.0.0.1,localhost",
                           /* issue 16: test_ai_completion reads them */
                           "--http-transcript-dir", transcripts,
                           worker_keystore ? "--keystore-url" : NULL, keystore_url, "--keystore-token", KS_TEST_TOKEN,
                           NULL};
    wh_worker_spec w = {.bin = worker_bin,
                        .chain = &C,
                        .coordinator = &coord,
                        .key_file = key,
                        .worker_id = run,
                        .cursor_file = cursor,
                        .extra = extra,
                        .log = log};
    worker_pid = wh_worker_spawn(&w);
}

static const char *max_attempts = "5";

static int start_coordinator(void)
{
    const char *args[] = {"--lease-seconds", "3", "--max-attempts", max_attempts, "--poll-max-seconds", "5", NULL};
    return wh_coordinator_start(&coord, coord_bin, dir, args);
}

static char cwd[1024];

static int setup(void **state)
{
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    if (sodium_init() < 0 || hc_global_init())
        return -1;
    if (getenv("WORKER_BIN"))
        worker_bin = getenv("WORKER_BIN");
    if (getenv("COORDINATOR_BIN"))
        coord_bin = getenv("COORDINATOR_BIN");
    snprintf(dir, sizeof dir, "/tmp/wk-e2e-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    probe = dn_read_file(PROBE, &probe_len);
    if (!probe)
        return -1;
    wk_sha256_hex(probe, probe_len, probe_hash);
    oracle = dn_read_file("build/sdk/price_oracle.wasm", &oracle_len);
    if (!oracle)
        return -1;
    wk_sha256_hex(oracle, oracle_len, oracle_hash);
    dice = dn_read_file("build/sdk/vrf_dice.wasm", &dice_len);
    ai = dn_read_file("build/sdk/ai_completion.wasm", &ai_len);
    if (!dice || !ai)
        return -1;
    wk_sha256_hex(dice, dice_len, dice_hash);
    wk_sha256_hex(ai, ai_len, ai_hash);
    randombytes_buf(big, sizeof big);
    wk_sha256_hex(big, sizeof big, big_hash);
    files = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, serve, NULL, MHD_OPTION_END);
    if (!files)
        return -1;
    files_port = MHD_get_daemon_info(files, MHD_DAEMON_INFO_BIND_PORT)->port;
    if (wh_start(&C, 100))
        return -1; /* 200 blocks = 20 s of yield timeout */
    static const uint8_t custom[] = {0x00, 0x06, 0x05, 'o', 't', 'h', 'e', 'r'};
    probe2_len = probe_len + sizeof custom;
    probe2 = malloc(probe2_len);
    memcpy(probe2, probe, probe_len);
    memcpy(probe2 + probe_len, custom, sizeof custom);
    wk_sha256_hex(probe2, probe2_len, probe2_hash);
    /* The secrets' owner, and the keystore reading the devnet's contract. */
    if (dn_create_account(&C.node, &C.node.test_root, ALICE, 20 * DN_NEAR, &alice))
        return -1;
    const char *ks_args[] = {"--near-rpc-url", C.node.url, "--contract-id", WH_OUTLAYER, NULL};
    if (ks_start(&ks, NULL, ks_args, NULL)) {
        fprintf(stderr, "keystore did not start; see %s\n", ks.log);
        return -1;
    }
    keystore_url = ks.url;
    char key[300];
    snprintf(key, sizeof key, "%s/operator.json", dir);
    if (wh_write_key_file(&C, key))
        return -1;
    /* alice/flip on a git daemon: main prints "Tails"; branch broken does
     * not compile; branch evil includes /etc/passwd. */
    if (sh("set -e; d=%s/repos/alice/flip; mkdir -p $d; cd $d; git init -q -b main .;"
           "printf '#include <stdio.h>\\nint main(void){ fputs(\"Tails\", stdout); return 0; }\\n' > main.c;"
           "printf '{\"language\":\"c\",\"sources\":[\"main.c\"]}' > outlayer.json;"
           "git add -A; git -c user.name=t -c user.email=t@t commit -qm good;"
           "git checkout -qb broken; echo 'int main(void){ return nope; }' > main.c;"
           "git -c user.name=t -c user.email=t@t commit -qam broken;"
           "git checkout -qb evil main; printf '#include \"/etc/passwd\"\\n' > main.c;"
           "git -c user.name=t -c user.email=t@t commit -qam evil;"
           "git checkout -qb slow main; python3 %s/tests/worker/gen_slow.py > main.c;"
           "git -c user.name=t -c user.email=t@t commit -qam slow; git checkout -q main",
           dir, cwd))
        return -1;
    /* bob/echo: examples/rust_echo (Rust, built with cargo for wasm32-wasi);
     * branch broken does not compile. */
    if (sh("set -e; d=%s/repos/bob/echo; mkdir -p $d; cp -R %s/examples/rust_echo/. $d/; cd $d; git init -q -b main .;"
           "git add -A; git -c user.name=t -c user.email=t@t commit -qm echo; git checkout -qb broken;"
           "echo 'fn main() { let x: u32 = 1u64; }' > src/main.rs;"
           "git -c user.name=t -c user.email=t@t commit -qam broken; git checkout -q main",
           dir, cwd))
        return -1;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "git -C %s/repos/alice/flip rev-parse main", dir);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(head_commit, sizeof head_commit, p))
        return -1;
    pclose(p);
    git_port = free_port();
    char base[300], port[32];
    snprintf(base, sizeof base, "--base-path=%s/repos", dir);
    snprintf(port, sizeof port, "--port=%d", git_port);
    char *gargv[] = {"/usr/bin/git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", port, base, NULL};
    char glog[300];
    snprintf(glog, sizeof glog, "%s/git.log", dir);
    git_pid = spawn(gargv, glog);
    if (start_coordinator())
        return -1;
    start_worker();
    return 0;
}

static int teardown(void **state)
{
    int bad = 0;
    /* SIGTERM: the worker stops cleanly. */
    int st = stop(worker_pid, SIGTERM);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "worker did not exit cleanly (status %d)\n", st);
        bad = 1;
    }
    stop(coord.pid, SIGTERM);
    stop(git_pid, SIGTERM);
    if (ks_stop(&ks))
        bad = 1;
    if (ks_attested.pid > 0 && ks_stop(&ks_attested))
        bad = 1;
    if (!getenv("KEEP_E2E_DIR")) {
        ks_cleanup(&ks);
        if (ks_attested.dir[0])
            ks_cleanup(&ks_attested);
    }
    /* Sanitizer builds report into the logs: surface them as failures. */
    if (sh("cat %s/worker*.log %s/coordinator.log | grep -q 'ERROR: AddressSanitizer\\|ERROR: LeakSanitizer\\|runtime error:'",
           dir, dir) == 0) {
        fprintf(stderr, "sanitizer report in the worker or coordinator logs (%s)\n", dir);
        sh("cat %s/worker*.log %s/coordinator.log | grep -A20 'Sanitizer\\|runtime error:' | head -80", dir, dir);
        bad = 1;
    }
    MHD_stop_daemon(files);
    if (dn_finish(&C.node))
        bad = 1;
    if (getenv("KEEP_E2E_DIR"))
        fprintf(stderr, "logs kept in %s\n", dir);
    else
        sh("rm -rf %s", dir);
    free(probe);
    free(probe2);
    free(oracle);
    return bad ? -1 : 0;
}

/* ------------------------------------------------------------ requests */

static char *wasm_url_source(const char *path, const char *hash)
{
    char *s = NULL;
    if (asprintf(&s,
                 "{\"WasmUrl\":{\"url\":\"http://127.0.0.1:%d%s\",\"hash\":\"%s\",\"build_target\":\"wasm32-wasip1\"}}",
                 files_port, path, hash) < 0)
        return NULL;
    return s;
}

/* Requests, waits for the final outcome, checks the refund; returns the
 * completed event's data[0] (new reference) and the value through *value. */
static json_t *run_request_ex(const char *source, const char *limits, const char *input, const char *format,
                              const char *extra, char **value)
{
    wh_request rq;
    assert_int_equal(wh_request_execution_ex(&C, source, limits, input, format, extra, &rq), 0);
    near_outcome o;
    if (wh_final(&C, &rq, 60000, &o))
        fail_msg("no final outcome for input %s (logs in %s)", input, dir);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fail_msg("input %s: the caller's transaction failed: %s", input, o.failure_message);
    if (wh_check_refund(&C, &rq, &o))
        fail_msg("refund is not exact for input %s", input);
    json_t *ev = wh_completed_event(&o);
    assert_non_null(ev);
    json_t *d = json_incref(json_array_get(json_object_get(ev, "data"), 0));
    json_decref(ev);
    if (value)
        *value = strndup((const char *)o.value, o.value_len);
    near_outcome_free(&o);
    return d;
}

static json_t *run_request(const char *source, const char *limits, const char *input, const char *format, char **value)
{
    return run_request_ex(source, limits, input, format, NULL, value);
}

static void expect_failure_ex(const char *source, const char *limits, const char *input, const char *extra,
                              const char *needle)
{
    char *value = NULL;
    json_t *d = run_request_ex(source, limits, input, "Text", extra, &value);
    assert_string_equal(value, "null");
    assert_true(json_is_false(json_object_get(d, "success")));
    const char *msg = json_string_value(json_object_get(d, "error_message"));
    if (!msg || !strstr(msg, needle))
        fail_msg("input %s: error %s, expected %s", input, msg ? msg : "(none)", needle);
    free(value);
    json_decref(d);
}

static void expect_failure(const char *source, const char *limits, const char *input, const char *needle)
{
    expect_failure_ex(source, limits, input, NULL, needle);
}

#define LIMITS(fuel, mem, secs) \
    "{\"max_instructions\":" #fuel ",\"max_memory_mb\":" #mem ",\"max_execution_seconds\":" #secs "}"

static void test_wasm_url_success(void **state)
{
    char *src = wasm_url_source("/probe.wasm", probe_hash);
    char *value = NULL;
    json_t *d = run_request(src, LIMITS(1000000000, 32, 10), "echo:Heads", "Text", &value);
    assert_string_equal(value, "\"Heads\"");
    assert_true(json_is_true(json_object_get(d, "success")));
    assert_true(json_integer_value(json_object_get(json_object_get(d, "resources_used"), "instructions")) > 0);
    json_decref(d);
    free(value);
    /* Json format, from the cache this time. */
    d = run_request(src, LIMITS(1000000000, 32, 10), "json", "Json", &value);
    assert_string_equal(value, "{\"answer\":42,\"list\":[1,2]}");
    json_decref(d);
    free(value);
    free(src);
    /* The coordinator accepted the attestation record of each job. */
    assert_int_equal(log_count("attestation not stored", ""), 0);
}

/* A program's outlayer_v1 HTTP request through the real worker: the price
 * oracle's fetched value resolves the request on chain; a name that
 * resolves to loopback is refused after DNS (docs/program-api.md). */
static void test_http_oracle(void **state)
{
    char *src = wasm_url_source("/oracle.wasm", oracle_hash);
    char input[128], *value = NULL;
    snprintf(input, sizeof input, "http://127.0.0.1:%d/quote.json", files_port);
    json_t *d = run_request(src, LIMITS(1000000000, 32, 10), input, "Json", &value);
    assert_string_equal(value, "{\"price\":7.5,\"status\":200}");
    assert_true(json_is_true(json_object_get(d, "success")));
    json_decref(d);
    free(value);
    /* localhost is on the worker's list (--http-allow 127.0.0.1,localhost) but a name, so its
     * loopback address is refused; a host not on the list is refused before DNS */
    snprintf(input, sizeof input, "http://localhost:%d/quote.json", files_port);
    expect_failure(src, LIMITS(1000000000, 32, 10), input, "address refused");
    snprintf(input, sizeof input, "http://127.0.0.2:%d/quote.json", files_port);
    expect_failure(src, LIMITS(1000000000, 32, 10), input, "host not on the allow-list");
    free(src);
    assert_int_equal(log_count("attestation not stored", ""), 0);
}

/* A request's http_allow (request_execution, through the contract's event
 * and the coordinator) narrows the worker's --http-allow 127.0.0.1,localhost:
 * a host both allow is reached; one only the worker allows is refused. */
static void test_http_request_narrows(void **state)
{
    char *src = wasm_url_source("/oracle.wasm", oracle_hash);
    char input[128], *value = NULL;
    snprintf(input, sizeof input, "http://127.0.0.1:%d/quote.json", files_port);
    json_t *d = run_request_ex(src, LIMITS(1000000000, 32, 10), input, "Json",
                               "{\"http_allow\":\"127.0.0.1,api.example.com\"}", &value);
    assert_string_equal(value, "{\"price\":7.5,\"status\":200}");
    assert_true(json_is_true(json_object_get(d, "success")));
    json_decref(d);
    free(value);
    /* the worker allows 127.0.0.1, this request only localhost */
    expect_failure_ex(src, LIMITS(1000000000, 32, 10), input, "{\"http_allow\":\"localhost\"}",
                      "host not on the allow-list");
    /* the request cannot widen the worker's list */
    snprintf(input, sizeof input, "http://127.0.0.2:%d/quote.json", files_port);
    expect_failure_ex(src, LIMITS(1000000000, 32, 10), input, "{\"http_allow\":\"*\"}", "host not on the allow-list");
    free(src);
}

/* How many attestation records the coordinator stored that match the SQL
 * condition `where` (one text parameter); the worker sends the record after
 * the resolve, so this waits up to 5 s for the first one. */
static int attestations_where(const char *where, const char *arg)
{
    char path[400], sql[300];
    snprintf(path, sizeof path, "%s/coord/coordinator.db", dir);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM task_attestations WHERE %s", where);
    int n = -1;
    for (int tries = 0; tries < 50 && n < 1; tries++) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
            sqlite3_busy_timeout(db, 5000);
            sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int(st, 0);
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
        if (n < 1)
            usleep(100000);
    }
    return n;
}

/* issue 16: the VRF dice through the real worker. The roll's proof checks,
 * in process and with `outlayer verify-vrf`, under the key that signs the
 * worker's results (the operator's), for an input bound to this request
 * (the OutLayer contract and a request id the worker ran) and the label;
 * a tampered proof does not. */
static void test_vrf_dice(void **state)
{
    char *src = wasm_url_source("/dice.wasm", dice_hash);
    char *value = NULL;
    json_t *d = run_request(src, LIMITS(1000000000, 32, 10), "round 1", "Json", &value);
    assert_true(json_is_true(json_object_get(d, "success")));
    json_decref(d);
    free(src);
    json_t *out = json_loads(value, 0, NULL);
    if (!out)
        fail_msg("output %s", value);
    char pk_hex[65];
    sodium_bin2hex(pk_hex, sizeof pk_hex, C.op.keypair.secret + 32, 32);
    assert_string_equal(json_string_value(json_object_get(out, "public_key")), pk_hex);
    const char *in_hex = json_string_value(json_object_get(out, "input"));
    const char *pi_hex = json_string_value(json_object_get(out, "proof"));
    const char *beta_hex = json_string_value(json_object_get(out, "output"));
    assert_non_null(in_hex);
    assert_non_null(pi_hex);
    assert_non_null(beta_hex);
    uint8_t input[512], pi[80], beta[64], pk[32];
    size_t in_len = 0, n = 0;
    assert_int_equal(sodium_hex2bin(input, sizeof input, in_hex, strlen(in_hex), NULL, &in_len, NULL), 0);
    assert_int_equal(sodium_hex2bin(pi, sizeof pi, pi_hex, strlen(pi_hex), NULL, &n, NULL), 0);
    assert_int_equal(n, 80);
    memcpy(pk, C.op.keypair.secret + 32, 32);
    /* the request id sits after the domain and the contract id */
    size_t at = sizeof HOSTAPI_VRF_DOMAIN + 4 + strlen(WH_OUTLAYER);
    assert_true(in_len > at + 8);
    uint64_t rid = 0;
    for (int i = 7; i >= 0; i--)
        rid = rid << 8 | input[at + i];
    uint8_t want[512];
    size_t want_len = hostapi_vrf_input(WH_OUTLAYER, rid, (const uint8_t *)"round 1", 7, want, sizeof want);
    assert_int_equal(in_len, want_len);
    assert_memory_equal(input, want, want_len);
    char ran[64];
    snprintf(ran, sizeof ran, "request %" PRIu64 ": ran ", rid);
    assert_true(log_count(ran, "ok") >= 1);
    assert_true(vrf_verify(pk, input, in_len, pi, beta));
    char beta_check[129];
    sodium_bin2hex(beta_check, sizeof beta_check, beta, 64);
    assert_string_equal(beta_check, beta_hex);
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | beta[i];
    assert_int_equal(json_integer_value(json_object_get(out, "roll")), (json_int_t)(1 + x % 6));
    /* the command line agrees; one flipped bit of the proof fails */
    assert_int_equal(sh("%s/build/bin/outlayer verify-vrf --public-key %s --alpha %s --proof %s > /dev/null", cwd,
                        pk_hex, in_hex, pi_hex),
                     0);
    char bad[161];
    snprintf(bad, sizeof bad, "%s", pi_hex);
    bad[100] = bad[100] == '0' ? '1' : '0';
    int st = sh("%s/build/bin/outlayer verify-vrf --public-key %s --alpha %s --proof %s > /dev/null 2>&1", cwd, pk_hex,
                in_hex, bad);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    /* the coordinator keeps the proving key with the attestation */
    assert_int_equal(attestations_where("vrf_public_key=? AND vrf_calls=1", pk_hex), 1);
    json_decref(out);
    free(value);
}

static void store_secrets_json(const char *seed, const char *accessor, const char *profile, const char *access,
                               const char *secrets_json)
{
    char *blob = ks_seal(&ks, seed, secrets_json);
    assert_non_null(blob);
    char *args = NULL;
    assert_true(asprintf(&args,
                         "{\"accessor\":%s,\"profile\":\"%s\",\"encrypted_secrets_base64\":\"%s\",\"access\":%s}",
                         accessor, profile, blob, access) > 0);
    near_outcome o;
    near_rpc_error err = {0};
    near_status st =
        dn_call(&C.node, &alice, WH_OUTLAYER, "store_secrets", args, DN_NEAR / 10, NEAR_WAIT_FINAL, &o, &err, NULL);
    if (st != NEAR_OK || o.kind != NEAR_OUTCOME_SUCCESS)
        fail_msg("store_secrets %s: %s %s", profile, near_status_name(st), err.message ? err.message : "");
    near_outcome_free(&o);
    near_rpc_error_clear(&err);
    free(args);
    free(blob);
}

/* issue 16: the AI completion example through the real worker, its API key
 * and base URL from the keystore's secrets: the mock API's answer resolves
 * the request; the key is in no log; the transcript the worker wrote
 * (--http-transcript-dir) hashes to the http_transcript_sha256 of the
 * attestation record the coordinator stored. */
static void test_ai_completion(void **state)
{
    char seed[200], accessor[200], secrets[300];
    snprintf(seed, sizeof seed, "wasm_hash:%s:" ALICE, ai_hash);
    snprintf(accessor, sizeof accessor, "{\"WasmHash\":{\"hash\":\"%s\"}}", ai_hash);
    snprintf(secrets, sizeof secrets,
             "{\"OPENAI_API_KEY\":\"" AI_KEY "\",\"OPENAI_BASE_URL\":\"http://127.0.0.1:%d/v1\"}", files_port);
    store_secrets_json(seed, accessor, "ai", "\"AllowAll\"", secrets);
    char *src = wasm_url_source("/ai.wasm", ai_hash);
    char *value = NULL;
    json_t *d = run_request_ex(src, LIMITS(1000000000, 32, 10), "Say hi", "Json",
                               "{\"secrets_ref\":{\"profile\":\"ai\",\"account_id\":\"" ALICE "\"}}", &value);
    free(src);
    json_decref(d);
    static const char body[] = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}";
    char want[200];
    snprintf(want, sizeof want, "{\"model\":\"mock-1\",\"answer\":\"body of %zu bytes\",\"finish_reason\":\"stop\"}",
             sizeof body - 1);
    assert_string_equal(value, want);
    free(value);
    assert_int_equal(log_count(AI_KEY, ""), 0);
    /* the transcript file of that job, and the stored attestation's hash */
    char cmd[600], file[400] = "";
    snprintf(cmd, sizeof cmd, "grep -l 'chat/completions' %s/transcripts/*.http | head -1", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (!fgets(file, sizeof file, p))
        file[0] = 0;
    pclose(p);
    file[strcspn(file, "\n")] = 0;
    if (!file[0])
        fail_msg("no transcript with the chat request in %s/transcripts", dir);
    size_t len = 0;
    uint8_t *bytes = dn_read_file(file, &len);
    assert_non_null(bytes);
    char hex[65];
    wk_sha256_hex(bytes, len, hex);
    free(bytes);
    assert_int_equal(attestations_where("http_transcript_sha256=? AND http_requests=1", hex), 1);
}

static void test_wasm_url_failures(void **state)
{
    char *bad = wasm_url_source("/probe.wasm", big_hash);
    expect_failure(bad, LIMITS(1000000000, 32, 10), "echo:x", "hash mismatch");
    free(bad);
    char *too_big = wasm_url_source("/big.wasm", big_hash);
    expect_failure(too_big, LIMITS(1000000000, 32, 10), "echo:x", "too large");
    free(too_big);
    char *src = wasm_url_source("/probe.wasm", probe_hash);
    expect_failure(src, LIMITS(20000000, 32, 10), "spin", "Instruction limit exceeded");
    expect_failure(src, LIMITS(1000000000, 8, 10), "alloc", "Memory limit exceeded");
    expect_failure(src, LIMITS(400000000000, 32, 1), "wait", "Time limit exceeded");
    expect_failure(src, LIMITS(1000000000, 32, 10), "exit3", "Program exited with code 3: bad input");
    expect_failure(src, LIMITS(1000000000, 32, 10), "flood:20000", "Output too large");
    free(src);
}

static void test_git_source(void **state)
{
    char src[300];
    snprintf(src, sizeof src,
             "{\"GitHub\":{\"repo\":\"https://github.com/alice/flip\",\"commit\":\"%s\","
             "\"build_target\":\"wasm32-wasip1\"}}",
             head_commit);
    char *value = NULL;
    json_t *d = run_request(src, LIMITS(1000000000, 32, 10), "", "Text", &value);
    assert_string_equal(value, "\"Tails\"");
    json_decref(d);
    free(value);
    /* The same commit again, now by its branch name: resolved to the commit,
     * found in the cache, never compiled again. */
    int builds = log_count("building ", "");
    d = run_request("{\"GitHub\":{\"repo\":\"https://github.com/alice/flip\",\"commit\":\"main\","
                    "\"build_target\":\"wasm32-wasip1\"}}",
                    LIMITS(1000000000, 32, 10), "", "Text", &value);
    assert_string_equal(value, "\"Tails\"");
    json_decref(d);
    free(value);
    d = run_request(src, LIMITS(1000000000, 32, 10), "", "Text", &value);
    assert_string_equal(value, "\"Tails\"");
    json_decref(d);
    free(value);
    assert_int_equal(log_count("building ", "") - builds, 0);
    expect_failure("{\"GitHub\":{\"repo\":\"https://github.com/alice/flip\",\"commit\":\"broken\","
                   "\"build_target\":\"wasm32-wasip1\"}}",
                   LIMITS(1000000000, 32, 10), "", "Compilation failed");
    expect_failure("{\"GitHub\":{\"repo\":\"https://github.com/alice/flip\",\"commit\":\"evil\","
                   "\"build_target\":\"wasm32-wasip1\"}}",
                   LIMITS(1000000000, 32, 10), "", "'/etc/passwd' file not found");
}

/* A Rust program from git: built by cargo in the sandbox, run, resolved. */
static void test_rust_git_source(void **state)
{
    char *value = NULL;
    json_t *d = run_request("{\"GitHub\":{\"repo\":\"https://github.com/bob/echo\",\"commit\":\"main\","
                            "\"build_target\":\"wasm32-wasip1\"}}",
                            LIMITS(1000000000, 32, 10), "ping", "Text", &value);
    if (!value || !strstr(value, " said: ping\""))
        fail_msg("value %s", value ? value : "(none)");
    assert_true(json_is_true(json_object_get(d, "success")));
    json_decref(d);
    free(value);
    expect_failure("{\"GitHub\":{\"repo\":\"https://github.com/bob/echo\",\"commit\":\"broken\","
                   "\"build_target\":\"wasm32-wasip1\"}}",
                   LIMITS(1000000000, 32, 10), "", "mismatched types");
}

/* A caller contract (contracts/examples/coinflip.c) asks OutLayer for a
 * flip computed by a program built from git, and gets it in its callback. */
static void test_caller_contract(void **state)
{
    near_credentials flip;
    assert_int_equal(dn_create_account(&C.node, &C.node.test_root, "coinflip.test.near", 20 * DN_NEAR, &flip), 0);
    char init[400];
    snprintf(init, sizeof init,
             "{\"outlayer_id\":\"" WH_OUTLAYER
             "\",\"code_source\":{\"GitHub\":{\"repo\":\"https://github.com/alice/flip\","
             "\"commit\":\"%s\",\"build_target\":\"wasm32-wasip1\"}}}",
             head_commit);
    assert_int_equal(dn_deploy(&C.node, &flip, "build/contracts/coinflip.wasm", init), 0);
    wh_request rq = {0};
    rq.deposit = DN_NEAR / 10;
    rq.balance_before = dn_balance(&C.node, WH_CALLER);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_call(&C.node, &C.caller, "coinflip.test.near", "flip", "{\"choice\":\"Tails\"}", rq.deposit,
                             NEAR_WAIT_INCLUDED, &o, &err, rq.tx_hash),
                     NEAR_OK);
    near_outcome_free(&o);
    if (wh_final(&C, &rq, 60000, &o))
        fail_msg("the flip never came back (logs in %s)", dir);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fail_msg("flip failed: %s", o.failure_message);
    assert_string_equal((const char *)o.value,
                        "{\"player\":\"" WH_CALLER "\",\"choice\":\"Tails\",\"outcome\":\"Tails\",\"won\":true}");
    /* The player paid the deposit and got back all but the charge. */
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
}

static void test_kill_mid_execution(void **state)
{
    char *src = wasm_url_source("/probe.wasm", probe_hash);
    wh_request rq;
    int running_before = log_count("running ", "");
    /* Counted from here: an earlier test's job that lost a lease on a loaded
     * machine must not be blamed on this one. */
    int third_attempts_before = log_count("(attempt 3)", "");
    /* Runs 3 s (then fails on its time limit: a definite result). */
    assert_int_equal(wh_request_execution(&C, src, LIMITS(400000000000, 32, 3), "wait", "Text", &rq), 0);
    free(src);
    /* Kill the worker once it is running the program. */
    for (int waited = 0; log_count("running ", "") <= running_before && waited < 30000; waited += 50)
        usleep(50 * 1000);
    assert_true(log_count("running ", "") > running_before);
    usleep(500 * 1000);
    stop(worker_pid, SIGKILL);
    int before = log_count("resolved success=", "");
    start_worker();
    near_outcome o;
    if (wh_final(&C, &rq, 90000, &o))
        fail_msg("the killed job was never finished (logs in %s)", dir);
    json_t *ev = wh_completed_event(&o);
    assert_non_null(ev);
    json_t *d = json_array_get(json_object_get(ev, "data"), 0);
    assert_non_null(strstr(json_string_value(json_object_get(d, "error_message")), "Time limit exceeded"));
    json_decref(ev);
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    /* Exactly one resolve reached the chain for it, and the heartbeat kept
     * the second worker's lease for the whole 3 s run (no third attempt). */
    assert_int_equal(log_count("resolved success=", "") - before, 1);
    assert_int_equal(log_count("(attempt 3)", "") - third_attempts_before, 0);
}

/* SIGTERM while a job runs: the worker finishes it (within its grace
 * period), reports it and exits 0. */
static void test_sigterm_finishes_job(void **state)
{
    char *src = wasm_url_source("/probe.wasm", probe_hash);
    wh_request rq;
    int running_before = log_count("running ", "");
    int resolved_before = log_count("resolved success=false", "");
    assert_int_equal(wh_request_execution(&C, src, LIMITS(400000000000, 32, 2), "wait", "Text", &rq), 0);
    free(src);
    for (int waited = 0; log_count("running ", "") <= running_before && waited < 30000; waited += 50)
        usleep(50 * 1000);
    assert_true(log_count("running ", "") > running_before);
    int st = stop(worker_pid, SIGTERM);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* It was resolved by the worker that stopped, before it exited. */
    assert_int_equal(log_count("resolved success=false", "") - resolved_before, 1);
    near_outcome o;
    assert_int_equal(wh_final(&C, &rq, 30000, &o), 0);
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    start_worker();
}

/* The same for a build: kill -9 while clang runs in the sandbox. */
static void test_kill_mid_compile(void **state)
{
    wh_request rq;
    int building_before = log_count("building ", "");
    int resolved_before = log_count("resolved success=", "");
    assert_int_equal(wh_request_execution(&C,
                                          "{\"GitHub\":{\"repo\":\"https://github.com/alice/flip\",\"commit\":\"slow\","
                                          "\"build_target\":\"wasm32-wasip1\"}}",
                                          LIMITS(1000000000, 32, 10), "", "Text", &rq),
                     0);
    for (int waited = 0; log_count("building ", "") <= building_before && waited < 30000; waited += 50)
        usleep(50 * 1000);
    assert_true(log_count("building ", "") > building_before);
    usleep(300 * 1000);
    stop(worker_pid, SIGKILL);
    usleep(500 * 1000);
    /* The sandbox died with the worker: no compiler is left running. */
    assert_int_not_equal(sh("pgrep -f 'clang-19 --target=wasm32-wasi.*[m]ain[.]c' >/dev/null"), 0);
    start_worker();
    near_outcome o;
    if (wh_final(&C, &rq, 90000, &o))
        fail_msg("the killed build was never finished (logs in %s)", dir);
    assert_string_equal((const char *)o.value, "\"slow 1\"");
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    assert_int_equal(log_count("resolved success=", "") - resolved_before, 1);
    /* The killed worker's checkout was removed by the next one at start. */
    assert_true(log_count("left by stopped workers", "") >= 1);
    assert_int_not_equal(sh("ls -d %s/outlayer-build-* >/dev/null 2>&1", dir), 0);
}

/* A job that keeps losing its worker is abandoned by the coordinator after
 * max_attempts leases; the next worker resolves it on chain as a failure
 * with the coordinator's reason, so the caller is refunded. */
static void test_abandoned(void **state)
{
    stop(coord.pid, SIGTERM);
    max_attempts = "1";
    assert_int_equal(start_coordinator(), 0);
    char *src = wasm_url_source("/probe.wasm", probe_hash);
    wh_request rq;
    int running_before = log_count("running ", "");
    assert_int_equal(wh_request_execution(&C, src, LIMITS(400000000000, 32, 5), "wait", "Text", &rq), 0);
    free(src);
    for (int waited = 0; log_count("running ", "") <= running_before && waited < 30000; waited += 50)
        usleep(50 * 1000);
    assert_true(log_count("running ", "") > running_before);
    stop(worker_pid, SIGKILL);
    sleep(4); /* the lease (3 s) expires: one attempt was all it had */
    start_worker();
    near_outcome o;
    if (wh_final(&C, &rq, 60000, &o))
        fail_msg("the abandoned job was never resolved (logs in %s)", dir);
    json_t *ev = wh_completed_event(&o);
    assert_non_null(ev);
    json_t *d = json_array_get(json_object_get(ev, "data"), 0);
    assert_true(json_is_false(json_object_get(d, "success")));
    const char *msg = json_string_value(json_object_get(d, "error_message"));
    if (!msg || !strstr(msg, "abandoned"))
        fail_msg("error: %s", msg ? msg : "(none)");
    json_decref(ev);
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    assert_true(log_count("abandoned by the coordinator", "") >= 1);
}

static void test_restarts(void **state)
{
    char *src = wasm_url_source("/probe.wasm", probe_hash);
    char *value = NULL;
    /* The coordinator goes away while a request is made: the monitor keeps
     * the event until it can be queued, the job loop reconnects. */
    stop(coord.pid, SIGTERM);
    wh_request rq;
    assert_int_equal(wh_request_execution(&C, src, LIMITS(1000000000, 32, 10), "echo:after-restart", "Text", &rq), 0);
    sleep(2);
    assert_int_equal(start_coordinator(), 0);
    near_outcome o;
    if (wh_final(&C, &rq, 60000, &o))
        fail_msg("request lost across a coordinator restart (logs in %s)", dir);
    assert_string_equal((const char *)o.value, "\"after-restart\"");
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    /* The chain (RPC and feed) restarts: the worker carries on. */
    assert_int_equal(dn_stop(&C.node, true), 0);
    sleep(1);
    assert_int_equal(dn_restart(&C.node, 100, NULL), 0);
    json_t *d = run_request(src, LIMITS(1000000000, 32, 10), "echo:chain-back", "Text", &value);
    assert_string_equal(value, "\"chain-back\"");
    json_decref(d);
    free(value);
    free(src);
}

/* ------------------------------------------------------------ secrets */

/* alice stores secrets (sealed to the keystore's key for seed) with
 * store_secrets; accessor and access in the contract's JSON form. */
static void store_secrets(const char *seed, const char *accessor, const char *profile, const char *access)
{
    char *blob = ks_seal(&ks, seed, "{\"SECRET_API_KEY\":\"" SECRET_VALUE "\",\"MODE\":\"e2e\"}");
    assert_non_null(blob);
    char *args = NULL;
    assert_true(asprintf(&args,
                         "{\"accessor\":%s,\"profile\":\"%s\",\"encrypted_secrets_base64\":\"%s\",\"access\":%s}",
                         accessor, profile, blob, access) > 0);
    near_outcome o;
    near_rpc_error err = {0};
    near_status st =
        dn_call(&C.node, &alice, WH_OUTLAYER, "store_secrets", args, DN_NEAR / 10, NEAR_WAIT_FINAL, &o, &err, NULL);
    if (st != NEAR_OK)
        fail_msg("store_secrets %s: %s %s", profile, near_status_name(st), err.message);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fail_msg("store_secrets %s: %s", profile, o.failure_message);
    near_outcome_free(&o);
    near_rpc_error_clear(&err);
    free(args);
    free(blob);
}

/* The probe's output for envrev:SECRET_API_KEY, as the chain returns it. */
static const char *reversed_secret(void)
{
    static char out[sizeof SECRET_VALUE + 2];
    size_t n = strlen(SECRET_VALUE);
    out[0] = '"';
    for (size_t i = 0; i < n; i++)
        out[1 + i] = SECRET_VALUE[n - 1 - i];
    out[n + 1] = '"';
    out[n + 2] = 0;
    return out;
}

/* How many execute jobs the coordinator recorded with this status (the
 * error category the worker reported). */
static int jobs_with_status(const char *status)
{
    char path[400];
    snprintf(path, sizeof path, "%s/coord/coordinator.db", dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM jobs WHERE job_type='execute' AND status=?", -1, &st, NULL) ==
            SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

#define SECRETS_REF(profile) "{\"secrets_ref\":{\"profile\":\"" profile "\",\"account_id\":\"" ALICE "\"}}"

static void test_secrets(void **state)
{
    char seed[200], accessor[200];
    /* For the probe's hash: bob may use profile "default", not "closed". */
    snprintf(seed, sizeof seed, "wasm_hash:%s:" ALICE, probe_hash);
    snprintf(accessor, sizeof accessor, "{\"WasmHash\":{\"hash\":\"%s\"}}", probe_hash);
    store_secrets(seed, accessor, "default", "{\"Whitelist\":{\"accounts\":[\"" WH_CALLER "\"]}}");
    store_secrets(seed, accessor, "closed", "{\"Whitelist\":{\"accounts\":[\"carol.test.near\"]}}");
    /* For one branch of the git repository (the worker names the branch). */
    assert_int_equal(sh("set -e; cd %s/repos/alice/flip; git checkout -qb secret main;"
                        "printf '#include <stdio.h>\\n#include <stdlib.h>\\n#include <string.h>\\n"
                        "int main(void){ const char *v = getenv(\"SECRET_API_KEY\"); if (!v) v = \"(unset)\";"
                        " putchar(34); for (size_t i = strlen(v); i > 0; i--) putchar(v[i - 1]); putchar(34);"
                        " return 0; }\\n' > main.c;"
                        "git -c user.name=t -c user.email=t@t commit -qam secret; git checkout -q main",
                        dir),
                     0);
    store_secrets("github.com/alice/flip:" ALICE ":secret",
                  "{\"Repo\":{\"repo\":\"github.com/alice/flip\",\"branch\":\"secret\"}}", "default", "\"AllowAll\"");

    char *src = wasm_url_source("/probe.wasm", probe_hash);
    char *value = NULL;
    int with_before = log_count("with secrets", "");
    /* The allowed caller's program reads it (output on chain). */
    json_t *d = run_request_ex(src, LIMITS(1000000000, 32, 10), "envrev:SECRET_API_KEY", "Text", SECRETS_REF("default"),
                               &value);
    assert_string_equal(value, reversed_secret());
    json_decref(d);
    free(value);
    /* The worker's NEAR_* variables are there next to the secrets. */
    d = run_request_ex(src, LIMITS(1000000000, 32, 10), "envrev:NEAR_SENDER_ID", "Text", SECRETS_REF("default"),
                       &value);
    assert_string_equal(value, "\"raen.tset.bob\"");
    json_decref(d);
    free(value);
    /* A caller the condition denies: success:false, refunded. */
    expect_failure_ex(src, LIMITS(1000000000, 32, 10), "envrev:SECRET_API_KEY", SECRETS_REF("closed"),
                      "Access to secrets denied");
    /* A profile that does not exist. */
    expect_failure_ex(src, LIMITS(1000000000, 32, 10), "envrev:SECRET_API_KEY", SECRETS_REF("nothing"),
                      "Secrets not found");
    free(src);
    /* Another program (another hash) cannot read the probe's secrets. */
    char *other = wasm_url_source("/probe2.wasm", probe2_hash);
    expect_failure_ex(other, LIMITS(1000000000, 32, 10), "envrev:SECRET_API_KEY", SECRETS_REF("default"),
                      "Secrets not found");
    /* A git source by branch: built, run with the branch's secrets. */
    d = run_request_ex("{\"GitHub\":{\"repo\":\"https://github.com/alice/flip\",\"commit\":\"secret\","
                       "\"build_target\":\"wasm32-wasip1\"}}",
                       LIMITS(1000000000, 32, 10), "", "Json", SECRETS_REF("default"), &value);
    assert_string_equal(value, reversed_secret());
    json_decref(d);
    free(value);
    assert_int_equal(log_count("with secrets", "") - with_before, 3);
    /* The coordinator got the spec's categories: denied, and not found (custom). */
    assert_int_equal(jobs_with_status("access_denied"), 1);
    assert_int_equal(jobs_with_status("custom"), 2);

    /* A worker without a keystore: a clear failure, not a run without them. */
    assert_int_equal(stop(worker_pid, SIGTERM), 0);
    worker_keystore = false;
    start_worker();
    expect_failure_ex(other, LIMITS(1000000000, 32, 10), "envrev:SECRET_API_KEY", SECRETS_REF("default"),
                      "no keystore configured");
    assert_int_equal(stop(worker_pid, SIGTERM), 0);
    worker_keystore = true;
    start_worker();
    free(other);
}

/* A keystore with --require-attestation: it serves the worker because the
 * worker signs with its operator key and that key is a function-call key
 * of the register account for the OutLayer contract (what a register
 * contract adds for an admitted TEE worker). */
static void test_secrets_attested(void **state)
{
    near_credentials reg;
    assert_int_equal(dn_create_account(&C.node, &C.node.test_root, "register.test.near", 5 * DN_NEAR, &reg), 0);
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&C.node, "register.test.near", &reg.keypair, "register.test.near", &tx), 0);
    const char *methods[] = {"resolve_execution", "submit_execution_output_and_resolve"};
    assert_int_equal(
        near_add_function_call_key(near_tx_actions(&tx), &C.op.keypair.public_key, 0, NULL, WH_OUTLAYER, methods, 2),
        0);
    near_outcome o;
    near_rpc_error e = {0};
    assert_int_equal(dn_tx_send(&C.node, &tx, &reg.keypair, NEAR_WAIT_FINAL, &o, &e, NULL), NEAR_OK);
    near_outcome_free(&o);
    near_rpc_error_clear(&e);
    /* The same master as the first keystore, so the stored secrets open. */
    char path[400], master_env[128] = "OUTLAYER_KEYSTORE_MASTER=";
    snprintf(path, sizeof path, "%s/master.key", ks.dir);
    FILE *mf = fopen(path, "r");
    assert_non_null(mf);
    assert_non_null(fgets(master_env + strlen(master_env), 65, mf));
    fclose(mf);
    const char *env[] = {master_env, NULL};
    const char *args[] = {
        "--near-rpc-url",     C.node.url, "--contract-id", WH_OUTLAYER, "--require-attestation", "--register-contract",
        "register.test.near", NULL};
    assert_int_equal(ks_start(&ks_attested, NULL, args, env), 0);
    sodium_memzero(master_env, sizeof master_env);
    assert_int_equal(stop(worker_pid, SIGTERM), 0);
    keystore_url = ks_attested.url;
    start_worker();
    char *src = wasm_url_source("/probe.wasm", probe_hash);
    char *value = NULL;
    json_t *d = run_request_ex(src, LIMITS(1000000000, 32, 10), "envrev:SECRET_API_KEY", "Text", SECRETS_REF("default"),
                               &value);
    assert_string_equal(value, reversed_secret());
    json_decref(d);
    free(value);
    free(src);
    assert_int_equal(stop(worker_pid, SIGTERM), 0);
    keystore_url = ks.url;
    start_worker();
    assert_int_equal(ks_stop(&ks_attested), 0);
    /* It did check: the signed request was verified against the register account. */
    assert_int_equal(sh("grep -q 'granted' '%s'", ks_attested.log), 0);
}

/* Last: no log, database or chain file of the stack holds the secret
 * (the programs printed it reversed). */
static void test_secret_not_written(void **state)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "grep -r -l -a -F -e '%s' '%s' '%s' '%s' '%s' '%s' '%s' '%s.log' 2>/dev/null",
             SECRET_VALUE, dir, ks.dir, ks.log, ks_attested.dir, ks_attested.log, C.node.home, C.node.home);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char found[1024] = "";
    size_t n = fread(found, 1, sizeof found - 1, p);
    found[n] = 0;
    pclose(p);
    if (found[0])
        fail_msg("the secret value is in: %s", found);
    /* …while the reversed value is on chain: the scan does look there. */
    const char *rev = reversed_secret();
    snprintf(cmd, sizeof cmd, "grep -r -l -a -F -e '%.*s' '%s' '%s.log' 2>/dev/null | head -1", (int)strlen(rev) - 2,
             rev + 1, C.node.home, C.node.home);
    p = popen(cmd, "r");
    n = fread(found, 1, sizeof found - 1, p);
    found[n] = 0;
    pclose(p);
    if (!found[0])
        fail_msg("the reversed secret was not found in the devnet's files: the scan proves nothing");
}

/* A key that is not the operator's: the worker refuses to start. */
static void test_wrong_key_refused(void **state)
{
    char key[300], log[300];
    snprintf(key, sizeof key, "%s/wrong.json", dir);
    snprintf(log, sizeof log, "%s/wrong.log", dir);
    near_keypair kp;
    assert_int_equal(near_keypair_generate(&kp), 0);
    char pk[NEAR_KEY_TEXT_MAX], sk[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&kp.public_key, pk);
    near_keypair_format_secret(&kp, sk);
    FILE *f = fopen(key, "w");
    fprintf(f, "{\"account_id\":\"%s\",\"public_key\":\"%s\",\"private_key\":\"%s\"}\n", WH_OPERATOR, pk, sk);
    fclose(f);
    char *argv[] = {(char *)worker_bin, "--api-token", coord.token, "--contract-id",     WH_OUTLAYER, "--key-file",
                    key,                "--rpc-url",   C.node.url,  "--coordinator-url", coord.url,   NULL};
    pid_t pid = spawn(argv, log);
    int st = 0;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_int_equal(sh("grep -q 'is not an access key of " WH_OPERATOR "' %s", log), 0);
    assert_int_not_equal(sh("grep -q '%s' %s", sk + 8, log), 0); /* the key is never printed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wasm_url_success),
        cmocka_unit_test(test_http_oracle),
        cmocka_unit_test(test_http_request_narrows),
        cmocka_unit_test(test_vrf_dice),     /* issue 16 */
        cmocka_unit_test(test_ai_completion), /* issue 16 (needs the keystore: before the tests that stop it) */
        cmocka_unit_test(test_wasm_url_failures),
        cmocka_unit_test(test_git_source),
        cmocka_unit_test(test_rust_git_source),
        cmocka_unit_test(test_caller_contract),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_secrets_attested),
        cmocka_unit_test(test_kill_mid_execution),
        cmocka_unit_test(test_kill_mid_compile),
        cmocka_unit_test(test_sigterm_finishes_job),
        cmocka_unit_test(test_restarts),
        cmocka_unit_test(test_abandoned),
        cmocka_unit_test(test_wrong_key_refused),
        cmocka_unit_test(test_secret_not_written),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
