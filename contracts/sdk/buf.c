/* buf.c — growable byte buffer. */
#include "buf.h"
#include "mem.h"

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_reserve(struct buf *b, size_t extra)
{
    /* One spare byte so buf_cstr never reallocates. */
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = sdk_realloc(b->data, b->cap, cap);
    b->cap = cap;
}

void buf_put(struct buf *b, const void *data, size_t len)
{
    buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
}

void buf_byte(struct buf *b, uint8_t c)
{
    buf_reserve(b, 1);
    b->data[b->len++] = c;
}

void buf_str(struct buf *b, const char *s) { buf_put(b, s, strlen(s)); }

void buf_u64(struct buf *b, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    buf_reserve(b, n);
    while (n)
        b->data[b->len++] = (uint8_t)tmp[--n];
}

void buf_u128(struct buf *b, u128 v)
{
    char tmp[U128_DEC_MAX];
    size_t n = u128_format(v, tmp);
    buf_put(b, tmp, n);
}

void buf_bool(struct buf *b, bool v) { buf_str(b, v ? "true" : "false"); }

char *buf_cstr(struct buf *b)
{
    buf_reserve(b, 0);
    b->data[b->len] = '\0';
    return (char *)b->data;
}
