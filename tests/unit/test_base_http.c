/* test_base_http.c — the base HTTP server and client, against each other on
 * 127.0.0.1 (ephemeral port): routing, 404/405, body limits, JSON errors,
 * path-parameter safety, the auth guard, CORS, long-poll wake-ups, response
 * caps and graceful stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/http_client.h"
#include "base/http_server.h"

static hs_server *g_srv;
static char g_base[64];
static atomic_int g_ready; /* the long-poll "work" */
static atomic_int g_observed;

static void h_hello(hs_request *req, void *ctx)
{
    json_t *o = json_pack("{s:b, s:s?}", "ok", 1, "q", hs_query(req, "q"));
    hs_reply_json(req, 200, o);
}

static void h_echo(hs_request *req, void *ctx)
{
    json_t *j = hs_json_body(req);
    if (!j)
        return;
    hs_reply_json(req, 201, j);
}

static void h_item(hs_request *req, void *ctx)
{
    hs_reply_json(req, 200, json_pack("{s:s}", "id", hs_param(req, "id")));
}

static void h_big(hs_request *req, void *ctx)
{
    size_t n = 100000;
    char *b = malloc(n);
    memset(b, 'x', n);
    hs_reply_text(req, 200, "text/plain", b, n);
    free(b);
}

static void h_wait(hs_request *req, void *ctx)
{
    if (atomic_load(&g_ready)) {
        hs_reply_json(req, 200, json_pack("{s:i}", "resumed", req->resumed));
        return;
    }
    if (req->wait_timed_out) {
        hs_reply_empty(req, 204);
        return;
    }
    const char *t = hs_query(req, "timeout_ms");
    hs_wait(req, hs_now_ms() + (t ? atoi(t) : 5000));
}

static void h_multipart(hs_request *req, void *ctx)
{
    hs_part *parts;
    size_t n;
    char err[128];
    if (hs_multipart(req, &parts, &n, err, sizeof err)) {
        hs_reply_error(req, 400, "%s", err);
        return;
    }
    const hs_part *f = hs_part_find(parts, n, "file");
    const hs_part *c = hs_part_find(parts, n, "name");
    hs_reply_json(req, 200,
                  json_pack("{s:i, s:s?}", "file_len", f ? (int)f->len : -1, "name", c ? (const char *)c->data : NULL));
    hs_parts_free(parts, n);
}

static int guard(hs_request *req, int policy, void *ctx)
{
    if (policy == 0)
        return 0;
    const char *a = hs_header(req, "Authorization");
    if (a && strcmp(a, "Bearer good") == 0)
        return 0;
    hs_reply_error(req, 401, "missing or invalid bearer token");
    return 1;
}

static void observer(const char *method, const char *route, int status, double secs, void *ctx)
{
    atomic_fetch_add(&g_observed, 1);
}

