/*
 * validate.c — WebAssembly 2.0 validation (without SIMD).
 *
 * Module-level rules first (index spaces, limits, constant expressions,
 * exports, start), then every function body with the algorithm of the
 * spec's appendix: an operand stack of value types, where UNKNOWN stands for
 * any type in the unreachable code after br/return/unreachable, and a stack
 * of control frames. Both stacks are reused across functions and grow
 * geometrically, so validating an instruction never allocates.
 *
 * Function bodies are decoded here (the decoder only delimits them), so
 * this file also reports the binary format's errors inside code — illegal
 * opcodes, truncated immediates, zero bytes expected — as MALFORMED, and
 * the features we do not run (SIMD, threads) as UNSUPPORTED.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"
#include "wasm/reader.h"

enum { UNKNOWN = 0 }; /* the bottom type of unreachable code */

typedef struct ctrl_frame {
    uint8_t opcode; /* 0x02 block, 0x03 loop, 0x04 if, 0x05 else; 0 for the function */
    bool unreachable;
    uint32_t height; /* operand stack height at entry */
    const wasm_valtype *params;
    uint32_t nparams;
    const wasm_valtype *results;
    uint32_t nresults;
    uint32_t br_table_seen; /* the br_table (validator.br_tables) that last checked this label */
} ctrl_frame;

typedef struct validator {
    const struct wasm_module *m;
    wasm_error *err;
    wasm_reader r;
    uint32_t func_index; /* in the function index space */
    size_t op_offset;    /* the instruction being validated (module-level checks) */
    const uint8_t *op_start; /* the instruction being validated in a body, or NULL */
    uint8_t op;          /* its opcode (0xfc: see subop) */
    uint32_t subop;
    const wasm_functype *type;
    const wasm_func_decl *func;
    uint32_t nlocals; /* params + declared locals */
    wasm_valtype *local_types; /* [nlocals]: params then locals, reused across functions */
    uint32_t local_types_cap;

    wasm_valtype *vals;
    uint32_t nvals, vals_cap;
    uint32_t height; /* of the innermost control frame, cached for pop_expect */
    ctrl_frame *ctrls;
    uint32_t nctrls, ctrls_cap;
    uint32_t ticks; /* for wasm_load_interrupted */
    uint32_t br_tables; /* br_tables validated so far: labels are checked once per br_table */
} validator;

/* Singleton result types for block types written as one value type. */
static const wasm_valtype single_type[256] = {
    [WASM_I32] = WASM_I32,         [WASM_I64] = WASM_I64,      [WASM_F32] = WASM_F32,
    [WASM_F64] = WASM_F64,         [WASM_FUNCREF] = WASM_FUNCREF, [WASM_EXTERNREF] = WASM_EXTERNREF,
};

const char *wasm_valtype_name(wasm_valtype t)
{
    switch (t) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_V128: return "v128";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    default: return "unknown";
    }
}

static const char *const opcode_names[256] = {
    [0x00] = "unreachable", [0x01] = "nop", [0x02] = "block", [0x03] = "loop", [0x04] = "if",
    [0x05] = "else", [0x0b] = "end", [0x0c] = "br", [0x0d] = "br_if", [0x0e] = "br_table",
    [0x0f] = "return", [0x10] = "call", [0x11] = "call_indirect", [0x1a] = "drop", [0x1b] = "select",
    [0x1c] = "select", [0x20] = "local.get", [0x21] = "local.set", [0x22] = "local.tee",
    [0x23] = "global.get", [0x24] = "global.set", [0x25] = "table.get", [0x26] = "table.set",
    [0x28] = "i32.load", [0x29] = "i64.load", [0x2a] = "f32.load", [0x2b] = "f64.load",
    [0x2c] = "i32.load8_s", [0x2d] = "i32.load8_u", [0x2e] = "i32.load16_s", [0x2f] = "i32.load16_u",
    [0x30] = "i64.load8_s", [0x31] = "i64.load8_u", [0x32] = "i64.load16_s", [0x33] = "i64.load16_u",
    [0x34] = "i64.load32_s", [0x35] = "i64.load32_u", [0x36] = "i32.store", [0x37] = "i64.store",
    [0x38] = "f32.store", [0x39] = "f64.store", [0x3a] = "i32.store8", [0x3b] = "i32.store16",
    [0x3c] = "i64.store8", [0x3d] = "i64.store16", [0x3e] = "i64.store32", [0x3f] = "memory.size",
    [0x40] = "memory.grow", [0x41] = "i32.const", [0x42] = "i64.const", [0x43] = "f32.const",
    [0x44] = "f64.const", [0x45] = "i32.eqz", [0x46] = "i32.eq", [0x47] = "i32.ne", [0x48] = "i32.lt_s",
    [0x49] = "i32.lt_u", [0x4a] = "i32.gt_s", [0x4b] = "i32.gt_u", [0x4c] = "i32.le_s", [0x4d] = "i32.le_u",
    [0x4e] = "i32.ge_s", [0x4f] = "i32.ge_u", [0x50] = "i64.eqz", [0x51] = "i64.eq", [0x52] = "i64.ne",
    [0x53] = "i64.lt_s", [0x54] = "i64.lt_u", [0x55] = "i64.gt_s", [0x56] = "i64.gt_u", [0x57] = "i64.le_s",
    [0x58] = "i64.le_u", [0x59] = "i64.ge_s", [0x5a] = "i64.ge_u", [0x5b] = "f32.eq", [0x5c] = "f32.ne",
    [0x5d] = "f32.lt", [0x5e] = "f32.gt", [0x5f] = "f32.le", [0x60] = "f32.ge", [0x61] = "f64.eq",
    [0x62] = "f64.ne", [0x63] = "f64.lt", [0x64] = "f64.gt", [0x65] = "f64.le", [0x66] = "f64.ge",
    [0x67] = "i32.clz", [0x68] = "i32.ctz", [0x69] = "i32.popcnt", [0x6a] = "i32.add", [0x6b] = "i32.sub",
    [0x6c] = "i32.mul", [0x6d] = "i32.div_s", [0x6e] = "i32.div_u", [0x6f] = "i32.rem_s", [0x70] = "i32.rem_u",
    [0x71] = "i32.and", [0x72] = "i32.or", [0x73] = "i32.xor", [0x74] = "i32.shl", [0x75] = "i32.shr_s",
    [0x76] = "i32.shr_u", [0x77] = "i32.rotl", [0x78] = "i32.rotr", [0x79] = "i64.clz", [0x7a] = "i64.ctz",
    [0x7b] = "i64.popcnt", [0x7c] = "i64.add", [0x7d] = "i64.sub", [0x7e] = "i64.mul", [0x7f] = "i64.div_s",
    [0x80] = "i64.div_u", [0x81] = "i64.rem_s", [0x82] = "i64.rem_u", [0x83] = "i64.and", [0x84] = "i64.or",
    [0x85] = "i64.xor", [0x86] = "i64.shl", [0x87] = "i64.shr_s", [0x88] = "i64.shr_u", [0x89] = "i64.rotl",
    [0x8a] = "i64.rotr", [0x8b] = "f32.abs", [0x8c] = "f32.neg", [0x8d] = "f32.ceil", [0x8e] = "f32.floor",
    [0x8f] = "f32.trunc", [0x90] = "f32.nearest", [0x91] = "f32.sqrt", [0x92] = "f32.add", [0x93] = "f32.sub",
    [0x94] = "f32.mul", [0x95] = "f32.div", [0x96] = "f32.min", [0x97] = "f32.max", [0x98] = "f32.copysign",
    [0x99] = "f64.abs", [0x9a] = "f64.neg", [0x9b] = "f64.ceil", [0x9c] = "f64.floor", [0x9d] = "f64.trunc",
    [0x9e] = "f64.nearest", [0x9f] = "f64.sqrt", [0xa0] = "f64.add", [0xa1] = "f64.sub", [0xa2] = "f64.mul",
    [0xa3] = "f64.div", [0xa4] = "f64.min", [0xa5] = "f64.max", [0xa6] = "f64.copysign",
    [0xa7] = "i32.wrap_i64", [0xa8] = "i32.trunc_f32_s", [0xa9] = "i32.trunc_f32_u", [0xaa] = "i32.trunc_f64_s",
    [0xab] = "i32.trunc_f64_u", [0xac] = "i64.extend_i32_s", [0xad] = "i64.extend_i32_u",
    [0xae] = "i64.trunc_f32_s", [0xaf] = "i64.trunc_f32_u", [0xb0] = "i64.trunc_f64_s", [0xb1] = "i64.trunc_f64_u",
    [0xb2] = "f32.convert_i32_s", [0xb3] = "f32.convert_i32_u", [0xb4] = "f32.convert_i64_s",
    [0xb5] = "f32.convert_i64_u", [0xb6] = "f32.demote_f64", [0xb7] = "f64.convert_i32_s",
    [0xb8] = "f64.convert_i32_u", [0xb9] = "f64.convert_i64_s", [0xba] = "f64.convert_i64_u",
    [0xbb] = "f64.promote_f32", [0xbc] = "i32.reinterpret_f32", [0xbd] = "i64.reinterpret_f64",
    [0xbe] = "f32.reinterpret_i32", [0xbf] = "f64.reinterpret_i64", [0xc0] = "i32.extend8_s",
    [0xc1] = "i32.extend16_s", [0xc2] = "i64.extend8_s", [0xc3] = "i64.extend16_s", [0xc4] = "i64.extend32_s",
    [0xd0] = "ref.null", [0xd1] = "ref.is_null", [0xd2] = "ref.func",
};

