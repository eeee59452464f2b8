/* test_wasm_decode.c — the binary decoder (src/wasm/decode.c) on
 * hand-built modules: header, section order and sizes, LEB128 limits,
 * names (NUL, UTF-8), every element and data segment encoding, constant
 * expressions, C.refs, SIMD rejection, and truncation at every byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"
#include "wasm_build.h"

static bool decode(const wbuf *w, struct olw_module *m, olw_error *err)
{
    memset(m, 0, sizeof *m);
    memset(err, 0, sizeof *err);
    return olw_decode(m, w->b, w->n, err);
}

/* Decoding fails with `kind` and a message containing `text`. */
static void expect_decode_error(const wbuf *w, olw_error_kind kind, const char *text)
{
    struct olw_module m;
    olw_error err;
    bool ok = decode(w, &m, &err);
    if (ok)
        olw_module_decl_free(&m);
    assert_false(ok);
    if (err.kind != kind || !strstr(err.message, text))
        fail_msg("expected kind %d with \"%s\", got kind %d: %s", kind, text, err.kind, err.message);
    assert_true(err.offset <= w->n);
}

static void test_empty_module(void **state)
{
    (void)state;
    wbuf w;
    wb_header(&w);
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    assert_int_equal(m.ntypes, 0);
    assert_int_equal(m.nfuncs, 0);
    assert_int_equal(m.size, 8);
    assert_true(m.bytes != w.b); /* the module keeps its own copy */
    assert_true(olw_validate_module(&m, &err));
    olw_module_decl_free(&m);
    assert_null(m.bytes);
}

static void test_header(void **state)
{
    (void)state;
    wbuf w;
    w.n = 0;
    expect_decode_error(&w, OLW_ERR_MALFORMED, "magic header not detected");
    wb_bytes(&w, "\0asn\1\0\0\0", 8);
    expect_decode_error(&w, OLW_ERR_MALFORMED, "magic header not detected");
    w.n = 0;
    wb_bytes(&w, "\0asm\2\0\0\0", 8);
    expect_decode_error(&w, OLW_ERR_MALFORMED, "unknown binary version");
    w.n = 6;
    expect_decode_error(&w, OLW_ERR_MALFORMED, "unexpected end");
}

