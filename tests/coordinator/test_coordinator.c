/* test_coordinator.c — outlayer-coordinator over HTTP.
 *
 * Starts the real binary (COORD_BIN) on 127.0.0.1 with port 0 and a fresh
 * data directory, creates tokens with its `token` subcommand, and talks to
 * it with the base HTTP client: every route's success shape, auth failure
 * and bad input; the queue with two simulated workers (leases, expiry,
 * heartbeats, release, max_attempts, capability filtering, idempotency);
 * long-poll wake-up latency; the WASM cache (hash check, ETag, path tricks,
 * LRU); and a restart on the same data directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "base/http_client.h"
#include "base/http_server.h"
#include "coordinator/db.h"
#include "coordinator/request.h"
#include "secrets/seed.h"

static const char *g_bin;
static char g_root[256];    /* temp root for every data dir of this run */
static int g_san;           /* running the sanitizer build: wider time bounds */
static const char *g_dburl; /* COORD_DATABASE_URL: run against PostgreSQL */
static char g_dbarg[512];

typedef struct {
    pid_t pid;
    int port;
    char dir[300];
    char base[64];
} server;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- */
/* the server process */

/* Every coordinator process started and not yet stopped, so a failed test
 * (cmocka jumps out of it) cannot leave one running. */
static pid_t g_running[16];

static void track(pid_t pid, int add)
{
    for (int i = 0; i < 16; i++)
        if (add ? g_running[i] == 0 : g_running[i] == pid) {
            g_running[i] = add ? pid : 0;
            return;
        }
}

static void stop_all(void)
{
    for (int i = 0; i < 16; i++)
        if (g_running[i]) {
            kill(g_running[i], SIGTERM);
            waitpid(g_running[i], NULL, 0);
            g_running[i] = 0;
        }
}

