/*
 * opcodes.c — the instruction table of opcodes.h as arrays, for lookup by
 * opcode, and the names every error message uses.
 */
#include "wasm/opcodes.h"

#define ROW(code, ident, name, fam, imm, a, b, r, align, op) \
    [code] = {name, WASM_FAM_##fam, WASM_IMM_##imm, a, b, r, align},

const wasm_opcode_info wasm_opcodes[256] = {WASM_OPCODES(ROW)};
const wasm_opcode_info wasm_fc_opcodes[WASM_FC_OPCODE_COUNT] = {WASM_FC_OPCODES(ROW)};

#undef ROW

const char *wasm_opcode_name(uint8_t op, uint32_t subop)
{
    if (op == WASM_OPC_PREFIX_FC)
        return subop < WASM_FC_OPCODE_COUNT ? wasm_fc_opcodes[subop].name : "0xfc prefix";
    return wasm_opcodes[op].name ? wasm_opcodes[op].name : "instruction";
}
