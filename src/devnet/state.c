/*
 * state.c — the devnet's persistent state in one SQLite file.
 *
 * Chain state (accounts, keys, code, contract data) and chain history
 * (blocks, transactions, receipts with their outcomes, yields) live in the
 * same database so that one SQLite transaction per block makes a block
 * atomic, and a savepoint per receipt gives nearcore's "all actions of a
 * receipt or none" rollback for free.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "devnet/devnet.h"
#include "near/borsh.h"

static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT);"
    "CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, amount BLOB, locked BLOB, code_hash BLOB,"
    " storage_usage INTEGER);"
    "CREATE TABLE IF NOT EXISTS code(account TEXT PRIMARY KEY, code BLOB);"
    "CREATE TABLE IF NOT EXISTS access_keys(account TEXT, public_key BLOB, nonce INTEGER, permission TEXT,"
    " PRIMARY KEY(account, public_key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS data(account TEXT, key BLOB, value BLOB, PRIMARY KEY(account, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS blocks(height INTEGER PRIMARY KEY, hash BLOB UNIQUE, prev_hash BLOB,"
    " timestamp INTEGER, random BLOB, gas_burnt INTEGER);"
    "CREATE TABLE IF NOT EXISTS txs(hash BLOB PRIMARY KEY, signer TEXT, block_height INTEGER, seq INTEGER,"
    " view TEXT, outcome TEXT, first_receipt BLOB);"
    "CREATE INDEX IF NOT EXISTS txs_block ON txs(block_height, seq);"
    /* state: 0 queued (runs at height >= due), 1 postponed (waits for data), 2 done;
     * body: the receipt in borsh (receipt.c), JSON only when an RPC asks */
    "CREATE TABLE IF NOT EXISTS receipts(id BLOB PRIMARY KEY, tx_hash BLOB, body BLOB, reserved_gas INTEGER,"
    " state INTEGER, due INTEGER, exec_height INTEGER, seq INTEGER, outcome TEXT, is_data INTEGER);"
    "CREATE INDEX IF NOT EXISTS receipts_queue ON receipts(state, due, seq);"
    "CREATE INDEX IF NOT EXISTS receipts_tx ON receipts(tx_hash, seq);"
    "CREATE INDEX IF NOT EXISTS receipts_exec ON receipts(exec_height, seq);"
    "CREATE TABLE IF NOT EXISTS received_data(data_id BLOB PRIMARY KEY, has_data INTEGER, data BLOB);"
    "CREATE TABLE IF NOT EXISTS waits(data_id BLOB PRIMARY KEY, receipt_id BLOB);"
    "CREATE TABLE IF NOT EXISTS yields(data_id BLOB PRIMARY KEY, account TEXT, receipt_id BLOB, expires_at INTEGER);"
    "CREATE INDEX IF NOT EXISTS yields_exp ON yields(expires_at);";

devnet_status devnet_state_open(devnet_state *st, const char *path, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
        sqlite3_close(st->db);
        st->db = NULL;
        return DEVNET_ERR_DB;
    }
    char *msg = NULL;
    if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;", NULL, NULL,
                     &msg) != SQLITE_OK ||
        sqlite3_exec(st->db, SCHEMA, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot initialise %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(st->db);
        st->db = NULL;
        return DEVNET_ERR_DB;
    }
    /* Homes made before receipts were stored in borsh keep them as JSON
     * (receipts.view): say so rather than fail on the first block. */
    sqlite3_stmt *probe = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT body FROM receipts LIMIT 0", -1, &probe, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s was made by an older outlayer-devnet (receipts stored as JSON); use a new --home",
                 path);
        sqlite3_close(st->db);
        st->db = NULL;
        return DEVNET_ERR_DB;
    }
    sqlite3_finalize(probe);
    return DEVNET_OK;
}

void devnet_state_close(devnet_state *st)
{
    for (size_t i = 0; i < sizeof st->cache / sizeof st->cache[0]; i++)
        if (st->cache[i])
            sqlite3_finalize(st->cache[i]);
    if (st->db)
        sqlite3_close(st->db);
    memset(st, 0, sizeof *st);
}

