/*
 * opcodes.c — the instruction table of opcodes.h as arrays, for lookup by
 * opcode, and the names every error message uses.
 */
#include "wasm/opcodes.h"

#define ROW(code, ident, name, fam, imm, a, b, r, align, op) \
    [code] = {name, OLW_FAM_##fam, OLW_IMM_##imm, a, b, r, align},

const olw_opcode_info olw_opcodes[256] = {OLW_OPCODES(ROW)};
const olw_opcode_info olw_fc_opcodes[OLW_FC_OPCODE_COUNT] = {OLW_FC_OPCODES(ROW)};

#undef ROW

const char *olw_opcode_name(uint8_t op, uint32_t subop)
{
    if (op == OLW_OPC_PREFIX_FC)
        return subop < OLW_FC_OPCODE_COUNT ? olw_fc_opcodes[subop].name : "0xfc prefix";
    return olw_opcodes[op].name ? olw_opcodes[op].name : "instruction";
}
