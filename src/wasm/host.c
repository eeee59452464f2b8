/*
 * host.c — host functions: creation from a compact signature, and the
 * wasm_call context they receive.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

static int sig_type(char c)
{
    switch (c) {
    case 'i': return WASM_I32;
    case 'I': return WASM_I64;
    case 'f': return WASM_F32;
    case 'F': return WASM_F64;
    case 'r': return WASM_FUNCREF;
    case 'x': return WASM_EXTERNREF;
    default: return -1;
    }
}

wasm_func *wasm_func_new_host(wasm_store *s, const char *sig, wasm_host_callback cb, void *env)
{
    if (!s || !sig || !cb)
        return NULL;
    size_t len = strlen(sig);
    const char *arrow = strchr(sig, '>');
    size_t nparams = arrow ? (size_t)(arrow - sig) : len;
    size_t nresults = arrow ? len - nparams - 1 : 0;
    if (nparams > WASM_MAX_PARAMS || nresults > WASM_MAX_RESULTS)
        return NULL;
    wasm_func *f = calloc(1, sizeof *f + nparams + nresults);
    if (!f)
        return NULL;
    wasm_valtype *types = (wasm_valtype *)(f + 1); /* the type array follows the struct */
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (arrow && sig + i == arrow)
            continue;
        int t = sig_type(sig[i]);
        if (t < 0) {
            free(f);
            return NULL;
        }
        types[k++] = (wasm_valtype)t;
    }
    if (!wasm_ptrvec_push(&s->funcs, f)) {
        free(f);
        return NULL;
    }
    f->type.nparams = (uint32_t)nparams;
    f->type.nresults = (uint32_t)nresults;
    f->type.types = types;
    f->store = s;
    f->callback = cb;
    f->env = env;
    return f;
}

void *wasm_call_env(wasm_call *call) { return call->func->env; }
wasm_store *wasm_call_store(wasm_call *call) { return call->store; }
wasm_instance *wasm_call_instance(wasm_call *call) { return call->instance; }
wasm_memory *wasm_call_memory(wasm_call *call) { return call->instance ? call->instance->mem0 : NULL; }

wasm_trap_code wasm_call_trap(wasm_call *call, wasm_trap_code code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wasm_store_set_trap(call->store, code, msg);
    call->recorded = true;
    return code;
}

wasm_trap_code wasm_call_exit(wasm_call *call, int32_t code)
{
    call->store->exit_code = code;
    return wasm_call_trap(call, WASM_TRAP_EXIT, "exit with code %d", (int)code);
}

wasm_trap_code wasm_call_charge(wasm_call *call, uint64_t fuel)
{
    wasm_store *s = call->store;
    if (fuel == 0 || (call->instance && !call->instance->module->metering))
        return WASM_TRAP_NONE;
    if (s->fuel < fuel)
        return wasm_call_trap(call, WASM_TRAP_OUT_OF_FUEL, "out of fuel");
    s->fuel -= fuel;
    s->fuel_used += fuel;
    return WASM_TRAP_NONE;
}

wasm_trap_code wasm_call_host(wasm_store *s, wasm_func *f, wasm_instance *caller, wasm_slot *args)
{
    uint64_t small[16];
    uint32_t nr = f->type.nresults;
    uint64_t *results = nr <= 16 ? small : calloc(nr, sizeof *results);
    if (!results) {
        wasm_store_set_trap(s, WASM_TRAP_HOST, "out of memory");
        return WASM_TRAP_HOST;
    }
    memset(results, 0, nr * sizeof *results);
    wasm_call call = {s, caller, f, false};
    wasm_trap_code code = f->callback(&call, (const uint64_t *)args, results);
    if (code == WASM_TRAP_NONE) {
        /* 32-bit results are stored zero-extended, like every 32-bit value */
        const wasm_valtype *rt = f->type.types + f->type.nparams;
        for (uint32_t i = 0; i < nr; i++)
            args[i].u = rt[i] == WASM_I32 || rt[i] == WASM_F32 ? (uint32_t)results[i] : results[i];
    } else {
        if ((unsigned)code >= WASM_TRAP_COUNT)
            code = WASM_TRAP_HOST;
        if (!call.recorded)
            wasm_store_set_trap(s, code, NULL);
    }
    if (results != small)
        free(results);
    return code;
}
