/* outlayer.h — the OutLayer contract: types, state and method entry points.
 *
 * Wire-compatible with the reference near-outlayer contract (method names,
 * JSON shapes, events, logs, Borsh state layout); see docs/contract.md for
 * the method reference and the list of deliberate differences. */
#ifndef OUTLAYER_H
#define OUTLAYER_H

#include "sdk.h"

/* ---- constants (spec §3.1) ---- */
#define OL_MIN_RESPONSE_GAS (50 * TGAS)
#define OL_EXECUTION_TIMEOUT_NS 600000000000ull
#define OL_MAX_INSTRUCTIONS 500000000000ull
#define OL_MAX_EXECUTION_SECONDS 180ull
#define OL_MAX_COMPILATION_SECONDS 300ull
#define OL_DEFAULT_MAX_INSTRUCTIONS 1000000000ull
#define OL_DEFAULT_MAX_MEMORY_MB 128u
#define OL_DEFAULT_MAX_EXECUTION_SECONDS 60ull
#define OL_HTTP_ALLOW_MAX 1024u /* bytes of request_execution's http_allow */
#define OL_EVENT_STANDARD "near-outlayer"
#define OL_EVENT_VERSION "1.0.0"

/* A string that may contain any UTF-8, NUL included. */
struct ol_str {
    const char *s;
    size_t n;
};

/* ---- types (spec §3.2) ---- */
enum ol_code_kind { OL_GITHUB = 0, OL_WASM_URL = 1 };
struct ol_code_source {
    enum ol_code_kind kind;
    struct ol_str first;  /* repo | url */
    struct ol_str second; /* commit | hash */
    bool has_build_target;
    struct ol_str build_target;
};

struct ol_limits {
    bool has_instructions, has_memory, has_seconds;
    uint64_t max_instructions;
    uint32_t max_memory_mb;
    uint64_t max_execution_seconds;
};

enum ol_format { OL_BYTES = 0, OL_TEXT = 1, OL_JSON = 2 };

/* StoredOutput: Bytes(raw) | Text(utf-8) | Json(compact JSON text). */
struct ol_output {
    enum ol_format kind;
    const uint8_t *data;
    size_t len;
};

struct ol_request {
    uint64_t request_id;
    uint8_t data_id[32];
    const char *sender_id;
    struct ol_code_source code_source;
    struct ol_limits limits;
    u128 payment;
    uint64_t timestamp;
    bool has_secrets_ref;
    struct ol_str secrets_profile;
    const char *secrets_account;
    enum ol_format response_format;
    bool has_input_data;
    struct ol_str input_data;
    const char *payer_account_id;
    bool has_pending_output;
    struct ol_output pending_output;
    bool output_submitted;
};

struct ol_metrics {
    uint64_t instructions, time_ms;
    bool has_compile_time;
    uint64_t compile_time_ms;
};

struct ol_response {
    bool success;
    bool has_output;
    struct ol_output output;
    bool has_error;
    struct ol_str error;
    struct ol_metrics used;
    bool has_note;
    struct ol_str note;
};

/* ---- state (spec §3.3), Borsh under key "STATE" ---- */
struct ol_state {
    const char *owner_id;
    const char *operator_id;
    bool paused;
    u128 base_fee, per_million_instructions_fee, per_ms_fee, per_compile_ms_fee;
    uint64_t next_request_id;
    uint64_t total_executions;
    u128 total_fees_collected;
};

