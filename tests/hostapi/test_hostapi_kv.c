/* outlayer_v1 storage and NEAR views (src/hostapi/kv.c) with real servers:
 * the wasm program tests/hostapi/kv_probe.c run by the runner against a
 * real outlayer-coordinator (SQLite, loopback) through the coordinator
 * store, against the directory store, and against a real devnet with the
 * OutLayer contract for views: success paths, every refusal with its code
 * (quota, sizes, per-job caps, auth, unreachable store, unknown account,
 * failing view, disabled), malformed arguments and out-of-bounds pointers;
 * and `outlayer run --storage / --near-rpc` with the SDK's examples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/http_client.h"
#include "hostapi/kv.h"
#include "runner/runner.h"
#include "worker_harness.h"

static wh_chain C;
static char dir[64], token[128], coord_url[64];
static pid_t coord_pid;
static const char *coord_bin = "build/bin/outlayer-coordinator", *outlayer_bin = "build/bin/outlayer";
static int project_seq;

static uint8_t *read_all(const char *path, size_t *len)
{
    uint8_t *b = dn_read_file(path, len);
    if (!b)
        fail_msg("cannot read %s (make it first)", path);
    return b;
}

typedef struct {
    int code;
    char out[8192];
    runner_status status;
} probe_run;

/* Runs kv_probe with argv {probe, args...} on ctx h. */
static void probe(hostapi_ctx *h, probe_run *pr, const char *a1, const char *a2, const char *a3, const char *a4)
{
    size_t len;
    uint8_t *wasm = read_all(KV_PROBE_WASM, &len);
    const char *argv[] = {"probe", a1, a2, a3, a4};
    int argc = a4 ? 5 : a3 ? 4 : a2 ? 3 : 2;
    runner_options o = {
        .wasm = wasm, .wasm_len = len, .argv = argv, .argc = (size_t)argc, .timeout_ms = 30000, .hostapi = h};
    runner_result r;
    runner_run(&o, &r);
    pr->status = r.status;
    pr->code = r.status == RUNNER_OK ? 0 : r.exit_code;
    if (r.status != RUNNER_OK && r.status != RUNNER_EXIT)
        fail_msg("probe %s did not finish: %s %s", a1, runner_status_name(r.status), r.message);
    size_t n = r.stdout_len < sizeof pr->out - 1 ? r.stdout_len : sizeof pr->out - 1;
    memcpy(pr->out, r.stdout_data ? (const char *)r.stdout_data : "", n);
    pr->out[n] = 0;
    runner_result_free(&r);
    free(wasm);
}

static int code_of(hostapi_ctx *h, const char *a1, const char *a2, const char *a3, const char *a4)
{
    probe_run pr;
    probe(h, &pr, a1, a2, a3, a4);
    return pr.code;
}

/* A job context whose store is the coordinator's, for a fresh project. */
static hostapi_ctx *coord_ctx(const char *tok, const char *url, const hostapi_kv_config *base)
{
    char project[64];
    snprintf(project, sizeof project, "github.com/test/p%d", ++project_seq);
    hostapi_ctx *h = hostapi_ctx_new(NULL);
    assert_non_null(h);
    hostapi_kv_config kc = base ? *base : (hostapi_kv_config){0};
    kc.store = hostapi_store_coordinator(url ? url : coord_url, tok, NULL, "bob.near", project);
    assert_non_null(kc.store);
    assert_int_equal(hostapi_ctx_set_kv(h, &kc), 0);
    return h;
}

static hostapi_ctx *views_ctx(const hostapi_kv_config *base)
{
    hostapi_ctx *h = hostapi_ctx_new(NULL);
    hostapi_kv_config kc = base ? *base : (hostapi_kv_config){0};
    kc.near_rpc_url = C.node.url;
    assert_int_equal(hostapi_ctx_set_kv(h, &kc), 0);
    return h;
}

/* ------------------------------------------------------------ storage */