static const char *const fc_names[18] = {
    "i32.trunc_sat_f32_s", "i32.trunc_sat_f32_u", "i32.trunc_sat_f64_s", "i32.trunc_sat_f64_u",
    "i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u", "i64.trunc_sat_f64_s", "i64.trunc_sat_f64_u",
    "memory.init",         "data.drop",           "memory.copy",         "memory.fill",
    "table.init",          "elem.drop",           "table.copy",          "table.grow",
    "table.size",          "table.fill",
};

#define I32 WASM_I32
#define I64 WASM_I64
#define F32 WASM_F32
#define F64 WASM_F64

/* Numeric instructions: operand types (second is 0 for unary) and result. */
typedef struct num_sig {
    uint8_t a, b, result;
} num_sig;

static const num_sig numeric_sigs[256] = {
    [0x45] = {I32, 0, I32},
    [0x46 ... 0x4f] = {I32, I32, I32},
    [0x50] = {I64, 0, I32},
    [0x51 ... 0x5a] = {I64, I64, I32},
    [0x5b ... 0x60] = {F32, F32, I32},
    [0x61 ... 0x66] = {F64, F64, I32},
    [0x67 ... 0x69] = {I32, 0, I32},
    [0x6a ... 0x78] = {I32, I32, I32},
    [0x79 ... 0x7b] = {I64, 0, I64},
    [0x7c ... 0x8a] = {I64, I64, I64},
    [0x8b ... 0x91] = {F32, 0, F32},
    [0x92 ... 0x98] = {F32, F32, F32},
    [0x99 ... 0x9f] = {F64, 0, F64},
    [0xa0 ... 0xa6] = {F64, F64, F64},
    [0xa7] = {I64, 0, I32},
    [0xa8 ... 0xa9] = {F32, 0, I32},
    [0xaa ... 0xab] = {F64, 0, I32},
    [0xac ... 0xad] = {I32, 0, I64},
    [0xae ... 0xaf] = {F32, 0, I64},
    [0xb0 ... 0xb1] = {F64, 0, I64},
    [0xb2 ... 0xb3] = {I32, 0, F32},
    [0xb4 ... 0xb5] = {I64, 0, F32},
    [0xb6] = {F64, 0, F32},
    [0xb7 ... 0xb8] = {I32, 0, F64},
    [0xb9 ... 0xba] = {I64, 0, F64},
    [0xbb] = {F32, 0, F64},
    [0xbc] = {F32, 0, I32},
    [0xbd] = {F64, 0, I64},
    [0xbe] = {I32, 0, F32},
    [0xbf] = {I64, 0, F64},
    [0xc0 ... 0xc1] = {I32, 0, I32},
    [0xc2 ... 0xc4] = {I64, 0, I64},
};

static const num_sig trunc_sat_sigs[8] = {
    {F32, 0, I32}, {F32, 0, I32}, {F64, 0, I32}, {F64, 0, I32},
    {F32, 0, I64}, {F32, 0, I64}, {F64, 0, I64}, {F64, 0, I64},
};

/* Loads 0x28..0x35 and stores 0x36..0x3e: value type and natural alignment (log2). */
typedef struct mem_sig {
    uint8_t type, align;
} mem_sig;

static const mem_sig memory_sigs[0x3f - 0x28] = {
    {I32, 2}, {I64, 3}, {F32, 2}, {F64, 3}, {I32, 0}, {I32, 0}, {I32, 1}, {I32, 1}, {I64, 0}, {I64, 0},
    {I64, 1}, {I64, 1}, {I64, 2}, {I64, 2}, {I32, 2}, {I64, 3}, {F32, 2}, {F64, 3}, {I32, 0}, {I32, 1},
    {I64, 0}, {I64, 1}, {I64, 2},
};

/* ---- errors ----------------------------------------------------------- */

static const char *op_name(const validator *v)
{
    if (v->op == 0xfc)
        return v->subop < 18 ? fc_names[v->subop] : "0xfc prefix";
    return opcode_names[v->op] ? opcode_names[v->op] : "instruction";
}

