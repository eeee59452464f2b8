/* dao.c — a minimal Sputnik-style DAO for the keystore's DaoMember tests:
 * get_policy returns the policy given to `new` (roles with kinds
 * "Everyone", {"Group":[…]} and {"Member":"<amount>"}), and
 * delegation_balance_of answers from test-only `delegate` calls by the
 * contract's own account. */
#include "sdk.h"

/* Exported methods. */
void dao_new(void);
void dao_get_policy(void);
void dao_delegate(void);
void dao_delegation_balance_of(void);

SDK_EXPORT(new) void dao_new(void)
{
    const struct jr_value *a = sdk_args();
    const struct jr_value *policy = jr_req(a, "policy");
    jr_expect(policy, JR_OBJECT);
    jr_expect(jr_req(policy, "roles"), JR_ARRAY);
    struct buf b;
    struct jw w;
    buf_init(&b);
    jw_init(&w, &b);
    jw_value(&w, policy);
    storage_set("policy", 6, b.data, b.len);
}

SDK_EXPORT(get_policy) void dao_get_policy(void)
{
    size_t len;
    uint8_t *p = storage_get("policy", 6, &len);
    if (!p)
        sdk_panic("The contract is not initialized");
    sdk_return(p, len);
}

static void dkey(struct buf *k, const char *account)
{
    buf_init(k);
    buf_str(k, "d:");
    buf_str(k, account);
}

SDK_EXPORT(delegate) void dao_delegate(void)
{
    if (!sdk_streq(sdk_predecessor(), sdk_current_account()))
        sdk_panic("only the DAO account delegates in this fixture");
    const struct jr_value *a = sdk_args();
    const char *account = jr_as_account(jr_req(a, "account_id"));
    u128 amount = jr_as_u128_str(jr_req(a, "amount"));
    struct buf k, v;
    dkey(&k, account);
    buf_init(&v);
    buf_u128(&v, amount);
    storage_set(k.data, k.len, v.data, v.len);
}

SDK_EXPORT(delegation_balance_of) void dao_delegation_balance_of(void)
{
    const struct jr_value *a = sdk_args();
    struct buf k;
    size_t len;
    dkey(&k, jr_as_account(jr_req(a, "account_id")));
    uint8_t *raw = storage_get(k.data, k.len, &len);
    u128 v = 0;
    if (raw && !u128_parse((const char *)raw, len, &v))
        sdk_panic("corrupt delegation");
    struct sdk_reply r;
    jw_u128_str(sdk_reply_begin(&r), v);
    sdk_reply_end(&r);
}
