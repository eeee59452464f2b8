/*
 * compile_variable.c — drop, select, locals and globals. local.get emits
 * nothing (its readers use the local's slot), and local.set/tee retarget
 * the instruction that produced the value when they can (compile.c).
 */
#include "wasm/compile_internal.h"

bool olw_compile_variable(compiler *c, olw_reader *r, const instruction *in)
{
    const struct olw_module *m = c->m;
    uint8_t opcode = in->opcode;
    bool live = in->live;
    size_t prod_cell = in->prod_cell, prod_end = in->prod_end;
    switch (in->opcode) {
    case OLW_OPC_DROP:
        if (live)
            pop(c, 1);
        break;
    case OLW_OPC_SELECT:
    case OLW_OPC_SELECT_T: { /* select t* */
        if (opcode == OLW_OPC_SELECT_T) {
            uint32_t n;
            uint8_t t;
            READ(olw_read_u32(r, &n));
            for (uint32_t i = 0; i < n; i++)
                READ(olw_read_u8(r, &t));
        }
        if (!live)
            break;
        uint32_t a = pop(c, 3);
        uint32_t s1 = src(c, a), s2 = src(c, a + 1), s3 = src(c, a + 2);
        push(c, 1);
        emit_op(c, WOP_SELECT);
        size_t cell = emit_u(c, a);
        emit_u(c, s1);
        emit_u(c, s2);
        emit_u(c, s3);
        produced(c, cell);
        break;
    }
    case OLW_OPC_LOCAL_GET:
    case OLW_OPC_LOCAL_SET:
    case OLW_OPC_LOCAL_TEE: {
        uint32_t x;
        READ(olw_read_u32(r, &x));
        CHECK_INDEX(x, c->nlocals_total, "local");
        if (!live)
            break;
        if (opcode == OLW_OPC_LOCAL_GET) {
            push_virtual(c, x);
            break;
        }
        uint32_t p = pop(c, 1);
        uint32_t from = src(c, p);
        bool tee = opcode == OLW_OPC_LOCAL_TEE;
        if (from == x) { /* local.set x (local.get x) */
            if (tee)
                push_virtual(c, x);
            break;
        }
        if (prod_cell != SIZE_MAX && prod_end == c->ncode && from == p && !refs_local(c, x) && !c->failed) {
            /* the previous instruction writes the local directly */
            c->code[prod_cell].u = x;
            if (tee)
                push_virtual(c, x);
            break;
        }
        materialize_local(c, x);
        emit_copy(c, x, from);
        if (tee)
            push_virtual(c, x);
        break;
    }
    case OLW_OPC_GLOBAL_GET:
    case OLW_OPC_GLOBAL_SET: {
        uint32_t x;
        READ(olw_read_u32(r, &x));
        CHECK_INDEX(x, m->nglobals, "global");
        if (!live)
            break;
        if (opcode == OLW_OPC_GLOBAL_GET) {
            uint32_t dst = push(c, 1);
            emit_op(c, WOP_GLOBAL_GET);
            size_t cell = emit_u(c, dst);
            emit_u(c, x);
            produced(c, cell);
        } else {
            uint32_t from = src(c, pop(c, 1));
            emit_op(c, WOP_GLOBAL_SET);
            emit_u(c, x);
            emit_u(c, from);
        }
        break;
    }
    default: return fail(c, "unknown opcode"), false;
    }
    return true;
}
