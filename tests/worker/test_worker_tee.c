/*
 * test_worker_tee.c — outlayer-worker with --tee simulated and
 * --register-contract on the real devnet, coordinator and register contract:
 *
 *   a register contract trusting a simulated platform's root (libtee, saved
 *   to a directory the worker is given), its collateral, the measurements
 *   of this worker binary approved, and the OutLayer contract's operator set
 *   to the register contract's account. The worker registers at start
 *   (get_worker shows it, the chain holds its function-call key), resolves
 *   a request signed as the register contract with that key, and posts an
 *   attestation whose quote is the platform's, with the approved MRTD and
 *   the unsigned record's report_data = task_hash || replay nonce ||
 *   instructions executed (what `outlayer verify` reads).
 *
 *   A worker on another platform (a root the contract does not trust) is
 *   refused and does not start; --register-contract without --tee
 *   simulated is a usage error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/http_client.h"
#include "tee/tee.h"
#include "worker/worker.h"
#include "worker_harness.h"

#define REG "reg.test.near"
#define PROBE "build/tests/worker/probe.wasm"

static wh_chain C;
static near_credentials reg;
static char dir[256], platform_dir[300], other_platform[300];
static wh_coordinator coord;
static pid_t worker_pid;
static const char *worker_bin = "build/bin/outlayer-worker";
static const char *coord_bin = "build/bin/outlayer-coordinator";
static uint8_t meas[5][48];
static int worker_runs;

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static int owner_call(const char *receiver, const char *method, const char *args)
{
    near_outcome o;
    near_rpc_error e = {0};
    near_status st = dn_call(&C.node, &C.node.test_root, receiver, method, args, 0, NEAR_WAIT_FINAL, &o, &e, NULL);
    int ok = st == NEAR_OK && o.kind == NEAR_OUTCOME_SUCCESS;
    if (!ok)
        fprintf(stderr, "%s.%s: %s %s\n", receiver, method, e.message, st == NEAR_OK ? o.failure_message : "");
    if (st == NEAR_OK)
        near_outcome_free(&o);
    near_rpc_error_clear(&e);
    return ok ? 0 : -1;
}

static pid_t start_worker(const char *platform, const char *log_name)
{
    char log[300], key[300], run[32], cursor[300];
    snprintf(log, sizeof log, "%s/%s", dir, log_name);
    snprintf(key, sizeof key, "%s/operator.json", dir);
    snprintf(run, sizeof run, "tee-%d", ++worker_runs);
    snprintf(cursor, sizeof cursor, "%s/cursor-%d", dir, worker_runs);
    const char *extra[] = {"--allow-file-urls",  "true", "--tee",          "simulated", "--tee-platform", platform,
                           "--register-contract", REG,    "--shutdown-grace", "3s",        "--build-dir",    dir,
                           NULL};
    wh_worker_spec w = {.bin = worker_bin,
                        .chain = &C,
                        .coordinator = &coord,
                        .key_file = key,
                        .worker_id = run,
                        .cursor_file = cursor,
                        .extra = extra,
                        .log = log};
    return wh_worker_spawn(&w);
}

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0 || hc_global_init())
        return -1;
    if (getenv("WORKER_BIN"))
        worker_bin = getenv("WORKER_BIN");
    if (getenv("COORDINATOR_BIN"))
        coord_bin = getenv("COORDINATOR_BIN");
    snprintf(dir, sizeof dir, "/tmp/wk-tee-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    if (wh_start(&C, 100))
        return -1;
    if (dn_create_account(&C.node, &C.node.test_root, REG, 30 * DN_NEAR, &reg))
        return -1;
    /* the platform the register contract will trust, and another one */
    tee_sim sim, other;
    char err[TEE_ERR];
    snprintf(platform_dir, sizeof platform_dir, "%s/platform", dir);
    snprintf(other_platform, sizeof other_platform, "%s/other-platform", dir);
    int64_t now = (int64_t)time(NULL);
    if (tee_sim_create(&sim, now, err, sizeof err) || tee_sim_save(&sim, platform_dir, err, sizeof err) ||
        tee_sim_create(&other, now, err, sizeof err) || tee_sim_save(&other, other_platform, err, sizeof err)) {
        fprintf(stderr, "platform: %s\n", err);
        return -1;
    }
    tee_sim_free(&other);
    char *root = tee_sim_root_hex(&sim), *init = malloc(strlen(root) + 400);
    sprintf(init,
            "{\"owner_id\":\"test.near\",\"init_worker_account\":\"" WH_OPERATOR "\",\"receiver_id\":\"" WH_OUTLAYER
            "\",\"root_ca_hex\":\"%s\"}",
            root);
    free(root);
    int rc = dn_deploy(&C.node, &reg, "build/contracts/register.wasm", init);
    free(init);
    if (rc)
        return -1;
    char *coll = tee_sim_collateral(&sim, now);
    json_t *j = json_pack("{s:s}", "collateral", coll);
    char *a = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    free(coll);
    tee_sim_free(&sim);
    rc = owner_call(REG, "update_collateral", a);
    free(a);
    if (rc)
        return -1;
    /* the measurements of this worker binary */
    uint8_t exe[32];
    if (tee_file_sha256(worker_bin, exe))
        return -1;
    tee_sim_measurements(exe, meas);
    char *m[5];
    for (int i = 0; i < 5; i++)
        m[i] = tee_hex(meas[i], 48);
    j = json_pack("{s:{s:s,s:s,s:s,s:s,s:s}}", "measurements", "mrtd", m[0], "rtmr0", m[1], "rtmr1", m[2], "rtmr2",
                  m[3], "rtmr3", m[4]);
    a = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char r3[200];
    snprintf(r3, sizeof r3, "{\"rtmr3\":\"%s\"}", m[4]);
    for (int i = 0; i < 5; i++)
        free(m[i]);
    rc = owner_call(REG, "add_approved_measurements", a) || owner_call(REG, "add_approved_rtmr3", r3) ||
         owner_call(WH_OUTLAYER, "set_operator", "{\"new_operator_id\":\"" REG "\"}");
    free(a);
    if (rc)
        return -1;
    char key[300];
    snprintf(key, sizeof key, "%s/operator.json", dir);
    if (wh_write_key_file(&C, key))
        return -1;
    const char *coord_args[] = {"--lease-seconds", "3", "--poll-max-seconds", "5", NULL};
    if (wh_coordinator_start(&coord, coord_bin, dir, coord_args))
        return -1;
    worker_pid = start_worker(platform_dir, "worker.log");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int bad = 0;
    int st = wh_stop(worker_pid, SIGTERM);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "worker did not exit cleanly (status %d)\n", st);
        bad = 1;
    }
    wh_stop(coord.pid, SIGTERM);
    if (sh("cat %s/*.log | grep -q 'ERROR: AddressSanitizer\\|ERROR: LeakSanitizer\\|runtime error:'", dir) == 0) {
        sh("cat %s/*.log | grep -A20 'Sanitizer\\|runtime error:' | head -60", dir);
        bad = 1;
    }
    if (dn_finish(&C.node))
        bad = 1;
    if (getenv("KEEP_E2E_DIR"))
        fprintf(stderr, "logs kept in %s\n", dir);
    else
        sh("rm -rf %s", dir);
    return bad ? -1 : 0;
}

