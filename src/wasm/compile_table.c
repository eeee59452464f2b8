/*
 * compile_table.c — table.get/set, the reference instructions and the 0xfc
 * bulk memory and table operations (init, drop, copy, fill, grow, size).
 */
#include "wasm/compile_internal.h"

bool olw_compile_table(compiler *c, olw_reader *r, const instruction *in)
{
    const struct olw_module *m = c->m;
    uint8_t opcode = in->opcode;
    bool live = in->live;
    switch (in->opcode) {
    case OLW_OPC_TABLE_GET:
    case OLW_OPC_TABLE_SET: {
        uint32_t t;
        READ(olw_read_u32(r, &t));
        CHECK_INDEX(t, m->ntables, "table");
        if (!live)
            break;
        if (opcode == OLW_OPC_TABLE_GET) {
            uint32_t i = pop(c, 1);
            uint32_t si = src(c, i);
            push(c, 1);
            emit_op(c, WOP_TABLE_GET);
            size_t cell = emit_u(c, i);
            emit_u(c, si);
            emit_u(c, t);
            produced(c, cell);
        } else {
            uint32_t i = pop(c, 2);
            emit_op(c, WOP_TABLE_SET);
            emit_u(c, t);
            emit_u(c, src(c, i));
            emit_u(c, src(c, i + 1));
        }
        break;
    }
    case OLW_OPC_REF_NULL: { /* ref.null t */
        uint8_t t;
        READ(olw_read_u8(r, &t));
        if (live)
            push_const(c, 0);
        break;
    }
    case OLW_OPC_REF_IS_NULL:
        if (live)
            olw_compile_numeric(c, in, WOP_REF_IS_NULL, false);
        break;
    case OLW_OPC_REF_FUNC: {
        uint32_t f;
        READ(olw_read_u32(r, &f));
        CHECK_INDEX(f, m->nfuncs, "function");
        if (!live)
            break;
        emit_op(c, WOP_REF_FUNC);
        size_t cell = emit_u(c, push(c, 1));
        emit_u(c, f);
        produced(c, cell);
        break;
    }
    default: return fail(c, "unknown opcode"), false;
    }
    return true;
}

bool olw_compile_bulk(compiler *c, olw_reader *r, const instruction *in, uint32_t sub)
{
    const struct olw_module *m = c->m;
    bool live = in->live;
    uint32_t a = 0, b = 0;
    switch (sub) {
    case OLW_OPC_FC_MEMORY_INIT: /* memory.init seg 0 */
    case OLW_OPC_FC_TABLE_INIT:  /* table.init elem table */
    case OLW_OPC_FC_TABLE_COPY:  /* table.copy dst src */
    case OLW_OPC_FC_MEMORY_COPY: /* memory.copy 0 0 */
        READ(olw_read_u32(r, &a));
        READ(olw_read_u32(r, &b));
        break;
    case OLW_OPC_FC_DATA_DROP:
    case OLW_OPC_FC_MEMORY_FILL:
    case OLW_OPC_FC_ELEM_DROP:
    case OLW_OPC_FC_TABLE_GROW:
    case OLW_OPC_FC_TABLE_SIZE:
    case OLW_OPC_FC_TABLE_FILL: READ(olw_read_u32(r, &a)); break;
    default: return fail(c, "unknown 0xfc instruction"), false;
    }
    if (sub == OLW_OPC_FC_MEMORY_INIT || sub == OLW_OPC_FC_DATA_DROP)
        CHECK_INDEX(a, m->ndatas, "data segment");
    if (sub == OLW_OPC_FC_TABLE_INIT || sub == OLW_OPC_FC_ELEM_DROP)
        CHECK_INDEX(a, m->nelems, "element segment");
    if (sub == OLW_OPC_FC_TABLE_INIT)
        CHECK_INDEX(b, m->ntables, "table");
    if (sub == OLW_OPC_FC_TABLE_COPY) {
        CHECK_INDEX(a, m->ntables, "table");
        CHECK_INDEX(b, m->ntables, "table");
    }
    if (sub >= OLW_OPC_FC_TABLE_GROW)
        CHECK_INDEX(a, m->ntables, "table");
    if (olw_fc_opcodes[sub].family == OLW_FAM_MEMORY && sub != OLW_OPC_FC_DATA_DROP && m->nmemories == 0)
        return fail(c, "memory instruction without a memory"), false;
    if (!live)
        return true;
    uint32_t s = 0;
    switch (sub) {
    case OLW_OPC_FC_MEMORY_INIT:
        s = pop(c, 3);
        emit_op(c, WOP_MEMORY_INIT);
        emit_u(c, a);
        break;
    case OLW_OPC_FC_DATA_DROP:
        emit_op(c, WOP_DATA_DROP);
        emit_u(c, a);
        return true;
    case OLW_OPC_FC_MEMORY_COPY:
        s = pop(c, 3);
        emit_op(c, WOP_MEMORY_COPY);
        break;
    case OLW_OPC_FC_MEMORY_FILL:
        s = pop(c, 3);
        emit_op(c, WOP_MEMORY_FILL);
        break;
    case OLW_OPC_FC_TABLE_INIT:
        s = pop(c, 3);
        emit_op(c, WOP_TABLE_INIT);
        emit_u(c, b);
        emit_u(c, a);
        break;
    case OLW_OPC_FC_ELEM_DROP:
        emit_op(c, WOP_ELEM_DROP);
        emit_u(c, a);
        return true;
    case OLW_OPC_FC_TABLE_COPY:
        s = pop(c, 3);
        emit_op(c, WOP_TABLE_COPY);
        emit_u(c, a);
        emit_u(c, b);
        break;
    case OLW_OPC_FC_TABLE_GROW:
        materialize_from(c, c->h - 2); /* grows in place */
        s = pop(c, 2);
        push(c, 1);
        emit_op(c, WOP_TABLE_GROW);
        emit_u(c, s);
        emit_u(c, a);
        emit_u(c, s + 1);
        return true;
    case OLW_OPC_FC_TABLE_SIZE: {
        emit_op(c, WOP_TABLE_SIZE);
        size_t cell = emit_u(c, push(c, 1));
        emit_u(c, a);
        produced(c, cell);
        return true;
    }
    default: /* table.fill */
        s = pop(c, 3);
        emit_op(c, WOP_TABLE_FILL);
        emit_u(c, a);
        break;
    }
    emit_u(c, src(c, s));
    emit_u(c, src(c, s + 1));
    emit_u(c, src(c, s + 2));
    return true;
}