static void test_section_order(void **state)
{
    (void)state;
    wbuf w;
    /* function section before the type section */
    wb_header(&w);
    WB_SEC(&w, 3, "\x00");
    WB_SEC(&w, 1, "\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "unexpected content after last section");
    /* the same section twice */
    wb_header(&w);
    WB_SEC(&w, 1, "\x00");
    WB_SEC(&w, 1, "\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "unexpected content after last section");
    /* data count belongs before code: after code it is out of order */
    wb_header(&w);
    WB_SEC(&w, 10, "\x00");
    WB_SEC(&w, 12, "\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "out of order");
    /* custom sections may go anywhere, repeatedly */
    wb_header(&w);
    WB_SEC(&w, 0,
           "\x01"
           "a");
    WB_SEC(&w, 1, "\x00");
    WB_SEC(&w, 0,
           "\x01"
           "a"
           "payload");
    WB_SEC(&w, 12, "\x00");
    WB_SEC(&w, 0, "\x00");
    WB_SEC(&w, 10, "\x00");
    WB_SEC(&w, 11, "\x00");
    WB_SEC(&w, 0,
           "\x01"
           "z");
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    assert_true(m.has_data_count);
    olw_module_decl_free(&m);
    /* unknown section id */
    wb_header(&w);
    WB_SEC(&w, 13, "\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "malformed section id");
}

static void test_section_sizes(void **state)
{
    (void)state;
    wbuf w;
    /* content shorter than the declared size */
    wb_header(&w);
    WB_SEC(&w, 1, "\x00\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "section size mismatch");
    /* size beyond the end of the module */
    wb_header(&w);
    wb_bytes(&w, "\x01\x05\x00", 3);
    expect_decode_error(&w, OLW_ERR_MALFORMED, "length out of bounds");
    /* content longer than the section: a type runs past its end */
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x01");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "unexpected end");
    /* the section size itself badly encoded */
    wb_header(&w);
    wb_bytes(&w, "\x01\x80\x80\x80\x80\x80\x00", 7);
    expect_decode_error(&w, OLW_ERR_MALFORMED, "integer representation too long");
    wb_header(&w);
    wb_bytes(&w, "\x01\x80\x80\x80\x80\x10", 6);
    expect_decode_error(&w, OLW_ERR_MALFORMED, "integer too large");
    /* a vector count that cannot fit is refused before allocating */
    wb_header(&w);
    WB_SEC(&w, 1, "\xff\xff\xff\xff\x0f\x60");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "unexpected end");
}

static void test_custom_section_names(void **state)
{
    (void)state;
    wbuf w;
    wb_header(&w);
    WB_SEC(&w, 0, "\x02\xc3\xa9rest"); /* "é" */
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    olw_module_decl_free(&m);
    /* name longer than the section */
    wb_header(&w);
    WB_SEC(&w, 0,
           "\x05"
           "ab");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "length out of bounds");
    /* empty custom section: not even a name */
    wb_header(&w);
    WB_SEC(&w, 0, "");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "unexpected end");
}

static void test_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        bool ok;
    } cases[] = {
        {"abc", 3, true},
        {"\x00", 1, true},              /* NUL is a valid character */
        {"\xc2\x80", 2, true},          /* U+0080 */
        {"\xef\xbb\xbf", 3, true},      /* U+FEFF */
        {"\xf4\x8f\xbf\xbf", 4, true},  /* U+10FFFF */
        {"\x80", 1, false},             /* stray continuation */
        {"\xc0\x80", 2, false},         /* overlong NUL */
        {"\xc1\xbf", 2, false},         /* overlong */
        {"\xe0\x80\x80", 3, false},     /* overlong */
        {"\xed\xa0\x80", 3, false},     /* surrogate U+D800 */
        {"\xed\xbf\xbf", 3, false},     /* surrogate U+DFFF */
        {"\xf4\x90\x80\x80", 4, false}, /* above U+10FFFF */
        {"\xf8\x88\x80\x80\x80", 5, false},
        {"\xc2", 1, false},     /* truncated */
        {"\xe2\x82", 2, false}, /* truncated */
        {"\xc2\x41", 2, false}, /* bad continuation */
        {"\xff", 1, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wbuf w, c;
        c.n = 0;
        wb_uleb(&c, cases[i].n);
        wb_bytes(&c, cases[i].bytes, cases[i].n);
        wb_header(&w);
        wb_section(&w, 0, c.b, c.n);
        struct olw_module m;
        olw_error err;
        bool ok = decode(&w, &m, &err);
        if (ok != cases[i].ok)
            fail_msg("UTF-8 case %zu: expected %s, got %s (%s)", i, cases[i].ok ? "ok" : "error", ok ? "ok" : "error",
                     err.message);
        if (ok)
            olw_module_decl_free(&m);
        else
            assert_non_null(strstr(err.message, "malformed UTF-8"));
    }
}

static void test_import_export_names(void **state)
{
    (void)state;
    wbuf w;
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x01\x7f\x01\x7e");
    /* import "m\0" "f\xc3\xa9": func type 0; global i32 const */
    WB_SEC(&w, 2,
           "\x02"
           "\x02m\x00"
           "\x03"
           "f\xc3\xa9"
           "\x00\x00"
           "\x01g"
           "\x01x"
           "\x03\x7f\x00");
    WB_SEC(&w, 7,
           "\x02"
           "\x03"
           "a\x00"
           "b"
           "\x00\x00"
           "\x00"
           "\x03\x00");
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    assert_int_equal(m.nimports, 2);
    assert_int_equal(m.imports[0].module_len, 2);
    assert_memory_equal(m.imports[0].module, "m\0", 3);
    assert_int_equal(m.imports[0].name_len, 3);
    assert_string_equal(m.imports[0].name, "f\xc3\xa9");
    assert_int_equal(m.imports[0].kind, OLW_EXTERN_FUNC);
    assert_int_equal(m.imports[1].kind, OLW_EXTERN_GLOBAL);
    assert_int_equal(m.nimported_funcs, 1);
    assert_int_equal(m.nimported_globals, 1);
    assert_int_equal(m.nfuncs, 1);
    assert_int_equal(m.nglobals, 1);
    assert_int_equal(m.global_types[0].type, OLW_I32);
    assert_false(m.global_types[0].mutable_);
    assert_int_equal(m.nexports, 2);
    assert_int_equal(m.exports[0].name_len, 3);
    assert_memory_equal(m.exports[0].name, "a\0b", 4);
    assert_int_equal(m.exports[1].name_len, 0);
    assert_string_equal(m.exports[1].name, "");
    assert_int_equal(m.exports[1].kind, OLW_EXTERN_GLOBAL);
    assert_true(m.func_declared[0]); /* exported */
    assert_true(olw_validate_module(&m, &err));
    olw_module_decl_free(&m);

    /* bad import kind, bad export kind, bad mutability */
    wb_header(&w);
    WB_SEC(&w, 2,
           "\x01\x01m\x01"
           "f\x04\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "malformed import kind");
    wb_header(&w);
    WB_SEC(&w, 7,
           "\x01\x01"
           "e\x04\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "malformed export kind");
    wb_header(&w);
    WB_SEC(&w, 2,
           "\x01\x01m\x01"
           "g\x03\x7f\x02");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "malformed mutability");
}

static void test_types_and_simd(void **state)
{
    (void)state;
    wbuf w;
    wb_header(&w);
    WB_SEC(&w, 1, "\x02\x60\x02\x7f\x6f\x01\x7c\x60\x00\x03\x7e\x7d\x70");
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    assert_int_equal(m.ntypes, 2);
    assert_int_equal(m.types[0].nparams, 2);
    assert_int_equal(m.types[0].nresults, 1);
    assert_memory_equal(m.types[0].types, "\x7f\x6f\x7c", 3);
    assert_int_equal(m.types[1].nparams, 0);
    assert_int_equal(m.types[1].nresults, 3);
    assert_memory_equal(m.types[1].types, "\x7e\x7d\x70", 3);
    olw_module_decl_free(&m);

    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x01\x7b\x00");
    expect_decode_error(&w, OLW_ERR_UNSUPPORTED, "SIMD");
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x01\x7a\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "malformed value type");
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x61\x00\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "function type");
    /* a v128 global */
    wb_header(&w);
    WB_SEC(&w, 6, "\x01\x7b\x00\xfd\x0c");
    expect_decode_error(&w, OLW_ERR_UNSUPPORTED, "SIMD");
}

