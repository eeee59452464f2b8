/*
 * instance.c — instantiation (WebAssembly 2.0, section 4.5.4) and exports.
 *
 * Order: resolve every import through the linker with its type checked;
 * create the defined functions, tables and memories; initialise globals in
 * order; evaluate every element segment; apply the active element segments
 * and then the active data segments, in order, each bounds-checked as a
 * whole before it writes (a failing segment traps, and the segments applied
 * before it stay applied: imported tables and memories keep the changes);
 * finally run the start function.
 *
 * An instance belongs to its store from the first step, even when
 * instantiation fails: functions of a failed instance may already sit in
 * an imported table, and they must stay callable.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/jit.h"
#include "wasm/runtime.h"

static const char *kind_name(olw_extern_kind k)
{
    switch (k) {
    case OLW_EXTERN_FUNC: return "function";
    case OLW_EXTERN_TABLE: return "table";
    case OLW_EXTERN_MEMORY: return "memory";
    default: return "global";
    }
}

static bool limits_match(uint32_t actual_min, bool actual_has_max, uint32_t actual_max, const olw_limits_decl *want)
{
    if (actual_min < want->min)
        return false;
    if (want->has_max && (!actual_has_max || actual_max > want->max))
        return false;
    return true;
}

static bool extern_in_store(const olw_extern *e, const olw_store *s)
{
    switch (e->kind) {
    case OLW_EXTERN_FUNC: return e->of.func && e->of.func->store == s;
    case OLW_EXTERN_TABLE: return e->of.table && e->of.table->store == s;
    case OLW_EXTERN_MEMORY: return e->of.memory && e->of.memory->store == s;
    default: return e->of.global && e->of.global->store == s;
    }
}

/* Appends printf-style text at *len in buf[size] (truncating). */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    if (*len >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n < size ? *len + (size_t)n : size;
}

static void append_limits(char *buf, size_t size, size_t *len, uint32_t min, bool has_max, uint32_t max)
{
    if (has_max)
        append(buf, size, len, " {min %u, max %u}", min, max);
    else
        append(buf, size, len, " {min %u}", min);
}

static void append_functype(char *buf, size_t size, size_t *len, const olw_functype *t)
{
    append(buf, size, len, " (");
    for (uint32_t i = 0; i < t->nparams; i++)
        append(buf, size, len, "%s%s", i ? ", " : "", olw_valtype_name(t->types[i]));
    append(buf, size, len, ") -> (");
    for (uint32_t i = 0; i < t->nresults; i++)
        append(buf, size, len, "%s%s", i ? ", " : "", olw_valtype_name(t->types[t->nparams + i]));
    append(buf, size, len, ")");
}

/* What the module asks for, e.g. "function (i32, i32) -> (i32)",
 * "table funcref {min 1, max 10}", "memory {min 1}", "global mut i64". */
static void describe_import(char *buf, size_t size, const olw_module *m, const olw_import_decl *imp)
{
    size_t len = 0;
    buf[0] = 0;
    append(buf, size, &len, "%s", kind_name(imp->kind));
    switch (imp->kind) {
    case OLW_EXTERN_FUNC:
        if (imp->desc.type_index < m->ntypes)
            append_functype(buf, size, &len, &m->types[imp->desc.type_index]);
        break;
    case OLW_EXTERN_TABLE:
        append(buf, size, &len, " %s", olw_valtype_name(imp->desc.table.elem));
        append_limits(buf, size, &len, imp->desc.table.limits.min, imp->desc.table.limits.has_max,
                      imp->desc.table.limits.max);
        break;
    case OLW_EXTERN_MEMORY:
        append_limits(buf, size, &len, imp->desc.memory.min, imp->desc.memory.has_max, imp->desc.memory.max);
        break;
    default:
        append(buf, size, &len, " %s%s", imp->desc.global.mutable_ ? "mut " : "",
               olw_valtype_name(imp->desc.global.type));
        break;
    }
}

