/*
 * compile.h — the interpreter's internal code (internal).
 *
 * compile.c translates every validated function body once, at load, into a
 * direct-threaded code: an array of 64-bit cells where each instruction is
 * the address of its handler in interp.c followed by its operands, all
 * decoded in advance. The code is a register machine over the function's
 * frame: locals and the operand stack are frame slots (64 bits each), and
 * because the operand-stack height is known at every point of a valid body,
 * every operand is a fixed slot index. `i32.add` at stack height h becomes
 * `I32_ADD dst=h-2 a=h-2 b=h-1`, and since `local.get` and constants are
 * fused into their consumer, `i32.add (local.get 0) (i32.const 1)` is
 * `I32_ADD dst=h a=0 b=k` where k is a constant slot. A frame is
 * [params | declared locals | constants | operand stack]. Branch targets
 * are cell offsets relative to the branching instruction; branches that
 * must move their label's values carry the slots to move them from and to.
 *
 * Fuel: a straight-line run is charged when control enters it, by the
 * instruction that leads there: the function's first run by the call (its
 * cost is cell 0 of the code), the run after a call by the call when it
 * returns, a branch's target run by the branch when taken, a conditional
 * branch's fall-through run when it falls through; a run that falls into a
 * label is charged together with the run before it. A FUEL instruction
 * remains only where that is not possible. See docs/engine.md.
 */
#ifndef OUTLAYER_WASM_COMPILE_H
#define OUTLAYER_WASM_COMPILE_H

#include "wasm/module.h"

typedef union olw_cell {
    const void *op; /* handler address */
    uint64_t u;     /* slot index, count, constant, index */
    int64_t i;      /* relative branch offset in cells */
    const void *p;  /* pointer operand (callee, function type) */
} olw_cell;

/* Every internal instruction. Comments give the operand cells after the
 * handler. Slots are frame-relative; "off" is a branch offset in cells from
 * the start of the instruction. */