static void test_tables_memories(void **state)
{
    (void)state;
    wbuf w;
    wb_header(&w);
    WB_SEC(&w, 2, "\x01\x01m\x01t\x01\x6f\x00\x02");
    WB_SEC(&w, 4, "\x01\x70\x01\x01\x80\x01");
    WB_SEC(&w, 5, "\x01\x01\x00\x80\x80\x04");
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    assert_int_equal(m.ntables, 2);
    assert_int_equal(m.nimported_tables, 1);
    assert_int_equal(m.tables[0].elem, OLW_EXTERNREF);
    assert_int_equal(m.tables[0].limits.min, 2);
    assert_false(m.tables[0].limits.has_max);
    assert_int_equal(m.tables[1].elem, OLW_FUNCREF);
    assert_int_equal(m.tables[1].limits.min, 1);
    assert_int_equal(m.tables[1].limits.max, 128);
    assert_true(m.tables[1].limits.has_max);
    assert_int_equal(m.nmemories, 1);
    assert_int_equal(m.memories[0].min, 0);
    assert_int_equal(m.memories[0].max, 65536);
    assert_true(olw_validate_module(&m, &err));
    olw_module_decl_free(&m);

    wb_header(&w);
    WB_SEC(&w, 5, "\x01\x02\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "integer too large");
    wb_header(&w);
    WB_SEC(&w, 4, "\x01\x71\x00\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "malformed reference type");
}

static void test_function_code_consistency(void **state)
{
    (void)state;
    wbuf w;
    /* two functions declared, no code */
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x02\x00\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "function and code section have inconsistent lengths");
    /* code without functions */
    wb_header(&w);
    WB_SEC(&w, 10, "\x01\x02\x00\x0b");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "function and code section have inconsistent lengths");
    /* a body size running past the section */
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x01\x00");
    WB_SEC(&w, 10, "\x01\x09\x00\x0b");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "unexpected end");
}

