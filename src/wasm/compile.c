/*
 * compile.c — translation of validated function bodies into the internal
 * register code that interp.c runs (format: compile.h, docs/engine.md).
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
#include <stdlib.h>
#include <string.h>

#include "wasm/compile.h"
#include "wasm/opcodes.h"
#include "wasm/reader.h"

enum ctl_kind { CTL_FUNC, CTL_BLOCK, CTL_LOOP, CTL_IF, CTL_ELSE };

typedef struct ctl {
    enum ctl_kind kind;
    bool dead_entry; /* opened inside unreachable code: nothing inside is emitted */
    uint32_t height; /* slot where the block's params start */
    uint32_t nparams, nresults;
    size_t loop_head;   /* CTL_LOOP: cell index of the head */
    uint32_t fix_head;  /* this label's pending branches: a list through fixup.next (NO_FIX ends) */
    size_t nfix;        /* its length */
    size_t else_instr;  /* CTL_IF: the branch to patch to the else part (SIZE_MAX: none) */
    size_t else_cell;   /* its offset cell */
    size_t else_cost;   /* its taken-cost cell */
    uint64_t head_cost; /* CTL_LOOP: cost of the run at the head, once head_known */
    bool head_known;
} ctl;

/* A branch to a block end not reached yet. Each label keeps its own list,
 * so reaching a label costs the branches to it, not every pending branch
 * (10,000 nested blocks around a 1,000,000-entry br_table made that
 * quadratic: 36 s to load 2 MB). */
typedef struct fixup {
    uint32_t next;  /* the label's next pending branch, NO_FIX ends */
    uint32_t cell;  /* offset cell to patch */
    uint32_t instr; /* start of the branching instruction */
    uint32_t cost;  /* its taken-cost cell */
} fixup;
/* 16 bytes per pending branch: cell indexes fit 32 bits (a function of 4 Gi
 * cells is refused in link_branch), and a br_table entry (one byte of wasm)
 * costs a fixup and 3 cells until its label is reached. */
#define NO_FIX UINT32_MAX
#define NO_TARGET UINT32_MAX

/* Virtual operand-stack entries tracked at once, and constants per function
 * kept in frame slots; past either bound values are materialised. */
#define VIRT_MAX 64
#define CONST_MAX 256

typedef struct compiler {
    const struct olw_module *m;
    const void *const *handlers;
    olw_error *err;
    size_t offset; /* of the current instruction, for messages */
    bool failed;

    olw_cell *code;
    size_t ncode, capcode;
    ctl *ctls;
    size_t nctl, capctl;
    /* br_table: target index of each control depth (NO_TARGET when unused;
     * reset after each br_table) and the distinct depths, in order. */
    uint32_t *bt_target;
    uint32_t *bt_depths;
    size_t capbt;
    fixup *fixups;
    uint32_t nfix;
    size_t capfix;
    uint32_t ticks; /* for olw_load_interrupted */

    uint32_t nlocals_total; /* params + declared locals */
    uint32_t stack_base;    /* first operand-stack slot (after locals and constants) */
    uint32_t h;             /* current height as a slot index */
    uint32_t max_h;
    bool dead;

    /* where each stack position's value is: vs[p] == p, a local, or a constant slot */
    uint32_t *vs;
    size_t capvs;
    uint32_t vpos[VIRT_MAX]; /* positions whose value is elsewhere, ascending */
    uint32_t nv;
    uint64_t consts[CONST_MAX];
    uint32_t nconsts, const_room;

    /* the instruction that produced the top value, if it was the last one emitted */
    size_t prod_cell, prod_end;
    /* the same, kept across instructions that emit no code, until a run ends
     * (a label may follow): for fusing it into a later consumer */
    size_t last_prod_cell, last_prod_end;
    /* starts of the last two instructions emitted (SIZE_MAX: unknown), and
     * the first cell after the last run boundary: for peepholes */
    size_t last_start, prev_start, barrier;
    /* every instruction emitted: its start and op (for pair_instructions) */
    size_t *starts;
    uint16_t *start_ops;
    size_t nstarts, capstarts, capstart_ops;
    /* pair_table entries by first op: a list through pair_next (-1 ends) */
    int16_t pair_first[WOP_COUNT];
    int16_t pair_next[128];

    bool metering;
    /* the cells that charge the current run (see close_run) */
    size_t *charge;
    size_t ncharge, capcharge;
    uint64_t run_cost;
    size_t head_ctl; /* the loop whose head run is the current run, SIZE_MAX if none */
} compiler;

