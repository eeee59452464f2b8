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
#include "devnet/vm/vm_internal.h"
#include "wasm/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *near_vm_prepare_error_name(near_vm_prepare_error e)
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

static near_vm_prepare_error fail(prep *P, near_vm_prepare_error e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static near_vm_prepare_error fail(prep *P, near_vm_prepare_error e, const char *fmt, ...)
{
    if (P->detail && P->detail_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(P->detail, P->detail_size, fmt, ap);
        va_end(ap);
    }
    return e;
}

static bool read_limits(wasm_reader *r, bool memory, uint32_t *min)
{
    uint8_t flags;
    uint32_t max;
    if (!wasm_read_u8(r, &flags) || flags > 1) /* shared (threads) and 64-bit forms are rejected */
        return false;
    if (!wasm_read_u32(r, min))
        return false;
    if (flags == 1 && !wasm_read_u32(r, &max))
        return false;
    (void)memory;
    return true;
}

static bool valtype_ok(uint8_t t)
{
    return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64 || t == WASM_FUNCREF ||
           t == WASM_EXTERNREF;
}

static bool read_name(wasm_reader *r, const uint8_t **s, uint32_t *len)
{
    return wasm_read_u32(r, len) && wasm_read_bytes(r, *len, s);
}

static near_vm_prepare_error check_types(prep *P, wasm_reader r)
{
    uint32_t n;
    if (!wasm_read_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad type section");
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        uint32_t np, nr;
        const uint8_t *types;
        if (!wasm_read_u8(&r, &form) || form != 0x60 || !wasm_read_u32(&r, &np) || !wasm_read_bytes(&r, np, &types))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad function type %u", i);
        for (uint32_t k = 0; k < np; k++)
            if (!valtype_ok(types[k]))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "unsupported value type in type %u", i);
        if (!wasm_read_u32(&r, &nr) || !wasm_read_bytes(&r, nr, &types))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad function type %u", i);
        if (nr > 1)
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "multi-value results are not accepted by NEAR (type %u)", i);
        for (uint32_t k = 0; k < nr; k++)
            if (!valtype_ok(types[k]))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "unsupported value type in type %u", i);
    }
    return wasm_reader_done(&r) ? NEAR_PREPARE_OK : fail(P, NEAR_PREPARE_DESERIALIZATION, "bad type section");
}

/* Checks the imports and writes the section with env.memory appended. */
static near_vm_prepare_error rewrite_imports(prep *P, wasm_reader r, buf *section)
{
    uint32_t n = 0;
    const uint8_t *entries = r.p;
    if (r.p && !wasm_read_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import section");
    entries = r.p;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *module, *name;
        uint32_t mlen, nlen, idx, min;
        uint8_t kind, b;
        if (!read_name(&r, &module, &mlen) || !read_name(&r, &name, &nlen) || !wasm_read_u8(&r, &kind))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import %u", i);
        if (mlen != 3 || memcmp(module, "env", 3) != 0)
            return fail(P, NEAR_PREPARE_INSTANTIATE, "import %u is from module \"%.*s\"; only \"env\" is allowed", i,
                        (int)(mlen > 64 ? 64 : mlen), (const char *)module);
        switch (kind) {
        case WASM_EXTERN_FUNC:
            if (!wasm_read_u32(&r, &idx))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import %u", i);
            P->func_imports++;
            break;
        case WASM_EXTERN_MEMORY:
            return fail(P, NEAR_PREPARE_MEMORY, "the contract imports a memory (env.%.*s)",
                        (int)(nlen > 64 ? 64 : nlen), (const char *)name);
        case WASM_EXTERN_TABLE:
            if (!wasm_read_u8(&r, &b) || !read_limits(&r, false, &min))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import %u", i);
            return fail(P, NEAR_PREPARE_INSTANTIATE, "the contract imports a table");
        case WASM_EXTERN_GLOBAL:
            return fail(P, NEAR_PREPARE_INSTANTIATE, "the contract imports a global");
        default: return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import kind %u", kind);
        }
    }
    if (!wasm_reader_done(&r))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad import section");
    put_uleb(section, (uint64_t)n + 1);
    if (n)
        put(section, entries, (size_t)(r.p - entries));
    put_uleb(section, 3);
    put(section, "env", 3);
    put_uleb(section, 6);
    put(section, "memory", 6);
    put_u8(section, WASM_EXTERN_MEMORY);
    put_u8(section, 1); /* min and max */
    put_uleb(section, NEAR_VM_INITIAL_MEMORY_PAGES);
    put_uleb(section, NEAR_VM_MAX_MEMORY_PAGES);
    return NEAR_PREPARE_OK;
}