#define OLW_INTERNAL_OPS(X)                                                               \
    /* control */                                                                         \
    X(EXIT) /* (end of a call from the embedder) */                                       \
    X(FUEL) /* cost */                                                                    \
    X(UNREACHABLE)                                                                        \
    /* a taken branch charges `taken`, the cost of the run at its target, and */          \
    /* a backward one checks for interruption; a conditional branch that falls */         \
    /* through charges `fall`, the cost of the run after it */                            \
    X(BR)        /* off taken */                                                          \
    X(BR_IF)     /* cond off taken fall */                                                \
    X(BR_UNLESS) /* cond off taken fall */                                                \
    /* compare-and-branch (a compare fused with br_if/if): a b off taken fall */          \
    X(BR_I32_EQ)                                                                          \
    X(BR_I32_NE)                                                                          \
    X(BR_I32_LT_S)                                                                        \
    X(BR_I32_LT_U)                                                                        \
    X(BR_I32_GT_S)                                                                        \
    X(BR_I32_GT_U)                                                                        \
    X(BR_I32_LE_S)                                                                        \
    X(BR_I32_LE_U)                                                                        \
    X(BR_I32_GE_S)                                                                        \
    X(BR_I32_GE_U)                                                                        \
    X(BR_I64_EQ)                                                                          \
    X(BR_I64_NE)                                                                          \
    X(BR_I64_LT_S)                                                                        \
    X(BR_I64_LT_U)                                                                        \
    X(BR_I64_GT_S)                                                                        \
    X(BR_I64_GT_U)                                                                        \
    X(BR_I64_LE_S)                                                                        \
    X(BR_I64_LE_U)                                                                        \
    X(BR_I64_GE_S)                                                                        \
    X(BR_I64_GE_U)                                                                        \
    /* the same, in the same order, with the i32.add / i64.add just before */             \
    /* taken in (a loop's counter step): dst x y a b off taken fall */                    \
    X(ADD_BR_I32_EQ)                                                                      \
    X(ADD_BR_I32_NE)                                                                      \
    X(ADD_BR_I32_LT_S)                                                                    \
    X(ADD_BR_I32_LT_U)                                                                    \
    X(ADD_BR_I32_GT_S)                                                                    \
    X(ADD_BR_I32_GT_U)                                                                    \
    X(ADD_BR_I32_LE_S)                                                                    \
    X(ADD_BR_I32_LE_U)                                                                    \
    X(ADD_BR_I32_GE_S)                                                                    \
    X(ADD_BR_I32_GE_U)                                                                    \
    X(ADD_BR_I64_EQ)                                                                      \
    X(ADD_BR_I64_NE)                                                                      \
    X(ADD_BR_I64_LT_S)                                                                    \
    X(ADD_BR_I64_LT_U)                                                                    \
    X(ADD_BR_I64_GT_S)                                                                    \
    X(ADD_BR_I64_GT_U)                                                                    \
    X(ADD_BR_I64_LE_S)                                                                    \
    X(ADD_BR_I64_LE_U)                                                                    \
    X(ADD_BR_I64_GE_S)                                                                    \
    X(ADD_BR_I64_GE_U)                                                                    \
    X(BR_MOVE)  /* off taken n src dst */                                                 \
    X(BR_TABLE) /* idx count n src ntargets, (off dst taken) * ntargets, then the      \
                        count+1 entries' target indexes, 32 bits each, two per cell */  \
    X(RETURN)   /* n src */                                                               \
    /* calls end with the cost of the run after them, charged on return */                \
    X(CALL)          /* callee(olw_compiled_func*) base cost */                           \
    X(CALL_FUNC)     /* funcidx base cost: through the instance's function table */       \
    X(CALL_INDIRECT) /* table type(olw_functype*) base idx cost */                        \
    /* data movement */                                                                   \
    X(COPY)       /* dst src */                                                           \
    X(COPY2)      /* dst src dst2 src2: two COPY in a row */                              \
    X(CONST)      /* dst value */                                                         \
    X(SELECT)     /* dst a b cond */                                                      \
    X(GLOBAL_GET) /* dst idx */                                                           \
    X(GLOBAL_SET) /* idx src */                                                           \
    /* references and tables */                                                           \
    X(REF_IS_NULL) /* dst src */                                                          \
    X(REF_FUNC)    /* dst funcidx */                                                      \
    X(TABLE_GET)   /* dst idx table */                                                    \
    X(TABLE_SET)   /* table idx val */                                                    \
    X(TABLE_SIZE)  /* dst table */                                                        \
    X(TABLE_GROW)  /* dst(=init) table n */                                               \
    X(TABLE_FILL)  /* table i val n */                                                    \
    X(TABLE_COPY)  /* dsttable srctable d s n */                                          \
    X(TABLE_INIT)  /* table elem d s n */                                                 \
    X(ELEM_DROP)   /* elem */                                                             \
    /* memory: loads dst addr offset; stores addr val offset */                           \
    X(LOAD32)                                                                             \
    X(LOAD64)                                                                             \
    X(LOAD8_S32)                                                                          \
    X(LOAD8_U32)                                                                          \
    X(LOAD16_S32)                                                                         \
    X(LOAD16_U32)                                                                         \
    X(LOAD8_S64)                                                                          \
    X(LOAD16_S64)                                                                         \
    X(LOAD32_S64)                                                                         \
    X(STORE32)                                                                            \
    X(STORE64)                                                                            \
    X(STORE8)                                                                             \
    X(STORE16)                                                                            \
    /* the same with an i32.add fused in: loads dst x y offset; stores x y val offset; */ \
    /* the address is (uint32)(x + y) */                                                  \
    X(LOAD32_ADD)                                                                         \
    X(LOAD64_ADD)                                                                         \
    X(LOAD8_S32_ADD)                                                                      \
    X(LOAD8_U32_ADD)                                                                      \
    X(LOAD16_S32_ADD)                                                                     \
    X(LOAD16_U32_ADD)                                                                     \
    X(LOAD8_S64_ADD)                                                                      \
    X(LOAD16_S64_ADD)                                                                     \
    X(LOAD32_S64_ADD)                                                                     \
    X(STORE32_ADD)                                                                        \
    X(STORE64_ADD)                                                                        \
    X(STORE8_ADD)                                                                         \
    X(STORE16_ADD)                                                                        \
    X(MEMORY_SIZE) /* dst */                                                              \
    X(MEMORY_GROW) /* dst(=n) */                                                          \
    X(MEMORY_INIT) /* seg d s n */                                                        \
    X(DATA_DROP)   /* seg */                                                              \
    X(MEMORY_COPY) /* d s n */                                                            \
    X(MEMORY_FILL) /* d val n */                                                          \
    /* numeric: unary dst a; binary dst a b */                                            \
    X(I32_EQZ)                                                                            \
    X(I32_EQ)                                                                             \
    X(I32_NE)                                                                             \
    X(I32_LT_S)                                                                           \
    X(I32_LT_U)                                                                           \
    X(I32_GT_S)                                                                           \
    X(I32_GT_U)                                                                           \
    X(I32_LE_S)                                                                           \
    X(I32_LE_U)                                                                           \
    X(I32_GE_S)                                                                           \
    X(I32_GE_U)                                                                           \
    X(I64_EQZ)                                                                            \
    X(I64_EQ)                                                                             \
    X(I64_NE)                                                                             \
    X(I64_LT_S)                                                                           \
    X(I64_LT_U)                                                                           \
    X(I64_GT_S)                                                                           \
    X(I64_GT_U)                                                                           \
    X(I64_LE_S)                                                                           \
    X(I64_LE_U)                                                                           \
    X(I64_GE_S)                                                                           \
    X(I64_GE_U)                                                                           \
    X(F32_EQ)                                                                             \
    X(F32_NE)                                                                             \
    X(F32_LT)                                                                             \
    X(F32_GT)                                                                             \
    X(F32_LE)                                                                             \
    X(F32_GE)                                                                             \
    X(F64_EQ)                                                                             \
    X(F64_NE)                                                                             \
    X(F64_LT)                                                                             \
    X(F64_GT)                                                                             \
    X(F64_LE)                                                                             \
    X(F64_GE)                                                                             \
    X(I32_CLZ)                                                                            \
    X(I32_CTZ)                                                                            \
    X(I32_POPCNT)                                                                         \
    X(I32_ADD)                                                                            \
    X(I32_SUB)                                                                            \
    X(I32_MUL)                                                                            \
    X(I32_DIV_S)                                                                          \
    X(I32_DIV_U)                                                                          \
    X(I32_REM_S)                                                                          \
    X(I32_REM_U)                                                                          \
    X(I32_AND)                                                                            \
    X(I32_OR)                                                                             \
    X(I32_XOR)                                                                            \
    X(I32_SHL)                                                                            \
    X(I32_SHR_S)                                                                          \
    X(I32_SHR_U)                                                                          \
    X(I32_ROTL)                                                                           \
    X(I32_ROTR)                                                                           \
    X(I32_ADD3)    /* dst x y z: x + y + z (two fused i32.add) */                         \
    X(I32_SHL_ADD) /* dst x k z: (x << k) + z (i32.shl fused into i32.add) */             \
    X(I64_CLZ)                                                                            \
    X(I64_CTZ)                                                                            \
    X(I64_POPCNT)                                                                         \
    X(I64_ADD)                                                                            \
    X(I64_SUB)                                                                            \
    X(I64_MUL)                                                                            \
    X(I64_DIV_S)                                                                          \
    X(I64_DIV_U)                                                                          \
    X(I64_REM_S)                                                                          \
    X(I64_REM_U)                                                                          \
    X(I64_AND)                                                                            \
    X(I64_OR)                                                                             \
    X(I64_XOR)                                                                            \
    X(I64_SHL)                                                                            \
    X(I64_SHR_S)                                                                          \
    X(I64_SHR_U)                                                                          \
    X(I64_ROTL)                                                                           \
    X(I64_ROTR)                                                                           \
    X(F32_ABS)                                                                            \
    X(F32_NEG)                                                                            \
    X(F32_CEIL)                                                                           \
    X(F32_FLOOR)                                                                          \
    X(F32_TRUNC)                                                                          \
    X(F32_NEAREST)                                                                        \
    X(F32_SQRT)                                                                           \
    X(F32_ADD)                                                                            \
    X(F32_SUB)                                                                            \
    X(F32_MUL)                                                                            \
    X(F32_DIV)                                                                            \
    X(F32_MIN)                                                                            \
    X(F32_MAX)                                                                            \
    X(F32_COPYSIGN)                                                                       \
    X(F64_ABS)                                                                            \
    X(F64_NEG)                                                                            \
    X(F64_CEIL)                                                                           \
    X(F64_FLOOR)                                                                          \
    X(F64_TRUNC)                                                                          \
    X(F64_NEAREST)                                                                        \
    X(F64_SQRT)                                                                           \
    X(F64_ADD)                                                                            \
    X(F64_SUB)                                                                            \
    X(F64_MUL)                                                                            \
    X(F64_DIV)                                                                            \
    X(F64_MIN)                                                                            \
    X(F64_MAX)                                                                            \
    X(F64_COPYSIGN)                                                                       \
    /* f64.mul fused into f64.add/sub: dst x y z */                                       \
    X(F64_MUL_ADD) /* x * y + z */                                                        \
    X(F64_ADD_MUL) /* z + x * y */                                                        \
    X(F64_MUL_SUB) /* x * y - z */                                                        \
    X(F64_SUB_MUL) /* z - x * y */                                                        \
    X(I32_WRAP_I64)                                                                       \
    X(I32_TRUNC_F32_S)                                                                    \
    X(I32_TRUNC_F32_U)                                                                    \
    X(I32_TRUNC_F64_S)                                                                    \
    X(I32_TRUNC_F64_U)                                                                    \
    X(I64_EXTEND_I32_S)                                                                   \
    X(I64_EXTEND_I32_U)                                                                   \
    X(I64_TRUNC_F32_S)                                                                    \
    X(I64_TRUNC_F32_U)                                                                    \
    X(I64_TRUNC_F64_S)                                                                    \
    X(I64_TRUNC_F64_U)                                                                    \
    X(F32_CONVERT_I32_S)                                                                  \
    X(F32_CONVERT_I32_U)                                                                  \
    X(F32_CONVERT_I64_S)                                                                  \
    X(F32_CONVERT_I64_U)                                                                  \
    X(F32_DEMOTE_F64)                                                                     \
    X(F64_CONVERT_I32_S)                                                                  \
    X(F64_CONVERT_I32_U)                                                                  \
    X(F64_CONVERT_I64_S)                                                                  \
    X(F64_CONVERT_I64_U)                                                                  \
    X(F64_PROMOTE_F32)                                                                    \
    X(I32_EXTEND8_S)                                                                      \
    X(I32_EXTEND16_S)                                                                     \
    X(I64_EXTEND8_S)                                                                      \
    X(I64_EXTEND16_S)                                                                     \
    X(I64_EXTEND32_S)                                                                     \
    X(I32_TRUNC_SAT_F32_S)                                                                \
    X(I32_TRUNC_SAT_F32_U)                                                                \
    X(I32_TRUNC_SAT_F64_S)                                                                \
    X(I32_TRUNC_SAT_F64_U)                                                                \
    X(I64_TRUNC_SAT_F32_S)                                                                \
    X(I64_TRUNC_SAT_F32_U)                                                                \
    X(I64_TRUNC_SAT_F64_S)                                                                \
    X(I64_TRUNC_SAT_F64_U)

