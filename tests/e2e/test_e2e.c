/*
 * test_e2e.c — the end-to-end suite against `outlayer dev`: starts it with a
 * temporary home, two workers and --port-base 0 (it chooses free ports, so
 * suites run side by side), reads HOME/dev.json, and checks results on
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
 *   * the examples secrets_reader (secret names through the keystore) and
 *     dao_tally (a PROTECTED_ key made by `outlayer secrets put --generate`,
 *     ballots sealed with `outlayer run`, the tally on chain); hash_chain's
 *     instructions as `outlayer run` meters them and the exact price
 *   * the forwarder contract stores the program's JSON from its callback
 *   * outputs over the resume payload, at the worker's limit and over it
 *   * pause (a pending request drains, a new one is refused, gas only) and
 *     timeout + owner cancel with the workers held (exact balances)
 *   * a second `outlayer dev --port-base 0` beside the first
 *   * kill -9 of a worker mid-compile: re-leased, built once, resolved once
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
#include <time.h>
#include <unistd.h>

#include "base/http_client.h"
#include "worker_harness.h"

#define PROBE "build/tests/worker/probe.wasm"

static wh_chain C;
static char home[128], url_base[128], probe_url[400], probe_hash[65];
static pid_t dev_pid, git_pid;
static int port_base, git_port;
static char head_commit[41], slow_commit[41];
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
    if (!p)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, p);
    buf[n] = 0;
    pclose(p);
    return buf;
}

static int load_key(const char *dev_json, const char *role, near_credentials *out)
{
    json_error_t je;
    json_t *d = json_load_file(dev_json, 0, &je);
    size_t i;
    json_t *a;
    int rc = -1;
    json_array_foreach(json_object_get(d, "accounts"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "role")), role) != 0)
            continue;
        char err[200];
        rc = near_credentials_read_file(json_string_value(json_object_get(a, "key_file")), out, err, sizeof err);
        if (rc)
            fprintf(stderr, "%s key: %s\n", role, err);
    }
    json_decref(d);
    return rc;
}

static int read_pricing(void)
{
    near_call_result r;
    near_rpc_error err = {0};
    if (near_view_function(C.node.rpc, WH_OUTLAYER, "get_pricing", "{}", &r, &err) != NEAR_OK)
        return -1;
    json_t *p = json_loadb((const char *)r.result, r.result_len, 0, NULL);
    near_call_result_free(&r);
    int bad = !json_is_array(p) || near_u128_parse(json_string_value(json_array_get(p, 0)), &C.base_fee) ||
              near_u128_parse(json_string_value(json_array_get(p, 1)), &C.per_million) ||
              near_u128_parse(json_string_value(json_array_get(p, 2)), &C.per_ms) ||
              near_u128_parse(json_string_value(json_array_get(p, 3)), &C.per_compile_ms);
    json_decref(p);
    return bad ? -1 : 0;
}

/* Starts `outlayer dev` on home with --port-base 0 (it chooses free ports,
 * and the same ones again on a restart); dev.json once ready, or NULL when
 * it exits first (or takes over a minute). */
