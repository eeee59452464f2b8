/* coord.h — the coordinator's shared state, handed to every route handler. */
#ifndef OUTLAYER_COORDINATOR_COORD_H
#define OUTLAYER_COORDINATOR_COORD_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "base/http_server.h"
#include "coordinator/store.h"

/* Route auth policies (see docs/coordinator.md, "Authentication"). */
enum { AUTH_PUBLIC = 0, AUTH_WORKER = 1, AUTH_ADMIN = 2, AUTH_APIKEY = 3 };

typedef struct {
    char *host;
    int port;
    char *data_dir;
    char *database_url;
    char *wasm_dir;
    int64_t cache_max_mb_bytes; /* --cache-max-mb (0 = use WASM_CACHE_MAX_SIZE_GB) */
    int64_t cache_max_gb_bytes; /* WASM_CACHE_MAX_SIZE_GB */
    int64_t max_wasm_bytes;
    char *admin_token;
    char *keystore_url;
    char *keystore_token;
    char *cors_origins;
    int require_auth;
    int64_t lease_ms;
    int64_t max_attempts;
    int64_t threads;
    int64_t pg_commit_groups;
    int64_t poll_max_ms;
    int64_t shutdown_grace_ms;
    int64_t stats_ttl_ms;
    int require_api_key;
    char *near_rpc_url, *contract_id;
    char *github_api_url, *github_token;
    int64_t pricing_interval_ms;
    int64_t default_rate_limit, max_rate_limit;
    char *log_level;
    char *dashboard_dir, *dashboard_signer_url; /* api_dashboard.c */
    /* api_storage.c: program storage quotas; (owner, project) only from a live lease */
    int64_t storage_max_keys, storage_max_bytes, storage_max_value;
    int storage_require_lease;
} coord_config;

/* Request latency histogram buckets (seconds). */
#define COORD_LAT_BUCKETS 12
typedef struct {
    atomic_llong lat_count[COORD_LAT_BUCKETS + 1];
    atomic_llong lat_sum_us;
    atomic_llong by_class[6]; /* 1xx..5xx by first digit */
    atomic_llong cache_hits, cache_misses;
    atomic_llong jobs_created, jobs_leased, jobs_completed;
    atomic_llong polls_empty; /* lease attempts of a long poll that found nothing */
} coord_metrics;

typedef struct coord {
    coord_config cfg;
    int64_t cache_max_bytes;
    store *st;
    hs_server *srv;
    coord_metrics m;
    json_t *pricing; /* under pricing_mu; read with coord_pricing */
    int64_t pricing_updated_ms;
    pthread_mutex_t pricing_mu;
    pthread_mutex_t cache_mu; /* serialises eviction passes */
    /* the lease sweeper */
    pthread_t sweeper;
    pthread_mutex_t sweep_mu;
    pthread_cond_t sweep_cond;
    int sweeper_stop;
} coord;

/* routes.c */
int coord_add_routes(coord *c);
int coord_guard(hs_request *req, int policy, void *ctx);
void coord_observe(const char *method, const char *route, int status, double secs, void *ctx);
/* api_dashboard.c: the built dashboard at / (nothing when --dashboard-dir is unset) */
int coord_add_dashboard_routes(coord *c);

/* handlers, by area */
void api_health(hs_request *req, void *ctx);
void api_metrics(hs_request *req, void *ctx);
void api_create(hs_request *req, void *ctx);
void api_poll(hs_request *req, void *ctx);
void api_claim(hs_request *req, void *ctx);
void api_complete(hs_request *req, void *ctx);
void api_heartbeat(hs_request *req, void *ctx);
void api_release(hs_request *req, void *ctx);
void api_release_worker(hs_request *req, void *ctx);
void api_task_completion(hs_request *req, void *ctx);
void api_wasm_upload(hs_request *req, void *ctx);
void api_wasm_get(hs_request *req, void *ctx);
void api_wasm_exists(hs_request *req, void *ctx);
void api_wasm_info(hs_request *req, void *ctx);
void api_locks_acquire(hs_request *req, void *ctx);
void api_locks_release(hs_request *req, void *ctx);
void api_logs_add(hs_request *req, void *ctx);
void api_logs_get(hs_request *req, void *ctx);
void api_public_stats(hs_request *req, void *ctx);
void api_public_workers(hs_request *req, void *ctx);
void api_public_jobs(hs_request *req, void *ctx);
void api_public_earnings(hs_request *req, void *ctx);
void api_public_repos(hs_request *req, void *ctx);
void api_public_pricing(hs_request *req, void *ctx);
void api_secrets_pubkey(hs_request *req, void *ctx);
void api_secrets_add_generated(hs_request *req, void *ctx);
void api_admin_apikeys(hs_request *req, void *ctx);
void api_resolve_branch(hs_request *req, void *ctx);
void api_attestation_add(hs_request *req, void *ctx);
void api_attestation_get(hs_request *req, void *ctx);
/* api_storage.c: programs' key-value storage (worker token) */
void api_storage_get(hs_request *req, void *ctx);
void api_storage_set(hs_request *req, void *ctx);
void api_storage_delete(hs_request *req, void *ctx);
void api_storage_list(hs_request *req, void *ctx);
void api_storage_usage(hs_request *req, void *ctx);
/* X-API-Key check and rate limit for AUTH_APIKEY routes; non-zero after replying. */
int coord_apikey_guard(coord *c, hs_request *req);

/* Wakes long polls and the sweeper (new work, or a lease to watch). */
void coord_notify(coord *c);
/* Frees cache space down to the limit, never evicting `keep`. */
void coord_evict(coord *c, const char *keep);

json_t *coord_default_pricing(void);
/* pricing.c */
int coord_pricing_fetch(const char *rpc_url, const char *contract, json_t **out, char *err, size_t n);
json_t *coord_pricing(coord *c); /* a new reference */
void api_pricing_refresh(hs_request *req, void *ctx);

#endif
