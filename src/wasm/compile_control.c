/*
 * compile_control.c — the control instructions (blocks, branches, calls,
 * return) and the fuel runs that follow control flow (compile_internal.h;
 * the code they emit: docs/engine.md).
 */
#include "wasm/compile_internal.h"

/* ---- fuel runs ---------------------------------------------------------- */

/*
 * The body is split into straight-line runs, and a run is charged when
 * control enters it, by the instruction that leads there: a function's
 * first run by the call (cell 0 of the code), the run after a call by the
 * call when it returns, the fall-through run of a conditional branch by the
 * branch when it falls through, and a run that starts at a label by every
 * branch to that label when it is taken (each branch carries the cost of
 * its target's run). Falling into a label from the run before merges: the
 * cells that charged the run before also charge the run after the label,
 * so the fall-through needs no instruction. `charge` lists the cells that
 * charge the current run; close_run adds the run's cost to each of them.
 *
 * A FUEL instruction is emitted only where merging is not possible: at a
 * label entered by many branches (past MERGE_MAX cells), and at a label or
 * loop head reached while the current run is the head run of an open loop
 * (that loop's back edges must be charged that run's cost alone).
 */
#define MERGE_MAX 32

static void charge_add(compiler *c, size_t cell)
{
    if (!c->metering)
        return;
    if (!grow((void **)&c->charge, &c->capcharge, c->ncharge + 1, sizeof *c->charge)) {
        fail(c, "out of memory");
        return;
    }
    c->charge[c->ncharge++] = cell;
}

/* Ends the current run: its cost goes to every cell that charges it. The
 * list stays, for a label that the run falls into. */
static void close_run(compiler *c)
{
    if (c->failed)
        return;
    for (size_t i = 0; i < c->ncharge; i++)
        c->code[c->charge[i]].u += c->run_cost;
    c->last_prod_cell = SIZE_MAX;
    c->barrier = c->ncode;
    if (c->head_ctl != NO_CTL) {
        c->ctls[c->head_ctl].head_cost = c->run_cost;
        c->ctls[c->head_ctl].head_known = true;
        c->head_ctl = NO_CTL;
    }
    c->run_cost = 0;
}

/* A run that nothing falls into. */
static void new_chain(compiler *c)
{
    c->last_prod_cell = SIZE_MAX;
    c->barrier = c->ncode;
    c->ncharge = 0;
    c->run_cost = 0;
    c->head_ctl = NO_CTL;
}

/* A run charged by one cell: a call's or a conditional branch's. */
static void edge_run(compiler *c, size_t cost_cell)
{
    new_chain(c);
    charge_add(c, cost_cell);
}

/* A run charged by its own FUEL instruction. */
static void fuel_run(compiler *c)
{
    new_chain(c);
    if (!c->metering)
        return;
    emit_op(c, WOP_FUEL);
    charge_add(c, emit_u(c, 0));
}

/* ---- control ------------------------------------------------------------ */

