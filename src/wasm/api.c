/*
 * api.c — loading modules (decode + validate + compile), module reflection
 * and calls from the embedder.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

/* Calls into wasm active at once on a store (host functions calling back). */
#define MAX_NESTING 100

bool wasm_functype_equal(const wasm_functype *a, const wasm_functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           (a->types == b->types || !memcmp(a->types, b->types, a->nparams + a->nresults));
}

static void module_free(wasm_module *m)
{
    wasm_compiled_free(m->compiled);
    wasm_module_decl_free(m);
    free(m);
}

wasm_module *wasm_module_load_ex(const uint8_t *bytes, size_t size, const wasm_load_options *opts,
                                 wasm_error *err)
{
    wasm_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    err->offset = SIZE_MAX;
    if (!bytes && size) {
        wasm_fail(err, WASM_ERR_MALFORMED, 0, "no bytes");
        return NULL;
    }
    wasm_module *m = calloc(1, sizeof *m);
    if (!m) {
        wasm_fail(err, WASM_ERR_RESOURCE, SIZE_MAX, "out of memory");
        return NULL;
    }
    m->refcount = 1;
    m->metering = !(opts && opts->no_metering);
    m->interrupt = opts && opts->interrupt ? &opts->interrupt->interrupt : NULL;
    if (!wasm_decode(m, bytes, size, err) || !wasm_validate_module(m, err) || !wasm_compile_module(m, err)) {
        module_free(m);
        return NULL;
    }
    m->interrupt = NULL; /* the module outlives the load (and the store) */
    return m;
}

wasm_module *wasm_module_load(const uint8_t *bytes, size_t size, wasm_error *err)
{
    return wasm_module_load_ex(bytes, size, NULL, err);
}

bool wasm_module_validate(const uint8_t *bytes, size_t size, wasm_error *err)
{
    wasm_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    err->offset = SIZE_MAX;
    struct wasm_module m;
    memset(&m, 0, sizeof m);
    bool ok = wasm_decode(&m, bytes, size, err) && wasm_validate_module(&m, err);
    wasm_module_decl_free(&m);
    return ok;
}

void wasm_module_retain(wasm_module *m)
{
    if (m)
        __atomic_fetch_add(&m->refcount, 1, __ATOMIC_RELAXED);
}

void wasm_module_release(wasm_module *m)
{
    if (m && __atomic_sub_fetch(&m->refcount, 1, __ATOMIC_ACQ_REL) == 0)
        module_free(m);
}

size_t wasm_module_import_count(const wasm_module *m) { return m->nimports; }
size_t wasm_module_export_count(const wasm_module *m) { return m->nexports; }

wasm_import_info wasm_module_import(const wasm_module *m, size_t i)
{
    wasm_import_info info;
    memset(&info, 0, sizeof info);
    if (i >= m->nimports)
        return info;
    const wasm_import_decl *d = &m->imports[i];
    info.module = d->module;
    info.module_len = d->module_len;
    info.name = d->name;
    info.name_len = d->name_len;
    info.kind = d->kind;
    if (d->kind == WASM_EXTERN_FUNC && d->desc.type_index < m->ntypes)
        info.func_type = m->types[d->desc.type_index];
    return info;
}

wasm_export_info wasm_module_export(const wasm_module *m, size_t i)
{
    wasm_export_info info;
    memset(&info, 0, sizeof info);
    if (i >= m->nexports)
        return info;
    const wasm_export_decl *d = &m->exports[i];
    info.name = d->name;
    info.name_len = d->name_len;
    info.kind = d->kind;
    if (d->kind == WASM_EXTERN_FUNC && d->index < m->nfuncs)
        info.func_type = m->types[m->func_type_index[d->index]];
    return info;
}

wasm_functype wasm_func_type(const wasm_func *f) { return f->type; }

/* The embedder's call was wrong: its own trap code, so a caller can tell
 * it from a host function that failed. */
static wasm_trap_code misuse(wasm_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static wasm_trap_code misuse(wasm_store *s, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wasm_store_set_trap(s, WASM_TRAP_MISUSE, msg);
    return WASM_TRAP_MISUSE;
}

wasm_trap_code wasm_func_call(wasm_store *s, wasm_func *f, const wasm_value *args, size_t nargs,
                              wasm_value *results, size_t nresults)
{
    if (!s)
        return WASM_TRAP_MISUSE;
    if (!f)
        return misuse(s, "call of a null function");
    if (f->store != s)
        return misuse(s, "function belongs to another store");
    const wasm_functype *t = &f->type;
    if (nargs != t->nparams)
        return misuse(s, "wrong number of arguments: expected %u, got %zu", t->nparams, nargs);
    if (nresults < t->nresults)
        return misuse(s, "result buffer too small: %u results, room for %zu", t->nresults, nresults);
    if (nargs && !args)
        return misuse(s, "no argument array for %zu arguments", nargs);
    if (t->nresults && !results)
        return misuse(s, "no result array for %u results", t->nresults);
    for (size_t i = 0; i < nargs; i++)
        if (args[i].type != t->types[i])
            return misuse(s, "argument %zu has type %s, expected %s", i, wasm_valtype_name(args[i].type),
                          wasm_valtype_name(t->types[i]));
    if (!wasm_store_reserve_stacks(s)) {
        wasm_store_set_trap(s, WASM_TRAP_STACK_EXHAUSTED, "cannot allocate the value stack");
        return WASM_TRAP_STACK_EXHAUSTED;
    }
    wasm_slot *slots = s->stack_top;
    size_t need = t->nparams > t->nresults ? t->nparams : t->nresults;
    if ((size_t)(s->stack + s->limits.max_stack_slots - slots) < need) {
        wasm_store_set_trap(s, WASM_TRAP_STACK_EXHAUSTED, NULL);
        return WASM_TRAP_STACK_EXHAUSTED;
    }
    for (size_t i = 0; i < nargs; i++)
        slots[i].u = wasm_value_to_slot(args[i]);

    /* Each re-entry from a host function costs C stack, so it is bounded
     * well below what the call-depth limit would allow. */
    if (s->nesting >= MAX_NESTING) {
        wasm_store_set_trap(s, WASM_TRAP_STACK_EXHAUSTED, NULL);
        return WASM_TRAP_STACK_EXHAUSTED;
    }
    s->nesting++;
    wasm_trap_code code;
    if (f->compiled) {
        code = wasm_interp_call(s, f, slots);
    } else {
        wasm_slot *saved = s->stack_top;
        s->stack_top = slots + need;
        code = wasm_call_host(s, f, NULL, slots);
        s->stack_top = saved;
    }
    s->nesting--;
    if (code != WASM_TRAP_NONE)
        return code;
    s->trap = WASM_TRAP_NONE;
    for (size_t i = 0; i < t->nresults; i++)
        results[i] = wasm_value_from_slot(t->types[t->nparams + i], slots[i].u);
    return WASM_TRAP_NONE;
}