static near_vm_prepare_error check_memory(prep *P, wasm_reader r)
{
    uint32_t n, min;
    if (!wasm_read_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad memory section");
    if (n > 1)
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "more than one memory");
    if (n == 1 && !read_limits(&r, true, &min))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad or unsupported memory limits");
    return wasm_reader_done(&r) ? NEAR_PREPARE_OK : fail(P, NEAR_PREPARE_DESERIALIZATION, "bad memory section");
}

static near_vm_prepare_error check_tables(prep *P, wasm_reader r)
{
    uint32_t n, min;
    uint8_t elem;
    if (!wasm_read_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad table section");
    P->tables += n;
    if (P->tables > LIMIT_MAX_TABLES)
        return fail(P, NEAR_PREPARE_TOO_MANY_TABLES, "%u tables; NEAR allows %u", P->tables, LIMIT_MAX_TABLES);
    for (uint32_t i = 0; i < n; i++) {
        if (!wasm_read_u8(&r, &elem) || !read_limits(&r, false, &min))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad table %u", i);
        if (min > LIMIT_MAX_TABLE_ELEMENTS)
            return fail(P, NEAR_PREPARE_TOO_MANY_TABLE_ELEMENTS, "table of %u elements; NEAR allows %u", min,
                        LIMIT_MAX_TABLE_ELEMENTS);
    }
    return NEAR_PREPARE_OK;
}

static near_vm_prepare_error check_functions(prep *P, wasm_reader r)
{
    uint32_t n;
    if (!wasm_read_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad function section");
    P->funcs = n;
    if ((uint64_t)P->func_imports + n > LIMIT_MAX_FUNCTIONS)
        return fail(P, NEAR_PREPARE_TOO_MANY_FUNCTIONS, "%llu functions; NEAR allows %u",
                    (unsigned long long)P->func_imports + n, LIMIT_MAX_FUNCTIONS);
    return NEAR_PREPARE_OK;
}

static near_vm_prepare_error check_code(prep *P, wasm_reader r)
{
    uint32_t n;
    if (!wasm_read_u32(&r, &n))
        return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad code section");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size, groups;
        const uint8_t *body;
        if (!wasm_read_u32(&r, &size) || !wasm_read_bytes(&r, size, &body))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad function body %u", i);
        wasm_reader b = wasm_reader_at(r.start, body, body + size);
        if (!wasm_read_u32(&b, &groups))
            return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad function body %u", i);
        for (uint32_t g = 0; g < groups; g++) {
            uint32_t count;
            uint8_t type;
            if (!wasm_read_u32(&b, &count) || !wasm_read_u8(&b, &type))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "bad locals in function %u", i);
            if (!valtype_ok(type))
                return fail(P, NEAR_PREPARE_DESERIALIZATION, "unsupported local type in function %u", i);
            P->locals += count;
            if (P->locals > LIMIT_MAX_LOCALS)
                return fail(P, NEAR_PREPARE_TOO_MANY_LOCALS, "more than %llu locals",
                            (unsigned long long)LIMIT_MAX_LOCALS);
        }
    }
    return NEAR_PREPARE_OK;
}

near_vm_prepare_error near_vm_prepare(const uint8_t *code, size_t code_len, uint8_t **out, size_t *out_len,
                                      char *detail, size_t detail_size)
{
    static const uint8_t header[8] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00};
    prep P = {.detail = detail, .detail_size = detail_size};
    buf b = {0}, imports = {0};
    near_vm_prepare_error e = NEAR_PREPARE_OK;
    bool imports_written = false;
    *out = NULL;
    *out_len = 0;
    if (detail && detail_size)
        detail[0] = 0;
    if (!code || code_len < 8 || memcmp(code, header, 8) != 0)
        return fail(&P, NEAR_PREPARE_DESERIALIZATION, "not a WebAssembly module");
    put(&b, header, 8);
    wasm_reader r = wasm_reader_at(code, code + 8, code + code_len);
    while (!wasm_reader_done(&r)) {
        uint8_t id;
        uint32_t size;
        const uint8_t *payload;
        if (!wasm_read_u8(&r, &id) || !wasm_read_u32(&r, &size) || !wasm_read_bytes(&r, size, &payload)) {
            e = fail(&P, NEAR_PREPARE_DESERIALIZATION, "truncated section at offset %zu", wasm_reader_offset(&r));
            goto out;
        }
        wasm_reader s = wasm_reader_at(code, payload, payload + size);
        if (id == 0)
            continue; /* custom sections are discarded */
        if (id > 12) {
            e = fail(&P, NEAR_PREPARE_DESERIALIZATION, "unsupported section id %u", id);
            goto out;
        }
        /* The import section comes right after the type section: write ours
         * before the first later section if the module has none. */
        if (id != 1 && id != 2 && !imports_written) {
            wasm_reader none = {0};
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
        wasm_reader none = {0};
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
