/*
 * test_e2e.c — the end-to-end suite against `outlayer dev`: starts it with a
 * temporary home and two workers, reads HOME/dev.json, and checks results on
 * chain (the caller's final outcome, the execution_completed event, the
 * caller's balance to the yoctoNEAR) through the worker tests' harness
 * (tests/worker/worker_harness.c), whose account names are the dev ones.
 *
 *   * `outlayer request --wasm FILE` (the file served by outlayer dev): the
 *     output, and charge + refund = deposit
 *   * a WasmUrl request: output and an exact refund
 *   * a git source built by a worker, and the same commit by branch from the
 *     build cache
 *   * the examples random_number (range, min == max, max < min refunded) and
 *     echo (the request's sender and block)
 *   * the three response formats: Text, Json, Bytes
 *   * each limit (instructions, memory, time) fails with success:false and an
 *     exact refund of all but the base fee
 *   * the example caller contract (coinflip) gets its flip in its callback
 *   * secrets stored with `outlayer secrets put` through the coordinator are
 *     opened by the keystore for the allowed caller only
 *   * payer_account_id: the payer gets the refund, the caller pays deposit + gas
 *   * two workers share the queue: concurrent requests are run by both
 *   * kill -9 of the worker running a request: the request is still resolved,
 *     exactly once, and outlayer dev restarts the worker
 *   * kill -9 of the coordinator, then of the devnet, around a request: both
 *     restarted by outlayer dev, the request answered with an exact refund
 *   * a restart on the same home resumes the same chain
 *   * SIGTERM stops outlayer dev and every child, removing dev.json; then
 *     the chain's balances plus burnt gas add up to the genesis supply
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
#include <unistd.h>

#include "base/http_client.h"
#include "worker_harness.h"

#define PROBE "build/tests/worker/probe.wasm"

static wh_chain C;
static char home[128], url_base[128], probe_url[400], probe_hash[65];
static pid_t dev_pid, git_pid;
static int port_base, git_port;
static char head_commit[41];
static const char *outlayer_bin = "build/bin/outlayer";
static const char *bin_dir = "build/bin"; /* the daemons outlayer dev starts */
static char devlog[300];

static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static char *sh_out(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, p);
    buf[n] = 0;
    pclose(p);
    return buf;
}

static bool port_free(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = bind(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

/* Four consecutive free ports in 35000-35999 (this suite's range). */
static int pick_port_base(void)
{
    static int calls;
    int start = 35000 + ((getpid() + 61 * calls++) % 240) * 4;
    for (int k = 0; k < 250; k++) {
        int b = 35000 + (start - 35000 + k * 4) % 1000;
        if (port_free(b) && port_free(b + 1) && port_free(b + 2) && port_free(b + 3)) return b;
    }
    return -1;
}

static int load_key(const char *dev_json, const char *role, near_credentials *out)
{
    json_error_t je;
    json_t *d = json_load_file(dev_json, 0, &je);
    size_t i;
    json_t *a;
    int rc = -1;
    json_array_foreach(json_object_get(d, "accounts"), i, a) {
        if (strcmp(json_string_value(json_object_get(a, "role")), role) != 0) continue;
        char err[200];
        rc = near_credentials_read_file(json_string_value(json_object_get(a, "key_file")), out, err, sizeof err);
        if (rc) fprintf(stderr, "%s key: %s\n", role, err);
    }
    json_decref(d);
    return rc;
}

static int read_pricing(void)
{
    near_call_result r;
    near_rpc_error err = {0};
    if (near_view_function(C.node.rpc, WH_OUTLAYER, "get_pricing", "{}", &r, &err) != NEAR_OK) return -1;
    json_t *p = json_loadb((const char *)r.result, r.result_len, 0, NULL);
    near_call_result_free(&r);
    int bad = !json_is_array(p) || near_u128_parse(json_string_value(json_array_get(p, 0)), &C.base_fee) ||
              near_u128_parse(json_string_value(json_array_get(p, 1)), &C.per_million) ||
              near_u128_parse(json_string_value(json_array_get(p, 2)), &C.per_ms) ||
              near_u128_parse(json_string_value(json_array_get(p, 3)), &C.per_compile_ms);
    json_decref(p);
    return bad ? -1 : 0;
}

/* Starts `outlayer dev` on home and port_base; dev.json once ready, or NULL
 * when it exits first (or takes over a minute). */
static json_t *start_dev(const char *dev_json)
{
    char pb[16];
    snprintf(pb, sizeof pb, "%d", port_base);
    char git[64];
    snprintf(git, sizeof git, "git://127.0.0.1:%d", git_port);
    char *argv[] = {(char *)outlayer_bin, "dev", "--home", home, "--workers", "2", "--port-base", pb,
                    "--git-base-url", git, "--bin-dir", (char *)bin_dir, "--contracts-dir", "build/contracts",
                    NULL};
    dev_pid = wh_spawn(argv, devlog);
    for (int waited = 0; waited < 60000; waited += 100) {
        usleep(100 * 1000);
        json_t *d = access(dev_json, R_OK) == 0 ? json_load_file(dev_json, 0, NULL) : NULL;
        if (d) return d;
        if (waitpid(dev_pid, NULL, WNOHANG) == dev_pid) {
            dev_pid = 0;
            fprintf(stderr, "outlayer dev did not start on ports %d-%d:\n", port_base, port_base + 3);
            sh("tail -5 %s", devlog);
            return NULL;
        }
    }
    return NULL;
}

/* SIGTERM: outlayer dev exits 0, removes dev.json and leaves no child. 0 or -1. */
static int stop_dev(void)
{
    int bad = 0;
    int st = wh_stop(dev_pid, SIGTERM);
    dev_pid = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "outlayer dev did not exit cleanly (status %d)\n", st);
        bad = 1;
    }
    char path[300];
    snprintf(path, sizeof path, "%s/dev.json", home);
    if (access(path, F_OK) == 0) {
        fprintf(stderr, "dev.json still there after shutdown\n");
        bad = 1;
    }
    if (sh("pgrep -f -- '%s/[l]ogs|%s/[d]evnet|%s/[c]oordinator|%s/[k]eystore' > /dev/null", home, home, home, home) ==
        0) {
        fprintf(stderr, "children of outlayer dev still running\n");
        bad = 1;
    }
    return bad ? -1 : 0;
}

