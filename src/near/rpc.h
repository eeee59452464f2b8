/* rpc.h — NEAR JSON-RPC client (libcurl + jansson).
 *
 * One near_rpc handle talks to one endpoint. A handle is not thread-safe:
 * use one per thread (they are cheap). Every call returns a near_status;
 * NEAR_OK means the result was parsed into the typed output. On any other
 * status the output holds nothing to free and `err` (if given) says what
 * went wrong: the typed status, the RPC error name and cause, the HTTP
 * status, a human-readable message and, for InvalidNonce, both nonces.
 *
 * Retries. Reads (status, block, chunk, gas_price, query, tx status) are
 * retried with exponential backoff on transport failures, HTTP 408/429/5xx
 * and TIMEOUT_ERROR. Sending a transaction re-sends the *identical* signed
 * bytes (same hash, so the chain executes it at most once) on the same
 * conditions. Nothing here ever re-signs with a new nonce: an InvalidNonce
 * is returned to the caller as NEAR_ERR_INVALID_NONCE with ak_nonce, and
 * the caller decides.
 *
 * Call near_rpc_global_init() once at program start (before threads). */
#ifndef OUTLAYER_NEAR_RPC_H
#define OUTLAYER_NEAR_RPC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "near/keys.h"
#include "near/status.h"
#include "near/transaction.h"
#include "near/u128.h"

typedef struct near_rpc_error {
    near_status status;
    long http_status;            /* 0 when there was no HTTP answer */
    char name[48];               /* HANDLER_ERROR, REQUEST_VALIDATION_ERROR, … */
    char cause[48];              /* UNKNOWN_ACCOUNT, INVALID_TRANSACTION, … */
    char message[512];           /* human-readable, safe to log */
    uint64_t tx_nonce, ak_nonce; /* for NEAR_ERR_INVALID_NONCE */
    json_t *data;                /* raw error (error object or failure), owned; may be NULL */
} near_rpc_error;

/* A near_rpc_error must start zeroed (near_rpc_error err = {0};). Each call
 * resets it before use, so one can be reused across calls; release what it
 * holds with near_rpc_error_clear at the end. `err` may also be NULL. */
void near_rpc_error_clear(near_rpc_error *err);

typedef struct near_rpc near_rpc;

NEAR_MUST_USE near_status near_rpc_global_init(void);
/* A client for the endpoint `url` (copied). It may carry an API key (path,
 * query or user:password@): error messages name only scheme://host[:port]. */
near_rpc *near_rpc_new(const char *url);
void near_rpc_free(near_rpc *c);
/* attempts ≥ 1 (default 4); base_delay_ms doubles per retry (default 250,
 * capped at 8 s). */
void near_rpc_set_retry(near_rpc *c, int attempts, long base_delay_ms);
/* Whole-request timeout (default 60 s; broadcast_tx_commit may wait long). */
void near_rpc_set_timeout(near_rpc *c, long timeout_ms);
/* Optional extra header, e.g. "x-api-key: …" (copied). */
NEAR_MUST_USE near_status near_rpc_add_header(near_rpc *c, const char *header);

/* Raw call: params is stolen. On NEAR_OK *result is the JSON "result"
 * (caller decrefs). `retry_safe` says whether the call may be repeated. */
near_status near_rpc_call(near_rpc *c, const char *method, json_t *params, int retry_safe, json_t **result,
                          near_rpc_error *err);

/* --- block references ----------------------------------------------- */
typedef enum { NEAR_BLOCK_FINAL, NEAR_BLOCK_OPTIMISTIC, NEAR_BLOCK_HEIGHT, NEAR_BLOCK_HASH } near_block_ref_kind;
typedef struct near_block_ref {
    near_block_ref_kind kind;
    uint64_t height;  /* NEAR_BLOCK_HEIGHT */
    const char *hash; /* NEAR_BLOCK_HASH, base58 */
} near_block_ref;
#define NEAR_FINAL ((near_block_ref){.kind = NEAR_BLOCK_FINAL})
#define NEAR_OPTIMISTIC ((near_block_ref){.kind = NEAR_BLOCK_OPTIMISTIC})

