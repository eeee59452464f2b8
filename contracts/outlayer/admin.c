/* admin.c — init, migration, owner-only administration and the execution
 * views (spec §3.4, §3.5, §10). */
#include "outlayer.h"

static void return_literal(const char *json) { sdk_return(json, strlen(json)); }

SDK_EXPORT(new) void ol_new(void)
{
    sdk_require_no_deposit("new");
    const struct jr_value *a = sdk_args();
    const char *owner = jr_as_account(jr_req(a, "owner_id"));
    const struct jr_value *op = jr_opt(a, "operator_id");
    const char *operator_id = op ? jr_as_account(op) : owner;
    if (ol_state_exists())
        sdk_panic("The contract has already been initialized");
    struct ol_state st;
    memset(&st, 0, sizeof st);
    st.owner_id = owner;
    st.operator_id = operator_id;
    st.base_fee = (u128)1000000000000ull * 1000000000ull; /* 10^21 = 0.001 NEAR */
    st.per_million_instructions_fee = (u128)100000000000000ull;
    st.per_ms_fee = (u128)100000000000000000ull;
    st.per_compile_ms_fee = (u128)100000000000000000ull;
    ol_state_save(&st);
}

SDK_EXPORT(migrate) void ol_migrate(void)
{
    sdk_require_no_deposit("migrate");
    struct ol_state st;
    ol_state_load(&st);
    /* Fix: the reference's #[private] on an #[init] method is silently
     * dropped by near-sdk, so anyone could call it. */
    const char *caller = sdk_predecessor();
    if (!sdk_streq(caller, sdk_current_account()) && !sdk_streq(caller, st.owner_id))
        sdk_panic("Method migrate is private: only the contract account or the owner can call it");
    struct buf b;
    buf_init(&b);
    buf_str(&b, "Migrating contract from v1 to v2: owner=");
    buf_str(&b, st.owner_id);
    buf_str(&b, ", total_executions=");
    buf_u64(&b, st.total_executions);
    sdk_log_buf(&b);
    ol_state_save(&st);
}

/* ---- owner-only ---- */

static void owner_call(const char *method, const struct jr_value **args)
{
    sdk_require_no_deposit(method);
    *args = sdk_args();
}

static void log_change(const char *what, const char *old, const char *new_value)
{
    struct buf b;
    buf_init(&b);
    buf_str(&b, what);
    buf_str(&b, " changed from ");
    buf_str(&b, old);
    buf_str(&b, " to ");
    buf_str(&b, new_value);
    sdk_log_buf(&b);
}

enum role { ROLE_OWNER, ROLE_OPERATOR };

/* set_owner and set_operator differ only in the argument, the log label and
 * the field they replace. */
static void set_role_account(const char *method, const char *arg, const char *label, enum role role)
{
    const struct jr_value *a;
    struct ol_state st;
    owner_call(method, &a);
    const char *account = jr_as_account(jr_req(a, arg));
    ol_state_load(&st);
    ol_require_owner(&st);
    const char **field = role == ROLE_OWNER ? &st.owner_id : &st.operator_id;
    log_change(label, *field, account);
    *field = account;
    ol_state_save(&st);
}

SDK_EXPORT(set_owner) void ol_set_owner(void) { set_role_account("set_owner", "new_owner_id", "Owner", ROLE_OWNER); }

SDK_EXPORT(set_operator) void ol_set_operator(void)
{
    set_role_account("set_operator", "new_operator_id", "Operator", ROLE_OPERATOR);
}

SDK_EXPORT(set_paused) void ol_set_paused(void)
{
    const struct jr_value *a;
    struct ol_state st;
    owner_call("set_paused", &a);
    bool paused = jr_as_bool(jr_req(a, "paused"));
    ol_state_load(&st);
    ol_require_owner(&st);
    st.paused = paused;
    sdk_log(paused ? "Contract paused" : "Contract unpaused");
    ol_state_save(&st);
}

