/*
 * decode.c — the WebAssembly binary format (2.0, without SIMD) into a
 * struct olw_module.
 *
 * The decoder checks everything the binary grammar requires (section order
 * and sizes, LEB128 limits, UTF-8 names, vector lengths, the function/code
 * and data-count/data consistency) and reports it as MALFORMED with the
 * byte offset. Function bodies are only delimited here; their instructions
 * are decoded by the validator, which walks them anyway. Constant
 * expressions are decoded here because the module stores them decoded.
 *
 * Every count read from the input is checked against the bytes left before
 * anything is allocated for it (each entry needs at least one byte), so a
 * hostile module cannot make us allocate more than a small multiple of its
 * own size.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"
#include "wasm/opcodes.h"
#include "wasm/reader.h"

/* Locals are declared run-length encoded but stored expanded, so a few
 * bytes can declare OLW_MAX_LOCALS of them. This bounds the expansion for
 * the whole module (16 MiB of local types; real programs use a fraction). */
#define MAX_MODULE_LOCALS (16u << 20)

typedef struct decoder {
    olw_reader r; /* the current section (or the whole module between sections) */
    struct olw_module *m;
    olw_error *err;
    uint32_t nfunc_decls;   /* entries of the function section */
    uint64_t module_locals; /* declared locals of all functions so far */
    bool has_code;
    uint32_t ticks; /* for olw_load_interrupted */
} decoder;

/* Polled once per entry of every section that may hold many. */
#define POLL(d)                                                  \
    do {                                                         \
        if (olw_load_interrupted((d)->m, &(d)->ticks, (d)->err)) \
            return false;                                        \
    } while (0)

