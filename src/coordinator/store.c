/* store.c — the coordinator's storage (see store.h), written once on the
 * small SQL layer of db.h for both backends.
 *
 * SQLite: one connection in WAL mode; every queue operation that reads and
 * then writes runs inside BEGIN IMMEDIATE, so two claimers can never both
 * see a task as free. PostgreSQL: a pool of connections; the rows a
 * transaction is about to change are locked (FOR UPDATE, and SKIP LOCKED
 * when leasing), so several coordinators can share one database, and
 * NOTIFY outlayer_work wakes the long polls of all of them. */
#include "coordinator/store.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/log.h"
#include "coordinator/db.h"
#include "coordinator/timefmt.h"

struct store {
    db_pool *pool;
    int pg;
    store_queue_cfg qc;
    pthread_mutex_t counters_mu;
    int64_t lease_expiries;
};

/* ------------------------------------------------------------------ */
/* schema: numbered migrations, applied in order, recorded in schema_version */

static const char *const MIGRATIONS[] = {
    /* 1: the initial schema */
    "CREATE TABLE execution_requests("
    "  request_id INTEGER NOT NULL, data_id TEXT NOT NULL, payload TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, PRIMARY KEY(request_id, data_id));"
    "CREATE TABLE tasks("
    "  task_id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  request_id INTEGER NOT NULL, data_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK(kind IN ('compile','execute')),"
    "  payload TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK(state IN ('queued','leased','done')),"
    "  lease_id TEXT UNIQUE, worker_id TEXT, lease_expires_at INTEGER,"
    "  attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,"
    "  abandoned_reason TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX tasks_by_state ON tasks(state, task_id);"
    "CREATE INDEX tasks_by_request ON tasks(request_id, data_id);"
    "CREATE TABLE jobs("
    "  job_id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  request_id INTEGER NOT NULL, data_id TEXT NOT NULL,"
    "  job_type TEXT NOT NULL CHECK(job_type IN ('compile','execute')),"
    "  status TEXT NOT NULL DEFAULT 'pending' CHECK(status IN ('pending','in_progress','completed','failed',"
    "    'compilation_failed','execution_failed','access_denied','insufficient_payment','custom')),"
    "  worker_id TEXT, lease_id TEXT, task_id INTEGER,"
    "  wasm_checksum TEXT, user_account_id TEXT, near_payment_yocto TEXT, transaction_hash TEXT,"
    "  github_repo TEXT, github_commit TEXT, wasm_url TEXT, wasm_content_hash TEXT, build_target TEXT,"
    "  compile_cost_yocto TEXT, compile_time_ms INTEGER, compile_error TEXT, error_details TEXT,"
    "  result_digest TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, completed_at INTEGER,"
    "  UNIQUE(request_id, data_id, job_type));"
    "CREATE TABLE execution_history("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, job_id INTEGER, request_id INTEGER NOT NULL, data_id TEXT,"
    "  job_type TEXT, worker_id TEXT NOT NULL, success INTEGER NOT NULL,"
    "  execution_time_ms INTEGER, compile_time_ms INTEGER, instructions_used INTEGER,"
    "  user_account_id TEXT, near_payment_yocto TEXT, actual_cost_yocto TEXT, compile_cost_yocto TEXT,"
    "  github_repo TEXT, github_commit TEXT, transaction_hash TEXT, created_at INTEGER NOT NULL);"
    "CREATE INDEX history_by_time ON execution_history(created_at);"
    "CREATE INDEX history_by_user ON execution_history(user_account_id);"
    "CREATE TABLE wasm_files("
    "  sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, created_at INTEGER NOT NULL,"
    "  last_accessed_at INTEGER NOT NULL, access_count INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX wasm_files_lru ON wasm_files(last_accessed_at);"
    "CREATE TABLE wasm_builds("
    "  repo_url TEXT NOT NULL, commit_hash TEXT NOT NULL, build_target TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  PRIMARY KEY(repo_url, commit_hash, build_target));"
    "CREATE TABLE worker_tokens("
    "  token_hash TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, is_active INTEGER NOT NULL DEFAULT 1,"
    "  created_at INTEGER NOT NULL, last_used_at INTEGER);"
    "CREATE TABLE workers("
    "  worker_id TEXT PRIMARY KEY, worker_name TEXT, status TEXT NOT NULL DEFAULT 'offline',"
    "  current_task_id INTEGER, last_heartbeat_at INTEGER NOT NULL, created_at INTEGER NOT NULL,"
    "  total_tasks_completed INTEGER NOT NULL DEFAULT 0, total_tasks_failed INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE locks(lock_key TEXT PRIMARY KEY, worker_id TEXT NOT NULL, expires_at INTEGER NOT NULL);"
    "CREATE TABLE system_logs("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, request_id INTEGER NOT NULL, job_id INTEGER,"
    "  log_type TEXT NOT NULL, stderr TEXT, stdout TEXT, exit_code INTEGER, execution_error TEXT,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX system_logs_by_request ON system_logs(request_id);"
    "CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    /* 2: API keys and TDX attestations (spec §7.8, §7.9) */
    "CREATE TABLE api_keys("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, api_key TEXT NOT NULL UNIQUE, near_account_id TEXT NOT NULL,"
    "  key_name TEXT, is_active INTEGER NOT NULL DEFAULT 1, rate_limit_per_minute INTEGER,"
    "  created_at INTEGER NOT NULL, last_used_at INTEGER);"
    "CREATE TABLE task_attestations("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, task_id INTEGER NOT NULL, task_type TEXT NOT NULL,"
    "  tdx_quote TEXT NOT NULL, worker_measurement TEXT NOT NULL, request_id INTEGER, caller_account_id TEXT,"
    "  transaction_hash TEXT, block_height INTEGER, repo_url TEXT, commit_hash TEXT, build_target TEXT,"
    "  wasm_hash TEXT, input_hash TEXT, output_hash TEXT NOT NULL, token_hash TEXT, created_at INTEGER NOT NULL);"
    "CREATE INDEX task_attestations_by_task ON task_attestations(task_id);",
    /* 3: commit -> branch answers of /github/resolve-branch */
    "CREATE TABLE branch_cache(repo TEXT NOT NULL, commit_id TEXT NOT NULL, branch TEXT NOT NULL,"
    "  expires_at INTEGER NOT NULL, PRIMARY KEY(repo, commit_id));",
    /* 4: the program's outlayer_v1 HTTP transcript (docs/program-api.md), which task_hash binds */
    "ALTER TABLE task_attestations ADD COLUMN http_transcript_sha256 TEXT;"
    "ALTER TABLE task_attestations ADD COLUMN http_requests INTEGER;",
    /* 5: programs' persistent key-value storage per (owner, project) (docs/program-api.md) */
    "CREATE TABLE program_storage(owner TEXT NOT NULL, project TEXT NOT NULL, key_hex TEXT NOT NULL,"
    "  value_b64 TEXT NOT NULL, size INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY(owner, project, key_hex));"
    "CREATE TABLE program_storage_usage(owner TEXT NOT NULL, project TEXT NOT NULL,"
    "  keys INTEGER NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY(owner, project));",
    /* 6: the key that proved the program's outlayer_v1 VRF outputs, and how many */
    "ALTER TABLE task_attestations ADD COLUMN vrf_public_key TEXT;"
    "ALTER TABLE task_attestations ADD COLUMN vrf_calls INTEGER;",
    /* 7: PostgreSQL's partial task indexes (see MIGRATIONS_PG); SQLite's B-tree
     * keeps no dead index entries, so tasks_by_state stays (a statement that
     * changes nothing) */
    "CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks(state, task_id);",
};

/* The same migrations for PostgreSQL: version N here is version N above. */
static const char *const MIGRATIONS_PG[] = {
    /* 1: the initial schema (the same tables; PostgreSQL types) */
    "CREATE TABLE execution_requests("
    "  request_id BIGINT NOT NULL, data_id TEXT NOT NULL, payload TEXT NOT NULL,"
    "  created_at BIGINT NOT NULL, PRIMARY KEY(request_id, data_id));"
    "CREATE TABLE tasks("
    "  task_id BIGSERIAL PRIMARY KEY,"
    "  request_id BIGINT NOT NULL, data_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK(kind IN ('compile','execute')),"
    "  payload TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK(state IN ('queued','leased','done')),"
    "  lease_id TEXT UNIQUE, worker_id TEXT, lease_expires_at BIGINT,"
    "  attempts BIGINT NOT NULL DEFAULT 0, max_attempts BIGINT NOT NULL,"
    "  abandoned_reason TEXT,"
    "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
    "CREATE INDEX tasks_by_state ON tasks(state, task_id);"
    "CREATE INDEX tasks_by_request ON tasks(request_id, data_id);"
    "CREATE TABLE jobs("
    "  job_id BIGSERIAL PRIMARY KEY,"
    "  request_id BIGINT NOT NULL, data_id TEXT NOT NULL,"
    "  job_type TEXT NOT NULL CHECK(job_type IN ('compile','execute')),"
    "  status TEXT NOT NULL DEFAULT 'pending' CHECK(status IN ('pending','in_progress','completed','failed',"
    "    'compilation_failed','execution_failed','access_denied','insufficient_payment','custom')),"
    "  worker_id TEXT, lease_id TEXT, task_id BIGINT,"
    "  wasm_checksum TEXT, user_account_id TEXT, near_payment_yocto TEXT, transaction_hash TEXT,"
    "  github_repo TEXT, github_commit TEXT, wasm_url TEXT, wasm_content_hash TEXT, build_target TEXT,"
    "  compile_cost_yocto TEXT, compile_time_ms BIGINT, compile_error TEXT, error_details TEXT,"
    "  result_digest TEXT,"
    "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, completed_at BIGINT,"
    "  UNIQUE(request_id, data_id, job_type));"
    "CREATE TABLE execution_history("
    "  id BIGSERIAL PRIMARY KEY, job_id BIGINT, request_id BIGINT NOT NULL, data_id TEXT,"
    "  job_type TEXT, worker_id TEXT NOT NULL, success BIGINT NOT NULL,"
    "  execution_time_ms BIGINT, compile_time_ms BIGINT, instructions_used BIGINT,"
    "  user_account_id TEXT, near_payment_yocto TEXT, actual_cost_yocto TEXT, compile_cost_yocto TEXT,"
    "  github_repo TEXT, github_commit TEXT, transaction_hash TEXT, created_at BIGINT NOT NULL);"
    "CREATE INDEX history_by_time ON execution_history(created_at);"
    "CREATE INDEX history_by_user ON execution_history(user_account_id);"
    "CREATE TABLE wasm_files("
    "  sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, created_at BIGINT NOT NULL,"
    "  last_accessed_at BIGINT NOT NULL, access_count BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX wasm_files_lru ON wasm_files(last_accessed_at);"
    "CREATE TABLE wasm_builds("
    "  repo_url TEXT NOT NULL, commit_hash TEXT NOT NULL, build_target TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL, created_at BIGINT NOT NULL,"
    "  PRIMARY KEY(repo_url, commit_hash, build_target));"
    "CREATE TABLE worker_tokens("
    "  token_hash TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, is_active BIGINT NOT NULL DEFAULT 1,"
    "  created_at BIGINT NOT NULL, last_used_at BIGINT);"
    "CREATE TABLE workers("
    "  worker_id TEXT PRIMARY KEY, worker_name TEXT, status TEXT NOT NULL DEFAULT 'offline',"
    "  current_task_id BIGINT, last_heartbeat_at BIGINT NOT NULL, created_at BIGINT NOT NULL,"
    "  total_tasks_completed BIGINT NOT NULL DEFAULT 0, total_tasks_failed BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE locks(lock_key TEXT PRIMARY KEY, worker_id TEXT NOT NULL, expires_at BIGINT NOT NULL);"
    "CREATE TABLE system_logs("
    "  id BIGSERIAL PRIMARY KEY, request_id BIGINT NOT NULL, job_id BIGINT,"
    "  log_type TEXT NOT NULL, stderr TEXT, stdout TEXT, exit_code BIGINT, execution_error TEXT,"
    "  created_at BIGINT NOT NULL);"
    "CREATE INDEX system_logs_by_request ON system_logs(request_id);"
    "CREATE TABLE counters(name TEXT PRIMARY KEY, value BIGINT NOT NULL);",
    /* 2: API keys and TDX attestations (spec §7.8, §7.9) */
    "CREATE TABLE api_keys("
    "  id BIGSERIAL PRIMARY KEY, api_key TEXT NOT NULL UNIQUE, near_account_id TEXT NOT NULL,"
    "  key_name TEXT, is_active BIGINT NOT NULL DEFAULT 1, rate_limit_per_minute BIGINT,"
    "  created_at BIGINT NOT NULL, last_used_at BIGINT);"
    "CREATE TABLE task_attestations("
    "  id BIGSERIAL PRIMARY KEY, task_id BIGINT NOT NULL, task_type TEXT NOT NULL,"
    "  tdx_quote TEXT NOT NULL, worker_measurement TEXT NOT NULL, request_id BIGINT, caller_account_id TEXT,"
    "  transaction_hash TEXT, block_height BIGINT, repo_url TEXT, commit_hash TEXT, build_target TEXT,"
    "  wasm_hash TEXT, input_hash TEXT, output_hash TEXT NOT NULL, token_hash TEXT, created_at BIGINT NOT NULL);"
    "CREATE INDEX task_attestations_by_task ON task_attestations(task_id);",
    /* 3: commit -> branch answers of /github/resolve-branch */
    "CREATE TABLE branch_cache(repo TEXT NOT NULL, commit_id TEXT NOT NULL, branch TEXT NOT NULL,"
    "  expires_at BIGINT NOT NULL, PRIMARY KEY(repo, commit_id));",
    /* 4: the program's outlayer_v1 HTTP transcript (docs/program-api.md), which task_hash binds */
    "ALTER TABLE task_attestations ADD COLUMN http_transcript_sha256 TEXT;"
    "ALTER TABLE task_attestations ADD COLUMN http_requests BIGINT;",
    /* 5: programs' persistent key-value storage per (owner, project) (docs/program-api.md);
     * keys compare byte-wise (COLLATE "C"), as in SQLite */
    "CREATE TABLE program_storage(owner TEXT NOT NULL, project TEXT NOT NULL, key_hex TEXT COLLATE \"C\" NOT NULL,"
    "  value_b64 TEXT NOT NULL, size BIGINT NOT NULL, updated_at BIGINT NOT NULL,"
    "  PRIMARY KEY(owner, project, key_hex));"
    "CREATE TABLE program_storage_usage(owner TEXT NOT NULL, project TEXT NOT NULL,"
    "  keys BIGINT NOT NULL, bytes BIGINT NOT NULL, PRIMARY KEY(owner, project));",
    /* 6: the key that proved the program's outlayer_v1 VRF outputs, and how many */
    "ALTER TABLE task_attestations ADD COLUMN vrf_public_key TEXT;"
    "ALTER TABLE task_attestations ADD COLUMN vrf_calls BIGINT;",
    /* 7: the lease scans the queued tasks in task_id order. In tasks_by_state
     * the start of that range shares its leaf page with the newest 'leased'
     * entries, which every lease inserts into, so the page keeps changing and
     * scans cannot mark the dead 'queued' entries of leased tasks as dead: each
     * lease re-read them until the next vacuum (21 -> 134 buffers per lease
     * after ~4,000 jobs). A partial index of the queued tasks alone has no
     * such neighbour; one of the leased tasks serves the sweeper and the
     * heartbeats. */
    "CREATE INDEX tasks_queued ON tasks(task_id) WHERE state='queued';"
    "CREATE INDEX tasks_leased ON tasks(lease_expires_at) WHERE state='leased';"
    "DROP INDEX tasks_by_state;",
};
#define NMIGRATIONS ((int)(sizeof MIGRATIONS / sizeof *MIGRATIONS))
_Static_assert(sizeof MIGRATIONS == sizeof MIGRATIONS_PG, "one migration list per dialect, same length");

