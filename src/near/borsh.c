/* borsh.c — Borsh writer (growable buffer) and bounds-checked reader. */
#include "near/borsh.h"
#include "near/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void near_borsh_writer_init(near_borsh_writer *w) { memset(w, 0, sizeof *w); }

void near_borsh_writer_free(near_borsh_writer *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

uint8_t *near_borsh_writer_take(near_borsh_writer *w, size_t *len)
{
    uint8_t *buf = w->buf;
    if (len)
        *len = w->len;
    memset(w, 0, sizeof *w);
    return buf;
}

/* Makes room for n more bytes; returns NULL (and marks the writer failed)
 * when memory runs out. */
static uint8_t *reserve(near_borsh_writer *w, size_t n)
{
    if (w->failed)
        return NULL;
    if (n > SIZE_MAX - w->len) {
        w->failed = 1;
        return NULL;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 64;
        while (cap < w->len + n)
            cap = cap > SIZE_MAX / 2 ? w->len + n : cap * 2;
        uint8_t *nb = realloc(w->buf, cap);
        if (!nb) {
            w->failed = 1;
            return NULL;
        }
        w->buf = nb;
        w->cap = cap;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

static void put_le(near_borsh_writer *w, uint64_t v, size_t n)
{
    uint8_t *p = reserve(w, n);
    if (!p)
        return;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void near_borsh_write_u8(near_borsh_writer *w, uint8_t v) { put_le(w, v, 1); }
void near_borsh_write_u16(near_borsh_writer *w, uint16_t v) { put_le(w, v, 2); }
void near_borsh_write_u32(near_borsh_writer *w, uint32_t v) { put_le(w, v, 4); }
void near_borsh_write_u64(near_borsh_writer *w, uint64_t v) { put_le(w, v, 8); }

void near_borsh_write_u128(near_borsh_writer *w, near_u128 v)
{
    put_le(w, (uint64_t)v, 8);
    put_le(w, (uint64_t)(v >> 64), 8);
}

void near_borsh_write_fixed(near_borsh_writer *w, const void *data, size_t len)
{
    if (len == 0)
        return;
    uint8_t *p = reserve(w, len);
    if (p)
        memcpy(p, data, len);
}

void near_borsh_write_bytes(near_borsh_writer *w, const void *data, size_t len)
{
    if (len > UINT32_MAX) {
        w->failed = 1;
        return;
    }
    near_borsh_write_u32(w, (uint32_t)len);
    near_borsh_write_fixed(w, data, len);
}

void near_borsh_write_string(near_borsh_writer *w, const char *s)
{
    near_borsh_write_bytes(w, s ? s : "", s ? strlen(s) : 0);
}

void near_borsh_reader_init(near_borsh_reader *r, const void *data, size_t len)
{
    r->data = data;
    r->len = data ? len : 0;
    r->pos = 0;
    r->err[0] = '\0';
}

size_t near_borsh_remaining(const near_borsh_reader *r) { return r->len - r->pos; }

near_status near_borsh_fail(near_borsh_reader *r, const char *fmt, ...)
{
    /* Keep the first error: it is the one closest to the cause. */
    if (r->err[0])
        return NEAR_ERR_INVALID;
    char msg[120];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, sizeof r->err, "%s at byte %zu", msg, r->pos);
    return NEAR_ERR_INVALID;
}

static near_status need(near_borsh_reader *r, size_t n, const char *what)
{
    if (n > near_borsh_remaining(r))
        return near_borsh_fail(r, "truncated input: %s needs %zu bytes, %zu left", what, n, near_borsh_remaining(r));
    return NEAR_OK;
}

static near_status get_le(near_borsh_reader *r, size_t n, uint64_t *v, const char *what)
{
    if (need(r, n, what))
        return NEAR_ERR_INVALID;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)r->data[r->pos + i] << (8 * i);
    r->pos += n;
    *v = x;
    return NEAR_OK;
}

near_status near_borsh_read_u8(near_borsh_reader *r, uint8_t *v)
{
    uint64_t x;
    if (get_le(r, 1, &x, "u8"))
        return NEAR_ERR_INVALID;
    *v = (uint8_t)x;
    return NEAR_OK;
}

near_status near_borsh_read_u16(near_borsh_reader *r, uint16_t *v)
{
    uint64_t x;
    if (get_le(r, 2, &x, "u16"))
        return NEAR_ERR_INVALID;
    *v = (uint16_t)x;
    return NEAR_OK;
}

near_status near_borsh_read_u32(near_borsh_reader *r, uint32_t *v)
{
    uint64_t x;
    if (get_le(r, 4, &x, "u32"))
        return NEAR_ERR_INVALID;
    *v = (uint32_t)x;
    return NEAR_OK;
}

near_status near_borsh_read_u64(near_borsh_reader *r, uint64_t *v) { return get_le(r, 8, v, "u64"); }

near_status near_borsh_read_u128(near_borsh_reader *r, near_u128 *v)
{
    uint64_t lo, hi;
    if (need(r, 16, "u128") || get_le(r, 8, &lo, "u128") || get_le(r, 8, &hi, "u128"))
        return NEAR_ERR_INVALID;
    *v = ((near_u128)hi << 64) | lo;
    return NEAR_OK;
}

near_status near_borsh_read_fixed(near_borsh_reader *r, void *out, size_t len)
{
    if (need(r, len, "fixed array"))
        return NEAR_ERR_INVALID;
    if (len)
        memcpy(out, r->data + r->pos, len);
    r->pos += len;
    return NEAR_OK;
}

near_status near_borsh_read_option(near_borsh_reader *r, int *present)
{
    uint8_t tag;
    if (near_borsh_read_u8(r, &tag))
        return NEAR_ERR_INVALID;
    if (tag > 1) {
        r->pos--;
        return near_borsh_fail(r, "invalid option tag %u", tag);
    }
    *present = tag;
    return NEAR_OK;
}

near_status near_borsh_read_bool(near_borsh_reader *r, int *v)
{
    uint8_t b;
    if (near_borsh_read_u8(r, &b))
        return NEAR_ERR_INVALID;
    if (b > 1) {
        r->pos--;
        return near_borsh_fail(r, "invalid bool %u", b);
    }
    *v = b;
    return NEAR_OK;
}

near_status near_borsh_read_vec_len(near_borsh_reader *r, size_t min_elem_size, uint32_t *count)
{
    uint32_t n;
    if (near_borsh_read_u32(r, &n))
        return NEAR_ERR_INVALID;
    if (min_elem_size && n > near_borsh_remaining(r) / min_elem_size) {
        r->pos -= 4;
        return near_borsh_fail(r, "vector of %u elements cannot fit in %zu bytes left", n, near_borsh_remaining(r) - 4);
    }
    *count = n;
    return NEAR_OK;
}

near_status near_borsh_read_bytes(near_borsh_reader *r, uint8_t **out, size_t *len)
{
    uint32_t n;
    if (near_borsh_read_u32(r, &n))
        return NEAR_ERR_INVALID;
    if (need(r, n, "byte vector")) {
        r->err[0] = '\0';
        r->pos -= 4;
        return near_borsh_fail(r, "byte vector of length %u exceeds the %zu bytes left", n,
                               near_borsh_remaining(r) - 4);
    }
    uint8_t *buf = malloc((size_t)n + 1);
    if (!buf)
        return near_borsh_fail(r, "out of memory");
    if (n)
        memcpy(buf, r->data + r->pos, n);
    buf[n] = '\0';
    r->pos += n;
    *out = buf;
    *len = n;
    return NEAR_OK;
}

near_status near_borsh_read_string(near_borsh_reader *r, char **out)
{
    size_t start = r->pos;
    uint8_t *buf;
    size_t n;
    if (near_borsh_read_bytes(r, &buf, &n))
        return NEAR_ERR_INVALID;
    if (!near_utf8_valid(buf, n) || memchr(buf, 0, n)) {
        free(buf);
        r->pos = start;
        return near_borsh_fail(r, "string is not valid UTF-8 without NUL bytes");
    }
    *out = (char *)buf;
    return NEAR_OK;
}
