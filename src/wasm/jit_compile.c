/*
 * jit_compile.c — translates a module's internal code (compile.h) into
 * x86-64 machine code (see jit.h for the register conventions).
 *
 * One pass per function over its instructions, one template each: operands
 * are frame slots, so every template reads [rbx + 8*slot] and writes its
 * result back there (no register allocation across instructions in this
 * first version). Branches become jumps with the fuel of their target run
 * charged on the edge, exactly as the interpreter charges it; instructions
 * without a template call olw_jit_step (the interpreter's semantics).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wasm/interp_ops.h" /* the instruction lists, for lengths */
#include "wasm/jit.h"
#include "wasm/jit_x64.h"

/* rbx points FP_BIAS bytes past the frame's slot 0, so that slots 0..31
 * (the locals and the bottom of the operand stack, most operands) have a
 * one-byte displacement: smaller code, compiled faster. */
#define FP_BIAS 128

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
    size_t ncells;
    fixup *br;
    size_t nbr, capbr;
    fuel_stub *fs;
    size_t nfs, capfs;
    olw_error *err;  /* for an interrupted load */
    uint32_t ticks;  /* olw_load_interrupted's counter */
    uint8_t *landing; /* [ncells + 1]: 1 where a branch lands */
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
    size_t instr_start;
    /* per module */
    fixup *calls;
    size_t ncalls, capcalls;
} jc;

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

static bool push_fixup(fixup **v, size_t *n, size_t *cap, size_t rel_pos, size_t target)
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
static x64_mem slot(jc *c, const olw_cell *ip, int k)
{
    uint64_t s = ip[k].u;
    if (s > (uint64_t)INT32_MAX / 8) {
        c->failed = true;
        s = 0;
    }
    return x64_m(RBX, (int32_t)(s * 8) - FP_BIAS);
}

static x64_mem slot_n(jc *c, uint64_t s)
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

static void wc_reset(jc *c)
{
    for (int i = 0; i < 6; i++)
        c->wc_slot[i] = c->xc_slot[i] = -1;
}

static int wc_find(const jc *c, uint64_t s)
{
    for (int i = 0; i < 6; i++)
        if (c->wc_slot[i] == (int64_t)s)
            return wc_regs[i];
    return -1;
}

static void wc_forget(jc *c, uint64_t s)
{
    for (int i = 0; i < 6; i++) {
        if (c->wc_slot[i] == (int64_t)s)
            c->wc_slot[i] = -1;
        if (c->xc_slot[i] == (int64_t)s)
            c->xc_slot[i] = -1;
    }
}

/* f64 values: slot s was just written from xmm register x (its low 64
 * bits are the slot's value); a copy goes to one of xmm2..xmm7. */
static void xc_record(jc *c, uint64_t s, int x)
{
    wc_forget(c, s);
    unsigned i = c->xc_next++ % 6;
    x64_rr(&c->b, 0x66, false, 0x0F28, 2, 2 + (int)i, x); /* movapd xmm(2+i), xmm(x) */
    c->xc_slot[i] = (int64_t)s;
}

static int xc_find(const jc *c, uint64_t s)
{
    for (int i = 0; i < 6; i++)
        if (c->xc_slot[i] == (int64_t)s)
            return 2 + i;
    return -1;
}

/* An f64 operand: `opc xmm, slot k` (movsd/addsd/... with prefix F2, or
 * ucomisd with 66), from xmm2..7 when cached (movsd xmm, [m] becomes
 * movapd xmm, xmmK). */
static void xrm_slot(jc *c, uint8_t prefix, uint32_t opc, int xreg, const olw_cell *ip, int k)
{
    int r = xc_find(c, ip[k].u);
    if (r < 0)
        x64_rm(&c->b, prefix, false, opc, 2, xreg, slot(c, ip, k));
    else if (opc == 0x0F10)
        x64_rr(&c->b, 0x66, false, 0x0F28, 2, xreg, r);
    else
        x64_rr(&c->b, prefix, false, opc, 2, xreg, r);
}

/* Slot s was just written with the value in reg (all 64 bits). */
static void wc_record(jc *c, uint64_t s, int reg)
{
    wc_forget(c, s);
    unsigned i = c->wc_next++ % 6;
    x64_rr(&c->b, 0, true, 0x89, 1, reg, wc_regs[i]); /* mov cache_reg, reg */
    c->wc_slot[i] = (int64_t)s;
}

/* The instructions during which the cache stays valid: they use only rax,
 * rcx, rdx and xmm registers, and write slots only through store_result,
 * wc_record or wc_forget. */
static bool wc_keeps(int op)
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
static void rm_slot(jc *c, bool w, uint32_t opc, int oplen, int reg, const olw_cell *ip, int k)
{
    int r = wc_find(c, ip[k].u);
    if (r >= 0)
        x64_rr(&c->b, 0, w, opc, oplen, reg, r);
    else
        x64_rm(&c->b, 0, w, opc, oplen, reg, slot(c, ip, k));
}

static void store_result(jc *c, const olw_cell *ip, int reg)
{
    x64_store(&c->b, true, slot(c, ip, 1), reg);
    wc_record(c, ip[1].u, reg);
    if (reg == RAX) {
        c->rax_slot = (int64_t)ip[1].u;
        c->rax_end = c->b.len;
    }
}

/* The value rax holds for the next instruction: the slot its predecessor
 * stored last, when those were the predecessor's last bytes and the next
 * instruction is no branch target. Only the first bytes of an instruction
 * may use it (nothing emitted since its start). */
static bool cached(jc *c, uint64_t s) { return c->cache_in == (int64_t)s && c->b.len == c->instr_start; }

/* reg = slot k of the instruction (w: all 64 bits, else the low 32
 * zero-extended), from rax when rax already holds it. */
static void load(jc *c, bool w, int reg, const olw_cell *ip, int k)
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
    else
        x64_load(&c->b, w, reg, slot(c, ip, k));
}

static void trap_if(jc *c, int cc, olw_trap_code code) { x64_jcc_to(&c->b, cc, c->trap_stub[code]); }

