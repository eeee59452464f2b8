/*
 * rpc_tx.c — the transaction methods: send_tx (wait_until), broadcast_tx_async,
 * broadcast_tx_commit, tx, EXPERIMENTAL_tx_status, EXPERIMENTAL_receipt.
 * Parameters (base64, Borsh, signatures, base58 hashes) are decoded and
 * checked before the chain lock; waiting sleeps on the chain's block
 * condition (the lock is released).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devnet/devnet.h"
#include "devnet/rpc_internal.h"
#include "near/account_id.h"
#include "near/encoding.h"

/* ---- transactions ---- */

typedef enum { W_NONE, W_INCLUDED, W_EXECUTED } wait_level;

static wait_level parse_wait(const char *w)
{
    if (!w)
        return W_EXECUTED;
    if (!strcmp(w, "NONE"))
        return W_NONE;
    if (!strcmp(w, "INCLUDED") || !strcmp(w, "INCLUDED_FINAL"))
        return W_INCLUDED;
    return W_EXECUTED;
}

static json_t *timeout_error(int *http)
{
    *http = 408;
    return devnet_rpc_handler_error("TIMEOUT_ERROR", NULL, json_string("Timeout"));
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_nsec -= 1000000000L;
        ts->tv_sec++;
    }
}

/* Waits until the transaction reaches `level` and returns its view. */
static json_t *wait_tx(devnet_chain *c, const uint8_t hash[32], wait_level level, bool experimental, json_t **error,
                       int *http)
{
    struct timespec deadline;
    deadline_in(&deadline, c->cfg.wait_timeout_ms);
    for (;;) {
        int p = devnet_tx_progress(c, hash);
        if (p == 0) {
            char id[DEVNET_B58_HASH];
            devnet_b58(hash, 32, id, sizeof id);
            json_t *why = devnet_tx_rejection(c, hash);
            if (why) { /* validated on arrival, then dropped at inclusion (its nonce got used) */
                *error = devnet_rpc_handler_error("INVALID_TRANSACTION", NULL,
                                                  json_pack("{s:{s:O}}", "TxExecutionError", "InvalidTxError", why));
                return NULL;
            }
            *error =
                devnet_rpc_handler_error("UNKNOWN_TRANSACTION", json_pack("{s:s}", "requested_transaction_hash", id),
                                         json_sprintf("Transaction %s doesn't exist", id));
            return NULL;
        }
        if (p == 3)
            return devnet_tx_outcome_view(c, hash, experimental, "FINAL");
        if (level == W_NONE && p == 1)
            return json_pack("{s:s}", "final_execution_status", "NONE");
        if (level <= W_INCLUDED && p == 2) {
            json_t *v = devnet_tx_outcome_view(c, hash, experimental, "INCLUDED_FINAL");
            return v ? v : json_pack("{s:s}", "final_execution_status", "INCLUDED_FINAL");
        }
        if (level == W_NONE)
            return json_pack("{s:s}", "final_execution_status", "NONE");
        if (c->stop || devnet_chain_wait(c, &deadline)) { /* shutting down: do not hold it up */
            if (devnet_tx_progress(c, hash) == 3)
                continue;
            *error = timeout_error(http);
            return NULL;
        }
    }
}

/* Decodes the base64 and the transaction, checks what needs no state
 * (size, signature, account ids, actions) and compiles a deployed contract,
 * all before the chain lock (the three submit methods are registered
 * unlocked); then takes the lock for the state checks and the pool. On
 * success the lock is still held (the caller may wait on the chain), and
 * *locked says so. */
static json_t *submit(devnet_chain *c, const char *b64, uint8_t hash[32], json_t **error, int *http, bool *locked)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    *locked = false;
    if (!b64 || near_base64_decode(b64, &bytes, &len)) {
        return devnet_rpc_bad_request(error, http, "signed transaction: invalid base64");
    }
    json_t *txerr = NULL;
    char msg[200] = "";
    devnet_checked_tx *t = NULL;
    int rc = devnet_tx_check(bytes, len, &t, msg, sizeof msg);
    if (rc == 0) {
        /* compiling a large contract must not stop block production */
        if (!t->early_error)
            devnet_precompile_tx(c, &t->stx.transaction);
        memcpy(hash, t->hash, 32);
        pthread_mutex_lock(&c->lock);
        *locked = true;
        rc = devnet_chain_submit(c, t, &txerr, msg, sizeof msg);
    }
    if (rc == 0)
        return json_true();
    if (txerr) {
        *error = devnet_rpc_handler_error("INVALID_TRANSACTION", NULL,
                                          json_pack("{s:{s:o}}", "TxExecutionError", "InvalidTxError", txerr));
        return NULL;
    }
    char what[260];
    snprintf(what, sizeof what, "Failed to decode transaction: %s", msg);
    return devnet_rpc_bad_request(error, http, what);
}

