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

static inline uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static inline float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline uint64_t f64_bits(double f)
{
    uint64_t u;
    memcpy(&u, &f, 8);
    return u;
}
static inline double bits_f64(uint64_t u)
{
    double f;
    memcpy(&f, &u, 8);
    return f;
}

/* min/max: a NaN operand gives a NaN (a + b propagates it, quieted); with
 * equal operands the sign matters only for zeros: min(-0, +0) = -0. */
static inline float f32_min(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return bits_f32(f32_bits(a) | f32_bits(b));
    return a < b ? a : b;
}
static inline float f32_max(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return bits_f32(f32_bits(a) & f32_bits(b));
    return a > b ? a : b;
}
static inline double f64_min(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return bits_f64(f64_bits(a) | f64_bits(b));
    return a < b ? a : b;
}
static inline double f64_max(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return bits_f64(f64_bits(a) & f64_bits(b));
    return a > b ? a : b;
}

/* Rounding that quiets a signalling NaN (libm may return it unchanged;
 * the spec wants an arithmetic NaN). */
#define ROUNDING(name, T, fn) \
    static inline T name(T x) { return x != x ? x + x : fn(x); }
ROUNDING(f32_ceil, float, ceilf)
ROUNDING(f32_floor, float, floorf)
ROUNDING(f32_trunc, float, truncf)
ROUNDING(f32_nearest, float, nearbyintf)
ROUNDING(f64_ceil, double, ceil)
ROUNDING(f64_floor, double, floor)
ROUNDING(f64_trunc, double, trunc)
ROUNDING(f64_nearest, double, nearbyint)
#undef ROUNDING

