/* store.h — everything the coordinator keeps, behind one small interface.
 *
 * The queue (tasks with leases), jobs and their history, the WASM cache
 * index, worker tokens, worker status, locks and system logs. The embedded
 * backend is SQLite (store_sqlite.c, WAL mode, one file); the interface is
 * phrased in domain operations, not SQL, so a PostgreSQL backend implements
 * the same functions (see docs/coordinator.md, "Storage").
 *
 * All functions are thread-safe. Times are wall-clock milliseconds since
 * the epoch (leases must survive a restart). Functions returning st_status
 * fill err (when given) with a message safe to show to the client. */
#ifndef OUTLAYER_COORDINATOR_STORE_H
#define OUTLAYER_COORDINATOR_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "coordinator/request.h"

typedef struct store store;

typedef enum {
    ST_OK = 0,
    ST_EXISTS, /* already there (idempotent create) */
    ST_NOT_FOUND,
    ST_CONFLICT, /* lease not held, different result, ... */
    ST_EMPTY,    /* nothing to lease */
    ST_ERROR,    /* storage failure (500) */
} st_status;

typedef struct {
    int64_t lease_ms; /* lease length */
    int max_attempts; /* leases before a task is abandoned */
    int max_conns;    /* PostgreSQL connection pool size (0 = 8) */
    int pg_groups;    /* PostgreSQL group commit: groups committing at once (0 = 1, <0 = no grouping) */
} store_queue_cfg;

/* url: "sqlite:PATH", "postgres://…" (or NULL: data_dir/coordinator.db).
 * Creates the schema or migrates it to the current version. */
store *store_open(const char *url, const char *data_dir, const store_queue_cfg *qc, char *err, size_t err_size);
void store_close(store *s);
int store_schema_version(store *s);
const char *store_kind(store *s); /* "sqlite" or "postgresql" */
/* PostgreSQL: call fn whenever any coordinator sharing the database queues
 * work (LISTEN/NOTIFY). No-op for SQLite (one process). */
int store_listen(store *s, void (*fn)(void *), void *ctx, char *err, size_t n);
int64_t store_now_ms(void);

/* ---- worker tokens (only SHA-256 hex digests are stored) ---- */
st_status store_token_add(store *s, const char *name, const char *hash_hex, char *err, size_t n);
/* 1 active, 0 unknown or revoked, -1 storage error. Updates last_used_at. */
int store_token_check(store *s, const char *hash_hex);
st_status store_token_revoke(store *s, const char *name, char *err, size_t n);
json_t *store_token_list(store *s);

/* ---- the queue ---- */
/* Idempotent per (request_id, data_id): ST_EXISTS when already created.
 * The task goes to the compile queue unless the WASM is cached. */
st_status store_create_execution(store *s, json_t *exec_request, int *queued_compile, char *err, size_t n);
/* Leases the oldest task this worker can take. *out receives the
 * ExecutionRequest plus lease_id, lease_seconds, attempt and (when the task
 * exhausted its attempts) abandoned_reason. ST_EMPTY when nothing waits. */
st_status store_lease_next(store *s, int caps, const char *worker_id, json_t **out, char *err, size_t n);
/* Puts expired leases back in the queue (or marks them abandoned). Returns
 * how many were requeued, and the wall time of the next expiry (0 = none). */
int store_sweep(store *s, int64_t *next_expiry_ms);
/* Heartbeat: upserts the worker row and renews all its leases. */
st_status store_heartbeat(store *s, const char *worker_id, const char *name, const char *status,
                          const int64_t *current_task_id, int *renewed, char *err, size_t n);
st_status store_release(store *s, const char *worker_id, const char *lease_id, char *err, size_t n);
/* Every lease held by worker_id is expired and swept now (a restarted
 * worker's dead leases); *released = how many. */
st_status store_release_worker(store *s, const char *worker_id, int *released);
/* Claim (spec §8.3 with leases); *jobs receives the array of JobInfo. */
st_status store_claim(store *s, const cr_claim *c, json_t **jobs, char *err, size_t n);
/* Complete (spec §8.4 with leases and idempotency). *enqueued is set when
 * an execute task was queued. */
st_status store_complete(store *s, const cr_complete *c, int *enqueued, char *err, size_t n);
st_status store_task_completion(store *s, const char *worker_id, int success);

/* ---- WASM cache index (files live in the cache directory) ---- */
typedef struct {
    char sha256[65];
    int64_t size;
    int64_t created_ms;
} store_wasm;
/* Records a stored file (and the build (repo, commit, target) -> sha when
 * commit is a commit id). */
st_status store_wasm_put(store *s, const char *sha, int64_t size, const char *repo, const char *commit,
                         const char *target, int *indexed);
