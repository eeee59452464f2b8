/* borsh.c — Borsh reader and writer. */
#include "borsh.h"
#include "mem.h"
#include "sdk.h"

void bw_u8(struct buf *b, uint8_t v) { buf_byte(b, v); }
void bw_bool(struct buf *b, bool v) { buf_byte(b, v ? 1 : 0); }

static void put_le(struct buf *b, uint64_t v, int n)
{
    uint8_t tmp[8];
    for (int i = 0; i < n; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    buf_put(b, tmp, (size_t)n);
}

void bw_u32(struct buf *b, uint32_t v) { put_le(b, v, 4); }
void bw_u64(struct buf *b, uint64_t v) { put_le(b, v, 8); }

void bw_u128(struct buf *b, u128 v)
{
    put_le(b, (uint64_t)v, 8);
    put_le(b, (uint64_t)(v >> 64), 8);
}

void bw_bytes(struct buf *b, const void *data, size_t len)
{
    bw_u32(b, (uint32_t)len);
    buf_put(b, data, len);
}

void bw_str(struct buf *b, const char *s) { bw_bytes(b, s, strlen(s)); }

void br_init(struct br *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->error = "Cannot deserialize the contract state.";
}

void br_fail(const struct br *r) { sdk_panic(r->error); }

const uint8_t *br_raw(struct br *r, size_t n)
{
    if (r->len - r->pos < n)
        br_fail(r);
    const uint8_t *at = r->p + r->pos;
    r->pos += n;
    return at;
}

static uint64_t get_le(struct br *r, int n)
{
    const uint8_t *p = br_raw(r, (size_t)n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

uint8_t br_u8(struct br *r) { return (uint8_t)get_le(r, 1); }
uint32_t br_u32(struct br *r) { return (uint32_t)get_le(r, 4); }
uint64_t br_u64(struct br *r) { return get_le(r, 8); }

bool br_bool(struct br *r)
{
    uint8_t v = br_u8(r);
    if (v > 1)
        br_fail(r);
    return v == 1;
}

u128 br_u128(struct br *r)
{
    uint64_t lo = get_le(r, 8);
    uint64_t hi = get_le(r, 8);
    return (u128)hi << 64 | lo;
}

const uint8_t *br_bytes(struct br *r, size_t *len)
{
    uint32_t n = br_u32(r);
    *len = n;
    return br_raw(r, n);
}

char *br_str(struct br *r, size_t *len)
{
    size_t n;
    const uint8_t *p = br_bytes(r, &n);
    if (len)
        *len = n;
    return sdk_strndup((const char *)p, n);
}

bool br_option(struct br *r) { return br_bool(r); }

bool br_done(const struct br *r) { return r->pos == r->len; }