static void test_coordinator_store_round_trip(void **st)
{
    (void)st;
    hostapi_ctx *h = coord_ctx(token, NULL, NULL);
    assert_int_equal(code_of(h, "get", "greeting", NULL, NULL), HOSTAPI_ENOT_FOUND);
    assert_int_equal(code_of(h, "set", "greeting", "hello world", NULL), 0);
    probe_run pr;
    probe(h, &pr, "get", "greeting", NULL, NULL);
    assert_int_equal(pr.code, 0);
    assert_string_equal(pr.out, "hello world");
    assert_int_equal(code_of(h, "set", "a1", "x", NULL), 0);
    assert_int_equal(code_of(h, "set", "a2", "", NULL), 0); /* an empty value is a value */
    assert_int_equal(code_of(h, "set", "b1", "y", NULL), 0);
    probe(h, &pr, "get", "a2", NULL, NULL);
    assert_int_equal(pr.code, 0);
    assert_string_equal(pr.out, "");
    /* pages of one, by prefix */
    probe(h, &pr, "list", "a", "", "1");
    assert_string_equal(pr.out, "a1\nnext=a1\n");
    probe(h, &pr, "list", "a", "a1", "1");
    assert_string_equal(pr.out, "a2\nnext=\n");
    probe(h, &pr, "list", "", "", "100");
    assert_string_equal(pr.out, "a1\na2\nb1\ngreeting\nnext=\n");
    assert_int_equal(code_of(h, "del", "a1", NULL, NULL), 0);
    assert_int_equal(code_of(h, "del", "a1", NULL, NULL), HOSTAPI_ENOT_FOUND);
    probe(h, &pr, "list", "a", "", "10");
    assert_string_equal(pr.out, "a2\nnext=\n");
    /* the result buffer (a failed call clears it) */
    assert_int_equal(code_of(h, "small", "greeting", NULL, NULL), HOSTAPI_EBUFFER);
    assert_int_equal(code_of(h, "get", "nothing", NULL, NULL), HOSTAPI_ENOT_FOUND);
    assert_int_equal(code_of(h, "noresult", NULL, NULL, NULL), HOSTAPI_ENO_RESPONSE);
    uint32_t calls = 0;
    hostapi_kv_counts(h, &calls, NULL);
    assert_int_equal(calls, 15);
    hostapi_ctx_free(h);
}

static void test_coordinator_refusals(void **st)
{
    (void)st;
    hostapi_ctx *h = coord_ctx(token, NULL, NULL);
    /* the coordinator runs with --storage-max-keys=4 --storage-max-value=100 --storage-max-bytes=300 */
    assert_int_equal(code_of(h, "setbig", "v", "101", NULL), HOSTAPI_ETOO_BIG);
    assert_int_equal(code_of(h, "setbig", "v", "100", NULL), 0);
    assert_int_equal(code_of(h, "setbig", "w", "100", NULL), 0);
    assert_int_equal(code_of(h, "setbig", "x", "100", NULL), HOSTAPI_EQUOTA); /* 303 bytes */
    assert_int_equal(code_of(h, "set", "k1", "1", NULL), 0);
    assert_int_equal(code_of(h, "set", "k2", "2", NULL), 0);
    assert_int_equal(code_of(h, "set", "k3", "3", NULL), HOSTAPI_EQUOTA); /* a 5th key */
    assert_int_equal(code_of(h, "set", "k2", "22", NULL), 0);             /* overwriting is fine */
    assert_string_equal(hostapi_kv_store_error(h), ""); /* quotas are the program's business, not logged */
    hostapi_ctx_free(h);
    /* a token the coordinator does not know, an unreachable coordinator */
    h = coord_ctx("not-a-worker-token", NULL, NULL);
    assert_int_equal(code_of(h, "get", "k", NULL, NULL), HOSTAPI_EUNAVAILABLE);
    if (!strstr(hostapi_kv_store_error(h), "HTTP 401") || strstr(hostapi_kv_store_error(h), "not-a-worker-token"))
        fail_msg("store error: %s", hostapi_kv_store_error(h));
    hostapi_ctx_free(h);
    char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d", wh_free_port());
    h = coord_ctx(token, dead, NULL);
    assert_int_equal(code_of(h, "set", "k", "v", NULL), HOSTAPI_EUNAVAILABLE);
    hostapi_ctx_free(h);
}

