/* harness.h — helpers shared by the native contract tests (cmocka + the
 * mock NEAR runtime). Header-only: each test binary includes it once. */
#ifndef CONTRACT_HARNESS_H
#define CONTRACT_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mock.h"

#define NEAR_1 ((u128)1000000000000ull * 1000000000000ull) /* 10^24 yocto */

static inline u128 u128_dec(const char *s)
{
    u128 v = 0;
    for (; *s; s++)
        v = v * 10 + (u128)(*s - '0');
    return v;
}

static inline const char *u128_str(u128 v)
{
    static char ring[8][48];
    static int next;
    char *out = ring[next++ & 7];
    char tmp[48];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
    return out;
}

/* Runs a method and fails the test (showing the panic) if it panicked. */
static inline void call_ok_at(void (*fn)(void), const char *json, const char *file, int line)
{
    if (!mock_call_json(fn, json)) {
        print_error("%s:%d: unexpected panic: %s\n  args: %s\n", file, line, mock_panic_message(), json);
        _fail(file, line);
    }
}
#define call_ok(fn, json) call_ok_at(fn, json, __FILE__, __LINE__)

/* Runs a method that must panic with a message containing `expect`. */
static inline void call_panics_at(void (*fn)(void), const char *json, const char *expect, const char *file, int line)
{
    if (mock_call_json(fn, json)) {
        print_error("%s:%d: expected panic \"%s\", call succeeded\n", file, line, expect);
        _fail(file, line);
    }
    const char *msg = mock_panic_message();
    if (msg == NULL || strstr(msg, expect) == NULL) {
        print_error("%s:%d: panic \"%s\" does not contain \"%s\"\n", file, line, msg ? msg : "(null)", expect);
        _fail(file, line);
    }
}
#define call_panics(fn, json, expect) call_panics_at(fn, json, expect, __FILE__, __LINE__)

#define assert_return(expected) assert_string_equal(mock_return_text(), expected)

/* Index of the first log line equal to / containing text, or -1. */
static inline long log_index(const char *text, int exact)
{
    for (size_t i = 0; i < mock_log_count(); i++) {
        const char *l = mock_log(i);
        if (exact ? strcmp(l, text) == 0 : strstr(l, text) != NULL)
            return (long)i;
    }
    return -1;
}

static inline void assert_log_at(const char *text, const char *file, int line)
{
    if (log_index(text, 1) < 0) {
        print_error("%s:%d: no log line equals:\n  %s\nlogs:\n", file, line, text);
        for (size_t i = 0; i < mock_log_count(); i++)
            print_error("  [%zu] %s\n", i, mock_log(i));
        _fail(file, line);
    }
}
#define assert_log(text) assert_log_at(text, __FILE__, __LINE__)

/* printf into a fresh heap string (tests free nothing: short-lived). */
static inline char *fmt(const char *f, ...)
{
    static char *ring[16];
    static int next;
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        abort();
    va_end(ap);
    free(ring[next & 15]);
    ring[next++ & 15] = s;
    return s;
}

/* "[1,2,3]" or "[1, 2, 3]" of a byte array. */
static inline char *bytes_list(const uint8_t *p, size_t n, const char *sep)
{
    size_t cap = n * 6 + 3;
    char *s = malloc(cap);
    size_t len = 0;
    s[len++] = '[';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%u", i ? sep : "", p[i]);
    s[len++] = ']';
    s[len] = 0;
    char *out = fmt("%s", s);
    free(s);
    return out;
}

#endif
