/*
 * opcodes.h — the one table of WebAssembly instructions (internal).
 *
 * Every instruction the engine knows is one row: its encoding, its name
 * (the text format's, used in every error message), its family, its
 * immediates, the operand and result types of those with a fixed
 * signature, and, where one interpreter operation implements it directly,
 * that operation. decode.c (which bytes are instructions), validate.c
 * (names, fixed signatures, natural alignment) and compile.c (which
 * compile_<family>.c part compiles each instruction, and the operation of
 * each numeric, load and store instruction) are driven by
 * it; the instructions whose typing or code depends on context (control,
 * variables, tables, references, bulk memory) are handled case by case,
 * by the names below (OLW_OPC_*), never by raw numbers.
 *
 *   X(CODE, IDENT, NAME, FAMILY, IMM, A, B, R, ALIGN, OP)
 *     CODE    the byte; in OLW_FC_OPCODES, the u32 after the 0xfc prefix
 *     IDENT   gives OLW_OPC_IDENT (OLW_OPC_FC_IDENT for the 0xfc ones) = CODE
 *     NAME    the text-format name
 *     FAMILY  OLW_FAM_*: which part of validate.c and of the compiler handles it
 *     IMM     OLW_IMM_*: the immediates that follow the opcode
 *     A, B    operand types popped (B on top; 0 = none) of a fixed signature
 *     R       result type pushed (0 = none)
 *     ALIGN   natural alignment, log2 bytes (loads and stores)
 *     OP      the interpreter operation WOP_OP (compile.h), or NONE
 * Rows whose typing is not fixed (control, select, locals, ...) leave A, B
 * and R 0: validate.c types them itself.
 */
#ifndef OUTLAYER_WASM_OPCODES_H
#define OUTLAYER_WASM_OPCODES_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm/olw.h"

typedef enum olw_op_family {
    OLW_FAM_NONE = 0, /* not an instruction */
    OLW_FAM_CONTROL,
    OLW_FAM_PARAMETRIC,
    OLW_FAM_VARIABLE,
    OLW_FAM_TABLE,
    OLW_FAM_MEMORY,
    OLW_FAM_CONST,
    OLW_FAM_NUMERIC,     /* fixed signature, one interpreter operation */
    OLW_FAM_REINTERPRET, /* fixed signature, no code: the slot already holds the bits */
    OLW_FAM_REFERENCE,
    OLW_FAM_PREFIX, /* 0xfc: see OLW_FC_OPCODES */
} olw_op_family;

typedef enum olw_op_imm {
    OLW_IMM_NONE = 0,
    OLW_IMM_BLOCKTYPE,   /* s33 block type */
    OLW_IMM_LABEL,       /* u32 label depth */
    OLW_IMM_LABELS,      /* vec(u32) labels, then the default u32 */
    OLW_IMM_FUNC,        /* u32 function index */
    OLW_IMM_TYPE_TABLE,  /* u32 type index, u32 table index */
    OLW_IMM_VALTYPES,    /* vec(valtype) */
    OLW_IMM_LOCAL,       /* u32 local index */
    OLW_IMM_GLOBAL,      /* u32 global index */
    OLW_IMM_TABLE,       /* u32 table index */
    OLW_IMM_TABLE_TABLE, /* u32 u32 table indices (dst, src) */
    OLW_IMM_MEMARG,      /* u32 alignment, u32 offset */
    OLW_IMM_ZERO_BYTE,   /* one 0x00 byte (memory index) */
    OLW_IMM_ZERO_ZERO,   /* two 0x00 bytes */
    OLW_IMM_I32,         /* s32 */
    OLW_IMM_I64,         /* s64 */
    OLW_IMM_F32,         /* 4 bytes */
    OLW_IMM_F64,         /* 8 bytes */
    OLW_IMM_REFTYPE,     /* one reference-type byte */
    OLW_IMM_DATA,        /* u32 data index */
    OLW_IMM_DATA_ZERO,   /* u32 data index, one 0x00 byte */
    OLW_IMM_ELEM,        /* u32 element index */
    OLW_IMM_ELEM_TABLE,  /* u32 element index, u32 table index */
    OLW_IMM_SUBOP,       /* u32 sub-opcode (0xfc) */
} olw_op_imm;

