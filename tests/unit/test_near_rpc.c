/* test_near_rpc.c — the NEAR JSON-RPC client against a local replay server.
 *
 * A libmicrohttpd server on 127.0.0.1 (ephemeral port, inside this test
 * process) answers each JSON-RPC method with NEAR-shaped responses from
 * tests/near/rpc/NAME.json ({"http_status": N, "body": <JSON-RPC answer>}) and
 * records every request, so the tests can assert both what the client made
 * of the answer and what it sent (e.g. that the base64 signed transaction
 * decodes to what was signed, and that retries re-send identical bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "near/encoding.h"
#include "near/rpc.h"

#define RECORDINGS "../near/rpc/"
#define MAX_ROUTES 16
#define MAX_REPLIES 4

/* --------------------------------------------------------- replay server */

typedef struct route {
    char method[48];
    char match[64];                   /* substring the params JSON must contain ("" = any) */
    const char *replies[MAX_REPLIES]; /* recording names, served in turn; the last repeats */
    int n_replies;
    int served;
} route;

static struct {
    struct MHD_Daemon *daemon;
    char url[64];
    pthread_mutex_t lock;
    route routes[MAX_ROUTES];
    int n_routes;
    json_t *requests; /* every request body received, in order */
} srv = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void routes_reset(void)
{
    pthread_mutex_lock(&srv.lock);
    memset(srv.routes, 0, sizeof srv.routes);
    srv.n_routes = 0;
    json_array_clear(srv.requests);
    pthread_mutex_unlock(&srv.lock);
}

/* route_add("query", "view_access_key", "view_access_key", NULL) */
static void route_add(const char *method, const char *match, ...)
{
    va_list ap;
    route *r = &srv.routes[srv.n_routes++];
    snprintf(r->method, sizeof r->method, "%s", method);
    snprintf(r->match, sizeof r->match, "%s", match ? match : "");
    va_start(ap, match);
    const char *name;
    while ((name = va_arg(ap, const char *)) && r->n_replies < MAX_REPLIES)
        r->replies[r->n_replies++] = name;
    va_end(ap);
}

typedef struct upload {
    char *data;
    size_t len;
} upload;

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Finds the recording for a request and renders its body. */
static unsigned answer_for(json_t *req, char **text)
{
    const char *method = json_string_value(json_object_get(req, "method"));
    char *params = json_dumps(json_object_get(req, "params"), JSON_COMPACT | JSON_ENCODE_ANY);
    const char *name = NULL;
    pthread_mutex_lock(&srv.lock);
    json_array_append(srv.requests, req);
    for (int i = 0; method && i < srv.n_routes; i++) {
        route *r = &srv.routes[i];
        if (strcmp(r->method, method) == 0 && (!r->match[0] || (params && strstr(params, r->match)))) {
            int k = r->served < r->n_replies ? r->served : r->n_replies - 1;
            name = r->replies[k];
            r->served++;
            break;
        }
    }
    pthread_mutex_unlock(&srv.lock);
    free(params);
    if (!name) {
        *text = strdup("{\"jsonrpc\":\"2.0\",\"error\":{\"name\":\"REQUEST_VALIDATION_ERROR\",\"cause\":{\"name\":"
                       "\"METHOD_NOT_FOUND\",\"info\":{}},\"code\":-32601,\"message\":\"Method not found\"},\"id\":1}");
        return 400;
    }
    char path[256];
    snprintf(path, sizeof path, RECORDINGS "%s.json", name);
    json_error_t jerr;
    json_t *rec = json_load_file(path, 0, &jerr);
    if (!rec) {
        fprintf(stderr, "replay: cannot load %s: %s\n", path, jerr.text);
        *text = strdup("recording missing");
        return 500;
    }
    unsigned status = (unsigned)json_integer_value(json_object_get(rec, "http_status"));
    json_t *body = json_object_get(rec, "body");
    const char *raw = json_string_value(json_object_get(body, "raw"));
    *text = raw ? strdup(raw) : json_dumps(body, JSON_COMPACT);
    json_decref(rec);
    return status;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    upload *up = *con_cls;
    if (!up) {
        *con_cls = calloc(1, sizeof(upload));
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*size) {
        char *nd = realloc(up->data, up->len + *size + 1);
        if (!nd)
            return MHD_NO;
        memcpy(nd + up->len, data, *size);
        up->len += *size;
        nd[up->len] = '\0';
        up->data = nd;
        *size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0)
        return reply(conn, 405, "{}");
    json_error_t jerr;
    json_t *req = up->data ? json_loadb(up->data, up->len, 0, &jerr) : NULL;
    if (!req)
        return reply(conn, 400, "{\"error\":\"not json\"}");
    char *text = NULL;
    unsigned status = answer_for(req, &text);
    json_decref(req);
    enum MHD_Result rc = reply(conn, status, text ? text : "");
    free(text);
    return rc;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    upload *up = *con_cls;
    if (up) {
        free(up->data);
        free(up);
        *con_cls = NULL;
    }
}

