/* db_sqlite.c — the SQLite side of db.h (and db_open's dispatch). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "coordinator/db.h"
#include "coordinator/db_internal.h"

#define STMT_CACHE 128
/* Most units one group commit carries (bounds a unit's wait). */
#define BATCH_MAX 64
#define UNIT_FIRST 1     /* the unit opened the batch: no savepoint */
#define UNIT_SAVEPOINT 2 /* the unit joined an open batch: SAVEPOINT unit */

/* Group commit. Every request thread's transaction (db_begin .. db_commit)
 * is a SAVEPOINT inside one shared write transaction, the batch. At the end
 * of its unit a thread commits the batch itself when no other thread is
 * waiting for the connection; when one is, it leaves the batch open and
 * waits (on batch_cond, which releases the connection) until a later unit
 * commits it. So each request is still answered only after the COMMIT that
 * contains its writes (same durability as before), but concurrent requests
 * share one COMMIT: its WAL frames (pages touched by several units are
 * written once) and its lock system calls. A unit that rolls back only rolls
 * back to its savepoint. Statements outside db_begin..db_commit run after
 * the batch is committed, so they never see or join uncommitted work. */
typedef struct batch_member {
    struct batch_member *next;
    int done, rc;
} batch_member;

typedef struct {
    int magic; /* SQ_MAGIC */
    sqlite3 *db;
    atomic_int waiting;    /* threads blocked in db_get */
    int batch_open;        /* the shared transaction is open */
    int in_unit;           /* the current holder is inside its unit (UNIT_*) */
    batch_member *members; /* units waiting for the batch's COMMIT */
    int nmembers;
    pthread_cond_t batch_cond;
    uint64_t units, commits; /* statistics (logged at close) */
    sqlite3 *ckpt;           /* a second connection that only checkpoints the WAL */
    pthread_mutex_t ckpt_mu;
    pthread_mutex_t mu;
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[STMT_CACHE];
    int ncache;
    int last_unique;
} sq_conn;

static int mkdir_p(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0700) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0700) && errno != EEXIST ? -1 : 0;
}

static sqlite3_stmt *prep(sq_conn *c, const char *sql, int *cached);

/* One control statement (BEGIN, SAVEPOINT, ...) from the statement cache. */
static int run_ctl(sq_conn *c, const char *sql)
{
    int cached = 0;
    sqlite3_stmt *st = prep(c, sql, &cached);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (cached)
        sqlite3_reset(st);
    else
        sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE", SQL_COMMIT[] = "COMMIT", SQL_ROLLBACK[] = "ROLLBACK",
                  SQL_SAVEPOINT[] = "SAVEPOINT unit", SQL_RELEASE[] = "RELEASE unit",
                  SQL_ROLLBACK_TO[] = "ROLLBACK TO unit";

/* Commits the open batch and tells its waiting units how it went. */
static int batch_flush(sq_conn *c)
{
    if (!c->batch_open)
        return 0;
    int rc = 0;
    if (sqlite3_get_autocommit(c->db)) {
        /* SQLite rolled the transaction back itself (I/O error, full disk) */
        log_error("db", "the batch transaction was rolled back: %s", sqlite3_errmsg(c->db));
        rc = -1;
    } else if (run_ctl(c, SQL_COMMIT)) {
        log_error("db", "commit failed: %s", sqlite3_errmsg(c->db));
        run_ctl(c, SQL_ROLLBACK);
        rc = -1;
    }
    c->batch_open = 0;
    c->commits++;
    for (batch_member *m = c->members; m; m = m->next) {
        m->rc = rc;
        m->done = 1;
    }
    c->members = NULL;
    c->nmembers = 0;
    pthread_cond_broadcast(&c->batch_cond);
    return rc;
}

static void unit_rollback(sq_conn *c)
{
    if (c->in_unit == UNIT_FIRST) {
        /* alone in the batch: the whole transaction goes */
        run_ctl(c, SQL_ROLLBACK);
        c->batch_open = 0;
    } else {
        run_ctl(c, SQL_ROLLBACK_TO);
        run_ctl(c, SQL_RELEASE);
    }
    c->in_unit = 0;
}

db_pool *db_open(const char *url, const char *data_dir, int max_conns, char *err, size_t n)
{
    if (url && (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0))
        return pg_open(url, max_conns, err, n);
    char path[4096];
    if (url && *url) {
        if (strncmp(url, "sqlite:", 7) != 0) {
            snprintf(err, n, "unsupported DATABASE_URL (use sqlite:PATH or postgres://...)");
            return NULL;
        }
        const char *p = url + 7;
        if (strncmp(p, "//", 2) == 0)
            p += 2;
        if (!*p) {
            snprintf(err, n, "DATABASE_URL sqlite: needs a file path");
            return NULL;
        }
        snprintf(path, sizeof path, "%s", p);
    } else {
        if (mkdir_p(data_dir)) {
            snprintf(err, n, "cannot create data directory %s: %s", data_dir, strerror(errno));
            return NULL;
        }
        snprintf(path, sizeof path, "%s/coordinator.db", data_dir);
    }
    sq_conn *c = calloc(1, sizeof *c);
    db_pool *p = calloc(1, sizeof *p);
    if (!c || !p) {
        free(c);
        free(p);
        return NULL;
    }
    p->sq = c;
    c->magic = SQ_MAGIC;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->batch_cond, NULL);
    /* NOMUTEX: every use of this connection already holds c->mu */
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, n, "cannot open database %s: %s", path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
        db_close(p);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, 5000);
    char *emsg = NULL;
    /* Checkpoints fsync. The sweeper runs one about once a second on its
     * own connection, concurrently with the writer. The commit that crosses
     * wal_autocheckpoint runs one too, holding the connection (and so every
     * request) through two fsyncs: at 1,000+ jobs/s (~20 WAL frames per
     * job) a 16 MiB bound did that several times a second and made the p99
     * (63-80 ms); 128 MiB keeps the file bounded and the stalls rare
     * (p99 25-33 ms, same run). */
    if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=32000;",
                     NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, n, "cannot configure database: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        db_close(p);
        return NULL;
    }
    pthread_mutex_init(&c->ckpt_mu, NULL);
    if (sqlite3_open_v2(path, &c->ckpt, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, n, "cannot open database %s: %s", path, c->ckpt ? sqlite3_errmsg(c->ckpt) : "out of memory");
        db_close(p);
        return NULL;
    }
    sqlite3_busy_timeout(c->ckpt, 1000);
    return p;
}

