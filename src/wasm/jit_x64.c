/*
 * jit_x64.c — the x86-64 encoder of jit_x64.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wasm/jit_x64.h"

bool x64_reserve_slow(x64_buf *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->len + n <= b->cap)
        return true;
    /* the first reservation is the caller's estimate of the whole code:
     * one mapping, no copies; pages cost memory only once written */
    size_t cap = b->cap ? b->cap * 2 : 1u << 16;
    while (cap < b->len + n)
        cap *= 2;
    void *p = b->p ? mremap(b->p, b->cap, cap, MREMAP_MAYMOVE)
                   : mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

bool x64_finish(x64_buf *b)
{
    if (b->oom || !b->p || b->len == 0) {
        x64_free(b);
        return false;
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t used = (b->len + page - 1) / page * page;
    if (used < b->cap) {
        munmap(b->p + used, b->cap - used);
        b->cap = used;
    }
    if (mprotect(b->p, b->cap, PROT_READ | PROT_EXEC) != 0) {
        x64_free(b);
        return false;
    }
    return true;
}

void x64_free(x64_buf *b)
{
    if (b->p)
        munmap(b->p, b->cap);
    b->p = NULL;
    b->len = b->cap = 0;
}

void x64_u32(x64_buf *b, uint32_t v)
{
    if (x64_reserve(b, 4)) {
        memcpy(b->p + b->len, &v, 4);
        b->len += 4;
    }
}

void x64_u64(x64_buf *b, uint64_t v)
{
    if (x64_reserve(b, 8)) {
        memcpy(b->p + b->len, &v, 8);
        b->len += 8;
    }
}

/* An instruction is at most 15 bytes: the encoders below reserve that
 * once and then write without checking. */
#define MAX_INSN 16
#define PUT(b, v) ((b)->p[(b)->len++] = (uint8_t)(v))

static void opcode(x64_buf *b, uint32_t opc, int oplen)
{
    for (int i = oplen - 1; i >= 0; i--)
        PUT(b, opc >> (8 * i));
}

static void rex(x64_buf *b, bool w, int reg, int index, int base, bool force)
{
    uint8_t r = (uint8_t)(0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0));
    if (r != 0x40 || force)
        PUT(b, r);
}

void x64_rm(x64_buf *b, uint8_t prefix, bool w, uint32_t opc, int oplen, int reg, x64_mem m)
{
    if (!x64_reserve(b, MAX_INSN))
        return;
    if (prefix)
        PUT(b, prefix);
    rex(b, w, reg, m.index == X64_NOREG ? 0 : m.index, m.base, false);
    opcode(b, opc, oplen);
    int mod;
    if (m.disp == 0 && (m.base & 7) != RBP)
        mod = 0;
    else if (m.disp >= -128 && m.disp <= 127)
        mod = 1;
    else
        mod = 2;
    if (m.index == X64_NOREG && (m.base & 7) != RSP) {
        PUT(b, mod << 6 | (reg & 7) << 3 | (m.base & 7));
    } else {
        int ss = m.scale == 8 ? 3 : m.scale == 4 ? 2 : m.scale == 2 ? 1 : 0;
        int idx = m.index == X64_NOREG ? RSP : (m.index & 7);
        PUT(b, mod << 6 | (reg & 7) << 3 | RSP);
        PUT(b, ss << 6 | idx << 3 | (m.base & 7));
    }
    if (mod == 1) {
        PUT(b, (uint8_t)(int8_t)m.disp);
    } else if (mod == 2) {
        memcpy(b->p + b->len, &m.disp, 4);
        b->len += 4;
    }
}

void x64_rr(x64_buf *b, uint8_t prefix, bool w, uint32_t opc, int oplen, int reg, int rm)
{
    if (!x64_reserve(b, MAX_INSN))
        return;
    if (prefix)
        PUT(b, prefix);
    rex(b, w, reg, 0, rm, false);
    opcode(b, opc, oplen);
    PUT(b, 0xC0 | (reg & 7) << 3 | (rm & 7));
}

void x64_load(x64_buf *b, bool w, int reg, x64_mem m) { x64_rm(b, 0, w, 0x8B, 1, reg, m); }

void x64_store(x64_buf *b, bool w, x64_mem m, int reg) { x64_rm(b, 0, w, 0x89, 1, reg, m); }

void x64_mov_imm(x64_buf *b, int reg, uint64_t v)
{
    if (!x64_reserve(b, MAX_INSN))
        return;
    if (v <= UINT32_MAX) { /* mov r32, imm32 zero-extends */
        rex(b, false, 0, 0, reg, false);
        x64_byte(b, (uint8_t)(0xB8 + (reg & 7)));
        x64_u32(b, (uint32_t)v);
    } else if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX) {
        x64_rr(b, 0, true, 0xC7, 1, 0, reg);
        x64_u32(b, (uint32_t)v);
    } else {
        rex(b, true, 0, 0, reg, false);
        x64_byte(b, (uint8_t)(0xB8 + (reg & 7)));
        x64_u64(b, v);
    }
}

void x64_store_imm(x64_buf *b, x64_mem m, uint64_t v, int scratch)
{
    if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX) {
        x64_rm(b, 0, true, 0xC7, 1, 0, m);
        x64_u32(b, (uint32_t)v);
    } else {
        x64_mov_imm(b, scratch, v);
        x64_store(b, true, m, scratch);
    }
}

void x64_alu_imm(x64_buf *b, bool w, int ext, int reg, int32_t v)
{
    if (v >= -128 && v <= 127) {
        x64_rr(b, 0, w, 0x83, 1, ext, reg);
        x64_byte(b, (uint8_t)(int8_t)v);
    } else {
        x64_rr(b, 0, w, 0x81, 1, ext, reg);
        x64_u32(b, (uint32_t)v);
    }
}

void x64_alu_mem_imm(x64_buf *b, bool w, int ext, x64_mem m, int32_t v)
{
    if (v >= -128 && v <= 127) {
        x64_rm(b, 0, w, 0x83, 1, ext, m);
        x64_byte(b, (uint8_t)(int8_t)v);
    } else {
        x64_rm(b, 0, w, 0x81, 1, ext, m);
        x64_u32(b, (uint32_t)v);
    }
}

size_t x64_jcc(x64_buf *b, int cc)
{
    x64_byte(b, 0x0F);
    x64_byte(b, (uint8_t)(0x80 | cc));
    size_t at = b->len;
    x64_u32(b, 0);
    return at;
}

size_t x64_jmp(x64_buf *b)
{
    x64_byte(b, 0xE9);
    size_t at = b->len;
    x64_u32(b, 0);
    return at;
}

size_t x64_call_rel(x64_buf *b)
{
    x64_byte(b, 0xE8);
    size_t at = b->len;
    x64_u32(b, 0);
    return at;
}

void x64_patch(x64_buf *b, size_t rel_pos, size_t target)
{
    if (b->oom || rel_pos + 4 > b->len)
        return;
    int32_t rel = (int32_t)((int64_t)target - (int64_t)(rel_pos + 4));
    memcpy(b->p + rel_pos, &rel, 4);
}

void x64_jcc_to(x64_buf *b, int cc, size_t target) { x64_patch(b, x64_jcc(b, cc), target); }

void x64_jmp_to(x64_buf *b, size_t target) { x64_patch(b, x64_jmp(b), target); }

void x64_call_abs(x64_buf *b, const void *fn)
{
    x64_mov_imm(b, RAX, (uint64_t)(uintptr_t)fn);
    x64_rr(b, 0, false, 0xFF, 1, 2, RAX); /* call rax */
}
