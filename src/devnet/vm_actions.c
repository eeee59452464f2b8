/*
 * vm_actions.c — the NEAR VM's actions (what a contract created) seen as
 * src/near's near_action, the form the devnet stores and executes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devnet/devnet.h"
#include "devnet/runtime_internal.h"
#include "near/account_id.h"
#include "near/encoding.h"
#include "near/tx_json.h"

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
