/* rpc.c — NEAR JSON-RPC over HTTP: the client handle, transport, retries
 * and the mapping of JSON-RPC errors to near_status. The typed calls live in
 * rpc_reads.c (reads) and rpc_send.c (transactions). */
#include "near/rpc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "near/encoding.h"
#include "near/rpc_helpers.h"

struct near_rpc {
    char *url;
    char *origin; /* scheme://host[:port] of url: all that error messages name */
    CURL *curl;
    struct curl_slist *headers;
    int attempts;
    long base_delay_ms;
    long timeout_ms;
    unsigned long next_id;
};

void near_rpc_error_clear(near_rpc_error *err)
{
    if (!err)
        return;
    json_decref(err->data);
    memset(err, 0, sizeof *err);
}

near_status near_rpc_set_err(near_rpc_error *err, near_status st, const char *fmt, ...)
{
    if (err) {
        err->status = st;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* ------------------------------------------------------------- the handle */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_rc;

static void global_init_once(void) { global_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }

near_status near_rpc_global_init(void)
{
    pthread_once(&global_once, global_init_once);
    return global_rc;
}

/* Providers put API keys in the URL (a path segment, a query parameter or
 * user:password@), and error messages end up in logs: they name only the
 * scheme, host and port. */
static char *origin_of(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
            port = NULL; /* none given: the scheme's default */
        size_t n = strlen(scheme) + strlen(host) + (port ? strlen(port) : 0) + 5;
        out = malloc(n);
        if (out)
            snprintf(out, n, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out ? out : strdup("the RPC endpoint");
}

near_rpc *near_rpc_new(const char *url)
{
    if (!url || near_rpc_global_init() != 0)
        return NULL;
    near_rpc *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->url = strdup(url);
    c->origin = origin_of(url);
    c->curl = curl_easy_init();
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (!c->url || !c->origin || !c->curl || !c->headers) {
        near_rpc_free(c);
        return NULL;
    }
    c->attempts = 4;
    c->base_delay_ms = 250;
    c->timeout_ms = 60000;
    return c;
}

void near_rpc_free(near_rpc *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    free(c->url);
    free(c->origin);
    free(c);
}

void near_rpc_set_retry(near_rpc *c, int attempts, long base_delay_ms)
{
    c->attempts = attempts < 1 ? 1 : attempts;
    c->base_delay_ms = base_delay_ms < 0 ? 0 : base_delay_ms;
}

void near_rpc_set_timeout(near_rpc *c, long timeout_ms) { c->timeout_ms = timeout_ms; }

near_status near_rpc_add_header(near_rpc *c, const char *header)
{
    struct curl_slist *h = curl_slist_append(c->headers, header);
    if (!h)
        return NEAR_ERR_NOMEM;
    c->headers = h;
    return NEAR_OK;
}

/* -------------------------------------------------------------- transport */

typedef struct body {
    char *data;
    size_t len;
    int oom;
} body;

/* Answers larger than this are refused: the biggest legitimate ones (view
 * state, contract code) stay well below it. */
#define MAX_BODY (64u << 20)

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    body *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n > MAX_BODY) {
        b->oom = 1;
        return 0;
    }
    char *nd = realloc(b->data, b->len + n + 1);
    if (!nd) {
        b->oom = 1;
        return 0;
    }
    memcpy(nd + b->len, ptr, n);
    b->len += n;
    nd[b->len] = '\0';
    b->data = nd;
    return n;
}

/* One HTTP POST. Returns NEAR_OK with the body, or a transport status. */
static near_status http_post(near_rpc *c, const char *payload, body *out, long *http_status, near_rpc_error *err)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    /* Proxies from the environment apply, but never to a local node (the
     * devnet, tests): keep the user's no_proxy list and add loopback. */
    const char *np = getenv("no_proxy") ? getenv("no_proxy") : getenv("NO_PROXY");
    char noproxy[512];
    snprintf(noproxy, sizeof noproxy, "localhost,127.0.0.1,::1%s%.400s", np && *np ? "," : "", np ? np : "");
    curl_easy_setopt(h, CURLOPT_NOPROXY, noproxy);
    CURLcode rc = curl_easy_perform(h);
    *http_status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http_status);
    if (err)
        err->http_status = *http_status;
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return near_rpc_set_err(err, NEAR_ERR_TIMEOUT, "request to %s timed out after %ld ms", c->origin,
                                c->timeout_ms);
    if (rc != CURLE_OK)
        return near_rpc_set_err(err, NEAR_ERR_TRANSPORT, "request to %s failed: %s", c->origin,
                                out->oom ? "answer too large" : curl_easy_strerror(rc));
    return NEAR_OK;
}

