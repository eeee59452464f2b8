/* workers.c — register_worker_key (the attested admission), remove_worker
 * and the views. */
#include "register.h"

#define RG_KEY_METHODS "resolve_execution,submit_execution_output_and_resolve"

static __attribute__((noreturn)) void panic3(const char *a, const char *b, const char *c)
{
    struct buf m;
    buf_init(&m);
    buf_str(&m, a);
    buf_str(&m, b);
    if (c)
        buf_str(&m, c);
    sdk_panic_buf(&m);
}

static void hex_append(struct buf *b, const uint8_t *p, size_t n)
{
    char tmp[2 * RG_MEASUREMENT_LEN + 1];
    dcap_hex_encode(p, n, tmp);
    buf_str(b, tmp);
}

static bool set_has(const struct unordered_set *s, const char *str, size_t len)
{
    struct buf el;
    rg_borsh_str(&el, str, len);
    return unordered_set_contains(s, el.data, el.len);
}

SDK_EXPORT(register_worker_key) void rg_register_worker_key(void)
{
    /* payable: the deposit is the worker's stake (spec fix: stake exists) */
    const struct jr_value *a = sdk_args();
    size_t pk_len, hex_len;
    const char *public_key = jr_as_str(jr_req(a, "public_key"), &pk_len);
    const char *quote_hex = jr_as_str(jr_req(a, "tdx_quote_hex"), &hex_len);
    struct rg_state st;
    rg_state_load(&st);
    const char *caller = sdk_predecessor();
    if (!sdk_streq(caller, st.init_worker_account))
        panic3("Only ", st.init_worker_account, " can call register_worker_key");
    u128 stake = sdk_attached_deposit();
    if (stake < st.min_stake) {
        struct buf m;
        buf_init(&m);
        buf_str(&m, "Stake deposit of at least ");
        buf_u128(&m, st.min_stake);
        buf_str(&m, " yoctoNEAR required (attached ");
        buf_u128(&m, stake);
        buf_str(&m, ")");
        sdk_panic_buf(&m);
    }
    if (!st.quote_collateral)
        sdk_panic("Quote collateral required (cache via update_collateral)");
    uint8_t provided_key[32];
    if (!rg_parse_ed25519(public_key, pk_len, provided_key))
        sdk_panic("Invalid public key: expected ed25519:<base58 of 32 bytes>");

    size_t quote_len;
    uint8_t *quote = sdk_alloc(hex_len / 2 + 1);
    if (!dcap_hex_decode(quote_hex, hex_len, quote, hex_len / 2 + 1, &quote_len))
        sdk_panic("Invalid quote hex encoding: expected an even number of hex digits");

    int64_t now = (int64_t)(sdk_block_timestamp() / 1000000000ull);
    struct dcap_verified v;
    struct dcap_err e;
    if (!dcap_verify_with_verified_collateral(quote, quote_len, (const uint8_t *)st.quote_collateral,
                                              strlen(st.quote_collateral), st.root_ca, st.root_ca_len, now, &v, &e))
        panic3("TDX quote verification failed - invalid signature or expired TCB: ", e.msg, NULL);
    if (v.advisory_ids[0]) {
        struct buf m;
        buf_init(&m);
        buf_str(&m, "⚠️ TCB advisories for this platform: ");
        buf_str(&m, v.advisory_ids);
        sdk_log_buf(&m);
    }
    if (!dcap_status_allowed(v.tcb_status, st.tcb_policy)) {
        struct buf m;
        buf_init(&m);
        buf_str(&m, "TCB status ");
        buf_str(&m, v.tcb_status);
        buf_str(&m, " not allowed by policy (allowed: ");
        buf_str(&m, st.tcb_policy);
        buf_str(&m, ")");
        if (v.advisory_ids[0]) {
            buf_str(&m, "; advisories: ");
            buf_str(&m, v.advisory_ids);
        }
        sdk_panic_buf(&m);
    }

    const struct td_report *td = &v.quote.td;
    char rtmr3[RG_MEASUREMENT_HEX + 1];
    dcap_hex_encode(td->rtmr[3], RG_MEASUREMENT_LEN, rtmr3);
    struct buf set;
    buf_init(&set);
    hex_append(&set, td->mr_td, RG_MEASUREMENT_LEN);
    for (int i = 0; i < 4; i++)
        hex_append(&set, td->rtmr[i], RG_MEASUREMENT_LEN);
    struct buf quoted_key;
    buf_init(&quoted_key);
    rg_format_ed25519(td->report_data, &quoted_key);
    const char *quoted_key_str = buf_cstr(&quoted_key);

    struct buf m;
    buf_init(&m);
    buf_str(&m, "📋 Extracted RTMR3 from TDX quote: ");
    buf_str(&m, rtmr3);
    sdk_log_buf(&m);
    buf_init(&m);
    buf_str(&m, "📋 Extracted public key from quote: ");
    buf_str(&m, quoted_key_str);
    sdk_log_buf(&m);

    if (!set_has(&st.approved_rtmr3, rtmr3, RG_MEASUREMENT_HEX))
        panic3("Worker RTMR3 ", rtmr3, " not approved for registration. Contact admin to add this RTMR3.");
    const char *set_str = buf_cstr(&set);
    if (!set_has(&st.approved_measurements, set_str, RG_SET_HEX))
        panic3("Worker measurements not approved (MRTD|RTMR0|RTMR1|RTMR2|RTMR3): ", set_str, NULL);
    if (memcmp(provided_key, td->report_data, 32) != 0)
        sdk_panic("Public key mismatch: provided key doesn't match TDX quote report_data");
    uint8_t binding[32];
    rg_report_data_binding(sdk_current_account(), caller, binding);
    if (memcmp(binding, td->report_data + 32, 32) != 0)
        sdk_panic("Report data binding mismatch: report_data[32..64] must be "
                  "SHA-256(\"outlayer-register-v1:<contract>:<worker account>\")");
    if (set_has(&st.workers, quoted_key_str, strlen(quoted_key_str)))
        sdk_panic("Worker key already registered");

    buf_init(&m);
    buf_str(&m, "✅ TEE verification passed: rtmr3=");
    buf_str(&m, rtmr3);
    buf_str(&m, ", pubkey=");
    buf_str(&m, quoted_key_str);
    buf_str(&m, ", tcb_status=");
    buf_str(&m, v.tcb_status);
    sdk_log_buf(&m);
    buf_init(&m);
    buf_str(&m, "Adding access key to ");
    buf_str(&m, sdk_current_account());
    buf_str(&m, ": pubkey=");
    buf_str(&m, quoted_key_str);
    buf_str(&m, ", allowance=10 NEAR, methods=" RG_KEY_METHODS ", receiver=");
    buf_str(&m, st.receiver_id);
    sdk_log_buf(&m);

    struct rg_worker rec;
    rec.account_id = caller;
    memcpy(rec.measurements, set_str, RG_SET_HEX + 1);
    rec.tcb_status = v.tcb_status;
    rec.registered_at_ns = sdk_block_timestamp();
    rec.stake = stake;
    rec.unbonding = false;
    rec.unbond_at_ns = 0;
    rec.key_active = true;
    rg_worker_save(quoted_key_str, &rec);
    struct buf el;
    rg_borsh_str(&el, quoted_key_str, strlen(quoted_key_str));
    unordered_set_insert(&st.workers, el.data, el.len);
    rg_state_save(&st);

    uint64_t p = promise_batch_create(sdk_current_account());
    rg_promise_add_function_call_key(p, provided_key, RG_KEY_ALLOWANCE, st.receiver_id, RG_KEY_METHODS);
    promise_return_value(p);
}