static int server_start(void **state)
{
    (void)state;
    if (sodium_init() < 0 || near_rpc_global_init() != 0)
        return -1;
    srv.requests = json_array();
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.daemon =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, NULL,
                         MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    if (!srv.daemon)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv.daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(srv.url, sizeof srv.url, "http://127.0.0.1:%u/", (unsigned)info->port);
    return 0;
}

static int server_stop(void **state)
{
    (void)state;
    MHD_stop_daemon(srv.daemon);
    json_decref(srv.requests);
    return 0;
}

static near_rpc *client(void)
{
    routes_reset();
    near_rpc *c = near_rpc_new(srv.url);
    assert_non_null(c);
    near_rpc_set_retry(c, 3, 1); /* fast retries: the tests count them, not time them */
    return c;
}

static size_t n_requests(void) { return json_array_size(srv.requests); }

static json_t *request_params(size_t i) { return json_object_get(json_array_get(srv.requests, i), "params"); }

static const char *request_method(size_t i)
{
    return json_string_value(json_object_get(json_array_get(srv.requests, i), "method"));
}

/* ------------------------------------------------------------ read calls */

static void test_status_and_block(void **state)
{
    (void)state;
    near_rpc *c = client();
    route_add("status", NULL, "status", NULL);
    route_add("block", NULL, "block_final", NULL);
    route_add("gas_price", NULL, "gas_price", NULL);
    route_add("chunk", NULL, "chunk", NULL);
    near_rpc_error err = {0};

    near_node_status st;
    assert_int_equal(near_rpc_status(c, &st, &err), NEAR_OK);
    assert_string_equal(st.chain_id, "localnet");
    assert_int_equal(st.protocol_version, 88);
    assert_int_equal(st.latest_block_height, 100);
    uint8_t want[32];
    crypto_hash_sha256(want, (const uint8_t *)"block-100", 9);
    assert_memory_equal(st.latest_block_hash, want, 32);
    near_node_status_free(&st);

    near_block b;
    assert_int_equal(near_rpc_block(c, NEAR_FINAL, &b, &err), NEAR_OK);
    assert_int_equal(b.height, 100);
    assert_memory_equal(b.hash, want, 32);
    assert_true(b.gas_price == 100000000);
    assert_int_equal(b.timestamp_ns, 1764594000000000000ull);
    near_block_free(&b);
    assert_string_equal(json_string_value(json_object_get(request_params(1), "finality")), "final");

    near_block_ref at = {.kind = NEAR_BLOCK_HEIGHT, .height = 100};
    assert_int_equal(near_rpc_block(c, at, &b, &err), NEAR_OK);
    near_block_free(&b);
    assert_int_equal(json_integer_value(json_object_get(request_params(2), "block_id")), 100);

    near_u128 price = 0;
    assert_int_equal(near_rpc_gas_price(c, NULL, &price, &err), NEAR_OK);
    assert_true(price == 100000000);
    assert_true(json_is_null(json_array_get(request_params(3), 0)));

    json_t *chunk;
    assert_int_equal(near_rpc_chunk(c, NULL, at, 0, &chunk, &err), NEAR_OK);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(chunk, "header"), "shard_id")), 0);
    json_decref(chunk);
    assert_int_equal(json_integer_value(json_object_get(request_params(4), "shard_id")), 0);
    near_rpc_free(c);
}

