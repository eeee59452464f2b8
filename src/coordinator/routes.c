/* routes.c — the route table with each route's auth policy, the auth guard,
 * /health and /metrics. The table here is the one in docs/coordinator.md. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "coordinator/coord.h"
#include "coordinator/request.h"

#define JSON_LIMIT (1u << 20)

int coord_add_routes(coord *c)
{
    size_t up = (size_t)c->cfg.max_wasm_bytes + 64 * 1024; /* multipart framing on top of the file */
    const hs_route_spec routes[] = {
        /* queue (worker token) */
        {"POST", "/executions/create", api_create, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"GET", "/executions/poll", api_poll, c, AUTH_WORKER, 0, 0},
        {"POST", "/jobs/claim", api_claim, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"POST", "/jobs/complete", api_complete, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"POST", "/jobs/release", api_release, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"POST", "/workers/release-leases", api_release_worker, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"POST", "/workers/heartbeat", api_heartbeat, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"POST", "/workers/task-completion", api_task_completion, c, AUTH_WORKER, JSON_LIMIT, 0},
        /* WASM cache */
        {"POST", "/wasm/upload", api_wasm_upload, c, AUTH_WORKER, up, HS_ROUTE_RAW_BODY},
        {"GET", "/wasm/exists/:checksum", api_wasm_exists, c, AUTH_WORKER, 0, 0},
        {"GET", "/wasm/:checksum", api_wasm_get, c, AUTH_WORKER, 0, 0},
        {"GET", "/public/wasm/exists/:checksum", api_wasm_exists, c, AUTH_PUBLIC, 0, 0},
        {"GET", "/public/wasm/info", api_wasm_info, c, AUTH_PUBLIC, 0, 0},
        /* locks (worker token); lock keys contain ':' and '/' */
        {"POST", "/locks/acquire", api_locks_acquire, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"DELETE", "/locks/release/:lock_key", api_locks_release, c, AUTH_WORKER, 0, HS_ROUTE_PARAM_ANY},
        /* logs: the reference leaves /internal/system-logs open; we require a worker token */
        {"POST", "/internal/system-logs", api_logs_add, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"GET", "/admin/system-logs/:request_id", api_logs_get, c, AUTH_ADMIN, 0, 0},
        /* attestations: workers post, API-key holders read (rate-limited), admins issue keys */
        {"POST", "/attestations", api_attestation_add, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"GET", "/attestations/:job_id", api_attestation_get, c, AUTH_APIKEY, 0, 0},
        {"POST", "/admin/api-keys", api_admin_apikeys, c, AUTH_ADMIN, JSON_LIMIT, 0},
        /* programs' persistent key-value storage, proxied by workers (api_storage.c) */
        {"POST", "/storage/get", api_storage_get, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"POST", "/storage/set", api_storage_set, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"POST", "/storage/delete", api_storage_delete, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"POST", "/storage/list", api_storage_list, c, AUTH_WORKER, JSON_LIMIT, 0},
        {"POST", "/storage/usage", api_storage_usage, c, AUTH_WORKER, JSON_LIMIT, 0},
        /* public read-only */
        {"GET", "/public/stats", api_public_stats, c, AUTH_PUBLIC, 0, 0},
        {"GET", "/public/workers", api_public_workers, c, AUTH_PUBLIC, 0, 0},
        {"GET", "/public/jobs", api_public_jobs, c, AUTH_PUBLIC, 0, 0},
        {"GET", "/public/repos/popular", api_public_repos, c, AUTH_PUBLIC, 0, 0},
        {"GET", "/public/users/:user_account_id/earnings", api_public_earnings, c, AUTH_PUBLIC, 0, 0},
        {"GET", "/public/pricing", api_public_pricing, c, AUTH_PUBLIC, 0, 0},
        {"POST", "/public/pricing/refresh", api_pricing_refresh, c, AUTH_PUBLIC, JSON_LIMIT, 0},
        {"GET", "/github/resolve-branch", api_resolve_branch, c, AUTH_PUBLIC, 0, 0},
        /* keystore proxy (public, as in the reference; 503 when no keystore) */
        {"POST", "/secrets/pubkey", api_secrets_pubkey, c, AUTH_PUBLIC, JSON_LIMIT, 0},
        {"POST", "/secrets/add_generated_secret", api_secrets_add_generated, c, AUTH_PUBLIC, JSON_LIMIT, 0},
        /* operations */
        {"GET", "/health", api_health, c, AUTH_PUBLIC, 0, 0},
        {"GET", "/metrics", api_metrics, c, AUTH_PUBLIC, 0, 0},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        if (hs_route_add(c->srv, &routes[i]))
            return -1;
    return 0;
}

