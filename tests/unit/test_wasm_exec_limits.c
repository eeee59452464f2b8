/*
 * test_wasm_exec_limits.c — the limits a hostile module must not escape
 * (issue 10): one memory cap over everything the store holds for wasm
 * (tables, table.grow, globals, element segments), loading interrupted
 * from the store's flag, and fuel for the work of a call's entry.
 *
 * Modules are the .wat files of tests/unit/wat/ (compiled into WASM_TEST_DIR) or built
 * here byte by byte when they are too repetitive to write as text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/olw.h"

#ifndef WASM_TEST_DIR
#error "WASM_TEST_DIR must name the directory of the compiled test modules"
#endif

static olw_module *load_file(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.wasm", WASM_TEST_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    olw_error err;
    olw_module *m = olw_module_load(buf, n, &err);
    free(buf);
    if (!m)
        fail_msg("loading %s: %s", name, err.message);
    return m;
}

/* ---- building modules ------------------------------------------------- */

typedef struct buf {
    uint8_t *b;
    size_t n, cap;
} buf;

static void put(buf *w, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2;
        w->b = realloc(w->b, w->cap);
        assert_non_null(w->b);
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put_u8(buf *w, uint8_t v) { put(w, &v, 1); }

static void put_uleb(buf *w, uint64_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put_u8(w, byte | (v ? 0x80 : 0));
    } while (v);
}

static void put_section(buf *w, uint8_t id, const buf *content)
{
    put_u8(w, id);
    put_uleb(w, content->n);
    put(w, content->b, content->n);
}

/* A module with one function () -> () exported as "f": `nlocals` i64
 * locals, `body` (without the final end), and `nglobals` i64 globals. */
static buf module_with(uint32_t nlocals, const uint8_t *body, size_t nbody, uint32_t nglobals)
{
    buf w = {0}, s = {0};
    put(&w, "\0asm\1\0\0\0", 8);
    put(&s, "\x01\x60\x00\x00", 4);
    put_section(&w, 1, &s);
    s.n = 0;
    put(&s, "\x01\x00", 2);
    put_section(&w, 3, &s);
    if (nglobals) {
        s.n = 0;
        put_uleb(&s, nglobals);
        for (uint32_t i = 0; i < nglobals; i++)
            put(&s, "\x7e\x00\x42\x00\x0b", 5);
        put_section(&w, 6, &s);
    }
    s.n = 0;
    put(&s,
        "\x01\x01"
        "f"
        "\x00\x00",
        5);
    put_section(&w, 7, &s);
    buf code = {0};
    if (nlocals) {
        put_u8(&code, 1);
        put_uleb(&code, nlocals);
        put_u8(&code, 0x7e);
    } else {
        put_u8(&code, 0);
    }
    put(&code, body, nbody);
    put_u8(&code, 0x0b);
    s.n = 0;
    put_u8(&s, 1);
    put_uleb(&s, code.n);
    put(&s, code.b, code.n);
    put_section(&w, 10, &s);
    free(code.b);
    free(s.b);
    return w;
}

/* ---- the memory cap --------------------------------------------------- */

static const olw_limits one_page = {.fuel = 1000000, .max_memory_pages = 1};

static void test_tables_count(void **state)
{
    (void)state;
    olw_module *m = load_file("limits");
    olw_store *s = olw_store_new(&one_page);
    olw_error err;
    olw_instance *inst = olw_instantiate(s, m, NULL, &err);
    assert_non_null(inst);
    uint64_t held = olw_store_memory_bytes(s);
    assert_true(held >= 1000 * 8 + 64 * 8); /* table $t and the passive segment */
    assert_true(held < 1000 * 8 + 64 * 8 + 4096);
    assert_int_equal(olw_store_peak_memory_bytes(s), held);

    /* table.grow is charged: 1,000 entries fit, 10,000 more do not */
    olw_value arg = olw_i32(1000), r;
    olw_func *grow = olw_instance_func(inst, "grow");
    assert_int_equal(olw_func_call(s, grow, &arg, 1, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 0);
    assert_int_equal(olw_store_memory_bytes(s), held + 8000);
    arg = olw_i32(10000);
    assert_int_equal(olw_func_call(s, grow, &arg, 1, &r, 1), OLW_TRAP_MEMORY_LIMIT);
    assert_int_equal(olw_store_memory_bytes(s), held + 8000);
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "size"), NULL, 0, &r, 1), OLW_TRAP_NONE);
    assert_int_equal(r.of.i32, 1000);

    /* elem.drop gives the segment's items back */
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "drop"), NULL, 0, NULL, 0), OLW_TRAP_NONE);
    assert_int_equal(olw_store_memory_bytes(s), held + 8000 - 64 * 8);
    assert_int_equal(olw_store_peak_memory_bytes(s), held + 8000);
    olw_store_free(s);
    olw_module_release(m);
}

