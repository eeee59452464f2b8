/* test_wasm_validate.c — the validator (src/wasm/validate.c): operand and
 * control stacks, unreachable code, multi-value blocks, br_table, select,
 * module-level rules (limits, constant expressions, exports, start,
 * C.refs, data count), error kinds and the messages' function index and
 * offset. */
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

#define T_VOID "\x60\x00\x00"            /* [] -> [] */
#define T_I32 "\x60\x00\x01\x7f"         /* [] -> [i32] */
#define T_I32_I32 "\x60\x01\x7f\x01\x7f" /* [i32] -> [i32] */
#define MEM1 "\x05\x03\x01\x00\x01"      /* memory section: one memory of 1 page */

/* One function of type `type` with body `body` (string literals). */
#define FUNC(w, type, extra, body) \
    wb_func_module((w), type, sizeof(type) - 1, extra, sizeof(extra) - 1, body, sizeof(body) - 1)

static void expect_kind(const wbuf *w, olw_error_kind kind, const char *text)
{
    olw_error err;
    memset(&err, 0, sizeof err);
    olw_error_kind got = wb_check(w, &err);
    if (got != kind || (kind != OLW_ERR_NONE && text && !strstr(err.message, text)))
        fail_msg("expected kind %d \"%s\", got kind %d: %s", kind, text ? text : "", got,
                 got ? err.message : "(valid)");
}

static void valid(const wbuf *w) { expect_kind(w, OLW_ERR_NONE, NULL); }
static void invalid(const wbuf *w, const char *text) { expect_kind(w, OLW_ERR_INVALID, text); }
static void malformed(const wbuf *w, const char *text) { expect_kind(w, OLW_ERR_MALFORMED, text); }

static void test_type_mismatch_message(void **state)
{
    (void)state;
    wbuf w;
    /* i32.const 1; i64.const 2; i32.add */
    FUNC(&w, T_I32, "", "\x41\x01\x42\x02\x6a\x0b");
    olw_error err;
    assert_int_equal(wb_check(&w, &err), OLW_ERR_INVALID);
    assert_non_null(strstr(err.message, "type mismatch"));
    assert_non_null(strstr(err.message, "i32.add expects i32, got i64"));
    assert_non_null(strstr(err.message, "func 0"));
    /* the offset is the i32.add byte */
    assert_int_equal(w.b[err.offset], 0x6a);
    char hex[32];
    snprintf(hex, sizeof hex, "offset 0x%zx", err.offset);
    assert_non_null(strstr(err.message, hex));
}

static void test_operand_stack(void **state)
{
    (void)state;
    wbuf w;
    FUNC(&w, T_I32, "", "\x41\x01\x41\x02\x6a\x0b");
    valid(&w);
    FUNC(&w, T_I32, "", "\x0b"); /* missing result */
    invalid(&w, "type mismatch");
    FUNC(&w, T_I32, "", "\x41\x01\x41\x02\x0b"); /* one value too many */
    invalid(&w, "type mismatch");
    FUNC(&w, T_VOID, "", "\x6a\x0b"); /* empty stack */
    invalid(&w, "stack is empty");
    FUNC(&w, T_VOID, "", "\x41\x00\x1a\x1a\x0b"); /* drop of nothing */
    invalid(&w, "type mismatch");
    /* conversions: f64.promote_f32 of f32.const */
    FUNC(&w, "\x60\x00\x01\x7c", "", "\x43\x00\x00\x80\x3f\xbb\x0b");
    valid(&w);
    FUNC(&w, "\x60\x00\x01\x7c", "", "\x44\x00\x00\x00\x00\x00\x00\xf0\x3f\xbb\x0b");
    invalid(&w, "f64.promote_f32 expects f32, got f64");
    /* saturating truncation (0xfc 0..7) */
    FUNC(&w, "\x60\x00\x01\x7e", "", "\x44\x00\x00\x00\x00\x00\x00\xf0\x3f\xfc\x06\x0b");
    valid(&w);
    FUNC(&w, "\x60\x00\x01\x7e", "", "\x43\x00\x00\x00\x00\xfc\x06\x0b");
    invalid(&w, "i64.trunc_sat_f64_s");
}