static void test_job_caps(void **st)
{
    (void)st;
    hostapi_kv_config caps = {.max_storage_calls = 3};
    hostapi_ctx *h = coord_ctx(token, NULL, &caps);
    assert_int_equal(code_of(h, "many", "3", NULL, NULL), HOSTAPI_ENOT_FOUND);
    assert_int_equal(code_of(h, "many", "1", NULL, NULL), HOSTAPI_ETOO_MANY); /* the ctx is the job: 4th call */
    hostapi_ctx_free(h);
    hostapi_kv_config bytes = {.max_storage_bytes = 50};
    h = coord_ctx(token, NULL, &bytes);
    assert_int_equal(code_of(h, "setbig", "k", "40", NULL), 0);
    assert_int_equal(code_of(h, "setbig", "k", "40", NULL), HOSTAPI_EJOB_BYTES);
    hostapi_ctx_free(h);
    hostapi_kv_config value = {.max_value = 8};
    h = coord_ctx(token, NULL, &value);
    assert_int_equal(code_of(h, "setbig", "k", "9", NULL), HOSTAPI_ETOO_BIG);
    hostapi_ctx_free(h);
}

static void test_malformed_and_out_of_bounds(void **st)
{
    (void)st;
    hostapi_ctx *h = coord_ctx(token, NULL, NULL);
    hostapi_kv_config kc = {.store =
                                hostapi_store_coordinator(coord_url, token, NULL, "bob.near", "github.com/test/mal"),
                            .near_rpc_url = C.node.url};
    assert_int_equal(hostapi_ctx_set_kv(h, &kc), 0);
    probe_run pr;
    probe(h, &pr, "oob", NULL, NULL, NULL);
    assert_string_equal(pr.out, "2 2 2 2 2 2 2 2 2 2 2 2\n");
    probe(h, &pr, "bad", NULL, NULL, NULL);
    /* empty keys: EINVAL; 257-byte key: ETOO_BIG; limit 0: EINVAL; 257-byte prefix: ETOO_BIG;
     * bad account / method: EINVAL; 64 KiB + 1 of args: ETOO_BIG; bad / empty account: EINVAL */
    assert_string_equal(pr.out, "1 1 1 21 21 1 21 1 1 21 1 1\n");
    hostapi_ctx_free(h);
    /* nothing configured: everything is EDISABLED, result_read has nothing */
    h = hostapi_ctx_new(NULL);
    assert_int_equal(code_of(h, "get", "k", NULL, NULL), HOSTAPI_EDISABLED);
    assert_int_equal(code_of(h, "set", "k", "v", NULL), HOSTAPI_EDISABLED);
    assert_int_equal(code_of(h, "del", "k", NULL, NULL), HOSTAPI_EDISABLED);
    assert_int_equal(code_of(h, "list", "", "", "5"), HOSTAPI_EDISABLED);
    assert_int_equal(code_of(h, "view", "outlayer.test.near", "get_stats", "{}"), HOSTAPI_EDISABLED);
    assert_int_equal(code_of(h, "account", "outlayer.test.near", NULL, NULL), HOSTAPI_EDISABLED);
    assert_int_equal(code_of(h, "noresult", NULL, NULL, NULL), HOSTAPI_ENO_RESPONSE);
    hostapi_ctx_free(h);
}

