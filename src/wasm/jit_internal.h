/*
 * jit_internal.h — the compiling tier's code generator state and the
 * building blocks its templates share (internal to jit_compile.c and
 * jit_templates.c): frame-slot operands, the write-through register caches,
 * fuel charges, traps, branches and calls to C helpers.
 */
#ifndef OUTLAYER_WASM_JIT_INTERNAL_H
#define OUTLAYER_WASM_JIT_INTERNAL_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/jit.h"
#include "wasm/jit_x64.h"

/* rbx points FP_BIAS bytes past the frame's slot 0, so that slots 0..31
 * (the locals and the bottom of the operand stack, most operands) have a
 * one-byte displacement: smaller code, compiled faster. */
#define FP_BIAS 128

/* Registers for pinned locals, of each kind (see pin_reg). */
#define JIT_PINS 4 /* room for */
#ifndef JIT_PINS_I
#define JIT_PINS_I 2 /* used: integer pins */
#endif
#ifndef JIT_PINS_X
#define JIT_PINS_X 2 /* f64 pins */
#endif

#define CTX(field) x64_m(R12, (int32_t)offsetof(olw_jit_ctx, field))

typedef struct fixup {
    size_t rel_pos; /* rel32 to patch */
    size_t target;  /* a cell (branches) or a function index (calls) */
} fixup;

typedef struct fuel_stub {
    size_t rel_pos;
    uint32_t cost;
} fuel_stub;

typedef struct handler_entry {
    const void *h;
    uint16_t op;
} handler_entry;

typedef struct jc {
    x64_buf b;
    const struct olw_module *m;
    const struct olw_compiled *cm;
    handler_entry hmap[WOP_COUNT];
    size_t trap_stub[OLW_TRAP_COUNT];
    size_t trap_common;
    bool has_memory;
    bool failed;
    /* per function */
    const olw_cell *code;
    const olw_compiled_func *cf;
    size_t ncells;
    fixup *br;
    size_t nbr, capbr;
    fuel_stub *fs;
    size_t nfs, capfs;
    olw_error *err;  /* for an interrupted load */
    uint32_t ticks;  /* olw_load_interrupted's counter */
    uint8_t *landing; /* [ncells + 1]: 1 where a branch lands */
    int16_t *ops;     /* [ncells]: the op of the instruction starting at each cell (find_landings) */
    int32_t *depth;   /* [ncells + 2]: loop nesting, as differences (+1 at a loop's head, -1 after its back edge) */
    int64_t rax_slot;  /* the slot rax was last stored to, or -1 */
    size_t rax_end;    /* b.len right after that store */
    int64_t cache_in;  /* rax_slot at the start of this instruction, or -1 */
    /* Write-through register cache (see wc_*): wc_slot[i] is the slot
     * whose value wc_regs[i] holds, or -1. Valid within straight-line runs
     * of the instructions wc_keeps() lists; reset everywhere else. */
    int64_t wc_slot[6];
    unsigned wc_next;
    int64_t xc_slot[6]; /* the same for f64 values in xmm2..xmm7 */
    unsigned xc_next;
    /* Bounds already checked in this straight-line run (valid and reset
     * with the caches): an access at address slot chk_slot[i] with
     * offset + size <= chk_end[i] cannot be out of bounds (the slot was
     * not written since, and the memory only grows, through helpers). */
    int64_t chk_slot[4], chk_slot2[4]; /* address = chk_slot (+ chk_slot2 when not -1) */
    uint64_t chk_end[4];
    unsigned chk_next;
    /* Pinned locals (see pin_*): loop-carried locals whose register is
     * right everywhere in the function. wc_n/xc_n: the cache registers
     * left to the round-robin caches (the pins take the last ones). */
    int64_t pin_i[JIT_PINS]; /* slots pinned to r11, r10, ... (-1: none) */
    int64_t pin_x[JIT_PINS]; /* slots pinned to xmm7, xmm6, ... */
    unsigned wc_n, xc_n;
    size_t instr_start;
    /* the next instructions of the same straight-line run (op -1: none,
     * or a branch target), for templates that look ahead */
    int next_op[3];
    /* Elided stores (see compile_func): elide_dst is the temporary slot
     * this instruction's result need not be stored to (-1: none); elided
     * the slot whose store was skipped, until the next instruction (its
     * only reader, from a register) is emitted. */
    int64_t elide_dst, elided;
    bool elided_fresh; /* elided was set by the instruction being emitted */
    const olw_cell *next_ip[3];
    /* per module */
    fixup *calls;
    size_t ncalls, capcalls;
} jc;