sqlite3_stmt *devnet_stmt(devnet_state *st, const char *sql)
{
    size_t n = sizeof st->cache / sizeof st->cache[0];
    for (size_t i = 0; i < n; i++) {
        if (st->cache_sql[i] == sql) {
            sqlite3_reset(st->cache[i]);
            sqlite3_clear_bindings(st->cache[i]);
            return st->cache[i];
        }
        if (!st->cache_sql[i]) {
            if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->cache[i], NULL) != SQLITE_OK) {
                devnet_log("error", "sqlite prepare: %s (%s)", sqlite3_errmsg(st->db), sql);
                return NULL;
            }
            st->cache_sql[i] = sql;
            return st->cache[i];
        }
    }
    devnet_log("error", "statement cache full");
    return NULL;
}

devnet_status devnet_exec(devnet_state *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        devnet_log("error", "sqlite: %s (%s)", msg ? msg : "?", sql);
        sqlite3_free(msg);
        return DEVNET_ERR_DB;
    }
    return DEVNET_OK;
}

devnet_status devnet_savepoint(devnet_state *st) { return devnet_exec(st, "SAVEPOINT receipt"); }
devnet_status devnet_release(devnet_state *st) { return devnet_exec(st, "RELEASE receipt"); }
devnet_status devnet_rollback(devnet_state *st)
{
    devnet_status rc = devnet_exec(st, "ROLLBACK TO receipt");
    return rc == DEVNET_OK ? devnet_exec(st, "RELEASE receipt") : rc;
}

/* Binds len bytes at p without copying them (the caller keeps them until
 * the statement has run); an empty blob, never NULL, when len is 0. The
 * 64-bit length keeps a huge len from wrapping to a negative int. */
static void bind_bytes(sqlite3_stmt *s, int i, const void *p, size_t len)
{
    sqlite3_bind_blob64(s, i, len ? p : "", (sqlite3_uint64)len, SQLITE_STATIC);
}

static devnet_status step_done(devnet_state *st, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        devnet_log("error", "sqlite step: %s", sqlite3_errmsg(st->db));
        return DEVNET_ERR_DB;
    }
    return DEVNET_OK;
}

const char *devnet_meta_get(devnet_state *st, const char *key, char *buf, size_t len)
{
    sqlite3_stmt *s = devnet_stmt(st, "SELECT v FROM meta WHERE k=?");
    if (!s)
        return NULL;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    const char *r = NULL;
    if (sqlite3_step(s) == SQLITE_ROW) {
        snprintf(buf, len, "%s", (const char *)sqlite3_column_text(s, 0));
        r = buf;
    }
    sqlite3_reset(s);
    return r;
}

devnet_status devnet_meta_set(devnet_state *st, const char *key, const char *value)
{
    sqlite3_stmt *s = devnet_stmt(st, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)");
    if (!s)
        return DEVNET_ERR_DB;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    return step_done(st, s);
}

static void put_u128(uint8_t out[16], near_u128 v)
{
    for (int i = 0; i < 16; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

static near_u128 get_u128(const void *p, int n)
{
    near_u128 v = 0;
    const uint8_t *b = p;
    for (int i = 0; i < 16 && i < n; i++)
        v |= (near_u128)b[i] << (8 * i);
    return v;
}

devnet_status devnet_account_get(devnet_state *st, const char *id, devnet_account *out)
{
    sqlite3_stmt *s = devnet_stmt(st, "SELECT amount, locked, code_hash, storage_usage FROM accounts WHERE id=?");
    if (!s)
        return DEVNET_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (out) {
            memset(out, 0, sizeof *out);
            out->amount = get_u128(sqlite3_column_blob(s, 0), sqlite3_column_bytes(s, 0));
            out->locked = get_u128(sqlite3_column_blob(s, 1), sqlite3_column_bytes(s, 1));
            if (sqlite3_column_bytes(s, 2) == 32)
                memcpy(out->code_hash, sqlite3_column_blob(s, 2), 32);
            out->storage_usage = (uint64_t)sqlite3_column_int64(s, 3);
        }
        sqlite3_reset(s);
        return DEVNET_OK;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? DEVNET_NOT_FOUND : DEVNET_ERR_DB;
}

devnet_status devnet_account_put(devnet_state *st, const char *id, const devnet_account *a)
{
    sqlite3_stmt *s = devnet_stmt(
        st, "INSERT OR REPLACE INTO accounts(id, amount, locked, code_hash, storage_usage) VALUES(?,?,?,?,?)");
    if (!s)
        return DEVNET_ERR_DB;
    uint8_t am[16], lk[16];
    put_u128(am, a->amount);
    put_u128(lk, a->locked);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, am, 16, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 3, lk, 16, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 4, a->code_hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)a->storage_usage);
    return step_done(st, s);
}