static void test_dir_store(void **st)
{
    (void)st;
    char d[128], err[200];
    snprintf(d, sizeof d, "%s/store", dir);
    hostapi_ctx *h = hostapi_ctx_new(NULL);
    hostapi_kv_config kc = {.store = hostapi_store_dir(d, 2, 30, 10, err, sizeof err)};
    assert_non_null(kc.store);
    assert_int_equal(hostapi_ctx_set_kv(h, &kc), 0);
    assert_int_equal(code_of(h, "get", "a", NULL, NULL), HOSTAPI_ENOT_FOUND);
    assert_int_equal(code_of(h, "set", "a", "one", NULL), 0);
    assert_int_equal(code_of(h, "set", "b", "two", NULL), 0);
    assert_int_equal(code_of(h, "set", "c", "three", NULL), HOSTAPI_EQUOTA);
    assert_int_equal(code_of(h, "setbig", "a", "11", NULL), HOSTAPI_ETOO_BIG);
    assert_int_equal(code_of(h, "setbig", "a", "10", NULL), 0);
    probe_run pr;
    probe(h, &pr, "get", "a", NULL, NULL);
    assert_string_equal(pr.out, "xxxxxxxxxx");
    probe(h, &pr, "list", "", "", "1");
    assert_string_equal(pr.out, "a\nnext=a\n");
    probe(h, &pr, "list", "", "a", "1");
    assert_string_equal(pr.out, "b\nnext=\n");
    assert_int_equal(code_of(h, "del", "b", NULL, NULL), 0);
    assert_int_equal(code_of(h, "del", "b", NULL, NULL), HOSTAPI_ENOT_FOUND);
    hostapi_ctx_free(h);
}

/* -------------------------------------------------------------- views */

static void test_views(void **st)
{
    (void)st;
    hostapi_ctx *h = views_ctx(NULL);
    probe_run pr;
    probe(h, &pr, "view", WH_OUTLAYER, "get_stats", "{}");
    assert_int_equal(pr.code, 0);
    if (pr.out[0] != '[' || !strstr(pr.out, "\"0\""))
        fail_msg("get_stats gave %s", pr.out);
    probe(h, &pr, "account", WH_OUTLAYER, NULL, NULL);
    assert_int_equal(pr.code, 0);
    json_t *j = json_loads(pr.out, 0, NULL);
    if (!json_is_string(json_object_get(j, "amount")) || !json_is_string(json_object_get(j, "code_hash")))
        fail_msg("view_account gave %s", pr.out);
    json_decref(j);
    assert_int_equal(code_of(h, "account", "nobody.test.near", NULL, NULL), HOSTAPI_ENOT_FOUND);
    assert_int_equal(code_of(h, "view", WH_OUTLAYER, "no_such_method", "{}"), HOSTAPI_EVIEW);
    assert_int_equal(code_of(h, "view", WH_CALLER, "get_stats", "{}"), HOSTAPI_EVIEW); /* no code */
    uint32_t views = 0;
    hostapi_kv_counts(h, NULL, &views);
    assert_int_equal(views, 5);
    hostapi_ctx_free(h);
    /* caps: calls per job, bytes per result, bytes per job */
    hostapi_kv_config c1 = {.max_view_calls = 1};
    h = views_ctx(&c1);
    assert_int_equal(code_of(h, "account", WH_OUTLAYER, NULL, NULL), 0);
    assert_int_equal(code_of(h, "account", WH_OUTLAYER, NULL, NULL), HOSTAPI_ETOO_MANY);
    hostapi_ctx_free(h);
    hostapi_kv_config c2 = {.max_view_result = 8};
    h = views_ctx(&c2);
    assert_int_equal(code_of(h, "account", WH_OUTLAYER, NULL, NULL), HOSTAPI_ETOO_BIG);
    hostapi_ctx_free(h);
    hostapi_kv_config c3 = {.max_view_bytes = 200};
    h = views_ctx(&c3);
    assert_int_equal(code_of(h, "view", WH_OUTLAYER, "get_stats", "{}"), 0);
    assert_int_equal(code_of(h, "account", WH_OUTLAYER, NULL, NULL), HOSTAPI_EJOB_BYTES);
    hostapi_ctx_free(h);
    /* an RPC endpoint that does not answer */
    hostapi_ctx *dead = hostapi_ctx_new(NULL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", wh_free_port());
    hostapi_kv_config c4 = {.near_rpc_url = url};
    assert_int_equal(hostapi_ctx_set_kv(dead, &c4), 0);
    assert_int_equal(code_of(dead, "account", WH_OUTLAYER, NULL, NULL), HOSTAPI_EUNAVAILABLE);
    hostapi_ctx_free(dead);
}

/* A store or RPC that never answers: the call is cut at the job's
 * wall-clock deadline and the job ends with the time-limit trap. */
static void test_deadline_bounds_calls(void **st)
{
    (void)st;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 8), 0); /* connections queue, nobody answers */
    getsockname(s, (struct sockaddr *)&a, &l);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
    const char *modes[][4] = {{"get", "k", NULL, NULL}, {"account", WH_OUTLAYER, NULL, NULL}};
    for (int i = 0; i < 2; i++) {
        hostapi_ctx *h = hostapi_ctx_new(NULL);
        hostapi_kv_config kc = {.store = i == 0 ? hostapi_store_coordinator(url, token, NULL, "bob.near", "p") : NULL,
                                .near_rpc_url = i == 1 ? url : NULL};
        assert_int_equal(hostapi_ctx_set_kv(h, &kc), 0);
        size_t len;
        uint8_t *wasm = read_all(KV_PROBE_WASM, &len);
        const char *argv[] = {"probe", modes[i][0], modes[i][1]};
        runner_options o = {.wasm = wasm, .wasm_len = len, .argv = argv, .argc = 3, .timeout_ms = 1500, .hostapi = h};
        runner_result r;
        uint64_t t0 = (uint64_t)time(NULL);
        runner_run(&o, &r);
        if (r.status != RUNNER_TRAP || r.limit != RUNNER_LIMIT_TIMEOUT)
            fail_msg("%s: %s (%s), expected the time limit", modes[i][0], runner_status_name(r.status), r.message);
        assert_true((uint64_t)time(NULL) - t0 < 10);
        runner_result_free(&r);
        free(wasm);
        hostapi_ctx_free(h);
    }
    close(s);
}

