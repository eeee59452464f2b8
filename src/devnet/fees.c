/*
 * fees.c — what actions cost in gas, with nearcore's action fees (the same
 * table the VM layer charges for receipts created by contracts, so a parent
 * receipt reserves exactly what its children later burn).
 *
 * A transaction's signer pays at conversion time for: the send fees (burnt
 * at once), the execution fees (reserved and burnt when the receipt runs),
 * the gas attached to function calls, and the deposits. With one constant
 * gas price the purchase price equals the burn price.
 */
#include <string.h>

#include "devnet/devnet.h"
#include "nearvm/costs.h"
#include "near/account_id.h"

/* Delegate (NEP-366 meta transactions): not in the VM's table (contracts
 * cannot create it). */
#define FEE_DELEGATE ((nearvm_fee){200000000000ull, 200000000000ull, 200000000000ull})

static uint64_t send_fee(nearvm_fee f, bool sir) { return sir ? f.send_sir : f.send_not_sir; }

/* Sums over a transaction's untrusted amounts saturate instead of wrapping:
 * a saturated cost can never be paid (and overflows the checked total), so
 * the transaction is refused rather than charged a wrapped-around price. */
static uint64_t add_sat_u64(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static near_u128 add_sat_u128(near_u128 a, near_u128 b) { return a > NEAR_U128_MAX - b ? NEAR_U128_MAX : a + b; }

static int action_fees(const near_action *a, bool sir, bool implicit_receiver, uint64_t *send, uint64_t *exec);

/* A delegate action makes one more receipt, from its sender to its
 * receiver, with the inner actions; the relayer pays for all of it. */
static int delegate_fees(const near_delegate_action *da, bool sir, uint64_t *send, uint64_t *exec)
{
    bool inner_sir = strcmp(da->sender_id, da->receiver_id) == 0;
    bool implicit = near_account_id_kind(da->receiver_id) == NEAR_ACCOUNT_NEAR_IMPLICIT;
    *send += send_fee(FEE_DELEGATE, sir) + send_fee(FEE_ACTION_RECEIPT, inner_sir);
    *exec += FEE_DELEGATE.execution + FEE_ACTION_RECEIPT.execution;
    for (size_t i = 0; i < da->n_actions; i++)
        if (action_fees(&da->actions[i], inner_sir, implicit, send, exec))
            return -1;
    return 0;
}

void devnet_delegate_inner(const near_delegate_action *da, uint64_t *exec, uint64_t *prepaid, near_u128 *deposits)
{
    uint64_t send = 0;
    bool implicit = near_account_id_kind(da->receiver_id) == NEAR_ACCOUNT_NEAR_IMPLICIT;
    *exec = FEE_ACTION_RECEIPT.execution;
    *prepaid = 0;
    *deposits = 0;
    for (size_t i = 0; i < da->n_actions; i++) {
        const near_action *a = &da->actions[i];
        action_fees(a, false, implicit, &send, exec);
        if (a->kind == NEAR_ACTION_FUNCTION_CALL)
            *prepaid = add_sat_u64(*prepaid, a->gas);
        if (a->kind == NEAR_ACTION_FUNCTION_CALL || a->kind == NEAR_ACTION_TRANSFER)
            *deposits = add_sat_u128(*deposits, a->amount);
    }
}

static int action_fees(const near_action *a, bool sir, bool implicit_receiver, uint64_t *send, uint64_t *exec)
{
    nearvm_fee base, byte;
    uint64_t bytes = 0;
    switch (a->kind) {
    case NEAR_ACTION_CREATE_ACCOUNT:
        base = FEE_CREATE_ACCOUNT;
        byte = (nearvm_fee){0, 0, 0};
        break;
    case NEAR_ACTION_DEPLOY_CONTRACT:
        base = FEE_DEPLOY_BASE;
        byte = FEE_DEPLOY_BYTE;
        bytes = a->bytes_len;
        break;
    case NEAR_ACTION_FUNCTION_CALL:
        base = FEE_FUNCTION_CALL_BASE;
        byte = FEE_FUNCTION_CALL_BYTE;
        bytes = a->bytes_len + strlen(a->method_name ? a->method_name : "");
        break;
    case NEAR_ACTION_TRANSFER:
        base = FEE_TRANSFER;
        byte = (nearvm_fee){0, 0, 0};
        if (implicit_receiver) { /* may create the account and its key: nearcore charges it always */
            *send += send_fee(FEE_CREATE_ACCOUNT, sir) + send_fee(FEE_ADD_KEY_FULL, sir);
            *exec += FEE_CREATE_ACCOUNT.execution + FEE_ADD_KEY_FULL.execution;
        }
        break;
    case NEAR_ACTION_STAKE:
        base = FEE_STAKE;
        byte = (nearvm_fee){0, 0, 0};
        break;
    case NEAR_ACTION_ADD_KEY:
        if (a->access_key.full_access) {
            base = FEE_ADD_KEY_FULL;
            byte = (nearvm_fee){0, 0, 0};
        } else {
            base = FEE_ADD_KEY_FUNCTION_CALL;
            byte = FEE_ADD_KEY_FUNCTION_CALL_BYTE;
            for (size_t i = 0; i < a->access_key.n_method_names; i++)
                bytes += strlen(a->access_key.method_names[i]) + 1;
        }
        break;
    case NEAR_ACTION_DELETE_KEY:
        base = FEE_DELETE_KEY;
        byte = (nearvm_fee){0, 0, 0};
        break;
    case NEAR_ACTION_DELETE_ACCOUNT:
        base = FEE_DELETE_ACCOUNT;
        byte = (nearvm_fee){0, 0, 0};
        break;
    case NEAR_ACTION_DELEGATE: return a->delegate ? delegate_fees(&a->delegate->delegate_action, sir, send, exec) : -1;
    default: return -1;
    }
    *send += send_fee(base, sir) + send_fee(byte, sir) * bytes;
    *exec += base.execution + byte.execution * bytes;
    return 0;
}

devnet_status devnet_actions_cost(const near_action *actions, size_t n, bool sir, const char *receiver_id,
                                  devnet_tx_cost *out)
{
    bool implicit = near_account_id_kind(receiver_id) == NEAR_ACCOUNT_NEAR_IMPLICIT;
    memset(out, 0, sizeof *out);
    out->send_gas = send_fee(FEE_ACTION_RECEIPT, sir);
    out->exec_gas = FEE_ACTION_RECEIPT.execution;
    for (size_t i = 0; i < n; i++) {
        const near_action *a = &actions[i];
        if (action_fees(a, sir, implicit, &out->send_gas, &out->exec_gas))
            return DEVNET_ERR_INVALID;
        uint64_t prepaid = 0;
        near_u128 deposits = 0;
        if (a->kind == NEAR_ACTION_FUNCTION_CALL) {
            prepaid = a->gas;
            deposits = a->amount;
        } else if (a->kind == NEAR_ACTION_TRANSFER) {
            deposits = a->amount;
        } else if (a->kind == NEAR_ACTION_DELEGATE) {
            uint64_t exec;
            devnet_delegate_inner(&a->delegate->delegate_action, &exec, &prepaid, &deposits);
        }
        /* Amounts come from the transaction: NEAR answers CostOverflow. */
        if (out->prepaid_gas > UINT64_MAX - prepaid || near_u128_add(out->deposits, deposits, &out->deposits))
            return DEVNET_ERR_INVALID;
        out->prepaid_gas += prepaid;
    }
    near_u128 gas = (near_u128)out->send_gas + out->exec_gas + out->prepaid_gas;
    near_u128 t;
    if (near_u128_mul(gas, DEVNET_GAS_PRICE, &t) || near_u128_add(t, out->deposits, &out->total))
        return DEVNET_ERR_INVALID;
    return DEVNET_OK;
}

uint64_t devnet_actions_exec_fee(const near_action *actions, size_t n, const char *receiver_id)
{
    bool implicit = near_account_id_kind(receiver_id) == NEAR_ACCOUNT_NEAR_IMPLICIT;
    uint64_t send = 0, exec = FEE_ACTION_RECEIPT.execution;
    for (size_t i = 0; i < n; i++)
        action_fees(&actions[i], false, implicit, &send, &exec);
    return exec;
}
