/* The outlayer_v1 host API (src/hostapi/): a real wasm program
 * (tests/hostapi/http_probe.c, and sdk/examples/price_oracle.c through the
 * SDK) run by the runner against a libmicrohttpd server on 127.0.0.1 that
 * this test starts: success, every refusal with its error code, the caps,
 * the job deadline, the transcript hash; and the decoder and allow-list
 * directly. */
#include <microhttpd.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "hostapi/hostapi.h"
#include "runner/runner.h"
#include "worker/worker.h"

static struct MHD_Daemon *server, *tls_server;
static unsigned port, tls_port;
static char tls_dir[64]; /* a mktemp directory: the test CA and the server's certificate */

/* ---- the local server ---- */

typedef struct upload {
    char data[4096];
    size_t len;
} upload;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body, size_t len,
                             const char *location)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "X-Test", "yes");
    if (location)
        MHD_add_response_header(r, "Location", location);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *data, size_t *data_len, void **state)
{
    (void)cls, (void)version;
    if (!*state) {
        *state = calloc(1, sizeof(upload));
        return MHD_YES;
    }
    upload *u = *state;
    if (*data_len) {
        size_t n = *data_len < sizeof u->data - u->len ? *data_len : sizeof u->data - u->len;
        memcpy(u->data + u->len, data, n);
        u->len += n;
        *data_len = 0;
        return MHD_YES;
    }
    char loc[128];
    if (strcmp(url, "/price") == 0)
        return reply(c, 200, "{\"symbol\":\"NEAR\",\"price\": 42.5}", 31, NULL);
    if (strcmp(url, "/echo") == 0) {
        char out[4300];
        const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Req");
        int n = snprintf(out, sizeof out, "%s|%s|%.*s", method, h ? h : "-", (int)u->len, u->data);
        return reply(c, 200, out, (size_t)n, NULL);
    }
    if (strcmp(url, "/redirect-local") == 0) {
        snprintf(loc, sizeof loc, "http://localhost:%u/price", port);
        return reply(c, 302, "", 0, loc);
    }
    if (strcmp(url, "/redirect-ok") == 0) {
        snprintf(loc, sizeof loc, "http://127.0.0.1:%u/price", port);
        return reply(c, 302, "", 0, loc);
    }
    if (strcmp(url, "/redirect-away") == 0)
        return reply(c, 302, "", 0, "http://not-allowed.example/price");
    if (strcmp(url, "/redirect-loop") == 0)
        return reply(c, 302, "", 0, "/redirect-loop");
    if (strcmp(url, "/big") == 0) {
        static char big[65536];
        memset(big, 'x', sizeof big);
        return reply(c, 200, big, sizeof big, NULL);
    }
    if (strcmp(url, "/slow") == 0) {
        sleep(3);
        return reply(c, 200, "late", 4, NULL);
    }
    return reply(c, 404, "no", 2, NULL);
}

static void request_done(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t)
{
    (void)cls, (void)c, (void)t;
    free(*state);
    *state = NULL;
}

static char *slurp(const char *dir, const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    if (buf)
        fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

/* A test CA and a certificate for IP 127.0.0.1 signed by it (openssl), and
 * an https server with that certificate. */
static int tls_setup(void)
{
    snprintf(tls_dir, sizeof tls_dir, "/tmp/hostapi-tls-XXXXXX");
    if (!mkdtemp(tls_dir))
        return -1;
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd %s && printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
             "-days 2 -subj /CN=outlayer-test-ca 2>/dev/null && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key -out srv.csr "
             "-subj /CN=127.0.0.1 2>/dev/null && "
             "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 "
             "-extfile ext.cnf 2>/dev/null",
             tls_dir);
    if (system(cmd) != 0)
        return -1;
    char *key = slurp(tls_dir, "srv.key"), *cert = slurp(tls_dir, "srv.pem");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    tls_server = key && cert ? MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                                    MHD_USE_TLS,
                                                0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                                                MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert,
                                                MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END)
                             : NULL;
    free(key);
    free(cert);
    if (!tls_server)
        return -1;
    tls_port = MHD_get_daemon_info(tls_server, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static void tls_teardown(void)
{
    if (tls_server)
        MHD_stop_daemon(tls_server);
    static const char *const files[] = {"ext.cnf", "ca.key", "ca.pem", "ca.srl", "srv.key", "srv.csr", "srv.pem"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", tls_dir, files[i]);
        unlink(path);
    }
    rmdir(tls_dir);
}

static int setup(void **st)
{
    (void)st;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    server = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                              handle, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, request_done,
                              NULL, MHD_OPTION_END);
    if (!server)
        return -1;
    port = MHD_get_daemon_info(server, MHD_DAEMON_INFO_BIND_PORT)->port;
    return sodium_init() < 0 || tls_setup() ? -1 : 0;
}