static void test_unreachable_is_polymorphic(void **state)
{
    (void)state;
    wbuf w;
    /* unreachable; i32.add; (result i32) */
    FUNC(&w, T_I32, "", "\x00\x6a\x0b");
    valid(&w);
    /* unreachable; i64.const; i32.add: the known operand still counts */
    FUNC(&w, T_I32, "", "\x00\x42\x00\x6a\x0b");
    invalid(&w, "i32.add expects i32, got i64");
    /* return; then anything consistent */
    FUNC(&w, T_I32, "", "\x41\x00\x0f\x1a\x1a\x41\x00\x0b");
    valid(&w);
    /* br 0 leaves the rest of the block polymorphic, but the block's end
     * still needs its results */
    FUNC(&w, T_I32, "", "\x02\x7f\x0c\x00\x0b\x0b");
    invalid(&w, "type mismatch");
    FUNC(&w, T_I32, "", "\x02\x7f\x41\x01\x0c\x00\x0b\x0b");
    valid(&w);
    /* untyped select after unreachable yields the other operand's type */
    FUNC(&w, T_I32, "", "\x00\x41\x07\x41\x00\x1b\x0b");
    valid(&w);
    FUNC(&w, "\x60\x00\x01\x7e", "", "\x00\x41\x07\x41\x00\x1b\x0b");
    invalid(&w, "type mismatch");
    /* with both operands unknown the result is unknown: any type will do */
    FUNC(&w, "\x60\x00\x01\x7e", "", "\x00\x41\x00\x1b\x0b");
    valid(&w);
}

static void test_blocks_and_multi_value(void **state)
{
    (void)state;
    wbuf w;
    /* types: 0 = [] -> [i32 i32], 1 = [i32 i32] -> [i32] */
    wb_header(&w);
    WB_SEC(&w, 1, "\x02\x60\x00\x02\x7f\x7f\x60\x02\x7f\x7f\x01\x7f");
    WB_SEC(&w, 3, "\x01\x00");
    /* block (type 0) i32.const i32.const end; block (type 1) i32.add end; drop ... */
    static const char body1[] = "\x02\x00\x41\x01\x41\x02\x0b\x02\x01\x6a\x0b\x41\x07\x0b";
    wb_code1(&w, "\x00", 1, body1, sizeof body1 - 1);
    valid(&w);

    /* loop with parameters: br 0 takes the loop's parameters */
    wb_header(&w);
    WB_SEC(&w, 1, "\x02\x60\x00\x02\x7f\x7f\x60\x02\x7f\x7f\x01\x7f");
    WB_SEC(&w, 3, "\x01\x00");
    static const char body2[] = "\x41\x01\x41\x02\x03\x01\x41\x00\x0d\x00\x6a\x0b\x41\x03\x0b";
    /* i32 i32 loop(type1) [ i32.const 0; br_if 0 (needs i32 i32 below) ; i32.add ] end -> i32 ; i32.const 3 */
    wb_code1(&w, "\x00", 1, body2, sizeof body2 - 1);
    valid(&w);

    /* block type index out of range */
    FUNC(&w, T_VOID, "", "\x02\x05\x0b\x0b");
    invalid(&w, "unknown type");
    /* negative block type that is no value type */
    FUNC(&w, T_VOID, "", "\x02\x60\x0b\x0b");
    malformed(&w, "malformed block type");
    /* v128 block type */
    FUNC(&w, T_VOID, "", "\x02\x7b\x0b\x0b");
    expect_kind(&w, OLW_ERR_UNSUPPORTED, "SIMD");
    /* deep nesting grows the control stack */
    wbuf deep;
    deep.n = 0;
    for (int i = 0; i < 5000; i++)
        wb_bytes(&deep, "\x02\x40", 2);
    for (int i = 0; i < 5000; i++)
        wb_u8(&deep, 0x0b);
    wb_u8(&deep, 0x0b);
    wb_func_module(&w, T_VOID, 3, "", 0, deep.b, deep.n);
    valid(&w);
}

