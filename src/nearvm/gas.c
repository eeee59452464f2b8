/*
 * gas.c — NEAR's gas counter on top of the engine's instruction fuel.
 *
 * Two totals, as in nearcore: `burnt` (really consumed: wasm instructions,
 * host-function costs, send fees of new receipts) and `used` = burnt + gas
 * prepaid to the receipts this call creates. A call may neither burn more
 * than max_gas_burnt (GasLimitExceeded) nor use more than its prepaid gas
 * (GasExceeded); on either, the counters are clamped to the limit, as
 * nearcore's process_gas_limit does, so a failed call burns what it had.
 *
 * Wasm instructions are the engine's fuel: before control returns to wasm
 * the store gets floor(remaining gas / 822,756) fuel, and at every host call
 * the fuel spent since is converted back into burnt gas. Running out of fuel
 * is therefore exactly "the next instruction would cross the limit".
 */
#include "nearvm/internal.h"

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

uint64_t nearvm_gas_used(const nearvm_logic *L) { return L->burnt + L->promises_gas; }

static bool gas_limit(nearvm_logic *L, uint64_t new_burnt, uint64_t new_used)
{
    uint64_t hard_burnt = min_u64(L->prepaid_gas, L->max_gas_burnt);
    L->burnt = min_u64(new_burnt, hard_burnt);
    L->promises_gas = min_u64(new_used, L->prepaid_gas) - L->burnt;
    /* When both limits are crossed nearcore reports GasLimitExceeded. */
    if (new_burnt > L->max_gas_burnt)
        return nearvm_host_error(L, "GasLimitExceeded", "GasLimitExceeded",
                                 "Exceeded the maximum amount of gas allowed to burn per contract.");
    return nearvm_host_error(L, "GasExceeded", "GasExceeded", "Exceeded the prepaid gas.");
}

bool nearvm_gas_deduct(nearvm_logic *L, uint64_t burn, uint64_t use)
{
    uint64_t new_promises, new_burnt, new_used;
    if (__builtin_add_overflow(L->promises_gas, use - burn, &new_promises) ||
        __builtin_add_overflow(L->burnt, burn, &new_burnt) ||
        __builtin_add_overflow(new_burnt, new_promises, &new_used))
        return nearvm_err_overflow(L);
    if (new_burnt <= L->max_gas_burnt && new_used <= L->prepaid_gas) {
        L->burnt = new_burnt;
        L->promises_gas = new_promises;
        return true;
    }
    return gas_limit(L, new_burnt, new_used);
}

bool nearvm_gas(nearvm_logic *L, uint64_t gas) { return nearvm_gas_deduct(L, gas, gas); }

bool nearvm_gas_per(nearvm_logic *L, uint64_t per_unit, uint64_t units)
{
    uint64_t gas;
    if (__builtin_mul_overflow(per_unit, units, &gas))
        return nearvm_err_overflow(L);
    return nearvm_gas(L, gas);
}

bool nearvm_gas_prepay(nearvm_logic *L, uint64_t gas) { return nearvm_gas_deduct(L, 0, gas); }

bool nearvm_pay_action(nearvm_logic *L, nearvm_fee fee, bool sir)
{
    uint64_t burn = sir ? fee.send_sir : fee.send_not_sir;
    uint64_t use;
    if (__builtin_add_overflow(burn, fee.execution, &use))
        return nearvm_err_overflow(L);
    return nearvm_gas_deduct(L, burn, use);
}

bool nearvm_pay_action_per_byte(nearvm_logic *L, nearvm_fee fee, uint64_t bytes, bool sir)
{
    uint64_t burn, exec, use;
    if (__builtin_mul_overflow(sir ? fee.send_sir : fee.send_not_sir, bytes, &burn) ||
        __builtin_mul_overflow(fee.execution, bytes, &exec) || __builtin_add_overflow(burn, exec, &use))
        return nearvm_err_overflow(L);
    return nearvm_gas_deduct(L, burn, use);
}

void nearvm_gas_sync(nearvm_logic *L)
{
    uint64_t left = olw_store_fuel_remaining(L->store);
    uint64_t ran = L->fuel_given > left ? L->fuel_given - left : 0;
    L->fuel_given = left;
    L->instructions += ran;
    /* The fuel handed out never exceeds what the gas budget allows, so this
     * cannot cross a limit; deduct anyway to keep a single code path. */
    nearvm_gas(L, ran * COST_REGULAR_OP);
}

void nearvm_gas_refuel(nearvm_logic *L)
{
    uint64_t used = nearvm_gas_used(L);
    uint64_t by_prepaid = L->prepaid_gas > used ? L->prepaid_gas - used : 0;
    uint64_t by_burnt = L->max_gas_burnt > L->burnt ? L->max_gas_burnt - L->burnt : 0;
    L->fuel_given = min_u64(by_prepaid, by_burnt) / COST_REGULAR_OP;
    olw_store_set_fuel(L->store, L->fuel_given);
}

bool nearvm_gas_out_of_fuel(nearvm_logic *L)
{
    nearvm_gas_sync(L);
    if (L->failed)
        return false;
    /* The next instruction needed gas the call did not have. */
    return gas_limit(L, L->burnt + COST_REGULAR_OP, nearvm_gas_used(L) + COST_REGULAR_OP);
}