/* What the linker gives, in the same words (current sizes for tables and memories). */
static void describe_extern(char *buf, size_t size, const olw_extern *e)
{
    size_t len = 0;
    buf[0] = 0;
    append(buf, size, &len, "%s", kind_name(e->kind));
    switch (e->kind) {
    case OLW_EXTERN_FUNC:
        if (e->of.func)
            append_functype(buf, size, &len, &e->of.func->type);
        break;
    case OLW_EXTERN_TABLE:
        if (e->of.table) {
            append(buf, size, &len, " %s", olw_valtype_name(e->of.table->elem));
            append_limits(buf, size, &len, e->of.table->size, e->of.table->has_max, e->of.table->max);
        }
        break;
    case OLW_EXTERN_MEMORY:
        if (e->of.memory)
            append_limits(buf, size, &len, e->of.memory->pages, e->of.memory->has_max, e->of.memory->max);
        break;
    default:
        if (e->of.global)
            append(buf, size, &len, " %s%s", e->of.global->mutable_ ? "mut " : "",
                   olw_valtype_name(e->of.global->type));
        break;
    }
}

static bool unlinkable(olw_error *err, const olw_module *m, const olw_import_decl *imp, const char *why)
{
    char want[96];
    describe_import(want, sizeof want, m, imp);
    return olw_fail(err, OLW_ERR_UNLINKABLE, SIZE_MAX, "%s: %.*s.%.*s (%s)", why, (int)imp->module_len, imp->module,
                    (int)imp->name_len, imp->name, want);
}

/* "incompatible import type: env.f: expected function (i32) -> (), given function (i64) -> ()" */
static bool incompatible(olw_error *err, const olw_module *m, const olw_import_decl *imp, const olw_extern *given)
{
    char want[96], got[96];
    describe_import(want, sizeof want, m, imp);
    describe_extern(got, sizeof got, given);
    return olw_fail(err, OLW_ERR_UNLINKABLE, SIZE_MAX, "incompatible import type: %.*s.%.*s: expected %s, given %s",
                    (int)imp->module_len, imp->module, (int)imp->name_len, imp->name, want, got);
}

static bool resolve_imports(olw_instance *inst, const olw_linker *l, olw_error *err)
{
    const olw_module *m = inst->module;
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const olw_import_decl *imp = &m->imports[i];
        olw_extern ext;
        if (!olw_linker_lookup(l, imp->module, imp->module_len, imp->name, imp->name_len, &ext))
            return unlinkable(err, m, imp, "unknown import");
        if (ext.kind != imp->kind)
            return incompatible(err, m, imp, &ext);
        if (!extern_in_store(&ext, inst->store))
            return unlinkable(err, m, imp, "import from another store");
        switch (imp->kind) {
        case OLW_EXTERN_FUNC: {
            olw_func *f = ext.of.func;
            if (!f || !olw_functype_equal(&f->type, &m->types[imp->desc.type_index]))
                return incompatible(err, m, imp, &ext);
            inst->funcs[nf++] = f;
            break;
        }
        case OLW_EXTERN_TABLE: {
            olw_table *t = ext.of.table;
            if (!t || t->elem != imp->desc.table.elem ||
                !limits_match(t->size, t->has_max, t->max, &imp->desc.table.limits))
                return incompatible(err, m, imp, &ext);
            inst->tables[nt++] = t;
            break;
        }
        case OLW_EXTERN_MEMORY: {
            olw_memory *mem = ext.of.memory;
            if (!mem || !limits_match(mem->pages, mem->has_max, mem->max, &imp->desc.memory))
                return incompatible(err, m, imp, &ext);
            inst->memories[nm++] = mem;
            break;
        }
        default: {
            olw_global *g = ext.of.global;
            if (!g || g->type != imp->desc.global.type || g->mutable_ != imp->desc.global.mutable_)
                return incompatible(err, m, imp, &ext);
            inst->globals[ng++] = g;
            break;
        }
        }
    }
    if (nf != m->nimported_funcs || nt != m->nimported_tables || nm != m->nimported_memories ||
        ng != m->nimported_globals)
        return olw_fail(err, OLW_ERR_INVALID, SIZE_MAX, "import counts disagree with the module");
    return true;
}

/* A constant expression's value as a raw slot. */
static uint64_t eval_const(const olw_instance *inst, const olw_const_expr *e, uint32_t nglobals_ready)
{
    switch (e->op) {
    case OLW_CONST_I32: return (uint32_t)e->value;
    case OLW_CONST_I64:
    case OLW_CONST_F32:
    case OLW_CONST_F64: return e->value;
    case OLW_CONST_GLOBAL_GET: return e->value < nglobals_ready ? inst->globals[e->value]->value.u : 0;
    case OLW_CONST_REF_FUNC: return e->value < inst->module->nfuncs ? (uint64_t)(uintptr_t)inst->funcs[e->value] : 0;
    default: return 0; /* ref.null */
    }
}