static int setup(void **state)
{
    if (sodium_init() < 0 || hc_global_init() || near_rpc_global_init()) return -1;
    if (getenv("OUTLAYER_BIN")) outlayer_bin = getenv("OUTLAYER_BIN");
    if (getenv("E2E_BIN_DIR")) bin_dir = getenv("E2E_BIN_DIR");
    snprintf(home, sizeof home, "/tmp/ol-e2e-XXXXXX");
    if (!mkdtemp(home)) return -1;
    /* A git daemon for the git source: alice/square prints the square of its input. */
    char main_c[300];
    snprintf(main_c, sizeof main_c, "%s/repos/alice/square/main.c", home);
    if (sh("mkdir -p %s/repos/alice/square", home)) return -1;
    FILE *f = fopen(main_c, "w");
    if (!f) return -1;
    fputs("#include <stdio.h>\nint main(void)\n{\n    long n = 0;\n    if (scanf(\"%ld\", &n) != 1) return 1;\n"
          "    printf(\"%ld\", n * n);\n    return 0;\n}\n", f);
    fclose(f);
    if (sh("set -e; cd %s/repos/alice/square; git init -q -b main .;"
           "printf '{\"language\":\"c\",\"sources\":[\"main.c\"]}' > outlayer.json;"
           "git add -A; git -c user.name=t -c user.email=t@t commit -qm square",
           home))
        return -1;
    char *commit = sh_out("git -C %s/repos/alice/square rev-parse main", home);
    if (!commit || strlen(commit) < 40) return -1;
    memcpy(head_commit, commit, 40);
    free(commit);
    for (git_port = 35999; git_port > 35000 && !port_free(git_port); git_port -= 7) {}
    char gport[32], gbase[200], glog[200];
    snprintf(gport, sizeof gport, "--port=%d", git_port);
    snprintf(gbase, sizeof gbase, "--base-path=%s/repos", home);
    snprintf(glog, sizeof glog, "%s/git.log", home);
    char *gargv[] = {"/usr/bin/git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", gport, gbase, NULL};
    git_pid = wh_spawn(gargv, glog);

    char dev_json[300];
    snprintf(dev_json, sizeof dev_json, "%s/dev.json", home);
    snprintf(devlog, sizeof devlog, "%s/dev.out", home);
    json_t *d = NULL;
    /* Our port range lies inside the kernel's ephemeral range: a client
     * socket elsewhere may take one of the four ports between the check and
     * the bind. Such a start fails at once; try another base. */
    for (int attempt = 0; attempt < 4 && !d; attempt++) {
        port_base = pick_port_base();
        if (port_base < 0) return -1;
        d = start_dev(dev_json);
    }
    if (!d) return -1;
    /* The fields the issue specifies, for tools. */
    const char *must[] = {"rpc_url", "feed_url", "coordinator_url", "keystore_url", "dashboard_url", "contract_id"};
    for (size_t i = 0; i < sizeof must / sizeof *must; i++)
        if (!json_is_string(json_object_get(d, must[i]))) {
            fprintf(stderr, "dev.json lacks %s\n", must[i]);
            return -1;
        }
    if (!json_is_true(json_object_get(d, "ready")) || json_array_size(json_object_get(d, "accounts")) != 3 ||
        !json_object_get(d, "register_contract_id"))
        return -1;
    snprintf(C.node.url, sizeof C.node.url, "%s", json_string_value(json_object_get(d, "rpc_url")));
    snprintf(url_base, sizeof url_base, "%s", json_string_value(json_object_get(d, "wasm_url_base")));
    if (strcmp(json_string_value(json_object_get(d, "contract_id")), WH_OUTLAYER) != 0) return -1;
    char wasm_dir[300];
    snprintf(wasm_dir, sizeof wasm_dir, "%s", json_string_value(json_object_get(d, "wasm_dir")));
    json_decref(d);
    C.node.rpc = near_rpc_new(C.node.url);
    if (load_key(dev_json, "operator", &C.op) || load_key(dev_json, "user", &C.caller) || read_pricing()) return -1;
    /* The probe program, served by outlayer dev under its SHA-256. */
    size_t len;
    uint8_t *probe = dn_read_file(PROBE, &len);
    if (!probe) return -1;
    uint8_t h[32];
    crypto_hash_sha256(h, probe, len);
    sodium_bin2hex(probe_hash, sizeof probe_hash, h, 32);
    free(probe);
    if (sh("cp %s %s/%s.wasm", PROBE, wasm_dir, probe_hash)) return -1;
    snprintf(probe_url, sizeof probe_url,
             "{\"WasmUrl\":{\"url\":\"%s/%s.wasm\",\"hash\":\"%s\",\"build_target\":\"wasm32-wasip1\"}}", url_base,
             probe_hash, probe_hash);
    return 0;
}

