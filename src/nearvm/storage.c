/*
 * storage.c — the contract's key-value state: storage_write/read/remove/
 * has_key, and the deprecated iterators (which fail as on NEAR).
 *
 * The chain provides the state through nearvm_storage callbacks. Storage
 * usage is kept here, live, because contracts read it with storage_usage():
 * a new record adds key + value + 40 bytes, an overwrite adds the difference
 * of the value lengths, a removal subtracts the record.
 *
 * Trie-node costs are not charged: there is no trie (see docs/devnet.md).
 */
#include "nearvm/internal.h"

#include <stdio.h>
#include <stdlib.h>

static bool key_too_long(nearvm_logic *L, size_t len)
{
    return len > LIMIT_MAX_STORAGE_KEY &&
           !nearvm_err_exceeded(L, "KeyLengthExceeded", "length", "The length of a storage key", len,
                                LIMIT_MAX_STORAGE_KEY);
}

/* How read, remove and has_key begin, in nearcore's gas order: the method's
 * base cost, the key read from memory (a[0] length, a[1] pointer), the key
 * length limit, then the per-key-byte cost. */
static bool read_key_charged(nearvm_logic *L, const uint64_t *a, uint64_t base, uint64_t per_key_byte,
                             const uint8_t **key, size_t *klen)
{
    return nearvm_gas(L, base) && nearvm_read_input(L, a[0], a[1], key, klen) && !key_too_long(L, *klen) &&
           nearvm_gas_per(L, per_key_byte, *klen);
}

static int storage_get(nearvm_logic *L, const uint8_t *key, size_t klen, uint8_t **val, size_t *vlen)
{
    *val = NULL;
    *vlen = 0;
    if (!L->storage || !L->storage->get)
        return 0;
    int rc = L->storage->get(L->storage->user, key, klen, val, vlen);
    if (rc < 0)
        nearvm_err_storage(L, "get");
    return rc;
}

static bool h_storage_write(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *key, *value;
    size_t klen, vlen;
    if (!nearvm_gas(L, COST_BASE))
        return false;
    if (L->ctx->is_view)
        return nearvm_err_prohibited(L, "storage_write");
    if (!nearvm_gas(L, COST_STORAGE_WRITE_BASE) || !nearvm_read_input(L, a[0], a[1], &key, &klen) ||
        key_too_long(L, klen))
        return false;
    if (!nearvm_read_input(L, a[2], a[3], &value, &vlen))
        return false;
    if (vlen > LIMIT_MAX_STORAGE_VALUE)
        return nearvm_err_exceeded(L, "ValueLengthExceeded", "length", "The length of a storage value", vlen,
                                   LIMIT_MAX_STORAGE_VALUE);
    if (!nearvm_gas_per(L, COST_STORAGE_WRITE_KEY_BYTE, klen) ||
        !nearvm_gas_per(L, COST_STORAGE_WRITE_VALUE_BYTE, vlen))
        return false;
    uint8_t *old;
    size_t olen;
    int found = storage_get(L, key, klen, &old, &olen);
    if (found < 0)
        return false;
    if (found && !nearvm_gas_per(L, COST_STORAGE_WRITE_EVICTED_BYTE, olen)) {
        free(old);
        return false;
    }
    if (!L->storage || !L->storage->set || L->storage->set(L->storage->user, key, klen, value, vlen) < 0) {
        free(old);
        return nearvm_err_storage(L, "set");
    }
    if (found) {
        L->storage_usage = L->storage_usage - olen + vlen;
        bool ok = nearvm_register_write(L, a[4], old, olen);
        free(old);
        r[0] = 1;
        return ok;
    }
    L->storage_usage += klen + vlen + NEARVM_STORAGE_RECORD_EXTRA_BYTES;
    r[0] = 0;
    return true;
}

static bool h_storage_read(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *key;
    size_t klen;
    if (!nearvm_gas(L, COST_BASE) ||
        !read_key_charged(L, a, COST_STORAGE_READ_BASE, COST_STORAGE_READ_KEY_BYTE, &key, &klen))
        return false;
    uint8_t *val;
    size_t vlen;
    int found = storage_get(L, key, klen, &val, &vlen);
    if (found < 0)
        return false;
    r[0] = found ? 1 : 0;
    if (!found)
        return true;
    bool ok = nearvm_gas_per(L, COST_STORAGE_READ_VALUE_BYTE, vlen) &&
              (vlen <= COST_STORAGE_LARGE_READ_THRESHOLD ||
               (nearvm_gas(L, COST_STORAGE_LARGE_READ_OVERHEAD_BASE) &&
                nearvm_gas_per(L, COST_STORAGE_LARGE_READ_OVERHEAD_BYTE, vlen))) &&
              nearvm_register_write(L, a[2], val, vlen);
    free(val);
    return ok;
}

static bool h_storage_remove(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *key;
    size_t klen;
    if (!nearvm_gas(L, COST_BASE))
        return false;
    if (L->ctx->is_view)
        return nearvm_err_prohibited(L, "storage_remove");
    if (!read_key_charged(L, a, COST_STORAGE_REMOVE_BASE, COST_STORAGE_REMOVE_KEY_BYTE, &key, &klen))
        return false;
    uint8_t *old;
    size_t olen;
    int found = storage_get(L, key, klen, &old, &olen);
    if (found < 0)
        return false;
    r[0] = found ? 1 : 0;
    if (!found)
        return true;
    if (!nearvm_gas_per(L, COST_STORAGE_REMOVE_RET_VALUE_BYTE, olen)) {
        free(old);
        return false;
    }
    if (!L->storage->remove || L->storage->remove(L->storage->user, key, klen) < 0) {
        free(old);
        return nearvm_err_storage(L, "remove");
    }
    L->storage_usage -= klen + olen + NEARVM_STORAGE_RECORD_EXTRA_BYTES;
    bool ok = nearvm_register_write(L, a[2], old, olen);
    free(old);
    return ok;
}

static bool h_storage_has_key(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *key;
    size_t klen;
    if (!nearvm_gas(L, COST_BASE) ||
        !read_key_charged(L, a, COST_STORAGE_HAS_KEY_BASE, COST_STORAGE_HAS_KEY_BYTE, &key, &klen))
        return false;
    uint8_t *val;
    size_t vlen;
    int found = storage_get(L, key, klen, &val, &vlen);
    free(val);
    if (found < 0)
        return false;
    r[0] = found ? 1 : 0;
    return true;
}

static bool deprecated(nearvm_logic *L, const char *name)
{
    char dbg[96];
    snprintf(dbg, sizeof dbg, "Deprecated { method_name: \"%s\" }", name);
    return nearvm_host_error(L, "Deprecated", dbg, "Attempted to call deprecated host function %s", name);
}

static bool h_storage_iter_prefix(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return deprecated(L, "storage_iter_prefix");
}

static bool h_storage_iter_range(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return deprecated(L, "storage_iter_range");
}

static bool h_storage_iter_next(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return deprecated(L, "storage_iter_next");
}

const nearvm_host_fn nearvm_fns_storage[] = {
    {"storage_write", "IIIII>I", h_storage_write},          {"storage_read", "III>I", h_storage_read},
    {"storage_remove", "III>I", h_storage_remove},          {"storage_has_key", "II>I", h_storage_has_key},
    {"storage_iter_prefix", "II>I", h_storage_iter_prefix}, {"storage_iter_range", "IIII>I", h_storage_iter_range},
    {"storage_iter_next", "III>I", h_storage_iter_next},    {NULL, NULL, NULL},
};
