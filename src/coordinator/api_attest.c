/* api_attest.c — TDX attestations (spec §13) and the API keys that guard
 * reading them: POST /attestations (worker token), GET /attestations/:job_id
 * (X-API-Key with a per-key rate limit), POST /admin/api-keys (admin). */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/coord.h"
#include "coordinator/request.h"

/* ---- fixed-window rate limit per key id, in memory (per process) ---- */

typedef struct {
    int64_t id, window_start_ms, count;
} rl_entry;
static rl_entry *g_rl;
static size_t g_rl_n, g_rl_cap;
static pthread_mutex_t g_rl_mu = PTHREAD_MUTEX_INITIALIZER;

/* 1 when the request may pass. */
static int rate_allow(int64_t id, int64_t limit)
{
    int64_t now = hs_now_ms();
    int ok = 1;
    pthread_mutex_lock(&g_rl_mu);
    rl_entry *e = NULL;
    for (size_t i = 0; i < g_rl_n; i++)
        if (g_rl[i].id == id)
            e = &g_rl[i];
    if (!e) {
        if (g_rl_n == g_rl_cap) {
            size_t cap = g_rl_cap ? g_rl_cap * 2 : 64;
            rl_entry *n = realloc(g_rl, cap * sizeof *n);
            if (!n) {
                pthread_mutex_unlock(&g_rl_mu);
                return 1;
            }
            g_rl = n;
            g_rl_cap = cap;
        }
        e = &g_rl[g_rl_n++];
        *e = (rl_entry){id, now, 0};
    }
    if (now - e->window_start_ms >= 60000) {
        e->window_start_ms = now;
        e->count = 0;
    }
    if (e->count >= limit)
        ok = 0;
    else
        e->count++;
    pthread_mutex_unlock(&g_rl_mu);
    return ok;
}

int coord_apikey_guard(coord *c, hs_request *req)
{
    if (!c->cfg.require_api_key)
        return 0;
    const char *key = hs_header(req, "X-API-Key");
    if (!key || !*key) {
        hs_reply_error(req, 401, "missing API key (X-API-Key header)");
        return 1;
    }
    char hash[65];
    cr_sha256_hex(key, strlen(key), hash);
    int64_t id = 0, limit = 60;
    int active = 0;
    st_status s = store_apikey_lookup(c->st, hash, &id, &active, &limit);
    if (s == ST_ERROR) {
        hs_reply_error(req, 500, "storage error while checking the API key");
        return 1;
    }
    if (s != ST_OK) {
        hs_reply_error(req, 401, "invalid API key");
        return 1;
    }
    if (!active) {
        hs_reply_error(req, 403, "API key is deactivated");
        return 1;
    }
    if (!rate_allow(id, limit)) {
        hs_add_header(req, "Retry-After", "60");
        hs_reply_error(req, 429, "rate limit of %lld requests per minute exceeded", (long long)limit);
        return 1;
    }
    return 0;
}

static int valid_account(const char *a)
{
    size_t l = strlen(a);
    if (l == 0 || l > 64)
        return 0;
    if ((l > 5 && strcmp(a + l - 5, ".near") == 0) || (l > 8 && strcmp(a + l - 8, ".testnet") == 0)) {
        for (const char *p = a; *p; p++)
            if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr("._-", *p)))
                return 0;
        return 1;
    }
    if (l < 2)
        return 0;
    for (const char *p = a; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("._-", *p)))
            return 0;
    return 1;
}

void api_admin_apikeys(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *b = hs_json_body(req);
    if (!b)
        return;
    const char *acct = json_string_value(json_object_get(b, "near_account_id"));
    json_t *name = json_object_get(b, "key_name"), *rl = json_object_get(b, "rate_limit_per_minute");
    if (!acct || !valid_account(acct)) {
        hs_reply_error(req, 400, "near_account_id must be a NEAR account id (at most 64 characters)");
    } else if (name && !json_is_null(name) && !json_is_string(name)) {
        hs_reply_error(req, 422, "field 'key_name' must be a string");
    } else if (rl && !json_is_null(rl) &&
               (!json_is_integer(rl) || json_integer_value(rl) < 1 || json_integer_value(rl) > 600)) {
        hs_reply_error(req, 400, "rate_limit_per_minute must be an integer from 1 to 600");
    } else {
        int64_t limit = json_is_integer(rl) ? json_integer_value(rl) : c->cfg.default_rate_limit;
        if (limit > c->cfg.max_rate_limit)
            limit = c->cfg.max_rate_limit;
        unsigned char raw[32];
        char key[65], hash[65];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(key, sizeof key, raw, sizeof raw);
        cr_sha256_hex(key, 64, hash);
        int64_t created = 0;
        st_status s = store_apikey_add(c->st, hash, acct, json_string_value(name), limit, &created);
        if (s == ST_EXISTS)
            hs_reply_error(req, 409, "duplicate API key");
        else if (s != ST_OK)
            hs_reply_error(req, 500, "storage error");
        else
            hs_reply_json(req, 200,
                          json_pack("{s:s, s:s, s:I, s:I}", "api_key", key, "near_account_id", acct,
                                    "rate_limit_per_minute", (json_int_t)limit, "created_at",
                                    (json_int_t)(created / 1000)));
        sodium_memzero(key, sizeof key);
    }
    json_decref(b);
}

