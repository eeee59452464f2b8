/* admin.c — init and owner-only administration (spec §11.2 plus the
 * measurement sets, TCB policy and trust anchor). */
#include "register.h"

static bool is_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static void log_pair(const char *a, const char *b)
{
    struct buf m;
    buf_init(&m);
    buf_str(&m, a);
    buf_str(&m, b);
    sdk_log_buf(&m);
}

SDK_EXPORT(new) void rg_new(void)
{
    sdk_require_no_deposit("new");
    const struct jr_value *a = sdk_args();
    const char *owner = jr_as_account(jr_req(a, "owner_id"));
    const char *worker = jr_as_account(jr_req(a, "init_worker_account"));
    const struct jr_value *recv = jr_opt(a, "receiver_id");
    const struct jr_value *root_hex = jr_opt(a, "root_ca_hex");
    if (rg_state_exists())
        sdk_panic("The contract has already been initialized");
    struct rg_state st;
    memset(&st, 0, sizeof st);
    st.owner_id = owner;
    st.init_worker_account = worker;
    st.receiver_id = recv ? jr_as_account(recv) : RG_DEFAULT_RECEIVER;
    st.root_ca = RG_INTEL_ROOT_CA;
    st.root_ca_len = RG_INTEL_ROOT_CA_LEN;
    if (root_hex) {
        /* a development root (simulated TEE on a local devnet) */
        size_t hlen, n;
        const char *hex = jr_as_str(root_hex, &hlen);
        uint8_t *der = sdk_alloc(hlen / 2 + 1);
        struct x509_cert c;
        struct dcap_err e;
        if (!dcap_hex_decode(hex, hlen, der, hlen / 2 + 1, &n) || !x509_parse(der, n, &c, &e))
            sdk_panic("Invalid root_ca_hex: expected a hex DER P-256 certificate");
        st.root_ca = der;
        st.root_ca_len = n;
    }
    st.tcb_policy = RG_DEFAULT_TCB_POLICY;
    unordered_set_new(&st.approved_rtmr3, RG_PREFIX_RTMR3, 1);
    unordered_set_new(&st.approved_measurements, RG_PREFIX_MEASUREMENTS, 1);
    unordered_set_new(&st.workers, RG_PREFIX_WORKERS, 1);
    st.min_stake = 0;
    st.unbonding_ns = RG_DEFAULT_UNBONDING_NS;
    st.treasury_id = owner;
    st.arbiter_id = NULL;
    rg_state_save(&st);
}

SDK_EXPORT(update_collateral) void rg_update_collateral(void)
{
    sdk_require_no_deposit("update_collateral");
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    rg_require_owner(&st);
    size_t len;
    const char *coll = jr_as_str(jr_req(a, "collateral"), &len);
    /* Fix: the reference stores collateral unvalidated. Verifying every
     * signature here, once, lets register_worker_key skip them (about two
     * thirds of its gas) while every time window is still checked then. */
    int64_t expires;
    struct dcap_err e;
    if (!dcap_verify_collateral((const uint8_t *)coll, len, st.root_ca, st.root_ca_len,
                                (int64_t)(sdk_block_timestamp() / 1000000000ull), &expires, &e)) {
        struct buf m;
        buf_init(&m);
        buf_str(&m, "Invalid collateral: ");
        buf_str(&m, e.msg);
        sdk_panic_buf(&m);
    }
    st.quote_collateral = coll;
    rg_state_save(&st);
    sdk_log("Quote collateral updated");
    struct buf m;
    buf_init(&m);
    buf_str(&m, "Collateral valid until ");
    buf_u64(&m, (uint64_t)expires);
    buf_str(&m, " (Unix seconds)");
    sdk_log_buf(&m);
}

static const char *rtmr3_arg(const struct jr_value *a, size_t *len)
{
    const char *r = jr_as_str(jr_req(a, "rtmr3"), len);
    if (*len != RG_MEASUREMENT_HEX)
        sdk_panic("Invalid RTMR3 format: expected 96 hex characters");
    if (!is_hex(r, *len))
        sdk_panic("Invalid RTMR3 format: must be hex string");
    return r;
}

SDK_EXPORT(add_approved_rtmr3) void rg_add_approved_rtmr3(void)
{
    sdk_require_no_deposit("add_approved_rtmr3");
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    rg_require_owner(&st);
    size_t len;
    const char *r = rtmr3_arg(a, &len);
    /* Fix: the reference stores the case as given, so upper-case input
     * could never match the lower-case value extracted from a quote. */
    char *lower = sdk_strndup(r, len);
    for (size_t i = 0; i < len; i++)
        if (lower[i] >= 'A' && lower[i] <= 'F')
            lower[i] = (char)(lower[i] - 'A' + 'a');
    struct buf el;
    rg_borsh_str(&el, lower, len);
    unordered_set_insert(&st.approved_rtmr3, el.data, el.len);
    rg_state_save(&st);
    log_pair("Approved RTMR3 added: ", lower);
}