static void server_start(server *s, const char *name, const char *const *extra)
{
    if (!s->dir[0])
        snprintf(s->dir, sizeof s->dir, "%s/%s", g_root, name);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char logpath[400];
        snprintf(logpath, sizeof logpath, "%s.log", s->dir);
        int lf = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(p[1], 1);
        if (lf >= 0)
            dup2(lf, 2);
        close(p[0]);
        const char *argv[32];
        int n = 0;
        argv[n++] = g_bin;
        argv[n++] = "--host=127.0.0.1";
        argv[n++] = "--port=0";
        static char dd[400];
        snprintf(dd, sizeof dd, "--data-dir=%s", s->dir);
        argv[n++] = dd;
        argv[n++] = "--threads=4";
        if (g_dburl)
            argv[n++] = g_dbarg;
        for (int i = 0; extra && extra[i] && n < 30; i++)
            argv[n++] = extra[i];
        argv[n] = NULL;
        execv(g_bin, (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    s->pid = pid;
    track(pid, 1);
    char buf[256] = "";
    size_t len = 0;
    int64_t deadline = now_ms() + 20000;
    while (!strchr(buf, '\n') && now_ms() < deadline) {
        struct pollfd pf = {p[0], POLLIN, 0};
        if (poll(&pf, 1, 200) <= 0)
            continue;
        ssize_t r = read(p[0], buf + len, sizeof buf - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        buf[len] = 0;
    }
    close(p[0]);
    if (sscanf(buf, "listening port=%d", &s->port) != 1)
        fail_msg("server did not start (see %s.log): '%s'", s->dir, buf);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
}

static void server_stop(server *s)
{
    if (!s->pid)
        return;
    kill(s->pid, SIGTERM);
    int st = 0;
    waitpid(s->pid, &st, 0);
    track(s->pid, 0);
    s->pid = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("server exited badly (status 0x%x), see %s.log", st, s->dir);
}

/* Runs `coordinator --data-dir DIR ARGS...`; returns its exit code and stdout. */
static int run_cli(const char *dir, char *out, size_t out_size, const char *a1, const char *a2, const char *a3)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' --data-dir='%s' %s%s%s %s %s %s 2>/dev/null", g_bin, dir, g_dburl ? "'" : "",
             g_dburl ? g_dbarg : "", g_dburl ? "'" : "", a1 ? a1 : "", a2 ? a2 : "", a3 ? a3 : "");
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, out_size - 1, f);
    out[n] = 0;
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void new_token(server *s, const char *name, char tok[80])
{
    char out[256];
    assert_int_equal(run_cli(s->dir, out, sizeof out, "token", "add", name), 0);
    size_t l = strcspn(out, "\n");
    out[l] = 0;
    assert_int_equal(strlen(out), 64);
    memcpy(tok, out, 65);
}

/* ---------------------------------------------------------------- */
/* HTTP helpers */

static server *g_srv;
static __thread server *t_srv; /* a thread talking to another coordinator */

typedef struct {
    long status;
    json_t *json;
    hc_response raw;
} reply;

static void reply_free(reply *r)
{
    json_decref(r->json);
    hc_response_free(&r->raw);
    memset(r, 0, sizeof *r);
}

static long call_full(const char *method, const char *path, const char *token, const char *ct, const char *body,
                      size_t body_len, const char *const *headers, reply *r)
{
    char url[1024], err[256];
    snprintf(url, sizeof url, "%s%s", (t_srv ? t_srv : g_srv)->base, path);
    hc_options o = {.timeout_ms = 60000, .bearer = token, .headers = headers, .max_response = 64 << 20};
    memset(r, 0, sizeof *r);
    if (hc_request(method, url, ct, body, body_len, &o, &r->raw, err, sizeof err))
        fail_msg("%s %s failed: %s", method, path, err);
    r->status = r->raw.status;
    r->json = r->raw.len ? json_loadb(r->raw.body, r->raw.len, 0, NULL) : NULL;
    return r->status;
}

static long call(const char *method, const char *path, const char *token, const char *body, reply *r)
{
    return call_full(method, path, token, body ? "application/json" : NULL, body, body ? strlen(body) : 0, NULL, r);
}

static long callj(const char *method, const char *path, const char *token, json_t *body, reply *r)
{
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    long st = call(method, path, token, s, r);
    free(s);
    return st;
}

/* asserts a JSON error body mentioning needle */
static void expect_error(reply *r, long status, const char *needle)
{
    if (r->status != status)
        fail_msg("expected HTTP %ld, got %ld: %.300s", status, r->status, r->raw.body);
    const char *e = json_string_value(json_object_get(r->json, "error"));
    if (!e)
        fail_msg("no JSON error body: %.300s", r->raw.body);
    if (needle && !strstr(e, needle))
        fail_msg("error '%s' does not mention '%s'", e, needle);
}

static const char *jstr(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static json_t *exec_request(int64_t rid, const char *did, const char *repo, const char *commit)
{
    return json_pack("{s:I, s:s, s:{s:s, s:s, s:s}, s:{s:I, s:i, s:i}, s:s, s:s, s:s}", "request_id", (json_int_t)rid,
                     "data_id", did, "code_source", "type", "GitHub", "repo", repo, "commit", commit, "resource_limits",
                     "max_instructions", (json_int_t)1000000, "max_memory_mb", 64, "max_execution_seconds", 10,
                     "input_data", "{}", "user_account_id", "alice.near", "near_payment_yocto", "1000");
}

static json_t *wasm_request(int64_t rid, const char *did, const char *hash)
{
    return json_pack("{s:I, s:s, s:{s:s, s:s, s:s}, s:{s:I, s:i, s:i}, s:s}", "request_id", (json_int_t)rid, "data_id",
                     did, "code_source", "type", "WasmUrl", "url", "https://example.com/a.wasm", "hash", hash,
                     "resource_limits", "max_instructions", (json_int_t)1000000, "max_memory_mb", 64,
                     "max_execution_seconds", 10, "input_data", "");
}

static long create(const char *tok, json_t *req, reply *r) { return callj("POST", "/executions/create", tok, req, r); }

static long poll_task(const char *tok, const char *caps, const char *worker, int timeout, reply *r)
{
    char path[256];
    snprintf(path, sizeof path, "/executions/poll?timeout=%d&capabilities=%s&worker_id=%s", timeout, caps, worker);
    return call("GET", path, tok, NULL, r);
}

/* claim for a polled task (the poll body plus worker fields) */
static long claim(const char *tok, json_t *task, const char *worker, const char *caps_json, reply *r)
{
    json_t *b = json_deep_copy(task);
    json_object_set_new(b, "worker_id", json_string(worker));
    json_object_set_new(b, "capabilities", json_loads(caps_json, 0, NULL));
    json_object_set_new(b, "has_compile_result", json_boolean(json_object_get(task, "compile_result") != NULL));
    return callj("POST", "/jobs/claim", tok, b, r);
}

static char *multipart(const char *checksum, const char *repo, const char *commit, const unsigned char *data,
                       size_t len, size_t *out_len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    const char *B = "----coordtestboundary";
    if (checksum)
        fprintf(f, "--%s\r\nContent-Disposition: form-data; name=\"checksum\"\r\n\r\n%s\r\n", B, checksum);
    if (repo)
        fprintf(f, "--%s\r\nContent-Disposition: form-data; name=\"repo_url\"\r\n\r\n%s\r\n", B, repo);
    if (commit)
        fprintf(f, "--%s\r\nContent-Disposition: form-data; name=\"commit_hash\"\r\n\r\n%s\r\n", B, commit);
    fprintf(f, "--%s\r\nContent-Disposition: form-data; name=\"build_target\"\r\n\r\nwasm32-wasip1\r\n", B);
    if (data) {
        fprintf(f,
                "--%s\r\nContent-Disposition: form-data; name=\"wasm_file\"; filename=\"a.wasm\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n",
                B);
        fwrite(data, 1, len, f);
        fprintf(f, "\r\n");
    }
    fprintf(f, "--%s--\r\n", B);
    fclose(f);
    *out_len = n;
    return buf;
}

static long upload(const char *tok, const char *checksum, const char *repo, const char *commit,
                   const unsigned char *data, size_t len, reply *r)
{
    size_t n;
    char *body = multipart(checksum, repo, commit, data, len, &n);
    long st =
        call_full("POST", "/wasm/upload", tok, "multipart/form-data; boundary=----coordtestboundary", body, n, NULL, r);
    free(body);
    return st;
}

static unsigned char *fake_wasm(size_t len, unsigned seed)
{
    unsigned char *b = malloc(len);
    static const unsigned char hdr[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    for (size_t i = 0; i < len; i++)
        b[i] = i < 8 ? hdr[i] : (unsigned char)(seed * 31 + i * 7);
    return b;
}

static const char *COMMIT = "0123456789abcdef0123456789abcdef01234567";

/* ---------------------------------------------------------------- */
/* the main server for most tests */

static server S;
static char TOK[80], TOK2[80];
static const char *const MAIN_ARGS[] = {"--admin-token=adm1n-secret",
                                        "--stats-ttl=0",
                                        "--lease-seconds=2",
                                        "--max-attempts=2",
                                        "--cache-max-mb=1",
                                        "--max-wasm-mb=2",
                                        "--cors-origins=http://dash.example",
                                        NULL};

static int setup(void **st)
{
    memset(&S, 0, sizeof S);
    snprintf(S.dir, sizeof S.dir, "%s/main", g_root);
    /* tokens first: the CLI creates the database */
    new_token(&S, "worker-a", TOK);
    new_token(&S, "worker-b", TOK2);
    server_start(&S, "main", MAIN_ARGS);
    g_srv = &S;
    return 0;
}

static int teardown(void **st)
{
    server_stop(&S);
    stop_all(); /* whatever a failed test left running */
    return 0;
}

/* ---------------------------------------------------------------- */

static void test_health_metrics_routing(void **st)
{
    reply r;
    assert_int_equal(call("GET", "/health", NULL, NULL, &r), 200);
    assert_string_equal(r.raw.body, "OK");
    reply_free(&r);
    assert_int_equal(call("GET", "/metrics", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.raw.body, "outlayer_queue_depth "));
    assert_non_null(strstr(r.raw.body, "outlayer_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
    assert_non_null(strstr(r.raw.body, "outlayer_cache_bytes "));
    assert_non_null(strstr(r.raw.body, "outlayer_lease_expiries_total "));
    reply_free(&r);
    call("GET", "/nope", NULL, NULL, &r);
    expect_error(&r, 404, "no such route");
    reply_free(&r);
    call("GET", "/health/", NULL, NULL, &r);
    expect_error(&r, 404, NULL);
    reply_free(&r);
    call("GET", "/jobs/claim", TOK, NULL, &r);
    expect_error(&r, 405, "not allowed");
    reply_free(&r);
    /* CORS: allowed origin echoed, others not; preflight before auth */
    const char *h[] = {"Origin: http://dash.example", NULL};
    char v[128];
    call_full("GET", "/public/stats", NULL, NULL, NULL, 0, h, &r);
    assert_int_equal(hc_header(&r.raw, "Access-Control-Allow-Origin", v, sizeof v), 0);
    assert_string_equal(v, "http://dash.example");
    reply_free(&r);
    const char *h2[] = {"Origin: http://evil.example", NULL};
    call_full("GET", "/public/stats", NULL, NULL, NULL, 0, h2, &r);
    assert_int_equal(hc_header(&r.raw, "Access-Control-Allow-Origin", v, sizeof v), -1);
    reply_free(&r);
    const char *h3[] = {"Origin: http://dash.example", "Access-Control-Request-Method: POST", NULL};
    assert_int_equal(call_full("OPTIONS", "/jobs/claim", NULL, NULL, NULL, 0, h3, &r), 204);
    assert_int_equal(hc_header(&r.raw, "Access-Control-Allow-Methods", v, sizeof v), 0);
    reply_free(&r);
}

static void test_auth(void **st)
{
    reply r;
    const char *worker_routes[][2] = {
        {"POST", "/executions/create"},
        {"GET", "/executions/poll?capabilities=execution&timeout=0"},
        {"POST", "/jobs/claim"},
        {"POST", "/jobs/complete"},
        {"POST", "/jobs/release"},
        {"POST", "/workers/heartbeat"},
        {"POST", "/wasm/upload"},
        {"GET", "/wasm/exists/"
                "0000000000000000000000000000000000000000000000000000000000000000"},
        {"POST", "/locks/acquire"},
        {"DELETE", "/locks/release/x"},
        {"POST", "/internal/system-logs"},
        {"POST", "/workers/task-completion"},
        {"POST", "/attestations"},
    };
    for (size_t i = 0; i < sizeof worker_routes / sizeof *worker_routes; i++) {
        call(worker_routes[i][0], worker_routes[i][1], NULL, worker_routes[i][0][0] == 'P' ? "{}" : NULL, &r);
        expect_error(&r, 401, "token");
        reply_free(&r);
        call(worker_routes[i][0], worker_routes[i][1], "not-a-token", worker_routes[i][0][0] == 'P' ? "{}" : NULL, &r);
        expect_error(&r, 401, "invalid");
        reply_free(&r);
    }
    /* a lowercase scheme is not "Bearer " */
    const char *h[] = {"Authorization: bearer x", NULL};
    call_full("POST", "/jobs/claim", NULL, "application/json", "{}", 2, h, &r);
    expect_error(&r, 401, NULL);
    reply_free(&r);
    /* a revoked token stops working */
    char t3[80], out[256];
    new_token(&S, "temp", t3);
    assert_int_equal(run_cli(S.dir, out, sizeof out, "token", "revoke", "temp"), 0);
    call("POST", "/workers/heartbeat", t3, "{\"worker_id\":\"x\"}", &r);
    expect_error(&r, 401, "revoked");
    reply_free(&r);
    assert_int_equal(run_cli(S.dir, out, sizeof out, "token", "list", NULL), 0);
    assert_non_null(strstr(out, "temp"));
    assert_non_null(strstr(out, "revoked"));
    assert_null(strstr(out, t3)); /* only hash prefixes are listed */
    assert_int_not_equal(run_cli(S.dir, out, sizeof out, "token", "add", "temp"), 0);
    /* admin */
    call("GET", "/admin/system-logs/1", NULL, NULL, &r);
    expect_error(&r, 401, "admin");
    reply_free(&r);
    call("GET", "/admin/system-logs/1", TOK, NULL, &r);
    expect_error(&r, 403, "admin");
    reply_free(&r);
    call("GET", "/admin/system-logs/1", "adm1n-secret", NULL, &r);
    expect_error(&r, 404, "no logs");
    reply_free(&r);
    call("GET", "/admin/system-logs/abc", "adm1n-secret", NULL, &r);
    expect_error(&r, 400, "integer");
    reply_free(&r);
    /* public routes need nothing */
    const char *pub[] = {"/public/stats",         "/public/workers", "/public/jobs",
                         "/public/repos/popular", "/public/pricing", "/public/users/bob.near/earnings"};
    for (size_t i = 0; i < sizeof pub / sizeof *pub; i++) {
        assert_int_equal(call("GET", pub[i], NULL, NULL, &r), 200);
        assert_non_null(r.json);
        reply_free(&r);
    }
}

static void test_create_bad_input(void **st)
{
    reply r;
    call_full("POST", "/executions/create", TOK, "text/plain", "{}", 2, NULL, &r);
    expect_error(&r, 415, "application/json");
    reply_free(&r);
    call("POST", "/executions/create", TOK, "{\"request_id\":", &r);
    expect_error(&r, 400, "malformed JSON");
    reply_free(&r);
    call("POST", "/executions/create", TOK, "[1,2]", &r);
    expect_error(&r, 400, "object");
    reply_free(&r);
    call("POST", "/executions/create", TOK, "{\"request_id\":\"7\"}", &r);
    expect_error(&r, 422, "request_id");
    reply_free(&r);
    json_t *j = exec_request(7, "d", "a/b", "main");
    json_object_set_new(j, "resource_limits", json_string("lots"));
    callj("POST", "/executions/create", TOK, j, &r);
    expect_error(&r, 422, "resource_limits");
    reply_free(&r);
    j = exec_request(7, "d", "a/b", "main");
    json_object_set_new(json_object_get(j, "code_source"), "type", json_string("Ftp"));
    callj("POST", "/executions/create", TOK, j, &r);
    expect_error(&r, 422, "code_source.type");
    reply_free(&r);
    j = exec_request(7, "d", "a/b", "main");
    json_object_set_new(j, "response_format", json_string("Xml"));
    callj("POST", "/executions/create", TOK, j, &r);
    expect_error(&r, 422, "response_format");
    reply_free(&r);
    /* http_allow (the request's narrowing of the worker's HTTP allow-list): a string of at most 1024 bytes */
    j = exec_request(7, "d", "a/b", "main");
    json_object_set_new(j, "http_allow", json_pack("[s]", "a.org"));
    callj("POST", "/executions/create", TOK, j, &r);
    expect_error(&r, 422, "http_allow");
    reply_free(&r);
    char long_allow[1026];
    memset(long_allow, 'a', 1025);
    long_allow[1025] = 0;
    j = exec_request(7, "d", "a/b", "main");
    json_object_set_new(j, "http_allow", json_string(long_allow));
    callj("POST", "/executions/create", TOK, j, &r);
    expect_error(&r, 422, "longer than 1024");
    reply_free(&r);
    /* over the 1 MiB JSON limit */
    size_t big = (1 << 20) + 100;
    char *b = malloc(big + 1);
    memset(b, ' ', big);
    b[0] = '{';
    b[big - 1] = '}';
    b[big] = 0;
    call("POST", "/executions/create", TOK, b, &r);
    expect_error(&r, 413, "too large");
    reply_free(&r);
    free(b);
    /* bad poll parameters */
    call("GET", "/executions/poll?capabilities=flying", TOK, NULL, &r);
    expect_error(&r, 400, "capability");
    reply_free(&r);
    call("GET", "/executions/poll", TOK, NULL, &r);
    expect_error(&r, 400, "capabilit");
    reply_free(&r);
    call("GET", "/executions/poll?capabilities=execution&timeout=-1", TOK, NULL, &r);
    expect_error(&r, 400, "timeout");
    reply_free(&r);
    call("GET", "/executions/poll?queue=other&capabilities=execution", TOK, NULL, &r);
    expect_error(&r, 400, "queue");
    reply_free(&r);
    /* claim / complete / heartbeat / release shapes */
    call("POST", "/jobs/claim", TOK, "{\"request_id\":1}", &r);
    expect_error(&r, 422, "data_id");
    reply_free(&r);
    call("POST", "/jobs/claim", TOK,
         "{\"request_id\":1,\"data_id\":\"d\",\"worker_id\":\"w\",\"code_source\":{\"type\":\"GitHub\",\"repo\":\"a/"
         "b\",\"commit\":\"main\"},\"capabilities\":[]}",
         &r);
    expect_error(&r, 400, "capability");
    reply_free(&r);
    call("POST", "/jobs/complete", TOK, "{\"job_id\":1,\"success\":\"yes\",\"time_ms\":1}", &r);
    expect_error(&r, 422, "success");
    reply_free(&r);
    call("POST", "/jobs/complete", TOK, "{\"job_id\":1,\"success\":false,\"time_ms\":1,\"error_category\":\"nope\"}",
         &r);
    expect_error(&r, 422, "error_category");
    reply_free(&r);
    call("POST", "/jobs/complete", TOK, "{\"job_id\":999999,\"success\":true,\"time_ms\":1}", &r);
    expect_error(&r, 404, "no job");
    reply_free(&r);
    call("POST", "/workers/heartbeat", TOK, "{\"worker_id\":\"w\",\"status\":\"sleeping\"}", &r);
    expect_error(&r, 422, "status");
    reply_free(&r);
    call("POST", "/jobs/release", TOK, "{\"worker_id\":\"w\"}", &r);
    expect_error(&r, 422, "lease_id");
    reply_free(&r);
    call("POST", "/jobs/release", TOK, "{\"worker_id\":\"w\",\"lease_id\":\"nope\"}", &r);
    expect_error(&r, 409, "not held");
    reply_free(&r);
    call("GET", "/public/jobs?limit=-1", NULL, NULL, &r);
    expect_error(&r, 400, "limit");
    reply_free(&r);
}

/* Create -> compile (worker A) -> upload -> complete -> execute (worker B)
 * -> download -> complete; idempotency of create and complete. */
static void test_full_cycle(void **st)
{
    reply r, t, c;
    /* with the request's narrowing of the worker's HTTP allow-list, handed to both tasks */
    json_t *er100 = exec_request(100, "d100", "alice/project", COMMIT);
    json_object_set_new(er100, "http_allow", json_string("api.example.com,*.example.org"));
    assert_int_equal(create(TOK, er100, &r), 201);
    assert_int_equal(jint(r.json, "request_id"), 100);
    assert_true(json_is_true(json_object_get(r.json, "created")));
    reply_free(&r);
    assert_int_equal(create(TOK, exec_request(100, "d100", "alice/project", COMMIT), &r), 200);
    assert_true(json_is_false(json_object_get(r.json, "created")));
    reply_free(&r);

    /* an execution-only worker does not get a compile task */
    assert_int_equal(poll_task(TOK2, "execution", "wB", 0, &r), 204);
    reply_free(&r);
    assert_int_equal(poll_task(TOK, "compilation", "wA", 5, &t), 200);
    assert_int_equal(jint(t.json, "request_id"), 100);
    assert_string_equal(jstr(json_object_get(t.json, "code_source"), "repo"), "https://github.com/alice/project");
    assert_non_null(jstr(t.json, "lease_id"));
    assert_int_equal(jint(t.json, "lease_seconds"), 2);
    assert_int_equal(jint(t.json, "attempt"), 1);
    assert_null(json_object_get(t.json, "abandoned_reason"));
    assert_string_equal(jstr(t.json, "http_allow"), "api.example.com,*.example.org");
    /* claim under someone else's name is refused */
    claim(TOK, t.json, "wB", "[\"compilation\"]", &r);
    expect_error(&r, 409, "not held");
    reply_free(&r);
    assert_int_equal(claim(TOK, t.json, "wA", "[\"compilation\",\"execution\"]", &c), 200);
    json_t *jobs = json_object_get(c.json, "jobs");
    assert_int_equal(json_array_size(jobs), 1);
    json_t *job = json_array_get(jobs, 0);
    assert_string_equal(jstr(job, "job_type"), "compile");
    assert_true(json_is_true(json_object_get(job, "allowed")));
    assert_string_equal(jstr(json_object_get(c.json, "pricing"), "base_fee"), "10000000000000000000000");
    int64_t compile_job = jint(job, "job_id");
    /* claiming again under the same lease returns the same job */
    assert_int_equal(claim(TOK, t.json, "wA", "[\"compilation\"]", &r), 200);
    assert_int_equal(jint(json_array_get(json_object_get(r.json, "jobs"), 0), "job_id"), compile_job);
    reply_free(&r);
    reply_free(&c);
    reply_free(&t);

    /* upload the build */
    size_t len = 3000;
    unsigned char *w = fake_wasm(len, 1);
    char sha[65];
    cr_sha256_hex(w, len, sha);
    assert_int_equal(upload(TOK, sha, "https://github.com/alice/project", COMMIT, w, len, &r), 201);
    assert_string_equal(jstr(r.json, "checksum"), sha);
    assert_true(json_is_true(json_object_get(r.json, "indexed")));
    reply_free(&r);

    char body[512];
    snprintf(body, sizeof body,
             "{\"job_id\":%lld,\"success\":true,\"time_ms\":1500,\"wasm_checksum\":\"%s\",\"compile_cost_yocto\":\"7\","
             "\"worker_id\":\"wA\"}",
             (long long)compile_job, sha);
    assert_int_equal(call("POST", "/jobs/complete", TOK, body, &r), 200);
    reply_free(&r);
    /* the same result again: accepted; a different one: 409 */
    assert_int_equal(call("POST", "/jobs/complete", TOK, body, &r), 200);
    reply_free(&r);
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":false,\"time_ms\":1,\"error\":\"x\"}",
             (long long)compile_job);
    call("POST", "/jobs/complete", TOK, body, &r);
    expect_error(&r, 409, "different result");
    reply_free(&r);

    /* the execute task goes to an execution worker */
    assert_int_equal(poll_task(TOK2, "execution", "wB", 5, &t), 200);
    assert_int_equal(jint(t.json, "request_id"), 100);
    assert_string_equal(jstr(t.json, "http_allow"), "api.example.com,*.example.org");
    assert_int_equal(claim(TOK2, t.json, "wB", "[\"execution\"]", &c), 200);
    job = json_array_get(json_object_get(c.json, "jobs"), 0);
    assert_string_equal(jstr(job, "job_type"), "execute");
    assert_string_equal(jstr(job, "wasm_checksum"), sha);
    assert_string_equal(jstr(job, "compile_cost_yocto"), "7");
    assert_int_equal(jint(job, "compile_time_ms"), 1500);
    int64_t exec_job = jint(job, "job_id");
    reply_free(&c);
    reply_free(&t);

    /* download with ETag */
    char path[128], etag[80], v[128];
    snprintf(path, sizeof path, "/wasm/%s", sha);
    assert_int_equal(call("GET", path, TOK2, NULL, &r), 200);
    assert_int_equal(r.raw.len, len);
    assert_memory_equal(r.raw.body, w, len);
    assert_int_equal(hc_header(&r.raw, "ETag", v, sizeof v), 0);
    snprintf(etag, sizeof etag, "\"%s\"", sha);
    assert_string_equal(v, etag);
    reply_free(&r);
    char inm[120];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    assert_int_equal(call_full("GET", path, TOK2, NULL, NULL, 0, h, &r), 304);
    reply_free(&r);
    free(w);

    snprintf(body, sizeof body,
             "{\"job_id\":%lld,\"success\":true,\"time_ms\":40,\"instructions\":12345,\"output\":{\"Text\":\"hi\"},"
             "\"actual_cost_yocto\":\"900\",\"worker_id\":\"wB\"}",
             (long long)exec_job);
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
    reply_free(&r);
    /* a second cycle of the same request creates nothing */
    assert_int_equal(create(TOK, exec_request(100, "d100", "alice/project", COMMIT), &r), 200);
    reply_free(&r);
    assert_int_equal(poll_task(TOK, "compilation,execution", "wA", 0, &r), 204);
    reply_free(&r);

    /* public views reflect it */
    assert_int_equal(call("GET", "/public/stats", NULL, NULL, &r), 200);
    assert_true(jint(r.json, "total_executions") >= 2);
    assert_true(jint(r.json, "successful_executions") >= 2);
    assert_true(jint(r.json, "total_instructions_used") >= 12345);
    reply_free(&r);
    assert_int_equal(call("GET", "/public/jobs?user_account_id=alice.near&limit=10", NULL, NULL, &r), 200);
    assert_true(json_array_size(r.json) >= 2);
    json_t *row = json_array_get(r.json, 0);
    assert_string_equal(jstr(row, "job_type"), "execute");
    assert_string_equal(jstr(row, "status"), "completed");
    assert_int_equal(jint(row, "instructions_used"), 12345);
    assert_true(json_is_null(json_object_get(row, "resolve_tx_id")));
    reply_free(&r);
    assert_int_equal(call("GET", "/public/users/alice.near/earnings", NULL, NULL, &r), 200);
    assert_true(jint(r.json, "total_executions") >= 2);
    reply_free(&r);
    assert_int_equal(call("GET", "/public/repos/popular", NULL, NULL, &r), 200);
    assert_string_equal(jstr(json_array_get(r.json, 0), "github_repo"), "https://github.com/alice/project");
    reply_free(&r);
    /* the build is found by commit */
    snprintf(path, sizeof path, "/public/wasm/info?repo_url=https://github.com/alice/project&commit_hash=%s", COMMIT);
    assert_int_equal(call("GET", path, NULL, NULL, &r), 200);
    assert_true(json_is_true(json_object_get(r.json, "exists")));
    assert_string_equal(jstr(r.json, "checksum"), sha);
    reply_free(&r);
    /* and a new request for the same commit goes straight to execution */
    assert_int_equal(create(TOK, exec_request(101, "d101", "alice/project", COMMIT), &r), 201);
    reply_free(&r);
    assert_int_equal(poll_task(TOK, "compilation", "wA", 0, &r), 204);
    reply_free(&r);
    assert_int_equal(poll_task(TOK2, "execution", "wB", 5, &t), 200);
    assert_int_equal(jint(t.json, "request_id"), 101);
    assert_int_equal(claim(TOK2, t.json, "wB", "[\"execution\"]", &c), 200);
    job = json_array_get(json_object_get(c.json, "jobs"), 0);
    assert_string_equal(jstr(job, "job_type"), "execute");
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":true,\"time_ms\":1}", (long long)jint(job, "job_id"));
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
    reply_free(&r);
    reply_free(&c);
    reply_free(&t);
}

static void test_branch_not_cached(void **st)
{
    reply r;
    size_t len = 1000;
    unsigned char *w = fake_wasm(len, 2);
    char sha[65], path[256];
    cr_sha256_hex(w, len, sha);
    assert_int_equal(upload(TOK, sha, "https://github.com/bob/x", "main", w, len, &r), 201);
    assert_true(json_is_false(json_object_get(r.json, "indexed")));
    reply_free(&r);
    free(w);
    assert_int_equal(
        call("GET", "/public/wasm/info?repo_url=https://github.com/bob/x&commit_hash=main", NULL, NULL, &r), 200);
    assert_true(json_is_false(json_object_get(r.json, "exists")));
    assert_true(json_is_null(json_object_get(r.json, "checksum")));
    reply_free(&r);
    /* a request on a branch always compiles */
    assert_int_equal(create(TOK, exec_request(200, "d200", "bob/x", "main"), &r), 201);
    reply_free(&r);
    assert_int_equal(poll_task(TOK2, "execution", "wB", 0, &r), 204);
    reply_free(&r);
    reply t;
    assert_int_equal(poll_task(TOK, "compilation", "wA", 5, &t), 200);
    assert_int_equal(jint(t.json, "request_id"), 200);
    assert_int_equal(callj("POST", "/jobs/release", TOK,
                           json_pack("{s:s, s:s}", "worker_id", "wA", "lease_id", jstr(t.json, "lease_id")), &r),
                     200);
    reply_free(&r);
    reply_free(&t);
    /* released work is available at once, to another worker */
    int64_t t0 = now_ms();
    assert_int_equal(poll_task(TOK2, "compilation", "wC", 5, &t), 200);
    assert_true(now_ms() - t0 < 3000);
    assert_int_equal(jint(t.json, "attempt"), 1); /* a release does not count as a failed attempt */
    /* finish it so later tests see an empty queue */
    assert_int_equal(claim(TOK2, t.json, "wC", "[\"compilation\"]", &r), 200);
    int64_t jid = jint(json_array_get(json_object_get(r.json, "jobs"), 0), "job_id");
    reply_free(&r);
    char body[256];
    snprintf(body, sizeof body,
             "{\"job_id\":%lld,\"success\":false,\"time_ms\":5,\"error\":\"no such repo\",\"error_category\":"
             "\"compilation_failed\"}",
             (long long)jid);
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
    reply_free(&r);
    reply_free(&t);
    /* a failed compile still queues an execute task that reports the error */
    assert_int_equal(poll_task(TOK2, "execution", "wB", 5, &t), 200);
    assert_int_equal(claim(TOK2, t.json, "wB", "[\"execution\"]", &r), 200);
    json_t *job = json_array_get(json_object_get(r.json, "jobs"), 0);
    assert_string_equal(jstr(job, "job_type"), "execute");
    assert_string_equal(jstr(job, "compile_error"), "no such repo");
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":false,\"time_ms\":0,\"error\":\"no such repo\"}",
             (long long)jint(job, "job_id"));
    reply_free(&r);
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
    reply_free(&r);
    reply_free(&t);
    (void)path;
}

/* Worker A takes a task and goes silent; B gets it after the lease (2 s);
 * A's late completion is refused; when B also goes silent the task is
 * abandoned (max_attempts=2) and handed out for resolution as failed. */
/* The execute job's claim and complete — on PostgreSQL each one statement
 * (store.c: claim_fast_pg, complete_fast_pg) — keep every check of the
 * general path: a claim under someone else's name, a second claim under the
 * same lease, a completion by the wrong worker, under an expired lease, the
 * same result twice or a different one; and exactly one history row. */
static void test_execute_job_checks(void **st)
{
    reply r, t, t2, c;
    size_t len = 2000;
    unsigned char *w = fake_wasm(len, 41);
    char sha[65];
    cr_sha256_hex(w, len, sha);
    assert_int_equal(upload(TOK, sha, "https://github.com/fast/path", COMMIT, w, len, &r), 201);
    reply_free(&r);
    free(w);
    json_t *req = wasm_request(4100, "d4100", sha);
    json_object_set_new(req, "user_account_id", json_string("fastpath.near"));
    assert_int_equal(create(TOK, req, &r), 201);
    reply_free(&r);
    assert_int_equal(poll_task(TOK2, "execution", "wE", 5, &t), 200);
    assert_int_equal(jint(t.json, "request_id"), 4100);
    /* under someone else's name: refused, and nothing was created */
    claim(TOK2, t.json, "wF", "[\"execution\"]", &r);
    expect_error(&r, 409, "not held");
    reply_free(&r);
    assert_int_equal(claim(TOK2, t.json, "wE", "[\"execution\"]", &c), 200);
    assert_int_equal(json_array_size(json_object_get(c.json, "jobs")), 1);
    json_t *job = json_array_get(json_object_get(c.json, "jobs"), 0);
    assert_string_equal(jstr(job, "job_type"), "execute");
    assert_string_equal(jstr(job, "wasm_checksum"), sha);
    int64_t id = jint(job, "job_id");
    reply_free(&c);
    /* again under the same lease: the same job */
    assert_int_equal(claim(TOK2, t.json, "wE", "[\"execution\"]", &c), 200);
    assert_int_equal(json_array_size(json_object_get(c.json, "jobs")), 1);
    assert_int_equal(jint(json_array_get(json_object_get(c.json, "jobs"), 0), "job_id"), id);
    reply_free(&c);
    char body[300], other[300];
    /* the wrong worker */
    snprintf(body, sizeof body,
             "{\"job_id\":%lld,\"success\":true,\"time_ms\":5,\"instructions\":77,\"worker_id\":\"wF\"}",
             (long long)id);
    call("POST", "/jobs/complete", TOK2, body, &r);
    expect_error(&r, 409, "another worker");
    reply_free(&r);
    /* an unknown job */
    call("POST", "/jobs/complete", TOK2, "{\"job_id\":987654321,\"success\":true,\"time_ms\":1}", &r);
    expect_error(&r, 404, "no job");
    reply_free(&r);
    snprintf(body, sizeof body,
             "{\"job_id\":%lld,\"success\":true,\"time_ms\":5,\"instructions\":77,\"actual_cost_yocto\":\"12\","
             "\"worker_id\":\"wE\"}",
             (long long)id);
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
    reply_free(&r);
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200); /* the same result again */
    reply_free(&r);
    snprintf(other, sizeof other,
             "{\"job_id\":%lld,\"success\":false,\"time_ms\":5,\"error\":\"boom\",\"worker_id\":\"wE\"}",
             (long long)id);
    call("POST", "/jobs/complete", TOK2, other, &r);
    expect_error(&r, 409, "different result");
    reply_free(&r);
    assert_int_equal(call("GET", "/public/jobs?user_account_id=fastpath.near&limit=10", NULL, NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 1);
    json_t *row = json_array_get(r.json, 0);
    assert_int_equal(jint(row, "job_id"), id);
    assert_string_equal(jstr(row, "worker_id"), "wE");
    assert_string_equal(jstr(row, "status"), "completed");
    assert_string_equal(jstr(row, "job_type"), "execute");
    assert_int_equal(jint(row, "instructions_used"), 77);
    assert_int_equal(jint(row, "execution_time_ms"), 5);
    assert_true(json_is_null(json_object_get(row, "compile_time_ms")));
    assert_string_equal(jstr(row, "actual_cost_yocto"), "12");
    reply_free(&r);
    reply_free(&t);

    /* an execute job whose lease expires: the late completion is refused,
     * the next worker takes over the same job and completes it */
    req = wasm_request(4101, "d4101", sha);
    json_object_set_new(req, "user_account_id", json_string("fastpath2.near"));
    assert_int_equal(create(TOK, req, &r), 201);
    reply_free(&r);
    assert_int_equal(poll_task(TOK2, "execution", "wE", 5, &t), 200);
    assert_int_equal(jint(t.json, "request_id"), 4101);
    assert_int_equal(claim(TOK2, t.json, "wE", "[\"execution\"]", &c), 200);
    id = jint(json_array_get(json_object_get(c.json, "jobs"), 0), "job_id");
    reply_free(&c);
    assert_int_equal(poll_task(TOK2, "execution", "wG", 10, &t2), 200); /* after the expiry */
    assert_int_equal(jint(t2.json, "request_id"), 4101);
    assert_int_equal(jint(t2.json, "attempt"), 2);
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":true,\"time_ms\":1,\"worker_id\":\"wE\"}", (long long)id);
    call("POST", "/jobs/complete", TOK2, body, &r);
    expect_error(&r, 409, "lease");
    reply_free(&r);
    assert_int_equal(claim(TOK2, t2.json, "wG", "[\"execution\"]", &c), 200);
    assert_int_equal(jint(json_array_get(json_object_get(c.json, "jobs"), 0), "job_id"), id);
    reply_free(&c);
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":true,\"time_ms\":2,\"worker_id\":\"wG\"}", (long long)id);
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
    reply_free(&r);
    assert_int_equal(call("GET", "/public/jobs?user_account_id=fastpath2.near&limit=10", NULL, NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 1);
    assert_string_equal(jstr(json_array_get(r.json, 0), "worker_id"), "wG");
    reply_free(&r);
    /* the task is done: nothing left to lease */
    assert_int_equal(poll_task(TOK2, "execution", "wG", 0, &r), 204);
    reply_free(&r);
    reply_free(&t);
    reply_free(&t2);
}

/* ---- group commit (db_query_grouped; PostgreSQL: db_pg.c) ----
 * Statements of several threads share one transaction; one that fails must
 * not fail the others: the group is rolled back and each runs again alone.
 * On PostgreSQL a statement that sleeps holds the one group slot while the
 * others queue, so they form one group behind it. On SQLite (no grouping)
 * the same statements run alone and must give the same answers. */
typedef struct {
    db_pool *pool;
    const char *key;
    int64_t v;
    int ok, unique, got;
} gc_arg;

static void *gc_insert(void *arg)
{
    gc_arg *a = arg;
    db *d = db_get(a->pool);
    db_rows *r = db_query_grouped(d, "INSERT INTO gc_test(k, v) VALUES(?, ?) RETURNING v", "ti", a->key, a->v);
    /* (SQLite reports the violation at the first step, PostgreSQL at the query) */
    a->ok = r != NULL && db_next(r) == 1;
    if (a->ok)
        a->got = (int)db_int(r, 0);
    a->unique = !a->ok && db_unique_violation(d);
    db_done(r);
    db_put(a->pool, d);
    return NULL;
}

static void *gc_block(void *arg)
{
    gc_arg *a = arg;
    db *d = db_get(a->pool);
    db_rows *r = db_query_grouped(d, "SELECT pg_sleep(?)", "t", "2.0"); /* room for slow connects under ASan */
    a->ok = r != NULL;
    db_done(r);
    db_put(a->pool, d);
    return NULL;
}

#define GC_STRESS_N 150
typedef struct {
    db_pool *pool;
    int id, ok;
} gc_stress;

static void *gc_stress_main(void *arg)
{
    gc_stress *g = arg;
    for (int i = 0; i < GC_STRESS_N; i++) {
        char key[32];
        snprintf(key, sizeof key, "s%d-%d", g->id, i);
        db *d = db_get(g->pool);
        db_rows *r = db_query_grouped(d, "INSERT INTO gc_test(k, v) VALUES(?, ?) RETURNING v", "ti", key, (int64_t)i);
        g->ok += r && db_next(r) == 1 && db_int(r, 0) == i;
        db_done(r);
        db_put(g->pool, d);
    }
    return NULL;
}

/* Runs keys[0..n) as grouped inserts (v = 100 + i) behind a blocker (PostgreSQL). */
static void gc_round(db_pool *pool, const char *const *keys, int n, gc_arg *args)
{
    pthread_t blocker, th[8];
    gc_arg b = {.pool = pool};
    if (g_dburl) {
        assert_int_equal(pthread_create(&blocker, NULL, gc_block, &b), 0);
        usleep(200 * 1000); /* the blocker holds the slot; the rest queue behind it */
    }
    for (int i = 0; i < n; i++) {
        args[i] = (gc_arg){.pool = pool, .key = keys[i], .v = 100 + i};
        assert_int_equal(pthread_create(&th[i], NULL, gc_insert, &args[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    if (g_dburl) {
        pthread_join(blocker, NULL);
        assert_true(b.ok);
    }
}

static void test_group_commit(void **st)
{
    char err[256], dir[] = "/tmp/coordtest-gc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    db_pool *pool = db_open(g_dburl, dir, 12, err, sizeof err);
    if (!pool)
        fail_msg("db_open: %s", err);
    db_set_groups(pool, 1);
    db *d = db_get(pool);
    assert_int_equal(
        db_script(d, "DROP TABLE IF EXISTS gc_test; CREATE TABLE gc_test(k TEXT PRIMARY KEY, v BIGINT NOT NULL)", err,
                  sizeof err),
        0);
    assert_int_equal(db_exec(d, "INSERT INTO gc_test(k, v) VALUES('dup', 1)", NULL), 1);
    db_put(pool, d);

    /* one of five violates the primary key: it alone fails */
    static const char *const round1[] = {"a1", "a2", "dup", "a3", "a4"};
    gc_arg a[5];
    gc_round(pool, round1, 5, a);
    for (int i = 0; i < 5; i++) {
        if (i == 2) {
            assert_false(a[i].ok);
            assert_true(a[i].unique);
        } else {
            assert_true(a[i].ok);
            assert_int_equal(a[i].got, 100 + i);
        }
    }
    int64_t groups, grouped, retried;
    db_group_stats(pool, &groups, &grouped, &retried);
    if (g_dburl) {
        /* they formed a group (at least the failing one and another), which failed and ran again alone */
        assert_true(groups >= 1);
        assert_true(retried >= 2);
    } else {
        assert_int_equal(groups + grouped + retried, 0);
    }
    /* a group where all succeed: committed together, nothing run again */
    static const char *const round2[] = {"b1", "b2", "b3", "b4"};
    int64_t g0 = groups, s0 = grouped, r0 = retried;
    gc_round(pool, round2, 4, a);
    for (int i = 0; i < 4; i++) {
        assert_true(a[i].ok);
        assert_int_equal(a[i].got, 100 + i);
    }
    db_group_stats(pool, &groups, &grouped, &retried);
    if (g_dburl) {
        assert_true(groups > g0);
        assert_true(grouped >= s0 + 2);
        assert_int_equal(retried, r0);
    }
    /* many threads, two groups at once: a leader publishes its group's
     * results while members of the other group come and go (their queue
     * entries live on their stacks) — every insert answered and done once */
    db_set_groups(pool, 2);
    pthread_t th[8];
    gc_stress stress[8];
    for (int i = 0; i < 8; i++) {
        stress[i] = (gc_stress){.pool = pool, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, gc_stress_main, &stress[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(stress[i].ok, GC_STRESS_N);
    }
    /* every row exactly once, the failed one's key untouched */
    d = db_get(pool);
    assert_int_equal(db_scalar(d, -1, "SELECT COUNT(*) FROM gc_test WHERE k LIKE 's%'", NULL), 8 * GC_STRESS_N);
    assert_int_equal(db_exec(d, "DELETE FROM gc_test WHERE k LIKE 's%'", NULL), 8 * GC_STRESS_N);
    assert_int_equal(db_scalar(d, -1, "SELECT COUNT(*) FROM gc_test", NULL), 9);
    assert_int_equal(db_scalar(d, -1, "SELECT v FROM gc_test WHERE k='dup'", NULL), 1);
    assert_int_equal(db_scalar(d, -1, "SELECT v FROM gc_test WHERE k='a4'", NULL), 104);
    assert_int_equal(db_scalar(d, -1, "SELECT v FROM gc_test WHERE k='b4'", NULL), 103);
    assert_int_equal(db_script(d, "DROP TABLE gc_test", err, sizeof err), 0);
    db_put(pool, d);
    db_close(pool);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_lease_expiry_and_abandon(void **st)
{
    reply r, ta, tb, c;
    assert_int_equal(create(TOK, exec_request(300, "d300", "carol/y", COMMIT), &r), 201);
    reply_free(&r);
    assert_int_equal(poll_task(TOK, "compilation", "wA", 5, &ta), 200);
    assert_int_equal(jint(ta.json, "request_id"), 300);
    assert_int_equal(claim(TOK, ta.json, "wA", "[\"compilation\"]", &c), 200);
    int64_t job_a = jint(json_array_get(json_object_get(c.json, "jobs"), 0), "job_id");
    reply_free(&c);
    /* while A's lease holds, B gets nothing */
    int64_t t0 = now_ms();
    assert_int_equal(poll_task(TOK2, "compilation", "wB", 1, &r), 204);
    reply_free(&r);
    /* after expiry B gets it, attempt 2 */
    assert_int_equal(poll_task(TOK2, "compilation", "wB", 10, &tb), 200);
    int64_t waited = now_ms() - t0;
    assert_int_equal(jint(tb.json, "request_id"), 300);
    assert_int_equal(jint(tb.json, "attempt"), 2);
    assert_true(waited >= 1000 && waited < 8000);
    assert_string_not_equal(jstr(tb.json, "lease_id"), jstr(ta.json, "lease_id"));
    /* B claims and takes over the same job */
    assert_int_equal(claim(TOK2, tb.json, "wB", "[\"compilation\"]", &c), 200);
    assert_int_equal(jint(json_array_get(json_object_get(c.json, "jobs"), 0), "job_id"), job_a);
    reply_free(&c);
    /* A's stale claim and completion are refused */
    claim(TOK, ta.json, "wA", "[\"compilation\"]", &r);
    expect_error(&r, 409, "not held");
    reply_free(&r);
    char body[256];
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":true,\"time_ms\":1,\"worker_id\":\"wA\"}",
             (long long)job_a);
    call("POST", "/jobs/complete", TOK, body, &r);
    expect_error(&r, 409, "lease");
    reply_free(&r);
    /* metrics count the expiry */
    assert_int_equal(call("GET", "/metrics", NULL, NULL, &r), 200);
    assert_null(strstr(r.raw.body, "outlayer_lease_expiries_total 0\n"));
    reply_free(&r);
    /* B goes silent too: abandoned after max_attempts; an execution worker resolves it */
    reply tc;
    assert_int_equal(poll_task(TOK2, "compilation,execution", "wC", 10, &tc), 200);
    assert_int_equal(jint(tc.json, "request_id"), 300);
    const char *reason = jstr(tc.json, "abandoned_reason");
    assert_non_null(reason);
    assert_non_null(strstr(reason, "abandoned"));
    assert_int_equal(claim(TOK2, tc.json, "wC", "[\"execution\"]", &c), 200);
    json_t *job = json_array_get(json_object_get(c.json, "jobs"), 0);
    assert_string_equal(jstr(job, "job_type"), "execute");
    assert_non_null(strstr(jstr(job, "compile_error"), "abandoned"));
    snprintf(body, sizeof body,
             "{\"job_id\":%lld,\"success\":false,\"time_ms\":0,\"error\":\"abandoned\",\"worker_id\":\"wC\"}",
             (long long)jint(job, "job_id"));
    reply_free(&c);
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
    reply_free(&r);
    /* B's late completion of the compile job: the job was failed by the abandonment */
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":true,\"time_ms\":1,\"worker_id\":\"wB\"}",
             (long long)job_a);
    call("POST", "/jobs/complete", TOK2, body, &r);
    expect_error(&r, 409, NULL);
    reply_free(&r);
    assert_int_equal(poll_task(TOK2, "compilation,execution", "wC", 0, &r), 204);
    reply_free(&r);
    reply_free(&ta);
    reply_free(&tb);
    reply_free(&tc);
}

static void test_heartbeat_keeps_lease(void **st)
{
    reply r, t;
    assert_int_equal(create(TOK, exec_request(400, "d400", "dave/z", COMMIT), &r), 201);
    reply_free(&r);
    assert_int_equal(poll_task(TOK, "compilation", "wA", 5, &t), 200);
    assert_int_equal(jint(t.json, "request_id"), 400);
    /* 4 s of heartbeats every 500 ms with a 2 s lease: nobody else gets it */
    for (int i = 0; i < 8; i++) {
        assert_int_equal(call("POST", "/workers/heartbeat", TOK, "{\"worker_id\":\"wA\",\"worker_name\":\"A\"}", &r),
                         200);
        assert_int_equal(jint(r.json, "leases_renewed"), 1);
        reply_free(&r);
        assert_int_equal(poll_task(TOK2, "compilation", "wB", 0, &r), 204);
        reply_free(&r);
        sleep_ms(500);
    }
    assert_int_equal(claim(TOK, t.json, "wA", "[\"compilation\"]", &r), 200);
    int64_t jid = jint(json_array_get(json_object_get(r.json, "jobs"), 0), "job_id");
    reply_free(&r);
    char body[256];
    snprintf(body, sizeof body,
             "{\"job_id\":%lld,\"success\":false,\"time_ms\":1,\"error\":\"e\",\"worker_id\":\"wA\"}", (long long)jid);
    assert_int_equal(call("POST", "/jobs/complete", TOK, body, &r), 200);
    reply_free(&r);
    reply_free(&t);
    /* drain the follow-up execute task */
    assert_int_equal(poll_task(TOK2, "execution", "wB", 5, &t), 200);
    assert_int_equal(claim(TOK2, t.json, "wB", "[\"execution\"]", &r), 200);
    jid = jint(json_array_get(json_object_get(r.json, "jobs"), 0), "job_id");
    reply_free(&r);
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":false,\"time_ms\":1,\"error\":\"e\"}", (long long)jid);
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
    reply_free(&r);
    reply_free(&t);
    /* the worker shows up in the public list */
    assert_int_equal(call("GET", "/public/workers", NULL, NULL, &r), 200);
    int found = 0;
    size_t i;
    json_t *v;
    json_array_foreach(r.json, i, v) if (strcmp(jstr(v, "worker_id"), "wA") == 0)
    {
        found = 1;
        assert_string_equal(jstr(v, "worker_name"), "A");
        assert_string_equal(jstr(v, "status"), "online");
        assert_int_equal(strlen(jstr(v, "last_heartbeat_at")), 24);
    }
    assert_true(found);
    reply_free(&r);
}

/* A worker restarted under the same id hands back its previous run's
 * leases at once (POST /workers/release-leases), not after they expire. */
static void test_release_worker_leases(void **st)
{
    reply r, t1, t2, c;
    assert_int_equal(create(TOK, exec_request(450, "d450", "erin/a", COMMIT), &r), 201);
    reply_free(&r);
    assert_int_equal(create(TOK, exec_request(451, "d451", "erin/b", COMMIT), &r), 201);
    reply_free(&r);
    assert_int_equal(poll_task(TOK, "compilation", "wRestart", 5, &t1), 200);
    assert_int_equal(poll_task(TOK, "compilation", "wRestart", 5, &t2), 200);
    assert_int_equal(claim(TOK, t1.json, "wRestart", "[\"compilation\"]", &c), 200);
    int64_t job = jint(json_array_get(json_object_get(c.json, "jobs"), 0), "job_id");
    reply_free(&c);
    /* auth and bad input */
    call("POST", "/workers/release-leases", NULL, "{\"worker_id\":\"wRestart\"}", &r);
    expect_error(&r, 401, NULL);
    reply_free(&r);
    call("POST", "/workers/release-leases", TOK, "{\"worker_id\":7}", &r);
    expect_error(&r, 422, "worker_id");
    reply_free(&r);
    call("POST", "/workers/release-leases", TOK, "{}", &r);
    expect_error(&r, 422, "worker_id");
    reply_free(&r);
    call("POST", "/workers/release-leases", TOK, "{\"worker_id\":", &r);
    expect_error(&r, 400, NULL);
    reply_free(&r);
    /* another worker's id releases nothing */
    assert_int_equal(call("POST", "/workers/release-leases", TOK, "{\"worker_id\":\"wNobody\"}", &r), 200);
    assert_int_equal(jint(r.json, "leases_released"), 0);
    reply_free(&r);
    assert_int_equal(poll_task(TOK2, "compilation", "wOther", 0, &r), 204);
    reply_free(&r);
    /* the restart: both leases go back now (the lease is 2 s; a poll with
     * timeout 0 right after proves it was not an expiry) */
    int64_t t0 = now_ms();
    assert_int_equal(call("POST", "/workers/release-leases", TOK, "{\"worker_id\":\"wRestart\"}", &r), 200);
    assert_int_equal(jint(r.json, "leases_released"), 2);
    reply_free(&r);
    reply a, b;
    assert_int_equal(poll_task(TOK2, "compilation", "wOther", 0, &a), 200);
    assert_int_equal(poll_task(TOK2, "compilation", "wOther", 0, &b), 200);
    assert_true(now_ms() - t0 < 1500 || g_san);
    int64_t ra = jint(a.json, "request_id"), rb = jint(b.json, "request_id");
    assert_true((ra == 450 && rb == 451) || (ra == 451 && rb == 450));
    assert_int_equal(jint(a.json, "attempt"), 2); /* a dead run's lease counts as an attempt */
    /* the old run's claim and completion are refused; the new holder takes over the job */
    claim(TOK, t1.json, "wRestart", "[\"compilation\"]", &r);
    expect_error(&r, 409, "not held");
    reply_free(&r);
    char body[256];
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":true,\"time_ms\":1,\"worker_id\":\"wRestart\"}",
             (long long)job);
    call("POST", "/jobs/complete", TOK, body, &r);
    expect_error(&r, 409, NULL);
    reply_free(&r);
    /* finish both with failures (nothing more is queued for them) */
    reply *held[2] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(claim(TOK2, held[i]->json, "wOther", "[\"compilation\"]", &c), 200);
        snprintf(body, sizeof body,
                 "{\"job_id\":%lld,\"success\":false,\"time_ms\":1,\"error\":\"e\",\"worker_id\":\"wOther\"}",
                 (long long)jint(json_array_get(json_object_get(c.json, "jobs"), 0), "job_id"));
        reply_free(&c);
        assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
        reply_free(&r);
    }
    /* drain the follow-up execute tasks (failed compiles are resolved on chain) */
    for (int i = 0; i < 2; i++) {
        reply e;
        if (poll_task(TOK2, "execution", "wOther", 2, &e) != 200) {
            reply_free(&e);
            break;
        }
        assert_int_equal(claim(TOK2, e.json, "wOther", "[\"execution\"]", &c), 200);
        snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":false,\"time_ms\":1,\"error\":\"e\"}",
                 (long long)jint(json_array_get(json_object_get(c.json, "jobs"), 0), "job_id"));
        reply_free(&c);
        assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
        reply_free(&r);
        reply_free(&e);
    }
    reply_free(&a);
    reply_free(&b);
    reply_free(&t1);
    reply_free(&t2);
}

typedef struct {
    int64_t latency_ms;
    long status;
    int64_t done_ms;
    server *srv; /* another coordinator to poll (NULL: the main one) */
    int64_t rid; /* request_id of the task the poll got */
} poller;

static void *poll_thread(void *arg)
{
    poller *p = arg;
    reply r;
    t_srv = p->srv;
    p->status = poll_task(TOK2, "execution", "wP", 10, &r);
    p->done_ms = now_ms();
    p->rid = r.json ? jint(r.json, "request_id") : -1;
    reply_free(&r);
    return NULL;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Claims and completes, as wP, the task of request 500+i that a wake
 * latency poll leased, before its lease expires and it returns to the queue. */
static void finish_lp(int i)
{
    reply t, c;
    json_t *b = json_pack("{s:I, s:s, s:s, s:{s:s, s:s, s:s}, s:[s]}", "request_id", (json_int_t)(500 + i),
                          "data_id", "", "worker_id", "wP", "code_source", "type", "GitHub", "repo",
                          "https://github.com/alice/project", "commit", COMMIT, "capabilities", "execution");
    char did[32];
    snprintf(did, sizeof did, "lp%d", i);
    json_object_set_new(b, "data_id", json_string(did));
    assert_int_equal(callj("POST", "/jobs/claim", TOK2, b, &c), 200);
    json_t *job = json_array_get(json_object_get(c.json, "jobs"), 0);
    assert_non_null(job);
    char body[200];
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":true,\"time_ms\":1}", (long long)jint(job, "job_id"));
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &t), 200);
    reply_free(&t);
    reply_free(&c);
}

