/* storage.c — storage access and the legacy near-sdk collections. */
#include "storage.h"
#include "mem.h"
#include "sdk.h"

#define PTR(p) ((uint64_t)(uintptr_t)(p))

uint8_t *storage_get(const void *key, size_t key_len, size_t *len)
{
    if (env_storage_read(key_len, PTR(key), SDK_REGISTER) == 0) {
        *len = 0;
        return NULL;
    }
    return sdk_read_register(SDK_REGISTER, len);
}

bool storage_set(const void *key, size_t key_len, const void *value, size_t value_len)
{
    return env_storage_write(key_len, PTR(key), value_len, PTR(value), SDK_REGISTER) == 1;
}

bool storage_del(const void *key, size_t key_len) { return env_storage_remove(key_len, PTR(key), SDK_REGISTER) == 1; }

bool storage_has(const void *key, size_t key_len) { return env_storage_has_key(key_len, PTR(key)) == 1; }

static void join(struct buf *b, const void *a, size_t alen, const void *c, size_t clen)
{
    buf_init(b);
    buf_put(b, a, alen);
    buf_put(b, c, clen);
}

uint8_t *lookup_map_get(const struct lookup_map *m, const void *key, size_t key_len, size_t *len)
{
    struct buf k;
    join(&k, m->prefix, m->prefix_len, key, key_len);
    return storage_get(k.data, k.len, len);
}

bool lookup_map_insert(const struct lookup_map *m, const void *key, size_t key_len, const void *value, size_t value_len)
{
    struct buf k;
    join(&k, m->prefix, m->prefix_len, key, key_len);
    return storage_set(k.data, k.len, value, value_len);
}

uint8_t *lookup_map_remove(const struct lookup_map *m, const void *key, size_t key_len, size_t *len)
{
    struct buf k;
    join(&k, m->prefix, m->prefix_len, key, key_len);
    if (env_storage_remove(k.len, PTR(k.data), SDK_REGISTER) == 0) {
        *len = 0;
        return NULL;
    }
    return sdk_read_register(SDK_REGISTER, len);
}

bool lookup_map_contains(const struct lookup_map *m, const void *key, size_t key_len)
{
    struct buf k;
    join(&k, m->prefix, m->prefix_len, key, key_len);
    return storage_has(k.data, k.len);
}

static void vector_key(struct buf *k, const struct vector *v, uint64_t index)
{
    buf_init(k);
    buf_put(k, v->prefix, v->prefix_len);
    bw_u64(k, index);
}

uint8_t *vector_get(const struct vector *v, uint64_t index, size_t *len)
{
    if (index >= v->len) {
        *len = 0;
        return NULL;
    }
    struct buf k;
    vector_key(&k, v, index);
    return storage_get(k.data, k.len, len);
}

void vector_push(struct vector *v, const void *elem, size_t elem_len)
{
    struct buf k;
    vector_key(&k, v, v->len);
    storage_set(k.data, k.len, elem, elem_len);
    v->len++;
}

static uint8_t *with_suffix(const uint8_t *prefix, size_t len, uint8_t suffix)
{
    uint8_t *p = sdk_alloc(len + 1);
    memcpy(p, prefix, len);
    p[len] = suffix;
    return p;
}

void unordered_set_new(struct unordered_set *s, const uint8_t *prefix, size_t prefix_len)
{
    s->index_prefix = with_suffix(prefix, prefix_len, 'i');
    s->index_prefix_len = prefix_len + 1;
    s->elements.len = 0;
    s->elements.prefix = with_suffix(prefix, prefix_len, 'e');
    s->elements.prefix_len = prefix_len + 1;
}

void unordered_set_write(struct buf *b, const struct unordered_set *s)
{
    bw_bytes(b, s->index_prefix, s->index_prefix_len);
    bw_u64(b, s->elements.len);
    bw_bytes(b, s->elements.prefix, s->elements.prefix_len);
}

void unordered_set_read(struct br *r, struct unordered_set *s)
{
    const uint8_t *p = br_bytes(r, &s->index_prefix_len);
    s->index_prefix = (uint8_t *)sdk_strndup((const char *)p, s->index_prefix_len);
    s->elements.len = br_u64(r);
    p = br_bytes(r, &s->elements.prefix_len);
    s->elements.prefix = (uint8_t *)sdk_strndup((const char *)p, s->elements.prefix_len);
}

static void index_key(struct buf *k, const struct unordered_set *s, const void *elem, size_t elem_len)
{
    join(k, s->index_prefix, s->index_prefix_len, elem, elem_len);
}

bool unordered_set_contains(const struct unordered_set *s, const void *elem, size_t elem_len)
{
    struct buf k;
    index_key(&k, s, elem, elem_len);
    return storage_has(k.data, k.len);
}

bool unordered_set_insert(struct unordered_set *s, const void *elem, size_t elem_len)
{
    struct buf k, idx;
    index_key(&k, s, elem, elem_len);
    if (storage_has(k.data, k.len))
        return false;
    buf_init(&idx);
    bw_u64(&idx, s->elements.len);
    storage_set(k.data, k.len, idx.data, idx.len);
    vector_push(&s->elements, elem, elem_len);
    return true;
}

bool unordered_set_remove(struct unordered_set *s, const void *elem, size_t elem_len)
{
    struct buf k;
    index_key(&k, s, elem, elem_len);
    size_t idx_len;
    uint8_t *idx_raw = storage_get(k.data, k.len, &idx_len);
    if (idx_raw == NULL)
        return false;
    if (idx_len != 8 || s->elements.len == 0)
        sdk_panic(
            "The collection is an inconsistent state. Did previous smart contract execution terminate unexpectedly?");
    struct br r;
    br_init(&r, idx_raw, idx_len);
    uint64_t index = br_u64(&r);
    uint64_t last = s->elements.len - 1;
    storage_del(k.data, k.len);
    struct buf last_key;
    vector_key(&last_key, &s->elements, last);
    if (index != last) {
        /* Move the last element into the hole and re-point its index. */
        size_t last_len;
        uint8_t *last_elem = storage_get(last_key.data, last_key.len, &last_len);
        if (last_elem == NULL)
            sdk_panic(
                "The collection is an inconsistent state. Did previous smart contract execution terminate unexpectedly?");
        struct buf hole, last_index;
        vector_key(&hole, &s->elements, index);
        storage_set(hole.data, hole.len, last_elem, last_len);
        index_key(&last_index, s, last_elem, last_len);
        storage_set(last_index.data, last_index.len, idx_raw, idx_len);
    }
    storage_del(last_key.data, last_key.len);
    s->elements.len = last;
    return true;
}
