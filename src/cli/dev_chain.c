/* dev_chain.c — see dev_chain.h. */
#include "cli/dev_chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "near/encoding.h"
#include "near/transaction.h"

/* A transaction with the key's next nonce and the latest final block hash. */
static int tx_begin(near_rpc *rpc, const near_credentials *who, const char *receiver, near_transaction *tx, char *err,
                    size_t errlen)
{
    dc_batch b; /* a batch of one */
    if (dc_batch_begin(rpc, who, &b, err, errlen))
        return -1;
    return dc_batch_tx(&b, receiver, tx, err, errlen);
}

static near_status tx_send(near_rpc *rpc, near_transaction *tx, const near_keypair *kp, near_wait_until wait,
                           near_outcome *out, char *hash_out, char *err, size_t errlen)
{
    near_signed_transaction stx;
    uint8_t hash[32];
    int bad = near_transaction_sign(tx, kp, &stx, hash);
    near_transaction_free(tx);
    if (bad) {
        snprintf(err, errlen, "cannot sign the transaction");
        return NEAR_ERR_ARG;
    }
    if (hash_out)
        near_base58_encode(hash, 32, hash_out, 64);
    size_t len = 0;
    uint8_t *bytes = near_signed_transaction_to_bytes(&stx, &len);
    near_signed_transaction_free(&stx);
    near_rpc_error e = {0};
    near_status st = near_rpc_send_tx(rpc, bytes, len, wait, out, &e);
    free(bytes);
    if (st != NEAR_OK)
        snprintf(err, errlen, "%s: %s", near_status_name(st), e.message);
    near_rpc_error_clear(&e);
    return st;
}

int dc_batch_begin(near_rpc *rpc, const near_credentials *who, dc_batch *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->who = who;
    near_access_key_view ak;
    near_rpc_error e = {0};
    if (near_rpc_view_access_key(rpc, who->account_id, &who->keypair.public_key, NEAR_FINAL, &ak, &e) != NEAR_OK) {
        snprintf(err, errlen, "access key of %s: %s", who->account_id, e.message);
        near_rpc_error_clear(&e);
        return -1;
    }
    b->nonce = ak.key.nonce;
    near_access_key_view_free(&ak);
    near_block blk;
    if (near_rpc_block(rpc, NEAR_FINAL, &blk, &e) != NEAR_OK) {
        snprintf(err, errlen, "latest block: %s", e.message);
        near_rpc_error_clear(&e);
        return -1;
    }
    memcpy(b->block_hash, blk.hash, sizeof b->block_hash);
    near_block_free(&blk);
    return 0;
}

int dc_batch_tx(dc_batch *b, const char *receiver, near_transaction *tx, char *err, size_t errlen)
{
    if (near_transaction_init(tx, b->who->account_id, &b->who->keypair.public_key, b->nonce + 1, receiver,
                              b->block_hash)) {
        snprintf(err, errlen, "cannot build a transaction for %s", receiver);
        return -1;
    }
    b->nonce++;
    return 0;
}

int dc_batch_send(near_rpc *rpc, dc_batch *b, near_transaction *tx, const char *what, dc_sent *sent, char *err,
                  size_t errlen)
{
    near_signed_transaction stx;
    uint8_t hash[32];
    int bad = near_transaction_sign(tx, &b->who->keypair, &stx, hash);
    near_transaction_free(tx);
    if (bad) {
        snprintf(err, errlen, "%s: cannot sign the transaction", what);
        return -1;
    }
    size_t len = 0;
    uint8_t *bytes = near_signed_transaction_to_bytes(&stx, &len);
    near_signed_transaction_free(&stx);
    if (!bytes) {
        snprintf(err, errlen, "%s: out of memory", what);
        return -1;
    }
    near_rpc_error e = {0};
    near_status st = near_rpc_broadcast_tx_async(rpc, bytes, len, sent->hash, &e);
    free(bytes);
    if (st != NEAR_OK) {
        snprintf(err, errlen, "%s: %s: %s", what, near_status_name(st), e.message);
        near_rpc_error_clear(&e);
        return -1;
    }
    snprintf(sent->sender, sizeof sent->sender, "%s", b->who->account_id);
    snprintf(sent->what, sizeof sent->what, "%s", what);
    return 0;
}