/* ST_OK and *w filled when known. touch: count as an access (LRU). */
st_status store_wasm_get(store *s, const char *sha, int touch, store_wasm *w);
st_status store_wasm_delete(store *s, const char *sha);
st_status store_wasm_lookup_build(store *s, const char *repo, const char *commit, const char *target, store_wasm *w);
int64_t store_wasm_total(store *s, int64_t *count);
/* The least recently used file other than keep; ST_EMPTY when none. */
st_status store_wasm_oldest(store *s, const char *keep, store_wasm *w);

/* ---- locks ---- */
int store_lock_acquire(store *s, const char *key, const char *worker_id, int64_t ttl_ms);
st_status store_lock_release(store *s, const char *key);

/* ---- logs ---- */
st_status store_log_add(store *s, int64_t request_id, const int64_t *job_id, const char *type, const char *stderr_s,
                        const char *stdout_s, const int64_t *exit_code, const char *exec_error, int64_t *id);
json_t *store_log_list(store *s, int64_t request_id);

/* ---- public read models (JSON shaped as spec §6.13-§6.20) ---- */
json_t *store_public_stats(store *s);
json_t *store_public_workers(store *s);
json_t *store_public_jobs(store *s, int64_t limit, int64_t offset, const char *user);
json_t *store_user_earnings(store *s, const char *user);
json_t *store_popular_repos(store *s);

/* ---- API keys (SHA-256 hex of the key) and attestations ---- */
st_status store_apikey_add(store *s, const char *hash, const char *account, const char *name, int64_t limit,
                           int64_t *created_ms);
/* ST_OK with id, active and limit (60 when NULL), ST_NOT_FOUND, ST_ERROR. */
st_status store_apikey_lookup(store *s, const char *hash, int64_t *id, int *active, int64_t *limit);
/* a: the validated request body of POST /attestations. */
st_status store_attestation_add(store *s, json_t *a, const char *measurement, const char *token_hash, int64_t *id);
json_t *store_attestation_get(store *s, int64_t task_id);

/* ---- commit -> branch cache of /github/resolve-branch ---- */
st_status store_branch_get(store *s, const char *repo, const char *commit, char *branch, size_t size);
st_status store_branch_put(store *s, const char *repo, const char *commit, const char *branch, int64_t ttl_ms);

/* ---- metrics ---- */
typedef struct {
    int64_t queued, leased, done, abandoned_waiting;
    int64_t jobs_in_progress, jobs_completed, jobs_failed;
    int64_t lease_expiries;
    int64_t cache_bytes, cache_files;
} store_metrics;
void store_get_metrics(store *s, store_metrics *m);
/* PostgreSQL group commit counters (db_group_stats); 0 on SQLite. */
void store_group_stats(store *s, int64_t *groups, int64_t *statements, int64_t *retried);

/* ---- programs' persistent key-value storage (docs/program-api.md) ----
 * One store per (owner, project). Keys are lowercase hex (byte order =
 * text order), values standard base64; size = key bytes + value bytes.
 * Every operation is atomic; set and delete keep the per-project usage row
 * (keys, bytes) exact under concurrency (the row is locked first). */
typedef struct {
    int64_t max_keys, max_bytes;
} store_kv_quota;
/* ST_OK with *value_b64 (malloc'd), ST_NOT_FOUND, ST_ERROR. */
st_status store_kv_get(store *s, const char *owner, const char *project, const char *key_hex, char **value_b64);
/* ST_OK, ST_CONFLICT when the quota would be exceeded (err says which),
 * ST_ERROR. *keys / *bytes (may be NULL): the usage afterwards. */
st_status store_kv_set(store *s, const char *owner, const char *project, const char *key_hex, const char *value_b64,
                       int64_t size, const store_kv_quota *q, int64_t *keys, int64_t *bytes, char *err, size_t n);
st_status store_kv_delete(store *s, const char *owner, const char *project, const char *key_hex);
/* Keys with the prefix after cursor ("" = from the start), at most limit:
 * {"keys":[hex...],"next_cursor":hex|null}; NULL on a storage error. */
json_t *store_kv_list(store *s, const char *owner, const char *project, const char *prefix_hex, const char *cursor_hex,
                      int limit);
st_status store_kv_usage(store *s, const char *owner, const char *project, int64_t *keys, int64_t *bytes);
/* The ExecutionRequest (payload JSON, malloc'd) of the task a live lease
 * holds: ST_OK, ST_NOT_FOUND (no such lease, or it ended), ST_ERROR. */
st_status store_kv_lease_payload(store *s, const char *lease_id, char **payload);

#endif