static inline bool push_fixup(fixup **v, size_t *n, size_t *cap, size_t rel_pos, size_t target)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        fixup *p = realloc(*v, nc * sizeof *p);
        if (!p)
            return false;
        *v = p;
        *cap = nc;
    }
    (*v)[(*n)++] = (fixup){rel_pos, target};
    return true;
}

/* ---- operands ------------------------------------------------------------ */

/* The frame slot named by cell k of the instruction at ip. */
static inline x64_mem slot(jc *c, const olw_cell *ip, int k)
{
    uint64_t s = ip[k].u;
    if (s > (uint64_t)INT32_MAX / 8) {
        c->failed = true;
        s = 0;
    }
    if ((int64_t)s == c->elided) /* the frame does not hold it: never (the module would run in the interpreter) */
        c->failed = true;
    return x64_m(RBX, (int32_t)(s * 8) - FP_BIAS);
}

static inline x64_mem slot_n(jc *c, uint64_t s)
{
    if (s > (uint64_t)INT32_MAX / 8) {
        c->failed = true;
        s = 0;
    }
    return x64_m(RBX, (int32_t)(s * 8) - FP_BIAS);
}

/* 32-bit results are stored zero-extended (the register's upper half is
 * already clear after a 32-bit operation), as the interpreter does. */
/* ---- the write-through register cache ------------------------------------ */

/* Every slot write still goes to the frame (so memory is always right and
 * nothing needs flushing); a copy of the value also goes to one of these
 * caller-saved registers, from which later reads of the slot in the same
 * straight-line run are served. A call, a helper, a branch target or any
 * instruction outside wc_keeps() forgets everything. */
static const int wc_regs[6] = {RSI, RDI, R8, R9, R10, R11};

static inline void wc_reset(jc *c)
{
    for (int i = 0; i < 6; i++)
        c->wc_slot[i] = c->xc_slot[i] = -1;
    for (int i = 0; i < 4; i++)
        c->chk_slot[i] = -1;
}

/* ---- pinned locals ---------------------------------------------------------
 * Up to two integer and two f64 locals (params or declared locals) that the
 * function uses most inside loops live in registers for the whole function,
 * write-through like the caches: every write of the slot also sets the
 * register (wc_record, xc_record, CONST, move_slots), and after anything
 * that clobbers caller-saved registers (a call, a helper) they are reloaded
 * from the frame. So the register equals the slot at every instruction,
 * branch targets included, and reads use it: a loop counter or an
 * accumulator no longer goes through memory (a store-to-load forwarding
 * delay) on every iteration. */
static const int pin_iregs[4] = {R11, R10, R9, R8};
static const int pin_xregs[4] = {7, 6, 5, 4};
_Static_assert(JIT_PINS <= 4, "at most 4 pins of each kind");

static inline int pin_reg(const jc *c, uint64_t s)
{
    for (int i = 0; i < JIT_PINS; i++)
        if (c->pin_i[i] == (int64_t)s)
            return pin_iregs[i];
    return -1;
}

static inline int pin_xreg(const jc *c, uint64_t s)
{
    for (int i = 0; i < JIT_PINS; i++)
        if (c->pin_x[i] == (int64_t)s)
            return pin_xregs[i];
    return -1;
}