static int teardown(void **state)
{
    int bad = 0;
    if (dev_pid > 0 && stop_dev()) bad = 1;
    if (git_pid > 0) wh_stop(git_pid, SIGTERM);
    /* Every yoctoNEAR accounted for: balances + burnt gas = genesis supply. */
    snprintf(C.node.home, sizeof C.node.home, "%s/devnet", home);
    if (dn_check_supply(&C.node)) bad = 1;
    if (sh("grep -l 'ERROR: AddressSanitizer\\|ERROR: LeakSanitizer\\|runtime error:' %s/logs/*.log %s 2>/dev/null",
           home, devlog) == 0) {
        fprintf(stderr, "sanitizer report in %s or %s/logs\n", devlog, home);
        bad = 1;
    }
    if (C.node.rpc) near_rpc_free(C.node.rpc);
    if (getenv("KEEP_E2E_DIR") || bad) fprintf(stderr, "home kept: %s\n", home);
    else sh("rm -rf %s", home);
    return bad ? -1 : 0;
}

#define LIMITS(fuel, mem, secs)                                                                                    \
    "{\"max_instructions\":" #fuel ",\"max_memory_mb\":" #mem ",\"max_execution_seconds\":" #secs "}"

/* Requests, waits for the final outcome, checks the refund to the yoctoNEAR;
 * returns the completed event's data and the caller's value. */
static json_t *run_request(const char *limits, const char *input, const char *format, char **value)
{
    wh_request rq;
    assert_int_equal(wh_request_execution(&C, probe_url, limits, input, format, &rq), 0);
    near_outcome o;
    if (wh_final(&C, &rq, 90000, &o)) fail_msg("no final outcome for input %s (home %s)", input, home);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    if (wh_check_refund(&C, &rq, &o)) fail_msg("refund is not exact for input %s", input);
    json_t *ev = wh_completed_event(&o);
    assert_non_null(ev);
    json_t *d = json_incref(json_array_get(json_object_get(ev, "data"), 0));
    json_decref(ev);
    if (value) *value = strndup((const char *)o.value, o.value_len);
    near_outcome_free(&o);
    return d;
}

static void expect_output(const char *input, const char *format, const char *want)
{
    char *value = NULL;
    json_t *d = run_request(LIMITS(1000000000, 32, 10), input, format, &value);
    assert_true(json_is_true(json_object_get(d, "success")));
    assert_string_equal(value, want);
    free(value);
    json_decref(d);
}

