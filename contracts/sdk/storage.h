/* storage.h — contract storage and the near-sdk-rs legacy collections
 * (near_sdk::collections) with their exact key layout, so state written by
 * a Rust contract reads back here and vice versa:
 *   LookupMap<K,V>   entry at prefix ++ borsh(K) -> borsh(V)
 *   Vector<T>        borsh {len u64, prefix Vec<u8>}; element i at prefix ++ u64_le(i)
 *   UnorderedSet<T>  borsh {index_prefix Vec<u8> (P++'i'), Vector (P++'e')};
 *                    index entry P'i' ++ borsh(elem) -> u64_le(index),
 *                    removal is swap-remove like near-sdk's. */
#ifndef SDK_STORAGE_H
#define SDK_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "borsh.h"
#include "buf.h"

/* Value of key, or NULL if absent (then *len is 0). */
uint8_t *storage_get(const void *key, size_t key_len, size_t *len);
/* True if the key held a value before. */
bool storage_set(const void *key, size_t key_len, const void *value, size_t value_len);
bool storage_del(const void *key, size_t key_len);
bool storage_has(const void *key, size_t key_len);

/* LookupMap: the key bytes passed in are already borsh(K). */
struct lookup_map {
    const uint8_t *prefix;
    size_t prefix_len;
};
uint8_t *lookup_map_get(const struct lookup_map *m, const void *key, size_t key_len, size_t *len);
bool lookup_map_insert(const struct lookup_map *m, const void *key, size_t key_len, const void *value,
                       size_t value_len);
/* Removes the entry; returns the old value (or NULL) and its length. */
uint8_t *lookup_map_remove(const struct lookup_map *m, const void *key, size_t key_len, size_t *len);
bool lookup_map_contains(const struct lookup_map *m, const void *key, size_t key_len);

/* Vector */
struct vector {
    uint64_t len;
    uint8_t *prefix;
    size_t prefix_len;
};
uint8_t *vector_get(const struct vector *v, uint64_t index, size_t *len);
void vector_push(struct vector *v, const void *elem, size_t elem_len);

/* UnorderedSet (elements given as their borsh bytes) */
struct unordered_set {
    uint8_t *index_prefix;
    size_t index_prefix_len;
    struct vector elements;
};
/* A new, empty set with the given prefix P. */
void unordered_set_new(struct unordered_set *s, const uint8_t *prefix, size_t prefix_len);
void unordered_set_write(struct buf *b, const struct unordered_set *s);
void unordered_set_read(struct br *r, struct unordered_set *s);
bool unordered_set_contains(const struct unordered_set *s, const void *elem, size_t elem_len);
bool unordered_set_insert(struct unordered_set *s, const void *elem, size_t elem_len);
bool unordered_set_remove(struct unordered_set *s, const void *elem, size_t elem_len);

#endif