static bool malformed(decoder *d, size_t offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool malformed(decoder *d, size_t offset, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return olw_fail(d->err, OLW_ERR_MALFORMED, offset, "%s (offset 0x%zx)", msg, offset);
}

static size_t offset_of(const decoder *d) { return olw_reader_offset(&d->r); }

/* Explains why a LEB128 read at `at` failed: the input ended, the encoding
 * is longer than ceil(bits/7) bytes, or its last byte has unused bits set. */
static bool leb_error(decoder *d, const uint8_t *at, unsigned bits, const char *what)
{
    size_t off = (size_t)(at - d->r.start);
    unsigned max_bytes = (bits + 6) / 7;
    const uint8_t *p = at;
    for (unsigned i = 0; i < max_bytes; i++, p++) {
        if (p >= d->r.end)
            return malformed(d, off, "unexpected end while reading %s", what);
        if (!(*p & 0x80))
            return malformed(d, off, "integer too large: %s does not fit in %u bits", what, bits);
    }
    return malformed(d, off, "integer representation too long: %s", what);
}

static bool read_u32(decoder *d, uint32_t *out, const char *what)
{
    const uint8_t *at = d->r.p;
    if (!olw_read_u32(&d->r, out)) {
        leb_error(d, at, 32, what);
        return false;
    }
    return true;
}

static bool read_byte(decoder *d, uint8_t *out, const char *what)
{
    if (!olw_read_u8(&d->r, out)) {
        malformed(d, offset_of(d), "unexpected end while reading %s", what);
        return false;
    }
    return true;
}

/* A vector length: each element takes at least `min_size` bytes, so a
 * length the remaining bytes cannot hold is rejected before allocating. */
static bool read_count(decoder *d, uint32_t *out, size_t min_size, const char *what)
{
    size_t at = offset_of(d);
    if (!read_u32(d, out, what))
        return false;
    if ((uint64_t)*out * min_size > olw_reader_left(&d->r))
        return malformed(d, at, "unexpected end: %u %s do not fit in the remaining %zu bytes", *out, what,
                         olw_reader_left(&d->r));
    return true;
}

/* True if [s, s+n) is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* A name: length, UTF-8 bytes. *out is a NUL-terminated copy when `copy`,
 * else untouched. */
static bool read_name(decoder *d, char **out, uint32_t *len_out, bool copy)
{
    size_t at = offset_of(d);
    uint32_t len;
    const uint8_t *bytes;
    if (!read_u32(d, &len, "name length"))
        return false;
    if (!olw_read_bytes(&d->r, len, &bytes))
        return malformed(d, at, "length out of bounds: name of %u bytes, %zu left", len, olw_reader_left(&d->r));
    if (!utf8_valid(bytes, len))
        return malformed(d, at, "malformed UTF-8 encoding in name");
    if (len_out)
        *len_out = len;
    if (copy) {
        char *s = malloc((size_t)len + 1);
        if (!s)
            return olw_fail(d->err, OLW_ERR_RESOURCE, at, "out of memory");
        memcpy(s, bytes, len);
        s[len] = '\0';
        *out = s;
    }
    return true;
}

static bool read_valtype(decoder *d, olw_valtype *out)
{
    size_t at = offset_of(d);
    uint8_t b;
    if (!read_byte(d, &b, "value type"))
        return false;
    switch (b) {
    case OLW_I32:
    case OLW_I64:
    case OLW_F32:
    case OLW_F64:
    case OLW_FUNCREF:
    case OLW_EXTERNREF: *out = b; return true;
    case OLW_V128:
        return olw_fail(d->err, OLW_ERR_UNSUPPORTED, at, "SIMD is not supported: value type v128 (offset 0x%zx)", at);
    default: return malformed(d, at, "malformed value type 0x%02x", b);
    }
}

static bool read_reftype(decoder *d, olw_valtype *out)
{
    size_t at = offset_of(d);
    uint8_t b;
    if (!read_byte(d, &b, "reference type"))
        return false;
    if (b != OLW_FUNCREF && b != OLW_EXTERNREF)
        return malformed(d, at, "malformed reference type 0x%02x", b);
    *out = b;
    return true;
}

static bool read_limits(decoder *d, olw_limits_decl *out)
{
    size_t at = offset_of(d);
    uint8_t flags;
    if (!read_byte(d, &flags, "limits"))
        return false;
    if (flags > 1)
        return malformed(d, at, "integer too large: limits flags 0x%02x", flags);
    out->has_max = flags == 1;
    if (!read_u32(d, &out->min, "limits minimum"))
        return false;
    out->max = 0;
    if (out->has_max && !read_u32(d, &out->max, "limits maximum"))
        return false;
    return true;
}

static bool read_tabletype(decoder *d, olw_tabletype *out)
{
    return read_reftype(d, &out->elem) && read_limits(d, &out->limits);
}

static bool read_globaltype(decoder *d, olw_globaltype *out)
{
    if (!read_valtype(d, &out->type))
        return false;
    size_t at = offset_of(d);
    uint8_t mut;
    if (!read_byte(d, &mut, "global mutability"))
        return false;
    if (mut > 1)
        return malformed(d, at, "malformed mutability 0x%02x", mut);
    out->mutable_ = mut == 1;
    return true;
}

/* Opcodes that may appear in a function body but not in a constant
 * expression, to tell "constant expression required" (invalid) from an
 * illegal opcode (malformed). */
static bool is_instruction_opcode(uint8_t op) { return olw_opcodes[op].family != OLW_FAM_NONE; }

/* A constant expression: WebAssembly 2.0 allows one constant instruction
 * then `end`. Anything else is reported the way the spec's validator does
 * (INVALID), except bytes that are not instructions at all (MALFORMED). */
static bool read_const_expr(decoder *d, olw_const_expr *out)
{
    size_t start = offset_of(d);
    unsigned n = 0;
    memset(out, 0, sizeof *out);
    out->offset = start;
    for (;;) {
        size_t at = offset_of(d);
        uint8_t op;
        if (!read_byte(d, &op, "constant expression"))
            return false;
        if (op == OLW_OPC_END)
            break;
        uint64_t value = 0;
        const uint8_t *imm = d->r.p;
        switch (op) {
        case OLW_CONST_I32: {
            int32_t v;
            if (!olw_read_i32(&d->r, &v))
                return leb_error(d, imm, 32, "i32.const immediate");
            value = (uint64_t)(int64_t)v;
            break;
        }
        case OLW_CONST_I64: {
            int64_t v;
            if (!olw_read_i64(&d->r, &v))
                return leb_error(d, imm, 64, "i64.const immediate");
            value = (uint64_t)v;
            break;
        }
        case OLW_CONST_F32: {
            uint32_t v;
            if (!olw_read_f32_bits(&d->r, &v))
                return malformed(d, at, "unexpected end in f32.const");
            value = v;
            break;
        }
        case OLW_CONST_F64:
            if (!olw_read_f64_bits(&d->r, &value))
                return malformed(d, at, "unexpected end in f64.const");
            break;
        case OLW_CONST_GLOBAL_GET:
        case OLW_CONST_REF_FUNC: {
            uint32_t idx;
            if (!read_u32(d, &idx, "index"))
                return false;
            value = idx;
            break;
        }
        case OLW_CONST_REF_NULL: {
            olw_valtype t;
            if (!read_reftype(d, &t))
                return false;
            value = t;
            break;
        }
        case 0xfd:
            return olw_fail(d->err, OLW_ERR_UNSUPPORTED, at, "SIMD instructions are not supported (offset 0x%zx)", at);
        default:
            if (is_instruction_opcode(op))
                return olw_fail(d->err, OLW_ERR_INVALID, at,
                                "constant expression required: %s (opcode 0x%02x) is not constant (offset 0x%zx)",
                                olw_opcode_name(op, 0), op, at);
            return malformed(d, at, "illegal opcode 0x%02x", op);
        }
        if (n == 0) {
            out->op = op;
            out->value = value;
        }
        n++;
    }
    if (n != 1)
        return olw_fail(d->err, OLW_ERR_INVALID, start,
                        "type mismatch: constant expression must hold exactly one value, has %u (offset 0x%zx)", n,
                        start);
    return true;
}

/* ---- sections --------------------------------------------------------- */

static bool oom(decoder *d) { return olw_fail(d->err, OLW_ERR_RESOURCE, offset_of(d), "out of memory"); }

static bool decode_types(decoder *d)
{
    struct olw_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n, 3, "types"))
        return false;
    if (n > OLW_MAX_TYPES)
        return malformed(d, offset_of(d), "too many types (%u)", n);
    m->types = calloc(n ? n : 1, sizeof *m->types);
    if (!m->types)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        POLL(d);
        size_t at = offset_of(d);
        uint8_t form;
        if (!read_byte(d, &form, "function type"))
            return false;
        if (form != 0x60)
            return malformed(d, at, "malformed function type form 0x%02x", form);
        uint32_t np, nr;
        if (!read_count(d, &np, 1, "parameters"))
            return false;
        const uint8_t *params = d->r.p;
        d->r.p += np;
        if (!read_count(d, &nr, 1, "results"))
            return false;
        const uint8_t *results = d->r.p;
        d->r.p += nr;
        olw_valtype *types = malloc((size_t)np + nr + 1);
        if (!types)
            return oom(d);
        m->types[i].types = types;
        m->types[i].nparams = np;
        m->types[i].nresults = nr;
        m->ntypes = i + 1;
        /* re-read the type bytes through read_valtype for its checks */
        olw_reader saved = d->r;
        d->r.p = params;
        for (uint32_t k = 0; k < np; k++)
            if (!read_valtype(d, &types[k]))
                return false;
        d->r.p = results;
        for (uint32_t k = 0; k < nr; k++)
            if (!read_valtype(d, &types[np + k]))
                return false;
        d->r = saved;
        if (np > OLW_MAX_PARAMS || nr > OLW_MAX_RESULTS)
            return olw_fail(d->err, OLW_ERR_UNSUPPORTED, at,
                            "function type %u has too many parameters or results (%u, %u) (offset 0x%zx)", i, np, nr,
                            at);
    }
    return true;
}

