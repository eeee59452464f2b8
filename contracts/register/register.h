/* register.h — the register contract: admits TEE workers whose TDX quote
 * verifies on chain (DCAP, contracts/register/dcap) by adding a
 * function-call access key for them (spec §11, with DESIGN §8's fixes).
 *
 * Files: state.c (Borsh state and worker records), admin.c (init and owner
 * methods), workers.c (register_worker_key, remove_worker, views),
 * pubkey.c (ed25519 public keys, access-key actions), intel_root.c. */
#ifndef REGISTER_H
#define REGISTER_H

#include "sdk.h"
#include "verify.h"

#define RG_MEASUREMENT_LEN 48
#define RG_MEASUREMENT_HEX 96
/* mrtd, rtmr0..3 */
#define RG_SET_HEX (5 * RG_MEASUREMENT_HEX)
#define RG_DEFAULT_RECEIVER "outlayer.testnet"
#define RG_DEFAULT_TCB_POLICY "UpToDate"
/* 10 NEAR allowance on the added key, as the reference. */
#define RG_KEY_ALLOWANCE ((u128)10000000000000ull * 1000000000000ull)

extern const uint8_t RG_INTEL_ROOT_CA[];
extern const size_t RG_INTEL_ROOT_CA_LEN;

struct rg_state {
    const char *owner_id;
    const char *init_worker_account;
    struct unordered_set approved_rtmr3; /* prefix 0x00, String (96 hex) */
    const char *quote_collateral;        /* NULL when none */
    const char *receiver_id;             /* the OutLayer contract */
    const uint8_t *root_ca;              /* trust anchor (DER) */
    size_t root_ca_len;
    const char *tcb_policy;                     /* allowed TCB statuses, comma-separated */
    struct unordered_set approved_measurements; /* prefix 0x01, String (480 hex: mrtd|rtmr0..3) */
    struct unordered_set workers;               /* prefix 0x02, String public keys */
    /* stake */
    u128 min_stake;          /* yoctoNEAR a registration must deposit */
    uint64_t unbonding_ns;   /* unstake -> withdraw delay */
    const char *treasury_id; /* receives slashed stake */
    const char *arbiter_id;  /* may slash besides the owner; NULL if none */
};
#define RG_DEFAULT_UNBONDING_NS (7ull * 24 * 3600 * 1000000000ull)

extern const uint8_t RG_PREFIX_RTMR3[1], RG_PREFIX_MEASUREMENTS[1], RG_PREFIX_WORKERS[1], RG_PREFIX_RECORDS[1];

bool rg_state_exists(void);
void rg_state_load(struct rg_state *st);
void rg_state_save(const struct rg_state *st);
void rg_require_owner(const struct rg_state *st);

/* A worker record, stored under RG_PREFIX_RECORDS ++ borsh(public key). */
struct rg_worker {
    const char *account_id; /* who registered it */
    char measurements[RG_SET_HEX + 1];
    const char *tcb_status;
    uint64_t registered_at_ns;
    u128 stake;            /* held by the contract */
    bool unbonding;        /* unstake (or removal) started */
    uint64_t unbond_at_ns; /* withdraw allowed from this block time */
    bool key_active;       /* the access key is (still) on the account */
};
void rg_worker_save(const char *public_key, const struct rg_worker *w);
bool rg_worker_load(const char *public_key, struct rg_worker *w);
void rg_worker_delete(const char *public_key);
void rg_worker_json(struct jw *w, const char *public_key, const struct rg_worker *rec);

/* borsh(String) of s, for set membership. */
void rg_borsh_str(struct buf *b, const char *s, size_t len);
/* Strings in an UnorderedSet<String>, in set order (allocated). */
const char **rg_set_strings(const struct unordered_set *s, size_t *count);

/* "ed25519:<base58 32 bytes>" -> 32 bytes; false if malformed. */
bool rg_parse_ed25519(const char *s, size_t len, uint8_t out[32]);
/* Appends "ed25519:<base58>". */
void rg_format_ed25519(const uint8_t key[32], struct buf *out);
void rg_promise_add_function_call_key(uint64_t promise, const uint8_t key[32], u128 allowance, const char *receiver,
                                      const char *methods);
void rg_promise_delete_key(uint64_t promise, const uint8_t key[32]);

/* The binding in report_data[32..64]: SHA-256("outlayer-register-v1:" ||
 * contract account || ":" || worker account). */
void rg_report_data_binding(const char *contract, const char *worker, uint8_t out[32]);

/* Exported methods (methods.c lists them for native tests). */
void rg_new(void);
void rg_update_collateral(void);
void rg_add_approved_rtmr3(void);
void rg_remove_approved_rtmr3(void);
void rg_add_approved_measurements(void);
void rg_remove_approved_measurements(void);
void rg_set_tcb_policy(void);
void rg_transfer_ownership(void);
void rg_register_worker_key(void);
void rg_remove_worker(void);
void rg_get_approved_rtmr3(void);
void rg_is_rtmr3_approved(void);
void rg_get_collateral(void);
void rg_get_init_worker_account(void);
void rg_get_approved_measurements(void);
void rg_get_config(void);
void rg_list_workers(void);
void rg_get_worker(void);
void rg_set_stake_config(void);
void rg_unstake(void);
void rg_withdraw(void);
void rg_slash(void);
struct rg_method {
    const char *name;
    void (*fn)(void);
};
extern const struct rg_method RG_METHODS[];
extern const size_t RG_METHOD_COUNT;

#endif
