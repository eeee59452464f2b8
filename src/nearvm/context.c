/*
 * context.c — getters for the call's context: accounts, block, balances,
 * gas, the random seed, and validator stake (always 0: the devnet has no
 * validators).
 *
 * Getters marked "PIV" in nearcore fail with ProhibitedInView in view calls.
 */
#include "nearvm/internal.h"

#include <stdlib.h>
#include <string.h>

static bool write_string(nearvm_logic *L, uint64_t reg, const char *s)
{
    s = s ? s : "";
    return nearvm_register_write(L, reg, s, strlen(s));
}

static bool h_current_account_id(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return nearvm_gas(L, COST_BASE) && write_string(L, a[0], L->ctx->current_account_id);
}

static bool h_signer_account_id(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!nearvm_gas(L, COST_BASE))
        return false;
    if (L->ctx->is_view)
        return nearvm_err_prohibited(L, "signer_account_id");
    return write_string(L, a[0], L->ctx->signer_account_id);
}

static bool h_signer_account_pk(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!nearvm_gas(L, COST_BASE))
        return false;
    if (L->ctx->is_view)
        return nearvm_err_prohibited(L, "signer_account_pk");
    return nearvm_register_write(L, a[0], L->ctx->signer_account_pk, L->ctx->signer_account_pk_len);
}

static bool h_predecessor_account_id(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!nearvm_gas(L, COST_BASE))
        return false;
    if (L->ctx->is_view)
        return nearvm_err_prohibited(L, "predecessor_account_id");
    return write_string(L, a[0], L->ctx->predecessor_account_id);
}

static bool h_chain_id(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return nearvm_gas(L, COST_BASE) && write_string(L, a[0], L->ctx->chain_id ? L->ctx->chain_id : "localnet");
}

static bool h_block_index(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    r[0] = L->ctx->block_height;
    return nearvm_gas(L, COST_BASE);
}

static bool h_block_timestamp(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    r[0] = L->ctx->block_timestamp;
    return nearvm_gas(L, COST_BASE);
}

static bool h_epoch_height(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    r[0] = L->ctx->epoch_height;
    return nearvm_gas(L, COST_BASE);
}

static bool h_storage_usage(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    r[0] = L->storage_usage;
    return nearvm_gas(L, COST_BASE);
}

static bool h_account_balance(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return nearvm_gas(L, COST_BASE) && nearvm_mem_write_u128(L, a[0], L->balance);
}

static bool h_account_locked_balance(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return nearvm_gas(L, COST_BASE) && nearvm_mem_write_u128(L, a[0], L->ctx->account_locked_balance);
}

static bool h_attached_deposit(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return nearvm_gas(L, COST_BASE) && nearvm_mem_write_u128(L, a[0], L->ctx->attached_deposit);
}

static bool h_prepaid_gas(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!nearvm_gas(L, COST_BASE))
        return false;
    if (L->ctx->is_view)
        return nearvm_err_prohibited(L, "prepaid_gas");
    r[0] = L->prepaid_gas;
    return true;
}

static bool h_used_gas(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!nearvm_gas(L, COST_BASE))
        return false;
    if (L->ctx->is_view)
        return nearvm_err_prohibited(L, "used_gas");
    r[0] = nearvm_gas_used(L);
    return true;
}

static bool h_random_seed(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return nearvm_gas(L, COST_BASE) && nearvm_register_write(L, a[0], L->ctx->random_seed, 32);
}

static bool h_validator_stake(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    char *id;
    if (!nearvm_gas(L, COST_BASE) || !nearvm_read_account_id(L, a[0], a[1], &id))
        return false;
    free(id);
    return nearvm_gas(L, COST_VALIDATOR_STAKE_BASE) && nearvm_mem_write_u128(L, a[2], 0);
}

static bool h_validator_total_stake(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return nearvm_gas(L, COST_BASE) && nearvm_gas(L, COST_VALIDATOR_TOTAL_STAKE_BASE) &&
           nearvm_mem_write_u128(L, a[0], 0);
}

/* The legacy per-basic-block gas import of pre-finite-wasm contracts. */
static bool h_gas(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return nearvm_gas_per(L, COST_REGULAR_OP, (uint32_t)a[0]);
}

const nearvm_host_fn nearvm_fns_context[] = {
    {"current_account_id", "I>", h_current_account_id},
    {"signer_account_id", "I>", h_signer_account_id},
    {"signer_account_pk", "I>", h_signer_account_pk},
    {"predecessor_account_id", "I>", h_predecessor_account_id},
    {"chain_id", "I>", h_chain_id},
    {"block_index", ">I", h_block_index},
    {"block_height", ">I", h_block_index},
    {"block_timestamp", ">I", h_block_timestamp},
    {"epoch_height", ">I", h_epoch_height},
    {"storage_usage", ">I", h_storage_usage},
    {"account_balance", "I>", h_account_balance},
    {"account_locked_balance", "I>", h_account_locked_balance},
    {"attached_deposit", "I>", h_attached_deposit},
    {"prepaid_gas", ">I", h_prepaid_gas},
    {"used_gas", ">I", h_used_gas},
    {"random_seed", "I>", h_random_seed},
    {"validator_stake", "III>", h_validator_stake},
    {"validator_total_stake", "I>", h_validator_total_stake},
    {"gas", "i>", h_gas},
    {NULL, NULL, NULL},
};