/* Reloads the register of pinned slot s (if any) from the frame. */
static inline void pin_reload(jc *c, uint64_t s)
{
    int r = pin_reg(c, s);
    if (r >= 0)
        x64_load(&c->b, true, r, slot_n(c, s));
    r = pin_xreg(c, s);
    if (r >= 0)
        x64_rm(&c->b, 0xF2, false, 0x0F10, 2, r, slot_n(c, s)); /* movsd xmm, [s] */
}

/* After a call or helper (caller-saved registers clobbered, any slot
 * possibly written): every pinned register from the frame. */
static inline void pin_reload_all(jc *c)
{
    for (int i = 0; i < JIT_PINS; i++) {
        if (c->pin_i[i] >= 0)
            pin_reload(c, (uint64_t)c->pin_i[i]);
        if (c->pin_x[i] >= 0)
            pin_reload(c, (uint64_t)c->pin_x[i]);
    }
}

static inline int wc_find(const jc *c, uint64_t s)
{
    int p = pin_reg(c, s);
    if (p >= 0)
        return p;
    for (int i = 0; i < 6; i++)
        if (c->wc_slot[i] == (int64_t)s)
            return wc_regs[i];
    return -1;
}

static inline void wc_forget(jc *c, uint64_t s)
{
    for (int i = 0; i < 4; i++)
        if (c->chk_slot[i] == (int64_t)s || c->chk_slot2[i] == (int64_t)s)
            c->chk_slot[i] = -1;
    for (int i = 0; i < 6; i++) {
        if (c->wc_slot[i] == (int64_t)s)
            c->wc_slot[i] = -1;
        if (c->xc_slot[i] == (int64_t)s)
            c->xc_slot[i] = -1;
    }
}

/* f64 values: slot s was just written from xmm register x (its low 64
 * bits are the slot's value); a copy goes to one of xmm2..xmm7. */
static inline void xc_record(jc *c, uint64_t s, int x)
{
    wc_forget(c, s);
    int p = pin_xreg(c, s);
    if (p >= 0) {
        if (p != x)
            x64_rr(&c->b, 0x66, false, 0x0F28, 2, p, x); /* movapd xmmP, xmm(x) */
        return;
    }
    p = pin_reg(c, s);
    if (p >= 0) {
        x64_rr(&c->b, 0x66, true, 0x0F7E, 2, x, p); /* movq rP, xmm(x) */
        return;
    }
    if (c->xc_n == 0)
        return;
    unsigned i = c->xc_next++ % c->xc_n;
    x64_rr(&c->b, 0x66, false, 0x0F28, 2, 2 + (int)i, x); /* movapd xmm(2+i), xmm(x) */
    c->xc_slot[i] = (int64_t)s;
}

static inline int xc_find(const jc *c, uint64_t s)
{
    int p = pin_xreg(c, s);
    if (p >= 0)
        return p;
    for (int i = 0; i < 6; i++)
        if (c->xc_slot[i] == (int64_t)s)
            return 2 + i;
    return -1;
}

/* An f64 operand: `opc xmm, slot k` (movsd/addsd/... with prefix F2, or
 * ucomisd with 66), from xmm2..7 when cached (movsd xmm, [m] becomes
 * movapd xmm, xmmK). */
static inline void xrm_slot(jc *c, uint8_t prefix, uint32_t opc, int xreg, const olw_cell *ip, int k)
{
    int r = xc_find(c, ip[k].u);
    if (r < 0 && (int64_t)ip[k].u == c->elided && wc_find(c, ip[k].u) >= 0) {
        x64_rr(&c->b, 0x66, true, 0x0F6E, 2, 1, wc_find(c, ip[k].u)); /* movq xmm1, cache_reg */
        r = 1;
    }
    if (r < 0)
        x64_rm(&c->b, prefix, false, opc, 2, xreg, slot(c, ip, k));
    else if (opc == 0x0F10)
        x64_rr(&c->b, 0x66, false, 0x0F28, 2, xreg, r);
    else
        x64_rr(&c->b, prefix, false, opc, 2, xreg, r);
}