static int setup(void **st)
{
    hc_global_init();
    hs_config cfg = {.host = "127.0.0.1",
                     .port = 0,
                     .threads = 2,
                     .cors_origins = "http://a.example, http://b.example",
                     .guard = guard,
                     .observer = observer};
    g_srv = hs_server_new(&cfg);
    hs_route_spec routes[] = {
        {"GET", "/hello", h_hello, NULL, 0, 0, 0},
        {"POST", "/echo", h_echo, NULL, 0, 64, 0},
        {"GET", "/item/:id", h_item, NULL, 0, 0, 0},
        {"DELETE", "/item/:id", h_item, NULL, 0, 0, 0},
        {"GET", "/any/:id", h_item, NULL, 0, 0, HS_ROUTE_PARAM_ANY},
        {"GET", "/secret", h_hello, NULL, 1, 0, 0},
        {"GET", "/big", h_big, NULL, 0, 0, 0},
        {"GET", "/wait", h_wait, NULL, 0, 0, 0},
        {"POST", "/upload", h_multipart, NULL, 0, 4096, 0},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        assert_int_equal(hs_route_add(g_srv, &routes[i]), 0);
    char err[128];
    assert_int_equal(hs_server_start(g_srv, err, sizeof err), 0);
    snprintf(g_base, sizeof g_base, "http://127.0.0.1:%d", hs_server_port(g_srv));
    return 0;
}

static int teardown(void **st)
{
    hs_server_stop(g_srv, 1000);
    hs_server_free(g_srv);
    return 0;
}

static long req(const char *method, const char *path, const char *ct, const char *body, hc_response *r,
                const hc_options *o)
{
    char url[256], err[256];
    snprintf(url, sizeof url, "%s%s", g_base, path);
    int rc = hc_request(method, url, ct, body, body ? strlen(body) : 0, o, r, err, sizeof err);
    if (rc)
        fprintf(stderr, "request failed: %s\n", err);
    assert_int_equal(rc, 0);
    return r->status;
}

static void assert_error_body(hc_response *r, const char *needle)
{
    json_t *j = json_loadb(r->body, r->len, 0, NULL);
    assert_non_null(j);
    const char *e = json_string_value(json_object_get(j, "error"));
    assert_non_null(e);
    if (needle && !strstr(e, needle))
        fail_msg("error '%s' lacks '%s'", e, needle);
    json_decref(j);
}

static void test_routes_and_json(void **st)
{
    hc_response r;
    assert_int_equal(req("GET", "/hello?q=a%20b+c", NULL, NULL, &r, NULL), 200);
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(r.body, "{\"ok\":true,\"q\":\"a b c\"}");
    hc_response_free(&r);

    assert_int_equal(req("POST", "/echo", "application/json", "{\"a\":[1,2]}", &r, NULL), 201);
    assert_string_equal(r.body, "{\"a\":[1,2]}");
    hc_response_free(&r);

    char url[128], err[128];
    long status;
    json_t *out;
    json_t *in = json_pack("{s:i}", "n", 5);
    snprintf(url, sizeof url, "%s/echo", g_base);
    assert_int_equal(hc_post_json(url, in, NULL, &status, &out, err, sizeof err), 0);
    assert_int_equal(status, 201);
    assert_int_equal(json_integer_value(json_object_get(out, "n")), 5);
    json_decref(in);
    json_decref(out);
    snprintf(url, sizeof url, "%s/item/x1", g_base);
    assert_int_equal(hc_get_json(url, NULL, &status, &out, err, sizeof err), 0);
    assert_string_equal(json_string_value(json_object_get(out, "id")), "x1");
    json_decref(out);
}

static void test_errors(void **st)
{
    hc_response r;
    char v[128];
    assert_int_equal(req("GET", "/nope", NULL, NULL, &r, NULL), 404);
    assert_error_body(&r, "no such route");
    hc_response_free(&r);
    assert_int_equal(req("GET", "/hello/", NULL, NULL, &r, NULL), 404);
    hc_response_free(&r);

    assert_int_equal(req("PUT", "/item/3", NULL, NULL, &r, NULL), 405);
    assert_int_equal(hc_header(&r, "Allow", v, sizeof v), 0);
    assert_non_null(strstr(v, "GET"));
    assert_non_null(strstr(v, "DELETE"));
    hc_response_free(&r);

    assert_int_equal(req("POST", "/echo", "text/plain", "{}", &r, NULL), 415);
    assert_error_body(&r, "application/json");
    hc_response_free(&r);
    assert_int_equal(req("POST", "/echo", "application/json", "{\"a\":", &r, NULL), 400);
    assert_error_body(&r, "malformed JSON");
    hc_response_free(&r);
    assert_int_equal(req("POST", "/echo", "application/json", "[1]", &r, NULL), 400);
    assert_error_body(&r, "object");
    hc_response_free(&r);
    assert_int_equal(req("POST", "/echo", "application/json",
                         "{\"a\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}", &r,
                         NULL),
                     413);
    assert_error_body(&r, "too large");
    hc_response_free(&r);
}

static void test_path_params(void **st)
{
    hc_response r;
    assert_int_equal(req("GET", "/item/%2e%2e", NULL, NULL, &r, NULL), 400);
    assert_error_body(&r, "path parameter");
    hc_response_free(&r);
    assert_int_equal(req("GET", "/item/a%2Fb", NULL, NULL, &r, NULL), 400);
    hc_response_free(&r);
    assert_int_equal(req("GET", "/item/a%00b", NULL, NULL, &r, NULL), 400);
    hc_response_free(&r);
    assert_int_equal(req("GET", "/item/a%zz", NULL, NULL, &r, NULL), 400);
    hc_response_free(&r);
    assert_int_equal(req("GET", "/item/%2e%2e/x", NULL, NULL, &r, NULL), 404);
    hc_response_free(&r);
    assert_int_equal(req("GET", "/item/a%3Ab", NULL, NULL, &r, NULL), 200);
    assert_string_equal(r.body, "{\"id\":\"a:b\"}");
    hc_response_free(&r);
    assert_int_equal(req("GET", "/any/a%2F..%2Fb", NULL, NULL, &r, NULL), 200);
    assert_string_equal(r.body, "{\"id\":\"a/../b\"}");
    hc_response_free(&r);
}

static void test_guard(void **st)
{
    hc_response r;
    assert_int_equal(req("GET", "/secret", NULL, NULL, &r, NULL), 401);
    assert_error_body(&r, "bearer");
    hc_response_free(&r);
    hc_options bad = {.bearer = "bad"}, good = {.bearer = "good"};
    assert_int_equal(req("GET", "/secret", NULL, NULL, &r, &bad), 401);
    hc_response_free(&r);
    assert_int_equal(req("GET", "/secret", NULL, NULL, &r, &good), 200);
    hc_response_free(&r);
}

static void test_cors(void **st)
{
    hc_response r;
    char v[128];
    const char *h1[] = {"Origin: http://b.example", NULL};
    hc_options o1 = {.headers = h1};
    assert_int_equal(req("GET", "/hello", NULL, NULL, &r, &o1), 200);
    assert_int_equal(hc_header(&r, "Access-Control-Allow-Origin", v, sizeof v), 0);
    assert_string_equal(v, "http://b.example");
    hc_response_free(&r);
    const char *h2[] = {"Origin: http://evil.example", NULL};
    hc_options o2 = {.headers = h2};
    assert_int_equal(req("GET", "/hello", NULL, NULL, &r, &o2), 200);
    assert_int_equal(hc_header(&r, "Access-Control-Allow-Origin", v, sizeof v), -1);
    hc_response_free(&r);
    /* preflight is answered before auth */
    const char *h3[] = {"Origin: http://a.example", "Access-Control-Request-Method: GET", NULL};
    hc_options o3 = {.headers = h3};
    assert_int_equal(req("OPTIONS", "/secret", NULL, NULL, &r, &o3), 204);
    assert_int_equal(hc_header(&r, "Access-Control-Allow-Methods", v, sizeof v), 0);
    assert_non_null(strstr(v, "DELETE"));
    assert_int_equal(hc_header(&r, "Access-Control-Allow-Headers", v, sizeof v), 0);
    assert_non_null(strstr(v, "authorization"));
    hc_response_free(&r);
}

static void test_response_cap(void **st)
{
    char url[128], err[256];
    hc_response r;
    snprintf(url, sizeof url, "%s/big", g_base);
    hc_options small = {.max_response = 1000};
    assert_int_equal(hc_request("GET", url, NULL, NULL, 0, &small, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "exceeds"));
    assert_int_equal(hc_request("GET", url, NULL, NULL, 0, NULL, &r, err, sizeof err), 0);
    assert_int_equal(r.len, 100000);
    hc_response_free(&r);
    /* nothing listening */
    hc_options quick = {.timeout_ms = 2000};
    assert_int_equal(hc_request("GET", "http://127.0.0.1:1/", NULL, NULL, 0, &quick, &r, err, sizeof err), -1);
}

static void test_client_keepalive(void **st)
{
    hc_client *c = hc_client_new();
    assert_non_null(c);
    char url[128], err[128];
    snprintf(url, sizeof url, "%s/hello?q=x", g_base);
    for (int i = 0; i < 5; i++) {
        hc_response r;
        assert_int_equal(hc_client_request(c, "GET", url, NULL, NULL, 0, NULL, &r, err, sizeof err), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"ok\":true,\"q\":\"x\"}");
        hc_response_free(&r);
        /* options do not leak from one request into the next */
        snprintf(url, sizeof url, "%s/echo", g_base);
        assert_int_equal(hc_client_request(c, "POST", url, "application/json", "{}", 2, NULL, &r, err, sizeof err), 0);
        assert_int_equal(r.status, 201);
        hc_response_free(&r);
        snprintf(url, sizeof url, "%s/hello?q=x", g_base);
    }
    hc_client_free(c);
}

static void test_multipart(void **st)
{
    const char *body = "--XYZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nhello\r\n"
                       "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wasm\"\r\n"
                       "Content-Type: application/octet-stream\r\n\r\n0123456789\r\n--XYZ--\r\n";
    hc_response r;
    assert_int_equal(req("POST", "/upload", "multipart/form-data; boundary=XYZ", body, &r, NULL), 200);
    assert_string_equal(r.body, "{\"file_len\":10,\"name\":\"hello\"}");
    hc_response_free(&r);
    assert_int_equal(req("POST", "/upload", "text/plain", "x", &r, NULL), 400);
    hc_response_free(&r);
}

typedef struct {
    long status;
    int64_t done_ms;
    char body[128];
} waiter_result;

static void *waiter(void *arg)
{
    waiter_result *w = arg;
    hc_response r;
    char url[128], err[128];
    snprintf(url, sizeof url, "%s/wait?timeout_ms=10000", g_base);
    if (hc_request("GET", url, NULL, NULL, 0, NULL, &r, err, sizeof err) == 0) {
        w->status = r.status;
        snprintf(w->body, sizeof w->body, "%s", r.body);
        hc_response_free(&r);
    }
    w->done_ms = hs_now_ms();
    return NULL;
}

static void test_long_poll_wakes(void **st)
{
    atomic_store(&g_ready, 0);
    /* More waiters than pool threads: waiting must not hold a thread. */
    enum { N = 6 };
    pthread_t t[N];
    waiter_result w[N];
    memset(w, 0, sizeof w);
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, waiter, &w[i]);
    struct timespec ts = {0, 300 * 1000000};
    nanosleep(&ts, NULL);
    /* the server still answers other requests while they wait */
    hc_response r;
    assert_int_equal(req("GET", "/hello", NULL, NULL, &r, NULL), 200);
    hc_response_free(&r);
    int64_t woke = hs_now_ms();
    atomic_store(&g_ready, 1);
    hs_server_wake(g_srv);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++) {
        assert_int_equal(w[i].status, 200);
        assert_non_null(strstr(w[i].body, "resumed"));
        /* generous bound; the deadline is 10 s away */
        assert_true(w[i].done_ms - woke < 2000);
    }
}