static void test_if_else(void **state)
{
    (void)state;
    wbuf w;
    /* i32.const 1; if (result i32) i32.const 2 else i32.const 3 end */
    FUNC(&w, T_I32, "", "\x41\x01\x04\x7f\x41\x02\x05\x41\x03\x0b\x0b");
    valid(&w);
    /* if with a result but no else */
    FUNC(&w, T_I32, "", "\x41\x01\x04\x7f\x41\x02\x0b\x0b");
    invalid(&w, "type mismatch");
    /* else branch of the wrong type */
    FUNC(&w, T_I32, "", "\x41\x01\x04\x7f\x41\x02\x05\x42\x03\x0b\x0b");
    invalid(&w, "type mismatch");
    /* condition missing */
    FUNC(&w, T_VOID, "", "\x04\x40\x0b\x0b");
    invalid(&w, "if expects i32");
    /* if [i32] -> [i32] without else passes its parameter through */
    wb_header(&w);
    WB_SEC(&w, 1, "\x02\x60\x00\x01\x7f\x60\x01\x7f\x01\x7f");
    WB_SEC(&w, 3, "\x01\x00");
    wb_code1(&w, "\x00", 1, "\x41\x05\x41\x01\x04\x01\x0b\x0b", 8);
    valid(&w);
    /* else without if, in the binary */
    FUNC(&w, T_VOID, "", "\x05\x0b");
    malformed(&w, "else");
}

static void test_branches(void **state)
{
    (void)state;
    wbuf w;
    FUNC(&w, T_VOID, "", "\x0c\x01\x0b");
    invalid(&w, "unknown label");
    FUNC(&w, T_I32, "", "\x41\x01\x0c\x00\x0b"); /* br to the function label */
    valid(&w);
    FUNC(&w, T_I32, "", "\x42\x01\x0c\x00\x0b");
    invalid(&w, "type mismatch");
    /* br_if keeps its operands */
    FUNC(&w, T_I32, "", "\x41\x07\x41\x01\x0d\x00\x0b");
    valid(&w);
    /* br_table with consistent targets */
    FUNC(&w, T_I32, "", "\x02\x7f\x41\x01\x41\x00\x0e\x01\x00\x01\x0b\x0b");
    valid(&w);
    /* br_table targets of different arity: block [] and function [i32] */
    FUNC(&w, T_I32, "", "\x02\x40\x41\x01\x41\x00\x0e\x01\x00\x01\x0b\x41\x00\x0b");
    invalid(&w, "br_table");
    /* br_table with a label out of range */
    FUNC(&w, T_VOID, "", "\x41\x00\x0e\x01\x00\x05\x0b");
    invalid(&w, "unknown label");
    /* br_table in unreachable code with differently typed targets of the same arity */
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x01\x00");
    static const char body[] = "\x02\x7f\x02\x7e\x00\x41\x00\x0e\x01\x00\x01\x0b\x1a\x41\x00\x0b\x1a\x0b";
    wb_code1(&w, "\x00", 1, body, sizeof body - 1);
    valid(&w);
    /* return type */
    FUNC(&w, T_I32, "", "\x42\x00\x0f\x0b");
    invalid(&w, "return expects i32, got i64");
}

static void test_select(void **state)
{
    (void)state;
    wbuf w;
    FUNC(&w, T_I32, "", "\x41\x01\x41\x02\x41\x00\x1b\x0b");
    valid(&w);
    FUNC(&w, T_I32, "", "\x41\x01\x42\x02\x41\x00\x1b\x0b");
    invalid(&w, "select operands differ");
    /* untyped select of references */
    FUNC(&w, "\x60\x00\x01\x70", "", "\xd0\x70\xd0\x70\x41\x00\x1b\x0b");
    invalid(&w, "numeric");
    /* typed select of references */
    FUNC(&w, "\x60\x00\x01\x70", "", "\xd0\x70\xd0\x70\x41\x00\x1c\x01\x70\x0b");
    valid(&w);
    FUNC(&w, T_I32, "", "\x41\x01\x41\x02\x41\x00\x1c\x02\x7f\x7f\x0b");
    invalid(&w, "invalid result arity");
    FUNC(&w, T_I32, "", "\x41\x01\x41\x02\x41\x00\x1c\x00\x0b");
    invalid(&w, "invalid result arity");
}