static bool decode_imports(decoder *d)
{
    struct olw_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n, 4, "imports"))
        return false;
    m->imports = calloc(n ? n : 1, sizeof *m->imports);
    if (!m->imports)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        POLL(d);
        olw_import_decl *imp = &m->imports[i];
        m->nimports = i + 1;
        if (!read_name(d, &imp->module, &imp->module_len, true) || !read_name(d, &imp->name, &imp->name_len, true))
            return false;
        size_t at = offset_of(d);
        uint8_t kind;
        if (!read_byte(d, &kind, "import kind"))
            return false;
        switch (kind) {
        case OLW_EXTERN_FUNC:
            if (!read_u32(d, &imp->desc.type_index, "type index"))
                return false;
            break;
        case OLW_EXTERN_TABLE:
            if (!read_tabletype(d, &imp->desc.table))
                return false;
            break;
        case OLW_EXTERN_MEMORY:
            if (!read_limits(d, &imp->desc.memory))
                return false;
            break;
        case OLW_EXTERN_GLOBAL:
            if (!read_globaltype(d, &imp->desc.global))
                return false;
            break;
        default: return malformed(d, at, "malformed import kind 0x%02x", kind);
        }
        imp->kind = (olw_extern_kind)kind;
    }
    return true;
}

static bool decode_functions(decoder *d)
{
    struct olw_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n, 1, "functions"))
        return false;
    if ((uint64_t)n + m->nimported_funcs > OLW_MAX_FUNCS)
        return olw_fail(d->err, OLW_ERR_RESOURCE, offset_of(d),
                        "too many functions: %u imported and %u defined, more than the limit of %u (offset 0x%zx)",
                        m->nimported_funcs, n, OLW_MAX_FUNCS, offset_of(d));
    m->funcs = calloc(n ? n : 1, sizeof *m->funcs);
    if (!m->funcs)
        return oom(d);
    d->nfunc_decls = n;
    for (uint32_t i = 0; i < n; i++)
        if (!read_u32(d, &m->funcs[i].type_index, "type index"))
            return false;
    return true;
}