/* ---------------------------------------------------------- error mapping */

const char *near_rpc_jstr(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

/* Accepts a JSON integer, a non-negative real with an integral value, or a
 * decimal string (nearcore writes u64 as numbers, some tools as strings). */
int near_rpc_ju64(json_t *v, uint64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v)) {
        near_u128 x;
        if (near_u128_parse(json_string_value(v), &x) == 0 && x <= UINT64_MAX) {
            *out = (uint64_t)x;
            return 0;
        }
    }
    return -1;
}

int near_rpc_ju128(json_t *v, near_u128 *out)
{
    if (json_is_string(v))
        return near_u128_parse(json_string_value(v), out);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (near_u128)json_integer_value(v);
        return 0;
    }
    return -1;
}

int near_rpc_jhash(json_t *v, uint8_t out[NEAR_HASH_LEN])
{
    const char *s = json_string_value(v);
    return s && near_base58_decode_exact(s, out, NEAR_HASH_LEN) == NEAR_OK ? 0 : -1;
}

/* Compact JSON text of v, cut to fit buf. */
void near_rpc_dump(json_t *v, char *buf, size_t cap)
{
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    snprintf(buf, cap, "%s", s ? s : "");
    free(s);
}

/* Finds InvalidNonce anywhere in an error object (nearcore nests it as
 * TxExecutionError.InvalidTxError.InvalidNonce; older nodes differ). */
json_t *near_rpc_find_key(json_t *v, const char *key, int depth)
{
    if (!json_is_object(v) || depth > 8)
        return NULL;
    json_t *hit = json_object_get(v, key);
    if (hit)
        return hit;
    const char *k;
    json_t *child;
    json_object_foreach(v, k, child)
    {
        json_t *r = near_rpc_find_key(child, key, depth + 1);
        if (r)
            return r;
    }
    return NULL;
}

/* Reads "Transaction nonce N must be larger than nonce of the used access
 * key M" (the Display text older nodes put in a string `data`). */
static int parse_nonce_text(const char *text, uint64_t *tx_nonce, uint64_t *ak_nonce)
{
    const char *p = text ? strstr(text, "Transaction nonce ") : NULL;
    unsigned long long a, b;
    if (p && sscanf(p, "Transaction nonce %llu must be larger than nonce of the used access key %llu", &a, &b) == 2) {
        *tx_nonce = a;
        *ak_nonce = b;
        return 0;
    }
    return -1;
}

near_status near_rpc_classify_text(const char *text)
{
    if (!text)
        return NEAR_ERR_HANDLER;
    if (strncmp(text, "account ", 8) == 0 && strstr(text, "does not exist while viewing"))
        return NEAR_ERR_UNKNOWN_ACCOUNT;
    if (strncmp(text, "access key ", 11) == 0 && strstr(text, "does not exist while viewing"))
        return NEAR_ERR_UNKNOWN_ACCESS_KEY;
    if (strstr(text, "wasm execution failed"))
        return NEAR_ERR_CONTRACT_EXECUTION;
    if (strstr(text, "Transaction nonce "))
        return NEAR_ERR_INVALID_NONCE;
    return NEAR_ERR_HANDLER;
}