static void expect_failure(const char *limits, const char *input, const char *needle)
{
    char *value = NULL;
    json_t *d = run_request(limits, input, "Text", &value);
    assert_string_equal(value, "null");
    assert_true(json_is_false(json_object_get(d, "success")));
    const char *msg = json_string_value(json_object_get(d, "error_message"));
    if (!msg || !strstr(msg, needle)) fail_msg("input %s: error %s, expected %s", input, msg ? msg : "-", needle);
    free(value);
    json_decref(d);
}

/* `outlayer request --wasm FILE --json` as a user would run it. */
static void test_cli_request(void **state)
{
    char *out = sh_out("%s request --home %s --wasm build/examples/hello.wasm --input '{\"name\":\"e2e\"}' --json "
                       "--deposit 0.05",
                       outlayer_bin, home);
    assert_non_null(out);
    json_t *j = json_loads(out, 0, NULL);
    if (!j) fail_msg("outlayer request printed: %s", out);
    assert_string_equal(json_string_value(json_object_get(j, "value")), "Hello, e2e!\n");
    json_t *ev = json_object_get(j, "event");
    assert_true(json_is_true(json_object_get(ev, "success")));
    near_u128 charged = 0, refunded = 0;
    assert_int_equal(near_u128_parse(json_string_value(json_object_get(ev, "payment_charged")), &charged), 0);
    assert_int_equal(near_u128_parse(json_string_value(json_object_get(ev, "payment_refunded")), &refunded), 0);
    assert_true(charged + refunded == DN_NEAR / 20);
    assert_true(charged >= C.base_fee);
    json_decref(j);
    free(out);
    /* A failure exits 1 and says why. */
    int st = sh("%s request --home %s --wasm build/examples/hello.wasm --max-instructions 1000 > %s/fail.out 2>&1",
                outlayer_bin, home, home);
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_int_equal(sh("grep -q 'Instruction limit exceeded' %s/fail.out", home), 0);
    /* Bad usage is 64. */
    st = sh("%s request --home %s > /dev/null 2>&1", outlayer_bin, home);
    assert_int_equal(WEXITSTATUS(st), 64);
}

/* `outlayer request --json` with a built example; returns the parsed line. */
static json_t *cli_json(const char *example, const char *input, const char *format)
{
    char *out = sh_out("%s request --home %s --wasm build/examples/%s.wasm --input '%s' --format %s --json", outlayer_bin,
                       home, example, input, format);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    if (!j) fail_msg("outlayer request (%s) printed: %s", example, out ? out : "(nothing)");
    free(out);
    return j;
}

/* The examples on the way users run them (examples/README.md). */
static void test_examples(void **state)
{
    json_t *j = cli_json("random_number", "{\"min\":1,\"max\":6}", "Json");
    json_int_t n = json_integer_value(json_object_get(json_object_get(j, "value"), "random_number"));
    assert_true(n >= 1 && n <= 6);
    json_decref(j);
    j = cli_json("random_number", "{\"min\":7,\"max\":7}", "Json");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "value"), "random_number")), 7);
    json_decref(j);
    /* max < min: the program fails with the reference's text, and is refunded */
    j = cli_json("random_number", "{\"min\":7,\"max\":3}", "Json");
    assert_true(json_is_null(json_object_get(j, "value")));
    json_t *ev = json_object_get(j, "event");
    assert_non_null(strstr(json_string_value(json_object_get(ev, "error_message")), "max must be >= min"));
    assert_string_equal(json_string_value(json_object_get(ev, "payment_charged")), "1000000000000000000000");
    json_decref(j);
    /* echo: the NEAR context of the request */
    j = cli_json("echo", "  Hello, world ", "Text");
    const char *v = json_string_value(json_object_get(j, "value"));
    unsigned long long block = 0;
    int used = 0;
    if (!v || sscanf(v, WH_CALLER " said \"Hello, world\" at block %llu%n", &block, &used) != 1 ||
        (size_t)used != strlen(v) || block == 0)
        fail_msg("echo answered %s", v ? v : "(nothing)");
    json_decref(j);
}

static void test_formats(void **state)
{
    expect_output("echo:Heads", "Text", "\"Heads\"");
    expect_output("json", "Json", "{\"answer\":42,\"list\":[1,2]}");
    expect_output("echo:Hi", "Bytes", "\"SGk=\"");
}

static void test_limits_refunded(void **state)
{
    expect_failure(LIMITS(20000000, 32, 10), "spin", "Instruction limit exceeded");
    expect_failure(LIMITS(1000000000, 8, 10), "alloc", "Memory limit exceeded");
    expect_failure(LIMITS(400000000000, 32, 1), "wait", "Time limit exceeded");
}