static void test_locals_globals(void **state)
{
    (void)state;
    wbuf w;
    FUNC(&w, T_I32_I32, "", "\x20\x00\x0b");
    valid(&w);
    FUNC(&w, T_I32_I32, "", "\x20\x01\x0b");
    invalid(&w, "unknown local 1");
    FUNC(&w, T_I32_I32, "", "\x20\x00\x22\x00\x21\x00\x20\x00\x0b");
    valid(&w);
    FUNC(&w, T_I32_I32, "", "\x42\x00\x21\x00\x20\x00\x0b");
    invalid(&w, "local.set expects i32, got i64");
    /* globals: 0 immutable i32, 1 mutable i64 */
    static const char globals[] = "\x06\x0b\x02\x7f\x00\x41\x00\x0b\x7e\x01\x42\x00\x0b";
    FUNC(&w, T_VOID, globals, "\x42\x05\x24\x01\x0b");
    valid(&w);
    FUNC(&w, T_VOID, globals, "\x41\x05\x24\x00\x0b");
    invalid(&w, "global is immutable");
    FUNC(&w, T_VOID, globals, "\x23\x02\x1a\x0b");
    invalid(&w, "unknown global 2");
    FUNC(&w, T_I32, globals, "\x23\x00\x0b");
    valid(&w);
}

static void test_memory_instructions(void **state)
{
    (void)state;
    wbuf w;
    /* i32.load align=2 offset=4 */
    FUNC(&w, T_I32, MEM1, "\x41\x00\x28\x02\x04\x0b");
    valid(&w);
    FUNC(&w, T_I32, MEM1, "\x41\x00\x28\x03\x04\x0b");
    invalid(&w, "alignment must not be larger than natural");
    FUNC(&w, T_I32, MEM1, "\x41\x00\x2d\x01\x00\x0b"); /* i32.load8_u align 1 */
    invalid(&w, "alignment");
    FUNC(&w, T_I32, "", "\x41\x00\x28\x02\x00\x0b");
    invalid(&w, "unknown memory");
    FUNC(&w, T_VOID, MEM1, "\x41\x00\x42\x00\x37\x03\x00\x0b"); /* i64.store */
    valid(&w);
    FUNC(&w, T_VOID, MEM1, "\x41\x00\x41\x00\x37\x03\x00\x0b");
    invalid(&w, "i64.store expects i64, got i32");
    FUNC(&w, T_I32, MEM1, "\x3f\x00\x0b");
    valid(&w);
    FUNC(&w, T_I32, MEM1, "\x3f\x01\x0b");
    malformed(&w, "zero byte expected");
    FUNC(&w, T_I32, MEM1, "\x41\x01\x40\x00\x0b");
    valid(&w);
    FUNC(&w, T_VOID, MEM1, "\x41\x00\x41\x00\x41\x00\xfc\x0a\x00\x00\x0b"); /* memory.copy */
    valid(&w);
    FUNC(&w, T_VOID, MEM1, "\x41\x00\x41\x00\x41\x00\xfc\x0a\x00\x01\x0b");
    malformed(&w, "zero byte expected");
    FUNC(&w, T_VOID, MEM1, "\x41\x00\x41\x00\x41\x00\xfc\x0b\x00\x0b"); /* memory.fill */
    valid(&w);
    FUNC(&w, T_VOID, "", "\x41\x00\x41\x00\x41\x00\xfc\x0b\x00\x0b");
    invalid(&w, "unknown memory");
}

