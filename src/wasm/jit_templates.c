/*
 * jit_templates.c — one machine-code template per internal instruction
 * (compile.h), for jit_compile.c. Each reads its operands from frame slots
 * (or the register caches of jit_internal.h) and writes its result back;
 * branches charge their target run's fuel on the edge as the interpreter
 * does; instructions without a template call olw_jit_step.
 */
#include "wasm/interp_ops.h" /* the instruction lists, for lengths */
#include "wasm/jit_internal.h"

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
    if (w)
        load(c, true, RAX, ip, ka);
    else
        load32(c, RAX, ip, ka);
    alu_slot(c, w, 0x3B, 1, RAX, ip, kb);
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

/* mem_operand for the address in slot `addr` (loaded into rax): without
 * the check when this straight-line run already checked that slot for an
 * offset + size at least as large (the same address, the same or a smaller
 * end: in bounds too). */
static x64_mem mem_checked2(jc *c, uint64_t addr, int64_t addr2, uint64_t offset, unsigned size)
{
    uint64_t end = offset + size;
    if (end <= INT32_MAX) {
        for (int i = 0; i < 4; i++)
            if (c->chk_slot[i] == (int64_t)addr && c->chk_slot2[i] == addr2 && c->chk_end[i] >= end)
                return x64_mi(R13, RAX, (int32_t)offset);
    }
    x64_mem m = mem_operand(c, offset, size);
    if (end <= INT32_MAX) {
        int k = -1;
        for (int i = 0; i < 4 && k < 0; i++)
            if (c->chk_slot[i] == (int64_t)addr && c->chk_slot2[i] == addr2)
                k = i;
        if (k < 0)
            k = (int)(c->chk_next++ % 4);
        c->chk_slot[k] = (int64_t)addr;
        c->chk_slot2[k] = addr2;
        c->chk_end[k] = end;
    }
    return m;
}

