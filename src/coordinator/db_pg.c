/* db_pg.c — the PostgreSQL side of db.h, on libpq.
 *
 * A pool of connections (created on demand up to max_conns; a thread that
 * finds none free waits on a condition variable). Queries go out with
 * PQexecParams, parameters as text, '?' rewritten to $n once per distinct
 * SQL text. The listener thread owns one more connection, LISTENs on
 * outlayer_work and waits on its socket with poll(), so a task queued by
 * any coordinator wakes the long polls of every coordinator.
 *
 * The listener thread also sends this process's NOTIFYs, after the
 * transactions that queued the work have committed: a NOTIFY inside a
 * transaction takes a database-wide lock (it keeps the notification queue
 * in commit order) that is held until the end of the commit, WAL flush
 * included, so every create carrying its own NOTIFY waited for the previous
 * one's flush — creates were serialized on fsync (at ~2 ms per flush, ~500
 * creates/s at most) and never shared a flush. Now a request only marks
 * its connection; when the connection returns to the pool (after COMMIT)
 * it pokes the listener (an eventfd), which sends one NOTIFY for all the
 * pokes it finds, on its own connection with synchronous_commit off (a
 * notification is a wake-up hint: it does not survive a crash either way).
 * Our own notifications come back to us; they are ignored (by backend
 * PID): this process woke its long polls itself. And alone on the database
 * (no other coordinator's listener, counted by application name) we send
 * none at all.
 *
 * Round trips: db_begin's BEGIN goes out with the transaction's first
 * statement, db_exec_deferred's statements with the next one or with the
 * COMMIT, and db_query_last's statement with the COMMIT — libpq's pipeline
 * mode, one round trip each time (pipeline()). */
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "coordinator/db_internal.h"

/* The SQL cache lives in the pool; connections find it through this
 * (one PostgreSQL pool per process). */
struct pg_pool_s;
static void *g_pool_for_cache_v;
#define g_pool_for_cache (*(pg_pool **)&g_pool_for_cache_v)

#define SQL_CACHE 160
/* Group commit: at most this many groups run at once (each on its own
 * connection); statements arriving meanwhile wait and form the next group. */
#define PG_GROUPS_DEFAULT 1

typedef struct pg_conn {
    int magic; /* PG_MAGIC */
    PGconn *conn;
    unsigned char prepared[SQL_CACHE]; /* statements prepared on this connection */
    int in_use;
    int last_unique;
    int notify_pending; /* db_notify was called: poke the listener when the connection is put back */
    int begin_pending;  /* db_begin was called: BEGIN goes out with the first statement */
    int committed;      /* db_query_last committed the transaction: db_commit has nothing left to do */
    struct pg_deferred *deferred, **deferred_tail;
    char err[256];
} pg_conn;

typedef struct {
    char *url;
    pg_conn *conns;
    int n, max;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct {
        const char *sql;
        char *converted;
    } sql_cache[SQL_CACHE];
    int nsql;
    pthread_mutex_t sql_mu;
    /* listener */
    pthread_t listener;
    int listening, stop;
    PGconn *lconn;
    int wake_fd; /* eventfd: a NOTIFY is wanted */
    void (*fn)(void *);
    void *ctx;
    /* group commit (pg_vquery_grouped): statements waiting for a leader,
     * how many groups are running, and how many may */
    pthread_mutex_t gmu;
    pthread_cond_t gcond;
    struct pg_gitem *gq, **gq_tail;
    int g_running, g_max;
    int64_t g_groups, g_grouped, g_retried; /* groups of two or more, their statements, statements run again alone */
} pg_pool;

static PGconn *connect_db(const char *url, char *err, size_t n)
{
    PGconn *c = PQconnectdb(url);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        /* libpq's message names host and reason, not the password */
        if (err)
            snprintf(err, n, "cannot connect to PostgreSQL: %s", c ? PQerrorMessage(c) : "out of memory");
        if (err)
            err[strcspn(err, "\n")] = 0;
        PQfinish(c);
        return NULL;
    }
    /* Generic plans for our prepared statements: each is a keyed lookup
     * whose best plan does not depend on the values, and PostgreSQL would
     * otherwise plan the first five runs of each on every connection and
     * keep re-planning those whose generic plan it estimates dearer. */
    PGresult *r = PQexec(c, "SET client_min_messages=warning; SET plan_cache_mode=force_generic_plan");
    PQclear(r);
    return c;
}

static void free_deferred(pg_conn *c);

