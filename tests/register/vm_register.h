/* vm_register.h — running build/contracts/register.wasm in the project's
 * NEAR VM (src/devnet/vm, the VM the devnet executes receipts with, NEAR's
 * gas schedule) with an in-memory contract storage and a chosen block
 * time. Header-only; used by test_register_wasm.c. */
#ifndef VM_REGISTER_H
#define VM_REGISTER_H

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

#include "devnet/vm/near_vm.h"
#include "near/encoding.h"

#define REGISTER_WASM "build/contracts/register.wasm"
#define TGAS 1000000000000ull

static near_vm_contract *contract;
/* Deposit attached to the next vm_call (then reset to 0). */
static near_vm_u128 vm_next_deposit;

struct kv {
    uint8_t *key, *value;
    size_t klen, vlen;
};
struct kv_store {
    struct kv *items;
    size_t n, cap;
};

static inline struct kv *kv_find(struct kv_store *s, const uint8_t *key, size_t klen)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].klen == klen && memcmp(s->items[i].key, key, klen) == 0)
            return &s->items[i];
    return NULL;
}

static inline int kv_get(void *user, const uint8_t *key, size_t klen, uint8_t **value, size_t *vlen)
{
    struct kv *kv = kv_find(user, key, klen);
    if (!kv)
        return 0;
    *value = malloc(kv->vlen ? kv->vlen : 1);
    memcpy(*value, kv->value, kv->vlen);
    *vlen = kv->vlen;
    return 1;
}

static inline int kv_set(void *user, const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen)
{
    struct kv_store *s = user;
    struct kv *kv = kv_find(s, key, klen);
    if (!kv) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 16;
            s->items = realloc(s->items, s->cap * sizeof *s->items);
        }
        kv = &s->items[s->n++];
        kv->key = malloc(klen ? klen : 1);
        memcpy(kv->key, key, klen);
        kv->klen = klen;
        kv->value = NULL;
    }
    free(kv->value);
    kv->value = malloc(vlen ? vlen : 1);
    memcpy(kv->value, value, vlen);
    kv->vlen = vlen;
    return 0;
}

static inline int kv_remove(void *user, const uint8_t *key, size_t klen)
{
    struct kv_store *s = user;
    struct kv *kv = kv_find(s, key, klen);
    if (!kv)
        return 0;
    free(kv->key);
    free(kv->value);
    *kv = s->items[--s->n];
    return 0;
}

static inline int kv_yield_pending(void *user, const uint8_t id[32])
{
    (void)user;
    (void)id;
    return 0;
}

static inline void kv_free(struct kv_store *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].key);
        free(s->items[i].value);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

/* ---- calling the contract ---- */
struct call {
    bool ok;
    char *panic; /* error message on failure */
    char *ret;   /* return data as text */
    char logs[8192];
    uint64_t gas_burnt;
    near_vm_outcome out;
};

static inline void call_free(struct call *c)
{
    free(c->panic);
    free(c->ret);
    near_vm_outcome_free(&c->out);
}

static inline struct call vm_call(struct kv_store *st, const char *caller, uint64_t time_s, const char *method,
                           const char *args)
{
    struct call c;
    memset(&c, 0, sizeof c);
    near_vm_context ctx;
    memset(&ctx, 0, sizeof ctx);
    static const uint8_t pk[33] = {0};
    ctx.current_account_id = "register.near";
    ctx.signer_account_id = caller;
    ctx.signer_account_pk = pk;
    ctx.signer_account_pk_len = sizeof pk;
    ctx.predecessor_account_id = caller;
    ctx.block_height = 100;
    ctx.block_timestamp = time_s * 1000000000ull;
    ctx.account_balance = (near_vm_u128)100 * 1000000000000ull * 1000000000000ull;
    ctx.storage_usage = 1000;
    ctx.prepaid_gas = 300 * TGAS;
    ctx.attached_deposit = vm_next_deposit;
    ctx.account_balance += vm_next_deposit;
    vm_next_deposit = 0;
    ctx.input = (const uint8_t *)args;
    ctx.input_len = strlen(args);
    near_vm_storage s = {st, kv_get, kv_set, kv_remove, kv_yield_pending};
    near_vm_run(contract, method, &ctx, &s, &c.out);
    c.ok = c.out.error.kind == NEAR_VM_OK;
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

static inline void expect_ok(struct kv_store *st, const char *caller, uint64_t t, const char *method, const char *args)
{
    struct call c = vm_call(st, caller, t, method, args);
    if (!c.ok)
        fail_msg("%s failed: %s", method, c.panic);
    call_free(&c);
}

static inline void expect_panic(struct kv_store *st, const char *caller, uint64_t t, const char *method, const char *args,
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
    near_vm_prepare_error e;
    char detail[160];
    contract = near_vm_contract_load(code, len, &e, detail, sizeof detail);
    free(code);
    if (!contract) {
        fprintf(stderr, "register.wasm does not load: %s\n", detail);
        return -1;
    }
    return 0;
}

#endif