/* --- typed calls ---------------------------------------------------- */
typedef struct near_node_status {
    char chain_id[64];
    uint32_t protocol_version;
    uint64_t latest_block_height;
    uint8_t latest_block_hash[NEAR_HASH_LEN];
    json_t *raw; /* whole result, owned */
} near_node_status;
near_status near_rpc_status(near_rpc *c, near_node_status *out, near_rpc_error *err);
void near_node_status_free(near_node_status *s);

typedef struct near_block {
    uint64_t height;
    uint8_t hash[NEAR_HASH_LEN];
    uint8_t prev_hash[NEAR_HASH_LEN];
    uint64_t timestamp_ns;
    near_u128 gas_price;
    json_t *raw; /* whole result (header, chunks), owned */
} near_block;
near_status near_rpc_block(near_rpc *c, near_block_ref ref, near_block *out, near_rpc_error *err);
void near_block_free(near_block *b);

/* chunk by hash (chunk_hash != NULL) or by block + shard. *out: the result JSON. */
near_status near_rpc_chunk(near_rpc *c, const char *chunk_hash, near_block_ref block, uint64_t shard_id, json_t **out,
                           near_rpc_error *err);
/* Gas price at a block (NULL ref pointer = latest). */
near_status near_rpc_gas_price(near_rpc *c, const near_block_ref *ref, near_u128 *out, near_rpc_error *err);

typedef struct near_account_view {
    near_u128 amount;
    near_u128 locked;
    uint8_t code_hash[NEAR_HASH_LEN]; /* all zero: no contract */
    uint64_t storage_usage;
    uint64_t block_height;
    uint8_t block_hash[NEAR_HASH_LEN];
} near_account_view;
near_status near_rpc_view_account(near_rpc *c, const char *account_id, near_block_ref ref, near_account_view *out,
                                  near_rpc_error *err);

typedef struct near_access_key_view {
    near_access_key key; /* nonce + permission; free with near_access_key_view_free */
    uint64_t block_height;
    uint8_t block_hash[NEAR_HASH_LEN];
} near_access_key_view;
near_status near_rpc_view_access_key(near_rpc *c, const char *account_id, const near_public_key *pk, near_block_ref ref,
                                     near_access_key_view *out, near_rpc_error *err);
void near_access_key_view_free(near_access_key_view *v);

typedef struct near_access_key_list {
    size_t n;
    near_public_key *public_keys;
    near_access_key *keys;
} near_access_key_list;
near_status near_rpc_view_access_key_list(near_rpc *c, const char *account_id, near_block_ref ref,
                                          near_access_key_list *out, near_rpc_error *err);
void near_access_key_list_free(near_access_key_list *l);

typedef struct near_call_result {
    uint8_t *result; /* bytes the method returned (NUL-terminated extra byte) */
    size_t result_len;
    char **logs;
    size_t n_logs;
    uint64_t block_height;
} near_call_result;
/* A failing view (panic, missing method, no code) gives
 * NEAR_ERR_CONTRACT_EXECUTION with the node's text in err->message. */
near_status near_rpc_call_function(near_rpc *c, const char *account_id, const char *method, const uint8_t *args,
                                   size_t args_len, near_block_ref ref, near_call_result *out, near_rpc_error *err);
void near_call_result_free(near_call_result *r);

typedef struct near_state_item {
    uint8_t *key, *value;
    size_t key_len, value_len;
} near_state_item;
typedef struct near_state_view {
    near_state_item *items;
    size_t n;
} near_state_view;
near_status near_rpc_view_state(near_rpc *c, const char *account_id, const uint8_t *prefix, size_t prefix_len,
                                near_block_ref ref, near_state_view *out, near_rpc_error *err);
void near_state_view_free(near_state_view *s);

near_status near_rpc_view_code(near_rpc *c, const char *account_id, near_block_ref ref, uint8_t **code,
                               size_t *code_len, uint8_t code_hash[NEAR_HASH_LEN], near_rpc_error *err);