/* types.c: JSON and Borsh forms of the types */
struct ol_str ol_json_str(const struct jr_value *v);
struct ol_str ol_opt_str(const struct jr_value *obj, const char *key, bool *present);
void ol_parse_code_source(const struct jr_value *v, struct ol_code_source *out);
void ol_parse_limits(const struct jr_value *v, struct ol_limits *out);
void ol_parse_output(const struct jr_value *v, struct ol_output *out);
void ol_parse_metrics(const struct jr_value *v, struct ol_metrics *out);
void ol_parse_response(const struct jr_value *v, struct ol_response *out);
enum ol_format ol_parse_format(const struct jr_value *v);
void ol_write_code_source(struct jw *w, const struct ol_code_source *cs);
void ol_write_limits(struct jw *w, const struct ol_limits *l);
void ol_write_metrics(struct jw *w, const struct ol_metrics *m);
void ol_write_output(struct jw *w, const struct ol_output *o); /* {"Text":"..."} etc. */
void ol_write_response(struct jw *w, const struct ol_response *r);
void ol_write_request(struct jw *w, const struct ol_request *r); /* get_request shape */
const char *ol_format_name(enum ol_format f);
void ol_borsh_request(struct buf *b, const struct ol_request *r);
void ol_unborsh_request(struct br *r, struct ol_request *out);
void ol_borsh_code_source(struct buf *b, const struct ol_code_source *cs);
void ol_unborsh_code_source(struct br *r, struct ol_code_source *out);
void ol_buf_str(struct buf *b, struct ol_str s);
/* Rust Debug form of a string: "text" with escapes. */
void ol_debug_str(struct buf *b, struct ol_str s);

/* http_allow.c: request_execution's http_allow (a string of host
 * patterns); panics with the reason when malformed or too long. */
struct ol_str ol_parse_http_allow(const struct jr_value *v);

/* state.c */
bool ol_state_exists(void);
void ol_state_load(struct ol_state *st); /* panics "The contract is not initialized" */
void ol_state_save(const struct ol_state *st);
void ol_require_owner(const struct ol_state *st);
bool ol_request_load(uint64_t id, struct ol_request *out);
void ol_request_save(const struct ol_request *r);
bool ol_request_remove(uint64_t id, struct ol_request *out);
u128 ol_calculate_cost(const struct ol_state *st, const struct ol_metrics *m);
u128 ol_estimate_cost(const struct ol_state *st, const struct ol_limits *l);
void ol_default_limits(struct ol_limits *l);
/* Prefix bytes of the three maps (BorshStorageKey variants 0, 1, 2). */
extern const uint8_t OL_PREFIX_PENDING[1], OL_PREFIX_SECRETS[1], OL_PREFIX_INDEX[1];

/* access.c: AccessCondition JSON -> Borsh (+ compact JSON) and back */
void ol_access_from_json(const struct jr_value *v, struct buf *borsh, struct jw *json);
void ol_access_to_json(struct br *r, struct jw *json);

/* ---- exported methods ---- */
void ol_new(void);
void ol_migrate(void);
void ol_request_execution(void);
void ol_resolve_execution(void);
void ol_submit_execution_output_and_resolve(void);
void ol_submit_execution_output(void);
void ol_on_execution_response(void);
void ol_cancel_stale_execution(void);
void ol_store_secrets(void);
void ol_delete_secrets(void);
void ol_update_access(void);
void ol_set_owner(void);
void ol_set_operator(void);
void ol_set_paused(void);
void ol_set_pricing(void);
void ol_emergency_cancel_execution(void);
void ol_clear_all_pending_requests(void);
void ol_get_request(void);
void ol_get_stats(void);
void ol_get_pricing(void);
void ol_estimate_execution_cost(void);
void ol_get_max_limits(void);
void ol_is_paused(void);
void ol_get_config(void);
void ol_get_pending_output(void);
void ol_has_pending_output(void);
void ol_get_storage_version(void);
void ol_get_secrets(void);
void ol_secrets_exist(void);
void ol_list_user_secrets(void);
void ol_estimate_storage_cost(void);
void ol_list_profiles(void);

/* Every method by its NEAR name (native builds: tests and the fuzzer). */
struct ol_method {
    const char *name;
    void (*fn)(void);
};
extern const struct ol_method OL_METHODS[];
extern const size_t OL_METHOD_COUNT;

#endif
