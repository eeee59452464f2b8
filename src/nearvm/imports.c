/*
 * imports.c — module "env": every host function, its wasm signature, and
 * the trampoline between the engine and the NEAR logic.
 *
 * Imports are checked against this table before instantiation, so an
 * unknown name or a wrong signature fails the call with NEAR's LinkError
 * (nearcore resolves imports per call, not at deploy).
 */
#include "nearvm/internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const nearvm_host_fn *const groups[] = {nearvm_fns_registers, nearvm_fns_context, nearvm_fns_results,
                                               nearvm_fns_storage,   nearvm_fns_crypto,  nearvm_fns_promises};
#define NGROUPS (sizeof groups / sizeof groups[0])

static const nearvm_host_fn *find_fn(const char *name, size_t len)
{
    for (size_t g = 0; g < NGROUPS; g++)
        for (const nearvm_host_fn *f = groups[g]; f->name; f++)
            if (strlen(f->name) == len && memcmp(f->name, name, len) == 0)
                return f;
    return NULL;
}

/* The compact signature of a function type ("II>I"), for comparison. */
static bool sig_of(olw_functype t, char *buf, size_t size)
{
    size_t n = 0;
    for (uint32_t i = 0; i < t.nparams + t.nresults; i++) {
        if (i == t.nparams) {
            if (n + 1 >= size)
                return false;
            buf[n++] = '>';
        }
        char c;
        switch (t.types[i]) {
        case OLW_I32: c = 'i'; break;
        case OLW_I64: c = 'I'; break;
        case OLW_F32: c = 'f'; break;
        case OLW_F64: c = 'F'; break;
        default: c = '?'; break;
        }
        if (n + 1 >= size)
            return false;
        buf[n++] = c;
    }
    buf[n] = 0;
    return true;
}

static bool same_sig(const char *want, const char *got)
{
    /* "I>" and "I" both mean "no results" */
    size_t a = strlen(want), b = strlen(got);
    if (a && want[a - 1] == '>')
        a--;
    if (b && got[b - 1] == '>')
        b--;
    return a == b && memcmp(want, got, a) == 0;
}

bool nearvm_check_imports(const olw_module *m, char *msg, size_t msg_size)
{
    size_t n = olw_module_import_count(m);
    for (size_t i = 0; i < n; i++) {
        olw_import_info imp = olw_module_import(m, i);
        if (imp.kind == OLW_EXTERN_MEMORY && imp.module_len == 3 && memcmp(imp.module, "env", 3) == 0 &&
            imp.name_len == 6 && memcmp(imp.name, "memory", 6) == 0)
            continue; /* added by preparation */
        const nearvm_host_fn *f = NULL;
        if (imp.kind == OLW_EXTERN_FUNC && imp.module_len == 3 && memcmp(imp.module, "env", 3) == 0)
            f = find_fn(imp.name, imp.name_len);
        if (!f) {
            snprintf(msg, msg_size, "unknown import: `%.*s::%.*s` has not been defined", (int)imp.module_len,
                     imp.module, (int)imp.name_len, imp.name);
            return false;
        }
        char got[64];
        if (!sig_of(imp.func_type, got, sizeof got) || !same_sig(f->sig, got)) {
            snprintf(msg, msg_size, "incompatible import type for `%.*s::%.*s`", (int)imp.module_len, imp.module,
                     (int)imp.name_len, imp.name);
            return false;
        }
    }
    return true;
}

typedef struct nearvm_binding {
    nearvm_logic *logic;
    const nearvm_host_fn *fn;
} nearvm_binding;

static olw_trap_code trampoline(olw_call *call, const uint64_t *args, uint64_t *results)
{
    nearvm_binding *b = olw_call_env(call);
    nearvm_logic *L = b->logic;
    if (L->failed)
        return olw_call_trap(call, OLW_TRAP_HOST, "%s", L->out->error.message);
    nearvm_gas_sync(L);
    if (L->failed || !b->fn->impl(L, args, results))
        return olw_call_trap(call, OLW_TRAP_HOST, "%s", L->out->error.message ? L->out->error.message : "host error");
    nearvm_gas_refuel(L);
    return OLW_TRAP_NONE;
}

/* Bindings live as long as the logic; one allocation for all of them. */
bool nearvm_link(nearvm_logic *L, olw_linker *linker, char *detail, size_t detail_size)
{
    size_t total = 0;
    for (size_t g = 0; g < NGROUPS; g++)
        for (const nearvm_host_fn *f = groups[g]; f->name; f++)
            total++;
    nearvm_binding *b = calloc(total, sizeof *b);
    if (!b) {
        snprintf(detail, detail_size, "out of memory");
        return false;
    }
    L->bindings = b;
    for (size_t g = 0; g < NGROUPS; g++) {
        for (const nearvm_host_fn *f = groups[g]; f->name; f++, b++) {
            b->logic = L;
            b->fn = f;
            if (!olw_linker_define_host(linker, "env", f->name, f->sig, trampoline, b)) {
                snprintf(detail, detail_size, "cannot define env.%s", f->name);
                return false;
            }
        }
    }
    return true;
}

static const char *all_names[160];

static void collect_names(void)
{
    size_t n = 0;
    for (size_t g = 0; g < NGROUPS; g++)
        for (const nearvm_host_fn *f = groups[g]; f->name && n + 1 < sizeof all_names / sizeof all_names[0]; f++)
            all_names[n++] = f->name;
    all_names[n] = NULL;
}

const char *const *nearvm_host_function_names(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, collect_names);
    return all_names;
}
