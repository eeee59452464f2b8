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
#include "wasm/opcodes.h"
#include "wasm/reader.h"

enum { UNKNOWN = 0 }; /* the bottom type of unreachable code */

typedef struct ctrl_frame {
    uint8_t opcode; /* OLW_OPC_BLOCK, _LOOP, _IF or _ELSE; 0 for the function */
    bool unreachable;
    uint32_t height; /* operand stack height at entry */
    const olw_valtype *params;
    uint32_t nparams;
    const olw_valtype *results;
    uint32_t nresults;
    uint32_t br_table_seen; /* the br_table (validator.br_tables) that last checked this label */
} ctrl_frame;

typedef struct validator {
    const struct olw_module *m;
    olw_error *err;
    olw_reader r;
    uint32_t func_index;     /* in the function index space */
    size_t op_offset;        /* the instruction being validated (module-level checks) */
    const uint8_t *op_start; /* the instruction being validated in a body, or NULL */
    uint8_t op;              /* its opcode (0xfc: see subop) */
    uint32_t subop;
    const olw_functype *type;
    const olw_func_decl *func;
    uint32_t nlocals;         /* params + declared locals */
    olw_valtype *local_types; /* [nlocals]: params then locals, reused across functions */
    uint32_t local_types_cap;

    olw_valtype *vals;
    uint32_t nvals, vals_cap;
    uint32_t height; /* of the innermost control frame, cached for pop_expect */
    ctrl_frame *ctrls;
    uint32_t nctrls, ctrls_cap;
    uint32_t ticks;     /* for olw_load_interrupted */
    uint32_t br_tables; /* br_tables validated so far: labels are checked once per br_table */
} validator;

/* Singleton result types for block types written as one value type. */
static const olw_valtype single_type[256] = {
    [OLW_I32] = OLW_I32, [OLW_I64] = OLW_I64,         [OLW_F32] = OLW_F32,
    [OLW_F64] = OLW_F64, [OLW_FUNCREF] = OLW_FUNCREF, [OLW_EXTERNREF] = OLW_EXTERNREF,
};

const char *olw_valtype_name(olw_valtype t)
{
    switch (t) {
    case OLW_I32: return "i32";
    case OLW_I64: return "i64";
    case OLW_F32: return "f32";
    case OLW_F64: return "f64";
    case OLW_V128: return "v128";
    case OLW_FUNCREF: return "funcref";
    case OLW_EXTERNREF: return "externref";
    default: return "unknown";
    }
}

#define I32 OLW_I32
#define I64 OLW_I64
#define F32 OLW_F32
#define F64 OLW_F64

/* ---- errors ----------------------------------------------------------- */

static const char *op_name(const validator *v) { return olw_opcode_name(v->op, v->subop); }

static bool fail_kind(validator *v, olw_error_kind kind, const char *fmt, va_list ap)
{
    char msg[200];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (v->op_start) /* offsets in a body are computed only when needed */
        v->op_offset = (size_t)(v->op_start - v->r.start);
    if (v->op_offset == SIZE_MAX)
        return olw_fail(v->err, kind, v->op_offset, "%s", msg);
    if (v->func)
        return olw_fail(v->err, kind, v->op_offset, "%s (func %u, offset 0x%zx)", msg, v->func_index, v->op_offset);
    return olw_fail(v->err, kind, v->op_offset, "%s (offset 0x%zx)", msg, v->op_offset);
}

