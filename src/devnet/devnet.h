/*
 * devnet.h — the pieces of outlayer-devnet and how they talk to each other.
 *
 *   state.c    SQLite persistence: accounts, keys, code, contract data,
 *              blocks, transactions, receipts, outcomes, yields
 *   genesis.c  first start: root accounts and their credential files
 *   fees.c     action fees and transaction cost (nearcore's parameters)
 *   tx.c       transaction validation and conversion to a receipt
 *   receipt.c  a receipt in typed form: borsh for storage, JSON for views
 *   receipts.c the receipts of a block: storing them, transactions to
 *              receipts, data and postponed receipts, yield timeouts
 *   runtime.c  one action receipt: every action, promises, refunds
 *   vmcall.c   contracts on the VM layer: storage, code cache, view calls
 *   vm_actions.c  the VM's actions as near_action
 *   chain.c    the block loop, the transaction pool, waiting for results
 *   views.c    NEAR's JSON views: blocks, outcomes, receipts
 *   rpc_server.c  HTTP (libmicrohttpd); rpc_methods.c the method table;
 *   rpc_common.c, rpc_query.c, rpc_tx.c, rpc_sandbox.c the methods;
 *   feed.c     the neardata-style block feed
 *
 * Everything that touches the chain state runs under devnet_chain.lock.
 */
#ifndef OUTLAYER_DEVNET_H
#define OUTLAYER_DEVNET_H

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "near/keys.h"
#include "near/transaction.h"
#include "near/u128.h"

#define DEVNET_CHAIN_ID "localnet"
#define DEVNET_PROTOCOL_VERSION 88
#define DEVNET_GAS_PRICE ((near_u128)100000000u)                  /* constant 1e8 yocto per gas */
#define DEVNET_STORAGE_PRICE ((near_u128)10000000000000000000ull) /* 1e19 yocto per byte */
#define DEVNET_ZERO_BALANCE_BYTES 770u                            /* NEP-448 */
#define DEVNET_ACCOUNT_BYTES 100u
#define DEVNET_RECORD_EXTRA_BYTES 40u
#define DEVNET_NONCE_MULTIPLIER 1000000ull
#define DEVNET_TX_VALIDITY_BLOCKS 86400u
#define DEVNET_MAX_PREPAID_GAS 1000000000000000ull /* 1 PGas */
#define DEVNET_MAX_TX_SIZE 1572864u
#define DEVNET_MAX_ACTIONS 100u
#define DEVNET_MAX_CONTRACT_SIZE (4u << 20)

typedef struct devnet_config {
    char home[4096];
    int port;
    int block_ms;
    bool reset;
    uint64_t yield_timeout_blocks; /* default 200 */
    int wait_timeout_ms;           /* send_tx / broadcast_tx_commit wait (default 10 s) */
    bool quiet;
    bool has_genesis_time; /* --genesis-time: the chain's clock starts there */
    int64_t genesis_time_ns;
} devnet_config;

/* ---- the error convention ---------------------------------------------- */

/* Predicates return bool. Operations return a devnet_status: DEVNET_OK (0)
 * on success, else what kind of failure. Lookups (…_get) return DEVNET_OK
 * when the thing exists and DEVNET_NOT_FOUND when it does not. Operations
 * are DEVNET_MUST_USE: a failed state write must never pass unnoticed. */
typedef enum devnet_status {
    DEVNET_OK = 0,
    DEVNET_NOT_FOUND,   /* a lookup found nothing (not a failure in itself) */
    DEVNET_ERR_DB,      /* SQLite failed */
    DEVNET_ERR_NOMEM,   /* out of memory */
    DEVNET_ERR_INVALID, /* stored or given data does not parse */
} devnet_status;

#define DEVNET_MUST_USE __attribute__((warn_unused_result))

/* ---- state.c ---------------------------------------------------------- */

typedef struct devnet_account {
    near_u128 amount;
    near_u128 locked;
    uint8_t code_hash[32]; /* all zero: no contract */
    uint64_t storage_usage;
} devnet_account;