int64_t store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *col_dup(db_rows *st, int i)
{
    const char *t = db_text(st, i);
    return t ? strdup(t) : NULL;
}

static json_t *col_json_str(db_rows *st, int i)
{
    const char *t = db_text(st, i);
    return t ? json_string(t) : json_null();
}

static json_t *col_json_int(db_rows *st, int i) { return db_null(st, i) ? json_null() : json_integer(db_int(st, i)); }

static void set_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* open / migrate */

static int migrate(store *s, char *err, size_t n)
{
    db *d = db_get(s->pool);
    int ret = -1;
    char e[256];
    if (db_script(d,
                  "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER PRIMARY KEY, "
                  "description TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                  e, sizeof e)) {
        set_err(err, n, "cannot create schema_version: %s", e);
        goto out;
    }
    const char *const *mig = s->pg ? MIGRATIONS_PG : MIGRATIONS;
    int cur = (int)db_scalar(d, 0, "SELECT MAX(version) FROM schema_version", NULL);
    if (cur > NMIGRATIONS) {
        set_err(err, n, "database schema version %d is newer than this program (%d)", cur, NMIGRATIONS);
        goto out;
    }
    for (int v = cur + 1; v <= NMIGRATIONS; v++) {
        if (db_begin(d)) {
            set_err(err, n, "cannot begin migration %d: %s", v, db_errmsg(d));
            goto out;
        }
        /* PostgreSQL: one migrator at a time when coordinators start together */
        if (s->pg && db_script(d, "LOCK TABLE schema_version IN EXCLUSIVE MODE", e, sizeof e)) {
            db_rollback(d);
            set_err(err, n, "cannot lock schema_version: %s", e);
            goto out;
        }
        if (db_scalar(d, 0, "SELECT COUNT(*) FROM schema_version WHERE version=?", "i", (int64_t)v)) {
            db_rollback(d); /* another coordinator applied it meanwhile */
            continue;
        }
        if (db_script(d, mig[v - 1], e, sizeof e)) {
            set_err(err, n, "migration %d failed: %s", v, e);
            db_rollback(d);
            goto out;
        }
        char desc[32];
        snprintf(desc, sizeof desc, "migration %d", v);
        if (db_exec(d, "INSERT INTO schema_version(version, description, applied_at) VALUES(?,?,?)", "iti", (int64_t)v,
                    desc, store_now_ms()) < 0 ||
            db_commit(d)) {
            set_err(err, n, "cannot record migration %d", v);
            goto out;
        }
        log_info("store", "applied schema migration %d", v);
    }
    ret = 0;
out:
    db_put(s->pool, d);
    return ret;
}

store *store_open(const char *url, const char *data_dir, const store_queue_cfg *qc, char *err, size_t n)
{
    store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->qc = *qc;
    pthread_mutex_init(&s->counters_mu, NULL);
    s->pool = db_open(url, data_dir, qc->max_conns ? qc->max_conns : 8, err, n);
    if (!s->pool) {
        store_close(s);
        return NULL;
    }
    s->pg = db_is_pg(s->pool);
    if (qc->pg_groups)
        db_set_groups(s->pool, qc->pg_groups < 0 ? 0 : qc->pg_groups);
    if (migrate(s, err, n)) {
        store_close(s);
        return NULL;
    }
    return s;
}

void store_close(store *s)
{
    if (!s)
        return;
    db_close(s->pool);
    pthread_mutex_destroy(&s->counters_mu);
    free(s);
}

const char *store_kind(store *s) { return db_kind(s->pool); }

int store_listen(store *s, void (*fn)(void *), void *ctx, char *err, size_t n)
{
    return db_listen(s->pool, fn, ctx, err, n);
}

int store_schema_version(store *s)
{
    db *d = db_get(s->pool);
    int v = (int)db_scalar(d, 0, "SELECT MAX(version) FROM schema_version", NULL);
    db_put(s->pool, d);
    return v;
}

/* ------------------------------------------------------------------ */
/* tokens */

st_status store_token_add(store *s, const char *name, const char *hash, char *err, size_t n)
{
    db *d = db_get(s->pool);
    int exists =
        (int)db_scalar(d, 0, "SELECT COUNT(*) FROM worker_tokens WHERE name=? OR token_hash=?", "tt", name, hash);
    int rc = exists ? 0
                    : db_exec(d, "INSERT INTO worker_tokens(token_hash, name, is_active, created_at) VALUES(?,?,1,?)",
                              "tti", hash, name, store_now_ms());
    db_put(s->pool, d);
    if (exists) {
        set_err(err, n, "a token named '%s' (or with the same value) already exists", name);
        return ST_EXISTS;
    }
    return rc == 1 ? ST_OK : ST_ERROR;
}

int store_token_check(store *s, const char *hash)
{
    db *d = db_get(s->pool);
    int64_t active = db_scalar(d, -2, "SELECT is_active FROM worker_tokens WHERE token_hash=?", "t", hash);
    if (active == 1)
        db_exec(d, "UPDATE worker_tokens SET last_used_at=? WHERE token_hash=?", "it", store_now_ms(), hash);
    db_put(s->pool, d);
    return active == 1 ? 1 : 0;
}

st_status store_token_revoke(store *s, const char *name, char *err, size_t n)
{
    db *d = db_get(s->pool);
    int rc = db_exec(d, "UPDATE worker_tokens SET is_active=0 WHERE name=?", "t", name);
    db_put(s->pool, d);
    if (rc == 0) {
        set_err(err, n, "no token named '%s'", name);
        return ST_NOT_FOUND;
    }
    return rc > 0 ? ST_OK : ST_ERROR;
}

json_t *store_token_list(store *s)
{
    json_t *arr = json_array();
    db *d = db_get(s->pool);
    db_rows *st = db_query(
        d, "SELECT name, substr(token_hash,1,12), is_active, created_at, last_used_at FROM worker_tokens ORDER BY name",
        NULL);
    while (st && db_next(st) == 1) {
        json_t *o = json_object();
        json_object_set_new(o, "name", col_json_str(st, 0));
        json_object_set_new(o, "hash_prefix", col_json_str(st, 1));
        json_object_set_new(o, "active", json_boolean((int)db_int(st, 2)));
        json_object_set_new(o, "created_at", col_json_int(st, 3));
        json_object_set_new(o, "last_used_at", col_json_int(st, 4));
        json_array_append_new(arr, o);
    }
    db_done(st);
    db_put(s->pool, d);
    return arr;
}

/* ------------------------------------------------------------------ */
/* queue */

/* What identifies a code source's WASM in the cache, for SQL that looks it
 * up itself (WASM_LOOKUP_SQL, parameters "tttt"): the lowercased hash of a
 * WasmUrl, or a GitHub (repo, commit, target) of the build index — only
 * under a commit id: a branch name is never a cache key. Unset ones NULL. */
typedef struct {
    char hash_buf[65];
    const char *hash, *repo, *commit, *target;
} cache_key;

static void cache_key_of(const cr_code_source *cs, cache_key *k)
{
    memset(k, 0, sizeof *k);
    if (cs->is_github) {
        if (cr_is_commit_id(cs->commit)) {
            k->repo = cs->repo;
            k->commit = cs->commit;
            k->target = cs->build_target;
        }
    } else if (cr_is_hex(cs->hash, 64)) {
        for (int i = 0; i < 64; i++)
            k->hash_buf[i] = (char)((cs->hash[i] >= 'A' && cs->hash[i] <= 'F') ? cs->hash[i] + 32 : cs->hash[i]);
        k->hash_buf[64] = 0;
        k->hash = k->hash_buf;
    }
}

/* The cached file's sha256 for a cache_key, or NULL (a scalar subquery). */
#define WASM_LOOKUP_SQL                                                                                          \
    "(SELECT sha256 FROM wasm_files WHERE sha256=COALESCE(CAST(? AS TEXT), (SELECT sha256 FROM wasm_builds WHERE " \
    "repo_url=? AND commit_hash=? AND build_target=?)))"

/* Whether the WASM for a code source is in the cache; fills sha (65). For
 * GitHub only builds indexed under a commit id count: a branch name is never
 * a cache key. */
static int wasm_cached(store *s, db *d, const cr_code_source *cs, char *sha)
{
    sha[0] = 0;
    const char *h = NULL;
    char found[65] = "";
    if (cs->is_github) {
        if (!cr_is_commit_id(cs->commit))
            return 0;
        db_rows *st =
            db_query(d, "SELECT sha256 FROM wasm_builds WHERE repo_url=? AND commit_hash=? AND build_target=?", "ttt",
                     cs->repo, cs->commit, cs->build_target);
        if (st && db_next(st) == 1)
            snprintf(found, sizeof found, "%s", db_text(st, 0));
        db_done(st);
        h = found[0] ? found : NULL;
    } else if (cr_is_hex(cs->hash, 64)) {
        for (int i = 0; i < 64; i++)
            found[i] = (char)((cs->hash[i] >= 'A' && cs->hash[i] <= 'F') ? cs->hash[i] + 32 : cs->hash[i]);
        found[64] = 0;
        h = found;
    }
    if (!h)
        return 0;
    if (db_scalar(d, 0, "SELECT COUNT(*) FROM wasm_files WHERE sha256=?", "t", h) == 0)
        return 0;
    snprintf(sha, 65, "%s", h);
    return 1;
}

static int code_source_from_payload(json_t *payload, cr_code_source *cs)
{
    char err[128];
    return cr_parse_code_source(json_object_get(payload, "code_source"), cs, err, sizeof err);
}

static int insert_task(store *s, db *d, int64_t rid, const char *did, const char *kind, const char *payload)
{
    int64_t now = store_now_ms();
    return db_exec(d,
                   "INSERT INTO tasks(request_id, data_id, kind, payload, state, attempts, max_attempts, created_at, "
                   "updated_at) VALUES(?,?,?,?,'queued',0,?,?,?)",
                   "itttiii", rid, did, kind, payload, (int64_t)s->qc.max_attempts, now, now) == 1
               ? 0
               : -1;
}

st_status store_create_execution(store *s, json_t *req, int *queued_compile, char *err, size_t n)
{
    int64_t rid = json_integer_value(json_object_get(req, "request_id"));
    const char *did = json_string_value(json_object_get(req, "data_id"));
    cr_code_source cs;
    if (code_source_from_payload(req, &cs)) {
        set_err(err, n, "invalid code_source");
        return ST_ERROR;
    }
    char *payload = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!payload)
        return ST_ERROR;
    st_status ret = ST_ERROR;
    db *d = db_get(s->pool);
    if (s->pg) {
        /* PostgreSQL: one statement, its own transaction, one round trip —
         * the cache lookup that picks the task's kind, the request and its
         * task. ON CONFLICT decides between coordinators: no row back means
         * the request already exists. The NOTIFY goes out after the commit,
         * from the listener thread (db_pg.c says why). */
        cache_key k;
        cache_key_of(&cs, &k);
        static const char PG_CREATE[] =
            "WITH er AS (INSERT INTO execution_requests(request_id, data_id, payload, created_at) VALUES(?,?,?,?) "
            "ON CONFLICT(request_id, data_id) DO NOTHING RETURNING request_id, data_id), "
            "k AS (SELECT CASE WHEN ?=1 THEN 'compile' WHEN " WASM_LOOKUP_SQL " IS NOT NULL THEN 'execute' "
            "ELSE 'compile' END AS kind), "
            "t AS (INSERT INTO tasks(request_id, data_id, kind, payload, state, attempts, max_attempts, created_at, "
            "updated_at) SELECT er.request_id, er.data_id, k.kind, ?, 'queued', 0, ?, ?, ? FROM er, k "
            "RETURNING task_id, kind) "
            "SELECT task_id, kind FROM t";
        int64_t now = store_now_ms();
        db_rows *st = db_query_grouped(d, PG_CREATE, "ittiitttttiii", rid, did, payload, now,
                                       (int64_t)json_is_true(json_object_get(req, "force_rebuild")), k.hash, k.repo,
                                       k.commit, k.target, payload, (int64_t)s->qc.max_attempts, now, now);
        int rc = st ? db_next(st) : -1;
        if (rc == 1) {
            *queued_compile = strcmp(db_text(st, 1), "compile") == 0;
            while (db_next(st) == 1) {
            }
            db_notify(d);
            ret = ST_OK;
        } else if (rc == 0) {
            ret = ST_EXISTS;
        }
        db_done(st);
        goto out;
    }
    if (db_begin(d))
        goto out;
    /* the insert decides: with several coordinators, exactly one wins */
    int ins = db_exec(d,
                      "INSERT INTO execution_requests(request_id, data_id, payload, created_at) VALUES(?,?,?,?) "
                      "ON CONFLICT(request_id, data_id) DO NOTHING",
                      "itti", rid, did, payload, store_now_ms());
    if (ins == 0) {
        db_rollback(d);
        ret = ST_EXISTS;
        goto out;
    }
    char sha[65];
    int cached = wasm_cached(s, d, &cs, sha);
    int compile = !cached || json_is_true(json_object_get(req, "force_rebuild"));
    if (ins != 1 || insert_task(s, d, rid, did, compile ? "compile" : "execute", payload)) {
        db_rollback(d);
        goto out;
    }
    db_notify(d);
    if (db_commit(d))
        goto out;
    *queued_compile = compile;
    ret = ST_OK;
out:
    db_put(s->pool, d);
    free(payload);
    return ret;
}