SDK_EXPORT(remove_worker) void rg_remove_worker(void)
{
    sdk_require_no_deposit("remove_worker");
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    rg_require_owner(&st);
    size_t len;
    const char *pk = jr_as_str(jr_req(a, "public_key"), &len);
    uint8_t key[32];
    if (!rg_parse_ed25519(pk, len, key))
        sdk_panic("Invalid public key: expected ed25519:<base58 of 32 bytes>");
    struct buf canon;
    buf_init(&canon);
    rg_format_ed25519(key, &canon);
    const char *canon_str = buf_cstr(&canon);
    struct rg_worker rec;
    if (!rg_worker_load(canon_str, &rec))
        panic3("Worker not registered: ", canon_str, NULL);
    if (!rec.key_active)
        panic3("Worker key already removed: ", canon_str, NULL);
    struct buf m;
    buf_init(&m);
    buf_str(&m, "Worker removed, deleting access key: ");
    buf_str(&m, canon_str);
    sdk_log_buf(&m);
    if (rec.stake == 0) {
        struct buf el;
        rg_borsh_str(&el, canon_str, strlen(canon_str));
        unordered_set_remove(&st.workers, el.data, el.len);
        rg_worker_delete(canon_str);
        rg_state_save(&st);
    } else {
        /* Removal is not confiscation: the stake unbonds as after
         * unstake (slash is the only way to take it). */
        rec.key_active = false;
        if (!rec.unbonding) {
            rec.unbonding = true;
            rec.unbond_at_ns = sdk_block_timestamp() + st.unbonding_ns;
        }
        rg_worker_save(canon_str, &rec);
    }
    uint64_t p = promise_batch_create(sdk_current_account());
    rg_promise_delete_key(p, key);
    promise_return_value(p);
}

/* ---- views ---- */
static void return_string_list(const struct unordered_set *s)
{
    size_t n;
    const char **items = rg_set_strings(s, &n);
    struct sdk_reply r;
    struct jw *w = sdk_reply_begin(&r);
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        jw_cstr(w, items[i]);
    jw_arr_end(w);
    sdk_reply_end(&r);
}

static void return_string(const char *s)
{
    struct sdk_reply r;
    struct jw *w = sdk_reply_begin(&r);
    if (s)
        jw_cstr(w, s);
    else
        jw_null(w);
    sdk_reply_end(&r);
}

