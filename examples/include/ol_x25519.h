/*
 * ol_x25519.h — X25519 (RFC 7748) for the example programs: the Montgomery
 * ladder of RFC 7748 §5 over GF(2^255 - 19), with field elements as 16
 * signed 64-bit limbs of 16 bits. Written for clarity, not speed; it runs
 * in constant time (no branch or index depends on secret data).
 * tests/examples/run.sh checks it against @noble/curves.
 */
#ifndef OL_X25519_H
#define OL_X25519_H

#include <stdint.h>
#include <string.h>

typedef int64_t ol_fe[16];

/* Brings every limb back to 16 bits, folding 2^256 = 38 (mod p) at the top. */
static inline void ol_fe_carry(ol_fe a)
{
    for (int i = 0; i < 16; i++) {
        int64_t c = a[i] >> 16; /* floor division: limbs may be negative */
        a[i] -= c * 65536;
        if (i < 15)
            a[i + 1] += c;
        else
            a[0] += 38 * c;
    }
}

static inline void ol_fe_add(ol_fe o, const ol_fe a, const ol_fe b)
{
    for (int i = 0; i < 16; i++)
        o[i] = a[i] + b[i];
}

static inline void ol_fe_sub(ol_fe o, const ol_fe a, const ol_fe b)
{
    for (int i = 0; i < 16; i++)
        o[i] = a[i] - b[i];
}

static inline void ol_fe_mul(ol_fe o, const ol_fe a, const ol_fe b)
{
    int64_t t[31] = {0};
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            t[i + j] += a[i] * b[j];
    for (int i = 0; i < 15; i++)
        t[i] += 38 * t[i + 16];
    for (int i = 0; i < 16; i++)
        o[i] = t[i];
    ol_fe_carry(o);
    ol_fe_carry(o);
}

static inline void ol_fe_mul_small(ol_fe o, const ol_fe a, int64_t k)
{
    for (int i = 0; i < 16; i++)
        o[i] = a[i] * k;
    ol_fe_carry(o);
    ol_fe_carry(o);
}

/* a^(p-2) = 1/a: p - 2 = 2^255 - 21 has every bit set from 254 down except 4 and 2. */
static inline void ol_fe_invert(ol_fe o, const ol_fe a)
{
    ol_fe c;
    memcpy(c, a, sizeof c);
    for (int i = 253; i >= 0; i--) {
        ol_fe_mul(c, c, c);
        if (i != 4 && i != 2)
            ol_fe_mul(c, c, a);
    }
    memcpy(o, c, sizeof c);
}

/* Swaps a and b when bit is 1, without a branch. */
static inline void ol_fe_cswap(ol_fe a, ol_fe b, int64_t bit)
{
    int64_t mask = -bit;
    for (int i = 0; i < 16; i++) {
        int64_t t = mask & (a[i] ^ b[i]);
        a[i] ^= t;
        b[i] ^= t;
    }
}

static inline void ol_fe_unpack(ol_fe o, const uint8_t in[32])
{
    for (int i = 0; i < 16; i++)
        o[i] = in[2 * i] | (int64_t)in[2 * i + 1] << 8;
    o[15] &= 0x7fff; /* RFC 7748: the top bit of a u-coordinate is ignored */
}

/* The canonical little-endian bytes of a (fully reduced mod p). */
static inline void ol_fe_pack(uint8_t out[32], const ol_fe a)
{
    ol_fe t, m;
    memcpy(t, a, sizeof t);
    ol_fe_carry(t);
    ol_fe_carry(t);
    ol_fe_carry(t);
    /* now 0 <= t < 2^256; subtract p at most twice */
    for (int round = 0; round < 2; round++) {
        m[0] = t[0] - 0xffed;
        for (int i = 1; i < 15; i++) {
            m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
            m[i - 1] &= 0xffff;
        }
        m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
        int64_t borrow = (m[15] >> 16) & 1;
        m[14] &= 0xffff;
        m[15] &= 0xffff;
        ol_fe_cswap(t, m, 1 - borrow); /* no borrow: t - p is the smaller representative */
    }
    for (int i = 0; i < 16; i++) {
        out[2 * i] = (uint8_t)(t[i] & 0xff);
        out[2 * i + 1] = (uint8_t)(t[i] >> 8);
    }
}

/* out = X25519(scalar, u) as RFC 7748 §5 defines it (the scalar is clamped here). */
static inline void ol_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t u[32])
{
    uint8_t k[32];
    memcpy(k, scalar, 32);
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
    ol_fe x1, x2 = {1}, z2 = {0}, x3, z3 = {1}, a, aa, b, bb, e, c, d, da, cb, t;
    ol_fe_unpack(x1, u);
    memcpy(x3, x1, sizeof x3);
    int64_t swap = 0;
    for (int i = 254; i >= 0; i--) {
        int64_t bit = (k[i >> 3] >> (i & 7)) & 1;
        swap ^= bit;
        ol_fe_cswap(x2, x3, swap);
        ol_fe_cswap(z2, z3, swap);
        swap = bit;
        ol_fe_add(a, x2, z2);
        ol_fe_mul(aa, a, a);
        ol_fe_sub(b, x2, z2);
        ol_fe_mul(bb, b, b);
        ol_fe_sub(e, aa, bb);
        ol_fe_add(c, x3, z3);
        ol_fe_sub(d, x3, z3);
        ol_fe_mul(da, d, a);
        ol_fe_mul(cb, c, b);
        ol_fe_add(t, da, cb);
        ol_fe_mul(x3, t, t);
        ol_fe_sub(t, da, cb);
        ol_fe_mul(t, t, t);
        ol_fe_mul(z3, x1, t);
        ol_fe_mul(x2, aa, bb);
        ol_fe_mul_small(t, e, 121665);
        ol_fe_add(t, aa, t);
        ol_fe_mul(z2, e, t);
    }
    ol_fe_cswap(x2, x3, swap);
    ol_fe_cswap(z2, z3, swap);
    ol_fe_invert(z2, z2);
    ol_fe_mul(x2, x2, z2);
    ol_fe_pack(out, x2);
}

/* The public key of a secret scalar: X25519(scalar, 9). */
static inline void ol_x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
    static const uint8_t nine[32] = {9};
    ol_x25519(out, scalar, nine);
}

#endif