static void test_long_poll_wake_latency(void **st)
{
    /* N polls on this coordinator; on PostgreSQL R more on a second
     * coordinator process, woken by the NOTIFY that the first one sends
     * after the create commits (without it they would wait the poll's 10 s) */
    enum { N = 7, R = 4 };
    int64_t lat[N + R];
    server S2 = {0};
    int total = g_dburl ? N + R : N;
    if (g_dburl)
        server_start(&S2, "second", MAIN_ARGS);
    for (int i = 0; i < total; i++) {
        poller p = {.srv = i >= N ? &S2 : NULL};
        pthread_t th;
        pthread_create(&th, NULL, poll_thread, &p);
        sleep_ms(300); /* the poll is waiting now */
        reply r;
        char hash[65];
        char did[32];
        snprintf(did, sizeof did, "lp%d", i);
        cr_sha256_hex(did, strlen(did), hash);
        /* a WasmUrl whose hash is unknown goes to compile; make it known: upload first */
        int64_t t0 = now_ms();
        json_t *req = exec_request(500 + i, did, "erin/w", COMMIT); /* cached by test_full_cycle? no: other repo */
        json_decref(req);
        req = json_pack("{s:I, s:s, s:{s:s, s:s, s:s}, s:{s:i, s:i, s:i}, s:s}", "request_id", (json_int_t)(500 + i),
                        "data_id", did, "code_source", "type", "GitHub", "repo", "alice/project", "commit", COMMIT,
                        "resource_limits", "max_instructions", 1, "max_memory_mb", 1, "max_execution_seconds", 1,
                        "input_data", "");
        t0 = now_ms();
        assert_int_equal(create(TOK, req, &r), 201);
        reply_free(&r);
        pthread_join(th, NULL);
        assert_int_equal(p.status, 200);
        assert_int_equal(p.rid, 500 + i); /* the task just created, not an old one */
        lat[i] = p.done_ms - t0;
        (void)hash;
        finish_lp(i);
    }
    if (g_dburl) {
        server_stop(&S2);
        qsort(lat + N, R, sizeof *lat, cmp64);
        printf("long-poll wake latency through a second coordinator (NOTIFY): min %lld ms, max %lld ms\n",
               (long long)lat[N], (long long)lat[N + R - 1]);
        /* generous: what it guards against is a missing NOTIFY (10 s) */
        assert_true(lat[N + R / 2] < (g_san ? 1000 : 250));
    }
    qsort(lat, N, sizeof *lat, cmp64);
    printf("long-poll wake latency (create sent -> poll answered): min %lld ms, median %lld ms, max %lld ms\n",
           (long long)lat[0], (long long)lat[N / 2], (long long)lat[N - 1]);
    /* The issue's bound is 50 ms; the median keeps one scheduling hiccup on
     * a loaded 2-core machine from failing the test. */
    assert_true(lat[N / 2] < (g_san ? 250 : 50));
}

