/*
 * chain.c — the block loop and the transaction pool.
 *
 * One block every --block-ms: the pool's transactions (decoded and checked
 * on arrival, outside the lock) have their state checks run again and
 * are converted to receipts (a receipt to the signer itself runs in the same
 * block, any other in the next, as on NEAR), then every receipt due runs,
 * then expired yields get their timeout data. The whole block is one SQLite
 * transaction. RPC threads that wait for a result sleep on block_cond.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "devnet/devnet.h"
#include "nearvm/nearvm.h"

static int load_head(devnet_chain *c)
{
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT height, hash, timestamp FROM blocks ORDER BY height DESC LIMIT 1");
    if (!s || sqlite3_step(s) != SQLITE_ROW) {
        if (s)
            sqlite3_reset(s);
        return -1;
    }
    c->head_height = (uint64_t)sqlite3_column_int64(s, 0);
    memcpy(c->head_hash, sqlite3_column_blob(s, 1), 32);
    c->head_timestamp = (uint64_t)sqlite3_column_int64(s, 2);
    sqlite3_reset(s);
    s = devnet_stmt(&c->st, "SELECT height, hash FROM blocks ORDER BY height LIMIT 1");
    if (!s || sqlite3_step(s) != SQLITE_ROW) {
        if (s)
            sqlite3_reset(s);
        return -1;
    }
    c->genesis_height = (uint64_t)sqlite3_column_int64(s, 0);
    memcpy(c->genesis_hash, sqlite3_column_blob(s, 1), 32);
    sqlite3_reset(s);
    s = devnet_stmt(&c->st,
                    "SELECT MAX(COALESCE((SELECT MAX(seq) FROM receipts),0), COALESCE((SELECT MAX(seq) FROM txs),0))");
    if (s && sqlite3_step(s) == SQLITE_ROW)
        c->seq = (uint64_t)sqlite3_column_int64(s, 0);
    if (s)
        sqlite3_reset(s);
    return 0;
}

static int remove_tree(const char *path)
{
    static const char *files[] = {"devnet.db", "devnet.db-wal", "devnet.db-shm", "credentials/localnet/near.json",
                                  "credentials/localnet/test.near.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[4400];
        snprintf(p, sizeof p, "%s/%s", path, files[i]);
        if (unlink(p) && errno != ENOENT)
            return -1;
    }
    return 0;
}

/* After a restart the code cache is empty: queue the deployed contracts
 * (as many as the cache holds) for the background compiler. */
static void warm_code_cache(devnet_chain *c)
{
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT a.code_hash, c.code FROM accounts a JOIN code c ON c.account = a.id "
                                          "WHERE length(a.code_hash) = 32 GROUP BY a.code_hash LIMIT 16");
    if (!s)
        return;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const uint8_t *hash = sqlite3_column_blob(s, 0);
        const uint8_t *code = sqlite3_column_blob(s, 1);
        int len = sqlite3_column_bytes(s, 1);
        if (hash && code && len > 0)
            devnet_compiler_enqueue(c->compiler, hash, code, (size_t)len);
    }
    sqlite3_reset(s);
}

devnet_status devnet_chain_open(devnet_chain *c, const devnet_config *cfg, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->home_lock_fd = -1;
    c->cfg = *cfg;
    c->started_ns = devnet_now_ns();
    if (cfg->has_genesis_time)
        c->clock_offset_ns = cfg->genesis_time_ns - (int64_t)c->started_ns;
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&c->block_cond, &ca);
    pthread_condattr_destroy(&ca);
    if (mkdir(cfg->home, 0700) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create home directory %s: %s", cfg->home, strerror(errno));
        return DEVNET_ERR_DB;
    }
    /* Two devnets on one home would corrupt each other's chain. */
    char lock_path[4200];
    snprintf(lock_path, sizeof lock_path, "%s/LOCK", cfg->home);
    c->home_lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (c->home_lock_fd < 0 || flock(c->home_lock_fd, LOCK_EX | LOCK_NB)) {
        snprintf(err, errlen, "%s is in use by another outlayer-devnet (or cannot be locked: %s)", cfg->home,
                 strerror(errno));
        return DEVNET_ERR_DB;
    }
    if (cfg->reset && remove_tree(cfg->home)) {
        snprintf(err, errlen, "cannot reset %s: %s", cfg->home, strerror(errno));
        return DEVNET_ERR_DB;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/devnet.db", cfg->home);
    if (devnet_state_open(&c->st, path, err, errlen))
        return DEVNET_ERR_DB;
    char buf[64];
    if (!devnet_meta_get(&c->st, "chain_id", buf, sizeof buf)) {
        if (devnet_genesis(&c->st, cfg->home, devnet_chain_clock_ns(c), err, errlen))
            return DEVNET_ERR_DB;
        if (!cfg->quiet)
            devnet_log("info", "genesis written to %s (accounts near, test.near; keys in %s/credentials/%s/)",
                       cfg->home, cfg->home, DEVNET_CHAIN_ID);
    }
    if (load_head(c)) {
        snprintf(err, errlen, "the database in %s has no blocks (use --reset)", cfg->home);
        return DEVNET_ERR_DB;
    }
    c->compiler = devnet_compiler_start(c);
    warm_code_cache(c);
    return DEVNET_OK;
}