static void new_lease_id(char out[33])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(out, 33, b, sizeof b);
}

st_status store_lease_next(store *s, int caps, const char *worker_id, json_t **out, char *err, size_t n)
{
    *out = NULL;
    int can_c = (caps & CR_CAP_COMPILE) != 0, can_e = (caps & CR_CAP_EXECUTE) != 0;
    char lease[33];
    new_lease_id(lease);
    int64_t now = store_now_ms();
    st_status ret = ST_ERROR;
    db *d = db_get(s->pool);
    /* compile tasks need the compilation capability; execute tasks and
     * abandoned tasks (which only need resolving on chain) need execution. */
    /* PostgreSQL: concurrent leasers skip each other's candidate rows; the
     * outer state check makes a lost race return nothing, never a double lease. */
#define LEASE_SQL(LOCK, RET)                                                                                       \
    "UPDATE tasks SET state='leased', lease_id=?, worker_id=?, lease_expires_at=?, attempts=attempts+1, "          \
    "updated_at=? WHERE state='queued' AND task_id=(SELECT task_id FROM tasks WHERE state='queued' AND "           \
    "((kind='compile' AND abandoned_reason IS NULL AND ?=1) OR ((kind='execute' OR abandoned_reason IS NOT NULL) " \
    "AND ?=1)) ORDER BY task_id LIMIT 1" LOCK ") RETURNING payload, attempts, abandoned_reason" RET
    /* PostgreSQL: the lease need not wait for its own WAL flush. If the
     * database crashes before it reaches the disk, the task is simply queued
     * again — what a lease expiry does — and the worker's claim under the
     * lost lease is refused (409); nothing ran, since work starts only with
     * a claim, whose durable commit flushes the WAL past this lease anyway.
     * That saves one of the cycle's four flushes. The setting is made by the
     * statement itself (set_config(..., true) lasts until the end of its
     * implicit transaction), so the lease is one round trip, not
     * BEGIN + SET + UPDATE + COMMIT. (SQLite: a unit of the group commit,
     * like every other write.) */
    static const char SQ_LEASE[] = LEASE_SQL("", ""),
                      PG_LEASE[] =
                          LEASE_SQL(" FOR UPDATE SKIP LOCKED", ", set_config('synchronous_commit', 'off', true)");
    if (!s->pg && db_begin(d))
        goto out;
    db_rows *st = db_query(d, s->pg ? PG_LEASE : SQ_LEASE, "ttiiii", lease, worker_id, now + s->qc.lease_ms, now,
                           (int64_t)can_c, (int64_t)can_e);
    if (!st) {
        if (!s->pg)
            db_rollback(d);
        goto out;
    }
    int rc = db_next(st);
    if (rc == 1) {
        json_t *p = json_loads(db_text(st, 0), JSON_DECODE_ANY, NULL);
        if (!p) {
            set_err(err, n, "stored task is not valid JSON");
        } else {
            json_object_set_new(p, "lease_id", json_string(lease));
            json_object_set_new(p, "lease_seconds", json_integer((s->qc.lease_ms + 999) / 1000));
            json_object_set_new(p, "attempt", json_integer(db_int(st, 1)));
            if (!db_null(st, 2))
                json_object_set_new(p, "abandoned_reason", col_json_str(st, 2));
            *out = p;
            ret = ST_OK;
        }
        while (db_next(st) == 1) {
        }
    } else if (rc == 0) {
        ret = ST_EMPTY;
    }
    db_done(st);
    /* nothing leased: nothing to commit (no wait for a batch either) */
    if (!s->pg && (ret != ST_OK ? (db_rollback(d), 0) : db_commit(d))) {
        json_decref(*out);
        *out = NULL;
        ret = ST_ERROR;
    }
out:
    db_put(s->pool, d);
    return ret;
}

int store_sweep(store *s, int64_t *next_expiry)
{
    int64_t now = store_now_ms();
    int requeued = 0;
    db *d = db_get(s->pool);
    if (db_begin(d) == 0) {
        /* Abandon first: tasks whose last allowed lease just expired. */
#define ABANDON_SQL(LOCK)                                                                                        \
    "SELECT task_id, lease_id, worker_id, attempts FROM tasks WHERE state='leased' AND lease_expires_at<=? AND " \
    "attempts>=max_attempts AND abandoned_reason IS NULL" LOCK
        static const char SQ_AB[] = ABANDON_SQL(""), PG_AB[] = ABANDON_SQL(" FOR UPDATE SKIP LOCKED");
        db_rows *st = db_query(d, s->pg ? PG_AB : SQ_AB, "i", now);
        typedef struct {
            int64_t id, attempts;
            char *lease, *worker;
        } row;
        row rows[64];
        int nr = 0;
        while (st && nr < 64 && db_next(st) == 1) {
            rows[nr].id = db_int(st, 0);
            rows[nr].lease = col_dup(st, 1);
            rows[nr].worker = col_dup(st, 2);
            rows[nr].attempts = db_int(st, 3);
            nr++;
        }
        db_done(st);
        for (int i = 0; i < nr; i++) {
            char reason[256];
            snprintf(reason, sizeof reason,
                     "abandoned: the lease expired %lld times without a result (last worker %s stopped reporting)",
                     (long long)rows[i].attempts, rows[i].worker ? rows[i].worker : "?");
            db_exec(d, "UPDATE tasks SET abandoned_reason=? WHERE task_id=?", "ti", reason, rows[i].id);
            db_exec(
                d,
                "UPDATE jobs SET status='failed', error_details=?, updated_at=?, completed_at=? WHERE lease_id=? AND "
                "status='in_progress'",
                "tiit", reason, now, now, rows[i].lease);
            free(rows[i].lease);
            free(rows[i].worker);
        }
        int c = db_exec(d,
                        "UPDATE tasks SET state='queued', lease_id=NULL, worker_id=NULL, lease_expires_at=NULL, "
                        "updated_at=? WHERE state='leased' AND lease_expires_at<=?",
                        "ii", now, now);
        if (c > 0) {
            requeued = c;
            db_exec(d,
                    "INSERT INTO counters(name, value) VALUES('lease_expiries', ?) ON CONFLICT(name) DO UPDATE SET "
                    "value=counters.value+excluded.value",
                    "i", (int64_t)c);
            db_notify(d);
        }
        /* expired locks are garbage too */
        db_exec(d, "DELETE FROM locks WHERE expires_at<=?", "i", now);
        if (db_commit(d))
            requeued = 0;
    }
    if (next_expiry)
        *next_expiry = db_scalar(d, 0, "SELECT MIN(lease_expires_at) FROM tasks WHERE state='leased'", NULL);
    db_put(s->pool, d);
    db_checkpoint(s->pool);
    if (requeued)
        log_info("queue", "%d expired lease(s) put back in the queue", requeued);
    return requeued;
}

st_status store_heartbeat(store *s, const char *worker_id, const char *name, const char *status,
                          const int64_t *current_task_id, int *renewed, char *err, size_t n)
{
    int64_t now = store_now_ms();
    st_status ret = ST_ERROR;
    db *d = db_get(s->pool);
    if (db_begin(d))
        goto out;
    int a =
        db_exec(d,
                "INSERT INTO workers(worker_id, worker_name, status, current_task_id, last_heartbeat_at, created_at) "
                "VALUES(?,?,?,?,?,?) ON CONFLICT(worker_id) DO UPDATE SET worker_name=excluded.worker_name, "
                "status=excluded.status, current_task_id=excluded.current_task_id, "
                "last_heartbeat_at=excluded.last_heartbeat_at",
                "tttIii", worker_id, name, status, current_task_id, now, now);
    int b = db_exec(d, "UPDATE tasks SET lease_expires_at=?, updated_at=? WHERE state='leased' AND worker_id=?", "iit",
                    now + s->qc.lease_ms, now, worker_id);
    if (a < 0 || b < 0) {
        db_rollback(d);
        goto out;
    }
    if (db_commit(d))
        goto out;
    *renewed = b;
    ret = ST_OK;
out:
    db_put(s->pool, d);
    return ret;
}

st_status store_release(store *s, const char *worker_id, const char *lease_id, char *err, size_t n)
{
    db *d = db_get(s->pool);
    int c = db_exec(
        d,
        "UPDATE tasks SET state='queued', lease_id=NULL, worker_id=NULL, lease_expires_at=NULL, "
        "attempts=CASE WHEN attempts>0 THEN attempts-1 ELSE 0 END, updated_at=? WHERE lease_id=? AND worker_id=? AND state='leased'",
        "itt", store_now_ms(), lease_id, worker_id);
    if (c > 0)
        db_notify(d);
    db_put(s->pool, d);
    if (c < 0)
        return ST_ERROR;
    if (c == 0) {
        set_err(err, n, "lease %s is not held by worker %s (expired, released or unknown)", lease_id, worker_id);
        return ST_CONFLICT;
    }
    return ST_OK;
}

/* A worker restarted under the same id: its previous life's leases are
 * dead. They are expired now and swept at once, exactly as if they had run
 * out (the attempt counts: a task that crashed its worker must not loop
 * forever; abandonment after max_attempts applies). */
st_status store_release_worker(store *s, const char *worker_id, int *released)
{
    *released = 0;
    int64_t now = store_now_ms();
    db *d = db_get(s->pool);
    int c = db_exec(d, "UPDATE tasks SET lease_expires_at=?, updated_at=? WHERE state='leased' AND worker_id=?", "iit",
                    now - 1, now, worker_id);
    db_put(s->pool, d);
    if (c < 0)
        return ST_ERROR;
    if (c > 0)
        store_sweep(s, NULL);
    *released = c;
    return ST_OK;
}

/* ---- claim ---- */

typedef struct {
    int exists;
    int64_t job_id;
    char status[32];
    char lease[40];
    char *wasm_checksum, *compile_cost, *compile_error;
    int64_t compile_time_ms;
    int has_compile_time;
    int file_cached; /* -1 unknown, else whether wasm_checksum's file is in the cache */
} job_row;

