/*
 * jit.h — the compiling tier (internal): x86-64 machine code made from the
 * internal code of compile.h, one template per internal instruction.
 *
 * The machine code keeps the interpreter's frame layout (every local and
 * operand is a 64-bit frame slot) and its metering: fuel is charged by the
 * same instructions, with the same costs, on the same control-flow edges,
 * so both tiers give the same results, traps and instruction counts. What
 * the machine code gains is the dispatch: no handler jumps, operands as
 * displacements, branches as jumps.
 *
 * Registers while compiled code runs:
 *   rbx  fp, the current frame's slot 0     r13  memory 0's base
 *   rbp  calls that may still be made      r14  memory 0's size in bytes
 *        (ctx->depth_left while compiled code runs; stored there before
 *        a helper, as r15 is into ctx->fuel)
 *   r12  the olw_jit_ctx of this entry      r15  remaining fuel
 * A compiled function is entered by `call` with rbx = its frame and returns
 * by `ret`; traps unwind to the innermost entry (olw_jit_ctx.entry_rsp).
 * Instructions without a template call olw_jit_step, which runs them with
 * the interpreter's own semantics (interp_ops.h).
 *
 * Code pages are written, then made read+execute (never both writable and
 * executable); they belong to the module and are shared by its instances.
 */
#ifndef OUTLAYER_WASM_JIT_H
#define OUTLAYER_WASM_JIT_H

#include "wasm/runtime.h"

/* State of one entry into compiled code (one olw_jit_call), addressed by
 * r12. The field offsets are used by the code generator (offsetof). */
typedef struct olw_jit_ctx {
    uint64_t fuel;        /* the remaining fuel while a helper runs (r15 otherwise) */
    olw_instance *inst;   /* the running function's instance */
    olw_store *store;
    void *entry_rsp;      /* the stack pointer of the innermost entry, for traps */
    uint64_t depth_left;  /* wasm calls that may still be made (rbp while compiled code runs) */
    olw_slot *stack_end;  /* the end of the value stack */
    olw_frame *frame_base; /* s->frame_top at entry */
    uint64_t depth_total; /* depth_left at entry */
    olw_slot *stack_entry; /* s->stack_top at entry */
    uint32_t trap_recorded; /* the trap's message is already stored (host traps) */
    uintptr_t native_limit; /* compiled code traps (stack exhausted) rather than go below this rsp */
    const void *interrupt;  /* &store->interrupt, checked on backward branches and at entry */
} olw_jit_ctx;

/* One module's machine code. */
typedef struct olw_jit_code {
    uint8_t *mem; /* mmap'd, read+execute */
    size_t size;
    uint32_t nfuncs;
    uint32_t *func_offset; /* [nfuncs] entry of each defined function */
    uint32_t enter_offset; /* the entry trampoline */
} olw_jit_code;

/* Which tier runs a module: OLW_ENGINE_DEFAULT resolved (environment
 * variable OLW_ENGINE=interp|jit, else the compiled tier where it exists). */
bool olw_jit_available(void);
olw_engine olw_engine_resolve(olw_engine e);

/* jit_compile.c: compiles every function of m (m->compiled must exist).
 * NULL when the module cannot be compiled (then the interpreter runs it). */
olw_jit_code *olw_jit_compile(const struct olw_module *m, olw_error *err);
void olw_jit_free(olw_jit_code *c);

/* jit_runtime.c: runs f (a wasm function of a module with jit code) like
 * olw_interp_call. */
olw_trap_code olw_jit_call(olw_store *s, olw_func *f, olw_slot *slots);

/* Helpers called from machine code; each returns a trap code (0 = none). */
uint32_t olw_jit_step(olw_jit_ctx *ctx, olw_slot *fp, const olw_cell *ip, uint32_t op);
uint32_t olw_jit_call_ref(olw_jit_ctx *ctx, olw_slot *fp, const olw_cell *ip, uint32_t op);

/* The entry trampoline's type: runs code with frame fp; returns a trap code. */
typedef uint32_t (*olw_jit_enter_fn)(olw_jit_ctx *ctx, olw_slot *fp, const void *code);

#endif