static json_t *start_dev(const char *dev_json)
{
    char pb[16] = "0";
    char git[64];
    snprintf(git, sizeof git, "git://127.0.0.1:%d", git_port);
    char *argv[] = {(char *)outlayer_bin,
                    "dev",
                    "--home",
                    home,
                    "--workers",
                    "2",
                    "--port-base",
                    pb,
                    "--git-base-url",
                    git,
                    "--bin-dir",
                    (char *)bin_dir,
                    "--contracts-dir",
                    "build/contracts",
                    NULL};
    dev_pid = wh_spawn(argv, devlog);
    for (int waited = 0; waited < 60000; waited += 100) {
        usleep(100 * 1000);
        json_t *d = access(dev_json, R_OK) == 0 ? json_load_file(dev_json, 0, NULL) : NULL;
        if (d)
            return d;
        if (waitpid(dev_pid, NULL, WNOHANG) == dev_pid) {
            dev_pid = 0;
            fprintf(stderr, "outlayer dev did not start:\n");
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
    if (sodium_init() < 0 || hc_global_init() || near_rpc_global_init())
        return -1;
    if (getenv("OUTLAYER_BIN"))
        outlayer_bin = getenv("OUTLAYER_BIN");
    if (getenv("E2E_BIN_DIR"))
        bin_dir = getenv("E2E_BIN_DIR");
    snprintf(home, sizeof home, "/tmp/ol-e2e-XXXXXX");
    if (!mkdtemp(home))
        return -1;
    /* A git daemon for the git source: alice/square prints the square of its input. */
    char main_c[300];
    snprintf(main_c, sizeof main_c, "%s/repos/alice/square/main.c", home);
    if (sh("mkdir -p %s/repos/alice/square", home))
        return -1;
    FILE *f = fopen(main_c, "w");
    if (!f)
        return -1;
    fputs("#include <stdio.h>\nint main(void)\n{\n    long n = 0;\n    if (scanf(\"%ld\", &n) != 1) return 1;\n"
          "    printf(\"%ld\", n * n);\n    return 0;\n}\n",
          f);
    fclose(f);
    if (sh("set -e; cd %s/repos/alice/square; git init -q -b main .;"
           "printf '{\"language\":\"c\",\"sources\":[\"main.c\"]}' > outlayer.json;"
           "git add -A; git -c user.name=t -c user.email=t@t commit -qm square",
           home))
        return -1;
    char *commit = sh_out("git -C %s/repos/alice/square rev-parse main", home);
    if (!commit || strlen(commit) < 40)
        return -1;
    memcpy(head_commit, commit, 40);
    free(commit);
    /* alice/slow: the same answer, but clang needs a few seconds for it (the
     * kill-mid-compile test); the work goes to stderr so it is compiled. */
    if (sh("set -e; mkdir -p %s/repos/alice/slow; cd %s/repos/alice/slow; git init -q -b main .;"
           "printf '{\"language\":\"c\",\"sources\":[\"main.c\"]}' > outlayer.json;"
           "{ echo '#include <stdio.h>';"
           "  for i in $(seq 60); do echo \"__attribute__((noinline)) long f$i(long x) { long s = $i;"
           " for (int k = 0; k < (int)(x %% 7) + 3; k++) s = s * 31 + (x ^ $i) + k; return s %% 1000003; }\"; done;"
           "  echo 'int main(void) { long n = 0, t = 0; if (scanf(\"%%ld\", &n) != 1) return 1;';"
           "  for i in $(seq 60); do echo \"t += f$i(n);\"; done;"
           "  echo 'fprintf(stderr, \"%%ld\", t); printf(\"%%ld\", n * n); return 0; }'; } > main.c;"
           "git add -A; git -c user.name=t -c user.email=t@t commit -qm slow",
           home, home))
        return -1;
    commit = sh_out("git -C %s/repos/alice/slow rev-parse main", home);
    if (!commit || strlen(commit) < 40)
        return -1;
    memcpy(slow_commit, commit, 40);
    free(commit);
    git_port = wh_free_port();
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
    d = start_dev(dev_json);
    if (!d)
        return -1;
    /* --port-base 0: the ports it chose, listed in dev.json */
    port_base = (int)json_integer_value(json_object_get(json_object_get(d, "ports"), "rpc"));
    char rpc_want[64];
    snprintf(rpc_want, sizeof rpc_want, "http://127.0.0.1:%d", port_base);
    if (port_base < 1024 || strcmp(json_string_value(json_object_get(d, "rpc_url")), rpc_want) != 0) {
        fprintf(stderr, "dev.json: ports.rpc %d does not match rpc_url\n", port_base);
        return -1;
    }
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
    if (strcmp(json_string_value(json_object_get(d, "contract_id")), WH_OUTLAYER) != 0)
        return -1;
    char wasm_dir[300];
    snprintf(wasm_dir, sizeof wasm_dir, "%s", json_string_value(json_object_get(d, "wasm_dir")));
    json_decref(d);
    C.node.rpc = near_rpc_new(C.node.url);
    if (load_key(dev_json, "operator", &C.op) || load_key(dev_json, "user", &C.caller) || read_pricing())
        return -1;
    /* The probe program, served by outlayer dev under its SHA-256. */
    size_t len;
    uint8_t *probe = dn_read_file(PROBE, &len);
    if (!probe)
        return -1;
    uint8_t h[32];
    crypto_hash_sha256(h, probe, len);
    sodium_bin2hex(probe_hash, sizeof probe_hash, h, 32);
    free(probe);
    if (sh("cp %s %s/%s.wasm", PROBE, wasm_dir, probe_hash))
        return -1;
    snprintf(probe_url, sizeof probe_url,
             "{\"WasmUrl\":{\"url\":\"%s/%s.wasm\",\"hash\":\"%s\",\"build_target\":\"wasm32-wasip1\"}}", url_base,
             probe_hash, probe_hash);
    return 0;
}

static int teardown(void **state)
{
    int bad = 0;
    if (dev_pid > 0 && stop_dev())
        bad = 1;
    if (git_pid > 0)
        wh_stop(git_pid, SIGTERM);
    /* Every yoctoNEAR accounted for: balances + burnt gas = genesis supply. */
    snprintf(C.node.home, sizeof C.node.home, "%s/devnet", home);
    if (dn_check_supply(&C.node))
        bad = 1;
    if (sh("grep -l 'ERROR: AddressSanitizer\\|ERROR: LeakSanitizer\\|runtime error:' %s/logs/*.log %s 2>/dev/null",
           home, devlog) == 0) {
        fprintf(stderr, "sanitizer report in %s or %s/logs\n", devlog, home);
        bad = 1;
    }
    if (C.node.rpc)
        near_rpc_free(C.node.rpc);
    if (getenv("KEEP_E2E_DIR") || bad)
        fprintf(stderr, "home kept: %s\n", home);
    else
        sh("rm -rf %s", home);
    return bad ? -1 : 0;
}

#define LIMITS(fuel, mem, secs) \
    "{\"max_instructions\":" #fuel ",\"max_memory_mb\":" #mem ",\"max_execution_seconds\":" #secs "}"

/* Requests, waits for the final outcome, checks the refund to the yoctoNEAR;
 * returns the completed event's data and the caller's value. */
static json_t *run_request(const char *limits, const char *input, const char *format, char **value)
{
    wh_request rq;
    assert_int_equal(wh_request_execution(&C, probe_url, limits, input, format, &rq), 0);
    near_outcome o;
    if (wh_final(&C, &rq, 90000, &o))
        fail_msg("no final outcome for input %s (home %s)", input, home);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
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
    if (!msg || !strstr(msg, needle))
        fail_msg("input %s: error %s, expected %s", input, msg ? msg : "-", needle);
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
    if (!j)
        fail_msg("outlayer request printed: %s", out);
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

/* Every worker of `outlayer dev` registered with the register contract
 * (simulated TEE): list_workers holds active records with the approved
 * measurements, each key a function-call key of the register account for
 * OutLayer (so the results above were resolved with registered keys: the
 * register account is the OutLayer operator). `outlayer tee register`
 * registers one more key the same way. */
static int worker_keys_active(json_t *list, const char *mrtd)
{
    int n = 0;
    size_t i;
    json_t *w;
    json_array_foreach(list, i, w)
    {
        const char *key = json_string_value(json_object_get(w, "public_key"));
        near_public_key pk;
        near_access_key_view v;
        near_rpc_error e = {0};
        if (!key || near_public_key_parse(key, &pk) ||
            near_rpc_view_access_key(C.node.rpc, "register.test.near", &pk, NEAR_FINAL, &v, &e) != NEAR_OK) {
            near_rpc_error_clear(&e);
            continue; /* a worker killed by an earlier test is still listed; its key may be gone */
        }
        const char *m = json_string_value(json_object_get(json_object_get(w, "measurements"), "mrtd"));
        if (!v.key.full_access && strcmp(v.key.receiver_id, WH_OUTLAYER) == 0 && m && strcmp(m, mrtd) == 0)
            n++;
        near_access_key_view_free(&v);
    }
    return n;
}

static void test_workers_are_registered(void **state)
{
    near_call_result r;
    near_rpc_error e = {0};
    assert_int_equal(near_view_function(C.node.rpc, "register.test.near", "list_workers", "{}", &r, &e), NEAR_OK);
    json_t *list = json_loadb((const char *)r.result, r.result_len, 0, NULL);
    near_call_result_free(&r);
    assert_true(json_is_array(list));
    /* the MRTD the simulated TEE derives from the worker binary */
    char *mrtd = sh_out("python3 -c 'import hashlib,sys; e=hashlib.sha256(open(sys.argv[1],\"rb\").read()).digest();"
                        " print(hashlib.sha384(b\"outlayer-sim-mrtd:\"+e).hexdigest(), end=\"\")' %s/outlayer-worker",
                        bin_dir);
    assert_non_null(mrtd);
    int active = worker_keys_active(list, mrtd);
    if (active < 2)
        fail_msg("%d registered worker keys active (want >= 2): %s", active, json_dumps(list, 0));
    size_t before = json_array_size(list);
    json_decref(list);
    /* outlayer tee register: one more key, written as a credential file */
    int st = sh("%s tee register --register-contract register.test.near --key-file "
                "%s/credentials/localnet/" WH_OPERATOR ".json --platform %s/tee --rpc-url %s --worker-binary "
                "%s/outlayer-worker --out-key-file %s/tee-key.json > %s/tee-register.out 2>&1",
                outlayer_bin, home, home, C.node.url, bin_dir, home, home);
    if (st != 0) {
        sh("cat %s/tee-register.out", home);
        fail_msg("outlayer tee register failed");
    }
    near_credentials cred;
    char err[200], path[300];
    snprintf(path, sizeof path, "%s/tee-key.json", home);
    assert_int_equal(near_credentials_read_file(path, &cred, err, sizeof err), 0);
    assert_string_equal(cred.account_id, "register.test.near");
    near_access_key_view v;
    assert_int_equal(
        near_rpc_view_access_key(C.node.rpc, "register.test.near", &cred.keypair.public_key, NEAR_FINAL, &v, &e),
        NEAR_OK);
    assert_false(v.key.full_access);
    near_access_key_view_free(&v);
    assert_int_equal(near_view_function(C.node.rpc, "register.test.near", "list_workers", "{}", &r, &e), NEAR_OK);
    list = json_loadb((const char *)r.result, r.result_len, 0, NULL);
    near_call_result_free(&r);
    assert_int_equal(json_array_size(list), before + 1);
    assert_int_equal(worker_keys_active(list, mrtd), active + 1);
    json_decref(list);
    free(mrtd);
}

/* `outlayer request --json` with a built example; returns the parsed line. */
static json_t *cli_json(const char *example, const char *input, const char *format)
{
    char *out = sh_out("%s request --home %s --wasm build/examples/%s.wasm --input '%s' --format %s --json",
                       outlayer_bin, home, example, input, format);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    if (!j)
        fail_msg("outlayer request (%s) printed: %s", example, out ? out : "(nothing)");
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
    if (s && near_u128_parse(s, &v) != NEAR_OK)
        v = 0; /* not a number: counts as nothing burnt */
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
        if (wh_final(&C, &rq[i], 90000, &o))
            fail_msg("request %d: no final outcome", i);
        json_t *ev = wh_completed_event(&o);
        json_t *d = json_array_get(json_object_get(ev, "data"), 0);
        near_u128 charged = 0, refunded = 0;
        assert_int_equal(near_u128_parse(json_string_value(json_object_get(d, "payment_charged")), &charged), NEAR_OK);
        assert_int_equal(near_u128_parse(json_string_value(json_object_get(d, "payment_refunded")), &refunded),
                         NEAR_OK);
        assert_true(charged == C.base_fee && charged + refunded == rq[i].deposit); /* time limit: base fee only */
        spent += charged + tree_gas(&o);
        json_decref(ev);
        near_outcome_free(&o);
    }
    assert_true(start - dn_balance(&C.node, WH_CALLER) == spent);
    int d1 = log_count(1, ": resolved ") - before[1], d2 = log_count(2, ": resolved ") - before[2];
    if (d1 < 1 || d2 < 1 || d1 + d2 != N)
        fail_msg("worker-1 resolved %d, worker-2 %d of %d", d1, d2, N);
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
        if (log_count(1, ": running ") > before[1])
            k = 1;
        else if (log_count(2, ": running ") > before[2])
            k = 2;
        else
            usleep(50 * 1000);
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
    if (wh_final(&C, &rq, 90000, &o))
        fail_msg("the request was not resolved after kill -9 (home %s)", home);
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
        restarted =
            sh("grep -q 'worker-%d was killed by signal 9; restarting' %s", k, devlog) == 0 && worker_pid(k) > 0;
        if (!restarted)
            usleep(100 * 1000);
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
             "\"build_target\":\"wasm32-wasip1\"}}",
             head_commit);
    const char *by_branch = "{\"GitHub\":{\"repo\":\"https://github.com/alice/square\",\"commit\":\"main\","
                            "\"build_target\":\"wasm32-wasip1\"}}";
    const char *sources[] = {src, by_branch};
    const char *inputs[] = {"12", "7"}, *want[] = {"144", "49"};
    int builds = 0;
    for (int i = 0; i < 2; i++) {
        wh_request rq;
        assert_int_equal(wh_request_execution(&C, sources[i], LIMITS(1000000000, 32, 10), inputs[i], "Json", &rq), 0);
        near_outcome o;
        if (wh_final(&C, &rq, 120000, &o))
            fail_msg("git request %d: no final outcome (home %s)", i, home);
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
    assert_int_equal(dn_call(&C.node, &C.caller, "coinflip.test.near", "flip", "{\"choice\":\"Heads\"}", rq.deposit,
                             NEAR_WAIT_INCLUDED, &o, &err, rq.tx_hash),
                     NEAR_OK);
    near_outcome_free(&o);
    if (wh_final(&C, &rq, 60000, &o))
        fail_msg("the flip never came back (home %s)", home);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    json_t *v = json_loadb((const char *)o.value, o.value_len, 0, NULL);
    if (!v)
        fail_msg("flip returned %.*s", (int)o.value_len, (const char *)o.value);
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
                " --coordinator %s --rpc %s --contract " WH_OUTLAYER " --credentials %s/credentials/localnet/" WH_CALLER
                ".json > %s/secrets.out 2>&1",
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
        if (status != want[i])
            fail_msg("/decrypt for %s: %ld, expected %ld", callers[i], status, want[i]);
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
    if (!j)
        fail_msg("outlayer request printed %s", out ? out : "(nothing)");
    const char *value = json_string_value(json_object_get(j, "value"));
    if (!value || !strstr(value, "terces-e2e-ks"))
        fail_msg("the program did not get its secret: %s", out);
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
             "{\"code_source\":%s,\"resource_limits\":" LIMITS(
                 1000000000, 32,
                 10) ",\"input_data\":\"echo:paid\",\"response_format\":\"Text\",\"payer_account_id\":\"%s\"}",
             probe_url, payer);
    wh_request rq = {0};
    rq.deposit = DN_NEAR / 10;
    rq.balance_before = dn_balance(&C.node, WH_CALLER);
    near_u128 payer_before = dn_balance(&C.node, payer);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_call(&C.node, &C.caller, WH_OUTLAYER, "request_execution", args, rq.deposit, NEAR_WAIT_INCLUDED,
                             &o, &err, rq.tx_hash),
                     NEAR_OK);
    near_outcome_free(&o);
    if (wh_final(&C, &rq, 60000, &o))
        fail_msg("no final outcome (home %s)", home);
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
            assert_int_equal(
                wh_request_execution(&C, probe_url, LIMITS(1000000000, 32, 10), "echo:survived", "Text", &rq), 0);
        } else {
            assert_int_equal(
                wh_request_execution(&C, probe_url, LIMITS(1000000000, 32, 10), "echo:survived", "Text", &rq), 0);
            kill(victim, SIGKILL); /* the chain dies with the request pending */
        }
        near_outcome o;
        if (wh_final(&C, &rq, 90000, &o))
            fail_msg("no final outcome after kill -9 of the %s (home %s)", parts[i], home);
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
    /* --port-base 0 again: the same ports (HOME/port-base), so URLs stay valid */
    assert_string_equal(json_string_value(json_object_get(d, "rpc_url")), C.node.url);
    json_decref(d);
    assert_true(dn_balance(&C.node, WH_CALLER) == before);
    expect_output("echo:again", "Text", "\"again\"");
}