static void job_row_free(job_row *j)
{
    free(j->wasm_checksum);
    free(j->compile_cost);
    free(j->compile_error);
}

/* The job columns of a claim query, from column col on. */
#define JOB_COLS                                                                                                  \
    "j.job_id, j.status, j.lease_id, j.wasm_checksum, j.compile_cost_yocto, j.compile_error, j.compile_time_ms, " \
    "j.job_type, (SELECT COUNT(*) FROM wasm_files w WHERE w.sha256=j.wasm_checksum)"

static void job_rows_add(db_rows *st, int col, job_row *cj, job_row *ej)
{
    if (db_null(st, col))
        return; /* the outer join found no job */
    const char *type = db_text(st, col + 7);
    job_row *j = type && strcmp(type, "compile") == 0 ? cj : type && strcmp(type, "execute") == 0 ? ej : NULL;
    if (!j || j->exists)
        return;
    j->exists = 1;
    j->job_id = db_int(st, col);
    snprintf(j->status, sizeof j->status, "%s", db_text(st, col + 1));
    if (db_text(st, col + 2))
        snprintf(j->lease, sizeof j->lease, "%s", db_text(st, col + 2));
    j->wasm_checksum = col_dup(st, col + 3);
    j->compile_cost = col_dup(st, col + 4);
    j->compile_error = col_dup(st, col + 5);
    j->has_compile_time = !db_null(st, col + 6);
    j->compile_time_ms = db_int(st, col + 6);
    j->file_cached = db_int(st, col + 8) > 0;
}

/* Both jobs of a request (compile and execute) in one query. */
static void load_jobs(store *s, db *d, int64_t rid, const char *did, job_row *cj, job_row *ej)
{
    db_rows *st = db_query(d, "SELECT " JOB_COLS " FROM jobs j WHERE j.request_id=? AND j.data_id=?", "it", rid, did);
    while (st && db_next(st) == 1)
        job_rows_add(st, 0, cj, ej);
    db_done(st);
}

static int64_t insert_job(store *s, db *d, const cr_claim *c, const char *type, const char *lease, int64_t task_id,
                          const char *sha, const char *compile_error)
{
    int64_t now = store_now_ms();
    /* always a claim's last statement: PostgreSQL commits with it */
    db_rows *st = db_query_last(
        d,
        "INSERT INTO jobs(request_id, data_id, job_type, status, worker_id, lease_id, task_id, wasm_checksum, "
        "user_account_id, near_payment_yocto, transaction_hash, github_repo, github_commit, wasm_url, "
        "wasm_content_hash, build_target, compile_error, created_at, updated_at) "
        "VALUES(?,?,?,'in_progress',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING job_id",
        "ittttittttttttttii", c->request_id, c->data_id, type, c->worker_id, lease, task_id, sha && *sha ? sha : NULL,
        c->user_account_id, c->near_payment_yocto, c->transaction_hash, c->cs.is_github ? c->cs.repo : NULL,
        c->cs.is_github ? c->cs.commit : NULL, c->cs.is_github ? NULL : c->cs.url, c->cs.is_github ? NULL : c->cs.hash,
        c->cs.build_target, compile_error, now, now);
    int64_t id = -1;
    if (st && db_next(st) == 1) {
        id = db_int(st, 0);
        while (db_next(st) == 1) {
        }
    }
    db_done(st);
    return id;
}

static json_t *job_info(int64_t id, const char *type, const char *sha, const job_row *compile)
{
    json_t *o = json_object();
    json_object_set_new(o, "job_id", json_integer(id));
    json_object_set_new(o, "job_type", json_string(type));
    if (sha && *sha)
        json_object_set_new(o, "wasm_checksum", json_string(sha));
    json_object_set_new(o, "allowed", json_true());
    if (compile && compile->exists) {
        if (compile->compile_cost)
            json_object_set_new(o, "compile_cost_yocto", json_string(compile->compile_cost));
        if (compile->compile_error)
            json_object_set_new(o, "compile_error", json_string(compile->compile_error));
        if (compile->has_compile_time)
            json_object_set_new(o, "compile_time_ms", json_integer(compile->compile_time_ms));
    }
    return o;
}

/* An existing job of the wanted type: hand it over when its previous holder
 * lost the lease (or return it again to the same holder); a finished job
 * means there is nothing left to do. Returns 1 when handled. */
static int reuse_job(store *s, db *d, const cr_claim *c, const job_row *j, const char *lease, int64_t task_id,
                     const char *type, const char *sha, const job_row *compile, json_t *jobs)
{
    if (!j->exists)
        return 0;
    if (strcmp(j->status, "in_progress") != 0) {
        if (task_id > 0)
            db_exec(d, "UPDATE tasks SET state='done', updated_at=? WHERE task_id=?", "ii", store_now_ms(), task_id);
        return 1;
    }
    if (lease && strcmp(j->lease, lease) != 0) {
        db_exec(d, "UPDATE jobs SET worker_id=?, lease_id=?, task_id=?, updated_at=? WHERE job_id=?", "ttiii",
                c->worker_id, lease, task_id, store_now_ms(), j->job_id);
    } else if (!lease) {
        return 1; /* no lease to prove ownership: refuse to hand over a running job */
    }
    json_array_append_new(jobs, job_info(j->job_id, type, sha && *sha ? sha : j->wasm_checksum, compile));
    return 1;
}

/* PostgreSQL: the common claim — a worker with the execution capability,
 * under its lease, for a request that has no job yet and whose WASM is
 * cached, without force_rebuild or compile_only — as one statement in its
 * own (durable) transaction: lock the task, look the WASM up, insert the
 * execute job. One round trip instead of two, one statement instead of
 * four (BEGIN, query, insert, COMMIT). The statement inserts only in that
 * case; anything else (no row back, or an error such as the unique
 * violation of a concurrent claim under the same lease) changed nothing,
 * and store_claim takes the general path, which decides it as before.
 * Returns 1 when the job was created (its info appended to jobs), else 0. */
static int claim_fast_pg(store *s, db *d, const cr_claim *c, json_t *jobs)
{
    static const char SQL[] =
        "WITH t AS (SELECT task_id, request_id, data_id FROM tasks WHERE lease_id=? AND worker_id=? AND "
        "state='leased' AND request_id=? AND data_id=? AND abandoned_reason IS NULL FOR UPDATE), "
        "w AS (SELECT " WASM_LOOKUP_SQL " AS sha), "
        "i AS (INSERT INTO jobs(request_id, data_id, job_type, status, worker_id, lease_id, task_id, wasm_checksum, "
        "user_account_id, near_payment_yocto, transaction_hash, github_repo, github_commit, wasm_url, "
        "wasm_content_hash, build_target, compile_error, created_at, updated_at) "
        "SELECT t.request_id, t.data_id, 'execute', 'in_progress', CAST(? AS TEXT), CAST(? AS TEXT), t.task_id, "
        "w.sha, CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), "
        "CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), NULL, CAST(? AS BIGINT), CAST(? AS BIGINT) "
        "FROM t, w WHERE w.sha IS NOT NULL AND NOT EXISTS(SELECT 1 FROM jobs j WHERE j.request_id=t.request_id "
        "AND j.data_id=t.data_id) RETURNING job_id, wasm_checksum) "
        "SELECT job_id, wasm_checksum FROM i";
    if (!s->pg || !c->lease_id || !c->can_execute || c->force_rebuild || c->compile_only || c->has_compile_result)
        return 0;
    cache_key k;
    cache_key_of(&c->cs, &k);
    int64_t now = store_now_ms();
    db_rows *st = db_query_grouped(d, SQL, "ttitttttttttttttttii", c->lease_id, c->worker_id, c->request_id, c->data_id,
                                   k.hash, k.repo, k.commit, k.target, c->worker_id, c->lease_id, c->user_account_id,
                                   c->near_payment_yocto, c->transaction_hash, c->cs.is_github ? c->cs.repo : NULL,
                                   c->cs.is_github ? c->cs.commit : NULL, c->cs.is_github ? NULL : c->cs.url,
                                   c->cs.is_github ? NULL : c->cs.hash, c->cs.build_target, now, now);
    int done = 0;
    if (st && db_next(st) == 1) {
        json_array_append_new(jobs, job_info(db_int(st, 0), "execute", db_text(st, 1), NULL));
        done = 1;
        while (db_next(st) == 1) {
        }
    }
    db_done(st);
    return done;
}

st_status store_claim(store *s, const cr_claim *c, json_t **jobs_out, char *err, size_t n)
{
    json_t *jobs = json_array();
    st_status ret = ST_ERROR;
    job_row cj = {0}, ej = {0};
    db *d = db_get(s->pool);
    if (claim_fast_pg(s, d, c, jobs)) {
        ret = ST_OK;
        goto out;
    }
    if (db_begin(d))
        goto out;
    /* the lease this claim is made under */
    int64_t task_id = 0;
    char lease[40] = "", kind[16] = "", *abandoned = NULL;
    db_rows *st;
    /* PostgreSQL: lock the task row, so the sweeper cannot requeue it under us */
#define CLAIM_BY_WORKER(LOCK)                                                                           \
    "SELECT task_id, lease_id, kind, abandoned_reason FROM tasks WHERE worker_id=? AND state='leased' " \
    "AND request_id=? AND data_id=? ORDER BY task_id DESC LIMIT 1" LOCK
    /* Under a lease (what workers do): one query for the task, both jobs of
     * the request and whether the WASM is cached. */
#define CLAIM_BY_LEASE(LOCK)                                                                                    \
    "SELECT t.task_id, t.lease_id, t.kind, t.abandoned_reason, " WASM_LOOKUP_SQL ", " JOB_COLS " FROM tasks t " \
    "LEFT JOIN jobs j ON j.request_id=t.request_id AND j.data_id=t.data_id WHERE t.lease_id=? AND "             \
    "t.worker_id=? AND t.state='leased' AND t.request_id=? AND t.data_id=?" LOCK
    static const char SQ_CL[] = CLAIM_BY_LEASE(""), PG_CL[] = CLAIM_BY_LEASE(" FOR UPDATE OF t");
    static const char SQ_CW[] = CLAIM_BY_WORKER(""), PG_CW[] = CLAIM_BY_WORKER(" FOR UPDATE");
    cj.file_cached = ej.file_cached = -1;
    char cs_sha[65] = "";
    int cs_known = 0; /* cs_sha was looked up with the task */
    if (c->lease_id) {
        cache_key k;
        cache_key_of(&c->cs, &k);
        st = db_query(d, s->pg ? PG_CL : SQ_CL, "ttttttit", k.hash, k.repo, k.commit, k.target, c->lease_id,
                      c->worker_id, c->request_id, c->data_id);
        while (st && db_next(st) == 1) {
            if (!task_id) {
                task_id = db_int(st, 0);
                snprintf(lease, sizeof lease, "%s", db_text(st, 1));
                snprintf(kind, sizeof kind, "%s", db_text(st, 2));
                abandoned = col_dup(st, 3);
                if (db_text(st, 4))
                    snprintf(cs_sha, sizeof cs_sha, "%s", db_text(st, 4));
                cs_known = 1;
            }
            job_rows_add(st, 5, &cj, &ej);
        }
        db_done(st);
    } else {
        st = db_query(d, s->pg ? PG_CW : SQ_CW, "tit", c->worker_id, c->request_id, c->data_id);
        if (st && db_next(st) == 1) {
            task_id = db_int(st, 0);
            snprintf(lease, sizeof lease, "%s", db_text(st, 1));
            snprintf(kind, sizeof kind, "%s", db_text(st, 2));
            abandoned = col_dup(st, 3);
        }
        db_done(st);
    }
    if (c->lease_id && !task_id) {
        db_rollback(d);
        set_err(err, n, "lease %s is not held by worker %s for this request (expired, released or unknown)",
                c->lease_id, c->worker_id);
        ret = ST_CONFLICT;
        goto out;
    }
    const char *lp = task_id ? lease : NULL;
    if (!cs_known)
        load_jobs(s, d, c->request_id, c->data_id, &cj, &ej);

    if (abandoned) {
        /* Nothing will run: the worker reports the reason on chain as a failure. */
        if (!c->can_execute) {
            db_rollback(d);
            set_err(err, n, "this task was abandoned and needs the execution capability to be resolved");
            ret = ST_CONFLICT;
            free(abandoned);
            goto out;
        }
        if (!reuse_job(s, d, c, &ej, lp, task_id, "execute", NULL, &cj, jobs)) {
            int64_t id = insert_job(s, d, c, "execute", lp, task_id, NULL, abandoned);
            if (id < 0) {
                int lost = db_unique_violation(d);
                db_rollback(d);
                if (lost) {
                    json_array_clear(jobs);
                    ret = ST_OK;
                }
                free(abandoned);
                goto out;
            }
            job_row fake = {.exists = 1, .compile_error = abandoned};
            json_array_append_new(jobs, job_info(id, "execute", NULL, &fake));
        }
        free(abandoned);
        goto commit_out;
    }

    char sha[65] = "";
    int cached = 0;
    if (cj.exists && strcmp(cj.status, "completed") == 0 && cj.wasm_checksum && cj.file_cached == 1) {
        snprintf(sha, sizeof sha, "%s", cj.wasm_checksum);
        cached = 1;
    } else if (cs_known) {
        snprintf(sha, sizeof sha, "%s", cs_sha);
        cached = sha[0] != 0;
    } else {
        cached = wasm_cached(s, d, &c->cs, sha);
    }
    int needs_compile = (c->force_rebuild && !(cj.exists && strcmp(cj.status, "completed") == 0)) || !cached;
    int is_execute_task = strcmp(kind, "execute") == 0;

    if (needs_compile && c->can_compile && !c->has_compile_result && !is_execute_task) {
        if (!reuse_job(s, d, c, &cj, lp, task_id, "compile", NULL, NULL, jobs)) {
            int64_t id = insert_job(s, d, c, "compile", lp, task_id, NULL, NULL);
            if (id < 0) {
                int lost = db_unique_violation(d);
                db_rollback(d);
                if (lost) {
                    json_array_clear(jobs);
                    ret = ST_OK;
                }
                goto out;
            }
            json_array_append_new(jobs, job_info(id, "compile", NULL, NULL));
        }
    } else if (c->can_execute && (!c->compile_only || c->has_compile_result)) {
        int nothing = !cached && !(cj.exists && cj.compile_error) && !c->has_compile_result;
        int wait_build = c->force_rebuild && cj.exists && strcmp(cj.status, "completed") != 0 && !cj.compile_error;
        if (nothing && is_execute_task && !ej.exists) {
            /* The build this task was queued for left the cache (LRU) before
             * it ran. Rather than bounce the task until it is abandoned, say
             * so now: the worker reports it on chain as a failure. */
            static const char reason[] = "the compiled WASM was evicted from the cache before execution; "
                                         "submit the request again";
            db_exec(d, "UPDATE tasks SET abandoned_reason=? WHERE task_id=?", "ti", reason, task_id);
            int64_t id = insert_job(s, d, c, "execute", lp, task_id, NULL, reason);
            if (id < 0) {
                db_rollback(d);
                goto out;
            }
            job_row fake = {.exists = 1, .compile_error = (char *)reason};
            json_array_append_new(jobs, job_info(id, "execute", NULL, &fake));
        } else if (!nothing && !wait_build && !reuse_job(s, d, c, &ej, lp, task_id, "execute", sha, &cj, jobs)) {
            int64_t id = insert_job(s, d, c, "execute", lp, task_id, sha, NULL);
            if (id < 0) {
                int lost = db_unique_violation(d);
                db_rollback(d);
                if (lost) {
                    json_array_clear(jobs);
                    ret = ST_OK;
                }
                goto out;
            }
            json_array_append_new(jobs, job_info(id, "execute", sha, &cj));
        }
    }
commit_out:
    if (db_commit(d))
        goto out;
    ret = ST_OK;
out:
    db_put(s->pool, d);
    job_row_free(&cj);
    job_row_free(&ej);
    if (ret == ST_OK)
        *jobs_out = jobs;
    else
        json_decref(jobs);
    return ret;
}

