/*
 * host.c — host functions: creation from a compact signature, and the
 * olw_call context they receive.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

static int sig_type(char c)
{
    switch (c) {
    case 'i': return OLW_I32;
    case 'I': return OLW_I64;
    case 'f': return OLW_F32;
    case 'F': return OLW_F64;
    case 'r': return OLW_FUNCREF;
    case 'x': return OLW_EXTERNREF;
    default: return -1;
    }
}

olw_func *olw_func_new_host(olw_store *s, const char *sig, olw_host_callback cb, void *env)
{
    if (!s || !sig || !cb)
        return NULL;
    size_t len = strlen(sig);
    const char *arrow = strchr(sig, '>');
    size_t nparams = arrow ? (size_t)(arrow - sig) : len;
    size_t nresults = arrow ? len - nparams - 1 : 0;
    if (nparams > OLW_MAX_PARAMS || nresults > OLW_MAX_RESULTS)
        return NULL;
    olw_func *f = calloc(1, sizeof *f + nparams + nresults);
    if (!f)
        return NULL;
    olw_valtype *types = (olw_valtype *)(f + 1); /* the type array follows the struct */
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (arrow && sig + i == arrow)
            continue;
        int t = sig_type(sig[i]);
        if (t < 0) {
            free(f);
            return NULL;
        }
        types[k++] = (olw_valtype)t;
    }
    if (!olw_ptrvec_push(&s->funcs, f)) {
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

void *olw_call_env(olw_call *call) { return call->func->env; }
olw_store *olw_call_store(olw_call *call) { return call->store; }
olw_instance *olw_call_instance(olw_call *call) { return call->instance; }
olw_memory *olw_call_memory(olw_call *call) { return call->instance ? call->instance->mem0 : NULL; }

olw_trap_code olw_call_trap(olw_call *call, olw_trap_code code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    olw_store_set_trap(call->store, code, msg);
    call->recorded = true;
    return code;
}

olw_trap_code olw_call_exit(olw_call *call, int32_t code)
{
    call->store->exit_code = code;
    return olw_call_trap(call, OLW_TRAP_EXIT, "exit with code %d", (int)code);
}

olw_trap_code olw_call_charge(olw_call *call, uint64_t fuel)
{
    olw_store *s = call->store;
    if (fuel == 0 || (call->instance && !call->instance->module->metering))
        return OLW_TRAP_NONE;
    if (s->fuel < fuel)
        return olw_call_trap(call, OLW_TRAP_OUT_OF_FUEL, "out of fuel");
    s->fuel -= fuel;
    s->fuel_used += fuel;
    return OLW_TRAP_NONE;
}

olw_trap_code olw_call_host(olw_store *s, olw_func *f, olw_instance *caller, olw_slot *args)
{
    uint64_t small[16];
    uint32_t nr = f->type.nresults;
    uint64_t *results = nr <= 16 ? small : calloc(nr, sizeof *results);
    if (!results) {
        olw_store_set_trap(s, OLW_TRAP_HOST, "out of memory");
        return OLW_TRAP_HOST;
    }
    memset(results, 0, nr * sizeof *results);
    olw_call call = {s, caller, f, false};
    olw_trap_code code = f->callback(&call, (const uint64_t *)args, results);
    if (code == OLW_TRAP_NONE) {
        /* 32-bit results are stored zero-extended, like every 32-bit value */
        const olw_valtype *rt = f->type.types + f->type.nparams;
        for (uint32_t i = 0; i < nr; i++)
            args[i].u = rt[i] == OLW_I32 || rt[i] == OLW_F32 ? (uint32_t)results[i] : results[i];
    } else {
        if ((unsigned)code >= OLW_TRAP_COUNT)
            code = OLW_TRAP_HOST;
        if (!call.recorded)
            olw_store_set_trap(s, code, NULL);
    }
    if (results != small)
        free(results);
    return code;
}