/* Pairs: two adjacent instructions A, B (B not a branch target) often run
 * one after the other; the compiler gives A the handler A__B, which does
 * A's work and jumps straight to B's handler (a direct jump: one indirect
 * dispatch less). The cells stay those of A then B. Chosen by profiling
 * the benchmark workloads (docs/engine.md). */
#define OLW_PAIRS(P)               \
    P(I32_ADD, I32_ADD)            \
    P(I32_ADD, I32_SUB)            \
    P(I32_ADD, ADD_BR_I32_NE)      \
    P(I32_ADD, ADD_BR_I64_LT_U)    \
    P(I32_ADD, ADD_BR_I64_NE)      \
    P(I32_ADD, RETURN)             \
    P(I32_ADD, LOAD64)             \
    P(I32_ADD, LOAD32)             \
    P(I32_ADD, STORE32)            \
    P(I32_ADD, F64_CONVERT_I32_S)  \
    P(I32_ADD, F64_SUB)            \
    P(STORE64, I32_ADD)            \
    P(STORE64, LOAD64)             \
    P(I32_SUB, BR_I32_GT_U)        \
    P(I32_SUB, CALL)               \
    P(F64_ADD_MUL, STORE64)        \
    P(F64_ADD_MUL, I32_ADD)        \
    P(STORE8, I32_ADD)             \
    P(I32_XOR, I32_SHR_U)          \
    P(I32_XOR, I32_ADD)            \
    P(I32_SHR_U, I32_AND)          \
    P(I32_SHR_U, I32_ADD)          \
    P(I32_AND, LOAD32_ADD)         \
    P(I32_SHL_ADD, LOAD32)         \
    P(LOAD64, I32_ADD)             \
    P(LOAD64, F64_ADD_MUL)         \
    P(LOAD64, LOAD64)              \
    P(LOAD64, LOAD64_ADD)          \
    P(I32_ROTL, I32_XOR)           \
    P(LOAD32, I32_XOR)             \
    P(LOAD32_ADD, I32_XOR)         \
    P(F64_MUL, F64_ADD_MUL)        \
    P(F64_MUL, F64_ADD)            \
    P(COPY2, COPY)                 \
    P(COPY, I32_ADD)               \
    P(COPY, CALL_INDIRECT)         \
    P(COPY, BR_IF)                 \
    P(I64_SUB, I64_ADD)            \
    P(LOAD32, LOAD32)              \
    P(LOAD32, I32_SUB)             \
    P(I32_SUB, STORE32)            \
    P(LOAD32, I32_SHL_ADD)         \
    P(LOAD32, COPY)                \
    P(I32_SHL_ADD, LOAD64_ADD)     \
    P(LOAD64_ADD, STORE64)         \
    P(F64_CONVERT_I32_S, F64_DIV)  \
    P(I32_WRAP_I64, LOAD8_U32_ADD) \
    P(LOAD8_U32_ADD, BR_IF)        \
    P(I64_ADD, BR_I32_GT_U)        \
    P(F64_LE, BR_IF)               \
    P(F64_MUL, F64_MUL)            \
    P(I32_ROTL, I32_ROTL)          \
    P(I32_AND, I32_SHL_ADD)        \
    P(STORE32, I32_SHL_ADD)        \
    P(I64_ADD, I32_ADD)            \
    P(I32_LT_U, SELECT)            \
    P(SELECT, STORE32)             \
    P(STORE32, I32_GT_U)           \
    P(I32_GT_U, I32_ADD)           \
    P(I32_LE_U, ADD_BR_I32_GE_U)   \
    P(LOAD32, BR_I32_LT_U)         \
    P(I32_SUB, LOAD32)             \
    P(LOAD8_U32, I32_SUB)          \
    P(LOAD8_U32, BR_I32_NE)        \
    P(COPY, LOAD8_U32)             \
    P(I32_AND, BR_UNLESS)          \
    P(I32_MUL, BR_I32_LT_U)        \
    P(I32_XOR, I32_MUL)            \
    P(LOAD8_U32, I32_ADD)          \
    P(LOAD8_U32_ADD, I32_XOR)      \
    P(I32_MUL, LOAD8_U32_ADD)      \
    P(LOAD8_U32, LOAD8_U32)        \
    P(I32_SUB, BR_IF)              \
    P(I32_OR, STORE8)              \
    P(I32_SUB, I32_OR)             \
    P(I32_GT_U, COPY)              \
    P(I32_MUL, I32_SUB)