/* Resizes an index space's array to `count` entries (imports first, then
 * the section's own; +1 so that an empty space still has an allocation).
 * NULL after reporting OOM; the old array is then still the module's, so
 * it is freed with the module. */
static void *grow_space(decoder *d, void *array, size_t count, size_t elem_size)
{
    void *grown = realloc(array, (count + 1) * elem_size);
    if (!grown)
        oom(d);
    return grown;
}

static bool decode_tables(decoder *d)
{
    struct olw_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n, 3, "tables"))
        return false;
    void *grown = grow_space(d, m->tables, (size_t)m->nimported_tables + n, sizeof *m->tables);
    if (!grown)
        return false;
    m->tables = grown;
    m->ntables = m->nimported_tables + n;
    for (uint32_t i = 0; i < n; i++)
        if (!read_tabletype(d, &m->tables[m->nimported_tables + i]))
            return false;
    return true;
}

static bool decode_memories(decoder *d)
{
    struct olw_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n, 2, "memories"))
        return false;
    void *grown = grow_space(d, m->memories, (size_t)m->nimported_memories + n, sizeof *m->memories);
    if (!grown)
        return false;
    m->memories = grown;
    m->nmemories = m->nimported_memories + n;
    for (uint32_t i = 0; i < n; i++)
        if (!read_limits(d, &m->memories[m->nimported_memories + i]))
            return false;
    return true;
}

static bool decode_globals(decoder *d)
{
    struct olw_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n, 3, "globals"))
        return false;
    void *grown = grow_space(d, m->global_types, (size_t)m->nimported_globals + n, sizeof *m->global_types);
    if (!grown)
        return false;
    m->global_types = grown;
    m->nglobals = m->nimported_globals + n;
    m->globals = calloc(n ? n : 1, sizeof *m->globals);
    if (!m->globals)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        POLL(d);
        olw_global_decl *g = &m->globals[i];
        if (!read_globaltype(d, &g->type) || !read_const_expr(d, &g->init))
            return false;
        m->global_types[m->nimported_globals + i] = g->type;
    }
    return true;
}

static bool decode_exports(decoder *d)
{
    struct olw_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n, 3, "exports"))
        return false;
    m->exports = calloc(n ? n : 1, sizeof *m->exports);
    if (!m->exports)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        POLL(d);
        olw_export_decl *e = &m->exports[i];
        m->nexports = i + 1;
        if (!read_name(d, &e->name, &e->name_len, true))
            return false;
        size_t at = offset_of(d);
        uint8_t kind;
        if (!read_byte(d, &kind, "export kind"))
            return false;
        if (kind > OLW_EXTERN_GLOBAL)
            return malformed(d, at, "malformed export kind 0x%02x", kind);
        e->kind = (olw_extern_kind)kind;
        if (!read_u32(d, &e->index, "export index"))
            return false;
    }
    return true;
}

