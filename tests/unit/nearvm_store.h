/* nearvm_store.h — an in-memory, growable contract storage behind the NEAR
 * VM's storage callbacks, for tests that run contracts without a chain:
 * tests/unit/test_nearvm_*.c (through nearvm_test.h) and
 * tests/register/test_register_{wasm,sim}.c (through vm_register.h).
 * Header-only (static inline). Zero-initialise a mem_store, pass
 * mem_storage(&store) to nearvm_run, mem_free it at the end. */
#ifndef OUTLAYER_TESTS_NEARVM_STORE_H
#define OUTLAYER_TESTS_NEARVM_STORE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nearvm/nearvm.h"

typedef struct mem_kv {
    uint8_t *key, *value;
    size_t klen, vlen;
} mem_kv;

typedef struct mem_store {
    mem_kv *kv; /* n used of cap */
    size_t n, cap;
    int fail_get;                 /* make get fail (storage error path) */
    const uint8_t *pending_yield; /* a data id yield_pending accepts (NULL: none) */
} mem_store;

static inline mem_kv *mem_find(mem_store *s, const uint8_t *key, size_t klen)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->kv[i].klen == klen && memcmp(s->kv[i].key, key, klen) == 0)
            return &s->kv[i];
    return NULL;
}

static inline uint8_t *mem_dup(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

static inline int mem_get(void *user, const uint8_t *key, size_t klen, uint8_t **value, size_t *vlen)
{
    mem_store *s = user;
    if (s->fail_get)
        return -1;
    mem_kv *kv = mem_find(s, key, klen);
    if (!kv)
        return 0;
    if (!(*value = mem_dup(kv->value, kv->vlen)))
        return -1;
    *vlen = kv->vlen;
    return 1;
}

static inline int mem_set(void *user, const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen)
{
    mem_store *s = user;
    uint8_t *copy = mem_dup(value, vlen);
    if (!copy)
        return -1;
    mem_kv *kv = mem_find(s, key, klen);
    if (!kv) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 16;
            mem_kv *grown = realloc(s->kv, cap * sizeof *grown);
            if (!grown) {
                free(copy);
                return -1;
            }
            s->kv = grown;
            s->cap = cap;
        }
        kv = &s->kv[s->n];
        if (!(kv->key = mem_dup(key, klen))) {
            free(copy);
            return -1;
        }
        kv->klen = klen;
        kv->value = NULL;
        s->n++;
    }
    free(kv->value);
    kv->value = copy;
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
    free(s->kv);
    memset(s, 0, sizeof *s);
}

static inline nearvm_storage mem_storage(mem_store *s)
{
    nearvm_storage st = {s, mem_get, mem_set, mem_remove, mem_yield_pending};
    return st;
}

#endif