/* Number of lines in worker-K's log containing needle. */
static int log_count(int k, const char *needle)
{
    char *out = sh_out("grep -cF -- '%s' %s/logs/worker-%d.log", needle, home, k);
    int n = out ? atoi(out) : 0;
    free(out);
    return n;
}

static near_u128 burnt(json_t *outcome_with_id)
{
    near_u128 v = 0;
    const char *s = json_string_value(json_object_get(json_object_get(outcome_with_id, "outcome"), "tokens_burnt"));
    if (s && near_u128_parse(s, &v) != NEAR_OK) v = 0; /* not a number: counts as nothing burnt */
    return v;
}

/* Gas burnt by the whole transaction tree. */
static near_u128 tree_gas(const near_outcome *o)
{
    near_u128 gas = burnt(json_object_get(o->raw, "transaction_outcome"));
    size_t i;
    json_t *ro;
    json_array_foreach(json_object_get(o->raw, "receipts_outcome"), i, ro) gas += burnt(ro);
    return gas;
}

static void test_two_workers_share_the_queue(void **state)
{
    int before[3] = {0, log_count(1, ": resolved "), log_count(2, ": resolved ")};
    enum { N = 4 };
    wh_request rq[N];
    /* Each runs ~2 s (time limit): four at once need both workers' threads. */
    near_u128 start = dn_balance(&C.node, WH_CALLER), spent = 0;
    for (int i = 0; i < N; i++)
        assert_int_equal(wh_request_execution(&C, probe_url, LIMITS(400000000000, 32, 2), "wait", "Text", &rq[i]), 0);
    /* They overlap, so the caller's balance is checked for all of them at
     * once: it fell by exactly the charges plus the gas. */
    for (int i = 0; i < N; i++) {
        near_outcome o;
        if (wh_final(&C, &rq[i], 90000, &o)) fail_msg("request %d: no final outcome", i);
        json_t *ev = wh_completed_event(&o);
        json_t *d = json_array_get(json_object_get(ev, "data"), 0);
        near_u128 charged = 0, refunded = 0;
        assert_int_equal(near_u128_parse(json_string_value(json_object_get(d, "payment_charged")), &charged), NEAR_OK);
        assert_int_equal(near_u128_parse(json_string_value(json_object_get(d, "payment_refunded")), &refunded), NEAR_OK);
        assert_true(charged == C.base_fee && charged + refunded == rq[i].deposit); /* time limit: base fee only */
        spent += charged + tree_gas(&o);
        json_decref(ev);
        near_outcome_free(&o);
    }
    assert_true(start - dn_balance(&C.node, WH_CALLER) == spent);
    int d1 = log_count(1, ": resolved ") - before[1], d2 = log_count(2, ": resolved ") - before[2];
    if (d1 < 1 || d2 < 1 || d1 + d2 != N) fail_msg("worker-1 resolved %d, worker-2 %d of %d", d1, d2, N);
}

static pid_t worker_pid(int k)
{
    /* [.] keeps the pattern from matching the shell that runs pgrep */
    char *out = sh_out("pgrep -f -- '--cursor-file %s/monitor.cursor --worker-id dev-worker-%d[.]'", home, k);
    pid_t pid = out ? (pid_t)atoi(out) : 0;
    free(out);
    return pid;
}

static void test_kill_worker_mid_execution(void **state)
{
    int before[3] = {0, log_count(1, ": running "), log_count(2, ": running ")};
    wh_request rq;
    assert_int_equal(wh_request_execution(&C, probe_url, LIMITS(400000000000, 32, 3), "wait", "Text", &rq), 0);
    int k = 0;
    for (int waited = 0; waited < 30000 && !k; waited += 50) {
        if (log_count(1, ": running ") > before[1]) k = 1;
        else if (log_count(2, ": running ") > before[2]) k = 2;
        else usleep(50 * 1000);
    }
    assert_true(k > 0);
    /* The request id, from the line that says it is running. */
    char *line = sh_out("grep -F ': running ' %s/logs/worker-%d.log | tail -1", home, k);
    const char *p = strstr(line, "request ");
    assert_non_null(p);
    long request_id = atol(p + 8);
    free(line);
    pid_t victim = worker_pid(k);
    assert_true(victim > 0);
    usleep(300 * 1000);
    kill(victim, SIGKILL);
    near_outcome o;
    if (wh_final(&C, &rq, 90000, &o)) fail_msg("the request was not resolved after kill -9 (home %s)", home);
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    json_t *ev = wh_completed_event(&o);
    json_t *d = json_array_get(json_object_get(ev, "data"), 0);
    /* It ran again elsewhere and hit its time limit: resolved once, refunded. */
    assert_true(json_is_false(json_object_get(d, "success")));
    assert_non_null(strstr(json_string_value(json_object_get(d, "error_message")), "Time limit exceeded"));
    json_decref(ev);
    near_outcome_free(&o);
    /* Exactly one resolve reached the chain. */
    char needle[64];
    snprintf(needle, sizeof needle, "request %ld: resolved success", request_id);
    sleep(1);
    assert_int_equal(log_count(1, needle) + log_count(2, needle), 1);
    /* outlayer dev said so and started the worker again. */
    int restarted = 0;
    for (int waited = 0; waited < 10000 && !restarted; waited += 100) {
        restarted = sh("grep -q 'worker-%d was killed by signal 9; restarting' %s", k, devlog) == 0 && worker_pid(k) > 0;
        if (!restarted) usleep(100 * 1000);
    }
    assert_true(restarted);
    /* ... and the restarted worker takes work: a request still gets answered. */
    expect_output("echo:after", "Text", "\"after\"");
}