typedef struct devnet_state {
    sqlite3 *db;
    sqlite3_stmt *cache[128]; /* one per SQL literal used (about 50 today) */
    const char *cache_sql[128];
} devnet_state;

DEVNET_MUST_USE devnet_status devnet_state_open(devnet_state *st, const char *path, char *err, size_t errlen);
void devnet_state_close(devnet_state *st);
/* A cached prepared statement (sql must be a string literal), reset. */
sqlite3_stmt *devnet_stmt(devnet_state *st, const char *sql);
DEVNET_MUST_USE devnet_status devnet_exec(devnet_state *st, const char *sql);

const char *devnet_meta_get(devnet_state *st, const char *key, char *buf, size_t len);
DEVNET_MUST_USE devnet_status devnet_meta_set(devnet_state *st, const char *key, const char *value);

DEVNET_MUST_USE devnet_status devnet_account_get(devnet_state *st, const char *id, devnet_account *out);
DEVNET_MUST_USE devnet_status devnet_account_put(devnet_state *st, const char *id, const devnet_account *a);
DEVNET_MUST_USE devnet_status devnet_account_delete(devnet_state *st, const char *id); /* with keys, code and data */

DEVNET_MUST_USE devnet_status devnet_code_get(devnet_state *st, const char *id, uint8_t **code, size_t *len);
DEVNET_MUST_USE devnet_status devnet_code_put(devnet_state *st, const char *id, const uint8_t *code, size_t len);

/* Access keys: the public key as borsh bytes (33 for ed25519). */
DEVNET_MUST_USE devnet_status devnet_key_get(devnet_state *st, const char *id, const near_public_key *pk,
                                             near_access_key *out);
DEVNET_MUST_USE devnet_status devnet_key_put(devnet_state *st, const char *id, const near_public_key *pk,
                                             const near_access_key *ak);
DEVNET_MUST_USE devnet_status devnet_key_delete(devnet_state *st, const char *id, const near_public_key *pk);
/* Bytes an access key adds to storage_usage. */
uint64_t devnet_key_storage_bytes(const near_public_key *pk, const near_access_key *ak);
/* JSON permission view <-> access key. */
json_t *devnet_permission_json(const near_access_key *ak);
DEVNET_MUST_USE devnet_status devnet_permission_parse(json_t *perm, near_access_key *ak);

DEVNET_MUST_USE devnet_status devnet_data_get(devnet_state *st, const char *id, const uint8_t *key, size_t klen,
                                              uint8_t **val, size_t *vlen);
DEVNET_MUST_USE devnet_status devnet_data_set(devnet_state *st, const char *id, const uint8_t *key, size_t klen,
                                              const uint8_t *val, size_t vlen);
DEVNET_MUST_USE devnet_status devnet_data_remove(devnet_state *st, const char *id, const uint8_t *key, size_t klen);

DEVNET_MUST_USE devnet_status devnet_savepoint(devnet_state *st);
DEVNET_MUST_USE devnet_status devnet_release(devnet_state *st);
DEVNET_MUST_USE devnet_status devnet_rollback(devnet_state *st);

/* ---- genesis.c -------------------------------------------------------- */

/* Creates the genesis state and block, and writes credential files under
 * <home>/credentials/localnet/. */
DEVNET_MUST_USE devnet_status devnet_genesis(devnet_state *st, const char *home, uint64_t timestamp_ns, char *err,
                                             size_t errlen);

/* ---- fees.c ----------------------------------------------------------- */

typedef struct devnet_tx_cost {
    uint64_t send_gas;    /* burnt at conversion */
    uint64_t exec_gas;    /* reserved: receipt + action execution fees */
    uint64_t prepaid_gas; /* sum of FunctionCall gas */
    near_u128 deposits;
    near_u128 total; /* gas_price * (send + exec + prepaid) + deposits */
} devnet_tx_cost;

