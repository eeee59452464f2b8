/*
 * registers.c — guest memory access, registers and "memory or register"
 * inputs, with nearcore's charges: gas is always paid before the bounds
 * check, so a bad pointer still costs what the read would have.
 *
 * Registers have arbitrary u64 ids (near-sdk uses u64::MAX-2 and u64::MAX-1)
 * but there are at most 100 of them, so a small array searched linearly is
 * both simple and fast.
 */
#include "nearvm/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool nearvm_mem_read(nearvm_logic *L, uint64_t ptr, uint64_t len, const uint8_t **out)
{
    if (!nearvm_gas(L, COST_READ_MEMORY_BASE) || !nearvm_gas_per(L, COST_READ_MEMORY_BYTE, len))
        return false;
    uint8_t *p = olw_memory_ptr(L->memory, ptr, len);
    if (!p)
        return nearvm_err_memory(L);
    *out = p;
    return true;
}

bool nearvm_mem_write(nearvm_logic *L, uint64_t ptr, const void *data, uint64_t len)
{
    if (!nearvm_gas(L, COST_WRITE_MEMORY_BASE) || !nearvm_gas_per(L, COST_WRITE_MEMORY_BYTE, len))
        return false;
    uint8_t *p = olw_memory_ptr(L->memory, ptr, len);
    if (!p)
        return nearvm_err_memory(L);
    if (len)
        memmove(p, data, len);
    return true;
}

bool nearvm_mem_read_u128(nearvm_logic *L, uint64_t ptr, nearvm_u128 *out)
{
    const uint8_t *p;
    if (!nearvm_mem_read(L, ptr, 16, &p))
        return false;
    nearvm_u128 v = 0;
    for (int i = 15; i >= 0; i--)
        v = v << 8 | p[i];
    *out = v;
    return true;
}

bool nearvm_mem_write_u128(nearvm_logic *L, uint64_t ptr, nearvm_u128 v)
{
    uint8_t b[16];
    for (int i = 0; i < 16; i++, v >>= 8)
        b[i] = (uint8_t)v;
    return nearvm_mem_write(L, ptr, b, 16);
}

nearvm_register *nearvm_register_find(nearvm_logic *L, uint64_t id)
{
    for (size_t i = 0; i < L->nregisters; i++)
        if (L->registers[i].id == id)
            return &L->registers[i];
    return NULL;
}

static bool register_write(nearvm_logic *L, uint64_t id, const void *data, size_t len, bool charge_bytes)
{
    if (!nearvm_gas(L, COST_WRITE_REGISTER_BASE) || (charge_bytes && !nearvm_gas_per(L, COST_WRITE_REGISTER_BYTE, len)))
        return false;
    if (len > LIMIT_MAX_REGISTER_SIZE)
        return nearvm_err_memory(L);
    /* nearcore counts 8 bytes of bookkeeping per register toward the limit */
    nearvm_register *r = nearvm_register_find(L, id);
    uint64_t old = r ? r->len + 8 : 0;
    /* nearcore checks the count before looking the id up, so at the limit
     * even replacing an existing register fails (a bug kept in the protocol) */
    if (L->nregisters >= LIMIT_MAX_NUMBER_REGISTERS)
        return nearvm_err_memory(L);
    if (L->registers_bytes - old + len + 8 > LIMIT_REGISTERS_MEMORY)
        return nearvm_err_memory(L);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return nearvm_err_oom(L);
    if (len)
        memcpy(copy, data, len); /* data may alias the old value: copy first */
    if (!r) {
        if (!L->registers) {
            L->registers = calloc(LIMIT_MAX_NUMBER_REGISTERS, sizeof *L->registers);
            if (!L->registers) {
                free(copy);
                return nearvm_err_oom(L);
            }
        }
        r = &L->registers[L->nregisters++];
        r->id = id;
        r->data = NULL;
    }
    free(r->data);
    r->data = copy;
    r->len = len;
    L->registers_bytes = L->registers_bytes - old + len + 8;
    return true;
}

bool nearvm_register_write(nearvm_logic *L, uint64_t id, const void *data, size_t len)
{
    return register_write(L, id, data, len, true);
}

