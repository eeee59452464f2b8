/*
 * ol_json.h — a small JSON reader for the example programs: check that a
 * text is one JSON value, then walk it in place (object members by key,
 * array elements one by one, strings and unsigned integers). Static
 * functions in one header so each example stays one translation unit.
 *
 * Check the whole input with ol_json_valid() first; the walking functions
 * then assume well-formed JSON.
 */
#ifndef OL_JSON_H
#define OL_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline const char *oj_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Skips one value at p (after white space); the end of it, or NULL if it is
 * not valid JSON. depth bounds nesting. */
static const char *oj_skip_depth(const char *p, int depth)
{
    p = oj_ws(p);
    if (depth > 64)
        return NULL;
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if ((unsigned char)*p < 0x20)
                return NULL;
            if (*p == '\\') {
                p++;
                if (*p == 'u') {
                    for (int i = 1; i <= 4; i++)
                        if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                            return NULL;
                    p += 4;
                } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                    return NULL;
                }
            }
        }
        return p + 1;
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = oj_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                if (*p != '"')
                    return NULL;
                p = oj_skip_depth(p, depth + 1);
                if (!p)
                    return NULL;
                p = oj_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            p = oj_skip_depth(p, depth + 1);
            if (!p)
                return NULL;
            p = oj_ws(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
            p = oj_ws(p);
        }
    }
    if (strncmp(p, "true", 4) == 0)
        return p + 4;
    if (strncmp(p, "false", 5) == 0)
        return p + 5;
    if (strncmp(p, "null", 4) == 0)
        return p + 4;
    const char *start = p;
    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return NULL;
    if (*p == '0')
        p++;
    else
        while (*p >= '0' && *p <= '9')
            p++;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p > start ? p : NULL;
}

static inline const char *oj_skip(const char *p) { return oj_skip_depth(p, 0); }

/* Whether text is exactly one JSON value (surrounding white space allowed). */
static inline int oj_valid(const char *text)
{
    const char *end = oj_skip(text);
    return end && *oj_ws(end) == 0;
}

/* The value of member `key` of the object at obj, or NULL (not an object,
 * no such member). Keys are compared as written (no escapes in keys). */
static inline const char *oj_get(const char *obj, const char *key)
{
    const char *p = oj_ws(obj);
    if (*p != '{')
        return NULL;
    p = oj_ws(p + 1);
    size_t klen = strlen(key);
    while (*p == '"') {
        const char *kend = oj_skip(p);
        int match = (size_t)(kend - p) == klen + 2 && strncmp(p + 1, key, klen) == 0;
        p = oj_ws(oj_ws(kend) + 1); /* past ':' */
        if (match)
            return p;
        p = oj_ws(oj_skip(p));
        if (*p != ',')
            return NULL;
        p = oj_ws(p + 1);
    }
    return NULL;
}

/* The first element of the array at v, or NULL (empty, or not an array). */
static inline const char *oj_first(const char *v)
{
    const char *p = oj_ws(v);
    if (*p != '[')
        return NULL;
    p = oj_ws(p + 1);
    return *p == ']' ? NULL : p;
}

/* The element after elem, or NULL at the end of its array. */
static inline const char *oj_next(const char *elem)
{
    const char *p = oj_ws(oj_skip(elem));
    return *p == ',' ? oj_ws(p + 1) : NULL;
}

/* The string at v into out (NUL-terminated): its length, or -1 if v is not
 * a string or it does not fit. \u escapes above 0x7f are written as UTF-8. */
static inline int oj_string(const char *v, char *out, size_t size)
{
    const char *p = v ? oj_ws(v) : "";
    if (*p++ != '"')
        return -1;
    size_t n = 0;
    while (*p != '"') {
        unsigned c = (unsigned char)*p++;
        char enc[4];
        size_t k = 1;
        enc[0] = (char)c;
        if (c == '\\') {
            c = (unsigned char)*p++;
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            if (c == 'u') {
                char hex[5] = {p[0], p[1], p[2], p[3], 0};
                unsigned cp = (unsigned)strtoul(hex, NULL, 16);
                p += 4;
                if (cp < 0x80)
                    enc[0] = (char)cp;
                else if (cp < 0x800) {
                    enc[0] = (char)(0xc0 | cp >> 6);
                    enc[1] = (char)(0x80 | (cp & 0x3f));
                    k = 2;
                } else {
                    enc[0] = (char)(0xe0 | cp >> 12);
                    enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    enc[2] = (char)(0x80 | (cp & 0x3f));
                    k = 3;
                }
            } else {
                enc[0] = to[strchr(from, (int)c) - from];
            }
        }
        if (n + k >= size)
            return -1;
        memcpy(out + n, enc, k);
        n += k;
    }
    out[n] = 0;
    return (int)n;
}

/* The unsigned integer at v (no sign, fraction or exponent): 0, or -1. */
static inline int oj_u64(const char *v, uint64_t *out)
{
    const char *p = v ? oj_ws(v) : "";
    if (*p < '0' || *p > '9')
        return -1;
    uint64_t n = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return -1;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.' || *p == 'e' || *p == 'E')
        return -1;
    *out = n;
    return 0;
}

/* Writes s as a JSON string to f. */
static inline void oj_print_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* All of stdin, NUL-terminated (NULL when out of memory). */
static inline char *ol_read_stdin(size_t *len)
{
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    while ((got = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
    }
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

#endif