DEVNET_MUST_USE devnet_status devnet_actions_cost(const near_action *actions, size_t n, bool sir,
                                                  const char *receiver_id, devnet_tx_cost *out);
/* What the receipt a delegate action creates needs: its execution fees,
 * the gas attached to its function calls, and its deposits. */
void devnet_delegate_inner(const near_delegate_action *da, uint64_t *exec, uint64_t *prepaid, near_u128 *deposits);
/* Execution fees of an action receipt (what the sender reserved). */
uint64_t devnet_actions_exec_fee(const near_action *actions, size_t n, const char *receiver_id);

/* ---- chain (chain.c) ------------------------------------------------- */

/* A signed transaction decoded, hashed and checked as far as it can be
 * without the chain's state (tx.c: devnet_tx_check, outside the lock). */
typedef struct devnet_checked_tx {
    near_signed_transaction stx;
    uint8_t *bytes; /* borsh SignedTransaction */
    size_t len;
    uint8_t hash[32];
    json_t *early_error;   /* size, signature or account id error: reported first */
    json_t *actions_error; /* ActionsValidation error, reported in nearcore's order */
    /* Its JSON view, made before the lock for the block to store (NULL:
     * made in the block, as after running out of memory). */
    char *tx_view_text;
    bool cost_overflow;
    devnet_tx_cost cost; /* when !actions_error && !cost_overflow */
} devnet_checked_tx;

typedef struct devnet_pool_tx {
    devnet_checked_tx *tx;
    uint64_t nonce;
} devnet_pool_tx;

typedef struct devnet_contract_cache_entry {
    uint8_t hash[32];
    void *contract; /* nearvm_contract* */
    uint64_t used;
} devnet_contract_cache_entry;

typedef struct devnet_chain {
    devnet_config cfg;
    devnet_state st;
    pthread_mutex_t lock;
    pthread_cond_t block_cond; /* broadcast after every block */
    uint64_t head_height;
    uint8_t head_hash[32];
    uint64_t head_timestamp;
    uint64_t genesis_height;
    uint8_t genesis_hash[32];
    devnet_pool_tx *pool;
    size_t pool_len, pool_cap;
    uint64_t seq; /* order of receipts executed */
    devnet_contract_cache_entry contracts[16];
    uint64_t contract_clock;
    struct devnet_compiler *compiler; /* compiler.c: background compiles into `contracts` */
    /* Transactions valid on arrival but invalid at inclusion (their nonce
     * got used meanwhile): the last few, so waiting clients get the error. */
    struct {
        uint8_t hash[32];
        json_t *error;
    } rejected[32];
    size_t rejected_next;
    int home_lock_fd; /* flock on <home>/LOCK: one devnet per home */
    atomic_bool stop; /* set by the signal handler, read by the block loop and HTTP threads */
    uint64_t started_ns;
    int64_t clock_offset_ns; /* block time = wall clock + this (--genesis-time, sandbox_set_time) */
} devnet_chain;

DEVNET_MUST_USE devnet_status devnet_chain_open(devnet_chain *c, const devnet_config *cfg, char *err, size_t errlen);
void devnet_chain_close(devnet_chain *c);
/* Produces one block (takes the lock). */
DEVNET_MUST_USE devnet_status devnet_chain_produce_block(devnet_chain *c);
/* Latest settable chain time (--genesis-time, sandbox_set_time): 2200-01-01. */
#define DEVNET_MAX_CLOCK_NS UINT64_C(7258118400000000000)
/* The chain's clock: wall clock + clock_offset_ns (ns since the epoch). */
uint64_t devnet_chain_clock_ns(const devnet_chain *c);
/* Runs the block loop until c->stop. */
void devnet_chain_run(devnet_chain *c);

/* Validates a checked transaction against the current state and queues it
 * (taking t; the same transaction again is accepted and t freed). On
 * rejection returns DEVNET_ERR_INVALID and *error gets the InvalidTxError JSON (or NULL with
 * msg for an internal error); t is freed. Lock must be held. */