/* clang-format off */
#define OLW_OPCODES(X) \
    X(0x00, UNREACHABLE,         "unreachable",           CONTROL,     NONE,       0,        0,        0,        0, NONE) \
    X(0x01, NOP,                 "nop",                   CONTROL,     NONE,       0,        0,        0,        0, NONE) \
    X(0x02, BLOCK,               "block",                 CONTROL,     BLOCKTYPE,  0,        0,        0,        0, NONE) \
    X(0x03, LOOP,                "loop",                  CONTROL,     BLOCKTYPE,  0,        0,        0,        0, NONE) \
    X(0x04, IF,                  "if",                    CONTROL,     BLOCKTYPE,  0,        0,        0,        0, NONE) \
    X(0x05, ELSE,                "else",                  CONTROL,     NONE,       0,        0,        0,        0, NONE) \
    X(0x0b, END,                 "end",                   CONTROL,     NONE,       0,        0,        0,        0, NONE) \
    X(0x0c, BR,                  "br",                    CONTROL,     LABEL,      0,        0,        0,        0, NONE) \
    X(0x0d, BR_IF,               "br_if",                 CONTROL,     LABEL,      0,        0,        0,        0, NONE) \
    X(0x0e, BR_TABLE,            "br_table",              CONTROL,     LABELS,     0,        0,        0,        0, NONE) \
    X(0x0f, RETURN,              "return",                CONTROL,     NONE,       0,        0,        0,        0, NONE) \
    X(0x10, CALL,                "call",                  CONTROL,     FUNC,       0,        0,        0,        0, NONE) \
    X(0x11, CALL_INDIRECT,       "call_indirect",         CONTROL,     TYPE_TABLE, 0,        0,        0,        0, NONE) \
    X(0x1a, DROP,                "drop",                  PARAMETRIC,  NONE,       0,        0,        0,        0, NONE) \
    X(0x1b, SELECT,              "select",                PARAMETRIC,  NONE,       0,        0,        0,        0, NONE) \
    X(0x1c, SELECT_T,            "select",                PARAMETRIC,  VALTYPES,   0,        0,        0,        0, NONE) \
    X(0x20, LOCAL_GET,           "local.get",             VARIABLE,    LOCAL,      0,        0,        0,        0, NONE) \
    X(0x21, LOCAL_SET,           "local.set",             VARIABLE,    LOCAL,      0,        0,        0,        0, NONE) \
    X(0x22, LOCAL_TEE,           "local.tee",             VARIABLE,    LOCAL,      0,        0,        0,        0, NONE) \
    X(0x23, GLOBAL_GET,          "global.get",            VARIABLE,    GLOBAL,     0,        0,        0,        0, NONE) \
    X(0x24, GLOBAL_SET,          "global.set",            VARIABLE,    GLOBAL,     0,        0,        0,        0, NONE) \
    X(0x25, TABLE_GET,           "table.get",             TABLE,       TABLE,      0,        0,        0,        0, NONE) \
    X(0x26, TABLE_SET,           "table.set",             TABLE,       TABLE,      0,        0,        0,        0, NONE) \
    X(0x28, I32_LOAD,            "i32.load",              MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I32, 2, LOAD32) \
    X(0x29, I64_LOAD,            "i64.load",              MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I64, 3, LOAD64) \
    X(0x2a, F32_LOAD,            "f32.load",              MEMORY,      MEMARG,     OLW_I32, 0,        OLW_F32, 2, LOAD32) \
    X(0x2b, F64_LOAD,            "f64.load",              MEMORY,      MEMARG,     OLW_I32, 0,        OLW_F64, 3, LOAD64) \
    X(0x2c, I32_LOAD8_S,         "i32.load8_s",           MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I32, 0, LOAD8_S32) \
    X(0x2d, I32_LOAD8_U,         "i32.load8_u",           MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I32, 0, LOAD8_U32) \
    X(0x2e, I32_LOAD16_S,        "i32.load16_s",          MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I32, 1, LOAD16_S32) \
    X(0x2f, I32_LOAD16_U,        "i32.load16_u",          MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I32, 1, LOAD16_U32) \
    X(0x30, I64_LOAD8_S,         "i64.load8_s",           MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I64, 0, LOAD8_S64) \
    X(0x31, I64_LOAD8_U,         "i64.load8_u",           MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I64, 0, LOAD8_U32) \
    X(0x32, I64_LOAD16_S,        "i64.load16_s",          MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I64, 1, LOAD16_S64) \
    X(0x33, I64_LOAD16_U,        "i64.load16_u",          MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I64, 1, LOAD16_U32) \
    X(0x34, I64_LOAD32_S,        "i64.load32_s",          MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I64, 2, LOAD32_S64) \
    X(0x35, I64_LOAD32_U,        "i64.load32_u",          MEMORY,      MEMARG,     OLW_I32, 0,        OLW_I64, 2, LOAD32) \
    X(0x36, I32_STORE,           "i32.store",             MEMORY,      MEMARG,     OLW_I32, OLW_I32, 0,        2, STORE32) \
    X(0x37, I64_STORE,           "i64.store",             MEMORY,      MEMARG,     OLW_I32, OLW_I64, 0,        3, STORE64) \
    X(0x38, F32_STORE,           "f32.store",             MEMORY,      MEMARG,     OLW_I32, OLW_F32, 0,        2, STORE32) \
    X(0x39, F64_STORE,           "f64.store",             MEMORY,      MEMARG,     OLW_I32, OLW_F64, 0,        3, STORE64) \
    X(0x3a, I32_STORE8,          "i32.store8",            MEMORY,      MEMARG,     OLW_I32, OLW_I32, 0,        0, STORE8) \
    X(0x3b, I32_STORE16,         "i32.store16",           MEMORY,      MEMARG,     OLW_I32, OLW_I32, 0,        1, STORE16) \
    X(0x3c, I64_STORE8,          "i64.store8",            MEMORY,      MEMARG,     OLW_I32, OLW_I64, 0,        0, STORE8) \
    X(0x3d, I64_STORE16,         "i64.store16",           MEMORY,      MEMARG,     OLW_I32, OLW_I64, 0,        1, STORE16) \
    X(0x3e, I64_STORE32,         "i64.store32",           MEMORY,      MEMARG,     OLW_I32, OLW_I64, 0,        2, STORE32) \
    X(0x3f, MEMORY_SIZE,         "memory.size",           MEMORY,      ZERO_BYTE,  0,        0,        OLW_I32, 0, NONE) \
    X(0x40, MEMORY_GROW,         "memory.grow",           MEMORY,      ZERO_BYTE,  OLW_I32, 0,        OLW_I32, 0, NONE) \
    X(0x41, I32_CONST,           "i32.const",             CONST,       I32,        0,        0,        OLW_I32, 0, NONE) \
    X(0x42, I64_CONST,           "i64.const",             CONST,       I64,        0,        0,        OLW_I64, 0, NONE) \
    X(0x43, F32_CONST,           "f32.const",             CONST,       F32,        0,        0,        OLW_F32, 0, NONE) \
    X(0x44, F64_CONST,           "f64.const",             CONST,       F64,        0,        0,        OLW_F64, 0, NONE) \
    X(0x45, I32_EQZ,             "i32.eqz",               NUMERIC,     NONE,       OLW_I32, 0,        OLW_I32, 0, I32_EQZ) \
    X(0x46, I32_EQ,              "i32.eq",                NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_EQ) \
    X(0x47, I32_NE,              "i32.ne",                NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_NE) \
    X(0x48, I32_LT_S,            "i32.lt_s",              NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_LT_S) \
    X(0x49, I32_LT_U,            "i32.lt_u",              NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_LT_U) \
    X(0x4a, I32_GT_S,            "i32.gt_s",              NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_GT_S) \
    X(0x4b, I32_GT_U,            "i32.gt_u",              NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_GT_U) \
    X(0x4c, I32_LE_S,            "i32.le_s",              NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_LE_S) \
    X(0x4d, I32_LE_U,            "i32.le_u",              NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_LE_U) \
    X(0x4e, I32_GE_S,            "i32.ge_s",              NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_GE_S) \
    X(0x4f, I32_GE_U,            "i32.ge_u",              NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_GE_U) \
    X(0x50, I64_EQZ,             "i64.eqz",               NUMERIC,     NONE,       OLW_I64, 0,        OLW_I32, 0, I64_EQZ) \
    X(0x51, I64_EQ,              "i64.eq",                NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I32, 0, I64_EQ) \
    X(0x52, I64_NE,              "i64.ne",                NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I32, 0, I64_NE) \
    X(0x53, I64_LT_S,            "i64.lt_s",              NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I32, 0, I64_LT_S) \
    X(0x54, I64_LT_U,            "i64.lt_u",              NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I32, 0, I64_LT_U) \
    X(0x55, I64_GT_S,            "i64.gt_s",              NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I32, 0, I64_GT_S) \
    X(0x56, I64_GT_U,            "i64.gt_u",              NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I32, 0, I64_GT_U) \
    X(0x57, I64_LE_S,            "i64.le_s",              NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I32, 0, I64_LE_S) \
    X(0x58, I64_LE_U,            "i64.le_u",              NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I32, 0, I64_LE_U) \
    X(0x59, I64_GE_S,            "i64.ge_s",              NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I32, 0, I64_GE_S) \
    X(0x5a, I64_GE_U,            "i64.ge_u",              NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I32, 0, I64_GE_U) \
    X(0x5b, F32_EQ,              "f32.eq",                NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_I32, 0, F32_EQ) \
    X(0x5c, F32_NE,              "f32.ne",                NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_I32, 0, F32_NE) \
    X(0x5d, F32_LT,              "f32.lt",                NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_I32, 0, F32_LT) \
    X(0x5e, F32_GT,              "f32.gt",                NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_I32, 0, F32_GT) \
    X(0x5f, F32_LE,              "f32.le",                NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_I32, 0, F32_LE) \
    X(0x60, F32_GE,              "f32.ge",                NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_I32, 0, F32_GE) \
    X(0x61, F64_EQ,              "f64.eq",                NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_I32, 0, F64_EQ) \
    X(0x62, F64_NE,              "f64.ne",                NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_I32, 0, F64_NE) \
    X(0x63, F64_LT,              "f64.lt",                NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_I32, 0, F64_LT) \
    X(0x64, F64_GT,              "f64.gt",                NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_I32, 0, F64_GT) \
    X(0x65, F64_LE,              "f64.le",                NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_I32, 0, F64_LE) \
    X(0x66, F64_GE,              "f64.ge",                NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_I32, 0, F64_GE) \
    X(0x67, I32_CLZ,             "i32.clz",               NUMERIC,     NONE,       OLW_I32, 0,        OLW_I32, 0, I32_CLZ) \
    X(0x68, I32_CTZ,             "i32.ctz",               NUMERIC,     NONE,       OLW_I32, 0,        OLW_I32, 0, I32_CTZ) \
    X(0x69, I32_POPCNT,          "i32.popcnt",            NUMERIC,     NONE,       OLW_I32, 0,        OLW_I32, 0, I32_POPCNT) \
    X(0x6a, I32_ADD,             "i32.add",               NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_ADD) \
    X(0x6b, I32_SUB,             "i32.sub",               NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_SUB) \
    X(0x6c, I32_MUL,             "i32.mul",               NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_MUL) \
    X(0x6d, I32_DIV_S,           "i32.div_s",             NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_DIV_S) \
    X(0x6e, I32_DIV_U,           "i32.div_u",             NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_DIV_U) \
    X(0x6f, I32_REM_S,           "i32.rem_s",             NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_REM_S) \
    X(0x70, I32_REM_U,           "i32.rem_u",             NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_REM_U) \
    X(0x71, I32_AND,             "i32.and",               NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_AND) \
    X(0x72, I32_OR,              "i32.or",                NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_OR) \
    X(0x73, I32_XOR,             "i32.xor",               NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_XOR) \
    X(0x74, I32_SHL,             "i32.shl",               NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_SHL) \
    X(0x75, I32_SHR_S,           "i32.shr_s",             NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_SHR_S) \
    X(0x76, I32_SHR_U,           "i32.shr_u",             NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_SHR_U) \
    X(0x77, I32_ROTL,            "i32.rotl",              NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_ROTL) \
    X(0x78, I32_ROTR,            "i32.rotr",              NUMERIC,     NONE,       OLW_I32, OLW_I32, OLW_I32, 0, I32_ROTR) \
    X(0x79, I64_CLZ,             "i64.clz",               NUMERIC,     NONE,       OLW_I64, 0,        OLW_I64, 0, I64_CLZ) \
    X(0x7a, I64_CTZ,             "i64.ctz",               NUMERIC,     NONE,       OLW_I64, 0,        OLW_I64, 0, I64_CTZ) \
    X(0x7b, I64_POPCNT,          "i64.popcnt",            NUMERIC,     NONE,       OLW_I64, 0,        OLW_I64, 0, I64_POPCNT) \
    X(0x7c, I64_ADD,             "i64.add",               NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_ADD) \
    X(0x7d, I64_SUB,             "i64.sub",               NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_SUB) \
    X(0x7e, I64_MUL,             "i64.mul",               NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_MUL) \
    X(0x7f, I64_DIV_S,           "i64.div_s",             NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_DIV_S) \
    X(0x80, I64_DIV_U,           "i64.div_u",             NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_DIV_U) \
    X(0x81, I64_REM_S,           "i64.rem_s",             NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_REM_S) \
    X(0x82, I64_REM_U,           "i64.rem_u",             NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_REM_U) \
    X(0x83, I64_AND,             "i64.and",               NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_AND) \
    X(0x84, I64_OR,              "i64.or",                NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_OR) \
    X(0x85, I64_XOR,             "i64.xor",               NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_XOR) \
    X(0x86, I64_SHL,             "i64.shl",               NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_SHL) \
    X(0x87, I64_SHR_S,           "i64.shr_s",             NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_SHR_S) \
    X(0x88, I64_SHR_U,           "i64.shr_u",             NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_SHR_U) \
    X(0x89, I64_ROTL,            "i64.rotl",              NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_ROTL) \
    X(0x8a, I64_ROTR,            "i64.rotr",              NUMERIC,     NONE,       OLW_I64, OLW_I64, OLW_I64, 0, I64_ROTR) \
    X(0x8b, F32_ABS,             "f32.abs",               NUMERIC,     NONE,       OLW_F32, 0,        OLW_F32, 0, F32_ABS) \
    X(0x8c, F32_NEG,             "f32.neg",               NUMERIC,     NONE,       OLW_F32, 0,        OLW_F32, 0, F32_NEG) \
    X(0x8d, F32_CEIL,            "f32.ceil",              NUMERIC,     NONE,       OLW_F32, 0,        OLW_F32, 0, F32_CEIL) \
    X(0x8e, F32_FLOOR,           "f32.floor",             NUMERIC,     NONE,       OLW_F32, 0,        OLW_F32, 0, F32_FLOOR) \
    X(0x8f, F32_TRUNC,           "f32.trunc",             NUMERIC,     NONE,       OLW_F32, 0,        OLW_F32, 0, F32_TRUNC) \
    X(0x90, F32_NEAREST,         "f32.nearest",           NUMERIC,     NONE,       OLW_F32, 0,        OLW_F32, 0, F32_NEAREST) \
    X(0x91, F32_SQRT,            "f32.sqrt",              NUMERIC,     NONE,       OLW_F32, 0,        OLW_F32, 0, F32_SQRT) \
    X(0x92, F32_ADD,             "f32.add",               NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_F32, 0, F32_ADD) \
    X(0x93, F32_SUB,             "f32.sub",               NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_F32, 0, F32_SUB) \
    X(0x94, F32_MUL,             "f32.mul",               NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_F32, 0, F32_MUL) \
    X(0x95, F32_DIV,             "f32.div",               NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_F32, 0, F32_DIV) \
    X(0x96, F32_MIN,             "f32.min",               NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_F32, 0, F32_MIN) \
    X(0x97, F32_MAX,             "f32.max",               NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_F32, 0, F32_MAX) \
    X(0x98, F32_COPYSIGN,        "f32.copysign",          NUMERIC,     NONE,       OLW_F32, OLW_F32, OLW_F32, 0, F32_COPYSIGN) \
    X(0x99, F64_ABS,             "f64.abs",               NUMERIC,     NONE,       OLW_F64, 0,        OLW_F64, 0, F64_ABS) \
    X(0x9a, F64_NEG,             "f64.neg",               NUMERIC,     NONE,       OLW_F64, 0,        OLW_F64, 0, F64_NEG) \
    X(0x9b, F64_CEIL,            "f64.ceil",              NUMERIC,     NONE,       OLW_F64, 0,        OLW_F64, 0, F64_CEIL) \
    X(0x9c, F64_FLOOR,           "f64.floor",             NUMERIC,     NONE,       OLW_F64, 0,        OLW_F64, 0, F64_FLOOR) \
    X(0x9d, F64_TRUNC,           "f64.trunc",             NUMERIC,     NONE,       OLW_F64, 0,        OLW_F64, 0, F64_TRUNC) \
    X(0x9e, F64_NEAREST,         "f64.nearest",           NUMERIC,     NONE,       OLW_F64, 0,        OLW_F64, 0, F64_NEAREST) \
    X(0x9f, F64_SQRT,            "f64.sqrt",              NUMERIC,     NONE,       OLW_F64, 0,        OLW_F64, 0, F64_SQRT) \
    X(0xa0, F64_ADD,             "f64.add",               NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_F64, 0, F64_ADD) \
    X(0xa1, F64_SUB,             "f64.sub",               NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_F64, 0, F64_SUB) \
    X(0xa2, F64_MUL,             "f64.mul",               NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_F64, 0, F64_MUL) \
    X(0xa3, F64_DIV,             "f64.div",               NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_F64, 0, F64_DIV) \
    X(0xa4, F64_MIN,             "f64.min",               NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_F64, 0, F64_MIN) \
    X(0xa5, F64_MAX,             "f64.max",               NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_F64, 0, F64_MAX) \
    X(0xa6, F64_COPYSIGN,        "f64.copysign",          NUMERIC,     NONE,       OLW_F64, OLW_F64, OLW_F64, 0, F64_COPYSIGN) \
    X(0xa7, I32_WRAP_I64,        "i32.wrap_i64",          NUMERIC,     NONE,       OLW_I64, 0,        OLW_I32, 0, I32_WRAP_I64) \
    X(0xa8, I32_TRUNC_F32_S,     "i32.trunc_f32_s",       NUMERIC,     NONE,       OLW_F32, 0,        OLW_I32, 0, I32_TRUNC_F32_S) \
    X(0xa9, I32_TRUNC_F32_U,     "i32.trunc_f32_u",       NUMERIC,     NONE,       OLW_F32, 0,        OLW_I32, 0, I32_TRUNC_F32_U) \
    X(0xaa, I32_TRUNC_F64_S,     "i32.trunc_f64_s",       NUMERIC,     NONE,       OLW_F64, 0,        OLW_I32, 0, I32_TRUNC_F64_S) \
    X(0xab, I32_TRUNC_F64_U,     "i32.trunc_f64_u",       NUMERIC,     NONE,       OLW_F64, 0,        OLW_I32, 0, I32_TRUNC_F64_U) \
    X(0xac, I64_EXTEND_I32_S,    "i64.extend_i32_s",      NUMERIC,     NONE,       OLW_I32, 0,        OLW_I64, 0, I64_EXTEND_I32_S) \
    X(0xad, I64_EXTEND_I32_U,    "i64.extend_i32_u",      NUMERIC,     NONE,       OLW_I32, 0,        OLW_I64, 0, I64_EXTEND_I32_U) \
    X(0xae, I64_TRUNC_F32_S,     "i64.trunc_f32_s",       NUMERIC,     NONE,       OLW_F32, 0,        OLW_I64, 0, I64_TRUNC_F32_S) \
    X(0xaf, I64_TRUNC_F32_U,     "i64.trunc_f32_u",       NUMERIC,     NONE,       OLW_F32, 0,        OLW_I64, 0, I64_TRUNC_F32_U) \
    X(0xb0, I64_TRUNC_F64_S,     "i64.trunc_f64_s",       NUMERIC,     NONE,       OLW_F64, 0,        OLW_I64, 0, I64_TRUNC_F64_S) \
    X(0xb1, I64_TRUNC_F64_U,     "i64.trunc_f64_u",       NUMERIC,     NONE,       OLW_F64, 0,        OLW_I64, 0, I64_TRUNC_F64_U) \
    X(0xb2, F32_CONVERT_I32_S,   "f32.convert_i32_s",     NUMERIC,     NONE,       OLW_I32, 0,        OLW_F32, 0, F32_CONVERT_I32_S) \
    X(0xb3, F32_CONVERT_I32_U,   "f32.convert_i32_u",     NUMERIC,     NONE,       OLW_I32, 0,        OLW_F32, 0, F32_CONVERT_I32_U) \
    X(0xb4, F32_CONVERT_I64_S,   "f32.convert_i64_s",     NUMERIC,     NONE,       OLW_I64, 0,        OLW_F32, 0, F32_CONVERT_I64_S) \
    X(0xb5, F32_CONVERT_I64_U,   "f32.convert_i64_u",     NUMERIC,     NONE,       OLW_I64, 0,        OLW_F32, 0, F32_CONVERT_I64_U) \
    X(0xb6, F32_DEMOTE_F64,      "f32.demote_f64",        NUMERIC,     NONE,       OLW_F64, 0,        OLW_F32, 0, F32_DEMOTE_F64) \
    X(0xb7, F64_CONVERT_I32_S,   "f64.convert_i32_s",     NUMERIC,     NONE,       OLW_I32, 0,        OLW_F64, 0, F64_CONVERT_I32_S) \
    X(0xb8, F64_CONVERT_I32_U,   "f64.convert_i32_u",     NUMERIC,     NONE,       OLW_I32, 0,        OLW_F64, 0, F64_CONVERT_I32_U) \
    X(0xb9, F64_CONVERT_I64_S,   "f64.convert_i64_s",     NUMERIC,     NONE,       OLW_I64, 0,        OLW_F64, 0, F64_CONVERT_I64_S) \
    X(0xba, F64_CONVERT_I64_U,   "f64.convert_i64_u",     NUMERIC,     NONE,       OLW_I64, 0,        OLW_F64, 0, F64_CONVERT_I64_U) \
    X(0xbb, F64_PROMOTE_F32,     "f64.promote_f32",       NUMERIC,     NONE,       OLW_F32, 0,        OLW_F64, 0, F64_PROMOTE_F32) \
    X(0xbc, I32_REINTERPRET_F32, "i32.reinterpret_f32",   REINTERPRET, NONE,       OLW_F32, 0,        OLW_I32, 0, NONE) \
    X(0xbd, I64_REINTERPRET_F64, "i64.reinterpret_f64",   REINTERPRET, NONE,       OLW_F64, 0,        OLW_I64, 0, NONE) \
    X(0xbe, F32_REINTERPRET_I32, "f32.reinterpret_i32",   REINTERPRET, NONE,       OLW_I32, 0,        OLW_F32, 0, NONE) \
    X(0xbf, F64_REINTERPRET_I64, "f64.reinterpret_i64",   REINTERPRET, NONE,       OLW_I64, 0,        OLW_F64, 0, NONE) \
    X(0xc0, I32_EXTEND8_S,       "i32.extend8_s",         NUMERIC,     NONE,       OLW_I32, 0,        OLW_I32, 0, I32_EXTEND8_S) \
    X(0xc1, I32_EXTEND16_S,      "i32.extend16_s",        NUMERIC,     NONE,       OLW_I32, 0,        OLW_I32, 0, I32_EXTEND16_S) \
    X(0xc2, I64_EXTEND8_S,       "i64.extend8_s",         NUMERIC,     NONE,       OLW_I64, 0,        OLW_I64, 0, I64_EXTEND8_S) \
    X(0xc3, I64_EXTEND16_S,      "i64.extend16_s",        NUMERIC,     NONE,       OLW_I64, 0,        OLW_I64, 0, I64_EXTEND16_S) \
    X(0xc4, I64_EXTEND32_S,      "i64.extend32_s",        NUMERIC,     NONE,       OLW_I64, 0,        OLW_I64, 0, I64_EXTEND32_S) \
    X(0xd0, REF_NULL,            "ref.null",              REFERENCE,   REFTYPE,    0,        0,        0,        0, NONE) \
    X(0xd1, REF_IS_NULL,         "ref.is_null",           REFERENCE,   NONE,       0,        0,        0,        0, NONE) \
    X(0xd2, REF_FUNC,            "ref.func",              REFERENCE,   FUNC,       0,        0,        0,        0, NONE) \
    X(0xfc, PREFIX_FC,           "0xfc prefix",           PREFIX,      SUBOP,     0,        0,        0,        0, NONE)