static int teardown(void **st)
{
    (void)st;
    MHD_stop_daemon(server);
    tls_teardown();
    return 0;
}

/* ---- the program ---- */

static uint8_t *read_wasm(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (make builds it)", path);
    static uint8_t buf[1 << 20];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

typedef struct enc {
    uint8_t b[8192];
    size_t n;
} enc;

static void put32(enc *e, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        e->b[e->n++] = (uint8_t)(v >> (8 * i));
}

static void puts_(enc *e, const char *s)
{
    put32(e, (uint32_t)strlen(s));
    memcpy(e->b + e->n, s, strlen(s));
    e->n += strlen(s);
}

/* An encoded request; path is appended to http://127.0.0.1:PORT unless it has a scheme. */
static enc request(const char *method, const char *path, const char *header, const char *body)
{
    enc e = {.n = 0};
    char url[512];
    if (strstr(path, "://"))
        snprintf(url, sizeof url, "%s", path);
    else
        snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    puts_(&e, method);
    puts_(&e, url);
    put32(&e, header ? 1 : 0);
    if (header)
        puts_(&e, header);
    puts_(&e, body ? body : "");
    return e;
}

static hostapi_ctx *ctx_for(const char *allow)
{
    hostapi_config c = {.http_allow = allow};
    hostapi_ctx *h = hostapi_ctx_new(&c);
    assert_non_null(h);
    return h;
}

/* Runs the probe with argv {probe, mode, arg}; the result's exit code is the host's error code. */
static void run_probe(hostapi_ctx *h, const char *mode, const char *arg, const enc *in, uint64_t timeout_ms,
                      runner_result *r)
{
    size_t len;
    const uint8_t *wasm = read_wasm(HOSTAPI_PROBE_WASM, &len);
    const char *argv[] = {"probe", mode, arg};
    runner_options o = {
        .wasm = wasm,
        .wasm_len = len,
        .input = in ? in->b : NULL,
        .input_len = in ? in->n : 0,
        .argv = argv,
        .argc = arg ? 3 : 2,
        .timeout_ms = timeout_ms ? timeout_ms : 20000,
        .hostapi = h,
    };
    runner_run(&o, r);
}

static int probe_code(const char *allow, const hostapi_config *cfg, const char *mode, const char *arg,
                      const enc *in)
{
    hostapi_config c = cfg ? *cfg : (hostapi_config){0};
    c.http_allow = allow;
    hostapi_ctx *h = hostapi_ctx_new(&c);
    runner_result r;
    run_probe(h, mode, arg, in, 0, &r);
    if (r.status != RUNNER_OK && r.status != RUNNER_EXIT)
        fail_msg("probe did not finish: %s %s", runner_status_name(r.status), r.message);
    int code = r.exit_code;
    runner_result_free(&r);
    hostapi_ctx_free(h);
    return code;
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static void test_abi_version(void **st)
{
    (void)st;
    hostapi_ctx *h = ctx_for(NULL);
    runner_result r;
    run_probe(h, "version", NULL, NULL, 0, &r);
    assert_int_equal(r.status, RUNNER_OK);
    assert_int_equal(r.stdout_len, 2);
    assert_memory_equal(r.stdout_data, "1\n", 2);
    runner_result_free(&r);
    hostapi_ctx_free(h);
}

static void test_get_success_and_transcript(void **st)
{
    (void)st;
    hostapi_ctx *h = ctx_for("127.0.0.1");
    enc rq = request("GET", "/price", NULL, NULL);
    runner_result r;
    run_probe(h, "raw", NULL, &rq, 0, &r);
    assert_int_equal(r.status, RUNNER_OK);
    const uint8_t *p = r.stdout_data;
    assert_true(r.stdout_len > 12);
    assert_int_equal(get32(p), 200);
    uint32_t nh = get32(p + 4), off = 8;
    bool saw_test = false;
    for (uint32_t i = 0; i < nh; i++) {
        uint32_t n = get32(p + off);
        if (n == 11 && memcmp(p + off + 4, "X-Test: yes", 11) == 0)
            saw_test = true;
        off += 4 + n;
    }
    assert_true(saw_test);
    assert_int_equal(get32(p + off), 31);
    assert_memory_equal(p + off + 4, "{\"symbol\":\"NEAR\",\"price\": 42.5}", 31);

    /* the transcript, recomputed from the documented encoding */
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, (const uint8_t *)"outlayer-http-transcript-v1", 28);
    enc t = {.n = 0};
    put32(&t, 1);
    put32(&t, (uint32_t)rq.n);
    crypto_hash_sha256_update(&s, t.b, t.n);
    crypto_hash_sha256_update(&s, rq.b, rq.n);
    t.n = 0;
    put32(&t, 0);
    put32(&t, (uint32_t)r.stdout_len);
    crypto_hash_sha256_update(&s, t.b, t.n);
    crypto_hash_sha256_update(&s, r.stdout_data, r.stdout_len);
    uint8_t want[32], got[32];
    crypto_hash_sha256_final(&s, want);
    uint32_t nreq = 0;
    hostapi_transcript(h, got, &nreq);
    assert_int_equal(nreq, 1);
    assert_memory_equal(got, want, 32);
    runner_result_free(&r);
    hostapi_ctx_free(h);
}

static void test_post_headers_body(void **st)
{
    (void)st;
    hostapi_ctx *h = ctx_for("127.0.0.1");
    enc rq = request("POST", "/echo", "X-Req: hello", "payload-bytes");
    runner_result r;
    run_probe(h, "raw", NULL, &rq, 0, &r);
    assert_int_equal(r.status, RUNNER_OK);
    const char *want = "POST|hello|payload-bytes";
    assert_true(r.stdout_len > strlen(want));
    assert_memory_equal(r.stdout_data + r.stdout_len - strlen(want), want, strlen(want));
    runner_result_free(&r);
    hostapi_ctx_free(h);
}

static void test_redirect_followed(void **st)
{
    (void)st;
    enc rq = request("GET", "/redirect-ok", NULL, NULL);
    assert_int_equal(probe_code("127.0.0.1", NULL, "raw", NULL, &rq), HOSTAPI_OK);
}

static void test_refusals(void **st)
{
    (void)st;
    enc rq = request("GET", "/price", NULL, NULL);
    assert_int_equal(probe_code(NULL, NULL, "raw", NULL, &rq), HOSTAPI_EDISABLED);
    /* host not on the list (127.0.0.2 is loopback too, but not listed) */
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.2:%u/price", port);
    rq = request("GET", url, NULL, NULL);
    assert_int_equal(probe_code("127.0.0.1", NULL, "raw", NULL, &rq), HOSTAPI_EHOST);
    /* a name on the list that resolves to loopback: refused after DNS */
    snprintf(url, sizeof url, "http://localhost:%u/price", port);
    rq = request("GET", url, NULL, NULL);
    assert_int_equal(probe_code("127.0.0.1,localhost", NULL, "raw", NULL, &rq), HOSTAPI_EADDR);
    /* ... unless private addresses are explicitly allowed */
    hostapi_config priv = {.allow_private = true};
    assert_int_equal(probe_code("localhost", &priv, "raw", NULL, &rq), HOSTAPI_OK);
    /* the same through a redirect from an allowed IP literal */
    rq = request("GET", "/redirect-local", NULL, NULL);
    assert_int_equal(probe_code("127.0.0.1,localhost", NULL, "raw", NULL, &rq), HOSTAPI_EADDR);
    rq = request("GET", "/redirect-away", NULL, NULL);
    assert_int_equal(probe_code("127.0.0.1", NULL, "raw", NULL, &rq), HOSTAPI_EHOST);
    rq = request("GET", "/redirect-loop", NULL, NULL);
    assert_int_equal(probe_code("127.0.0.1", NULL, "raw", NULL, &rq), HOSTAPI_EREDIRECTS);
    /* schemes */
    rq = request("GET", "file:///etc/passwd", NULL, NULL);
    assert_int_equal(probe_code("*", NULL, "raw", NULL, &rq), HOSTAPI_ESCHEME);
    rq = request("GET", "ftp://127.0.0.1/x", NULL, NULL);
    assert_int_equal(probe_code("*", NULL, "raw", NULL, &rq), HOSTAPI_ESCHEME);
    /* link-local is refused even with allow_private (metadata endpoints) */
    rq = request("GET", "http://169.254.169.254/latest/meta-data", NULL, NULL);
    assert_int_equal(probe_code("*", &priv, "raw", NULL, &rq), HOSTAPI_EADDR);
}

static void test_caps(void **st)
{
    (void)st;
    enc rq = request("GET", "/price", NULL, NULL);
    hostapi_config two = {.max_requests = 2};
    assert_int_equal(probe_code("127.0.0.1", &two, "repeat", "2", &rq), HOSTAPI_OK);
    assert_int_equal(probe_code("127.0.0.1", &two, "repeat", "3", &rq), HOSTAPI_ETOO_MANY);
    hostapi_config small_resp = {.max_response_bytes = 4096};
    enc big = request("GET", "/big", NULL, NULL);
    assert_int_equal(probe_code("127.0.0.1", &small_resp, "raw", NULL, &big), HOSTAPI_ERESPONSE_TOO_LARGE);
    hostapi_config small_req = {.max_request_bytes = 16};
    assert_int_equal(probe_code("127.0.0.1", &small_req, "raw", NULL, &rq), HOSTAPI_EREQUEST_TOO_LARGE);
}

static void test_time_budget(void **st)
{
    (void)st;
    enc rq = request("GET", "/slow", NULL, NULL);
    hostapi_config quick = {.time_ms = 300};
    uint64_t t0 = (uint64_t)time(NULL);
    assert_int_equal(probe_code("127.0.0.1", &quick, "raw", NULL, &rq), HOSTAPI_ETIMEOUT);
    assert_true((uint64_t)time(NULL) - t0 < 3); /* generous: the server sleeps 3 s */
}

static void test_job_deadline_counts_http_time(void **st)
{
    (void)st;
    hostapi_ctx *h = ctx_for("127.0.0.1");
    enc rq = request("GET", "/slow", NULL, NULL);
    runner_result r;
    run_probe(h, "raw", NULL, &rq, 500, &r);
    /* the watchdog cancels the request and interrupts the program */
    assert_int_equal(r.status, RUNNER_TRAP);
    assert_int_equal(r.limit, RUNNER_LIMIT_TIMEOUT);
    assert_true(r.wall_us < 2900000);
    runner_result_free(&r);
    hostapi_ctx_free(h);
}

static void test_malformed_and_out_of_bounds(void **st)
{
    (void)st;
    enc junk = {.n = 3, .b = {1, 2, 3}};
    assert_int_equal(probe_code("*", NULL, "raw", NULL, &junk), HOSTAPI_EINVAL);
    enc crlf = request("GET", "/price", "X-Evil: a\r\nHost: b", NULL);
    assert_int_equal(probe_code("*", NULL, "raw", NULL, &crlf), HOSTAPI_EINVAL);
    enc lower = request("get", "/price", NULL, NULL);
    assert_int_equal(probe_code("*", NULL, "raw", NULL, &lower), HOSTAPI_EINVAL);
    enc rq = request("GET", "/price", NULL, NULL);
    rq.b[rq.n++] = 0; /* trailing byte */
    assert_int_equal(probe_code("*", NULL, "raw", NULL, &rq), HOSTAPI_EINVAL);

    hostapi_ctx *h = ctx_for("127.0.0.1");
    enc ok = request("GET", "/price", NULL, NULL);
    runner_result r;
    run_probe(h, "oob", NULL, &ok, 0, &r);
    assert_int_equal(r.status, RUNNER_OK);
    assert_int_equal(r.stdout_len, 6);
    assert_memory_equal(r.stdout_data, "2 2 2\n", 6);
    runner_result_free(&r);
    hostapi_ctx_free(h);

    assert_int_equal(probe_code("127.0.0.1", NULL, "noresp", NULL, &ok), HOSTAPI_ENO_RESPONSE);
    assert_int_equal(probe_code("127.0.0.1", NULL, "small", NULL, &ok), HOSTAPI_EBUFFER);
}

static void test_price_oracle_example(void **st)
{
    (void)st;
    size_t len;
    const uint8_t *wasm = read_wasm(HOSTAPI_ORACLE_WASM, &len);
    char url[128];
    int n = snprintf(url, sizeof url, "http://127.0.0.1:%u/price\n", port);
    hostapi_ctx *h = ctx_for("127.0.0.1");
    runner_options o = {.wasm = wasm, .wasm_len = len, .input = (const uint8_t *)url, .input_len = (size_t)n,
                        .timeout_ms = 20000, .hostapi = h};
    runner_result r;
    runner_run(&o, &r);
    assert_int_equal(r.status, RUNNER_OK);
    const char *want = "{\"price\":42.5,\"status\":200}\n";
    assert_int_equal(r.stdout_len, strlen(want));
    assert_memory_equal(r.stdout_data, want, strlen(want));
    runner_result_free(&r);
    hostapi_ctx_free(h);

    /* not allowed: the example reports the SDK's message and exits 1 */
    h = ctx_for("api.example.com");
    o.hostapi = h;
    runner_run(&o, &r);
    assert_int_equal(r.status, RUNNER_EXIT);
    assert_int_equal(r.exit_code, 1);
    assert_non_null(strstr((const char *)r.stderr_data, "host not on the allow-list"));
    runner_result_free(&r);
    hostapi_ctx_free(h);
}

/* The worker's path: wk_execute offers outlayer_v1 with --http-allow, and
 * the attestation record carries the transcript hash (bound into task_hash). */
static void test_worker_execute_and_attestation(void **st)
{
    (void)st;
    size_t len;
    const uint8_t *wasm = read_wasm(HOSTAPI_ORACLE_WASM, &len);
    char req_json[1024];
    snprintf(req_json, sizeof req_json,
             "{\"request_id\":7,\"data_id\":\"abcd\",\"code_source\":{\"type\":\"WasmUrl\",\"url\":\"file:///x\","
             "\"hash\":\"00\",\"build_target\":\"wasm32-wasip1\"},\"resource_limits\":{\"max_instructions\":"
             "100000000,\"max_memory_mb\":16,\"max_execution_seconds\":20},\"input_data\":"
             "\"http://127.0.0.1:%u/price\",\"response_format\":\"Json\",\"context\":{\"sender_id\":\"alice.near\","
             "\"block_height\":12,\"block_timestamp\":1765000000000000000}}",
             port);
    json_t *o = json_loads(req_json, 0, NULL);
    assert_non_null(o);
    wk_request r;
    char err[WK_ERR] = "";
    assert_int_equal(wk_request_parse(o, &r, err, sizeof err), 0);
    json_decref(o);

    wk_exec_limits lim = {.http_allow = "127.0.0.1"};
    wk_result res;
    wk_execute(&r, wasm, len, NULL, &lim, &res);
    assert_true(res.success);
    char *shown = json_dumps(res.output, JSON_ENCODE_ANY);
    json_t *value = json_object_get(res.output, "Json"); /* the output in its response_format */
    if (!json_is_object(value) || json_number_value(json_object_get(value, "price")) != 42.5)
        fail_msg("output %s", shown ? shown : "(none)");
    free(shown);
    assert_int_equal(res.http_requests, 1);

    wk_worker w;
    memset(&w, 0, sizeof w);
    w.cfg.tee = "none";
    w.coord.worker_id = "w-test";
    json_t *att = wk_attestation(&w, 42, &r, "aa", &res);
    assert_non_null(att);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, res.http_transcript, 32);
    assert_string_equal(json_string_value(json_object_get(att, "http_transcript_sha256")), hex);
    assert_int_equal(json_integer_value(json_object_get(att, "http_requests")), 1);
    char task1[65];
    snprintf(task1, sizeof task1, "%s", json_string_value(json_object_get(att, "task_hash")));
    json_decref(att);
    /* the transcript is part of the task hash */
    res.http_transcript[0] ^= 1;
    att = wk_attestation(&w, 42, &r, "aa", &res);
    assert_string_not_equal(json_string_value(json_object_get(att, "task_hash")), task1);
    json_decref(att);
    wk_result_free(&res);

    /* without --http-allow the program links but its request is refused */
    wk_execute(&r, wasm, len, NULL, NULL, &res);
    assert_false(res.success);
    assert_int_equal(res.http_requests, 1);
    wk_result_free(&res);
    wk_request_free(&r);
}