static int log_has(const char *name, const char *needle)
{
    return sh("grep -qF -- '%s' %s/%s", needle, dir, name) == 0;
}

/* A view call's JSON result (new reference) or NULL. */
static json_t *view(const char *method, const char *args)
{
    near_call_result r;
    near_rpc_error e = {0};
    if (near_view_function(C.node.rpc, REG, method, args, &r, &e) != NEAR_OK) {
        fprintf(stderr, "%s: %s\n", method, e.message);
        near_rpc_error_clear(&e);
        return NULL;
    }
    json_t *j = json_loadb((const char *)r.result, r.result_len, 0, NULL);
    near_call_result_free(&r);
    return j;
}

static void test_worker_registers_and_resolves(void **state)
{
    (void)state;
    for (int i = 0; i < 300 && !log_has("worker.log", "registered key"); i++)
        usleep(100 * 1000);
    if (!log_has("worker.log", "registered key")) {
        sh("tail -20 %s/worker.log", dir);
        fail_msg("the worker did not register");
    }
    /* A fresh worker's monitor starts at the chain's head once it runs: a
     * request made before that line would be in a block it never reads. */
    for (int i = 0; i < 300 && !log_has("worker.log", "monitor: reading blocks from"); i++)
        usleep(100 * 1000);
    /* the register contract's record of it */
    json_t *w = view("get_worker", "{\"account_id\":\"" WH_OPERATOR "\"}");
    assert_non_null(w);
    char *mrtd = tee_hex(meas[0], 48);
    assert_string_equal(json_string_value(json_object_get(json_object_get(w, "measurements"), "mrtd")), mrtd);
    free(mrtd);
    assert_true(json_is_true(json_object_get(w, "key_active")));
    assert_string_equal(json_string_value(json_object_get(w, "status")), "active");
    assert_string_equal(json_string_value(json_object_get(w, "tcb_status")), "UpToDate");
    const char *key_text = json_string_value(json_object_get(w, "public_key"));
    assert_non_null(key_text);
    near_public_key pk;
    assert_int_equal(near_public_key_parse(key_text, &pk), 0);
    /* its key on the chain: a function-call key of the register account for OutLayer */
    near_access_key_view v;
    near_rpc_error err = {0};
    assert_int_equal(near_rpc_view_access_key(C.node.rpc, REG, &pk, NEAR_FINAL, &v, &err), NEAR_OK);
    assert_false(v.key.full_access);
    assert_string_equal(v.key.receiver_id, WH_OUTLAYER);
    near_access_key_view_free(&v);
    json_t *list = view("list_workers", "{}");
    assert_true(json_is_array(list) && json_array_size(list) == 1);
    json_decref(list);

    /* a request resolved by it (the OutLayer operator is the register account) */
    char cwd[1024], src[1400], hash[65];
    assert_non_null(getcwd(cwd, sizeof cwd));
    size_t len;
    uint8_t *probe = dn_read_file(PROBE, &len);
    assert_non_null(probe);
    wk_sha256_hex(probe, len, hash);
    free(probe);
    snprintf(src, sizeof src,
             "{\"WasmUrl\":{\"url\":\"file://%s/" PROBE "\",\"hash\":\"%s\",\"build_target\":\"wasm32-wasip1\"}}", cwd,
             hash);
    wh_request rq;
    const char *limits = "{\"max_instructions\":1000000000,\"max_memory_mb\":32,\"max_execution_seconds\":10}";
    assert_int_equal(wh_request_execution(&C, src, limits, "echo:registered", "Text", &rq), 0);
    near_outcome o;
    if (wh_final(&C, &rq, 60000, &o))
        fail_msg("no final outcome (logs in %s)", dir);
    if (o.kind != NEAR_OUTCOME_SUCCESS) {
        char *f = o.failure ? json_dumps(o.failure, JSON_COMPACT) : NULL;
        fail_msg("the request failed: %s %s (logs in %s)", o.failure_message, f ? f : "", dir);
    }
    assert_int_equal(o.value_len, strlen("\"registered\""));
    assert_memory_equal(o.value, "\"registered\"", o.value_len);
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    json_decref(w);

    /* the attestation record: the platform's quote with the MRTD and the key */
    char path[400];
    snprintf(path, sizeof path, "%s/coord/coordinator.db", dir);
    char quote_b64[16384] = "";
    for (int i = 0; i < 100 && !quote_b64[0]; i++) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "SELECT tdx_quote FROM task_attestations ORDER BY id DESC LIMIT 1", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            snprintf(quote_b64, sizeof quote_b64, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        sqlite3_close(db);
        if (!quote_b64[0])
            usleep(100 * 1000);
    }
    assert_true(quote_b64[0]);
    uint8_t q[12000];
    size_t qlen;
    assert_int_equal(
        sodium_base642bin(q, sizeof q, quote_b64, strlen(quote_b64), NULL, &qlen, NULL, sodium_base64_VARIANT_ORIGINAL),
        0);
    assert_true(qlen > 1000); /* signed, with the PCK chain; the unsigned record is 632 bytes */
    assert_int_equal(q[0], 4);
    assert_memory_equal(q + 48 + 136, meas[0], 48);       /* MRTD */
    assert_memory_equal(q + 48 + 328 + 144, meas[4], 48); /* RTMR3 */
    /* report_data[32..56] = the run's replay nonce (fresh, so not all zero),
     * report_data[56..64] = u64_le(instructions executed) (the program ran) */
    uint8_t zero[24] = {0};
    assert_memory_not_equal(q + 568 + 32, zero, 24);
    uint64_t executed = 0;
    for (int i = 7; i >= 0; i--)
        executed = (executed << 8) | q[568 + 56 + i];
    assert_true(executed > 0);
}

static void test_untrusted_platform_refused(void **state)
{
    (void)state;
    pid_t p = start_worker(other_platform, "worker-other.log");
    int st = 0;
    for (int i = 0; i < 600; i++) {
        if (waitpid(p, &st, WNOHANG) == p)
            break;
        usleep(100 * 1000);
        if (i == 599) {
            kill(p, SIGKILL);
            waitpid(p, &st, 0);
            fail_msg("a worker on an untrusted platform kept running");
        }
    }
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 2);
    if (!log_has("worker-other.log", "register_worker_key refused")) {
        sh("tail -5 %s/worker-other.log", dir);
        fail_msg("no refusal in the log");
    }
    json_t *list = view("list_workers", "{}");
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    /* --register-contract without --tee simulated */
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "%s --api-token x --contract-id %s --key-file %s/operator.json --rpc-url %s --register-contract %s "
             "2>&1 | grep -q 'needs --tee simulated'",
             worker_bin, WH_OUTLAYER, dir, C.node.url, REG);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_registers_and_resolves),
        cmocka_unit_test(test_untrusted_platform_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