#define OLW_FC_OPCODES(X) \
    X(   0, I32_TRUNC_SAT_F32_S, "i32.trunc_sat_f32_s",   NUMERIC,     NONE,       OLW_F32, 0,        OLW_I32, 0, I32_TRUNC_SAT_F32_S) \
    X(   1, I32_TRUNC_SAT_F32_U, "i32.trunc_sat_f32_u",   NUMERIC,     NONE,       OLW_F32, 0,        OLW_I32, 0, I32_TRUNC_SAT_F32_U) \
    X(   2, I32_TRUNC_SAT_F64_S, "i32.trunc_sat_f64_s",   NUMERIC,     NONE,       OLW_F64, 0,        OLW_I32, 0, I32_TRUNC_SAT_F64_S) \
    X(   3, I32_TRUNC_SAT_F64_U, "i32.trunc_sat_f64_u",   NUMERIC,     NONE,       OLW_F64, 0,        OLW_I32, 0, I32_TRUNC_SAT_F64_U) \
    X(   4, I64_TRUNC_SAT_F32_S, "i64.trunc_sat_f32_s",   NUMERIC,     NONE,       OLW_F32, 0,        OLW_I64, 0, I64_TRUNC_SAT_F32_S) \
    X(   5, I64_TRUNC_SAT_F32_U, "i64.trunc_sat_f32_u",   NUMERIC,     NONE,       OLW_F32, 0,        OLW_I64, 0, I64_TRUNC_SAT_F32_U) \
    X(   6, I64_TRUNC_SAT_F64_S, "i64.trunc_sat_f64_s",   NUMERIC,     NONE,       OLW_F64, 0,        OLW_I64, 0, I64_TRUNC_SAT_F64_S) \
    X(   7, I64_TRUNC_SAT_F64_U, "i64.trunc_sat_f64_u",   NUMERIC,     NONE,       OLW_F64, 0,        OLW_I64, 0, I64_TRUNC_SAT_F64_U) \
    X(   8, MEMORY_INIT,         "memory.init",           MEMORY,      DATA_ZERO,  0,        0,        0,        0, NONE) \
    X(   9, DATA_DROP,           "data.drop",             MEMORY,      DATA,       0,        0,        0,        0, NONE) \
    X(  10, MEMORY_COPY,         "memory.copy",           MEMORY,      ZERO_ZERO,  0,        0,        0,        0, NONE) \
    X(  11, MEMORY_FILL,         "memory.fill",           MEMORY,      ZERO_BYTE,  0,        0,        0,        0, NONE) \
    X(  12, TABLE_INIT,          "table.init",            TABLE,       ELEM_TABLE, 0,        0,        0,        0, NONE) \
    X(  13, ELEM_DROP,           "elem.drop",             TABLE,       ELEM,       0,        0,        0,        0, NONE) \
    X(  14, TABLE_COPY,          "table.copy",            TABLE,       TABLE_TABLE, 0,        0,        0,        0, NONE) \
    X(  15, TABLE_GROW,          "table.grow",            TABLE,       TABLE,      0,        0,        0,        0, NONE) \
    X(  16, TABLE_SIZE,          "table.size",            TABLE,       TABLE,      0,        0,        0,        0, NONE) \
    X(  17, TABLE_FILL,          "table.fill",            TABLE,       TABLE,      0,        0,        0,        0, NONE)
