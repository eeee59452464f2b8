/*
 * nearvm.h — runs one NEAR function call on our WebAssembly engine.
 *
 * This is what nearcore calls the "VM logic": it prepares a contract the way
 * NEAR does (memory forced to 1024/2048 pages and imported as env.memory),
 * links every host function of module "env" with NEAR's exact signatures,
 * meters gas (822,756 per wasm instruction plus the host-function costs of
 * nearcore's parameter table), and reports what the call did: return value,
 * logs, gas, storage usage, the receipts it created with all their actions,
 * yields created and resumed, and NEAR's error shapes when it failed.
 *
 * It knows nothing about blocks, transactions or RPC. The chain layer fills
 * a nearvm_context, backs contract storage with callbacks, and turns the
 * outcome into receipts and execution outcomes.
 *
 * Balances are u128 yoctoNEAR (unsigned __int128); gas is u64.
 */
#ifndef OUTLAYER_NEARVM_H
#define OUTLAYER_NEARVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 nearvm_u128;

/* ---- limits and defaults (values of nearcore's current config) -------- */

#define NEARVM_GAS_PER_INSTRUCTION 822756ull            /* regular_op_cost */
#define NEARVM_DEFAULT_MAX_GAS_BURNT 300000000000000ull /* 300 Tgas (see docs/devnet.md) */
#define NEARVM_INITIAL_MEMORY_PAGES 1024u
#define NEARVM_MAX_MEMORY_PAGES 2048u
#define NEARVM_MAX_YIELD_PAYLOAD 1024u
#define NEARVM_STORAGE_RECORD_EXTRA_BYTES 40u /* num_extra_bytes_record */
#define NEARVM_DATA_ID_LEN 32u

/* ---- contracts -------------------------------------------------------- */

/* A contract prepared and compiled once; immutable, shareable between
 * threads and calls (the chain caches it by code hash). */
typedef struct nearvm_contract nearvm_contract;

/* Preparation failures, named as nearcore's PrepareError variants. */
typedef enum nearvm_prepare_error {
    NEAR_PREPARE_OK = 0,
    NEAR_PREPARE_DESERIALIZATION, /* malformed, invalid, or uses a feature NEAR rejects */
    NEAR_PREPARE_INSTANTIATE,     /* an import outside "env", or a non-function import */
    NEAR_PREPARE_MEMORY,          /* the module imports a memory */
    NEAR_PREPARE_TOO_MANY_FUNCTIONS,
    NEAR_PREPARE_TOO_MANY_LOCALS,
    NEAR_PREPARE_TOO_MANY_TABLES,
    NEAR_PREPARE_TOO_MANY_TABLE_ELEMENTS,
} nearvm_prepare_error;

/* nearcore's name of a PrepareError ("Deserialization", "Memory", ...). */
const char *nearvm_prepare_error_name(nearvm_prepare_error e);

/* Rewrites a contract the way nearcore prepares it: custom sections dropped,
 * imports checked, the memory section removed and env.memory (1024 initial,
 * 2048 max pages) imported instead. On success returns a malloc'd module in
 * *out / *out_len. `detail` (may be NULL, 160 bytes) gets a human reason. */
nearvm_prepare_error nearvm_prepare(const uint8_t *code, size_t code_len, uint8_t **out, size_t *out_len, char *detail,
                                    size_t detail_size);

/* Prepares and compiles. NULL on failure with *err set (and detail filled). */
nearvm_contract *nearvm_contract_load(const uint8_t *code, size_t code_len, nearvm_prepare_error *err, char *detail,
                                      size_t detail_size);
void nearvm_contract_retain(nearvm_contract *c);
void nearvm_contract_release(nearvm_contract *c);

/* ---- context in ------------------------------------------------------- */

typedef enum nearvm_promise_status {
    NEAR_PROMISE_NOT_READY = 0,
    NEAR_PROMISE_SUCCESSFUL = 1,
    NEAR_PROMISE_FAILED = 2,
} nearvm_promise_status;

typedef struct nearvm_promise_result {
    nearvm_promise_status status;
    const uint8_t *data; /* SUCCESSFUL only; may be empty */
    size_t len;
} nearvm_promise_result;

