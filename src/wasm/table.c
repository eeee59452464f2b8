/*
 * table.c — tables of references (funcref: wasm_func*, externref: opaque
 * pointers; NULL is the null reference).
 *
 * A table's entries count toward the store's memory cap (8 bytes each) and
 * are charged before they are allocated. Null entries are not written: the
 * array comes zeroed from calloc, which takes fresh pages from the kernel
 * for big tables, so a table nobody uses costs neither time nor RAM.
 */
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

wasm_table *wasm_table_create(wasm_store *s, wasm_valtype elem, uint32_t min, uint32_t max, bool has_max,
                              void *init, bool *over_cap)
{
    if (over_cap)
        *over_cap = false;
    if (min > WASM_MAX_TABLE_SIZE)
        return NULL;
    uint64_t bytes = (uint64_t)min * sizeof(void *) + WASM_OBJECT_BYTES(wasm_table);
    if (!wasm_store_charge(s, bytes)) {
        if (over_cap)
            *over_cap = true;
        return NULL;
    }
    wasm_table *t = calloc(1, sizeof *t);
    if (t)
        t->elems = calloc(min ? min : 1, sizeof *t->elems);
    if (!t || !t->elems || !wasm_ptrvec_push(&s->tables, t)) {
        if (t)
            free(t->elems);
        free(t);
        wasm_store_uncharge(s, bytes);
        return NULL;
    }
    t->store = s;
    t->elem = elem;
    t->size = min;
    t->has_max = has_max;
    t->max = has_max ? max : UINT32_MAX;
    if (init)
        for (uint32_t i = 0; i < min; i++)
            t->elems[i] = init;
    return t;
}

int64_t wasm_table_grow_internal(wasm_table *t, uint32_t delta, void *init)
{
    uint64_t old = t->size, want = old + delta;
    if (want > t->max || want > WASM_MAX_TABLE_SIZE)
        return -1;
    if (delta == 0)
        return (int64_t)old;
    uint64_t more = (uint64_t)delta * sizeof(void *);
    if (!wasm_store_charge(t->store, more))
        return -2;
    void **p = realloc(t->elems, want * sizeof *p);
    if (!p) {
        wasm_store_uncharge(t->store, more);
        return -1;
    }
    if (init)
        for (uint64_t i = old; i < want; i++)
            p[i] = init;
    else
        memset(p + old, 0, (size_t)more);
    t->elems = p;
    t->size = (uint32_t)want;
    return (int64_t)old;
}

static bool is_ref_type(wasm_valtype t) { return t == WASM_FUNCREF || t == WASM_EXTERNREF; }

wasm_table *wasm_table_new(wasm_store *s, wasm_valtype elem, uint32_t min, uint32_t max, bool has_max,
                           wasm_value init)
{
    if (!is_ref_type(elem) || init.type != elem || (has_max && max < min))
        return NULL;
    return wasm_table_create(s, elem, min, max, has_max, init.of.externref, NULL);
}

uint32_t wasm_table_size(const wasm_table *t) { return t->size; }

bool wasm_table_get(const wasm_table *t, uint32_t i, wasm_value *out)
{
    if (i >= t->size)
        return false;
    out->type = t->elem;
    out->of.externref = t->elems[i];
    return true;
}

bool wasm_table_set(wasm_table *t, uint32_t i, wasm_value v)
{
    if (i >= t->size || v.type != t->elem)
        return false;
    t->elems[i] = v.type == WASM_FUNCREF ? (void *)v.of.funcref : v.of.externref;
    return true;
}