static bool decode_start(decoder *d)
{
    d->m->has_start = true;
    return read_u32(d, &d->m->start, "start function index");
}

static bool decode_elements(decoder *d)
{
    struct olw_module *m = d->m;
    uint32_t n;
    if (!read_count(d, &n, 2, "element segments"))
        return false;
    m->elems = calloc(n ? n : 1, sizeof *m->elems);
    if (!m->elems)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        POLL(d);
        olw_elem_decl *e = &m->elems[i];
        m->nelems = i + 1;
        size_t at = offset_of(d);
        uint32_t flags;
        if (!read_u32(d, &flags, "element segment flags"))
            return false;
        if (flags > 7)
            return malformed(d, at, "malformed elements segment kind %u", flags);
        /* bit 0: passive or declarative; bit 1: explicit table (active) or
         * declarative; bit 2: items are expressions rather than indices */
        bool exprs = flags & 4;
        e->type = OLW_FUNCREF;
        if (flags & 1) {
            e->mode = (flags & 2) ? OLW_SEGMENT_DECLARATIVE : OLW_SEGMENT_PASSIVE;
        } else {
            e->mode = OLW_SEGMENT_ACTIVE;
            if ((flags & 2) && !read_u32(d, &e->table, "table index"))
                return false;
            if (!read_const_expr(d, &e->offset))
                return false;
        }
        if (flags & 3) { /* an element kind or reference type follows */
            if (exprs) {
                if (!read_reftype(d, &e->type))
                    return false;
            } else {
                size_t kat = offset_of(d);
                uint8_t kind;
                if (!read_byte(d, &kind, "element kind"))
                    return false;
                if (kind != 0)
                    return malformed(d, kat, "malformed element kind 0x%02x", kind);
            }
        }
        uint32_t count;
        if (!read_count(d, &count, 1, "element items"))
            return false;
        e->items = calloc(count ? count : 1, sizeof *e->items);
        if (!e->items)
            return oom(d);
        for (uint32_t k = 0; k < count; k++) {
            olw_const_expr *item = &e->items[k];
            if (exprs) {
                if (!read_const_expr(d, item))
                    return false;
            } else {
                uint32_t idx;
                item->offset = offset_of(d);
                if (!read_u32(d, &idx, "function index"))
                    return false;
                item->op = OLW_CONST_REF_FUNC;
                item->value = idx;
            }
            e->count = k + 1;
        }
    }
    return true;
}

static bool decode_data_count(decoder *d)
{
    d->m->has_data_count = true;
    return read_u32(d, &d->m->data_count, "data count");
}

