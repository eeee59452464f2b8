/*
 * global.c — global variables. The value is kept as a raw slot (see the
 * top of wasm.h); the type says how to read it.
 */
#include <stdlib.h>

#include "wasm/runtime.h"

wasm_global *wasm_global_create(wasm_store *s, wasm_valtype type, bool mutable_, uint64_t bits)
{
    if (!wasm_store_charge(s, WASM_OBJECT_BYTES(wasm_global)))
        return NULL;
    wasm_global *g = calloc(1, sizeof *g);
    if (!g || !wasm_ptrvec_push(&s->globals, g)) {
        free(g);
        wasm_store_uncharge(s, WASM_OBJECT_BYTES(wasm_global));
        return NULL;
    }
    g->store = s;
    g->type = type;
    g->mutable_ = mutable_;
    g->value.u = bits;
    return g;
}

static bool valid_type(wasm_valtype t)
{
    return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64 || t == WASM_FUNCREF ||
           t == WASM_EXTERNREF;
}

/* The raw slot of a typed value, and back. */
uint64_t wasm_value_to_slot(wasm_value v)
{
    switch (v.type) {
    case WASM_I32: return (uint32_t)v.of.i32;
    case WASM_F32: return v.of.f32_bits;
    case WASM_I64: return (uint64_t)v.of.i64;
    case WASM_F64: return v.of.f64_bits;
    case WASM_FUNCREF: return (uint64_t)(uintptr_t)v.of.funcref;
    default: return (uint64_t)(uintptr_t)v.of.externref;
    }
}

wasm_value wasm_value_from_slot(wasm_valtype t, uint64_t bits)
{
    wasm_value v;
    v.type = t;
    switch (t) {
    case WASM_I32: v.of.i32 = (int32_t)(uint32_t)bits; break;
    case WASM_F32: v.of.f32_bits = (uint32_t)bits; break;
    case WASM_I64: v.of.i64 = (int64_t)bits; break;
    case WASM_F64: v.of.f64_bits = bits; break;
    case WASM_FUNCREF: v.of.funcref = (wasm_func *)(uintptr_t)bits; break;
    default: v.of.externref = (void *)(uintptr_t)bits; break;
    }
    return v;
}

wasm_global *wasm_global_new(wasm_store *s, wasm_value init, bool mutable_)
{
    if (!valid_type(init.type))
        return NULL;
    return wasm_global_create(s, init.type, mutable_, wasm_value_to_slot(init));
}

wasm_value wasm_global_get(const wasm_global *g) { return wasm_value_from_slot(g->type, g->value.u); }

bool wasm_global_set(wasm_global *g, wasm_value v)
{
    if (!g->mutable_ || v.type != g->type)
        return false;
    g->value.u = wasm_value_to_slot(v);
    return true;
}