/* Charges cost (the interpreter's CHARGE): out of fuel leaves fuel as it was. */
static void charge(jc *c, uint64_t cost)
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

static void check_interrupt(jc *c)
{
    x64_alu_mem_imm(&c->b, false, ALU_CMP, x64_m(RBP, 0), 0);
    trap_if(c, CC_NE, OLW_TRAP_INTERRUPTED);
}

/* r13/r14 = memory 0's base and size, from the running instance. */
static void reload_memory(jc *c)
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
static void jump_to_cell(jc *c, int cc, size_t to)
{
    size_t at = cc < 0 ? x64_jmp(&c->b) : x64_jcc(&c->b, cc);
    if (!push_fixup(&c->br, &c->nbr, &c->capbr, at, to))
        c->failed = true;
}

/* The interpreter's TAKE: interrupt check on a backward branch, the target
 * run's fuel, the jump. */
static void take(jc *c, size_t at, int64_t off, uint64_t cost)
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
static void move_slots(jc *c, uint64_t dst, uint64_t src, uint64_t n)
{
    x64_buf *b = &c->b;
    if (n <= 16) {
        for (uint64_t i = 0; i < n; i++) {
            x64_load(b, true, RAX, slot_n(c, src + i));
            x64_store(b, true, slot_n(c, dst + i), RAX);
        }
        return;
    }
    x64_rm(b, 0, true, 0x8D, 1, RSI, slot_n(c, src)); /* lea rsi, src */
    x64_rm(b, 0, true, 0x8D, 1, RDI, slot_n(c, dst));
    x64_mov_imm(b, RCX, n);
    x64_byte(b, 0xF3); /* rep movsq: ascending, right for dst < src */
    x64_byte(b, 0x48);
    x64_byte(b, 0xA5);
}

/* Calls fn(ctx, fp, ip, op) (olw_jit_step or olw_jit_call_ref): fuel and
 * memory are synchronised around it, a trap it returns unwinds. */
static void call_helper(jc *c, const void *fn, const olw_cell *ip, int op)
{
    x64_buf *b = &c->b;
    x64_store(b, true, CTX(fuel), R15);
    x64_rr(b, 0, true, 0x89, 1, R12, RDI); /* mov rdi, r12 */
    x64_rm(b, 0, true, 0x8D, 1, RSI, x64_m(RBX, -FP_BIAS)); /* lea rsi, fp */
    x64_mov_imm(b, RDX, (uint64_t)(uintptr_t)ip);
    x64_mov_imm(b, RCX, (uint64_t)op);
    x64_call_abs(b, fn);
    x64_load(b, true, R15, CTX(fuel)); /* what the helper charged, trap or not */
    x64_rr(b, 0, false, 0x85, 1, RAX, RAX); /* test eax, eax */
    x64_jcc_to(b, CC_NE, c->trap_common);
    reload_memory(c);
}

/* ---- templates ----------------------------------------------------------------- */

/* The templates rely on the order of compile.h's op list in a few places. */
_Static_assert(WOP_I32_GE_U - WOP_I32_EQ == 9 && WOP_I64_GE_U - WOP_I64_EQ == 9, "compare order");
_Static_assert(WOP_BR_I64_EQ - WOP_BR_I32_EQ == 10 && WOP_ADD_BR_I64_EQ - WOP_ADD_BR_I32_EQ == 10, "branch order");
_Static_assert(WOP_LOAD32_S64_ADD - WOP_LOAD32_ADD == WOP_LOAD32_S64 - WOP_LOAD32 &&
                   WOP_STORE16_ADD - WOP_STORE32_ADD == WOP_STORE16 - WOP_STORE32 &&
                   WOP_STORE32 == WOP_LOAD32_S64 + 1 && WOP_LOAD32_ADD == WOP_STORE16 + 1,
               "load/store order");
_Static_assert(WOP_I64_GE_U - WOP_I32_EQZ == 21, "integer compares are contiguous");
_Static_assert(WOP_F64_GE - WOP_F64_EQ == 5 && WOP_F32_GE - WOP_F32_EQ == 5, "float compare order");
_Static_assert(WOP_BR_UNLESS == WOP_BR_IF + 1 && WOP_BR_I32_EQ == WOP_BR_UNLESS + 1 &&
                   WOP_ADD_BR_I32_EQ == WOP_BR_I64_GE_U + 1,
               "conditional branches are contiguous");

/* The condition of compare number k in the order EQ NE LT_S LT_U GT_S GT_U
 * LE_S LE_U GE_S GE_U (the order of the compare ops in compile.h). */
static int cmp_cc(int k)
{
    static const int cc[] = {CC_E, CC_NE, CC_L, CC_B, CC_G, CC_A, CC_LE, CC_BE, CC_GE, CC_AE};
    return cc[k];
}

/* cmp a, b of width w (slots in cells ka, kb) */
static void emit_cmp(jc *c, const olw_cell *ip, bool w, int ka, int kb)
{
    load(c, w, RAX, ip, ka);
    rm_slot(c, w, 0x3B, 1, RAX, ip, kb);
}

/* A conditional branch: `cc` holds when taken. Cells: off at k, taken k+1,
 * fall k+2 (the last); len the instruction's length. */
static void cond_branch(jc *c, size_t at, const olw_cell *ip, int cc, int k, int len)
{
    int64_t off = ip[k].i;
    uint64_t taken = ip[k + 1].u, fall = ip[len - 1].u;
    if (off > 0 && taken == 0) {
        int64_t to = (int64_t)at + off;
        if (to < 1 || (size_t)to >= c->ncells) {
            c->failed = true;
            return;
        }
        jump_to_cell(c, cc, (size_t)to);
    } else {
        size_t over = x64_jcc(&c->b, cc ^ 1);
        take(c, at, off, taken);
        x64_patch(&c->b, over, c->b.len);
    }
    charge(c, fall);
}

/* Memory access: rax = the effective address (checked against r14), the
 * address register's upper half already zero. Returns the operand
 * [r13 + rax + disp]. */