DEVNET_MUST_USE devnet_status devnet_chain_submit(devnet_chain *c, devnet_checked_tx *t, json_t **error, char *msg,
                                                  size_t msglen);

/* Transaction progress (lock held): 0 unknown (not in pool or chain),
 * 1 in pool, 2 included, 3 executed (no receipts outstanding). */
int devnet_tx_progress(devnet_chain *c, const uint8_t hash[32]);
/* The InvalidTxError of a transaction dropped at inclusion (borrowed), or NULL. */
json_t *devnet_tx_rejection(devnet_chain *c, const uint8_t hash[32]);
/* Waits on block_cond until now >= deadline (absolute CLOCK_REALTIME); lock held. */
int devnet_chain_wait(devnet_chain *c, const struct timespec *deadline);

/* ---- tx.c ------------------------------------------------------------- */

/* Decodes a borsh SignedTransaction (taking bytes, malloc'd), hashes it and
 * runs the checks that need no state, without the chain lock; their errors
 * are kept for devnet_tx_validate (the same transaction sent again is
 * recognised first). Returns DEVNET_OK with *out, or a failure with msg saying why it does
 * not decode. */
DEVNET_MUST_USE devnet_status devnet_tx_check(uint8_t *bytes, size_t len, devnet_checked_tx **out, char *msg,
                                              size_t msglen);
void devnet_checked_tx_free(devnet_checked_tx *t);
/* Validates a checked transaction at the current head (lock held), in
 * nearcore's order. Returns DEVNET_OK with the cost, or a failure with *error the
 * InvalidTxError JSON (NULL: internal error). */
DEVNET_MUST_USE devnet_status devnet_tx_validate(devnet_chain *c, const devnet_checked_tx *t, devnet_tx_cost *cost,
                                                 json_t **error);

/* ---- receipts.c / runtime.c / vmcall.c -------------------------------- */

typedef struct devnet_block_ctx {
    uint64_t height;
    uint64_t timestamp;
    uint8_t hash[32]; /* filled at the end; outcomes refer to it through the height */
    uint8_t random[32];
    uint64_t gas_burnt;
} devnet_block_ctx;

/* Converts a validated transaction into its receipt (charging the signer)
 * and records the transaction and its outcome. A receipt to the signer
 * itself runs in this block, any other in the next. */
DEVNET_MUST_USE devnet_status devnet_runtime_apply_tx(devnet_chain *c, devnet_block_ctx *b, const devnet_checked_tx *t,
                                                      const devnet_tx_cost *cost);
/* Executes every receipt due in this block, then the yield timeouts. */
DEVNET_MUST_USE devnet_status devnet_runtime_run_receipts(devnet_chain *c, devnet_block_ctx *b);

/* View call (lock held): result bytes and logs, or a VM error string.
 * DEVNET_NOT_FOUND: no such account. */
DEVNET_MUST_USE devnet_status devnet_runtime_view_call(devnet_chain *c, const char *account_id, const char *method,
                                                       const uint8_t *args, size_t args_len, uint8_t **result,
                                                       size_t *result_len, json_t **logs, char **error_debug);

void *devnet_contract_get(devnet_chain *c, const uint8_t hash[32], const char *account_id, int *prepare_err,
                          char *detail, size_t detail_len);

/* ---- views.c ---------------------------------------------------------- */

char *devnet_b58(const uint8_t *data, size_t n, char *out, size_t cap);
#define DEVNET_B58_HASH 64
/* The same as a JSON string (a new reference). */
json_t *devnet_b58_json(const uint8_t *h, size_t n);
json_t *devnet_u128_json(near_u128 v);
/* compiler.c: a thread compiling contracts into the code cache (see there). */
typedef struct devnet_compiler devnet_compiler;
devnet_compiler *devnet_compiler_start(devnet_chain *c);
/* Queues a copy of code; never waits for the chain lock. */
void devnet_compiler_enqueue(devnet_compiler *k, const uint8_t hash[32], const uint8_t *code, size_t len);
/* Stops and joins the thread; call without the chain lock. */
void devnet_compiler_stop(devnet_compiler *k);
/* vmcall.c: compiles code whose hash is not cached yet, outside the chain
 * lock, and inserts it (taking the lock only to look up and insert). */