static const struct {
    const char *cause;
    near_status status;
} CAUSES[] = {
    {"UNKNOWN_ACCOUNT", NEAR_ERR_UNKNOWN_ACCOUNT},
    {"INVALID_ACCOUNT", NEAR_ERR_UNKNOWN_ACCOUNT},
    {"UNKNOWN_ACCESS_KEY", NEAR_ERR_UNKNOWN_ACCESS_KEY},
    {"NO_CONTRACT_CODE", NEAR_ERR_NO_CONTRACT_CODE},
    {"UNKNOWN_BLOCK", NEAR_ERR_UNKNOWN_BLOCK},
    {"GARBAGE_COLLECTED_BLOCK", NEAR_ERR_UNKNOWN_BLOCK},
    {"UNKNOWN_CHUNK", NEAR_ERR_UNKNOWN_CHUNK},
    {"UNKNOWN_TRANSACTION", NEAR_ERR_UNKNOWN_TRANSACTION},
    {"CONTRACT_EXECUTION_ERROR", NEAR_ERR_CONTRACT_EXECUTION},
    {"TIMEOUT_ERROR", NEAR_ERR_TIMEOUT},
    {"INVALID_TRANSACTION", NEAR_ERR_INVALID_TX},
    {"INTERNAL_ERROR", NEAR_ERR_INTERNAL},
    {"PARSE_ERROR", NEAR_ERR_REQUEST},
    {"METHOD_NOT_FOUND", NEAR_ERR_REQUEST},
};

/* Maps a JSON-RPC error object to a status and fills err. */
static near_status map_rpc_error(json_t *e, long http_status, near_rpc_error *err)
{
    const char *name = near_rpc_jstr(e, "name");
    json_t *cause_obj = json_object_get(e, "cause");
    const char *cause = near_rpc_jstr(cause_obj, "name");
    json_t *data = json_object_get(e, "data");
    const char *data_text = json_string_value(data);
    const char *message = near_rpc_jstr(e, "message");

    near_status st = NEAR_ERR_HANDLER;
    if (name && strcmp(name, "REQUEST_VALIDATION_ERROR") == 0)
        st = NEAR_ERR_REQUEST;
    else if (name && strcmp(name, "INTERNAL_ERROR") == 0)
        st = NEAR_ERR_INTERNAL;
    int known = 0;
    for (size_t i = 0; cause && i < sizeof CAUSES / sizeof CAUSES[0]; i++)
        if (strcmp(cause, CAUSES[i].cause) == 0) {
            st = CAUSES[i].status;
            known = 1;
        }
    if (!known && !cause) {
        /* Legacy error: only code / message / data text. */
        st = near_rpc_classify_text(data_text);
        if (st == NEAR_ERR_HANDLER && http_status == 408)
            st = NEAR_ERR_TIMEOUT;
        else if (st == NEAR_ERR_HANDLER && json_integer_value(json_object_get(e, "code")) == -32601)
            st = NEAR_ERR_REQUEST;
    }

    uint64_t tx_nonce = 0, ak_nonce = 0;
    json_t *nonce = near_rpc_find_key(data, "InvalidNonce", 0);
    if (!nonce)
        nonce = near_rpc_find_key(cause_obj, "InvalidNonce", 0);
    if (nonce && near_rpc_ju64(json_object_get(nonce, "tx_nonce"), &tx_nonce) == 0 &&
        near_rpc_ju64(json_object_get(nonce, "ak_nonce"), &ak_nonce) == 0)
        st = NEAR_ERR_INVALID_NONCE;
    else if (parse_nonce_text(data_text, &tx_nonce, &ak_nonce) == 0)
        st = NEAR_ERR_INVALID_NONCE;

    if (!err)
        return st;
    err->status = st;
    err->http_status = http_status;
    snprintf(err->name, sizeof err->name, "%s", name ? name : "");
    snprintf(err->cause, sizeof err->cause, "%s", cause ? cause : "");
    err->tx_nonce = tx_nonce;
    err->ak_nonce = ak_nonce;
    json_decref(err->data);
    err->data = json_incref(e);
    char detail[400];
    if (data_text)
        snprintf(detail, sizeof detail, "%s", data_text);
    else if (data)
        near_rpc_dump(data, detail, sizeof detail);
    else
        near_rpc_dump(json_object_get(cause_obj, "info"), detail, sizeof detail);
    if (st == NEAR_ERR_INVALID_NONCE)
        near_rpc_set_err(err, st, "Transaction nonce %llu must be larger than nonce of the used access key %llu",
                         (unsigned long long)tx_nonce, (unsigned long long)ak_nonce);
    else if (name)
        near_rpc_set_err(err, st, "%s (%s): %s", cause ? cause : (message ? message : "error"), name, detail);
    else
        near_rpc_set_err(err, st, "%s: %s", message ? message : "error", detail);
    return st;
}

