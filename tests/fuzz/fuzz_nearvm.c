/*
 * fuzz_nearvm.c — libFuzzer target for the NEAR VM layer: the input is a
 * contract. Prepare and load it, then call each exported function (up to 4)
 * with a small gas budget, in change mode and in view mode, against an
 * in-memory storage, and free the outcome. Any crash, leak or sanitizer
 * report is a bug; failed calls are expected outcomes. The seed corpus is
 * the devnet test contracts, so mutations reach the host functions with
 * odd arguments (pointers, lengths, register ids, promise indices).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nearvm/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct kv {
    uint8_t key[64], value[256];
    size_t klen, vlen;
    int used;
} kv;

static kv table[8];

static kv *find(const uint8_t *k, size_t n)
{
    for (int i = 0; i < 8; i++)
        if (table[i].used && table[i].klen == n && memcmp(table[i].key, k, n) == 0)
            return &table[i];
    return NULL;
}

static int get(void *u, const uint8_t *k, size_t n, uint8_t **v, size_t *vn)
{
    kv *e = find(k, n);
    if (!e)
        return 0;
    *v = malloc(e->vlen ? e->vlen : 1);
    if (!*v)
        return -1;
    memcpy(*v, e->value, e->vlen);
    *vn = e->vlen;
    return 1;
}

static int set(void *u, const uint8_t *k, size_t n, const uint8_t *v, size_t vn)
{
    kv *e = find(k, n);
    for (int i = 0; !e && i < 8; i++)
        if (!table[i].used)
            e = &table[i];
    if (!e || n > sizeof e->key || vn > sizeof e->value)
        return -1; /* the fuzz store is small: a storage failure is a valid outcome */
    memcpy(e->key, k, n);
    memcpy(e->value, v, vn);
    e->klen = n, e->vlen = vn, e->used = 1;
    return 0;
}

static int del(void *u, const uint8_t *k, size_t n)
{
    kv *e = find(k, n);
    if (e)
        e->used = 0;
    return 0;
}

static int pending(void *u, const uint8_t id[32]) { return id[0] & 1; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nearvm_prepare_error e;
    nearvm_contract *c = nearvm_contract_load(data, size, &e, NULL, 0);
    if (!c)
        return 0;
    memset(table, 0, sizeof table);
    nearvm_storage st = {NULL, get, set, del, pending};
    static const uint8_t pk[33] = {0};
    static const uint8_t input[] = "\2k1value{\"a\":1}";
    nearvm_promise_result results[2] = {{NEAR_PROMISE_SUCCESSFUL, (const uint8_t *)"ok", 2},
                                        {NEAR_PROMISE_FAILED, NULL, 0}};
    nearvm_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.current_account_id = "alice.near";
    ctx.signer_account_id = "bob.near";
    ctx.predecessor_account_id = "bob.near";
    ctx.signer_account_pk = pk;
    ctx.signer_account_pk_len = sizeof pk;
    ctx.input = input;
    ctx.input_len = sizeof input - 1;
    ctx.account_balance = (nearvm_u128)1 << 90;
    ctx.prepaid_gas = 2000000000000ull; /* 2 Tgas: about 2 million instructions */
    ctx.promise_results = results;
    ctx.promise_results_count = 2;
    size_t n = olw_module_export_count(c->module), called = 0;
    for (size_t i = 0; i < n && called < 4; i++) {
        olw_export_info x = olw_module_export(c->module, i);
        if (x.kind != OLW_EXTERN_FUNC || memchr(x.name, 0, x.name_len))
            continue;
        called++;
        for (int view = 0; view < 2; view++) {
            nearvm_outcome o;
            ctx.is_view = view;
            nearvm_run(c, x.name, &ctx, &st, &o);
            nearvm_outcome_free(&o);
        }
    }
    nearvm_contract_release(c);
    return 0;
}
