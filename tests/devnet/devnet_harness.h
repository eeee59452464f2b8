/*
 * devnet_harness.h — starts the real outlayer-devnet binary for a test
 * (free loopback port, temporary home) and signs transactions for it
 * through src/near's client.
 */
#ifndef OUTLAYER_DEVNET_HARNESS_H
#define OUTLAYER_DEVNET_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "near/credentials.h"
#include "near/rpc.h"
#include "near/transaction.h"

typedef struct dn_node {
    pid_t pid;
    int port;
    char home[256];
    char url[64];
    near_rpc *rpc;
    near_credentials near_root; /* account `near` */
    near_credentials test_root; /* account `test.near` */
} dn_node;

#define DN_NEAR ((near_u128)1000000000000000000ull * 1000000ull)
#define DN_TGAS 1000000000000ull
/* The devnet's constant gas price (yoctoNEAR per gas), stated here on its
 * own so the tests check the devnet's arithmetic rather than reuse it. */
#define DN_GAS_PRICE ((near_u128)100000000u)

/* Starts the devnet (binary from $DEVNET_BIN, default build/bin/outlayer-devnet)
 * with a fresh temporary home. extra: more arguments (NULL-terminated list
 * or NULL). Returns 0 once the RPC answers. */
int dn_start(dn_node *n, int block_ms, const char *const *extra);
/* Starts again on the same home (and port). */
int dn_restart(dn_node *n, int block_ms, const char *const *extra);
/* SIGTERM and wait; keep_home = 0 removes the home directory. Returns the
 * number of problems seen: an unclean exit, sanitizer reports or internal
 * errors in its log. */
int dn_stop(dn_node *n, bool keep_home);

/* A transaction from signer to receiver with the key's next nonce and the
 * latest block hash; add actions with near_add_*(near_tx_actions(tx), ...). */
int dn_tx_begin(dn_node *n, const char *signer, const near_keypair *kp, const char *receiver, near_transaction *tx);
/* Signs and sends (send_tx with `wait`). Frees tx. Returns the RPC status;
 * hash_out (optional, 64 bytes) gets the base58 hash. */
near_status dn_tx_send(dn_node *n, near_transaction *tx, const near_keypair *kp, near_wait_until wait,
                       near_outcome *out, near_rpc_error *err, char *hash_out);
/* Signed bytes (malloc'd) of tx, for tests that tamper with them. Frees tx. */
uint8_t *dn_tx_sign(near_transaction *tx, const near_keypair *kp, size_t *len, char *hash_out);

/* Calls `method` on `receiver` as `who` with 300 TGas attached: dn_tx_begin
 * plus one FunctionCall plus dn_tx_send (same return and outputs). */
near_status dn_call(dn_node *n, const near_credentials *who, const char *receiver, const char *method, const char *args,
                    near_u128 deposit, near_wait_until wait, near_outcome *out, near_rpc_error *err, char *hash_out);
/* Deploys the WASM file at `path` to who's own account, followed in the same
 * transaction by a call of `new` with the JSON `init` unless init is NULL;
 * waits for finality. 0 on success, else -1 with the reason on stderr. */
int dn_deploy(dn_node *n, const near_credentials *who, const char *path, const char *init);
/* The usual end of a test file: stops the node keeping its home, checks the
 * token supply (dn_check_supply), removes the home. Returns the number of
 * problems (0 = clean). */
int dn_finish(dn_node *n);

/* Creates `id` (a sub-account of the creator) with `amount` and a fresh key. */
int dn_create_account(dn_node *n, const near_credentials *creator, const char *id, near_u128 amount,
                      near_credentials *out);
/* Balance of an account, or -1 (as u128 max) when it cannot be read. */
near_u128 dn_balance(dn_node *n, const char *id);
/* Reads a whole file (malloc'd). */
uint8_t *dn_read_file(const char *path, size_t *len);
/* First JSON text after "EVENT_JSON:" in any feed log of receiver `contract`
 * from height `from` on, waiting up to timeout_ms; returns the block height
 * through *height. malloc'd, or NULL. */
char *dn_feed_find_event(dn_node *n, const char *contract, const char *event, uint64_t from, int timeout_ms,
                         uint64_t *height);
/* After dn_stop(n, true): 0 if the balances of every account plus every
 * token burnt for gas add up exactly to the genesis supply (no yoctoNEAR
 * created or lost by the runtime), else -1 with a message. */
int dn_check_supply(dn_node *n);
/* The same, also giving the feed item's tx_hash (64 bytes). */
char *dn_feed_find_event_tx(dn_node *n, const char *contract, const char *event, uint64_t from, int timeout_ms,
                            uint64_t *height, char *tx_hash);
/* Latest block height. */
uint64_t dn_height(dn_node *n);
/* HTTP GET / POST (to /) on the devnet; body malloc'd; *status set. */
char *dn_http_get(dn_node *n, const char *path, long *status);
char *dn_http_post(dn_node *n, const char *body, long *status);

#endif