static void test_queries(void **state)
{
    (void)state;
    near_rpc *c = client();
    route_add("query", "\"view_account\"", "view_account", NULL);
    route_add("query", "\"view_access_key\"", "view_access_key_fc", NULL);
    route_add("query", "\"view_access_key_list\"", "view_access_key_list", NULL);
    route_add("query", "\"call_function\"", "call_function", NULL);
    route_add("query", "\"view_state\"", "view_state", NULL);
    route_add("query", "\"view_code\"", "view_code", NULL);
    near_rpc_error err = {0};

    near_account_view acc;
    assert_int_equal(near_rpc_view_account(c, "alice.localnet", NEAR_FINAL, &acc, &err), NEAR_OK);
    near_u128 want_amount;
    assert_int_equal(near_u128_parse("1500000000000000000000000", &want_amount), NEAR_OK);
    assert_true(acc.amount == want_amount);
    assert_true(acc.locked == 0);
    assert_int_equal(acc.storage_usage, 182);
    assert_int_equal(acc.block_height, 100);
    json_t *p = request_params(0);
    assert_string_equal(json_string_value(json_object_get(p, "request_type")), "view_account");
    assert_string_equal(json_string_value(json_object_get(p, "account_id")), "alice.localnet");
    assert_string_equal(json_string_value(json_object_get(p, "finality")), "final");

    near_keypair kp;
    uint8_t seed[32] = {1};
    assert_int_equal(near_keypair_from_seed(seed, &kp), NEAR_OK);
    near_access_key_view ak;
    assert_int_equal(near_rpc_view_access_key(c, "alice.localnet", &kp.public_key, NEAR_FINAL, &ak, &err), NEAR_OK);
    assert_int_equal(ak.key.nonce, 7000000);
    assert_false(ak.key.full_access);
    assert_true(ak.key.has_allowance);
    assert_string_equal(ak.key.receiver_id, "outlayer.localnet");
    assert_int_equal(ak.key.n_method_names, 2);
    assert_string_equal(ak.key.method_names[1], "submit_execution_output_and_resolve");
    near_access_key_view_free(&ak);
    char pk_text[NEAR_KEY_TEXT_MAX];
    assert_string_equal(json_string_value(json_object_get(request_params(1), "public_key")),
                        near_public_key_format(&kp.public_key, pk_text));

    near_access_key_list list;
    assert_int_equal(near_rpc_view_access_key_list(c, "alice.localnet", NEAR_FINAL, &list, &err), NEAR_OK);
    assert_int_equal(list.n, 2);
    assert_true(list.keys[0].full_access);
    assert_false(list.keys[1].full_access);
    assert_false(list.keys[1].has_allowance);
    assert_int_equal(list.keys[1].n_method_names, 0);
    near_access_key_list_free(&list);

    near_call_result res;
    assert_int_equal(near_view_function(c, "app.localnet", "greet", "{\"name\":\"x\"}", &res, &err), NEAR_OK);
    assert_string_equal((char *)res.result, "{\"greeting\":\"hello\"}");
    assert_int_equal(res.n_logs, 1);
    assert_string_equal(res.logs[0], "view log");
    near_call_result_free(&res);
    p = request_params(3);
    assert_string_equal(json_string_value(json_object_get(p, "method_name")), "greet");
    assert_string_equal(json_string_value(json_object_get(p, "args_base64")), "eyJuYW1lIjoieCJ9");

    near_state_view sv;
    assert_int_equal(near_rpc_view_state(c, "app.localnet", (const uint8_t *)"ST", 2, NEAR_FINAL, &sv, &err), NEAR_OK);
    assert_int_equal(sv.n, 2);
    assert_int_equal(sv.items[0].key_len, 5);
    assert_memory_equal(sv.items[0].key, "STATE", 5);
    assert_int_equal(sv.items[0].value_len, 3);
    assert_int_equal(sv.items[1].value_len, 0);
    near_state_view_free(&sv);
    assert_string_equal(json_string_value(json_object_get(request_params(4), "prefix_base64")), "U1Q=");

    uint8_t *code, hash[32], want_hash[32];
    size_t code_len;
    assert_int_equal(near_rpc_view_code(c, "app.localnet", NEAR_FINAL, &code, &code_len, hash, &err), NEAR_OK);
    assert_int_equal(code_len, 8);
    assert_memory_equal(code, "\0asm", 4);
    crypto_hash_sha256(want_hash, code, code_len);
    assert_memory_equal(hash, want_hash, 32);
    free(code);
    near_rpc_error_clear(&err);
    near_rpc_free(c);
}