/* https against the test CA: verified with it, refused without it. */
static void test_https_with_test_ca(void **st)
{
    (void)st;
    char url[128], ca[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%u/price", tls_port);
    snprintf(ca, sizeof ca, "%s/ca.pem", tls_dir);
    enc rq = request("GET", url, NULL, NULL);
    hostapi_config with_ca = {.ca_file = ca};
    assert_int_equal(probe_code("127.0.0.1", &with_ca, "raw", NULL, &rq), HOSTAPI_OK);
    /* the system store does not know the test CA */
    assert_int_equal(probe_code("127.0.0.1", NULL, "raw", NULL, &rq), HOSTAPI_ENETWORK);
    /* plain http to the TLS port is a protocol failure, not a hang */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/price", tls_port);
    rq = request("GET", url, NULL, NULL);
    hostapi_config quick = {.ca_file = ca, .time_ms = 3000};
    int code = probe_code("127.0.0.1", &quick, "raw", NULL, &rq);
    assert_true(code == HOSTAPI_ENETWORK || code == HOSTAPI_ETIMEOUT);
}

/* The request's http_allow narrows the operator's list: a host must be on both. */
static void test_request_narrowing(void **st)
{
    (void)st;
    char url[128];
    enc ok = request("GET", "/price", NULL, NULL); /* 127.0.0.1 */
    snprintf(url, sizeof url, "http://127.0.0.2:%u/price", port);
    enc other = request("GET", url, NULL, NULL);
    hostapi_config narrow = {.request_http_allow = "127.0.0.1"};
    /* allowed by both */
    assert_int_equal(probe_code("127.0.0.1,127.0.0.2", &narrow, "raw", NULL, &ok), HOSTAPI_OK);
    /* the operator allows 127.0.0.2, the request does not */
    assert_int_equal(probe_code("127.0.0.1,127.0.0.2", &narrow, "raw", NULL, &other), HOSTAPI_EHOST);
    /* a request can never widen the operator's list */
    hostapi_config wide = {.request_http_allow = "*"};
    assert_int_equal(probe_code("127.0.0.1", &wide, "raw", NULL, &other), HOSTAPI_EHOST);
    assert_int_equal(probe_code("127.0.0.1", &wide, "raw", NULL, &ok), HOSTAPI_OK);
    hostapi_config both = {.request_http_allow = "127.0.0.1, 127.0.0.2"};
    assert_int_equal(probe_code("127.0.0.1", &both, "raw", NULL, &other), HOSTAPI_EHOST);
    assert_int_equal(probe_code(NULL, &both, "raw", NULL, &ok), HOSTAPI_EDISABLED);
    /* the request's IP literal does not admit a private address the operator's
     * list only admits by name pattern */
    assert_int_equal(probe_code("*", &narrow, "raw", NULL, &ok), HOSTAPI_EADDR);
    /* a redirect is checked against the request's list too */
    enc redir = request("GET", "/redirect-local", NULL, NULL);
    hostapi_config priv_narrow = {.allow_private = true, .request_http_allow = "127.0.0.1"};
    assert_int_equal(probe_code("127.0.0.1,localhost", &priv_narrow, "raw", NULL, &redir), HOSTAPI_EHOST);
    hostapi_config priv_both = {.allow_private = true, .request_http_allow = "127.0.0.1 localhost"};
    assert_int_equal(probe_code("127.0.0.1,localhost", &priv_both, "raw", NULL, &redir), HOSTAPI_OK);
    /* an empty request list allows nothing: HTTP is off for the run */
    hostapi_config none = {.request_http_allow = ""};
    assert_int_equal(probe_code("127.0.0.1", &none, "raw", NULL, &ok), HOSTAPI_EDISABLED);
    /* a malformed request list refuses the context with a reason */
    char err[200] = "";
    hostapi_config bad = {.http_allow = "*", .request_http_allow = "api.example.com,http://x"};
    assert_null(hostapi_ctx_new_checked(&bad, err, sizeof err));
    assert_non_null(strstr(err, "http_allow is malformed"));
    assert_non_null(strstr(err, "http://x"));
}

static void test_allow_validate(void **st)
{
    (void)st;
    char err[200];
    const char *good[] = {"",
                          "*",
                          "api.example.com",
                          "*.example.com",
                          "a.org, 127.0.0.1",
                          "[::1] [2001:db8::1],x-y.example",
                          " , api.example.com ,",
                          "localhost",
                          NULL};
    for (size_t i = 0; good[i]; i++)
        if (!hostapi_allow_validate(good[i], err, sizeof err))
            fail_msg("\"%s\" refused: %s", good[i], err);
    const char *bad[] = {"http://a.org", "a.org/path", "a.org:443", "*.",        "**",          "*a.org",
                         "a..org",       "-a.org",     "a-.org",    "256.1.1.1", "1.2.3",       "1.2.3.4.5",
                         "[::1",         "[zz::1]",    "*.1.2.3.4", "a_b.org",   "a.org;b.org", NULL};
    for (size_t i = 0; bad[i]; i++) {
        err[0] = 0;
        if (hostapi_allow_validate(bad[i], err, sizeof err))
            fail_msg("\"%s\" accepted", bad[i]);
        assert_non_null(strstr(err, "bad host pattern"));
    }
    char big[HOSTAPI_ALLOW_MAX_LEN + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    for (size_t i = 60; i < sizeof big - 1; i += 61)
        big[i] = ',';
    assert_false(hostapi_allow_validate(big, err, sizeof err));
    assert_non_null(strstr(err, "at most 1024"));
    big[HOSTAPI_ALLOW_MAX_LEN] = 0;
    assert_true(hostapi_allow_validate(big, err, sizeof err));
}

static void test_allow_list(void **st)
{
    (void)st;
    bool ip;
    assert_true(hostapi_host_allowed("api.example.com", "api.example.com", &ip));
    assert_false(ip);
    assert_true(hostapi_host_allowed("API.example.com", "api.EXAMPLE.com", NULL));
    assert_false(hostapi_host_allowed("example.com", "api.example.com", NULL));
    assert_false(hostapi_host_allowed("example.com", "evilexample.com", NULL));
    assert_false(hostapi_host_allowed("example.com", "example.com.evil.net", NULL));
    assert_true(hostapi_host_allowed("*.example.com", "a.b.example.com", NULL));
    assert_false(hostapi_host_allowed("*.example.com", "example.com", NULL));
    assert_false(hostapi_host_allowed("*.example.com", "evilexample.com", NULL));
    assert_true(hostapi_host_allowed("a.org, 127.0.0.1", "127.0.0.1", &ip));
    assert_true(ip);
    assert_true(hostapi_host_allowed("[::1]", "[::1]", &ip));
    assert_true(ip);
    assert_true(hostapi_host_allowed("*", "anything.net", &ip));
    assert_false(ip);
    assert_false(hostapi_host_allowed("", "a.org", NULL));
    assert_false(hostapi_host_allowed(NULL, "a.org", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_abi_version),
        cmocka_unit_test(test_get_success_and_transcript),
        cmocka_unit_test(test_post_headers_body),
        cmocka_unit_test(test_redirect_followed),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_request_narrowing),
        cmocka_unit_test(test_allow_validate),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_time_budget),
        cmocka_unit_test(test_job_deadline_counts_http_time),
        cmocka_unit_test(test_malformed_and_out_of_bounds),
        cmocka_unit_test(test_price_oracle_example),
        cmocka_unit_test(test_worker_execute_and_attestation),
        cmocka_unit_test(test_https_with_test_ca),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
