/* db_internal.h — shared between the two db.h backends; not for the store. */
#ifndef OUTLAYER_COORDINATOR_DB_INTERNAL_H
#define OUTLAYER_COORDINATOR_DB_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "coordinator/db.h"

#define SQ_MAGIC 0x5351
#define PG_MAGIC 0x5047

/* Every connection handle starts with this, so db.h calls can dispatch. */
typedef struct {
    int magic;
} db_handle_head;

struct db_pool {
    void *sq; /* sq_conn (db_sqlite.c) */
    void *pg; /* pg_pool (db_pg.c) */
};

struct sqlite3_stmt;
struct db_rows {
    int pg;
    struct sqlite3_stmt *st; /* sqlite */
    void *c;
    int cached;
    void *res; /* pg: PGresult */
    int row, nrows;
};

db_pool *pg_open(const char *url, int max_conns, char *err, size_t n);
void pg_close(db_pool *p);
db *pg_get(db_pool *p);
void pg_put(db_pool *p, db *d);
db_rows *pg_vquery(db *d, const char *sql, const char *fmt, va_list ap);
int pg_vexec(db *d, const char *sql, const char *fmt, va_list ap);
int pg_next(db_rows *r);
int64_t pg_int(db_rows *r, int col);
const char *pg_text(db_rows *r, int col);
int pg_null(db_rows *r, int col);
void pg_done(db_rows *r);
db_rows *pg_vquery_last(db *d, const char *sql, const char *fmt, va_list ap);
int pg_vdefer(db *d, const char *sql, const char *fmt, va_list ap);
db_rows *pg_vquery_grouped(db *d, const char *sql, const char *fmt, va_list ap);
void pg_set_groups(db_pool *p, int n);
void pg_group_stats(db_pool *p, int64_t *groups, int64_t *statements, int64_t *retried);
int pg_begin(db *d);
int pg_commit(db *d);
void pg_rollback(db *d);
int pg_script(db *d, const char *sql, char *err, size_t n);
int pg_unique_violation(db *d);
const char *pg_errmsg(db *d);
/* Marks a NOTIFY to be sent by the listener once d is put back (after its
 * commit); -1 when no listener runs. */
int pg_notify_later(db *d);
int pg_listen(db_pool *p, void (*fn)(void *), void *ctx, char *err, size_t n);

#endif