static void fail(compiler *c, const char *what)
{
    if (!c->failed)
        olw_fail(c->err, OLW_ERR_INVALID, c->offset, "compile: %s", what);
    c->failed = true;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

static size_t emit_cell(compiler *c, olw_cell cell)
{
    if (!grow((void **)&c->code, &c->capcode, c->ncode + 1, sizeof *c->code)) {
        fail(c, "out of memory");
        return 0;
    }
    c->code[c->ncode] = cell;
    return c->ncode++;
}

static size_t emit_op(compiler *c, enum olw_internal_op op)
{
    olw_cell cell = {.op = c->handlers[op]};
    c->prev_start = c->last_start;
    c->last_start = c->ncode;
    if (!grow((void **)&c->starts, &c->capstarts, c->nstarts + 1, sizeof *c->starts) ||
        !grow((void **)&c->start_ops, &c->capstart_ops, c->nstarts + 1, sizeof *c->start_ops)) {
        fail(c, "out of memory");
        return 0;
    }
    c->starts[c->nstarts] = c->ncode;
    c->start_ops[c->nstarts++] = (uint16_t)op;
    return emit_cell(c, cell);
}

/* Takes back the instructions from cell `start` on (a peephole replaces
 * them); start is the start of the last instruction emitted. */
static void rollback(compiler *c, size_t start)
{
    c->ncode = start;
    while (c->nstarts && c->starts[c->nstarts - 1] >= start)
        c->nstarts--;
    if (c->last_start != SIZE_MAX && c->last_start >= start) {
        c->last_start = c->prev_start;
        c->prev_start = SIZE_MAX;
        if (c->last_start != SIZE_MAX && c->last_start >= start)
            c->last_start = SIZE_MAX;
    }
}

static size_t emit_u(compiler *c, uint64_t v)
{
    olw_cell cell = {.u = v};
    return emit_cell(c, cell);
}

static void emit_p(compiler *c, const void *p)
{
    olw_cell cell = {.p = p};
    emit_cell(c, cell);
}

/* ---- operand stack ------------------------------------------------------ */

/* Drops virtual entries at or above the current height. */
static void trim_virtual(compiler *c)
{
    while (c->nv && c->vpos[c->nv - 1] >= c->h)
        c->nv--;
}

/* Checks that k values are on the stack; returns the position of the lowest.
 * The sources of the popped positions stay readable through src(). */
static uint32_t pop(compiler *c, uint32_t k)
{
    if (c->h < c->stack_base + k) {
        fail(c, "operand stack underflow");
        return c->h;
    }
    c->h -= k;
    trim_virtual(c);
    return c->h;
}

/* Pushes k values that will be written to their own positions. */
static uint32_t push(compiler *c, uint32_t k)
{
    uint32_t slot = c->h;
    if (!grow((void **)&c->vs, &c->capvs, (size_t)c->h + k, sizeof *c->vs)) {
        fail(c, "out of memory");
        return slot;
    }
    for (uint32_t i = 0; i < k; i++)
        c->vs[slot + i] = slot + i;
    c->h += k;
    if (c->h > c->max_h)
        c->max_h = c->h;
    return slot;
}

/* At a label: the stack is `base` plus n values, each in its own slot. */
static void set_height(compiler *c, uint32_t base, uint32_t n)
{
    c->h = base;
    trim_virtual(c);
    push(c, n);
}

static uint32_t src(const compiler *c, uint32_t p) { return c->failed ? p : c->vs[p]; }

static void emit_copy(compiler *c, uint32_t dst, uint32_t from)
{
    /* Copies come in series (a loop rotating its variables, the arguments
     * of a call): two in a row, with no label between, are one COPY2. */
    size_t st = c->last_start;
    if (!c->failed && st != SIZE_MAX && st >= c->barrier && st + 3 == c->ncode &&
        c->code[st].op == c->handlers[WOP_COPY]) {
        c->code[st].op = c->handlers[WOP_COPY2];
        if (c->nstarts && c->starts[c->nstarts - 1] == st)
            c->start_ops[c->nstarts - 1] = WOP_COPY2;
        emit_u(c, dst);
        emit_u(c, from);
        return;
    }
    emit_op(c, WOP_COPY);
    emit_u(c, dst);
    emit_u(c, from);
}

/* Pushes a value that lives in slot `from` (a local or a constant). */
static void push_virtual(compiler *c, uint32_t from)
{
    uint32_t p = push(c, 1);
    if (c->failed)
        return;
    if (c->nv == VIRT_MAX) {
        emit_copy(c, p, from);
        return;
    }
    c->vs[p] = from;
    c->vpos[c->nv++] = p;
}

/* Copies every virtual entry at position >= from into its own slot. */
static void materialize_from(compiler *c, uint32_t from)
{
    uint32_t keep = c->nv;
    while (keep && c->vpos[keep - 1] >= from)
        keep--;
    for (uint32_t i = keep; i < c->nv; i++) {
        uint32_t p = c->vpos[i];
        emit_copy(c, p, c->vs[p]);
        c->vs[p] = p;
    }
    c->nv = keep;
}

static void flush(compiler *c) { materialize_from(c, c->stack_base); }

static bool refs_local(const compiler *c, uint32_t x)
{
    for (uint32_t i = 0; i < c->nv; i++)
        if (c->vs[c->vpos[i]] == x)
            return true;
    return false;
}

/* Before local x changes: entries that read it get their own copy. */
static void materialize_local(compiler *c, uint32_t x)
{
    uint32_t keep = 0;
    for (uint32_t i = 0; i < c->nv; i++) {
        uint32_t p = c->vpos[i];
        if (c->vs[p] == x) {
            emit_copy(c, p, x);
            c->vs[p] = p;
        } else {
            c->vpos[keep++] = p;
        }
    }
    c->nv = keep;
}

/* After an unconditional branch: nothing is tracked in unreachable code
 * (every value below the innermost block was materialised at its entry). */
static void go_dead(compiler *c)
{
    c->dead = true;
    c->nv = 0;
}

/* Marks the instruction just emitted, whose destination cell is `cell`, as
 * the producer of the top value (for local.set retargeting). */
static void produced(compiler *c, size_t cell)
{
    c->prod_cell = c->last_prod_cell = cell;
    c->prod_end = c->last_prod_end = c->ncode;
}

/* When the value at stack position p was computed by an `op` instruction
 * that is the last one emitted, with no label since, into p itself (read by
 * nothing else once p is popped): that instruction's start, which the
 * caller may take back and fold into the consumer. SIZE_MAX otherwise. */
static size_t fusable_producer(const compiler *c, uint32_t p, enum olw_internal_op op)
{
    if (c->failed || c->last_prod_cell == SIZE_MAX || c->last_prod_end != c->ncode || c->vs[p] != p)
        return SIZE_MAX;
    size_t start = c->last_prod_cell - 1;
    if (c->code[start].op != c->handlers[op] || c->code[c->last_prod_cell].u != p)
        return SIZE_MAX;
    return start;
}

/* Pushes a constant: a frame constant slot when there is room, else CONST. */
static void push_const(compiler *c, uint64_t v)
{
    uint32_t k;
    for (k = 0; k < c->nconsts; k++)
        if (c->consts[k] == v)
            break;
    if (k == c->nconsts && c->nconsts < c->const_room)
        c->consts[c->nconsts++] = v;
    if (k < c->nconsts) {
        push_virtual(c, c->nlocals_total + k);
        return;
    }
    emit_op(c, WOP_CONST);
    size_t cell = emit_u(c, push(c, 1));
    emit_u(c, v);
    produced(c, cell);
}

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
#define NO_CTL SIZE_MAX

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

static void emit_unary(compiler *c, uint16_t op)
{
    uint32_t a = pop(c, 1);
    uint32_t sa = src(c, a);
    push(c, 1);
    emit_op(c, (enum olw_internal_op)op);
    size_t cell = emit_u(c, a);
    emit_u(c, sa);
    produced(c, cell);
}

/* i32.add of a value just computed by i32.add or i32.shl, and another:
 * one instruction `I32_ADD3 dst x y z` (x + y + z) or `I32_SHL_ADD dst x k
 * z` ((x << k) + z), the common shapes of address arithmetic. */
static bool fuse_add(compiler *c, uint32_t a, uint32_t sa, uint32_t sb)
{
    for (uint32_t side = 0; side < 2; side++) {
        uint32_t p = a + side, other = side ? sa : sb;
        if ((side ? sb : sa) != p)
            continue;
        size_t start = fusable_producer(c, p, WOP_I32_ADD);
        enum olw_internal_op op = WOP_I32_ADD3;
        if (start == SIZE_MAX) {
            start = fusable_producer(c, p, WOP_I32_SHL);
            op = WOP_I32_SHL_ADD;
        }
        if (start == SIZE_MAX)
            continue;
        uint64_t x = c->code[start + 2].u, y = c->code[start + 3].u;
        rollback(c, start);
        push(c, 1);
        emit_op(c, op);
        size_t cell = emit_u(c, a);
        emit_u(c, x);
        emit_u(c, y);
        emit_u(c, other);
        produced(c, cell);
        return true;
    }
    return false;
}

/* f64.add or f64.sub of a product just computed, and another value: one
 * instruction `dst x y z`, computing x * y then adding or subtracting z
 * (or subtracting from z) with the same two roundings as the pair. */
static bool fuse_mul(compiler *c, uint16_t op, uint32_t a, uint32_t sa, uint32_t sb)
{
    static const uint16_t fused[2][2] = {{WOP_F64_MUL_ADD, WOP_F64_ADD_MUL}, {WOP_F64_MUL_SUB, WOP_F64_SUB_MUL}};
    for (uint32_t side = 0; side < 2; side++) {
        uint32_t p = a + side;
        if ((side ? sb : sa) != p)
            continue;
        size_t start = fusable_producer(c, p, WOP_F64_MUL);
        if (start == SIZE_MAX)
            continue;
        uint64_t x = c->code[start + 2].u, y = c->code[start + 3].u;
        rollback(c, start);
        push(c, 1);
        emit_op(c, (enum olw_internal_op)fused[op == WOP_F64_SUB][side]);
        size_t cell = emit_u(c, a);
        emit_u(c, x);
        emit_u(c, y);
        emit_u(c, side ? sa : sb);
        produced(c, cell);
        return true;
    }
    return false;
}

static void emit_binary(compiler *c, uint16_t op)
{
    uint32_t a = pop(c, 2);
    uint32_t sa = src(c, a), sb = src(c, a + 1);
    if (op == WOP_I32_ADD && fuse_add(c, a, sa, sb))
        return;
    if ((op == WOP_F64_ADD || op == WOP_F64_SUB) && fuse_mul(c, op, a, sa, sb))
        return;
    push(c, 1);
    emit_op(c, (enum olw_internal_op)op);
    size_t cell = emit_u(c, a);
    emit_u(c, sa);
    emit_u(c, sb);
    produced(c, cell);
}

/* The same with the address computed by an i32.add fused in: `dst x y
 * offset` reads address x + y (wrapping at 32 bits, as the add would). */
static uint16_t with_add(uint16_t op)
{
    switch (op) {
#define ADD_FORM(name) \
    case WOP_##name: return WOP_##name##_ADD;
        ADD_FORM(LOAD32)
        ADD_FORM(LOAD64)
        ADD_FORM(LOAD8_S32)
        ADD_FORM(LOAD8_U32)
        ADD_FORM(LOAD16_S32)
        ADD_FORM(LOAD16_U32)
        ADD_FORM(LOAD8_S64)
        ADD_FORM(LOAD16_S64)
        ADD_FORM(LOAD32_S64)
        ADD_FORM(STORE32)
        ADD_FORM(STORE64)
        ADD_FORM(STORE8)
        ADD_FORM(STORE16)
#undef ADD_FORM
    default: return op;
    }
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

/* ---- the body ----------------------------------------------------------- */

#define READ(expr)                                         \
    do {                                                   \
        if (!(expr)) {                                     \
            fail(c, "truncated or malformed instruction"); \
            return false;                                  \
        }                                                  \
    } while (0)

#define CHECK_INDEX(v, bound, what)              \
    do {                                         \
        if ((v) >= (bound)) {                    \
            fail(c, what " index out of range"); \
            return false;                        \
        }                                        \
    } while (0)

/* Compiles one instruction; *done is set at the function's final `end`. */
static bool compile_instr(compiler *c, olw_reader *r, bool *done)
{
    const struct olw_module *m = c->m;
    uint8_t opcode;
    c->offset = olw_reader_offset(r);
    READ(olw_read_u8(r, &opcode));
    bool live = !c->dead;
    size_t prod_cell = c->prod_cell, prod_end = c->prod_end;
    c->prod_cell = SIZE_MAX;
    /* Every instruction except the `end` and `else` delimiters costs 1. */
    if (live && opcode != OLW_OPC_END && opcode != OLW_OPC_ELSE && c->metering)
        c->run_cost++;

    switch (opcode) {
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
    case OLW_OPC_DROP:
        if (live)
            pop(c, 1);
        break;
    case OLW_OPC_SELECT:
    case OLW_OPC_SELECT_T: { /* select t* */
        if (opcode == OLW_OPC_SELECT_T) {
            uint32_t n;
            uint8_t t;
            READ(olw_read_u32(r, &n));
            for (uint32_t i = 0; i < n; i++)
                READ(olw_read_u8(r, &t));
        }
        if (!live)
            break;
        uint32_t a = pop(c, 3);
        uint32_t s1 = src(c, a), s2 = src(c, a + 1), s3 = src(c, a + 2);
        push(c, 1);
        emit_op(c, WOP_SELECT);
        size_t cell = emit_u(c, a);
        emit_u(c, s1);
        emit_u(c, s2);
        emit_u(c, s3);
        produced(c, cell);
        break;
    }
    case OLW_OPC_LOCAL_GET:
    case OLW_OPC_LOCAL_SET:
    case OLW_OPC_LOCAL_TEE: {
        uint32_t x;
        READ(olw_read_u32(r, &x));
        CHECK_INDEX(x, c->nlocals_total, "local");
        if (!live)
            break;
        if (opcode == OLW_OPC_LOCAL_GET) {
            push_virtual(c, x);
            break;
        }
        uint32_t p = pop(c, 1);
        uint32_t from = src(c, p);
        bool tee = opcode == OLW_OPC_LOCAL_TEE;
        if (from == x) { /* local.set x (local.get x) */
            if (tee)
                push_virtual(c, x);
            break;
        }
        if (prod_cell != SIZE_MAX && prod_end == c->ncode && from == p && !refs_local(c, x) && !c->failed) {
            /* the previous instruction writes the local directly */
            c->code[prod_cell].u = x;
            if (tee)
                push_virtual(c, x);
            break;
        }
        materialize_local(c, x);
        emit_copy(c, x, from);
        if (tee)
            push_virtual(c, x);
        break;
    }
    case OLW_OPC_GLOBAL_GET:
    case OLW_OPC_GLOBAL_SET: {
        uint32_t x;
        READ(olw_read_u32(r, &x));
        CHECK_INDEX(x, m->nglobals, "global");
        if (!live)
            break;
        if (opcode == OLW_OPC_GLOBAL_GET) {
            uint32_t dst = push(c, 1);
            emit_op(c, WOP_GLOBAL_GET);
            size_t cell = emit_u(c, dst);
            emit_u(c, x);
            produced(c, cell);
        } else {
            uint32_t from = src(c, pop(c, 1));
            emit_op(c, WOP_GLOBAL_SET);
            emit_u(c, x);
            emit_u(c, from);
        }
        break;
    }
    case OLW_OPC_TABLE_GET:
    case OLW_OPC_TABLE_SET: {
        uint32_t t;
        READ(olw_read_u32(r, &t));
        CHECK_INDEX(t, m->ntables, "table");
        if (!live)
            break;
        if (opcode == OLW_OPC_TABLE_GET) {
            uint32_t i = pop(c, 1);
            uint32_t si = src(c, i);
            push(c, 1);
            emit_op(c, WOP_TABLE_GET);
            size_t cell = emit_u(c, i);
            emit_u(c, si);
            emit_u(c, t);
            produced(c, cell);
        } else {
            uint32_t i = pop(c, 2);
            emit_op(c, WOP_TABLE_SET);
            emit_u(c, t);
            emit_u(c, src(c, i));
            emit_u(c, src(c, i + 1));
        }
        break;
    }
    case OLW_OPC_MEMORY_SIZE:
    case OLW_OPC_MEMORY_GROW: {
        uint8_t zero;
        READ(olw_read_u8(r, &zero));
        if (!live)
            break;
        if (m->nmemories == 0)
            return fail(c, "memory instruction without a memory"), false;
        if (opcode == OLW_OPC_MEMORY_SIZE) {
            emit_op(c, WOP_MEMORY_SIZE);
            produced(c, emit_u(c, push(c, 1)));
        } else {
            materialize_from(c, c->h - 1); /* grows in place */
            uint32_t n = pop(c, 1);
            push(c, 1);
            emit_op(c, WOP_MEMORY_GROW);
            emit_u(c, n);
        }
        break;
    }
    case OLW_OPC_I32_CONST:
    case OLW_OPC_I64_CONST:
    case OLW_OPC_F32_CONST:
    case OLW_OPC_F64_CONST: {
        uint64_t v = 0;
        if (opcode == OLW_OPC_I32_CONST) {
            int32_t x;
            READ(olw_read_i32(r, &x));
            v = (uint32_t)x;
        } else if (opcode == OLW_OPC_I64_CONST) {
            int64_t x;
            READ(olw_read_i64(r, &x));
            v = (uint64_t)x;
        } else if (opcode == OLW_OPC_F32_CONST) {
            uint32_t x;
            READ(olw_read_f32_bits(r, &x));
            v = x;
        } else {
            READ(olw_read_f64_bits(r, &v));
        }
        if (live)
            push_const(c, v);
        break;
    }
    case OLW_OPC_REF_NULL: { /* ref.null t */
        uint8_t t;
        READ(olw_read_u8(r, &t));
        if (live)
            push_const(c, 0);
        break;
    }
    case OLW_OPC_REF_IS_NULL:
        if (live)
            emit_unary(c, WOP_REF_IS_NULL);
        break;
    case OLW_OPC_REF_FUNC: {
        uint32_t f;
        READ(olw_read_u32(r, &f));
        CHECK_INDEX(f, m->nfuncs, "function");
        if (!live)
            break;
        emit_op(c, WOP_REF_FUNC);
        size_t cell = emit_u(c, push(c, 1));
        emit_u(c, f);
        produced(c, cell);
        break;
    }
    case OLW_OPC_PREFIX_FC: {
        uint32_t sub, a = 0, b = 0;
        READ(olw_read_u32(r, &sub));
        if (sub <= OLW_OPC_FC_I64_TRUNC_SAT_F64_U) {
            if (live)
                emit_unary(c, fc_codes[sub]);
            break;
        }
        switch (sub) {
        case OLW_OPC_FC_MEMORY_INIT: /* memory.init seg 0 */
        case OLW_OPC_FC_TABLE_INIT:  /* table.init elem table */
        case OLW_OPC_FC_TABLE_COPY:  /* table.copy dst src */
        case OLW_OPC_FC_MEMORY_COPY: /* memory.copy 0 0 */
            READ(olw_read_u32(r, &a));
            READ(olw_read_u32(r, &b));
            break;
        case OLW_OPC_FC_DATA_DROP:
        case OLW_OPC_FC_MEMORY_FILL:
        case OLW_OPC_FC_ELEM_DROP:
        case OLW_OPC_FC_TABLE_GROW:
        case OLW_OPC_FC_TABLE_SIZE:
        case OLW_OPC_FC_TABLE_FILL: READ(olw_read_u32(r, &a)); break;
        default: return fail(c, "unknown 0xfc instruction"), false;
        }
        if (sub == OLW_OPC_FC_MEMORY_INIT || sub == OLW_OPC_FC_DATA_DROP)
            CHECK_INDEX(a, m->ndatas, "data segment");
        if (sub == OLW_OPC_FC_TABLE_INIT || sub == OLW_OPC_FC_ELEM_DROP)
            CHECK_INDEX(a, m->nelems, "element segment");
        if (sub == OLW_OPC_FC_TABLE_INIT)
            CHECK_INDEX(b, m->ntables, "table");
        if (sub == OLW_OPC_FC_TABLE_COPY) {
            CHECK_INDEX(a, m->ntables, "table");
            CHECK_INDEX(b, m->ntables, "table");
        }
        if (sub >= OLW_OPC_FC_TABLE_GROW)
            CHECK_INDEX(a, m->ntables, "table");
        if (olw_fc_opcodes[sub].family == OLW_FAM_MEMORY && sub != OLW_OPC_FC_DATA_DROP && m->nmemories == 0)
            return fail(c, "memory instruction without a memory"), false;
        if (!live)
            break;
        uint32_t s = 0;
        switch (sub) {
        case OLW_OPC_FC_MEMORY_INIT:
            s = pop(c, 3);
            emit_op(c, WOP_MEMORY_INIT);
            emit_u(c, a);
            break;
        case OLW_OPC_FC_DATA_DROP:
            emit_op(c, WOP_DATA_DROP);
            emit_u(c, a);
            return true;
        case OLW_OPC_FC_MEMORY_COPY:
            s = pop(c, 3);
            emit_op(c, WOP_MEMORY_COPY);
            break;
        case OLW_OPC_FC_MEMORY_FILL:
            s = pop(c, 3);
            emit_op(c, WOP_MEMORY_FILL);
            break;
        case OLW_OPC_FC_TABLE_INIT:
            s = pop(c, 3);
            emit_op(c, WOP_TABLE_INIT);
            emit_u(c, b);
            emit_u(c, a);
            break;
        case OLW_OPC_FC_ELEM_DROP:
            emit_op(c, WOP_ELEM_DROP);
            emit_u(c, a);
            return true;
        case OLW_OPC_FC_TABLE_COPY:
            s = pop(c, 3);
            emit_op(c, WOP_TABLE_COPY);
            emit_u(c, a);
            emit_u(c, b);
            break;
        case OLW_OPC_FC_TABLE_GROW:
            materialize_from(c, c->h - 2); /* grows in place */
            s = pop(c, 2);
            push(c, 1);
            emit_op(c, WOP_TABLE_GROW);
            emit_u(c, s);
            emit_u(c, a);
            emit_u(c, s + 1);
            return true;
        case OLW_OPC_FC_TABLE_SIZE: {
            emit_op(c, WOP_TABLE_SIZE);
            size_t cell = emit_u(c, push(c, 1));
            emit_u(c, a);
            produced(c, cell);
            return true;
        }
        default: /* table.fill */
            s = pop(c, 3);
            emit_op(c, WOP_TABLE_FILL);
            emit_u(c, a);
            break;
        }
        emit_u(c, src(c, s));
        emit_u(c, src(c, s + 1));
        emit_u(c, src(c, s + 2));
        break;
    }
    default: {
        const opcode_code *oc = &opcode_codes[opcode];
        if (oc->family == OLW_FAM_MEMORY) { /* loads and stores (memory.size and .grow have cases) */
            uint32_t align, offset;
            READ(olw_read_u32(r, &align));
            READ(olw_read_u32(r, &offset));
            if (!live)
                break;
            if (m->nmemories == 0)
                return fail(c, "memory instruction without a memory"), false;
            if (oc->load) {
                uint32_t a = pop(c, 1);
                uint32_t sa = src(c, a);
                uint16_t op = oc->op;
                size_t add = fusable_producer(c, a, WOP_I32_ADD);
                uint64_t x = 0, y = 0;
                if (add != SIZE_MAX) {
                    x = c->code[add + 2].u;
                    y = c->code[add + 3].u;
                    rollback(c, add);
                }
                push(c, 1);
                emit_op(c, (enum olw_internal_op)(add != SIZE_MAX ? with_add(op) : op));
                size_t cell = emit_u(c, a);
                if (add != SIZE_MAX) {
                    emit_u(c, x);
                    emit_u(c, y);
                } else {
                    emit_u(c, sa);
                }
                emit_u(c, offset);
                produced(c, cell);
            } else {
                uint32_t a = pop(c, 2);
                uint16_t op = oc->op;
                uint32_t sv = src(c, a + 1);
                size_t add = fusable_producer(c, a, WOP_I32_ADD);
                if (add != SIZE_MAX) {
                    uint64_t x = c->code[add + 2].u, y = c->code[add + 3].u;
                    rollback(c, add);
                    emit_op(c, (enum olw_internal_op)with_add(op));
                    emit_u(c, x);
                    emit_u(c, y);
                } else {
                    emit_op(c, (enum olw_internal_op)op);
                    emit_u(c, src(c, a));
                }
                emit_u(c, sv);
                emit_u(c, offset);
            }
            break;
        }
        if (oc->family == OLW_FAM_REINTERPRET) /* the slot already holds the bits */
            break;
        if (oc->family == OLW_FAM_NUMERIC) {
            if (!live)
                break;
            if (oc->binary)
                emit_binary(c, oc->op);
            else
                emit_unary(c, oc->op);
            break;
        }
        return fail(c, "unknown opcode"), false;
    }
    }
    return !c->failed;
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
    ctl *f = push_ctl(c, CTL_FUNC, 0, t->nresults);
    if (!f)
        return false;
    /* Cell 0 is the cost of the first run, charged by the call. */
    new_chain(c);
    charge_add(c, emit_u(c, 0));

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