/* --- transactions ----------------------------------------------------- */
typedef enum near_outcome_kind {
    NEAR_OUTCOME_NOT_STARTED, /* "NotStarted" or no status yet (NONE / INCLUDED waits) */
    NEAR_OUTCOME_STARTED,
    NEAR_OUTCOME_SUCCESS, /* SuccessValue: value / value_len */
    NEAR_OUTCOME_FAILURE, /* Failure: failure JSON + failure_message */
} near_outcome_kind;

typedef struct near_outcome {
    char final_execution_status[24]; /* "FINAL", "EXECUTED_OPTIMISTIC", … ("" if absent) */
    near_outcome_kind kind;
    uint8_t *value; /* decoded SuccessValue (NUL-terminated extra byte) */
    size_t value_len;
    json_t *failure;           /* the TxExecutionError object, owned */
    char failure_message[512]; /* e.g. "Smart contract panicked: boom" */
    char tx_hash[64];          /* base58 */
    char **logs;               /* transaction outcome logs, then each receipt's in order */
    size_t n_logs;
    uint64_t gas_burnt; /* summed over tx + receipts */
    json_t *raw;        /* whole result, owned */
} near_outcome;
void near_outcome_free(near_outcome *o);
/* Parses a FinalExecutionOutcome JSON (borrowed) into *out. */
near_status near_outcome_parse(json_t *result, near_outcome *out, near_rpc_error *err);

typedef enum near_wait_until {
    NEAR_WAIT_NONE,
    NEAR_WAIT_INCLUDED,
    NEAR_WAIT_EXECUTED_OPTIMISTIC,
    NEAR_WAIT_INCLUDED_FINAL,
    NEAR_WAIT_EXECUTED,
    NEAR_WAIT_FINAL,
} near_wait_until;
const char *near_wait_until_name(near_wait_until w);

near_status near_rpc_send_tx(near_rpc *c, const uint8_t *signed_tx, size_t len, near_wait_until wait, near_outcome *out,
                             near_rpc_error *err);
near_status near_rpc_broadcast_tx_commit(near_rpc *c, const uint8_t *signed_tx, size_t len, near_outcome *out,
                                         near_rpc_error *err);
/* Result is the tx hash (base58) in hash_out. */
near_status near_rpc_broadcast_tx_async(near_rpc *c, const uint8_t *signed_tx, size_t len, char hash_out[64],
                                        near_rpc_error *err);
/* `tx` (experimental = 0) or EXPERIMENTAL_tx_status (1) by hash + sender. */
near_status near_rpc_tx_status(near_rpc *c, const char *tx_hash, const char *sender_id, near_wait_until wait,
                               int experimental, near_outcome *out, near_rpc_error *err);

/* --- high level ---------------------------------------------------------- */
typedef struct near_signer {
    const char *account_id;
    const near_keypair *keypair;
} near_signer;

/* Calls `method` on `receiver` as `signer`: reads the access key nonce
 * (finality final) and the latest final block hash, signs one FunctionCall
 * with nonce + 1, sends it with send_tx wait_until FINAL and parses the
 * outcome. Returns NEAR_OK when the transaction succeeded (out->value holds
 * the return value), NEAR_ERR_TX_FAILED when it executed and failed
 * (out->failure / failure_message, logs and tx_hash are filled), or an RPC
 * error status when it was rejected (InvalidNonce, …; out is empty).
 * args are bytes (usually JSON text); args_len 0 sends empty args. */
near_status near_call_function(near_rpc *c, const near_signer *signer, const char *receiver_id, const char *method,
                               const char *args, size_t args_len, uint64_t gas, near_u128 deposit, near_outcome *out,
                               near_rpc_error *err);

/* View call with JSON args at finality final; the result bytes are in
 * out->result (usually JSON text). */
near_status near_view_function(near_rpc *c, const char *account_id, const char *method, const char *json_args,
                               near_call_result *out, near_rpc_error *err);

#endif