/* One call that must fail with `want`; returns the error for more checks. */
static void expect_query_error(const char *recording, near_status want, const char *cause, int want_requests)
{
    near_rpc *c = client();
    route_add("query", NULL, recording, NULL);
    near_rpc_error err = {0};
    near_account_view acc;
    near_status st = near_rpc_view_account(c, "nobody.localnet", NEAR_FINAL, &acc, &err);
    print_message("%s -> %s: %s\n", recording, near_status_name(st), err.message);
    assert_int_equal(st, want);
    assert_int_equal(err.status, want);
    if (cause)
        assert_string_equal(err.cause, cause);
    assert_true(err.message[0] != '\0');
    assert_int_equal(n_requests(), (size_t)want_requests);
    near_rpc_error_clear(&err);
    near_rpc_free(c);
}

static void test_query_errors(void **state)
{
    (void)state;
    /* Typed errors are not retried: one request each. */
    expect_query_error("error_unknown_account", NEAR_ERR_UNKNOWN_ACCOUNT, "UNKNOWN_ACCOUNT", 1);
    expect_query_error("error_unknown_access_key", NEAR_ERR_UNKNOWN_ACCESS_KEY, "UNKNOWN_ACCESS_KEY", 1);
    expect_query_error("error_unknown_access_key_legacy", NEAR_ERR_UNKNOWN_ACCESS_KEY, "UNKNOWN_ACCESS_KEY", 1);
    expect_query_error("error_no_contract_code", NEAR_ERR_NO_CONTRACT_CODE, "NO_CONTRACT_CODE", 1);
    expect_query_error("error_unknown_block", NEAR_ERR_UNKNOWN_BLOCK, "UNKNOWN_BLOCK", 1);
    expect_query_error("error_parse", NEAR_ERR_REQUEST, "PARSE_ERROR", 1);
    expect_query_error("error_method_not_found", NEAR_ERR_REQUEST, "METHOD_NOT_FOUND", 1);
    /* Internal errors, timeouts and HTTP 503 are retried (3 attempts here). */
    expect_query_error("error_internal", NEAR_ERR_INTERNAL, "INTERNAL_ERROR", 3);
    expect_query_error("error_timeout", NEAR_ERR_TIMEOUT, "TIMEOUT_ERROR", 3);
    expect_query_error("http_503", NEAR_ERR_HTTP, NULL, 3);
}

static void test_view_panic_has_its_text(void **state)
{
    (void)state;
    near_rpc *c = client();
    route_add("query", NULL, "call_function_panic", "call_function_method_not_found", NULL);
    near_rpc_error err = {0};
    near_call_result res;
    assert_int_equal(near_view_function(c, "app.localnet", "boom", "{}", &res, &err), NEAR_ERR_CONTRACT_EXECUTION);
    assert_non_null(strstr(err.message, "GuestPanic { panic_msg: \"boom\" }"));
    assert_string_equal(err.cause, "CONTRACT_EXECUTION_ERROR");
    assert_null(res.result);
    assert_int_equal(near_view_function(c, "app.localnet", "nope", NULL, &res, &err), NEAR_ERR_CONTRACT_EXECUTION);
    assert_non_null(strstr(err.message, "MethodNotFound"));
    assert_int_equal(n_requests(), 2);
    near_rpc_error_clear(&err);
    near_rpc_free(c);
}