enum olw_internal_op {
#define OLW_OP_ENUM(name) WOP_##name,
    OLW_INTERNAL_OPS(OLW_OP_ENUM)
#undef OLW_OP_ENUM
#define OLW_PAIR_ENUM(a, b) WOP_##a##__##b,
        OLW_PAIRS(OLW_PAIR_ENUM)
#undef OLW_PAIR_ENUM
            WOP_COUNT
};

/* A frame's locals are zeroed, and its constants copied, in groups of this
 * many slots (the last group may spill into the operand stack: frame_size
 * has room, and consts is padded). */
#define OLW_INIT_GROUP 4

/* Frames whose declared locals and constants fit in this many slots start
 * with one fixed-size copy of olw_compiled_func.init (no loops). */
#define OLW_SMALL_INIT 8

/* Fuel a call pays for initialising its frame, on top of its first run:
 * 1 per this many declared locals and constants (64 bytes, the bulk rate). */
#define OLW_ENTRY_SLOTS_PER_FUEL 8u

/* One compiled function. */
typedef struct olw_compiled_func {
    const olw_cell *code; /* code[0]: cost of the first run; instructions from code[1] */
    size_t ncells;
    const olw_functype *type;
    uint32_t nparams;
    uint32_t nresults;
    uint32_t nlocals; /* declared locals (zeroed on entry), after the params */
    uint32_t nconsts; /* constants, copied on entry into the slots after the locals */
    const uint64_t *consts;
    /* small_init: locals and constants fit in OLW_SMALL_INIT slots, and
     * entry copies init (zeros, the constants, zeros) there at once */
    bool small_init;
    uint64_t init[OLW_SMALL_INIT];
    uint32_t frame_size; /* slots: params + locals + maximum operand height, >= nresults */
} olw_compiled_func;

struct olw_compiled {
    uint32_t nfuncs; /* defined functions */
    olw_compiled_func *funcs;
};

/* The handler addresses, indexed by enum olw_internal_op (from interp.c). */
const void *const *olw_interp_handlers(void);

#endif