/* ---- auth ---- */

/* Recently verified worker tokens, so a busy worker does not cost a
 * database round trip per request. Entries live TOKEN_TTL_MS, which bounds
 * how long a revoked token keeps working. */
#define TOKEN_SLOTS 32
#define TOKEN_TTL_MS 2000
static struct {
    char hash[65];
    int64_t checked_ms;
} g_tokens[TOKEN_SLOTS];
static pthread_mutex_t g_tokens_mu = PTHREAD_MUTEX_INITIALIZER;

static int token_cached(const char *hash)
{
    int64_t now = hs_now_ms();
    int ok = 0;
    pthread_mutex_lock(&g_tokens_mu);
    for (int i = 0; i < TOKEN_SLOTS; i++)
        if (g_tokens[i].hash[0] && strcmp(g_tokens[i].hash, hash) == 0 && now - g_tokens[i].checked_ms < TOKEN_TTL_MS)
            ok = 1;
    pthread_mutex_unlock(&g_tokens_mu);
    return ok;
}

static void token_remember(const char *hash)
{
    int64_t now = hs_now_ms();
    pthread_mutex_lock(&g_tokens_mu);
    int slot = 0;
    for (int i = 0; i < TOKEN_SLOTS; i++) {
        if (strcmp(g_tokens[i].hash, hash) == 0) {
            slot = i;
            break;
        }
        if (g_tokens[i].checked_ms < g_tokens[slot].checked_ms)
            slot = i;
    }
    snprintf(g_tokens[slot].hash, sizeof g_tokens[slot].hash, "%s", hash);
    g_tokens[slot].checked_ms = now;
    pthread_mutex_unlock(&g_tokens_mu);
}

static const char *bearer_of(hs_request *req)
{
    const char *a = hs_header(req, "Authorization");
    if (!a || strncmp(a, "Bearer ", 7) != 0 || !a[7])
        return NULL;
    return a + 7;
}

int coord_guard(hs_request *req, int policy, void *ctx)
{
    coord *c = ctx;
    if (policy == AUTH_PUBLIC)
        return 0;
    if (policy == AUTH_APIKEY)
        return coord_apikey_guard(c, req);
    if (policy == AUTH_ADMIN) {
        if (!c->cfg.admin_token || !*c->cfg.admin_token) {
            hs_reply_error(req, 403, "admin API disabled: no ADMIN_BEARER_TOKEN is configured");
            return 1;
        }
        const char *t = bearer_of(req);
        if (!t) {
            hs_reply_error(req, 401, "missing admin bearer token (Authorization: Bearer ...)");
            return 1;
        }
        /* compare digests: constant time and independent of the lengths */
        unsigned char a[32], b[32];
        crypto_hash_sha256(a, (const unsigned char *)t, strlen(t));
        crypto_hash_sha256(b, (const unsigned char *)c->cfg.admin_token, strlen(c->cfg.admin_token));
        if (sodium_memcmp(a, b, 32) != 0) {
            hs_reply_error(req, 403, "invalid admin token");
            return 1;
        }
        return 0;
    }
    if (!c->cfg.require_auth)
        return 0;
    const char *t = bearer_of(req);
    if (!t) {
        hs_reply_error(req, 401, "missing worker bearer token (Authorization: Bearer ...)");
        return 1;
    }
    char hash[65];
    cr_sha256_hex(t, strlen(t), hash);
    /* the caller's identity, for handlers that record it (attestations) */
    req->auth = strdup(hash);
    req->auth_free = free;
    if (token_cached(hash))
        return 0;
    int ok = store_token_check(c->st, hash);
    if (ok < 0) {
        hs_reply_error(req, 500, "storage error while checking the token");
        return 1;
    }
    if (!ok) {
        hs_reply_error(req, 401, "invalid or revoked worker token");
        return 1;
    }
    token_remember(hash);
    return 0;
}