/* ------------------------------------------------------------------ the
 * examples and paths added with issue 14's second half */

/* `outlayer request --json` with any .wasm and extra flags; the parsed line. */
static json_t *cli_json_ex(const char *wasm, const char *input, const char *format, const char *extra)
{
    char *out = sh_out("%s request --home %s --wasm %s --input '%s' --format %s --json %s", outlayer_bin, home, wasm,
                       input, format, extra ? extra : "");
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    if (!j)
        fail_msg("outlayer request (%s) printed: %s", wasm, out ? out : "(nothing)");
    free(out);
    return j;
}

static void file_sha256(const char *path, char hex[65])
{
    size_t len;
    uint8_t *bytes = dn_read_file(path, &len), h[32];
    assert_non_null(bytes);
    crypto_hash_sha256(h, bytes, len);
    sodium_bin2hex(hex, 65, h, 32);
    free(bytes);
}

static const char *dev_field(const char *name)
{
    static char value[4][256];
    static int next;
    char path[300];
    snprintf(path, sizeof path, "%s/dev.json", home);
    json_t *d = json_load_file(path, 0, NULL);
    char *v = value[next++ & 3];
    snprintf(v, 256, "%s", d ? json_string_value(json_object_get(d, name)) : "");
    json_decref(d);
    return v;
}

