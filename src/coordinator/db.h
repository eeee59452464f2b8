/* db.h — the little SQL layer the store is written on, with two backends:
 * SQLite (db_sqlite.c) and PostgreSQL through libpq (db_pg.c).
 *
 * SQL is written once with '?' placeholders (converted to $1.. for
 * PostgreSQL) in the subset both dialects share (ON CONFLICT, RETURNING,
 * CAST, CASE). Parameters are described by a format string: i = int64,
 * t = text (NULL -> SQL NULL), I = pointer to int64 (NULL -> SQL NULL).
 *
 * A pool hands out connections: SQLite has one, guarded by a mutex (it has
 * one writer anyway); PostgreSQL has several, so coordinators and threads
 * work in parallel and row locks (FOR UPDATE SKIP LOCKED) do the rest.
 * Nothing here is shared between threads except through db_get/db_put. */
#ifndef OUTLAYER_COORDINATOR_DB_H
#define OUTLAYER_COORDINATOR_DB_H

#include <stddef.h>
#include <stdint.h>

typedef struct db_pool db_pool;
typedef struct db db;
typedef struct db_rows db_rows;

/* url: "sqlite:PATH", "postgres://…"/"postgresql://…", or NULL (sqlite in data_dir). */
db_pool *db_open(const char *url, const char *data_dir, int max_conns, char *err, size_t err_size);
void db_close(db_pool *p);
int db_is_pg(const db_pool *p);
const char *db_kind(const db_pool *p);

db *db_get(db_pool *p);
void db_put(db_pool *p, db *d);

/* A query's rows; NULL on error (logged). Step with db_next (1 row, 0 end,
 * -1 error); column values are valid until the next db_next/db_done. */
db_rows *db_query(db *d, const char *sql, const char *fmt, ...);
int db_next(db_rows *r);
int64_t db_int(db_rows *r, int col);
const char *db_text(db_rows *r, int col);
int db_null(db_rows *r, int col);
void db_done(db_rows *r);

/* The transaction's last statement, as db_query. PostgreSQL: sent with the
 * COMMIT (one round trip); NULL if either fails; the db_commit that must
 * follow has nothing left to do, and a db_rollback can no longer undo it.
 * SQLite: db_query; db_commit commits (finish the rows first). */
db_rows *db_query_last(db *d, const char *sql, const char *fmt, ...);

/* A statement that is a whole transaction by itself, outside
 * db_begin..db_commit, as db_query. PostgreSQL: committed together with
 * other threads' such statements (group commit: one transaction, one WAL
 * flush, one round trip; see db_pg.c); answered only after that COMMIT;
 * if anything in the group fails, it runs again alone. SQLite: db_query. */
db_rows *db_query_grouped(db *d, const char *sql, const char *fmt, ...);
/* PostgreSQL: how many groups may run at once (0: no grouping). */
void db_set_groups(db_pool *p, int n);
/* PostgreSQL group commit so far: groups of two or more statements, the
 * statements in them, and those run again alone after their group failed
 * (all 0 on SQLite). */
void db_group_stats(db_pool *p, int64_t *groups, int64_t *statements, int64_t *retried);

/* Runs a statement; returns the number of rows changed, or -1. */
int db_exec(db *d, const char *sql, const char *fmt, ...);
/* A statement whose result is not needed, inside db_begin..db_commit.
 * PostgreSQL: sent together with the transaction's next statement or its
 * COMMIT (one round trip for several statements); if it fails, that
 * statement or the commit fails. SQLite (and outside a transaction): runs
 * now. 0 or -1. */
int db_exec_deferred(db *d, const char *sql, const char *fmt, ...);
/* First column of the first row as an integer, or def. */
int64_t db_scalar(db *d, int64_t def, const char *sql, const char *fmt, ...);
/* Several statements without parameters (migrations). */
int db_script(db *d, const char *sql, char *err, size_t err_size);

/* SQLite: BEGIN IMMEDIATE (takes the write lock at once). PostgreSQL: the
 * BEGIN goes out with the transaction's first statement (one round trip). */
int db_begin(db *d);
int db_commit(db *d);
/* PostgreSQL: a transaction whose COMMIT does not wait for the WAL flush
 * (SET LOCAL synchronous_commit=off). Only for writes whose loss in a
 * database crash is harmless: the WAL is sequential, so the next durable
 * commit of any connection makes it durable too. SQLite: db_begin. */
int db_begin_relaxed(db *d);
void db_rollback(db *d);
/* 1 when the last failed statement violated a unique constraint. */
int db_unique_violation(db *d);
const char *db_errmsg(db *d);

/* Tell other processes sharing the database that work arrived
 * (PostgreSQL NOTIFY outlayer_work; nothing for SQLite). Sent after the
 * connection goes back to the pool (so after the commit of the work it
 * announces) by the listener thread, coalesced; without a listener, inside
 * the transaction (delivered at commit). */
void db_notify(db *d);
/* PostgreSQL: a thread that LISTENs and calls fn on every notification. */
int db_listen(db_pool *p, void (*fn)(void *), void *ctx, char *err, size_t err_size);

/* SQLite: copy the WAL into the database file (passive, from a second
 * connection, so writers are not blocked). Nothing for PostgreSQL. */
void db_checkpoint(db_pool *p);

#endif
