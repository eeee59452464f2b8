/* wasm_build.h — building small WebAssembly binaries byte by byte for the
 * front-end tests (test_wasm_decode.c, test_wasm_validate.c). Header-only:
 * every function is static inline so each test includes its own copy. */
#ifndef OUTLAYER_TESTS_WASM_BUILD_H
#define OUTLAYER_TESTS_WASM_BUILD_H

#include <stdint.h>
#include <string.h>

#include "wasm/module.h"

typedef struct wbuf {
    uint8_t b[1 << 16];
    size_t n;
} wbuf;

static inline void wb_bytes(wbuf *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static inline void wb_u8(wbuf *w, uint8_t v) { w->b[w->n++] = v; }

static inline void wb_uleb(wbuf *w, uint64_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        wb_u8(w, byte | (v ? 0x80 : 0));
    } while (v);
}

/* The 8-byte header. */
static inline void wb_header(wbuf *w)
{
    w->n = 0;
    wb_bytes(w, "\0asm\1\0\0\0", 8);
}

/* A section: id, size, content. */
static inline void wb_section(wbuf *w, uint8_t id, const void *content, size_t n)
{
    wb_u8(w, id);
    wb_uleb(w, n);
    wb_bytes(w, content, n);
}

/* Section from a string literal (embedded NULs count). */
#define WB_SEC(w, id, lit) wb_section((w), (id), (lit), sizeof(lit) - 1)

/* A code section with one body: locals (raw bytes, with their count) then
 * the instructions. */
static inline void wb_code1(wbuf *w, const void *locals, size_t nlocals, const void *body, size_t nbody)
{
    wbuf c;
    c.n = 0;
    wb_u8(&c, 1);
    wb_uleb(&c, nlocals + nbody);
    wb_bytes(&c, locals, nlocals);
    wb_bytes(&c, body, nbody);
    wb_section(w, 10, c.b, c.n);
}

/* A module with type 0 = `type` (raw functype bytes, e.g. "\x60\x00\x00"),
 * one function of that type and no locals, and `body` as its code
 * (including the final end). Sections with ids below 10 that the test
 * wants (memory, tables, ...) go in `extra`, already encoded, after the
 * function section. */
static inline void wb_func_module(wbuf *w, const char *type, size_t ntype, const void *extra, size_t nextra,
                                  const void *body, size_t nbody)
{
    wb_header(w);
    wbuf t;
    t.n = 0;
    wb_u8(&t, 1);
    wb_bytes(&t, type, ntype);
    wb_section(w, 1, t.b, t.n);
    WB_SEC(w, 3, "\x01\x00");
    wb_bytes(w, extra, nextra);
    wb_code1(w, "\x00", 1, body, nbody);
}

/* Decodes and validates; returns the error kind (OLW_ERR_NONE if valid). */
static inline olw_error_kind wb_check(const wbuf *w, olw_error *err)
{
    struct olw_module m;
    memset(&m, 0, sizeof m);
    bool ok = olw_decode(&m, w->b, w->n, err) && olw_validate_module(&m, err);
    olw_module_decl_free(&m);
    return ok ? OLW_ERR_NONE : err->kind;
}

#endif