/* `outlayer secrets put` as bob for the program at wasm; stdin_text (may be
 * NULL) and more flags (e.g. --generate). */
static void secrets_put(const char *wasm, const char *profile, const char *stdin_text, const char *more)
{
    char hash[65];
    file_sha256(wasm, hash);
    int st = sh("printf '%s' | %s secrets put --wasm-hash %s --owner " WH_CALLER " --profile %s %s"
                " --coordinator %s --rpc %s --contract " WH_OUTLAYER " --credentials %s/credentials/localnet/" WH_CALLER
                ".json > %s/secrets.out 2>&1",
                stdin_text ? stdin_text : "", outlayer_bin, hash, profile, more ? more : "",
                dev_field("coordinator_url"), C.node.url, home, home);
    if (st != 0) {
        sh("cat %s/secrets.out", home);
        fail_msg("outlayer secrets put (%s) failed", profile);
    }
}

/* examples/secrets_reader.c through the keystore: the job sees the names of
 * the profile's secrets (never printed: only names reach the chain); without
 * the profile it fails naming the missing one, refunded but the base fee. */
static void test_secrets_reader_example(void **state)
{
    const char *wasm = "build/examples/secrets_reader.wasm";
    secrets_put(wasm, "reader", "API_KEY=sk-reader-e2e\\nDB_URL=postgres://u:pw-e2e@h/db\\n", NULL);
    json_t *j = cli_json_ex(wasm, "{\"require\":[\"API_KEY\",\"DB_URL\"]}", "Json", "--secrets-profile reader");
    char *v = json_dumps(json_object_get(j, "value"), JSON_COMPACT);
    assert_string_equal(v, "{\"sender\":\"" WH_CALLER "\",\"secrets\":[\"API_KEY\",\"DB_URL\"],\"count\":2}");
    free(v);
    json_decref(j);
    j = cli_json_ex(wasm, "{\"require\":[\"API_KEY\"]}", "Json", NULL);
    json_t *ev = json_object_get(j, "event");
    assert_true(json_is_false(json_object_get(ev, "success")));
    assert_non_null(strstr(json_string_value(json_object_get(ev, "error_message")), "missing secret: API_KEY"));
    near_u128 charged = 0;
    assert_int_equal(near_u128_parse(json_string_value(json_object_get(ev, "payment_charged")), &charged), 0);
    assert_true(charged == C.base_fee);
    json_decref(j);
    assert_int_not_equal(sh("grep -rq 'sk-reader-e2e\\|pw-e2e' %s/logs", home), 0);
}

static char *seal_vote(const char *pubkey, const char *vote)
{
    char *out = sh_out("echo '{\"action\":\"seal\",\"pubkey\":\"%s\",\"vote\":\"%s\"}' | %s run "
                       "build/examples/dao_tally.wasm --input - 2>/dev/null",
                       pubkey, vote, outlayer_bin);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    if (!j)
        fail_msg("seal printed %s", out ? out : "(nothing)");
    char *ballot = strdup(json_string_value(json_object_get(j, "ballot")));
    json_decref(j);
    free(out);
    return ballot;
}

/* examples/dao_tally.c with a PROTECTED_* key made inside the keystore
 * (`outlayer secrets put --generate`): the stored blob is the keystore's
 * version 2; voter keys come from jobs; ballots are sealed locally with
 * `outlayer run`; the tally job opens them and counts. */
static void test_dao_tally_example(void **state)
{
    const char *wasm = "build/examples/dao_tally.wasm";
    secrets_put(wasm, "dao", NULL, "--generate PROTECTED_DAO_KEY:hex32");
    assert_int_equal(sh("grep -q 'sealed by the keystore: \\[\"PROTECTED_DAO_KEY\"\\]' %s/secrets.out", home), 0);
    /* On chain: a version-2 blob (only the keystore can make one). */
    char hash[65], args[400];
    file_sha256(wasm, hash);
    snprintf(args, sizeof args,
             "{\"accessor\":{\"WasmHash\":{\"hash\":\"%s\"}},\"profile\":\"dao\",\"owner\":\"" WH_CALLER "\"}", hash);
    near_call_result r;
    near_rpc_error err = {0};
    assert_int_equal(near_view_function(C.node.rpc, WH_OUTLAYER, "get_secrets", args, &r, &err), NEAR_OK);
    json_t *sec = json_loadb((const char *)r.result, r.result_len, 0, NULL);
    near_call_result_free(&r);
    const char *blob = json_string_value(json_object_get(sec, "encrypted_secrets"));
    if (!blob || strncmp(blob, "b2wC", 4) != 0)
        fail_msg("stored blob is not version 2: %.10s", blob ? blob : "-");
    json_decref(sec);

    const char *voters[] = {"alice.test.near", "bob.test.near", "carol.test.near"};
    const char *votes[] = {"yes", "no", "yes"};
    char ballots[4096] = "[";
    for (int i = 0; i < 3; i++) {
        char in[200];
        snprintf(in, sizeof in, "{\"action\":\"voter_key\",\"dao\":\"dao.test.near\",\"voter\":\"%s\"}", voters[i]);
        json_t *j = cli_json_ex(wasm, in, "Json", "--secrets-profile dao");
        const char *pk = json_string_value(json_object_get(json_object_get(j, "value"), "pubkey"));
        if (!pk || strlen(pk) != 64)
            fail_msg("voter_key answered %s", json_dumps(j, 0));
        char *b = seal_vote(pk, votes[i]);
        snprintf(ballots + strlen(ballots), sizeof ballots - strlen(ballots), "%s{\"voter\":\"%s\",\"ballot\":\"%s\"}",
                 i ? "," : "", voters[i], b);
        free(b);
        json_decref(j);
    }
    strcat(ballots, "]");
    char in[5000];
    snprintf(in, sizeof in,
             "{\"action\":\"tally\",\"dao\":\"dao.test.near\",\"proposal\":\"p1\",\"quorum\":3,\"ballots\":%s}",
             ballots);
    json_t *j = cli_json_ex(wasm, in, "Json", "--secrets-profile dao");
    json_t *v = json_object_get(j, "value");
    if (json_integer_value(json_object_get(v, "yes")) != 2 || json_integer_value(json_object_get(v, "no")) != 1 ||
        json_integer_value(json_object_get(v, "voters")) != 3 || !json_is_true(json_object_get(v, "quorum_met")))
        fail_msg("tally answered %s", json_dumps(v, 0));
    json_decref(j);
    /* Without the key (no profile) the tally fails and is refunded. */
    j = cli_json_ex(wasm, in, "Json", NULL);
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(j, "event"), "error_message")),
                           "PROTECTED_DAO_KEY is not set"));
    json_decref(j);
}