static void test_data_count_rules(void **state)
{
    (void)state;
    wbuf w;
    static const char init[] = "\x41\x00\x41\x00\x41\x00\xfc\x08\x00\x00\x0b";
    /* memory.init with a data count section */
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x01\x00");
    WB_SEC(&w, 5, "\x01\x00\x01");
    WB_SEC(&w, 12, "\x01");
    wb_code1(&w, "\x00", 1, init, sizeof init - 1);
    WB_SEC(&w, 11, "\x01\x01\x00");
    valid(&w);
    /* the same without it: the binary format requires it */
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x01\x00");
    WB_SEC(&w, 5, "\x01\x00\x01");
    wb_code1(&w, "\x00", 1, init, sizeof init - 1);
    WB_SEC(&w, 11, "\x01\x01\x00");
    malformed(&w, "data count section required");
    /* data.drop likewise */
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x01\x00");
    wb_code1(&w, "\x00", 1, "\xfc\x09\x00\x0b", 4);
    WB_SEC(&w, 11, "\x01\x01\x00");
    malformed(&w, "data count section required");
    /* without any data segments the index is simply unknown */
    FUNC(&w, T_VOID, "", "\xfc\x09\x00\x0b");
    invalid(&w, "unknown data segment");
    /* segment index beyond the data count */
    wb_header(&w);
    WB_SEC(&w, 1, "\x01\x60\x00\x00");
    WB_SEC(&w, 3, "\x01\x00");
    WB_SEC(&w, 12, "\x01");
    wb_code1(&w, "\x00", 1, "\xfc\x09\x01\x0b", 4);
    WB_SEC(&w, 11, "\x01\x01\x00");
    invalid(&w, "unknown data segment 1");
}

static void test_tables_and_references(void **state)
{
    (void)state;
    wbuf w;
    /* table 0 funcref, table 1 externref */
    static const char tables[] = "\x04\x07\x02\x70\x00\x01\x6f\x00\x01";
    FUNC(&w, T_VOID, tables, "\x41\x00\x25\x01\x1a\x0b"); /* table.get 1 */
    valid(&w);
    FUNC(&w, T_VOID, tables, "\x41\x00\xd0\x70\x26\x01\x0b"); /* table.set 1 with funcref */
    invalid(&w, "table.set expects externref, got funcref");
    FUNC(&w, T_I32, tables, "\xd0\x6f\x41\x02\xfc\x0f\x01\x0b"); /* table.grow 1 */
    valid(&w);
    FUNC(&w, T_I32, tables, "\xfc\x10\x02\x0b"); /* table.size 2 */
    invalid(&w, "unknown table 2");
    FUNC(&w, T_VOID, tables, "\x41\x00\x41\x00\x41\x00\xfc\x0e\x00\x01\x0b"); /* table.copy 0 1 */
    invalid(&w, "type mismatch");
    FUNC(&w, T_VOID, tables, "\x41\x00\xd0\x6f\x41\x00\xfc\x11\x01\x0b"); /* table.fill 1 */
    valid(&w);
    /* call_indirect through an externref table */
    FUNC(&w, T_VOID, tables, "\x41\x00\x11\x00\x01\x0b");
    invalid(&w, "call_indirect");
    FUNC(&w, T_VOID, tables, "\x41\x00\x11\x00\x00\x0b");
    valid(&w);
    FUNC(&w, T_VOID, tables, "\x41\x00\x11\x07\x00\x0b");
    invalid(&w, "unknown type 7");
    /* ref.is_null of a number */
    FUNC(&w, T_I32, "", "\x41\x00\xd1\x0b");
    invalid(&w, "ref.is_null");
    FUNC(&w, T_I32, "", "\xd0\x6f\xd1\x0b");
    valid(&w);
    /* ref.func of an undeclared function, then declared by an export */
    FUNC(&w, "\x60\x00\x01\x70", "", "\xd2\x00\x0b");
    invalid(&w, "undeclared function reference");
    FUNC(&w, "\x60\x00\x01\x70",
         "\x07\x05\x01\x01"
         "f"
         "\x00\x00",
         "\xd2\x00\x0b");
    valid(&w);
    FUNC(&w, "\x60\x00\x01\x70", "", "\xd2\x09\x0b");
    invalid(&w, "unknown function 9");
}