static void test_retry_then_success(void **state)
{
    (void)state;
    near_rpc *c = client();
    route_add("status", NULL, "http_503", "error_timeout", "status", NULL);
    near_rpc_error err = {0};
    near_node_status st;
    assert_int_equal(near_rpc_status(c, &st, &err), NEAR_OK);
    assert_int_equal(n_requests(), 3);
    near_node_status_free(&st);
    near_rpc_free(c);

    /* With a single attempt allowed, the first failure is final. */
    c = client();
    near_rpc_set_retry(c, 1, 0);
    route_add("status", NULL, "http_503", "status", NULL);
    assert_int_equal(near_rpc_status(c, &st, &err), NEAR_ERR_HTTP);
    assert_int_equal(err.http_status, 503);
    assert_int_equal(n_requests(), 1);
    near_rpc_error_clear(&err);
    near_rpc_free(c);
}

static void test_transport_error(void **state)
{
    (void)state;
    /* Port 1 on loopback: nothing listens there. */
    near_rpc *c = near_rpc_new("http://127.0.0.1:1/");
    near_rpc_set_retry(c, 2, 1);
    near_rpc_error err = {0};
    near_node_status st;
    assert_int_equal(near_rpc_status(c, &st, &err), NEAR_ERR_TRANSPORT);
    assert_int_equal(err.http_status, 0);
    assert_non_null(strstr(err.message, "127.0.0.1:1"));
    near_rpc_error_clear(&err);
    near_rpc_free(c);

    /* An API key in the URL never reaches the message (which gets logged). */
    c = near_rpc_new("http://user:pass-secret@127.0.0.1:1/v3/path-secret?apikey=query-secret");
    near_rpc_set_retry(c, 1, 1);
    assert_int_equal(near_rpc_status(c, &st, &err), NEAR_ERR_TRANSPORT);
    assert_non_null(strstr(err.message, "http://127.0.0.1:1"));
    assert_null(strstr(err.message, "secret"));
    near_rpc_error_clear(&err);
    near_rpc_free(c);
}

/* --------------------------------------------------------- transactions */

static near_keypair signer_key;

/* The signed transaction the client sent in request i, decoded and
 * verified. */
static void sent_tx(size_t i, const char *field, near_signed_transaction *out)
{
    json_t *p = request_params(i);
    const char *b64 = field ? json_string_value(json_object_get(p, field)) : json_string_value(json_array_get(p, 0));
    assert_non_null(b64);
    uint8_t *bytes;
    size_t len;
    char err[160];
    assert_int_equal(near_base64_decode(b64, &bytes, &len), 0);
    assert_int_equal(near_signed_transaction_from_bytes(bytes, len, out, err, sizeof err), 0);
    assert_int_equal(near_signed_transaction_verify(out), 1);
    free(bytes);
}