static x64_mem mem_checked(jc *c, uint64_t addr, uint64_t offset, unsigned size)
{
    return mem_checked2(c, addr, -1, offset, size);
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

/* Whether the next instruction (same straight-line run) reads slot s as
 * an f64 operand through xrm_slot: then a 64-bit load goes straight to an
 * xmm register (no trip through an integer register and the frame). */
static bool next_reads_f64(const jc *c, uint64_t s)
{
    for (int j = 0; j < 3; j++) {
        const olw_cell *n = c->next_ip[j];
        int op = c->next_op[j];
        switch (op) {
        case WOP_F64_ADD: case WOP_F64_SUB: case WOP_F64_MUL: case WOP_F64_DIV:
        case WOP_F64_EQ: case WOP_F64_NE: case WOP_F64_LT: case WOP_F64_GT: case WOP_F64_LE: case WOP_F64_GE:
            return n[2].u == s || n[3].u == s;
        case WOP_F64_MUL_ADD: case WOP_F64_ADD_MUL: case WOP_F64_MUL_SUB: case WOP_F64_SUB_MUL:
            return n[2].u == s || n[3].u == s || n[4].u == s;
        case WOP_F64_SQRT:
            return n[2].u == s;
        case WOP_LOAD64: case WOP_LOAD64_ADD:
            /* another load in between (its own result elsewhere): look past it */
            if (n[1].u == s)
                return false;
            continue;
        default:
            return false;
        }
    }
    return false;
}

/* A 64-bit load whose result is read next as an f64: movsd xmm0, [m]. */
static void emit_load_f64(jc *c, const olw_cell *ip, x64_mem m)
{
    x64_rm(&c->b, 0xF2, false, 0x0F10, 2, 0, m);                /* movsd xmm0, [m] */
    store_f64(c, ip, 0);
}

/* The xmm register holding slot s when only the f64 cache has it (a
 * 64-bit store of an f64 result then stores it with movsd), else -1. */
static int f64_only(jc *c, uint64_t s)
{
    if (cached(c, s) || wc_find(c, s) >= 0)
        return -1;
    return xc_find(c, s);
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
    if (w)
        load(c, true, RAX, ip, 2);
    else
        load32(c, RAX, ip, 2);
    alu_slot(c, w, opc, oplen, RAX, ip, 3);
    store_result(c, ip, RAX);
}

static void emit_shift(jc *c, const olw_cell *ip, bool w, int ext)
{
    uint64_t v;
    bool imm = const_slot(c, ip[3].u, &v) && (v & (w ? 63 : 31)) != 0;
    if (imm && !w)
        load32(c, RAX, ip, 2); /* a shift by a nonzero count writes eax: zero-extends */
    else
        load(c, w, RAX, ip, 2);
    if (imm) { /* shift by a constant: the count masked as the CPU does */
        x64_rr(&c->b, 0, w, 0xC1, 1, ext, RAX);
        x64_byte(&c->b, (uint8_t)(v & (w ? 63 : 31)));
    } else {
        load(c, false, RCX, ip, 3);
        x64_rr(&c->b, 0, w, 0xD3, 1, ext, RAX);
    }
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
        store_f64(c, ip, 0);
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
size_t jit_emit_instr(jc *c, size_t at, int op)
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
        else if (wc_find(c, ip[1].u) >= 0) /* no store-to-load round trip */
            x64_rr(b, 0, false, 0x85, 1, wc_find(c, ip[1].u), wc_find(c, ip[1].u));
        else
            x64_alu_mem_imm(b, false, ALU_CMP, slot(c, ip, 1), 0);
        cond_branch(c, at, ip, op == WOP_BR_IF ? CC_NE : CC_E, 2, 5);
        return 5;
    case WOP_BR_MOVE:
        move_slots(c, ip[5].u, ip[4].u, ip[3].u, true);
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
                move_slots(c, entry[1].u, src, n, true);
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
            move_slots(c, 0, src, n, false); /* leaving: no pinned register matters */
        x64_rr(b, 0, true, 0xFF, 1, 0, RBP); /* inc rbp: depth_left */
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
        /* no reload_memory: the callee is code of this same instance, which
         * keeps r13/r14 up to date itself (it reloads after everything that
         * may change the memory), so they are right when it returns */
        pin_reload_all(c);
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
        /* same instance: r13/r14 are already right (see WOP_CALL) */
        pin_reload_all(c);
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
        pin_reload(c, ip[1].u);
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
        if (op == WOP_LOAD64 && next_reads_f64(c, ip[1].u)) {
            emit_load_f64(c, ip, mem_checked(c, ip[2].u, ip[3].u, 8));
            return 4;
        }
        emit_load(c, op, mem_checked(c, ip[2].u, ip[3].u, load_size(op)));
        store_result(c, ip, RAX);
        return 4;
    case WOP_LOAD32_ADD: case WOP_LOAD64_ADD: case WOP_LOAD8_S32_ADD: case WOP_LOAD8_U32_ADD:
    case WOP_LOAD16_S32_ADD: case WOP_LOAD16_U32_ADD: case WOP_LOAD8_S64_ADD: case WOP_LOAD16_S64_ADD:
    case WOP_LOAD32_S64_ADD: {
        int kind = op - WOP_LOAD32_ADD + WOP_LOAD32;
        load32(c, RAX, ip, 2);
        alu_slot(c, false, 0x03, 1, RAX, ip, 3);
        if (kind == WOP_LOAD64 && next_reads_f64(c, ip[1].u)) {
            emit_load_f64(c, ip, mem_checked2(c, ip[2].u, (int64_t)ip[3].u, ip[4].u, 8));
            return 5;
        }
        emit_load(c, kind, mem_checked2(c, ip[2].u, (int64_t)ip[3].u, ip[4].u, load_size(kind)));
        store_result(c, ip, RAX);
        return 5;
    }
    case WOP_STORE32: case WOP_STORE64: case WOP_STORE8: case WOP_STORE16: {
        int x = op == WOP_STORE64 ? f64_only(c, ip[2].u) : -1;
        load(c, false, RAX, ip, 1);
        if (x >= 0) {
            x64_rm(b, 0xF2, false, 0x0F11, 2, x, mem_checked(c, ip[1].u, ip[3].u, 8)); /* movsd [m], xmm */
            return 4;
        }
        load(c, true, RCX, ip, 2);
        emit_store(c, op, mem_checked(c, ip[1].u, ip[3].u, store_size(op)));
        return 4;
    }
    case WOP_STORE32_ADD: case WOP_STORE64_ADD: case WOP_STORE8_ADD: case WOP_STORE16_ADD: {
        int kind = op - WOP_STORE32_ADD + WOP_STORE32;
        int x = kind == WOP_STORE64 ? f64_only(c, ip[3].u) : -1;
        load32(c, RAX, ip, 1);
        alu_slot(c, false, 0x03, 1, RAX, ip, 2);
        if (x >= 0) {
            x64_rm(b, 0xF2, false, 0x0F11, 2, x, mem_checked2(c, ip[1].u, (int64_t)ip[2].u, ip[4].u, 8));
            return 5;
        }
        load(c, true, RCX, ip, 3);
        emit_store(c, kind, mem_checked2(c, ip[1].u, (int64_t)ip[2].u, ip[4].u, store_size(kind)));
        return 5;
    }
    case WOP_I32_EQZ:
    case WOP_I64_EQZ:
        if (wc_find(c, ip[2].u) >= 0)
            x64_rr(b, 0, op == WOP_I64_EQZ, 0x85, 1, wc_find(c, ip[2].u), wc_find(c, ip[2].u));
        else
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
        load32(c, RAX, ip, 2);
        alu_slot(c, false, 0x03, 1, RAX, ip, 3);
        alu_slot(c, false, 0x03, 1, RAX, ip, 4);
        store_result(c, ip, RAX);
        return 5;
    case WOP_I32_SHL_ADD: {
        uint64_t v;
        load32(c, RAX, ip, 2);
        if (const_slot(c, ip[3].u, &v)) {
            x64_rr(b, 0, false, 0xC1, 1, 4, RAX); /* shl eax, imm8 */
            x64_byte(b, (uint8_t)(v & 31));
        } else {
            load(c, false, RCX, ip, 3);
            x64_rr(b, 0, false, 0xD3, 1, 4, RAX);
        }
        alu_slot(c, false, 0x03, 1, RAX, ip, 4);
        store_result(c, ip, RAX);
        return 5;
    }
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
            store_f64(c, ip, 0);
        } else {
            xrm_slot(c, 0xF2, 0x0F10, 1, ip, 4); /* movsd xmm1, z */
            x64_rr(b, 0xF2, false, op == WOP_F64_ADD_MUL ? 0x0F58 : 0x0F5C, 2, 1, 0); /* xmm1 op= xmm0 */
            store_f64(c, ip, 1);
        }
        return 5;
    }
    case WOP_F64_SQRT:
        xrm_slot(c, 0xF2, 0x0F51, 0, ip, 2); /* sqrtsd xmm0, a */
        store_f64(c, ip, 0);
        return 3;
    case WOP_F64_CONVERT_I32_S:
        if (cached(c, ip[2].u) || wc_find(c, ip[2].u) >= 0) {
            load32(c, RAX, ip, 2);
            x64_rr(b, 0xF2, false, 0x0F2A, 2, 0, RAX); /* cvtsi2sd xmm0, eax */
        } else {
            x64_rm(b, 0xF2, false, 0x0F2A, 2, 0, slot(c, ip, 2)); /* cvtsi2sd xmm0, dword [a] */
        }
        store_f64(c, ip, 0);
        return 3;
    case WOP_F64_CONVERT_I64_S:
        if (cached(c, ip[2].u) || wc_find(c, ip[2].u) >= 0) {
            load(c, true, RAX, ip, 2);
            x64_rr(b, 0xF2, true, 0x0F2A, 2, 0, RAX); /* cvtsi2sd xmm0, rax */
        } else {
            x64_rm(b, 0xF2, true, 0x0F2A, 2, 0, slot(c, ip, 2)); /* cvtsi2sd xmm0, qword [a] */
        }
        store_f64(c, ip, 0);
        return 3;
    case WOP_F64_CONVERT_I32_U:
        load(c, false, RAX, ip, 2); /* zero-extended: exact as a signed 64-bit value */
        x64_rr(b, 0xF2, true, 0x0F2A, 2, 0, RAX);
        store_f64(c, ip, 0);
        return 3;
    case WOP_F64_PROMOTE_F32:
        x64_rm(b, 0xF3, false, 0x0F5A, 2, 0, slot(c, ip, 2)); /* cvtss2sd xmm0, [a] */
        store_f64(c, ip, 0);
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
        if (w)
            load(c, true, RAX, ip, 2);
        else
            load32(c, RAX, ip, 2);
        alu_slot(c, w, 0x03, 1, RAX, ip, 3);
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