static void test_locals(void **state)
{
    (void)state;
    wbuf w;
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x01\x7f\x00");
    WB_SEC(&w, 3, "\x01\x00");
    wb_code1(&w, "\x03\x02\x7e\x00\x7d\x01\x6f", 7, "\x0b", 1);
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    assert_int_equal(m.funcs[0].nlocals, 3);
    assert_memory_equal(m.funcs[0].locals, "\x7e\x7e\x6f", 3);
    assert_int_equal(m.funcs[0].code_size, 1);
    assert_int_equal(m.funcs[0].code[0], 0x0b);
    assert_ptr_equal(m.funcs[0].code, m.bytes + m.funcs[0].code_offset);
    assert_true(olw_validate_module(&m, &err));
    olw_module_decl_free(&m);

    /* 2^30 + 2^30 locals: refused without allocating them */
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x01\x00");
    wb_code1(&w, "\x02\x80\x80\x80\x80\x04\x7f\x80\x80\x80\x80\x04\x7e", 13, "\x0b", 1);
    expect_decode_error(&w, OLW_ERR_MALFORMED, "too many locals");
    /* just over the engine's cap in one group */
    wbuf locals;
    locals.n = 0;
    wb_u8(&locals, 1);
    wb_uleb(&locals, OLW_MAX_LOCALS + 1);
    wb_u8(&locals, 0x7f);
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x01\x00");
    wb_code1(&w, locals.b, locals.n, "\x0b", 1);
    expect_decode_error(&w, OLW_ERR_MALFORMED, "too many locals");
    /* each function within the cap, but together they would expand to
     * 400 * 50000 local types from a few kilobytes */
    wbuf funcs, code, body;
    funcs.n = code.n = body.n = 0;
    wb_uleb(&funcs, 400);
    wb_uleb(&code, 400);
    wb_bytes(&body, "\x01", 1);
    wb_uleb(&body, OLW_MAX_LOCALS);
    wb_bytes(&body, "\x7f\x0b", 2);
    for (int i = 0; i < 400; i++) {
        wb_u8(&funcs, 0);
        wb_uleb(&code, body.n);
        wb_bytes(&code, body.b, body.n);
    }
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    wb_section(&w, 3, funcs.b, funcs.n);
    wb_section(&w, 10, code.b, code.n);
    assert_true(w.n < 4000);
    expect_decode_error(&w, OLW_ERR_RESOURCE, "too many locals in the module");
    /* a v128 local */
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x01\x00");
    wb_code1(&w, "\x01\x01\x7b", 3, "\x0b", 1);
    expect_decode_error(&w, OLW_ERR_UNSUPPORTED, "SIMD");
}

