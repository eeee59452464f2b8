/*
 * prepare.c — NEAR's contract preparation as a binary section rewriter.
 *
 * nearcore does not run a contract as deployed: it rejects imports from
 * anything but "env", rejects imported memories, and replaces the module's
 * own memory with an import env.memory of 1024 initial / 2048 maximum pages
 * whatever the contract declared (so memory.size is 1024 at start and
 * memory.grow past 2048 returns -1). We do the same on the bytes:
 *
 *   - custom sections are dropped (nearcore discards them too);
 *   - the import section is checked and gets one more entry, env.memory;
 *     an import section is created if the module had none;
 *   - the memory section is removed.
 *
 * Adding a memory import does not move any function, table or global index,
 * and the memory index stays 0 because a module has at most one memory, so
 * no other section needs rewriting. Structural limits (functions, locals,
 * tables) and features NEAR rejects (multi-value results, SIMD types,
 * multiple memories, shared or 64-bit memories) are checked on the way; the
 * engine validates the result when it loads it.
 */
#include "nearvm/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *nearvm_prepare_error_name(nearvm_prepare_error e)
{
    switch (e) {
    case NEAR_PREPARE_OK: return "Ok";
    case NEAR_PREPARE_DESERIALIZATION: return "Deserialization";
    case NEAR_PREPARE_INSTANTIATE: return "Instantiate";
    case NEAR_PREPARE_MEMORY: return "Memory";
    case NEAR_PREPARE_TOO_MANY_FUNCTIONS: return "TooManyFunctions";
    case NEAR_PREPARE_TOO_MANY_LOCALS: return "TooManyLocals";
    case NEAR_PREPARE_TOO_MANY_TABLES: return "TooManyTables";
    case NEAR_PREPARE_TOO_MANY_TABLE_ELEMENTS: return "TooManyTableElements";
    }
    return "Deserialization";
}

/* ---- reading the binary ----
 *
 * Preparation needs only section framing, names and u32 LEB128 counts, so
 * it reads them itself rather than through the engine's internal reader:
 * the NEAR VM uses nothing of the engine but its public API (wasm/olw.h).
 * Every read is bounds-checked; the engine validates the result in full. */
typedef struct rd {
    const uint8_t *start; /* the module's first byte: offsets are relative to it */
    const uint8_t *p, *end;
} rd;

static rd rd_at(const uint8_t *start, const uint8_t *p, const uint8_t *end)
{
    rd r = {start, p, end};
    return r;
}

static bool rd_done(const rd *r) { return r->p >= r->end; }
static size_t rd_offset(const rd *r) { return (size_t)(r->p - r->start); }

static bool rd_u8(rd *r, uint8_t *out)
{
    if (r->p >= r->end)
        return false;
    *out = *r->p++;
    return true;
}

static bool rd_bytes(rd *r, size_t n, const uint8_t **out)
{
    if ((size_t)(r->end - r->p) < n)
        return false;
    *out = r->p;
    r->p += n;
    return true;
}

/* Unsigned LEB128 of at most 32 bits: at most 5 bytes, and the 5th byte
 * carries only the top 4 bits. */
static bool rd_u32(rd *r, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t byte;
        if (shift > 28 || !rd_u8(r, &byte))
            return false;
        if (shift == 28 && byte > 0x0f)
            return false;
        v |= (uint32_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            break;
    }
    *out = v;
    return true;
}

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_u8(buf *b, uint8_t v) { put(b, &v, 1); }

static void put_uleb(buf *b, uint64_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put_u8(b, byte | (v ? 0x80 : 0));
    } while (v);
}

static void put_section(buf *b, uint8_t id, const uint8_t *payload, size_t n)
{
    put_u8(b, id);
    put_uleb(b, n);
    put(b, payload, n);
}

typedef struct prep {
    char *detail;
    size_t detail_size;
    uint32_t func_imports;
    uint32_t funcs;
    uint32_t tables;
    uint64_t locals;
} prep;