/* examples/hash_chain.c: the instructions a worker meters are those
 * `outlayer run` reports (up to the few the NEAR_* environment adds), the
 * digest is the same, and the charge is exactly the contract's pricing. */
static void test_hash_chain_metering(void **state)
{
    const char *input = "{\"seed\":\"e2e\",\"rounds\":20000}";
    char *local = sh_out("echo '%s' | %s run build/examples/hash_chain.wasm --input - --json 2>&1 >/dev/null | tail -1",
                         input, outlayer_bin);
    json_t *rep = json_loads(local, 0, NULL);
    assert_non_null(rep);
    json_int_t local_instr = json_integer_value(json_object_get(rep, "instructions"));
    json_decref(rep);
    free(local);
    char *digest = sh_out("echo '%s' | build/examples/native/hash_chain", input);
    json_t *j = cli_json_ex("build/examples/hash_chain.wasm", input, "Json", "--max-instructions 1000000000");
    json_t *v = json_object_get(j, "value"), *ev = json_object_get(j, "event");
    json_t *want = json_loads(digest, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(v, "digest")),
                        json_string_value(json_object_get(want, "digest")));
    json_decref(want);
    free(digest);
    json_t *used = json_object_get(ev, "resources_used");
    json_int_t instr = json_integer_value(json_object_get(used, "instructions"));
    json_int_t ms = json_integer_value(json_object_get(used, "time_ms"));
    json_int_t cms = json_integer_value(json_object_get(used, "compile_time_ms")); /* 0 when null */
    if (llabs(instr - local_instr) > 2000)
        fail_msg("worker metered %lld instructions, outlayer run %lld", (long long)instr, (long long)local_instr);
    assert_true(instr > 150000000); /* ~8,900 a round */
    near_u128 charged = 0, want_charge = C.base_fee + (near_u128)(instr / 1000000) * C.per_million +
                                         (near_u128)ms * C.per_ms + (near_u128)cms * C.per_compile_ms;
    assert_int_equal(near_u128_parse(json_string_value(json_object_get(ev, "payment_charged")), &charged), 0);
    if (charged != want_charge)
        fail_msg("charged is not base + instructions + time + compile time");
    json_decref(j);
}

/* contracts/examples/forwarder.c on the devnet: bob asks the forwarder, the
 * forwarder asks OutLayer with bob as payer, the program's JSON comes back
 * to its callback and is stored; bob paid exactly the charge plus gas. A
 * failing program is stored as a null answer with the reason. */
static void forwarder_ask(const char *input, near_outcome *o, wh_request *rq)
{
    char args[1200];
    snprintf(args, sizeof args,
             "{\"code_source\":%s,\"input_data\":\"%s\",\"resource_limits\":" LIMITS(1000000000, 32, 10) "}", probe_url,
             input);
    memset(rq, 0, sizeof *rq);
    rq->deposit = DN_NEAR / 10;
    rq->balance_before = dn_balance(&C.node, WH_CALLER);
    near_rpc_error err = {0};
    assert_int_equal(dn_call(&C.node, &C.caller, "forwarder.test.near", "ask", args, rq->deposit, NEAR_WAIT_INCLUDED, o,
                             &err, rq->tx_hash),
                     NEAR_OK);
    near_outcome_free(o);
    if (wh_final(&C, rq, 60000, o))
        fail_msg("the forwarder's answer never came (home %s)", home);
    assert_int_equal(o->kind, NEAR_OUTCOME_SUCCESS);
}

static char *view_text(const char *contract, const char *method, const char *args)
{
    near_call_result r;
    near_rpc_error err = {0};
    assert_int_equal(near_view_function(C.node.rpc, contract, method, args, &r, &err), NEAR_OK);
    char *s = strndup((const char *)r.result, r.result_len);
    near_call_result_free(&r);
    return s;
}

static void test_forwarder_round_trip(void **state)
{
    char *cfg = view_text("forwarder.test.near", "get_config", "{}");
    int id = 0;
    assert_int_equal(sscanf(cfg, "[\"" WH_OUTLAYER "\",%d]", &id), 1);
    free(cfg);
    near_outcome o;
    wh_request rq;
    forwarder_ask("json", &o, &rq);
    char want[300];
    snprintf(want, sizeof want, "{\"id\":%d,\"sender\":\"" WH_CALLER "\",\"answer\":{\"answer\":42,\"list\":[1,2]}}",
             id);
    assert_string_equal((const char *)o.value, want);
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    char args[40];
    snprintf(args, sizeof args, "{\"id\":%d}", id);
    char *stored = view_text("forwarder.test.near", "get_answer", args);
    assert_string_equal(stored, want);
    free(stored);
    /* a program that fails: stored as null with the reason, refunded */
    forwarder_ask("exit3", &o, &rq);
    snprintf(want, sizeof want,
             "{\"id\":%d,\"sender\":\"" WH_CALLER "\",\"answer\":null,\"error\":\"the execution failed or timed out\"}",
             id + 1);
    assert_string_equal((const char *)o.value, want);
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
}

/* Outputs around the limits: over the 1024-byte resume payload (stored on
 * the contract first, submit_execution_output_and_resolve), exactly the
 * worker's 64 KiB output limit, and one byte over it (fails, refunded). */
static void test_large_output(void **state)
{
    const int sizes[] = {1100, 65536};
    for (int i = 0; i < 2; i++) {
        char input[32];
        snprintf(input, sizeof input, "flood:%d", sizes[i]);
        char *value = NULL;
        json_t *d = run_request(LIMITS(1000000000, 32, 10), input, "Text", &value);
        assert_true(json_is_true(json_object_get(d, "success")));
        json_t *s = json_loads(value, JSON_DECODE_ANY, NULL);
        if (!json_is_string(s) || json_string_length(s) != (size_t)sizes[i])
            fail_msg("flood:%d came back as %zu bytes", sizes[i], s ? json_string_length(s) : 0);
        json_decref(s);
        free(value);
        json_decref(d);
    }
    expect_failure(LIMITS(1000000000, 32, 10), "flood:65537", "Output too large");
}

static void workers_signal(int sig)
{
    for (int k = 1; k <= 2; k++) {
        pid_t p = worker_pid(k);
        assert_true(p > 0);
        kill(p, sig);
    }
}

static near_outcome final_tx(const char *tx_hash)
{
    near_outcome o;
    near_rpc_error err = {0};
    for (int i = 0; i < 30; i++) {
        if (near_rpc_tx_status(C.node.rpc, tx_hash, WH_CALLER, NEAR_WAIT_FINAL, 1, &o, &err) == NEAR_OK)
            return o;
        near_rpc_error_clear(&err);
        usleep(300 * 1000);
    }
    fail_msg("transaction %s never became final", tx_hash);
    return o;
}