static void update_fee(const struct jr_value *a, const char *key, u128 *field, const char *label)
{
    const struct jr_value *v = jr_opt(a, key);
    if (v == NULL)
        return;
    *field = jr_as_u128_str(v);
    struct buf b;
    buf_init(&b);
    buf_str(&b, label);
    buf_str(&b, " updated to ");
    buf_u128(&b, *field);
    sdk_log_buf(&b);
}

SDK_EXPORT(set_pricing) void ol_set_pricing(void)
{
    const struct jr_value *a;
    struct ol_state st;
    owner_call("set_pricing", &a);
    /* Parse everything before touching state, as the SDK wrapper does. */
    const char *keys[] = {"base_fee", "per_million_instructions_fee", "per_ms_fee", "per_compile_ms_fee"};
    for (int i = 0; i < 4; i++) {
        const struct jr_value *v = jr_opt(a, keys[i]);
        if (v)
            jr_as_u128_str(v);
    }
    ol_state_load(&st);
    ol_require_owner(&st);
    update_fee(a, "base_fee", &st.base_fee, "Base fee");
    update_fee(a, "per_million_instructions_fee", &st.per_million_instructions_fee, "Per million instructions fee");
    update_fee(a, "per_ms_fee", &st.per_ms_fee, "Per millisecond fee (execution)");
    update_fee(a, "per_compile_ms_fee", &st.per_compile_ms_fee, "Per millisecond fee (compilation)");
    ol_state_save(&st);
}

static void refund_log(const char *prefix, uint64_t id, const struct ol_request *req)
{
    struct buf b;
    buf_init(&b);
    buf_str(&b, prefix);
    buf_u64(&b, id);
    buf_str(&b, " and refunded ");
    buf_u128(&b, req->payment);
    buf_str(&b, " yoctoNEAR to ");
    buf_str(&b, req->payer_account_id);
    sdk_log_buf(&b);
}

SDK_EXPORT(emergency_cancel_execution) void ol_emergency_cancel_execution(void)
{
    const struct jr_value *a;
    struct ol_state st;
    owner_call("emergency_cancel_execution", &a);
    uint64_t id = jr_as_u64(jr_req(a, "request_id"));
    ol_state_load(&st);
    ol_require_owner(&st);
    struct ol_request req;
    if (!ol_request_remove(id, &req))
        sdk_panic("Execution request not found");
    if (req.payment > 0)
        promise_transfer(req.payer_account_id, req.payment);
    refund_log("Emergency cancelled execution ", id, &req);
    ol_state_save(&st);
}

SDK_EXPORT(clear_all_pending_requests) void ol_clear_all_pending_requests(void)
{
    const struct jr_value *a;
    struct ol_state st;
    owner_call("clear_all_pending_requests", &a);
    const struct jr_value *lv = jr_opt(a, "limit");
    uint64_t limit = lv ? jr_as_u64(lv) : 100;
    /* Fix: one log line per cleared request plus the summary must stay
     * within NEAR's 100 logs per call; the reference's default of 100
     * always failed when 100 requests were pending. */
    if (limit > 99)
        limit = 99;
    ol_state_load(&st);
    ol_require_owner(&st);
    uint64_t cleared = 0;
    for (uint64_t id = 0; id < st.next_request_id && cleared < limit; id++) {
        struct ol_request req;
        if (!ol_request_remove(id, &req))
            continue;
        if (req.payment > 0)
            promise_transfer(req.payer_account_id, req.payment);
        refund_log("Cleared request ", id, &req);
        cleared++;
    }
    struct buf b;
    buf_init(&b);
    buf_str(&b, "Cleared ");
    buf_u64(&b, cleared);
    buf_str(&b, " pending requests");
    sdk_log_buf(&b);
    ol_state_save(&st);
    buf_init(&b);
    buf_u64(&b, cleared);
    sdk_return_buf(&b);
}

/* ---- views ---- */

/* The request_id argument of a view; loading the state first makes every
 * view panic the same way on an uninitialized contract. */
static uint64_t view_request_id(void)
{
    uint64_t id = jr_as_u64(jr_req(sdk_args(), "request_id"));
    struct ol_state st;
    ol_state_load(&st);
    return id;
}

