/* state.c — the register contract's state (Borsh under "STATE") and the
 * worker records. Field order: the reference's four fields first
 * (owner_id, init_worker_account, approved_rtmr3, quote_collateral), then
 * receiver_id, root_ca, tcb_policy, approved_measurements, workers. */
#include "register.h"

static const char STATE_KEY[] = "STATE";
const uint8_t RG_PREFIX_RTMR3[1] = {0x00};
const uint8_t RG_PREFIX_MEASUREMENTS[1] = {0x01};
const uint8_t RG_PREFIX_WORKERS[1] = {0x02};
const uint8_t RG_PREFIX_RECORDS[1] = {0x03};

bool rg_state_exists(void) { return storage_has(STATE_KEY, sizeof STATE_KEY - 1); }

void rg_state_load(struct rg_state *st)
{
    size_t len;
    uint8_t *raw = storage_get(STATE_KEY, sizeof STATE_KEY - 1, &len);
    if (raw == NULL)
        sdk_panic("The contract is not initialized");
    struct br r;
    br_init(&r, raw, len);
    st->owner_id = br_str(&r, NULL);
    st->init_worker_account = br_str(&r, NULL);
    unordered_set_read(&r, &st->approved_rtmr3);
    st->quote_collateral = br_option(&r) ? br_str(&r, NULL) : NULL;
    st->receiver_id = br_str(&r, NULL);
    st->root_ca = br_bytes(&r, &st->root_ca_len);
    st->tcb_policy = br_str(&r, NULL);
    unordered_set_read(&r, &st->approved_measurements);
    unordered_set_read(&r, &st->workers);
    st->min_stake = br_u128(&r);
    st->unbonding_ns = br_u64(&r);
    st->treasury_id = br_str(&r, NULL);
    st->arbiter_id = br_option(&r) ? br_str(&r, NULL) : NULL;
    if (!br_done(&r))
        br_fail(&r);
}

void rg_state_save(const struct rg_state *st)
{
    struct buf b;
    buf_init(&b);
    bw_str(&b, st->owner_id);
    bw_str(&b, st->init_worker_account);
    unordered_set_write(&b, &st->approved_rtmr3);
    bw_bool(&b, st->quote_collateral != NULL);
    if (st->quote_collateral)
        bw_str(&b, st->quote_collateral);
    bw_str(&b, st->receiver_id);
    bw_bytes(&b, st->root_ca, st->root_ca_len);
    bw_str(&b, st->tcb_policy);
    unordered_set_write(&b, &st->approved_measurements);
    unordered_set_write(&b, &st->workers);
    bw_u128(&b, st->min_stake);
    bw_u64(&b, st->unbonding_ns);
    bw_str(&b, st->treasury_id);
    bw_bool(&b, st->arbiter_id != NULL);
    if (st->arbiter_id)
        bw_str(&b, st->arbiter_id);
    storage_set(STATE_KEY, sizeof STATE_KEY - 1, b.data, b.len);
}

void rg_require_owner(const struct rg_state *st)
{
    if (!sdk_streq(sdk_predecessor(), st->owner_id))
        sdk_panic("Only owner can call this method");
}

void rg_borsh_str(struct buf *b, const char *s, size_t len)
{
    buf_init(b);
    bw_bytes(b, s, len);
}

const char **rg_set_strings(const struct unordered_set *s, size_t *count)
{
    *count = (size_t)s->elements.len;
    const char **out = sdk_alloc((*count ? *count : 1) * sizeof *out);
    for (uint64_t i = 0; i < s->elements.len; i++) {
        size_t len;
        uint8_t *raw = vector_get(&s->elements, i, &len);
        struct br r;
        br_init(&r, raw, len);
        out[i] = br_str(&r, NULL);
    }
    return out;
}

static void record_key(struct buf *k, const char *public_key)
{
    buf_init(k);
    buf_put(k, RG_PREFIX_RECORDS, 1);
    bw_str(k, public_key);
}

void rg_worker_save(const char *public_key, const struct rg_worker *w)
{
    struct buf k, v;
    record_key(&k, public_key);
    buf_init(&v);
    bw_str(&v, w->account_id);
    bw_str(&v, w->measurements);
    bw_str(&v, w->tcb_status);
    bw_u64(&v, w->registered_at_ns);
    bw_u128(&v, w->stake);
    bw_bool(&v, w->unbonding);
    bw_u64(&v, w->unbond_at_ns);
    bw_bool(&v, w->key_active);
    storage_set(k.data, k.len, v.data, v.len);
}

bool rg_worker_load(const char *public_key, struct rg_worker *w)
{
    struct buf k;
    record_key(&k, public_key);
    size_t len;
    uint8_t *raw = storage_get(k.data, k.len, &len);
    if (!raw)
        return false;
    struct br r;
    br_init(&r, raw, len);
    w->account_id = br_str(&r, NULL);
    size_t mlen;
    const char *m = br_str(&r, &mlen);
    if (mlen != RG_SET_HEX)
        br_fail(&r);
    memcpy(w->measurements, m, RG_SET_HEX + 1);
    w->tcb_status = br_str(&r, NULL);
    w->registered_at_ns = br_u64(&r);
    w->stake = br_u128(&r);
    w->unbonding = br_bool(&r);
    w->unbond_at_ns = br_u64(&r);
    w->key_active = br_bool(&r);
    if (!br_done(&r))
        br_fail(&r);
    return true;
}

void rg_worker_delete(const char *public_key)
{
    struct buf k;
    record_key(&k, public_key);
    storage_del(k.data, k.len);
}

void rg_worker_json(struct jw *w, const char *public_key, const struct rg_worker *rec)
{
    static const char *names[5] = {"mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    jw_obj_begin(w);
    jw_key(w, "public_key");
    jw_cstr(w, public_key);
    jw_key(w, "account_id");
    jw_cstr(w, rec->account_id);
    jw_key(w, "measurements");
    jw_obj_begin(w);
    for (int i = 0; i < 5; i++) {
        jw_key(w, names[i]);
        jw_str(w, rec->measurements + i * RG_MEASUREMENT_HEX, RG_MEASUREMENT_HEX);
    }
    jw_obj_end(w);
    jw_key(w, "tcb_status");
    jw_cstr(w, rec->tcb_status);
    jw_key(w, "registered_at_ns");
    jw_u64(w, rec->registered_at_ns);
    jw_key(w, "stake");
    jw_u128_str(w, rec->stake);
    jw_key(w, "status");
    jw_cstr(w, rec->unbonding ? "unbonding" : "active");
    jw_key(w, "unbond_at_ns");
    jw_u64(w, rec->unbond_at_ns);
    jw_key(w, "key_active");
    jw_bool(w, rec->key_active);
    jw_obj_end(w);
}