/* Slot s was just written with the value in reg (all 64 bits). */
static inline void wc_record(jc *c, uint64_t s, int reg)
{
    wc_forget(c, s);
    int p = pin_reg(c, s);
    if (p >= 0) {
        if (p != reg)
            x64_rr(&c->b, 0, true, 0x89, 1, reg, p); /* mov rP, reg */
        return;
    }
    p = pin_xreg(c, s);
    if (p >= 0) {
        x64_rr(&c->b, 0x66, true, 0x0F6E, 2, p, reg); /* movq xmmP, reg */
        return;
    }
    if (c->wc_n == 0)
        return;
    unsigned i = c->wc_next++ % c->wc_n;
    x64_rr(&c->b, 0, true, 0x89, 1, reg, wc_regs[i]); /* mov cache_reg, reg */
    c->wc_slot[i] = (int64_t)s;
}

/* The instructions during which the cache stays valid: they use only rax,
 * rcx, rdx and xmm registers, and write slots only through store_result,
 * wc_record or wc_forget. */
static inline bool wc_keeps(int op)
{
    if ((op >= WOP_BR_IF && op <= WOP_ADD_BR_I64_GE_U) || (op >= WOP_LOAD32 && op <= WOP_STORE16_ADD) ||
        (op >= WOP_I32_EQZ && op <= WOP_I64_GE_U))
        return true;
    switch (op) {
    case WOP_FUEL: case WOP_COPY: case WOP_COPY2: case WOP_CONST: case WOP_SELECT:
    case WOP_I32_ADD: case WOP_I32_SUB: case WOP_I32_MUL: case WOP_I32_AND: case WOP_I32_OR: case WOP_I32_XOR:
    case WOP_I64_ADD: case WOP_I64_SUB: case WOP_I64_MUL: case WOP_I64_AND: case WOP_I64_OR: case WOP_I64_XOR:
    case WOP_I32_SHL: case WOP_I32_SHR_S: case WOP_I32_SHR_U: case WOP_I32_ROTL: case WOP_I32_ROTR:
    case WOP_I64_SHL: case WOP_I64_SHR_S: case WOP_I64_SHR_U: case WOP_I64_ROTL: case WOP_I64_ROTR:
    case WOP_I32_DIV_S: case WOP_I32_DIV_U: case WOP_I32_REM_S: case WOP_I32_REM_U:
    case WOP_I64_DIV_S: case WOP_I64_DIV_U: case WOP_I64_REM_S: case WOP_I64_REM_U:
    case WOP_I32_ADD3: case WOP_I32_SHL_ADD: case WOP_I32_WRAP_I64: case WOP_I64_EXTEND_I32_U:
    case WOP_I64_EXTEND_I32_S: case WOP_I64_EXTEND32_S:
    case WOP_GLOBAL_GET: case WOP_GLOBAL_SET:
    /* float templates: xmm0/xmm1 and rax/rcx; their movsd stores forget the slot */
    case WOP_F32_ADD: case WOP_F32_SUB: case WOP_F32_MUL: case WOP_F32_DIV:
    case WOP_F64_ADD: case WOP_F64_SUB: case WOP_F64_MUL: case WOP_F64_DIV:
    case WOP_F32_EQ: case WOP_F32_NE: case WOP_F32_LT: case WOP_F32_GT: case WOP_F32_LE: case WOP_F32_GE:
    case WOP_F64_EQ: case WOP_F64_NE: case WOP_F64_LT: case WOP_F64_GT: case WOP_F64_LE: case WOP_F64_GE:
    case WOP_F64_MUL_ADD: case WOP_F64_ADD_MUL: case WOP_F64_MUL_SUB: case WOP_F64_SUB_MUL:
    case WOP_F64_SQRT: case WOP_F64_CONVERT_I32_S: case WOP_F64_CONVERT_I64_S: case WOP_F64_CONVERT_I32_U:
    case WOP_F64_PROMOTE_F32: case WOP_F32_DEMOTE_F64: case WOP_F64_ABS: case WOP_F64_NEG: case WOP_F32_ABS:
    case WOP_F32_NEG:
        return true;
    default:
        return false;
    }
}