static bool trap(olw_store *s, olw_error *err, olw_trap_code code)
{
    olw_store_set_trap(s, code, NULL);
    olw_fail(err, OLW_ERR_TRAP, SIZE_MAX, "%s", olw_trap_name(code));
    err->trap = code;
    return false;
}

static bool resource(olw_error *err, const char *what) { return olw_fail(err, OLW_ERR_RESOURCE, SIZE_MAX, "%s", what); }

/* What the store's cap refused: OLW_ERR_RESOURCE, as for an initial
 * memory above the cap (err->trap says which limit: the memory limit). */
static bool over_cap(olw_store *s, olw_error *err, const char *what, uint64_t bytes)
{
    char msg[200];
    snprintf(msg, sizeof msg, "memory limit exceeded: %s needs %llu bytes, %llu of %llu are in use", what,
             (unsigned long long)bytes, (unsigned long long)s->memory_bytes, (unsigned long long)s->memory_cap);
    olw_store_set_trap(s, OLW_TRAP_MEMORY_LIMIT, msg);
    olw_fail(err, OLW_ERR_RESOURCE, SIZE_MAX, "%s", msg);
    err->trap = OLW_TRAP_MEMORY_LIMIT;
    return false;
}

/* Instantiation takes time in proportion to the module (and to the memory
 * cap, for tables filled by segments); a watchdog may interrupt it. */
static bool interrupted(olw_store *s, olw_error *err)
{
    if (!atomic_load_explicit(&s->interrupt, memory_order_relaxed))
        return false;
    trap(s, err, OLW_TRAP_INTERRUPTED);
    return true;
}

/* Polls every 64 Ki steps of a loop. */
#define POLL_EVERY(k) (((k)&0xffffu) == 0xffffu)

/* The instance's own arrays, counted toward the store's cap. */
static uint64_t instance_bytes(const olw_module *m)
{
    return OLW_OBJECT_BYTES(olw_instance) + (uint64_t)m->nfuncs * sizeof(olw_func *) +
           (uint64_t)m->ntables * sizeof(olw_table *) + (uint64_t)m->nmemories * sizeof(olw_memory *) +
           (uint64_t)m->nglobals * sizeof(olw_global *) + (uint64_t)m->nelems * (sizeof(void **) + sizeof(uint32_t)) +
           (uint64_t)m->ndatas * sizeof(uint32_t) + (uint64_t)(m->nfuncs - m->nimported_funcs) * sizeof(olw_func);
}

static bool allocate(olw_instance *inst, olw_error *err)
{
    const olw_module *m = inst->module;
    uint64_t bytes = instance_bytes(m);
    if (!olw_store_charge(inst->store, bytes))
        return over_cap(inst->store, err, "the instance", bytes);
#define ALLOC(field, n) (inst->field = calloc((n) ? (n) : 1, sizeof *inst->field))
    if (!ALLOC(funcs, m->nfuncs) || !ALLOC(tables, m->ntables) || !ALLOC(memories, m->nmemories) ||
        !ALLOC(globals, m->nglobals) || !ALLOC(elem_refs, m->nelems) || !ALLOC(elem_len, m->nelems) ||
        !ALLOC(data_len, m->ndatas) || !ALLOC(func_storage, m->nfuncs - m->nimported_funcs))
        return resource(err, "out of memory");
#undef ALLOC
    return true;
}