void db_close(db_pool *p)
{
    if (!p)
        return;
    if (p->pg) {
        pg_close(p);
        return;
    }
    sq_conn *c = p->sq;
    if (c) {
        if (c->db) {
            pthread_mutex_lock(&c->mu);
            batch_flush(c);
            pthread_mutex_unlock(&c->mu);
            if (c->commits)
                log_info("db", "group commit: %llu transactions in %llu commits", (unsigned long long)c->units,
                         (unsigned long long)c->commits);
        }
        pthread_cond_destroy(&c->batch_cond);
        /* statements first: sqlite3_close refuses while any is open */
        for (int i = 0; i < c->ncache; i++)
            sqlite3_finalize(c->cache[i].st);
        if (c->ckpt) {
            sqlite3_wal_checkpoint_v2(c->ckpt, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
            sqlite3_close(c->ckpt);
            pthread_mutex_destroy(&c->ckpt_mu);
        }
        if (c->db)
            sqlite3_close(c->db);
        pthread_mutex_destroy(&c->mu);
        free(c);
    }
    free(p);
}

int db_is_pg(const db_pool *p) { return p->pg != NULL; }
const char *db_kind(const db_pool *p) { return p->pg ? "postgresql" : "sqlite"; }

db *db_get(db_pool *p)
{
    if (p->pg)
        return pg_get(p);
    sq_conn *c = p->sq;
    atomic_fetch_add(&c->waiting, 1);
    pthread_mutex_lock(&c->mu);
    atomic_fetch_sub(&c->waiting, 1);
    return (db *)c;
}

void db_put(db_pool *p, db *d)
{
    if (p->pg) {
        pg_put(p, d);
        return;
    }
    sq_conn *c = p->sq;
    if (c->in_unit)
        unit_rollback(c); /* never hand the connection on inside a unit */
    /* the last one out commits: nobody else will come to do it */
    if (c->batch_open && atomic_load(&c->waiting) == 0)
        batch_flush(c);
    pthread_mutex_unlock(&c->mu);
}

static int is_pg(db *d) { return ((db_handle_head *)d)->magic == PG_MAGIC; }

static sqlite3_stmt *prep(sq_conn *c, const char *sql, int *cached)
{
    for (int i = 0; i < c->ncache; i++)
        if (c->cache[i].sql == sql) {
            sqlite3_reset(c->cache[i].st);
            sqlite3_clear_bindings(c->cache[i].st);
            *cached = 1;
            return c->cache[i].st;
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        log_error("db", "prepare failed: %s", sqlite3_errmsg(c->db));
        return NULL;
    }
    *cached = 0;
    if (c->ncache < STMT_CACHE) {
        c->cache[c->ncache].sql = sql;
        c->cache[c->ncache].st = st;
        c->ncache++;
        *cached = 1;
    }
    return st;
}

static db_rows *sq_vquery(sq_conn *c, const char *sql, const char *fmt, va_list ap)
{
    int cached = 0;
    c->last_unique = 0;
    /* outside a unit: see (and add to) committed data only */
    if (!c->in_unit && c->batch_open)
        batch_flush(c);
    sqlite3_stmt *st = prep(c, sql, &cached);
    if (!st)
        return NULL;
    /* A parameter format that does not match the SQL is a programming
     * error; refuse it before reading arguments that are not there. */
    if ((int)(fmt ? strlen(fmt) : 0) != sqlite3_bind_parameter_count(st)) {
        log_error("db", "parameter format '%s' does not match %d placeholders in: %.80s", fmt ? fmt : "",
                  sqlite3_bind_parameter_count(st), sql);
        if (!cached)
            sqlite3_finalize(st);
        return NULL;
    }
    for (int i = 0; fmt && fmt[i]; i++) {
        switch (fmt[i]) {
        case 'i': sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
        case 't': {
            const char *t = va_arg(ap, const char *);
            if (t)
                sqlite3_bind_text(st, i + 1, t, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
            break;
        }
        case 'I': {
            const int64_t *v = va_arg(ap, const int64_t *);
            if (v)
                sqlite3_bind_int64(st, i + 1, *v);
            else
                sqlite3_bind_null(st, i + 1);
            break;
        }
        }
    }
    db_rows *r = calloc(1, sizeof *r);
    if (!r) {
        if (!cached)
            sqlite3_finalize(st);
        return NULL;
    }
    r->st = st;
    r->c = c;
    r->cached = cached;
    return r;
}

db_rows *db_query(db *d, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_rows *r = is_pg(d) ? pg_vquery(d, sql, fmt, ap) : sq_vquery((sq_conn *)d, sql, fmt, ap);
    va_end(ap);
    return r;
}

int db_next(db_rows *r)
{
    if (!r)
        return -1;
    if (r->pg)
        return pg_next(r);
    int rc = sqlite3_step(r->st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    sq_conn *c = r->c;
    c->last_unique = sqlite3_extended_errcode(c->db) == SQLITE_CONSTRAINT_UNIQUE ||
                     sqlite3_extended_errcode(c->db) == SQLITE_CONSTRAINT_PRIMARYKEY;
    if (!c->last_unique)
        log_error("db", "statement failed: %s", sqlite3_errmsg(c->db));
    return -1;
}

int64_t db_int(db_rows *r, int col)
{
    if (r->pg)
        return pg_int(r, col);
    return sqlite3_column_int64(r->st, col);
}

const char *db_text(db_rows *r, int col)
{
    if (r->pg)
        return pg_text(r, col);
    return (const char *)sqlite3_column_text(r->st, col);
}

int db_null(db_rows *r, int col)
{
    if (r->pg)
        return pg_null(r, col);
    return sqlite3_column_type(r->st, col) == SQLITE_NULL;
}

void db_done(db_rows *r)
{
    if (!r)
        return;
    if (r->pg) {
        pg_done(r);
        return;
    }
    if (r->cached)
        sqlite3_reset(r->st);
    else
        sqlite3_finalize(r->st);
    free(r);
}

int db_exec(db *d, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int ret;
    if (is_pg(d)) {
        ret = pg_vexec(d, sql, fmt, ap);
    } else {
        sq_conn *c = (sq_conn *)d;
        db_rows *r = sq_vquery(c, sql, fmt, ap);
        ret = -1;
        if (r) {
            int rc;
            while ((rc = db_next(r)) == 1) {
            }
            ret = rc == 0 ? sqlite3_changes(c->db) : -1;
            db_done(r);
        }
    }
    va_end(ap);
    return ret;
}

db_rows *db_query_last(db *d, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_rows *r = is_pg(d) ? pg_vquery_last(d, sql, fmt, ap) : sq_vquery((sq_conn *)d, sql, fmt, ap);
    va_end(ap);
    return r;
}

db_rows *db_query_grouped(db *d, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_rows *r = is_pg(d) ? pg_vquery_grouped(d, sql, fmt, ap) : sq_vquery((sq_conn *)d, sql, fmt, ap);
    va_end(ap);
    return r;
}

void db_set_groups(db_pool *p, int n)
{
    if (p->pg)
        pg_set_groups(p, n);
}

void db_group_stats(db_pool *p, int64_t *groups, int64_t *statements, int64_t *retried)
{
    *groups = *statements = *retried = 0;
    if (p->pg)
        pg_group_stats(p, groups, statements, retried);
}

int db_exec_deferred(db *d, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int ret;
    if (is_pg(d)) {
        ret = pg_vdefer(d, sql, fmt, ap);
    } else {
        db_rows *r = sq_vquery((sq_conn *)d, sql, fmt, ap);
        ret = -1;
        if (r) {
            int rc;
            while ((rc = db_next(r)) == 1) {
            }
            ret = rc == 0 ? 0 : -1;
            db_done(r);
        }
    }
    va_end(ap);
    return ret;
}

int64_t db_scalar(db *d, int64_t def, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_rows *r = is_pg(d) ? pg_vquery(d, sql, fmt, ap) : sq_vquery((sq_conn *)d, sql, fmt, ap);
    va_end(ap);
    int64_t v = def;
    if (r && db_next(r) == 1 && !db_null(r, 0))
        v = db_int(r, 0);
    db_done(r);
    return v;
}

int db_script(db *d, const char *sql, char *err, size_t n)
{
    if (is_pg(d))
        return pg_script(d, sql, err, n);
    sq_conn *c = (sq_conn *)d;
    if (!c->in_unit && c->batch_open)
        batch_flush(c);
    char *emsg = NULL;
    if (sqlite3_exec(((sq_conn *)d)->db, sql, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, n, "%s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        return -1;
    }
    return 0;
}

int db_begin(db *d)
{
    if (is_pg(d))
        return pg_begin(d);
    sq_conn *c = (sq_conn *)d;
    if (c->in_unit)
        unit_rollback(c);
    if (c->batch_open && sqlite3_get_autocommit(c->db))
        batch_flush(c); /* died under us: fail its units */
    c->units++;
    if (!c->batch_open) {
        /* IMMEDIATE: takes the write lock at once (busy_timeout waits for
         * another process, e.g. `outlayer-coordinator token add`). The unit
         * that opens the batch is its first: it needs no savepoint, its
         * rollback is the transaction's. */
        if (run_ctl(c, SQL_BEGIN)) {
            log_error("db", "begin failed: %s", sqlite3_errmsg(c->db));
            return -1;
        }
        c->batch_open = 1;
        c->in_unit = UNIT_FIRST;
        return 0;
    }
    if (run_ctl(c, SQL_SAVEPOINT)) {
        log_error("db", "savepoint failed: %s", sqlite3_errmsg(c->db));
        return -1;
    }
    c->in_unit = UNIT_SAVEPOINT;
    return 0;
}

int db_begin_relaxed(db *d)
{
    if (is_pg(d))
        return pg_script(d, "BEGIN; SET LOCAL synchronous_commit TO off", NULL, 0);
    return db_begin(d);
}

/* SQLite: the unit's writes join the batch; returns once the COMMIT that
 * carries them is done (0) or failed (-1). The caller still holds the
 * connection afterwards. */
int db_commit(db *d)
{
    if (is_pg(d))
        return pg_commit(d);
    sq_conn *c = (sq_conn *)d;
    if (!c->in_unit)
        return -1;
    if (c->in_unit == UNIT_SAVEPOINT && run_ctl(c, SQL_RELEASE)) {
        log_error("db", "release failed: %s", sqlite3_errmsg(c->db));
        unit_rollback(c);
        return -1;
    }
    c->in_unit = 0;
    if (atomic_load(&c->waiting) > 0 && c->nmembers < BATCH_MAX && !sqlite3_get_autocommit(c->db)) {
        /* someone is about to use the connection: let a later unit commit
         * for both (the wait releases the connection meanwhile) */
        batch_member m = {.next = c->members};
        c->members = &m;
        c->nmembers++;
        while (!m.done)
            pthread_cond_wait(&c->batch_cond, &c->mu);
        return m.rc;
    }
    return batch_flush(c);
}

void db_rollback(db *d)
{
    if (is_pg(d)) {
        pg_rollback(d);
        return;
    }
    sq_conn *c = (sq_conn *)d;
    if (c->in_unit)
        unit_rollback(c);
}

int db_unique_violation(db *d) { return is_pg(d) ? pg_unique_violation(d) : ((sq_conn *)d)->last_unique; }
const char *db_errmsg(db *d) { return is_pg(d) ? pg_errmsg(d) : sqlite3_errmsg(((sq_conn *)d)->db); }

void db_notify(db *d)
{
    if (is_pg(d) && pg_notify_later(d))
        pg_script(d, "NOTIFY outlayer_work", NULL, 0);
}

int db_listen(db_pool *p, void (*fn)(void *), void *ctx, char *err, size_t n)
{
    if (!p->pg)
        return 0;
    return pg_listen(p, fn, ctx, err, n);
}

void db_checkpoint(db_pool *p)
{
    if (p->pg)
        return;
    sq_conn *c = p->sq;
    if (!c->ckpt)
        return;
    pthread_mutex_lock(&c->ckpt_mu);
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(c->ckpt, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        log_warn("db", "checkpoint failed: %s", sqlite3_errmsg(c->ckpt));
    pthread_mutex_unlock(&c->ckpt_mu);
}