static void test_globals_and_const_exprs(void **state)
{
    (void)state;
    wbuf w;
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 2, "\x01\x01m\x01g\x03\x7e\x00");
    WB_SEC(&w, 3, "\x02\x00\x00");
    WB_SEC(&w, 6,
           "\x06"
           "\x7f\x00\x41\x7f\x0b"                             /* i32 -1 */
           "\x7e\x01\x23\x00\x0b"                             /* mut i64 = global 0 */
           "\x7d\x00\x43\x00\x00\xc0\x7f\x0b"                 /* f32 nan */
           "\x7c\x00\x44\x01\x02\x03\x04\x05\x06\x07\x08\x0b" /* f64 bits */
           "\x70\x00\xd2\x01\x0b"                             /* funcref = ref.func 1 */
           "\x6f\x00\xd0\x6f\x0b");                           /* externref null */
    wb_bytes(&w, "\x0a\x07\x02\x02\x00\x0b\x02\x00\x0b", 9);
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    assert_int_equal(m.nglobals, 7);
    assert_int_equal(m.nimported_globals, 1);
    assert_int_equal(m.globals[0].init.op, OLW_CONST_I32);
    assert_true(m.globals[0].init.value == UINT64_MAX); /* sign-extended */
    assert_int_equal(m.globals[1].init.op, OLW_CONST_GLOBAL_GET);
    assert_true(m.globals[1].type.mutable_);
    assert_int_equal(m.globals[2].init.value, 0x7fc00000u);
    assert_true(m.globals[3].init.value == 0x0807060504030201ull);
    assert_int_equal(m.globals[4].init.op, OLW_CONST_REF_FUNC);
    assert_int_equal(m.globals[4].init.value, 1);
    assert_int_equal(m.globals[5].init.op, OLW_CONST_REF_NULL);
    assert_int_equal(m.globals[5].init.value, OLW_EXTERNREF);
    assert_false(m.func_declared[0]);
    assert_true(m.func_declared[1]); /* referenced by a global initialiser */
    assert_true(olw_validate_module(&m, &err));
    olw_module_decl_free(&m);

    /* a non-constant instruction: invalid, not malformed */
    wb_header(&w);
    WB_SEC(&w, 6, "\x01\x7f\x00\x41\x00\x41\x00\x6a\x0b");
    expect_decode_error(&w, OLW_ERR_INVALID, "constant expression required");
    /* two values, or none */
    wb_header(&w);
    WB_SEC(&w, 6, "\x01\x7f\x00\x41\x00\x41\x00\x0b");
    expect_decode_error(&w, OLW_ERR_INVALID, "type mismatch");
    wb_header(&w);
    WB_SEC(&w, 6, "\x01\x7f\x00\x0b");
    expect_decode_error(&w, OLW_ERR_INVALID, "type mismatch");
    /* a byte that is no instruction at all; a missing end */
    wb_header(&w);
    WB_SEC(&w, 6, "\x01\x7f\x00\x41\x00\xff");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "illegal opcode");
    wb_header(&w);
    WB_SEC(&w, 6, "\x01\x7f\x00\x41\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "unexpected end");
    /* an over-long i32.const immediate */
    wb_header(&w);
    WB_SEC(&w, 6, "\x01\x7f\x00\x41\x80\x80\x80\x80\x80\x00\x0b");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "integer representation too long");
}