static bool fail_kind(validator *v, wasm_error_kind kind, const char *fmt, va_list ap)
{
    char msg[200];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (v->op_start) /* offsets in a body are computed only when needed */
        v->op_offset = (size_t)(v->op_start - v->r.start);
    if (v->op_offset == SIZE_MAX)
        return wasm_fail(v->err, kind, v->op_offset, "%s", msg);
    if (v->func)
        return wasm_fail(v->err, kind, v->op_offset, "%s (func %u, offset 0x%zx)", msg, v->func_index,
                         v->op_offset);
    return wasm_fail(v->err, kind, v->op_offset, "%s (offset 0x%zx)", msg, v->op_offset);
}

static bool invalid(validator *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool invalid(validator *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_kind(v, WASM_ERR_INVALID, fmt, ap);
    va_end(ap);
    return false;
}

static bool malformed(validator *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool malformed(validator *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_kind(v, WASM_ERR_MALFORMED, fmt, ap);
    va_end(ap);
    return false;
}

static bool unsupported(validator *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool unsupported(validator *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_kind(v, WASM_ERR_UNSUPPORTED, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- reading immediates ----------------------------------------------- */

static bool leb_error(validator *v, const uint8_t *at, unsigned bits)
{
    unsigned max_bytes = (bits + 6) / 7;
    const uint8_t *p = at;
    for (unsigned i = 0; i < max_bytes; i++, p++) {
        if (p >= v->r.end)
            return malformed(v, "unexpected end of section or function in %s", op_name(v));
        if (!(*p & 0x80))
            return malformed(v, "integer too large in the immediate of %s", op_name(v));
    }
    return malformed(v, "integer representation too long in the immediate of %s", op_name(v));
}

static bool read_u32_slow(validator *v, uint32_t *out)
{
    const uint8_t *at = v->r.p;
    if (!wasm_read_u32(&v->r, out)) {
        leb_error(v, at, 32);
        return false;
    }
    return true;
}

/* Most immediates (indices, alignments, small offsets) are one byte. */
static inline bool read_u32(validator *v, uint32_t *out)
{
    if (v->r.p < v->r.end && *v->r.p < 0x80) {
        *out = *v->r.p++;
        return true;
    }
    return read_u32_slow(v, out);
}

static bool read_byte(validator *v, uint8_t *out)
{
    if (!wasm_read_u8(&v->r, out)) {
        malformed(v, "unexpected end of section or function in %s", op_name(v));
        return false;
    }
    return true;
}

static bool read_zero_byte(validator *v)
{
    uint8_t b;
    if (!read_byte(v, &b))
        return false;
    if (b != 0)
        return malformed(v, "zero byte expected in %s", op_name(v));
    return true;
}

/* ---- the operand and control stacks ----------------------------------- */

static bool grow(void **items, uint32_t *cap, size_t item_size, wasm_error *err)
{
    uint32_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*items, (size_t)ncap * item_size);
    if (!p)
        return wasm_fail(err, WASM_ERR_RESOURCE, SIZE_MAX, "out of memory during validation");
    *items = p;
    *cap = ncap;
    return true;
}

/* Makes room for n more operands. instruction() reserves one before every
 * instruction, so push_val (at most one per instruction) never checks. */
static bool reserve_vals(validator *v, uint32_t n)
{
    while (v->vals_cap - v->nvals < n)
        if (!grow((void **)&v->vals, &v->vals_cap, sizeof *v->vals, v->err))
            return false;
    return true;
}

static inline bool push_val(validator *v, wasm_valtype t)
{
    v->vals[v->nvals++] = t;
    return true;
}

static bool push_vals(validator *v, const wasm_valtype *types, uint32_t n)
{
    if (!reserve_vals(v, n))
        return false;
    if (n)
        memcpy(v->vals + v->nvals, types, n);
    v->nvals += n;
    return true;
}

/* Pops any operand into *out (UNKNOWN in unreachable code). */
static inline bool pop_val(validator *v, wasm_valtype *out)
{
    ctrl_frame *c = &v->ctrls[v->nctrls - 1];
    if (v->nvals == c->height) {
        if (c->unreachable) {
            *out = UNKNOWN;
            return true;
        }
        return invalid(v, "type mismatch: %s expects an operand, the stack is empty", op_name(v));
    }
    *out = v->vals[--v->nvals];
    return true;
}

static bool pop_expect_slow(validator *v, wasm_valtype expect)
{
    ctrl_frame *c = &v->ctrls[v->nctrls - 1];
    if (v->nvals == c->height) {
        if (c->unreachable)
            return true;
        return invalid(v, "type mismatch: %s expects %s, the stack is empty", op_name(v), wasm_valtype_name(expect));
    }
    wasm_valtype actual = v->vals[--v->nvals];
    if (actual != expect && actual != UNKNOWN)
        return invalid(v, "type mismatch: %s expects %s, got %s", op_name(v), wasm_valtype_name(expect), wasm_valtype_name(actual));
    return true;
}

/* The common case — the expected type on top, above the frame's base —
 * without looking at the control frame. */
static inline bool pop_expect(validator *v, wasm_valtype expect)
{
    if (v->nvals > v->height && v->vals[v->nvals - 1] == expect) {
        v->nvals--;
        return true;
    }
    return pop_expect_slow(v, expect);
}

static bool pop_vals(validator *v, const wasm_valtype *types, uint32_t n)
{
    /* the common case at once: all n operands above the base, exactly typed */
    if (n > 1 && v->nvals >= v->height + n && !memcmp(v->vals + v->nvals - n, types, n)) {
        v->nvals -= n;
        return true;
    }
    for (uint32_t i = n; i-- > 0;) {
        /* below the frame's base in unreachable code every pop succeeds:
         * stop there (1,000 results popped by each 1-byte `return` in dead
         * code made that 1,000 steps a byte) */
        if (v->nvals == v->height && v->ctrls[v->nctrls - 1].unreachable)
            return true;
        if (!pop_expect(v, types[i]))
            return false;
    }
    return true;
}

/* Checks that the top of the stack matches types without popping (a branch
 * that may not be taken leaves its operands in place). */
static bool peek_vals(validator *v, const wasm_valtype *types, uint32_t n)
{
    const ctrl_frame *c = &v->ctrls[v->nctrls - 1];
    for (uint32_t k = 0; k < n; k++) {
        wasm_valtype expect = types[n - 1 - k];
        if (v->nvals < c->height + 1 + k) {
            if (c->unreachable)
                return true; /* everything below is polymorphic */
            return invalid(v, "type mismatch: %s expects %s, the stack is empty", op_name(v), wasm_valtype_name(expect));
        }
        wasm_valtype actual = v->vals[v->nvals - 1 - k];
        if (actual != expect && actual != UNKNOWN)
            return invalid(v, "type mismatch: %s expects %s, got %s", op_name(v), wasm_valtype_name(expect),
                           wasm_valtype_name(actual));
    }
    return true;
}

static bool push_ctrl(validator *v, uint8_t opcode, const wasm_valtype *params, uint32_t nparams,
                      const wasm_valtype *results, uint32_t nresults)
{
    if (v->nctrls == v->ctrls_cap && !grow((void **)&v->ctrls, &v->ctrls_cap, sizeof *v->ctrls, v->err))
        return false;
    ctrl_frame *c = &v->ctrls[v->nctrls++];
    c->opcode = opcode;
    c->unreachable = false;
    c->height = v->nvals;
    v->height = v->nvals;
    c->params = params;
    c->nparams = nparams;
    c->results = results;
    c->nresults = nresults;
    c->br_table_seen = 0;
    return push_vals(v, params, nparams);
}

static bool pop_ctrl(validator *v, ctrl_frame *out)
{
    ctrl_frame *c = &v->ctrls[v->nctrls - 1];
    if (!pop_vals(v, c->results, c->nresults))
        return false;
    if (v->nvals != c->height)
        return invalid(v, "type mismatch: %u value(s) left on the stack at the end of the block", v->nvals - c->height);
    *out = *c;
    v->nctrls--;
    v->height = v->nctrls ? v->ctrls[v->nctrls - 1].height : 0;
    return true;
}

static void set_unreachable(validator *v)
{
    ctrl_frame *c = &v->ctrls[v->nctrls - 1];
    v->nvals = c->height;
    c->unreachable = true;
}

static void label_types(const ctrl_frame *c, const wasm_valtype **types, uint32_t *n)
{
    if (c->opcode == 0x03) {
        *types = c->params;
        *n = c->nparams;
    } else {
        *types = c->results;
        *n = c->nresults;
    }
}

static bool read_label(validator *v, const ctrl_frame **out)
{
    uint32_t depth;
    if (!read_u32(v, &depth))
        return false;
    if (depth >= v->nctrls)
        return invalid(v, "unknown label %u in %s", depth, op_name(v));
    *out = &v->ctrls[v->nctrls - 1 - depth];
    return true;
}

/* ---- instructions ----------------------------------------------------- */

static bool read_block_type(validator *v, const wasm_valtype **params, uint32_t *nparams,
                            const wasm_valtype **results, uint32_t *nresults)
{
    if (wasm_reader_done(&v->r))
        return malformed(v, "unexpected end of section or function in %s", op_name(v));
    uint8_t b = *v->r.p;
    *params = NULL;
    *nparams = 0;
    if (b == 0x40) {
        v->r.p++;
        *results = NULL;
        *nresults = 0;
        return true;
    }
    if (b == WASM_V128)
        return unsupported(v, "SIMD is not supported: block type v128");
    if (single_type[b]) {
        v->r.p++;
        *results = &single_type[b];
        *nresults = 1;
        return true;
    }
    const uint8_t *at = v->r.p;
    int64_t idx;
    if (!wasm_read_sleb(&v->r, 33, &idx))
        return leb_error(v, at, 33);
    if (idx < 0)
        return malformed(v, "malformed block type");
    if ((uint64_t)idx >= v->m->ntypes)
        return invalid(v, "unknown type %lld in %s", (long long)idx, op_name(v));
    const wasm_functype *ft = &v->m->types[idx];
    *params = ft->types;
    *nparams = ft->nparams;
    *results = ft->types + ft->nparams;
    *nresults = ft->nresults;
    return true;
}

static bool read_value_type(validator *v, wasm_valtype *out)
{
    uint8_t b;
    if (!read_byte(v, &b))
        return false;
    if (b == WASM_V128)
        return unsupported(v, "SIMD is not supported: value type v128");
    if (!single_type[b])
        return malformed(v, "malformed value type 0x%02x in %s", b, op_name(v));
    *out = b;
    return true;
}

static bool read_ref_type(validator *v, wasm_valtype *out)
{
    uint8_t b;
    if (!read_byte(v, &b))
        return false;
    if (b != WASM_FUNCREF && b != WASM_EXTERNREF)
        return malformed(v, "malformed reference type 0x%02x in %s", b, op_name(v));
    *out = b;
    return true;
}

static inline bool local_type(validator *v, uint32_t idx, wasm_valtype *out)
{
    if (idx >= v->nlocals)
        return invalid(v, "unknown local %u in %s", idx, op_name(v));
    *out = v->local_types[idx];
    return true;
}

static bool need_memory(validator *v)
{
    if (v->m->nmemories == 0)
        return invalid(v, "unknown memory 0 in %s", op_name(v));
    return true;
}

static bool need_table(validator *v, uint32_t idx)
{
    if (idx >= v->m->ntables)
        return invalid(v, "unknown table %u in %s", idx, op_name(v));
    return true;
}

/* memory.init and data.drop need the data count section when there are
 * data segments (the binary format's rule). Without any data segments the
 * index is simply unknown: encoders such as wabt omit the section then. */
static bool data_count_missing(const struct wasm_module *m) { return !m->has_data_count && m->ndatas > 0; }

static bool need_data_count(validator *v, uint32_t idx)
{
    if (data_count_missing(v->m))
        return malformed(v, "data count section required for %s", op_name(v));
    if (idx >= v->m->data_count)
        return invalid(v, "unknown data segment %u in %s", idx, op_name(v));
    return true;
}

static bool need_elem(validator *v, uint32_t idx)
{
    if (idx >= v->m->nelems)
        return invalid(v, "unknown elem segment %u in %s", idx, op_name(v));
    return true;
}

static bool memarg(validator *v, uint32_t natural_align)
{
    uint32_t align, offset;
    if (!read_u32(v, &align) || !read_u32(v, &offset))
        return false;
    if (!need_memory(v))
        return false;
    if (align > natural_align)
        return invalid(v, "alignment must not be larger than natural: %s with 2^%u", op_name(v), align);
    return true;
}

static bool br_table(validator *v)
{
    uint32_t n;
    if (!read_u32(v, &n))
        return false;
    /* the default label comes last but fixes the arity: find it first */
    wasm_reader labels = v->r;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t skip;
        if (!read_u32(v, &skip))
            return false;
    }
    const ctrl_frame *def;
    if (!read_label(v, &def))
        return false;
    wasm_reader after = v->r;
    const wasm_valtype *def_types;
    uint32_t arity;
    label_types(def, &def_types, &arity);
    if (!pop_expect(v, I32))
        return false;
    v->r = labels;
    /* Each distinct label is checked once: a million entries naming a block
     * of 1,000 results cost a million type checks of 1,000 values before. */
    uint32_t stamp = ++v->br_tables;
    for (uint32_t i = 0; i < n; i++) {
        const ctrl_frame *c;
        if (!read_label(v, &c))
            return false;
        if (wasm_load_interrupted(v->m, &v->ticks, v->err))
            return false;
        if (c->br_table_seen == stamp)
            continue;
        v->ctrls[c - v->ctrls].br_table_seen = stamp;
        const wasm_valtype *types;
        uint32_t count;
        label_types(c, &types, &count);
        if (count != arity)
            return invalid(v, "type mismatch: br_table targets have different arities (%u and %u)", count, arity);
        if (!peek_vals(v, types, count))
            return false;
    }
    v->r = after;
    if (!pop_vals(v, def_types, arity))
        return false;
    set_unreachable(v);
    return true;
}

static bool call_type(validator *v, const wasm_functype *ft)
{
    if (!pop_vals(v, ft->types, ft->nparams))
        return false;
    return push_vals(v, ft->types + ft->nparams, ft->nresults);
}

static bool is_num(wasm_valtype t) { return t == UNKNOWN || t == I32 || t == I64 || t == F32 || t == F64; }
static bool is_ref(wasm_valtype t) { return t == UNKNOWN || t == WASM_FUNCREF || t == WASM_EXTERNREF; }

/* An opcode outside WebAssembly 2.0: later proposals are named, so that a
 * module built for them is reported as unsupported rather than malformed. */
static bool unknown_opcode(validator *v, uint8_t op)
{
    const char *feature = NULL;
    switch (op) {
    case 0x06: case 0x07: case 0x08: case 0x09: case 0x0a: case 0x18: case 0x19: case 0x1f:
        feature = "exception handling";
        break;
    case 0x12: case 0x13:
        feature = "tail calls";
        break;
    case 0x14: case 0x15: case 0xd3: case 0xd4: case 0xd5: case 0xd6:
        feature = "typed function references";
        break;
    case 0xfb:
        feature = "garbage collection";
        break;
    case 0xfd:
        feature = "SIMD";
        break;
    case 0xfe:
        feature = "threads (atomic instructions)";
        break;
    }
    if (feature)
        return unsupported(v, "%s instructions are not supported (opcode 0x%02x)", feature, op);
    return malformed(v, "illegal opcode 0x%02x", op);
}

static bool fc_instruction(validator *v)
{
    const struct wasm_module *m = v->m;
    if (!read_u32(v, &v->subop))
        return false;
    uint32_t a, b;
    switch (v->subop) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: {
        const num_sig *s = &trunc_sat_sigs[v->subop];
        return pop_expect(v, s->a) && push_val(v, s->result);
    }
    case 8: /* memory.init */
        if (!read_u32(v, &a) || !read_zero_byte(v))
            return false;
        if (!need_memory(v) || !need_data_count(v, a))
            return false;
        return pop_expect(v, I32) && pop_expect(v, I32) && pop_expect(v, I32);
    case 9: /* data.drop */
        return read_u32(v, &a) && need_data_count(v, a);
    case 10: /* memory.copy */
        if (!read_zero_byte(v) || !read_zero_byte(v) || !need_memory(v))
            return false;
        return pop_expect(v, I32) && pop_expect(v, I32) && pop_expect(v, I32);
    case 11: /* memory.fill */
        if (!read_zero_byte(v) || !need_memory(v))
            return false;
        return pop_expect(v, I32) && pop_expect(v, I32) && pop_expect(v, I32);
    case 12: /* table.init elem table */
        if (!read_u32(v, &a) || !read_u32(v, &b))
            return false;
        if (!need_table(v, b) || !need_elem(v, a))
            return false;
        if (m->elems[a].type != m->tables[b].elem)
            return invalid(v, "type mismatch: table.init of %s segment into %s table", wasm_valtype_name(m->elems[a].type),
                           wasm_valtype_name(m->tables[b].elem));
        return pop_expect(v, I32) && pop_expect(v, I32) && pop_expect(v, I32);
    case 13: /* elem.drop */
        return read_u32(v, &a) && need_elem(v, a);
    case 14: /* table.copy dst src */
        if (!read_u32(v, &a) || !read_u32(v, &b))
            return false;
        if (!need_table(v, a) || !need_table(v, b))
            return false;
        if (m->tables[a].elem != m->tables[b].elem)
            return invalid(v, "type mismatch: table.copy from %s table to %s table", wasm_valtype_name(m->tables[b].elem),
                           wasm_valtype_name(m->tables[a].elem));
        return pop_expect(v, I32) && pop_expect(v, I32) && pop_expect(v, I32);
    case 15: /* table.grow */
        if (!read_u32(v, &a) || !need_table(v, a))
            return false;
        return pop_expect(v, I32) && pop_expect(v, m->tables[a].elem) && push_val(v, I32);
    case 16: /* table.size */
        if (!read_u32(v, &a) || !need_table(v, a))
            return false;
        return push_val(v, I32);
    case 17: /* table.fill */
        if (!read_u32(v, &a) || !need_table(v, a))
            return false;
        return pop_expect(v, I32) && pop_expect(v, m->tables[a].elem) && pop_expect(v, I32);
    default:
        return malformed(v, "illegal opcode 0xfc 0x%x", v->subop);
    }
}

/* Validates one instruction; sets *done after the function's final end. */
static bool instruction(validator *v, bool *done)
{
    const struct wasm_module *m = v->m;
    v->op_start = v->r.p;
    if (wasm_reader_done(&v->r))
        return malformed(v, "unexpected end of section or function: function body without final end");
    if (v->vals_cap == v->nvals && !reserve_vals(v, 1))
        return false;
    uint8_t op = *v->r.p++;
    v->op = op;

    const wasm_valtype *params, *results;
    uint32_t nparams, nresults, idx;
    wasm_valtype t = 0, t1 = 0, t2 = 0;
    const ctrl_frame *label;
    ctrl_frame frame;
    switch (op) {
    case 0x45 ... 0xc4: { /* numeric */
        const num_sig *ns = &numeric_sigs[op];
        if (ns->b && !pop_expect(v, ns->b))
            return false;
        return pop_expect(v, ns->a) && push_val(v, ns->result);
    }
    case 0x28 ... 0x35: { /* loads */
        const mem_sig *ms = &memory_sigs[op - 0x28];
        return memarg(v, ms->align) && pop_expect(v, I32) && push_val(v, ms->type);
    }
    case 0x36 ... 0x3e: { /* stores */
        const mem_sig *ms = &memory_sigs[op - 0x28];
        return memarg(v, ms->align) && pop_expect(v, ms->type) && pop_expect(v, I32);
    }
    case 0x00: /* unreachable */
        set_unreachable(v);
        return true;
    case 0x01: /* nop */
        return true;
    case 0x02: /* block */
    case 0x03: /* loop */
        if (!read_block_type(v, &params, &nparams, &results, &nresults))
            return false;
        return pop_vals(v, params, nparams) && push_ctrl(v, op, params, nparams, results, nresults);
    case 0x04: /* if */
        if (!read_block_type(v, &params, &nparams, &results, &nresults))
            return false;
        return pop_expect(v, I32) && pop_vals(v, params, nparams) &&
               push_ctrl(v, op, params, nparams, results, nresults);
    case 0x05: /* else */
        if (v->ctrls[v->nctrls - 1].opcode != 0x04)
            return malformed(v, "else without a matching if");
        if (!pop_ctrl(v, &frame))
            return false;
        return push_ctrl(v, 0x05, frame.params, frame.nparams, frame.results, frame.nresults);
    case 0x0b: /* end */
        if (!pop_ctrl(v, &frame))
            return false;
        if (frame.opcode == 0x04) {
            /* an if without else: the missing branch passes its parameters through */
            if (frame.nparams != frame.nresults ||
                (frame.nparams && memcmp(frame.params, frame.results, frame.nparams) != 0))
                return invalid(v, "type mismatch: if without else must produce its parameters as results");
        }
        if (v->nctrls == 0) {
            *done = true;
            return true;
        }
        return push_vals(v, frame.results, frame.nresults);
    case 0x0c: /* br */
        if (!read_label(v, &label))
            return false;
        label_types(label, &results, &nresults);
        if (!pop_vals(v, results, nresults))
            return false;
        set_unreachable(v);
        return true;
    case 0x0d: /* br_if */
        if (!read_label(v, &label))
            return false;
        label_types(label, &results, &nresults);
        if (!pop_expect(v, I32) || !pop_vals(v, results, nresults))
            return false;
        return push_vals(v, results, nresults);
    case 0x0e:
        return br_table(v);
    case 0x0f: /* return */
        if (!pop_vals(v, v->ctrls[0].results, v->ctrls[0].nresults))
            return false;
        set_unreachable(v);
        return true;
    case 0x10: /* call */
        if (!read_u32(v, &idx))
            return false;
        if (idx >= m->nfuncs)
            return invalid(v, "unknown function %u in call", idx);
        return call_type(v, &m->types[m->func_type_index[idx]]);
    case 0x11: { /* call_indirect type table */
        uint32_t table;
        if (!read_u32(v, &idx) || !read_u32(v, &table))
            return false;
        if (!need_table(v, table))
            return false;
        if (idx >= m->ntypes)
            return invalid(v, "unknown type %u in call_indirect", idx);
        if (m->tables[table].elem != WASM_FUNCREF)
            return invalid(v, "type mismatch: call_indirect through a table of %s",
                           wasm_valtype_name(m->tables[table].elem));
        return pop_expect(v, I32) && call_type(v, &m->types[idx]);
    }
    case 0x1a: /* drop */
        return pop_val(v, &t);
    case 0x1b: /* select */
        if (!pop_expect(v, I32) || !pop_val(v, &t1) || !pop_val(v, &t2))
            return false;
        if (!is_num(t1) || !is_num(t2))
            return invalid(v, "type mismatch: select without a type annotation needs numeric operands, got %s",
                           wasm_valtype_name(is_num(t1) ? t2 : t1));
        if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN)
            return invalid(v, "type mismatch: select operands differ (%s and %s)", wasm_valtype_name(t2), wasm_valtype_name(t1));
        return push_val(v, t1 == UNKNOWN ? t2 : t1);
    case 0x1c: { /* select t* */
        uint32_t n;
        if (!read_u32(v, &n))
            return false;
        if (n != 1)
            return invalid(v, "invalid result arity: select with %u types", n);
        if (!read_value_type(v, &t))
            return false;
        return pop_expect(v, I32) && pop_expect(v, t) && pop_expect(v, t) && push_val(v, t);
    }
    case 0x20: /* local.get */
        return read_u32(v, &idx) && local_type(v, idx, &t) && push_val(v, t);
    case 0x21: /* local.set */
        return read_u32(v, &idx) && local_type(v, idx, &t) && pop_expect(v, t);
    case 0x22: /* local.tee */
        return read_u32(v, &idx) && local_type(v, idx, &t) && pop_expect(v, t) && push_val(v, t);
    case 0x23: /* global.get */
        if (!read_u32(v, &idx))
            return false;
        if (idx >= m->nglobals)
            return invalid(v, "unknown global %u", idx);
        return push_val(v, m->global_types[idx].type);
    case 0x24: /* global.set */
        if (!read_u32(v, &idx))
            return false;
        if (idx >= m->nglobals)
            return invalid(v, "unknown global %u", idx);
        if (!m->global_types[idx].mutable_)
            return invalid(v, "global is immutable: global.set of global %u", idx);
        return pop_expect(v, m->global_types[idx].type);
    case 0x25: /* table.get */
        if (!read_u32(v, &idx) || !need_table(v, idx))
            return false;
        return pop_expect(v, I32) && push_val(v, m->tables[idx].elem);
    case 0x26: /* table.set */
        if (!read_u32(v, &idx) || !need_table(v, idx))
            return false;
        return pop_expect(v, m->tables[idx].elem) && pop_expect(v, I32);
    case 0x3f: /* memory.size */
        return read_zero_byte(v) && need_memory(v) && push_val(v, I32);
    case 0x40: /* memory.grow */
        return read_zero_byte(v) && need_memory(v) && pop_expect(v, I32) && push_val(v, I32);
    case 0x41: {
        int32_t x;
        const uint8_t *at = v->r.p;
        if (!wasm_read_i32(&v->r, &x))
            return leb_error(v, at, 32);
        return push_val(v, I32);
    }
    case 0x42: {
        int64_t x;
        const uint8_t *at = v->r.p;
        if (!wasm_read_i64(&v->r, &x))
            return leb_error(v, at, 64);
        return push_val(v, I64);
    }
    case 0x43:
        if (wasm_reader_left(&v->r) < 4)
            return malformed(v, "unexpected end of section or function in f32.const");
        v->r.p += 4;
        return push_val(v, F32);
    case 0x44:
        if (wasm_reader_left(&v->r) < 8)
            return malformed(v, "unexpected end of section or function in f64.const");
        v->r.p += 8;
        return push_val(v, F64);
    case 0xd0: /* ref.null t */
        return read_ref_type(v, &t) && push_val(v, t);
    case 0xd1: /* ref.is_null */
        if (!pop_val(v, &t))
            return false;
        if (!is_ref(t))
            return invalid(v, "type mismatch: ref.is_null expects a reference, got %s", wasm_valtype_name(t));
        return push_val(v, I32);
    case 0xd2: /* ref.func */
        if (!read_u32(v, &idx))
            return false;
        if (idx >= m->nfuncs)
            return invalid(v, "unknown function %u in ref.func", idx);
        if (!m->func_declared[idx])
            return invalid(v, "undeclared function reference %u: ref.func needs the function in an export, "
                              "element segment or global", idx);
        return push_val(v, WASM_FUNCREF);
    case 0xfc:
        return fc_instruction(v);
    default:
        return unknown_opcode(v, op);
    }
}

static bool validate_body(validator *v, uint32_t defined_index)
{
    const struct wasm_module *m = v->m;
    const wasm_func_decl *f = &m->funcs[defined_index];
    v->func = f;
    v->func_index = m->nimported_funcs + defined_index;
    v->type = &m->types[f->type_index];
    v->op = 0;
    v->r = wasm_reader_at(m->bytes, f->code, f->code + f->code_size);
    v->op_start = f->code;
    if ((uint64_t)v->type->nparams + f->nlocals > WASM_MAX_LOCALS)
        return malformed(v, "too many locals (%u parameters and %u locals)", v->type->nparams, f->nlocals);
    v->nlocals = v->type->nparams + f->nlocals;
    while (v->local_types_cap < v->nlocals)
        if (!grow((void **)&v->local_types, &v->local_types_cap, 1, v->err))
            return false;
    if (v->type->nparams)
        memcpy(v->local_types, v->type->types, v->type->nparams);
    if (f->nlocals)
        memcpy(v->local_types + v->type->nparams, f->locals, f->nlocals);
    v->nvals = 0;
    v->nctrls = 0;
    if (!push_ctrl(v, 0, NULL, 0, v->type->types + v->type->nparams, v->type->nresults))
        return false;
    bool done = false;
    while (!done) {
        if (wasm_load_interrupted(m, &v->ticks, v->err))
            return false;
        if (!instruction(v, &done))
            return false;
    }
    if (!wasm_reader_done(&v->r)) {
        v->op_start = v->r.p;
        return malformed(v, "section size mismatch: %zu bytes after the end of the function body",
                         wasm_reader_left(&v->r));
    }
    return true;
}

/* ---- binary syntax only --------------------------------------------- */

/* Reads one instruction's immediates without type checking; for
 * syntax_scan. */
static bool skip_instruction(validator *v, uint32_t *depth)
{
    v->op_start = v->r.p;
    if (wasm_reader_done(&v->r))
        return malformed(v, "unexpected end of section or function: function body without final end");
    uint8_t op = *v->r.p++;
    v->op = op;
    uint32_t a;
    uint8_t b;
    wasm_valtype t;
    if (numeric_sigs[op].result)
        return true;
    if (op >= 0x28 && op <= 0x3e)
        return read_u32(v, &a) && read_u32(v, &a);
    switch (op) {
    case 0x00: case 0x01: case 0x0f: case 0x1a: case 0x1b: case 0xd1:
        return true;
    case 0x02: case 0x03: case 0x04: {
        if (wasm_reader_done(&v->r))
            return malformed(v, "unexpected end of section or function in %s", op_name(v));
        (*depth)++;
        b = *v->r.p;
        if (b == 0x40 || single_type[b]) {
            v->r.p++;
            return true;
        }
        if (b == WASM_V128)
            return unsupported(v, "SIMD is not supported: block type v128");
        const uint8_t *at = v->r.p;
        int64_t idx;
        if (!wasm_read_sleb(&v->r, 33, &idx))
            return leb_error(v, at, 33);
        if (idx < 0)
            return malformed(v, "malformed block type");
        return true;
    }
    case 0x05:
        return true;
    case 0x0b:
        (*depth)--;
        return true;
    case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
    case 0x26: case 0xd2:
        return read_u32(v, &a);
    case 0x0e: {
        uint32_t n;
        if (!read_u32(v, &n))
            return false;
        for (uint64_t i = 0; i <= n; i++)
            if (!read_u32(v, &a))
                return false;
        return true;
    }
    case 0x11:
        return read_u32(v, &a) && read_u32(v, &a);
    case 0x1c: {
        uint32_t n;
        if (!read_u32(v, &n))
            return false;
        for (uint32_t i = 0; i < n; i++)
            if (!read_value_type(v, &t))
                return false;
        return true;
    }
    case 0x3f: case 0x40:
        return read_zero_byte(v);
    case 0x41: {
        int32_t x;
        const uint8_t *at = v->r.p;
        return wasm_read_i32(&v->r, &x) || leb_error(v, at, 32);
    }
    case 0x42: {
        int64_t x;
        const uint8_t *at = v->r.p;
        return wasm_read_i64(&v->r, &x) || leb_error(v, at, 64);
    }
    case 0x43: case 0x44: {
        size_t n = op == 0x43 ? 4 : 8;
        if (wasm_reader_left(&v->r) < n)
            return malformed(v, "unexpected end of section or function in %s", op_name(v));
        v->r.p += n;
        return true;
    }
    case 0xd0:
        return read_ref_type(v, &t);
    case 0xfc:
        if (!read_u32(v, &v->subop))
            return false;
        switch (v->subop) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
            return true;
        case 8:
            if (!read_u32(v, &a) || !read_zero_byte(v))
                return false;
            return !data_count_missing(v->m) || malformed(v, "data count section required for memory.init");
        case 9:
            if (!read_u32(v, &a))
                return false;
            return !data_count_missing(v->m) || malformed(v, "data count section required for data.drop");
        case 10:
            return read_zero_byte(v) && read_zero_byte(v);
        case 11:
            return read_zero_byte(v);
        case 12: case 14:
            return read_u32(v, &a) && read_u32(v, &a);
        case 13: case 15: case 16: case 17:
            return read_u32(v, &a);
        default:
            return malformed(v, "illegal opcode 0xfc 0x%x", v->subop);
        }
    default:
        return unknown_opcode(v, op);
    }
}