/* Two workers drain 40 tasks concurrently: every task is delivered exactly once. */
/* tasks drained by the concurrency test: more on PostgreSQL, where two
 * coordinator processes race for them */
#define DRAIN_MAX 240
static int g_drain_tasks = 60;
#define DRAIN_TASKS g_drain_tasks
#define DRAIN_BASE 2000

typedef struct {
    const char *tok, *name;
    server *srv;
    int got[DRAIN_MAX];
    int count;
} drainer;

static void *drain_thread(void *arg)
{
    drainer *d = arg;
    t_srv = d->srv;
    for (;;) {
        reply t, c, r;
        long s = poll_task(d->tok, "execution", d->name, 1, &t);
        if (s == 204) {
            reply_free(&t);
            break;
        }
        if (s != 200) {
            reply_free(&t);
            break;
        }
        int64_t rid = jint(t.json, "request_id");
        if (rid >= DRAIN_BASE && rid < DRAIN_BASE + DRAIN_TASKS)
            d->got[d->count++] = (int)rid;
        if (claim(d->tok, t.json, d->name, "[\"execution\"]", &c) == 200) {
            json_t *job = json_array_get(json_object_get(c.json, "jobs"), 0);
            char body[200];
            snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":true,\"time_ms\":1,\"worker_id\":\"%s\"}",
                     (long long)jint(job, "job_id"), d->name);
            call("POST", "/jobs/complete", d->tok, body, &r);
            reply_free(&r);
        }
        reply_free(&c);
        reply_free(&t);
        if (d->count >= DRAIN_MAX)
            break;
    }
    return NULL;
}

