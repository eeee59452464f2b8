/*
 * jit_runtime.c — entering compiled code, and the helpers it calls: the
 * instructions without a machine-code template (olw_jit_step, the
 * interpreter's own semantics from interp_ops.h) and calls through the
 * function index space or a table (olw_jit_call_ref), which may reach a
 * host function, another module's compiled code or an interpreted module.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/interp_ops.h"
#include "wasm/jit.h"

bool olw_jit_available(void)
{
#if defined(__x86_64__) && defined(__linux__)
    return true;
#else
    return false;
#endif
}

olw_engine olw_engine_resolve(olw_engine e)
{
    if (e == OLW_ENGINE_DEFAULT) {
        const char *env = getenv("OLW_ENGINE");
        if (env && !strcmp(env, "interp"))
            e = OLW_ENGINE_INTERP;
        else if (env && !strcmp(env, "jit"))
            e = OLW_ENGINE_JIT;
        else
            e = olw_jit_available() ? OLW_ENGINE_JIT : OLW_ENGINE_INTERP;
    }
    if (e == OLW_ENGINE_JIT && !olw_jit_available())
        e = OLW_ENGINE_INTERP;
    return e;
}

/* The interpreter's SYNC_FUEL: the store learns what was charged. */
static void sync_fuel(olw_jit_ctx *ctx)
{
    olw_store *s = ctx->store;
    s->fuel_used += s->fuel - ctx->fuel;
    s->fuel = ctx->fuel;
}

/* Compiled wasm calls use the machine stack (16 bytes a call, more through
 * tables and host functions). They stop, trapping "stack exhausted", this
 * far above the end of the thread's stack, which leaves room for the C
 * code they call (host functions, the helpers). */
#define NATIVE_STACK_RESERVE (256u * 1024u)

static uintptr_t native_stack_limit(void)
{
    static _Thread_local uintptr_t limit; /* pthread_getattr_np reads /proc for the main thread */
    if (!limit) {
        pthread_attr_t attr;
        void *addr = NULL;
        size_t size = 0;
        uintptr_t here = (uintptr_t)__builtin_frame_address(0);
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            if (pthread_attr_getstack(&attr, &addr, &size) != 0)
                addr = NULL;
            pthread_attr_destroy(&attr);
        }
        if (addr && size > 2 * NATIVE_STACK_RESERVE && here > (uintptr_t)addr &&
            here - (uintptr_t)addr > 2 * NATIVE_STACK_RESERVE)
            limit = (uintptr_t)addr + NATIVE_STACK_RESERVE;
        else /* unknown bounds: allow 1 MiB below here */
            limit = here > (1u << 20) ? here - (1u << 20) : 1;
    }
    return limit;
}

static olw_frame *frame_top(const olw_jit_ctx *ctx) { return ctx->frame_base + (ctx->depth_total - ctx->depth_left); }

/* Runs compiled function code (of inst's module) with frame fp. The code
 * is no C function, so clang's -fsanitize=function (part of the fuzz
 * builds' UBSan), which looks for a type signature before the callee,
 * must not check this call. */
#if defined(__clang__)
__attribute__((no_sanitize("function")))
#endif
static uint32_t enter(olw_jit_ctx *ctx, olw_instance *inst, const olw_compiled_func *cf, olw_slot *fp)
{
    const olw_jit_code *jc = inst->module->jit;
    size_t idx = (size_t)(cf - inst->module->compiled->funcs);
    olw_jit_enter_fn fn = (olw_jit_enter_fn)(void *)(jc->mem + jc->enter_offset);
    olw_instance *saved = ctx->inst;
    ctx->inst = inst;
    uint32_t code = fn(ctx, fp, jc->mem + jc->func_offset[idx]);
    ctx->inst = saved;
    return code;
}

