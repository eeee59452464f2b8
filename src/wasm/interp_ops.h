/*
 * interp_ops.h — the semantics of the internal instructions that are not
 * control flow (internal), shared by the interpreter (interp.c, one handler
 * each) and the compiled tier (jit_runtime.c runs the ones it has no
 * machine-code template for). One definition, so both tiers give the same
 * results and the same traps.
 *
 * The lists below expand in a context that defines: fp (the frame), ip (the
 * instruction's cells), inst, mem, mbase, msize, fuel and s (the store),
 * and TRAP(code). UN(name, expr) and BIN(name, expr) are instructions of 3
 * and 4 cells; BLOCK(name, len, body...) any other.
 */
#ifndef OUTLAYER_WASM_INTERP_OPS_H
#define OUTLAYER_WASM_INTERP_OPS_H

#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
/* Each wasm float instruction rounds on its own: GCC must not contract a
 * fused multiply-add out of F64_MUL_ADD and friends. */
#pragma GCC optimize("fp-contract=off")
#endif

#include "wasm/runtime.h"

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

/* Commutative float arithmetic with its operand order pinned: when both
 * operands are NaN, x86's addsd/mulsd return the first one's payload
 * (quieted), and a compiler may swap the operands of a + b. Pinned, the
 * interpreter, the helpers of the compiling tier and its machine code
 * (which emits the same instruction, first operand first) always agree. */
#if defined(__x86_64__)
#define PINNED(name, T, insn, reg)                           \
    static inline T name(T a, T b)                           \
    {                                                        \
        __asm__(insn " %1, %0" : "+x"(a) : reg(b));          \
        return a;                                            \
    }
PINNED(f32_add, float, "addss", "xm")
PINNED(f32_mul, float, "mulss", "xm")
PINNED(f64_add, double, "addsd", "xm")
PINNED(f64_mul, double, "mulsd", "xm")
#undef PINNED
#else
static inline float f32_add(float a, float b) { return a + b; }
static inline float f32_mul(float a, float b) { return a * b; }
static inline double f64_add(double a, double b) { return a + b; }
static inline double f64_mul(double a, double b) { return a * b; }
#endif

/* min/max: a NaN operand gives a NaN (a + b propagates it, quieted); with
 * equal operands the sign matters only for zeros: min(-0, +0) = -0. */
