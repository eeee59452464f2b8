/*
 * ol_sha256.h — SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the
 * example programs, as static functions in one header so each example stays
 * one translation unit (a single `clang --target=wasm32-wasi x.c`).
 */
#ifndef OL_SHA256_H
#define OL_SHA256_H

#include <stdint.h>
#include <string.h>

typedef struct ol_sha256 {
    uint32_t h[8];
    uint64_t length; /* bytes hashed so far */
    uint8_t block[64];
    size_t used; /* bytes waiting in block */
} ol_sha256_ctx;

static const uint32_t OL_SHA256_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ol_rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static inline void ol_sha256_init(ol_sha256_ctx *s)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->length = 0;
    s->used = 0;
}

static inline void ol_sha256_block(ol_sha256_ctx *s, const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ol_rotr(w[i - 15], 7) ^ ol_rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ol_rotr(w[i - 2], 17) ^ ol_rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            h + (ol_rotr(e, 6) ^ ol_rotr(e, 11) ^ ol_rotr(e, 25)) + ((e & f) ^ (~e & g)) + OL_SHA256_K[i] + w[i];
        uint32_t t2 = (ol_rotr(a, 2) ^ ol_rotr(a, 13) ^ ol_rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
}

static inline void ol_sha256_update(ol_sha256_ctx *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    s->length += n;
    while (n > 0) {
        size_t take = 64 - s->used < n ? 64 - s->used : n;
        memcpy(s->block + s->used, p, take);
        s->used += take;
        p += take;
        n -= take;
        if (s->used == 64) {
            ol_sha256_block(s, s->block);
            s->used = 0;
        }
    }
}

static inline void ol_sha256_final(ol_sha256_ctx *s, uint8_t out[32])
{
    uint64_t bits = s->length * 8;
    s->block[s->used++] = 0x80;
    if (s->used > 56) {
        memset(s->block + s->used, 0, 64 - s->used);
        ol_sha256_block(s, s->block);
        s->used = 0;
    }
    memset(s->block + s->used, 0, 56 - s->used);
    for (int i = 0; i < 8; i++)
        s->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    ol_sha256_block(s, s->block);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

static inline void ol_sha256(const void *data, size_t n, uint8_t out[32])
{
    ol_sha256_ctx s;
    ol_sha256_init(&s);
    ol_sha256_update(&s, data, n);
    ol_sha256_final(&s, out);
}

/* HMAC-SHA256 over the concatenation of up to three parts (NULL = none). */
static inline void ol_hmac_sha256(const uint8_t *key, size_t key_len, const void *a, size_t a_len, const void *b,
                                  size_t b_len, const void *c, size_t c_len, uint8_t out[32])
{
    uint8_t k[64] = {0}, pad[64], inner[32];
    if (key_len > 64)
        ol_sha256(key, key_len, k);
    else
        memcpy(k, key, key_len);
    ol_sha256_ctx s;
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    ol_sha256_init(&s);
    ol_sha256_update(&s, pad, 64);
    if (a)
        ol_sha256_update(&s, a, a_len);
    if (b)
        ol_sha256_update(&s, b, b_len);
    if (c)
        ol_sha256_update(&s, c, c_len);
    ol_sha256_final(&s, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    ol_sha256_init(&s);
    ol_sha256_update(&s, pad, 64);
    ol_sha256_update(&s, inner, 32);
    ol_sha256_final(&s, out);
}

static inline void ol_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

/* Hex text of exactly 2*n digits into n bytes; 0, or -1 if it is not that. */
static inline int ol_unhex(const char *in, size_t in_len, uint8_t *out, size_t n)
{
    if (in_len != 2 * n)
        return -1;
    for (size_t i = 0; i < 2 * n; i++) {
        char ch = in[i];
        int v = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
        if (v < 0)
            return -1;
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(v << 4);
        else
            out[i / 2] |= (uint8_t)v;
    }
    return 0;
}

#endif
