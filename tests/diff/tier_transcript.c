/*
 * tier_transcript.c — one tier's transcript of a module (see
 * tier_transcript.h), shared by tierrun and the wasm_tiers fuzz target.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tier_transcript.h"

#define MAX_VALUES 1100

static char letter(olw_valtype t)
{
    switch (t) {
    case OLW_I32: return 'i';
    case OLW_I64: return 'I';
    case OLW_F32: return 'f';
    case OLW_F64: return 'F';
    case OLW_FUNCREF: return 'r';
    case OLW_EXTERNREF: return 'e';
    default: return 'x';
    }
}

static void print_bits(FILE *out, olw_valtype t, uint64_t bits)
{
    if (t == OLW_FUNCREF || t == OLW_EXTERNREF)
        fprintf(out, bits ? " ref" : " null");
    else
        fprintf(out, " %c:%" PRIx64, letter(t), t == OLW_I32 || t == OLW_F32 ? bits & 0xffffffffu : bits);
}

static uint64_t value_bits(olw_value v)
{
    switch (v.type) {
    case OLW_I32: return (uint32_t)v.of.i32;
    case OLW_I64: return (uint64_t)v.of.i64;
    case OLW_F32: return v.of.f32_bits;
    case OLW_F64: return v.of.f64_bits;
    default: return v.of.funcref ? 1 : 0;
    }
}

typedef struct import_env {
    char name[128];
    olw_functype type;
    FILE *out;
} import_env;

static olw_trap_code log_import(olw_call *call, const uint64_t *args, uint64_t *results)
{
    import_env *e = olw_call_env(call);
    fprintf(e->out, "import %s", e->name);
    for (uint32_t i = 0; i < e->type.nparams; i++)
        print_bits(e->out, e->type.types[i], args[i]);
    fprintf(e->out, "\n");
    for (uint32_t i = 0; i < e->type.nresults; i++)
        results[i] = 0;
    return OLW_TRAP_NONE;
}

/* One tier's transcript of the module, into a malloc'd string. */
char *tier_transcript(const uint8_t *bytes, size_t len, olw_engine engine, uint64_t fuel, uint32_t max_pages,
                      bool *wrong_engine)
{
    char *text = NULL;
    size_t text_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    if (!out)
        return NULL;
    olw_error err;
    olw_load_options lo = {.engine = engine};
    olw_module *m = olw_module_load_ex(bytes, len, &lo, &err);
    if (!m) {
        fprintf(out, "load failed: %s\n", err.message);
        fclose(out);
        return text;
    }
    *wrong_engine = olw_module_engine(m) != engine;
    olw_limits limits = {.max_memory_pages = max_pages};
    olw_store *s = olw_store_new(&limits);
    olw_store_set_fuel(s, fuel); /* the start function runs under it too */
    olw_linker *l = olw_linker_new(s);
    size_t nimports = olw_module_import_count(m);
    import_env *envs = calloc(nimports ? nimports : 1, sizeof *envs);
    bool ok = envs != NULL;
    for (size_t i = 0; ok && i < nimports; i++) {
        olw_import_info imp = olw_module_import(m, i);
        if (imp.kind != OLW_EXTERN_FUNC || imp.func_type.nparams + imp.func_type.nresults > MAX_VALUES) {
            fprintf(out, "unsupported import\n");
            ok = false;
            break;
        }
        char sig[MAX_VALUES + 2];
        size_t k = 0;
        for (uint32_t p = 0; p < imp.func_type.nparams; p++)
            sig[k++] = letter(imp.func_type.types[p]);
        sig[k++] = '>';
        for (uint32_t r = 0; r < imp.func_type.nresults; r++)
            sig[k++] = letter(imp.func_type.types[imp.func_type.nparams + r]);
        sig[k] = 0;
        snprintf(envs[i].name, sizeof envs[i].name, "%.*s", (int)imp.name_len, imp.name);
        envs[i].type = imp.func_type;
        envs[i].out = out;
        char modname[128];
        snprintf(modname, sizeof modname, "%.*s", (int)imp.module_len, imp.module);
        olw_linker_define_host(l, modname, envs[i].name, sig, log_import, &envs[i]);
    }
    olw_instance *inst = ok ? olw_instantiate(s, m, l, &err) : NULL;
    if (ok && !inst)
        fprintf(out, "instantiate failed: %s (%s; fuel left %" PRIu64 ")\n", err.message, olw_store_trap_message(s),
                olw_store_fuel_remaining(s));
    static olw_value args[MAX_VALUES], results[MAX_VALUES];
    olw_func *hang = inst ? olw_instance_func(inst, "hangLimitInitializer") : NULL;
    for (size_t i = 0; inst && i < olw_module_export_count(m); i++) {
        olw_export_info e = olw_module_export(m, i);
        if (e.kind != OLW_EXTERN_FUNC || (e.name_len == 20 && !memcmp(e.name, "hangLimitInitializer", 20)))
            continue;
        if (hang)
            olw_func_call(s, hang, NULL, 0, NULL, 0);
        olw_extern ext;
        olw_instance_export_n(inst, e.name, e.name_len, &ext);
        olw_functype t = olw_func_type(ext.of.func);
        if (t.nparams > MAX_VALUES || t.nresults > MAX_VALUES)
            continue;
        for (uint32_t p = 0; p < t.nparams; p++) {
            memset(&args[p], 0, sizeof args[p]);
            args[p].type = t.types[p];
        }
        fprintf(out, "call %.*s\n", (int)e.name_len, e.name);
        olw_store_set_fuel(s, fuel);
        uint64_t used0 = olw_store_fuel_used(s);
        olw_trap_code code = olw_func_call(s, ext.of.func, args, t.nparams, results, t.nresults);
        if (code != OLW_TRAP_NONE) {
            fprintf(out, "trap %s: %s", olw_trap_name(code), olw_store_trap_message(s));
        } else {
            fprintf(out, "result");
            for (uint32_t r = 0; r < t.nresults; r++)
                print_bits(out, t.types[t.nparams + r], value_bits(results[r]));
        }
        fprintf(out, " (fuel %" PRIu64 ", left %" PRIu64 ")\n", olw_store_fuel_used(s) - used0,
                olw_store_fuel_remaining(s));
    }
    olw_linker_free(l);
    olw_store_free(s);
    olw_module_release(m);
    free(envs);
    fclose(out);
    return text;
}