/* ---- metrics ---- */

static const double LAT_BOUNDS[COORD_LAT_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

void coord_observe(const char *method, const char *route, int status, double secs, void *ctx)
{
    coord *c = ctx;
    /* long polls measure waiting, not serving: keep them out of the histogram */
    if (!(route && strcmp(route, "/executions/poll") == 0)) {
        int b = 0;
        while (b < COORD_LAT_BUCKETS && secs > LAT_BOUNDS[b])
            b++;
        atomic_fetch_add(&c->m.lat_count[b], 1);
        atomic_fetch_add(&c->m.lat_sum_us, (long long)(secs * 1e6));
    }
    int cls = status / 100;
    if (cls >= 1 && cls <= 5)
        atomic_fetch_add(&c->m.by_class[cls], 1);
    if (status >= 500)
        log_warn("http", "%s %s -> %d", method, route ? route : "(no route)", status);
    else
        log_debug("http", "%s %s -> %d (%.1f ms)", method, route ? route : "(no route)", status, secs * 1000);
}

void api_health(hs_request *req, void *ctx) { hs_reply_text(req, 200, "text/plain; charset=utf-8", "OK", 2); }

void api_metrics(hs_request *req, void *ctx)
{
    coord *c = ctx;
    store_metrics sm;
    store_get_metrics(c->st, &sm);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        hs_reply_error(req, 500, "out of memory");
        return;
    }
    fprintf(f, "# HELP outlayer_queue_depth Tasks waiting in the queue.\n# TYPE outlayer_queue_depth gauge\n");
    fprintf(f, "outlayer_queue_depth %lld\n", (long long)sm.queued);
    fprintf(f, "# HELP outlayer_tasks Tasks by state.\n# TYPE outlayer_tasks gauge\n");
    fprintf(f, "outlayer_tasks{state=\"queued\"} %lld\n", (long long)sm.queued);
    fprintf(f, "outlayer_tasks{state=\"leased\"} %lld\n", (long long)sm.leased);
    fprintf(f, "outlayer_tasks{state=\"done\"} %lld\n", (long long)sm.done);
    fprintf(f, "outlayer_tasks_abandoned %lld\n", (long long)sm.abandoned_waiting);
    fprintf(f, "# HELP outlayer_jobs Jobs by state.\n# TYPE outlayer_jobs gauge\n");
    fprintf(f, "outlayer_jobs{state=\"in_progress\"} %lld\n", (long long)sm.jobs_in_progress);
    fprintf(f, "outlayer_jobs{state=\"completed\"} %lld\n", (long long)sm.jobs_completed);
    fprintf(f, "outlayer_jobs{state=\"failed\"} %lld\n", (long long)sm.jobs_failed);
    fprintf(f, "# HELP outlayer_lease_expiries_total Leases that expired and were put back in the queue.\n");
    fprintf(f, "# TYPE outlayer_lease_expiries_total counter\noutlayer_lease_expiries_total %lld\n",
            (long long)sm.lease_expiries);
    fprintf(f, "# TYPE outlayer_requests_created_total counter\noutlayer_requests_created_total %lld\n",
            (long long)atomic_load(&c->m.jobs_created));
    fprintf(f, "# TYPE outlayer_leases_granted_total counter\noutlayer_leases_granted_total %lld\n",
            (long long)atomic_load(&c->m.jobs_leased));
    int64_t gg, gs, gr;
    store_group_stats(c->st, &gg, &gs, &gr);
    fprintf(f, "# HELP outlayer_pg_commit_groups_total PostgreSQL group commits of two or more transactions.\n");
    fprintf(f, "# TYPE outlayer_pg_commit_groups_total counter\noutlayer_pg_commit_groups_total %lld\n", (long long)gg);
    fprintf(f, "# HELP outlayer_pg_grouped_statements_total Statements committed (or tried) in such groups.\n");
    fprintf(f, "# TYPE outlayer_pg_grouped_statements_total counter\noutlayer_pg_grouped_statements_total %lld\n",
            (long long)gs);
    fprintf(f, "# HELP outlayer_pg_group_retries_total Statements run again alone after their group failed.\n");
    fprintf(f, "# TYPE outlayer_pg_group_retries_total counter\noutlayer_pg_group_retries_total %lld\n", (long long)gr);
    fprintf(f, "# HELP outlayer_poll_lease_misses_total Lease attempts of long polls that found no task.\n");
    fprintf(f, "# TYPE outlayer_poll_lease_misses_total counter\noutlayer_poll_lease_misses_total %lld\n",
            (long long)atomic_load(&c->m.polls_empty));
    fprintf(f, "# TYPE outlayer_completions_total counter\noutlayer_completions_total %lld\n",
            (long long)atomic_load(&c->m.jobs_completed));
    fprintf(f, "# HELP outlayer_cache_bytes Bytes of WASM in the cache.\n# TYPE outlayer_cache_bytes gauge\n");
    fprintf(f, "outlayer_cache_bytes %lld\n", (long long)sm.cache_bytes);
    fprintf(f, "# TYPE outlayer_cache_files gauge\noutlayer_cache_files %lld\n", (long long)sm.cache_files);
    fprintf(f, "# TYPE outlayer_cache_limit_bytes gauge\noutlayer_cache_limit_bytes %lld\n",
            (long long)c->cache_max_bytes);
    fprintf(f, "# TYPE outlayer_cache_hits_total counter\noutlayer_cache_hits_total %lld\n",
            (long long)atomic_load(&c->m.cache_hits));
    fprintf(f, "# TYPE outlayer_cache_misses_total counter\noutlayer_cache_misses_total %lld\n",
            (long long)atomic_load(&c->m.cache_misses));
    fprintf(f, "# HELP outlayer_http_responses_total Responses by status class.\n");
    fprintf(f, "# TYPE outlayer_http_responses_total counter\n");
    for (int i = 1; i <= 5; i++)
        fprintf(f, "outlayer_http_responses_total{class=\"%dxx\"} %lld\n", i,
                (long long)atomic_load(&c->m.by_class[i]));
    fprintf(f, "# HELP outlayer_http_request_duration_seconds Time to answer a request (long polls excluded).\n");
    fprintf(f, "# TYPE outlayer_http_request_duration_seconds histogram\n");
    long long cum = 0;
    for (int i = 0; i <= COORD_LAT_BUCKETS; i++) {
        cum += atomic_load(&c->m.lat_count[i]);
        if (i < COORD_LAT_BUCKETS)
            fprintf(f, "outlayer_http_request_duration_seconds_bucket{le=\"%g\"} %lld\n", LAT_BOUNDS[i], cum);
        else
            fprintf(f, "outlayer_http_request_duration_seconds_bucket{le=\"+Inf\"} %lld\n", cum);
    }
    fprintf(f, "outlayer_http_request_duration_seconds_sum %.6f\n", (double)atomic_load(&c->m.lat_sum_us) / 1e6);
    fprintf(f, "outlayer_http_request_duration_seconds_count %lld\n", cum);
    fclose(f);
    hs_reply_text(req, 200, "text/plain; version=0.0.4", buf, len);
    free(buf);
}