/* The call's input and promise results are shared with the register rather
 * than copied in nearcore (set_rc_data): since deterministic account ids
 * (PV 85) only write_register_base is charged for them. */
bool nearvm_register_write_shared(nearvm_logic *L, uint64_t id, const void *data, size_t len)
{
    return register_write(L, id, data, len, false);
}

void nearvm_registers_free(nearvm_logic *L)
{
    for (size_t i = 0; i < L->nregisters; i++)
        free(L->registers[i].data);
    free(L->registers);
    L->registers = NULL;
    L->nregisters = 0;
}

static bool register_get(nearvm_logic *L, uint64_t id, const uint8_t **out, size_t *out_len)
{
    nearvm_register *r = nearvm_register_find(L, id);
    if (!r) {
        char dbg[80];
        snprintf(dbg, sizeof dbg, "InvalidRegisterId { register_id: %llu }", (unsigned long long)id);
        return nearvm_host_error(L, "InvalidRegisterId", dbg, "Accessed invalid register id: %llu",
                                 (unsigned long long)id);
    }
    if (!nearvm_gas(L, COST_READ_REGISTER_BASE) || !nearvm_gas_per(L, COST_READ_REGISTER_BYTE, r->len))
        return false;
    *out = r->data;
    *out_len = r->len;
    return true;
}

bool nearvm_read_input(nearvm_logic *L, uint64_t len, uint64_t ptr, const uint8_t **out, size_t *out_len)
{
    if (len == UINT64_MAX)
        return register_get(L, ptr, out, out_len);
    if (!nearvm_mem_read(L, ptr, len, out))
        return false;
    *out_len = (size_t)len;
    return true;
}

bool nearvm_read_utf8(nearvm_logic *L, uint64_t len, uint64_t ptr, char **out, size_t *out_len)
{
    const uint8_t *p;
    size_t n;
    if (!nearvm_read_input(L, len, ptr, &p, &n))
        return false;
    if (!nearvm_gas(L, COST_UTF8_DECODING_BASE) || !nearvm_gas_per(L, COST_UTF8_DECODING_BYTE, n))
        return false;
    if (!near_utf8_valid(p, n))
        return nearvm_err_bad_utf8(L);
    char *s = malloc(n + 1);
    if (!s)
        return nearvm_err_oom(L);
    memcpy(s, p, n);
    s[n] = 0;
    *out = s;
    if (out_len)
        *out_len = n;
    return true;
}

/* nearcore reads account ids without validating them ("for backwards
 * compatibility"): only bad UTF-8 fails here, and the receipt validation
 * after the call rejects invalid ids (NewReceiptValidationError). */
bool nearvm_read_account_id(nearvm_logic *L, uint64_t len, uint64_t ptr, char **out)
{
    return nearvm_read_utf8(L, len, ptr, out, NULL);
}

/* ---- host functions ---- */

static bool h_read_register(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *data;
    size_t len;
    if (!nearvm_gas(L, COST_BASE) || !register_get(L, a[0], &data, &len))
        return false;
    return nearvm_mem_write(L, a[1], data, len);
}

static bool h_register_len(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!nearvm_gas(L, COST_BASE))
        return false;
    nearvm_register *reg = nearvm_register_find(L, a[0]);
    r[0] = reg ? reg->len : UINT64_MAX;
    return true;
}

static bool h_write_register(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *data;
    if (!nearvm_gas(L, COST_BASE) || !nearvm_mem_read(L, a[2], a[1], &data))
        return false;
    return nearvm_register_write(L, a[0], data, (size_t)a[1]);
}

static bool h_input(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!nearvm_gas(L, COST_BASE))
        return false;
    return nearvm_register_write_shared(L, a[0], L->ctx->input, L->ctx->input_len);
}

const nearvm_host_fn nearvm_fns_registers[] = {
    {"read_register", "II>", h_read_register},
    {"register_len", "I>I", h_register_len},
    {"write_register", "III>", h_write_register},
    {"input", "I>", h_input},
    {NULL, NULL, NULL},
};
