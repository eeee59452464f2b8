/*
 * reader.h — bounds-checked reading of WebAssembly binary encodings.
 *
 * Every read checks the end of the buffer and the LEB128 rules of the spec
 * (at most ceil(N/7) bytes, unused bits of the last byte must be a sign or
 * zero extension), so hostile input can only make a read fail. Both the
 * decoder and the compiler use it; the compiler reads validated code and
 * could skip the checks, but they are cheap and keep one implementation.
 */
#ifndef OUTLAYER_WASM_READER_H
#define OUTLAYER_WASM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct olw_reader {
    const uint8_t *start; /* the module's first byte: offsets are relative to it */
    const uint8_t *p;
    const uint8_t *end;
} olw_reader;

static inline olw_reader olw_reader_at(const uint8_t *start, const uint8_t *p, const uint8_t *end)
{
    olw_reader r = {start, p, end};
    return r;
}

static inline size_t olw_reader_offset(const olw_reader *r) { return (size_t)(r->p - r->start); }
static inline size_t olw_reader_left(const olw_reader *r) { return (size_t)(r->end - r->p); }
static inline bool olw_reader_done(const olw_reader *r) { return r->p >= r->end; }

static inline bool olw_read_u8(olw_reader *r, uint8_t *out)
{
    if (r->p >= r->end)
        return false;
    *out = *r->p++;
    return true;
}

static inline bool olw_read_bytes(olw_reader *r, size_t n, const uint8_t **out)
{
    if (olw_reader_left(r) < n)
        return false;
    *out = r->p;
    r->p += n;
    return true;
}

/* Unsigned LEB128 of at most `bits` bits (32 or 64). */
static inline bool olw_read_uleb(olw_reader *r, unsigned bits, uint64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    for (;;) {
        if (r->p >= r->end)
            return false;
        uint8_t byte = *r->p++;
        unsigned remaining = bits - shift; /* bits still allowed, > 0 */
        if (remaining < 7) {
            /* last permitted byte: no continuation, no bits above `bits` */
            if (byte & 0x80)
                return false;
            if (byte >> remaining)
                return false;
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            break;
        shift += 7;
        if (shift >= bits)
            return false; /* too long: continuation past the last byte */
    }
    *out = result;
    return true;
}

/* Signed LEB128 of at most `bits` bits (32 or 64 — or 33 for block types). */
static inline bool olw_read_sleb(olw_reader *r, unsigned bits, int64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    uint8_t byte;
    for (;;) {
        if (r->p >= r->end)
            return false;
        byte = *r->p++;
        unsigned remaining = bits - shift;
        if (remaining < 7) {
            if (byte & 0x80)
                return false;
            /* the unused high bits must all equal the sign bit */
            int sign = (byte >> (remaining - 1)) & 1;
            uint8_t high = (uint8_t)((byte & 0x7f) >> remaining);
            uint8_t expect = sign ? (uint8_t)(0x7f >> remaining) : 0;
            if (high != expect)
                return false;
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80))
            break;
        if (shift >= bits)
            return false;
    }
    if (shift < 64 && (byte & 0x40))
        result |= ~(uint64_t)0 << shift;
    *out = (int64_t)result;
    return true;
}

static inline bool olw_read_u32(olw_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!olw_read_uleb(r, 32, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static inline bool olw_read_i32(olw_reader *r, int32_t *out)
{
    int64_t v;
    if (!olw_read_sleb(r, 32, &v))
        return false;
    *out = (int32_t)v;
    return true;
}

static inline bool olw_read_i64(olw_reader *r, int64_t *out) { return olw_read_sleb(r, 64, out); }

static inline bool olw_read_f32_bits(olw_reader *r, uint32_t *out)
{
    if (olw_reader_left(r) < 4)
        return false;
    *out = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    r->p += 4;
    return true;
}

static inline bool olw_read_f64_bits(olw_reader *r, uint64_t *out)
{
    if (olw_reader_left(r) < 8)
        return false;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | r->p[i];
    r->p += 8;
    *out = v;
    return true;
}

#endif