olw_trap_code olw_jit_call(olw_store *s, olw_func *f, olw_slot *slots)
{
    olw_frame *frames_end = s->frames + s->limits.max_call_depth;
    if (s->frame_top >= frames_end) {
        olw_store_set_trap(s, OLW_TRAP_STACK_EXHAUSTED, NULL);
        return OLW_TRAP_STACK_EXHAUSTED;
    }
    olw_slot *stack_entry = s->stack_top;
    olw_jit_ctx ctx = {
        .fuel = s->fuel,
        .inst = NULL,
        .store = s,
        .entry_rsp = NULL,
        .depth_left = (uint64_t)(frames_end - s->frame_top),
        .stack_end = s->stack + s->limits.max_stack_slots,
        .frame_base = s->frame_top,
        .stack_entry = stack_entry,
        .native_limit = native_stack_limit(),
        .interrupt = &s->interrupt,
    };
    ctx.depth_total = ctx.depth_left;
    uint32_t code = enter(&ctx, f->instance, f->compiled, slots);
    sync_fuel(&ctx);
    s->frame_top = ctx.frame_base;
    s->stack_top = stack_entry;
    if (code != OLW_TRAP_NONE && !ctx.trap_recorded)
        olw_store_set_trap(s, (olw_trap_code)code, NULL);
    return (olw_trap_code)code;
}

uint32_t olw_jit_step(olw_jit_ctx *ctx, olw_slot *fp, const olw_cell *ip, uint32_t op)
{
    olw_store *s = ctx->store;
    olw_instance *inst = ctx->inst;
    olw_memory *mem;
    uint8_t *mbase;
    uint64_t msize;
    uint64_t fuel = ctx->fuel;
    olw_trap_code trap;
    LOAD_MEM();
    (void)s;
    (void)msize;
    (void)mbase;
#define TRAP(code)     \
    do {               \
        trap = (code); \
        goto do_trap;  \
    } while (0)
#define STEP_UN(name, expr) \
    case WOP_##name:        \
        expr;               \
        break;
#define STEP_BIN STEP_UN
#define STEP_BLOCK(name, len, ...) \
    case WOP_##name: {             \
        __VA_ARGS__;               \
        break;                     \
    }
    switch ((enum olw_internal_op)op) {
        OLW_NUMERIC_OPS(STEP_UN, STEP_BIN, STEP_BLOCK)
        OLW_RUNTIME_OPS(STEP_BLOCK)
    default:
        TRAP(OLW_TRAP_UNREACHABLE); /* never: the compiler emits steps only for these */
    }
#undef STEP_UN
#undef STEP_BIN
#undef STEP_BLOCK
#undef TRAP
    ctx->fuel = fuel;
    return OLW_TRAP_NONE;
do_trap:
    ctx->fuel = fuel;
    return trap;
}

uint32_t olw_jit_call_ref(olw_jit_ctx *ctx, olw_slot *fp, const olw_cell *ip, uint32_t op)
{
    olw_store *s = ctx->store;
    olw_instance *inst = ctx->inst;
    olw_func *g;
    olw_slot *callee_fp;
    if (op == WOP_CALL_FUNC) {
        g = inst->funcs[ip[1].u];
        callee_fp = fp + ip[2].u;
    } else {
        olw_table *t = inst->tables[ip[1].u];
        uint32_t i = U32(4);
        if (i >= t->size)
            return OLW_TRAP_UNDEFINED_ELEMENT;
        g = t->elems[i];
        if (!g)
            return OLW_TRAP_UNINITIALIZED_ELEMENT;
        const olw_functype *want = ip[2].p;
        if (g->type.types != want->types && !olw_functype_equal(&g->type, want))
            return OLW_TRAP_INDIRECT_CALL_TYPE;
        callee_fp = fp + ip[3].u;
    }
    if (g->compiled && g->instance->module->jit)
        return enter(ctx, g->instance, g->compiled, callee_fp);

    /* A host function, or a module without compiled code: as the
     * interpreter's call_func, with the store told where the frames and
     * the value stack stand. */
    olw_slot *top;
    if (g->compiled) {
        top = callee_fp;
    } else {
        uint32_t np = g->type.nparams, nr = g->type.nresults;
        top = callee_fp + (np > nr ? np : nr);
        if (top > ctx->stack_end)
            return OLW_TRAP_STACK_EXHAUSTED;
    }
    sync_fuel(ctx);
    s->frame_top = frame_top(ctx);
    s->stack_top = top;
    olw_trap_code code = g->compiled ? olw_interp_call(s, g, callee_fp) : olw_call_host(s, g, inst, callee_fp);
    s->frame_top = ctx->frame_base;
    s->stack_top = ctx->stack_entry;
    ctx->fuel = s->fuel;
    if (code != OLW_TRAP_NONE)
        ctx->trap_recorded = 1;
    return code;
}