static bool decode_code(decoder *d)
{
    struct olw_module *m = d->m;
    size_t at = offset_of(d);
    uint32_t n;
    if (!read_count(d, &n, 1, "function bodies"))
        return false;
    if (n != d->nfunc_decls)
        return malformed(d, at, "function and code section have inconsistent lengths (%u functions, %u bodies)",
                         d->nfunc_decls, n);
    d->has_code = true;
    for (uint32_t i = 0; i < n; i++) {
        POLL(d);
        olw_func_decl *f = &m->funcs[i];
        size_t body_at = offset_of(d);
        uint32_t size;
        const uint8_t *body;
        if (!read_u32(d, &size, "function body size"))
            return false;
        if (!olw_read_bytes(&d->r, size, &body))
            return malformed(d, body_at, "unexpected end: function body of %u bytes, %zu left", size,
                             olw_reader_left(&d->r));
        olw_reader outer = d->r;
        d->r.p = body;
        d->r.end = body + size;
        /* locals: run-length groups; the total is bounded before expanding */
        uint32_t ngroups;
        if (!read_count(d, &ngroups, 2, "local groups"))
            return false;
        const uint8_t *groups = d->r.p;
        uint64_t total = 0;
        for (uint32_t g = 0; g < ngroups; g++) {
            uint32_t count;
            olw_valtype t;
            if (!read_u32(d, &count, "local count"))
                return false;
            total += count;
            if (total > OLW_MAX_LOCALS)
                return malformed(d, body_at, "too many locals in function %u", m->nimported_funcs + i);
            if (!read_valtype(d, &t))
                return false;
        }
        d->module_locals += total;
        if (d->module_locals > MAX_MODULE_LOCALS)
            return olw_fail(d->err, OLW_ERR_RESOURCE, body_at,
                            "too many locals in the module: more than %u in all functions (offset 0x%zx)",
                            MAX_MODULE_LOCALS, body_at);
        f->locals = malloc(total ? total : 1);
        if (!f->locals)
            return oom(d);
        f->nlocals = (uint32_t)total;
        const uint8_t *after = d->r.p;
        d->r.p = groups;
        uint32_t k = 0;
        for (uint32_t g = 0; g < ngroups; g++) {
            uint32_t count = 0;
            olw_read_u32(&d->r, &count); /* checked above */
            olw_valtype t = *d->r.p++;
            memset(f->locals + k, t, count);
            k += count;
        }
        d->r.p = after;
        f->code = d->r.p;
        f->code_size = olw_reader_left(&d->r);
        f->code_offset = offset_of(d);
        if (f->code_size == 0)
            return malformed(d, f->code_offset, "unexpected end of section or function: empty body of function %u",
                             m->nimported_funcs + i);
        d->r = outer;
    }
    return true;
}

static bool decode_data(decoder *d)
{
    struct olw_module *m = d->m;
    size_t at = offset_of(d);
    uint32_t n;
    if (!read_count(d, &n, 2, "data segments"))
        return false;
    if (m->has_data_count && n != m->data_count)
        return malformed(d, at, "data count and data section have inconsistent lengths (%u and %u)", m->data_count, n);
    m->datas = calloc(n ? n : 1, sizeof *m->datas);
    if (!m->datas)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        POLL(d);
        olw_data_decl *s = &m->datas[i];
        m->ndatas = i + 1;
        size_t sat = offset_of(d);
        uint32_t flags;
        if (!read_u32(d, &flags, "data segment flags"))
            return false;
        switch (flags) {
        case 0:
            s->mode = OLW_SEGMENT_ACTIVE;
            if (!read_const_expr(d, &s->offset))
                return false;
            break;
        case 1: s->mode = OLW_SEGMENT_PASSIVE; break;
        case 2:
            s->mode = OLW_SEGMENT_ACTIVE;
            if (!read_u32(d, &s->memory, "memory index") || !read_const_expr(d, &s->offset))
                return false;
            break;
        default: return malformed(d, sat, "malformed data segment kind %u", flags);
        }
        size_t lat = offset_of(d);
        uint32_t len;
        if (!read_u32(d, &len, "data length"))
            return false;
        if (!olw_read_bytes(&d->r, len, &s->bytes))
            return malformed(d, lat, "unexpected end of section or function: data segment of %u bytes, %zu left", len,
                             olw_reader_left(&d->r));
        s->size = len;
    }
    return true;
}

static bool decode_custom(decoder *d)
{
    if (!read_name(d, NULL, NULL, false))
        return false;
    d->r.p = d->r.end; /* contents are ignored */
    return true;
}

/* Section ids in the order the spec requires them (data count sits between
 * elements and code), mapped to a rank; 0 = custom, anywhere. */
static int section_rank(uint8_t id)
{
    static const int rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return id < 13 ? rank[id] : -1;
}

/* Marks the functions C.refs declares: those named by exports, element
 * segments and global initialisers. */
static bool mark_declared(decoder *d)
{
    struct olw_module *m = d->m;
    m->func_declared = calloc(m->nfuncs ? m->nfuncs : 1, 1);
    if (!m->func_declared)
        return oom(d);
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == OLW_EXTERN_FUNC && m->exports[i].index < m->nfuncs)
            m->func_declared[m->exports[i].index] = 1;
    for (uint32_t i = 0; i < m->nglobals - m->nimported_globals; i++) {
        const olw_const_expr *e = &m->globals[i].init;
        if (e->op == OLW_CONST_REF_FUNC && e->value < m->nfuncs)
            m->func_declared[e->value] = 1;
    }
    for (uint32_t i = 0; i < m->nelems; i++)
        for (uint32_t k = 0; k < m->elems[i].count; k++) {
            const olw_const_expr *e = &m->elems[i].items[k];
            if (e->op == OLW_CONST_REF_FUNC && e->value < m->nfuncs)
                m->func_declared[e->value] = 1;
        }
    return true;
}