static bool create_definitions(olw_instance *inst, olw_error *err)
{
    olw_store *s = inst->store;
    const olw_module *m = inst->module;
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
        if (POLL_EVERY(i) && interrupted(s, err))
            return false;
        olw_func *f = &inst->func_storage[i - m->nimported_funcs];
        f->type = m->types[m->func_type_index[i]];
        f->instance = inst;
        f->compiled = &m->compiled->funcs[i - m->nimported_funcs];
        f->jit_entry = m->jit ? m->jit->mem + m->jit->func_offset[i - m->nimported_funcs] : NULL;
        f->store = s;
        inst->funcs[i] = f;
    }
    for (uint32_t i = m->nimported_tables; i < m->ntables; i++) {
        const olw_tabletype *t = &m->tables[i];
        bool cap = false;
        inst->tables[i] = olw_table_create(s, t->elem, t->limits.min, t->limits.max, t->limits.has_max, NULL, &cap);
        if (!inst->tables[i] && cap) {
            char what[64];
            snprintf(what, sizeof what, "table %u (%u elements)", i, t->limits.min);
            return over_cap(s, err, what, (uint64_t)t->limits.min * sizeof(void *));
        }
        if (!inst->tables[i])
            return olw_fail(err, OLW_ERR_RESOURCE, SIZE_MAX, "table of %u elements is too large", t->limits.min);
    }
    for (uint32_t i = m->nimported_memories; i < m->nmemories; i++) {
        const olw_limits_decl *d = &m->memories[i];
        inst->memories[i] = olw_memory_create(s, d->min, d->max, d->has_max, err);
        if (!inst->memories[i])
            return false;
    }
    inst->mem0 = m->nmemories ? inst->memories[0] : NULL;
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++) {
        if (POLL_EVERY(i) && interrupted(s, err))
            return false;
        const olw_global_decl *d = &m->globals[i - m->nimported_globals];
        inst->globals[i] = olw_global_create(s, d->type.type, d->type.mutable_, eval_const(inst, &d->init, i));
        if (!inst->globals[i] && s->memory_bytes + OLW_OBJECT_BYTES(olw_global) > s->memory_cap)
            return over_cap(s, err, "a global", OLW_OBJECT_BYTES(olw_global));
        if (!inst->globals[i])
            return resource(err, "out of memory");
    }
    return true;
}

static bool init_segments(olw_instance *inst, olw_error *err)
{
    olw_store *s = inst->store;
    const olw_module *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const olw_elem_decl *e = &m->elems[i];
        if (interrupted(s, err))
            return false;
        uint64_t bytes = (uint64_t)e->count * sizeof(void *);
        if (!olw_store_charge(s, bytes)) {
            char what[64];
            snprintf(what, sizeof what, "element segment %u (%u items)", i, e->count);
            return over_cap(s, err, what, bytes);
        }
        inst->elem_refs[i] = calloc(e->count ? e->count : 1, sizeof(void *));
        if (!inst->elem_refs[i]) {
            olw_store_uncharge(s, bytes);
            return resource(err, "out of memory");
        }
        for (uint32_t k = 0; k < e->count; k++) {
            if (POLL_EVERY(k) && interrupted(s, err))
                return false;
            inst->elem_refs[i][k] = (void *)(uintptr_t)eval_const(inst, &e->items[k], m->nglobals);
        }
        inst->elem_len[i] = e->mode == OLW_SEGMENT_PASSIVE ? e->count : 0;
    }
    for (uint32_t i = 0; i < m->ndatas; i++)
        inst->data_len[i] = m->datas[i].mode == OLW_SEGMENT_PASSIVE ? m->datas[i].size : 0;

    for (uint32_t i = 0; i < m->nelems; i++) {
        const olw_elem_decl *e = &m->elems[i];
        if (e->mode != OLW_SEGMENT_ACTIVE)
            continue;
        if (interrupted(s, err))
            return false;
        if (e->table >= m->ntables)
            return trap(s, err, OLW_TRAP_TABLE_OUT_OF_BOUNDS);
        olw_table *t = inst->tables[e->table];
        uint64_t off = (uint32_t)eval_const(inst, &e->offset, m->nglobals);
        if (off + e->count > t->size)
            return trap(s, err, OLW_TRAP_TABLE_OUT_OF_BOUNDS);
        if (e->count)
            memcpy(t->elems + off, inst->elem_refs[i], e->count * sizeof(void *));
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const olw_data_decl *d = &m->datas[i];
        if (d->mode != OLW_SEGMENT_ACTIVE)
            continue;
        if (interrupted(s, err))
            return false;
        olw_memory *mem = d->memory < m->nmemories ? inst->memories[d->memory] : NULL;
        uint64_t off = (uint32_t)eval_const(inst, &d->offset, m->nglobals);
        if (!mem || off + d->size > mem->size)
            return trap(s, err, OLW_TRAP_MEMORY_OUT_OF_BOUNDS);
        if (d->size)
            memcpy(mem->data + off, d->bytes, d->size);
    }
    /* Active and declarative segments are dropped now: their items are
     * not needed any more. */
    for (uint32_t i = 0; i < m->nelems; i++)
        if (m->elems[i].mode != OLW_SEGMENT_PASSIVE)
            olw_instance_drop_elem(inst, i);
    return true;
}

