/*
 * table.c — tables of references (funcref: olw_func*, externref: opaque
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

olw_table *olw_table_create(olw_store *s, olw_valtype elem, uint32_t min, uint32_t max, bool has_max, void *init,
                            bool *over_cap)
{
    if (over_cap)
        *over_cap = false;
    if (min > OLW_MAX_TABLE_SIZE)
        return NULL;
    uint64_t bytes = (uint64_t)min * sizeof(void *) + OLW_OBJECT_BYTES(olw_table);
    if (!olw_store_charge(s, bytes)) {
        if (over_cap)
            *over_cap = true;
        return NULL;
    }
    olw_table *t = calloc(1, sizeof *t);
    if (t)
        t->elems = calloc(min ? min : 1, sizeof *t->elems);
    if (!t || !t->elems || !olw_ptrvec_push(&s->tables, t)) {
        if (t)
            free(t->elems);
        free(t);
        olw_store_uncharge(s, bytes);
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

int64_t olw_table_grow_internal(olw_table *t, uint32_t delta, void *init)
{
    uint64_t old = t->size, want = old + delta;
    if (want > t->max || want > OLW_MAX_TABLE_SIZE)
        return -1;
    if (delta == 0)
        return (int64_t)old;
    uint64_t more = (uint64_t)delta * sizeof(void *);
    if (!olw_store_charge(t->store, more))
        return -2;
    void **p = realloc(t->elems, want * sizeof *p);
    if (!p) {
        olw_store_uncharge(t->store, more);
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

static bool is_ref_type(olw_valtype t) { return t == OLW_FUNCREF || t == OLW_EXTERNREF; }

olw_table *olw_table_new(olw_store *s, olw_valtype elem, uint32_t min, uint32_t max, bool has_max, olw_value init)
{
    if (!is_ref_type(elem) || init.type != elem || (has_max && max < min))
        return NULL;
    return olw_table_create(s, elem, min, max, has_max, init.of.externref, NULL);
}

uint32_t olw_table_size(const olw_table *t) { return t->size; }

bool olw_table_get(const olw_table *t, uint32_t i, olw_value *out)
{
    if (i >= t->size)
        return false;
    out->type = t->elem;
    out->of.externref = t->elems[i];
    return true;
}

bool olw_table_set(olw_table *t, uint32_t i, olw_value v)
{
    if (i >= t->size || v.type != t->elem)
        return false;
    t->elems[i] = v.type == OLW_FUNCREF ? (void *)v.of.funcref : v.of.externref;
    return true;
}
