/*
 * compile.c — translation of validated function bodies into the internal
 * register code that interp.c runs (format: compile.h, docs/engine.md).
 * This file drives it: per function and per instruction, handing each
 * instruction to the part of the compiler its family in the opcode table
 * names (compile_control.c, compile_variable.c, compile_memory.c,
 * compile_numeric.c, compile_table.c; what they share:
 * compile_internal.h), and pairs instructions once a body is complete.
 *
 * One pass per body. The compiler tracks the operand-stack height, so each
 * operand becomes a fixed frame slot; it tracks the control stack, so each
 * branch knows its target's slot range and arity; and it splits the body
 * into straight-line runs for fuel metering, each charged by the
 * instruction that leads into it (see "fuel runs" below), with its cost
 * (the number of wasm instructions in the run) patched in when the run
 * ends. Code after an unconditional branch is unreachable and is skipped
 * (neither emitted nor charged).
 *
 * Operand fusion: `local.get` and constants emit no code. The compiler
 * keeps, for each operand-stack position, the slot that holds its value
 * (the position itself, a local, or a constant slot of the frame), and
 * consumers read that slot directly, so `i32.add (local.get 0) (i32.const
 * 1)` is a single instruction. Positions are materialised (copied into
 * their own slot) where the value must really be there: before a write to
 * the local they name, at block boundaries and branches, and for call
 * arguments. `local.set`/`local.tee` right after the instruction that
 * produced the value retarget that instruction's destination to the local,
 * and an integer comparison right before `br_if`/`if` becomes part of the
 * branch. Peepholes fold more: an i32.add computing an address into the
 * load or store, two i32.add (or i32.shl then i32.add) into one
 * instruction, f64.mul into the f64.add/sub that consumes it, a loop's
 * counter step (i32/i64.add) into the compare-and-branch after it, two
 * copies in a row into COPY2. Last, pair_instructions gives frequent pairs
 * of adjacent instructions a handler that runs both (compile.h).
 *
 * The body was validated, but every index and height is still checked
 * against its bound, so a validator bug cannot turn into a wild access.
 */
#include "wasm/compile_internal.h"

/* ---- the opcode table ---------------------------------------------------- */

/* Rows of opcodes.h with no single interpreter operation. */
enum { WOP_NONE = 0 };

/* What the compiler takes from each row of opcodes.h: the family, whether
 * a numeric instruction has two operands, whether a memory access is a
 * load, and the interpreter operation of numeric instructions, loads and
 * stores. */
typedef struct opcode_code {
    uint8_t family; /* olw_op_family */
    bool binary;
    bool load;
    uint16_t op;
} opcode_code;

