/* stake.c — worker stake: the deposit of register_worker_key is held by the
 * contract; unstake starts the unbonding period, withdraw then pays the
 * stake back and removes the key; slash (owner or arbiter) moves stake to
 * the treasury, optionally removing the key, with an event. */
#include "register.h"

static __attribute__((noreturn)) void panic2(const char *a, const char *b)
{
    struct buf m;
    buf_init(&m);
    buf_str(&m, a);
    buf_str(&m, b);
    sdk_panic_buf(&m);
}

/* The record of the public_key argument, by its canonical text. */
static const char *load_worker(const struct jr_value *a, const char *key_field, struct rg_worker *rec, uint8_t key[32])
{
    size_t len;
    const char *pk = jr_as_str(jr_req(a, key_field), &len);
    if (!rg_parse_ed25519(pk, len, key))
        sdk_panic("Invalid public key: expected ed25519:<base58 of 32 bytes>");
    struct buf canon;
    buf_init(&canon);
    rg_format_ed25519(key, &canon);
    const char *c = buf_cstr(&canon);
    if (!rg_worker_load(c, rec))
        panic2("Worker not registered: ", c);
    return c;
}

SDK_EXPORT(set_stake_config) void rg_set_stake_config(void)
{
    sdk_require_no_deposit("set_stake_config");
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    rg_require_owner(&st);
    const struct jr_value *v;
    if ((v = jr_opt(a, "min_stake")))
        st.min_stake = jr_as_u128_str(v);
    if ((v = jr_opt(a, "unbonding_period_ns")))
        st.unbonding_ns = jr_as_u64(v);
    if ((v = jr_opt(a, "treasury_id")))
        st.treasury_id = jr_as_account(v);
    if ((v = jr_get(a, "arbiter_id")))
        st.arbiter_id = v->type == JR_NULL ? NULL : jr_as_account(v);
    rg_state_save(&st);
    struct buf m;
    buf_init(&m);
    buf_str(&m, "Stake config: min_stake=");
    buf_u128(&m, st.min_stake);
    buf_str(&m, ", unbonding_period_ns=");
    buf_u64(&m, st.unbonding_ns);
    buf_str(&m, ", treasury=");
    buf_str(&m, st.treasury_id);
    buf_str(&m, ", arbiter=");
    buf_str(&m, st.arbiter_id ? st.arbiter_id : "none");
    sdk_log_buf(&m);
}

SDK_EXPORT(unstake) void rg_unstake(void)
{
    sdk_require_no_deposit("unstake");
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    struct rg_worker rec;
    uint8_t key[32];
    const char *pk = load_worker(a, "public_key", &rec, key);
    if (!sdk_streq(sdk_predecessor(), rec.account_id))
        panic2("Only the worker's account can unstake: ", rec.account_id);
    if (rec.unbonding)
        sdk_panic("Worker is already unbonding");
    rec.unbonding = true;
    rec.unbond_at_ns = sdk_block_timestamp() + st.unbonding_ns;
    rg_worker_save(pk, &rec);
    struct buf m;
    buf_init(&m);
    buf_str(&m, "Unbonding started: ");
    buf_str(&m, pk);
    buf_str(&m, ", stake=");
    buf_u128(&m, rec.stake);
    buf_str(&m, ", withdraw from ");
    buf_u64(&m, rec.unbond_at_ns);
    sdk_log_buf(&m);
}

SDK_EXPORT(withdraw) void rg_withdraw(void)
{
    sdk_require_no_deposit("withdraw");
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    struct rg_worker rec;
    uint8_t key[32];
    const char *pk = load_worker(a, "public_key", &rec, key);
    if (!sdk_streq(sdk_predecessor(), rec.account_id))
        panic2("Only the worker's account can withdraw: ", rec.account_id);
    if (!rec.unbonding)
        sdk_panic("Worker is not unbonding (call unstake first)");
    if (sdk_block_timestamp() < rec.unbond_at_ns) {
        struct buf m;
        buf_init(&m);
        buf_str(&m, "Unbonding until ");
        buf_u64(&m, rec.unbond_at_ns);
        sdk_panic_buf(&m);
    }
    struct buf el;
    rg_borsh_str(&el, pk, strlen(pk));
    unordered_set_remove(&st.workers, el.data, el.len);
    rg_worker_delete(pk);
    rg_state_save(&st);
    struct buf m;
    buf_init(&m);
    buf_str(&m, "Stake withdrawn: ");
    buf_str(&m, pk);
    buf_str(&m, ", amount=");
    buf_u128(&m, rec.stake);
    sdk_log_buf(&m);
    if (rec.key_active) {
        uint64_t p = promise_batch_create(sdk_current_account());
        rg_promise_delete_key(p, key);
    }
    if (rec.stake > 0)
        promise_transfer(rec.account_id, rec.stake);
}

SDK_EXPORT(slash) void rg_slash(void)
{
    sdk_require_no_deposit("slash");
    const struct jr_value *a = sdk_args();
    struct rg_state st;
    rg_state_load(&st);
    const char *caller = sdk_predecessor();
    if (!sdk_streq(caller, st.owner_id) && !(st.arbiter_id && sdk_streq(caller, st.arbiter_id)))
        sdk_panic("Only the owner or the arbiter can slash");
    struct rg_worker rec;
    uint8_t key[32];
    const char *pk = load_worker(a, "worker", &rec, key);
    u128 amount = jr_as_u128_str(jr_req(a, "amount"));
    size_t ev_len;
    const char *evidence = jr_as_str(jr_req(a, "evidence_hash"), &ev_len);
    const char *reason = jr_as_str(jr_req(a, "reason"), NULL);
    const struct jr_value *rk = jr_opt(a, "remove_key");
    bool remove_key = rk ? jr_as_bool(rk) : false;
    if (amount == 0)
        sdk_panic("Slash amount must be positive");
    if (amount > rec.stake) {
        struct buf m;
        buf_init(&m);
        buf_str(&m, "Slash amount exceeds the stake (");
        buf_u128(&m, rec.stake);
        buf_str(&m, ")");
        sdk_panic_buf(&m);
    }
    rec.stake -= amount;
    bool delete_key = remove_key && rec.key_active;
    if (delete_key) {
        rec.key_active = false;
        if (!rec.unbonding) {
            rec.unbonding = true;
            rec.unbond_at_ns = sdk_block_timestamp() + st.unbonding_ns;
        }
    }
    rg_worker_save(pk, &rec);

    struct buf data;
    buf_init(&data);
    struct jw w;
    jw_init(&w, &data);
    jw_obj_begin(&w);
    jw_key(&w, "worker");
    jw_cstr(&w, pk);
    jw_key(&w, "account_id");
    jw_cstr(&w, rec.account_id);
    jw_key(&w, "amount");
    jw_u128_str(&w, amount);
    jw_key(&w, "remaining_stake");
    jw_u128_str(&w, rec.stake);
    jw_key(&w, "treasury_id");
    jw_cstr(&w, st.treasury_id);
    jw_key(&w, "evidence_hash");
    jw_str(&w, evidence, ev_len);
    jw_key(&w, "reason");
    jw_cstr(&w, reason);
    jw_key(&w, "key_removed");
    jw_bool(&w, delete_key);
    jw_key(&w, "by");
    jw_cstr(&w, caller);
    jw_obj_end(&w);
    sdk_emit_event("outlayer_register", "1.0.0", "worker_slashed", data.data, data.len);

    promise_transfer(st.treasury_id, amount);
    if (delete_key) {
        uint64_t p = promise_batch_create(sdk_current_account());
        rg_promise_delete_key(p, key);
    }
}