static int opt_str_len(json_t *b, const char *k, size_t max, int exact, hs_request *req)
{
    json_t *v = json_object_get(b, k);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        hs_reply_error(req, 422, "field '%s' must be a string", k);
        return -1;
    }
    size_t l = json_string_length(v);
    if ((exact && l != max) || l > max) {
        hs_reply_error(req, 400, "field '%s' must be %s%zu characters", k, exact ? "exactly " : "at most ", max);
        return -1;
    }
    return 0;
}

void api_attestation_add(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *b = hs_json_body(req);
    if (!b)
        return;
    json_t *tid = json_object_get(b, "task_id");
    const char *type = json_string_value(json_object_get(b, "task_type"));
    const char *quote = json_string_value(json_object_get(b, "tdx_quote"));
    const char *out = json_string_value(json_object_get(b, "output_hash"));
    json_t *rid = json_object_get(b, "request_id"), *bh = json_object_get(b, "block_height");
    json_t *http_n = json_object_get(b, "http_requests"), *vrf_n = json_object_get(b, "vrf_calls");
    static const char *const TEXT[] = {"caller_account_id", "transaction_hash", "repo_url", "commit_hash",
                                       "build_target"};
    static const size_t TEXT_MAX[] = {64, 64, 512, 64, 64};
    int bad = 0;
    if (!json_is_integer(tid)) {
        hs_reply_error(req, 422, "field 'task_id' must be an integer");
        bad = 1;
    } else if (!type || (strcmp(type, "compile") && strcmp(type, "execute"))) {
        hs_reply_error(req, 422, "field 'task_type' must be \"compile\" or \"execute\"");
        bad = 1;
    } else if (!quote || !out) {
        hs_reply_error(req, 422, "fields 'tdx_quote' and 'output_hash' are required strings");
        bad = 1;
    } else if ((rid && !json_is_null(rid) && !json_is_integer(rid)) ||
               (bh && !json_is_null(bh) && !json_is_integer(bh))) {
        hs_reply_error(req, 422, "fields 'request_id' and 'block_height' must be integers");
        bad = 1;
    } else if (http_n && !json_is_null(http_n) && (!json_is_integer(http_n) || json_integer_value(http_n) < 0)) {
        hs_reply_error(req, 422, "field 'http_requests' must be a non-negative integer");
        bad = 1;
    } else if (opt_str_len(b, "http_transcript_sha256", 64, 1, req)) {
        bad = 1;
    } else if (vrf_n && !json_is_null(vrf_n) && (!json_is_integer(vrf_n) || json_integer_value(vrf_n) < 0)) {
        hs_reply_error(req, 422, "field 'vrf_calls' must be a non-negative integer");
        bad = 1;
    } else if (opt_str_len(b, "vrf_public_key", 64, 1, req)) {
        bad = 1;
    }
    for (size_t i = 0; !bad && i < 5; i++)
        if (opt_str_len(b, TEXT[i], TEXT_MAX[i], 0, req))
            bad = 1;
    int64_t task = json_integer_value(tid);
    if (!bad && task >= 0) {
        if (strcmp(type, "execute") == 0 && !json_is_string(json_object_get(b, "input_hash"))) {
            hs_reply_error(req, 400, "input_hash is required for execute attestations");
            bad = 1;
        } else if (opt_str_len(b, "wasm_hash", 64, 1, req) || opt_str_len(b, "input_hash", 64, 1, req) ||
                   opt_str_len(b, "output_hash", 64, 1, req)) {
            bad = 1;
        }
    } else if (!bad && (opt_str_len(b, "wasm_hash", 64, 0, req) || opt_str_len(b, "input_hash", 64, 0, req) ||
                        opt_str_len(b, "output_hash", 64, 0, req))) {
        bad = 1;
    }
    if (!bad) {
        size_t qlen = strlen(quote);
        unsigned char *raw = malloc(qlen + 1);
        size_t rawlen = 0;
        if (!raw ||
            sodium_base642bin(raw, qlen + 1, quote, qlen, NULL, &rawlen, NULL, sodium_base64_VARIANT_ORIGINAL)) {
            hs_reply_error(req, 400, "tdx_quote is not standard base64");
        } else if (rawlen < 304) {
            hs_reply_error(req, 400, "tdx_quote is too short (%zu bytes; a TDX quote has at least 304)", rawlen);
        } else {
            /* bytes 256..303, as the reference (and its worker) read them */
            char m[97];
            sodium_bin2hex(m, sizeof m, raw + 256, 48);
            int64_t id = 0;
            if (store_attestation_add(c->st, b, m, req->auth, &id) != ST_OK)
                hs_reply_error(req, 500, "storage error");
            else
                hs_reply_json(req, 201, json_pack("{s:I, s:s}", "id", (json_int_t)id, "worker_measurement", m));
        }
        free(raw);
    }
    json_decref(b);
}

void api_attestation_get(hs_request *req, void *ctx)
{
    coord *c = ctx;
    const char *p = hs_param(req, "job_id");
    char *end;
    errno = 0;
    long long id = strtoll(p, &end, 10);
    if (!*p || *end || errno) {
        hs_reply_error(req, 400, "job_id must be an integer");
        return;
    }
    json_t *o = store_attestation_get(c->st, id);
    if (!o)
        hs_reply_error(req, 404, "no attestation for job %lld", id);
    else
        hs_reply_json(req, 200, o);
}
