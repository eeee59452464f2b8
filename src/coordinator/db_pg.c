/* db_pg.c — the PostgreSQL side of db.h, on libpq.
 *
 * A pool of connections (created on demand up to max_conns; a thread that
 * finds none free waits on a condition variable). Queries go out with
 * PQexecParams, parameters as text, '?' rewritten to $n once per distinct
 * SQL text. The listener thread owns one more connection, LISTENs on
 * outlayer_work and waits on its socket with poll(), so a task queued by
 * any coordinator wakes the long polls of every coordinator. */
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "coordinator/db_internal.h"

/* The SQL cache lives in the pool; connections find it through this
 * (one PostgreSQL pool per process). */
struct pg_pool_s;
static void *g_pool_for_cache_v;
#define g_pool_for_cache (*(pg_pool **)&g_pool_for_cache_v)

#define SQL_CACHE 160

typedef struct pg_conn {
    int magic; /* PG_MAGIC */
    PGconn *conn;
    unsigned char prepared[SQL_CACHE]; /* statements prepared on this connection */
    int in_use;
    int last_unique;
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
    void (*fn)(void *);
    void *ctx;
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
    PGresult *r = PQexec(c, "SET client_min_messages=warning");
    PQclear(r);
    return c;
}

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
    /* a connection must never go back to the pool inside a transaction */
    if (PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->conn, "ROLLBACK");
        PQclear(r);
    }
    pthread_mutex_lock(&pp->mu);
    c->in_use = 0;
    pthread_cond_signal(&pp->cond);
    pthread_mutex_unlock(&pp->mu);
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

static PGresult *run(pg_conn *c, const char *sql, const char *fmt, va_list ap)
{
    const char *vals[40];
    char bufs[40][24];
    int n = 0;
    for (int i = 0; fmt && fmt[i] && n < 40; i++, n++) {
        switch (fmt[i]) {
        case 'i':
            snprintf(bufs[n], sizeof bufs[n], "%lld", (long long)va_arg(ap, int64_t));
            vals[n] = bufs[n];
            break;
        case 't': vals[n] = va_arg(ap, const char *); break;
        case 'I': {
            const int64_t *v = va_arg(ap, const int64_t *);
            if (v) {
                snprintf(bufs[n], sizeof bufs[n], "%lld", (long long)*v);
                vals[n] = bufs[n];
            } else {
                vals[n] = NULL;
            }
            break;
        }
        default: vals[n] = NULL;
        }
    }
    char *tf;
    int idx;
    const char *q = converted(sql, &tf, &idx);
    int placeholders = 0;
    for (const char *x = q; x && *x; x++)
        placeholders += *x == '$';
    if (q && placeholders != n) {
        log_error("db", "parameter format '%s' does not match %d placeholders in: %.80s", fmt ? fmt : "", placeholders,
                  sql);
        free(tf);
        return NULL;
    }
    c->last_unique = 0;
    PGresult *r = NULL;
    if (q && idx >= 0) {
        /* prepared once per connection: no parse and plan per query */
        char name[16];
        snprintf(name, sizeof name, "q%d", idx);
        if (!c->prepared[idx]) {
            PGresult *p = PQprepare(c->conn, name, q, n, NULL);
            if (p && PQresultStatus(p) == PGRES_COMMAND_OK)
                c->prepared[idx] = 1;
            PQclear(p);
        }
        if (c->prepared[idx])
            r = PQexecPrepared(c->conn, name, n, vals, NULL, NULL, 0);
        else
            r = PQexecParams(c->conn, q, n, NULL, vals, NULL, NULL, 0);
    } else if (q) {
        r = PQexecParams(c->conn, q, n, NULL, vals, NULL, NULL, 0);
    }
    free(tf);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        c->last_unique = code && strcmp(code, "23505") == 0;
        snprintf(c->err, sizeof c->err, "%s", PQerrorMessage(c->conn));
        c->err[strcspn(c->err, "\n")] = 0;
        if (!c->last_unique)
            log_error("db", "statement failed: %s", c->err);
        PQclear(r);
        return NULL;
    }
    return r;
}

db_rows *pg_vquery(db *d, const char *sql, const char *fmt, va_list ap)
{
    PGresult *res = run((pg_conn *)d, sql, fmt, ap);
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

static void *listener_main(void *arg)
{
    pg_pool *pp = arg;
    for (;;) {
        pthread_mutex_lock(&pp->mu);
        int stop = pp->stop;
        pthread_mutex_unlock(&pp->mu);
        if (stop)
            break;
        if (PQstatus(pp->lconn) != CONNECTION_OK) {
            /* the listener has its own connection: no prepared statements */
            PQreset(pp->lconn);
            PGresult *r = PQexec(pp->lconn, "LISTEN outlayer_work");
            PQclear(r);
        }
        struct pollfd pf = {PQsocket(pp->lconn), POLLIN, 0};
        /* 200 ms: how quickly a stop is noticed; notifications wake us at once */
        if (poll(&pf, 1, 200) <= 0)
            continue;
        PQconsumeInput(pp->lconn);
        PGnotify *nt;
        int got = 0;
        while ((nt = PQnotifies(pp->lconn))) {
            got = 1;
            PQfreemem(nt);
        }
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
    PGresult *r = PQexec(pp->lconn, "LISTEN outlayer_work");
    int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        snprintf(err, n, "LISTEN failed: %s", PQerrorMessage(pp->lconn));
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
