/* tx_json.c — ActionView / SignedTransactionView JSON. */
#include "near/tx_json.h"

#include <stdint.h>
#include <stdlib.h>

#include "near/encoding.h"

static json_t *u64_json(uint64_t v)
{
    if (v <= INT64_MAX)
        return json_integer((json_int_t)v);
    char dec[NEAR_U128_DEC_MAX];
    return json_string(near_u128_format(v, dec));
}

static json_t *u128_json(near_u128 v)
{
    char dec[NEAR_U128_DEC_MAX];
    return json_string(near_u128_format(v, dec));
}

static json_t *pk_json(const near_public_key *pk)
{
    char text[NEAR_KEY_TEXT_MAX];
    return json_string(near_public_key_format(pk, text));
}

static json_t *b64_json(const uint8_t *data, size_t len)
{
    char *s = near_base64_encode(data, len);
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    return j;
}

/* {"Name": body} — or NULL if body is NULL. */
static json_t *variant(const char *name, json_t *body) { return body ? json_pack("{s:o}", name, body) : NULL; }

json_t *near_access_key_view_json(const near_access_key *ak)
{
    json_t *perm;
    if (ak->full_access) {
        perm = json_string("FullAccess");
    } else {
        json_t *names = json_array();
        for (size_t i = 0; names && i < ak->n_method_names; i++)
            json_array_append_new(names, json_string(ak->method_names[i]));
        perm = json_pack("{s:{s:o, s:s, s:o}}", "FunctionCall", "allowance",
                         ak->has_allowance ? u128_json(ak->allowance) : json_null(), "receiver_id",
                         ak->receiver_id ? ak->receiver_id : "", "method_names", names);
    }
    return json_pack("{s:o, s:o}", "nonce", u64_json(ak->nonce), "permission", perm);
}

static json_t *actions_json(const near_action *actions, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *a = near_action_view(&actions[i]);
        if (!a || json_array_append_new(arr, a)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *near_delegate_action_view(const near_delegate_action *da)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "sender_id", da->sender_id ? da->sender_id : "", "receiver_id",
                     da->receiver_id ? da->receiver_id : "", "actions", actions_json(da->actions, da->n_actions),
                     "nonce", u64_json(da->nonce), "max_block_height", u64_json(da->max_block_height), "public_key",
                     pk_json(&da->public_key));
}

json_t *near_action_view(const near_action *a)
{
    char sig[NEAR_KEY_TEXT_MAX];
    switch (a->kind) {
    case NEAR_ACTION_CREATE_ACCOUNT: return json_string("CreateAccount");
    case NEAR_ACTION_DEPLOY_CONTRACT:
        return variant("DeployContract", json_pack("{s:o}", "code", b64_json(a->bytes, a->bytes_len)));
    case NEAR_ACTION_FUNCTION_CALL:
        return variant("FunctionCall",
                       json_pack("{s:s, s:o, s:o, s:o}", "method_name", a->method_name ? a->method_name : "", "args",
                                 b64_json(a->bytes, a->bytes_len), "gas", u64_json(a->gas), "deposit",
                                 u128_json(a->amount)));
    case NEAR_ACTION_TRANSFER: return variant("Transfer", json_pack("{s:o}", "deposit", u128_json(a->amount)));
    case NEAR_ACTION_STAKE:
        return variant("Stake",
                       json_pack("{s:o, s:o}", "stake", u128_json(a->amount), "public_key", pk_json(&a->public_key)));
    case NEAR_ACTION_ADD_KEY:
        return variant("AddKey", json_pack("{s:o, s:o}", "public_key", pk_json(&a->public_key), "access_key",
                                           near_access_key_view_json(&a->access_key)));
    case NEAR_ACTION_DELETE_KEY: return variant("DeleteKey", json_pack("{s:o}", "public_key", pk_json(&a->public_key)));
    case NEAR_ACTION_DELETE_ACCOUNT:
        return variant("DeleteAccount",
                       json_pack("{s:s}", "beneficiary_id", a->beneficiary_id ? a->beneficiary_id : ""));
    case NEAR_ACTION_DELEGATE:
        if (!a->delegate)
            return NULL;
        return variant("Delegate", json_pack("{s:o, s:s}", "delegate_action",
                                             near_delegate_action_view(&a->delegate->delegate_action), "signature",
                                             near_signature_format(&a->delegate->signature, sig)));
    }
    return NULL;
}

json_t *near_signed_transaction_view(const near_signed_transaction *stx)
{
    const near_transaction *tx = &stx->transaction;
    uint8_t hash[NEAR_HASH_LEN];
    char hash_text[64], sig[NEAR_KEY_TEXT_MAX];
    if (near_transaction_hash(tx, hash) != 0)
        return NULL;
    near_base58_encode(hash, NEAR_HASH_LEN, hash_text, sizeof hash_text);
    return json_pack("{s:s, s:o, s:o, s:s, s:o, s:i, s:s, s:s}", "signer_id", tx->signer_id ? tx->signer_id : "",
                     "public_key", pk_json(&tx->public_key), "nonce", u64_json(tx->nonce), "receiver_id",
                     tx->receiver_id ? tx->receiver_id : "", "actions", actions_json(tx->actions, tx->n_actions),
                     "priority_fee", 0, "signature", near_signature_format(&stx->signature, sig), "hash", hash_text);
}