/* Pause: with the workers held (SIGSTOP) a request is pending; the owner
 * pauses the contract; a new request fails "Contract is paused" and bob pays
 * only its gas (the deposit comes back); the pending one is still resolved
 * while paused; after unpausing requests work again. */
static void test_pause(void **state)
{
    near_credentials owner;
    char dev_json[300];
    snprintf(dev_json, sizeof dev_json, "%s/dev.json", home);
    assert_int_equal(load_key(dev_json, "owner", &owner), 0);
    workers_signal(SIGSTOP);
    wh_request pending;
    assert_int_equal(wh_request_execution(&C, probe_url, LIMITS(1000000000, 32, 10), "echo:drained", "Text", &pending),
                     0);
    near_outcome o;
    near_rpc_error err = {0};
    char tx[64];
    assert_int_equal(
        dn_call(&C.node, &owner, WH_OUTLAYER, "set_paused", "{\"paused\":true}", 0, NEAR_WAIT_FINAL, &o, &err, tx),
        NEAR_OK);
    near_outcome_free(&o);
    char *paused = view_text(WH_OUTLAYER, "is_paused", "{}");
    assert_string_equal(paused, "true");
    free(paused);
    /* refused while paused */
    char args[800];
    snprintf(args, sizeof args,
             "{\"code_source\":%s,\"resource_limits\":" LIMITS(1000000000, 32, 10) ",\"input_data\":\"echo:x\"}",
             probe_url);
    near_status st = dn_call(&C.node, &C.caller, WH_OUTLAYER, "request_execution", args, DN_NEAR / 10, NEAR_WAIT_FINAL,
                             &o, &err, tx);
    near_rpc_error_clear(&err);
    assert_true(st == NEAR_OK || st == NEAR_ERR_TX_FAILED);
    assert_int_equal(o.kind, NEAR_OUTCOME_FAILURE);
    if (!strstr(o.failure_message, "Contract is paused"))
        fail_msg("paused request failed with %s", o.failure_message);
    near_outcome_free(&o);
    o = final_tx(tx);
    near_u128 refused_gas = tree_gas(&o);
    near_outcome_free(&o);
    /* the pending request drains while paused */
    workers_signal(SIGCONT);
    if (wh_final(&C, &pending, 60000, &o))
        fail_msg("the pending request was not resolved while paused");
    assert_string_equal((const char *)o.value, "\"drained\"");
    /* bob paid the pending one's charge and gas, and only the gas of the
     * refused one: its deposit came back */
    json_t *ev = wh_completed_event(&o);
    near_u128 charged = 0;
    assert_int_equal(near_u128_parse(json_string_value(json_object_get(json_array_get(json_object_get(ev, "data"), 0),
                                                                       "payment_charged")),
                                     &charged),
                     0);
    json_decref(ev);
    if (pending.balance_before - dn_balance(&C.node, WH_CALLER) != charged + tree_gas(&o) + refused_gas)
        fail_msg("bob's balance does not add up over the pending and the refused request");
    near_outcome_free(&o);
    assert_int_equal(
        dn_call(&C.node, &owner, WH_OUTLAYER, "set_paused", "{\"paused\":false}", 0, NEAR_WAIT_FINAL, &o, &err, tx),
        NEAR_OK);
    near_outcome_free(&o);
    expect_output("echo:unpaused", "Text", "\"unpaused\"");
}

/* Teardown of the tests that hold the workers or pause the contract: a
 * failure in them must not leave the stack so for the rest of the suite. */
static int resume_all(void **state)
{
    for (int k = 1; k <= 2; k++) {
        pid_t p = worker_pid(k);
        if (p > 0)
            kill(p, SIGCONT);
    }
    char dev_json[300];
    snprintf(dev_json, sizeof dev_json, "%s/dev.json", home);
    near_credentials owner;
    near_call_result r = {0};
    near_rpc_error err = {0};
    if (near_view_function(C.node.rpc, WH_OUTLAYER, "is_paused", "{}", &r, &err) == NEAR_OK && r.result_len == 4 &&
        memcmp(r.result, "true", 4) == 0 && load_key(dev_json, "owner", &owner) == 0) {
        near_outcome o;
        char tx[64];
        if (dn_call(&C.node, &owner, WH_OUTLAYER, "set_paused", "{\"paused\":false}", 0, NEAR_WAIT_FINAL, &o, &err,
                    tx) == NEAR_OK)
            near_outcome_free(&o);
    }
    if (r.result)
        near_call_result_free(&r);
    near_rpc_error_clear(&err);
    return 0;
}

/* The pending request whose input is `input`: its id, or -1. Views read
 * final state, a block or two behind an included request: look a few times. */
static long find_pending(const char *input)
{
    for (int round = 0; round < 50; round++, usleep(200 * 1000))
        for (long id = 0; id < 200; id++) {
            char args[40];
            snprintf(args, sizeof args, "{\"request_id\":%ld}", id);
            /* text search: "payment" is a bare u128, too big for jansson */
            char *r = view_text(WH_OUTLAYER, "get_request", args), needle[200];
            snprintf(needle, sizeof needle, "\"input_data\":\"%s\"", input);
            bool match = strstr(r, needle) != NULL;
            free(r);
            if (match)
                return id;
        }
    return -1;
}

/* Polls the caller's transaction until its logs contain needle, then
 * returns the final outcome of the whole tree. */
static near_outcome final_with_log(const char *tx_hash, const char *needle, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 300) {
        near_outcome o;
        near_rpc_error err = {0};
        if (near_rpc_tx_status(C.node.rpc, tx_hash, WH_CALLER, NEAR_WAIT_NONE, 1, &o, &err) == NEAR_OK) {
            for (size_t i = 0; i < o.n_logs; i++)
                if (strstr(o.logs[i], needle)) {
                    near_outcome_free(&o);
                    return final_tx(tx_hash);
                }
            near_outcome_free(&o);
        }
        near_rpc_error_clear(&err);
        usleep(300 * 1000);
    }
    fail_msg("no log '%s' in %s", needle, tx_hash);
    near_outcome none = {0};
    return none;
}

/* Timeout and cancel: with the workers held, request A is left to the yield
 * timeout (200 blocks, reached with the devnet's sandbox_fast_forward): the
 * contract charges the base fee and refunds the rest; request B is cancelled
 * by the owner (emergency_cancel_execution): the whole deposit comes back,
 * and its later timeout callback refunds nothing twice. Bob's balance falls
 * by exactly one base fee plus the gas of both trees. Then the workers wake,
 * find both settled, and resolve neither. */
