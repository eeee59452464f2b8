/*
 * test_worker_fetch.c — over the wire, without a chain:
 *
 *  1. WasmUrl downloads (src/worker/fetch.c) against a real HTTP server on
 *     127.0.0.1: refused without --allow-private-urls (by address and by a
 *     name that resolves to loopback — the server never sees a request),
 *     allowed with it; redirects followed up to the cap and re-checked at
 *     every hop (a redirect to the metadata address, to file://, or one hop
 *     too many is refused); the size cap; the hash check.
 *  2. A worker restarted under the same --worker-id: the real
 *     outlayer-worker binary hands the dead leases of its previous run back
 *     to the real coordinator at start (POST /workers/release-leases), so
 *     another worker gets the task at once instead of after the lease.
 */
#include <microhttpd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/http_client.h"
#include "near/keys.h"
#include "worker/worker.h"
#include "worker_harness.h"

static struct MHD_Daemon *g_httpd;
static int g_port;
static atomic_int g_hits;
static uint8_t g_wasm[3000];
static char g_hash[65];
static char g_dir[256];

static enum MHD_Result redirect(struct MHD_Connection *conn, const char *to)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Location", to);
    enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_FOUND, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_len, void **ptr)
{
    (void)cls, (void)method, (void)version, (void)upload, (void)upload_len, (void)ptr;
    atomic_fetch_add(&g_hits, 1);
    char to[256];
    int n;
    if (sscanf(url, "/redir/%d", &n) == 1) {
        if (n > 0)
            snprintf(to, sizeof to, "/redir/%d", n - 1);
        else
            snprintf(to, sizeof to, "http://localhost:%d/a.wasm", g_port); /* a name, re-checked */
        return redirect(conn, to);
    }
    if (strcmp(url, "/to-metadata") == 0)
        return redirect(conn, "http://169.254.169.254/latest/meta-data/");
    if (strcmp(url, "/to-mapped") == 0) {
        snprintf(to, sizeof to, "http://[::ffff:169.254.169.254]:%d/a.wasm", g_port);
        return redirect(conn, to);
    }
    if (strcmp(url, "/to-file") == 0)
        return redirect(conn, "file:///etc/passwd");
    const void *body = NULL;
    size_t len = 0;
    if (strcmp(url, "/a.wasm") == 0)
        body = g_wasm, len = sizeof g_wasm;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = MHD_queue_response(conn, body ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, r);
    MHD_destroy_response(r);
    return ok;
}

