/*
 * jit_compile.c — translates a module's internal code (compile.h) into
 * x86-64 machine code (see jit.h for the register conventions).
 *
 * Per function: a pass marking branch targets, then one pass over its
 * instructions, one template each (jit_templates.c), then the branches
 * resolved. Per module: the entry trampoline and trap exits first, the
 * functions after, direct calls resolved at the end, and the code made
 * read+execute.
 */
#include <sys/mman.h>

#include "wasm/interp_ops.h" /* the instruction lists, for lengths */
#include "wasm/jit_internal.h"

static int cmp_handler(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const handler_entry *)a)->h, y = (uintptr_t)((const handler_entry *)b)->h;
    return x < y ? -1 : x > y;
}

/* A pair handler A__B stands for A (B's cells follow, with B's handler). */
static const uint16_t pair_first_op[] = {
#define PAIR_FIRST(a, b) WOP_##a,
    OLW_PAIRS(PAIR_FIRST)
#undef PAIR_FIRST
};

static void build_handler_map(jc *c)
{
    const void *const *h = olw_interp_handlers();
    for (uint16_t op = 0; op < WOP_COUNT; op++) {
        c->hmap[op].h = h[op];
        c->hmap[op].op = op;
        /* the pairs come after the plain ops in enum order */
        if (op >= WOP_COUNT - sizeof pair_first_op / sizeof pair_first_op[0])
            c->hmap[op].op = pair_first_op[op - (WOP_COUNT - sizeof pair_first_op / sizeof pair_first_op[0])];
    }
    qsort(c->hmap, WOP_COUNT, sizeof c->hmap[0], cmp_handler);
}

