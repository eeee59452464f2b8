/*
 * compile_internal.h — what the parts of the compiler share (internal to
 * src/wasm): the compiler's state, the emitter and operand-stack helpers
 * (static inline, so each part inlines them as the one file did), and one
 * entry point per instruction family. compile.c reads each instruction's
 * opcode and hands it to the part its family (opcodes.h) names:
 *
 *   compile_control.c   blocks, branches, calls, return; fuel runs
 *   compile_variable.c  drop, select, locals, globals
 *   compile_memory.c    loads, stores, memory.size, memory.grow
 *   compile_numeric.c   constants and numeric instructions (with fusion)
 *   compile_table.c     table.get/set, references, the 0xfc bulk operations
 */
#ifndef OUTLAYER_WASM_COMPILE_INTERNAL_H
#define OUTLAYER_WASM_COMPILE_INTERNAL_H

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
/* No current loop head run (compiler.head_ctl). */
#define NO_CTL SIZE_MAX

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

/* The instruction being compiled, as compile.c read it. */
typedef struct instruction {
    uint8_t opcode;
    bool live;        /* reachable: emit code (else only read the immediates) */
    size_t prod_cell; /* the producer of the top value before it (see produced) */
    size_t prod_end;
} instruction;

/* ---- the families (each returns false when it failed; c->err says why) -- */

bool olw_compile_control(compiler *c, olw_reader *r, const instruction *in, bool *done);
/* A function's outermost block and its first run (charged by the call). */
bool olw_compile_enter_func(compiler *c, uint32_t nresults);
bool olw_compile_variable(compiler *c, olw_reader *r, const instruction *in);
/* op: the load's or store's interpreter operation (unused for size, grow). */
bool olw_compile_memory(compiler *c, olw_reader *r, const instruction *in, uint16_t op, bool load);
bool olw_compile_const(compiler *c, olw_reader *r, const instruction *in);
/* A numeric instruction (or any of one or two operands and one result)
 * implemented by interpreter operation op. */
bool olw_compile_numeric(compiler *c, const instruction *in, uint16_t op, bool binary);
bool olw_compile_table(compiler *c, olw_reader *r, const instruction *in);
/* A 0xfc instruction other than the saturating truncations. */
bool olw_compile_bulk(compiler *c, olw_reader *r, const instruction *in, uint32_t sub);

/* ---- emitter and operand stack ------------------------------------------ */

static inline void fail(compiler *c, const char *what)
{
    if (!c->failed)
        olw_fail(c->err, OLW_ERR_INVALID, c->offset, "compile: %s", what);
    c->failed = true;
}

static inline bool grow(void **p, size_t *cap, size_t need, size_t elem)
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

static inline size_t emit_cell(compiler *c, olw_cell cell)
{
    if (!grow((void **)&c->code, &c->capcode, c->ncode + 1, sizeof *c->code)) {
        fail(c, "out of memory");
        return 0;
    }
    c->code[c->ncode] = cell;
    return c->ncode++;
}

static inline size_t emit_op(compiler *c, enum olw_internal_op op)
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
static inline void rollback(compiler *c, size_t start)
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

static inline size_t emit_u(compiler *c, uint64_t v)
{
    olw_cell cell = {.u = v};
    return emit_cell(c, cell);
}

static inline void emit_p(compiler *c, const void *p)
{
    olw_cell cell = {.p = p};
    emit_cell(c, cell);
}

/* ---- operand stack ------------------------------------------------------ */

/* Drops virtual entries at or above the current height. */
static inline void trim_virtual(compiler *c)
{
    while (c->nv && c->vpos[c->nv - 1] >= c->h)
        c->nv--;
}

/* Checks that k values are on the stack; returns the position of the lowest.
 * The sources of the popped positions stay readable through src(). */
static inline uint32_t pop(compiler *c, uint32_t k)
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
static inline uint32_t push(compiler *c, uint32_t k)
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
static inline void set_height(compiler *c, uint32_t base, uint32_t n)
{
    c->h = base;
    trim_virtual(c);
    push(c, n);
}

static inline uint32_t src(const compiler *c, uint32_t p) { return c->failed ? p : c->vs[p]; }

static inline void emit_copy(compiler *c, uint32_t dst, uint32_t from)
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
static inline void push_virtual(compiler *c, uint32_t from)
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
static inline void materialize_from(compiler *c, uint32_t from)
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

static inline void flush(compiler *c) { materialize_from(c, c->stack_base); }

static inline bool refs_local(const compiler *c, uint32_t x)
{
    for (uint32_t i = 0; i < c->nv; i++)
        if (c->vs[c->vpos[i]] == x)
            return true;
    return false;
}

/* Before local x changes: entries that read it get their own copy. */
static inline void materialize_local(compiler *c, uint32_t x)
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
static inline void go_dead(compiler *c)
{
    c->dead = true;
    c->nv = 0;
}

/* Marks the instruction just emitted, whose destination cell is `cell`, as
 * the producer of the top value (for local.set retargeting). */
static inline void produced(compiler *c, size_t cell)
{
    c->prod_cell = c->last_prod_cell = cell;
    c->prod_end = c->last_prod_end = c->ncode;
}

/* When the value at stack position p was computed by an `op` instruction
 * that is the last one emitted, with no label since, into p itself (read by
 * nothing else once p is popped): that instruction's start, which the
 * caller may take back and fold into the consumer. SIZE_MAX otherwise. */
static inline size_t fusable_producer(const compiler *c, uint32_t p, enum olw_internal_op op)
{
    if (c->failed || c->last_prod_cell == SIZE_MAX || c->last_prod_end != c->ncode || c->vs[p] != p)
        return SIZE_MAX;
    size_t start = c->last_prod_cell - 1;
    if (c->code[start].op != c->handlers[op] || c->code[c->last_prod_cell].u != p)
        return SIZE_MAX;
    return start;
}

/* Pushes a constant: a frame constant slot when there is room, else CONST. */
static inline void push_const(compiler *c, uint64_t v)
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

#endif