db_pool *pg_open(const char *url, int max_conns, char *err, size_t n)
{
    PGconn *first = connect_db(url, err, n);
    if (!first)
        return NULL;
    db_pool *p = calloc(1, sizeof *p);
    pg_pool *pp = calloc(1, sizeof *pp);
    if (max_conns < 2)
        max_conns = 2;
    pp->conns = calloc((size_t)max_conns, sizeof *pp->conns);
    if (!p || !pp || !pp->conns) {
        PQfinish(first);
        free(p);
        if (pp)
            free(pp->conns);
        free(pp);
        snprintf(err, n, "out of memory");
        return NULL;
    }
    pp->url = strdup(url);
    pp->max = max_conns;
    pp->conns[0].magic = PG_MAGIC;
    pp->conns[0].conn = first;
    pp->n = 1;
    pthread_mutex_init(&pp->mu, NULL);
    pthread_cond_init(&pp->cond, NULL);
    pthread_mutex_init(&pp->sql_mu, NULL);
    pthread_mutex_init(&pp->gmu, NULL);
    pthread_cond_init(&pp->gcond, NULL);
    pp->gq_tail = &pp->gq;
    pp->g_max = PG_GROUPS_DEFAULT;
    p->pg = pp;
    g_pool_for_cache = pp;
    return p;
}

void pg_close(db_pool *p)
{
    pg_pool *pp = p->pg;
    if (pp->listening) {
        pthread_mutex_lock(&pp->mu);
        pp->stop = 1;
        pthread_mutex_unlock(&pp->mu);
        pthread_join(pp->listener, NULL);
    }
    if (pp->lconn)
        PQfinish(pp->lconn);
    if (pp->listening)
        close(pp->wake_fd);
    for (int i = 0; i < pp->n; i++)
        PQfinish(pp->conns[i].conn);
    if (g_pool_for_cache == pp)
        g_pool_for_cache = NULL;
    for (int i = 0; i < pp->nsql; i++)
        free(pp->sql_cache[i].converted);
    free(pp->conns);
    free(pp->url);
    pthread_mutex_destroy(&pp->mu);
    pthread_cond_destroy(&pp->cond);
    pthread_mutex_destroy(&pp->sql_mu);
    pthread_mutex_destroy(&pp->gmu);
    pthread_cond_destroy(&pp->gcond);
    free(pp);
    free(p);
}

db *pg_get(db_pool *p)
{
    pg_pool *pp = p->pg;
    pthread_mutex_lock(&pp->mu);
    for (;;) {
        for (int i = 0; i < pp->n; i++)
            if (!pp->conns[i].in_use) {
                pp->conns[i].in_use = 1;
                pthread_mutex_unlock(&pp->mu);
                pg_conn *c = &pp->conns[i];
                if (PQstatus(c->conn) != CONNECTION_OK) {
                    PQreset(c->conn);
                    memset(c->prepared, 0, sizeof c->prepared);
                }
                return (db *)c;
            }
        if (pp->n < pp->max) {
            char err[256];
            PGconn *c = connect_db(pp->url, err, sizeof err);
            if (c) {
                pg_conn *pc = &pp->conns[pp->n++];
                pc->magic = PG_MAGIC;
                pc->conn = c;
                pc->in_use = 1;
                pthread_mutex_unlock(&pp->mu);
                return (db *)pc;
            }
            log_warn("db", "%s", err);
        }
        pthread_cond_wait(&pp->cond, &pp->mu);
    }
}

void pg_put(db_pool *p, db *d)
{
    pg_pool *pp = p->pg;
    pg_conn *c = (pg_conn *)d;
    c->begin_pending = 0;
    c->committed = 0;
    free_deferred(c);
    /* a connection must never go back to the pool inside a transaction */
    if (PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->conn, "ROLLBACK");
        PQclear(r);
    }
    if (c->notify_pending) {
        c->notify_pending = 0;
        uint64_t one = 1;
        if (write(pp->wake_fd, &one, sizeof one) < 0) {
            /* the counter is saturated: a NOTIFY is already due */
        }
    }
    pthread_mutex_lock(&pp->mu);
    c->in_use = 0;
    pthread_cond_signal(&pp->cond);
    pthread_mutex_unlock(&pp->mu);
}

int pg_notify_later(db *d)
{
    pg_conn *c = (pg_conn *)d;
    pg_pool *pp = g_pool_for_cache;
    if (!pp || !pp->listening)
        return -1; /* no listener thread (e.g. a CLI command): NOTIFY in the transaction */
    c->notify_pending = 1;
    return 0;
}