/* Lines in both workers' logs containing needle. */
static int logs_count(const char *needle)
{
    char *out = sh_out("cat %s/logs/worker-*.log | grep -cF -- '%s'", home, needle);
    int n = out ? atoi(out) : 0;
    free(out);
    return n;
}

/* The other code source: a git repository the worker builds (from the
 * test's git daemon through --git-base-url); the same commit named by its
 * branch is served from the build cache, not compiled again. */
static void test_git_source(void **state)
{
    char src[300];
    snprintf(src, sizeof src,
             "{\"GitHub\":{\"repo\":\"https://github.com/alice/square\",\"commit\":\"%s\","
             "\"build_target\":\"wasm32-wasip1\"}}", head_commit);
    const char *by_branch = "{\"GitHub\":{\"repo\":\"https://github.com/alice/square\",\"commit\":\"main\","
                            "\"build_target\":\"wasm32-wasip1\"}}";
    const char *sources[] = {src, by_branch};
    const char *inputs[] = {"12", "7"}, *want[] = {"144", "49"};
    int builds = 0;
    for (int i = 0; i < 2; i++) {
        wh_request rq;
        assert_int_equal(wh_request_execution(&C, sources[i], LIMITS(1000000000, 32, 10), inputs[i], "Json", &rq), 0);
        near_outcome o;
        if (wh_final(&C, &rq, 120000, &o)) fail_msg("git request %d: no final outcome (home %s)", i, home);
        assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
        assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
        if (strcmp((const char *)o.value, want[i]) != 0)
            fail_msg("git request %d returned %s (home %s)", i, (const char *)o.value, home);
        json_t *ev = wh_completed_event(&o);
        json_t *used = json_object_get(json_array_get(json_object_get(ev, "data"), 0), "resources_used");
        if (i == 0) {
            assert_true(json_integer_value(json_object_get(used, "compile_time_ms")) > 0); /* built, and charged */
            builds = logs_count("building ");
            assert_true(builds >= 1);
        }
        json_decref(ev);
        near_outcome_free(&o);
    }
    assert_int_equal(logs_count("building "), builds); /* the cached build */
}

/* The example caller contract outlayer dev deploys: bob flips, the
 * contract forwards the deposit to OutLayer with bob as payer, the worker
 * runs examples/coin_flip.c, and the contract's callback returns the game's
 * result; bob paid exactly the charge plus gas. */
static void test_caller_contract(void **state)
{
    wh_request rq = {0};
    rq.deposit = DN_NEAR / 10;
    rq.balance_before = dn_balance(&C.node, WH_CALLER);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_call(&C.node, &C.caller, "coinflip.test.near", "flip", "{\"choice\":\"Heads\"}",
                             rq.deposit, NEAR_WAIT_INCLUDED, &o, &err, rq.tx_hash),
                     NEAR_OK);
    near_outcome_free(&o);
    if (wh_final(&C, &rq, 60000, &o)) fail_msg("the flip never came back (home %s)", home);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    json_t *v = json_loadb((const char *)o.value, o.value_len, 0, NULL);
    if (!v) fail_msg("flip returned %.*s", (int)o.value_len, (const char *)o.value);
    const char *outcome = json_string_value(json_object_get(v, "outcome"));
    assert_string_equal(json_string_value(json_object_get(v, "player")), WH_CALLER);
    assert_string_equal(json_string_value(json_object_get(v, "choice")), "Heads");
    assert_true(outcome && (strcmp(outcome, "Heads") == 0 || strcmp(outcome, "Tails") == 0));
    assert_true(json_is_true(json_object_get(v, "won")) == (strcmp(outcome, "Heads") == 0));
    json_decref(v);
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
}

