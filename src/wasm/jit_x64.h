/*
 * jit_x64.h — a small x86-64 instruction encoder (internal): a growable
 * byte buffer and the few instruction forms the compiling tier needs
 * (register-register and register-memory, with base + index*scale + disp
 * memory operands; rel32 jumps with patching).
 */
#ifndef OUTLAYER_WASM_JIT_X64_H
#define OUTLAYER_WASM_JIT_X64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum x64_reg {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
    R8, R9, R10, R11, R12, R13, R14, R15,
};
#define X64_NOREG (-1)

/* Condition codes (the low nibble of Jcc / SETcc / CMOVcc). */
enum x64_cc {
    CC_O = 0, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A,
    CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G,
};

/* The buffer is anonymous mmap'd memory grown with mremap (no copying, and
 * the finished code is made executable where it lies: x64_finish). */
typedef struct x64_buf {
    uint8_t *p;
    size_t len, cap;
    bool oom; /* an allocation failed: the contents are incomplete */
} x64_buf;

bool x64_reserve_slow(x64_buf *b, size_t n);
static inline bool x64_reserve(x64_buf *b, size_t n) { return b->len + n <= b->cap || x64_reserve_slow(b, n); }
/* Makes the code read+execute (never writable again); its pages beyond
 * len are returned. false (and the buffer freed) on failure. */
bool x64_finish(x64_buf *b);
void x64_free(x64_buf *b);

/* A memory operand: [base + index*scale + disp]; index X64_NOREG for none. */
typedef struct x64_mem {
    int base, index, scale;
    int32_t disp;
} x64_mem;

static inline x64_mem x64_m(int base, int32_t disp) { return (x64_mem){base, X64_NOREG, 1, disp}; }
static inline x64_mem x64_mi(int base, int index, int32_t disp) { return (x64_mem){base, index, 1, disp}; }

static inline void x64_byte(x64_buf *b, uint8_t v)
{
    if (x64_reserve(b, 1))
        b->p[b->len++] = v;
}
void x64_u32(x64_buf *b, uint32_t v);
void x64_u64(x64_buf *b, uint64_t v);

/* Opcodes are given as up to 3 bytes, most significant first, with their
 * length: 0x0FAF, 2 is imul. prefix is a legacy prefix (0x66, 0xF2, 0xF3)
 * or 0; w sets REX.W. reg is a register or an opcode extension (/digit). */
void x64_rm(x64_buf *b, uint8_t prefix, bool w, uint32_t opc, int oplen, int reg, x64_mem m);
void x64_rr(x64_buf *b, uint8_t prefix, bool w, uint32_t opc, int oplen, int reg, int rm);

/* Common forms. */
void x64_load(x64_buf *b, bool w, int reg, x64_mem m);  /* mov reg, [m] */
void x64_store(x64_buf *b, bool w, x64_mem m, int reg); /* mov [m], reg */
void x64_mov_imm(x64_buf *b, int reg, uint64_t v);      /* mov reg, imm (shortest form) */
void x64_store_imm(x64_buf *b, x64_mem m, uint64_t v, int scratch); /* mov qword [m], v */
void x64_alu_imm(x64_buf *b, bool w, int ext, int reg, int32_t v);  /* add/sub/cmp... reg, imm */
void x64_alu_mem_imm(x64_buf *b, bool w, int ext, x64_mem m, int32_t v);
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };

/* Jumps: the returned position is that of the rel32, for x64_patch. */
size_t x64_jcc(x64_buf *b, int cc);
size_t x64_jmp(x64_buf *b);
size_t x64_call_rel(x64_buf *b);
void x64_patch(x64_buf *b, size_t rel_pos, size_t target);
void x64_jcc_to(x64_buf *b, int cc, size_t target);
void x64_jmp_to(x64_buf *b, size_t target);
void x64_call_abs(x64_buf *b, const void *fn); /* mov rax, fn; call rax */

#endif