static void test_calls(void **state)
{
    (void)state;
    wbuf w;
    FUNC(&w, T_I32_I32, "", "\x20\x00\x10\x00\x0b");
    valid(&w);
    FUNC(&w, T_I32_I32, "", "\x10\x00\x0b");
    invalid(&w, "call expects i32");
    FUNC(&w, T_I32_I32, "", "\x20\x00\x10\x01\x0b");
    invalid(&w, "unknown function 1");
}

static void test_binary_errors_in_code(void **state)
{
    (void)state;
    wbuf w;
    FUNC(&w, T_VOID, "", "\x27\x0b");
    malformed(&w, "illegal opcode");
    FUNC(&w, T_VOID, "", "\xc5\x0b");
    malformed(&w, "illegal opcode");
    /* opcodes of later proposals name the feature */
    FUNC(&w, T_VOID, "", "\x06\x40\x0b\x0b");
    expect_kind(&w, OLW_ERR_UNSUPPORTED, "exception handling");
    FUNC(&w, T_VOID, "", "\x12\x00\x0b");
    expect_kind(&w, OLW_ERR_UNSUPPORTED, "tail calls");
    FUNC(&w, T_VOID, "", "\xfb\x00\x0b");
    expect_kind(&w, OLW_ERR_UNSUPPORTED, "garbage collection");
    FUNC(&w, T_VOID, "", "\xfc\x12\x0b");
    malformed(&w, "illegal opcode");
    FUNC(&w, T_VOID, "", "\xfd\x0c\x0b");
    expect_kind(&w, OLW_ERR_UNSUPPORTED, "SIMD instructions are not supported");
    FUNC(&w, T_VOID, "", "\xfe\x00\x0b");
    expect_kind(&w, OLW_ERR_UNSUPPORTED, "threads");
    FUNC(&w, T_VOID, "", "\x41\x00"); /* no end */
    malformed(&w, "unexpected end");
    FUNC(&w, T_VOID, "", "\x0b\x01"); /* bytes after the final end */
    malformed(&w, "section size mismatch");
    FUNC(&w, T_VOID, "", "\x41\x80\x80\x80\x80\x80\x00\x1a\x0b");
    malformed(&w, "integer representation too long");
    FUNC(&w, T_VOID, "", "\x41\xff\xff\xff\xff\x0f\x1a\x0b");
    malformed(&w, "integer too large");
    /* a type error early and a malformed byte later: malformed wins, as in
     * the spec, which decodes the whole module before validating it */
    FUNC(&w, T_VOID, "", "\x41\x00\x42\x00\x6a\x1a\x27\x0b");
    malformed(&w, "illegal opcode");
}

static void test_module_rules(void **state)
{
    (void)state;
    wbuf w;
    /* memory limits */
    wb_header(&w);
    WB_SEC(&w, 5, "\x01\x00\x81\x80\x04");
    invalid(&w, "memory size must be at most 65536 pages");
    wb_header(&w);
    WB_SEC(&w, 5, "\x01\x01\x02\x01");
    invalid(&w, "size minimum must not be greater than maximum");
    wb_header(&w);
    WB_SEC(&w, 5, "\x02\x00\x01\x00\x01");
    invalid(&w, "multiple memories");
    wb_header(&w);
    WB_SEC(&w, 2, "\x01\x01m\x01m\x02\x00\x01");
    WB_SEC(&w, 5, "\x01\x00\x01");
    invalid(&w, "multiple memories");
    wb_header(&w);
    WB_SEC(&w, 4, "\x01\x70\x01\x05\x04");
    invalid(&w, "size minimum must not be greater than maximum");
    /* unknown type of an imported function */
    wb_header(&w);
    WB_SEC(&w, 2,
           "\x01\x01m\x01"
           "f\x00\x00");
    invalid(&w, "unknown type");
    /* start function */
    FUNC(&w, T_I32_I32, "\x08\x01\x00", "\x20\x00\x0b");
    invalid(&w, "start function");
    FUNC(&w, T_VOID, "\x08\x01\x00", "\x0b");
    valid(&w);
    FUNC(&w, T_VOID, "\x08\x01\x01", "\x0b");
    invalid(&w, "unknown function 1");
    /* exports */
    FUNC(&w, T_VOID,
         "\x07\x09\x02\x01"
         "a"
         "\x00\x00\x01"
         "a"
         "\x00\x00",
         "\x0b");
    invalid(&w, "duplicate export name");
    FUNC(&w, T_VOID,
         "\x07\x09\x02\x01"
         "a"
         "\x00\x00\x01"
         "b"
         "\x00\x00",
         "\x0b");
    valid(&w);
    FUNC(&w, T_VOID,
         "\x07\x05\x01\x01"
         "a"
         "\x02\x00",
         "\x0b");
    invalid(&w, "unknown memory 0");
}