/* The spec decodes the whole module before validating it, so a malformed
 * body anywhere wins over an invalid one earlier. When validation failed,
 * this re-reads the bodies for binary-format errors only; it returns false
 * with the error replaced if it finds one. */
static bool syntax_scan(validator *v)
{
    const struct wasm_module *m = v->m;
    wasm_error saved = *v->err;
    for (uint32_t i = 0; i < m->nfuncs - m->nimported_funcs; i++) {
        const wasm_func_decl *f = &m->funcs[i];
        v->func = f;
        v->func_index = m->nimported_funcs + i;
        v->r = wasm_reader_at(m->bytes, f->code, f->code + f->code_size);
        uint32_t depth = 1;
        while (depth > 0)
            if (!skip_instruction(v, &depth))
                return false;
        if (!wasm_reader_done(&v->r)) {
            v->op_start = v->r.p;
            return malformed(v, "section size mismatch: %zu bytes after the end of the function body",
                             wasm_reader_left(&v->r));
        }
    }
    *v->err = saved;
    return true;
}

/* ---- module-level rules ----------------------------------------------- */

static bool check_limits(validator *v, const wasm_limits_decl *l, uint32_t bound, const char *what)
{
    if (l->min > bound)
        return invalid(v, "%s size must be at most %u", what, bound);
    if (l->has_max && l->max > bound)
        return invalid(v, "%s size must be at most %u", what, bound);
    if (l->has_max && l->min > l->max)
        return invalid(v, "size minimum must not be greater than maximum (%s: %u > %u)", what, l->min, l->max);
    return true;
}