devnet_status devnet_account_delete(devnet_state *st, const char *id)
{
    static const char *sqls[] = {"DELETE FROM accounts WHERE id=?", "DELETE FROM code WHERE account=?",
                                 "DELETE FROM access_keys WHERE account=?", "DELETE FROM data WHERE account=?"};
    for (size_t i = 0; i < 4; i++) {
        sqlite3_stmt *s = devnet_stmt(st, sqls[i]);
        if (!s)
            return DEVNET_ERR_DB;
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        devnet_status rc = step_done(st, s);
        if (rc)
            return rc;
    }
    return DEVNET_OK;
}

devnet_status devnet_code_get(devnet_state *st, const char *id, uint8_t **code, size_t *len)
{
    sqlite3_stmt *s = devnet_stmt(st, "SELECT code FROM code WHERE account=?");
    if (!s)
        return DEVNET_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        *code = malloc(n + 1);
        if (!*code) {
            sqlite3_reset(s);
            return DEVNET_ERR_NOMEM;
        }
        if (n)
            memcpy(*code, sqlite3_column_blob(s, 0), n);
        *len = n;
        sqlite3_reset(s);
        return DEVNET_OK;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? DEVNET_NOT_FOUND : DEVNET_ERR_DB;
}

devnet_status devnet_code_put(devnet_state *st, const char *id, const uint8_t *code, size_t len)
{
    sqlite3_stmt *s = devnet_stmt(st, "INSERT OR REPLACE INTO code(account, code) VALUES(?, ?)");
    if (!s)
        return DEVNET_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    bind_bytes(s, 2, code, len);
    return step_done(st, s);
}

static size_t pk_borsh(const near_public_key *pk, uint8_t out[65])
{
    size_t n = near_key_data_len(pk->type);
    out[0] = (uint8_t)pk->type;
    memcpy(out + 1, pk->data, n);
    return n + 1;
}

/* Parameters 1 and 2 of every access_keys statement: account, borsh key. */
static void bind_account_key(sqlite3_stmt *s, const char *id, const near_public_key *pk)
{
    uint8_t kb[65];
    size_t kn = pk_borsh(pk, kb);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, kb, (int)kn, SQLITE_TRANSIENT);
}

json_t *devnet_permission_json(const near_access_key *ak)
{
    if (ak->full_access)
        return json_string("FullAccess");
    json_t *names = json_array();
    for (size_t i = 0; i < ak->n_method_names; i++)
        json_array_append_new(names, json_string(ak->method_names[i]));
    return json_pack("{s:{s:o,s:s,s:o}}", "FunctionCall", "allowance",
                     ak->has_allowance ? devnet_u128_json(ak->allowance) : json_null(), "receiver_id",
                     ak->receiver_id ? ak->receiver_id : "", "method_names", names);
}

devnet_status devnet_permission_parse(json_t *perm, near_access_key *ak)
{
    memset(ak, 0, sizeof *ak);
    if (json_is_string(perm) && strcmp(json_string_value(perm), "FullAccess") == 0) {
        ak->full_access = 1;
        return DEVNET_OK;
    }
    json_t *fc = json_object_get(perm, "FunctionCall");
    if (!json_is_object(fc))
        return DEVNET_ERR_INVALID;
    json_t *al = json_object_get(fc, "allowance");
    if (json_is_string(al)) {
        ak->has_allowance = 1;
        if (near_u128_parse(json_string_value(al), &ak->allowance))
            return DEVNET_ERR_INVALID;
    }
    const char *recv = json_string_value(json_object_get(fc, "receiver_id"));
    ak->receiver_id = strdup(recv ? recv : "");
    json_t *names = json_object_get(fc, "method_names");
    size_t n = json_array_size(names);
    if (n) {
        ak->method_names = calloc(n, sizeof(char *));
        if (!ak->method_names)
            return DEVNET_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            const char *m = json_string_value(json_array_get(names, i));
            ak->method_names[i] = strdup(m ? m : "");
        }
        ak->n_method_names = n;
    }
    return ak->receiver_id ? DEVNET_OK : DEVNET_ERR_NOMEM;
}

