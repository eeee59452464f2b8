/*
 * diffrun.c — our side of the differential test against V8 (tests/diff/).
 *
 *   diffrun sigs M.wasm   the module's function imports and exports with their
 *                         types, as JSON (what run.mjs needs to format values)
 *   diffrun run M.wasm    runs the module the way tests/diff/run.mjs runs it
 *                         in node, printing one line per event
 *
 * The protocol (binaryen's fuzz_shell.js, simplified): every function import
 * logs "import NAME args..." and returns zeros; every exported function,
 * in export order, is called with zero arguments (after the exported
 * "hangLimitInitializer", if any, which binaryen's -ttf modules use to
 * bound loops), printing "call NAME" then "result v..." or "trap". A call
 * that exhausts the stack or the fuel prints "stop ..." and ends the run:
 * engines differ in stack depth, so nothing after it is compared. Values:
 * integers signed decimal, floats as hex bits (any NaN as "nan"),
 * references "null" or "ref".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/olw.h"

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

static char letter(olw_valtype t)
{
    switch (t) {
    case OLW_I32: return 'i';
    case OLW_I64: return 'I';
    case OLW_F32: return 'f';
    case OLW_F64: return 'F';
    case OLW_FUNCREF: return 'r';
    default: return 'x';
    }
}

static void print_value(olw_valtype t, uint64_t bits)
{
    switch (t) {
    case OLW_I32: printf(" %" PRId32, (int32_t)(uint32_t)bits); break;
    case OLW_I64: printf(" %" PRId64, (int64_t)bits); break;
    case OLW_F32:
        if (((uint32_t)bits & 0x7f800000u) == 0x7f800000u && ((uint32_t)bits & 0x7fffffu))
            printf(" nan");
        else
            printf(" f32:%08" PRIx32, (uint32_t)bits);
        break;
    case OLW_F64:
        if ((bits & UINT64_C(0x7ff0000000000000)) == UINT64_C(0x7ff0000000000000) && (bits & UINT64_C(0xfffffffffffff)))
            printf(" nan");
        else
            printf(" f64:%016" PRIx64, bits);
        break;
    default: printf(bits ? " ref" : " null"); break;
    }
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
} import_env;

static olw_trap_code log_import(olw_call *call, const uint64_t *args, uint64_t *results)
{
    import_env *e = olw_call_env(call);
    printf("import %s", e->name);
    for (uint32_t i = 0; i < e->type.nparams; i++)
        print_value(e->type.types[i], args[i]);
    printf("\n");
    for (uint32_t i = 0; i < e->type.nresults; i++)
        results[i] = 0;
    return OLW_TRAP_NONE;
}

static void print_types(const olw_functype *t)
{
    printf("\"params\":\"");
    for (uint32_t i = 0; i < t->nparams; i++)
        putchar(letter(t->types[i]));
    printf("\",\"results\":\"");
    for (uint32_t i = 0; i < t->nresults; i++)
        putchar(letter(t->types[t->nparams + i]));
    printf("\"");
}

/* Names are printed raw inside JSON strings: binaryen's are plain ASCII. */
static int sigs(const olw_module *m)
{
    printf("{\"imports\":[");
    bool first = true;
    for (size_t i = 0; i < olw_module_import_count(m); i++) {
        olw_import_info imp = olw_module_import(m, i);
        if (imp.kind != OLW_EXTERN_FUNC)
            continue;
        printf("%s{\"module\":\"%.*s\",\"name\":\"%.*s\",", first ? "" : ",", (int)imp.module_len, imp.module,
               (int)imp.name_len, imp.name);
        print_types(&imp.func_type);
        printf("}");
        first = false;
    }
    printf("],\"exports\":[");
    first = true;
    for (size_t i = 0; i < olw_module_export_count(m); i++) {
        olw_export_info e = olw_module_export(m, i);
        if (e.kind != OLW_EXTERN_FUNC)
            continue;
        printf("%s{\"name\":\"%.*s\",", first ? "" : ",", (int)e.name_len, e.name);
        print_types(&e.func_type);
        printf("}");
        first = false;
    }
    printf("]}\n");
    return 0;
}