static bool check_memory(validator *v, const wasm_limits_decl *l)
{
    if (l->min > WASM_MAX_PAGES || (l->has_max && l->max > WASM_MAX_PAGES))
        return invalid(v, "memory size must be at most 65536 pages (4GiB)");
    return check_limits(v, l, WASM_MAX_PAGES, "memory");
}

/* A constant expression must have type `expect`; global.get may only read
 * imported immutable globals (WebAssembly 2.0). */
static bool check_const(validator *v, const wasm_const_expr *e, wasm_valtype expect)
{
    const struct wasm_module *m = v->m;
    wasm_valtype t;
    v->op_offset = e->offset;
    switch (e->op) {
    case WASM_CONST_I32: t = I32; break;
    case WASM_CONST_I64: t = I64; break;
    case WASM_CONST_F32: t = F32; break;
    case WASM_CONST_F64: t = F64; break;
    case WASM_CONST_REF_NULL: t = (wasm_valtype)e->value; break;
    case WASM_CONST_REF_FUNC:
        if (e->value >= m->nfuncs)
            return invalid(v, "unknown function %llu in a constant expression", (unsigned long long)e->value);
        t = WASM_FUNCREF;
        break;
    case WASM_CONST_GLOBAL_GET:
        if (e->value >= m->nimported_globals)
            return invalid(v, "unknown global %llu: constant expressions may only read imported globals",
                           (unsigned long long)e->value);
        if (m->global_types[e->value].mutable_)
            return invalid(v, "constant expression required: global %llu is mutable", (unsigned long long)e->value);
        t = m->global_types[e->value].type;
        break;
    default:
        return invalid(v, "constant expression required");
    }
    if (t != expect)
        return invalid(v, "type mismatch: constant expression of type %s where %s is expected", wasm_valtype_name(t),
                       wasm_valtype_name(expect));
    return true;
}

