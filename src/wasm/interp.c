/*
 * interp.c — the interpreter of the internal code (see compile.h).
 *
 * Direct threading: every instruction starts with its handler's address,
 * and each handler ends by jumping to the next instruction's handler
 * (computed goto, so the branch predictor sees one indirect jump per
 * handler rather than one shared switch). Wasm calls never recurse in C:
 * a call pushes a olw_frame on the store's frame stack and continues in
 * the same loop, so wasm recursion depth is bounded only by the store's
 * limits. Hot state lives in locals the compiler can keep in registers:
 * ip (next instruction), fp (the frame's slot 0), the current instance,
 * its memory 0 (base and size) and the remaining fuel.
 */
#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
/* Each wasm float instruction rounds on its own: GCC must not contract a
 * fused multiply-add out of F64_MUL_ADD and friends (clang never contracts
 * across statements). And the short loops that set up a frame must stay
 * loops: a memset/memcpy call costs more than the few slots they write. */
#pragma GCC optimize("fp-contract=off", "no-tree-loop-distribute-patterns")
#endif

#include "wasm/runtime.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the interpreter assumes a little-endian host");

#include "wasm/interp_ops.h"

/* Moves n slots down the stack (dst < src; the ranges may overlap). */
static inline void move_slots(olw_slot *dst, const olw_slot *src, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/* Runs f (a wasm function) or, with table_out, just returns the handler table. */
static olw_trap_code run(olw_store *s, olw_func *f, olw_slot *slots, const void *const **table_out)
{
#define LABEL_ADDR(name) [WOP_##name] = &&L_##name,
#define PAIR_ADDR(a, b) [WOP_##a##__##b] = &&L_##a##__##b,
    static const void *const labels[WOP_COUNT] = {OLW_INTERNAL_OPS(LABEL_ADDR) OLW_PAIRS(PAIR_ADDR)};
#undef LABEL_ADDR
#undef PAIR_ADDR
    /* the bottom frame returns here; the cell before is the "cost" RETURN charges */
    static const olw_cell exit_code[2] = {{.u = 0}, {.op = &&L_EXIT}};
    if (table_out) {
        *table_out = labels;
        return OLW_TRAP_NONE;
    }

    olw_frame *const frame_base = s->frame_top;
    olw_frame *const frames_end = s->frames + s->limits.max_call_depth;
    olw_slot *const stack_end = s->stack + s->limits.max_stack_slots;
    olw_slot *const stack_entry = s->stack_top;

    const olw_cell *ip;
    olw_slot *fp = slots;
    olw_instance *inst = NULL;
    olw_memory *mem = NULL;
    uint8_t *mbase = NULL;
    uint64_t msize = 0;
    uint64_t fuel = s->fuel;
    olw_frame *fr = frame_base;
    olw_trap_code trap = OLW_TRAP_NONE;

    /* state for the shared call path */
    const olw_compiled_func *cf;
    olw_instance *callee_inst;
    olw_slot *callee_fp;
    const olw_cell *ret_ip;
    olw_func *g;

#define NEXT() goto * ip->op
#define TRAP(code)     \
    do {               \
        trap = (code); \
        goto do_trap;  \
    } while (0)
#define SYNC_FUEL()                     \
    do {                                \
        s->fuel_used += s->fuel - fuel; \
        s->fuel = fuel;                 \
    } while (0)

    /* The bottom frame returns to EXIT. */
    if (fr >= frames_end)
        return olw_store_set_trap(s, OLW_TRAP_STACK_EXHAUSTED, NULL), OLW_TRAP_STACK_EXHAUSTED;
    ret_ip = exit_code + 1;
    cf = f->compiled;
    callee_inst = f->instance;
    callee_fp = slots;
    goto enter;

    /* ---- control ---------------------------------------------------------- */
L_EXIT:
    SYNC_FUEL();
    s->frame_top = frame_base;
    s->stack_top = stack_entry;
    return OLW_TRAP_NONE;
L_FUEL:
    CHARGE(ip[1].u);
    ip += 2;
    NEXT();
L_UNREACHABLE:
    TRAP(OLW_TRAP_UNREACHABLE);
    /* A taken branch charges the run at its target (cell k + 1, after the
     * offset in cell k); a backward one, a loop iteration, first checks for
     * interruption. */
#define TAKE(k)                                                                                          \
    do {                                                                                                 \
        int64_t off_ = ip[k].i;                                                                          \
        if (off_ <= 0 && __builtin_expect(atomic_load_explicit(&s->interrupt, memory_order_relaxed), 0)) \
            TRAP(OLW_TRAP_INTERRUPTED);                                                                  \
        CHARGE(ip[(k) + 1].u);                                                                           \
        ip += off_;                                                                                      \
    } while (0)
    /* A conditional branch that falls through charges the run after it. */
#define FALL_THROUGH(len)      \
    do {                       \
        CHARGE(ip[(len)-1].u); \
        ip += (len);           \
    } while (0)
L_BR:
    TAKE(1);
    NEXT();
L_BR_IF:
    if (U32(1))
        TAKE(2);
    else
        FALL_THROUGH(5);
    NEXT();
L_BR_UNLESS:
    if (!U32(1))
        TAKE(2);
    else
        FALL_THROUGH(5);
    NEXT();
#define BR_CMP(name, A, op)               \
    L_##name : if (A(1) op A(2)) TAKE(3); \
    else FALL_THROUGH(6);                 \
    NEXT();
    BR_CMP(BR_I32_EQ, U32, ==)
    BR_CMP(BR_I32_NE, U32, !=)
    BR_CMP(BR_I32_LT_S, I32, <)
    BR_CMP(BR_I32_LT_U, U32, <)
    BR_CMP(BR_I32_GT_S, I32, >)
    BR_CMP(BR_I32_GT_U, U32, >)
    BR_CMP(BR_I32_LE_S, I32, <=)
    BR_CMP(BR_I32_LE_U, U32, <=)
    BR_CMP(BR_I32_GE_S, I32, >=)
    BR_CMP(BR_I32_GE_U, U32, >=)
    BR_CMP(BR_I64_EQ, U64, ==)
    BR_CMP(BR_I64_NE, U64, !=)
    BR_CMP(BR_I64_LT_S, I64, <)
    BR_CMP(BR_I64_LT_U, U64, <)
    BR_CMP(BR_I64_GT_S, I64, >)
    BR_CMP(BR_I64_GT_U, U64, >)
    BR_CMP(BR_I64_LE_S, I64, <=)
    BR_CMP(BR_I64_LE_U, U64, <=)
    BR_CMP(BR_I64_GE_S, I64, >=)
    BR_CMP(BR_I64_GE_U, U64, >=)
#undef BR_CMP
#define ADD_BR_CMP(name, A, op, ADD) \
    L_ADD_##name : ADD;              \
    if (A(4) op A(5))                \
        TAKE(6);                     \
    else                             \
        FALL_THROUGH(9);             \
    NEXT();
#define ADD32 SET_U32(1, U32(2) + U32(3))
#define ADD64 SET_U64(1, U64(2) + U64(3))
    ADD_BR_CMP(BR_I32_EQ, U32, ==, ADD32)
    ADD_BR_CMP(BR_I32_NE, U32, !=, ADD32)
    ADD_BR_CMP(BR_I32_LT_S, I32, <, ADD32)
    ADD_BR_CMP(BR_I32_LT_U, U32, <, ADD32)
    ADD_BR_CMP(BR_I32_GT_S, I32, >, ADD32)
    ADD_BR_CMP(BR_I32_GT_U, U32, >, ADD32)
    ADD_BR_CMP(BR_I32_LE_S, I32, <=, ADD32)
    ADD_BR_CMP(BR_I32_LE_U, U32, <=, ADD32)
    ADD_BR_CMP(BR_I32_GE_S, I32, >=, ADD32)
    ADD_BR_CMP(BR_I32_GE_U, U32, >=, ADD32)
    ADD_BR_CMP(BR_I64_EQ, U64, ==, ADD64)
    ADD_BR_CMP(BR_I64_NE, U64, !=, ADD64)
    ADD_BR_CMP(BR_I64_LT_S, I64, <, ADD64)
    ADD_BR_CMP(BR_I64_LT_U, U64, <, ADD64)
    ADD_BR_CMP(BR_I64_GT_S, I64, >, ADD64)
    ADD_BR_CMP(BR_I64_GT_U, U64, >, ADD64)
    ADD_BR_CMP(BR_I64_LE_S, I64, <=, ADD64)
    ADD_BR_CMP(BR_I64_LE_U, U64, <=, ADD64)
    ADD_BR_CMP(BR_I64_GE_S, I64, >=, ADD64)
    ADD_BR_CMP(BR_I64_GE_U, U64, >=, ADD64)
#undef ADD32
#undef ADD64
#undef ADD_BR_CMP
L_BR_MOVE:
    move_slots(fp + ip[5].u, fp + ip[4].u, ip[3].u);
    TAKE(1);
    NEXT();
L_BR_TABLE : {
    uint64_t count = ip[2].u;
    uint64_t i = U32(1);
    if (i > count)
        i = count;
    uint32_t target;
    memcpy(&target, (const uint8_t *)(ip + 6 + 3 * ip[5].u) + 4 * i, sizeof target);
    const olw_cell *entry = ip + 6 + 3 * (uint64_t)target;
    uint64_t n = ip[3].u, src = ip[4].u, dst = entry[1].u;
    int64_t off = entry[0].i;
    if (off <= 0 && __builtin_expect(atomic_load_explicit(&s->interrupt, memory_order_relaxed), 0))
        TRAP(OLW_TRAP_INTERRUPTED);
    CHARGE(entry[2].u);
    if (src != dst)
        move_slots(fp + dst, fp + src, n);
    ip += off;
    NEXT();
}
L_RETURN : {
    uint64_t n = ip[1].u, src = ip[2].u;
    if (n == 1)
        fp[0] = fp[src];
    else if (src)
        move_slots(fp, fp + src, n);
    fr--;
    ip = fr->ret;
    fp = fr->fp;
    /* the memory base and size are current for the callee's instance */
    if (fr->inst != inst) {
        inst = fr->inst;
        if (inst)
            LOAD_MEM();
    }
    /* the caller's next run, whose cost is the call's last cell */
    CHARGE(ip[-1].u);
    NEXT();
}
L_CALL:
    cf = ip[1].p;
    callee_inst = inst;
    callee_fp = fp + ip[2].u;
    ret_ip = ip + 4;
    goto enter;
L_CALL_FUNC:
    g = inst->funcs[ip[1].u];
    callee_fp = fp + ip[2].u;
    ret_ip = ip + 4;
    goto call_func;
L_CALL_INDIRECT : {
    olw_table *t = inst->tables[ip[1].u];
    uint32_t i = U32(4);
    if (i >= t->size)
        TRAP(OLW_TRAP_UNDEFINED_ELEMENT);
    g = t->elems[i];
    if (!g)
        TRAP(OLW_TRAP_UNINITIALIZED_ELEMENT);
    const olw_functype *want = ip[2].p;
    if (g->type.types != want->types && !olw_functype_equal(&g->type, want))
        TRAP(OLW_TRAP_INDIRECT_CALL_TYPE);
    callee_fp = fp + ip[3].u;
    ret_ip = ip + 6;
    goto call_func;
}

call_func:
    if (g->compiled) {
        cf = g->compiled;
        callee_inst = g->instance;
        goto enter;
    } else {
        /* Host function: nested calls it makes run above its arguments. */
        uint32_t np = g->type.nparams, nr = g->type.nresults;
        olw_slot *top = callee_fp + (np > nr ? np : nr);
        if (top > stack_end)
            TRAP(OLW_TRAP_STACK_EXHAUSTED);
        SYNC_FUEL();
        s->frame_top = fr;
        s->stack_top = top;
        olw_trap_code code = olw_call_host(s, g, inst, callee_fp);
        s->frame_top = frame_base;
        s->stack_top = stack_entry;
        fuel = s->fuel;
        if (code != OLW_TRAP_NONE) {
            trap = code;
            goto do_trap_recorded;
        }
        LOAD_MEM();
        ip = ret_ip;
        CHARGE(ip[-1].u);
        NEXT();
    }

enter:
    if (__builtin_expect(fr >= frames_end, 0) || __builtin_expect(callee_fp + cf->frame_size > stack_end, 0))
        TRAP(OLW_TRAP_STACK_EXHAUSTED);
    if (__builtin_expect(atomic_load_explicit(&s->interrupt, memory_order_relaxed), 0))
        TRAP(OLW_TRAP_INTERRUPTED);
    CHARGE(cf->code[0].u); /* the function's first run */
    fr->ret = ret_ip;
    fr->fp = fp;
    fr->inst = inst;
    fr++;
    fp = callee_fp;
    {
        /* Few locals and constants as a rule: one fixed-size copy when they
         * fit in OLW_SMALL_INIT slots, else plain loops in groups of
         * OLW_INIT_GROUP (the excess of the zeroing is overwritten by the
         * constants or lies in the operand stack; see compile.h). */
        _Static_assert(OLW_INIT_GROUP == 4, "the loops below write 4 slots at a time");
        olw_slot *p = fp + cf->nparams;
        if (cf->small_init) {
            memcpy(p, cf->init, sizeof cf->init);
        } else {
            for (uint32_t i = 0; i < cf->nlocals; i += 4) {
                p[i].u = 0;
                p[i + 1].u = 0;
                p[i + 2].u = 0;
                p[i + 3].u = 0;
            }
            p += cf->nlocals;
            const uint64_t *k = cf->consts;
            for (uint32_t i = 0; i < cf->nconsts; i += 4) {
                p[i].u = k[i];
                p[i + 1].u = k[i + 1];
                p[i + 2].u = k[i + 2];
                p[i + 3].u = k[i + 3];
            }
        }
    }
    ip = cf->code + 1;
    if (callee_inst != inst) {
        inst = callee_inst;
        LOAD_MEM();
    }
    NEXT();

    /* ---- data movement ---------------------------------------------------- */
L_COPY:
    S(1) = S(2);
    ip += 3;
    NEXT();
L_COPY2:
    S(1) = S(2);
    S(3) = S(4);
    ip += 5;
    NEXT();
L_CONST:
    S(1).u = ip[2].u;
    ip += 3;
    NEXT();
L_SELECT:
    S(1) = U32(4) ? S(2) : S(3);
    ip += 5;
    NEXT();
L_GLOBAL_GET:
    S(1) = inst->globals[ip[2].u]->value;
    ip += 3;
    NEXT();
L_GLOBAL_SET:
    inst->globals[ip[1].u]->value = S(2);
    ip += 3;
    NEXT();

    /* ---- references and tables ---------------------------------------------- */
#define BLOCK(name, len, ...) \
    L_##name : {             \
        __VA_ARGS__;          \
        ip += (len);          \
        NEXT();               \
    }
    OLW_RUNTIME_OPS(BLOCK)

    /* ---- memory --------------------------------------------------------------- */
#define EFFECTIVE(addr_k, size)                    \
    uint64_t ea = (uint64_t)U32(addr_k) + ip[3].u; \
    MEM_CHECK(ea, size);
#define LOAD(name, T, SET)                \
    L_##name:                             \
    {                                     \
        EFFECTIVE(2, sizeof(T));          \
        T v;                              \
        memcpy(&v, mbase + ea, sizeof v); \
        SET;                              \
        ip += 4;                          \
        NEXT();                           \
    }
    LOAD(LOAD32, uint32_t, SET_U32(1, v))
    LOAD(LOAD64, uint64_t, SET_U64(1, v))
    LOAD(LOAD8_S32, int8_t, SET_U32(1, (int32_t)v))
    LOAD(LOAD8_U32, uint8_t, SET_U32(1, v))
    LOAD(LOAD16_S32, int16_t, SET_U32(1, (int32_t)v))
    LOAD(LOAD16_U32, uint16_t, SET_U32(1, v))
    LOAD(LOAD8_S64, int8_t, SET_U64(1, (int64_t)v))
    LOAD(LOAD16_S64, int16_t, SET_U64(1, (int64_t)v))
    LOAD(LOAD32_S64, int32_t, SET_U64(1, (int64_t)v))
#undef LOAD
#define STORE(name, T)                    \
    L_##name:                             \
    {                                     \
        EFFECTIVE(1, sizeof(T));          \
        T v = (T)S(2).u;                  \
        memcpy(mbase + ea, &v, sizeof v); \
        ip += 4;                          \
        NEXT();                           \
    }
    STORE(STORE32, uint32_t)
    STORE(STORE64, uint64_t)
    STORE(STORE8, uint8_t)
    STORE(STORE16, uint16_t)
#undef STORE
#undef EFFECTIVE
    /* with the address's i32.add fused in: the address is x + y (cells 2, 3
     * of a load, 1, 2 of a store), wrapping at 32 bits like the add; the
     * offset is cell 4 of both */
#define EFFECTIVE_ADD(x_k, size)                                             \
    uint64_t ea = (uint64_t)(uint32_t)(U32(x_k) + U32((x_k) + 1)) + ip[4].u; \
    MEM_CHECK(ea, size);
#define LOAD_ADD(name, T, SET)            \
    L_##name##_ADD:                       \
    {                                     \
        EFFECTIVE_ADD(2, sizeof(T));      \
        T v;                              \
        memcpy(&v, mbase + ea, sizeof v); \
        SET;                              \
        ip += 5;                          \
        NEXT();                           \
    }
    LOAD_ADD(LOAD32, uint32_t, SET_U32(1, v))
    LOAD_ADD(LOAD64, uint64_t, SET_U64(1, v))
    LOAD_ADD(LOAD8_S32, int8_t, SET_U32(1, (int32_t)v))
    LOAD_ADD(LOAD8_U32, uint8_t, SET_U32(1, v))
    LOAD_ADD(LOAD16_S32, int16_t, SET_U32(1, (int32_t)v))
    LOAD_ADD(LOAD16_U32, uint16_t, SET_U32(1, v))
    LOAD_ADD(LOAD8_S64, int8_t, SET_U64(1, (int64_t)v))
    LOAD_ADD(LOAD16_S64, int16_t, SET_U64(1, (int64_t)v))
    LOAD_ADD(LOAD32_S64, int32_t, SET_U64(1, (int64_t)v))
#undef LOAD_ADD
#define STORE_ADD(name, T)                \
    L_##name##_ADD:                       \
    {                                     \
        EFFECTIVE_ADD(1, sizeof(T));      \
        T v = (T)S(3).u;                  \
        memcpy(mbase + ea, &v, sizeof v); \
        ip += 5;                          \
        NEXT();                           \
    }
    STORE_ADD(STORE32, uint32_t)
    STORE_ADD(STORE64, uint64_t)
    STORE_ADD(STORE8, uint8_t)
    STORE_ADD(STORE16, uint16_t)
#undef STORE_ADD
#undef EFFECTIVE_ADD
#define UN(name, expr) \
    L_##name : expr;   \
    ip += 3;           \
    NEXT();
#define BIN(name, expr) \
    L_##name : expr;    \
    ip += 4;            \
    NEXT();
    OLW_NUMERIC_OPS(UN, BIN, BLOCK)
#undef UN
#undef BIN
#undef BLOCK

    /* ---- pairs (compile.h): A's work, then straight to B's handler ---------- */
#define FIRST_I32_ADD SET_U32(1, U32(2) + U32(3)), 4
#define FIRST_I32_SUB SET_U32(1, U32(2) - U32(3)), 4
#define FIRST_I32_XOR SET_U32(1, U32(2) ^ U32(3)), 4
#define FIRST_I32_AND SET_U32(1, U32(2) & U32(3)), 4
#define FIRST_I32_SHR_U SET_U32(1, U32(2) >> (U32(3) & 31)), 4
#define FIRST_I32_ROTL SET_U32(1, (U32(2) << (U32(3) & 31)) | (U32(2) >> ((32 - U32(3)) & 31))), 4
#define FIRST_I32_SHL_ADD SET_U32(1, (U32(2) << (U32(3) & 31)) + U32(4)), 5
#define FIRST_F64_MUL SET_F64(1, f64_mul(F64(2), F64(3))), 4
#define FIRST_F64_ADD_MUL                                                         \
    ({                                                                            \
        double prod_ = f64_mul(F64(2), F64(3)); /* its own statement: never contracted */ \
        SET_F64(1, f64_add(F64(4), prod_));                                               \
    }),                                                                           \
        5
#define FIRST_COPY S(1) = S(2), 3
#define FIRST_COPY2 (S(1) = S(2), S(3) = S(4)), 5
#define FIRST_LOAD64 LOAD_BODY(uint64_t, 2, ip[3].u, SET_U64(1, v)), 4
#define FIRST_LOAD32 LOAD_BODY(uint32_t, 2, ip[3].u, SET_U32(1, v)), 4
#define FIRST_LOAD32_ADD LOAD_ADD_BODY(uint32_t, SET_U32(1, v)), 5
#define FIRST_STORE64 STORE_BODY(uint64_t), 4
#define FIRST_STORE32 STORE_BODY(uint32_t), 4
#define FIRST_I32_MUL SET_U32(1, U32(2) * U32(3)), 4
#define FIRST_I32_OR SET_U32(1, U32(2) | U32(3)), 4
#define FIRST_I32_LT_U SET_U32(1, U32(2) < U32(3)), 4
#define FIRST_I32_GT_U SET_U32(1, U32(2) > U32(3)), 4
#define FIRST_I32_LE_U SET_U32(1, U32(2) <= U32(3)), 4
#define FIRST_SELECT (S(1) = U32(4) ? S(2) : S(3)), 5
#define FIRST_LOAD8_U32 LOAD_BODY(uint8_t, 2, ip[3].u, SET_U32(1, v)), 4
#define FIRST_I64_ADD SET_U64(1, U64(2) + U64(3)), 4
#define FIRST_I64_SUB SET_U64(1, U64(2) - U64(3)), 4
#define FIRST_I32_WRAP_I64 SET_U32(1, U64(2)), 3
#define FIRST_F64_CONVERT_I32_S SET_F64(1, (double)I32(2)), 3
#define FIRST_F64_LE SET_U32(1, F64(2) <= F64(3)), 4
#define FIRST_LOAD8_U32_ADD LOAD_ADD_BODY(uint8_t, SET_U32(1, v)), 5
#define FIRST_LOAD64_ADD LOAD_ADD_BODY(uint64_t, SET_U64(1, v)), 5
#define FIRST_STORE8 STORE_BODY(uint8_t), 4
    /* a load or store as an expression: traps jump out */
#define LOAD_BODY(T, addr_k, off, SET)                \
    ({                                                \
        uint64_t ea_ = (uint64_t)U32(addr_k) + (off); \
        MEM_CHECK(ea_, sizeof(T));                    \
        T v;                                          \
        memcpy(&v, mbase + ea_, sizeof v);            \
        SET;                                          \
    })
#define LOAD_ADD_BODY(T, SET)                                           \
    ({                                                                  \
        uint64_t ea_ = (uint64_t)(uint32_t)(U32(2) + U32(3)) + ip[4].u; \
        MEM_CHECK(ea_, sizeof(T));                                      \
        T v;                                                            \
        memcpy(&v, mbase + ea_, sizeof v);                              \
        SET;                                                            \
    })
#define STORE_BODY(T)                              \
    ({                                             \
        uint64_t ea_ = (uint64_t)U32(1) + ip[3].u; \
        MEM_CHECK(ea_, sizeof(T));                 \
        T v_ = (T)S(2).u;                          \
        memcpy(mbase + ea_, &v_, sizeof v_);       \
    })
#define PAIR_RUN(body, len) \
    body;                   \
    ip += (len)
#define PAIR_RUN_(args) PAIR_RUN args
#define PAIR_HANDLER(a, b)                 \
    L_##a##__##b : PAIR_RUN_((FIRST_##a)); \
    goto L_##b;
    OLW_PAIRS(PAIR_HANDLER)
#undef PAIR_HANDLER
#undef PAIR_RUN_
#undef PAIR_RUN
#undef LOAD_BODY
#undef LOAD_ADD_BODY
#undef STORE_BODY
#undef FIRST_I32_ADD
#undef FIRST_I32_SUB
#undef FIRST_I32_XOR
#undef FIRST_I32_AND
#undef FIRST_I32_SHR_U
#undef FIRST_I32_ROTL
#undef FIRST_I32_SHL_ADD
#undef FIRST_F64_MUL
#undef FIRST_F64_ADD_MUL
#undef FIRST_COPY
#undef FIRST_COPY2
#undef FIRST_LOAD64
#undef FIRST_LOAD32
#undef FIRST_LOAD32_ADD
#undef FIRST_STORE64
#undef FIRST_STORE32
#undef FIRST_I64_ADD
#undef FIRST_I64_SUB
#undef FIRST_I32_WRAP_I64
#undef FIRST_F64_CONVERT_I32_S
#undef FIRST_F64_LE
#undef FIRST_LOAD8_U32_ADD
#undef FIRST_LOAD64_ADD
#undef FIRST_STORE8

do_trap:
    olw_store_set_trap(s, trap, NULL);
do_trap_recorded:
    SYNC_FUEL();
    s->frame_top = frame_base;
    s->stack_top = stack_entry;
    return trap;
}

const void *const *olw_interp_handlers(void)
{
    const void *const *table = NULL;
    run(NULL, NULL, NULL, &table);
    return table;
}

olw_trap_code olw_interp_call(olw_store *s, olw_func *f, olw_slot *slots) { return run(s, f, slots, NULL); }
