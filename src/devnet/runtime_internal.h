/*
 * runtime_internal.h — what the runtime's files share (receipts.c,
 * receipt.c, runtime.c, vm_actions.c, vmcall.c). Not for the rest of the devnet:
 * chain.c and the RPC use devnet.h.
 */
#ifndef OUTLAYER_DEVNET_RUNTIME_INTERNAL_H
#define OUTLAYER_DEVNET_RUNTIME_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "devnet/devnet.h"
#include "nearvm/nearvm.h"

/* Refunds come from this account; nobody can sign as it. */
#define SYSTEM_ACCOUNT "system"

/* ---- receipt.c: a receipt in typed form (stored as borsh) ---- */
typedef struct devnet_receipt {
    char *predecessor_id, *receiver_id;
    bool is_data;
    /* an action receipt */
    char *signer_id;
    near_public_key signer_public_key;
    near_u128 gas_price;
    struct devnet_receipt_out {
        uint8_t data_id[32];
        char *receiver_id;
    } * outs; /* output data receivers */
    size_t n_outs;
    uint8_t (*input_data_ids)[32];
    size_t n_inputs;
    near_action *actions;
    size_t n_actions;
    bool is_promise_yield;
    /* a data receipt */
    uint8_t data_id[32];
    bool has_data;
    uint8_t *data;
    size_t data_len;
    bool is_promise_resume;
} devnet_receipt;

/* The borsh body (malloc'd), or NULL when memory runs out. A receipt built
 * only to be stored may borrow all its pointers: encoding never frees. */
uint8_t *devnet_receipt_encode(const devnet_receipt *r, size_t *len);
/* Decodes a stored body; on success the receipt owns everything in it. */
DEVNET_MUST_USE devnet_status devnet_receipt_decode(const uint8_t *body, size_t len, devnet_receipt *r);
void devnet_receipt_free(devnet_receipt *r);
/* NEAR's ReceiptView JSON of it (id: the receipt id). */
json_t *devnet_receipt_json(const devnet_receipt *r, const uint8_t id[32]);

/* A receipt loaded for execution. */
typedef struct receipt_in {
    uint8_t id[32];
    uint8_t tx_hash[32];
    devnet_receipt rc;
    uint64_t reserved; /* gas its sender reserved for it */
} receipt_in;

/* ---- receipts.c: JSON helpers and stored receipts ---- */
json_t *devnet_rt_success_value(const uint8_t *data, size_t len);
/* ExecutionOutcomeView; steals logs, receipt_ids and status. */
json_t *devnet_rt_outcome_json(json_t *logs, json_t *receipt_ids, uint64_t gas_burnt, const char *executor,
                               json_t *status);
/* state: 0 queued (runs at height >= due), 1 postponed (waits for data). */
DEVNET_MUST_USE devnet_status devnet_rt_store_receipt(devnet_chain *c, const uint8_t id[32], const uint8_t tx_hash[32],
                                                      const devnet_receipt *r, uint64_t reserved, int state,
                                                      uint64_t due);
/* A Data receipt (next block); its id derives from parent and index. */
DEVNET_MUST_USE devnet_status devnet_rt_store_data_receipt(devnet_chain *c, devnet_block_ctx *b,
                                                           const uint8_t parent[32], size_t index,
                                                           const uint8_t tx_hash[32], const char *predecessor,
                                                           const char *receiver, const uint8_t data_id[32],
                                                           const uint8_t *data, size_t len, bool has_data,
                                                           bool is_resume);
/* The yield waiting for data_id is no longer pending (resumed or timed out). */
DEVNET_MUST_USE devnet_status devnet_rt_forget_yield(devnet_chain *c, const uint8_t data_id[32]);
DEVNET_MUST_USE devnet_status devnet_rt_set_receipt_done(devnet_chain *c, const uint8_t id[32], uint64_t height,
                                                         json_t *outcome);
/* Stores an action receipt a contract created, from `current` (the parent's
 * receiver, or "system" for a gas-free balance refund): its id derives from
 * the parent's and index; it reserves its actions' execution fees and
 * attached gas; extra receivers are appended to its output receivers (a
 * returned promise takes over the parent's); a receipt with inputs waits
 * postponed, and a yield also gets its timeout. */
DEVNET_MUST_USE devnet_status devnet_rt_store_vm_receipt(devnet_chain *c, devnet_block_ctx *b, const receipt_in *r,
                                                         const char *current, const char *signer,
                                                         const near_public_key *signer_pk, const nearvm_receipt *vr,
                                                         size_t index, const nearvm_data_receiver *extra,
                                                         size_t extra_n, uint8_t id_out[32]);
/* The receipt a delegate action creates: from its sender to its receiver,
 * signed (and paid for) by the relayer. */
DEVNET_MUST_USE devnet_status devnet_rt_store_delegated_receipt(devnet_chain *c, devnet_block_ctx *b,
                                                                const receipt_in *r, const char *signer,
                                                                const near_public_key *signer_pk,
                                                                const near_delegate_action *da, uint8_t id_out[32]);

/* ---- runtime.c: one action receipt ---- */
DEVNET_MUST_USE devnet_status devnet_rt_credit(devnet_chain *c, const char *account, near_u128 amount);
int devnet_rt_execute_action_receipt(devnet_chain *c, devnet_block_ctx *b, receipt_in *r);
nearvm_promise_result *devnet_rt_load_promise_results(devnet_chain *c, const uint8_t (*ins)[32], size_t n);
void devnet_rt_free_promise_results(nearvm_promise_result *res, size_t n);

/* ---- vm_actions.c ---- */
/* A VM action seen as a near_action (borrowed pointers; never freed). */
void devnet_rt_vm_action_view(const nearvm_action *v, near_action *a);

/* ---- vmcall.c ---- */
/* Runs a function call on the account's contract (cached by code hash);
 * no code, or code that does not prepare, gives the VM's own error. */
void devnet_rt_run_vm(devnet_chain *c, const devnet_account *acct, const char *account_id, const char *method,
                      const nearvm_context *ctx, const nearvm_storage *store, nearvm_outcome *out);
/* The VM's storage interface over `account`'s contract data. */
typedef struct devnet_rt_store {
    devnet_chain *c;
    const char *account;
} devnet_rt_store;
nearvm_storage devnet_rt_storage(devnet_rt_store *s);

#endif