static int retryable(near_status st, long http_status)
{
    if (st == NEAR_ERR_TRANSPORT || st == NEAR_ERR_TIMEOUT || st == NEAR_ERR_INTERNAL)
        return 1;
    return http_status == 408 || http_status == 429 || http_status == 502 || http_status == 503 || http_status == 504 ||
           (st == NEAR_ERR_HTTP && http_status >= 500);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* One attempt: POST, then parse the envelope. */
static near_status call_once(near_rpc *c, const char *payload, json_t **result, long *http_status, near_rpc_error *err)
{
    body b = {0};
    near_status st = http_post(c, payload, &b, http_status, err);
    if (st != NEAR_OK) {
        free(b.data);
        return st;
    }
    json_error_t jerr;
    json_t *root = b.data ? json_loadb(b.data, b.len, 0, &jerr) : NULL;
    if (!json_is_object(root)) {
        if (*http_status != 200)
            st = near_rpc_set_err(err, NEAR_ERR_HTTP, "HTTP %ld from %s: %.200s", *http_status, c->origin,
                                  b.data ? b.data : "");
        else
            st = near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "answer from %s is not a JSON-RPC object: %.200s", c->origin,
                                  b.data ? b.data : "");
        json_decref(root);
        free(b.data);
        return st;
    }
    free(b.data);
    json_t *e = json_object_get(root, "error");
    if (e && !json_is_null(e)) {
        st = map_rpc_error(e, *http_status, err);
    } else if (!json_object_get(root, "result")) {
        st = near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "answer from %s has neither result nor error", c->origin);
    } else {
        *result = json_incref(json_object_get(root, "result"));
    }
    json_decref(root);
    return st;
}

near_status near_rpc_call(near_rpc *c, const char *method, json_t *params, int retry_safe, json_t **result,
                          near_rpc_error *err)
{
    *result = NULL;
    if (err)
        near_rpc_error_clear(err);
    if (!c || !method || !params) {
        json_decref(params);
        return near_rpc_set_err(err, NEAR_ERR_ARG, "near_rpc_call: missing client, method or params");
    }
    json_t *req = json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method", method, "params", params);
    char *payload = NULL;
    if (req) {
        char id[32];
        snprintf(id, sizeof id, "%lu", ++c->next_id);
        json_object_set_new(req, "id", json_string(id));
        payload = json_dumps(req, JSON_COMPACT);
    }
    json_decref(req);
    if (!payload)
        return near_rpc_set_err(err, NEAR_ERR_ARG, "cannot build the %s request", method);
    near_status st = NEAR_ERR_ARG;
    long delay = c->base_delay_ms;
    for (int attempt = 1; attempt <= c->attempts; attempt++) {
        long http_status = 0;
        if (err)
            near_rpc_error_clear(err);
        st = call_once(c, payload, result, &http_status, err);
        if (st == NEAR_OK || !retry_safe || !retryable(st, http_status) || attempt == c->attempts)
            break;
        sleep_ms(delay);
        delay = delay * 2 > 8000 ? 8000 : delay * 2;
    }
    free(payload);
    return st;
}

char **near_rpc_parse_logs(json_t *logs, size_t *n_out, char **into, size_t n_into)
{
    size_t n = json_array_size(logs);
    char **all = realloc(into, (n_into + n + 1) * sizeof *all);
    if (!all)
        return into;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(logs, i));
        char *d = strdup(s ? s : "");
        if (d)
            all[n_into++] = d;
    }
    *n_out = n_into;
    return all;
}