/* `op reg, slot k` (r/m opcode opc), from the cache when the slot is there. */
static inline void rm_slot(jc *c, bool w, uint32_t opc, int oplen, int reg, const olw_cell *ip, int k)
{
    int r = wc_find(c, ip[k].u);
    if (r < 0 && (int64_t)ip[k].u == c->elided && xc_find(c, ip[k].u) >= 0) {
        x64_rr(&c->b, 0x66, true, 0x0F7E, 2, xc_find(c, ip[k].u), RDX); /* movq rdx, xmm */
        r = RDX;
    }
    if (r >= 0)
        x64_rr(&c->b, 0, w, opc, oplen, reg, r);
    else
        x64_rm(&c->b, 0, w, opc, oplen, reg, slot(c, ip, k));
}

static inline void store_result(jc *c, const olw_cell *ip, int reg)
{
    if (c->elided == (int64_t)ip[1].u)
        c->elided = -1; /* written again */
    if (c->elide_dst == (int64_t)ip[1].u) {
        c->elided = c->elide_dst; /* read only by the next instruction, from the register */
        c->elided_fresh = true;
    } else
        x64_store(&c->b, true, slot(c, ip, 1), reg);
    wc_record(c, ip[1].u, reg);
    if (reg == RAX) {
        c->rax_slot = (int64_t)ip[1].u;
        c->rax_end = c->b.len;
    }
}

/* The f64 result in xmm x to slot 1 of the instruction (as store_result). */
static inline void store_f64(jc *c, const olw_cell *ip, int x)
{
    if (c->elided == (int64_t)ip[1].u)
        c->elided = -1;
    if (c->elide_dst == (int64_t)ip[1].u) {
        c->elided = c->elide_dst;
        c->elided_fresh = true;
    } else
        x64_rm(&c->b, 0xF2, false, 0x0F11, 2, x, slot(c, ip, 1)); /* movsd [dst], xmm */
    xc_record(c, ip[1].u, x);
}

/* The value rax holds for the next instruction: the slot its predecessor
 * stored last, when those were the predecessor's last bytes and the next
 * instruction is no branch target. Only the first bytes of an instruction
 * may use it (nothing emitted since its start). */
static inline bool cached(jc *c, uint64_t s) { return c->cache_in == (int64_t)s && c->b.len == c->instr_start; }

/* Whether slot s is one of the function's constant slots (after the
 * locals: filled on entry, never written), and its value. */
static inline bool const_slot(const jc *c, uint64_t s, uint64_t *v)
{
    uint64_t first = (uint64_t)c->cf->nparams + c->cf->nlocals;
    if (s < first || s - first >= c->cf->nconsts)
        return false;
    *v = c->cf->consts[s - first];
    return true;
}

/* reg = slot k of the instruction (w: all 64 bits, else the low 32
 * zero-extended), from rax when rax already holds it. */
static inline void load(jc *c, bool w, int reg, const olw_cell *ip, int k)
{
    if (cached(c, ip[k].u)) {
        if (reg != RAX)
            x64_rr(&c->b, 0, true, 0x89, 1, RAX, reg); /* mov reg, rax */
        else if (!w)
            x64_rr(&c->b, 0, false, 0x89, 1, RAX, RAX); /* mov eax, eax: zero-extends */
        c->cache_in = -1;
        return;
    }
    int r = wc_find(c, ip[k].u);
    if (r >= 0)
        x64_rr(&c->b, 0, w, 0x89, 1, r, reg); /* mov reg, cache_reg (32 bits: zero-extends) */
    else if ((int64_t)ip[k].u == c->elided && xc_find(c, ip[k].u) >= 0)
        x64_rr(&c->b, 0x66, w, 0x0F7E, 2, xc_find(c, ip[k].u), reg); /* movq/movd reg, xmm */
    else
        x64_load(&c->b, w, reg, slot(c, ip, k));
}

/* reg = slot k for a 32-bit operation on reg, which ignores (and clears)
 * the upper half: the zero-extension of load() is not needed. */