static void test_call_function_success(void **state)
{
    (void)state;
    near_rpc *c = client();
    route_add("query", "\"view_access_key\"", "view_access_key", NULL);
    route_add("block", NULL, "block_final", NULL);
    route_add("send_tx", NULL, "send_tx_success", NULL);
    near_signer signer = {"alice.localnet", &signer_key};
    near_outcome out;
    near_rpc_error err = {0};
    const char *args = "{\"request_id\":7,\"response\":{\"success\":true}}";
    near_u128 deposit = 1;
    near_status st = near_call_function(c, &signer, "outlayer.localnet", "resolve_execution", args, strlen(args),
                                        300000000000000ull, deposit, &out, &err);
    assert_int_equal(st, NEAR_OK);
    assert_int_equal(out.kind, NEAR_OUTCOME_SUCCESS);
    assert_string_equal((char *)out.value, "\"ok\"");
    assert_string_equal(out.final_execution_status, "FINAL");
    assert_int_equal(out.n_logs, 2);
    assert_string_equal(out.logs[1], "[[yNEAR charged: \"1234\"]]");
    assert_int_equal(out.gas_burnt, 2428000000000ull + 3000000000000ull + 223182562500ull);
    uint8_t want_hash[32];
    char want_text[64];
    crypto_hash_sha256(want_hash, (const uint8_t *)"tx-1", 4);
    near_base58_encode(want_hash, 32, want_text, sizeof want_text);
    assert_string_equal(out.tx_hash, want_text);
    near_outcome_free(&out);

    /* What went over the wire: view_access_key (final), block (final),
     * then send_tx wait_until FINAL with a tx signed by our key, nonce+1,
     * the final block's hash and exactly our function call. */
    assert_int_equal(n_requests(), 3);
    assert_string_equal(request_method(0), "query");
    assert_string_equal(json_string_value(json_object_get(request_params(0), "finality")), "final");
    assert_string_equal(request_method(1), "block");
    assert_string_equal(request_method(2), "send_tx");
    assert_string_equal(json_string_value(json_object_get(request_params(2), "wait_until")), "FINAL");
    near_signed_transaction stx;
    sent_tx(2, "signed_tx_base64", &stx);
    near_transaction *tx = &stx.transaction;
    assert_string_equal(tx->signer_id, "alice.localnet");
    assert_string_equal(tx->receiver_id, "outlayer.localnet");
    assert_true(near_public_key_equal(&tx->public_key, &signer_key.public_key));
    assert_int_equal(tx->nonce, 42);
    uint8_t block_hash[32];
    crypto_hash_sha256(block_hash, (const uint8_t *)"block-100", 9);
    assert_memory_equal(tx->block_hash, block_hash, 32);
    assert_int_equal(tx->n_actions, 1);
    assert_int_equal(tx->actions[0].kind, NEAR_ACTION_FUNCTION_CALL);
    assert_string_equal(tx->actions[0].method_name, "resolve_execution");
    assert_int_equal(tx->actions[0].bytes_len, strlen(args));
    assert_memory_equal(tx->actions[0].bytes, args, strlen(args));
    assert_int_equal(tx->actions[0].gas, 300000000000000ull);
    assert_true(tx->actions[0].amount == 1);
    near_signed_transaction_free(&stx);
    near_rpc_free(c);
}

static void test_call_function_panic(void **state)
{
    (void)state;
    near_rpc *c = client();
    route_add("query", NULL, "view_access_key", NULL);
    route_add("block", NULL, "block_final", NULL);
    route_add("send_tx", NULL, "send_tx_failure_panic", NULL);
    near_signer signer = {"alice.localnet", &signer_key};
    near_outcome out;
    near_rpc_error err = {0};
    assert_int_equal(
        near_call_function(c, &signer, "outlayer.localnet", "boom", "{}", 2, 30000000000000ull, 0, &out, &err),
        NEAR_ERR_TX_FAILED);
    assert_int_equal(out.kind, NEAR_OUTCOME_FAILURE);
    assert_string_equal(out.failure_message, "Smart contract panicked: boom");
    assert_string_equal(err.message, "Smart contract panicked: boom");
    assert_non_null(json_object_get(out.failure, "ActionError"));
    assert_int_equal(out.n_logs, 2); /* logs survive a failure */
    assert_true(out.tx_hash[0] != '\0');
    near_outcome_free(&out);
    near_rpc_error_clear(&err);

    /* A missing method is a failure too, described by its JSON. */
    routes_reset();
    route_add("query", NULL, "view_access_key", NULL);
    route_add("block", NULL, "block_final", NULL);
    route_add("send_tx", NULL, "send_tx_failure_method_not_found", NULL);
    assert_int_equal(near_call_function(c, &signer, "outlayer.localnet", "nope", NULL, 0, 1, 0, &out, &err),
                     NEAR_ERR_TX_FAILED);
    assert_non_null(strstr(out.failure_message, "MethodNotFound"));
    near_outcome_free(&out);
    near_rpc_error_clear(&err);
    near_rpc_free(c);
}

