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

#include "devnet/vm/near_vm.h"

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

#endif