/* ---- complete ---- */

static json_t *load_request_payload(store *s, db *d, int64_t rid, const char *did)
{
    db_rows *st =
        db_query(d, "SELECT payload FROM execution_requests WHERE request_id=? AND data_id=?", "it", rid, did);
    json_t *p = NULL;
    if (st && db_next(st) == 1)
        p = json_loads(db_text(st, 0), JSON_DECODE_ANY, NULL);
    db_done(st);
    return p;
}

/* PostgreSQL: completing an execute job — what every job cycle ends with —
 * as one statement in its own (durable) transaction: lock the job, end its
 * task if the job still holds the lease, and only then update the job and
 * add the history row. One round trip instead of two, one statement instead
 * of five (BEGIN, lock, update, insert, COMMIT). The checks store_complete
 * makes are in the statement's conditions; when one fails, nothing was
 * written and the columns say which (the same answers as the general path).
 * A compile job (it queues the execute task) changes nothing here and goes
 * the general way. Returns ST_OK/ST_NOT_FOUND/ST_CONFLICT/ST_ERROR, or -1
 * for "take the general path". */
static int complete_fast_pg(store *s, db *d, const cr_complete *c, char *err, size_t n)
{
    static const char SQL[] =
        "WITH j AS (SELECT request_id, data_id, job_type, status, worker_id, lease_id, task_id, result_digest, "
        "user_account_id, near_payment_yocto, github_repo, github_commit, transaction_hash FROM jobs WHERE job_id=? "
        "FOR UPDATE), "
        "ok AS (SELECT * FROM j WHERE job_type='execute' AND status='in_progress' AND (CAST(? AS TEXT) IS NULL OR "
        "worker_id IS NULL OR worker_id=CAST(? AS TEXT))), "
        /* the task ends if the job's lease still holds it (or by id for a job claimed without a lease) */
        "t AS (UPDATE tasks SET state='done', updated_at=CAST(? AS BIGINT) WHERE (state='leased' AND "
        "lease_id=(SELECT lease_id FROM ok)) OR task_id=(SELECT task_id FROM ok WHERE lease_id IS NULL) RETURNING 1), "
        "held AS (SELECT ok.* FROM ok WHERE ok.lease_id IS NULL OR EXISTS(SELECT 1 FROM t)), "
        "u AS (UPDATE jobs SET status=CAST(? AS TEXT), wasm_checksum=CAST(? AS TEXT), error_details=CAST(? AS TEXT), "
        "compile_cost_yocto=CAST(? AS TEXT), compile_time_ms=CAST(? AS BIGINT), compile_error=CAST(? AS TEXT), "
        "result_digest=CAST(? AS TEXT), completed_at=CAST(? AS BIGINT), updated_at=CAST(? AS BIGINT) "
        "WHERE job_id=? AND EXISTS(SELECT 1 FROM held) RETURNING 1), "
        "h AS (INSERT INTO execution_history(job_id, request_id, data_id, job_type, worker_id, success, "
        "execution_time_ms, compile_time_ms, instructions_used, user_account_id, near_payment_yocto, "
        "actual_cost_yocto, compile_cost_yocto, github_repo, github_commit, transaction_hash, created_at) "
        "SELECT CAST(? AS BIGINT), request_id, data_id, job_type, COALESCE(worker_id, CAST(? AS TEXT), 'unknown'), "
        "CAST(? AS BIGINT), CAST(? AS BIGINT), NULL, CAST(? AS BIGINT), user_account_id, near_payment_yocto, "
        "CAST(? AS TEXT), CAST(? AS TEXT), github_repo, github_commit, transaction_hash, CAST(? AS BIGINT) FROM held "
        "RETURNING 1) "
        "SELECT job_type, status, worker_id, lease_id, result_digest, (SELECT COUNT(*) FROM held), "
        "(SELECT COUNT(*) FROM u), (SELECT COUNT(*) FROM h) FROM j";
    if (!s->pg)
        return -1;
    int64_t now = store_now_ms();
    const char *new_status = c->success ? "completed" : (c->error_category ? c->error_category : "failed");
    db_rows *st = db_query_grouped(d, SQL, "ittittttIttiiiitiIItti", c->job_id, c->worker_id, c->worker_id, now,
                                   new_status, c->wasm_checksum, c->success ? NULL : c->error, c->compile_cost_yocto,
                                   c->success ? &c->time_ms : NULL, c->success ? NULL : c->error, c->digest, now, now,
                                   c->job_id, c->job_id, c->worker_id, (int64_t)c->success, &c->time_ms,
                                   &c->instructions, c->actual_cost_yocto, c->compile_cost_yocto, now);
    if (!st)
        return ST_ERROR;
    int ret;
    if (db_next(st) != 1) {
        set_err(err, n, "no job with id %lld", (long long)c->job_id);
        ret = ST_NOT_FOUND;
    } else if (strcmp(db_text(st, 0), "execute") != 0) {
        ret = -1; /* a compile job: nothing was written */
    } else if (strcmp(db_text(st, 1), "in_progress") != 0) {
        /* already finished: the same result again is fine, another is not */
        const char *digest = db_text(st, 4);
        if (digest && strcmp(digest, c->digest) == 0) {
            ret = ST_OK;
        } else {
            set_err(err, n, "job %lld is already finished (%s) with a different result", (long long)c->job_id,
                    db_text(st, 1));
            ret = ST_CONFLICT;
        }
    } else if (c->worker_id && db_text(st, 2) && strcmp(c->worker_id, db_text(st, 2)) != 0) {
        set_err(err, n, "job %lld is held by another worker (this worker's lease was lost)", (long long)c->job_id);
        ret = ST_CONFLICT;
    } else if (db_int(st, 5) == 0) {
        set_err(err, n, "the lease of job %lld expired and the task went back to the queue", (long long)c->job_id);
        ret = ST_CONFLICT;
    } else {
        ret = db_int(st, 6) == 1 && db_int(st, 7) == 1 ? ST_OK : ST_ERROR;
    }
    db_done(st);
    return ret;
}

st_status store_complete(store *s, const cr_complete *c, int *enqueued, char *err, size_t n)
{
    *enqueued = 0;
    st_status ret = ST_ERROR;
    int64_t now = store_now_ms();
    db *d = db_get(s->pool);
    int fast = complete_fast_pg(s, d, c, err, n);
    if (fast >= 0) {
        ret = (st_status)fast;
        goto out;
    }
    if (db_begin(d))
        goto out;
#define COMPLETE_JOB(LOCK)                                                                        \
    "SELECT request_id, data_id, job_type, status, worker_id, lease_id, task_id, result_digest, " \
    "user_account_id, near_payment_yocto, github_repo, github_commit, transaction_hash FROM jobs WHERE job_id=?" LOCK
    static const char SQ_CJ[] = COMPLETE_JOB("");
    /* PostgreSQL: the job row locked, and the task ended in the same
     * statement when this job still holds its lease (the checks below then
     * pass; when they fail, the update did not happen or is rolled back) —
     * one round trip instead of two. Column 13: tasks ended (0 or 1). */
    static const char PG_CJ[] =
        "WITH j AS (" COMPLETE_JOB(" FOR UPDATE") "), "
        "t AS (UPDATE tasks SET state='done', updated_at=? WHERE state='leased' AND lease_id=(SELECT lease_id "
        "FROM j WHERE status='in_progress' AND (CAST(? AS TEXT) IS NULL OR worker_id IS NULL OR "
        "worker_id=CAST(? AS TEXT))) RETURNING 1) "
        "SELECT j.*, (SELECT COUNT(*) FROM t) FROM j";
    db_rows *st = s->pg ? db_query(d, PG_CJ, "iitt", c->job_id, now, c->worker_id, c->worker_id)
                        : db_query(d, SQ_CJ, "i", c->job_id);
    if (!st) {
        db_rollback(d);
        goto out;
    }
    if (db_next(st) != 1) {
        db_done(st);
        db_rollback(d);
        set_err(err, n, "no job with id %lld", (long long)c->job_id);
        ret = ST_NOT_FOUND;
        goto out;
    }
    int64_t rid = db_int(st, 0);
    char *did = col_dup(st, 1), *type = col_dup(st, 2), *status = col_dup(st, 3), *worker = col_dup(st, 4),
         *lease = col_dup(st, 5), *digest = col_dup(st, 7), *user = col_dup(st, 8), *pay = col_dup(st, 9),
         *repo = col_dup(st, 10), *commit_s = col_dup(st, 11), *txh = col_dup(st, 12);
    int64_t task_id = db_int(st, 6);
    int64_t pg_held = s->pg ? db_int(st, 13) : 0;
    db_done(st);

    if (strcmp(status, "in_progress") != 0) {
        /* already finished: the same result again is fine, another is not */
        db_rollback(d);
        if (digest && strcmp(digest, c->digest) == 0)
            ret = ST_OK;
        else {
            set_err(err, n, "job %lld is already finished (%s) with a different result", (long long)c->job_id, status);
            ret = ST_CONFLICT;
        }
        goto free_out;
    }
    if (c->worker_id && worker && strcmp(c->worker_id, worker) != 0) {
        db_rollback(d);
        set_err(err, n, "job %lld is held by another worker (this worker's lease was lost)", (long long)c->job_id);
        ret = ST_CONFLICT;
        goto free_out;
    }
    /* The lease check and the task's end in one statement: the task is done
     * only if this job's lease still holds it (the UPDATE locks the row on
     * PostgreSQL, so the sweeper cannot requeue it under us); otherwise the
     * lease expired and the task went back to the queue. */
    int held = !lease  ? 1
               : s->pg ? (int)pg_held
                       : db_exec(d, "UPDATE tasks SET state='done', updated_at=? WHERE lease_id=? AND state='leased'",
                                 "it", now, lease);
    if (held < 0) {
        db_rollback(d);
        goto free_out;
    }
    if (held == 0) {
        db_rollback(d);
        set_err(err, n, "the lease of job %lld expired and the task went back to the queue", (long long)c->job_id);
        ret = ST_CONFLICT;
        goto free_out;
    }
    const char *new_status = c->success ? "completed" : (c->error_category ? c->error_category : "failed");
    int is_compile = strcmp(type, "compile") == 0;
    /* the statements whose results nobody reads go out with the COMMIT
     * (PostgreSQL: one round trip for the three) */
    if (db_exec_deferred(d,
                "UPDATE jobs SET status=?, wasm_checksum=?, error_details=?, compile_cost_yocto=?, compile_time_ms=?, "
                "compile_error=?, result_digest=?, completed_at=?, updated_at=? WHERE job_id=?",
                "ttttIttiii", new_status, c->wasm_checksum, c->success ? NULL : c->error, c->compile_cost_yocto,
                c->success ? &c->time_ms : NULL, c->success ? NULL : c->error, c->digest, now, now, c->job_id) < 0) {
        db_rollback(d);
        goto free_out;
    }
    if (task_id && !lease)
        db_exec_deferred(d, "UPDATE tasks SET state='done', updated_at=? WHERE task_id=?", "ii", now, task_id);

    if (is_compile) {
        json_t *p = load_request_payload(s, d, rid, did);
        int skip = 0;
        if (!p) {
            log_warn("queue", "request %lld has no stored request; execute task built from defaults", (long long)rid);
            p = json_pack("{s:I, s:s, s:{s:s, s:s?, s:s?, s:s}, s:{s:I, s:i, s:i}, s:s, s:s}", "request_id",
                          (json_int_t)rid, "data_id", did, "code_source", "type", "GitHub", "repo", repo, "commit",
                          commit_s, "build_target", CR_DEFAULT_TARGET, "resource_limits", "max_instructions",
                          (json_int_t)1000000000, "max_memory_mb", 128, "max_execution_seconds", 60, "input_data", "",
                          "response_format", "Text");
        }
        if (c->success && json_is_true(json_object_get(p, "compile_only")) && !c->compile_result)
            skip = 1;
        if (c->compile_result)
            json_object_set_new(p, "compile_result", json_string(c->compile_result));
        if (!skip && p) {
            char *payload = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (!payload || insert_task(s, d, rid, did, "execute", payload)) {
                free(payload);
                json_decref(p);
                db_rollback(d);
                goto free_out;
            }
            free(payload);
            *enqueued = 1;
            db_notify(d);
        }
        json_decref(p);
        if (skip) {
            /* compile_only without a result: no execute task and no history row (spec §8.4) */
            if (db_commit(d))
                goto free_out;
            ret = ST_OK;
            goto free_out;
        }
    }
    db_exec_deferred(
        d,
        "INSERT INTO execution_history(job_id, request_id, data_id, job_type, worker_id, success, execution_time_ms, "
        "compile_time_ms, instructions_used, user_account_id, near_payment_yocto, actual_cost_yocto, "
        "compile_cost_yocto, github_repo, github_commit, transaction_hash, created_at) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "iitttiIIIttttttti", c->job_id, rid, did, type, worker ? worker : (c->worker_id ? c->worker_id : "unknown"),
        (int64_t)c->success, is_compile ? NULL : &c->time_ms, is_compile ? &c->time_ms : NULL,
        is_compile ? NULL : &c->instructions, user, pay, c->actual_cost_yocto, c->compile_cost_yocto, repo, commit_s,
        txh, now);
    if (db_commit(d))
        goto free_out;
    ret = ST_OK;
free_out:
    free(did);
    free(type);
    free(status);
    free(worker);
    free(lease);
    free(digest);
    free(user);
    free(pay);
    free(repo);
    free(commit_s);
    free(txh);
out:
    db_put(s->pool, d);
    return ret;
}