static json_t *unlock_and(devnet_chain *c, bool locked, json_t *r)
{
    if (locked)
        pthread_mutex_unlock(&c->lock);
    return r;
}

json_t *devnet_rpc_send_tx(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    const char *b64 = json_string_value(json_is_array(params) ? json_array_get(params, 0)
                                                              : json_object_get(params, "signed_tx_base64"));
    wait_level level = parse_wait(json_string_value(json_object_get(params, "wait_until")));
    uint8_t hash[32];
    bool locked;
    json_t *ok = submit(c, b64, hash, error, http, &locked);
    if (!ok)
        return unlock_and(c, locked, NULL);
    json_decref(ok);
    return unlock_and(c, locked, wait_tx(c, hash, level, false, error, http));
}

json_t *devnet_rpc_broadcast_async(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    uint8_t hash[32];
    bool locked;
    json_t *ok = submit(c, json_string_value(devnet_rpc_first_param(params)), hash, error, http, &locked);
    if (!ok)
        return unlock_and(c, locked, NULL);
    json_decref(ok);
    return unlock_and(c, locked, devnet_b58_json(hash, 32));
}

json_t *devnet_rpc_broadcast_commit(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    uint8_t hash[32];
    bool locked;
    json_t *ok = submit(c, json_string_value(devnet_rpc_first_param(params)), hash, error, http, &locked);
    if (!ok)
        return unlock_and(c, locked, NULL);
    json_decref(ok);
    return unlock_and(c, locked, wait_tx(c, hash, W_EXECUTED, false, error, http));
}

static json_t *tx_status(devnet_chain *c, json_t *params, bool experimental, json_t **error, int *http)
{
    uint8_t hash[32];
    const char *hash_text = NULL, *b64 = NULL;
    wait_level level = W_EXECUTED;
    if (json_is_array(params)) {
        const char *first = json_string_value(json_array_get(params, 0));
        if (json_array_size(params) == 1)
            b64 = first;
        else
            hash_text = first;
    } else {
        hash_text = json_string_value(json_object_get(params, "tx_hash"));
        b64 = json_string_value(json_object_get(params, "signed_tx_base64"));
        level = parse_wait(json_string_value(json_object_get(params, "wait_until")));
    }
    if (hash_text) {
        if (devnet_b58_hash(hash_text, hash))
            return devnet_rpc_bad_request(error, http, "tx_hash: invalid base58 hash");
    } else if (b64) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        near_signed_transaction stx;
        char msg[160];
        if (near_base64_decode(b64, &bytes, &len))
            return devnet_rpc_bad_request(error, http, "signed_tx_base64: invalid base64");
        int rc = near_signed_transaction_from_bytes(bytes, len, &stx, msg, sizeof msg);
        free(bytes);
        if (rc)
            return devnet_rpc_bad_request(error, http, msg);
        rc = near_transaction_hash(&stx.transaction, hash);
        near_signed_transaction_free(&stx);
        if (rc)
            return devnet_rpc_bad_request(error, http, "tx: cannot hash the transaction");
    } else {
        return devnet_rpc_bad_request(error, http, "tx: tx_hash or signed_tx_base64 expected");
    }
    pthread_mutex_lock(&c->lock);
    json_t *r = wait_tx(c, hash, level, experimental, error, http);
    pthread_mutex_unlock(&c->lock);
    return r;
}

json_t *devnet_rpc_tx(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    return tx_status(c, params, false, error, http);
}

json_t *devnet_rpc_tx_experimental(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    return tx_status(c, params, true, error, http);
}

json_t *devnet_rpc_receipt(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    const char *id =
        json_string_value(json_is_array(params) ? json_array_get(params, 0) : json_object_get(params, "receipt_id"));
    uint8_t rid[32];
    if (!id || devnet_b58_hash(id, rid))
        return devnet_rpc_bad_request(error, http, "receipt_id: invalid base58 hash");
    pthread_mutex_lock(&c->lock);
    json_t *v = devnet_receipt_view(c, rid);
    pthread_mutex_unlock(&c->lock);
    if (!v)
        *error = devnet_rpc_handler_error("UNKNOWN_RECEIPT", json_pack("{s:s}", "receipt_id", id),
                                          json_sprintf("Receipt with id %s has never been observed on this node", id));
    return v;
}