uint64_t devnet_key_storage_bytes(const near_public_key *pk, const near_access_key *ak)
{
    uint64_t n = 1 + near_key_data_len(pk->type) + 8 + 1 + DEVNET_RECORD_EXTRA_BYTES;
    if (!ak->full_access) {
        n += ak->has_allowance ? 17 : 1;
        n += 4 + strlen(ak->receiver_id ? ak->receiver_id : "");
        n += 4;
        for (size_t i = 0; i < ak->n_method_names; i++)
            n += 4 + strlen(ak->method_names[i]);
    }
    return n;
}

devnet_status devnet_key_get(devnet_state *st, const char *id, const near_public_key *pk, near_access_key *out)
{
    sqlite3_stmt *s = devnet_stmt(st, "SELECT nonce, permission FROM access_keys WHERE account=? AND public_key=?");
    if (!s)
        return DEVNET_ERR_DB;
    bind_account_key(s, id, pk);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        devnet_status r = DEVNET_OK;
        if (out) {
            json_t *perm = json_loads((const char *)sqlite3_column_text(s, 1), JSON_DECODE_ANY, NULL);
            if (!perm || devnet_permission_parse(perm, out))
                r = DEVNET_ERR_INVALID;
            json_decref(perm);
            out->nonce = (uint64_t)sqlite3_column_int64(s, 0);
        }
        sqlite3_reset(s);
        return r;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? DEVNET_NOT_FOUND : DEVNET_ERR_DB;
}

devnet_status devnet_key_put(devnet_state *st, const char *id, const near_public_key *pk, const near_access_key *ak)
{
    sqlite3_stmt *s =
        devnet_stmt(st, "INSERT OR REPLACE INTO access_keys(account, public_key, nonce, permission) VALUES(?,?,?,?)");
    if (!s)
        return DEVNET_ERR_DB;
    json_t *perm = devnet_permission_json(ak);
    char *text = json_dumps(perm, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(perm);
    if (!text)
        return DEVNET_ERR_NOMEM;
    bind_account_key(s, id, pk);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)ak->nonce);
    sqlite3_bind_text(s, 4, text, -1, SQLITE_TRANSIENT);
    free(text);
    return step_done(st, s);
}

devnet_status devnet_key_delete(devnet_state *st, const char *id, const near_public_key *pk)
{
    sqlite3_stmt *s = devnet_stmt(st, "DELETE FROM access_keys WHERE account=? AND public_key=?");
    if (!s)
        return DEVNET_ERR_DB;
    bind_account_key(s, id, pk);
    return step_done(st, s);
}

devnet_status devnet_data_get(devnet_state *st, const char *id, const uint8_t *key, size_t klen, uint8_t **val,
                              size_t *vlen)
{
    sqlite3_stmt *s = devnet_stmt(st, "SELECT value FROM data WHERE account=? AND key=?");
    if (!s)
        return DEVNET_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    bind_bytes(s, 2, key, klen);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        uint8_t *v = malloc(n + 1);
        if (!v) {
            sqlite3_reset(s);
            return DEVNET_ERR_NOMEM;
        }
        if (n)
            memcpy(v, sqlite3_column_blob(s, 0), n);
        *val = v;
        *vlen = n;
        sqlite3_reset(s);
        return DEVNET_OK;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? DEVNET_NOT_FOUND : DEVNET_ERR_DB;
}

devnet_status devnet_data_set(devnet_state *st, const char *id, const uint8_t *key, size_t klen, const uint8_t *val,
                              size_t vlen)
{
    sqlite3_stmt *s = devnet_stmt(st, "INSERT OR REPLACE INTO data(account, key, value) VALUES(?,?,?)");
    if (!s)
        return DEVNET_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    bind_bytes(s, 2, key, klen);
    bind_bytes(s, 3, val, vlen);
    return step_done(st, s);
}

devnet_status devnet_data_remove(devnet_state *st, const char *id, const uint8_t *key, size_t klen)
{
    sqlite3_stmt *s = devnet_stmt(st, "DELETE FROM data WHERE account=? AND key=?");
    if (!s)
        return DEVNET_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    bind_bytes(s, 2, key, klen);
    return step_done(st, s);
}

/* ---- small helpers shared by the devnet ---- */

uint64_t devnet_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void devnet_log(const char *level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line per event: text from transactions (a method name is any
     * bytes) must not break a line or forge another. */
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s %s devnet: %s\n", ts, level, msg);
}

void devnet_sha256(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    if (alen)
        crypto_hash_sha256_update(&h, a, alen);
    if (blen)
        crypto_hash_sha256_update(&h, b, blen);
    crypto_hash_sha256_final(&h, out);
}