static bool invalid(validator *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool invalid(validator *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_kind(v, OLW_ERR_INVALID, fmt, ap);
    va_end(ap);
    return false;
}

static bool malformed(validator *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool malformed(validator *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_kind(v, OLW_ERR_MALFORMED, fmt, ap);
    va_end(ap);
    return false;
}

static bool unsupported(validator *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool unsupported(validator *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_kind(v, OLW_ERR_UNSUPPORTED, fmt, ap);
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
    if (!olw_read_u32(&v->r, out)) {
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
    if (!olw_read_u8(&v->r, out)) {
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

static bool grow(void **items, uint32_t *cap, size_t item_size, olw_error *err)
{
    uint32_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*items, (size_t)ncap * item_size);
    if (!p)
        return olw_fail(err, OLW_ERR_RESOURCE, SIZE_MAX, "out of memory during validation");
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

static inline bool push_val(validator *v, olw_valtype t)
{
    v->vals[v->nvals++] = t;
    return true;
}

static bool push_vals(validator *v, const olw_valtype *types, uint32_t n)
{
    if (!reserve_vals(v, n))
        return false;
    if (n)
        memcpy(v->vals + v->nvals, types, n);
    v->nvals += n;
    return true;
}

/* Pops any operand into *out (UNKNOWN in unreachable code). */
static inline bool pop_val(validator *v, olw_valtype *out)
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

static bool pop_expect_slow(validator *v, olw_valtype expect)
{
    ctrl_frame *c = &v->ctrls[v->nctrls - 1];
    if (v->nvals == c->height) {
        if (c->unreachable)
            return true;
        return invalid(v, "type mismatch: %s expects %s, the stack is empty", op_name(v), olw_valtype_name(expect));
    }
    olw_valtype actual = v->vals[--v->nvals];
    if (actual != expect && actual != UNKNOWN)
        return invalid(v, "type mismatch: %s expects %s, got %s", op_name(v), olw_valtype_name(expect),
                       olw_valtype_name(actual));
    return true;
}

/* The common case — the expected type on top, above the frame's base —
 * without looking at the control frame. */
static inline bool pop_expect(validator *v, olw_valtype expect)
{
    if (v->nvals > v->height && v->vals[v->nvals - 1] == expect) {
        v->nvals--;
        return true;
    }
    return pop_expect_slow(v, expect);
}

static bool pop_vals(validator *v, const olw_valtype *types, uint32_t n)
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
static bool peek_vals(validator *v, const olw_valtype *types, uint32_t n)
{
    const ctrl_frame *c = &v->ctrls[v->nctrls - 1];
    for (uint32_t k = 0; k < n; k++) {
        olw_valtype expect = types[n - 1 - k];
        if (v->nvals < c->height + 1 + k) {
            if (c->unreachable)
                return true; /* everything below is polymorphic */
            return invalid(v, "type mismatch: %s expects %s, the stack is empty", op_name(v), olw_valtype_name(expect));
        }
        olw_valtype actual = v->vals[v->nvals - 1 - k];
        if (actual != expect && actual != UNKNOWN)
            return invalid(v, "type mismatch: %s expects %s, got %s", op_name(v), olw_valtype_name(expect),
                           olw_valtype_name(actual));
    }
    return true;
}

static bool push_ctrl(validator *v, uint8_t opcode, const olw_valtype *params, uint32_t nparams,
                      const olw_valtype *results, uint32_t nresults)
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

static void label_types(const ctrl_frame *c, const olw_valtype **types, uint32_t *n)
{
    if (c->opcode == OLW_OPC_LOOP) {
        *types = c->params;
        *n = c->nparams;
    } else {
        *types = c->results;
        *n = c->nresults;
    }
}

/* Out of line: read_label runs once per br_table entry. */
static bool __attribute__((cold, noinline)) unknown_label(validator *v, uint32_t depth)
{
    return invalid(v, "unknown label %u in %s", depth, op_name(v));
}

static bool read_label(validator *v, const ctrl_frame **out)
{
    uint32_t depth;
    if (!read_u32(v, &depth))
        return false;
    if (depth >= v->nctrls)
        return unknown_label(v, depth);
    *out = &v->ctrls[v->nctrls - 1 - depth];
    return true;
}

/* ---- instructions ----------------------------------------------------- */

static bool read_block_type(validator *v, const olw_valtype **params, uint32_t *nparams, const olw_valtype **results,
                            uint32_t *nresults)
{
    if (olw_reader_done(&v->r))
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
    if (b == OLW_V128)
        return unsupported(v, "SIMD is not supported: block type v128");
    if (single_type[b]) {
        v->r.p++;
        *results = &single_type[b];
        *nresults = 1;
        return true;
    }
    const uint8_t *at = v->r.p;
    int64_t idx;
    if (!olw_read_sleb(&v->r, 33, &idx))
        return leb_error(v, at, 33);
    if (idx < 0)
        return malformed(v, "malformed block type");
    if ((uint64_t)idx >= v->m->ntypes)
        return invalid(v, "unknown type %lld in %s", (long long)idx, op_name(v));
    const olw_functype *ft = &v->m->types[idx];
    *params = ft->types;
    *nparams = ft->nparams;
    *results = ft->types + ft->nparams;
    *nresults = ft->nresults;
    return true;
}

static bool read_value_type(validator *v, olw_valtype *out)
{
    uint8_t b;
    if (!read_byte(v, &b))
        return false;
    if (b == OLW_V128)
        return unsupported(v, "SIMD is not supported: value type v128");
    if (!single_type[b])
        return malformed(v, "malformed value type 0x%02x in %s", b, op_name(v));
    *out = b;
    return true;
}

static bool read_ref_type(validator *v, olw_valtype *out)
{
    uint8_t b;
    if (!read_byte(v, &b))
        return false;
    if (b != OLW_FUNCREF && b != OLW_EXTERNREF)
        return malformed(v, "malformed reference type 0x%02x in %s", b, op_name(v));
    *out = b;
    return true;
}

static inline bool local_type(validator *v, uint32_t idx, olw_valtype *out)
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
static bool data_count_missing(const struct olw_module *m) { return !m->has_data_count && m->ndatas > 0; }

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

/* Kept out of line: its loops are the hot path of br_table-heavy modules. */
static bool __attribute__((noinline)) br_table(validator *v)
{
    uint32_t n;
    if (!read_u32(v, &n))
        return false;
    /* the default label comes last but fixes the arity: find it first */
    olw_reader labels = v->r;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t skip;
        if (!read_u32(v, &skip))
            return false;
    }
    const ctrl_frame *def;
    if (!read_label(v, &def))
        return false;
    olw_reader after = v->r;
    const olw_valtype *def_types;
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
        if (olw_load_interrupted(v->m, &v->ticks, v->err))
            return false;
        if (c->br_table_seen == stamp)
            continue;
        v->ctrls[c - v->ctrls].br_table_seen = stamp;
        const olw_valtype *types;
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

static bool call_type(validator *v, const olw_functype *ft)
{
    if (!pop_vals(v, ft->types, ft->nparams))
        return false;
    return push_vals(v, ft->types + ft->nparams, ft->nresults);
}

static bool is_num(olw_valtype t) { return t == UNKNOWN || t == I32 || t == I64 || t == F32 || t == F64; }
static bool is_ref(olw_valtype t) { return t == UNKNOWN || t == OLW_FUNCREF || t == OLW_EXTERNREF; }

/* An opcode outside WebAssembly 2.0: later proposals are named, so that a
 * module built for them is reported as unsupported rather than malformed. */
static bool unknown_opcode(validator *v, uint8_t op)
{
    const char *feature = NULL;
    switch (op) {
    case 0x06:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x0a:
    case 0x18:
    case 0x19:
    case 0x1f: feature = "exception handling"; break;
    case 0x12:
    case 0x13: feature = "tail calls"; break;
    case 0x14:
    case 0x15:
    case 0xd3:
    case 0xd4:
    case 0xd5:
    case 0xd6: feature = "typed function references"; break;
    case 0xfb: feature = "garbage collection"; break;
    case 0xfd: feature = "SIMD"; break;
    case 0xfe: feature = "threads (atomic instructions)"; break;
    }
    if (feature)
        return unsupported(v, "%s instructions are not supported (opcode 0x%02x)", feature, op);
    return malformed(v, "illegal opcode 0x%02x", op);
}

static bool fc_instruction(validator *v)
{
    const struct olw_module *m = v->m;
    if (!read_u32(v, &v->subop))
        return false;
    uint32_t a, b;
    switch (v->subop) {
    case OLW_OPC_FC_I32_TRUNC_SAT_F32_S ... OLW_OPC_FC_I64_TRUNC_SAT_F64_U: {
        const olw_opcode_info *info = &olw_fc_opcodes[v->subop];
        return pop_expect(v, info->a) && push_val(v, info->result);
    }
    case OLW_OPC_FC_MEMORY_INIT:
        if (!read_u32(v, &a) || !read_zero_byte(v))
            return false;
        if (!need_memory(v) || !need_data_count(v, a))
            return false;
        return pop_expect(v, I32) && pop_expect(v, I32) && pop_expect(v, I32);
    case OLW_OPC_FC_DATA_DROP: return read_u32(v, &a) && need_data_count(v, a);
    case OLW_OPC_FC_MEMORY_COPY:
        if (!read_zero_byte(v) || !read_zero_byte(v) || !need_memory(v))
            return false;
        return pop_expect(v, I32) && pop_expect(v, I32) && pop_expect(v, I32);
    case OLW_OPC_FC_MEMORY_FILL:
        if (!read_zero_byte(v) || !need_memory(v))
            return false;
        return pop_expect(v, I32) && pop_expect(v, I32) && pop_expect(v, I32);
    case OLW_OPC_FC_TABLE_INIT:
        if (!read_u32(v, &a) || !read_u32(v, &b))
            return false;
        if (!need_table(v, b) || !need_elem(v, a))
            return false;
        if (m->elems[a].type != m->tables[b].elem)
            return invalid(v, "type mismatch: table.init of %s segment into %s table",
                           olw_valtype_name(m->elems[a].type), olw_valtype_name(m->tables[b].elem));
        return pop_expect(v, I32) && pop_expect(v, I32) && pop_expect(v, I32);
    case OLW_OPC_FC_ELEM_DROP: return read_u32(v, &a) && need_elem(v, a);
    case OLW_OPC_FC_TABLE_COPY:
        if (!read_u32(v, &a) || !read_u32(v, &b))
            return false;
        if (!need_table(v, a) || !need_table(v, b))
            return false;
        if (m->tables[a].elem != m->tables[b].elem)
            return invalid(v, "type mismatch: table.copy from %s table to %s table",
                           olw_valtype_name(m->tables[b].elem), olw_valtype_name(m->tables[a].elem));
        return pop_expect(v, I32) && pop_expect(v, I32) && pop_expect(v, I32);
    case OLW_OPC_FC_TABLE_GROW:
        if (!read_u32(v, &a) || !need_table(v, a))
            return false;
        return pop_expect(v, I32) && pop_expect(v, m->tables[a].elem) && push_val(v, I32);
    case OLW_OPC_FC_TABLE_SIZE:
        if (!read_u32(v, &a) || !need_table(v, a))
            return false;
        return push_val(v, I32);
    case OLW_OPC_FC_TABLE_FILL:
        if (!read_u32(v, &a) || !need_table(v, a))
            return false;
        return pop_expect(v, I32) && pop_expect(v, m->tables[a].elem) && pop_expect(v, I32);
    default: return malformed(v, "illegal opcode 0xfc 0x%x", v->subop);
    }
}

/* Validates one instruction; sets *done after the function's final end. */
static bool instruction(validator *v, bool *done)
{
    const struct olw_module *m = v->m;
    v->op_start = v->r.p;
    if (olw_reader_done(&v->r))
        return malformed(v, "unexpected end of section or function: function body without final end");
    if (v->vals_cap == v->nvals && !reserve_vals(v, 1))
        return false;
    uint8_t op = *v->r.p++;
    v->op = op;

    const olw_valtype *params, *results;
    uint32_t nparams, nresults, idx;
    olw_valtype t = 0, t1 = 0, t2 = 0;
    const ctrl_frame *label;
    ctrl_frame frame;
    /* Numeric instructions, loads and stores: the table has the signature. */
    const olw_opcode_info *info = &olw_opcodes[op];
    if (info->family == OLW_FAM_NUMERIC || info->family == OLW_FAM_REINTERPRET) {
        if (info->b && !pop_expect(v, info->b))
            return false;
        return pop_expect(v, info->a) && push_val(v, info->result);
    }
    if (info->imm == OLW_IMM_MEMARG) {
        if (!memarg(v, info->align))
            return false;
        if (info->result) /* load */
            return pop_expect(v, info->a) && push_val(v, info->result);
        return pop_expect(v, info->b) && pop_expect(v, info->a); /* store */
    }
    switch (op) {
    case OLW_OPC_UNREACHABLE: set_unreachable(v); return true;
    case OLW_OPC_NOP: return true;
    case OLW_OPC_BLOCK:
    case OLW_OPC_LOOP:
        if (!read_block_type(v, &params, &nparams, &results, &nresults))
            return false;
        return pop_vals(v, params, nparams) && push_ctrl(v, op, params, nparams, results, nresults);
    case OLW_OPC_IF:
        if (!read_block_type(v, &params, &nparams, &results, &nresults))
            return false;
        return pop_expect(v, I32) && pop_vals(v, params, nparams) &&
               push_ctrl(v, op, params, nparams, results, nresults);
    case OLW_OPC_ELSE:
        if (v->ctrls[v->nctrls - 1].opcode != OLW_OPC_IF)
            return malformed(v, "else without a matching if");
        if (!pop_ctrl(v, &frame))
            return false;
        return push_ctrl(v, OLW_OPC_ELSE, frame.params, frame.nparams, frame.results, frame.nresults);
    case OLW_OPC_END:
        if (!pop_ctrl(v, &frame))
            return false;
        if (frame.opcode == OLW_OPC_IF) {
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
    case OLW_OPC_BR:
        if (!read_label(v, &label))
            return false;
        label_types(label, &results, &nresults);
        if (!pop_vals(v, results, nresults))
            return false;
        set_unreachable(v);
        return true;
    case OLW_OPC_BR_IF:
        if (!read_label(v, &label))
            return false;
        label_types(label, &results, &nresults);
        if (!pop_expect(v, I32) || !pop_vals(v, results, nresults))
            return false;
        return push_vals(v, results, nresults);
    case OLW_OPC_BR_TABLE: return br_table(v);
    case OLW_OPC_RETURN:
        if (!pop_vals(v, v->ctrls[0].results, v->ctrls[0].nresults))
            return false;
        set_unreachable(v);
        return true;
    case OLW_OPC_CALL:
        if (!read_u32(v, &idx))
            return false;
        if (idx >= m->nfuncs)
            return invalid(v, "unknown function %u in call", idx);
        return call_type(v, &m->types[m->func_type_index[idx]]);
    case OLW_OPC_CALL_INDIRECT: { /* call_indirect type table */
        uint32_t table;
        if (!read_u32(v, &idx) || !read_u32(v, &table))
            return false;
        if (!need_table(v, table))
            return false;
        if (idx >= m->ntypes)
            return invalid(v, "unknown type %u in call_indirect", idx);
        if (m->tables[table].elem != OLW_FUNCREF)
            return invalid(v, "type mismatch: call_indirect through a table of %s",
                           olw_valtype_name(m->tables[table].elem));
        return pop_expect(v, I32) && call_type(v, &m->types[idx]);
    }
    case OLW_OPC_DROP: return pop_val(v, &t);
    case OLW_OPC_SELECT:
        if (!pop_expect(v, I32) || !pop_val(v, &t1) || !pop_val(v, &t2))
            return false;
        if (!is_num(t1) || !is_num(t2))
            return invalid(v, "type mismatch: select without a type annotation needs numeric operands, got %s",
                           olw_valtype_name(is_num(t1) ? t2 : t1));
        if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN)
            return invalid(v, "type mismatch: select operands differ (%s and %s)", olw_valtype_name(t2),
                           olw_valtype_name(t1));
        return push_val(v, t1 == UNKNOWN ? t2 : t1);
    case OLW_OPC_SELECT_T: { /* select t* */
        uint32_t n;
        if (!read_u32(v, &n))
            return false;
        if (n != 1)
            return invalid(v, "invalid result arity: select with %u types", n);
        if (!read_value_type(v, &t))
            return false;
        return pop_expect(v, I32) && pop_expect(v, t) && pop_expect(v, t) && push_val(v, t);
    }
    case OLW_OPC_LOCAL_GET: return read_u32(v, &idx) && local_type(v, idx, &t) && push_val(v, t);
    case OLW_OPC_LOCAL_SET: return read_u32(v, &idx) && local_type(v, idx, &t) && pop_expect(v, t);
    case OLW_OPC_LOCAL_TEE: return read_u32(v, &idx) && local_type(v, idx, &t) && pop_expect(v, t) && push_val(v, t);
    case OLW_OPC_GLOBAL_GET:
        if (!read_u32(v, &idx))
            return false;
        if (idx >= m->nglobals)
            return invalid(v, "unknown global %u", idx);
        return push_val(v, m->global_types[idx].type);
    case OLW_OPC_GLOBAL_SET:
        if (!read_u32(v, &idx))
            return false;
        if (idx >= m->nglobals)
            return invalid(v, "unknown global %u", idx);
        if (!m->global_types[idx].mutable_)
            return invalid(v, "global is immutable: global.set of global %u", idx);
        return pop_expect(v, m->global_types[idx].type);
    case OLW_OPC_TABLE_GET:
        if (!read_u32(v, &idx) || !need_table(v, idx))
            return false;
        return pop_expect(v, I32) && push_val(v, m->tables[idx].elem);
    case OLW_OPC_TABLE_SET:
        if (!read_u32(v, &idx) || !need_table(v, idx))
            return false;
        return pop_expect(v, m->tables[idx].elem) && pop_expect(v, I32);
    case OLW_OPC_MEMORY_SIZE: return read_zero_byte(v) && need_memory(v) && push_val(v, I32);
    case OLW_OPC_MEMORY_GROW: return read_zero_byte(v) && need_memory(v) && pop_expect(v, I32) && push_val(v, I32);
    case OLW_OPC_I32_CONST: {
        int32_t x;
        const uint8_t *at = v->r.p;
        if (!olw_read_i32(&v->r, &x))
            return leb_error(v, at, 32);
        return push_val(v, I32);
    }
    case OLW_OPC_I64_CONST: {
        int64_t x;
        const uint8_t *at = v->r.p;
        if (!olw_read_i64(&v->r, &x))
            return leb_error(v, at, 64);
        return push_val(v, I64);
    }
    case OLW_OPC_F32_CONST:
        if (olw_reader_left(&v->r) < 4)
            return malformed(v, "unexpected end of section or function in f32.const");
        v->r.p += 4;
        return push_val(v, F32);
    case OLW_OPC_F64_CONST:
        if (olw_reader_left(&v->r) < 8)
            return malformed(v, "unexpected end of section or function in f64.const");
        v->r.p += 8;
        return push_val(v, F64);
    case OLW_OPC_REF_NULL: /* ref.null t */ return read_ref_type(v, &t) && push_val(v, t);
    case OLW_OPC_REF_IS_NULL:
        if (!pop_val(v, &t))
            return false;
        if (!is_ref(t))
            return invalid(v, "type mismatch: ref.is_null expects a reference, got %s", olw_valtype_name(t));
        return push_val(v, I32);
    case OLW_OPC_REF_FUNC:
        if (!read_u32(v, &idx))
            return false;
        if (idx >= m->nfuncs)
            return invalid(v, "unknown function %u in ref.func", idx);
        if (!m->func_declared[idx])
            return invalid(v,
                           "undeclared function reference %u: ref.func needs the function in an export, "
                           "element segment or global",
                           idx);
        return push_val(v, OLW_FUNCREF);
    case OLW_OPC_PREFIX_FC: return fc_instruction(v);
    default: return unknown_opcode(v, op);
    }
}

static bool validate_body(validator *v, uint32_t defined_index)
{
    const struct olw_module *m = v->m;
    const olw_func_decl *f = &m->funcs[defined_index];
    v->func = f;
    v->func_index = m->nimported_funcs + defined_index;
    v->type = &m->types[f->type_index];
    v->op = 0;
    v->r = olw_reader_at(m->bytes, f->code, f->code + f->code_size);
    v->op_start = f->code;
    if ((uint64_t)v->type->nparams + f->nlocals > OLW_MAX_LOCALS)
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
        if (olw_load_interrupted(m, &v->ticks, v->err))
            return false;
        if (!instruction(v, &done))
            return false;
    }
    if (!olw_reader_done(&v->r)) {
        v->op_start = v->r.p;
        return malformed(v, "section size mismatch: %zu bytes after the end of the function body",
                         olw_reader_left(&v->r));
    }
    return true;
}

/* ---- binary syntax only --------------------------------------------- */

/* Reads one instruction's immediates without type checking; for
 * syntax_scan. */
static bool skip_instruction(validator *v, uint32_t *depth)
{
    v->op_start = v->r.p;
    if (olw_reader_done(&v->r))
        return malformed(v, "unexpected end of section or function: function body without final end");
    uint8_t op = *v->r.p++;
    v->op = op;
    const olw_opcode_info *info = &olw_opcodes[op];
    if (info->family == OLW_FAM_NONE)
        return unknown_opcode(v, op);
    if (op == OLW_OPC_END)
        (*depth)--;
    if (info->imm == OLW_IMM_SUBOP) {
        if (!read_u32(v, &v->subop))
            return false;
        if (v->subop >= OLW_FC_OPCODE_COUNT)
            return malformed(v, "illegal opcode 0xfc 0x%x", v->subop);
        info = &olw_fc_opcodes[v->subop];
    }
    uint32_t a;
    uint8_t b;
    olw_valtype t;
    switch ((olw_op_imm)info->imm) {
    case OLW_IMM_NONE: return true;
    case OLW_IMM_BLOCKTYPE: {
        if (olw_reader_done(&v->r))
            return malformed(v, "unexpected end of section or function in %s", op_name(v));
        (*depth)++;
        b = *v->r.p;
        if (b == 0x40 || single_type[b]) {
            v->r.p++;
            return true;
        }
        if (b == OLW_V128)
            return unsupported(v, "SIMD is not supported: block type v128");
        const uint8_t *at = v->r.p;
        int64_t idx;
        if (!olw_read_sleb(&v->r, 33, &idx))
            return leb_error(v, at, 33);
        if (idx < 0)
            return malformed(v, "malformed block type");
        return true;
    }
    case OLW_IMM_LABEL:
    case OLW_IMM_FUNC:
    case OLW_IMM_LOCAL:
    case OLW_IMM_GLOBAL:
    case OLW_IMM_TABLE:
    case OLW_IMM_ELEM: return read_u32(v, &a);
    case OLW_IMM_LABELS: {
        uint32_t n;
        if (!read_u32(v, &n))
            return false;
        for (uint64_t i = 0; i <= n; i++)
            if (!read_u32(v, &a))
                return false;
        return true;
    }
    case OLW_IMM_TYPE_TABLE:
    case OLW_IMM_TABLE_TABLE:
    case OLW_IMM_ELEM_TABLE:
    case OLW_IMM_MEMARG: return read_u32(v, &a) && read_u32(v, &a);
    case OLW_IMM_VALTYPES: {
        uint32_t n;
        if (!read_u32(v, &n))
            return false;
        for (uint32_t i = 0; i < n; i++)
            if (!read_value_type(v, &t))
                return false;
        return true;
    }
    case OLW_IMM_ZERO_BYTE: return read_zero_byte(v);
    case OLW_IMM_ZERO_ZERO: return read_zero_byte(v) && read_zero_byte(v);
    case OLW_IMM_I32: {
        int32_t x;
        const uint8_t *at = v->r.p;
        return olw_read_i32(&v->r, &x) || leb_error(v, at, 32);
    }
    case OLW_IMM_I64: {
        int64_t x;
        const uint8_t *at = v->r.p;
        return olw_read_i64(&v->r, &x) || leb_error(v, at, 64);
    }
    case OLW_IMM_F32:
    case OLW_IMM_F64: {
        size_t n = info->imm == OLW_IMM_F32 ? 4 : 8;
        if (olw_reader_left(&v->r) < n)
            return malformed(v, "unexpected end of section or function in %s", op_name(v));
        v->r.p += n;
        return true;
    }
    case OLW_IMM_REFTYPE: return read_ref_type(v, &t);
    case OLW_IMM_DATA:
    case OLW_IMM_DATA_ZERO:
        if (!read_u32(v, &a) || (info->imm == OLW_IMM_DATA_ZERO && !read_zero_byte(v)))
            return false;
        return !data_count_missing(v->m) || malformed(v, "data count section required for %s", op_name(v));
    case OLW_IMM_SUBOP: break;
    }
    return malformed(v, "illegal opcode 0x%02x", op);
}

/* The spec decodes the whole module before validating it, so a malformed
 * body anywhere wins over an invalid one earlier. When validation failed,
 * this re-reads the bodies for binary-format errors only; it returns false
 * with the error replaced if it finds one. */
static bool syntax_scan(validator *v)
{
    const struct olw_module *m = v->m;
    olw_error saved = *v->err;
    for (uint32_t i = 0; i < m->nfuncs - m->nimported_funcs; i++) {
        const olw_func_decl *f = &m->funcs[i];
        v->func = f;
        v->func_index = m->nimported_funcs + i;
        v->r = olw_reader_at(m->bytes, f->code, f->code + f->code_size);
        uint32_t depth = 1;
        while (depth > 0)
            if (!skip_instruction(v, &depth))
                return false;
        if (!olw_reader_done(&v->r)) {
            v->op_start = v->r.p;
            return malformed(v, "section size mismatch: %zu bytes after the end of the function body",
                             olw_reader_left(&v->r));
        }
    }
    *v->err = saved;
    return true;
}

/* ---- module-level rules ----------------------------------------------- */

static bool check_limits(validator *v, const olw_limits_decl *l, uint32_t bound, const char *what)
{
    if (l->min > bound)
        return invalid(v, "%s size must be at most %u", what, bound);
    if (l->has_max && l->max > bound)
        return invalid(v, "%s size must be at most %u", what, bound);
    if (l->has_max && l->min > l->max)
        return invalid(v, "size minimum must not be greater than maximum (%s: %u > %u)", what, l->min, l->max);
    return true;
}

static bool check_memory(validator *v, const olw_limits_decl *l)
{
    if (l->min > OLW_MAX_PAGES || (l->has_max && l->max > OLW_MAX_PAGES))
        return invalid(v, "memory size must be at most 65536 pages (4GiB)");
    return check_limits(v, l, OLW_MAX_PAGES, "memory");
}

/* A constant expression must have type `expect`; global.get may only read
 * imported immutable globals (WebAssembly 2.0). */
static bool check_const(validator *v, const olw_const_expr *e, olw_valtype expect)
{
    const struct olw_module *m = v->m;
    olw_valtype t;
    v->op_offset = e->offset;
    switch (e->op) {
    case OLW_CONST_I32: t = I32; break;
    case OLW_CONST_I64: t = I64; break;
    case OLW_CONST_F32: t = F32; break;
    case OLW_CONST_F64: t = F64; break;
    case OLW_CONST_REF_NULL: t = (olw_valtype)e->value; break;
    case OLW_CONST_REF_FUNC:
        if (e->value >= m->nfuncs)
            return invalid(v, "unknown function %llu in a constant expression", (unsigned long long)e->value);
        t = OLW_FUNCREF;
        break;
    case OLW_CONST_GLOBAL_GET:
        if (e->value >= m->nimported_globals)
            return invalid(v, "unknown global %llu: constant expressions may only read imported globals",
                           (unsigned long long)e->value);
        if (m->global_types[e->value].mutable_)
            return invalid(v, "constant expression required: global %llu is mutable", (unsigned long long)e->value);
        t = m->global_types[e->value].type;
        break;
    default: return invalid(v, "constant expression required");
    }
    if (t != expect)
        return invalid(v, "type mismatch: constant expression of type %s where %s is expected", olw_valtype_name(t),
                       olw_valtype_name(expect));
    return true;
}

static int compare_export_names(const void *a, const void *b)
{
    const olw_export_decl *x = *(const olw_export_decl *const *)a, *y = *(const olw_export_decl *const *)b;
    if (x->name_len != y->name_len)
        return x->name_len < y->name_len ? -1 : 1;
    return memcmp(x->name, y->name, x->name_len);
}

static bool check_exports(validator *v)
{
    const struct olw_module *m = v->m;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const olw_export_decl *e = &m->exports[i];
        uint32_t limit = e->kind == OLW_EXTERN_FUNC     ? m->nfuncs
                         : e->kind == OLW_EXTERN_TABLE  ? m->ntables
                         : e->kind == OLW_EXTERN_MEMORY ? m->nmemories
                                                        : m->nglobals;
        static const char *const kinds[] = {"function", "table", "memory", "global"};
        if (e->index >= limit)
            return invalid(v, "unknown %s %u in export \"%s\"", kinds[e->kind], e->index, e->name);
    }
    if (m->nexports < 2)
        return true;
    const olw_export_decl **sorted = malloc(m->nexports * sizeof *sorted);
    if (!sorted)
        return olw_fail(v->err, OLW_ERR_RESOURCE, SIZE_MAX, "out of memory during validation");
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
    const struct olw_module *m = v->m;
    v->op_offset = SIZE_MAX;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const olw_import_decl *imp = &m->imports[i];
        if (imp->kind == OLW_EXTERN_FUNC && imp->desc.type_index >= m->ntypes)
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
        const olw_elem_decl *e = &m->elems[i];
        if (e->mode == OLW_SEGMENT_ACTIVE) {
            v->op_offset = e->offset.offset;
            if (e->table >= m->ntables)
                return invalid(v, "unknown table %u in element segment %u", e->table, i);
            if (!check_const(v, &e->offset, I32))
                return false;
            if (m->tables[e->table].elem != e->type)
                return invalid(v, "type mismatch: element segment %u of %s for a table of %s", i,
                               olw_valtype_name(e->type), olw_valtype_name(m->tables[e->table].elem));
        }
        for (uint32_t k = 0; k < e->count; k++)
            if (!check_const(v, &e->items[k], e->type))
                return false;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const olw_data_decl *d = &m->datas[i];
        if (d->mode == OLW_SEGMENT_ACTIVE) {
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
        const olw_functype *ft = &m->types[m->func_type_index[m->start]];
        if (ft->nparams || ft->nresults)
            return invalid(v, "start function %u must have type [] -> []", m->start);
    }
    return check_exports(v);
}

bool olw_validate_module(const struct olw_module *m, olw_error *err)
{
    validator v;
    memset(&v, 0, sizeof v);
    v.m = m;
    v.err = err;
    bool ok = check_module(&v);
    for (uint32_t i = 0; ok && i < m->nfuncs - m->nimported_funcs; i++)
        ok = validate_body(&v, i);
    if (!ok && err && err->kind == OLW_ERR_INVALID)
        syntax_scan(&v);
    free(v.vals);
    free(v.ctrls);
    free(v.local_types);
    if (ok && err) {
        err->kind = OLW_ERR_NONE;
        err->message[0] = '\0';
    }
    return ok;
}
