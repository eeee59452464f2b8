/*
 * test_worker_kv.c — programs' persistent storage and NEAR views through
 * the whole request path: the devnet with the OutLayer contract, the real
 * coordinator and worker binaries on loopback, WasmUrl programs served by
 * this test. The counter example (sdk/examples/counter.c) requested twice
 * by the same caller resolves 1 then 2; a second caller starts at 1; the
 * coordinator holds the count under (caller, "wasm:<sha256>"); the
 * view_reader example reads the contract's get_stats through the worker's
 * RPC; with --program-storage false the counter fails with the SDK's text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/http_client.h"
#include "worker/worker.h"
#include "worker_harness.h"

static wh_chain C;
static char dir[64];
static struct MHD_Daemon *files;
static int files_port;
static wh_coordinator coord;
static pid_t worker_pid;
static int worker_runs;
static const char *worker_bin = "build/bin/outlayer-worker", *coord_bin = "build/bin/outlayer-coordinator";
static uint8_t *counter, *viewer;
static size_t counter_len, viewer_len;
static char counter_hash[65], viewer_hash[65];
#define ALICE "alice.test.near"
static near_credentials alice;

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_len, void **ptr)
{
    const uint8_t *body = NULL;
    size_t len = 0;
    if (strcmp(url, "/counter.wasm") == 0)
        body = counter, len = counter_len;
    else if (strcmp(url, "/view_reader.wasm") == 0)
        body = viewer, len = viewer_len;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = MHD_queue_response(conn, body ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, r);
    MHD_destroy_response(r);
    return ok;
}

static void start_worker(const char *storage)
{
    char log[128], key[128], cursor[128], run[16], start[32];
    snprintf(log, sizeof log, "%s/worker%d.log", dir, ++worker_runs);
    snprintf(key, sizeof key, "%s/operator.json", dir);
    snprintf(cursor, sizeof cursor, "%s/cursor", dir);
    snprintf(run, sizeof run, "kv-%d", worker_runs);
    snprintf(start, sizeof start, "%llu", (unsigned long long)dn_height(&C.node));
    const char *extra[] = {"--jobs",          "1",    "--start-block", start, "--allow-private-urls", "true",
                           "--program-storage", storage, NULL};
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

static void stop_worker(void)
{
    int st = wh_stop(worker_pid, SIGTERM);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("worker did not exit cleanly (status %d), see %s", st, dir);
}

static char *wasm_url_source(const char *path, const char *hash)
{
    char *s = NULL;
    if (asprintf(&s,
                 "{\"WasmUrl\":{\"url\":\"http://127.0.0.1:%d%s\",\"hash\":\"%s\",\"build_target\":\"wasm32-wasip1\"}}",
                 files_port, path, hash) < 0)
        return NULL;
    return s;
}

#define LIMITS "{\"max_instructions\":1000000000,\"max_memory_mb\":32,\"max_execution_seconds\":10}"

/* Requests as `who` (the harness's caller by default), waits for the
 * final outcome; returns the value and the completed event's data[0]. */
static char *run_request(const near_credentials *who, const char *source, const char *input, const char *format,
                         json_t **data)
{
    near_credentials saved = C.caller;
    if (who)
        C.caller = *who;
    wh_request rq;
    int rc = wh_request_execution(&C, source, LIMITS, input, format, &rq);
    near_outcome o;
    int fin = rc ? -1 : wh_final(&C, &rq, 60000, &o);
    C.caller = saved;
    assert_int_equal(rc, 0);
    if (fin)
        fail_msg("no final outcome (logs in %s)", dir);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fail_msg("the caller's transaction failed: %s", o.failure_message);
    json_t *ev = wh_completed_event(&o);
    assert_non_null(ev);
    if (data)
        *data = json_incref(json_array_get(json_object_get(ev, "data"), 0));
    json_decref(ev);
    char *v = strndup((const char *)o.value, o.value_len);
    near_outcome_free(&o);
    return v;
}

static void test_counter_persists(void **st)
{
    (void)st;
    char *src = wasm_url_source("/counter.wasm", counter_hash);
    char *v = run_request(NULL, src, "", "Json", NULL);
    assert_string_equal(v, "1");
    free(v);
    v = run_request(NULL, src, "", "Json", NULL);
    assert_string_equal(v, "2");
    free(v);
    /* another caller has a store of their own */
    v = run_request(&alice, src, "", "Json", NULL);
    assert_string_equal(v, "1");
    free(v);
    v = run_request(NULL, src, "", "Json", NULL);
    assert_string_equal(v, "3");
    free(v);
    free(src);
    /* the coordinator holds it under (caller, wasm:<sha256>), key "counter" (read from its database) */
    char db[128], project[80];
    snprintf(db, sizeof db, "%s/coord/coordinator.db", dir);
    snprintf(project, sizeof project, "wasm:%s", counter_hash);
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT value_b64 FROM program_storage WHERE owner=? AND project=? AND "
                                        "key_hex='636f756e746572'",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, WH_CALLER, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, project, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "Mw=="); /* "3" */
    sqlite3_finalize(q);
    sqlite3_close(h);
}