st_status store_task_completion(store *s, const char *worker_id, int success)
{
    db *d = db_get(s->pool);
    int rc = db_exec(d,
                     success ? "UPDATE workers SET total_tasks_completed=total_tasks_completed+1, status='online', "
                               "current_task_id=NULL WHERE worker_id=?"
                             : "UPDATE workers SET total_tasks_failed=total_tasks_failed+1, status='online', "
                               "current_task_id=NULL WHERE worker_id=?",
                     "t", worker_id);
    db_put(s->pool, d);
    return rc < 0 ? ST_ERROR : ST_OK;
}

/* ------------------------------------------------------------------ */
/* wasm index */

st_status store_wasm_put(store *s, const char *sha, int64_t size, const char *repo, const char *commit,
                         const char *target, int *indexed)
{
    int64_t now = store_now_ms();
    *indexed = 0;
    db *d = db_get(s->pool);
    int rc = db_exec(d,
                     "INSERT INTO wasm_files(sha256, size, created_at, last_accessed_at) VALUES(?,?,?,?) "
                     "ON CONFLICT(sha256) DO UPDATE SET last_accessed_at=excluded.last_accessed_at",
                     "tiii", sha, size, now, now);
    if (rc >= 0 && repo && *repo && commit && cr_is_commit_id(commit)) {
        rc = db_exec(
            d,
            "INSERT INTO wasm_builds(repo_url, commit_hash, build_target, sha256, created_at) VALUES(?,?,?,?,?) "
            "ON CONFLICT(repo_url, commit_hash, build_target) DO UPDATE SET sha256=excluded.sha256",
            "tttti", repo, commit, target ? target : CR_DEFAULT_TARGET, sha, now);
        if (rc >= 0)
            *indexed = 1;
    }
    db_put(s->pool, d);
    return rc < 0 ? ST_ERROR : ST_OK;
}

st_status store_wasm_get(store *s, const char *sha, int touch, store_wasm *w)
{
    st_status ret = ST_NOT_FOUND;
    db *d = db_get(s->pool);
    db_rows *st = db_query(d, "SELECT size, created_at FROM wasm_files WHERE sha256=?", "t", sha);
    if (!st)
        ret = ST_ERROR;
    else if (db_next(st) == 1) {
        snprintf(w->sha256, sizeof w->sha256, "%s", sha);
        w->size = db_int(st, 0);
        w->created_ms = db_int(st, 1);
        ret = ST_OK;
    }
    db_done(st);
    if (ret == ST_OK && touch)
        db_exec(d, "UPDATE wasm_files SET last_accessed_at=?, access_count=access_count+1 WHERE sha256=?", "it",
                store_now_ms(), sha);
    db_put(s->pool, d);
    return ret;
}

st_status store_wasm_delete(store *s, const char *sha)
{
    db *d = db_get(s->pool);
    int a = db_exec(d, "DELETE FROM wasm_files WHERE sha256=?", "t", sha);
    int b = db_exec(d, "DELETE FROM wasm_builds WHERE sha256=?", "t", sha);
    db_put(s->pool, d);
    return a < 0 || b < 0 ? ST_ERROR : ST_OK;
}

st_status store_wasm_lookup_build(store *s, const char *repo, const char *commit, const char *target, store_wasm *w)
{
    st_status ret = ST_NOT_FOUND;
    db *d = db_get(s->pool);
    db_rows *st = db_query(d,
                           "SELECT f.sha256, f.size, f.created_at FROM wasm_builds b JOIN wasm_files f ON "
                           "f.sha256=b.sha256 WHERE b.repo_url=? AND b.commit_hash=? AND b.build_target=?",
                           "ttt", repo, commit, target);
    if (!st)
        ret = ST_ERROR;
    else if (db_next(st) == 1) {
        snprintf(w->sha256, sizeof w->sha256, "%s", db_text(st, 0));
        w->size = db_int(st, 1);
        w->created_ms = db_int(st, 2);
        ret = ST_OK;
    }
    db_done(st);
    db_put(s->pool, d);
    return ret;
}

int64_t store_wasm_total(store *s, int64_t *count)
{
    db *d = db_get(s->pool);
    int64_t t = db_scalar(d, 0, "SELECT COALESCE(SUM(size),0) FROM wasm_files", NULL);
    if (count)
        *count = db_scalar(d, 0, "SELECT COUNT(*) FROM wasm_files", NULL);
    db_put(s->pool, d);
    return t;
}

st_status store_wasm_oldest(store *s, const char *keep, store_wasm *w)
{
    st_status ret = ST_EMPTY;
    db *d = db_get(s->pool);
    db_rows *st = db_query(d,
                           "SELECT sha256, size, created_at FROM wasm_files WHERE sha256<>? "
                           "ORDER BY last_accessed_at, sha256 LIMIT 1",
                           "t", keep ? keep : "");
    if (!st)
        ret = ST_ERROR;
    else if (db_next(st) == 1) {
        snprintf(w->sha256, sizeof w->sha256, "%s", db_text(st, 0));
        w->size = db_int(st, 1);
        w->created_ms = db_int(st, 2);
        ret = ST_OK;
    }
    db_done(st);
    db_put(s->pool, d);
    return ret;
}

/* ------------------------------------------------------------------ */
/* locks */

int store_lock_acquire(store *s, const char *key, const char *worker_id, int64_t ttl_ms)
{
    int64_t now = store_now_ms();
    db *d = db_get(s->pool);
    db_exec(d, "DELETE FROM locks WHERE lock_key=? AND expires_at<=?", "ti", key, now);
    int rc =
        db_exec(d, "INSERT INTO locks(lock_key, worker_id, expires_at) VALUES(?,?,?) ON CONFLICT(lock_key) DO NOTHING",
                "tti", key, worker_id, now + ttl_ms);
    db_put(s->pool, d);
    return rc;
}

st_status store_lock_release(store *s, const char *key)
{
    db *d = db_get(s->pool);
    int rc = db_exec(d, "DELETE FROM locks WHERE lock_key=?", "t", key);
    db_put(s->pool, d);
    return rc < 0 ? ST_ERROR : ST_OK;
}

/* ------------------------------------------------------------------ */
/* logs */

st_status store_log_add(store *s, int64_t request_id, const int64_t *job_id, const char *type, const char *err_s,
                        const char *out_s, const int64_t *exit_code, const char *exec_error, int64_t *id)
{
    db *d = db_get(s->pool);
    st_status ret = ST_ERROR;
    db_rows *st = db_query(d,
                           "INSERT INTO system_logs(request_id, job_id, log_type, stderr, stdout, exit_code, "
                           "execution_error, created_at) VALUES(?,?,?,?,?,?,?,?) RETURNING id",
                           "iItttIti", request_id, job_id, type, err_s, out_s, exit_code, exec_error, store_now_ms());
    if (st && db_next(st) == 1) {
        *id = db_int(st, 0);
        ret = ST_OK;
    }
    db_done(st);
    db_put(s->pool, d);
    return ret;
}

json_t *store_log_list(store *s, int64_t request_id)
{
    json_t *arr = json_array();
    db *d = db_get(s->pool);
    db_rows *st = db_query(d,
                           "SELECT id, request_id, job_id, log_type, stderr, stdout, exit_code, execution_error, "
                           "created_at FROM system_logs WHERE request_id=? ORDER BY created_at DESC, id DESC",
                           "i", request_id);
    while (st && db_next(st) == 1) {
        char ts[40];
        tf_f3(db_int(st, 8), ts, sizeof ts);
        json_t *o = json_object();
        json_object_set_new(o, "id", col_json_int(st, 0));
        json_object_set_new(o, "request_id", col_json_int(st, 1));
        json_object_set_new(o, "job_id", col_json_int(st, 2));
        json_object_set_new(o, "log_type", col_json_str(st, 3));
        json_object_set_new(o, "stderr", col_json_str(st, 4));
        json_object_set_new(o, "stdout", col_json_str(st, 5));
        json_object_set_new(o, "exit_code", col_json_int(st, 6));
        json_object_set_new(o, "execution_error", col_json_str(st, 7));
        json_object_set_new(o, "created_at", json_string(ts));
        json_array_append_new(arr, o);
    }
    db_done(st);
    db_put(s->pool, d);
    return arr;
}

/* ------------------------------------------------------------------ */
/* public read models */

/* Sum of decimal strings (yoctoNEAR fits in 128 bits; we add as decimal text). */
static void dec_add(char *acc, size_t size, const char *v)
{
    if (!v || !*v)
        return;
    for (const char *p = v; *p; p++)
        if (*p < '0' || *p > '9')
            return; /* non-numeric values are skipped, not a 500 */
    char out[64];
    int i = (int)strlen(acc) - 1, j = (int)strlen(v) - 1, k = 0, carry = 0;
    char rev[64];
    while ((i >= 0 || j >= 0 || carry) && k < 63) {
        int d = carry + (i >= 0 ? acc[i--] - '0' : 0) + (j >= 0 ? v[j--] - '0' : 0);
        rev[k++] = (char)('0' + d % 10);
        carry = d / 10;
    }
    for (int m = 0; m < k; m++)
        out[m] = rev[k - 1 - m];
    out[k] = 0;
    const char *o = out;
    while (*o == '0' && o[1])
        o++;
    snprintf(acc, size, "%s", o);
}