static inline void load32(jc *c, int reg, const olw_cell *ip, int k)
{
    if (reg == RAX && cached(c, ip[k].u)) {
        c->cache_in = -1;
        return;
    }
    load(c, false, reg, ip, k);
}

/* `op reg, slot k` for an ALU op (opc: add 03, or 0B, and 23, sub 2B,
 * xor 33, cmp 3B, imul 0FAF): with an immediate when the slot is a
 * constant that fits one, else as rm_slot. */
static inline void alu_slot(jc *c, bool w, uint32_t opc, int oplen, int reg, const olw_cell *ip, int k)
{
    uint64_t v;
    if (const_slot(c, ip[k].u, &v) && (!w || v == (uint64_t)(int64_t)(int32_t)v)) {
        int ext = -1;
        switch (opc) {
        case 0x03: ext = ALU_ADD; break;
        case 0x0B: ext = ALU_OR; break;
        case 0x23: ext = ALU_AND; break;
        case 0x2B: ext = ALU_SUB; break;
        case 0x33: ext = ALU_XOR; break;
        case 0x3B: ext = ALU_CMP; break;
        default: break;
        }
        if (ext >= 0) {
            x64_alu_imm(&c->b, w, ext, reg, (int32_t)v);
            return;
        }
        if (opc == 0x0FAF) {
            x64_rr(&c->b, 0, w, 0x69, 1, reg, reg); /* imul reg, reg, imm32 */
            x64_u32(&c->b, (uint32_t)v);
            return;
        }
    }
    rm_slot(c, w, opc, oplen, reg, ip, k);
}

static inline void trap_if(jc *c, int cc, olw_trap_code code) { x64_jcc_to(&c->b, cc, c->trap_stub[code]); }

/* Charges cost (the interpreter's CHARGE): out of fuel leaves fuel as it was. */
static inline void charge(jc *c, uint64_t cost)
{
    if (cost == 0)
        return;
    if (cost <= INT32_MAX) {
        x64_alu_imm(&c->b, true, ALU_SUB, R15, (int32_t)cost);
        size_t at = x64_jcc(&c->b, CC_B);
        if (c->nfs == c->capfs) {
            size_t nc = c->capfs ? c->capfs * 2 : 64;
            fuel_stub *p = realloc(c->fs, nc * sizeof *p);
            if (!p) {
                c->failed = true;
                return;
            }
            c->fs = p;
            c->capfs = nc;
        }
        c->fs[c->nfs++] = (fuel_stub){at, (uint32_t)cost};
    } else {
        x64_mov_imm(&c->b, RAX, cost);
        x64_rr(&c->b, 0, true, 0x39, 1, RAX, R15); /* cmp r15, rax */
        trap_if(c, CC_B, OLW_TRAP_OUT_OF_FUEL);
        x64_rr(&c->b, 0, true, 0x29, 1, RAX, R15); /* sub r15, rax */
    }
}

static inline void check_interrupt(jc *c)
{
    x64_load(&c->b, true, RDX, CTX(interrupt));
    x64_alu_mem_imm(&c->b, false, ALU_CMP, x64_m(RDX, 0), 0);
    trap_if(c, CC_NE, OLW_TRAP_INTERRUPTED);
}

/* r13/r14 = memory 0's base and size, from the running instance. */
static inline void reload_memory(jc *c)
{
    if (!c->has_memory)
        return;
    x64_buf *b = &c->b;
    x64_load(b, true, RAX, CTX(inst));
    x64_load(b, true, RAX, x64_m(RAX, (int32_t)offsetof(olw_instance, mem0)));
    x64_rr(b, 0, false, 0x31, 1, R13, R13); /* xor r13d, r13d */
    x64_rr(b, 0, false, 0x31, 1, R14, R14);
    x64_rr(b, 0, true, 0x85, 1, RAX, RAX); /* test rax, rax */
    size_t skip = x64_jcc(b, CC_E);
    x64_load(b, true, R13, x64_m(RAX, (int32_t)offsetof(olw_memory, data)));
    x64_load(b, true, R14, x64_m(RAX, (int32_t)offsetof(olw_memory, size)));
    x64_patch(b, skip, b->len);
}

