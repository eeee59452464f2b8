/*
 * compile_numeric.c — constants (kept in frame slots: they emit no code)
 * and the numeric instructions, one interpreter operation each (the
 * opcode table names it), with the fusions of address arithmetic
 * (i32.add of an add or a shift) and of f64.mul into f64.add/sub.
 */
#include "wasm/compile_internal.h"

static void emit_unary(compiler *c, uint16_t op)
{
    uint32_t a = pop(c, 1);
    uint32_t sa = src(c, a);
    push(c, 1);
    emit_op(c, (enum olw_internal_op)op);
    size_t cell = emit_u(c, a);
    emit_u(c, sa);
    produced(c, cell);
}

/* i32.add of a value just computed by i32.add or i32.shl, and another:
 * one instruction `I32_ADD3 dst x y z` (x + y + z) or `I32_SHL_ADD dst x k
 * z` ((x << k) + z), the common shapes of address arithmetic. */
static bool fuse_add(compiler *c, uint32_t a, uint32_t sa, uint32_t sb)
{
    for (uint32_t side = 0; side < 2; side++) {
        uint32_t p = a + side, other = side ? sa : sb;
        if ((side ? sb : sa) != p)
            continue;
        size_t start = fusable_producer(c, p, WOP_I32_ADD);
        enum olw_internal_op op = WOP_I32_ADD3;
        if (start == SIZE_MAX) {
            start = fusable_producer(c, p, WOP_I32_SHL);
            op = WOP_I32_SHL_ADD;
        }
        if (start == SIZE_MAX)
            continue;
        uint64_t x = c->code[start + 2].u, y = c->code[start + 3].u;
        rollback(c, start);
        push(c, 1);
        emit_op(c, op);
        size_t cell = emit_u(c, a);
        emit_u(c, x);
        emit_u(c, y);
        emit_u(c, other);
        produced(c, cell);
        return true;
    }
    return false;
}

/* f64.add or f64.sub of a product just computed, and another value: one
 * instruction `dst x y z`, computing x * y then adding or subtracting z
 * (or subtracting from z) with the same two roundings as the pair. */
static bool fuse_mul(compiler *c, uint16_t op, uint32_t a, uint32_t sa, uint32_t sb)
{
    static const uint16_t fused[2][2] = {{WOP_F64_MUL_ADD, WOP_F64_ADD_MUL}, {WOP_F64_MUL_SUB, WOP_F64_SUB_MUL}};
    for (uint32_t side = 0; side < 2; side++) {
        uint32_t p = a + side;
        if ((side ? sb : sa) != p)
            continue;
        size_t start = fusable_producer(c, p, WOP_F64_MUL);
        if (start == SIZE_MAX)
            continue;
        uint64_t x = c->code[start + 2].u, y = c->code[start + 3].u;
        rollback(c, start);
        push(c, 1);
        emit_op(c, (enum olw_internal_op)fused[op == WOP_F64_SUB][side]);
        size_t cell = emit_u(c, a);
        emit_u(c, x);
        emit_u(c, y);
        emit_u(c, side ? sa : sb);
        produced(c, cell);
        return true;
    }
    return false;
}

static void emit_binary(compiler *c, uint16_t op)
{
    uint32_t a = pop(c, 2);
    uint32_t sa = src(c, a), sb = src(c, a + 1);
    if (op == WOP_I32_ADD && fuse_add(c, a, sa, sb))
        return;
    if ((op == WOP_F64_ADD || op == WOP_F64_SUB) && fuse_mul(c, op, a, sa, sb))
        return;
    push(c, 1);
    emit_op(c, (enum olw_internal_op)op);
    size_t cell = emit_u(c, a);
    emit_u(c, sa);
    emit_u(c, sb);
    produced(c, cell);
}

bool olw_compile_numeric(compiler *c, const instruction *in, uint16_t op, bool binary)
{
    if (!in->live)
        return true;
    if (binary)
        emit_binary(c, op);
    else
        emit_unary(c, op);
    return true;
}

bool olw_compile_const(compiler *c, olw_reader *r, const instruction *in)
{
    uint8_t opcode = in->opcode;
    bool live = in->live;
    switch (in->opcode) {
    case OLW_OPC_I32_CONST:
    case OLW_OPC_I64_CONST:
    case OLW_OPC_F32_CONST:
    case OLW_OPC_F64_CONST: {
        uint64_t v = 0;
        if (opcode == OLW_OPC_I32_CONST) {
            int32_t x;
            READ(olw_read_i32(r, &x));
            v = (uint32_t)x;
        } else if (opcode == OLW_OPC_I64_CONST) {
            int64_t x;
            READ(olw_read_i64(r, &x));
            v = (uint64_t)x;
        } else if (opcode == OLW_OPC_F32_CONST) {
            uint32_t x;
            READ(olw_read_f32_bits(r, &x));
            v = x;
        } else {
            READ(olw_read_f64_bits(r, &v));
        }
        if (live)
            push_const(c, v);
        break;
    }
    default: return fail(c, "unknown opcode"), false;
    }
    return true;
}