static void test_element_encodings(void **state)
{
    (void)state;
    wbuf w;
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x04\x00\x00\x00\x00");
    WB_SEC(&w, 4, "\x02\x70\x00\x0a\x6f\x00\x0a");
    WB_SEC(&w, 9,
           "\x08"
           "\x00\x41\x00\x0b\x01\x00"                     /* 0: active table 0, funcs [0] */
           "\x01\x00\x01\x01"                             /* 1: passive, elemkind, [1] */
           "\x02\x00\x41\x01\x0b\x00\x01\x02"             /* 2: active table 0, elemkind, [2] */
           "\x03\x00\x01\x03"                             /* 3: declarative, [3] */
           "\x04\x41\x02\x0b\x02\xd2\x00\x0b\xd0\x70\x0b" /* 4: active, exprs */
           "\x05\x6f\x01\xd0\x6f\x0b"                     /* 5: passive externref exprs */
           "\x06\x01\x41\x00\x0b\x6f\x00"                 /* 6: active table 1, externref, none */
           "\x07\x70\x01\xd2\x03\x0b");                   /* 7: declarative exprs */
    wb_bytes(&w, "\x0a\x0d\x04\x02\x00\x0b\x02\x00\x0b\x02\x00\x0b\x02\x00\x0b", 15);
    struct olw_module m;
    olw_error err;
    if (!decode(&w, &m, &err))
        fail_msg("%s", err.message);
    assert_int_equal(m.nelems, 8);
    static const struct {
        olw_segment_mode mode;
        uint32_t table;
        olw_valtype type;
        uint32_t count;
    } want[8] = {
        {OLW_SEGMENT_ACTIVE, 0, OLW_FUNCREF, 1},   {OLW_SEGMENT_PASSIVE, 0, OLW_FUNCREF, 1},
        {OLW_SEGMENT_ACTIVE, 0, OLW_FUNCREF, 1},   {OLW_SEGMENT_DECLARATIVE, 0, OLW_FUNCREF, 1},
        {OLW_SEGMENT_ACTIVE, 0, OLW_FUNCREF, 2},   {OLW_SEGMENT_PASSIVE, 0, OLW_EXTERNREF, 1},
        {OLW_SEGMENT_ACTIVE, 1, OLW_EXTERNREF, 0}, {OLW_SEGMENT_DECLARATIVE, 0, OLW_FUNCREF, 1},
    };
    for (int i = 0; i < 8; i++) {
        assert_int_equal(m.elems[i].mode, want[i].mode);
        assert_int_equal(m.elems[i].type, want[i].type);
        assert_int_equal(m.elems[i].count, want[i].count);
        if (want[i].mode == OLW_SEGMENT_ACTIVE)
            assert_int_equal(m.elems[i].table, want[i].table);
    }
    assert_int_equal(m.elems[2].offset.value, 1);
    assert_int_equal(m.elems[2].items[0].op, OLW_CONST_REF_FUNC);
    assert_int_equal(m.elems[2].items[0].value, 2);
    assert_int_equal(m.elems[4].items[1].op, OLW_CONST_REF_NULL);
    for (int f = 0; f < 4; f++)
        assert_true(m.func_declared[f]);
    assert_true(olw_validate_module(&m, &err));
    olw_module_decl_free(&m);

    wb_header(&w);
    WB_SEC(&w, 9, "\x01\x08\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "malformed elements segment kind");
    wb_header(&w);
    WB_SEC(&w, 9, "\x01\x01\x01\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "malformed element kind");
}

static void test_data_segments(void **state)
{
    (void)state;
    wbuf w;
    wb_header(&w);
    WB_SEC(&w, 5, "\x01\x00\x01");
    WB_SEC(&w, 12, "\x03");
    WB_SEC(&w, 11,
           "\x03"
           "\x00\x41\x08\x0b\x02hi"
           "\x01\x03"
           "abc"
           "\x02\x00\x41\x10\x0b\x00");
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    assert_int_equal(m.ndatas, 3);
    assert_int_equal(m.data_count, 3);
    assert_int_equal(m.datas[0].mode, OLW_SEGMENT_ACTIVE);
    assert_int_equal(m.datas[0].offset.value, 8);
    assert_int_equal(m.datas[0].size, 2);
    assert_memory_equal(m.datas[0].bytes, "hi", 2);
    assert_true(m.datas[0].bytes >= m.bytes && m.datas[0].bytes < m.bytes + m.size);
    assert_int_equal(m.datas[1].mode, OLW_SEGMENT_PASSIVE);
    assert_memory_equal(m.datas[1].bytes, "abc", 3);
    assert_int_equal(m.datas[2].offset.value, 16);
    assert_int_equal(m.datas[2].size, 0);
    assert_true(olw_validate_module(&m, &err));
    olw_module_decl_free(&m);

    wb_header(&w);
    WB_SEC(&w, 12, "\x02");
    WB_SEC(&w, 11, "\x01\x01\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "data count and data section have inconsistent lengths");
    wb_header(&w);
    WB_SEC(&w, 12, "\x01");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "data count and data section have inconsistent lengths");
    wb_header(&w);
    WB_SEC(&w, 11, "\x01\x03\x00");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "malformed data segment kind");
    wb_header(&w);
    WB_SEC(&w, 11,
           "\x01\x01\x05"
           "ab");
    expect_decode_error(&w, OLW_ERR_MALFORMED, "unexpected end");
}

/* A module touching most sections; returns it with the offsets at which
 * each section ends (a prefix ending there is a complete module). */
static size_t rich_module(wbuf *w, size_t *ends, size_t max_ends)
{
    size_t n = 0;
    wb_header(w);
    ends[n++] = w->n;
#define ADD(id, lit)          \
    do {                      \
        WB_SEC(w, id, lit);   \
        if (n < max_ends)     \
            ends[n++] = w->n; \
    } while (0)
    ADD(1, "\x02\x60\x01\x7f\x01\x7f\x60\x00\x00");
    ADD(2, "\x02\x03"
           "env"
           "\x01"
           "f"
           "\x00\x00"
           "\x03"
           "env"
           "\x01"
           "g"
           "\x03\x7f\x00");
    ADD(3, "\x02\x00\x01");
    ADD(4, "\x01\x70\x01\x02\x05");
    ADD(5, "\x01\x01\x01\x02");
    ADD(6, "\x01\x7f\x01\x23\x00\x0b");
    ADD(7, "\x02\x03"
           "run"
           "\x00\x02"
           "\x03"
           "mem"
           "\x02\x00");
    ADD(8, "\x02");
    ADD(9, "\x01\x00\x41\x00\x0b\x02\x01\x02");
    ADD(12, "\x01");
    ADD(10, "\x02"
            "\x0b\x01\x01\x7f\x20\x00\x20\x01\x6a\x10\x00\x0b"
            "\x07\x00\x41\x00\x10\x00\x1a\x0b");
    ADD(11, "\x01\x00\x41\x04\x0b\x03xyz");
    ADD(0, "\x04"
           "name"
           "\x00");
#undef ADD
    return n;
}

static void test_truncation_at_every_byte(void **state)
{
    (void)state;
    wbuf w;
    size_t ends[32];
    size_t nends = rich_module(&w, ends, 32);
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    assert_true(olw_validate_module(&m, &err));
    olw_module_decl_free(&m);
    for (size_t len = 0; len < w.n; len++) {
        wbuf p = w;
        p.n = len;
        bool boundary = false;
        for (size_t k = 0; k < nends; k++)
            boundary |= ends[k] == len;
        bool ok = decode(&p, &m, &err);
        if (ok) {
            if (!boundary)
                fail_msg("prefix of %zu bytes decoded", len);
            olw_module_decl_free(&m);
            continue;
        }
        /* a prefix ending between sections can still be inconsistent
         * (functions without code); otherwise it is cut mid-section */
        if (err.kind != OLW_ERR_MALFORMED)
            fail_msg("prefix of %zu bytes: kind %d: %s", len, err.kind, err.message);
    }
}

/* Every single-byte change of the rich module decodes and validates
 * without crashing or leaking (ASan checks the rest in `make unit-san`). */
static void test_every_byte_mutated(void **state)
{
    (void)state;
    wbuf w;
    size_t ends[32];
    rich_module(&w, ends, 32);
    static const uint8_t values[] = {0x00, 0x01, 0x0b, 0x40, 0x7f, 0x80, 0xff};
    for (size_t i = 8; i < w.n; i++)
        for (size_t k = 0; k < sizeof values; k++) {
            wbuf p = w;
            p.b[i] = values[k];
            olw_error err;
            olw_error_kind kind = wb_check(&p, &err);
            assert_true(kind <= OLW_ERR_RESOURCE);
            if (kind != OLW_ERR_NONE)
                assert_true(err.message[0] != '\0');
        }
}

static void test_declared_functions(void **state)
{
    (void)state;
    wbuf w;
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x04\x00\x00\x00\x00");
    WB_SEC(&w, 7,
           "\x01\x01"
           "e"
           "\x00\x02");
    WB_SEC(&w, 9, "\x01\x03\x00\x01\x03");
    wb_bytes(&w, "\x0a\x0d\x04\x02\x00\x0b\x02\x00\x0b\x02\x00\x0b\x02\x00\x0b", 15);
    struct olw_module m;
    olw_error err;
    assert_true(decode(&w, &m, &err));
    assert_false(m.func_declared[0]);
    assert_false(m.func_declared[1]);
    assert_true(m.func_declared[2]);
    assert_true(m.func_declared[3]);
    olw_module_decl_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_module),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_section_order),
        cmocka_unit_test(test_section_sizes),
        cmocka_unit_test(test_custom_section_names),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_import_export_names),
        cmocka_unit_test(test_types_and_simd),
        cmocka_unit_test(test_tables_memories),
        cmocka_unit_test(test_function_code_consistency),
        cmocka_unit_test(test_locals),
        cmocka_unit_test(test_globals_and_const_exprs),
        cmocka_unit_test(test_element_encodings),
        cmocka_unit_test(test_data_segments),
        cmocka_unit_test(test_truncation_at_every_byte),
        cmocka_unit_test(test_every_byte_mutated),
        cmocka_unit_test(test_declared_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
