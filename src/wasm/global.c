/*
 * global.c — global variables. The value is kept as a raw slot (see the
 * top of olw.h); the type says how to read it.
 */
#include <stdlib.h>

#include "wasm/runtime.h"

olw_global *olw_global_create(olw_store *s, olw_valtype type, bool mutable_, uint64_t bits)
{
    if (!olw_store_charge(s, OLW_OBJECT_BYTES(olw_global)))
        return NULL;
    olw_global *g = calloc(1, sizeof *g);
    if (!g || !olw_ptrvec_push(&s->globals, g)) {
        free(g);
        olw_store_uncharge(s, OLW_OBJECT_BYTES(olw_global));
        return NULL;
    }
    g->store = s;
    g->type = type;
    g->mutable_ = mutable_;
    g->value.u = bits;
    return g;
}

static bool valid_type(olw_valtype t)
{
    return t == OLW_I32 || t == OLW_I64 || t == OLW_F32 || t == OLW_F64 || t == OLW_FUNCREF || t == OLW_EXTERNREF;
}

/* The raw slot of a typed value, and back. */
uint64_t olw_value_to_slot(olw_value v)
{
    switch (v.type) {
    case OLW_I32: return (uint32_t)v.of.i32;
    case OLW_F32: return v.of.f32_bits;
    case OLW_I64: return (uint64_t)v.of.i64;
    case OLW_F64: return v.of.f64_bits;
    case OLW_FUNCREF: return (uint64_t)(uintptr_t)v.of.funcref;
    default: return (uint64_t)(uintptr_t)v.of.externref;
    }
}

olw_value olw_value_from_slot(olw_valtype t, uint64_t bits)
{
    olw_value v;
    v.type = t;
    switch (t) {
    case OLW_I32: v.of.i32 = (int32_t)(uint32_t)bits; break;
    case OLW_F32: v.of.f32_bits = (uint32_t)bits; break;
    case OLW_I64: v.of.i64 = (int64_t)bits; break;
    case OLW_F64: v.of.f64_bits = bits; break;
    case OLW_FUNCREF: v.of.funcref = (olw_func *)(uintptr_t)bits; break;
    default: v.of.externref = (void *)(uintptr_t)bits; break;
    }
    return v;
}

olw_global *olw_global_new(olw_store *s, olw_value init, bool mutable_)
{
    if (!valid_type(init.type))
        return NULL;
    return olw_global_create(s, init.type, mutable_, olw_value_to_slot(init));
}

olw_value olw_global_get(const olw_global *g) { return olw_value_from_slot(g->type, g->value.u); }

bool olw_global_set(olw_global *g, olw_value v)
{
    if (!g->mutable_ || v.type != g->type)
        return false;
    g->value.u = olw_value_to_slot(v);
    return true;
}