static void test_view_reader(void **st)
{
    (void)st;
    char *src = wasm_url_source("/view_reader.wasm", viewer_hash);
    json_t *d = NULL;
    char *v = run_request(NULL, src, WH_OUTLAYER " get_stats", "Json", &d);
    /* get_stats: [total_executions, total_fees_collected]; the counter's runs were executions */
    json_t *j = json_loads(v, 0, NULL);
    if (!json_is_array(j) || json_array_size(j) != 2 || json_integer_value(json_array_get(j, 0)) < 4)
        fail_msg("view_reader resolved %s", v);
    json_decref(j);
    json_decref(d);
    free(v);
    /* a view that fails in the contract: the program's error reaches the caller */
    v = run_request(NULL, src, WH_OUTLAYER " no_such_method", "Text", &d);
    assert_string_equal(v, "null");
    const char *msg = json_string_value(json_object_get(d, "error_message"));
    if (!msg || !strstr(msg, "the contract's view failed"))
        fail_msg("error %s", msg ? msg : "(none)");
    json_decref(d);
    free(v);
    free(src);
}

static void test_storage_disabled(void **st)
{
    (void)st;
    stop_worker();
    start_worker("false");
    char *src = wasm_url_source("/counter.wasm", counter_hash);
    json_t *d = NULL;
    char *v = run_request(NULL, src, "", "Json", &d);
    assert_string_equal(v, "null");
    const char *msg = json_string_value(json_object_get(d, "error_message"));
    if (!msg || !strstr(msg, "not enabled for this run"))
        fail_msg("error %s", msg ? msg : "(none)");
    json_decref(d);
    free(v);
    free(src);
}

static int setup(void **st)
{
    (void)st;
    if (sodium_init() < 0 || hc_global_init())
        return -1;
    if (getenv("WORKER_BIN"))
        worker_bin = getenv("WORKER_BIN");
    if (getenv("COORDINATOR_BIN"))
        coord_bin = getenv("COORDINATOR_BIN");
    snprintf(dir, sizeof dir, "/tmp/wk-kv-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    counter = dn_read_file("build/sdk/counter.wasm", &counter_len);
    viewer = dn_read_file("build/sdk/view_reader.wasm", &viewer_len);
    if (!counter || !viewer)
        return -1;
    wk_sha256_hex(counter, counter_len, counter_hash);
    wk_sha256_hex(viewer, viewer_len, viewer_hash);
    files = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, serve, NULL, MHD_OPTION_END);
    if (!files)
        return -1;
    files_port = MHD_get_daemon_info(files, MHD_DAEMON_INFO_BIND_PORT)->port;
    if (wh_start(&C, 100))
        return -1;
    if (dn_create_account(&C.node, &C.node.test_root, ALICE, 20 * DN_NEAR, &alice))
        return -1;
    char key[128];
    snprintf(key, sizeof key, "%s/operator.json", dir);
    if (wh_write_key_file(&C, key))
        return -1;
    const char *coord_args[] = {"--lease-seconds", "5", "--poll-max-seconds", "5", NULL};
    if (wh_coordinator_start(&coord, coord_bin, dir, coord_args))
        return -1;
    start_worker("true");
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    int bad = 0;
    int s = wh_stop(worker_pid, SIGTERM);
    if (!WIFEXITED(s) || WEXITSTATUS(s) != 0)
        bad = 1;
    s = wh_stop(coord.pid, SIGTERM);
    if (!WIFEXITED(s) || WEXITSTATUS(s) != 0)
        bad = 1;
    char cmd[256];
    snprintf(
        cmd, sizeof cmd,
        "cat %s/worker*.log %s/coordinator.log | grep -q 'ERROR: AddressSanitizer\\|ERROR: LeakSanitizer\\|runtime "
        "error:'",
        dir, dir);
    if (system(cmd) == 0) {
        fprintf(stderr, "sanitizer report in the logs (%s)\n", dir);
        bad = 1;
    }
    MHD_stop_daemon(files);
    if (dn_finish(&C.node))
        bad = 1;
    if (bad || getenv("KEEP_E2E_DIR"))
        fprintf(stderr, "logs kept in %s\n", dir);
    else {
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            bad = 1;
    }
    free(counter);
    free(viewer);
    return bad ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_persists),
        cmocka_unit_test(test_view_reader),
        cmocka_unit_test(test_storage_disabled),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
