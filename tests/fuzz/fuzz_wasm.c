/*
 * fuzz_wasm.c — libFuzzer target for the whole engine: load (decode,
 * validate, compile) → instantiate with every import satisfied by a stub →
 * call every exported function with zero arguments under a small fuel and
 * memory budget → free everything. Any crash, leak or sanitizer report is
 * a bug; traps and load errors are expected outcomes.
 *
 * Import stubs: functions trap (OLW_TRAP_HOST) when called; memories,
 * tables and globals are fresh objects of the declared type (bounded in
 * size so the fuzzer measures the engine, not the allocator).
 *
 * Escaping a limit is a finding too (issue 10): everything the store holds
 * for the module must stay under its memory cap (peak memory), the
 * process's RSS must stay under FUZZ_MAX_RSS_MB, and one input (load,
 * instantiate, every call at FUZZ_FUEL) must take under FUZZ_MAX_SECONDS;
 * those abort with a message saying which.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"
#include "wasm/runtime.h"
#include "wasm/olw.h"

#define FUZZ_FUEL 100000
#define FUZZ_MAX_PAGES 16    /* 1 MiB of linear memory */
#define FUZZ_MAX_TABLE 10000 /* elements of an imported table stub */
#define FUZZ_MAX_ARGS 64
#define FUZZ_MAX_SECONDS 5.0 /* load + instantiate + calls of one input (ASan build) */
#define FUZZ_MAX_RSS_MB 2048 /* libFuzzer's own -rss_limit_mb is set above this */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A limit the engine let a module escape: report and abort (a finding). */
static void check_caps(const olw_store *s, double t0)
{
    uint64_t cap = (uint64_t)FUZZ_MAX_PAGES * 65536;
    if (s && olw_store_peak_memory_bytes(s) > cap) {
        fprintf(stderr, "fuzz_wasm: peak memory %llu bytes over the cap of %llu\n",
                (unsigned long long)olw_store_peak_memory_bytes(s), (unsigned long long)cap);
        abort();
    }
    double secs = now_s() - t0;
    if (secs > FUZZ_MAX_SECONDS) {
        fprintf(stderr, "fuzz_wasm: one input took %.1f s (over %.0f s)\n", secs, FUZZ_MAX_SECONDS);
        abort();
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss / 1024 > FUZZ_MAX_RSS_MB) {
        fprintf(stderr, "fuzz_wasm: RSS %ld MiB over %d MiB\n", ru.ru_maxrss / 1024, FUZZ_MAX_RSS_MB);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static olw_trap_code trapping_import(olw_call *call, const uint64_t *args, uint64_t *results)
{
    (void)args, (void)results;
    return olw_call_trap(call, OLW_TRAP_HOST, "import stub called");
}

static char sig_letter(olw_valtype t)
{
    switch (t) {
    case OLW_I32: return 'i';
    case OLW_I64: return 'I';
    case OLW_F32: return 'f';
    case OLW_F64: return 'F';
    case OLW_FUNCREF: return 'r';
    case OLW_EXTERNREF: return 'x';
    default: return '?';
    }
}

/* The compact signature of olw_func_new_host; false if it does not fit. */
static bool signature_of(const olw_functype *ft, char *buf, size_t size)
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

static olw_value zero_of(olw_valtype t)
{
    olw_value v;
    memset(&v, 0, sizeof v);
    v.type = t;
    return v;
}

/* Defines a stub for import i; leaves it undefined if no stub fits (the
 * instantiation then fails as unlinkable, which is fine). */
static void define_stub(olw_store *s, olw_linker *l, const olw_module *m, uint32_t i)
{
    const olw_import_decl *imp = &m->imports[i];
    olw_extern ext;
    memset(&ext, 0, sizeof ext);
    ext.kind = imp->kind;
    switch (imp->kind) {
    case OLW_EXTERN_FUNC: {
        char sig[2 * OLW_MAX_PARAMS + 4];
        if (!signature_of(&m->types[imp->desc.type_index], sig, sizeof sig))
            return;
        ext.of.func = olw_func_new_host(s, sig, trapping_import, NULL);
        break;
    }
    case OLW_EXTERN_TABLE: {
        const olw_tabletype *t = &imp->desc.table;
        if (t->limits.min > FUZZ_MAX_TABLE)
            return;
        ext.of.table = olw_table_new(s, t->elem, t->limits.min, t->limits.max, t->limits.has_max, zero_of(t->elem));
        break;
    }
    case OLW_EXTERN_MEMORY: {
        const olw_limits_decl *mem = &imp->desc.memory;
        if (mem->min > FUZZ_MAX_PAGES)
            return;
        ext.of.memory = olw_memory_new(s, mem->min, mem->max, mem->has_max);
        break;
    }
    case OLW_EXTERN_GLOBAL:
        ext.of.global = olw_global_new(s, zero_of(imp->desc.global.type), imp->desc.global.mutable_);
        break;
    }
    if (ext.of.func) /* any member: they share the storage */
        olw_linker_define(l, imp->module, imp->name, ext);
}

/* Inputs that do not start with the wasm magic are function bodies: they
 * are wrapped into a fixed module (tests/fuzz/wat/skeleton.wat) as the code
 * of its exported "run" (type [i32 i32] -> [i32], locals i64 f32 f64
 * externref funcref), next to an imported function and global, a memory,
 * a funcref and an externref table, globals, active and passive element
 * and data segments. Mutating bodies reaches the validator and the
 * interpreter far more often than mutating whole modules does. */
static const uint8_t skeleton_head[] = {
    /* header .. element section */
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x12, 0x03, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60,
    0x02, 0x7e, 0x7c, 0x01, 0x7d, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x15, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x04,
    0x68, 0x6f, 0x73, 0x74, 0x00, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f, 0x00, 0x03, 0x03, 0x02,
    0x01, 0x00, 0x04, 0x08, 0x02, 0x70, 0x01, 0x04, 0x08, 0x6f, 0x00, 0x02, 0x05, 0x04, 0x01, 0x01, 0x01, 0x02,
    0x06, 0x17, 0x03, 0x7f, 0x01, 0x41, 0x07, 0x0b, 0x7e, 0x01, 0x42, 0x09, 0x0b, 0x7c, 0x01, 0x44, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x0b, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x02, 0x09, 0x0c,
    0x02, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02, 0x01, 0x00, 0x01, 0x01, 0x0c, 0x01, 0x02, /* data count: 2 */
};
static const uint8_t skeleton_helper[] = {0x05, 0x00, 0x20, 0x01, 0xb6, 0x0b}; /* f32.demote_f64 (local.get 1) */
static const uint8_t skeleton_locals[] = {0x05, 0x01, 0x7e, 0x01, 0x7d, 0x01, 0x7c, 0x01, 0x6f, 0x01, 0x70};
static const uint8_t skeleton_data[] = {
    /* data section */
    0x0b, 0x20, 0x02, 0x01, 0x10, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62,
    0x63, 0x64, 0x65, 0x66, 0x00, 0x41, 0x10, 0x0b, 0x08, 0x73, 0x6b, 0x65, 0x6c, 0x65, 0x74, 0x6f, 0x6e,
};

static size_t put_uleb(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        out[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    return n;
}

/* The skeleton module with `body` (plus a final end) as the code of "run";
 * malloc'd, size in *out_size. */
static uint8_t *wrap_body(const uint8_t *body, size_t n, size_t *out_size)
{
    uint8_t *out =
        malloc(sizeof skeleton_head + sizeof skeleton_helper + sizeof skeleton_locals + sizeof skeleton_data + n + 32);
    if (!out)
        return NULL;
    size_t body_size = sizeof skeleton_locals + n + 1;
    uint8_t size_leb[10];
    size_t size_leb_len = put_uleb(size_leb, body_size);
    size_t code_size = 1 + sizeof skeleton_helper + size_leb_len + body_size;
    size_t k = 0;
    memcpy(out + k, skeleton_head, sizeof skeleton_head);
    k += sizeof skeleton_head;
    out[k++] = 0x0a;
    k += put_uleb(out + k, code_size);
    out[k++] = 2;
    memcpy(out + k, skeleton_helper, sizeof skeleton_helper);
    k += sizeof skeleton_helper;
    memcpy(out + k, size_leb, size_leb_len);
    k += size_leb_len;
    memcpy(out + k, skeleton_locals, sizeof skeleton_locals);
    k += sizeof skeleton_locals;
    if (n)
        memcpy(out + k, body, n);
    k += n;
    out[k++] = 0x0b;
    memcpy(out + k, skeleton_data, sizeof skeleton_data);
    k += sizeof skeleton_data;
    *out_size = k;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    double t0 = now_s();
    olw_error err;
    uint8_t *wrapped = NULL;
    if (size < 4 || memcmp(data, "\0asm", 4) != 0) {
        wrapped = wrap_body(data, size, &size);
        if (!wrapped)
            return 0;
        data = wrapped;
    }
    olw_module *m = olw_module_load(data, size, &err);
    free(wrapped);
    if (!m) {
        /* every failure must say what went wrong */
        if (err.kind == OLW_ERR_NONE || err.message[0] == '\0')
            __builtin_trap();
        check_caps(NULL, t0);
        return 0;
    }
    olw_limits limits = {
        .fuel = FUZZ_FUEL,
        .max_memory_pages = FUZZ_MAX_PAGES,
        .max_call_depth = 200,
        .max_stack_slots = 1 << 16,
    };
    olw_store *s = olw_store_new(&limits);
    olw_linker *l = s ? olw_linker_new(s) : NULL;
    if (!l)
        goto out;
    for (uint32_t i = 0; i < m->nimports; i++)
        define_stub(s, l, m, i);
    olw_instance *inst = olw_instantiate(s, m, l, &err);
    if (!inst)
        goto out;
    for (uint32_t i = 0; i < m->nexports; i++) {
        olw_extern ext;
        if (m->exports[i].kind != OLW_EXTERN_FUNC || !olw_instance_export_at(inst, i, NULL, &ext))
            continue;
        olw_functype ft = olw_func_type(ext.of.func);
        if (ft.nparams > FUZZ_MAX_ARGS || ft.nresults > FUZZ_MAX_ARGS)
            continue;
        olw_value args[FUZZ_MAX_ARGS], results[FUZZ_MAX_ARGS];
        for (uint32_t k = 0; k < ft.nparams; k++)
            args[k] = zero_of(ft.types[k]);
        olw_store_set_fuel(s, FUZZ_FUEL);
        olw_trap_code trap = olw_func_call(s, ext.of.func, args, ft.nparams, results, ft.nresults);
        if (trap != OLW_TRAP_NONE && !olw_store_trap_message(s))
            __builtin_trap();
    }
out:
    check_caps(s, t0);
    if (l)
        olw_linker_free(l);
    if (s)
        olw_store_free(s);
    olw_module_release(m);
    return 0;
}