/* Saturating truncations (NaN -> 0, out of range -> the nearest bound). */
static inline int32_t sat_i32(double x)
{
    if (x != x)
        return 0;
    if (x <= -2147483649.0)
        return INT32_MIN;
    if (x >= 2147483648.0)
        return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t sat_u32(double x)
{
    if (x != x || x <= -1.0)
        return 0;
    if (x >= 4294967296.0)
        return UINT32_MAX;
    return (uint32_t)x;
}
static inline int64_t sat_i64(double x)
{
    if (x != x)
        return 0;
    if (x < -9223372036854775808.0)
        return INT64_MIN;
    if (x >= 9223372036854775808.0)
        return INT64_MAX;
    return (int64_t)x;
}
static inline uint64_t sat_u64(double x)
{
    if (x != x || x <= -1.0)
        return 0;
    if (x >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)x;
}

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
#define S(k) fp[ip[k].u]
#define U32(k) ((uint32_t)S(k).u)
#define I32(k) ((int32_t)(uint32_t)S(k).u)
#define U64(k) (S(k).u)
#define I64(k) (S(k).i)
#define F32(k) bits_f32((uint32_t)S(k).u)
#define F64(k) bits_f64(S(k).u)
#define SET_U32(k, v) (S(k).u = (uint32_t)(v))
#define SET_U64(k, v) (S(k).u = (uint64_t)(v))
#define SET_F32(k, v) (S(k).u = f32_bits(v))
#define SET_F64(k, v) (S(k).u = f64_bits(v))
#define TRAP(code)     \
    do {               \
        trap = (code); \
        goto do_trap;  \
    } while (0)
/* Loads and stores check their effective address explicitly (see
 * docs/engine.md on guard pages, measured and not adopted). */
#define MEM_CHECK(ea, size)                             \
    do {                                                \
        if (__builtin_expect((ea) + (size) > msize, 0)) \
            TRAP(OLW_TRAP_MEMORY_OUT_OF_BOUNDS);        \
    } while (0)
#define LOAD_MEM()                      \
    do {                                \
        mem = inst->mem0;               \
        mbase = mem ? mem->data : NULL; \
        msize = mem ? mem->size : 0;    \
    } while (0)
#define CHARGE(cost)                           \
    do {                                       \
        uint64_t cost_ = (cost);               \
        if (__builtin_expect(fuel < cost_, 0)) \
            TRAP(OLW_TRAP_OUT_OF_FUEL);        \
        fuel -= cost_;                         \
    } while (0)
/* Bulk instructions cost 1 more per 64 bytes or elements they would
 * touch, charged before they act (see docs/engine.md). */
#define BULK_CHARGE(n)                  \
    do {                                \
        if (inst->module->metering)     \
            CHARGE((uint64_t)(n) / 64); \
    } while (0)
/* Table entries are 8 bytes: the same 64 bytes per unit is 8 entries.
 * (At 64 entries per unit, table.fill ran at 20 ns per fuel unit, 10-15
 * times the rate of other code.) */
#define TABLE_CHARGE(n) BULK_CHARGE((uint64_t)(n) * sizeof(void *))
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
L_REF_IS_NULL:
    SET_U32(1, S(2).ref == NULL);
    ip += 3;
    NEXT();
L_REF_FUNC:
    S(1).ref = inst->funcs[ip[2].u];
    ip += 3;
    NEXT();
L_TABLE_GET : {
    olw_table *t = inst->tables[ip[3].u];
    uint32_t i = U32(2);
    if (i >= t->size)
        TRAP(OLW_TRAP_TABLE_OUT_OF_BOUNDS);
    S(1).ref = t->elems[i];
    ip += 4;
    NEXT();
}
L_TABLE_SET : {
    olw_table *t = inst->tables[ip[1].u];
    uint32_t i = U32(2);
    if (i >= t->size)
        TRAP(OLW_TRAP_TABLE_OUT_OF_BOUNDS);
    t->elems[i] = S(3).ref;
    ip += 4;
    NEXT();
}
L_TABLE_SIZE:
    SET_U32(1, inst->tables[ip[2].u]->size);
    ip += 3;
    NEXT();
L_TABLE_GROW : {
    TABLE_CHARGE(U32(3));
    int64_t r = olw_table_grow_internal(inst->tables[ip[2].u], U32(3), S(1).ref);
    if (r == -2)
        TRAP(OLW_TRAP_MEMORY_LIMIT);
    SET_U32(1, (uint32_t)r);
    ip += 4;
    NEXT();
}
L_TABLE_FILL : {
    olw_table *t = inst->tables[ip[1].u];
    uint64_t i = U32(2), n = U32(4);
    void *v = S(3).ref;
    TABLE_CHARGE(n);
    if (i + n > t->size)
        TRAP(OLW_TRAP_TABLE_OUT_OF_BOUNDS);
    for (uint64_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    ip += 5;
    NEXT();
}
L_TABLE_COPY : {
    olw_table *dt = inst->tables[ip[1].u], *st = inst->tables[ip[2].u];
    uint64_t d = U32(3), src = U32(4), n = U32(5);
    TABLE_CHARGE(n);
    if (d + n > dt->size || src + n > st->size)
        TRAP(OLW_TRAP_TABLE_OUT_OF_BOUNDS);
    if (n)
        memmove(dt->elems + d, st->elems + src, n * sizeof(void *));
    ip += 6;
    NEXT();
}
L_TABLE_INIT : {
    olw_table *t = inst->tables[ip[1].u];
    uint64_t e = ip[2].u;
    uint64_t d = U32(3), src = U32(4), n = U32(5);
    TABLE_CHARGE(n);
    if (d + n > t->size || src + n > inst->elem_len[e])
        TRAP(OLW_TRAP_TABLE_OUT_OF_BOUNDS);
    if (n)
        memcpy(t->elems + d, inst->elem_refs[e] + src, n * sizeof(void *));
    ip += 6;
    NEXT();
}
L_ELEM_DROP:
    olw_instance_drop_elem(inst, (uint32_t)ip[1].u);
    ip += 2;
    NEXT();

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
L_MEMORY_SIZE:
    SET_U32(1, mem->pages);
    ip += 2;
    NEXT();
L_MEMORY_GROW : {
    int64_t r = olw_memory_grow_internal(mem, U32(1));
    if (r == -2)
        TRAP(OLW_TRAP_MEMORY_LIMIT);
    SET_U32(1, (uint32_t)r);
    LOAD_MEM();
    ip += 2;
    NEXT();
}
L_MEMORY_INIT : {
    uint64_t seg = ip[1].u;
    uint64_t d = U32(2), src = U32(3), n = U32(4);
    BULK_CHARGE(n);
    if (d + n > msize || src + n > inst->data_len[seg])
        TRAP(OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
    if (n)
        memcpy(mbase + d, inst->module->datas[seg].bytes + src, n);
    ip += 5;
    NEXT();
}
L_DATA_DROP:
    inst->data_len[ip[1].u] = 0;
    ip += 2;
    NEXT();
L_MEMORY_COPY : {
    uint64_t d = U32(1), src = U32(2), n = U32(3);
    BULK_CHARGE(n);
    if (d + n > msize || src + n > msize)
        TRAP(OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
    if (n)
        memmove(mbase + d, mbase + src, n);
    ip += 4;
    NEXT();
}
L_MEMORY_FILL : {
    uint64_t d = U32(1), n = U32(3);
    BULK_CHARGE(n);
    if (d + n > msize)
        TRAP(OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
    if (n)
        memset(mbase + d, (int)(uint8_t)U32(2), n);
    ip += 4;
    NEXT();
}

/* ---- numeric ---------------------------------------------------------------- */
#define UN(name, expr) \
    L_##name : expr;   \
    ip += 3;           \
    NEXT();
#define BIN(name, expr) \
    L_##name : expr;    \
    ip += 4;            \
    NEXT();

    UN(I32_EQZ, SET_U32(1, U32(2) == 0))
    BIN(I32_EQ, SET_U32(1, U32(2) == U32(3)))
    BIN(I32_NE, SET_U32(1, U32(2) != U32(3)))
    BIN(I32_LT_S, SET_U32(1, I32(2) < I32(3)))
    BIN(I32_LT_U, SET_U32(1, U32(2) < U32(3)))
    BIN(I32_GT_S, SET_U32(1, I32(2) > I32(3)))
    BIN(I32_GT_U, SET_U32(1, U32(2) > U32(3)))
    BIN(I32_LE_S, SET_U32(1, I32(2) <= I32(3)))
    BIN(I32_LE_U, SET_U32(1, U32(2) <= U32(3)))
    BIN(I32_GE_S, SET_U32(1, I32(2) >= I32(3)))
    BIN(I32_GE_U, SET_U32(1, U32(2) >= U32(3)))
    UN(I64_EQZ, SET_U32(1, U64(2) == 0))
    BIN(I64_EQ, SET_U32(1, U64(2) == U64(3)))
    BIN(I64_NE, SET_U32(1, U64(2) != U64(3)))
    BIN(I64_LT_S, SET_U32(1, I64(2) < I64(3)))
    BIN(I64_LT_U, SET_U32(1, U64(2) < U64(3)))
    BIN(I64_GT_S, SET_U32(1, I64(2) > I64(3)))
    BIN(I64_GT_U, SET_U32(1, U64(2) > U64(3)))
    BIN(I64_LE_S, SET_U32(1, I64(2) <= I64(3)))
    BIN(I64_LE_U, SET_U32(1, U64(2) <= U64(3)))
    BIN(I64_GE_S, SET_U32(1, I64(2) >= I64(3)))
    BIN(I64_GE_U, SET_U32(1, U64(2) >= U64(3)))
    BIN(F32_EQ, SET_U32(1, F32(2) == F32(3)))
    BIN(F32_NE, SET_U32(1, F32(2) != F32(3)))
    BIN(F32_LT, SET_U32(1, F32(2) < F32(3)))
    BIN(F32_GT, SET_U32(1, F32(2) > F32(3)))
    BIN(F32_LE, SET_U32(1, F32(2) <= F32(3)))
    BIN(F32_GE, SET_U32(1, F32(2) >= F32(3)))
    BIN(F64_EQ, SET_U32(1, F64(2) == F64(3)))
    BIN(F64_NE, SET_U32(1, F64(2) != F64(3)))
    BIN(F64_LT, SET_U32(1, F64(2) < F64(3)))
    BIN(F64_GT, SET_U32(1, F64(2) > F64(3)))
    BIN(F64_LE, SET_U32(1, F64(2) <= F64(3)))
    BIN(F64_GE, SET_U32(1, F64(2) >= F64(3)))

    UN(I32_CLZ, SET_U32(1, U32(2) ? __builtin_clz(U32(2)) : 32))
    UN(I32_CTZ, SET_U32(1, U32(2) ? __builtin_ctz(U32(2)) : 32))
    UN(I32_POPCNT, SET_U32(1, __builtin_popcount(U32(2))))
    BIN(I32_ADD, SET_U32(1, U32(2) + U32(3)))
    BIN(I32_SUB, SET_U32(1, U32(2) - U32(3)))
    BIN(I32_MUL, SET_U32(1, U32(2) * U32(3)))
L_I32_DIV_S : {
    int32_t a = I32(2), b = I32(3);
    if (b == 0)
        TRAP(OLW_TRAP_DIVIDE_BY_ZERO);
    if (a == INT32_MIN && b == -1)
        TRAP(OLW_TRAP_INTEGER_OVERFLOW);
    SET_U32(1, a / b);
    ip += 4;
    NEXT();
}
L_I32_DIV_U : {
    uint32_t a = U32(2), b = U32(3);
    if (b == 0)
        TRAP(OLW_TRAP_DIVIDE_BY_ZERO);
    SET_U32(1, a / b);
    ip += 4;
    NEXT();
}
L_I32_REM_S : {
    int32_t a = I32(2), b = I32(3);
    if (b == 0)
        TRAP(OLW_TRAP_DIVIDE_BY_ZERO);
    SET_U32(1, b == -1 ? 0 : a % b);
    ip += 4;
    NEXT();
}
L_I32_REM_U : {
    uint32_t a = U32(2), b = U32(3);
    if (b == 0)
        TRAP(OLW_TRAP_DIVIDE_BY_ZERO);
    SET_U32(1, a % b);
    ip += 4;
    NEXT();
}
    BIN(I32_AND, SET_U32(1, U32(2) & U32(3)))
    BIN(I32_OR, SET_U32(1, U32(2) | U32(3)))
    BIN(I32_XOR, SET_U32(1, U32(2) ^ U32(3)))
    BIN(I32_SHL, SET_U32(1, U32(2) << (U32(3) & 31)))
    BIN(I32_SHR_S, SET_U32(1, I32(2) >> (U32(3) & 31)))
    BIN(I32_SHR_U, SET_U32(1, U32(2) >> (U32(3) & 31)))
    BIN(I32_ROTL, SET_U32(1, (U32(2) << (U32(3) & 31)) | (U32(2) >> ((32 - U32(3)) & 31))))
    BIN(I32_ROTR, SET_U32(1, (U32(2) >> (U32(3) & 31)) | (U32(2) << ((32 - U32(3)) & 31))))
L_I32_ADD3:
    SET_U32(1, U32(2) + U32(3) + U32(4));
    ip += 5;
    NEXT();
L_I32_SHL_ADD:
    SET_U32(1, (U32(2) << (U32(3) & 31)) + U32(4));
    ip += 5;
    NEXT();

    UN(I64_CLZ, SET_U64(1, U64(2) ? __builtin_clzll(U64(2)) : 64))
    UN(I64_CTZ, SET_U64(1, U64(2) ? __builtin_ctzll(U64(2)) : 64))
    UN(I64_POPCNT, SET_U64(1, __builtin_popcountll(U64(2))))
    BIN(I64_ADD, SET_U64(1, U64(2) + U64(3)))
    BIN(I64_SUB, SET_U64(1, U64(2) - U64(3)))
    BIN(I64_MUL, SET_U64(1, U64(2) * U64(3)))
L_I64_DIV_S : {
    int64_t a = I64(2), b = I64(3);
    if (b == 0)
        TRAP(OLW_TRAP_DIVIDE_BY_ZERO);
    if (a == INT64_MIN && b == -1)
        TRAP(OLW_TRAP_INTEGER_OVERFLOW);
    SET_U64(1, a / b);
    ip += 4;
    NEXT();
}
L_I64_DIV_U : {
    uint64_t a = U64(2), b = U64(3);
    if (b == 0)
        TRAP(OLW_TRAP_DIVIDE_BY_ZERO);
    SET_U64(1, a / b);
    ip += 4;
    NEXT();
}
L_I64_REM_S : {
    int64_t a = I64(2), b = I64(3);
    if (b == 0)
        TRAP(OLW_TRAP_DIVIDE_BY_ZERO);
    SET_U64(1, b == -1 ? 0 : a % b);
    ip += 4;
    NEXT();
}
L_I64_REM_U : {
    uint64_t a = U64(2), b = U64(3);
    if (b == 0)
        TRAP(OLW_TRAP_DIVIDE_BY_ZERO);
    SET_U64(1, a % b);
    ip += 4;
    NEXT();
}
    BIN(I64_AND, SET_U64(1, U64(2) & U64(3)))
    BIN(I64_OR, SET_U64(1, U64(2) | U64(3)))
    BIN(I64_XOR, SET_U64(1, U64(2) ^ U64(3)))
    BIN(I64_SHL, SET_U64(1, U64(2) << (U64(3) & 63)))
    BIN(I64_SHR_S, SET_U64(1, I64(2) >> (U64(3) & 63)))
    BIN(I64_SHR_U, SET_U64(1, U64(2) >> (U64(3) & 63)))
    BIN(I64_ROTL, SET_U64(1, (U64(2) << (U64(3) & 63)) | (U64(2) >> ((64 - U64(3)) & 63))))
    BIN(I64_ROTR, SET_U64(1, (U64(2) >> (U64(3) & 63)) | (U64(2) << ((64 - U64(3)) & 63))))

    /* abs, neg and copysign are bit operations: NaN payloads pass unchanged */
    UN(F32_ABS, SET_U32(1, U32(2) & 0x7fffffffu))
    UN(F32_NEG, SET_U32(1, U32(2) ^ 0x80000000u))
    UN(F32_CEIL, SET_F32(1, f32_ceil(F32(2))))
    UN(F32_FLOOR, SET_F32(1, f32_floor(F32(2))))
    UN(F32_TRUNC, SET_F32(1, f32_trunc(F32(2))))
    UN(F32_NEAREST, SET_F32(1, f32_nearest(F32(2))))
    UN(F32_SQRT, SET_F32(1, sqrtf(F32(2))))
    BIN(F32_ADD, SET_F32(1, F32(2) + F32(3)))
    BIN(F32_SUB, SET_F32(1, F32(2) - F32(3)))
    BIN(F32_MUL, SET_F32(1, F32(2) * F32(3)))
    BIN(F32_DIV, SET_F32(1, F32(2) / F32(3)))
    BIN(F32_MIN, SET_F32(1, f32_min(F32(2), F32(3))))
    BIN(F32_MAX, SET_F32(1, f32_max(F32(2), F32(3))))
    BIN(F32_COPYSIGN, SET_U32(1, (U32(2) & 0x7fffffffu) | (U32(3) & 0x80000000u)))
    UN(F64_ABS, SET_U64(1, U64(2) & 0x7fffffffffffffffull))
    UN(F64_NEG, SET_U64(1, U64(2) ^ 0x8000000000000000ull))
    UN(F64_CEIL, SET_F64(1, f64_ceil(F64(2))))
    UN(F64_FLOOR, SET_F64(1, f64_floor(F64(2))))
    UN(F64_TRUNC, SET_F64(1, f64_trunc(F64(2))))
    UN(F64_NEAREST, SET_F64(1, f64_nearest(F64(2))))
    UN(F64_SQRT, SET_F64(1, sqrt(F64(2))))
    BIN(F64_ADD, SET_F64(1, F64(2) + F64(3)))
    BIN(F64_SUB, SET_F64(1, F64(2) - F64(3)))
    BIN(F64_MUL, SET_F64(1, F64(2) * F64(3)))
    BIN(F64_DIV, SET_F64(1, F64(2) / F64(3)))
    BIN(F64_MIN, SET_F64(1, f64_min(F64(2), F64(3))))
    BIN(F64_MAX, SET_F64(1, f64_max(F64(2), F64(3))))
    /* f64.mul fused into f64.add/sub: the product is rounded to a double
     * first, exactly as the pair of instructions does (x86-64's baseline
     * has no fused multiply-add for the compiler to contract this into) */
#define MUL_THEN(name, expr)            \
    L_##name:                           \
    {                                   \
        double prod_ = F64(2) * F64(3); \
        double z_ = F64(4);             \
        SET_F64(1, expr);               \
        ip += 5;                        \
        NEXT();                         \
    }
    MUL_THEN(F64_MUL_ADD, prod_ + z_)
    MUL_THEN(F64_ADD_MUL, z_ + prod_)
    MUL_THEN(F64_MUL_SUB, prod_ - z_)
    MUL_THEN(F64_SUB_MUL, z_ - prod_)
#undef MUL_THEN
    BIN(F64_COPYSIGN, SET_U64(1, (U64(2) & 0x7fffffffffffffffull) | (U64(3) & 0x8000000000000000ull)))

    /* Trapping truncations: NaN is an invalid conversion, anything whose
     * truncation is out of the target range an overflow. */
#define TRUNC(name, FT, x, lo_ok, hi_ok, SET)  \
    L_##name:                                  \
    {                                          \
        FT v = x;                              \
        if (v != v)                            \
            TRAP(OLW_TRAP_INVALID_CONVERSION); \
        if (!(lo_ok && hi_ok))                 \
            TRAP(OLW_TRAP_INTEGER_OVERFLOW);   \
        SET;                                   \
        ip += 3;                               \
        NEXT();                                \
    }
    TRUNC(I32_TRUNC_F32_S, float, F32(2), v >= -2147483648.0f, v < 2147483648.0f, SET_U32(1, (int32_t)v))
    TRUNC(I32_TRUNC_F32_U, float, F32(2), v > -1.0f, v < 4294967296.0f, SET_U32(1, (uint32_t)v))
    TRUNC(I32_TRUNC_F64_S, double, F64(2), v > -2147483649.0, v < 2147483648.0, SET_U32(1, (int32_t)v))
    TRUNC(I32_TRUNC_F64_U, double, F64(2), v > -1.0, v < 4294967296.0, SET_U32(1, (uint32_t)v))
    TRUNC(I64_TRUNC_F32_S, float, F32(2), v >= -9223372036854775808.0f, v < 9223372036854775808.0f,
          SET_U64(1, (int64_t)v))
    TRUNC(I64_TRUNC_F32_U, float, F32(2), v > -1.0f, v < 18446744073709551616.0f, SET_U64(1, (uint64_t)v))
    TRUNC(I64_TRUNC_F64_S, double, F64(2), v >= -9223372036854775808.0, v < 9223372036854775808.0,
          SET_U64(1, (int64_t)v))
    TRUNC(I64_TRUNC_F64_U, double, F64(2), v > -1.0, v < 18446744073709551616.0, SET_U64(1, (uint64_t)v))
#undef TRUNC
    UN(I32_WRAP_I64, SET_U32(1, U64(2)))
    UN(I64_EXTEND_I32_S, SET_U64(1, (int64_t)I32(2)))
    UN(I64_EXTEND_I32_U, SET_U64(1, U32(2)))
    UN(F32_CONVERT_I32_S, SET_F32(1, (float)I32(2)))
    UN(F32_CONVERT_I32_U, SET_F32(1, (float)U32(2)))
    UN(F32_CONVERT_I64_S, SET_F32(1, (float)I64(2)))
    UN(F32_CONVERT_I64_U, SET_F32(1, (float)U64(2)))
    UN(F32_DEMOTE_F64, SET_F32(1, (float)F64(2)))
    UN(F64_CONVERT_I32_S, SET_F64(1, (double)I32(2)))
    UN(F64_CONVERT_I32_U, SET_F64(1, (double)U32(2)))
    UN(F64_CONVERT_I64_S, SET_F64(1, (double)I64(2)))
    UN(F64_CONVERT_I64_U, SET_F64(1, (double)U64(2)))
    UN(F64_PROMOTE_F32, SET_F64(1, (double)F32(2)))
    UN(I32_EXTEND8_S, SET_U32(1, (int32_t)(int8_t)U32(2)))
    UN(I32_EXTEND16_S, SET_U32(1, (int32_t)(int16_t)U32(2)))
    UN(I64_EXTEND8_S, SET_U64(1, (int64_t)(int8_t)U64(2)))
    UN(I64_EXTEND16_S, SET_U64(1, (int64_t)(int16_t)U64(2)))
    UN(I64_EXTEND32_S, SET_U64(1, (int64_t)(int32_t)U64(2)))
    UN(I32_TRUNC_SAT_F32_S, SET_U32(1, sat_i32(F32(2))))
    UN(I32_TRUNC_SAT_F32_U, SET_U32(1, sat_u32(F32(2))))
    UN(I32_TRUNC_SAT_F64_S, SET_U32(1, sat_i32(F64(2))))
    UN(I32_TRUNC_SAT_F64_U, SET_U32(1, sat_u32(F64(2))))
    UN(I64_TRUNC_SAT_F32_S, SET_U64(1, sat_i64(F32(2))))
    UN(I64_TRUNC_SAT_F32_U, SET_U64(1, sat_u64(F32(2))))
    UN(I64_TRUNC_SAT_F64_S, SET_U64(1, sat_i64(F64(2))))
    UN(I64_TRUNC_SAT_F64_U, SET_U64(1, sat_u64(F64(2))))
#undef UN
#undef BIN

    /* ---- pairs (compile.h): A's work, then straight to B's handler ---------- */
#define FIRST_I32_ADD SET_U32(1, U32(2) + U32(3)), 4
#define FIRST_I32_SUB SET_U32(1, U32(2) - U32(3)), 4
#define FIRST_I32_XOR SET_U32(1, U32(2) ^ U32(3)), 4
#define FIRST_I32_AND SET_U32(1, U32(2) & U32(3)), 4
#define FIRST_I32_SHR_U SET_U32(1, U32(2) >> (U32(3) & 31)), 4
#define FIRST_I32_ROTL SET_U32(1, (U32(2) << (U32(3) & 31)) | (U32(2) >> ((32 - U32(3)) & 31))), 4
#define FIRST_I32_SHL_ADD SET_U32(1, (U32(2) << (U32(3) & 31)) + U32(4)), 5
#define FIRST_F64_MUL SET_F64(1, F64(2) * F64(3)), 4
#define FIRST_F64_ADD_MUL                                                         \
    ({                                                                            \
        double prod_ = F64(2) * F64(3); /* its own statement: never contracted */ \
        SET_F64(1, F64(4) + prod_);                                               \
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