/* ------------------------------------------------- outlayer run, SDK */

static void run_cli(const char *args, const char *input, char *out, size_t cap, int *status)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "echo '%s' | %s run %s 2>%s/cli.err", input, outlayer_bin, args, dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    *status = pclose(p);
}

static void test_outlayer_run(void **st)
{
    (void)st;
    char out[4096], args[512];
    int status;
    snprintf(args, sizeof args, "--storage %s/counter %s", dir, KV_COUNTER_WASM);
    run_cli(args, "", out, sizeof out, &status);
    assert_int_equal(status, 0);
    assert_string_equal(out, "1\n");
    run_cli(args, "", out, sizeof out, &status);
    assert_string_equal(out, "2\n");
    /* --json counts the calls: a get and a set */
    snprintf(args, sizeof args, "--json --storage %s/counter %s", dir, KV_COUNTER_WASM);
    run_cli(args, "", out, sizeof out, &status);
    assert_string_equal(out, "3\n");
    char errpath[128];
    snprintf(errpath, sizeof errpath, "%s/cli.err", dir);
    size_t elen = 0;
    char *err = (char *)dn_read_file(errpath, &elen);
    assert_non_null(err);
    if (!strstr(err, "\"storage_calls\":2,\"view_calls\":0"))
        fail_msg("--json report: %s", err);
    free(err);
    /* without --storage the SDK reports the host's EDISABLED */
    run_cli(KV_COUNTER_WASM, "", out, sizeof out, &status);
    assert_int_not_equal(status, 0);
    snprintf(args, sizeof args, "--near-rpc %s %s", C.node.url, KV_VIEW_WASM);
    run_cli(args, WH_OUTLAYER " get_stats", out, sizeof out, &status);
    assert_int_equal(status, 0);
    if (out[0] != '[')
        fail_msg("view_reader printed %s", out);
    run_cli(args, WH_OUTLAYER " no_such_method", out, sizeof out, &status);
    assert_int_not_equal(status, 0);
    run_cli("--near-rpc ftp://x " KV_VIEW_WASM, "", out, sizeof out, &status);
    assert_int_not_equal(status, 0);
}