/* '?' -> $1, $2, ... outside string literals. */
static char *convert(const char *sql)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    int k = 0, quoted = 0;
    for (const char *s = sql; *s; s++) {
        if (*s == '\'')
            quoted = !quoted;
        if (*s == '?' && !quoted)
            o += (size_t)sprintf(out + o, "$%d", ++k);
        else
            out[o++] = *s;
    }
    out[o] = 0;
    return out;
}

static const char *converted(const char *sql, char **to_free, int *idx)
{
    *to_free = NULL;
    *idx = -1;
    pg_pool *pp = g_pool_for_cache;
    if (pp) {
        pthread_mutex_lock(&pp->sql_mu);
        for (int i = 0; i < pp->nsql; i++)
            if (pp->sql_cache[i].sql == sql) {
                const char *c = pp->sql_cache[i].converted;
                *idx = i;
                pthread_mutex_unlock(&pp->sql_mu);
                return c;
            }
        char *c = convert(sql);
        if (c && pp->nsql < SQL_CACHE) {
            pp->sql_cache[pp->nsql].sql = sql;
            pp->sql_cache[pp->nsql].converted = c;
            *idx = pp->nsql++;
            pthread_mutex_unlock(&pp->sql_mu);
            return c;
        }
        pthread_mutex_unlock(&pp->sql_mu);
        *to_free = c;
        return c;
    }
    *to_free = convert(sql);
    return *to_free;
}

#define MAX_PARAMS 40

/* A statement ready to send: its SQL (prepared as "q<idx>" on this
 * connection when idx >= 0) and its parameters as text. */
typedef struct {
    int idx;
    const char *q;
    char *q_owned;
    int n;
    const char *vals[MAX_PARAMS];
    char bufs[MAX_PARAMS][24];
} pg_stmt;

/* A statement whose result nobody reads: sent with the next statement or
 * the COMMIT (db_exec_deferred). Owns copies of its parameters. */
typedef struct pg_deferred {
    struct pg_deferred *next;
    int idx;
    char *q_owned; /* when idx < 0 */
    int n;
    char *vals[MAX_PARAMS];
} pg_deferred;

static void set_conn_err(pg_conn *c, PGresult *r)
{
    const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    c->last_unique = code && strcmp(code, "23505") == 0;
    const char *m = r && PQresultErrorMessage(r) && *PQresultErrorMessage(r) ? PQresultErrorMessage(r)
                                                                           : PQerrorMessage(c->conn);
    snprintf(c->err, sizeof c->err, "%s", m);
    c->err[strcspn(c->err, "\n")] = 0;
    if (!c->last_unique)
        log_error("db", "statement failed: %s", c->err);
}

/* Binds the parameters and makes sure the statement is prepared on this
 * connection (once: no parse and plan per query). 0 or -1. */
static int stmt_bind(pg_conn *c, pg_stmt *s, const char *sql, const char *fmt, va_list ap)
{
    int n = 0;
    for (int i = 0; fmt && fmt[i] && n < MAX_PARAMS; i++, n++) {
        switch (fmt[i]) {
        case 'i':
            snprintf(s->bufs[n], sizeof s->bufs[n], "%lld", (long long)va_arg(ap, int64_t));
            s->vals[n] = s->bufs[n];
            break;
        case 't': s->vals[n] = va_arg(ap, const char *); break;
        case 'I': {
            const int64_t *v = va_arg(ap, const int64_t *);
            if (v) {
                snprintf(s->bufs[n], sizeof s->bufs[n], "%lld", (long long)*v);
                s->vals[n] = s->bufs[n];
            } else {
                s->vals[n] = NULL;
            }
            break;
        }
        default: s->vals[n] = NULL;
        }
    }
    s->n = n;
    s->q = converted(sql, &s->q_owned, &s->idx);
    if (!s->q)
        return -1;
    int placeholders = 0;
    for (const char *x = s->q; *x; x++)
        placeholders += *x == '$';
    if (placeholders != n) {
        log_error("db", "parameter format '%s' does not match %d placeholders in: %.80s", fmt ? fmt : "", placeholders,
                  sql);
        free(s->q_owned);
        return -1;
    }
    if (s->idx >= 0 && !c->prepared[s->idx]) {
        char name[16];
        snprintf(name, sizeof name, "q%d", s->idx);
        PGresult *p = PQprepare(c->conn, name, s->q, n, NULL);
        if (p && PQresultStatus(p) == PGRES_COMMAND_OK)
            c->prepared[s->idx] = 1;
        PQclear(p);
    }
    return 0;
}

