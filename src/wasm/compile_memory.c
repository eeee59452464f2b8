/*
 * compile_memory.c — loads, stores, memory.size and memory.grow. An i32.add
 * that computed the address just before is folded into the access.
 */
#include "wasm/compile_internal.h"

/* The same with the address computed by an i32.add fused in: `dst x y
 * offset` reads address x + y (wrapping at 32 bits, as the add would). */
static uint16_t with_add(uint16_t op)
{
    switch (op) {
#define ADD_FORM(name) \
    case WOP_##name: return WOP_##name##_ADD;
        ADD_FORM(LOAD32)
        ADD_FORM(LOAD64)
        ADD_FORM(LOAD8_S32)
        ADD_FORM(LOAD8_U32)
        ADD_FORM(LOAD16_S32)
        ADD_FORM(LOAD16_U32)
        ADD_FORM(LOAD8_S64)
        ADD_FORM(LOAD16_S64)
        ADD_FORM(LOAD32_S64)
        ADD_FORM(STORE32)
        ADD_FORM(STORE64)
        ADD_FORM(STORE8)
        ADD_FORM(STORE16)
#undef ADD_FORM
    default: return op;
    }
}

bool olw_compile_memory(compiler *c, olw_reader *r, const instruction *in, uint16_t op, bool load)
{
    const struct olw_module *m = c->m;
    uint8_t opcode = in->opcode;
    bool live = in->live;
    switch (opcode) {
    case OLW_OPC_MEMORY_SIZE:
    case OLW_OPC_MEMORY_GROW: {
        uint8_t zero;
        READ(olw_read_u8(r, &zero));
        if (!live)
            break;
        if (m->nmemories == 0)
            return fail(c, "memory instruction without a memory"), false;
        if (opcode == OLW_OPC_MEMORY_SIZE) {
            emit_op(c, WOP_MEMORY_SIZE);
            produced(c, emit_u(c, push(c, 1)));
        } else {
            materialize_from(c, c->h - 1); /* grows in place */
            uint32_t n = pop(c, 1);
            push(c, 1);
            emit_op(c, WOP_MEMORY_GROW);
            emit_u(c, n);
        }
        break;
    }
    default: { /* loads and stores */
        uint32_t align, offset;
        READ(olw_read_u32(r, &align));
        READ(olw_read_u32(r, &offset));
        if (!live)
            break;
        if (m->nmemories == 0)
            return fail(c, "memory instruction without a memory"), false;
        if (load) {
            uint32_t a = pop(c, 1);
            uint32_t sa = src(c, a);
            size_t add = fusable_producer(c, a, WOP_I32_ADD);
            uint64_t x = 0, y = 0;
            if (add != SIZE_MAX) {
                x = c->code[add + 2].u;
                y = c->code[add + 3].u;
                rollback(c, add);
            }
            push(c, 1);
            emit_op(c, (enum olw_internal_op)(add != SIZE_MAX ? with_add(op) : op));
            size_t cell = emit_u(c, a);
            if (add != SIZE_MAX) {
                emit_u(c, x);
                emit_u(c, y);
            } else {
                emit_u(c, sa);
            }
            emit_u(c, offset);
            produced(c, cell);
        } else {
            uint32_t a = pop(c, 2);
            uint32_t sv = src(c, a + 1);
            size_t add = fusable_producer(c, a, WOP_I32_ADD);
            if (add != SIZE_MAX) {
                uint64_t x = c->code[add + 2].u, y = c->code[add + 3].u;
                rollback(c, add);
                emit_op(c, (enum olw_internal_op)with_add(op));
                emit_u(c, x);
                emit_u(c, y);
            } else {
                emit_op(c, (enum olw_internal_op)op);
                emit_u(c, src(c, a));
            }
            emit_u(c, sv);
            emit_u(c, offset);
        }
        break;
    }
    }
    return true;
}