static int compare_export_names(const void *a, const void *b)
{
    const wasm_export_decl *x = *(const wasm_export_decl *const *)a, *y = *(const wasm_export_decl *const *)b;
    if (x->name_len != y->name_len)
        return x->name_len < y->name_len ? -1 : 1;
    return memcmp(x->name, y->name, x->name_len);
}

static bool check_exports(validator *v)
{
    const struct wasm_module *m = v->m;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export_decl *e = &m->exports[i];
        uint32_t limit = e->kind == WASM_EXTERN_FUNC     ? m->nfuncs
                         : e->kind == WASM_EXTERN_TABLE  ? m->ntables
                         : e->kind == WASM_EXTERN_MEMORY ? m->nmemories
                                                         : m->nglobals;
        static const char *const kinds[] = {"function", "table", "memory", "global"};
        if (e->index >= limit)
            return invalid(v, "unknown %s %u in export \"%s\"", kinds[e->kind], e->index, e->name);
    }
    if (m->nexports < 2)
        return true;
    const wasm_export_decl **sorted = malloc(m->nexports * sizeof *sorted);
    if (!sorted)
        return wasm_fail(v->err, WASM_ERR_RESOURCE, SIZE_MAX, "out of memory during validation");
    for (uint32_t i = 0; i < m->nexports; i++)
        sorted[i] = &m->exports[i];
    qsort(sorted, m->nexports, sizeof *sorted, compare_export_names);
    bool ok = true;
    for (uint32_t i = 1; i < m->nexports && ok; i++)
        if (compare_export_names(&sorted[i - 1], &sorted[i]) == 0)
            ok = invalid(v, "duplicate export name \"%s\"", sorted[i]->name);
    free(sorted);
    return ok;
}