#define STATUS_COUNTS                                                                                     \
    "SUM(CASE WHEN eh.success=1 THEN 1 ELSE 0 END), SUM(CASE WHEN j.status='failed' THEN 1 ELSE 0 END), " \
    "SUM(CASE WHEN j.status='access_denied' THEN 1 ELSE 0 END), "                                         \
    "SUM(CASE WHEN j.status='compilation_failed' THEN 1 ELSE 0 END), "                                    \
    "SUM(CASE WHEN j.status='execution_failed' THEN 1 ELSE 0 END), "                                      \
    "SUM(CASE WHEN j.status='insufficient_payment' THEN 1 ELSE 0 END), "                                  \
    "SUM(CASE WHEN j.status='custom' THEN 1 ELSE 0 END)"

static const char *const COUNT_KEYS[] = {"successful_executions",
                                         "failed_executions",
                                         "access_denied_executions",
                                         "compilation_failed_executions",
                                         "execution_failed_executions",
                                         "insufficient_payment_executions",
                                         "custom_executions"};

json_t *store_public_stats(store *s)
{
    json_t *o = json_object();
    db *d = db_get(s->pool);
    db_rows *st = db_query(d,
                           "SELECT COUNT(*), " STATUS_COUNTS ", COALESCE(SUM(eh.instructions_used),0), "
                           "CAST(ROUND(COALESCE(AVG(eh.execution_time_ms),0)) AS BIGINT), "
                           "COUNT(DISTINCT eh.user_account_id) "
                           "FROM execution_history eh LEFT JOIN jobs j ON eh.job_id=j.job_id",
                           NULL);
    if (st && db_next(st) == 1) {
        json_object_set_new(o, "total_executions", json_integer(db_int(st, 0)));
        for (int i = 0; i < 7; i++)
            json_object_set_new(o, COUNT_KEYS[i], json_integer(db_int(st, 1 + i)));
        json_object_set_new(o, "total_instructions_used", json_integer(db_int(st, 8)));
        json_object_set_new(o, "average_execution_time_ms", json_integer(db_int(st, 9)));
        json_object_set_new(o, "unique_users", json_integer(db_int(st, 10)));
    }
    db_done(st);
    char total[64] = "0";
    st = db_query(d, "SELECT near_payment_yocto FROM execution_history WHERE near_payment_yocto IS NOT NULL", NULL);
    while (st && db_next(st) == 1)
        dec_add(total, sizeof total, db_text(st, 0));
    db_done(st);
    json_object_set_new(o, "total_near_paid_yocto", json_string(total));
    json_object_set_new(o, "active_workers",
                        json_integer(db_scalar(d, 0,
                                               "SELECT COUNT(*) FROM workers WHERE status IN ('online','busy') AND "
                                               "last_heartbeat_at>?",
                                               "i", store_now_ms() - 5 * 60 * 1000)));
    db_put(s->pool, d);
    return o;
}

json_t *store_public_workers(store *s)
{
    json_t *arr = json_array();
    int64_t now = store_now_ms();
    db *d = db_get(s->pool);
    db_rows *st =
        db_query(d,
                 "SELECT w.worker_id, w.worker_name, w.status, w.current_task_id, w.last_heartbeat_at, w.created_at, "
                 "(SELECT COUNT(*) FROM execution_history h WHERE h.worker_id=w.worker_id AND h.success=1), "
                 "(SELECT COUNT(*) FROM execution_history h WHERE h.worker_id=w.worker_id AND h.success=0) "
                 "FROM workers w ORDER BY w.last_heartbeat_at DESC",
                 NULL);
    while (st && db_next(st) == 1) {
        char ts[40];
        tf_f1(db_int(st, 4), ts, sizeof ts);
        json_t *o = json_object();
        json_object_set_new(o, "worker_id", col_json_str(st, 0));
        json_object_set_new(o, "worker_name", col_json_str(st, 1));
        json_object_set_new(o, "status", col_json_str(st, 2));
        json_object_set_new(o, "current_task_id", col_json_int(st, 3));
        json_object_set_new(o, "last_heartbeat_at", json_string(ts));
        json_object_set_new(o, "total_tasks_completed", json_integer(db_int(st, 6)));
        json_object_set_new(o, "total_tasks_failed", json_integer(db_int(st, 7)));
        json_object_set_new(o, "uptime_seconds", json_integer((now - db_int(st, 5) + 500) / 1000));
        json_array_append_new(arr, o);
    }
    db_done(st);
    db_put(s->pool, d);
    return arr;
}

json_t *store_public_jobs(store *s, int64_t limit, int64_t offset, const char *user)
{
    json_t *arr = json_array();
    db *d = db_get(s->pool);
    db_rows *st = db_query(
        d,
        "SELECT eh.id, eh.job_id, eh.request_id, eh.data_id, eh.worker_id, eh.success, j.status, j.error_details, "
        "eh.job_type, eh.execution_time_ms, eh.compile_time_ms, eh.instructions_used, eh.user_account_id, "
        "eh.near_payment_yocto, eh.actual_cost_yocto, eh.compile_cost_yocto, eh.github_repo, eh.github_commit, "
        "eh.transaction_hash, eh.created_at FROM execution_history eh LEFT JOIN jobs j ON eh.job_id=j.job_id "
        "WHERE (CAST(? AS TEXT) IS NULL OR eh.user_account_id=?) ORDER BY eh.created_at DESC, eh.id DESC LIMIT ? OFFSET ?",
        "ttii", user, user, limit, offset);
    while (st && db_next(st) == 1) {
        char ts[40];
        tf_f1(db_int(st, 19), ts, sizeof ts);
        json_t *o = json_object();
        json_object_set_new(o, "id", col_json_int(st, 0));
        json_object_set_new(o, "job_id", col_json_int(st, 1));
        json_object_set_new(o, "request_id", col_json_int(st, 2));
        json_object_set_new(o, "data_id", col_json_str(st, 3));
        json_object_set_new(o, "worker_id", col_json_str(st, 4));
        json_object_set_new(o, "success", json_boolean((int)db_int(st, 5)));
        json_object_set_new(o, "status", col_json_str(st, 6));
        json_object_set_new(o, "error_details", col_json_str(st, 7));
        json_object_set_new(o, "job_type", col_json_str(st, 8));
        json_object_set_new(o, "execution_time_ms", col_json_int(st, 9));
        json_object_set_new(o, "compile_time_ms", col_json_int(st, 10));
        json_object_set_new(o, "instructions_used", col_json_int(st, 11));
        json_object_set_new(o, "resolve_tx_id", json_null());
        json_object_set_new(o, "user_account_id", col_json_str(st, 12));
        json_object_set_new(o, "near_payment_yocto", col_json_str(st, 13));
        json_object_set_new(o, "actual_cost_yocto", col_json_str(st, 14));
        json_object_set_new(o, "compile_cost_yocto", col_json_str(st, 15));
        json_object_set_new(o, "github_repo", col_json_str(st, 16));
        json_object_set_new(o, "github_commit", col_json_str(st, 17));
        json_object_set_new(o, "transaction_hash", col_json_str(st, 18));
        json_object_set_new(o, "created_at", json_string(ts));
        json_array_append_new(arr, o);
    }
    db_done(st);
    db_put(s->pool, d);
    return arr;
}

json_t *store_user_earnings(store *s, const char *user)
{
    json_t *o = json_object();
    json_object_set_new(o, "user_account_id", json_string(user));
    db *d = db_get(s->pool);
    db_rows *st = db_query(d,
                           "SELECT COUNT(*), COALESCE(SUM(CASE WHEN success=1 THEN 1 ELSE 0 END),0), "
                           "COALESCE(SUM(instructions_used),0), "
                           "CAST(ROUND(COALESCE(AVG(execution_time_ms),0)) AS BIGINT) "
                           "FROM execution_history WHERE user_account_id=?",
                           "t", user);
    if (st && db_next(st) == 1) {
        json_object_set_new(o, "total_executions", json_integer(db_int(st, 0)));
        json_object_set_new(o, "successful_executions", json_integer(db_int(st, 1)));
        json_object_set_new(o, "total_instructions_used", json_integer(db_int(st, 2)));
        json_object_set_new(o, "average_execution_time_ms", json_integer(db_int(st, 3)));
    }
    db_done(st);
    char total[64] = "0";
    st = db_query(d, "SELECT near_payment_yocto FROM execution_history WHERE user_account_id=?", "t", user);
    while (st && db_next(st) == 1)
        dec_add(total, sizeof total, db_text(st, 0));
    db_done(st);
    json_object_set_new(o, "total_near_spent_yocto", json_string(total));
    db_put(s->pool, d);
    return o;
}

json_t *store_popular_repos(store *s)
{
    json_t *arr = json_array();
    db *d = db_get(s->pool);
    db_rows *st =
        db_query(d,
                 "SELECT eh.github_repo, COUNT(*), " STATUS_COUNTS ", "
                 "(SELECT h2.github_commit FROM execution_history h2 WHERE h2.github_repo=eh.github_repo "
                 " ORDER BY h2.created_at DESC, h2.id DESC LIMIT 1) "
                 "FROM execution_history eh LEFT JOIN jobs j ON eh.job_id=j.job_id WHERE eh.github_repo IS NOT NULL "
                 "GROUP BY eh.github_repo ORDER BY COUNT(*) DESC LIMIT 10",
                 NULL);
    while (st && db_next(st) == 1) {
        json_t *o = json_object();
        json_object_set_new(o, "github_repo", col_json_str(st, 0));
        json_object_set_new(o, "total_executions", json_integer(db_int(st, 1)));
        for (int i = 0; i < 7; i++)
            json_object_set_new(o, COUNT_KEYS[i], json_integer(db_int(st, 2 + i)));
        json_object_set_new(o, "last_commit", col_json_str(st, 9));
        json_array_append_new(arr, o);
    }
    db_done(st);
    db_put(s->pool, d);
    return arr;
}

void store_group_stats(store *s, int64_t *groups, int64_t *statements, int64_t *retried)
{
    db_group_stats(s->pool, groups, statements, retried);
}

void store_get_metrics(store *s, store_metrics *m)
{
    memset(m, 0, sizeof *m);
    db *d = db_get(s->pool);
    m->queued = db_scalar(d, 0, "SELECT COUNT(*) FROM tasks WHERE state='queued'", NULL);
    m->leased = db_scalar(d, 0, "SELECT COUNT(*) FROM tasks WHERE state='leased'", NULL);
    m->done = db_scalar(d, 0, "SELECT COUNT(*) FROM tasks WHERE state='done'", NULL);
    m->abandoned_waiting =
        db_scalar(d, 0, "SELECT COUNT(*) FROM tasks WHERE state<>'done' AND abandoned_reason IS NOT NULL", NULL);
    m->jobs_in_progress = db_scalar(d, 0, "SELECT COUNT(*) FROM jobs WHERE status='in_progress'", NULL);
    m->jobs_completed = db_scalar(d, 0, "SELECT COUNT(*) FROM jobs WHERE status='completed'", NULL);
    m->jobs_failed =
        db_scalar(d, 0, "SELECT COUNT(*) FROM jobs WHERE status NOT IN ('completed','in_progress','pending')", NULL);
    m->lease_expiries = db_scalar(d, 0, "SELECT value FROM counters WHERE name='lease_expiries'", NULL);
    m->cache_bytes = db_scalar(d, 0, "SELECT COALESCE(SUM(size),0) FROM wasm_files", NULL);
    m->cache_files = db_scalar(d, 0, "SELECT COUNT(*) FROM wasm_files", NULL);
    db_put(s->pool, d);
}

/* ------------------------------------------------------------------ */
/* API keys and attestations */

st_status store_apikey_add(store *s, const char *hash, const char *account, const char *name, int64_t limit,
                           int64_t *created_ms)
{
    db *d = db_get(s->pool);
    int64_t now = store_now_ms();
    int rc = db_exec(d,
                     "INSERT INTO api_keys(api_key, near_account_id, key_name, rate_limit_per_minute, created_at) "
                     "VALUES(?,?,?,?,?)",
                     "tttii", hash, account, name, limit, now);
    int dup = rc < 0 && db_unique_violation(d);
    db_put(s->pool, d);
    *created_ms = now;
    return rc == 1 ? ST_OK : dup ? ST_EXISTS : ST_ERROR;
}

st_status store_apikey_lookup(store *s, const char *hash, int64_t *id, int *active, int64_t *limit)
{
    st_status ret = ST_NOT_FOUND;
    db *d = db_get(s->pool);
    db_rows *st = db_query(d, "SELECT id, is_active, rate_limit_per_minute FROM api_keys WHERE api_key=?", "t", hash);
    int rc = st ? db_next(st) : -1;
    if (rc == 1) {
        *id = db_int(st, 0);
        *active = (int)db_int(st, 1);
        *limit = db_null(st, 2) ? 60 : db_int(st, 2);
        ret = ST_OK;
    } else if (rc < 0) {
        ret = ST_ERROR;
    }
    db_done(st);
    if (ret == ST_OK)
        db_exec(d, "UPDATE api_keys SET last_used_at=? WHERE id=?", "ii", store_now_ms(), *id);
    db_put(s->pool, d);
    return ret;
}

static const char *jstr_or_null(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static const int64_t *jint_ptr(json_t *o, const char *k, int64_t *buf)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        return NULL;
    *buf = json_integer_value(v);
    return buf;
}

