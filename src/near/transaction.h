/* transaction.h — NEAR transactions (V0), actions, signing and decoding.
 *
 * A near_transaction owns everything it points to: strings and byte buffers
 * are copied in by the builder functions (or allocated by the decoder) and
 * released by near_transaction_free. Encoding follows nearcore's borsh
 * layout exactly; the hash is sha256(borsh(Transaction)) and the ed25519
 * signature covers those 32 bytes.
 *
 * Supported actions: CreateAccount, DeployContract, FunctionCall, Transfer,
 * Stake, AddKey (FullAccess or FunctionCall permission), DeleteKey,
 * DeleteAccount and Delegate (NEP-366 meta transactions). Decoding any other
 * action index (global contracts, gas keys, …) fails with a clear error, as
 * does a TransactionV1 encoding. */
#ifndef OUTLAYER_NEAR_TRANSACTION_H
#define OUTLAYER_NEAR_TRANSACTION_H

#include <stdbool.h>

#include "near/status.h"

#include <stddef.h>
#include <stdint.h>

#include "near/borsh.h"
#include "near/keys.h"
#include "near/u128.h"

#define NEAR_HASH_LEN 32
/* NEP-461 prefix for signed delegate actions: 2^30 + 366. */
#define NEAR_DELEGATE_ACTION_PREFIX 1073742190u

typedef enum near_action_kind {
    NEAR_ACTION_CREATE_ACCOUNT = 0,
    NEAR_ACTION_DEPLOY_CONTRACT = 1,
    NEAR_ACTION_FUNCTION_CALL = 2,
    NEAR_ACTION_TRANSFER = 3,
    NEAR_ACTION_STAKE = 4,
    NEAR_ACTION_ADD_KEY = 5,
    NEAR_ACTION_DELETE_KEY = 6,
    NEAR_ACTION_DELETE_ACCOUNT = 7,
    NEAR_ACTION_DELEGATE = 8,
} near_action_kind;

typedef struct near_access_key {
    uint64_t nonce;
    int full_access;   /* 1 = FullAccess; 0 = FunctionCall permission below */
    int has_allowance; /* FunctionCall: 0 = unlimited */
    near_u128 allowance;
    char *receiver_id;
    char **method_names; /* empty list = any method */
    size_t n_method_names;
} near_access_key;

struct near_signed_delegate;

typedef struct near_action {
    near_action_kind kind;
    /* DeployContract: code. FunctionCall: args. */
    uint8_t *bytes;
    size_t bytes_len;
    char *method_name;                     /* FunctionCall */
    uint64_t gas;                          /* FunctionCall */
    near_u128 amount;                      /* FunctionCall deposit, Transfer deposit, Stake stake */
    near_public_key public_key;            /* Stake, AddKey, DeleteKey */
    near_access_key access_key;            /* AddKey */
    char *beneficiary_id;                  /* DeleteAccount */
    struct near_signed_delegate *delegate; /* Delegate */
} near_action;

typedef struct near_delegate_action {
    char *sender_id;
    char *receiver_id;
    near_action *actions; /* never Delegate */
    size_t n_actions;
    uint64_t nonce;
    uint64_t max_block_height;
    near_public_key public_key;
} near_delegate_action;

typedef struct near_signed_delegate {
    near_delegate_action delegate_action;
    near_signature signature;
} near_signed_delegate;

typedef struct near_transaction {
    char *signer_id;
    near_public_key public_key;
    uint64_t nonce;
    char *receiver_id;
    uint8_t block_hash[NEAR_HASH_LEN];
    near_action *actions;
    size_t n_actions;
} near_transaction;

typedef struct near_signed_transaction {
    near_transaction transaction;
    near_signature signature;
} near_signed_transaction;

/* --- building ---------------------------------------------------------
 * All return NEAR_OK, or a failure when memory runs out (the transaction is unchanged). */
NEAR_MUST_USE near_status near_transaction_init(near_transaction *tx, const char *signer_id, const near_public_key *pk,
                                                uint64_t nonce, const char *receiver_id,
                                                const uint8_t block_hash[NEAR_HASH_LEN]);
void near_transaction_free(near_transaction *tx);
void near_signed_transaction_free(near_signed_transaction *stx);
/* Frees an access key's receiver and method names (and zeroes it). */
void near_access_key_free(near_access_key *ak);
/* Frees an array of n actions (as calloc'ed by the decoder or a caller)
 * with everything each action owns, then the array itself. */
void near_actions_free(near_action *actions, size_t n);

/* Appending actions works on a transaction or a delegate action's list. */
typedef struct near_action_list {
    near_action **actions;
    size_t *n_actions;
} near_action_list;
near_action_list near_tx_actions(near_transaction *tx);
near_action_list near_delegate_actions(near_delegate_action *da);

NEAR_MUST_USE near_status near_add_create_account(near_action_list l);
NEAR_MUST_USE near_status near_add_deploy_contract(near_action_list l, const uint8_t *code, size_t len);
NEAR_MUST_USE near_status near_add_function_call(near_action_list l, const char *method, const uint8_t *args,
                                                 size_t args_len, uint64_t gas, near_u128 deposit);