SDK_EXPORT(remove_approved_rtmr3) void rg_remove_approved_rtmr3(void)
{
    sdk_require_no_deposit("remove_approved_rtmr3");
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    rg_require_owner(&st);
    size_t len;
    const char *r = jr_as_str(jr_req(a, "rtmr3"), &len);
    struct buf el;
    rg_borsh_str(&el, r, len);
    unordered_set_remove(&st.approved_rtmr3, el.data, el.len);
    rg_state_save(&st);
    log_pair("Approved RTMR3 removed: ", r);
}

/* {"mrtd":hex96,"rtmr0":..,"rtmr1":..,"rtmr2":..,"rtmr3":..} -> 480 lower-case hex chars. */
static char *measurement_set_arg(const struct jr_value *a)
{
    static const char *names[5] = {"mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    const struct jr_value *m = jr_req(a, "measurements");
    jr_expect(m, JR_OBJECT);
    char *out = sdk_alloc(RG_SET_HEX + 1);
    for (int i = 0; i < 5; i++) {
        size_t len;
        const char *h = jr_as_str(jr_req(m, names[i]), &len);
        if (len != RG_MEASUREMENT_HEX || !is_hex(h, len)) {
            struct buf msg;
            buf_init(&msg);
            buf_str(&msg, "Invalid measurement ");
            buf_str(&msg, names[i]);
            buf_str(&msg, ": expected 96 hex characters");
            sdk_panic_buf(&msg);
        }
        for (size_t k = 0; k < len; k++) {
            char c = h[k];
            out[i * RG_MEASUREMENT_HEX + k] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
        }
    }
    out[RG_SET_HEX] = 0;
    return out;
}

/* The owner adds or removes one approved measurement set; the two methods
 * differ only in the set operation and the log line. */
static void change_approved_measurements(const char *method, bool add)
{
    sdk_require_no_deposit(method);
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    rg_require_owner(&st);
    char *set = measurement_set_arg(a);
    struct buf el;
    rg_borsh_str(&el, set, RG_SET_HEX);
    if (add)
        unordered_set_insert(&st.approved_measurements, el.data, el.len);
    else
        unordered_set_remove(&st.approved_measurements, el.data, el.len);
    rg_state_save(&st);
    log_pair(add ? "Approved measurements added: " : "Approved measurements removed: ", set);
}

SDK_EXPORT(add_approved_measurements) void rg_add_approved_measurements(void)
{
    change_approved_measurements("add_approved_measurements", true);
}

SDK_EXPORT(remove_approved_measurements) void rg_remove_approved_measurements(void)
{
    change_approved_measurements("remove_approved_measurements", false);
}

SDK_EXPORT(set_tcb_policy) void rg_set_tcb_policy(void)
{
    sdk_require_no_deposit("set_tcb_policy");
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    rg_require_owner(&st);
    static const char *known[] = {
        "UpToDate",  "SWHardeningNeeded",           "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
        "OutOfDate", "OutOfDateConfigurationNeeded"};
    const struct jr_value *list = jr_req(a, "allowed");
    jr_expect(list, JR_ARRAY);
    if (list->count == 0)
        sdk_panic("TCB policy must allow at least one status");
    struct buf pol;
    buf_init(&pol);
    for (size_t i = 0; i < list->count; i++) {
        const char *s = jr_as_str(&list->items[i], NULL);
        bool ok = false;
        for (size_t k = 0; k < sizeof known / sizeof *known; k++)
            ok |= sdk_streq(s, known[k]);
        if (!ok) {
            struct buf msg;
            buf_init(&msg);
            buf_str(&msg, "Unknown or forbidden TCB status: ");
            buf_str(&msg, s);
            sdk_panic_buf(&msg);
        }
        if (i)
            buf_byte(&pol, ',');
        buf_str(&pol, s);
    }
    st.tcb_policy = buf_cstr(&pol);
    rg_state_save(&st);
    log_pair("TCB policy set: ", st.tcb_policy);
}

SDK_EXPORT(transfer_ownership) void rg_transfer_ownership(void)
{
    sdk_require_no_deposit("transfer_ownership");
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    rg_require_owner(&st);
    const char *next = jr_as_account(jr_req(a, "new_owner"));
    struct buf m;
    buf_init(&m);
    buf_str(&m, "Ownership transferred: ");
    buf_str(&m, st.owner_id);
    buf_str(&m, " -> ");
    buf_str(&m, next);
    st.owner_id = next;
    rg_state_save(&st);
    sdk_log_buf(&m);
}
