/*
 * fuzz_wasm.c — libFuzzer target for the whole engine: load (decode,
 * validate, compile) → instantiate with every import satisfied by a stub →
 * call every exported function with zero arguments under a small fuel and
 * memory budget → free everything. Any crash, leak or sanitizer report is
 * a bug; traps and load errors are expected outcomes.
 *
 * Import stubs: functions trap (WASM_TRAP_HOST) when called; memories,
 * tables and globals are fresh objects of the declared type (bounded in
 * size so the fuzzer measures the engine, not the allocator).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wasm/module.h"
#include "wasm/runtime.h"
#include "wasm/wasm.h"

#define FUZZ_FUEL 100000
#define FUZZ_MAX_PAGES 16        /* 1 MiB of linear memory */
#define FUZZ_MAX_TABLE 10000     /* elements of an imported table stub */
#define FUZZ_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wasm_trap_code trapping_import(wasm_call *call, const uint64_t *args, uint64_t *results)
{
    (void)args, (void)results;
    return wasm_call_trap(call, WASM_TRAP_HOST, "import stub called");
}

static char sig_letter(wasm_valtype t)
{
    switch (t) {
    case WASM_I32: return 'i';
    case WASM_I64: return 'I';
    case WASM_F32: return 'f';
    case WASM_F64: return 'F';
    case WASM_FUNCREF: return 'r';
    case WASM_EXTERNREF: return 'x';
    default: return '?';
    }
}

/* The compact signature of wasm_func_new_host; false if it does not fit. */
static bool signature_of(const wasm_functype *ft, char *buf, size_t size)
{
    size_t n = 0;
    if ((size_t)ft->nparams + ft->nresults + 2 > size)
        return false;
    for (uint32_t i = 0; i < ft->nparams; i++)
        buf[n++] = sig_letter(ft->types[i]);
    buf[n++] = '>';
    for (uint32_t i = 0; i < ft->nresults; i++)
        buf[n++] = sig_letter(ft->types[ft->nparams + i]);
    buf[n] = '\0';
    return true;
}

static wasm_value zero_of(wasm_valtype t)
{
    wasm_value v;
    memset(&v, 0, sizeof v);
    v.type = t;
    return v;
}

/* Defines a stub for import i; leaves it undefined if no stub fits (the
 * instantiation then fails as unlinkable, which is fine). */
static void define_stub(wasm_store *s, wasm_linker *l, const wasm_module *m, uint32_t i)
{
    const wasm_import_decl *imp = &m->imports[i];
    wasm_extern ext;
    memset(&ext, 0, sizeof ext);
    ext.kind = imp->kind;
    switch (imp->kind) {
    case WASM_EXTERN_FUNC: {
        char sig[2 * WASM_MAX_PARAMS + 4];
        if (!signature_of(&m->types[imp->desc.type_index], sig, sizeof sig))
            return;
        ext.of.func = wasm_func_new_host(s, sig, trapping_import, NULL);
        break;
    }
    case WASM_EXTERN_TABLE: {
        const wasm_tabletype *t = &imp->desc.table;
        if (t->limits.min > FUZZ_MAX_TABLE)
            return;
        ext.of.table = wasm_table_new(s, t->elem, t->limits.min, t->limits.max, t->limits.has_max, zero_of(t->elem));
        break;
    }
    case WASM_EXTERN_MEMORY: {
        const wasm_limits_decl *mem = &imp->desc.memory;
        if (mem->min > FUZZ_MAX_PAGES)
            return;
        ext.of.memory = wasm_memory_new(s, mem->min, mem->max, mem->has_max);
        break;
    }
    case WASM_EXTERN_GLOBAL:
        ext.of.global = wasm_global_new(s, zero_of(imp->desc.global.type), imp->desc.global.mutable_);
        break;
    }
    if (ext.of.func) /* any member: they share the storage */
        wasm_linker_define(l, imp->module, imp->name, ext);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_error err;
    wasm_module *m = wasm_module_load(data, size, &err);
    if (!m) {
        /* every failure must say what went wrong */
        if (err.kind == WASM_ERR_NONE || err.message[0] == '\0')
            __builtin_trap();
        return 0;
    }
    wasm_limits limits = {
        .fuel = FUZZ_FUEL,
        .max_memory_pages = FUZZ_MAX_PAGES,
        .max_call_depth = 200,
        .max_stack_slots = 1 << 16,
    };
    wasm_store *s = wasm_store_new(&limits);
    wasm_linker *l = s ? wasm_linker_new(s) : NULL;
    if (!l)
        goto out;
    for (uint32_t i = 0; i < m->nimports; i++)
        define_stub(s, l, m, i);
    wasm_instance *inst = wasm_instantiate(s, m, l, &err);
    if (!inst)
        goto out;
    for (uint32_t i = 0; i < m->nexports; i++) {
        wasm_extern ext;
        if (m->exports[i].kind != WASM_EXTERN_FUNC || !wasm_instance_export_at(inst, i, &ext))
            continue;
        wasm_functype ft = wasm_func_type(ext.of.func);
        if (ft.nparams > FUZZ_MAX_ARGS || ft.nresults > FUZZ_MAX_ARGS)
            continue;
        wasm_value args[FUZZ_MAX_ARGS], results[FUZZ_MAX_ARGS];
        for (uint32_t k = 0; k < ft.nparams; k++)
            args[k] = zero_of(ft.types[k]);
        wasm_store_set_fuel(s, FUZZ_FUEL);
        wasm_trap_code trap = wasm_func_call(s, ext.of.func, args, ft.nparams, results, ft.nresults);
        if (trap != WASM_TRAP_NONE && !wasm_store_trap_message(s))
            __builtin_trap();
    }
out:
    if (l)
        wasm_linker_free(l);
    if (s)
        wasm_store_free(s);
    wasm_module_release(m);
    return 0;
}