/* clang-format on */

enum {
#define OLW_OPC_ENUM(code, ident, ...) OLW_OPC_##ident = code,
    OLW_OPCODES(OLW_OPC_ENUM)
#undef OLW_OPC_ENUM
#define OLW_OPC_FC_ENUM(code, ident, ...) OLW_OPC_FC_##ident = code,
        OLW_FC_OPCODES(OLW_OPC_FC_ENUM)
#undef OLW_OPC_FC_ENUM
            OLW_FC_OPCODE_COUNT = 18,
};

/* One row of the table, for the front end. */
typedef struct olw_opcode_info {
    const char *name; /* NULL: not an instruction */
    uint8_t family;   /* olw_op_family */
    uint8_t imm;      /* olw_op_imm */
    olw_valtype a, b, result;
    uint8_t align;
} olw_opcode_info;

/* Indexed by the byte, and by the 0xfc sub-opcode (opcodes.c). */
extern const olw_opcode_info olw_opcodes[256];
extern const olw_opcode_info olw_fc_opcodes[OLW_FC_OPCODE_COUNT];

/* "i32.add", "table.fill", ...; for an unknown byte or sub-opcode, a
 * description ("instruction", "0xfc prefix"). */
const char *olw_opcode_name(uint8_t op, uint32_t subop);

#endif