/* Four workers drain 60 tasks concurrently: every task is delivered
 * exactly once. On PostgreSQL two of them talk to a second coordinator
 * process sharing the database. */
static void test_workers_no_duplicates(void **st)
{
    reply r;
    server S2 = {0};
    if (g_dburl)
        server_start(&S2, "second", MAIN_ARGS);
    for (int i = 0; i < DRAIN_TASKS; i++) {
        char did[16];
        snprintf(did, sizeof did, "dd%d", i);
        assert_int_equal(create(TOK, exec_request(DRAIN_BASE + i, did, "alice/project", COMMIT), &r), 201);
        reply_free(&r);
    }
    drainer d[4] = {{.tok = TOK, .name = "wA"},
                    {.tok = TOK2, .name = "wB"},
                    {.tok = TOK, .name = "wD"},
                    {.tok = TOK2, .name = "wE"}};
    if (g_dburl)
        d[2].srv = d[3].srv = &S2;
    pthread_t th[4];
    /* the second coordinator's workers start first, so it surely takes part */
    for (int i = 3; i >= 0; i--) {
        pthread_create(&th[i], NULL, drain_thread, &d[i]);
        if (i == 2)
            sleep_ms(50);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    int seen[DRAIN_MAX] = {0};
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < d[k].count; i++)
            seen[d[k].got[i] - DRAIN_BASE]++;
    for (int i = 0; i < DRAIN_TASKS; i++)
        if (seen[i] != 1)
            fail_msg("request %d delivered %d times", DRAIN_BASE + i, seen[i]);
    printf("%s: workers took %d, %d, %d, %d of %d tasks\n", g_dburl ? "two coordinators" : "one coordinator",
           d[0].count, d[1].count, d[2].count, d[3].count, DRAIN_TASKS);
    if (g_dburl) {
        assert_true(d[2].count + d[3].count > 0); /* the second coordinator took part */
        server_stop(&S2);
    }
}

static void test_wasm_cache(void **st)
{
    reply r;
    size_t len = 400 * 1024;
    unsigned char *w1 = fake_wasm(len, 11), *w2 = fake_wasm(len, 12), *w3 = fake_wasm(len, 13);
    char s1[65], s2[65], s3[65], path[256];
    cr_sha256_hex(w1, len, s1);
    cr_sha256_hex(w2, len, s2);
    cr_sha256_hex(w3, len, s3);
    /* bad uploads */
    upload(TOK, s2, "r", COMMIT, w1, len, &r);
    expect_error(&r, 400, "does not match");
    reply_free(&r);
    upload(TOK, "../../etc/passwd", "r", COMMIT, w1, len, &r);
    expect_error(&r, 400, "64 hex");
    reply_free(&r);
    upload(TOK, s1, NULL, COMMIT, w1, len, &r);
    expect_error(&r, 400, "repo_url");
    reply_free(&r);
    upload(TOK, s1, "r", COMMIT, NULL, 0, &r);
    expect_error(&r, 400, "wasm_file");
    reply_free(&r);
    call_full("POST", "/wasm/upload", TOK, "application/json", "{}", 2, NULL, &r);
    expect_error(&r, 400, "multipart");
    reply_free(&r);
    unsigned char *huge = fake_wasm(3 << 20, 9);
    char hs[65];
    cr_sha256_hex(huge, 3 << 20, hs);
    upload(TOK, hs, "r", COMMIT, huge, 3 << 20, &r);
    expect_error(&r, 413, NULL);
    reply_free(&r);
    free(huge);
    /* path tricks and unknown checksums */
    const char *bad[] = {"/wasm/%2e%2e", "/wasm/..%2f..%2fetc%2fpasswd", "/wasm/abc",
                         "/wasm/%00",    "/wasm/exists/..%2Fx",          "/public/wasm/exists/zz"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        call("GET", bad[i], TOK, NULL, &r);
        if (r.status != 400 && r.status != 404)
            fail_msg("%s -> %ld", bad[i], r.status);
        assert_non_null(jstr(r.json, "error"));
        reply_free(&r);
    }
    snprintf(path, sizeof path, "/wasm/%s", s3);
    call("GET", path, TOK, NULL, &r);
    expect_error(&r, 404, "unknown checksum");
    reply_free(&r);
    snprintf(path, sizeof path, "/public/wasm/exists/%s", s3);
    assert_int_equal(call("GET", path, NULL, NULL, &r), 200);
    assert_true(json_is_false(json_object_get(r.json, "exists")));
    assert_true(json_is_null(json_object_get(r.json, "created_at")));
    reply_free(&r);
    /* LRU with a 1 MiB limit: three 400 KiB files keep the two most recent */
    assert_int_equal(upload(TOK, s1, "r", COMMIT, w1, len, &r), 201);
    reply_free(&r);
    sleep_ms(20);
    assert_int_equal(upload(TOK, s2, "r", "1111111111111111111111111111111111111111", w2, len, &r), 201);
    reply_free(&r);
    sleep_ms(20);
    snprintf(path, sizeof path, "/wasm/%s", s1); /* touch s1: s2 is now the oldest */
    assert_int_equal(call("GET", path, TOK, NULL, &r), 200);
    reply_free(&r);
    sleep_ms(20);
    assert_int_equal(upload(TOK, s3, "r", "2222222222222222222222222222222222222222", w3, len, &r), 201);
    reply_free(&r);
    const char *shas[] = {s1, s2, s3};
    int expect[] = {1, 0, 1};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/wasm/exists/%s", shas[i]);
        assert_int_equal(call("GET", path, TOK, NULL, &r), 200);
        if (json_is_true(json_object_get(r.json, "exists")) != expect[i])
            fail_msg("file %d: exists=%d, expected %d", i, !expect[i], expect[i]);
        if (expect[i])
            assert_true(strstr(jstr(r.json, "created_at"), "+00:00") != NULL);
        reply_free(&r);
    }
    /* the evicted build is gone from the index too */
    assert_int_equal(call("GET", "/public/wasm/info?repo_url=r&commit_hash=1111111111111111111111111111111111111111",
                          NULL, NULL, &r),
                     200);
    assert_true(json_is_false(json_object_get(r.json, "exists")));
    reply_free(&r);
    assert_int_equal(call("GET", "/metrics", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.raw.body, "outlayer_cache_files 2\n"));
    reply_free(&r);
    /* a WasmUrl whose hash is cached goes straight to execution (hash case-insensitive) */
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(s1[i] >= 'a' && s1[i] <= 'f' ? s1[i] - 32 : s1[i]);
    assert_int_equal(create(TOK, wasm_request(700, "w700", upper), &r), 201);
    reply_free(&r);
    assert_int_equal(poll_task(TOK, "compilation", "wA", 0, &r), 204);
    reply_free(&r);
    reply t, c;
    assert_int_equal(poll_task(TOK2, "execution", "wB", 5, &t), 200);
    assert_int_equal(jint(t.json, "request_id"), 700);
    assert_int_equal(claim(TOK2, t.json, "wB", "[\"execution\"]", &c), 200);
    json_t *job = json_array_get(json_object_get(c.json, "jobs"), 0);
    assert_string_equal(jstr(job, "job_type"), "execute");
    assert_string_equal(jstr(job, "wasm_checksum"), s1);
    char body[200];
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":true,\"time_ms\":1}", (long long)jint(job, "job_id"));
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
    reply_free(&r);
    reply_free(&c);
    reply_free(&t);
    /* queued for execution, then its WASM is evicted before it runs: the claim
     * says so at once (the worker reports a failure) instead of bouncing */
    assert_int_equal(create(TOK, wasm_request(720, "w720", s1), &r), 201);
    reply_free(&r);
    assert_int_equal(upload(TOK, s2, "r", "1111111111111111111111111111111111111111", w2, len, &r), 201);
    reply_free(&r); /* evicts s1, the least recently used */
    snprintf(path, sizeof path, "/wasm/exists/%s", s1);
    assert_int_equal(call("GET", path, TOK, NULL, &r), 200);
    assert_true(json_is_false(json_object_get(r.json, "exists")));
    reply_free(&r);
    assert_int_equal(poll_task(TOK2, "execution", "wB", 5, &t), 200);
    assert_int_equal(jint(t.json, "request_id"), 720);
    assert_int_equal(claim(TOK2, t.json, "wB", "[\"execution\"]", &c), 200);
    job = json_array_get(json_object_get(c.json, "jobs"), 0);
    assert_non_null(job);
    assert_string_equal(jstr(job, "job_type"), "execute");
    assert_non_null(strstr(jstr(job, "compile_error"), "evicted"));
    snprintf(body, sizeof body, "{\"job_id\":%lld,\"success\":false,\"time_ms\":0,\"error\":\"evicted\"}",
             (long long)jint(job, "job_id"));
    assert_int_equal(call("POST", "/jobs/complete", TOK2, body, &r), 200);
    reply_free(&r);
    reply_free(&c);
    reply_free(&t);
    free(w1);
    free(w2);
    free(w3);
}

static void test_locks_logs_secrets(void **st)
{
    reply r;
    const char *acq = "{\"lock_key\":\"compile:https://github.com/a/b:main\",\"worker_id\":\"wA\",\"ttl_seconds\":300}";
    assert_int_equal(call("POST", "/locks/acquire", TOK, acq, &r), 200);
    assert_true(json_is_true(json_object_get(r.json, "acquired")));
    reply_free(&r);
    assert_int_equal(call("POST", "/locks/acquire", TOK2, acq, &r), 200);
    assert_true(json_is_false(json_object_get(r.json, "acquired")));
    reply_free(&r);
    assert_int_equal(call("DELETE", "/locks/release/compile%3Ahttps%3A%2F%2Fgithub.com%2Fa%2Fb%3Amain", TOK, NULL, &r),
                     200);
    reply_free(&r);
    assert_int_equal(call("POST", "/locks/acquire", TOK2, acq, &r), 200);
    assert_true(json_is_true(json_object_get(r.json, "acquired")));
    reply_free(&r);
    call("POST", "/locks/acquire", TOK, "{\"lock_key\":\"k\",\"worker_id\":\"w\",\"ttl_seconds\":0}", &r);
    expect_error(&r, 400, "ttl");
    reply_free(&r);
    call("POST", "/locks/acquire", TOK, "{\"lock_key\":1}", &r);
    expect_error(&r, 422, "lock_key");
    reply_free(&r);

    assert_int_equal(
        call("POST", "/internal/system-logs", TOK,
             "{\"request_id\":77,\"job_id\":5,\"log_type\":\"compilation\",\"stderr\":\"boom\",\"exit_code\":1}", &r),
        201);
    assert_true(jint(r.json, "id") > 0);
    reply_free(&r);
    call("POST", "/internal/system-logs", TOK, "{\"request_id\":77}", &r);
    expect_error(&r, 422, "log_type");
    reply_free(&r);
    assert_int_equal(call("GET", "/admin/system-logs/77", "adm1n-secret", NULL, &r), 200);
    assert_int_equal(json_array_size(r.json), 1);
    assert_string_equal(jstr(json_array_get(r.json, 0), "stderr"), "boom");
    assert_int_equal(jint(json_array_get(r.json, 0), "exit_code"), 1);
    reply_free(&r);

    call("POST", "/secrets/pubkey", NULL,
         "{\"accessor\":{\"type\":\"WasmHash\",\"hash\":\"00\"},\"owner\":\"a.near\",\"secrets_json\":\"{}\"}", &r);
    expect_error(&r, 503, "not configured");
    reply_free(&r);
    call("POST", "/secrets/add_generated_secret", NULL, "{}", &r);
    expect_error(&r, 503, "not configured");
    reply_free(&r);
    assert_int_equal(call("POST", "/public/pricing/refresh", NULL, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "per_ms_fee"), "1000000000000000000");
    reply_free(&r);
}

static char *b64(const unsigned char *d, size_t n)
{
    size_t l = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *o = malloc(l);
    sodium_bin2base64(o, l, d, n, sodium_base64_VARIANT_ORIGINAL);
    return o;
}