/* The value of "key":"..." in the last --json report (cli.err), or "". */
static void report_field(const char *key, char *out, size_t cap)
{
    char errpath[128];
    snprintf(errpath, sizeof errpath, "%s/cli.err", dir);
    size_t elen = 0;
    char *err = (char *)dn_read_file(errpath, &elen);
    assert_non_null(err);
    char *line = strstr(err, "{\"status\"");
    json_t *j = json_loads(line ? line : "", 0, NULL);
    json_t *v = json_object_get(j, key);
    if (json_is_string(v))
        snprintf(out, cap, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, cap, "%lld", (long long)json_integer_value(v));
    else
        out[0] = 0;
    json_decref(j);
    free(err);
}

/* Storage and view calls are in the transcript (docs/program-api.md): the
 * recorded file hashes to the reported hash, and a replay without the store
 * or the node answers every call from it, to the same output and hash. */
static void test_transcript_replay(void **st)
{
    (void)st;
    char out[4096], args[768], hash[80], hash2[80], n[32], file[128], bad[128];
    int status;
    snprintf(file, sizeof file, "%s/counter.http", dir);
    snprintf(args, sizeof args, "--json --storage %s/replayed --http-transcript-out %s %s", dir, file,
             KV_COUNTER_WASM);
    run_cli(args, "", out, sizeof out, &status);
    assert_int_equal(status, 0);
    assert_string_equal(out, "1\n");
    report_field("http_transcript_sha256", hash, sizeof hash);
    report_field("http_requests", n, sizeof n);
    assert_string_equal(n, "0");
    size_t len = 0;
    uint8_t *bytes = dn_read_file(file, &len);
    assert_non_null(bytes);
    uint8_t digest[32];
    char file_hash[65];
    crypto_hash_sha256(digest, bytes, len);
    sodium_bin2hex(file_hash, sizeof file_hash, digest, sizeof digest);
    assert_string_equal(file_hash, hash);
    /* live again: the store moved on to 2 */
    snprintf(args, sizeof args, "--storage %s/replayed %s", dir, KV_COUNTER_WASM);
    run_cli(args, "", out, sizeof out, &status);
    assert_string_equal(out, "2\n");
    /* the replay has no store: it prints the recorded run's 1, same hash */
    snprintf(args, sizeof args, "--json --http-transcript %s %s", file, KV_COUNTER_WASM);
    run_cli(args, "", out, sizeof out, &status);
    assert_int_equal(status, 0);
    assert_string_equal(out, "1\n");
    report_field("http_transcript_sha256", hash2, sizeof hash2);
    assert_string_equal(hash2, hash);
    report_field("storage_calls", n, sizeof n);
    assert_string_equal(n, "2");
    /* another program's calls differ from the recorded ones: the run traps */
    snprintf(args, sizeof args, "--near-rpc %s --http-transcript %s %s", C.node.url, file, KV_VIEW_WASM);
    run_cli(args, WH_OUTLAYER " get_stats", out, sizeof out, &status);
    assert_int_not_equal(status, 0);
    char errpath[128];
    snprintf(errpath, sizeof errpath, "%s/cli.err", dir);
    char *err = (char *)dn_read_file(errpath, &len);
    if (!err || !strstr(err, "storage/view call 1 differs from the recorded one"))
        fail_msg("replay of another program: %s", err ? err : "(no stderr)");
    free(err);
    /* without a store the calls are EDISABLED, recorded as such: the replay
     * fails the same way (the counter's exit 1) with the same hash */
    char off[128];
    snprintf(off, sizeof off, "%s/counter-off.http", dir);
    snprintf(args, sizeof args, "--json --http-transcript-out %s %s", off, KV_COUNTER_WASM);
    run_cli(args, "", out, sizeof out, &status);
    assert_int_not_equal(status, 0);
    report_field("http_transcript_sha256", hash, sizeof hash);
    snprintf(args, sizeof args, "--json --http-transcript %s %s", off, KV_COUNTER_WASM);
    run_cli(args, "", out, sizeof out, &status);
    report_field("exit_code", n, sizeof n);
    assert_string_equal(n, "1");
    report_field("http_transcript_sha256", hash2, sizeof hash2);
    assert_string_equal(hash2, hash);
    /* the recorded write changed ("1" becomes "7"): the program's own
     * storage_set("counter", "1") is no longer the recorded call 2 */
    snprintf(bad, sizeof bad, "%s/counter-bad.http", dir);
    uint8_t *b = dn_read_file(file, &len);
    assert_non_null(b);
    /* ... u32 1 ‖ "1" ‖ u32 errno 0 ‖ u32 resp_len 0 */
    assert_true(len > 9 && b[len - 9] == '1');
    b[len - 9] = '7';
    FILE *f = fopen(bad, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
    free(b);
    snprintf(args, sizeof args, "--http-transcript %s %s", bad, KV_COUNTER_WASM);
    run_cli(args, "", out, sizeof out, &status);
    assert_int_not_equal(status, 0);
    err = (char *)dn_read_file(errpath, &len);
    if (!err || !strstr(err, "storage/view call 2 differs from the recorded one"))
        fail_msg("replay of a changed transcript: %s", err ? err : "(no stderr)");
    free(err);
    free(bytes);
}

/* ------------------------------------------------------------- setup */

static int setup(void **st)
{
    (void)st;
    if (sodium_init() < 0 || hc_global_init() || near_rpc_global_init())
        return -1;
    if (getenv("COORDINATOR_BIN"))
        coord_bin = getenv("COORDINATOR_BIN");
    if (getenv("OUTLAYER_BIN"))
        outlayer_bin = getenv("OUTLAYER_BIN");
    snprintf(dir, sizeof dir, "/tmp/hostapi-kv-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char data[128], log[128], port[16];
    snprintf(data, sizeof data, "%s/coord", dir);
    snprintf(log, sizeof log, "%s/coordinator.log", dir);
    if (wh_coordinator_token(coord_bin, data, token))
        return -1;
    int p = wh_free_port();
    snprintf(port, sizeof port, "%d", p);
    snprintf(coord_url, sizeof coord_url, "http://127.0.0.1:%d", p);
    char *argv[] = {(char *)coord_bin,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    port,
                    "--data-dir",
                    data,
                    "--storage-max-keys",
                    "4",
                    "--storage-max-value",
                    "100",
                    "--storage-max-bytes",
                    "300",
                    "--storage-require-lease",
                    "false",
                    NULL};
    coord_pid = wh_spawn(argv, log);
    char health[96];
    snprintf(health, sizeof health, "%s/health", coord_url);
    if (wh_wait_http(health, 15000))
        return -1;
    return wh_start(&C, 100);
}

static int teardown(void **st)
{
    (void)st;
    int bad = 0;
    int s = wh_stop(coord_pid, SIGTERM);
    if (!WIFEXITED(s) || WEXITSTATUS(s) != 0)
        bad = 1;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "grep -q 'ERROR: AddressSanitizer\\|runtime error:' %s/coordinator.log", dir);
    if (system(cmd) == 0) {
        fprintf(stderr, "sanitizer report in %s/coordinator.log\n", dir);
        bad = 1;
    }
    if (dn_finish(&C.node))
        bad = 1;
    if (!bad) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            bad = 1;
    } else
        fprintf(stderr, "logs kept in %s\n", dir);
    return bad ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coordinator_store_round_trip),
        cmocka_unit_test(test_coordinator_refusals),
        cmocka_unit_test(test_job_caps),
        cmocka_unit_test(test_malformed_and_out_of_bounds),
        cmocka_unit_test(test_dir_store),
        cmocka_unit_test(test_views),
        cmocka_unit_test(test_deadline_bounds_calls),
        cmocka_unit_test(test_outlayer_run),
        cmocka_unit_test(test_transcript_replay),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
