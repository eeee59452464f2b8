/* vm_register.h — running build/contracts/register.wasm in the project's
 * NEAR VM (src/nearvm, the VM the devnet executes receipts with, NEAR's
 * gas schedule) with the tests' in-memory contract storage
 * (tests/unit/nearvm_store.h) and a chosen block time. Header-only; used by test_register_wasm.c. */
#ifndef OUTLAYER_TESTS_VM_REGISTER_H
#define OUTLAYER_TESTS_VM_REGISTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>
#include <jansson.h>

#include "nearvm/nearvm.h"
#include "../unit/nearvm_store.h"
#include "near/encoding.h"

#define REGISTER_WASM "build/contracts/register.wasm"
#define TGAS 1000000000000ull

static nearvm_contract *contract;
/* Deposit attached to the next vm_call (then reset to 0). */
static nearvm_u128 vm_next_deposit;

/* ---- calling the contract ---- */
struct call {
    bool ok;
    char *panic; /* error message on failure */
    char *ret;   /* return data as text */
    char logs[8192];
    uint64_t gas_burnt;
    nearvm_outcome out;
};

static inline void call_free(struct call *c)
{
    free(c->panic);
    free(c->ret);
    nearvm_outcome_free(&c->out);
}

static inline struct call vm_call(mem_store *st, const char *caller, uint64_t time_s, const char *method,
                                  const char *args)
{
    struct call c;
    memset(&c, 0, sizeof c);
    nearvm_context ctx;
    memset(&ctx, 0, sizeof ctx);
    static const uint8_t pk[33] = {0};
    ctx.current_account_id = "register.near";
    ctx.signer_account_id = caller;
    ctx.signer_account_pk = pk;
    ctx.signer_account_pk_len = sizeof pk;
    ctx.predecessor_account_id = caller;
    ctx.block_height = 100;
    ctx.block_timestamp = time_s * 1000000000ull;
    ctx.account_balance = (nearvm_u128)100 * 1000000000000ull * 1000000000000ull;
    ctx.storage_usage = 1000;
    ctx.prepaid_gas = 300 * TGAS;
    ctx.attached_deposit = vm_next_deposit;
    ctx.account_balance += vm_next_deposit;
    vm_next_deposit = 0;
    ctx.input = (const uint8_t *)args;
    ctx.input_len = strlen(args);
    nearvm_storage s = mem_storage(st);
    nearvm_run(contract, method, &ctx, &s, &c.out);
    c.ok = c.out.error.kind == NEARVM_OK;
    c.gas_burnt = c.out.gas_burnt;
    if (!c.ok)
        c.panic = strdup(c.out.error.message ? c.out.error.message : c.out.error.name);
    if (c.out.return_data) {
        c.ret = malloc(c.out.return_len + 1);
        memcpy(c.ret, c.out.return_data, c.out.return_len);
        c.ret[c.out.return_len] = 0;
    }
    for (size_t i = 0; i < c.out.logs_count; i++) {
        strncat(c.logs, c.out.logs[i], sizeof c.logs - strlen(c.logs) - 2);
        strcat(c.logs, "\n");
    }
    return c;
}

static inline void expect_ok(mem_store *st, const char *caller, uint64_t t, const char *method, const char *args)
{
    struct call c = vm_call(st, caller, t, method, args);
    if (!c.ok)
        fail_msg("%s failed: %s", method, c.panic);
    call_free(&c);
}

static inline void expect_panic(mem_store *st, const char *caller, uint64_t t, const char *method, const char *args,
                                const char *msg)
{
    struct call c = vm_call(st, caller, t, method, args);
    if (c.ok || !strstr(c.panic, msg))
        fail_msg("%s: expected panic containing \"%s\", got %s", method, msg, c.ok ? "success" : c.panic);
    call_free(&c);
}

static inline char *hex_of(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", p[i]);
    return s;
}

static inline char *collateral_args(const uint8_t *json, size_t len)
{
    json_t *o = json_pack("{s:s%}", "collateral", (const char *)json, len);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static inline char *register_args(const char *public_key, const uint8_t *q, size_t qlen)
{
    char *hex = hex_of(q, qlen);
    json_t *o = json_pack("{s:s,s:s}", "public_key", public_key, "tdx_quote_hex", hex);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    free(hex);
    return s;
}

/* ed25519:<base58 of report_data[0..32]> of a quote with the report at body. */
static inline void key_of(const uint8_t *report_data, char *out, size_t cap)
{
    strcpy(out, "ed25519:");
    near_base58_encode(report_data, 32, out + 8, cap - 8);
}

static inline char *measurement_args(const uint8_t *body)
{
    char *m[5];
    m[0] = hex_of(body + 136, 48);
    for (int i = 0; i < 4; i++)
        m[i + 1] = hex_of(body + 328 + 48 * i, 48);
    json_t *o = json_pack("{s:{s:s,s:s,s:s,s:s,s:s}}", "measurements", "mrtd", m[0], "rtmr0", m[1], "rtmr1", m[2],
                          "rtmr2", m[3], "rtmr3", m[4]);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    for (int i = 0; i < 5; i++)
        free(m[i]);
    return s;
}

static inline int load_register_wasm(void)
{
    FILE *f = fopen(REGISTER_WASM, "rb");
    if (!f) {
        fprintf(stderr, "missing %s (make contracts)\n", REGISTER_WASM);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    rewind(f);
    uint8_t *code = malloc(len);
    if (fread(code, 1, len, f) != len)
        return -1;
    fclose(f);
    nearvm_prepare_error e;
    char detail[160];
    contract = nearvm_contract_load(code, len, &e, detail, sizeof detail);
    free(code);
    if (!contract) {
        fprintf(stderr, "register.wasm does not load: %s\n", detail);
        return -1;
    }
    return 0;
}

#endif