static void test_attestations_and_api_keys(void **st)
{
    reply r;
    /* issuing keys is for admins */
    call("POST", "/admin/api-keys", TOK, "{\"near_account_id\":\"alice.near\"}", &r);
    expect_error(&r, 403, "admin");
    reply_free(&r);
    call("POST", "/admin/api-keys", "adm1n-secret", "{\"near_account_id\":\"Bob@x\"}", &r);
    expect_error(&r, 400, "near_account_id");
    reply_free(&r);
    call("POST", "/admin/api-keys", "adm1n-secret", "{\"near_account_id\":\"alice.near\",\"rate_limit_per_minute\":0}",
         &r);
    expect_error(&r, 400, "rate_limit");
    reply_free(&r);
    assert_int_equal(call("POST", "/admin/api-keys", "adm1n-secret",
                          "{\"near_account_id\":\"alice.near\",\"key_name\":\"dash\",\"rate_limit_per_minute\":3}", &r),
                     200);
    char key[80];
    snprintf(key, sizeof key, "%s", jstr(r.json, "api_key"));
    assert_int_equal(strlen(key), 64);
    assert_int_equal(jint(r.json, "rate_limit_per_minute"), 3);
    assert_true(jint(r.json, "created_at") > 1700000000);
    reply_free(&r);

    /* a worker posts an attestation */
    unsigned char quote[400];
    for (int i = 0; i < 400; i++)
        quote[i] = (unsigned char)i;
    char *q = b64(quote, sizeof quote), *shortq = b64(quote, 100);
    const char *h64 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    json_t *a =
        json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:s}", "task_id", 4242, "task_type", "execute", "tdx_quote", q,
                  "input_hash", h64, "output_hash", h64, "request_id", 77, "repo_url", "https://github.com/a/b");
    json_object_set_new(a, "http_transcript_sha256", json_string(h64));
    json_object_set_new(a, "http_requests", json_integer(2));
    json_object_set_new(a, "vrf_public_key", json_string(h64));
    json_object_set_new(a, "vrf_calls", json_integer(3));
    assert_int_equal(callj("POST", "/attestations", TOK, json_deep_copy(a), &r), 201);
    assert_int_equal(strlen(jstr(r.json, "worker_measurement")), 96);
    assert_int_equal(strncmp(jstr(r.json, "worker_measurement"), "000102", 6), 0); /* byte 256 = 0x00 */
    reply_free(&r);
    json_t *bad = json_deep_copy(a);
    json_object_set_new(bad, "tdx_quote", json_string("not base64!"));
    callj("POST", "/attestations", TOK, bad, &r);
    expect_error(&r, 400, "base64");
    reply_free(&r);
    bad = json_deep_copy(a);
    json_object_set_new(bad, "tdx_quote", json_string(shortq));
    callj("POST", "/attestations", TOK, bad, &r);
    expect_error(&r, 400, "too short");
    reply_free(&r);
    bad = json_deep_copy(a);
    json_object_del(bad, "input_hash");
    callj("POST", "/attestations", TOK, bad, &r);
    expect_error(&r, 400, "input_hash");
    reply_free(&r);
    bad = json_deep_copy(a);
    json_object_set_new(bad, "output_hash", json_string("abc"));
    callj("POST", "/attestations", TOK, bad, &r);
    expect_error(&r, 400, "output_hash");
    reply_free(&r);
    bad = json_deep_copy(a);
    json_object_set_new(bad, "http_transcript_sha256", json_string("abc"));
    callj("POST", "/attestations", TOK, bad, &r);
    expect_error(&r, 400, "http_transcript_sha256");
    reply_free(&r);
    bad = json_deep_copy(a);
    json_object_set_new(bad, "http_requests", json_integer(-1));
    callj("POST", "/attestations", TOK, bad, &r);
    expect_error(&r, 422, "http_requests");
    reply_free(&r);
    bad = json_deep_copy(a);
    json_object_set_new(bad, "vrf_public_key", json_string("ed25519:abc"));
    callj("POST", "/attestations", TOK, bad, &r);
    expect_error(&r, 400, "vrf_public_key");
    reply_free(&r);
    bad = json_deep_copy(a);
    json_object_set_new(bad, "vrf_calls", json_string("3"));
    callj("POST", "/attestations", TOK, bad, &r);
    expect_error(&r, 422, "vrf_calls");
    reply_free(&r);
    bad = json_deep_copy(a);
    json_object_set_new(bad, "task_type", json_string("Execute"));
    callj("POST", "/attestations", TOK, bad, &r);
    expect_error(&r, 422, "task_type");
    reply_free(&r);
    json_decref(a);
    free(q);
    free(shortq);

    /* reading needs a key, and the key's rate limit (3/min) holds */
    call("GET", "/attestations/4242", NULL, NULL, &r);
    expect_error(&r, 401, "API key");
    reply_free(&r);
    const char *wrong[] = {"X-API-Key: 0000", NULL};
    call_full("GET", "/attestations/4242", NULL, NULL, NULL, 0, wrong, &r);
    expect_error(&r, 401, "invalid");
    reply_free(&r);
    char hk[120];
    snprintf(hk, sizeof hk, "X-API-Key: %s", key);
    const char *h[] = {hk, NULL};
    assert_int_equal(call_full("GET", "/attestations/4242", NULL, NULL, NULL, 0, h, &r), 200);
    assert_int_equal(jint(r.json, "task_id"), 4242);
    assert_string_equal(jstr(r.json, "task_type"), "execute");
    assert_int_equal(jint(r.json, "request_id"), 77);
    assert_null(json_object_get(r.json, "wasm_hash")); /* null keys are omitted */
    assert_string_equal(jstr(r.json, "http_transcript_sha256"), h64);
    assert_int_equal(jint(r.json, "http_requests"), 2);
    assert_string_equal(jstr(r.json, "vrf_public_key"), h64);
    assert_int_equal(jint(r.json, "vrf_calls"), 3);
    assert_true(jint(r.json, "timestamp") > 1700000000);
    reply_free(&r);
    call_full("GET", "/attestations/999999", NULL, NULL, NULL, 0, h, &r);
    expect_error(&r, 404, "no attestation");
    reply_free(&r);
    call_full("GET", "/attestations/x1", NULL, NULL, NULL, 0, h, &r);
    expect_error(&r, 400, "integer");
    reply_free(&r);
    call_full("GET", "/attestations/4242", NULL, NULL, NULL, 0, h, &r);
    expect_error(&r, 429, "rate limit");
    reply_free(&r);
}

/* Restart on the same data directory: queued tasks, leases, tokens and the
 * cache survive. Runs last on the main server. */
static void test_restart(void **st)
{
    reply r, t;
    /* the build of test_wasm_cache that survived the LRU: execution work */
    const char *C2 = "2222222222222222222222222222222222222222";
    assert_int_equal(create(TOK, exec_request(900, "d900", "r", C2), &r), 201);
    reply_free(&r);
    assert_int_equal(create(TOK, exec_request(901, "d901", "r", C2), &r), 201);
    reply_free(&r);
    assert_int_equal(poll_task(TOK2, "execution", "wB", 5, &t), 200);
    int64_t leased = jint(t.json, "request_id");
    char lease[64];
    snprintf(lease, sizeof lease, "%s", jstr(t.json, "lease_id"));
    reply_free(&t);
    server_stop(&S);
    server_start(&S, "main", MAIN_ARGS);
    /* the lease survived: the heartbeat renews it */
    assert_int_equal(call("POST", "/workers/heartbeat", TOK2, "{\"worker_id\":\"wB\"}", &r), 200);
    assert_int_equal(jint(r.json, "leases_renewed"), 1);
    reply_free(&r);
    /* the other task is still queued */
    assert_int_equal(poll_task(TOK, "execution", "wA", 5, &t), 200);
    assert_int_equal(jint(t.json, "request_id"), leased == 900 ? 901 : 900);
    reply_free(&t);
    /* idempotency survived */
    assert_int_equal(create(TOK, exec_request(900, "d900", "r", C2), &r), 200);
    reply_free(&r);
    /* the release of the surviving lease works */
    char body[200];
    snprintf(body, sizeof body, "{\"worker_id\":\"wB\",\"lease_id\":\"%s\"}", lease);
    assert_int_equal(call("POST", "/jobs/release", TOK2, body, &r), 200);
    reply_free(&r);
    /* the cache survived */
    assert_int_equal(call("GET", "/public/wasm/info?repo_url=r&commit_hash=2222222222222222222222222222222222222222",
                          NULL, NULL, &r),
                     200);
    assert_true(json_is_true(json_object_get(r.json, "exists")));
    char path[128];
    snprintf(path, sizeof path, "/wasm/%s", jstr(r.json, "checksum"));
    reply d;
    assert_int_equal(call("GET", path, TOK, NULL, &d), 200);
    assert_int_equal(d.raw.len, 400 * 1024);
    reply_free(&d);
    reply_free(&r);
    /* history survived */
    assert_int_equal(call("GET", "/public/stats", NULL, NULL, &r), 200);
    assert_true(jint(r.json, "total_executions") > DRAIN_TASKS);
    reply_free(&r);
}

/* A fake NEAR JSON-RPC: call_function answers with the bytes of the text
 * in g_fake_pricing / g_fake_limits. */
static char g_fake_pricing[256], g_fake_limits[256];
static pthread_mutex_t g_fake_mu = PTHREAD_MUTEX_INITIALIZER;

static void fake_rpc(hs_request *req, void *ctx)
{
    json_t *b = json_loadb(req->body, req->body_len, 0, NULL);
    const char *m = json_string_value(json_object_get(json_object_get(b, "params"), "method_name"));
    pthread_mutex_lock(&g_fake_mu);
    const char *text = m && strcmp(m, "get_pricing") == 0 ? g_fake_pricing : g_fake_limits;
    json_t *bytes = json_array();
    for (const char *p = text; *p; p++)
        json_array_append_new(bytes, json_integer((unsigned char)*p));
    pthread_mutex_unlock(&g_fake_mu);
    json_t *res =
        json_pack("{s:s, s:O, s:{s:o, s:[], s:i, s:s}}", "jsonrpc", "2.0", "id", json_object_get(b, "id"), "result",
                  "result", bytes, "logs", "block_height", 7, "block_hash", "11111111111111111111111111111111");
    json_decref(b);
    hs_reply_json(req, 200, res);
}

static void set_fake(const char *pricing, const char *limits)
{
    pthread_mutex_lock(&g_fake_mu);
    snprintf(g_fake_pricing, sizeof g_fake_pricing, "%s", pricing);
    snprintf(g_fake_limits, sizeof g_fake_limits, "%s", limits);
    pthread_mutex_unlock(&g_fake_mu);
}

static void test_pricing_from_contract(void **st)
{
    hs_config cfg = {.host = "127.0.0.1", .threads = 2};
    hs_server *rpc = hs_server_new(&cfg);
    hs_route_spec rt = {"POST", "/", fake_rpc, NULL, 0, 0, HS_ROUTE_RAW_BODY};
    hs_route_add(rpc, &rt);
    char err[128], arg[128];
    assert_int_equal(hs_server_start(rpc, err, sizeof err), 0);
    snprintf(arg, sizeof arg, "--near-rpc-url=http://127.0.0.1:%d", hs_server_port(rpc));
    set_fake("[\"5\",\"6\",\"7\",\"8\"]", "[100,20,300]");
    server P
    = {0};
    const char *args[] = {arg, "--contract-id=outlayer.test.near", "--pricing-refresh-interval=0", NULL};
    server_start(&P, "pricing", args);
    server *saved = g_srv;
    g_srv = &P;
    reply r;
    assert_int_equal(call("GET", "/public/pricing", NULL, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "base_fee"), "5");
    assert_string_equal(jstr(r.json, "per_compile_ms_fee"), "8");
    assert_int_equal(jint(r.json, "max_instructions"), 100);
    assert_int_equal(jint(r.json, "max_execution_seconds"), 20);
    assert_int_equal(jint(r.json, "max_compilation_seconds"), 300);
    reply_free(&r);
    set_fake("[\"9\",\"6\",\"7\",\"8\"]", "[1,2,3]");
    assert_int_equal(call("POST", "/public/pricing/refresh", NULL, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "base_fee"), "9");
    assert_int_equal(jint(r.json, "max_compilation_seconds"), 3);
    reply_free(&r);
    /* a contract answer of the wrong shape: 502, the pricing stays */
    set_fake("[\"1\",\"2\"]", "[1,2,3]");
    call("POST", "/public/pricing/refresh", NULL, NULL, &r);
    expect_error(&r, 502, "pricing");
    reply_free(&r);
    assert_int_equal(call("GET", "/public/pricing", NULL, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "base_fee"), "9");
    reply_free(&r);
    g_srv = saved;
    server_stop(&P);
    /* an unreachable RPC at start: the default pricing */
    hs_server_stop(rpc, 1000);
    hs_server_free(rpc);
    server Q = {0};
    server_start(&Q, "pricing2", args);
    g_srv = &Q;
    assert_int_equal(call("GET", "/public/pricing", NULL, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "base_fee"), "10000000000000000000000");
    reply_free(&r);
    g_srv = saved;
    server_stop(&Q);
}

/* A fake GitHub API: commit HEAD_SHA is the head of "feature" and "main";
 * OTHER_SHA is the head of nothing and contained in "release". */
#define HEAD_SHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OTHER_SHA "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
static atomic_int g_gh_calls;

static void gh_heads(hs_request *req, void *ctx)
{
    atomic_fetch_add(&g_gh_calls, 1);
    const char *sha = hs_param(req, "sha");
    if (strcmp(hs_param(req, "owner"), "alice") != 0)
        hs_reply_error(req, 404, "Not Found");
    else if (strcmp(sha, HEAD_SHA) == 0)
        hs_reply_json(req, 200, json_pack("[{s:s},{s:s}]", "name", "feature", "name", "main"));
    else if (strcmp(sha, OTHER_SHA) == 0)
        hs_reply_json(req, 200, json_array());
    else
        hs_reply_error(req, 404, "Not Found");
}

static void gh_branches(hs_request *req, void *ctx)
{
    atomic_fetch_add(&g_gh_calls, 1);
    hs_reply_json(req, 200, json_pack("[{s:s},{s:s},{s:s}]", "name", "dev", "name", "release", "name", "main"));
}

static void gh_compare(hs_request *req, void *ctx)
{
    atomic_fetch_add(&g_gh_calls, 1);
    const char *spec = hs_param(req, "spec");
    hs_reply_json(req, 200,
                  json_pack("{s:s}", "status", strcmp(spec, OTHER_SHA "...release") == 0 ? "ahead" : "diverged"));
}

static void test_resolve_branch(void **st)
{
    hs_config cfg = {.host = "127.0.0.1", .threads = 2};
    hs_server *gh = hs_server_new(&cfg);
    hs_route_spec rts[] = {
        {"GET", "/repos/:owner/:repo/commits/:sha/branches-where-head", gh_heads, NULL, 0, 0, 0},
        {"GET", "/repos/:owner/:repo/branches", gh_branches, NULL, 0, 0, 0},
        {"GET", "/repos/:owner/:repo/compare/:spec", gh_compare, NULL, 0, 0, HS_ROUTE_PARAM_ANY},
    };
    for (int i = 0; i < 3; i++)
        hs_route_add(gh, &rts[i]);
    char err[128], arg[128];
    assert_int_equal(hs_server_start(gh, err, sizeof err), 0);
    snprintf(arg, sizeof arg, "--github-api-url=http://127.0.0.1:%d", hs_server_port(gh));
    server G = {0};
    const char *args[] = {arg, NULL};
    server_start(&G, "github", args);
    server *saved = g_srv;
    g_srv = &G;
    reply r;
    /* the head of a branch: main preferred */
    assert_int_equal(call("GET", "/github/resolve-branch?repo=alice/proj&commit=" HEAD_SHA, NULL, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "branch"), "main");
    assert_string_equal(jstr(r.json, "repo_normalized"), "github.com/alice/proj");
    assert_true(json_is_false(json_object_get(r.json, "cached")));
    reply_free(&r);
    int calls = atomic_load(&g_gh_calls);
    assert_int_equal(
        call("GET", "/github/resolve-branch?repo=https://github.com/alice/proj.git&commit=" HEAD_SHA, NULL, NULL, &r),
        200);
    assert_true(json_is_true(json_object_get(r.json, "cached")));
    assert_string_equal(jstr(r.json, "branch"), "main");
    assert_int_equal(atomic_load(&g_gh_calls), calls); /* answered from the cache */
    reply_free(&r);
    /* inside a branch: found by compare ("ahead" = the branch contains the commit) */
    assert_int_equal(call("GET", "/github/resolve-branch?repo=alice/proj&commit=" OTHER_SHA, NULL, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "branch"), "release");
    reply_free(&r);
    /* unknown commit: null, not cached */
    assert_int_equal(call("GET", "/github/resolve-branch?repo=bob/proj&commit=cccccccccccccccccccccccccccccccccccccccc",
                          NULL, NULL, &r),
                     200);
    assert_true(json_is_null(json_object_get(r.json, "branch")));
    reply_free(&r);
    /* a branch name needs no API call */
    calls = atomic_load(&g_gh_calls);
    assert_int_equal(call("GET", "/github/resolve-branch?repo=alice/proj&commit=develop", NULL, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "branch"), "develop");
    assert_int_equal(atomic_load(&g_gh_calls), calls);
    reply_free(&r);
    /* bad input */
    call("GET", "/github/resolve-branch?repo=alice/proj", NULL, NULL, &r);
    expect_error(&r, 400, "required");
    reply_free(&r);
    call("GET", "/github/resolve-branch?repo=not-a-repo&commit=" HEAD_SHA, NULL, NULL, &r);
    expect_error(&r, 400, "Invalid repo");
    reply_free(&r);
    call("GET", "/github/resolve-branch?repo=gitlab.com/a/b&commit=" HEAD_SHA, NULL, NULL, &r);
    expect_error(&r, 404, "github.com");
    reply_free(&r);
    g_srv = saved;
    server_stop(&G);
    hs_server_stop(gh, 1000);
    hs_server_free(gh);
}