static void test_constant_expressions(void **state)
{
    (void)state;
    wbuf w;
    /* global of the wrong type */
    wb_header(&w);
    WB_SEC(&w, 6, "\x01\x7f\x00\x42\x00\x0b");
    invalid(&w, "type mismatch");
    /* global.get of a defined global */
    wb_header(&w);
    WB_SEC(&w, 6, "\x02\x7f\x00\x41\x00\x0b\x7f\x00\x23\x00\x0b");
    invalid(&w, "unknown global 0");
    /* of an imported mutable global */
    wb_header(&w);
    WB_SEC(&w, 2, "\x01\x01m\x01g\x03\x7f\x01");
    WB_SEC(&w, 6, "\x01\x7f\x00\x23\x00\x0b");
    invalid(&w, "constant expression required");
    /* of an imported immutable one: fine, also as a data offset */
    wb_header(&w);
    WB_SEC(&w, 2, "\x01\x01m\x01g\x03\x7f\x00");
    WB_SEC(&w, 5, "\x01\x00\x01");
    WB_SEC(&w, 6, "\x01\x7f\x00\x23\x00\x0b");
    WB_SEC(&w, 11, "\x01\x00\x23\x00\x0b\x00");
    valid(&w);
    /* data offset of type i64; unknown memory */
    wb_header(&w);
    WB_SEC(&w, 5, "\x01\x00\x01");
    WB_SEC(&w, 11, "\x01\x00\x42\x00\x0b\x00");
    invalid(&w, "type mismatch");
    wb_header(&w);
    WB_SEC(&w, 11, "\x01\x00\x41\x00\x0b\x00");
    invalid(&w, "unknown memory 0");
    /* element segments: unknown table, type mismatch with the table, item types */
    wb_header(&w);
    WB_SEC(&w, 9, "\x01\x00\x41\x00\x0b\x00");
    invalid(&w, "unknown table 0");
    wb_header(&w);
    WB_SEC(&w, 4, "\x01\x6f\x00\x01");
    WB_SEC(&w, 9, "\x01\x00\x41\x00\x0b\x00");
    invalid(&w, "type mismatch");
    wb_header(&w);
    WB_SEC(&w, 9, "\x01\x05\x70\x01\xd0\x6f\x0b");
    invalid(&w, "type mismatch");
    wb_header(&w);
    WB_SEC(&w, 9, "\x01\x01\x00\x01\x03");
    invalid(&w, "unknown function 3");
    /* ref.func in a global initialiser declares the function for the body */
    FUNC(&w, "\x60\x00\x01\x70", "\x06\x06\x01\x70\x00\xd2\x00\x0b", "\xd2\x00\x0b");
    valid(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_mismatch_message),
        cmocka_unit_test(test_operand_stack),
        cmocka_unit_test(test_unreachable_is_polymorphic),
        cmocka_unit_test(test_blocks_and_multi_value),
        cmocka_unit_test(test_if_else),
        cmocka_unit_test(test_branches),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_locals_globals),
        cmocka_unit_test(test_memory_instructions),
        cmocka_unit_test(test_data_count_rules),
        cmocka_unit_test(test_tables_and_references),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_binary_errors_in_code),
        cmocka_unit_test(test_module_rules),
        cmocka_unit_test(test_constant_expressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