/* Secrets through outlayer dev's wiring: `outlayer secrets put` seals to
 * the keystore's key through the coordinator and stores on the contract as
 * bob; the keystore (with the token outlayer dev gave it) opens them for
 * the allowed caller only; a request naming the profile runs and the
 * program reads the secret (printed reversed, so the plain value never
 * reaches the chain or a log). */
static void test_secrets(void **state)
{
    char dev_json[300];
    snprintf(dev_json, sizeof dev_json, "%s/dev.json", home);
    json_t *d = json_load_file(dev_json, 0, NULL);
    assert_non_null(d);
    char coord[128], ks[128];
    snprintf(coord, sizeof coord, "%s", json_string_value(json_object_get(d, "coordinator_url")));
    snprintf(ks, sizeof ks, "%s", json_string_value(json_object_get(d, "keystore_url")));
    json_decref(d);
    int st = sh("printf 'API_KEY=sk-e2e-secret\\n' | %s secrets put --wasm-hash %s --owner " WH_CALLER
                " --profile default --access '{\"Whitelist\":{\"accounts\":[\"" WH_CALLER "\"]}}'"
                " --coordinator %s --rpc %s --contract " WH_OUTLAYER
                " --credentials %s/credentials/localnet/" WH_CALLER ".json > %s/secrets.out 2>&1",
                outlayer_bin, probe_hash, coord, C.node.url, home, home);
    if (st != 0) {
        sh("cat %s/secrets.out", home);
        fail_msg("outlayer secrets put failed");
    }
    /* The keystore opens them for bob, and refuses owner.test.near. */
    char token_path[300], token[128] = "";
    snprintf(token_path, sizeof token_path, "%s/keystore-token", home);
    FILE *f = fopen(token_path, "r");
    assert_non_null(f);
    assert_non_null(fgets(token, sizeof token, f));
    fclose(f);
    token[strcspn(token, "\n")] = 0;
    const char *callers[] = {WH_CALLER, "owner.test.near"};
    long want[] = {200, 401};
    for (int i = 0; i < 2; i++) {
        json_t *body = json_pack("{s:{s:s, s:s}, s:s, s:s, s:s}", "accessor", "type", "WasmHash", "hash", probe_hash,
                                 "profile", "default", "owner", WH_CALLER, "user_account_id", callers[i]);
        char url[200], err[200];
        snprintf(url, sizeof url, "%s/decrypt", ks);
        hc_options ho = {.timeout_ms = 10000, .bearer = token};
        long status = 0;
        json_t *out = NULL;
        assert_int_equal(hc_post_json(url, body, &ho, &status, &out, err, sizeof err), 0);
        if (status != want[i]) fail_msg("/decrypt for %s: %ld, expected %ld", callers[i], status, want[i]);
        if (status == 200) {
            const char *b64 = json_string_value(json_object_get(out, "plaintext_secrets"));
            assert_non_null(b64);
            unsigned char plain[512];
            size_t plain_len = 0;
            assert_int_equal(sodium_base642bin(plain, sizeof plain - 1, b64, strlen(b64), NULL, &plain_len, NULL,
                                               sodium_base64_VARIANT_ORIGINAL),
                             0);
            plain[plain_len] = 0;
            assert_non_null(strstr((char *)plain, "sk-e2e-secret"));
        }
        json_decref(out);
        json_decref(body);
    }
    /* The value never reached a log. */
    assert_int_not_equal(sh("grep -rq sk-e2e-secret %s/logs", home), 0);
    /* A request naming the profile runs for bob, and the program gets the
     * secret from the keystore through the worker. */
    char *out = sh_out("%s request --home %s --wasm " PROBE " --input envrev:API_KEY --secrets-profile default --json",
                       outlayer_bin, home);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    if (!j) fail_msg("outlayer request printed %s", out ? out : "(nothing)");
    const char *value = json_string_value(json_object_get(j, "value"));
    if (!value || !strstr(value, "terces-e2e-ks")) fail_msg("the program did not get its secret: %s", out);
    json_decref(j);
    free(out);
    assert_int_not_equal(sh("grep -rq sk-e2e-secret %s/logs", home), 0);
}

/* payer_account_id: the refund goes to the payer, not the caller; both
 * balances checked to the yoctoNEAR. */