/* A fake keystore: records what it was sent, answers by the seed. */
static char g_ks_seed[512], g_ks_auth[256], g_ks_access[512];
static pthread_mutex_t g_ks_mu = PTHREAD_MUTEX_INITIALIZER;

static void ks_handler(hs_request *req, void *ctx)
{
    json_t *b = json_loadb(req->body, req->body_len, 0, NULL);
    const char *seed = json_string_value(json_object_get(b, "seed"));
    const char *auth = hs_header(req, "Authorization");
    pthread_mutex_lock(&g_ks_mu);
    snprintf(g_ks_seed, sizeof g_ks_seed, "%s", seed ? seed : "");
    snprintf(g_ks_auth, sizeof g_ks_auth, "%s", auth ? auth : "");
    char *acc =
        json_object_get(b, "access") ? json_dumps(json_object_get(b, "access"), JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    snprintf(g_ks_access, sizeof g_ks_access, "%s", acc ? acc : "");
    free(acc);
    pthread_mutex_unlock(&g_ks_mu);
    if (seed && strstr(seed, "reject"))
        hs_reply_text(req, 400, "text/plain", "reserved key", 12);
    else if (seed && strstr(seed, "garbage"))
        hs_reply_text(req, 200, "application/json", "[1]", 3);
    else if (strcmp(req->path, "/pubkey") == 0)
        hs_reply_json(req, 200, json_pack("{s:s}", "pubkey", "abcd"));
    else
        hs_reply_json(req, 200, json_pack("{s:s, s:[s]}", "encrypted_data_base64", "ZW5j", "all_keys", "K"));
    json_decref(b);
}

static void test_keystore_proxy(void **st)
{
    hs_config cfg = {.host = "127.0.0.1", .threads = 2};
    hs_server *ks = hs_server_new(&cfg);
    hs_route_spec r1 = {"POST", "/pubkey", ks_handler, NULL, 0, 0, 0};
    hs_route_spec r2 = {"POST", "/add_generated_secret", ks_handler, NULL, 0, 0, 0};
    hs_route_add(ks, &r1);
    hs_route_add(ks, &r2);
    char err[128], arg[128];
    assert_int_equal(hs_server_start(ks, err, sizeof err), 0);
    snprintf(arg, sizeof arg, "--keystore-url=http://127.0.0.1:%d", hs_server_port(ks));
    server K = {0};
    const char *args[] = {arg, "--keystore-token=ks-secret", NULL};
    server_start(&K, "keystore", args);
    server *saved = g_srv;
    g_srv = &K;
    reply r;
    assert_int_equal(
        call("POST", "/secrets/pubkey", NULL,
             "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"https://github.com/alice/proj.git\",\"branch\":\"dev\"},"
             "\"owner\":\"bob.near\",\"secrets_json\":\"{\\\"A\\\":\\\"1\\\"}\"}",
             &r),
        200);
    assert_string_equal(jstr(r.json, "pubkey"), "abcd");
    assert_string_equal(jstr(r.json, "owner"), "bob.near");
    assert_string_equal(jstr(json_object_get(r.json, "accessor"), "repo_normalized"), "github.com/alice/proj");
    assert_string_equal(jstr(json_object_get(r.json, "accessor"), "branch"), "dev");
    pthread_mutex_lock(&g_ks_mu);
    assert_string_equal(g_ks_seed, "github.com/alice/proj:bob.near:dev");
    assert_string_equal(g_ks_auth, "Bearer ks-secret");
    pthread_mutex_unlock(&g_ks_mu);
    reply_free(&r);
    const char *h = "{\"accessor\":{\"type\":\"WasmHash\",\"hash\":\""
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                    "\"},"
                    "\"owner\":\"bob.near\",\"new_secrets\":[{\"name\":\"K\",\"generation_type\":\"hex32\"}]}";
    assert_int_equal(call("POST", "/secrets/add_generated_secret", NULL, h, &r), 200);
    assert_string_equal(jstr(r.json, "encrypted_data_base64"), "ZW5j");
    pthread_mutex_lock(&g_ks_mu);
    /* the hash lower-cased, as src/secrets (and so the keystore) does */
    assert_string_equal(g_ks_seed,
                        "wasm_hash:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:bob.near");
    pthread_mutex_unlock(&g_ks_mu);
    reply_free(&r);
    /* validation and error mapping */
    call("POST", "/secrets/pubkey", NULL,
         "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/b\"},\"owner\":\"\",\"secrets_json\":\"{}\"}", &r);
    expect_error(&r, 400, "Owner");
    reply_free(&r);
    call("POST", "/secrets/pubkey", NULL,
         "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"nope\"},\"owner\":\"o.near\",\"secrets_json\":\"{}\"}", &r);
    expect_error(&r, 400, "Invalid repo");
    reply_free(&r);
    call("POST", "/secrets/pubkey", NULL,
         "{\"accessor\":{\"type\":\"WasmHash\",\"hash\":\"12\"},\"owner\":\"o.near\",\"secrets_json\":\"{}\"}", &r);
    expect_error(&r, 400, "64 hex");
    reply_free(&r);
    call("POST", "/secrets/add_generated_secret", NULL,
         "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/b\"},\"owner\":\"o.near\",\"new_secrets\":[]}", &r);
    expect_error(&r, 400, "At least one");
    reply_free(&r);
    /* the keystore's 400 is passed through; a malformed answer is 502 */
    assert_int_equal(
        call("POST", "/secrets/pubkey", NULL,
             "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/reject\"},\"owner\":\"o.near\",\"secrets_json\":\"{}\"}",
             &r),
        400);
    assert_string_equal(r.raw.body, "reserved key");
    reply_free(&r);
    call("POST", "/secrets/pubkey", NULL,
         "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/garbage\"},\"owner\":\"o.near\",\"secrets_json\":\"{}\"}", &r);
    expect_error(&r, 502, "keystore");
    reply_free(&r);
    /* every repo form the coordinator accepts is normalised exactly as
     * src/secrets does it (so as the keystore, the CLI and the workers do) */
    static const char *forms[] = {"alice/proj",
                                  "Alice/Proj",
                                  " alice/proj.git ",
                                  "https://github.com/Alice/Proj.git",
                                  "http://GitHub.com/alice/proj/",
                                  "git@github.com:ALICE/proj.git",
                                  "ssh://git@github.com/alice/Proj",
                                  "github.com/alice/proj",
                                  "GITHUB.COM/Alice/Proj",
                                  "gitlab.com/Alice/Proj",
                                  "https://GitLab.com/Alice/Proj.git",
                                  "git@codeberg.org:Bob/x-y_z.1"};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        char want[SEC_REPO_MAX], e[256], body[1024], seed[1024];
        assert_int_equal(sec_repo_normalize(forms[i], want, sizeof want, e, sizeof e), 0);
        json_t *jb = json_pack("{s:{s:s,s:s,s:s}, s:s, s:s}", "accessor", "type", "Repo", "repo", forms[i], "branch",
                               "main", "owner", "bob.near", "secrets_json", "{}");
        char *txt = json_dumps(jb, JSON_COMPACT);
        snprintf(body, sizeof body, "%s", txt);
        free(txt);
        json_decref(jb);
        if (call("POST", "/secrets/pubkey", NULL, body, &r) != 200)
            fail_msg("%s: HTTP %ld %.200s", forms[i], r.status, r.raw.body);
        assert_string_equal(jstr(json_object_get(r.json, "accessor"), "repo_normalized"), want);
        snprintf(seed, sizeof seed, "%s:bob.near:main", want);
        pthread_mutex_lock(&g_ks_mu);
        assert_string_equal(g_ks_seed, seed);
        pthread_mutex_unlock(&g_ks_mu);
        reply_free(&r);
    }
    /* forms src/secrets refuses are refused here too, with its reason */
    static const char *bad_forms[] = {"https://github.com/a/b/tree/main",
                                      "github.com:22/a/b",
                                      "https://u:p@github.com/a/b",
                                      "a/../b",
                                      "a/b?x=1",
                                      "a"};
    for (size_t i = 0; i < sizeof bad_forms / sizeof *bad_forms; i++) {
        char want[SEC_REPO_MAX], e[256], body[512];
        assert_int_not_equal(sec_repo_normalize(bad_forms[i], want, sizeof want, e, sizeof e), 0);
        snprintf(body, sizeof body,
                 "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"%s\"},\"owner\":\"o.near\",\"secrets_json\":\"{}\"}",
                 bad_forms[i]);
        call("POST", "/secrets/pubkey", NULL, body, &r);
        expect_error(&r, 400, "Invalid repo format");
        expect_error(&r, 400, e);
        reply_free(&r);
    }
    /* an owner that is not a NEAR account id never reaches the keystore */
    call("POST", "/secrets/pubkey", NULL,
         "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/b\"},\"owner\":\"Bad Owner\",\"secrets_json\":\"{}\"}", &r);
    expect_error(&r, 400, "owner");
    reply_free(&r);
    /* the access condition is checked with the keystore's parser and forwarded */
    call("POST", "/secrets/pubkey", NULL,
         "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/b\"},\"owner\":\"o.near\",\"secrets_json\":\"{}\","
         "\"access\":{\"AccountPattern\":{\"pattern\":\"(unclosed\"}}}",
         &r);
    expect_error(&r, 400, "invalid access condition");
    expect_error(&r, 400, "pattern");
    reply_free(&r);
    call("POST", "/secrets/pubkey", NULL,
         "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/b\"},\"owner\":\"o.near\",\"secrets_json\":\"{}\","
         "\"access\":{\"NotAVariant\":{}}}",
         &r);
    expect_error(&r, 400, "invalid access condition");
    reply_free(&r);
    call(
        "POST", "/secrets/add_generated_secret", NULL,
        "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/b\"},\"owner\":\"o.near\",\"new_secrets\":[{\"name\":\"K\",\"generation_type\":\"hex32\"}],"
        "\"access\":{\"AccountPattern\":{\"pattern\":\"[a-\"}}}",
        &r);
    expect_error(&r, 400, "invalid access condition");
    reply_free(&r);
    assert_int_equal(
        call("POST", "/secrets/pubkey", NULL,
             "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/b\"},\"owner\":\"o.near\",\"secrets_json\":\"{}\","
             "\"access\":{\"AccountPattern\":{\"pattern\":\"[a-z]+\\\\.near\"}}}",
             &r),
        200);
    pthread_mutex_lock(&g_ks_mu);
    assert_string_equal(g_ks_access, "{\"AccountPattern\":{\"pattern\":\"[a-z]+\\\\.near\"}}");
    pthread_mutex_unlock(&g_ks_mu);
    reply_free(&r);
    /* keystore gone: 502 */
    hs_server_stop(ks, 1000);
    hs_server_free(ks);
    call("POST", "/secrets/pubkey", NULL,
         "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/b\"},\"owner\":\"o.near\",\"secrets_json\":\"{}\"}", &r);
    expect_error(&r, 502, "connect");
    reply_free(&r);
    g_srv = saved;
    server_stop(&K);
}

static void test_config_errors(void **st)
{
    char out[8192];
    char dir[300];
    snprintf(dir, sizeof dir, "%s/cfg", g_root);
    assert_int_equal(run_cli(dir, out, sizeof out, "--help", NULL, NULL), 0);
    assert_non_null(strstr(out, "--lease-seconds"));
    assert_non_null(strstr(out, "DATABASE_URL"));
    assert_non_null(strstr(out, "ADMIN_BEARER_TOKEN"));
    assert_int_equal(run_cli(dir, out, sizeof out, "--port=99999", NULL, NULL), 2);
    assert_int_equal(run_cli(dir, out, sizeof out, "--max-attempts=0", NULL, NULL), 2);
    assert_int_equal(run_cli(dir, out, sizeof out, "--database=mysql://x", NULL, NULL), 2);
    assert_int_equal(run_cli(dir, out, sizeof out, "frobnicate", NULL, NULL), 2);
    /* DATABASE_URL=sqlite:PATH puts the database where it says */
    char dbpath[400], arg[420];
    snprintf(dbpath, sizeof dbpath, "%s/elsewhere.db", g_root);
    snprintf(arg, sizeof arg, "--database=sqlite:%s", dbpath);
    assert_int_equal(run_cli(dir, out, sizeof out, arg, "token", "list"), 0);
    assert_int_equal(access(dbpath, F_OK), 0);
    /* every migration is recorded; a database from a newer program is refused */
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT COUNT(*), MAX(version) FROM schema_version", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), sqlite3_column_int(q, 1));
    assert_true(sqlite3_column_int(q, 1) >= 3);
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_exec(h, "INSERT INTO schema_version VALUES(99, 'future', 0)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    assert_int_equal(run_cli(dir, out, sizeof out, arg, "token", "list"), 1);
}

/* ---------------------------------------------------------------- */
/* programs' key-value storage (POST /storage/..., api_storage.c) */

static long kv(const char *tok, const char *op, const char *body, reply *r)
{
    char path[64];
    snprintf(path, sizeof path, "/storage/%s", op);
    return call("POST", path, tok, body, r);
}

static void expect_kv_error(reply *r, long status, const char *code)
{
    expect_error(r, status, NULL);
    const char *c = jstr(r->json, "code");
    if (!c || strcmp(c, code) != 0)
        fail_msg("expected code %s, got %s: %.300s", code, c ? c : "(none)", r->raw.body);
}

typedef struct {
    server *srv;
    const char *tok;
    int id, stored, refused;
} kv_racer;

static void *kv_race(void *arg)
{
    kv_racer *k = arg;
    t_srv = k->srv;
    for (int i = 0; i < 2; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"owner\":\"race.near\",\"project\":\"github.com/a/race\",\"key\":\"%02x%02x\",\"value\":\"AA==\"}",
                 k->id, i);
        reply r;
        long st = kv(k->tok, "set", body, &r);
        if (st == 200)
            k->stored++;
        else if (st == 409)
            k->refused++;
        reply_free(&r);
    }
    t_srv = NULL;
    return NULL;
}