/* After the import section (or in its absence): the index spaces start
 * with the imports. */
static bool init_spaces_from_imports(decoder *d)
{
    struct olw_module *m = d->m;
    for (uint32_t i = 0; i < m->nimports; i++) {
        switch (m->imports[i].kind) {
        case OLW_EXTERN_FUNC: m->nimported_funcs++; break;
        case OLW_EXTERN_TABLE: m->nimported_tables++; break;
        case OLW_EXTERN_MEMORY: m->nimported_memories++; break;
        case OLW_EXTERN_GLOBAL: m->nimported_globals++; break;
        }
    }
    m->ntables = m->nimported_tables;
    m->nmemories = m->nimported_memories;
    m->nglobals = m->nimported_globals;
    m->tables = calloc(m->ntables + 1, sizeof *m->tables);
    m->memories = calloc(m->nmemories + 1, sizeof *m->memories);
    m->global_types = calloc(m->nglobals + 1, sizeof *m->global_types);
    if (!m->tables || !m->memories || !m->global_types)
        return oom(d);
    uint32_t ti = 0, mi = 0, gi = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const olw_import_decl *imp = &m->imports[i];
        if (imp->kind == OLW_EXTERN_TABLE)
            m->tables[ti++] = imp->desc.table;
        else if (imp->kind == OLW_EXTERN_MEMORY)
            m->memories[mi++] = imp->desc.memory;
        else if (imp->kind == OLW_EXTERN_GLOBAL)
            m->global_types[gi++] = imp->desc.global;
    }
    return true;
}

static bool finish_funcs(decoder *d)
{
    struct olw_module *m = d->m;
    m->nfuncs = m->nimported_funcs + d->nfunc_decls;
    m->func_type_index = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *m->func_type_index);
    if (!m->func_type_index)
        return oom(d);
    uint32_t fi = 0;
    for (uint32_t i = 0; i < m->nimports; i++)
        if (m->imports[i].kind == OLW_EXTERN_FUNC)
            m->func_type_index[fi++] = m->imports[i].desc.type_index;
    for (uint32_t i = 0; i < d->nfunc_decls; i++)
        m->func_type_index[fi++] = m->funcs[i].type_index;
    return true;
}