static bool check_module(validator *v)
{
    const struct wasm_module *m = v->m;
    v->op_offset = SIZE_MAX;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wasm_import_decl *imp = &m->imports[i];
        if (imp->kind == WASM_EXTERN_FUNC && imp->desc.type_index >= m->ntypes)
            return invalid(v, "unknown type %u in import %u", imp->desc.type_index, i);
    }
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (m->func_type_index[i] >= m->ntypes)
            return invalid(v, "unknown type %u for function %u", m->func_type_index[i], i);
    for (uint32_t i = 0; i < m->ntables; i++)
        if (!check_limits(v, &m->tables[i].limits, UINT32_MAX, "table"))
            return false;
    for (uint32_t i = 0; i < m->nmemories; i++)
        if (!check_memory(v, &m->memories[i]))
            return false;
    if (m->nmemories > 1)
        return invalid(v, "multiple memories are not supported in WebAssembly 2.0 (%u declared)", m->nmemories);
    for (uint32_t i = 0; i < m->nglobals - m->nimported_globals; i++)
        if (!check_const(v, &m->globals[i].init, m->globals[i].type.type))
            return false;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem_decl *e = &m->elems[i];
        if (e->mode == WASM_SEGMENT_ACTIVE) {
            v->op_offset = e->offset.offset;
            if (e->table >= m->ntables)
                return invalid(v, "unknown table %u in element segment %u", e->table, i);
            if (!check_const(v, &e->offset, I32))
                return false;
            if (m->tables[e->table].elem != e->type)
                return invalid(v, "type mismatch: element segment %u of %s for a table of %s", i, wasm_valtype_name(e->type),
                               wasm_valtype_name(m->tables[e->table].elem));
        }
        for (uint32_t k = 0; k < e->count; k++)
            if (!check_const(v, &e->items[k], e->type))
                return false;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm_data_decl *d = &m->datas[i];
        if (d->mode == WASM_SEGMENT_ACTIVE) {
            v->op_offset = d->offset.offset;
            if (d->memory >= m->nmemories)
                return invalid(v, "unknown memory %u in data segment %u", d->memory, i);
            if (!check_const(v, &d->offset, I32))
                return false;
        }
    }
    v->op_offset = SIZE_MAX;
    if (m->has_start) {
        if (m->start >= m->nfuncs)
            return invalid(v, "unknown function %u as start function", m->start);
        const wasm_functype *ft = &m->types[m->func_type_index[m->start]];
        if (ft->nparams || ft->nresults)
            return invalid(v, "start function %u must have type [] -> []", m->start);
    }
    return check_exports(v);
}

bool wasm_validate_module(const struct wasm_module *m, wasm_error *err)
{
    validator v;
    memset(&v, 0, sizeof v);
    v.m = m;
    v.err = err;
    bool ok = check_module(&v);
    for (uint32_t i = 0; ok && i < m->nfuncs - m->nimported_funcs; i++)
        ok = validate_body(&v, i);
    if (!ok && err && err->kind == WASM_ERR_INVALID)
        syntax_scan(&v);
    free(v.vals);
    free(v.ctrls);
    free(v.local_types);
    if (ok && err) {
        err->kind = WASM_ERR_NONE;
        err->message[0] = '\0';
    }
    return ok;
}