void devnet_contract_compile_into_cache(devnet_chain *c, const uint8_t hash[32], const uint8_t *code, size_t len);
/* Whether a compiled contract with this code hash is cached (chain lock held). */
bool devnet_contract_cached(devnet_chain *c, const uint8_t hash[32]);
/* vmcall.c: compiles the contracts a checked transaction deploys
 * into the code cache, taking the chain lock only to look up and insert;
 * called before the transaction is submitted, outside the lock. */
void devnet_precompile_tx(devnet_chain *c, const near_transaction *tx);
/* A u64 as a JSON number. jansson's integers are signed, so a value above
 * INT64_MAX becomes a marked string that devnet_json_dumps prints as the
 * bare unsigned number (nearcore prints u64 fields unsigned). */
json_t *devnet_u64_json(uint64_t v);
/* Base58 of a 32-byte hash (at most 44 characters) and "ed25519:…" /
 * "secp256k1:…" keys, decoded only after a length check: base58 decoding is
 * quadratic, and a 200,000-character id must not stall the chain. */
#define DEVNET_B58_HASH_MAX 44
#define DEVNET_KEY_TEXT_MAX 128
DEVNET_MUST_USE devnet_status devnet_b58_hash(const char *s, uint8_t out[32]);
DEVNET_MUST_USE devnet_status devnet_public_key_parse(const char *s, near_public_key *out);
/* json_dumps (compact, any value) that prints devnet_u64_json markers as numbers. */
char *devnet_json_dumps(const json_t *j);
json_t *devnet_block_view(devnet_chain *c, uint64_t height); /* NULL: unknown */
json_t *devnet_chunk_view(devnet_chain *c, uint64_t height);
DEVNET_MUST_USE devnet_status devnet_block_height_by_hash(devnet_chain *c, const uint8_t hash[32], uint64_t *height);
/* FinalExecutionOutcome of a transaction (lock held); with_receipts adds
 * the "receipts" list (EXPERIMENTAL_tx_status). NULL: unknown tx. */
json_t *devnet_tx_outcome_view(devnet_chain *c, const uint8_t hash[32], bool with_receipts, const char *final_status);
json_t *devnet_receipt_view(devnet_chain *c, const uint8_t id[32]);
/* receipt.c: ReceiptView JSON of a stored (borsh) receipt body; NULL if it
 * does not decode. */
json_t *devnet_receipt_body_json(const void *body, size_t len, const uint8_t id[32]);
/* neardata-style block for the feed. */
json_t *devnet_feed_block(devnet_chain *c, uint64_t height);

/* ---- rpc_server.c ----------------------------------------------------- */

typedef struct devnet_server devnet_server;
devnet_server *devnet_server_start(devnet_chain *c, int port, char *err, size_t errlen);
void devnet_server_stop(devnet_server *s);
/* The port it listens on (useful with --port 0: the system picks one). */
int devnet_server_port(devnet_server *s);

/* rpc_methods.c: one JSON-RPC call. Returns the result (new reference) or
 * NULL with *error set (new reference) and *http_status. */
json_t *devnet_rpc_dispatch(devnet_chain *c, const char *method, json_t *params, json_t **error, int *http_status);
/* feed.c: GET paths under /v0/. Returns the body (malloc'd) and status. */
char *devnet_feed_get(devnet_chain *c, const char *url, int *http_status);

/* ---- helpers ---------------------------------------------------------- */
uint64_t devnet_now_ns(void);
/* One line on stderr: "<UTC time> <level> devnet: <message>"; control
 * characters in the message become '?', so input cannot add lines. */
void devnet_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void devnet_sha256(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32]);

#endif