SDK_EXPORT(get_request) void ol_get_request(void)
{
    uint64_t id = view_request_id();
    struct ol_request req;
    if (!ol_request_load(id, &req)) {
        return_literal("null");
        return;
    }
    struct sdk_reply reply;
    struct jw *w = sdk_reply_begin(&reply);
    ol_write_request(w, &req);
    sdk_reply_end(&reply);
}

SDK_EXPORT(get_stats) void ol_get_stats(void)
{
    struct ol_state st;
    ol_state_load(&st);
    struct sdk_reply reply;
    struct jw *w = sdk_reply_begin(&reply);
    jw_arr_begin(w);
    jw_u64(w, st.total_executions);
    jw_u128_str(w, st.total_fees_collected);
    jw_arr_end(w);
    sdk_reply_end(&reply);
}

SDK_EXPORT(get_pricing) void ol_get_pricing(void)
{
    struct ol_state st;
    ol_state_load(&st);
    struct sdk_reply reply;
    struct jw *w = sdk_reply_begin(&reply);
    jw_arr_begin(w);
    jw_u128_str(w, st.base_fee);
    jw_u128_str(w, st.per_million_instructions_fee);
    jw_u128_str(w, st.per_ms_fee);
    jw_u128_str(w, st.per_compile_ms_fee);
    jw_arr_end(w);
    sdk_reply_end(&reply);
}

SDK_EXPORT(estimate_execution_cost) void ol_estimate_execution_cost(void)
{
    const struct jr_value *a = sdk_args();
    const struct jr_value *rl = jr_opt(a, "resource_limits");
    struct ol_limits limits;
    if (rl)
        ol_parse_limits(rl, &limits);
    else
        ol_default_limits(&limits);
    struct ol_state st;
    ol_state_load(&st);
    struct sdk_reply reply;
    struct jw *w = sdk_reply_begin(&reply);
    jw_u128_str(w, ol_estimate_cost(&st, &limits));
    sdk_reply_end(&reply);
}

SDK_EXPORT(get_max_limits) void ol_get_max_limits(void)
{
    struct ol_state st;
    ol_state_load(&st);
    struct sdk_reply reply;
    struct jw *w = sdk_reply_begin(&reply);
    jw_arr_begin(w);
    jw_u64(w, OL_MAX_INSTRUCTIONS);
    jw_u64(w, OL_MAX_EXECUTION_SECONDS);
    jw_u64(w, OL_MAX_COMPILATION_SECONDS);
    jw_arr_end(w);
    sdk_reply_end(&reply);
}

SDK_EXPORT(is_paused) void ol_is_paused(void)
{
    struct ol_state st;
    ol_state_load(&st);
    return_literal(st.paused ? "true" : "false");
}

SDK_EXPORT(get_config) void ol_get_config(void)
{
    struct ol_state st;
    ol_state_load(&st);
    struct sdk_reply reply;
    struct jw *w = sdk_reply_begin(&reply);
    jw_arr_begin(w);
    jw_cstr(w, st.owner_id);
    jw_cstr(w, st.operator_id);
    jw_arr_end(w);
    sdk_reply_end(&reply);
}

SDK_EXPORT(get_pending_output) void ol_get_pending_output(void)
{
    uint64_t id = view_request_id();
    struct ol_request req;
    if (!ol_request_load(id, &req) || !req.has_pending_output) {
        return_literal("null");
        return;
    }
    struct sdk_reply reply;
    struct jw *w = sdk_reply_begin(&reply);
    ol_write_output(w, &req.pending_output);
    sdk_reply_end(&reply);
}

SDK_EXPORT(has_pending_output) void ol_has_pending_output(void)
{
    uint64_t id = view_request_id();
    struct ol_request req;
    bool has = ol_request_load(id, &req) && req.output_submitted;
    return_literal(has ? "true" : "false");
}

SDK_EXPORT(get_storage_version) void ol_get_storage_version(void)
{
    struct ol_state st;
    ol_state_load(&st);
    return_literal("\"2\"");
}
