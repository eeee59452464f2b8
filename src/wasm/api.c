/*
 * api.c — loading modules (decode + validate + compile), module reflection
 * and calls from the embedder.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/jit.h"
#include "wasm/runtime.h"

/* Calls into wasm active at once on a store (host functions calling back). */
#define MAX_NESTING 100

bool olw_functype_equal(const olw_functype *a, const olw_functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           (a->types == b->types || !memcmp(a->types, b->types, a->nparams + a->nresults));
}

static void module_free(olw_module *m)
{
    olw_jit_free(m->jit);
    olw_compiled_free(m->compiled);
    olw_module_decl_free(m);
    free(m);
}

olw_module *olw_module_load_ex(const uint8_t *bytes, size_t size, const olw_load_options *opts, olw_error *err)
{
    olw_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    err->offset = SIZE_MAX;
    if (!bytes && size) {
        olw_fail(err, OLW_ERR_MALFORMED, 0, "no bytes");
        return NULL;
    }
    olw_module *m = calloc(1, sizeof *m);
    if (!m) {
        olw_fail(err, OLW_ERR_RESOURCE, SIZE_MAX, "out of memory");
        return NULL;
    }
    m->refcount = 1;
    m->metering = !(opts && opts->no_metering);
    m->interrupt = opts && opts->interrupt ? &opts->interrupt->interrupt : NULL;
    if (!olw_decode(m, bytes, size, err) || !olw_validate_module(m, err) || !olw_compile_module(m, err)) {
        module_free(m);
        return NULL;
    }
    if (olw_engine_resolve(opts ? opts->engine : OLW_ENGINE_DEFAULT) == OLW_ENGINE_JIT) {
        /* a module the compiling tier cannot take (or out of memory for its
         * code) runs in the interpreter; only an interrupted load fails */
        m->jit = olw_jit_compile(m, err);
        if (!m->jit && err->kind == OLW_ERR_TRAP) {
            module_free(m);
            return NULL;
        }
    }
    m->interrupt = NULL; /* the module outlives the load (and the store) */
    return m;
}

olw_engine olw_module_engine(const olw_module *m) { return m->jit ? OLW_ENGINE_JIT : OLW_ENGINE_INTERP; }

olw_module *olw_module_load(const uint8_t *bytes, size_t size, olw_error *err)
{
    return olw_module_load_ex(bytes, size, NULL, err);
}

bool olw_module_validate(const uint8_t *bytes, size_t size, olw_error *err)
{
    olw_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    err->offset = SIZE_MAX;
    struct olw_module m;
    memset(&m, 0, sizeof m);
    bool ok = olw_decode(&m, bytes, size, err) && olw_validate_module(&m, err);
    olw_module_decl_free(&m);
    return ok;
}

void olw_module_retain(olw_module *m)
{
    if (m)
        __atomic_fetch_add(&m->refcount, 1, __ATOMIC_RELAXED);
}

void olw_module_release(olw_module *m)
{
    if (m && __atomic_sub_fetch(&m->refcount, 1, __ATOMIC_ACQ_REL) == 0)
        module_free(m);
}

size_t olw_module_import_count(const olw_module *m) { return m->nimports; }
size_t olw_module_export_count(const olw_module *m) { return m->nexports; }

olw_import_info olw_module_import(const olw_module *m, size_t i)
{
    olw_import_info info;
    memset(&info, 0, sizeof info);
    if (i >= m->nimports)
        return info;
    const olw_import_decl *d = &m->imports[i];
    info.module = d->module;
    info.module_len = d->module_len;
    info.name = d->name;
    info.name_len = d->name_len;
    info.kind = d->kind;
    if (d->kind == OLW_EXTERN_FUNC && d->desc.type_index < m->ntypes)
        info.func_type = m->types[d->desc.type_index];
    return info;
}

olw_export_info olw_module_export(const olw_module *m, size_t i)
{
    olw_export_info info;
    memset(&info, 0, sizeof info);
    if (i >= m->nexports)
        return info;
    const olw_export_decl *d = &m->exports[i];
    info.name = d->name;
    info.name_len = d->name_len;
    info.kind = d->kind;
    if (d->kind == OLW_EXTERN_FUNC && d->index < m->nfuncs)
        info.func_type = m->types[m->func_type_index[d->index]];
    return info;
}

olw_functype olw_func_type(const olw_func *f) { return f->type; }

/* The embedder's call was wrong: its own trap code, so a caller can tell
 * it from a host function that failed. */
static olw_trap_code misuse(olw_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static olw_trap_code misuse(olw_store *s, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    olw_store_set_trap(s, OLW_TRAP_MISUSE, msg);
    return OLW_TRAP_MISUSE;
}

olw_trap_code olw_func_call(olw_store *s, olw_func *f, const olw_value *args, size_t nargs, olw_value *results,
                            size_t nresults)
{
    if (!s)
        return OLW_TRAP_MISUSE;
    if (!f)
        return misuse(s, "call of a null function");
    if (f->store != s)
        return misuse(s, "function belongs to another store");
    const olw_functype *t = &f->type;
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
            return misuse(s, "argument %zu has type %s, expected %s", i, olw_valtype_name(args[i].type),
                          olw_valtype_name(t->types[i]));
    if (!olw_store_reserve_stacks(s)) {
        olw_store_set_trap(s, OLW_TRAP_STACK_EXHAUSTED, "cannot allocate the value stack");
        return OLW_TRAP_STACK_EXHAUSTED;
    }
    olw_slot *slots = s->stack_top;
    size_t need = t->nparams > t->nresults ? t->nparams : t->nresults;
    if ((size_t)(s->stack + s->limits.max_stack_slots - slots) < need) {
        olw_store_set_trap(s, OLW_TRAP_STACK_EXHAUSTED, NULL);
        return OLW_TRAP_STACK_EXHAUSTED;
    }
    for (size_t i = 0; i < nargs; i++)
        slots[i].u = olw_value_to_slot(args[i]);

    /* Each re-entry from a host function costs C stack, so it is bounded
     * well below what the call-depth limit would allow. */
    if (s->nesting >= MAX_NESTING) {
        olw_store_set_trap(s, OLW_TRAP_STACK_EXHAUSTED, NULL);
        return OLW_TRAP_STACK_EXHAUSTED;
    }
    s->nesting++;
    olw_trap_code code;
    if (f->compiled) {
        code = f->instance->module->jit ? olw_jit_call(s, f, slots) : olw_interp_call(s, f, slots);
    } else {
        olw_slot *saved = s->stack_top;
        s->stack_top = slots + need;
        code = olw_call_host(s, f, NULL, slots);
        s->stack_top = saved;
    }
    s->nesting--;
    if (code != OLW_TRAP_NONE)
        return code;
    s->trap = OLW_TRAP_NONE;
    for (size_t i = 0; i < t->nresults; i++)
        results[i] = olw_value_from_slot(t->types[t->nparams + i], slots[i].u);
    return OLW_TRAP_NONE;
}