static int op_of(const jc *c, const void *h)
{
    size_t lo = 0, hi = WOP_COUNT;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((uintptr_t)c->hmap[mid].h < (uintptr_t)h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < WOP_COUNT && c->hmap[lo].h == h ? c->hmap[lo].op : -1;
}

/* ---- functions and the module ------------------------------------------- */

/* The length in cells of the instruction at ip (op), 0 when unknown. */
static size_t instr_len(const olw_cell *ip, int op, size_t room)
{
    if (op >= WOP_BR_I32_EQ && op <= WOP_BR_I64_GE_U)
        return 6;
    if (op >= WOP_ADD_BR_I32_EQ && op <= WOP_ADD_BR_I64_GE_U)
        return 9;
    if (op >= WOP_LOAD32 && op <= WOP_STORE16)
        return 4;
    if (op >= WOP_LOAD32_ADD && op <= WOP_STORE16_ADD)
        return 5;
    switch (op) {
    case WOP_FUEL: return 2;
    case WOP_UNREACHABLE: return 1;
    case WOP_BR: return 3;
    case WOP_BR_IF: case WOP_BR_UNLESS: return 5;
    case WOP_BR_MOVE: return 6;
    case WOP_BR_TABLE:
        if (room < 6 || ip[5].u > room || ip[2].u > UINT32_MAX)
            return 0;
        return 6 + 3 * ip[5].u + (ip[2].u + 2) / 2;
    case WOP_RETURN: return 3;
    case WOP_CALL: case WOP_CALL_FUNC: return 4;
    case WOP_CALL_INDIRECT: return 6;
    case WOP_COPY: case WOP_CONST: case WOP_GLOBAL_GET: case WOP_GLOBAL_SET: return 3;
    case WOP_COPY2: case WOP_SELECT: return 5;
#define LEN_UN(name, expr) case WOP_##name: return 3;
#define LEN_BIN(name, expr) case WOP_##name: return 4;
#define LEN_BLOCK(name, n, ...) case WOP_##name: return n;
        OLW_NUMERIC_OPS(LEN_UN, LEN_BIN, LEN_BLOCK)
        OLW_RUNTIME_OPS(LEN_BLOCK)
#undef LEN_UN
#undef LEN_BIN
#undef LEN_BLOCK
    default: return 0;
    }
}

/* Marks every cell a branch lands on (where rax holds nothing known). */
static bool find_landings(jc *c, const olw_compiled_func *cf)
{
    for (size_t at = 1; at < cf->ncells;) {
        const olw_cell *ip = cf->code + at;
        int op = op_of(c, ip->op);
        size_t len = op < 0 ? 0 : instr_len(ip, op, cf->ncells - at);
        if (len == 0 || at + len > cf->ncells)
            return false;
        c->ops[at] = (int16_t)op;
        int k = op == WOP_BR || op == WOP_BR_MOVE ? 1
                : op == WOP_BR_IF || op == WOP_BR_UNLESS ? 2
                : op >= WOP_BR_I32_EQ && op <= WOP_BR_I64_GE_U ? 3
                : op >= WOP_ADD_BR_I32_EQ && op <= WOP_ADD_BR_I64_GE_U ? 6 : 0;
        if (k) {
            int64_t to = (int64_t)at + ip[k].i;
            if (to >= 0 && (size_t)to <= cf->ncells) {
                c->landing[to] = 1;
                if ((size_t)to <= at) { /* a loop: cells to..at one deeper */
                    c->depth[to]++;
                    c->depth[at + 1]--;
                }
            }
        } else if (op == WOP_BR_TABLE) {
            for (uint64_t e = 0; e < ip[5].u; e++) {
                int64_t to = (int64_t)at + ip[6 + 3 * e].i;
                if (to >= 0 && (size_t)to <= cf->ncells)
                    c->landing[to] = 1;
            }
        }
        at += len;
    }
    return true;
}

/* Which cells of an instruction are slots read or written as integers
 * (mask bit k: cell k) and which as f64 values, for choose_pins. */
static void operand_roles(int op, unsigned *ints, unsigned *f64s)
{
    *ints = *f64s = 0;
    if (op >= WOP_I32_EQZ && op <= WOP_I64_GE_U) {
        *ints = 0xE; /* dst, a, b (the eqz have only dst, a: cell 3 is past them) */
        return;
    }
    if ((op >= WOP_LOAD32 && op <= WOP_LOAD32_S64) || (op >= WOP_STORE32 && op <= WOP_STORE16) ||
        (op >= WOP_BR_I32_EQ && op <= WOP_BR_I64_GE_U)) {
        *ints = 0x6; /* cell 3 is an offset */
        return;
    }
    if ((op >= WOP_LOAD32_ADD && op <= WOP_LOAD32_S64_ADD) || (op >= WOP_STORE32_ADD && op <= WOP_STORE16_ADD)) {
        *ints = 0xE;
        return;
    }
    if (op >= WOP_ADD_BR_I32_EQ && op <= WOP_ADD_BR_I64_GE_U) {
        *ints = 0x3E;
        return;
    }
    switch (op) {
    case WOP_BR_IF: case WOP_BR_UNLESS:
        *ints = 0x2;
        return;
    case WOP_I32_ADD: case WOP_I32_SUB: case WOP_I32_MUL: case WOP_I32_AND: case WOP_I32_OR: case WOP_I32_XOR:
    case WOP_I64_ADD: case WOP_I64_SUB: case WOP_I64_MUL: case WOP_I64_AND: case WOP_I64_OR: case WOP_I64_XOR:
    case WOP_I32_SHL: case WOP_I32_SHR_S: case WOP_I32_SHR_U: case WOP_I32_ROTL: case WOP_I32_ROTR:
    case WOP_I64_SHL: case WOP_I64_SHR_S: case WOP_I64_SHR_U: case WOP_I64_ROTL: case WOP_I64_ROTR:
        *ints = 0xE;
        return;
    case WOP_I32_ADD3: case WOP_I32_SHL_ADD:
        *ints = 0x1E;
        return;
    case WOP_I32_WRAP_I64: case WOP_I64_EXTEND_I32_U:
        *ints = 0x6;
        return;
    case WOP_F64_ADD: case WOP_F64_SUB: case WOP_F64_MUL: case WOP_F64_DIV:
        *f64s = 0xE;
        return;
    case WOP_F64_EQ: case WOP_F64_NE: case WOP_F64_LT: case WOP_F64_GT: case WOP_F64_LE: case WOP_F64_GE:
        *f64s = 0xC;
        return;
    case WOP_F64_MUL_ADD: case WOP_F64_ADD_MUL: case WOP_F64_MUL_SUB: case WOP_F64_SUB_MUL:
        *f64s = 0x1E;
        return;
    case WOP_F64_SQRT:
        *f64s = 0x6;
        return;
    case WOP_F64_CONVERT_I32_S: case WOP_F64_CONVERT_I64_S: case WOP_F64_CONVERT_I32_U:
        *f64s = 0x2;
        return;
    default:
        return;
    }
}

/* Picks the pinned locals (jit_internal.h): the params and declared locals
 * with the most integer (f64) operand uses inside loops, weighted 8x per
 * loop level, at least two uses in a loop. */
static bool choose_pins(jc *c, const olw_compiled_func *cf)
{
    for (int i = 0; i < JIT_PINS; i++)
        c->pin_i[i] = c->pin_x[i] = -1;
    c->wc_n = c->xc_n = 6;
    uint64_t nloc = (uint64_t)cf->nparams + cf->nlocals;
    if (nloc == 0)
        return true;
    bool loops = false;
    for (size_t at = 0; at <= cf->ncells && !loops; at++)
        loops = c->depth[at] != 0;
    if (!loops)
        return true;
    uint64_t *score = calloc(2 * nloc, sizeof *score); /* [s]: integer uses, [nloc + s]: f64 uses */
    if (!score)
        return false;
    int32_t d = 0;
    size_t next = 1;
    for (size_t at = 0; at < cf->ncells; at++) {
        d += c->depth[at];
        if (at != next)
            continue;
        int op = c->ops[at];
        size_t len = instr_len(cf->code + at, op, cf->ncells - at);
        next = at + len;
        if (d <= 0)
            continue;
        uint64_t w = (uint64_t)1 << (3 * (d < 4 ? d : 4));
        unsigned ints, f64s;
        operand_roles(op, &ints, &f64s);
        for (size_t k = 1; k < 6 && k < len; k++) {
            uint64_t sl = cf->code[at + k].u;
            if ((ints >> k) & 1 && sl < nloc)
                score[sl] += w;
            if ((f64s >> k) & 1 && sl < nloc)
                score[nloc + sl] += w;
        }
    }
    for (int kind = 0; kind < 2; kind++) {
        int64_t *pins = kind ? c->pin_x : c->pin_i;
        for (int i = 0; i < (kind ? JIT_PINS_X : JIT_PINS_I); i++) {
            uint64_t best = 16; /* two uses at one loop level */
            int64_t pick = -1;
            for (uint64_t sl = 0; sl < nloc; sl++) {
                uint64_t mine = score[kind * nloc + sl], other = score[(1 - kind) * nloc + sl];
                if (mine >= best && mine > other) {
                    best = mine;
                    pick = (int64_t)sl;
                }
            }
            pins[i] = pick;
            if (pick < 0)
                break;
            score[kind * nloc + (uint64_t)pick] = 0; /* taken */
            if (kind)
                c->xc_n--;
            else
                c->wc_n--;
        }
    }
    free(score);
    return true;
}

/* The frame slots an instruction reads (mask of cells) and whether cell 1
 * is the slot it writes; false for instructions not listed (anything may
 * happen there: a branch, a call, a helper). */
static bool instr_slots(int op, unsigned *reads, bool *writes1)
{
    *reads = 0;
    *writes1 = false;
    if (op >= WOP_I32_EQ && op <= WOP_I64_GE_U) {
        *reads = 0xC;
        *writes1 = true;
        return true;
    }
    if (op == WOP_I32_EQZ || op == WOP_I64_EQZ || (op >= WOP_LOAD32 && op <= WOP_LOAD32_S64)) {
        *reads = 0x4;
        *writes1 = true;
        return true;
    }
    if (op >= WOP_LOAD32_ADD && op <= WOP_LOAD32_S64_ADD) {
        *reads = 0xC;
        *writes1 = true;
        return true;
    }
    if (op >= WOP_STORE32 && op <= WOP_STORE16) {
        *reads = 0x6;
        return true;
    }
    if (op >= WOP_STORE32_ADD && op <= WOP_STORE16_ADD) {
        *reads = 0xE;
        return true;
    }
    switch (op) {
    case WOP_FUEL:
        return true;
    case WOP_CONST: case WOP_GLOBAL_GET:
        *writes1 = true;
        return true;
    case WOP_GLOBAL_SET:
        *reads = 0x4;
        return true;
    case WOP_I32_ADD: case WOP_I32_SUB: case WOP_I32_MUL: case WOP_I32_AND: case WOP_I32_OR: case WOP_I32_XOR:
    case WOP_I64_ADD: case WOP_I64_SUB: case WOP_I64_MUL: case WOP_I64_AND: case WOP_I64_OR: case WOP_I64_XOR:
    case WOP_I32_SHL: case WOP_I32_SHR_S: case WOP_I32_SHR_U: case WOP_I32_ROTL: case WOP_I32_ROTR:
    case WOP_I64_SHL: case WOP_I64_SHR_S: case WOP_I64_SHR_U: case WOP_I64_ROTL: case WOP_I64_ROTR:
    case WOP_I32_DIV_S: case WOP_I32_DIV_U: case WOP_I32_REM_S: case WOP_I32_REM_U:
    case WOP_I64_DIV_S: case WOP_I64_DIV_U: case WOP_I64_REM_S: case WOP_I64_REM_U:
    case WOP_F32_ADD: case WOP_F32_SUB: case WOP_F32_MUL: case WOP_F32_DIV:
    case WOP_F64_ADD: case WOP_F64_SUB: case WOP_F64_MUL: case WOP_F64_DIV:
    case WOP_F32_EQ: case WOP_F32_NE: case WOP_F32_LT: case WOP_F32_GT: case WOP_F32_LE: case WOP_F32_GE:
    case WOP_F64_EQ: case WOP_F64_NE: case WOP_F64_LT: case WOP_F64_GT: case WOP_F64_LE: case WOP_F64_GE:
        *reads = 0xC;
        *writes1 = true;
        return true;
    case WOP_I32_ADD3: case WOP_I32_SHL_ADD: case WOP_SELECT:
    case WOP_F64_MUL_ADD: case WOP_F64_ADD_MUL: case WOP_F64_MUL_SUB: case WOP_F64_SUB_MUL:
        *reads = 0x1C;
        *writes1 = true;
        return true;
    case WOP_COPY: case WOP_I32_WRAP_I64: case WOP_I64_EXTEND_I32_U: case WOP_I64_EXTEND_I32_S:
    case WOP_I64_EXTEND32_S: case WOP_I32_EXTEND8_S: case WOP_I32_EXTEND16_S: case WOP_I64_EXTEND8_S:
    case WOP_I64_EXTEND16_S: case WOP_F64_SQRT: case WOP_F64_CONVERT_I32_S: case WOP_F64_CONVERT_I64_S:
    case WOP_F64_CONVERT_I32_U: case WOP_F64_PROMOTE_F32: case WOP_F32_DEMOTE_F64: case WOP_F64_ABS:
    case WOP_F64_NEG: case WOP_F32_ABS: case WOP_F32_NEG:
        *reads = 0x4;
        *writes1 = true;
        return true;
    default:
        return false;
    }
}

/* Instructions whose result (cell 1) goes to the frame through
 * store_result or store_f64 only, and which keep the register caches. */
static bool elidable_writer(int op)
{
    switch (op) {
    case WOP_CONST: case WOP_SELECT: case WOP_I32_EXTEND8_S: case WOP_I32_EXTEND16_S: case WOP_I64_EXTEND8_S:
    case WOP_I64_EXTEND16_S:
        return false;
    default: {
        unsigned r;
        bool w;
        return instr_slots(op, &r, &w) && w && wc_keeps(op);
    }
    }
}

/* Instructions that read every operand through load/rm_slot/alu_slot/
 * xrm_slot (jit_internal.h), which find an elided slot in its register. */
static bool reads_from_registers(int op)
{
    switch (op) {
    case WOP_I32_EQZ: case WOP_I64_EQZ: case WOP_SELECT: case WOP_I64_EXTEND_I32_S: case WOP_I64_EXTEND32_S:
    case WOP_I32_EXTEND8_S: case WOP_I32_EXTEND16_S: case WOP_I64_EXTEND8_S: case WOP_I64_EXTEND16_S:
    case WOP_F32_ADD: case WOP_F32_SUB: case WOP_F32_MUL: case WOP_F32_DIV:
    case WOP_F32_EQ: case WOP_F32_NE: case WOP_F32_LT: case WOP_F32_GT: case WOP_F32_LE: case WOP_F32_GE:
    case WOP_F64_PROMOTE_F32: case WOP_F32_DEMOTE_F64: case WOP_F64_CONVERT_I32_S: case WOP_F64_CONVERT_I64_S:
    case WOP_CONST: case WOP_GLOBAL_GET: case WOP_FUEL:
        return false;
    default: {
        unsigned r;
        bool w;
        return instr_slots(op, &r, &w) && wc_keeps(op);
    }
    }
}

/* The slot whose store the instruction at `at` may skip: its result, a
 * temporary (operand-stack slot), when the next instruction reads it from
 * a register and nothing after reads it before the same straight-line run
 * overwrites it (every instruction on the way listed by instr_slots, no
 * branch target, no branch: so no path reads the frame's copy). -1 when
 * not. A trap on the way discards the frame. */
static int64_t elide_for(const jc *c, const olw_compiled_func *cf, size_t at, int op)
{
    if (!elidable_writer(op))
        return -1;
    uint64_t t = cf->code[at + 1].u;
    if (t < (uint64_t)cf->nparams + cf->nlocals + cf->nconsts)
        return -1;
    size_t pos = at + instr_len(cf->code + at, op, cf->ncells - at);
    for (int step = 0; step < 24; step++) {
        if (pos >= cf->ncells || c->landing[pos])
            return -1;
        int opj = c->ops[pos];
        unsigned reads;
        bool writes1;
        if (!instr_slots(opj, &reads, &writes1))
            return -1;
        if (step == 0 && !reads_from_registers(opj))
            return -1;
        size_t len = instr_len(cf->code + pos, opj, cf->ncells - pos);
        for (size_t k = 1; k < len && k < 6; k++)
            if ((reads >> k) & 1 && cf->code[pos + k].u == t && step > 0)
                return -1;
        if (writes1 && cf->code[pos + 1].u == t)
            return (int64_t)t;
        pos += len;
    }
    return -1;
}

/* Entry: the interpreter's `enter` checks and charge, then the frame's
 * declared locals (zero) and constants. */
static void emit_prologue(jc *c, const olw_compiled_func *cf)
{
    x64_buf *b = &c->b;
    x64_alu_imm(b, true, ALU_SUB, RSP, 8); /* keeps calls to C 16-byte aligned */
    x64_rr(b, 0, true, 0x85, 1, RBP, RBP); /* test rbp, rbp: depth_left */
    trap_if(c, CC_E, OLW_TRAP_STACK_EXHAUSTED);
    /* the machine stack: never reached with the default call depth, but a
     * store may allow any depth, and a thread's stack is finite */
    x64_rm(b, 0, true, 0x3B, 1, RSP, CTX(native_limit)); /* cmp rsp, [limit] */
    trap_if(c, CC_B, OLW_TRAP_STACK_EXHAUSTED);
    x64_rm(b, 0, true, 0x8D, 1, RAX, slot_n(c, cf->frame_size));
    x64_rm(b, 0, true, 0x3B, 1, RAX, CTX(stack_end));
    trap_if(c, CC_A, OLW_TRAP_STACK_EXHAUSTED);
    check_interrupt(c);
    charge(c, cf->code[0].u);
    x64_rr(b, 0, true, 0xFF, 1, 1, RBP); /* dec rbp */
    uint64_t p = cf->nparams;
    if (cf->nlocals <= 4) {
        if (cf->nlocals)
            x64_rr(b, 0, false, 0x31, 1, RAX, RAX);
        for (uint32_t i = 0; i < cf->nlocals; i++)
            x64_store(b, true, slot_n(c, p + i), RAX);
    } else if (cf->nlocals <= 96) {
        /* 16 bytes a store: `rep stosq` costs some 30 cycles to start, a
         * lot for a function called in a loop (CoreMark's list code) */
        x64_rr(b, 0, false, 0x0F57, 2, 0, 0); /* xorps xmm0, xmm0 */
        uint32_t i = 0;
        for (; i + 2 <= cf->nlocals; i += 2)
            x64_rm(b, 0, false, 0x0F11, 2, 0, slot_n(c, p + i)); /* movups [s], xmm0 */
        if (i < cf->nlocals)
            x64_rm(b, 0x66, false, 0x0FD6, 2, 0, slot_n(c, p + i)); /* movq [s], xmm0 */
    } else {
        x64_rm(b, 0, true, 0x8D, 1, RDI, slot_n(c, p));
        x64_mov_imm(b, RCX, cf->nlocals);
        x64_rr(b, 0, false, 0x31, 1, RAX, RAX);
        x64_byte(b, 0xF3); /* rep stosq */
        x64_byte(b, 0x48);
        x64_byte(b, 0xAB);
    }
    p += cf->nlocals;
    if (cf->nconsts <= 32) {
        for (uint32_t i = 0; i < cf->nconsts; i++)
            x64_store_imm(b, slot_n(c, p + i), cf->consts[i], RAX);
    } else {
        x64_rm(b, 0, true, 0x8D, 1, RDI, slot_n(c, p));
        x64_mov_imm(b, RSI, (uint64_t)(uintptr_t)cf->consts);
        x64_mov_imm(b, RCX, cf->nconsts);
        x64_byte(b, 0xF3); /* rep movsq */
        x64_byte(b, 0x48);
        x64_byte(b, 0xA5);
    }
    /* the pinned registers: declared locals start at zero, params from the frame */
    for (int i = 0; i < JIT_PINS; i++) {
        if (c->pin_i[i] >= (int64_t)cf->nparams)
            x64_rr(b, 0, false, 0x31, 1, pin_iregs[i], pin_iregs[i]); /* xor r, r */
        else if (c->pin_i[i] >= 0)
            pin_reload(c, (uint64_t)c->pin_i[i]);
        if (c->pin_x[i] >= 0)
            pin_reload(c, (uint64_t)c->pin_x[i]);
    }
}

static bool compile_func(jc *c, const olw_compiled_func *cf)
{
    c->code = cf->code;
    c->cf = cf;
    c->ncells = cf->ncells;
    c->nbr = c->nfs = 0;
    uint32_t *pos = malloc((cf->ncells + 1) * sizeof *pos);
    if (!pos)
        return false;
    memset(pos, 0xff, (cf->ncells + 1) * sizeof *pos);
    c->landing = calloc(cf->ncells + 1, 1);
    c->ops = malloc((cf->ncells + 1) * sizeof *c->ops);
    c->depth = calloc(cf->ncells + 2, sizeof *c->depth);
    if (!c->landing || !c->ops || !c->depth || !find_landings(c, cf) || !choose_pins(c, cf)) {
        free(pos);
        free(c->landing);
        free(c->ops);
        free(c->depth);
        c->landing = NULL;
        c->ops = NULL;
        c->depth = NULL;
        return false;
    }
    c->rax_slot = -1;
    c->elide_dst = c->elided = -1;
    wc_reset(c);
    emit_prologue(c, cf);
    size_t at = 1;
    while (at < cf->ncells && !c->failed && !c->b.oom) {
        if (olw_load_interrupted(c->m, &c->ticks, c->err)) { /* a huge function is polled as it goes */
            c->failed = true;
            break;
        }
        if (c->b.len > UINT32_MAX / 2) {
            c->failed = true;
            break;
        }
        pos[at] = (uint32_t)c->b.len;
        int op = c->ops[at]; /* every instruction start was visited by find_landings */
        if (op < 0 || op == WOP_EXIT) {
            c->failed = true;
            break;
        }
        c->cache_in = c->landing[at] || c->rax_end != c->b.len ? -1 : c->rax_slot;
        c->rax_slot = -1;
        c->instr_start = c->b.len;
        size_t nx = at, lx = instr_len(cf->code + at, op, cf->ncells - at);
        for (int j = 0; j < 3; j++) {
            c->next_op[j] = -1;
            c->next_ip[j] = NULL;
            if (j > 0 && c->next_op[j - 1] < 0)
                continue;
            nx += lx;
            if (lx == 0 || nx >= cf->ncells || c->landing[nx])
                continue;
            c->next_ip[j] = cf->code + nx;
            c->next_op[j] = c->ops[nx];
            lx = instr_len(c->next_ip[j], c->next_op[j], cf->ncells - nx);
        }
        bool keeps = wc_keeps(op);
        /* return and br's moves read their sources through the caches
         * (move_slots); everything else outside wc_keeps starts without */
        if (c->landing[at] || (!keeps && op != WOP_RETURN && op != WOP_BR_MOVE))
            wc_reset(c);
        c->elide_dst = elide_for(c, cf, at, op);
        c->elided_fresh = false;
        size_t len = jit_emit_instr(c, at, op);
        if (!c->elided_fresh)
            c->elided = -1; /* its one reader is emitted */
        if (!keeps)
            wc_reset(c);
        if (len == 0 || at + len > cf->ncells || len != instr_len(cf->code + at, op, cf->ncells - at)) {
            c->failed = true;
            break;
        }
        at += len;
    }
    for (size_t i = 0; i < c->nbr && !c->failed; i++) {
        size_t to = c->br[i].target;
        /* A target that is no instruction's start can only be in dead
         * code (after an unconditional branch the compiler still emits
         * the rest of the block; the interpreter never reaches it): it
         * traps instead of jumping anywhere. */
        if (to > cf->ncells || pos[to] == UINT32_MAX)
            x64_patch(&c->b, c->br[i].rel_pos, c->trap_stub[OLW_TRAP_UNREACHABLE]);
        else
            x64_patch(&c->b, c->br[i].rel_pos, pos[to]);
    }
    for (size_t i = 0; i < c->nfs && !c->failed; i++) {
        x64_patch(&c->b, c->fs[i].rel_pos, c->b.len);
        x64_alu_imm(&c->b, true, ALU_ADD, R15, (int32_t)c->fs[i].cost);
        x64_jmp_to(&c->b, c->trap_stub[OLW_TRAP_OUT_OF_FUEL]);
    }
    free(pos);
    free(c->landing);
    free(c->ops);
    free(c->depth);
    c->landing = NULL;
    c->ops = NULL;
    c->depth = NULL;
    return !c->failed && !c->b.oom;
}

static void push(x64_buf *b, int r)
{
    if (r >= 8)
        x64_byte(b, 0x41);
    x64_byte(b, (uint8_t)(0x50 + (r & 7)));
}

static void pop(x64_buf *b, int r)
{
    if (r >= 8)
        x64_byte(b, 0x41);
    x64_byte(b, (uint8_t)(0x58 + (r & 7)));
}

/* The entry trampoline (olw_jit_enter_fn) and the trap exits. */
static void emit_runtime(jc *c, olw_jit_code *out)
{
    x64_buf *b = &c->b;
    static const int saved[] = {RBX, RBP, R12, R13, R14, R15};
    out->enter_offset = (uint32_t)b->len;
    for (size_t i = 0; i < 6; i++)
        push(b, saved[i]);
    x64_rr(b, 0, true, 0x89, 1, RDI, R12); /* mov r12, rdi */
    x64_rm(b, 0, true, 0x8D, 1, RBX, x64_m(RSI, FP_BIAS)); /* lea rbx, [fp + FP_BIAS] */
    x64_rm(b, 0, false, 0xFF, 1, 6, CTX(entry_rsp)); /* push qword [entry_rsp] */
    x64_store(b, true, CTX(entry_rsp), RSP);
    x64_load(b, true, RBP, CTX(depth_left));
    x64_load(b, true, R15, CTX(fuel));
    bool had = c->has_memory;
    c->has_memory = true;
    reload_memory(c);
    c->has_memory = had;
    x64_rr(b, 0, false, 0xFF, 1, 2, RDX); /* call rdx */
    x64_rr(b, 0, false, 0x31, 1, RAX, RAX);
    size_t exit = b->len;
    x64_store(b, true, CTX(fuel), R15);
    x64_rm(b, 0, false, 0x8F, 1, 0, CTX(entry_rsp)); /* pop qword [entry_rsp] */
    for (size_t i = 6; i-- > 0;)
        pop(b, saved[i]);
    x64_byte(b, 0xC3);
    c->trap_common = b->len;
    x64_load(b, true, RSP, CTX(entry_rsp));
    x64_jmp_to(b, exit);
    for (int t = 1; t < OLW_TRAP_COUNT; t++) {
        c->trap_stub[t] = b->len;
        x64_mov_imm(b, RAX, (uint64_t)t);
        x64_jmp_to(b, c->trap_common);
    }
}

olw_jit_code *olw_jit_compile(const struct olw_module *m, olw_error *err)
{
    const struct olw_compiled *cm = m->compiled;
    if (!olw_jit_available() || !cm)
        return NULL;
    jc *c = calloc(1, sizeof *c);
    olw_jit_code *out = calloc(1, sizeof *out);
    uint32_t *offsets = calloc(cm->nfuncs ? cm->nfuncs : 1, sizeof *offsets);
    if (!c || !out || !offsets) {
        free(c);
        free(out);
        free(offsets);
        return NULL;
    }
    c->m = m;
    c->cm = cm;
    c->has_memory = m->nmemories > 0;
    build_handler_map(c);
    /* about 10 bytes of machine code per cell of internal code */
    size_t cells = 0;
    for (uint32_t i = 0; i < cm->nfuncs; i++)
        cells += cm->funcs[i].ncells;
    x64_reserve(&c->b, cells < (SIZE_MAX - 65536) / 12 ? cells * 12 + 65536 : 65536);
    emit_runtime(c, out);
    bool ok = true;
    c->err = err;
    for (uint32_t i = 0; i < cm->nfuncs && ok; i++) {
        if (olw_load_interrupted(m, &c->ticks, err)) {
            ok = false;
            break;
        }
        offsets[i] = (uint32_t)c->b.len;
        ok = compile_func(c, &cm->funcs[i]);
    }
    for (size_t i = 0; ok && i < c->ncalls; i++)
        x64_patch(&c->b, c->calls[i].rel_pos, offsets[c->calls[i].target]);
    if (!ok)
        x64_free(&c->b);
    ok = ok && x64_finish(&c->b);
    uint8_t *mem = c->b.p;
    size_t size = c->b.cap;
    free(c->br);
    free(c->fs);
    free(c->calls);
    free(c);
    if (!ok) {
        free(out);
        free(offsets);
        return NULL;
    }
    out->mem = mem;
    out->size = size;
    out->nfuncs = cm->nfuncs;
    out->func_offset = offsets;
    return out;
}

void olw_jit_free(olw_jit_code *c)
{
    if (!c)
        return;
    munmap(c->mem, c->size);
    free(c->func_offset);
    free(c);
}