static nearvm_prepare_error fail(prep *P, nearvm_prepare_error e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static nearvm_prepare_error fail(prep *P, nearvm_prepare_error e, const char *fmt, ...)
{
    if (P->detail && P->detail_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(P->detail, P->detail_size, fmt, ap);
        va_end(ap);
    }
    return e;
}

static bool read_limits(rd *r, bool memory, uint32_t *min)
{
    uint8_t flags;
    uint32_t max;
    if (!rd_u8(r, &flags) || flags > 1) /* shared (threads) and 64-bit forms are rejected */
        return false;
    if (!rd_u32(r, min))
        return false;
    if (flags == 1 && !rd_u32(r, &max))
        return false;
    (void)memory;
    return true;
}

static bool valtype_ok(uint8_t t)
{
    return t == OLW_I32 || t == OLW_I64 || t == OLW_F32 || t == OLW_F64 || t == OLW_FUNCREF || t == OLW_EXTERNREF;
}

static bool read_name(rd *r, const uint8_t **s, uint32_t *len) { return rd_u32(r, len) && rd_bytes(r, *len, s); }

static nearvm_prepare_error check_types(prep *P, rd r)
{
    uint32_t n;
    if (!rd_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad type section");
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        uint32_t np, nr;
        const uint8_t *types;
        if (!rd_u8(&r, &form) || form != 0x60 || !rd_u32(&r, &np) || !rd_bytes(&r, np, &types))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad function type %u", i);
        for (uint32_t k = 0; k < np; k++)
            if (!valtype_ok(types[k]))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "unsupported value type in type %u", i);
        if (!rd_u32(&r, &nr) || !rd_bytes(&r, nr, &types))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad function type %u", i);
        if (nr > 1)
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "multi-value results are not accepted by NEAR (type %u)", i);
        for (uint32_t k = 0; k < nr; k++)
            if (!valtype_ok(types[k]))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "unsupported value type in type %u", i);
    }
    return rd_done(&r) ? NEAR_PREPARE_OK : fail(P, NEAR_PREPARE_DESERIALIZATION, "bad type section");
}

/* Checks the imports and writes the section with env.memory appended. */
static nearvm_prepare_error rewrite_imports(prep *P, rd r, buf *section)
{
    uint32_t n = 0;
    const uint8_t *entries = r.p;
    if (r.p && !rd_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import section");
    entries = r.p;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *module, *name;
        uint32_t mlen, nlen, idx, min;
        uint8_t kind, b;
        if (!read_name(&r, &module, &mlen) || !read_name(&r, &name, &nlen) || !rd_u8(&r, &kind))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import %u", i);
        if (mlen != 3 || memcmp(module, "env", 3) != 0)
            return fail(P, NEAR_PREPARE_INSTANTIATE, "import %u is from module \"%.*s\"; only \"env\" is allowed", i,
                        (int)(mlen > 64 ? 64 : mlen), (const char *)module);
        switch (kind) {
        case OLW_EXTERN_FUNC:
            if (!rd_u32(&r, &idx))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import %u", i);
            P
            ->func_imports++;
            break;
        case OLW_EXTERN_MEMORY:
            return fail(P, NEAR_PREPARE_MEMORY, "the contract imports a memory (env.%.*s)",
                        (int)(nlen > 64 ? 64 : nlen), (const char *)name);
        case OLW_EXTERN_TABLE:
            if (!rd_u8(&r, &b) || !read_limits(&r, false, &min))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import %u", i);
            return fail(P, NEAR_PREPARE_INSTANTIATE, "the contract imports a table");
        case OLW_EXTERN_GLOBAL: return fail(P, NEAR_PREPARE_INSTANTIATE, "the contract imports a global");
        default: return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import kind %u", kind);
        }
    }
    if (!rd_done(&r))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import section");
    put_uleb(section, (uint64_t)n + 1);
    if (n)
        put(section, entries, (size_t)(r.p - entries));
    put_uleb(section, 3);
    put(section, "env", 3);
    put_uleb(section, 6);
    put(section, "memory", 6);
    put_u8(section, OLW_EXTERN_MEMORY);
    put_u8(section, 1); /* min and max */
    put_uleb(section, NEARVM_INITIAL_MEMORY_PAGES);
    put_uleb(section, NEARVM_MAX_MEMORY_PAGES);
    return NEAR_PREPARE_OK;
}

static nearvm_prepare_error check_memory(prep *P, rd r)
{
    uint32_t n, min;
    if (!rd_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad memory section");
    if (n > 1)
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "more than one memory");
    if (n == 1 && !read_limits(&r, true, &min))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad or unsupported memory limits");
    return rd_done(&r) ? NEAR_PREPARE_OK : fail(P, NEAR_PREPARE_DESERIALIZATION, "bad memory section");
}