NEAR_MUST_USE near_status near_add_transfer(near_action_list l, near_u128 deposit);
NEAR_MUST_USE near_status near_add_stake(near_action_list l, near_u128 stake, const near_public_key *pk);
NEAR_MUST_USE near_status near_add_full_access_key(near_action_list l, const near_public_key *pk, uint64_t nonce);
/* allowance NULL = unlimited; method_names may be NULL when n == 0. */
NEAR_MUST_USE near_status near_add_function_call_key(near_action_list l, const near_public_key *pk, uint64_t nonce,
                                                     const near_u128 *allowance, const char *receiver_id,
                                                     const char *const *method_names, size_t n_method_names);
NEAR_MUST_USE near_status near_add_delete_key(near_action_list l, const near_public_key *pk);
NEAR_MUST_USE near_status near_add_delete_account(near_action_list l, const char *beneficiary_id);
/* Takes ownership of *sd (its contents are moved; *sd is zeroed). */
NEAR_MUST_USE near_status near_add_delegate(near_action_list l, near_signed_delegate *sd);

NEAR_MUST_USE near_status near_delegate_action_init(near_delegate_action *da, const char *sender_id,
                                                    const char *receiver_id, uint64_t nonce, uint64_t max_block_height,
                                                    const near_public_key *pk);
void near_delegate_action_free(near_delegate_action *da);
void near_signed_delegate_free(near_signed_delegate *sd);

/* --- encoding, hashing, signing ---------------------------------------
 * Encoders append to a writer; check w->failed afterwards. */
void near_transaction_encode(near_borsh_writer *w, const near_transaction *tx);
/* Vec<Action> as in a transaction or a receipt. */
void near_actions_encode(near_borsh_writer *w, const near_action *actions, size_t n);
void near_signed_transaction_encode(near_borsh_writer *w, const near_signed_transaction *stx);
void near_delegate_action_encode(near_borsh_writer *w, const near_delegate_action *da);
void near_signed_delegate_encode(near_borsh_writer *w, const near_signed_delegate *sd);
void near_public_key_encode(near_borsh_writer *w, const near_public_key *pk);
void near_signature_encode(near_borsh_writer *w, const near_signature *sig);

/* sha256(borsh(tx)); NEAR_OK or NEAR_ERR_NOMEM. */
NEAR_MUST_USE near_status near_transaction_hash(const near_transaction *tx, uint8_t out[NEAR_HASH_LEN]);
/* sha256(borsh(u32 NEP-461 prefix) ‖ borsh(delegate action)). */
NEAR_MUST_USE near_status near_delegate_action_hash(const near_delegate_action *da, uint8_t out[NEAR_HASH_LEN]);

/* Signs tx with kp: moves *tx into out->transaction (tx is zeroed) and
 * fills out->signature. hash_out (optional) receives the tx hash.
 * Fails if kp's public key is not the tx's public key. */
NEAR_MUST_USE near_status near_transaction_sign(near_transaction *tx, const near_keypair *kp,
                                                near_signed_transaction *out, uint8_t hash_out[NEAR_HASH_LEN]);
/* Same for a delegate action (moves *da into out). */
NEAR_MUST_USE near_status near_delegate_action_sign(near_delegate_action *da, const near_keypair *kp,
                                                    near_signed_delegate *out);
/* True if the signature is valid for the transaction's own public key. */
bool near_signed_transaction_verify(const near_signed_transaction *stx);
bool near_signed_delegate_verify(const near_signed_delegate *sd);

/* Convenience: borsh(SignedTransaction) as a malloc'd buffer. */
uint8_t *near_signed_transaction_to_bytes(const near_signed_transaction *stx, size_t *len);

/* --- decoding ---------------------------------------------------------
 * Read one value and leave the reader after it; on error return NEAR_ERR_INVALID with
 * r->err set and *out holding nothing that needs freeing. */
NEAR_MUST_USE near_status near_public_key_decode(near_borsh_reader *r, near_public_key *out);
/* Vec<Action>; on success the caller owns *out (near_actions_free). */
NEAR_MUST_USE near_status near_actions_decode(near_borsh_reader *r, near_action **out, size_t *n);
NEAR_MUST_USE near_status near_signature_decode(near_borsh_reader *r, near_signature *out);
NEAR_MUST_USE near_status near_transaction_decode(near_borsh_reader *r, near_transaction *out);
NEAR_MUST_USE near_status near_signed_transaction_decode(near_borsh_reader *r, near_signed_transaction *out);
NEAR_MUST_USE near_status near_signed_delegate_decode(near_borsh_reader *r, near_signed_delegate *out);
/* Decodes a whole buffer; trailing bytes are an error. err gets r->err. */
NEAR_MUST_USE near_status near_signed_transaction_from_bytes(const uint8_t *data, size_t len,
                                                             near_signed_transaction *out, char *err, size_t errlen);
NEAR_MUST_USE near_status near_transaction_from_bytes(const uint8_t *data, size_t len, near_transaction *out, char *err,
                                                      size_t errlen);

const char *near_action_kind_name(near_action_kind kind);

#endif