static void test_long_poll_timeout(void **st)
{
    atomic_store(&g_ready, 0);
    hc_response r;
    int64_t t0 = hs_now_ms();
    assert_int_equal(req("GET", "/wait?timeout_ms=300", NULL, NULL, &r, NULL), 204);
    int64_t el = hs_now_ms() - t0;
    assert_true(el >= 250 && el < 5000);
    hc_response_free(&r);
}

static void *stop_later(void *arg)
{
    struct timespec ts = {0, 200 * 1000000};
    nanosleep(&ts, NULL);
    hs_server_stop(arg, 3000);
    return NULL;
}

static void test_graceful_stop(void **st)
{
    /* A second server: a waiting request is answered (204) when it stops. */
    hs_config cfg = {.host = "127.0.0.1", .threads = 1};
    hs_server *s = hs_server_new(&cfg);
    hs_route_spec rt = {"GET", "/wait", h_wait, NULL, 0, 0, 0};
    hs_route_add(s, &rt);
    char err[128], url[128];
    assert_int_equal(hs_server_start(s, err, sizeof err), 0);
    atomic_store(&g_ready, 0);
    pthread_t t;
    pthread_create(&t, NULL, stop_later, s);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/wait?timeout_ms=20000", hs_server_port(s));
    hc_response r;
    int64_t t0 = hs_now_ms();
    assert_int_equal(hc_request("GET", url, NULL, NULL, 0, NULL, &r, err, sizeof err), 0);
    assert_int_equal(r.status, 204);
    assert_true(hs_now_ms() - t0 < 5000);
    hc_response_free(&r);
    pthread_join(t, NULL);
    assert_int_equal(hs_server_in_flight(s), 0);
    hs_server_free(s);
    assert_true(atomic_load(&g_observed) > 10);
}

static void test_percent_decode(void **st)
{
    size_t n;
    char *s = hs_percent_decode("a%41+b", 6, 1, &n);
    assert_string_equal(s, "aA b");
    free(s);
    assert_null(hs_percent_decode("%4", 2, 0, &n));
    assert_null(hs_percent_decode("%g0", 3, 0, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_and_json),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_path_params),
        cmocka_unit_test(test_guard),
        cmocka_unit_test(test_cors),
        cmocka_unit_test(test_response_cap),
        cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_client_keepalive),
        cmocka_unit_test(test_long_poll_wakes),
        cmocka_unit_test(test_long_poll_timeout),
        cmocka_unit_test(test_graceful_stop),
        cmocka_unit_test(test_percent_decode),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