static bool decode_sections(decoder *d)
{
    struct olw_module *m = d->m;
    const uint8_t *module_end = d->r.end;
    int last_rank = 0;
    bool spaces_ready = false, funcs_ready = false;

    if (olw_reader_left(&d->r) < 4 || memcmp(d->r.p, "\0asm", 4) != 0)
        return malformed(d, 0, "magic header not detected");
    d->r.p += 4;
    if (olw_reader_left(&d->r) < 4)
        return malformed(d, 4, "unexpected end: unknown binary version");
    if (memcmp(d->r.p, "\1\0\0\0", 4) != 0)
        return malformed(d, 4, "unknown binary version");
    d->r.p += 4;

    while (!olw_reader_done(&d->r)) {
        size_t at = offset_of(d);
        uint8_t id = *d->r.p++;
        int rank = section_rank(id);
        if (rank < 0)
            return malformed(d, at, "malformed section id %u", id);
        uint32_t size;
        if (!read_u32(d, &size, "section size"))
            return false;
        if (olw_reader_left(&d->r) < size)
            return malformed(d, at, "length out of bounds: section %u of %u bytes, %zu left", id, size,
                             olw_reader_left(&d->r));
        if (rank != 0) {
            if (rank <= last_rank)
                return malformed(d, at, "unexpected content after last section: section %u is out of order", id);
            last_rank = rank;
        }
        const uint8_t *section_end = d->r.p + size;
        d->r.end = section_end;

        /* the index spaces are fixed once the sections defining them are past */
        if (rank > 2 && !spaces_ready) {
            if (!init_spaces_from_imports(d))
                return false;
            spaces_ready = true;
        }
        if (rank > 3 && !funcs_ready) {
            if (!finish_funcs(d))
                return false;
            funcs_ready = true;
        }

        bool ok = true;
        switch (id) {
        case 0: ok = decode_custom(d); break;
        case 1: ok = decode_types(d); break;
        case 2: ok = decode_imports(d); break;
        case 3: ok = decode_functions(d); break;
        case 4: ok = decode_tables(d); break;
        case 5: ok = decode_memories(d); break;
        case 6: ok = decode_globals(d); break;
        case 7: ok = decode_exports(d); break;
        case 8: ok = decode_start(d); break;
        case 9: ok = decode_elements(d); break;
        case 10: ok = decode_code(d); break;
        case 11: ok = decode_data(d); break;
        case 12: ok = decode_data_count(d); break;
        }
        if (!ok)
            return false;
        if (d->r.p != section_end)
            return malformed(d, offset_of(d), "section size mismatch: section %u ends at 0x%zx, content at 0x%zx", id,
                             (size_t)(section_end - d->r.start), offset_of(d));
        d->r.end = module_end;
    }
    if (!spaces_ready && !init_spaces_from_imports(d))
        return false;
    if (!funcs_ready && !finish_funcs(d))
        return false;
    if (d->nfunc_decls > 0 && !d->has_code)
        return malformed(d, offset_of(d),
                         "function and code section have inconsistent lengths (%u functions, no code section)",
                         d->nfunc_decls);
    if (m->has_data_count && m->data_count != m->ndatas && m->datas == NULL)
        return malformed(d, offset_of(d), "data count and data section have inconsistent lengths (%u and 0)",
                         m->data_count);
    return mark_declared(d);
}

void olw_module_decl_free(struct olw_module *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < m->ntypes; i++)
        free((void *)m->types[i].types);
    free(m->types);
    for (uint32_t i = 0; i < m->nimports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    if (m->funcs)
        for (uint32_t i = 0; i < m->nfuncs - m->nimported_funcs; i++)
            free(m->funcs[i].locals);
    free(m->funcs);
    free(m->func_type_index);
    free(m->tables);
    free(m->memories);
    free(m->global_types);
    free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++)
        free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++)
        free(m->elems[i].items);
    free(m->elems);
    free(m->datas);
    free(m->func_declared);
    free(m->bytes);

    /* leave only what the back end owns */
    int refcount = m->refcount;
    bool metering = m->metering;
    struct olw_compiled *compiled = m->compiled;
    memset(m, 0, sizeof *m);
    m->refcount = refcount;
    m->metering = metering;
    m->compiled = compiled;
}

bool olw_decode(struct olw_module *m, const uint8_t *bytes, size_t size, olw_error *err)
{
    int refcount = m->refcount;
    bool metering = m->metering;
    struct olw_compiled *compiled = m->compiled;
    const _Atomic int *interrupt = m->interrupt;
    memset(m, 0, sizeof *m);
    m->refcount = refcount;
    m->metering = metering;
    m->compiled = compiled;
    m->interrupt = interrupt;

    /* The module keeps its own copy: code and data point into it. */
    m->bytes = malloc(size ? size : 1);
    if (!m->bytes)
        return olw_fail(err, OLW_ERR_RESOURCE, 0, "out of memory copying %zu bytes", size);
    if (size)
        memcpy(m->bytes, bytes, size);
    m->size = size;

    decoder d = {.r = olw_reader_at(m->bytes, m->bytes, m->bytes + size), .m = m, .err = err};
    if (!decode_sections(&d)) {
        /* funcs[] is sized by the function section even when nfuncs is not set yet */
        if (m->funcs && m->nfuncs == 0) {
            for (uint32_t i = 0; i < d.nfunc_decls; i++)
                free(m->funcs[i].locals);
            free(m->funcs);
            m->funcs = NULL;
        }
        olw_module_decl_free(m);
        return false;
    }
    if (err) {
        err->kind = OLW_ERR_NONE;
        err->message[0] = '\0';
    }
    return true;
}