void devnet_chain_close(devnet_chain *c)
{
    devnet_compiler_stop(c->compiler); /* before the cache it fills goes away */
    c->compiler = NULL;
    for (size_t i = 0; i < c->pool_len; i++)
        devnet_checked_tx_free(c->pool[i].tx);
    free(c->pool);
    for (size_t i = 0; i < sizeof c->rejected / sizeof c->rejected[0]; i++)
        json_decref(c->rejected[i].error);
    for (size_t i = 0; i < sizeof c->contracts / sizeof c->contracts[0]; i++)
        if (c->contracts[i].contract)
            nearvm_contract_release(c->contracts[i].contract);
    devnet_state_close(&c->st);
    if (c->home_lock_fd >= 0)
        close(c->home_lock_fd); /* releases the flock */
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->block_cond);
}

static bool in_pool(devnet_chain *c, const uint8_t hash[32])
{
    for (size_t i = 0; i < c->pool_len; i++)
        if (!memcmp(c->pool[i].tx->hash, hash, 32))
            return true;
    return false;
}

static bool tx_known(devnet_chain *c, const uint8_t hash[32])
{
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT 1 FROM txs WHERE hash=?");
    if (!s)
        return false;
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
    bool r = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_reset(s);
    return r;
}

devnet_status devnet_chain_submit(devnet_chain *c, devnet_checked_tx *t, json_t **error, char *msg, size_t msglen)
{
    *error = NULL;
    if (in_pool(c, t->hash) || tx_known(c, t->hash)) { /* the same bytes again: not a new transaction */
        devnet_checked_tx_free(t);
        return DEVNET_OK;
    }
    devnet_tx_cost cost;
    if (devnet_tx_validate(c, t, &cost, error)) {
        if (!*error)
            snprintf(msg, msglen, "internal error while validating");
        devnet_checked_tx_free(t);
        return DEVNET_ERR_INVALID;
    }
    if (c->pool_len == c->pool_cap) {
        size_t cap = c->pool_cap ? c->pool_cap * 2 : 64;
        devnet_pool_tx *p = realloc(c->pool, cap * sizeof *p);
        if (!p) {
            snprintf(msg, msglen, "out of memory");
            devnet_checked_tx_free(t);
            return DEVNET_ERR_INVALID;
        }
        c->pool = p;
        c->pool_cap = cap;
    }
    c->pool[c->pool_len].tx = t;
    c->pool[c->pool_len].nonce = t->stx.transaction.nonce;
    c->pool_len++;
    return DEVNET_OK;
}

static int by_nonce(const void *a, const void *b)
{
    const devnet_pool_tx *x = a, *y = b;
    return x->nonce < y->nonce ? -1 : x->nonce > y->nonce;
}

uint64_t devnet_chain_clock_ns(const devnet_chain *c)
{
    return (uint64_t)((int64_t)devnet_now_ns() + c->clock_offset_ns);
}