static const opcode_code opcode_codes[256] = {
#define CODE_ROW(code, ident, name, fam, imm, a, b, r, align, op) \
    [code] = {OLW_FAM_##fam, (b) != 0, (r) != 0, WOP_##op},
    OLW_OPCODES(CODE_ROW)
#undef CODE_ROW
};

static const uint16_t fc_codes[OLW_FC_OPCODE_COUNT] = {
#define FC_ROW(code, ident, name, fam, imm, a, b, r, align, op) [code] = WOP_##op,
    OLW_FC_OPCODES(FC_ROW)
#undef FC_ROW
};

/* ---- the body ----------------------------------------------------------- */

/* The 0xfc instructions: the saturating truncations are numeric, the rest
 * bulk memory and table operations. */
static bool compile_prefix(compiler *c, olw_reader *r, const instruction *in)
{
    uint32_t sub;
    READ(olw_read_u32(r, &sub));
    if (sub <= OLW_OPC_FC_I64_TRUNC_SAT_F64_U)
        return olw_compile_numeric(c, in, fc_codes[sub], false);
    return olw_compile_bulk(c, r, in, sub);
}

/* Compiles one instruction; *done is set at the function's final `end`.
 * The family in the opcode table picks the part of the compiler. */
static bool compile_instr(compiler *c, olw_reader *r, bool *done)
{
    uint8_t opcode;
    c->offset = olw_reader_offset(r);
    READ(olw_read_u8(r, &opcode));
    instruction in = {opcode, !c->dead, c->prod_cell, c->prod_end};
    c->prod_cell = SIZE_MAX;
    /* Every instruction except the `end` and `else` delimiters costs 1. */
    if (in.live && opcode != OLW_OPC_END && opcode != OLW_OPC_ELSE && c->metering)
        c->run_cost++;

    const opcode_code *oc = &opcode_codes[opcode];
    bool ok;
    switch ((olw_op_family)oc->family) {
    case OLW_FAM_CONTROL: ok = olw_compile_control(c, r, &in, done); break;
    case OLW_FAM_PARAMETRIC:
    case OLW_FAM_VARIABLE: ok = olw_compile_variable(c, r, &in); break;
    case OLW_FAM_MEMORY: ok = olw_compile_memory(c, r, &in, oc->op, oc->load); break;
    case OLW_FAM_CONST: ok = olw_compile_const(c, r, &in); break;
    case OLW_FAM_NUMERIC: ok = olw_compile_numeric(c, &in, oc->op, oc->binary); break;
    case OLW_FAM_REINTERPRET: ok = true; break; /* the slot already holds the bits */
    case OLW_FAM_TABLE:
    case OLW_FAM_REFERENCE: ok = olw_compile_table(c, r, &in); break;
    case OLW_FAM_PREFIX: ok = compile_prefix(c, r, &in); break;
    default: return fail(c, "unknown opcode"), false;
    }
    return ok && !c->failed;
}

/* ---- pairs ----------------------------------------------------------------- */

static const struct {
    uint16_t a, b, pair;
} pair_table[] = {
#define PAIR_ENTRY(a, b) {WOP_##a, WOP_##b, WOP_##a##__##b},
    OLW_PAIRS(PAIR_ENTRY)
#undef PAIR_ENTRY
};

/* The cell a branch at `st` (op `op`) lands on relative to st is in cell
 * st + branch_offset_cell(op), or 0 when op is not a branch. */
static size_t branch_offset_cell(uint16_t op)
{
    if (op == WOP_BR || op == WOP_BR_MOVE)
        return 1;
    if (op == WOP_BR_IF || op == WOP_BR_UNLESS)
        return 2;
    if (op >= WOP_BR_I32_EQ && op <= WOP_BR_I64_GE_U)
        return 3;
    if (op >= WOP_ADD_BR_I32_EQ && op <= WOP_ADD_BR_I64_GE_U)
        return 6;
    return 0;
}

/* Gives the first instruction of each listed pair (compile.h) its pair
 * handler, unless the second is a branch target or a call's return point
 * (control may arrive there without running the first). Run once the body
 * is complete: the cells do not move, only handlers change. */
static void pair_instructions(compiler *c)
{
    if (c->failed || c->nstarts < 2)
        return;
    uint8_t *landing = calloc(c->ncode + 1, 1);
    if (!landing)
        return; /* pairing is an optimisation: without memory, skip it */
    for (size_t i = 0; i < c->nstarts; i++) {
        size_t st = c->starts[i];
        uint16_t op = c->start_ops[i];
        size_t k = branch_offset_cell(op);
        if (k) {
            int64_t to = (int64_t)st + c->code[st + k].i;
            if (to >= 0 && (size_t)to <= c->ncode)
                landing[to] = 1;
        } else if (op == WOP_BR_TABLE) {
            uint64_t ntargets = c->code[st + 5].u;
            for (uint64_t e = 0; e < ntargets; e++) {
                int64_t to = (int64_t)st + c->code[st + 6 + 3 * e].i;
                if (to >= 0 && (size_t)to <= c->ncode)
                    landing[to] = 1;
            }
        } else if (op == WOP_CALL || op == WOP_CALL_FUNC || op == WOP_CALL_INDIRECT) {
            size_t end = i + 1 < c->nstarts ? c->starts[i + 1] : c->ncode;
            landing[end] = 1;
        }
    }
    for (size_t i = 0; i + 1 < c->nstarts; i++) {
        if (landing[c->starts[i + 1]])
            continue;
        for (int p = c->pair_first[c->start_ops[i]]; p >= 0; p = c->pair_next[p]) {
            if (pair_table[p].b == c->start_ops[i + 1]) {
                c->code[c->starts[i]].op = c->handlers[pair_table[p].pair];
                i++; /* the second stays as it is: pairs do not chain */
                break;
            }
        }
    }
    free(landing);
}

static bool compile_func(compiler *c, uint32_t index, olw_compiled_func *out)
{
    const struct olw_module *m = c->m;
    const olw_func_decl *d = &m->funcs[index];
    const olw_functype *t = &m->types[d->type_index];

    c->ncode = c->nctl = c->nfix = 0;
    c->nstarts = 0;
    c->last_start = c->prev_start = SIZE_MAX;
    c->dead = false;
    c->nlocals_total = t->nparams + d->nlocals;
    c->nv = 0;
    c->nconsts = 0;
    c->prod_cell = SIZE_MAX;
    /* Room for constants: at most one per byte that can start a constant. */
    uint32_t room = 0;
    for (size_t i = 0; i < d->code_size && room < CONST_MAX; i++)
        if ((d->code[i] >= OLW_OPC_I32_CONST && d->code[i] <= OLW_OPC_F64_CONST) || d->code[i] == OLW_OPC_REF_NULL)
            room++;
    c->const_room = room;
    c->stack_base = c->nlocals_total + room;
    c->h = c->max_h = c->stack_base;

    c->offset = d->code_offset;
    if (!olw_compile_enter_func(c, t->nresults))
        return false;

    olw_reader r = olw_reader_at(m->bytes, d->code, d->code + d->code_size);
    bool done = false;
    while (!done) {
        if (olw_load_interrupted(m, &c->ticks, c->err))
            return false;
        if (!compile_instr(c, &r, &done))
            return false;
    }
    if (c->failed)
        return false;
    pair_instructions(c);
    /* Entry writes every declared local and constant slot: the call pays
     * for it as bulk instructions pay for their bytes, 1 per 8 slots (64
     * bytes). Without it 50,000 locals were zeroed for 1 fuel. */
    if (c->metering)
        c->code[0].u += ((uint64_t)d->nlocals + c->nconsts) / OLW_ENTRY_SLOTS_PER_FUEL;

    out->ncells = c->ncode;
    /* The buffer becomes the function's code, trimmed: no second copy (a
     * br_table-heavy body is 24 bytes of code per byte of wasm). */
    olw_cell *code = realloc(c->code, c->ncode * sizeof *code);
    if (!code)
        code = c->code;
    c->code = NULL;
    c->capcode = 0;
    out->code = code;
    out->type = t;
    out->nparams = t->nparams;
    out->nresults = t->nresults;
    out->nlocals = d->nlocals;
    out->nconsts = c->nconsts;
    if (c->nconsts) {
        /* padded to whole groups, which the interpreter copies at once */
        size_t padded = (c->nconsts + OLW_INIT_GROUP - 1) / OLW_INIT_GROUP * OLW_INIT_GROUP;
        uint64_t *k = calloc(padded, sizeof *k);
        if (!k) {
            free(code);
            out->code = NULL;
            fail(c, "out of memory");
            return false;
        }
        memcpy(k, c->consts, c->nconsts * sizeof *k);
        out->consts = k;
    }
    /* room for the whole groups written past the locals or the constants */
    out->frame_size = (c->max_h > t->nresults ? c->max_h : t->nresults) + OLW_INIT_GROUP - 1;
    if ((uint64_t)d->nlocals + c->nconsts <= OLW_SMALL_INIT) {
        out->small_init = true;
        memset(out->init, 0, sizeof out->init);
        memcpy(out->init + d->nlocals, c->consts, c->nconsts * sizeof *c->consts);
        if (out->frame_size < t->nparams + OLW_SMALL_INIT)
            out->frame_size = t->nparams + OLW_SMALL_INIT;
    }
    return true;
}

bool olw_compile_module(struct olw_module *m, olw_error *err)
{
    uint32_t ndefined = m->nfuncs - m->nimported_funcs;
    struct olw_compiled *cm = calloc(1, sizeof *cm);
    if (!cm || !(cm->funcs = calloc(ndefined ? ndefined : 1, sizeof *cm->funcs))) {
        free(cm);
        return olw_fail(err, OLW_ERR_RESOURCE, SIZE_MAX, "out of memory");
    }
    cm->nfuncs = ndefined;
    m->compiled = cm;

    compiler c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.handlers = olw_interp_handlers();
    c.err = err;
    c.metering = m->metering;
    _Static_assert(sizeof pair_table / sizeof pair_table[0] <= sizeof c.pair_next / sizeof c.pair_next[0],
                   "pair_next too small");
    for (size_t op = 0; op < WOP_COUNT; op++)
        c.pair_first[op] = -1;
    for (size_t p = sizeof pair_table / sizeof pair_table[0]; p-- > 0;) {
        c.pair_next[p] = c.pair_first[pair_table[p].a];
        c.pair_first[pair_table[p].a] = (int16_t)p;
    }
    bool ok = true;
    for (uint32_t i = 0; i < ndefined && ok; i++)
        ok = compile_func(&c, i, &cm->funcs[i]);
    free(c.code);
    free(c.ctls);
    free(c.bt_target);
    free(c.bt_depths);
    free(c.fixups);
    free(c.vs);
    free(c.charge);
    free(c.starts);
    free(c.start_ops);
    if (!ok) {
        olw_compiled_free(cm);
        m->compiled = NULL;
    }
    return ok;
}

void olw_compiled_free(struct olw_compiled *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->nfuncs; i++) {
        free((void *)c->funcs[i].code);
        free((void *)c->funcs[i].consts);
    }
    free(c->funcs);
    free(c);
}