typedef struct nearvm_context {
    const char *current_account_id;
    const char *signer_account_id;
    const uint8_t *signer_account_pk; /* Borsh PublicKey: type byte + key (33 bytes for ed25519) */
    size_t signer_account_pk_len;
    const char *predecessor_account_id;
    const char *chain_id; /* NULL = "localnet" */

    const uint8_t *input; /* FunctionCall args */
    size_t input_len;

    uint64_t block_height;
    uint64_t block_timestamp; /* ns since the Unix epoch */
    uint64_t epoch_height;
    uint8_t random_seed[32];
    uint8_t action_hash[32]; /* seeds the data ids this call creates (must be unique per call) */

    nearvm_u128 account_balance; /* unlocked, attached deposit already credited */
    nearvm_u128 account_locked_balance;
    nearvm_u128 attached_deposit;
    uint64_t storage_usage;

    uint64_t prepaid_gas;
    uint64_t max_gas_burnt; /* 0 = NEARVM_DEFAULT_MAX_GAS_BURNT */

    const nearvm_promise_result *promise_results; /* results of the receipts this call waits on */
    size_t promise_results_count;

    /* Receivers of this receipt's output (value_return pays a per-byte data
     * receipt fee for each one). */
    const char *const *output_data_receivers;
    size_t output_data_receivers_count;

    bool is_view; /* RPC call_function: state-changing host functions fail with ProhibitedInView */
} nearvm_context;

/* ---- storage in ------------------------------------------------------- */

/* Contract key-value state of current_account_id. Writes and removes go
 * straight through, so the chain applies each receipt in a transaction and
 * rolls it back when the call fails. Each callback returns -1 on an
 * internal failure (the call then fails with NEARVM_ERR_STORAGE).
 * get: 1 and a malloc'd copy in *value (freed by the VM) if present, else 0.
 * set: 0. remove: 0 (called only for present keys).
 * yield_pending (optional): 1 if a yield with this data id, created by
 * current_account_id, still waits for its data; 0 if not. When NULL every
 * resume is accepted and the chain must filter the recorded resumes. */
typedef struct nearvm_storage {
    void *user;
    int (*get)(void *user, const uint8_t *key, size_t key_len, uint8_t **value, size_t *value_len);
    int (*set)(void *user, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len);
    int (*remove)(void *user, const uint8_t *key, size_t key_len);
    int (*yield_pending)(void *user, const uint8_t data_id[NEARVM_DATA_ID_LEN]);
} nearvm_storage;

/* ---- outcome out ------------------------------------------------------ */

/* The values are the Borsh Action indices, the same as src/near's
 * near_action_kind, so the chain converts one to the other by value. */
typedef enum nearvm_action_kind {
    NEARVM_ACTION_CREATE_ACCOUNT = 0,
    NEARVM_ACTION_DEPLOY_CONTRACT = 1,
    NEARVM_ACTION_FUNCTION_CALL = 2,
    NEARVM_ACTION_TRANSFER = 3,
    NEARVM_ACTION_STAKE = 4,
    NEARVM_ACTION_ADD_KEY = 5,
    NEARVM_ACTION_DELETE_KEY = 6,
    NEARVM_ACTION_DELETE_ACCOUNT = 7,
} nearvm_action_kind;

typedef struct nearvm_action {
    nearvm_action_kind kind;
    /* FUNCTION_CALL */
    char *method_name; /* NUL-terminated copy (method names are raw bytes; method_name_len is exact) */
    size_t method_name_len;
    uint8_t *args; /* FUNCTION_CALL args, DEPLOY_CONTRACT code */
    size_t args_len;
    uint64_t gas;        /* FUNCTION_CALL: attached gas, including the share of unused gas by weight */
    uint64_t gas_weight; /* FUNCTION_CALL: 0 = fixed gas (promise_batch_action_function_call) */
    nearvm_u128 deposit; /* FUNCTION_CALL, TRANSFER deposit; STAKE amount */
    /* STAKE, ADD_KEY, DELETE_KEY: Borsh PublicKey */
    uint8_t public_key[65];
    size_t public_key_len;
    /* ADD_KEY */
    uint64_t nonce; /* as passed (the chain replaces it, see spec §5.3) */
    bool full_access;
    bool has_allowance; /* false = unlimited */
    nearvm_u128 allowance;
    char *receiver_id;   /* ADD_KEY function-call permission; NUL-terminated */
    char **method_names; /* ADD_KEY: split at commas; empty list = any method */
    size_t method_names_count;
    /* DELETE_ACCOUNT */
    char *beneficiary_id;
} nearvm_action;

typedef struct nearvm_data_receiver {
    uint8_t data_id[NEARVM_DATA_ID_LEN];
    char *receiver_id;
} nearvm_data_receiver;