static void test_timeout_and_cancel_refunds(void **state)
{
    near_credentials owner;
    char dev_json[300];
    snprintf(dev_json, sizeof dev_json, "%s/dev.json", home);
    assert_int_equal(load_key(dev_json, "owner", &owner), 0);
    workers_signal(SIGSTOP);
    near_u128 start = dn_balance(&C.node, WH_CALLER);
    wh_request a, b;
    assert_int_equal(wh_request_execution(&C, probe_url, LIMITS(1000000000, 32, 10), "echo:time-me-out", "Text", &a),
                     0);
    assert_int_equal(wh_request_execution(&C, probe_url, LIMITS(1000000000, 32, 10), "echo:cancel-me", "Text", &b), 0);
    long id_b = find_pending("echo:cancel-me"), id_a = find_pending("echo:time-me-out");
    assert_true(id_a >= 0 && id_b >= 0);
    near_outcome o;
    near_rpc_error err = {0};
    char tx[64], args[64];
    snprintf(args, sizeof args, "{\"request_id\":%ld}", id_b);
    assert_int_equal(
        dn_call(&C.node, &owner, WH_OUTLAYER, "emergency_cancel_execution", args, 0, NEAR_WAIT_FINAL, &o, &err, tx),
        NEAR_OK);
    char want[200];
    snprintf(want, sizeof want,
             "Emergency cancelled execution %ld and refunded 100000000000000000000000 yoctoNEAR to " WH_CALLER, id_b);
    bool logged = false;
    for (size_t i = 0; i < o.n_logs; i++)
        logged = logged || strstr(o.logs[i], want);
    if (!logged)
        fail_msg("no log '%s'", want);
    near_outcome_free(&o);
    /* 200 blocks without a resume: the yield times out */
    json_t *body = json_pack("{s:s, s:i, s:s, s:{s:i}}", "jsonrpc", "2.0", "id", 1, "method", "sandbox_fast_forward",
                             "params", "delta_height", 210);
    json_t *reply = NULL;
    long status = 0;
    char herr[200];
    hc_options ho = {.timeout_ms = 30000};
    assert_int_equal(hc_post_json(C.node.url, body, &ho, &status, &reply, herr, sizeof herr), 0);
    assert_int_equal(status, 200);
    json_decref(body);
    json_decref(reply);
    near_outcome oa = final_with_log(a.tx_hash, "Execution promise failed", 60000);
    near_outcome ob = final_with_log(b.tx_hash, "not found in pending requests", 60000);
    assert_string_equal((const char *)oa.value, "null");
    assert_string_equal((const char *)ob.value, "null");
    assert_null(wh_completed_event(&oa)); /* timeouts emit no execution_completed */
    if (start - dn_balance(&C.node, WH_CALLER) != C.base_fee + tree_gas(&oa) + tree_gas(&ob))
        fail_msg("bob's balance does not add up: one base fee plus gas expected");
    near_outcome_free(&oa);
    near_outcome_free(&ob);
    workers_signal(SIGCONT);
    /* the woken workers see both settled: a later request is answered, and
     * neither old one was resolved */
    expect_output("echo:awake", "Text", "\"awake\"");
    char needle[64];
    for (int i = 0; i < 2; i++) {
        snprintf(needle, sizeof needle, "request %ld: resolved", i ? id_a : id_b);
        assert_int_equal(logs_count(needle), 0);
    }
}

/* kill -9 of the worker while it compiles a git source (alice/slow, a few
 * seconds of clang): the lease runs out, the other worker builds and runs
 * it, and the request is resolved once with the right answer. */
static void test_kill_worker_mid_compile(void **state)
{
    const char *needle = "building https://github.com/alice/slow";
    int before[3] = {0, log_count(1, needle), log_count(2, needle)};
    char src[300];
    snprintf(
        src, sizeof src,
        "{\"GitHub\":{\"repo\":\"https://github.com/alice/slow\",\"commit\":\"%s\",\"build_target\":\"wasm32-wasip1\"}}",
        slow_commit);
    wh_request rq;
    assert_int_equal(wh_request_execution(&C, src, LIMITS(1000000000, 32, 10), "12", "Json", &rq), 0);
    int k = 0;
    for (int waited = 0; waited < 60000 && !k; waited += 20) {
        if (log_count(1, needle) > before[1])
            k = 1;
        else if (log_count(2, needle) > before[2])
            k = 2;
        else
            usleep(20 * 1000);
    }
    assert_true(k > 0);
    pid_t victim = worker_pid(k);
    assert_true(victim > 0);
    kill(victim, SIGKILL);
    /* it was still compiling: no "built" line from the killed worker */
    char *line = sh_out("grep -F '%s' %s/logs/worker-%d.log | tail -1", needle, home, k);
    const char *p = strstr(line, "request ");
    assert_non_null(p);
    long request_id = atol(p + 8);
    free(line);
    char built[96];
    snprintf(built, sizeof built, "request %ld: built https://github.com/alice/slow", request_id);
    assert_int_equal(log_count(k, built), 0);
    near_outcome o;
    if (wh_final(&C, &rq, 150000, &o))
        fail_msg("the request was not resolved after kill -9 mid-compile (home %s)", home);
    assert_string_equal((const char *)o.value, "144");
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    /* one build finished: the killed one never did (whoever got the job
     * next, the other worker or the restarted one, built it) */
    assert_int_equal(logs_count(built), 1);
    char resolved[64];
    snprintf(resolved, sizeof resolved, "request %ld: resolved success", request_id);
    sleep(1);
    assert_int_equal(logs_count(resolved), 1);
}

/* --port-base 0 lets a second stack run beside the first: its own free
 * ports (written to its dev.json), a request answered, a clean stop. */
static void test_second_stack(void **state)
{
    char home2[160], dev_json[200], log2[200];
    snprintf(home2, sizeof home2, "%s/second", home);
    snprintf(dev_json, sizeof dev_json, "%s/dev.json", home2);
    snprintf(log2, sizeof log2, "%s/second.out", home);
    char *argv[] = {(char *)outlayer_bin,
                    "dev",
                    "--home",
                    home2,
                    "--workers",
                    "1",
                    "--port-base",
                    "0",
                    "--bin-dir",
                    (char *)bin_dir,
                    "--contracts-dir",
                    "build/contracts",
                    NULL};
    pid_t pid = wh_spawn(argv, log2);
    json_t *d = NULL;
    for (int waited = 0; waited < 60000 && !d; waited += 100) {
        usleep(100 * 1000);
        d = access(dev_json, R_OK) == 0 ? json_load_file(dev_json, 0, NULL) : NULL;
    }
    if (!d) {
        sh("tail -5 %s", log2);
        fail_msg("the second outlayer dev did not start");
    }
    json_t *ports = json_object_get(d, "ports");
    int rpc2 = (int)json_integer_value(json_object_get(ports, "rpc"));
    assert_true(rpc2 > 0 && rpc2 != port_base);
    char want[64];
    snprintf(want, sizeof want, "http://127.0.0.1:%d", rpc2);
    assert_string_equal(json_string_value(json_object_get(d, "rpc_url")), want);
    json_decref(d);
    char *out =
        sh_out("%s request --home %s --wasm build/examples/hello.wasm --input second 2>/dev/null", outlayer_bin, home2);
    assert_string_equal(out, "Hello, second!\n");
    free(out);
    int st = wh_stop(pid, SIGTERM);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_not_equal(access(dev_json, F_OK), 0);
    /* the first stack did not notice */
    expect_output("echo:first", "Text", "\"first\"");
}

/* The register contract's settings over restarts (src/cli/dev_tee.c). A
 * used home whose register contract is ready (collateral valid long enough,
 * the worker binary's measurements approved, the operator set) costs the
 * owner no transaction: outlayer dev checks with view calls. What is not in
 * place is put back: here the owner removes the approvals, makes the
 * operator account the operator again and uploads collateral made 20 days
 * ago (10 days left); after a restart every setting is back, the collateral
 * is new, the workers registered again and a request is answered. */