devnet_status devnet_chain_produce_block(devnet_chain *c)
{
    pthread_mutex_lock(&c->lock);
    uint64_t t0 = devnet_now_ns();
    devnet_block_ctx b;
    memset(&b, 0, sizeof b);
    b.height = c->head_height + 1;
    b.timestamp = devnet_chain_clock_ns(c);
    if (b.timestamp <= c->head_timestamp)
        b.timestamp = c->head_timestamp + 1;
    uint8_t hb[8];
    memcpy(hb, &b.height, 8);
    devnet_sha256(c->head_hash, 32, hb, 8, b.random);
    if (devnet_exec(&c->st, "BEGIN")) {
        pthread_mutex_unlock(&c->lock);
        return DEVNET_ERR_DB;
    }
    /* Transactions, in nonce order so that a client's back-to-back
     * transactions apply in the order it numbered them. */
    devnet_pool_tx *pool = c->pool;
    size_t pool_len = c->pool_len;
    c->pool = NULL;
    c->pool_len = c->pool_cap = 0;
    if (pool_len)
        qsort(pool, pool_len, sizeof *pool, by_nonce);
    bool state_lost = false; /* a savepoint could not be undone: the whole block rolls back */
    for (size_t i = 0; i < pool_len; i++) {
        /* decoded and checked on arrival: only the state checks run again */
        const devnet_checked_tx *t = pool[i].tx;
        const near_transaction *tx = &t->stx.transaction;
        devnet_tx_cost cost;
        json_t *error = NULL;
        if (devnet_tx_validate(c, t, &cost, &error) == DEVNET_OK) {
            /* All of the transaction or none of it: a failed state write
             * drops it (logged), as if it never arrived. */
            if (devnet_savepoint(&c->st) != DEVNET_OK) {
                devnet_log("error", "block %llu: no savepoint for a transaction; dropped",
                           (unsigned long long)b.height);
            } else if (devnet_runtime_apply_tx(c, &b, t, &cost) != DEVNET_OK) {
                devnet_log("error", "block %llu: a transaction could not be stored; dropped",
                           (unsigned long long)b.height);
                if (devnet_rollback(&c->st) != DEVNET_OK)
                    state_lost = true;
            } else if (devnet_release(&c->st) != DEVNET_OK) {
                state_lost = true;
            }
            if (!c->cfg.quiet) {
                char h[DEVNET_B58_HASH];
                devnet_log("info", "block %llu: tx %s %s -> %s (%zu action%s)", (unsigned long long)b.height,
                           devnet_b58(t->hash, 32, h, sizeof h), tx->signer_id, tx->receiver_id, tx->n_actions,
                           tx->n_actions == 1 ? "" : "s");
            }
        } else if (error) { /* became invalid while queued: dropped, as NEAR drops it */
            size_t k = c->rejected_next++ % (sizeof c->rejected / sizeof c->rejected[0]);
            json_decref(c->rejected[k].error);
            memcpy(c->rejected[k].hash, t->hash, 32);
            c->rejected[k].error = error;
            error = NULL;
        }
        json_decref(error);
        devnet_checked_tx_free(pool[i].tx);
    }
    free(pool);
    /* A receipt that cannot be read or stored is logged where it fails;
     * what did run stays, and receipts still due run in the next block. */
    if (devnet_runtime_run_receipts(c, &b) != DEVNET_OK)
        devnet_log("error", "block %llu: the receipts did not all run", (unsigned long long)b.height);

    /* The block hash commits to its height, parent, time and what ran in it. */
    uint8_t body[32 + 8 + 8 + 8];
    memcpy(body, c->head_hash, 32);
    memcpy(body + 32, &b.height, 8);
    memcpy(body + 40, &b.timestamp, 8);
    memcpy(body + 48, &c->seq, 8);
    devnet_sha256("block", 5, body, sizeof body, b.hash);
    sqlite3_stmt *s = devnet_stmt(
        &c->st, "INSERT INTO blocks(height, hash, prev_hash, timestamp, random, gas_burnt) VALUES(?,?,?,?,?,?)");
    int rc = -1;
    if (s) {
        sqlite3_bind_int64(s, 1, (sqlite3_int64)b.height);
        sqlite3_bind_blob(s, 2, b.hash, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 3, c->head_hash, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)b.timestamp);
        sqlite3_bind_blob(s, 5, b.random, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 6, (sqlite3_int64)b.gas_burnt);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(s);
    }
    if (rc == 0 && !state_lost && devnet_exec(&c->st, "COMMIT") == 0) {
        c->head_height = b.height;
        memcpy(c->head_hash, b.hash, 32);
        c->head_timestamp = b.timestamp;
    } else {
        devnet_log("error", "block %llu could not be stored; rolled back", (unsigned long long)b.height);
        if (devnet_exec(&c->st, "ROLLBACK") != DEVNET_OK)
            devnet_log("error", "block %llu: the rollback failed too", (unsigned long long)b.height);
        rc = -1;
    }
    /* A block that held the chain lock for long stalls every client: say so. */
    uint64_t took_ms = (devnet_now_ns() - t0) / 1000000u;
    if (took_ms >= 250 && !c->cfg.quiet)
        devnet_log("info", "block %llu took %llu ms to produce", (unsigned long long)b.height,
                   (unsigned long long)took_ms);
    pthread_cond_broadcast(&c->block_cond);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

void devnet_chain_run(devnet_chain *c)
{
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!c->stop) {
        if (devnet_chain_produce_block(c) != DEVNET_OK) {
            /* logged and rolled back where it failed; the next tick tries again */
        }
        next.tv_nsec += (long)c->cfg.block_ms * 1000000L;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec + 1)
            next = now; /* fell far behind (a slow block): do not burst */
        while (!c->stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
        }
    }
}

json_t *devnet_tx_rejection(devnet_chain *c, const uint8_t hash[32])
{
    for (size_t i = 0; i < sizeof c->rejected / sizeof c->rejected[0]; i++)
        if (c->rejected[i].error && !memcmp(c->rejected[i].hash, hash, 32))
            return c->rejected[i].error;
    return NULL;
}

int devnet_tx_progress(devnet_chain *c, const uint8_t hash[32])
{
    if (in_pool(c, hash))
        return 1;
    if (!tx_known(c, hash))
        return 0;
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT 1 FROM receipts WHERE tx_hash=? AND state<>2 LIMIT 1");
    if (!s)
        return 2;
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
    bool pending = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_reset(s);
    return pending ? 2 : 3;
}

int devnet_chain_wait(devnet_chain *c, const struct timespec *deadline)
{
    return pthread_cond_timedwait(&c->block_cond, &c->lock, deadline) == ETIMEDOUT ? 1 : 0;
}
