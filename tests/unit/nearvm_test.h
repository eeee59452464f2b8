/* nearvm_test.h — shared helpers for tests/unit/test_nearvm_*.c: an
 * in-memory contract storage, loading the test contracts built by
 * mk/devnet.mk, and a default call context. Header-only (static inline) so
 * each test binary has its own copy. Tests run with cwd tests/unit. */
#ifndef OUTLAYER_TESTS_NEARVM_TEST_H
#define OUTLAYER_TESTS_NEARVM_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devnet/vm/near_vm.h"

#define NEARVM_CONTRACTS "../../build/tests/devnet/contracts/"
#define TGAS 1000000000000ull

/* ---- in-memory storage ---- */

typedef struct mem_kv {
    uint8_t *key, *value;
    size_t klen, vlen;
} mem_kv;

typedef struct mem_store {
    mem_kv kv[64];
    size_t n;
    int fail_get; /* make get fail (storage error path) */
    const uint8_t *pending_yield; /* a data id yield_pending accepts */
} mem_store;

static inline mem_kv *mem_find(mem_store *s, const uint8_t *key, size_t klen)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->kv[i].klen == klen && memcmp(s->kv[i].key, key, klen) == 0)
            return &s->kv[i];
    return NULL;
}

static inline int mem_get(void *user, const uint8_t *key, size_t klen, uint8_t **value, size_t *vlen)
{
    mem_store *s = user;
    if (s->fail_get)
        return -1;
    mem_kv *kv = mem_find(s, key, klen);
    if (!kv)
        return 0;
    *value = malloc(kv->vlen ? kv->vlen : 1);
    memcpy(*value, kv->value, kv->vlen);
    *vlen = kv->vlen;
    return 1;
}

static inline int mem_set(void *user, const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen)
{
    mem_store *s = user;
    mem_kv *kv = mem_find(s, key, klen);
    if (!kv) {
        if (s->n == 64)
            return -1;
        kv = &s->kv[s->n++];
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

static inline int mem_remove(void *user, const uint8_t *key, size_t klen)
{
    mem_store *s = user;
    mem_kv *kv = mem_find(s, key, klen);
    if (!kv)
        return 0;
    free(kv->key);
    free(kv->value);
    *kv = s->kv[--s->n];
    return 0;
}

static inline int mem_yield_pending(void *user, const uint8_t id[32])
{
    mem_store *s = user;
    return s->pending_yield && memcmp(s->pending_yield, id, 32) == 0;
}

static inline void mem_free(mem_store *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->kv[i].key);
        free(s->kv[i].value);
    }
    s->n = 0;
}

static inline near_vm_storage mem_storage(mem_store *s)
{
    near_vm_storage st = {s, mem_get, mem_set, mem_remove, mem_yield_pending};
    return st;
}

/* ---- contracts and context ---- */

static inline uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static inline uint8_t *contract_bytes(const char *name, size_t *len)
{
    char path[256];
    *len = 0;
    snprintf(path, sizeof path, NEARVM_CONTRACTS "%s.wasm", name);
    uint8_t *b = read_file(path, len);
    if (!b)
        fail_msg("cannot read %s (run make nearvm-contracts)", path);
    return b;
}

static inline near_vm_contract *load_contract(const char *name)
{
    size_t len = 0;
    uint8_t *code = contract_bytes(name, &len);
    near_vm_prepare_error e;
    char detail[160];
    near_vm_contract *c = near_vm_contract_load(code, len, &e, detail, sizeof detail);
    free(code);
    if (!c)
        fail_msg("%s.wasm does not load: %s (%s)", name, near_vm_prepare_error_name(e), detail);
    return c;
}

static const uint8_t test_signer_pk[33] = {0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                           7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};

static inline near_vm_context test_context(void)
{
    near_vm_context c;
    memset(&c, 0, sizeof c);
    c.current_account_id = "alice.near";
    c.signer_account_id = "signer.near";
    c.signer_account_pk = test_signer_pk;
    c.signer_account_pk_len = sizeof test_signer_pk;
    c.predecessor_account_id = "bob.near";
    c.block_height = 1234;
    c.block_timestamp = 1700000000000000000ull;
    c.epoch_height = 5;
    for (int i = 0; i < 32; i++) {
        c.random_seed[i] = (uint8_t)i;
        c.action_hash[i] = (uint8_t)(0xa0 + i);
    }
    c.account_balance = (near_vm_u128)100 * 1000000000000ull * 1000000000000ull; /* 100 NEAR */
    c.account_locked_balance = 7;
    c.attached_deposit = 3;
    c.storage_usage = 182;
    c.prepaid_gas = 300 * TGAS;
    return c;
}

/* Runs `method` of k in test_context() with `in` as input and no storage. */
static inline bool run_with_input(near_vm_contract *k, const char *method, const void *in, size_t len,
                                  near_vm_outcome *o)
{
    near_vm_context ctx = test_context();
    ctx.input = in;
    ctx.input_len = len;
    return near_vm_run(k, method, &ctx, NULL, o);
}

static inline uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline near_vm_u128 le128(const uint8_t *p)
{
    near_vm_u128 v = 0;
    for (int i = 15; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static inline void assert_return(const near_vm_outcome *o, const void *data, size_t len)
{
    assert_int_equal(o->error.kind, NEAR_VM_OK);
    assert_int_equal(o->return_kind, NEAR_RETURN_VALUE);
    assert_int_equal(o->return_len, len);
    assert_memory_equal(o->return_data, data, len);
}

static inline void assert_return_str(const near_vm_outcome *o, const char *s)
{
    assert_return(o, s, strlen(s));
}

/* The call failed with this error kind, variant and Display text. */
static inline void assert_error(const near_vm_outcome *o, near_vm_error_kind kind, const char *name,
                                const char *message)
{
    if (o->error.kind != kind || strcmp(o->error.name, name) != 0)
        fail_msg("expected %s, got kind %d %s: %s", name, o->error.kind, o->error.name,
                 o->error.message ? o->error.message : "(none)");
    if (message)
        assert_string_equal(o->error.message, message);
}

#endif