static uint64_t key_nonce(const near_credentials *who)
{
    near_access_key_view v;
    near_rpc_error e = {0};
    assert_int_equal(near_rpc_view_access_key(C.node.rpc, who->account_id, &who->keypair.public_key, NEAR_FINAL, &v, &e),
                     NEAR_OK);
    uint64_t n = v.key.nonce;
    near_access_key_view_free(&v);
    return n;
}

static void owner_call(const near_credentials *owner, const char *receiver, const char *method, json_t *args)
{
    char *text = json_dumps(args, JSON_COMPACT);
    json_decref(args);
    assert_non_null(text);
    near_outcome o;
    near_rpc_error err = {0};
    char tx[64];
    near_status st = dn_call(&C.node, owner, receiver, method, text, 0, NEAR_WAIT_FINAL, &o, &err, tx);
    if (st != NEAR_OK)
        fail_msg("%s.%s: %s %s", receiver, method, near_status_name(st), err.message);
    near_outcome_free(&o);
    near_rpc_error_clear(&err);
    free(text);
}

static int active_worker_keys(const char *mrtd)
{
    char *text = view_text("register.test.near", "list_workers", "{}");
    json_t *list = json_loads(text, 0, NULL);
    free(text);
    int n = worker_keys_active(list, mrtd);
    json_decref(list);
    return n;
}

static void restart_dev(void)
{
    assert_int_equal(stop_dev(), 0);
    char dev_json[300];
    snprintf(dev_json, sizeof dev_json, "%s/dev.json", home);
    json_t *d = start_dev(dev_json);
    assert_non_null(d);
    json_decref(d);
}

static void test_restart_repairs_register_settings(void **state)
{
    char dev_json[300];
    snprintf(dev_json, sizeof dev_json, "%s/dev.json", home);
    near_credentials owner;
    assert_int_equal(load_key(dev_json, "owner", &owner), 0);
    char *mrtd = sh_out("python3 -c 'import hashlib,sys; e=hashlib.sha256(open(sys.argv[1],\"rb\").read()).digest();"
                        " print(hashlib.sha384(b\"outlayer-sim-mrtd:\"+e).hexdigest(), end=\"\")' %s/outlayer-worker",
                        bin_dir);
    assert_non_null(mrtd);
    /* all in place: no transaction of the owner, the workers register anew */
    uint64_t nonce = key_nonce(&owner);
    int active = active_worker_keys(mrtd);
    restart_dev();
    assert_true(key_nonce(&owner) == nonce);
    assert_int_equal(active_worker_keys(mrtd), active + 2);

    /* take every setting away */
    char *text = view_text("register.test.near", "get_approved_measurements", "{}");
    json_t *sets = json_loads(text, 0, NULL);
    free(text);
    json_t *ours = NULL;
    size_t i;
    json_t *set;
    json_array_foreach(sets, i, set)
    {
        const char *m = json_string_value(json_object_get(set, "mrtd"));
        if (m && strcmp(m, mrtd) == 0)
            ours = set;
    }
    assert_non_null(ours);
    char rtmr3[100];
    snprintf(rtmr3, sizeof rtmr3, "%s", json_string_value(json_object_get(ours, "rtmr3")));
    owner_call(&owner, "register.test.near", "remove_approved_measurements", json_pack("{s:O}", "measurements", ours));
    owner_call(&owner, "register.test.near", "remove_approved_rtmr3", json_pack("{s:s}", "rtmr3", rtmr3));
    json_decref(sets);
    time_t then = time(NULL) - 20 * 86400;
    struct tm tm;
    char when[32];
    gmtime_r(&then, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *old = sh_out("%s tee collateral --platform %s/tee --time %s", outlayer_bin, home, when);
    assert_non_null(old);
    old[strcspn(old, "\n")] = 0;
    owner_call(&owner, "register.test.near", "update_collateral", json_pack("{s:s}", "collateral", old));
    owner_call(&owner, WH_OUTLAYER, "set_operator", json_pack("{s:s}", "new_operator_id", WH_OPERATOR));
    char *cfg = view_text(WH_OUTLAYER, "get_config", "{}");
    assert_non_null(strstr(cfg, "\"" WH_OPERATOR "\""));
    free(cfg);
    char args[200];
    snprintf(args, sizeof args, "{\"rtmr3\":\"%s\"}", rtmr3);
    char *yes = view_text("register.test.near", "is_rtmr3_approved", args);
    assert_string_equal(yes, "false");
    free(yes);

    /* a restart puts them back */
    active = active_worker_keys(mrtd);
    restart_dev();
    cfg = view_text(WH_OUTLAYER, "get_config", "{}");
    assert_string_equal(cfg, "[\"owner.test.near\",\"register.test.near\"]");
    free(cfg);
    yes = view_text("register.test.near", "is_rtmr3_approved", args);
    assert_string_equal(yes, "true");
    free(yes);
    text = view_text("register.test.near", "get_approved_measurements", "{}");
    assert_non_null(strstr(text, mrtd));
    free(text);
    text = view_text("register.test.near", "get_collateral", "{}");
    json_t *now_coll = json_loads(text, JSON_DECODE_ANY, NULL);
    free(text);
    assert_true(json_is_string(now_coll));
    assert_string_not_equal(json_string_value(now_coll), old);
    json_decref(now_coll);
    free(old);
    assert_int_equal(active_worker_keys(mrtd), active + 2);
    free(mrtd);
    expect_output("echo:repaired", "Text", "\"repaired\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_request),
        cmocka_unit_test(test_workers_are_registered),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_limits_refunded),
        cmocka_unit_test(test_git_source),
        cmocka_unit_test(test_caller_contract),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_payer_gets_the_refund),
        cmocka_unit_test(test_secrets_reader_example),
        cmocka_unit_test(test_dao_tally_example),
        cmocka_unit_test(test_hash_chain_metering),
        cmocka_unit_test(test_forwarder_round_trip),
        cmocka_unit_test(test_large_output),
        cmocka_unit_test_teardown(test_pause, resume_all),
        cmocka_unit_test_teardown(test_timeout_and_cancel_refunds, resume_all),
        cmocka_unit_test(test_second_stack),
        cmocka_unit_test(test_two_workers_share_the_queue),
        cmocka_unit_test(test_kill_worker_mid_execution),
        cmocka_unit_test(test_kill_worker_mid_compile),
        cmocka_unit_test(test_kill_coordinator_and_devnet),
        cmocka_unit_test(test_restart_resumes),
        cmocka_unit_test(test_restart_repairs_register_settings),
    };
    /* E2E_ONLY=PATTERN runs only the matching tests (cmocka's filter), to
     * work on one; the stack starts and stops as always. */
    if (getenv("E2E_ONLY"))
        cmocka_set_test_filter(getenv("E2E_ONLY"));
    return cmocka_run_group_tests_name("e2e (outlayer dev)", tests, setup, teardown);
}
