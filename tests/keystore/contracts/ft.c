/* ft.c — a minimal fungible token for the keystore's FtBalance tests:
 * ft_balance_of as NEP-141 answers it (a U128 decimal string), plus a
 * test-only `mint` by the contract's own account. */
#include "sdk.h"

/* Exported methods. */
void ft_mint(void);
void ft_balance_of(void);

static void key_of(struct buf *k, const char *account)
{
    buf_init(k);
    buf_str(k, "b:");
    buf_str(k, account);
}

static u128 balance_of(const char *account)
{
    struct buf k;
    size_t len;
    key_of(&k, account);
    uint8_t *raw = storage_get(k.data, k.len, &len);
    u128 v = 0;
    if (raw && !u128_parse((const char *)raw, len, &v))
        sdk_panic("corrupt balance");
    return v;
}

SDK_EXPORT(mint) void ft_mint(void)
{
    if (!sdk_streq(sdk_predecessor(), sdk_current_account()))
        sdk_panic("only the token account mints");
    const struct jr_value *a = sdk_args();
    const char *account = jr_as_account(jr_req(a, "account_id"));
    u128 amount = jr_as_u128_str(jr_req(a, "amount"));
    struct buf k, v;
    key_of(&k, account);
    buf_init(&v);
    buf_u128(&v, u128_add(balance_of(account), amount));
    storage_set(k.data, k.len, v.data, v.len);
}

SDK_EXPORT(ft_balance_of) void ft_balance_of(void)
{
    const struct jr_value *a = sdk_args();
    struct sdk_reply r;
    jw_u128_str(sdk_reply_begin(&r), balance_of(jr_as_account(jr_req(a, "account_id"))));
    sdk_reply_end(&r);
}
