/* api_public.c — public read-only routes, locks and system logs. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/coord.h"

json_t *coord_default_pricing(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "base_fee", "10000000000000000000000",
                     "per_instruction_fee", "1000000000000000", "per_ms_fee", "1000000000000000000",
                     "per_compile_ms_fee", "2000000000000000000", "max_compilation_seconds", (json_int_t)300,
                     "max_instructions", (json_int_t)100000000000LL, "max_execution_seconds", (json_int_t)60);
}

static int parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* The statistics aggregate the whole history, which grows without bound;
 * a dashboard needs them fresh to the second, not to the request. So one
 * computation serves every request for --stats-ttl (default 1 s). */
static pthread_mutex_t g_stats_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *g_stats;
static int64_t g_stats_at;

void api_public_stats(hs_request *req, void *ctx)
{
    coord *c = ctx;
    pthread_mutex_lock(&g_stats_mu);
    int64_t now = hs_now_ms();
    if (!g_stats || now - g_stats_at >= c->cfg.stats_ttl_ms) {
        json_decref(g_stats);
        g_stats = store_public_stats(c->st);
        g_stats_at = now;
    }
    json_t *o = json_incref(g_stats);
    pthread_mutex_unlock(&g_stats_mu);
    hs_reply_json(req, 200, o);
}

void api_public_workers(hs_request *req, void *ctx)
{
    coord *c = ctx;
    hs_reply_json(req, 200, store_public_workers(c->st));
}

void api_public_jobs(hs_request *req, void *ctx)
{
    coord *c = ctx;
    int64_t limit = 50, offset = 0;
    const char *l = hs_query(req, "limit"), *o = hs_query(req, "offset");
    if ((l && (parse_i64(l, &limit) || limit < 0)) || (o && (parse_i64(o, &offset) || offset < 0))) {
        hs_reply_error(req, 400, "query parameters 'limit' and 'offset' must be non-negative integers");
        return;
    }
    if (limit > 100)
        limit = 100;
    hs_reply_json(req, 200, store_public_jobs(c->st, limit, offset, hs_query(req, "user_account_id")));
}

void api_public_earnings(hs_request *req, void *ctx)
{
    coord *c = ctx;
    hs_reply_json(req, 200, store_user_earnings(c->st, hs_param(req, "user_account_id")));
}

void api_public_repos(hs_request *req, void *ctx)
{
    coord *c = ctx;
    hs_reply_json(req, 200, store_popular_repos(c->st));
}

void api_public_pricing(hs_request *req, void *ctx)
{
    coord *c = ctx;
    hs_reply_json(req, 200, coord_pricing(c));
}

void api_locks_acquire(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *b = hs_json_body(req);
    if (!b)
        return;
    json_t *k = json_object_get(b, "lock_key"), *w = json_object_get(b, "worker_id"),
           *t = json_object_get(b, "ttl_seconds");
    if (!json_is_string(k) || !json_is_string(w) || !json_is_integer(t)) {
        hs_reply_error(req, 422,
                       "body must be {\"lock_key\": string, \"worker_id\": string, \"ttl_seconds\": integer}");
    } else if (json_integer_value(t) <= 0 || json_integer_value(t) > 86400 || !json_string_length(k)) {
        hs_reply_error(req, 400, "ttl_seconds must be 1..86400 and lock_key non-empty");
    } else {
        int rc = store_lock_acquire(c->st, json_string_value(k), json_string_value(w), json_integer_value(t) * 1000);
        if (rc < 0)
            hs_reply_error(req, 500, "storage error");
        else
            hs_reply_json(req, 200, json_pack("{s:b}", "acquired", rc == 1));
    }
    json_decref(b);
}

void api_locks_release(hs_request *req, void *ctx)
{
    coord *c = ctx;
    if (store_lock_release(c->st, hs_param(req, "lock_key")) != ST_OK)
        hs_reply_error(req, 500, "storage error");
    else
        hs_reply_json(req, 200, json_object());
}

static int opt_str(json_t *b, const char *key, const char **out, hs_request *req)
{
    json_t *v = json_object_get(b, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        hs_reply_error(req, 422, "field '%s' must be a string", key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

void api_logs_add(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *b = hs_json_body(req);
    if (!b)
        return;
    json_t *rid = json_object_get(b, "request_id"), *jid = json_object_get(b, "job_id"),
           *ec = json_object_get(b, "exit_code");
    const char *type, *se, *so, *xe;
    if (!json_is_integer(rid))
        hs_reply_error(req, 422, "field 'request_id' must be an integer");
    else if (jid && !json_is_null(jid) && !json_is_integer(jid))
        hs_reply_error(req, 422, "field 'job_id' must be an integer");
    else if (ec && !json_is_null(ec) && !json_is_integer(ec))
        hs_reply_error(req, 422, "field 'exit_code' must be an integer");
    else if (opt_str(b, "log_type", &type, req) || opt_str(b, "stderr", &se, req) || opt_str(b, "stdout", &so, req) ||
             opt_str(b, "execution_error", &xe, req)) {
    } else if (!type || !*type || strlen(type) > 50) {
        hs_reply_error(req, 422, "field 'log_type' is required (1-50 characters)");
    } else {
        int64_t j = json_integer_value(jid), e = json_integer_value(ec), id = 0;
        if (store_log_add(c->st, json_integer_value(rid), json_is_integer(jid) ? &j : NULL, type, se, so,
                          json_is_integer(ec) ? &e : NULL, xe, &id) != ST_OK)
            hs_reply_error(req, 500, "storage error");
        else
            hs_reply_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
    }
    json_decref(b);
}

void api_logs_get(hs_request *req, void *ctx)
{
    coord *c = ctx;
    int64_t rid;
    if (parse_i64(hs_param(req, "request_id"), &rid)) {
        hs_reply_error(req, 400, "request_id must be an integer");
        return;
    }
    json_t *arr = store_log_list(c->st, rid);
    if (json_array_size(arr) == 0) {
        json_decref(arr);
        hs_reply_error(req, 404, "no logs for request %lld", (long long)rid);
        return;
    }
    hs_reply_json(req, 200, arr);
}