static void test_payer_gets_the_refund(void **state)
{
    const char *payer = "owner.test.near";
    char args[800];
    snprintf(args, sizeof args,
             "{\"code_source\":%s,\"resource_limits\":" LIMITS(1000000000, 32, 10)
             ",\"input_data\":\"echo:paid\",\"response_format\":\"Text\",\"payer_account_id\":\"%s\"}",
             probe_url, payer);
    wh_request rq = {0};
    rq.deposit = DN_NEAR / 10;
    rq.balance_before = dn_balance(&C.node, WH_CALLER);
    near_u128 payer_before = dn_balance(&C.node, payer);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_call(&C.node, &C.caller, WH_OUTLAYER, "request_execution", args, rq.deposit,
                             NEAR_WAIT_INCLUDED, &o, &err, rq.tx_hash),
                     NEAR_OK);
    near_outcome_free(&o);
    if (wh_final(&C, &rq, 60000, &o)) fail_msg("no final outcome (home %s)", home);
    assert_string_equal((const char *)o.value, "\"paid\"");
    json_t *ev = wh_completed_event(&o);
    json_t *d = json_array_get(json_object_get(ev, "data"), 0);
    near_u128 charged = 0, refunded = 0;
    assert_int_equal(near_u128_parse(json_string_value(json_object_get(d, "payment_charged")), &charged), NEAR_OK);
    assert_int_equal(near_u128_parse(json_string_value(json_object_get(d, "payment_refunded")), &refunded), NEAR_OK);
    assert_true(charged + refunded == rq.deposit && refunded > 0);
    assert_true(dn_balance(&C.node, payer) - payer_before == refunded);
    assert_true(rq.balance_before - dn_balance(&C.node, WH_CALLER) == rq.deposit + tree_gas(&o));
    json_decref(ev);
    near_outcome_free(&o);
}

static pid_t pid_of(const char *pattern)
{
    char *out = sh_out("pgrep -f -- '%s'", pattern);
    pid_t pid = out ? (pid_t)atoi(out) : 0;
    free(out);
    return pid;
}

/* kill -9 of the coordinator, then of the devnet, while requests are made:
 * outlayer dev restarts each (same data), and every request still ends on
 * chain with its output and an exact refund. */
static void test_kill_coordinator_and_devnet(void **state)
{
    char pat[300];
    const char *parts[] = {"coordinato[r]", "devne[t]"};
    for (int i = 0; i < 2; i++) {
        /* [x] keeps the pattern from matching the shell running pgrep */
        snprintf(pat, sizeof pat, "--home %s/%s|--data-dir %s/%s", home, parts[i], home, parts[i]);
        pid_t victim = pid_of(pat);
        assert_true(victim > 0);
        wh_request rq;
        if (i == 0) {
            kill(victim, SIGKILL); /* the request arrives while the coordinator is down */
            assert_int_equal(wh_request_execution(&C, probe_url, LIMITS(1000000000, 32, 10), "echo:survived", "Text", &rq),
                             0);
        } else {
            assert_int_equal(wh_request_execution(&C, probe_url, LIMITS(1000000000, 32, 10), "echo:survived", "Text", &rq),
                             0);
            kill(victim, SIGKILL); /* the chain dies with the request pending */
        }
        near_outcome o;
        if (wh_final(&C, &rq, 90000, &o)) fail_msg("no final outcome after kill -9 of the %s (home %s)", parts[i], home);
        assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
        assert_string_equal((const char *)o.value, "\"survived\"");
        assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
        near_outcome_free(&o);
        pid_t now = pid_of(pat);
        assert_true(now > 0 && now != victim);
    }
}

/* Stop, start again on the same home: the same chain (the user's balance
 * carried over, not a new genesis), and requests work again. Also: the
 * terminal summary showed the workers' results. */
static void test_restart_resumes(void **state)
{
    assert_int_equal(sh("grep -q '^\\[worker-[12]\\] info  worker: request [0-9]*: resolved success' %s", devlog), 0);
    near_u128 before = dn_balance(&C.node, WH_CALLER);
    assert_int_equal(stop_dev(), 0);
    char dev_json[300];
    snprintf(dev_json, sizeof dev_json, "%s/dev.json", home);
    json_t *d = start_dev(dev_json);
    assert_non_null(d);
    json_decref(d);
    assert_true(dn_balance(&C.node, WH_CALLER) == before);
    expect_output("echo:again", "Text", "\"again\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_request),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_limits_refunded),
        cmocka_unit_test(test_git_source),
        cmocka_unit_test(test_caller_contract),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_payer_gets_the_refund),
        cmocka_unit_test(test_two_workers_share_the_queue),
        cmocka_unit_test(test_kill_worker_mid_execution),
        cmocka_unit_test(test_kill_coordinator_and_devnet),
        cmocka_unit_test(test_restart_resumes),
    };
    return cmocka_run_group_tests_name("e2e (outlayer dev)", tests, setup, teardown);
}