static int send_stmt(pg_conn *c, int idx, const char *q, int n, const char *const *vals)
{
    if (idx >= 0 && c->prepared[idx]) {
        char name[16];
        snprintf(name, sizeof name, "q%d", idx);
        return PQsendQueryPrepared(c->conn, name, n, vals, NULL, NULL, 0);
    }
    return PQsendQueryParams(c->conn, q, n, NULL, vals, NULL, NULL, 0);
}

static void free_deferred(pg_conn *c)
{
    while (c->deferred) {
        pg_deferred *d = c->deferred;
        c->deferred = d->next;
        for (int i = 0; i < d->n; i++)
            free(d->vals[i]);
        free(d->q_owned);
        free(d);
    }
    c->deferred_tail = &c->deferred;
}

/* One round trip for what is pending and what is asked: the BEGIN that
 * db_begin left pending, the deferred statements, then `last` (whose result
 * is returned in *out) and/or COMMIT, in libpq's pipeline mode. 0, or -1
 * on any error, after which an open transaction is in the failed state and
 * the caller rolls it back. */
static int pipeline(pg_conn *c, const pg_stmt *last, int commit, PGresult **out)
{
    enum { K_BEGIN, K_DEFERRED, K_LAST, K_COMMIT };
    int kinds[64], nk = 0, ok = PQenterPipelineMode(c->conn);
    if (ok && c->begin_pending) {
        ok = PQsendQueryParams(c->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
        kinds[nk++] = K_BEGIN;
    }
    for (pg_deferred *d = c->deferred; ok && d; d = d->next) {
        if (nk >= 60) {
            ok = 0;
            break;
        }
        ok = send_stmt(c, d->idx, d->q_owned, d->n, (const char *const *)d->vals);
        kinds[nk++] = K_DEFERRED;
    }
    if (ok && last) {
        ok = send_stmt(c, last->idx, last->q, last->n, last->vals);
        kinds[nk++] = K_LAST;
    }
    if (ok && commit) {
        ok = PQsendQueryParams(c->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
        kinds[nk++] = K_COMMIT;
    }
    ok = ok && PQpipelineSync(c->conn);
    c->begin_pending = 0;
    free_deferred(c);
    c->last_unique = 0;
    PGresult *keep = NULL;
    int failed = !ok;
    if (!ok)
        set_conn_err(c, NULL);
    for (int i = 0; ok && i < nk; i++) {
        PGresult *r;
        while ((r = PQgetResult(c->conn))) {
            ExecStatusType st = PQresultStatus(r);
            int good = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
            /* a COMMIT of a failed transaction answers ROLLBACK */
            if (good && kinds[i] == K_COMMIT && strcmp(PQcmdStatus(r), "COMMIT") != 0)
                good = 0;
            if (!good && !failed && st != PGRES_PIPELINE_ABORTED) {
                failed = 1;
                set_conn_err(c, r);
            } else if (!good && !failed) {
                failed = 1;
            }
            if (good && !keep && (kinds[i] == K_LAST || (kinds[i] == K_COMMIT && !last)))
                keep = r;
            else
                PQclear(r);
        }
    }
    if (ok) {
        PGresult *r = PQgetResult(c->conn); /* PGRES_PIPELINE_SYNC */
        if (!r || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
            failed = 1;
        PQclear(r);
    }
    if (!PQexitPipelineMode(c->conn)) {
        /* out of step with the server: start this connection afresh */
        log_warn("db", "leaving pipeline mode failed (%s); resetting the connection", PQerrorMessage(c->conn));
        PQreset(c->conn);
        memset(c->prepared, 0, sizeof c->prepared);
        failed = 1;
    }
    if (failed) {
        PQclear(keep);
        keep = NULL;
    }
    if (out)
        *out = keep;
    else
        PQclear(keep);
    return failed ? -1 : 0;
}

static PGresult *run(pg_conn *c, const char *sql, const char *fmt, va_list ap)
{
    pg_stmt s;
    if (stmt_bind(c, &s, sql, fmt, ap)) {
        if (c->begin_pending || c->deferred) {
            /* keep the transaction's outcome honest: fail it */
            c->begin_pending = 0;
            free_deferred(c);
        }
        return NULL;
    }
    c->last_unique = 0;
    PGresult *r;
    if (c->begin_pending || c->deferred) {
        r = NULL;
        pipeline(c, &s, 0, &r);
        free(s.q_owned);
        return r;
    }
    r = send_stmt(c, s.idx, s.q, s.n, s.vals) ? PQgetResult(c->conn) : NULL;
    if (r) {
        /* drain: one statement, one result */
        PGresult *extra;
        while ((extra = PQgetResult(c->conn)))
            PQclear(extra);
    }
    free(s.q_owned);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        set_conn_err(c, r);
        PQclear(r);
        return NULL;
    }
    return r;
}

int pg_vdefer(db *d, const char *sql, const char *fmt, va_list ap)
{
    pg_conn *c = (pg_conn *)d;
    if (!c->begin_pending && PQtransactionStatus(c->conn) != PQTRANS_INTRANS)
        return pg_vexec(d, sql, fmt, ap) < 0 ? -1 : 0; /* not in a transaction: now */
    pg_stmt s;
    if (stmt_bind(c, &s, sql, fmt, ap))
        return -1;
    pg_deferred *df = calloc(1, sizeof *df);
    if (!df) {
        free(s.q_owned);
        return -1;
    }
    df->idx = s.idx;
    df->q_owned = s.idx >= 0 ? NULL : (s.q_owned ? s.q_owned : strdup(s.q));
    if (s.idx >= 0)
        free(s.q_owned);
    df->n = s.n;
    for (int i = 0; i < s.n; i++)
        df->vals[i] = s.vals[i] ? strdup(s.vals[i]) : NULL;
    if (!c->deferred)
        c->deferred_tail = &c->deferred;
    *c->deferred_tail = df;
    c->deferred_tail = &df->next;
    return 0;
}

db_rows *pg_vquery_last(db *d, const char *sql, const char *fmt, va_list ap)
{
    pg_conn *c = (pg_conn *)d;
    if (!c->begin_pending && PQtransactionStatus(c->conn) != PQTRANS_INTRANS)
        return pg_vquery(d, sql, fmt, ap); /* not in a transaction: nothing to commit */
    pg_stmt s;
    if (stmt_bind(c, &s, sql, fmt, ap))
        return NULL;
    PGresult *res = NULL;
    int rc = pipeline(c, &s, 1, &res);
    free(s.q_owned);
    if (rc)
        return NULL;
    c->committed = 1;
    db_rows *r = calloc(1, sizeof *r);
    if (!r) {
        PQclear(res);
        return NULL;
    }
    r->pg = 1;
    r->res = res;
    r->row = -1;
    r->nrows = PQntuples(res);
    return r;
}

int pg_begin(db *d)
{
    pg_conn *c = (pg_conn *)d;
    /* sent with the transaction's first statement (one round trip less) */
    c->begin_pending = 1;
    return 0;
}

int pg_commit(db *d)
{
    pg_conn *c = (pg_conn *)d;
    if (c->committed) {
        c->committed = 0; /* db_query_last carried the COMMIT */
        return 0;
    }
    if (c->begin_pending && !c->deferred) {
        c->begin_pending = 0; /* nothing ran: nothing to commit */
        return 0;
    }
    return pipeline(c, NULL, 1, NULL);
}

void pg_rollback(db *d)
{
    pg_conn *c = (pg_conn *)d;
    if (c->committed)
        log_error("db", "rollback after db_query_last committed: the transaction stays committed");
    c->committed = 0;
    int sent = !c->begin_pending;
    c->begin_pending = 0;
    free_deferred(c);
    if (sent && PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->conn, "ROLLBACK");
        PQclear(r);
    }
}

/* A statement's result as rows for db_next (takes res; NULL stays NULL). */
static db_rows *rows_of(PGresult *res)
{
    if (!res)
        return NULL;
    db_rows *r = calloc(1, sizeof *r);
    if (!r) {
        PQclear(res);
        return NULL;
    }
    r->pg = 1;
    r->res = res;
    r->row = -1;
    r->nrows = PQntuples(res);
    return r;
}

db_rows *pg_vquery(db *d, const char *sql, const char *fmt, va_list ap)
{
    return rows_of(run((pg_conn *)d, sql, fmt, ap));
}

/* ---- group commit ----
 * A statement that is a whole transaction by itself (an autocommit
 * statement: the job cycle's create, claim and complete) can share its
 * transaction — and so its commit record, its WAL flush and one round trip —
 * with other threads' such statements. A thread queues its statement; if
 * fewer than g_max groups are running, it becomes a leader, takes every
 * queued statement and runs them on its own connection as one pipeline:
 * BEGIN, the statements, COMMIT (a group of one runs alone, as before).
 * Otherwise it waits: for its statement to be done by a leader, or for a
 * leader's slot. Each statement still gets its own snapshot (READ
 * COMMITTED), so it sees what it would see alone, plus the writes of the
 * statements before it in the group — which, committed or not, commit or
 * roll back with it. A thread is answered only after the shared COMMIT
 * succeeded. If any statement of the group fails (a unique violation, a
 * deadlock, a lost connection) the group is rolled back and every member
 * runs its statement again alone on its own connection, so one failing
 * request never fails the others. (Such a retry after a lost connection
 * may find its own earlier write if the COMMIT had in fact succeeded; the
 * statements grouped are written to answer that as their repeat would:
 * create "exists", claim the same job, complete the same result.) */
typedef struct pg_gitem {
    struct pg_gitem *next;
    pg_stmt *s;
    PGresult *res;
    int state; /* 0 queued, 1 taken by a leader, 2 done (res), 3 run it alone, 4 ran alone (res) */
} pg_gitem;

static int ensure_prepared(pg_conn *c, const pg_stmt *s)
{
    if (s->idx < 0 || c->prepared[s->idx])
        return 0;
    char name[16];
    snprintf(name, sizeof name, "q%d", s->idx);
    PGresult *p = PQprepare(c->conn, name, s->q, s->n, NULL);
    int ok = p && PQresultStatus(p) == PGRES_COMMAND_OK;
    if (ok)
        c->prepared[s->idx] = 1;
    PQclear(p);
    return ok ? 0 : -1;
}

/* Runs a group of two or more on c in one round trip: 0 when all committed
 * (each item's res set), 1 when nothing was (no res). The caller publishes
 * the states under gmu: an item lives on its owner's stack, and the owner
 * may return as soon as it sees its state (a broadcast for another group,
 * or a spurious wake-up), so nothing may touch the list after that. */
static int run_group(pg_conn *c, pg_gitem *g)
{
    int ok = 1, n = 0;
    for (pg_gitem *it = g; it; it = it->next, n++)
        if (ensure_prepared(c, it->s))
            ok = 0;
    ok = ok && PQenterPipelineMode(c->conn);
    ok = ok && PQsendQueryParams(c->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
    for (pg_gitem *it = g; ok && it; it = it->next)
        ok = send_stmt(c, it->s->idx, it->s->q, it->s->n, it->s->vals);
    ok = ok && PQsendQueryParams(c->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
    int sent = ok && PQpipelineSync(c->conn);
    int failed = !sent;
    if (sent) {
        /* BEGIN, the statements in order, COMMIT, then the sync */
        pg_gitem *it = NULL;
        for (int k = 0; k < n + 2; k++) {
            PGresult *r;
            int first = 1, got = 0;
            while ((r = PQgetResult(c->conn))) {
                got = 1;
                ExecStatusType st = PQresultStatus(r);
                int good = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
                if (good && k == n + 1 && strcmp(PQcmdStatus(r), "COMMIT") != 0)
                    good = 0; /* a COMMIT of a failed transaction answers ROLLBACK */
                if (!good)
                    failed = 1;
                if (good && first && it && k >= 1 && k <= n) {
                    it->res = r;
                    first = 0;
                } else {
                    PQclear(r);
                }
            }
            if (!got)
                failed = 1; /* the connection is gone */
            it = k == 0 ? g : it ? it->next : NULL;
        }
        PGresult *r = PQgetResult(c->conn);
        if (!r || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
            failed = 1;
        PQclear(r);
    }
    if (PQpipelineStatus(c->conn) != PQ_PIPELINE_OFF && !PQexitPipelineMode(c->conn)) {
        log_warn("db", "leaving pipeline mode failed (%s); resetting the connection", PQerrorMessage(c->conn));
        PQreset(c->conn);
        memset(c->prepared, 0, sizeof c->prepared);
        failed = 1;
    }
    if (PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->conn, "ROLLBACK");
        PQclear(r);
        failed = 1;
    }
    if (failed)
        for (pg_gitem *it = g; it; it = it->next) {
            PQclear(it->res);
            it->res = NULL;
        }
    return failed;
}

/* One statement in its own transaction, as pg_vquery runs it: the result,
 * or NULL with the connection's error set. */
static PGresult *run_alone(pg_conn *c, const pg_stmt *s)
{
    c->last_unique = 0;
    PGresult *res = send_stmt(c, s->idx, s->q, s->n, s->vals) ? PQgetResult(c->conn) : NULL;
    if (res) {
        PGresult *extra;
        while ((extra = PQgetResult(c->conn)))
            PQclear(extra);
    }
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        set_conn_err(c, res);
        PQclear(res);
        res = NULL;
    }
    return res;
}

db_rows *pg_vquery_grouped(db *d, const char *sql, const char *fmt, va_list ap)
{
    pg_conn *c = (pg_conn *)d;
    pg_pool *pp = g_pool_for_cache;
    if (!pp || pp->g_max < 1 || c->begin_pending || c->deferred || PQtransactionStatus(c->conn) != PQTRANS_IDLE)
        return pg_vquery(d, sql, fmt, ap); /* inside a transaction, or grouping off */
    pg_stmt s;
    if (stmt_bind(c, &s, sql, fmt, ap))
        return NULL;
    pg_gitem me = {.s = &s};
    pthread_mutex_lock(&pp->gmu);
    *pp->gq_tail = &me;
    pp->gq_tail = &me.next;
    while (me.state < 2) {
        if (me.state == 0 && pp->g_running < pp->g_max) {
            /* lead: take the queue (it holds me) */
            pg_gitem *g = pp->gq;
            pp->gq = NULL;
            pp->gq_tail = &pp->gq;
            for (pg_gitem *it = g; it; it = it->next)
                it->state = 1;
            pp->g_running++;
            pthread_mutex_unlock(&pp->gmu);
            int many = g->next != NULL, failed = 0;
            if (many)
                failed = run_group(c, g);
            else
                g->res = run_alone(c, g->s); /* a group of one (me): no BEGIN/COMMIT */
            pthread_mutex_lock(&pp->gmu);
            /* publish: from here each owner may return, so read next first */
            for (pg_gitem *it = g, *next; it; it = next) {
                next = it->next;
                if (many) {
                    pp->g_grouped++;
                    pp->g_retried += failed;
                }
                it->state = !many ? 4 : failed ? 3 : 2;
            }
            pp->g_groups += many;
            pp->g_running--;
            pthread_cond_broadcast(&pp->gcond);
            continue;
        }
        pthread_cond_wait(&pp->gcond, &pp->gmu);
    }
    pthread_mutex_unlock(&pp->gmu);
    PGresult *res = me.state == 3 ? run_alone(c, &s) : me.res;
    free(s.q_owned);
    return rows_of(res);
}

void pg_group_stats(db_pool *p, int64_t *groups, int64_t *statements, int64_t *retried)
{
    pg_pool *pp = p->pg;
    pthread_mutex_lock(&pp->gmu);
    *groups = pp->g_groups;
    *statements = pp->g_grouped;
    *retried = pp->g_retried;
    pthread_mutex_unlock(&pp->gmu);
}

void pg_set_groups(db_pool *p, int n)
{
    pg_pool *pp = p->pg;
    pthread_mutex_lock(&pp->gmu);
    pp->g_max = n < 0 ? 0 : n;
    pthread_mutex_unlock(&pp->gmu);
}

int pg_vexec(db *d, const char *sql, const char *fmt, va_list ap)
{
    PGresult *res = run((pg_conn *)d, sql, fmt, ap);
    if (!res)
        return -1;
    const char *t = PQcmdTuples(res);
    int n = t && *t ? atoi(t) : 0;
    PQclear(res);
    return n;
}

int pg_next(db_rows *r)
{
    if (r->row + 1 >= r->nrows)
        return 0;
    r->row++;
    return 1;
}

int64_t pg_int(db_rows *r, int col)
{
    const char *v = PQgetvalue(r->res, r->row, col);
    if (!v)
        return 0;
    if (*v == 't')
        return 1; /* booleans */
    if (*v == 'f')
        return 0;
    return strtoll(v, NULL, 10);
}

const char *pg_text(db_rows *r, int col)
{
    return PQgetisnull(r->res, r->row, col) ? NULL : PQgetvalue(r->res, r->row, col);
}

int pg_null(db_rows *r, int col) { return PQgetisnull(r->res, r->row, col); }

void pg_done(db_rows *r)
{
    PQclear(r->res);
    free(r);
}

int pg_script(db *d, const char *sql, char *err, size_t n)
{
    pg_conn *c = (pg_conn *)d;
    if ((c->begin_pending || c->deferred) && pipeline(c, NULL, 0, NULL)) {
        if (err)
            snprintf(err, n, "%s", c->err);
        return -1;
    }
    PGresult *r = PQexec(c->conn, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        snprintf(c->err, sizeof c->err, "%s", PQerrorMessage(c->conn));
        c->err[strcspn(c->err, "\n")] = 0;
        if (err)
            snprintf(err, n, "%s", c->err);
        else
            log_error("db", "%s failed: %s", sql, c->err);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

int pg_unique_violation(db *d) { return ((pg_conn *)d)->last_unique; }
const char *pg_errmsg(db *d) { return ((pg_conn *)d)->err; }

/* (Re)prepares the listener's connection: LISTEN, and NOTIFYs that do not
 * wait for a WAL flush. */
/* The listeners' application name: how coordinators count each other. */
#define LISTENER_APP "outlayer-coordinator-listener"

/* (Re)prepares the listener's connection: NOTIFYs that do not wait for a
 * WAL flush, a name the other coordinators can count, LISTEN, and a NOTIFY
 * that says hello: a coordinator that believed itself alone recounts at
 * once (and its long polls look once more, which is harmless). */
static int listener_setup(PGconn *c)
{
    PGresult *r = PQexec(c, "SET synchronous_commit TO off; SET application_name TO '" LISTENER_APP
                            "'; LISTEN outlayer_work; NOTIFY outlayer_work");
    int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

/* Other coordinators listening on this database; -1 when unknown (then we
 * notify anyway). */
static int other_listeners(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT count(*) FROM pg_stat_activity WHERE application_name='" LISTENER_APP
                            "' AND datname=current_database() AND pid<>pg_backend_pid()");
    int n = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *listener_main(void *arg)
{
    pg_pool *pp = arg;
    /* NOTIFY only matters to other coordinators: alone on the database (the
     * common single-coordinator case) we save its round trip and its
     * delivery back to ourselves. The count is refreshed every second and
     * at once when a newcomer says hello while we think we are alone. */
    int others = -1;
    int64_t counted = 0;
    for (;;) {
        pthread_mutex_lock(&pp->mu);
        int stop = pp->stop;
        pthread_mutex_unlock(&pp->mu);
        if (stop)
            break;
        if (PQstatus(pp->lconn) != CONNECTION_OK) {
            /* the listener has its own connection: no prepared statements */
            PQreset(pp->lconn);
            listener_setup(pp->lconn);
            counted = 0;
        }
        if (!counted || mono_ms() - counted >= 1000) {
            others = other_listeners(pp->lconn);
            counted = mono_ms();
        }
        struct pollfd pf[2] = {{PQsocket(pp->lconn), POLLIN, 0}, {pp->wake_fd, POLLIN, 0}};
        /* 200 ms: how quickly a lost connection is retried; notifications and pokes wake us at once */
        if (poll(pf, 2, 200) <= 0)
            continue;
        if (pf[1].revents & POLLIN) {
            uint64_t n;
            if (read(pp->wake_fd, &n, sizeof n) == sizeof n && others != 0) {
                /* one NOTIFY for every poke so far; the work it announces is committed */
                PGresult *r = PQexec(pp->lconn, "NOTIFY outlayer_work");
                if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
                    log_warn("db", "NOTIFY failed: %s", PQerrorMessage(pp->lconn));
                PQclear(r);
            }
        }
        PQconsumeInput(pp->lconn);
        PGnotify *nt;
        int got = 0, self = PQbackendPID(pp->lconn);
        while ((nt = PQnotifies(pp->lconn))) {
            got |= nt->be_pid != self; /* ours: the long polls were woken when the work was queued */
            PQfreemem(nt);
        }
        if (got && others == 0)
            counted = 0; /* someone else is here after all: count again */
        if (got && pp->fn)
            pp->fn(pp->ctx);
    }
    return NULL;
}

int pg_listen(db_pool *p, void (*fn)(void *), void *ctx, char *err, size_t n)
{
    pg_pool *pp = p->pg;
    pp->lconn = connect_db(pp->url, err, n);
    if (!pp->lconn)
        return -1;
    if (listener_setup(pp->lconn)) {
        snprintf(err, n, "LISTEN failed: %s", PQerrorMessage(pp->lconn));
        return -1;
    }
    pp->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (pp->wake_fd < 0) {
        snprintf(err, n, "cannot create the NOTIFY eventfd");
        return -1;
    }
    pp->fn = fn;
    pp->ctx = ctx;
    if (pthread_create(&pp->listener, NULL, listener_main, pp) != 0) {
        snprintf(err, n, "cannot start the LISTEN thread");
        return -1;
    }
    pp->listening = 1;
    return 0;
}