static inline float f32_min(float a, float b)
{
    if (a != a || b != b)
        return f32_add(a, b);
    if (a == b)
        return bits_f32(f32_bits(a) | f32_bits(b));
    return a < b ? a : b;
}
static inline float f32_max(float a, float b)
{
    if (a != a || b != b)
        return f32_add(a, b);
    if (a == b)
        return bits_f32(f32_bits(a) & f32_bits(b));
    return a > b ? a : b;
}
static inline double f64_min(double a, double b)
{
    if (a != a || b != b)
        return f64_add(a, b);
    if (a == b)
        return bits_f64(f64_bits(a) | f64_bits(b));
    return a < b ? a : b;
}
static inline double f64_max(double a, double b)
{
    if (a != a || b != b)
        return f64_add(a, b);
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

/* Operand access: cell k of the instruction names a frame slot. */
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
/* Trapping truncations: NaN is an invalid conversion, anything whose
 * truncation is out of the target range an overflow. */
#define OLW_TRUNC_BODY(FT, x, lo_ok, hi_ok, SET) \
    FT v = x;                                      \
    if (v != v)                                    \
        TRAP(OLW_TRAP_INVALID_CONVERSION);         \
    if (!(lo_ok && hi_ok))                         \
        TRAP(OLW_TRAP_INTEGER_OVERFLOW);           \
    SET;

/* References, tables and the memory's size and bulk instructions. */
#define OLW_RUNTIME_OPS(BLOCK) \
    BLOCK(REF_IS_NULL, 3, SET_U32(1, S(2).ref == NULL);) \
    BLOCK(REF_FUNC, 3, S(1).ref = inst->funcs[ip[2].u];) \
    BLOCK(TABLE_GET, 4, olw_table *t = inst->tables[ip[3].u]; uint32_t i = U32(2); if (i >= t->size) TRAP(OLW_TRAP_TABLE_OUT_OF_BOUNDS); S(1).ref = t->elems[i];) \
    BLOCK(TABLE_SET, 4, olw_table *t = inst->tables[ip[1].u]; uint32_t i = U32(2); if (i >= t->size) TRAP(OLW_TRAP_TABLE_OUT_OF_BOUNDS); t->elems[i] = S(3).ref;) \
    BLOCK(TABLE_SIZE, 3, SET_U32(1, inst->tables[ip[2].u]->size);) \
    BLOCK(TABLE_GROW, 4, TABLE_CHARGE(U32(3)); int64_t r = olw_table_grow_internal(inst->tables[ip[2].u], U32(3), S(1).ref); if (r == -2) TRAP(OLW_TRAP_MEMORY_LIMIT); SET_U32(1, (uint32_t)r);) \
    BLOCK(TABLE_FILL, 5, olw_table *t = inst->tables[ip[1].u]; uint64_t i = U32(2), n = U32(4); void *v = S(3).ref; TABLE_CHARGE(n); if (i + n > t->size) TRAP(OLW_TRAP_TABLE_OUT_OF_BOUNDS); for (uint64_t k = 0; k < n; k++) t->elems[i + k] = v;) \
    BLOCK(TABLE_COPY, 6, olw_table *dt = inst->tables[ip[1].u], *st = inst->tables[ip[2].u]; uint64_t d = U32(3), src = U32(4), n = U32(5); TABLE_CHARGE(n); if (d + n > dt->size || src + n > st->size) TRAP(OLW_TRAP_TABLE_OUT_OF_BOUNDS); if (n) memmove(dt->elems + d, st->elems + src, n * sizeof(void *));) \
    BLOCK(TABLE_INIT, 6, olw_table *t = inst->tables[ip[1].u]; uint64_t e = ip[2].u; uint64_t d = U32(3), src = U32(4), n = U32(5); TABLE_CHARGE(n); if (d + n > t->size || src + n > inst->elem_len[e]) TRAP(OLW_TRAP_TABLE_OUT_OF_BOUNDS); if (n) memcpy(t->elems + d, inst->elem_refs[e] + src, n * sizeof(void *));) \
    BLOCK(ELEM_DROP, 2, olw_instance_drop_elem(inst, (uint32_t)ip[1].u);) \
    BLOCK(MEMORY_SIZE, 2, SET_U32(1, mem->pages);) \
    BLOCK(MEMORY_GROW, 2, int64_t r = olw_memory_grow_internal(mem, U32(1)); if (r == -2) TRAP(OLW_TRAP_MEMORY_LIMIT); SET_U32(1, (uint32_t)r); LOAD_MEM();) \
    BLOCK(MEMORY_INIT, 5, uint64_t seg = ip[1].u; uint64_t d = U32(2), src = U32(3), n = U32(4); BULK_CHARGE(n); if (d + n > msize || src + n > inst->data_len[seg]) TRAP(OLW_TRAP_MEMORY_OUT_OF_BOUNDS); if (n) memcpy(mbase + d, inst->module->datas[seg].bytes + src, n);) \
    BLOCK(DATA_DROP, 2, inst->data_len[ip[1].u] = 0;) \
    BLOCK(MEMORY_COPY, 4, uint64_t d = U32(1), src = U32(2), n = U32(3); BULK_CHARGE(n); if (d + n > msize || src + n > msize) TRAP(OLW_TRAP_MEMORY_OUT_OF_BOUNDS); if (n) memmove(mbase + d, mbase + src, n);) \
    BLOCK(MEMORY_FILL, 4, uint64_t d = U32(1), n = U32(3); BULK_CHARGE(n); if (d + n > msize) TRAP(OLW_TRAP_MEMORY_OUT_OF_BOUNDS); if (n) memset(mbase + d, (int)(uint8_t)U32(2), n);)

/* Numeric instructions. f64.mul fused into f64.add/sub (F64_MUL_ADD...):
 * the product is rounded to a double first, exactly as the pair of
 * instructions does. abs, neg and copysign are bit operations: NaN payloads
 * pass unchanged. */
#define OLW_NUMERIC_OPS(UN, BIN, BLOCK) \
    UN(I32_EQZ, SET_U32(1, U32(2) == 0)) \
    BIN(I32_EQ, SET_U32(1, U32(2) == U32(3))) \
    BIN(I32_NE, SET_U32(1, U32(2) != U32(3))) \
    BIN(I32_LT_S, SET_U32(1, I32(2) < I32(3))) \
    BIN(I32_LT_U, SET_U32(1, U32(2) < U32(3))) \
    BIN(I32_GT_S, SET_U32(1, I32(2) > I32(3))) \
    BIN(I32_GT_U, SET_U32(1, U32(2) > U32(3))) \
    BIN(I32_LE_S, SET_U32(1, I32(2) <= I32(3))) \
    BIN(I32_LE_U, SET_U32(1, U32(2) <= U32(3))) \
    BIN(I32_GE_S, SET_U32(1, I32(2) >= I32(3))) \
    BIN(I32_GE_U, SET_U32(1, U32(2) >= U32(3))) \
    UN(I64_EQZ, SET_U32(1, U64(2) == 0)) \
    BIN(I64_EQ, SET_U32(1, U64(2) == U64(3))) \
    BIN(I64_NE, SET_U32(1, U64(2) != U64(3))) \
    BIN(I64_LT_S, SET_U32(1, I64(2) < I64(3))) \
    BIN(I64_LT_U, SET_U32(1, U64(2) < U64(3))) \
    BIN(I64_GT_S, SET_U32(1, I64(2) > I64(3))) \
    BIN(I64_GT_U, SET_U32(1, U64(2) > U64(3))) \
    BIN(I64_LE_S, SET_U32(1, I64(2) <= I64(3))) \
    BIN(I64_LE_U, SET_U32(1, U64(2) <= U64(3))) \
    BIN(I64_GE_S, SET_U32(1, I64(2) >= I64(3))) \
    BIN(I64_GE_U, SET_U32(1, U64(2) >= U64(3))) \
    BIN(F32_EQ, SET_U32(1, F32(2) == F32(3))) \
    BIN(F32_NE, SET_U32(1, F32(2) != F32(3))) \
    BIN(F32_LT, SET_U32(1, F32(2) < F32(3))) \
    BIN(F32_GT, SET_U32(1, F32(2) > F32(3))) \
    BIN(F32_LE, SET_U32(1, F32(2) <= F32(3))) \
    BIN(F32_GE, SET_U32(1, F32(2) >= F32(3))) \
    BIN(F64_EQ, SET_U32(1, F64(2) == F64(3))) \
    BIN(F64_NE, SET_U32(1, F64(2) != F64(3))) \
    BIN(F64_LT, SET_U32(1, F64(2) < F64(3))) \
    BIN(F64_GT, SET_U32(1, F64(2) > F64(3))) \
    BIN(F64_LE, SET_U32(1, F64(2) <= F64(3))) \
    BIN(F64_GE, SET_U32(1, F64(2) >= F64(3))) \
    UN(I32_CLZ, SET_U32(1, U32(2) ? __builtin_clz(U32(2)) : 32)) \
    UN(I32_CTZ, SET_U32(1, U32(2) ? __builtin_ctz(U32(2)) : 32)) \
    UN(I32_POPCNT, SET_U32(1, __builtin_popcount(U32(2)))) \
    BIN(I32_ADD, SET_U32(1, U32(2) + U32(3))) \
    BIN(I32_SUB, SET_U32(1, U32(2) - U32(3))) \
    BIN(I32_MUL, SET_U32(1, U32(2) * U32(3))) \
    BLOCK(I32_DIV_S, 4, int32_t a = I32(2), b = I32(3); if (b == 0) TRAP(OLW_TRAP_DIVIDE_BY_ZERO); if (a == INT32_MIN && b == -1) TRAP(OLW_TRAP_INTEGER_OVERFLOW); SET_U32(1, a / b);) \
    BLOCK(I32_DIV_U, 4, uint32_t a = U32(2), b = U32(3); if (b == 0) TRAP(OLW_TRAP_DIVIDE_BY_ZERO); SET_U32(1, a / b);) \
    BLOCK(I32_REM_S, 4, int32_t a = I32(2), b = I32(3); if (b == 0) TRAP(OLW_TRAP_DIVIDE_BY_ZERO); SET_U32(1, b == -1 ? 0 : a % b);) \
    BLOCK(I32_REM_U, 4, uint32_t a = U32(2), b = U32(3); if (b == 0) TRAP(OLW_TRAP_DIVIDE_BY_ZERO); SET_U32(1, a % b);) \
    BIN(I32_AND, SET_U32(1, U32(2) & U32(3))) \
    BIN(I32_OR, SET_U32(1, U32(2) | U32(3))) \
    BIN(I32_XOR, SET_U32(1, U32(2) ^ U32(3))) \
    BIN(I32_SHL, SET_U32(1, U32(2) << (U32(3) & 31))) \
    BIN(I32_SHR_S, SET_U32(1, I32(2) >> (U32(3) & 31))) \
    BIN(I32_SHR_U, SET_U32(1, U32(2) >> (U32(3) & 31))) \
    BIN(I32_ROTL, SET_U32(1, (U32(2) << (U32(3) & 31)) | (U32(2) >> ((32 - U32(3)) & 31)))) \
    BIN(I32_ROTR, SET_U32(1, (U32(2) >> (U32(3) & 31)) | (U32(2) << ((32 - U32(3)) & 31)))) \
    BLOCK(I32_ADD3, 5, SET_U32(1, U32(2) + U32(3) + U32(4));) \
    BLOCK(I32_SHL_ADD, 5, SET_U32(1, (U32(2) << (U32(3) & 31)) + U32(4));) \
    UN(I64_CLZ, SET_U64(1, U64(2) ? __builtin_clzll(U64(2)) : 64)) \
    UN(I64_CTZ, SET_U64(1, U64(2) ? __builtin_ctzll(U64(2)) : 64)) \
    UN(I64_POPCNT, SET_U64(1, __builtin_popcountll(U64(2)))) \
    BIN(I64_ADD, SET_U64(1, U64(2) + U64(3))) \
    BIN(I64_SUB, SET_U64(1, U64(2) - U64(3))) \
    BIN(I64_MUL, SET_U64(1, U64(2) * U64(3))) \
    BLOCK(I64_DIV_S, 4, int64_t a = I64(2), b = I64(3); if (b == 0) TRAP(OLW_TRAP_DIVIDE_BY_ZERO); if (a == INT64_MIN && b == -1) TRAP(OLW_TRAP_INTEGER_OVERFLOW); SET_U64(1, a / b);) \
    BLOCK(I64_DIV_U, 4, uint64_t a = U64(2), b = U64(3); if (b == 0) TRAP(OLW_TRAP_DIVIDE_BY_ZERO); SET_U64(1, a / b);) \
    BLOCK(I64_REM_S, 4, int64_t a = I64(2), b = I64(3); if (b == 0) TRAP(OLW_TRAP_DIVIDE_BY_ZERO); SET_U64(1, b == -1 ? 0 : a % b);) \
    BLOCK(I64_REM_U, 4, uint64_t a = U64(2), b = U64(3); if (b == 0) TRAP(OLW_TRAP_DIVIDE_BY_ZERO); SET_U64(1, a % b);) \
    BIN(I64_AND, SET_U64(1, U64(2) & U64(3))) \
    BIN(I64_OR, SET_U64(1, U64(2) | U64(3))) \
    BIN(I64_XOR, SET_U64(1, U64(2) ^ U64(3))) \
    BIN(I64_SHL, SET_U64(1, U64(2) << (U64(3) & 63))) \
    BIN(I64_SHR_S, SET_U64(1, I64(2) >> (U64(3) & 63))) \
    BIN(I64_SHR_U, SET_U64(1, U64(2) >> (U64(3) & 63))) \
    BIN(I64_ROTL, SET_U64(1, (U64(2) << (U64(3) & 63)) | (U64(2) >> ((64 - U64(3)) & 63)))) \
    BIN(I64_ROTR, SET_U64(1, (U64(2) >> (U64(3) & 63)) | (U64(2) << ((64 - U64(3)) & 63)))) \
    /* abs, neg and copysign are bit operations: NaN payloads pass unchanged */ \
    UN(F32_ABS, SET_U32(1, U32(2) & 0x7fffffffu)) \
    UN(F32_NEG, SET_U32(1, U32(2) ^ 0x80000000u)) \
    UN(F32_CEIL, SET_F32(1, f32_ceil(F32(2)))) \
    UN(F32_FLOOR, SET_F32(1, f32_floor(F32(2)))) \
    UN(F32_TRUNC, SET_F32(1, f32_trunc(F32(2)))) \
    UN(F32_NEAREST, SET_F32(1, f32_nearest(F32(2)))) \
    UN(F32_SQRT, SET_F32(1, sqrtf(F32(2)))) \
    BIN(F32_ADD, SET_F32(1, f32_add(F32(2), F32(3)))) \
    BIN(F32_SUB, SET_F32(1, F32(2) - F32(3))) \
    BIN(F32_MUL, SET_F32(1, f32_mul(F32(2), F32(3)))) \
    BIN(F32_DIV, SET_F32(1, F32(2) / F32(3))) \
    BIN(F32_MIN, SET_F32(1, f32_min(F32(2), F32(3)))) \
    BIN(F32_MAX, SET_F32(1, f32_max(F32(2), F32(3)))) \
    BIN(F32_COPYSIGN, SET_U32(1, (U32(2) & 0x7fffffffu) | (U32(3) & 0x80000000u))) \
    UN(F64_ABS, SET_U64(1, U64(2) & 0x7fffffffffffffffull)) \
    UN(F64_NEG, SET_U64(1, U64(2) ^ 0x8000000000000000ull)) \
    UN(F64_CEIL, SET_F64(1, f64_ceil(F64(2)))) \
    UN(F64_FLOOR, SET_F64(1, f64_floor(F64(2)))) \
    UN(F64_TRUNC, SET_F64(1, f64_trunc(F64(2)))) \
    UN(F64_NEAREST, SET_F64(1, f64_nearest(F64(2)))) \
    UN(F64_SQRT, SET_F64(1, sqrt(F64(2)))) \
    BIN(F64_ADD, SET_F64(1, f64_add(F64(2), F64(3)))) \
    BIN(F64_SUB, SET_F64(1, F64(2) - F64(3))) \
    BIN(F64_MUL, SET_F64(1, f64_mul(F64(2), F64(3)))) \
    BIN(F64_DIV, SET_F64(1, F64(2) / F64(3))) \
    BIN(F64_MIN, SET_F64(1, f64_min(F64(2), F64(3)))) \
    BIN(F64_MAX, SET_F64(1, f64_max(F64(2), F64(3)))) \
    /* f64.mul fused into f64.add/sub: the product is rounded to a double \
     * first, exactly as the pair of instructions does (x86-64's baseline \
     * has no fused multiply-add for the compiler to contract this into) */ \
    BLOCK(F64_MUL_ADD, 5, double prod_ = f64_mul(F64(2), F64(3)); double z_ = F64(4); SET_F64(1, f64_add(prod_, z_));) \
    BLOCK(F64_ADD_MUL, 5, double prod_ = f64_mul(F64(2), F64(3)); double z_ = F64(4); SET_F64(1, f64_add(z_, prod_));) \
    BLOCK(F64_MUL_SUB, 5, double prod_ = f64_mul(F64(2), F64(3)); double z_ = F64(4); SET_F64(1, prod_ - z_);) \
    BLOCK(F64_SUB_MUL, 5, double prod_ = f64_mul(F64(2), F64(3)); double z_ = F64(4); SET_F64(1, z_ - prod_);) \
    BIN(F64_COPYSIGN, SET_U64(1, (U64(2) & 0x7fffffffffffffffull) | (U64(3) & 0x8000000000000000ull))) \
    /* Trapping truncations: NaN is an invalid conversion, anything whose \
     * truncation is out of the target range an overflow. */ \
    BLOCK(I32_TRUNC_F32_S, 3, OLW_TRUNC_BODY(float, F32(2), v >= -2147483648.0f, v < 2147483648.0f, SET_U32(1, (int32_t)v))) \
    BLOCK(I32_TRUNC_F32_U, 3, OLW_TRUNC_BODY(float, F32(2), v > -1.0f, v < 4294967296.0f, SET_U32(1, (uint32_t)v))) \
    BLOCK(I32_TRUNC_F64_S, 3, OLW_TRUNC_BODY(double, F64(2), v > -2147483649.0, v < 2147483648.0, SET_U32(1, (int32_t)v))) \
    BLOCK(I32_TRUNC_F64_U, 3, OLW_TRUNC_BODY(double, F64(2), v > -1.0, v < 4294967296.0, SET_U32(1, (uint32_t)v))) \
    BLOCK(I64_TRUNC_F32_S, 3, OLW_TRUNC_BODY(float, F32(2), v >= -9223372036854775808.0f, v < 9223372036854775808.0f, SET_U64(1, (int64_t)v))) \
    BLOCK(I64_TRUNC_F32_U, 3, OLW_TRUNC_BODY(float, F32(2), v > -1.0f, v < 18446744073709551616.0f, SET_U64(1, (uint64_t)v))) \
    BLOCK(I64_TRUNC_F64_S, 3, OLW_TRUNC_BODY(double, F64(2), v >= -9223372036854775808.0, v < 9223372036854775808.0, SET_U64(1, (int64_t)v))) \
    BLOCK(I64_TRUNC_F64_U, 3, OLW_TRUNC_BODY(double, F64(2), v > -1.0, v < 18446744073709551616.0, SET_U64(1, (uint64_t)v))) \
    UN(I32_WRAP_I64, SET_U32(1, U64(2))) \
    UN(I64_EXTEND_I32_S, SET_U64(1, (int64_t)I32(2))) \
    UN(I64_EXTEND_I32_U, SET_U64(1, U32(2))) \
    UN(F32_CONVERT_I32_S, SET_F32(1, (float)I32(2))) \
    UN(F32_CONVERT_I32_U, SET_F32(1, (float)U32(2))) \
    UN(F32_CONVERT_I64_S, SET_F32(1, (float)I64(2))) \
    UN(F32_CONVERT_I64_U, SET_F32(1, (float)U64(2))) \
    UN(F32_DEMOTE_F64, SET_F32(1, (float)F64(2))) \
    UN(F64_CONVERT_I32_S, SET_F64(1, (double)I32(2))) \
    UN(F64_CONVERT_I32_U, SET_F64(1, (double)U32(2))) \
    UN(F64_CONVERT_I64_S, SET_F64(1, (double)I64(2))) \
    UN(F64_CONVERT_I64_U, SET_F64(1, (double)U64(2))) \
    UN(F64_PROMOTE_F32, SET_F64(1, (double)F32(2))) \
    UN(I32_EXTEND8_S, SET_U32(1, (int32_t)(int8_t)U32(2))) \
    UN(I32_EXTEND16_S, SET_U32(1, (int32_t)(int16_t)U32(2))) \
    UN(I64_EXTEND8_S, SET_U64(1, (int64_t)(int8_t)U64(2))) \
    UN(I64_EXTEND16_S, SET_U64(1, (int64_t)(int16_t)U64(2))) \
    UN(I64_EXTEND32_S, SET_U64(1, (int64_t)(int32_t)U64(2))) \
    UN(I32_TRUNC_SAT_F32_S, SET_U32(1, sat_i32(F32(2)))) \
    UN(I32_TRUNC_SAT_F32_U, SET_U32(1, sat_u32(F32(2)))) \
    UN(I32_TRUNC_SAT_F64_S, SET_U32(1, sat_i32(F64(2)))) \
    UN(I32_TRUNC_SAT_F64_U, SET_U32(1, sat_u32(F64(2)))) \
    UN(I64_TRUNC_SAT_F32_S, SET_U64(1, sat_i64(F32(2)))) \
    UN(I64_TRUNC_SAT_F32_U, SET_U64(1, sat_u64(F32(2)))) \
    UN(I64_TRUNC_SAT_F64_S, SET_U64(1, sat_i64(F64(2)))) \
    UN(I64_TRUNC_SAT_F64_U, SET_U64(1, sat_u64(F64(2))))

#endif