void olw_instance_drop_elem(olw_instance *inst, uint32_t i)
{
    if (!inst->elem_refs[i])
        return;
    free(inst->elem_refs[i]);
    inst->elem_refs[i] = NULL;
    inst->elem_len[i] = 0;
    olw_store_uncharge(inst->store, (uint64_t)inst->module->elems[i].count * sizeof(void *));
}

olw_instance *olw_instantiate(olw_store *s, olw_module *m, const olw_linker *l, olw_error *err)
{
    olw_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    err->offset = SIZE_MAX;
    if (!s || !m || !m->compiled) {
        olw_fail(err, OLW_ERR_MISUSE, SIZE_MAX, "no store or no loaded module");
        return NULL;
    }
    olw_instance *inst = calloc(1, sizeof *inst);
    if (!inst || !olw_ptrvec_push(&s->instances, inst)) {
        free(inst);
        resource(err, "out of memory");
        return NULL;
    }
    inst->store = s;
    inst->module = m;
    olw_module_retain(m);
    if (interrupted(s, err))
        return NULL;

    if (!allocate(inst, err) || !resolve_imports(inst, l, err) || !create_definitions(inst, err) ||
        !init_segments(inst, err))
        return NULL;

    if (m->has_start && m->start < m->nfuncs) {
        olw_trap_code code = olw_func_call(s, inst->funcs[m->start], NULL, 0, NULL, 0);
        if (code != OLW_TRAP_NONE) {
            olw_fail(err, OLW_ERR_TRAP, SIZE_MAX, "%s", olw_store_trap_message(s));
            err->trap = code;
            return NULL;
        }
    }
    return inst;
}

size_t olw_instance_export_count(const olw_instance *inst) { return inst ? inst->module->nexports : 0; }

bool olw_instance_export_at(olw_instance *inst, size_t i, olw_export_info *info, olw_extern *out)
{
    if (!inst)
        return false;
    const olw_module *m = inst->module;
    if (i >= m->nexports)
        return false;
    const olw_export_decl *x = &m->exports[i];
    olw_extern e;
    e.kind = x->kind;
    switch (x->kind) {
    case OLW_EXTERN_FUNC:
        if (x->index >= m->nfuncs)
            return false;
        e.of.func = inst->funcs[x->index];
        break;
    case OLW_EXTERN_TABLE:
        if (x->index >= m->ntables)
            return false;
        e.of.table = inst->tables[x->index];
        break;
    case OLW_EXTERN_MEMORY:
        if (x->index >= m->nmemories)
            return false;
        e.of.memory = inst->memories[x->index];
        break;
    default:
        if (x->index >= m->nglobals)
            return false;
        e.of.global = inst->globals[x->index];
        break;
    }
    if (out)
        *out = e;
    if (info)
        *info = olw_module_export(m, i);
    return true;
}

bool olw_instance_export(olw_instance *inst, const char *name, olw_extern *out)
{
    return name && olw_instance_export_n(inst, name, strlen(name), out);
}

bool olw_instance_export_n(olw_instance *inst, const char *name, size_t len, olw_extern *out)
{
    if (!inst || !name)
        return false;
    const olw_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const olw_export_decl *x = &m->exports[i];
        if (x->name_len == len && !memcmp(x->name, name, len))
            return olw_instance_export_at(inst, i, NULL, out);
    }
    return false;
}

olw_func *olw_instance_func(olw_instance *inst, const char *name)
{
    olw_extern e;
    return olw_instance_export(inst, name, &e) && e.kind == OLW_EXTERN_FUNC ? e.of.func : NULL;
}

olw_memory *olw_instance_memory(olw_instance *inst, const char *name)
{
    olw_extern e;
    return olw_instance_export(inst, name, &e) && e.kind == OLW_EXTERN_MEMORY ? e.of.memory : NULL;
}