int dc_wait_all(near_rpc *rpc, const dc_sent *sent, size_t n, char *err, size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        near_outcome o;
        near_rpc_error e = {0};
        /* The devnet answers once the whole receipt tree has run; they were
         * all sent before the first wait, so this takes the longest of them. */
        near_status st = near_rpc_tx_status(rpc, sent[i].hash, sent[i].sender, NEAR_WAIT_FINAL, 0, &o, &e);
        if (st != NEAR_OK) {
            if (rc == 0)
                snprintf(err, errlen, "%s: %s: %s", sent[i].what, near_status_name(st), e.message);
            rc = -1;
        } else {
            if (o.kind != NEAR_OUTCOME_SUCCESS && rc == 0) {
                snprintf(err, errlen, "%s failed: %s", sent[i].what,
                         o.failure_message[0] ? o.failure_message : o.final_execution_status);
                rc = -1;
            }
            near_outcome_free(&o);
        }
        near_rpc_error_clear(&e);
    }
    return rc;
}

uint8_t *dc_read_code(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s (run `make` first)", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *code = n > 0 ? malloc((size_t)n) : NULL;
    size_t got = code ? fread(code, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!code || got != (size_t)n) {
        free(code);
        snprintf(err, errlen, "cannot read %s", path);
        return NULL;
    }
    *len = (size_t)n;
    return code;
}

int dc_account_exists(near_rpc *rpc, const char *id)
{
    near_account_view v;
    near_rpc_error e = {0};
    near_status st = near_rpc_view_account(rpc, id, NEAR_FINAL, &v, &e);
    near_rpc_error_clear(&e);
    if (st == NEAR_OK)
        return 1;
    return st == NEAR_ERR_UNKNOWN_ACCOUNT ? 0 : -1;
}

near_status dc_call(near_rpc *rpc, const near_credentials *who, const char *receiver, const char *method,
                    const char *args, uint64_t gas, near_u128 deposit, near_wait_until wait, near_outcome *out,
                    char *hash_out, char *err, size_t errlen)
{
    near_transaction tx;
    if (tx_begin(rpc, who, receiver, &tx, err, errlen))
        return NEAR_ERR_ARG;
    if (near_add_function_call(near_tx_actions(&tx), method, (const uint8_t *)args, strlen(args), gas, deposit)) {
        near_transaction_free(&tx);
        snprintf(err, errlen, "cannot build the call");
        return NEAR_ERR_ARG;
    }
    return tx_send(rpc, &tx, &who->keypair, wait, out, hash_out, err, errlen);
}

json_t *dc_completed_event(const near_outcome *o)
{
    for (size_t i = 0; i < o->n_logs; i++) {
        const char *p = strstr(o->logs[i], "EVENT_JSON:");
        if (!p)
            continue;
        json_t *ev = json_loads(p + 11, 0, NULL);
        const char *name = json_string_value(json_object_get(ev, "event"));
        if (name && strcmp(name, "execution_completed") == 0) {
            json_t *d = json_incref(json_array_get(json_object_get(ev, "data"), 0));
            json_decref(ev);
            if (d)
                return d;
            continue;
        }
        json_decref(ev);
    }
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int dc_wait_final(near_rpc *rpc, const char *tx_hash, const char *sender, int timeout_ms,
                  void (*progress)(double seconds, void *ctx), void *ctx, near_outcome *o)
{
    double start = now_s();
    while ((now_s() - start) * 1000 <= timeout_ms) {
        near_rpc_error e = {0};
        near_status st = near_rpc_tx_status(rpc, tx_hash, sender, NEAR_WAIT_NONE, 1, o, &e);
        near_rpc_error_clear(&e);
        if (st == NEAR_OK) {
            json_t *ev = NULL;
            bool done = o->kind == NEAR_OUTCOME_FAILURE ||
                        (o->kind == NEAR_OUTCOME_SUCCESS && (ev = dc_completed_event(o)) != NULL);
            json_decref(ev);
            near_outcome_free(o);
            if (done) {
                /* The refund is a receipt of its own: wait for the whole tree. */
                for (int i = 0; i < 50; i++) {
                    st = near_rpc_tx_status(rpc, tx_hash, sender, NEAR_WAIT_FINAL, 1, o, &e);
                    near_rpc_error_clear(&e);
                    if (st == NEAR_OK)
                        return 0;
                    usleep(200 * 1000);
                }
                return -1;
            }
        }
        if (progress)
            progress(now_s() - start, ctx);
        usleep(200 * 1000);
    }
    return -1;
}