st_status store_attestation_add(store *s, json_t *a, const char *measurement, const char *token_hash, int64_t *id)
{
    int64_t tid = json_integer_value(json_object_get(a, "task_id")), rb, bb;
    const int64_t *rid = jint_ptr(a, "request_id", &rb), *bh = jint_ptr(a, "block_height", &bb);
    int64_t hb, vb;
    const int64_t *http_n = jint_ptr(a, "http_requests", &hb), *vrf_n = jint_ptr(a, "vrf_calls", &vb);
    st_status ret = ST_ERROR;
    db *d = db_get(s->pool);
    db_rows *st =
        db_query(d,
                 "INSERT INTO task_attestations(task_id, task_type, tdx_quote, worker_measurement, request_id, "
                 "caller_account_id, transaction_hash, block_height, repo_url, commit_hash, build_target, wasm_hash, "
                 "input_hash, output_hash, token_hash, created_at, http_transcript_sha256, http_requests, "
                 "vrf_public_key, vrf_calls) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                 "ittt"
                 "I"
                 "tt"
                 "I"
                 "ttttttt"
                 "i"
                 "t"
                 "I"
                 "t"
                 "I",
                 tid, jstr_or_null(a, "task_type"), jstr_or_null(a, "tdx_quote"), measurement, rid,
                 jstr_or_null(a, "caller_account_id"), jstr_or_null(a, "transaction_hash"), bh,
                 jstr_or_null(a, "repo_url"), jstr_or_null(a, "commit_hash"), jstr_or_null(a, "build_target"),
                 jstr_or_null(a, "wasm_hash"), jstr_or_null(a, "input_hash"), jstr_or_null(a, "output_hash"),
                 token_hash, store_now_ms(), jstr_or_null(a, "http_transcript_sha256"), http_n,
                 jstr_or_null(a, "vrf_public_key"), vrf_n);
    if (st && db_next(st) == 1) {
        *id = db_int(st, 0);
        ret = ST_OK;
    }
    db_done(st);
    db_put(s->pool, d);
    return ret;
}

json_t *store_attestation_get(store *s, int64_t task_id)
{
    json_t *o = NULL;
    db *d = db_get(s->pool);
    db_rows *st =
        db_query(d,
                 "SELECT id, task_id, task_type, tdx_quote, worker_measurement, request_id, caller_account_id, "
                 "transaction_hash, block_height, repo_url, commit_hash, build_target, wasm_hash, input_hash, "
                 "output_hash, http_transcript_sha256, http_requests, vrf_public_key, vrf_calls, created_at "
                 "FROM task_attestations "
                 "WHERE task_id=? ORDER BY id LIMIT 1",
                 "i", task_id);
    if (st && db_next(st) == 1) {
        static const char *const K[] = {"id",
                                        "task_id",
                                        "task_type",
                                        "tdx_quote",
                                        "worker_measurement",
                                        "request_id",
                                        "caller_account_id",
                                        "transaction_hash",
                                        "block_height",
                                        "repo_url",
                                        "commit_hash",
                                        "build_target",
                                        "wasm_hash",
                                        "input_hash",
                                        "output_hash",
                                        "http_transcript_sha256",
                                        "http_requests",
                                        "vrf_public_key",
                                        "vrf_calls"};
        static const int IS_INT[] = {1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
        enum { NCOLS = sizeof K / sizeof *K };
        _Static_assert(sizeof IS_INT / sizeof *IS_INT == NCOLS, "one type per column");
        o = json_object();
        for (int i = 0; i < NCOLS; i++) {
            if (db_null(st, i))
                continue; /* optional keys are omitted when null (spec §13.2) */
            json_object_set_new(o, K[i], IS_INT[i] ? json_integer(db_int(st, i)) : json_string(db_text(st, i)));
        }
        json_object_set_new(o, "timestamp", json_integer(db_int(st, NCOLS) / 1000));
    }
    db_done(st);
    db_put(s->pool, d);
    return o;
}

st_status store_branch_get(store *s, const char *repo, const char *commit, char *branch, size_t size)
{
    st_status ret = ST_NOT_FOUND;
    db *d = db_get(s->pool);
    db_rows *st = db_query(d, "SELECT branch FROM branch_cache WHERE repo=? AND commit_id=? AND expires_at>?", "tti",
                           repo, commit, store_now_ms());
    if (st && db_next(st) == 1) {
        snprintf(branch, size, "%s", db_text(st, 0));
        ret = ST_OK;
    }
    db_done(st);
    db_put(s->pool, d);
    return ret;
}

st_status store_branch_put(store *s, const char *repo, const char *commit, const char *branch, int64_t ttl_ms)
{
    db *d = db_get(s->pool);
    int rc =
        db_exec(d,
                "INSERT INTO branch_cache(repo, commit_id, branch, expires_at) VALUES(?,?,?,?) "
                "ON CONFLICT(repo, commit_id) DO UPDATE SET branch=excluded.branch, expires_at=excluded.expires_at",
                "ttti", repo, commit, branch, store_now_ms() + ttl_ms);
    db_put(s->pool, d);
    return rc < 0 ? ST_ERROR : ST_OK;
}

/* ------------------------------------------------------------------ */
/* programs' key-value storage */

/* The usage row exists and is locked for this transaction (PostgreSQL: the
 * no-op UPDATE takes its row lock; SQLite: BEGIN IMMEDIATE holds the
 * database's write lock already). */
static int kv_lock_usage(db *d, const char *owner, const char *project, int64_t *keys, int64_t *bytes)
{
    if (db_exec(d,
                "INSERT INTO program_storage_usage(owner, project, keys, bytes) VALUES(?,?,0,0) "
                "ON CONFLICT(owner, project) DO NOTHING",
                "tt", owner, project) < 0 ||
        db_exec(d, "UPDATE program_storage_usage SET keys=keys WHERE owner=? AND project=?", "tt", owner, project) < 0)
        return -1;
    db_rows *r =
        db_query(d, "SELECT keys, bytes FROM program_storage_usage WHERE owner=? AND project=?", "tt", owner, project);
    if (!r)
        return -1;
    int rc = db_next(r) == 1 ? 0 : -1;
    if (rc == 0) {
        *keys = db_int(r, 0);
        *bytes = db_int(r, 1);
    }
    db_done(r);
    return rc;
}

st_status store_kv_get(store *s, const char *owner, const char *project, const char *key_hex, char **value_b64)
{
    *value_b64 = NULL;
    db *d = db_get(s->pool);
    db_rows *r = db_query(d, "SELECT value_b64 FROM program_storage WHERE owner=? AND project=? AND key_hex=?", "ttt",
                          owner, project, key_hex);
    st_status st = ST_ERROR;
    if (r) {
        int n = db_next(r);
        if (n == 1) {
            *value_b64 = col_dup(r, 0);
            st = *value_b64 ? ST_OK : ST_ERROR;
        } else if (n == 0)
            st = ST_NOT_FOUND;
        db_done(r);
    }
    db_put(s->pool, d);
    return st;
}

st_status store_kv_set(store *s, const char *owner, const char *project, const char *key_hex, const char *value_b64,
                       int64_t size, const store_kv_quota *q, int64_t *keys_out, int64_t *bytes_out, char *err,
                       size_t n)
{
    db *d = db_get(s->pool);
    st_status st = ST_ERROR;
    int64_t keys = 0, bytes = 0;
    if (db_begin(d)) {
        db_put(s->pool, d);
        return ST_ERROR;
    }
    if (kv_lock_usage(d, owner, project, &keys, &bytes))
        goto fail;
    int64_t old = db_scalar(d, -1, "SELECT size FROM program_storage WHERE owner=? AND project=? AND key_hex=?", "ttt",
                            owner, project, key_hex);
    int64_t nkeys = keys + (old < 0 ? 1 : 0), nbytes = bytes - (old < 0 ? 0 : old) + size;
    if (old < 0 && nkeys > q->max_keys) {
        set_err(err, n, "storage quota: the project already has %lld of %lld keys", (long long)keys,
                (long long)q->max_keys);
        st = ST_CONFLICT;
        goto fail;
    }
    /* a write that does not grow the project is always allowed (quotas may have been lowered) */
    if (nbytes > q->max_bytes && nbytes > bytes) {
        set_err(err, n, "storage quota: the project would hold %lld bytes, more than its %lld", (long long)nbytes,
                (long long)q->max_bytes);
        st = ST_CONFLICT;
        goto fail;
    }
    int64_t now = store_now_ms();
    if (db_exec(d,
                "INSERT INTO program_storage(owner, project, key_hex, value_b64, size, updated_at) VALUES(?,?,?,?,?,?) "
                "ON CONFLICT(owner, project, key_hex) DO UPDATE SET value_b64=excluded.value_b64, size=excluded.size, "
                "updated_at=excluded.updated_at",
                "ttttii", owner, project, key_hex, value_b64, size, now) < 0 ||
        db_exec(d, "UPDATE program_storage_usage SET keys=?, bytes=? WHERE owner=? AND project=?", "iitt", nkeys,
                nbytes, owner, project) < 0 ||
        db_commit(d))
        goto fail;
    db_put(s->pool, d);
    if (keys_out)
        *keys_out = nkeys;
    if (bytes_out)
        *bytes_out = nbytes;
    return ST_OK;
fail:
    db_rollback(d);
    db_put(s->pool, d);
    return st;
}

st_status store_kv_delete(store *s, const char *owner, const char *project, const char *key_hex)
{
    db *d = db_get(s->pool);
    int64_t keys = 0, bytes = 0;
    if (db_begin(d)) {
        db_put(s->pool, d);
        return ST_ERROR;
    }
    st_status st = ST_ERROR;
    if (kv_lock_usage(d, owner, project, &keys, &bytes))
        goto fail;
    int64_t old = db_scalar(d, -1, "SELECT size FROM program_storage WHERE owner=? AND project=? AND key_hex=?", "ttt",
                            owner, project, key_hex);
    if (old < 0) {
        st = ST_NOT_FOUND;
        goto fail;
    }
    if (db_exec(d, "DELETE FROM program_storage WHERE owner=? AND project=? AND key_hex=?", "ttt", owner, project,
                key_hex) != 1 ||
        db_exec(d, "UPDATE program_storage_usage SET keys=keys-1, bytes=bytes-? WHERE owner=? AND project=?", "itt",
                old, owner, project) < 0 ||
        db_commit(d))
        goto fail;
    db_put(s->pool, d);
    return ST_OK;
fail:
    db_rollback(d);
    db_put(s->pool, d);
    return st;
}

json_t *store_kv_list(store *s, const char *owner, const char *project, const char *prefix_hex, const char *cursor_hex,
                      int limit)
{
    /* hex has no LIKE wildcards, so prefix || '%' matches exactly the prefix */
    char *like = NULL;
    if (asprintf(&like, "%s%%", prefix_hex) < 0)
        return NULL;
    db *d = db_get(s->pool);
    db_rows *r = db_query(d,
                          "SELECT key_hex FROM program_storage WHERE owner=? AND project=? AND key_hex LIKE ? "
                          "AND key_hex > ? ORDER BY key_hex LIMIT ?",
                          "tttti", owner, project, like, cursor_hex, (int64_t)limit + 1);
    json_t *keys = json_array(), *out = NULL;
    if (r) {
        int k;
        while ((k = db_next(r)) == 1 && (int)json_array_size(keys) < limit + 1)
            json_array_append_new(keys, col_json_str(r, 0));
        db_done(r);
        if (k >= 0) {
            json_t *next = json_null();
            if ((int)json_array_size(keys) > limit) {
                json_array_remove(keys, (size_t)limit);
                next = json_incref(json_array_get(keys, (size_t)limit - 1));
            }
            out = json_pack("{s:O, s:o}", "keys", keys, "next_cursor", next);
        }
    }
    json_decref(keys);
    db_put(s->pool, d);
    free(like);
    return out;
}

st_status store_kv_usage(store *s, const char *owner, const char *project, int64_t *keys, int64_t *bytes)
{
    db *d = db_get(s->pool);
    db_rows *r =
        db_query(d, "SELECT keys, bytes FROM program_storage_usage WHERE owner=? AND project=?", "tt", owner, project);
    st_status st = ST_ERROR;
    *keys = *bytes = 0;
    if (r) {
        if (db_next(r) == 1) {
            *keys = db_int(r, 0);
            *bytes = db_int(r, 1);
        }
        st = ST_OK;
        db_done(r);
    }
    db_put(s->pool, d);
    return st;
}

st_status store_kv_lease_payload(store *s, const char *lease_id, char **payload)
{
    *payload = NULL;
    db *d = db_get(s->pool);
    db_rows *r = db_query(d, "SELECT payload FROM tasks WHERE lease_id=? AND state='leased' AND lease_expires_at>?",
                          "ti", lease_id, store_now_ms());
    st_status st = ST_ERROR;
    if (r) {
        int k = db_next(r);
        if (k == 1) {
            *payload = col_dup(r, 0);
            st = *payload ? ST_OK : ST_ERROR;
        } else if (k == 0)
            st = ST_NOT_FOUND;
        db_done(r);
    }
    db_put(s->pool, d);
    return st;
}