static void test_table_over_cap(void **state)
{
    (void)state;
    olw_module *m = load_file("bigtable");
    olw_store *s = olw_store_new(&one_page);
    olw_error err;
    assert_null(olw_instantiate(s, m, NULL, &err));
    assert_int_equal(err.kind, OLW_ERR_RESOURCE);
    assert_int_equal(err.trap, OLW_TRAP_MEMORY_LIMIT);
    assert_non_null(strstr(err.message, "memory limit exceeded"));
    assert_true(olw_store_peak_memory_bytes(s) < 65536);
    olw_store_free(s);
    /* with room it instantiates, and the entries are counted */
    s = olw_store_new(NULL);
    assert_non_null(olw_instantiate(s, m, NULL, &err));
    assert_true(olw_store_memory_bytes(s) >= 80000);
    olw_store_free(s);
    olw_module_release(m);
}

static void test_globals_count(void **state)
{
    (void)state;
    buf w = module_with(0, NULL, 0, 2000);
    olw_error err;
    olw_module *m = olw_module_load(w.b, w.n, &err);
    free(w.b);
    assert_non_null(m);
    olw_store *s = olw_store_new(&one_page);
    assert_null(olw_instantiate(s, m, NULL, &err));
    assert_int_equal(err.kind, OLW_ERR_RESOURCE);
    assert_int_equal(err.trap, OLW_TRAP_MEMORY_LIMIT);
    olw_store_free(s);
    s = olw_store_new(NULL);
    assert_non_null(olw_instantiate(s, m, NULL, &err));
    assert_true(olw_store_memory_bytes(s) >= 2000 * 16);
    olw_store_free(s);
    olw_module_release(m);
}

/* ---- loading under the interrupt flag ----------------------------------- */

static void test_load_interrupted(void **state)
{
    (void)state;
    size_t n = 100000;
    uint8_t *nops = malloc(n);
    assert_non_null(nops);
    memset(nops, 0x01, n);
    buf w = module_with(0, nops, n, 0);
    free(nops);
    olw_store *s = olw_store_new(NULL);
    olw_load_options opts = {.interrupt = s};
    olw_error err;
    olw_module *m = olw_module_load_ex(w.b, w.n, &opts, &err);
    assert_non_null(m); /* not interrupted: loads */
    olw_module_release(m);

    olw_store_interrupt(s);
    m = olw_module_load_ex(w.b, w.n, &opts, &err);
    assert_null(m);
    assert_int_equal(err.kind, OLW_ERR_TRAP);
    assert_int_equal(err.trap, OLW_TRAP_INTERRUPTED);
    assert_non_null(strstr(err.message, "interrupted"));
    /* an instantiation in an interrupted store stops too */
    olw_store_clear_interrupt(s);
    m = olw_module_load_ex(w.b, w.n, &opts, &err);
    assert_non_null(m);
    olw_store_interrupt(s);
    assert_null(olw_instantiate(s, m, NULL, &err));
    assert_int_equal(err.kind, OLW_ERR_TRAP);
    assert_int_equal(err.trap, OLW_TRAP_INTERRUPTED);
    olw_module_release(m);
    olw_store_free(s);
    free(w.b);
}

/* ---- fuel for a call's entry --------------------------------------------- */

static uint64_t fuel_of_call(uint32_t nlocals)
{
    buf w = module_with(nlocals, NULL, 0, 0);
    olw_error err;
    olw_module *m = olw_module_load(w.b, w.n, &err);
    free(w.b);
    assert_non_null(m);
    olw_store *s = olw_store_new(NULL);
    olw_instance *inst = olw_instantiate(s, m, NULL, &err);
    assert_non_null(inst);
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "f"), NULL, 0, NULL, 0), OLW_TRAP_NONE);
    uint64_t used = olw_store_fuel_used(s);
    olw_store_free(s);
    olw_module_release(m);
    return used;
}

static void test_entry_fuel(void **state)
{
    (void)state;
    /* an empty body executes nothing; its entry zeroes the locals:
     * 1 fuel per 8 of them */
    assert_int_equal(fuel_of_call(0), 0);
    assert_int_equal(fuel_of_call(7), 0);
    assert_int_equal(fuel_of_call(8), 1);
    assert_int_equal(fuel_of_call(50000), 6250);
    /* and a call that cannot pay for it does not start */
    buf w = module_with(50000, NULL, 0, 0);
    olw_error err;
    olw_module *m = olw_module_load(w.b, w.n, &err);
    free(w.b);
    olw_limits lim = {.fuel = 6249};
    olw_store *s = olw_store_new(&lim);
    olw_instance *inst = olw_instantiate(s, m, NULL, &err);
    assert_int_equal(olw_func_call(s, olw_instance_func(inst, "f"), NULL, 0, NULL, 0), OLW_TRAP_OUT_OF_FUEL);
    assert_int_equal(olw_store_fuel_used(s), 0);
    olw_store_free(s);
    olw_module_release(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_count),  cmocka_unit_test(test_table_over_cap),
        cmocka_unit_test(test_globals_count), cmocka_unit_test(test_load_interrupted),
        cmocka_unit_test(test_entry_fuel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