static int setup(void **st)
{
    (void)st;
    if (hc_global_init())
        return -1;
    for (size_t i = 0; i < sizeof g_wasm; i++)
        g_wasm[i] = (uint8_t)(i * 7 + 3);
    wk_sha256_hex(g_wasm, sizeof g_wasm, g_hash);
    g_httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, serve, NULL, MHD_OPTION_END);
    if (!g_httpd)
        return -1;
    g_port = MHD_get_daemon_info(g_httpd, MHD_DAEMON_INFO_BIND_PORT)->port;
    snprintf(g_dir, sizeof g_dir, "/tmp/wkfetch-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    MHD_stop_daemon(g_httpd);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Fetches path from the test server (host "127.0.0.1" unless url is absolute). */
static int fetch(const char *url_or_path, bool allow_private, size_t cap, char *err, size_t errlen)
{
    char url[300];
    if (url_or_path[0] == '/')
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", g_port, url_or_path);
    else
        snprintf(url, sizeof url, "%s", url_or_path);
    wk_fetch_opts o = {.max_bytes = cap ? cap : 1 << 20, .timeout_ms = 10000, .allow_private = allow_private};
    uint8_t *b = NULL;
    size_t len = 0;
    err[0] = 0;
    int rc = wk_fetch_wasm(url, g_hash, &o, &b, &len, err, errlen);
    if (rc == 0) {
        assert_int_equal(len, sizeof g_wasm);
        assert_memory_equal(b, g_wasm, len);
    }
    free(b);
    return rc;
}

static void expect_refused(const char *url, bool allow_private, const char *needle)
{
    char err[512];
    int before = atomic_load(&g_hits);
    if (fetch(url, allow_private, 0, err, sizeof err) == 0)
        fail_msg("%s was fetched", url);
    if (!strstr(err, needle))
        fail_msg("%s: error '%s' does not mention '%s'", url, err, needle);
    (void)before;
}

static void test_loopback_needs_the_option(void **st)
{
    (void)st;
    char err[512], url[200];
    int before = atomic_load(&g_hits);
    /* by address, by a name that resolves to it, and by IPv6 forms of loopback */
    expect_refused("/a.wasm", false, "WASM download refused: the address 127.0.0.1 is loopback");
    expect_refused("/a.wasm", false, "--allow-private-urls");
    snprintf(url, sizeof url, "http://localhost:%d/a.wasm", g_port);
    expect_refused(url, false, "loopback");
    snprintf(url, sizeof url, "http://[::1]:%d/a.wasm", g_port);
    expect_refused(url, false, "the address ::1 is loopback");
    snprintf(url, sizeof url, "http://[::ffff:127.0.0.1]:%d/a.wasm", g_port);
    expect_refused(url, false, "loopback");
    snprintf(url, sizeof url, "http://0.0.0.0:%d/a.wasm", g_port);
    expect_refused(url, true, "unspecified");
    /* refused before connecting: the server saw none of these */
    assert_int_equal(atomic_load(&g_hits), before);
    /* with the option, the same server is fine, by address and by name */
    assert_int_equal(fetch("/a.wasm", true, 0, err, sizeof err), 0);
    snprintf(url, sizeof url, "http://localhost:%d/a.wasm", g_port);
    if (fetch(url, true, 0, err, sizeof err))
        fail_msg("localhost with the option: %s", err);
    assert_true(atomic_load(&g_hits) > before);
}

static void test_redirects(void **st)
{
    (void)st;
    char err[512];
    /* five hops (the last to a name) are followed, each hop checked */
    if (fetch("/redir/4", true, 0, err, sizeof err))
        fail_msg("5 redirects: %s", err);
    /* six are too many */
    expect_refused("/redir/5", true, "more than 5 redirects");
    /* a redirect to the metadata address (also in its IPv4-mapped form):
     * refused even with the option, after the first hop was allowed */
    expect_refused("/to-metadata", true, "the address 169.254.169.254 is link-local");
    expect_refused("/to-mapped", true, "link-local");
    /* a redirect out of http/https */
    expect_refused("/to-file", true, "scheme other than http/https");
}

static void test_caps_and_schemes(void **st)
{
    (void)st;
    char err[512];
    assert_int_equal(fetch("/a.wasm", true, 1000, err, sizeof err), -1);
    assert_non_null(strstr(err, "WASM download too large"));
    assert_int_equal(fetch("/missing.wasm", true, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "HTTP 404"));
    expect_refused("ftp://127.0.0.1/a.wasm", true, "Unsupported WASM URL scheme");
    expect_refused("gopher://example.com/a.wasm", true, "Unsupported WASM URL scheme");
    /* file:// stays off unless --allow-file-urls */
    expect_refused("file:///etc/hostname", true, "file:// URLs are disabled");
    /* a different body than the hash names */
    wk_fetch_opts o = {.max_bytes = 1 << 20, .timeout_ms = 10000, .allow_private = true};
    uint8_t *b = NULL;
    size_t len = 0;
    char url[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/a.wasm", g_port);
    assert_int_equal(wk_fetch_wasm(url, "00000000000000000000000000000000000000000000000000000000000000ff", &o, &b,
                                   &len, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "WASM hash mismatch"));
}

/* ---- the restart ---- */

static long post(const char *base, const char *path, const char *tok, const char *body, json_t **out)
{
    char url[300], err[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    hc_options o = {.timeout_ms = 30000, .bearer = tok};
    hc_response r = {0};
    if (hc_request(body ? "POST" : "GET", url, body ? "application/json" : NULL, body, body ? strlen(body) : 0, &o, &r,
                   err, sizeof err))
        fail_msg("%s: %s", path, err);
    long s = r.status;
    if (out)
        *out = r.len ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    hc_response_free(&r);
    return s;
}

static int log_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[2048];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

static void test_restart_hands_back_leases(void **st)
{
    (void)st;
    const char *coord_bin = getenv("COORDINATOR_BIN") ? getenv("COORDINATOR_BIN") : "build/bin/outlayer-coordinator";
    const char *worker_bin = getenv("WORKER_BIN") ? getenv("WORKER_BIN") : "build/bin/outlayer-worker";
    char wlog[300], key[300];
    snprintf(wlog, sizeof wlog, "%s/worker.log", g_dir);
    snprintf(key, sizeof key, "%s/operator.json", g_dir);
    wh_coordinator coordinator = {0};
    const char *cargs[] = {"--lease-seconds", "60", NULL};
    assert_int_equal(wh_coordinator_start(&coordinator, coord_bin, g_dir, cargs), 0);
    const char *base = coordinator.url, *token = coordinator.token, *clog = coordinator.log;

    /* the "previous run" of worker wk-restart leased a compile task and died */
    char body[600];
    snprintf(body, sizeof body,
             "{\"request_id\":77,\"data_id\":\"d77\",\"code_source\":{\"type\":\"WasmUrl\",\"url\":"
             "\"https://example.com/a.wasm\",\"hash\":\"%s\"},\"resource_limits\":{\"max_instructions\":1000,"
             "\"max_memory_mb\":16,\"max_execution_seconds\":1},\"input_data\":\"\"}",
             g_hash);
    assert_int_equal(post(base, "/executions/create", token, body, NULL), 201);
    json_t *task = NULL;
    assert_int_equal(
        post(base, "/executions/poll?timeout=5&capabilities=compilation&worker_id=wk-restart", token, NULL, &task),
        200);
    char old_lease[64];
    snprintf(old_lease, sizeof old_lease, "%s", json_string_value(json_object_get(task, "lease_id")));
    json_decref(task);
    /* the lease holds (60 s): nobody else gets the task */
    assert_int_equal(
        post(base, "/executions/poll?timeout=0&capabilities=compilation&worker_id=other", token, NULL, NULL), 204);

    /* the worker starts again under the same id (execution only, so it does
     * not take the compile task itself; no chain: the key check is skipped) */
    near_keypair kp;
    assert_int_equal(near_keypair_generate(&kp), 0);
    char pk[NEAR_KEY_TEXT_MAX], sk[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&kp.public_key, pk);
    near_keypair_format_secret(&kp, sk);
    FILE *f = fopen(key, "w");
    assert_non_null(f);
    fprintf(f, "{\"account_id\":\"op.test.near\",\"public_key\":\"%s\",\"private_key\":\"%s\"}\n", pk, sk);
    fclose(f);
    char *wargv[] = {(char *)worker_bin,
                     "--api-token",
                     (char *)token,
                     "--coordinator-url",
                     (char *)base,
                     "--contract-id",
                     "outlayer.test.near",
                     "--key-file",
                     key,
                     "--rpc-url",
                     "http://127.0.0.1:1",
                     "--worker-id",
                     "wk-restart",
                     "--compile",
                     "false",
                     "--poll-timeout",
                     "1",
                     "--build-dir",
                     g_dir,
                     NULL};
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    pid_t worker = wh_spawn(wargv, wlog);
    /* another worker gets the task within seconds, not after 60 s */
    json_t *again = NULL;
    long s = 0;
    for (int i = 0; i < 30 && s != 200; i++) {
        json_decref(again);
        again = NULL;
        s = post(base, "/executions/poll?timeout=1&capabilities=compilation&worker_id=other", token, NULL, &again);
    }
    gettimeofday(&t1, NULL);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_usec - t0.tv_usec) / 1e6;
    if (s != 200)
        fail_msg("the task did not come back (worker log %s)", wlog);
    assert_int_equal(json_integer_value(json_object_get(again, "request_id")), 77);
    assert_int_equal(json_integer_value(json_object_get(again, "attempt")), 2);
    assert_true(secs < 40);
    json_decref(again);
    /* the old lease is gone for good */
    snprintf(body, sizeof body, "{\"worker_id\":\"wk-restart\",\"lease_id\":\"%s\"}", old_lease);
    assert_int_equal(post(base, "/jobs/release", token, body, NULL), 409);
    for (int i = 0; i < 50 && !log_has(wlog, "handed back 1 lease"); i++)
        usleep(100 * 1000);
    assert_true(log_has(wlog, "handed back 1 lease(s) held by a previous run of wk-restart"));
    assert_true(log_has(clog, "worker wk-restart restarted: 1 lease(s)"));
    wh_stop(worker, SIGTERM);
    wh_stop(coordinator.pid, SIGTERM);
    /* sanitizer builds: no reports */
    assert_false(log_has(wlog, "runtime error") || log_has(wlog, "AddressSanitizer"));
    printf("restarted worker handed its lease back; another worker had the task after %.1f s (lease: 60 s)\n", secs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_needs_the_option),
        cmocka_unit_test(test_redirects),
        cmocka_unit_test(test_caps_and_schemes),
        cmocka_unit_test(test_restart_hands_back_leases),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