#define MAX_VALUES 1100

static int run(olw_module *m)
{
    olw_limits limits = {.fuel = 2000000000u, .max_memory_pages = 65536};
    olw_store *s = olw_store_new(&limits);
    olw_linker *l = olw_linker_new(s);
    size_t nimports = olw_module_import_count(m);
    import_env *envs = calloc(nimports ? nimports : 1, sizeof *envs);
    for (size_t i = 0; i < nimports; i++) {
        olw_import_info imp = olw_module_import(m, i);
        if (imp.kind != OLW_EXTERN_FUNC) {
            printf("unsupported import kind\n");
            return 0;
        }
        char sig[2 * MAX_VALUES + 2];
        size_t k = 0;
        for (uint32_t p = 0; p < imp.func_type.nparams; p++)
            sig[k++] = letter(imp.func_type.types[p]);
        sig[k++] = '>';
        for (uint32_t r = 0; r < imp.func_type.nresults; r++)
            sig[k++] = letter(imp.func_type.types[imp.func_type.nparams + r]);
        sig[k] = 0;
        snprintf(envs[i].name, sizeof envs[i].name, "%.*s", (int)imp.name_len, imp.name);
        envs[i].type = imp.func_type;
        char modname[128];
        snprintf(modname, sizeof modname, "%.*s", (int)imp.module_len, imp.module);
        olw_linker_define_host(l, modname, envs[i].name, sig, log_import, &envs[i]);
    }
    olw_error err;
    olw_instance *inst = olw_instantiate(s, m, l, &err);
    if (!inst) {
        printf("instantiate failed\n");
        fflush(stdout);
        return 0;
    }
    olw_func *hang = olw_instance_func(inst, "hangLimitInitializer");
    static olw_value args[MAX_VALUES], results[MAX_VALUES];
    for (size_t i = 0; i < olw_module_export_count(m); i++) {
        olw_export_info e = olw_module_export(m, i);
        if (e.kind != OLW_EXTERN_FUNC || (e.name_len == 20 && !memcmp(e.name, "hangLimitInitializer", 20)))
            continue;
        if (hang)
            olw_func_call(s, hang, NULL, 0, NULL, 0);
        olw_extern ext;
        olw_instance_export_n(inst, e.name, e.name_len, &ext);
        olw_functype t = olw_func_type(ext.of.func);
        for (uint32_t p = 0; p < t.nparams; p++) {
            memset(&args[p], 0, sizeof args[p]);
            args[p].type = t.types[p];
        }
        printf("call %.*s\n", (int)e.name_len, e.name);
        olw_trap_code code = olw_func_call(s, ext.of.func, args, t.nparams, results, t.nresults);
        if (code == OLW_TRAP_STACK_EXHAUSTED || code == OLW_TRAP_OUT_OF_FUEL) {
            printf("stop %s\n", olw_trap_name(code));
            break;
        }
        if (code != OLW_TRAP_NONE) {
            printf("trap\n");
            continue;
        }
        printf("result");
        for (uint32_t r = 0; r < t.nresults; r++)
            print_value(t.types[t.nparams + r], value_bits(results[r]));
        printf("\n");
    }
    fflush(stdout);
    olw_linker_free(l);
    olw_store_free(s);
    free(envs);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "sigs") && strcmp(argv[1], "run"))) {
        fprintf(stderr, "usage: diffrun sigs|run M.wasm\n");
        return 64;
    }
    size_t len;
    uint8_t *bytes = read_file(argv[2], &len);
    if (!bytes) {
        perror(argv[2]);
        return 66;
    }
    olw_error err;
    olw_module *m = olw_module_load(bytes, len, &err);
    free(bytes);
    if (!m) {
        printf("load failed: %s\n", err.message);
        return 0;
    }
    int rc = strcmp(argv[1], "sigs") == 0 ? sigs(m) : run(m);
    olw_module_release(m);
    return rc;
}