/* An action receipt the call created (a promise that is not a joint "and"). */
typedef struct nearvm_receipt {
    char *receiver_id;
    bool is_yield; /* promise_yield_create: stored postponed, waits for input_data_ids[0] */
    /* Data ids this receipt waits for (promise_then / yield). */
    uint8_t (*input_data_ids)[NEARVM_DATA_ID_LEN];
    size_t input_data_ids_count;
    /* Where this receipt's result goes (to receipts created in this call). */
    nearvm_data_receiver *output_data_receivers;
    size_t output_data_receivers_count;
    nearvm_action *actions;
    size_t actions_count;
} nearvm_receipt;

/* A promise_yield_resume that returned 1. */
typedef struct nearvm_resume {
    uint8_t data_id[NEARVM_DATA_ID_LEN];
    uint8_t *payload;
    size_t payload_len;
} nearvm_resume;

typedef enum nearvm_return_kind {
    NEAR_RETURN_NONE = 0,    /* SuccessValue("") */
    NEAR_RETURN_VALUE = 1,   /* SuccessValue(return_data) */
    NEAR_RETURN_RECEIPT = 2, /* SuccessReceiptId(receipts[return_receipt]) */
} nearvm_return_kind;

typedef enum nearvm_error_kind {
    NEARVM_OK = 0,
    NEARVM_ERR_HOST,           /* HostError: panics, gas, limits, bad input ... */
    NEARVM_ERR_WASM_TRAP,      /* WasmTrap */
    NEARVM_ERR_LINK,           /* LinkError: unknown import or wrong import signature */
    NEARVM_ERR_METHOD_RESOLVE, /* MethodResolveError */
    NEARVM_ERR_COMPILATION,    /* CompilationError: PrepareError or CodeDoesNotExist */
    NEARVM_ERR_STORAGE,        /* a storage callback failed: internal, not a contract error */
    NEARVM_ERR_INTERNAL,       /* host out of memory and the like */
} nearvm_error_kind;

typedef struct nearvm_error {
    nearvm_error_kind kind;
    char name[40]; /* variant: "GuestPanic", "GasExceeded", "Unreachable", "MethodNotFound", "Deserialization" ... */
    char *message; /* Display text: "Smart contract panicked: x", "Exceeded the prepaid gas." ... */
    char *json;    /* the FunctionCallError as nearcore serialises it in outcomes, e.g.
                       {"ExecutionError":"Smart contract panicked: x"} or {"MethodResolveError":"MethodNotFound"} */
    char *debug;   /* Rust Debug form for view-call errors, e.g.
                       HostError(GuestPanic { panic_msg: "x" }) — RPC prefixes "wasm execution failed with error: " */
} nearvm_error;

typedef struct nearvm_outcome {
    nearvm_error error; /* kind NEARVM_OK on success */

    nearvm_return_kind return_kind;
    uint8_t *return_data;
    size_t return_len;
    size_t return_receipt;

    char **logs; /* kept on failure too */
    size_t logs_count;

    uint64_t gas_burnt;
    uint64_t gas_used;     /* burnt + gas prepaid to the receipts created */
    uint64_t instructions; /* wasm instructions executed */

    nearvm_u128 balance; /* account balance after the deposits attached to promises */
    uint64_t storage_usage;

    nearvm_receipt *receipts; /* dropped (count 0) on failure, like nearcore */
    size_t receipts_count;
    nearvm_resume *resumes;
    size_t resumes_count;
} nearvm_outcome;

/* Runs `method` of the contract. Always fills *out (free it with
 * nearvm_outcome_free); returns true if the call succeeded. */
bool nearvm_run(nearvm_contract *contract, const char *method, const nearvm_context *ctx, const nearvm_storage *storage,
                nearvm_outcome *out);

/* Loads and runs in one step (contract-loading gas is charged either way).
 * code == NULL or code_len == 0 gives CompilationError CodeDoesNotExist. */
bool nearvm_run_code(const uint8_t *code, size_t code_len, const char *method, const nearvm_context *ctx,
                     const nearvm_storage *storage, nearvm_outcome *out);

void nearvm_outcome_free(nearvm_outcome *out);

/* Like nearcore, the VM does not validate the account ids a contract passes
 * to promise functions: the chain must check every receiver, beneficiary
 * and add-key receiver of the outcome's receipts (near/account_id.h) and
 * fail the receipt with NewReceiptValidationError (InvalidReceiverId /
 * InvalidAccountId). */

/* Names of every host function linked into module "env" (NULL-terminated). */
const char *const *nearvm_host_function_names(void);

#endif