static nearvm_prepare_error check_tables(prep *P, rd r)
{
    uint32_t n, min;
    uint8_t elem;
    if (!rd_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad table section");
    P
    ->tables += n;
    if (P->tables > LIMIT_MAX_TABLES)
        return fail(P, NEAR_PREPARE_TOO_MANY_TABLES, "%u tables; NEAR allows %u", P->tables, LIMIT_MAX_TABLES);
    for (uint32_t i = 0; i < n; i++) {
        if (!rd_u8(&r, &elem) || !read_limits(&r, false, &min))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad table %u", i);
        if (min > LIMIT_MAX_TABLE_ELEMENTS)
            return fail(P, NEAR_PREPARE_TOO_MANY_TABLE_ELEMENTS, "table of %u elements; NEAR allows %u", min,
                        LIMIT_MAX_TABLE_ELEMENTS);
    }
    return NEAR_PREPARE_OK;
}

static nearvm_prepare_error check_functions(prep *P, rd r)
{
    uint32_t n;
    if (!rd_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad function section");
    P
    ->funcs = n;
    if ((uint64_t)P->func_imports + n > LIMIT_MAX_FUNCTIONS)
        return fail(P, NEAR_PREPARE_TOO_MANY_FUNCTIONS, "%llu functions; NEAR allows %u",
                    (unsigned long long)P->func_imports + n, LIMIT_MAX_FUNCTIONS);
    return NEAR_PREPARE_OK;
}

static nearvm_prepare_error check_code(prep *P, rd r)
{
    uint32_t n;
    if (!rd_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad code section");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size, groups;
        const uint8_t *body;
        if (!rd_u32(&r, &size) || !rd_bytes(&r, size, &body))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad function body %u", i);
        rd b = rd_at(r.start, body, body + size);
        if (!rd_u32(&b, &groups))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad function body %u", i);
        for (uint32_t g = 0; g < groups; g++) {
            uint32_t count;
            uint8_t type;
            if (!rd_u32(&b, &count) || !rd_u8(&b, &type))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad locals in function %u", i);
            if (!valtype_ok(type))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "unsupported local type in function %u", i);
            P
            ->locals += count;
            if (P->locals > LIMIT_MAX_LOCALS)
                return fail(P, NEAR_PREPARE_TOO_MANY_LOCALS, "more than %llu locals",
                            (unsigned long long)LIMIT_MAX_LOCALS);
        }
    }
    return NEAR_PREPARE_OK;
}

nearvm_prepare_error nearvm_prepare(const uint8_t *code, size_t code_len, uint8_t **out, size_t *out_len, char *detail,
                                    size_t detail_size)
{
    static const uint8_t header[8] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00};
    prep P
    = {.detail = detail, .detail_size = detail_size};
    buf b = {0}, imports = {0};
    nearvm_prepare_error e = NEAR_PREPARE_OK;
    bool imports_written = false;
    *out = NULL;
    *out_len = 0;
    if (detail && detail_size)
        detail[0] = 0;
    if (!code || code_len < 8 || memcmp(code, header, 8) != 0)
        return fail(&P, NEAR_PREPARE_DESERIALIZATION, "not a WebAssembly module");
    put(&b, header, 8);
    rd r = rd_at(code, code + 8, code + code_len);
    while (!rd_done(&r)) {
        uint8_t id;
        uint32_t size;
        const uint8_t *payload;
        if (!rd_u8(&r, &id) || !rd_u32(&r, &size) || !rd_bytes(&r, size, &payload)) {
            e = fail(&P, NEAR_PREPARE_DESERIALIZATION, "truncated section at offset %zu", rd_offset(&r));
            goto out;
        }
        rd s = rd_at(code, payload, payload + size);
        if (id == 0)
            continue; /* custom sections are discarded */
        if (id > 12) {
            e = fail(&P, NEAR_PREPARE_DESERIALIZATION, "unsupported section id %u", id);
            goto out;
        }
        /* The import section comes right after the type section: write ours
         * before the first later section if the module has none. */
        if (id != 1 && id != 2 && !imports_written) {
            rd none = {0};
            if ((e = rewrite_imports(&P, none, &imports)) != NEAR_PREPARE_OK)
                goto out;
            put_section(&b, 2, imports.p, imports.len);
            imports_written = true;
        }
        switch (id) {
        case 1: e = check_types(&P, s); break;
        case 2:
            if ((e = rewrite_imports(&P, s, &imports)) != NEAR_PREPARE_OK)
                goto out;
            put_section(&b, 2, imports.p, imports.len);
            imports_written = true;
            continue;
        case 3: e = check_functions(&P, s); break;
        case 4: e = check_tables(&P, s); break;
        case 5:
            if ((e = check_memory(&P, s)) != NEAR_PREPARE_OK)
                goto out;
            continue; /* replaced by the import */
        case 10: e = check_code(&P, s); break;
        default: break;
        }
        if (e != NEAR_PREPARE_OK)
            goto out;
        put_section(&b, id, payload, size);
    }
    if (!imports_written) {
        rd none = {0};
        if ((e = rewrite_imports(&P, none, &imports)) != NEAR_PREPARE_OK)
            goto out;
        put_section(&b, 2, imports.p, imports.len);
    }
    if (b.oom || imports.oom) {
        e = fail(&P, NEAR_PREPARE_DESERIALIZATION, "out of memory");
        goto out;
    }
    *out = b.p;
    *out_len = b.len;
    b.p = NULL;
out:
    free(b.p);
    free(imports.p);
    return e;
}