static void test_program_storage(void **st)
{
    server K;
    memset(&K, 0, sizeof K);
    snprintf(K.dir, sizeof K.dir, "%s/kv", g_root);
    char tok[80];
    new_token(&K, "worker-kv", tok);
    const char *args[] = {"--storage-max-keys=3", "--storage-max-bytes=64", "--storage-max-value=40",
                          "--storage-require-lease=false", NULL};
    server_start(&K, "kv", args);
    server *prev = g_srv;
    g_srv = &K;
    reply r;
    const char *routes[] = {"get", "set", "delete", "list", "usage"};
    const char *any = "{\"owner\":\"bob.near\",\"project\":\"p\",\"key\":\"00\",\"value\":\"\"}";
    for (size_t i = 0; i < 5; i++) {
        kv(NULL, routes[i], any, &r);
        expect_error(&r, 401, "missing worker bearer token");
        reply_free(&r);
        kv("not-a-token", routes[i], any, &r);
        expect_error(&r, 401, "invalid or revoked");
        reply_free(&r);
    }
    /* a key of bytes 00 ff 61 ("\0\xffa"), values in base64 */
    const char *owner = "\"owner\":\"bob.near\",\"project\":\"github.com/alice/counter\"";
    char b[1024];
    snprintf(b, sizeof b, "{%s,\"key\":\"00ff61\"}", owner);
    kv(tok, "get", b, &r);
    expect_kv_error(&r, 404, "not_found");
    reply_free(&r);
    snprintf(b, sizeof b, "{%s,\"key\":\"00FF61\",\"value\":\"aGVsbG8=\"}", owner); /* "hello"; hex any case */
    assert_int_equal(kv(tok, "set", b, &r), 200);
    assert_int_equal(jint(r.json, "keys"), 1);
    assert_int_equal(jint(r.json, "bytes"), 3 + 5);
    reply_free(&r);
    snprintf(b, sizeof b, "{%s,\"key\":\"00ff61\"}", owner);
    assert_int_equal(kv(tok, "get", b, &r), 200);
    assert_string_equal(jstr(r.json, "value"), "aGVsbG8=");
    reply_free(&r);
    /* the same key of another project, and of another owner: separate stores */
    assert_int_equal(
        kv(tok, "get", "{\"owner\":\"bob.near\",\"project\":\"github.com/alice/other\",\"key\":\"00ff61\"}", &r), 404);
    reply_free(&r);
    assert_int_equal(
        kv(tok, "get", "{\"owner\":\"eve.near\",\"project\":\"github.com/alice/counter\",\"key\":\"00ff61\"}", &r),
        404);
    reply_free(&r);
    /* overwrite: same key count, new byte count */
    snprintf(b, sizeof b, "{%s,\"key\":\"00ff61\",\"value\":\"aGk=\"}", owner); /* "hi" */
    assert_int_equal(kv(tok, "set", b, &r), 200);
    assert_int_equal(jint(r.json, "keys"), 1);
    assert_int_equal(jint(r.json, "bytes"), 3 + 2);
    reply_free(&r);
    snprintf(b, sizeof b, "{%s,\"key\":\"6101\",\"value\":\"\"}", owner);
    assert_int_equal(kv(tok, "set", b, &r), 200);
    reply_free(&r);
    snprintf(b, sizeof b, "{%s,\"key\":\"6102\",\"value\":\"AQID\"}", owner);
    assert_int_equal(kv(tok, "set", b, &r), 200);
    assert_int_equal(jint(r.json, "keys"), 3);
    reply_free(&r);
    /* quota: a 4th key is refused, an overwrite is not */
    snprintf(b, sizeof b, "{%s,\"key\":\"6103\",\"value\":\"\"}", owner);
    kv(tok, "set", b, &r);
    expect_kv_error(&r, 409, "quota");
    assert_non_null(strstr(jstr(r.json, "error"), "3 of 3 keys"));
    reply_free(&r);
    /* bytes: 64 in all; 40-byte value fits the value limit but not the project */
    snprintf(b, sizeof b, "{%s,\"key\":\"6102\",\"value\":\"%s\"}", owner,
             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); /* 39 bytes */
    assert_int_equal(kv(tok, "set", b, &r), 200);
    reply_free(&r);
    snprintf(b, sizeof b, "{%s,\"key\":\"6101\",\"value\":\"%s\"}", owner, "AAAAAAAAAAAAAAAAAAAAAAAA"); /* 18 */
    kv(tok, "set", b, &r);
    expect_kv_error(&r, 409, "quota");
    reply_free(&r);
    /* sizes: value over 40 bytes, key over 256 bytes */
    snprintf(b, sizeof b, "{%s,\"key\":\"6101\",\"value\":\"%s\"}", owner,
             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); /* 42 bytes */
    kv(tok, "set", b, &r);
    expect_kv_error(&r, 413, "too_large");
    reply_free(&r);
    char longkey[600];
    memset(longkey, 'a', 514);
    longkey[514] = 0;
    snprintf(b, sizeof b, "{%s,\"key\":\"%s\",\"value\":\"\"}", owner, longkey);
    kv(tok, "set", b, &r);
    expect_kv_error(&r, 413, "too_large");
    reply_free(&r);
    /* bad input */
    const char *bad[][2] = {
        {"set", "{\"owner\":\"bob.near\",\"project\":\"p\",\"key\":\"0g\",\"value\":\"\"}"},
        {"set", "{\"owner\":\"bob.near\",\"project\":\"p\",\"key\":\"abc\",\"value\":\"\"}"},
        {"set", "{\"owner\":\"bob.near\",\"project\":\"p\",\"key\":\"\",\"value\":\"\"}"},
        {"set", "{\"owner\":\"bob.near\",\"project\":\"p\",\"key\":\"00\",\"value\":\"not base64!\"}"},
        {"set", "{\"owner\":\"bob.near\",\"project\":\"p\",\"key\":\"00\"}"},
        {"set", "{\"owner\":\"Bob\",\"project\":\"p\",\"key\":\"00\",\"value\":\"\"}"},
        {"get", "{\"owner\":\"bob.near\",\"project\":\"has space\",\"key\":\"00\"}"},
        {"get", "{\"owner\":\"bob.near\",\"key\":\"00\"}"},
        {"list", "{\"owner\":\"bob.near\",\"project\":\"p\",\"limit\":0}"},
        {"list", "{\"owner\":\"bob.near\",\"project\":\"p\",\"limit\":\"5\"}"},
        {"list", "{\"owner\":\"bob.near\",\"project\":\"p\",\"prefix\":\"zz\"}"},
        {"list", "{\"owner\":\"bob.near\",\"project\":\"p\",\"cursor\":7}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        kv(tok, bad[i][0], bad[i][1], &r);
        if (r.status != 400)
            fail_msg("%s %s: HTTP %ld %.200s", bad[i][0], bad[i][1], r.status, r.raw.body);
        expect_kv_error(&r, 400, "invalid");
        reply_free(&r);
    }
    /* list: byte order, prefix, pages with a cursor */
    snprintf(b, sizeof b, "{%s}", owner);
    assert_int_equal(kv(tok, "list", b, &r), 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "keys")), 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r.json, "keys"), 0)), "00ff61");
    assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
    reply_free(&r);
    snprintf(b, sizeof b, "{%s,\"prefix\":\"61\",\"limit\":1}", owner);
    assert_int_equal(kv(tok, "list", b, &r), 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "keys")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r.json, "keys"), 0)), "6101");
    assert_string_equal(jstr(r.json, "next_cursor"), "6101");
    reply_free(&r);
    snprintf(b, sizeof b, "{%s,\"prefix\":\"61\",\"cursor\":\"6101\",\"limit\":1}", owner);
    assert_int_equal(kv(tok, "list", b, &r), 200);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r.json, "keys"), 0)), "6102");
    assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
    reply_free(&r);
    /* delete: usage goes down; deleting twice is not_found */
    snprintf(b, sizeof b, "{%s,\"key\":\"6102\"}", owner);
    assert_int_equal(kv(tok, "delete", b, &r), 200);
    reply_free(&r);
    kv(tok, "delete", b, &r);
    expect_kv_error(&r, 404, "not_found");
    reply_free(&r);
    snprintf(b, sizeof b, "{%s}", owner);
    assert_int_equal(kv(tok, "usage", b, &r), 200);
    assert_int_equal(jint(r.json, "keys"), 2);
    assert_int_equal(jint(r.json, "bytes"), 3 + 2 + 2 + 0);
    assert_int_equal(jint(r.json, "max_keys"), 3);
    reply_free(&r);
    /* concurrent sets of new keys: exactly the quota's worth get in */
    kv_racer rc[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        rc[i] = (kv_racer){.srv = &K, .tok = tok, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, kv_race, &rc[i]), 0);
    }
    int stored = 0, refused = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        stored += rc[i].stored;
        refused += rc[i].refused;
    }
    assert_int_equal(stored, 3);
    assert_int_equal(refused, 13);
    assert_int_equal(kv(tok, "usage", "{\"owner\":\"race.near\",\"project\":\"github.com/a/race\"}", &r), 200);
    assert_int_equal(jint(r.json, "keys"), 3);
    assert_int_equal(jint(r.json, "bytes"), 3 * 3);
    reply_free(&r);
    /* it persists across a restart */
    server_stop(&K);
    server_start(&K, "kv", args);
    snprintf(b, sizeof b, "{%s,\"key\":\"00ff61\"}", owner);
    assert_int_equal(kv(tok, "get", b, &r), 200);
    assert_string_equal(jstr(r.json, "value"), "aGk=");
    reply_free(&r);
    server_stop(&K);
    g_srv = prev;
}

/* Leases a queued task of request rid (other tasks a shared PostgreSQL
 * database still queues are leased and left to expire). */
static char *lease_of(const char *tok, int64_t rid)
{
    for (int i = 0; i < 50; i++) {
        reply t;
        long st = poll_task(tok, "compilation,execution", "wL", 1, &t);
        if (st == 200 && jint(t.json, "request_id") == rid) {
            char *l = strdup(jstr(t.json, "lease_id"));
            reply_free(&t);
            return l;
        }
        reply_free(&t);
    }
    fail_msg("request %lld was never leased", (long long)rid);
    return NULL;
}

/* With --storage-require-lease (the default) the store is the one of the
 * request a live lease holds: owner = its caller, project = its source. */
static void test_program_storage_leases(void **st)
{
    server L;
    memset(&L, 0, sizeof L);
    snprintf(L.dir, sizeof L.dir, "%s/kvlease", g_root);
    char tok[80];
    new_token(&L, "worker-lease", tok);
    server_start(&L, "kvlease", NULL);
    server *prev = g_srv;
    g_srv = &L;
    reply r;
    kv(tok, "get", "{\"owner\":\"alice.near\",\"project\":\"github.com/alice/flip\",\"key\":\"6b\"}", &r);
    expect_kv_error(&r, 403, "lease");
    reply_free(&r);
    kv(tok, "get", "{\"lease_id\":\"no-such-lease\",\"key\":\"6b\"}", &r);
    expect_kv_error(&r, 403, "lease");
    reply_free(&r);
    kv(tok, "get", "{\"lease_id\":\"x\",\"owner\":\"alice.near\",\"key\":\"6b\"}", &r);
    expect_kv_error(&r, 400, "invalid");
    reply_free(&r);
    int64_t base = 880000 + (int64_t)(randombytes_uniform(100000)) * 10;
    /* alice, repo spelled one way, commit 1 */
    assert_int_equal(create(tok, exec_request(base + 1, "d", "https://github.com/Alice/Flip.git", COMMIT), &r), 201);
    reply_free(&r);
    char *la = lease_of(tok, base + 1);
    char b[512];
    snprintf(b, sizeof b, "{\"lease_id\":\"%s\",\"key\":\"6b\",\"value\":\"djE=\"}", la);
    assert_int_equal(kv(tok, "set", b, &r), 200);
    reply_free(&r);
    /* alice, the same repository spelled another way, another commit: the same store */
    assert_int_equal(
        create(tok, exec_request(base + 2, "d", "github.com/alice/flip", "89abcdef0123456789abcdef0123456789abcdef"),
               &r),
        201);
    reply_free(&r);
    char *lb = lease_of(tok, base + 2);
    snprintf(b, sizeof b, "{\"lease_id\":\"%s\",\"key\":\"6b\"}", lb);
    assert_int_equal(kv(tok, "get", b, &r), 200);
    assert_string_equal(jstr(r.json, "value"), "djE=");
    reply_free(&r);
    /* bob, the same repository: his own store */
    json_t *rq = exec_request(base + 3, "d", "github.com/alice/flip", COMMIT);
    json_object_set_new(rq, "user_account_id", json_string("bob.near"));
    assert_int_equal(create(tok, rq, &r), 201);
    reply_free(&r);
    char *lc = lease_of(tok, base + 3);
    snprintf(b, sizeof b, "{\"lease_id\":\"%s\",\"key\":\"6b\"}", lc);
    kv(tok, "get", b, &r);
    expect_kv_error(&r, 404, "not_found");
    reply_free(&r);
    /* alice, a WasmUrl program: another project */
    rq = wasm_request(base + 4, "d", "AB00000000000000000000000000000000000000000000000000000000000000");
    json_object_set_new(rq, "user_account_id", json_string("alice.near"));
    assert_int_equal(create(tok, rq, &r), 201);
    reply_free(&r);
    char *ld = lease_of(tok, base + 4);
    snprintf(b, sizeof b, "{\"lease_id\":\"%s\",\"key\":\"6b\"}", ld);
    kv(tok, "get", b, &r);
    expect_kv_error(&r, 404, "not_found");
    reply_free(&r);
    /* a request without a caller has no store */
    assert_int_equal(
        create(tok, wasm_request(base + 5, "d", "cd00000000000000000000000000000000000000000000000000000000000000"),
               &r),
        201);
    reply_free(&r);
    char *le = lease_of(tok, base + 5);
    snprintf(b, sizeof b, "{\"lease_id\":\"%s\",\"key\":\"6b\"}", le);
    kv(tok, "get", b, &r);
    expect_kv_error(&r, 403, "lease");
    reply_free(&r);
    free(la);
    free(lb);
    free(lc);
    free(ld);
    free(le);
    server_stop(&L);
    g_srv = prev;
}

int main(void)
{
    g_bin = getenv("COORD_BIN");
    if (!g_bin) {
        fprintf(stderr, "set COORD_BIN to the outlayer-coordinator binary\n");
        return 2;
    }
    g_san = getenv("COORD_SAN") != NULL;
    g_dburl = getenv("COORD_DATABASE_URL");
    if (g_dburl) {
        snprintf(g_dbarg, sizeof g_dbarg, "--database=%s", g_dburl);
        g_drain_tasks = DRAIN_MAX;
        printf("storage under test: PostgreSQL (%s)\n", g_dburl);
    }
    signal(SIGPIPE, SIG_IGN);
    atexit(stop_all);
    hc_global_init();
    snprintf(g_root, sizeof g_root, "/tmp/coordtest-XXXXXX");
    if (!mkdtemp(g_root))
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_metrics_routing),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_create_bad_input),
        cmocka_unit_test(test_full_cycle),
        cmocka_unit_test(test_branch_not_cached),
        cmocka_unit_test(test_lease_expiry_and_abandon),
        cmocka_unit_test(test_execute_job_checks),
        cmocka_unit_test(test_group_commit),
        cmocka_unit_test(test_heartbeat_keeps_lease),
        cmocka_unit_test(test_release_worker_leases),
        cmocka_unit_test(test_long_poll_wake_latency),
        cmocka_unit_test(test_workers_no_duplicates),
        cmocka_unit_test(test_wasm_cache),
        cmocka_unit_test(test_locks_logs_secrets),
        cmocka_unit_test(test_attestations_and_api_keys),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_pricing_from_contract),
        cmocka_unit_test(test_resolve_branch),
        cmocka_unit_test(test_keystore_proxy),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_program_storage),
        cmocka_unit_test(test_program_storage_leases),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    if (rc == 0) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_root);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", g_root);
    } else {
        fprintf(stderr, "server logs kept in %s\n", g_root);
    }
    return rc;
}