static void test_call_function_invalid_nonce_is_not_resigned(void **state)
{
    (void)state;
    near_rpc *c = client();
    route_add("query", NULL, "view_access_key", NULL);
    route_add("block", NULL, "block_final", NULL);
    route_add("send_tx", NULL, "error_invalid_nonce", NULL);
    near_signer signer = {"alice.localnet", &signer_key};
    near_outcome out;
    near_rpc_error err = {0};
    assert_int_equal(near_call_function(c, &signer, "outlayer.localnet", "m", "{}", 2, 1, 0, &out, &err),
                     NEAR_ERR_INVALID_NONCE);
    assert_int_equal(err.tx_nonce, 42);
    assert_int_equal(err.ak_nonce, 57);
    assert_string_equal(err.cause, "INVALID_TRANSACTION");
    assert_non_null(strstr(err.message, "must be larger than nonce of the used access key 57"));
    assert_int_equal(n_requests(), 3); /* one send, no retry, no re-sign */
    assert_null(out.raw);
    near_rpc_error_clear(&err);

    /* Legacy text form of the same error. */
    routes_reset();
    route_add("broadcast_tx_commit", NULL, "error_invalid_nonce_text", NULL);
    uint8_t dummy[4] = {0};
    assert_int_equal(near_rpc_broadcast_tx_commit(c, dummy, sizeof dummy, &out, &err), NEAR_ERR_INVALID_NONCE);
    assert_int_equal(err.tx_nonce, 5);
    assert_int_equal(err.ak_nonce, 7);
    near_rpc_error_clear(&err);

    /* Other invalid transactions keep their error object. */
    routes_reset();
    route_add("send_tx", NULL, "error_access_key_not_found", NULL);
    assert_int_equal(near_rpc_send_tx(c, dummy, sizeof dummy, NEAR_WAIT_FINAL, &out, &err), NEAR_ERR_INVALID_TX);
    assert_non_null(strstr(err.message, "AccessKeyNotFound"));
    assert_non_null(err.data);
    assert_int_equal(n_requests(), 1);
    near_rpc_error_clear(&err);
    near_rpc_free(c);
}

static void test_send_timeout_resends_identical_bytes_then_polls(void **state)
{
    (void)state;
    near_rpc *c = client();
    route_add("query", NULL, "view_access_key", NULL);
    route_add("block", NULL, "block_final", NULL);
    route_add("send_tx", NULL, "error_timeout", NULL);
    route_add("tx", NULL, "error_timeout", "send_tx_success", NULL);
    near_signer signer = {"alice.localnet", &signer_key};
    near_outcome out;
    near_rpc_error err = {0};
    assert_int_equal(near_call_function(c, &signer, "outlayer.localnet", "m", "{}", 2, 1, 0, &out, &err), NEAR_OK);
    /* query, block, 3 × send_tx (identical), 2 × tx */
    assert_int_equal(n_requests(), 7);
    const char *first = json_string_value(json_object_get(request_params(2), "signed_tx_base64"));
    for (size_t i = 3; i < 5; i++) {
        assert_string_equal(request_method(i), "send_tx");
        assert_string_equal(json_string_value(json_object_get(request_params(i), "signed_tx_base64")), first);
    }
    near_signed_transaction stx;
    sent_tx(2, "signed_tx_base64", &stx);
    uint8_t hash[32];
    char hash_text[64];
    assert_int_equal(near_transaction_hash(&stx.transaction, hash), NEAR_OK);
    near_base58_encode(hash, 32, hash_text, sizeof hash_text);
    assert_string_equal(request_method(5), "tx");
    assert_string_equal(json_string_value(json_object_get(request_params(5), "tx_hash")), hash_text);
    assert_string_equal(json_string_value(json_object_get(request_params(5), "sender_account_id")), "alice.localnet");
    near_signed_transaction_free(&stx);
    near_outcome_free(&out);
    near_rpc_free(c);
}