static x64_mem mem_operand(jc *c, uint64_t offset, unsigned size)
{
    x64_buf *b = &c->b;
    if (offset + size <= INT32_MAX) {
        x64_rm(b, 0, true, 0x8D, 1, RDX, x64_m(RAX, (int32_t)(offset + size))); /* lea rdx, [rax+off+size] */
        x64_rr(b, 0, true, 0x39, 1, R14, RDX);                                  /* cmp rdx, r14 */
        trap_if(c, CC_A, OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
        return x64_mi(R13, RAX, (int32_t)offset);
    }
    x64_mov_imm(b, RDX, offset);
    x64_rr(b, 0, true, 0x01, 1, RDX, RAX); /* add rax, rdx */
    x64_rm(b, 0, true, 0x8D, 1, RDX, x64_m(RAX, (int32_t)size));
    x64_rr(b, 0, true, 0x39, 1, R14, RDX);
    trap_if(c, CC_A, OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
    return x64_mi(R13, RAX, 0);
}

/* Loads: the opcode that reads the value into eax/rax. */
static void emit_load(jc *c, int kind, x64_mem m)
{
    x64_buf *b = &c->b;
    switch (kind) {
    case WOP_LOAD32: x64_rm(b, 0, false, 0x8B, 1, RAX, m); break;
    case WOP_LOAD64: x64_rm(b, 0, true, 0x8B, 1, RAX, m); break;
    case WOP_LOAD8_S32: x64_rm(b, 0, false, 0x0FBE, 2, RAX, m); break;
    case WOP_LOAD8_U32: x64_rm(b, 0, false, 0x0FB6, 2, RAX, m); break;
    case WOP_LOAD16_S32: x64_rm(b, 0, false, 0x0FBF, 2, RAX, m); break;
    case WOP_LOAD16_U32: x64_rm(b, 0, false, 0x0FB7, 2, RAX, m); break;
    case WOP_LOAD8_S64: x64_rm(b, 0, true, 0x0FBE, 2, RAX, m); break;
    case WOP_LOAD16_S64: x64_rm(b, 0, true, 0x0FBF, 2, RAX, m); break;
    case WOP_LOAD32_S64: x64_rm(b, 0, true, 0x63, 1, RAX, m); break;
    }
}

static unsigned load_size(int kind)
{
    switch (kind) {
    case WOP_LOAD64: return 8;
    case WOP_LOAD32: case WOP_LOAD32_S64: return 4;
    case WOP_LOAD16_S32: case WOP_LOAD16_U32: case WOP_LOAD16_S64: return 2;
    default: return 1;
    }
}

static void emit_store(jc *c, int kind, x64_mem m)
{
    x64_buf *b = &c->b;
    switch (kind) {
    case WOP_STORE32: x64_rm(b, 0, false, 0x89, 1, RCX, m); break;
    case WOP_STORE64: x64_rm(b, 0, true, 0x89, 1, RCX, m); break;
    case WOP_STORE16: x64_rm(b, 0x66, false, 0x89, 1, RCX, m); break;
    case WOP_STORE8: x64_rm(b, 0, false, 0x88, 1, RCX, m); break;
    }
}

static unsigned store_size(int kind)
{
    return kind == WOP_STORE64 ? 8 : kind == WOP_STORE32 ? 4 : kind == WOP_STORE16 ? 2 : 1;
}

/* Integer division and remainder with the interpreter's traps. */
static void emit_divrem(jc *c, const olw_cell *ip, bool w, bool is_signed, bool rem)
{
    x64_buf *b = &c->b;
    load(c, w, RAX, ip, 2);
    load(c, w, RCX, ip, 3);
    x64_rr(b, 0, w, 0x85, 1, RCX, RCX);
    trap_if(c, CC_E, OLW_TRAP_DIVIDE_BY_ZERO);
    size_t done = SIZE_MAX;
    if (is_signed) {
        x64_alu_imm(b, w, ALU_CMP, RCX, -1);
        size_t normal = x64_jcc(b, CC_NE);
        if (rem) {
            x64_rr(b, 0, false, 0x31, 1, RDX, RDX); /* x % -1 = 0 */
            done = x64_jmp(b);
        } else {
            if (w) {
                x64_mov_imm(b, RDX, (uint64_t)INT64_MIN);
                x64_rr(b, 0, true, 0x39, 1, RDX, RAX);
            } else {
                x64_alu_imm(b, false, ALU_CMP, RAX, INT32_MIN);
            }
            trap_if(c, CC_E, OLW_TRAP_INTEGER_OVERFLOW);
        }
        x64_patch(b, normal, b->len);
        if (w)
            x64_byte(b, 0x48);
        x64_byte(b, 0x99);                        /* cdq / cqo */
        x64_rr(b, 0, w, 0xF7, 1, 7, RCX);         /* idiv */
    } else {
        x64_rr(b, 0, false, 0x31, 1, RDX, RDX);
        x64_rr(b, 0, w, 0xF7, 1, 6, RCX); /* div */
    }
    if (done != SIZE_MAX)
        x64_patch(b, done, b->len);
    store_result(c, ip, rem ? RDX : RAX);
}

/* Binary integer ALU op: opc is the `op reg, r/m` opcode. */
static void emit_alu(jc *c, const olw_cell *ip, bool w, uint32_t opc, int oplen)
{
    load(c, w, RAX, ip, 2);
    rm_slot(c, w, opc, oplen, RAX, ip, 3);
    store_result(c, ip, RAX);
}

static void emit_shift(jc *c, const olw_cell *ip, bool w, int ext)
{
    load(c, w, RAX, ip, 2);
    load(c, false, RCX, ip, 3);
    x64_rr(&c->b, 0, w, 0xD3, 1, ext, RAX);
    store_result(c, ip, RAX);
}

static void emit_setcc_result(jc *c, const olw_cell *ip, int cc)
{
    x64_rr(&c->b, 0, false, 0x0F90 | (uint32_t)cc, 2, 0, RAX); /* setcc al */
    x64_rr(&c->b, 0, false, 0x0FB6, 2, RAX, RAX);              /* movzx eax, al */
    store_result(c, ip, RAX);
}

/* SSE scalar op: xmm0 = [a]; xmm0 op= [b]; result stored (f32 zero-extended). */
static void emit_sse_bin(jc *c, const olw_cell *ip, bool dbl, uint8_t opc)
{
    uint8_t pre = dbl ? 0xF2 : 0xF3;
    if (dbl) {
        xrm_slot(c, pre, 0x0F10, 0, ip, 2); /* movsd xmm0, a */
        xrm_slot(c, pre, 0x0F00 | opc, 0, ip, 3);
    } else {
        x64_rm(&c->b, pre, false, 0x0F10, 2, 0, slot(c, ip, 2)); /* movss xmm0, [a] */
        x64_rm(&c->b, pre, false, 0x0F00 | opc, 2, 0, slot(c, ip, 3));
    }
    if (dbl) {
        x64_rm(&c->b, 0xF2, false, 0x0F11, 2, 0, slot(c, ip, 1));
        xc_record(c, ip[1].u, 0);
    } else {
        x64_rr(&c->b, 0x66, false, 0x0F7E, 2, 0, RAX); /* movd eax, xmm0 */
        store_result(c, ip, RAX);
    }
}

/* f64 compare into an i32 result. */
static void emit_fcmp(jc *c, const olw_cell *ip, bool dbl, int rel)
{
    /* rel: 0 eq, 1 ne, 2 lt, 3 gt, 4 le, 5 ge */
    x64_buf *b = &c->b;
    uint8_t pre = dbl ? 0xF2 : 0xF3;
    uint8_t upre = dbl ? 0x66 : 0;
    int first = (rel == 2 || rel == 4) ? 3 : 2, second = first == 2 ? 3 : 2;
    if (dbl) {
        xrm_slot(c, pre, 0x0F10, 0, ip, first);
        xrm_slot(c, upre, 0x0F2E, 0, ip, second); /* ucomisd xmm0, second */
    } else {
        x64_rm(b, pre, false, 0x0F10, 2, 0, slot(c, ip, first));
        x64_rm(b, upre, false, 0x0F2E, 2, 0, slot(c, ip, second)); /* ucomiss xmm0, [second] */
    }
    if (rel == 0 || rel == 1) {
        x64_rr(b, 0, false, 0x0F90 | (uint32_t)(rel == 0 ? CC_E : CC_NE), 2, 0, RAX);
        x64_rr(b, 0, false, 0x0F90 | (uint32_t)(rel == 0 ? CC_NP : CC_P), 2, 0, RCX);
        x64_rr(b, 0, false, rel == 0 ? 0x20 : 0x08, 1, RCX, RAX); /* and/or al, cl */
        x64_rr(b, 0, false, 0x0FB6, 2, RAX, RAX);
        store_result(c, ip, RAX);
    } else {
        emit_setcc_result(c, ip, (rel == 2 || rel == 3) ? CC_A : CC_AE);
    }
}

/* Returns the instruction's length in cells, 0 when unknown. */
static size_t emit_instr(jc *c, size_t at, int op)
{
    x64_buf *b = &c->b;
    const olw_cell *ip = c->code + at;
    switch (op) {
    case WOP_FUEL:
        charge(c, ip[1].u);
        return 2;
    case WOP_UNREACHABLE:
        x64_jmp_to(b, c->trap_stub[OLW_TRAP_UNREACHABLE]);
        return 1;
    case WOP_BR:
        take(c, at, ip[1].i, ip[2].u);
        return 3;
    case WOP_BR_IF:
    case WOP_BR_UNLESS:
        if (cached(c, ip[1].u))
            x64_rr(b, 0, false, 0x85, 1, RAX, RAX); /* test eax, eax */
        else
            x64_alu_mem_imm(b, false, ALU_CMP, slot(c, ip, 1), 0);
        cond_branch(c, at, ip, op == WOP_BR_IF ? CC_NE : CC_E, 2, 5);
        return 5;
    case WOP_BR_MOVE:
        move_slots(c, ip[5].u, ip[4].u, ip[3].u);
        take(c, at, ip[1].i, ip[2].u);
        return 6;
    case WOP_BR_TABLE: {
        uint64_t count = ip[2].u, n = ip[3].u, src = ip[4].u, ntargets = ip[5].u;
        if (count > UINT32_MAX || ntargets == 0 || ntargets > count + 1) {
            c->failed = true;
            return 0;
        }
        const uint8_t *index = (const uint8_t *)(ip + 6 + 3 * ntargets);
        load(c, false, RAX, ip, 1);
        x64_mov_imm(b, RCX, count);
        x64_rr(b, 0, true, 0x39, 1, RCX, RAX);          /* cmp rax, rcx */
        x64_rr(b, 0, true, 0x0F40 | CC_A, 2, RAX, RCX); /* cmova rax, rcx */
        /* lea rcx, [rip + table] */
        x64_byte(b, 0x48);
        x64_byte(b, 0x8D);
        x64_byte(b, 0x0D);
        size_t lea_rel = b->len;
        x64_u32(b, 0);
        x64_rm(b, 0, true, 0x63, 1, RAX, (x64_mem){RCX, RAX, 4, 0}); /* movsxd rax, [rcx+rax*4] */
        x64_rr(b, 0, true, 0x01, 1, RCX, RAX);                        /* add rax, rcx */
        x64_rr(b, 0, false, 0xFF, 1, 4, RAX);                         /* jmp rax */
        size_t table = b->len;
        x64_patch(b, lea_rel, table);
        for (uint64_t i = 0; i <= count; i++)
            x64_u32(b, 0);
        size_t *stub = malloc(ntargets * sizeof *stub);
        if (!stub) {
            c->failed = true;
            return 0;
        }
        for (uint64_t e = 0; e < ntargets; e++) {
            const olw_cell *entry = ip + 6 + 3 * e;
            stub[e] = b->len;
            int64_t off = entry[0].i;
            if (off <= 0)
                check_interrupt(c);
            charge(c, entry[2].u);
            if (src != entry[1].u)
                move_slots(c, entry[1].u, src, n);
            int64_t to = (int64_t)at + off;
            if (to < 1 || (size_t)to >= c->ncells)
                c->failed = true;
            else
                jump_to_cell(c, -1, (size_t)to);
        }
        if (!b->oom) {
            for (uint64_t i = 0; i <= count; i++) {
                uint32_t t;
                memcpy(&t, index + 4 * i, 4);
                if (t >= ntargets) {
                    c->failed = true;
                    break;
                }
                int32_t rel = (int32_t)((int64_t)stub[t] - (int64_t)table);
                memcpy(b->p + table + 4 * i, &rel, 4);
            }
        }
        free(stub);
        return 6 + 3 * ntargets + (count + 2) / 2;
    }
    case WOP_RETURN: {
        uint64_t n = ip[1].u, src = ip[2].u;
        if (src != 0)
            move_slots(c, 0, src, n);
        x64_rm(b, 0, true, 0xFF, 1, 0, CTX(depth_left)); /* inc */
        x64_alu_imm(b, true, ALU_ADD, RSP, 8);
        x64_byte(b, 0xC3);
        return 3;
    }
    case WOP_CALL: {
        const olw_compiled_func *cf = ip[1].p;
        size_t idx = (size_t)(cf - c->cm->funcs);
        if (cf < c->cm->funcs || idx >= c->cm->nfuncs) {
            c->failed = true;
            return 0;
        }
        int32_t delta = slot(c, ip, 2).disp + FP_BIAS; /* the callee's frame starts at this slot */
        if (delta)
            x64_alu_imm(b, true, ALU_ADD, RBX, delta);
        size_t at_call = x64_call_rel(b);
        if (!push_fixup(&c->calls, &c->ncalls, &c->capcalls, at_call, idx))
            c->failed = true;
        if (delta)
            x64_alu_imm(b, true, ALU_SUB, RBX, delta);
        reload_memory(c);
        charge(c, ip[3].u);
        return 4;
    }
    case WOP_CALL_FUNC:
        call_helper(c, (const void *)olw_jit_call_ref, ip, op);
        charge(c, ip[3].u);
        return 4;
    case WOP_CALL_INDIRECT: {
        /* The common case in machine code: an entry of the table holding a
         * function of this same instance (so of this module's code) whose
         * type is the very type expected. Anything else, traps included,
         * goes through olw_jit_call_ref. */
        uint64_t table = ip[1].u;
        const olw_functype *want = ip[2].p;
        if (table > INT32_MAX / 8) {
            c->failed = true;
            return 0;
        }
        x64_load(b, true, RCX, CTX(inst));
        x64_load(b, true, RDX, x64_m(RCX, (int32_t)offsetof(olw_instance, tables)));
        x64_load(b, true, RDX, x64_m(RDX, (int32_t)(table * 8)));
        load(c, false, RAX, ip, 4);
        x64_rm(b, 0, false, 0x3B, 1, RAX, x64_m(RDX, (int32_t)offsetof(olw_table, size))); /* cmp eax, size */
        size_t slow1 = x64_jcc(b, CC_AE);
        x64_load(b, true, RDX, x64_m(RDX, (int32_t)offsetof(olw_table, elems)));
        x64_load(b, true, RDX, (x64_mem){RDX, RAX, 8, 0});
        x64_rr(b, 0, true, 0x85, 1, RDX, RDX);
        size_t slow2 = x64_jcc(b, CC_E);
        x64_rm(b, 0, true, 0x3B, 1, RCX, x64_m(RDX, (int32_t)offsetof(olw_func, instance)));
        size_t slow3 = x64_jcc(b, CC_NE);
        x64_mov_imm(b, RAX, (uint64_t)(uintptr_t)want->types);
        x64_rm(b, 0, true, 0x3B, 1, RAX, x64_m(RDX, (int32_t)(offsetof(olw_func, type) + offsetof(olw_functype, types))));
        size_t slow4 = x64_jcc(b, CC_NE);
        x64_load(b, true, RAX, x64_m(RDX, (int32_t)offsetof(olw_func, jit_entry)));
        x64_rr(b, 0, true, 0x85, 1, RAX, RAX);
        size_t slow5 = x64_jcc(b, CC_E);
        int32_t delta = slot(c, ip, 3).disp + FP_BIAS;
        if (delta)
            x64_alu_imm(b, true, ALU_ADD, RBX, delta);
        x64_rr(b, 0, false, 0xFF, 1, 2, RAX); /* call rax */
        if (delta)
            x64_alu_imm(b, true, ALU_SUB, RBX, delta);
        reload_memory(c);
        size_t done = x64_jmp(b);
        x64_patch(b, slow1, b->len);
        x64_patch(b, slow2, b->len);
        x64_patch(b, slow3, b->len);
        x64_patch(b, slow4, b->len);
        x64_patch(b, slow5, b->len);
        call_helper(c, (const void *)olw_jit_call_ref, ip, op);
        x64_patch(b, done, b->len);
        charge(c, ip[5].u);
        return 6;
    }
    case WOP_COPY:
        load(c, true, RAX, ip, 2);
        store_result(c, ip, RAX);
        return 3;
    case WOP_COPY2:
        load(c, true, RAX, ip, 2);
        store_result(c, ip, RAX);
        load(c, true, RAX, ip, 4);
        x64_store(b, true, slot(c, ip, 3), RAX);
        wc_record(c, ip[3].u, RAX);
        c->rax_slot = -1;
        return 5;
    case WOP_CONST:
        x64_store_imm(b, slot(c, ip, 1), ip[2].u, RAX);
        wc_forget(c, ip[1].u);
        return 3;
    case WOP_SELECT:
        load(c, true, RAX, ip, 3);
        x64_alu_mem_imm(b, false, ALU_CMP, slot(c, ip, 4), 0);
        x64_rm(b, 0, true, 0x0F40 | CC_NE, 2, RAX, slot(c, ip, 2)); /* cmovne rax, [a] */
        store_result(c, ip, RAX);
        return 5;
    case WOP_GLOBAL_GET:
    case WOP_GLOBAL_SET: {
        uint64_t idx = ip[op == WOP_GLOBAL_GET ? 2 : 1].u;
        if (idx > INT32_MAX / 8) {
            c->failed = true;
            return 0;
        }
        x64_load(b, true, RCX, CTX(inst));
        x64_load(b, true, RCX, x64_m(RCX, (int32_t)offsetof(olw_instance, globals)));
        x64_load(b, true, RCX, x64_m(RCX, (int32_t)(idx * 8)));
        x64_mem v = x64_m(RCX, (int32_t)offsetof(olw_global, value));
        if (op == WOP_GLOBAL_GET) {
            x64_load(b, true, RAX, v);
            store_result(c, ip, RAX);
        } else {
            load(c, true, RAX, ip, 2);
            x64_store(b, true, v, RAX);
        }
        return 3;
    }
    case WOP_LOAD32: case WOP_LOAD64: case WOP_LOAD8_S32: case WOP_LOAD8_U32: case WOP_LOAD16_S32:
    case WOP_LOAD16_U32: case WOP_LOAD8_S64: case WOP_LOAD16_S64: case WOP_LOAD32_S64:
        load(c, false, RAX, ip, 2);
        emit_load(c, op, mem_operand(c, ip[3].u, load_size(op)));
        store_result(c, ip, RAX);
        return 4;
    case WOP_LOAD32_ADD: case WOP_LOAD64_ADD: case WOP_LOAD8_S32_ADD: case WOP_LOAD8_U32_ADD:
    case WOP_LOAD16_S32_ADD: case WOP_LOAD16_U32_ADD: case WOP_LOAD8_S64_ADD: case WOP_LOAD16_S64_ADD:
    case WOP_LOAD32_S64_ADD: {
        int kind = op - WOP_LOAD32_ADD + WOP_LOAD32;
        load(c, false, RAX, ip, 2);
        rm_slot(c, false, 0x03, 1, RAX, ip, 3);
        emit_load(c, kind, mem_operand(c, ip[4].u, load_size(kind)));
        store_result(c, ip, RAX);
        return 5;
    }
    case WOP_STORE32: case WOP_STORE64: case WOP_STORE8: case WOP_STORE16:
        load(c, false, RAX, ip, 1);
        load(c, true, RCX, ip, 2);
        emit_store(c, op, mem_operand(c, ip[3].u, store_size(op)));
        return 4;
    case WOP_STORE32_ADD: case WOP_STORE64_ADD: case WOP_STORE8_ADD: case WOP_STORE16_ADD: {
        int kind = op - WOP_STORE32_ADD + WOP_STORE32;
        load(c, false, RAX, ip, 1);
        rm_slot(c, false, 0x03, 1, RAX, ip, 2);
        load(c, true, RCX, ip, 3);
        emit_store(c, kind, mem_operand(c, ip[4].u, store_size(kind)));
        return 5;
    }
    case WOP_I32_EQZ:
    case WOP_I64_EQZ:
        x64_alu_mem_imm(b, op == WOP_I64_EQZ, ALU_CMP, slot(c, ip, 2), 0);
        emit_setcc_result(c, ip, CC_E);
        return 3;
    case WOP_I32_ADD: emit_alu(c, ip, false, 0x03, 1); return 4;
    case WOP_I32_SUB: emit_alu(c, ip, false, 0x2B, 1); return 4;
    case WOP_I32_MUL: emit_alu(c, ip, false, 0x0FAF, 2); return 4;
    case WOP_I32_AND: emit_alu(c, ip, false, 0x23, 1); return 4;
    case WOP_I32_OR: emit_alu(c, ip, false, 0x0B, 1); return 4;
    case WOP_I32_XOR: emit_alu(c, ip, false, 0x33, 1); return 4;
    case WOP_I64_ADD: emit_alu(c, ip, true, 0x03, 1); return 4;
    case WOP_I64_SUB: emit_alu(c, ip, true, 0x2B, 1); return 4;
    case WOP_I64_MUL: emit_alu(c, ip, true, 0x0FAF, 2); return 4;
    case WOP_I64_AND: emit_alu(c, ip, true, 0x23, 1); return 4;
    case WOP_I64_OR: emit_alu(c, ip, true, 0x0B, 1); return 4;
    case WOP_I64_XOR: emit_alu(c, ip, true, 0x33, 1); return 4;
    case WOP_I32_SHL: emit_shift(c, ip, false, 4); return 4;
    case WOP_I32_SHR_S: emit_shift(c, ip, false, 7); return 4;
    case WOP_I32_SHR_U: emit_shift(c, ip, false, 5); return 4;
    case WOP_I32_ROTL: emit_shift(c, ip, false, 0); return 4;
    case WOP_I32_ROTR: emit_shift(c, ip, false, 1); return 4;
    case WOP_I64_SHL: emit_shift(c, ip, true, 4); return 4;
    case WOP_I64_SHR_S: emit_shift(c, ip, true, 7); return 4;
    case WOP_I64_SHR_U: emit_shift(c, ip, true, 5); return 4;
    case WOP_I64_ROTL: emit_shift(c, ip, true, 0); return 4;
    case WOP_I64_ROTR: emit_shift(c, ip, true, 1); return 4;
    case WOP_I32_DIV_S: emit_divrem(c, ip, false, true, false); return 4;
    case WOP_I32_DIV_U: emit_divrem(c, ip, false, false, false); return 4;
    case WOP_I32_REM_S: emit_divrem(c, ip, false, true, true); return 4;
    case WOP_I32_REM_U: emit_divrem(c, ip, false, false, true); return 4;
    case WOP_I64_DIV_S: emit_divrem(c, ip, true, true, false); return 4;
    case WOP_I64_DIV_U: emit_divrem(c, ip, true, false, false); return 4;
    case WOP_I64_REM_S: emit_divrem(c, ip, true, true, true); return 4;
    case WOP_I64_REM_U: emit_divrem(c, ip, true, false, true); return 4;
    case WOP_I32_ADD3:
        load(c, false, RAX, ip, 2);
        rm_slot(c, false, 0x03, 1, RAX, ip, 3);
        rm_slot(c, false, 0x03, 1, RAX, ip, 4);
        store_result(c, ip, RAX);
        return 5;
    case WOP_I32_SHL_ADD:
        load(c, false, RAX, ip, 2);
        load(c, false, RCX, ip, 3);
        x64_rr(b, 0, false, 0xD3, 1, 4, RAX);
        rm_slot(c, false, 0x03, 1, RAX, ip, 4);
        store_result(c, ip, RAX);
        return 5;
    case WOP_I32_WRAP_I64:
    case WOP_I64_EXTEND_I32_U:
        load(c, false, RAX, ip, 2);
        store_result(c, ip, RAX);
        return 3;
    case WOP_I64_EXTEND_I32_S:
    case WOP_I64_EXTEND32_S:
        x64_rm(b, 0, true, 0x63, 1, RAX, slot(c, ip, 2));
        store_result(c, ip, RAX);
        return 3;
    case WOP_I32_EXTEND8_S: x64_rm(b, 0, false, 0x0FBE, 2, RAX, slot(c, ip, 2)); store_result(c, ip, RAX); return 3;
    case WOP_I32_EXTEND16_S: x64_rm(b, 0, false, 0x0FBF, 2, RAX, slot(c, ip, 2)); store_result(c, ip, RAX); return 3;
    case WOP_I64_EXTEND8_S: x64_rm(b, 0, true, 0x0FBE, 2, RAX, slot(c, ip, 2)); store_result(c, ip, RAX); return 3;
    case WOP_I64_EXTEND16_S: x64_rm(b, 0, true, 0x0FBF, 2, RAX, slot(c, ip, 2)); store_result(c, ip, RAX); return 3;
    case WOP_F64_ADD: emit_sse_bin(c, ip, true, 0x58); return 4;
    case WOP_F64_SUB: emit_sse_bin(c, ip, true, 0x5C); return 4;
    case WOP_F64_MUL: emit_sse_bin(c, ip, true, 0x59); return 4;
    case WOP_F64_DIV: emit_sse_bin(c, ip, true, 0x5E); return 4;
    case WOP_F32_ADD: emit_sse_bin(c, ip, false, 0x58); return 4;
    case WOP_F32_SUB: emit_sse_bin(c, ip, false, 0x5C); return 4;
    case WOP_F32_MUL: emit_sse_bin(c, ip, false, 0x59); return 4;
    case WOP_F32_DIV: emit_sse_bin(c, ip, false, 0x5E); return 4;
    case WOP_F64_MUL_ADD: case WOP_F64_ADD_MUL: case WOP_F64_MUL_SUB: case WOP_F64_SUB_MUL: {
        /* the product rounded first, then the add/sub, operands in the
         * interpreter's order (interp_ops.h) */
        xrm_slot(c, 0xF2, 0x0F10, 0, ip, 2); /* movsd xmm0, x */
        xrm_slot(c, 0xF2, 0x0F59, 0, ip, 3); /* mulsd xmm0, y */
        if (op == WOP_F64_MUL_ADD || op == WOP_F64_MUL_SUB) {
            xrm_slot(c, 0xF2, op == WOP_F64_MUL_ADD ? 0x0F58 : 0x0F5C, 0, ip, 4);
            x64_rm(b, 0xF2, false, 0x0F11, 2, 0, slot(c, ip, 1));
            xc_record(c, ip[1].u, 0);
        } else {
            xrm_slot(c, 0xF2, 0x0F10, 1, ip, 4); /* movsd xmm1, z */
            x64_rr(b, 0xF2, false, op == WOP_F64_ADD_MUL ? 0x0F58 : 0x0F5C, 2, 1, 0); /* xmm1 op= xmm0 */
            x64_rm(b, 0xF2, false, 0x0F11, 2, 1, slot(c, ip, 1));
            xc_record(c, ip[1].u, 1);
        }
        return 5;
    }
    case WOP_F64_SQRT:
        xrm_slot(c, 0xF2, 0x0F51, 0, ip, 2); /* sqrtsd xmm0, a */
        x64_rm(b, 0xF2, false, 0x0F11, 2, 0, slot(c, ip, 1));
        xc_record(c, ip[1].u, 0);
        return 3;
    case WOP_F64_CONVERT_I32_S:
        x64_rm(b, 0xF2, false, 0x0F2A, 2, 0, slot(c, ip, 2)); /* cvtsi2sd xmm0, dword [a] */
        x64_rm(b, 0xF2, false, 0x0F11, 2, 0, slot(c, ip, 1));
        xc_record(c, ip[1].u, 0);
        return 3;
    case WOP_F64_CONVERT_I64_S:
        x64_rm(b, 0xF2, true, 0x0F2A, 2, 0, slot(c, ip, 2)); /* cvtsi2sd xmm0, qword [a] */
        x64_rm(b, 0xF2, false, 0x0F11, 2, 0, slot(c, ip, 1));
        xc_record(c, ip[1].u, 0);
        return 3;
    case WOP_F64_CONVERT_I32_U:
        load(c, false, RAX, ip, 2); /* zero-extended: exact as a signed 64-bit value */
        x64_rr(b, 0xF2, true, 0x0F2A, 2, 0, RAX);
        x64_rm(b, 0xF2, false, 0x0F11, 2, 0, slot(c, ip, 1));
        xc_record(c, ip[1].u, 0);
        return 3;
    case WOP_F64_PROMOTE_F32:
        x64_rm(b, 0xF3, false, 0x0F5A, 2, 0, slot(c, ip, 2)); /* cvtss2sd xmm0, [a] */
        x64_rm(b, 0xF2, false, 0x0F11, 2, 0, slot(c, ip, 1));
        xc_record(c, ip[1].u, 0);
        return 3;
    case WOP_F32_DEMOTE_F64:
        x64_rm(b, 0xF2, false, 0x0F5A, 2, 0, slot(c, ip, 2)); /* cvtsd2ss xmm0, [a] */
        x64_rr(b, 0x66, false, 0x0F7E, 2, 0, RAX);
        store_result(c, ip, RAX);
        return 3;
    case WOP_F64_ABS:
    case WOP_F64_NEG:
        load(c, true, RAX, ip, 2);
        x64_rr(b, 0, true, 0x0FBA, 2, op == WOP_F64_ABS ? 6 : 7, RAX); /* btr/btc rax, 63 */
        x64_byte(b, 63);
        store_result(c, ip, RAX);
        return 3;
    case WOP_F32_ABS:
    case WOP_F32_NEG:
        load(c, false, RAX, ip, 2);
        x64_rr(b, 0, false, 0x0FBA, 2, op == WOP_F32_ABS ? 6 : 7, RAX); /* btr/btc eax, 31 */
        x64_byte(b, 31);
        store_result(c, ip, RAX);
        return 3;
    case WOP_F64_EQ: case WOP_F64_NE: case WOP_F64_LT: case WOP_F64_GT: case WOP_F64_LE: case WOP_F64_GE:
        emit_fcmp(c, ip, true, op - WOP_F64_EQ);
        return 4;
    case WOP_F32_EQ: case WOP_F32_NE: case WOP_F32_LT: case WOP_F32_GT: case WOP_F32_LE: case WOP_F32_GE:
        emit_fcmp(c, ip, false, op - WOP_F32_EQ);
        return 4;
    default:
        break;
    }
    if (op >= WOP_I32_EQ && op <= WOP_I32_GE_U) {
        int cc = cmp_cc(op - WOP_I32_EQ);
        emit_cmp(c, ip, false, 2, 3);
        emit_setcc_result(c, ip, cc);
        return 4;
    }
    if (op >= WOP_I64_EQ && op <= WOP_I64_GE_U) {
        int cc = cmp_cc(op - WOP_I64_EQ);
        emit_cmp(c, ip, true, 2, 3);
        emit_setcc_result(c, ip, cc);
        return 4;
    }
    if (op >= WOP_BR_I32_EQ && op <= WOP_BR_I64_GE_U) {
        bool w = op >= WOP_BR_I64_EQ;
        int cc = cmp_cc(op - (w ? WOP_BR_I64_EQ : WOP_BR_I32_EQ));
        emit_cmp(c, ip, w, 1, 2);
        cond_branch(c, at, ip, cc, 3, 6);
        return 6;
    }
    if (op >= WOP_ADD_BR_I32_EQ && op <= WOP_ADD_BR_I64_GE_U) {
        bool w = op >= WOP_ADD_BR_I64_EQ;
        int cc = cmp_cc(op - (w ? WOP_ADD_BR_I64_EQ : WOP_ADD_BR_I32_EQ));
        load(c, w, RAX, ip, 2);
        rm_slot(c, w, 0x03, 1, RAX, ip, 3);
        store_result(c, ip, RAX);
        emit_cmp(c, ip, w, 4, 5);
        cond_branch(c, at, ip, cc, 6, 9);
        return 9;
    }
    /* everything else: the interpreter's semantics through olw_jit_step */
    size_t len;
    switch (op) {
#define OP_LEN_UN(name, expr) case WOP_##name: len = 3; break;
#define OP_LEN_BIN(name, expr) case WOP_##name: len = 4; break;
#define OP_LEN_BLOCK(name, n, ...) case WOP_##name: len = n; break;
        OLW_NUMERIC_OPS(OP_LEN_UN, OP_LEN_BIN, OP_LEN_BLOCK)
        OLW_RUNTIME_OPS(OP_LEN_BLOCK)
#undef OP_LEN_UN
#undef OP_LEN_BIN
#undef OP_LEN_BLOCK
    default:
        c->failed = true;
        return 0;
    }
    call_helper(c, (const void *)olw_jit_step, ip, op);
    return len;
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
        int k = op == WOP_BR || op == WOP_BR_MOVE ? 1
                : op == WOP_BR_IF || op == WOP_BR_UNLESS ? 2
                : op >= WOP_BR_I32_EQ && op <= WOP_BR_I64_GE_U ? 3
                : op >= WOP_ADD_BR_I32_EQ && op <= WOP_ADD_BR_I64_GE_U ? 6 : 0;
        if (k) {
            int64_t to = (int64_t)at + ip[k].i;
            if (to >= 0 && (size_t)to <= cf->ncells)
                c->landing[to] = 1;
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

/* Entry: the interpreter's `enter` checks and charge, then the frame's
 * declared locals (zero) and constants. */
static void emit_prologue(jc *c, const olw_compiled_func *cf)
{
    x64_buf *b = &c->b;
    x64_alu_imm(b, true, ALU_SUB, RSP, 8); /* keeps calls to C 16-byte aligned */
    x64_alu_mem_imm(b, true, ALU_CMP, CTX(depth_left), 0);
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
    x64_rm(b, 0, true, 0xFF, 1, 1, CTX(depth_left)); /* dec */
    uint64_t p = cf->nparams;
    if (cf->nlocals <= 16) {
        if (cf->nlocals)
            x64_rr(b, 0, false, 0x31, 1, RAX, RAX);
        for (uint32_t i = 0; i < cf->nlocals; i++)
            x64_store(b, true, slot_n(c, p + i), RAX);
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
}

static bool compile_func(jc *c, const olw_compiled_func *cf)
{
    c->code = cf->code;
    c->ncells = cf->ncells;
    c->nbr = c->nfs = 0;
    uint32_t *pos = malloc((cf->ncells + 1) * sizeof *pos);
    if (!pos)
        return false;
    memset(pos, 0xff, (cf->ncells + 1) * sizeof *pos);
    c->landing = calloc(cf->ncells + 1, 1);
    if (!c->landing || !find_landings(c, cf)) {
        free(pos);
        free(c->landing);
        c->landing = NULL;
        return false;
    }
    c->rax_slot = -1;
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
        int op = op_of(c, cf->code[at].op);
        if (op < 0 || op == WOP_EXIT) {
            c->failed = true;
            break;
        }
        c->cache_in = c->landing[at] || c->rax_end != c->b.len ? -1 : c->rax_slot;
        c->rax_slot = -1;
        c->instr_start = c->b.len;
        bool keeps = wc_keeps(op);
        if (c->landing[at] || !keeps)
            wc_reset(c);
        size_t len = emit_instr(c, at, op);
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
    c->landing = NULL;
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
    x64_load(b, true, RBP, CTX(store));
    x64_rm(b, 0, true, 0x8D, 1, RBP, x64_m(RBP, (int32_t)offsetof(olw_store, interrupt)));
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