/* A jump to the instruction at cell `to`, resolved after the function. */
static inline void jump_to_cell(jc *c, int cc, size_t to)
{
    size_t at = cc < 0 ? x64_jmp(&c->b) : x64_jcc(&c->b, cc);
    if (!push_fixup(&c->br, &c->nbr, &c->capbr, at, to))
        c->failed = true;
}

/* The interpreter's TAKE: interrupt check on a backward branch, the target
 * run's fuel, the jump. */
static inline void take(jc *c, size_t at, int64_t off, uint64_t cost)
{
    if (off <= 0)
        check_interrupt(c);
    charge(c, cost);
    int64_t to = (int64_t)at + off;
    if (to < 1 || (size_t)to >= c->ncells) {
        c->failed = true;
        return;
    }
    jump_to_cell(c, -1, (size_t)to);
}

/* Moves n slots down (dst < src, may overlap), as move_slots. */
static inline void move_slots(jc *c, uint64_t dst, uint64_t src, uint64_t n, bool reload_pins)
{
    x64_buf *b = &c->b;
    if (n <= 16) {
        /* a source the caches hold is stored from its register (each
         * source is read before any destination overlapping it is written) */
        for (uint64_t i = 0; i < n; i++) {
            int r = wc_find(c, src + i);
            if (r < 0) {
                x64_load(b, true, RAX, slot_n(c, src + i));
                r = RAX;
            }
            x64_store(b, true, slot_n(c, dst + i), r);
        }
    } else {
        x64_rm(b, 0, true, 0x8D, 1, RSI, slot_n(c, src)); /* lea rsi, src */
        x64_rm(b, 0, true, 0x8D, 1, RDI, slot_n(c, dst));
        x64_mov_imm(b, RCX, n);
        x64_byte(b, 0xF3); /* rep movsq: ascending, right for dst < src */
        x64_byte(b, 0x48);
        x64_byte(b, 0xA5);
    }
    if (!reload_pins)
        return;
    for (int i = 0; i < JIT_PINS; i++) {
        if (c->pin_i[i] >= (int64_t)dst && (uint64_t)c->pin_i[i] - dst < n)
            pin_reload(c, (uint64_t)c->pin_i[i]);
        if (c->pin_x[i] >= (int64_t)dst && (uint64_t)c->pin_x[i] - dst < n)
            pin_reload(c, (uint64_t)c->pin_x[i]);
    }
}

/* Calls fn(ctx, fp, ip, op) (olw_jit_step or olw_jit_call_ref): fuel and
 * memory are synchronised around it, a trap it returns unwinds. */
static inline void call_helper(jc *c, const void *fn, const olw_cell *ip, int op)
{
    x64_buf *b = &c->b;
    x64_store(b, true, CTX(fuel), R15);
    x64_store(b, true, CTX(depth_left), RBP); /* for frame_top() and nested entries */
    x64_rr(b, 0, true, 0x89, 1, R12, RDI); /* mov rdi, r12 */
    x64_rm(b, 0, true, 0x8D, 1, RSI, x64_m(RBX, -FP_BIAS)); /* lea rsi, fp */
    x64_mov_imm(b, RDX, (uint64_t)(uintptr_t)ip);
    x64_mov_imm(b, RCX, (uint64_t)op);
    x64_call_abs(b, fn);
    x64_load(b, true, R15, CTX(fuel)); /* what the helper charged, trap or not */
    x64_rr(b, 0, false, 0x85, 1, RAX, RAX); /* test eax, eax */
    x64_jcc_to(b, CC_NE, c->trap_common);
    reload_memory(c);
    pin_reload_all(c);
}

/* jit_templates.c: emits the instruction at cell `at` (op, a pair counted
 * as its first instruction); returns its length in cells, 0 when it has
 * none (the compile fails and the interpreter runs the module). */
size_t jit_emit_instr(jc *c, size_t at, int op);

#endif
