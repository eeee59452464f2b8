/*
 * actions_json.c — actions between the forms the devnet meets them in:
 * NEAR's ActionView JSON (how receipts are stored) and the VM layer's
 * actions (what a contract created), both as src/near's near_action.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devnet/devnet.h"
#include "devnet/runtime_internal.h"
#include "near/account_id.h"
#include "near/encoding.h"
#include "near/tx_json.h"

/* ---- parsed actions (from ActionView JSON) ---- */

int devnet_rt_u128_field(json_t *o, const char *k, near_u128 *out)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && near_u128_parse(s, out) == NEAR_OK ? 0 : -1;
}

static int pk_field(json_t *o, const char *k, near_public_key *out)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && devnet_public_key_parse(s, out) == DEVNET_OK ? 0 : -1;
}

static int b64_field(json_t *o, const char *k, uint8_t **out, size_t *len)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && near_base64_decode(s, out, len) == NEAR_OK ? 0 : -1;
}

int devnet_rt_action_from_view(json_t *v, near_action *a)
{
    memset(a, 0, sizeof *a);
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "CreateAccount") != 0) return -1;
        a->kind = NEAR_ACTION_CREATE_ACCOUNT;
        return 0;
    }
    if (!json_is_object(v) || json_object_size(v) != 1) return -1;
    void *it = json_object_iter(v);
    const char *name = json_object_iter_key(it);
    json_t *f = json_object_iter_value(it);
    if (!name || !f) return -1;
    if (!strcmp(name, "DeployContract")) {
        a->kind = NEAR_ACTION_DEPLOY_CONTRACT;
        return b64_field(f, "code", &a->bytes, &a->bytes_len);
    }
    if (!strcmp(name, "FunctionCall")) {
        a->kind = NEAR_ACTION_FUNCTION_CALL;
        const char *m = json_string_value(json_object_get(f, "method_name"));
        a->method_name = strdup(m ? m : "");
        a->gas = (uint64_t)json_integer_value(json_object_get(f, "gas"));
        if (!a->method_name || devnet_rt_u128_field(f, "deposit", &a->amount)) return -1;
        return b64_field(f, "args", &a->bytes, &a->bytes_len);
    }
    if (!strcmp(name, "Transfer")) {
        a->kind = NEAR_ACTION_TRANSFER;
        return devnet_rt_u128_field(f, "deposit", &a->amount);
    }
    if (!strcmp(name, "Stake")) {
        a->kind = NEAR_ACTION_STAKE;
        return devnet_rt_u128_field(f, "stake", &a->amount) || pk_field(f, "public_key", &a->public_key) ? -1 : 0;
    }
    if (!strcmp(name, "AddKey")) {
        a->kind = NEAR_ACTION_ADD_KEY;
        json_t *ak = json_object_get(f, "access_key");
        if (pk_field(f, "public_key", &a->public_key) ||
            devnet_permission_parse(json_object_get(ak, "permission"), &a->access_key))
            return -1;
        a->access_key.nonce = (uint64_t)json_integer_value(json_object_get(ak, "nonce"));
        return 0;
    }
    if (!strcmp(name, "DeleteKey")) {
        a->kind = NEAR_ACTION_DELETE_KEY;
        return pk_field(f, "public_key", &a->public_key);
    }
    if (!strcmp(name, "Delegate")) {
        a->kind = NEAR_ACTION_DELEGATE;
        json_t *dv = json_object_get(f, "delegate_action");
        const char *sig = json_string_value(json_object_get(f, "signature"));
        const char *sender = json_string_value(json_object_get(dv, "sender_id"));
        const char *recv = json_string_value(json_object_get(dv, "receiver_id"));
        json_t *inner = json_object_get(dv, "actions");
        a->delegate = calloc(1, sizeof *a->delegate);
        if (!a->delegate || !sig || !sender || !recv || near_signature_parse(sig, &a->delegate->signature)) return -1;
        near_delegate_action *da = &a->delegate->delegate_action;
        da->sender_id = strdup(sender);
        da->receiver_id = strdup(recv);
        da->nonce = (uint64_t)json_integer_value(json_object_get(dv, "nonce"));
        da->max_block_height = (uint64_t)json_integer_value(json_object_get(dv, "max_block_height"));
        size_t k = json_array_size(inner);
        da->actions = calloc(k ? k : 1, sizeof *da->actions);
        if (!da->sender_id || !da->receiver_id || !da->actions || pk_field(dv, "public_key", &da->public_key))
            return -1;
        for (size_t i = 0; i < k; i++) {
            da->n_actions = i + 1;
            if (devnet_rt_action_from_view(json_array_get(inner, i), &da->actions[i])) return -1;
        }
        return 0;
    }
    if (!strcmp(name, "DeleteAccount")) {
        a->kind = NEAR_ACTION_DELETE_ACCOUNT;
        const char *b = json_string_value(json_object_get(f, "beneficiary_id"));
        a->beneficiary_id = strdup(b ? b : "");
        return a->beneficiary_id ? 0 : -1;
    }
    return -1;
}

/* The VM layer keeps its own action kinds (it does not depend on src/near);
 * the conversion below is by value, so the two enums must agree. */
#define SAME_KIND(k) _Static_assert((int)NEARVM_ACTION_##k == (int)NEAR_ACTION_##k, "action kind " #k)
SAME_KIND(CREATE_ACCOUNT);
SAME_KIND(DEPLOY_CONTRACT);
SAME_KIND(FUNCTION_CALL);
SAME_KIND(TRANSFER);
SAME_KIND(STAKE);
SAME_KIND(ADD_KEY);
SAME_KIND(DELETE_KEY);
SAME_KIND(DELETE_ACCOUNT);
#undef SAME_KIND

/* A VM action seen as a near_action (borrowed pointers; never freed). */
void devnet_rt_vm_action_view(const nearvm_action *v, near_action *a)
{
    memset(a, 0, sizeof *a);
    a->kind = (near_action_kind)v->kind;
    a->method_name = v->method_name;
    a->bytes = v->args;
    a->bytes_len = v->args_len;
    a->gas = v->gas;
    a->amount = v->deposit;
    if (v->public_key_len > 1) {
        a->public_key.type = (near_key_type)v->public_key[0];
        memcpy(a->public_key.data, v->public_key + 1, v->public_key_len - 1);
    }
    a->access_key.nonce = v->nonce;
    a->access_key.full_access = v->full_access;
    a->access_key.has_allowance = v->has_allowance;
    a->access_key.allowance = v->allowance;
    a->access_key.receiver_id = v->receiver_id;
    a->access_key.method_names = v->method_names;
    a->access_key.n_method_names = v->method_names_count;
    a->beneficiary_id = v->beneficiary_id;
}