static void test_low_level_sends(void **state)
{
    (void)state;
    near_rpc *c = client();
    route_add("broadcast_tx_async", NULL, "broadcast_tx_async", NULL);
    route_add("broadcast_tx_commit", NULL, "send_tx_success", NULL);
    route_add("send_tx", NULL, "send_tx_none", NULL);
    route_add("EXPERIMENTAL_tx_status", NULL, "send_tx_failure_panic", NULL);
    route_add("tx", NULL, "error_unknown_transaction", NULL);

    /* A real signed transaction to send. */
    near_transaction tx;
    uint8_t bh[32] = {9};
    assert_int_equal(near_transaction_init(&tx, "alice.localnet", &signer_key.public_key, 5, "bob.localnet", bh), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), 10), 0);
    near_signed_transaction stx;
    uint8_t hash[32];
    char hash_text[64];
    assert_int_equal(near_transaction_sign(&tx, &signer_key, &stx, hash), 0);
    near_base58_encode(hash, 32, hash_text, sizeof hash_text);
    size_t len;
    uint8_t *bytes = near_signed_transaction_to_bytes(&stx, &len);

    near_rpc_error err = {0};
    char got[64];
    assert_int_equal(near_rpc_broadcast_tx_async(c, bytes, len, got, &err), NEAR_OK);
    assert_true(strlen(got) > 30);
    near_signed_transaction sent;
    sent_tx(0, NULL, &sent);
    assert_int_equal(near_transaction_hash(&sent.transaction, hash), NEAR_OK);
    near_signed_transaction_free(&sent);
    char sent_hash[64];
    near_base58_encode(hash, 32, sent_hash, sizeof sent_hash);
    assert_string_equal(sent_hash, hash_text);

    near_outcome out;
    assert_int_equal(near_rpc_broadcast_tx_commit(c, bytes, len, &out, &err), NEAR_OK);
    assert_int_equal(out.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&out);

    /* wait_until NONE: only the status level; the hash is filled from the
     * bytes we sent. */
    assert_int_equal(near_rpc_send_tx(c, bytes, len, NEAR_WAIT_NONE, &out, &err), NEAR_OK);
    assert_string_equal(out.final_execution_status, "NONE");
    assert_int_equal(out.kind, NEAR_OUTCOME_NOT_STARTED);
    assert_string_equal(out.tx_hash, hash_text);
    near_outcome_free(&out);
    assert_string_equal(json_string_value(json_object_get(request_params(2), "wait_until")), "NONE");

    assert_int_equal(near_rpc_tx_status(c, hash_text, "alice.localnet", NEAR_WAIT_FINAL, 1, &out, &err), NEAR_OK);
    assert_int_equal(out.kind, NEAR_OUTCOME_FAILURE);
    near_outcome_free(&out);
    assert_int_equal(near_rpc_tx_status(c, hash_text, "alice.localnet", NEAR_WAIT_FINAL, 0, &out, &err),
                     NEAR_ERR_UNKNOWN_TRANSACTION);
    near_rpc_error_clear(&err);
    free(bytes);
    near_signed_transaction_free(&stx);
    near_rpc_free(c);
}

static int setup_all(void **state)
{
    if (server_start(state))
        return -1;
    uint8_t seed[32];
    crypto_hash_sha256(seed, (const uint8_t *)"rpc test signer", 15);
    return near_keypair_from_seed(seed, &signer_key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_and_block),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_query_errors),
        cmocka_unit_test(test_view_panic_has_its_text),
        cmocka_unit_test(test_retry_then_success),
        cmocka_unit_test(test_transport_error),
        cmocka_unit_test(test_call_function_success),
        cmocka_unit_test(test_call_function_panic),
        cmocka_unit_test(test_call_function_invalid_nonce_is_not_resigned),
        cmocka_unit_test(test_send_timeout_resends_identical_bytes_then_polls),
        cmocka_unit_test(test_low_level_sends),
    };
    return cmocka_run_group_tests(tests, setup_all, server_stop);
}