static ctl *push_ctl(compiler *c, enum ctl_kind kind, uint32_t nparams, uint32_t nresults)
{
    if (!grow((void **)&c->ctls, &c->capctl, c->nctl + 1, sizeof *c->ctls)) {
        fail(c, "out of memory");
        return NULL;
    }
    ctl *b = &c->ctls[c->nctl++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->dead_entry = c->dead;
    b->nparams = nparams;
    b->nresults = nresults;
    b->height = c->dead ? c->h : c->h - nparams;
    if (!c->dead)
        flush(c); /* block boundaries see every value in its own slot */
    b->fix_head = NO_FIX;
    b->else_instr = SIZE_MAX;
    return b;
}

static ctl *label(compiler *c, uint32_t depth)
{
    if (depth >= c->nctl) {
        fail(c, "branch depth out of range");
        return NULL;
    }
    return &c->ctls[c->nctl - 1 - depth];
}

static uint32_t label_arity(const ctl *b) { return b->kind == CTL_LOOP ? b->nparams : b->nresults; }

/* Points the offset cell `cell` of the instruction at `instr` to the label
 * of b, and its taken-cost cell `cost` to the cost of the run there: known
 * for a loop whose head run has ended, charged like the current run when
 * the branch ends the loop's head run, and recorded with the fixup for a
 * block end not yet reached. */
static void link_branch(compiler *c, const ctl *b, size_t instr, size_t cell, size_t cost)
{
    if (c->failed)
        return;
    if (b->kind == CTL_LOOP) {
        c->code[cell].i = (int64_t)b->loop_head - (int64_t)instr;
        if (b->head_known)
            c->code[cost].u = b->head_cost;
        else if (c->head_ctl == (size_t)(b - c->ctls))
            charge_add(c, cost);
        else if (c->metering)
            fail(c, "internal: loop head run not tracked");
        return;
    }
    if (!grow((void **)&c->fixups, &c->capfix, c->nfix + 1, sizeof *c->fixups)) {
        fail(c, "out of memory");
        return;
    }
    if (c->nfix >= NO_FIX || c->ncode >= UINT32_MAX) {
        fail(c, "function too large");
        return;
    }
    ctl *t = &c->ctls[b - c->ctls];
    fixup f = {t->fix_head, (uint32_t)cell, (uint32_t)instr, (uint32_t)cost};
    t->fix_head = c->nfix;
    t->nfix++;
    c->fixups[c->nfix++] = f;
}

/* The label at the end of the block at control depth `depth` is here: the
 * branches to it are patched, and the run that starts here is charged by
 * them and, when `fall` (the code before falls through), by what charged
 * the run before; or by a FUEL instruction (see the fuel runs above). */
static void enter_label(compiler *c, size_t depth, bool fall)
{
    ctl *b = &c->ctls[depth];
    size_t incoming = (b->else_instr != SIZE_MAX) + b->nfix;
    bool own_fuel = incoming > MERGE_MAX || (fall && (c->head_ctl != NO_CTL || c->ncharge + incoming > MERGE_MAX));
    if (fall)
        close_run(c);
    size_t here = c->ncode;
    if (!fall || own_fuel)
        new_chain(c);
    if (b->else_instr != SIZE_MAX && !c->failed) {
        c->code[b->else_cell].i = (int64_t)here - (int64_t)b->else_instr;
        if (!own_fuel)
            charge_add(c, b->else_cost);
    }
    for (uint32_t i = b->fix_head; i != NO_FIX; i = c->fixups[i].next) {
        fixup f = c->fixups[i];
        if (!c->failed)
            c->code[f.cell].i = (int64_t)here - (int64_t)f.instr;
        if (!own_fuel)
            charge_add(c, f.cost);
        if (olw_load_interrupted(c->m, &c->ticks, c->err)) {
            c->failed = true; /* err says interrupted */
            break;
        }
    }
    b->fix_head = NO_FIX;
    b->nfix = 0;
    if (own_fuel)
        fuel_run(c);
}

/* Room in the br_table scratch arrays for every open label. */
static bool bt_reserve(compiler *c)
{
    if (c->nctl <= c->capbt)
        return true;
    size_t n = c->nctl * 2;
    uint32_t *t = realloc(c->bt_target, n * sizeof *t);
    if (!t)
        return false;
    c->bt_target = t;
    uint32_t *d = realloc(c->bt_depths, n * sizeof *d);
    if (!d)
        return false;
    c->bt_depths = d;
    for (size_t i = c->capbt; i < n; i++)
        t[i] = NO_TARGET;
    c->capbt = n;
    return true;
}

static void emit_return(compiler *c)
{
    uint32_t n = c->ctls[0].nresults;
    if (c->h < c->stack_base + n) {
        fail(c, "operand stack underflow");
        return;
    }
    /* one result is moved by RETURN from wherever it is (a local, a
     * constant); several must be in their own slots */
    uint32_t from = n == 1 ? src(c, c->h - 1) : c->h - n;
    if (n != 1)
        flush(c);
    emit_op(c, WOP_RETURN);
    emit_u(c, n);
    emit_u(c, from);
}

/* Unconditional branch to label `depth` with the current stack. */
static void emit_br(compiler *c, uint32_t depth)
{
    ctl *b = label(c, depth);
    if (!b)
        return;
    if (b->kind == CTL_FUNC) {
        emit_return(c);
        return;
    }
    uint32_t n = label_arity(b);
    if (c->h < b->height + n) {
        fail(c, "operand stack underflow");
        return;
    }
    flush(c);
    uint32_t from = c->h - n;
    size_t instr;
    if (n == 0 || from == b->height) {
        instr = emit_op(c, WOP_BR);
        size_t off = emit_u(c, 0);
        link_branch(c, b, instr, off, emit_u(c, 0));
    } else {
        instr = emit_op(c, WOP_BR_MOVE);
        size_t off = emit_u(c, 0);
        size_t cost = emit_u(c, 0);
        emit_u(c, n);
        emit_u(c, from);
        emit_u(c, b->height);
        link_branch(c, b, instr, off, cost);
    }
}

static bool read_blocktype(compiler *c, olw_reader *r, uint32_t *nparams, uint32_t *nresults)
{
    int64_t bt;
    if (!olw_read_sleb(r, 33, &bt))
        return false;
    if (bt == -64) {
        *nparams = *nresults = 0;
    } else if (bt < 0) {
        *nparams = 0;
        *nresults = 1;
    } else {
        if ((uint64_t)bt >= c->m->ntypes)
            return false;
        *nparams = c->m->types[bt].nparams;
        *nresults = c->m->types[bt].nresults;
    }
    return true;
}

/* ---- conditional branches ------------------------------------------------ */

/* Integer comparisons a conditional branch can absorb: the fused
 * instruction branching when the comparison holds, and when it fails. */
static const struct {
    uint16_t cmp, when_true, when_false;
} fusable[] = {
    {WOP_I32_EQZ, WOP_BR_UNLESS, WOP_BR_IF}, /* unary: tests its operand */
    {WOP_I32_EQ, WOP_BR_I32_EQ, WOP_BR_I32_NE},       {WOP_I32_NE, WOP_BR_I32_NE, WOP_BR_I32_EQ},
    {WOP_I32_LT_S, WOP_BR_I32_LT_S, WOP_BR_I32_GE_S}, {WOP_I32_LT_U, WOP_BR_I32_LT_U, WOP_BR_I32_GE_U},
    {WOP_I32_GT_S, WOP_BR_I32_GT_S, WOP_BR_I32_LE_S}, {WOP_I32_GT_U, WOP_BR_I32_GT_U, WOP_BR_I32_LE_U},
    {WOP_I32_LE_S, WOP_BR_I32_LE_S, WOP_BR_I32_GT_S}, {WOP_I32_LE_U, WOP_BR_I32_LE_U, WOP_BR_I32_GT_U},
    {WOP_I32_GE_S, WOP_BR_I32_GE_S, WOP_BR_I32_LT_S}, {WOP_I32_GE_U, WOP_BR_I32_GE_U, WOP_BR_I32_LT_U},
    {WOP_I64_EQ, WOP_BR_I64_EQ, WOP_BR_I64_NE},       {WOP_I64_NE, WOP_BR_I64_NE, WOP_BR_I64_EQ},
    {WOP_I64_LT_S, WOP_BR_I64_LT_S, WOP_BR_I64_GE_S}, {WOP_I64_LT_U, WOP_BR_I64_LT_U, WOP_BR_I64_GE_U},
    {WOP_I64_GT_S, WOP_BR_I64_GT_S, WOP_BR_I64_LE_S}, {WOP_I64_GT_U, WOP_BR_I64_GT_U, WOP_BR_I64_LE_U},
    {WOP_I64_LE_S, WOP_BR_I64_LE_S, WOP_BR_I64_GT_S}, {WOP_I64_LE_U, WOP_BR_I64_LE_U, WOP_BR_I64_GT_U},
    {WOP_I64_GE_S, WOP_BR_I64_GE_S, WOP_BR_I64_LT_S}, {WOP_I64_GE_U, WOP_BR_I64_GE_U, WOP_BR_I64_LT_U},
};

/* A branch condition: either a slot, or a comparison whose instruction was
 * taken back so the branch can perform it. */
typedef struct cond {
    int fused; /* index into fusable[], or -1 */
    uint32_t a, b;
} cond;

/* The condition popped from position `pos` with source `from`. When the
 * instruction just before computed it with a fusable comparison, that
 * instruction is removed (its cost stays counted: fuel counts wasm
 * instructions, not internal ones). */
static cond take_cond(compiler *c, size_t prod_cell, size_t prod_end, uint32_t pos, uint32_t from)
{
    cond k = {-1, from, 0};
    if (c->failed || prod_cell == SIZE_MAX || prod_end != c->ncode || from != pos || prod_cell == 0)
        return k;
    const olw_cell *ins = &c->code[prod_cell - 1];
    for (size_t i = 0; i < sizeof fusable / sizeof fusable[0]; i++) {
        if (ins[0].op != c->handlers[fusable[i].cmp])
            continue;
        k.fused = (int)i;
        k.a = (uint32_t)ins[2].u;
        k.b = i ? (uint32_t)ins[3].u : 0;
        rollback(c, prod_cell - 1);
        break;
    }
    return k;
}

/* Emits a branch taken when the condition is `when` (true or false);
 * returns the instruction's start and sets *off_cell to its offset cell.
 * The two cells after it are the costs charged when the branch is taken
 * (off_cell + 1, see link_branch) and when it falls through (off_cell + 2,
 * see edge_run). */
/* Where the last instruction emitted starts when it is an i32.add or
 * i64.add in the current run (a compare-and-branch right after it can take
 * it in: the add still writes its result, then the branch compares), else
 * SIZE_MAX. Called before the run is closed. */
static size_t add_before_branch(const compiler *c)
{
    size_t st = c->last_start;
    if (c->failed || st == SIZE_MAX || st < c->barrier || st + 4 != c->ncode)
        return SIZE_MAX;
    if (c->code[st].op != c->handlers[WOP_I32_ADD] && c->code[st].op != c->handlers[WOP_I64_ADD])
        return SIZE_MAX;
    return st;
}

static size_t emit_cond_branch(compiler *c, cond k, bool when, size_t *off_cell, size_t add)
{
    size_t instr;
    bool wide = k.fused > 10; /* fusable[11..20] compare i64 */
    if (add != SIZE_MAX && k.fused > 0 && !c->failed &&
        c->code[add].op == c->handlers[wide ? WOP_I64_ADD : WOP_I32_ADD]) {
        /* ADD_BR_*: dst x y (the add), then a b off taken fall */
        uint64_t dst = c->code[add + 1].u, x = c->code[add + 2].u, y = c->code[add + 3].u;
        uint16_t op = when ? fusable[k.fused].when_true : fusable[k.fused].when_false;
        rollback(c, add);
        instr = emit_op(c, (enum olw_internal_op)(op - WOP_BR_I32_EQ + WOP_ADD_BR_I32_EQ));
        emit_u(c, dst);
        emit_u(c, x);
        emit_u(c, y);
        emit_u(c, k.a);
        emit_u(c, k.b);
    } else if (k.fused < 0) {
        instr = emit_op(c, when ? WOP_BR_IF : WOP_BR_UNLESS);
        emit_u(c, k.a);
    } else {
        uint16_t op = when ? fusable[k.fused].when_true : fusable[k.fused].when_false;
        instr = emit_op(c, (enum olw_internal_op)op);
        emit_u(c, k.a);
        if (k.fused > 0)
            emit_u(c, k.b);
    }
    *off_cell = emit_u(c, 0);
    emit_u(c, 0);
    emit_u(c, 0);
    return instr;
}

bool olw_compile_enter_func(compiler *c, uint32_t nresults)
{
    if (!push_ctl(c, CTL_FUNC, 0, nresults))
        return false;
    /* Cell 0 is the cost of the first run, charged by the call. */
    new_chain(c);
    charge_add(c, emit_u(c, 0));
    return true;
}

bool olw_compile_control(compiler *c, olw_reader *r, const instruction *in, bool *done)
{
    const struct olw_module *m = c->m;
    uint8_t opcode = in->opcode;
    bool live = in->live;
    size_t prod_cell = in->prod_cell, prod_end = in->prod_end;
    switch (in->opcode) {
    case OLW_OPC_UNREACHABLE:
        if (live) {
            emit_op(c, WOP_UNREACHABLE);
            close_run(c);
            go_dead(c);
        }
        break;
    case OLW_OPC_NOP: break;
    case OLW_OPC_BLOCK:
    case OLW_OPC_LOOP:
    case OLW_OPC_IF: {
        uint32_t np, nr;
        READ(read_blocktype(c, r, &np, &nr));
        if (!live) {
            push_ctl(c, opcode == OLW_OPC_LOOP ? CTL_LOOP : opcode == OLW_OPC_IF ? CTL_IF : CTL_BLOCK, 0, 0);
            break;
        }
        if (opcode == OLW_OPC_BLOCK) {
            if (c->h < c->stack_base + np)
                return fail(c, "operand stack underflow"), false;
            push_ctl(c, CTL_BLOCK, np, nr);
        } else if (opcode == OLW_OPC_LOOP) {
            if (c->h < c->stack_base + np)
                return fail(c, "operand stack underflow"), false;
            /* The head run merges with the run before, unless that run is
             * itself the head run of an open loop (see the fuel runs). */
            bool own_fuel = c->head_ctl != NO_CTL;
            close_run(c);
            ctl *b = push_ctl(c, CTL_LOOP, np, nr);
            if (own_fuel)
                fuel_run(c);
            if (b) {
                b->loop_head = c->ncode;
                c->head_ctl = (size_t)(b - c->ctls);
            }
        } else {
            uint32_t pos = pop(c, 1);
            cond k = take_cond(c, prod_cell, prod_end, pos, src(c, pos));
            if (c->h < c->stack_base + np)
                return fail(c, "operand stack underflow"), false;
            ctl *b = push_ctl(c, CTL_IF, np, nr); /* flushes */
            size_t add = add_before_branch(c);
            close_run(c);
            size_t off;
            size_t instr = emit_cond_branch(c, k, false, &off, add);
            if (b) {
                b->else_instr = instr;
                b->else_cell = off;
                b->else_cost = off + 1;
            }
            edge_run(c, off + 2); /* the `then` part */
        }
        break;
    }
    case OLW_OPC_ELSE: {
        ctl *b = label(c, 0);
        if (!b || b->kind != CTL_IF)
            return fail(c, "else without if"), false;
        b->kind = CTL_ELSE;
        if (b->dead_entry)
            break;
        if (live) {
            flush(c);
            close_run(c);
            size_t instr = emit_op(c, WOP_BR);
            size_t off = emit_u(c, 0);
            link_branch(c, b, instr, off, emit_u(c, 0));
        }
        if (!c->failed)
            c->code[b->else_cell].i = (int64_t)c->ncode - (int64_t)b->else_instr;
        b->else_instr = SIZE_MAX;
        set_height(c, b->height, b->nparams);
        c->dead = false;
        edge_run(c, b->else_cost); /* charged when the `if` branches here */
        break;
    }
    case OLW_OPC_END: {
        ctl *b = label(c, 0);
        if (!b)
            return false;
        if (b->dead_entry) {
            c->nctl--;
            break;
        }
        if (b->kind == CTL_FUNC) {
            if (live) {
                close_run(c);
                emit_return(c);
            }
            *done = true;
            c->nctl--;
            break;
        }
        if (b->kind == CTL_LOOP) {
            /* Nothing branches to a loop's end: the current run continues. */
            if (live) {
                c->h = b->height + b->nresults;
                trim_virtual(c);
            } else {
                set_height(c, b->height, b->nresults);
            }
            if (c->head_ctl == c->nctl - 1)
                c->head_ctl = NO_CTL; /* no more back edges: the run may merge on */
            c->nctl--;
            break;
        }
        if (live)
            flush(c);
        enter_label(c, c->nctl - 1, live);
        set_height(c, b->height, b->nresults);
        c->nctl--;
        c->dead = false;
        break;
    }
    case OLW_OPC_BR: {
        uint32_t depth;
        READ(olw_read_u32(r, &depth));
        if (!live)
            break;
        emit_br(c, depth);
        close_run(c);
        go_dead(c);
        break;
    }
    case OLW_OPC_BR_IF: {
        uint32_t depth;
        READ(olw_read_u32(r, &depth));
        if (!live)
            break;
        uint32_t pos = pop(c, 1);
        cond k = take_cond(c, prod_cell, prod_end, pos, src(c, pos));
        ctl *b = label(c, depth);
        if (!b)
            return false;
        flush(c);
        size_t add = add_before_branch(c);
        close_run(c);
        uint32_t n = label_arity(b);
        if (c->h < b->height + n && b->kind != CTL_FUNC)
            return fail(c, "operand stack underflow"), false;
        if (b->kind != CTL_FUNC && (n == 0 || c->h - n == b->height)) {
            size_t off;
            size_t instr = emit_cond_branch(c, k, true, &off, add);
            link_branch(c, b, instr, off, off + 1);
            edge_run(c, off + 2);
        } else {
            /* branch around the value moves (or the return); the run after
             * is charged when the skip is taken, the moves cost nothing */
            size_t off;
            size_t skip = emit_cond_branch(c, k, false, &off, add);
            emit_br(c, depth);
            if (!c->failed)
                c->code[off].i = (int64_t)c->ncode - (int64_t)skip;
            edge_run(c, off + 1);
        }
        break;
    }
    case OLW_OPC_BR_TABLE: {
        uint32_t count;
        READ(olw_read_u32(r, &count));
        if (count > olw_reader_left(r))
            return fail(c, "br_table too long"), false;
        uint32_t *depths = malloc(((size_t)count + 1) * sizeof *depths);
        if (!depths)
            return fail(c, "out of memory"), false;
        for (uint32_t i = 0; i <= count; i++) {
            if (!olw_read_u32(r, &depths[i])) {
                free(depths);
                return fail(c, "truncated br_table"), false;
            }
        }
        if (live) {
            uint32_t idx = src(c, pop(c, 1));
            ctl *def = label(c, depths[count]);
            uint32_t n = def ? label_arity(def) : 0;
            if (c->h < c->stack_base + n)
                fail(c, "operand stack underflow");
            uint32_t from = c->h - n;
            flush(c);
            close_run(c);
            /* Entries name distinct targets: a table of (off dst taken) per
             * distinct label, then one 32-bit target index per entry. So a
             * 1-byte entry costs 4 bytes of code, and a label gets one
             * pending branch per br_table, not one per entry. */
            if (!bt_reserve(c)) {
                free(depths);
                return fail(c, "out of memory"), false;
            }
            uint32_t ntargets = 0;
            for (uint32_t i = 0; i <= count && !c->failed; i++) {
                ctl *b = label(c, depths[i]);
                if (!b)
                    break;
                if (olw_load_interrupted(c->m, &c->ticks, c->err)) {
                    c->failed = true; /* err says interrupted */
                    break;
                }
                if (b->kind != CTL_FUNC && (label_arity(b) != n || b->height + n > c->h))
                    fail(c, "br_table arity mismatch");
                uint32_t *t = &c->bt_target[depths[i]];
                if (*t == NO_TARGET) {
                    c->bt_depths[ntargets] = depths[i];
                    *t = ntargets++;
                }
                depths[i] = *t;
            }
            size_t instr = emit_op(c, WOP_BR_TABLE);
            emit_u(c, idx);
            emit_u(c, count);
            emit_u(c, n);
            emit_u(c, from);
            emit_u(c, ntargets);
            size_t first = c->ncode;
            bool to_func = false;
            for (uint32_t t = 0; t < ntargets && !c->failed; t++) {
                ctl *b = label(c, c->bt_depths[t]);
                size_t off = emit_u(c, 0);
                emit_u(c, b->kind == CTL_FUNC ? from : b->height);
                size_t cost = emit_u(c, 0);
                if (b->kind == CTL_FUNC)
                    to_func = true;
                else
                    link_branch(c, b, instr, off, cost);
            }
            for (uint32_t i = 0; i <= count && !c->failed; i += 2) {
                uint32_t two[2] = {depths[i], i + 1 <= count ? depths[i + 1] : 0};
                olw_cell cell;
                memcpy(&cell, two, sizeof cell);
                emit_cell(c, cell);
            }
            if (to_func && !c->failed) {
                /* Targets that leave the function land on a shared return. */
                size_t ret = c->ncode;
                emit_return(c);
                for (uint32_t t = 0; t < ntargets && !c->failed; t++)
                    if (c->ctls[c->nctl - 1 - c->bt_depths[t]].kind == CTL_FUNC)
                        c->code[first + 3 * t].i = (int64_t)ret - (int64_t)instr;
            }
            for (uint32_t t = 0; t < ntargets; t++)
                c->bt_target[c->bt_depths[t]] = NO_TARGET;
            go_dead(c);
        }
        free(depths);
        break;
    }
    case OLW_OPC_RETURN:
        if (live) {
            emit_return(c);
            close_run(c);
            go_dead(c);
        }
        break;
    case OLW_OPC_CALL: {
        uint32_t f;
        READ(olw_read_u32(r, &f));
        CHECK_INDEX(f, m->nfuncs, "function");
        if (!live)
            break;
        const olw_functype *t = &m->types[m->func_type_index[f]];
        if (c->h < c->stack_base + t->nparams)
            return fail(c, "operand stack underflow"), false;
        materialize_from(c, c->h - t->nparams); /* arguments in their slots */
        uint32_t base = pop(c, t->nparams);
        close_run(c);
        if (f < m->nimported_funcs) {
            emit_op(c, WOP_CALL_FUNC);
            emit_u(c, f);
        } else {
            emit_op(c, WOP_CALL);
            emit_p(c, &m->compiled->funcs[f - m->nimported_funcs]);
        }
        emit_u(c, base);
        size_t cost = emit_u(c, 0);
        push(c, t->nresults);
        edge_run(c, cost);
        break;
    }
    case OLW_OPC_CALL_INDIRECT: {
        uint32_t type, table;
        READ(olw_read_u32(r, &type));
        READ(olw_read_u32(r, &table));
        CHECK_INDEX(type, m->ntypes, "type");
        CHECK_INDEX(table, m->ntables, "table");
        if (!live)
            break;
        const olw_functype *t = &m->types[type];
        uint32_t idx = src(c, pop(c, 1));
        if (c->h < c->stack_base + t->nparams)
            return fail(c, "operand stack underflow"), false;
        materialize_from(c, c->h - t->nparams);
        uint32_t base = pop(c, t->nparams);
        close_run(c);
        emit_op(c, WOP_CALL_INDIRECT);
        emit_u(c, table);
        emit_p(c, t);
        emit_u(c, base);
        emit_u(c, idx);
        size_t cost = emit_u(c, 0);
        push(c, t->nresults);
        edge_run(c, cost);
        break;
    }
    default: return fail(c, "unknown opcode"), false;
    }
    return true;
}
