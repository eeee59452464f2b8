/*
 * dev_chain.h — the few chain operations `outlayer dev` and `outlayer
 * request` need, on top of src/near: transactions in flight together (one
 * signer, consecutive nonces), sign and send one function call, wait for a
 * request's final outcome.
 */
#ifndef OUTLAYER_CLI_DEV_CHAIN_H
#define OUTLAYER_CLI_DEV_CHAIN_H

#include <jansson.h>
#include <stdbool.h>

#include "near/credentials.h"
#include "near/rpc.h"
#include "near/u128.h"

#define DC_TGAS 1000000000000ull
#define DC_NEAR ((near_u128)1000000000000000000ull * 1000000ull)

/* Whether the account exists (1), does not (0), or the RPC failed (-1). */
int dc_account_exists(near_rpc *rpc, const char *id);
/* Signs one FunctionCall (gas, deposit) and sends it waiting for `wait`;
 * hash_out (64 bytes) gets the transaction hash. */
near_status dc_call(near_rpc *rpc, const near_credentials *who, const char *receiver, const char *method,
                    const char *args, uint64_t gas, near_u128 deposit, near_wait_until wait, near_outcome *out,
                    char *hash_out, char *err, size_t errlen);
/* Several transactions from one signer in flight at once: consecutive
 * nonces from one read of the access key, all against one block hash,
 * each sent with broadcast_tx_async; dc_wait_all then waits for their
 * outcomes. Independent transactions so take the blocks of one, not of
 * all of them in turn (`outlayer dev`'s start-up). */
typedef struct dc_batch {
    const near_credentials *who;
    uint64_t nonce; /* the last nonce used */
    uint8_t block_hash[32];
} dc_batch;

typedef struct dc_sent {
    char hash[64];
    char sender[65];
    char what[80]; /* for error messages */
} dc_sent;

/* Reads who's access key nonce and the latest final block. */
int dc_batch_begin(near_rpc *rpc, const near_credentials *who, dc_batch *b, char *err, size_t errlen);
/* A transaction to receiver with the batch's next nonce (add the actions). */
int dc_batch_tx(dc_batch *b, const char *receiver, near_transaction *tx, char *err, size_t errlen);
/* Signs tx (freed) and broadcasts it without waiting; *sent names it. */
int dc_batch_send(near_rpc *rpc, dc_batch *b, near_transaction *tx, const char *what, dc_sent *sent, char *err,
                  size_t errlen);
/* Waits until each of the n transactions is final; 0 if all succeeded, or
 * -1 with the first failure in err. */
int dc_wait_all(near_rpc *rpc, const dc_sent *sent, size_t n, char *err, size_t errlen);
/* Reads a contract file (for a DeployContract action); NULL with err. */
uint8_t *dc_read_code(const char *path, size_t *len, char *err, size_t errlen);

/* The `execution_completed` event's data[0] in an outcome's logs (new reference) or NULL. */
json_t *dc_completed_event(const near_outcome *o);
/* Polls the request transaction until its callback ran and the whole tree is
 * final (refund included). progress (may be NULL) is called every poll with
 * the seconds waited. 0 with *o filled, or -1 on timeout / RPC failure. */
int dc_wait_final(near_rpc *rpc, const char *tx_hash, const char *sender, int timeout_ms,
                  void (*progress)(double seconds, void *ctx), void *ctx, near_outcome *o);

#endif