SDK_EXPORT(get_approved_rtmr3) void rg_get_approved_rtmr3(void)
{
    struct rg_state st;
    rg_state_load(&st);
    return_string_list(&st.approved_rtmr3);
}

SDK_EXPORT(is_rtmr3_approved) void rg_is_rtmr3_approved(void)
{
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    size_t len;
    const char *r = jr_as_str(jr_req(a, "rtmr3"), &len);
    bool yes = set_has(&st.approved_rtmr3, r, len);
    sdk_return(yes ? "true" : "false", yes ? 4 : 5);
}

SDK_EXPORT(get_collateral) void rg_get_collateral(void)
{
    struct rg_state st;
    rg_state_load(&st);
    return_string(st.quote_collateral);
}

SDK_EXPORT(get_init_worker_account) void rg_get_init_worker_account(void)
{
    struct rg_state st;
    rg_state_load(&st);
    return_string(st.init_worker_account);
}

SDK_EXPORT(get_approved_measurements) void rg_get_approved_measurements(void)
{
    static const char *names[5] = {"mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    struct rg_state st;
    rg_state_load(&st);
    size_t n;
    const char **items = rg_set_strings(&st.approved_measurements, &n);
    struct sdk_reply r;
    struct jw *w = sdk_reply_begin(&r);
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(w);
        for (int k = 0; k < 5; k++) {
            jw_key(w, names[k]);
            jw_str(w, items[i] + k * RG_MEASUREMENT_HEX, RG_MEASUREMENT_HEX);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    sdk_reply_end(&r);
}

SDK_EXPORT(get_config) void rg_get_config(void)
{
    struct rg_state st;
    rg_state_load(&st);
    struct sdk_reply r;
    struct jw *w = sdk_reply_begin(&r);
    jw_obj_begin(w);
    jw_key(w, "owner_id");
    jw_cstr(w, st.owner_id);
    jw_key(w, "init_worker_account");
    jw_cstr(w, st.init_worker_account);
    jw_key(w, "receiver_id");
    jw_cstr(w, st.receiver_id);
    jw_key(w, "tcb_policy");
    jw_arr_begin(w);
    const char *p = st.tcb_policy;
    while (*p) {
        const char *end = p;
        while (*end && *end != ',')
            end++;
        jw_str(w, p, (size_t)(end - p));
        p = *end ? end + 1 : end;
    }
    jw_arr_end(w);
    jw_key(w, "intel_root_ca");
    jw_bool(w, st.root_ca_len == RG_INTEL_ROOT_CA_LEN && memcmp(st.root_ca, RG_INTEL_ROOT_CA, st.root_ca_len) == 0);
    jw_key(w, "worker_count");
    jw_u64(w, st.workers.elements.len);
    jw_key(w, "min_stake");
    jw_u128_str(w, st.min_stake);
    jw_key(w, "unbonding_period_ns");
    jw_u64(w, st.unbonding_ns);
    jw_key(w, "treasury_id");
    jw_cstr(w, st.treasury_id);
    jw_key(w, "arbiter_id");
    if (st.arbiter_id)
        jw_cstr(w, st.arbiter_id);
    else
        jw_null(w);
    jw_obj_end(w);
    sdk_reply_end(&r);
}

SDK_EXPORT(list_workers) void rg_list_workers(void)
{
    struct rg_state st;
    rg_state_load(&st);
    size_t n;
    const char **items = rg_set_strings(&st.workers, &n);
    struct sdk_reply r;
    struct jw *w = sdk_reply_begin(&r);
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        struct rg_worker rec;
        if (rg_worker_load(items[i], &rec))
            rg_worker_json(w, items[i], &rec);
    }
    jw_arr_end(w);
    sdk_reply_end(&r);
}

/* get_worker({public_key}) or get_worker({account_id}) (the first worker
 * key registered by that account). */
SDK_EXPORT(get_worker) void rg_get_worker(void)
{
    const struct jr_value *a = sdk_args();
    const struct jr_value *pkv = jr_opt(a, "public_key");
    struct rg_worker rec;
    struct sdk_reply r;
    struct jw *w = sdk_reply_begin(&r);
    if (pkv) {
        const char *pk = jr_as_str(pkv, NULL);
        if (rg_worker_load(pk, &rec))
            rg_worker_json(w, pk, &rec);
        else
            jw_null(w);
        sdk_reply_end(&r);
        return;
    }
    const char *account = jr_as_account(jr_req(a, "account_id"));
    struct rg_state st;
    rg_state_load(&st);
    size_t n;
    const char **keys = rg_set_strings(&st.workers, &n);
    for (size_t i = 0; i < n; i++)
        if (rg_worker_load(keys[i], &rec) && sdk_streq(rec.account_id, account)) {
            rg_worker_json(w, keys[i], &rec);
            sdk_reply_end(&r);
            return;
        }
    jw_null(w);
    sdk_reply_end(&r);
}
