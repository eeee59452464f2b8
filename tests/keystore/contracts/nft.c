/* nft.c — a minimal non-fungible token for the keystore's NftOwned tests:
 * nft_token and nft_tokens_for_owner as NEP-171/181 answer them, plus a
 * test-only `mint` by the contract's own account. One token per owner is
 * remembered for nft_tokens_for_owner (enough for limit 1). */
#include "sdk.h"

/* Exported methods. */
void nft_mint(void);
void nft_token(void);
void nft_tokens_for_owner(void);

static void key(struct buf *k, const char *prefix, const char *id)
{
    buf_init(k);
    buf_str(k, prefix);
    buf_str(k, id);
}

static void write_token(struct jw *w, const char *token_id, const char *owner, size_t owner_len)
{
    jw_obj_begin(w);
    jw_key(w, "token_id");
    jw_cstr(w, token_id);
    jw_key(w, "owner_id");
    jw_str(w, owner, owner_len);
    jw_key(w, "metadata");
    jw_null(w);
    jw_obj_end(w);
}

SDK_EXPORT(mint) void nft_mint(void)
{
    if (!sdk_streq(sdk_predecessor(), sdk_current_account()))
        sdk_panic("only the token account mints");
    const struct jr_value *a = sdk_args();
    size_t tlen;
    const char *token = jr_as_str(jr_req(a, "token_id"), &tlen);
    const char *owner = jr_as_account(jr_req(a, "owner_id"));
    struct buf kt, ko;
    key(&kt, "t:", token);
    if (storage_has(kt.data, kt.len))
        sdk_panic("token exists");
    storage_set(kt.data, kt.len, owner, strlen(owner));
    key(&ko, "o:", owner);
    storage_set(ko.data, ko.len, token, tlen);
}

SDK_EXPORT(nft_token) void nft_token(void)
{
    const struct jr_value *a = sdk_args();
    const char *token = jr_as_str(jr_req(a, "token_id"), NULL);
    struct buf k;
    size_t len;
    key(&k, "t:", token);
    uint8_t *owner = storage_get(k.data, k.len, &len);
    struct sdk_reply r;
    struct jw *w = sdk_reply_begin(&r);
    if (owner)
        write_token(w, token, (const char *)owner, len);
    else
        jw_null(w);
    sdk_reply_end(&r);
}

SDK_EXPORT(nft_tokens_for_owner) void nft_tokens_for_owner(void)
{
    const struct jr_value *a = sdk_args();
    const char *owner = jr_as_account(jr_req(a, "account_id"));
    const struct jr_value *limit = jr_opt(a, "limit");
    struct buf k, t;
    size_t len;
    key(&k, "o:", owner);
    uint8_t *token = storage_get(k.data, k.len, &len);
    struct sdk_reply r;
    struct jw *w = sdk_reply_begin(&r);
    jw_arr_begin(w);
    if (token && (!limit || jr_as_u64(limit) > 0)) {
        buf_init(&t);
        buf_put(&t, token, len);
        write_token(w, buf_cstr(&t), owner, strlen(owner));
    }
    jw_arr_end(w);
    sdk_reply_end(&r);
}
