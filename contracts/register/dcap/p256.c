/* p256.c — ECDSA verification on NIST P-256 (secp256r1).
 *
 * Numbers are eight 32-bit little-endian limbs; every operation runs over
 * all eight limbs regardless of value (constant size, no heap). Arithmetic
 * mod p and mod n uses Montgomery multiplication (CIOS) with R = 2^256;
 * R^2 mod m and -m^-1 mod 2^32 are derived from m at first use instead of
 * being typed in, so the only constants are the curve's published ones.
 * Verification handles public data only, so early exits on invalid input
 * are fine; the arithmetic itself does not branch on limb values except in
 * the final conditional subtractions. Points use Jacobian coordinates
 * (a = -3) and u1*G + u2*Q is computed with Shamir's trick. */
#include "dcap.h"

typedef uint32_t fe[8];

struct modulus {
    fe m;
    fe r2;          /* R^2 mod m */
    fe one;         /* R mod m (Montgomery 1) */
    uint32_t m0inv; /* -m^-1 mod 2^32 */
    bool ready;
};

/* p = 2^256 - 2^224 + 2^192 + 2^96 - 1 */
static struct modulus P = {
    .m = {0xffffffff, 0xffffffff, 0xffffffff, 0x00000000, 0x00000000, 0x00000000, 0x00000001, 0xffffffff}};
/* n = group order */
static struct modulus N = {
    .m = {0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0x00000000, 0xffffffff}};

static const uint8_t CURVE_B[32] = {0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd,
                                    0x55, 0x76, 0x98, 0x86, 0xbc, 0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53,
                                    0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b};
static const uint8_t GX[32] = {0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6,
                               0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb,
                               0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96};
static const uint8_t GY[32] = {0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb,
                               0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31,
                               0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};

static void fe_from_be(fe out, const uint8_t in[32])
{
    for (int i = 0; i < 8; i++) {
        const uint8_t *b = in + 28 - 4 * i;
        out[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    }
}

static void fe_copy(fe out, const fe in)
{
    for (int i = 0; i < 8; i++)
        out[i] = in[i];
}

static bool fe_is_zero(const fe a)
{
    uint32_t acc = 0;
    for (int i = 0; i < 8; i++)
        acc |= a[i];
    return acc == 0;
}

static bool fe_eq(const fe a, const fe b)
{
    uint32_t acc = 0;
    for (int i = 0; i < 8; i++)
        acc |= a[i] ^ b[i];
    return acc == 0;
}

/* out = a - b over 256 bits; returns the borrow (0 or 1). */
static uint32_t fe_sub_raw(fe out, const fe a, const fe b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t d = (uint64_t)a[i] - b[i] - borrow;
        out[i] = (uint32_t)d;
        borrow = (d >> 32) & 1;
    }
    return (uint32_t)borrow;
}

/* a < b */
static bool fe_lt(const fe a, const fe b)
{
    fe t;
    return fe_sub_raw(t, a, b) != 0;
}

/* out = (a + b) mod m, for a, b < m. */
static void mod_add(fe out, const fe a, const fe b, const struct modulus *md)
{
    uint64_t carry = 0;
    fe sum, red;
    for (int i = 0; i < 8; i++) {
        uint64_t s = (uint64_t)a[i] + b[i] + carry;
        sum[i] = (uint32_t)s;
        carry = s >> 32;
    }
    uint32_t borrow = fe_sub_raw(red, sum, md->m);
    /* keep the reduced value unless (carry == 0 and borrow == 1) */
    uint32_t keep_sum = (uint32_t)(carry == 0) & borrow;
    uint32_t mask = 0u - keep_sum;
    for (int i = 0; i < 8; i++)
        out[i] = (sum[i] & mask) | (red[i] & ~mask);
}

/* out = (a - b) mod m, for a, b < m. */
static void mod_sub(fe out, const fe a, const fe b, const struct modulus *md)
{
    fe d;
    uint32_t borrow = fe_sub_raw(d, a, b);
    uint32_t mask = 0u - borrow;
    uint64_t carry = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t s = (uint64_t)d[i] + (md->m[i] & mask) + carry;
        out[i] = (uint32_t)s;
        carry = s >> 32;
    }
}

/* Montgomery product: out = a * b * R^-1 mod m, for a < 2^256, b < m. */
static void mont_mul(fe out, const fe a, const fe b, const struct modulus *md)
{
    uint32_t t[10] = {0};
    for (int i = 0; i < 8; i++) {
        uint64_t c = 0;
        for (int j = 0; j < 8; j++) {
            uint64_t s = (uint64_t)a[j] * b[i] + t[j] + c;
            t[j] = (uint32_t)s;
            c = s >> 32;
        }
        uint64_t s = (uint64_t)t[8] + c;
        t[8] = (uint32_t)s;
        t[9] = (uint32_t)(s >> 32);

        uint32_t q = t[0] * md->m0inv;
        s = (uint64_t)q * md->m[0] + t[0];
        c = s >> 32;
        for (int j = 1; j < 8; j++) {
            s = (uint64_t)q * md->m[j] + t[j] + c;
            t[j - 1] = (uint32_t)s;
            c = s >> 32;
        }
        s = (uint64_t)t[8] + c;
        t[7] = (uint32_t)s;
        t[8] = t[9] + (uint32_t)(s >> 32);
        t[9] = 0;
    }
    /* t < 2m: subtract m once if t >= m. */
    fe red;
    uint32_t borrow = fe_sub_raw(red, t, md->m);
    uint32_t keep_t = (uint32_t)(t[8] == 0) & borrow;
    uint32_t mask = 0u - keep_t;
    for (int i = 0; i < 8; i++)
        out[i] = (t[i] & mask) | (red[i] & ~mask);
}

static void modulus_init(struct modulus *md)
{
    if (md->ready)
        return;
    /* -m^-1 mod 2^32 by Newton's iteration (m odd). */
    uint32_t inv = 1;
    for (int i = 0; i < 5; i++)
        inv *= 2 - md->m[0] * inv;
    md->m0inv = 0u - inv;
    /* R mod m = 2^256 - m (m > 2^255), then doubled 256 times = R^2 mod m. */
    fe zero = {0};
    fe_sub_raw(md->one, zero, md->m);
    fe_copy(md->r2, md->one);
    for (int i = 0; i < 256; i++)
        mod_add(md->r2, md->r2, md->r2, md);
    md->ready = true;
}

static void to_mont(fe out, const fe a, const struct modulus *md) { mont_mul(out, a, md->r2, md); }

static void from_mont(fe out, const fe a, const struct modulus *md)
{
    fe one = {1};
    mont_mul(out, a, one, md);
}

/* out = a^(m-2) (Montgomery domain), the inverse for prime m. */
static void mod_inv(fe out, const fe a, const struct modulus *md)
{
    fe e, two = {2}, acc;
    fe_sub_raw(e, md->m, two);
    fe_copy(acc, md->one);
    for (int bit = 255; bit >= 0; bit--) {
        mont_mul(acc, acc, acc, md);
        if ((e[bit / 32] >> (bit % 32)) & 1)
            mont_mul(acc, acc, a, md);
    }
    fe_copy(out, acc);
}

/* ---- points (Montgomery domain mod p, Jacobian) ---- */
struct jpoint {
    fe x, y, z;
    bool inf;
};

static void pt_double(struct jpoint *r, const struct jpoint *a)
{
    if (a->inf || fe_is_zero(a->y)) {
        r->inf = true;
        return;
    }
    const struct modulus *md = &P;
    fe delta, gamma, beta, alpha, t1, t2, x3, y3, z3;
    mont_mul(delta, a->z, a->z, md);
    mont_mul(gamma, a->y, a->y, md);
    mont_mul(beta, a->x, gamma, md);
    /* alpha = 3 * (x - delta) * (x + delta) */
    mod_sub(t1, a->x, delta, md);
    mod_add(t2, a->x, delta, md);
    mont_mul(alpha, t1, t2, md);
    mod_add(t1, alpha, alpha, md);
    mod_add(alpha, t1, alpha, md);
    /* x3 = alpha^2 - 8 beta */
    mont_mul(x3, alpha, alpha, md);
    mod_add(t1, beta, beta, md); /* 2b */
    mod_add(t1, t1, t1, md);     /* 4b */
    mod_add(t2, t1, t1, md);     /* 8b */
    mod_sub(x3, x3, t2, md);
    /* z3 = (y + z)^2 - gamma - delta */
    mod_add(z3, a->y, a->z, md);
    mont_mul(z3, z3, z3, md);
    mod_sub(z3, z3, gamma, md);
    mod_sub(z3, z3, delta, md);
    /* y3 = alpha * (4 beta - x3) - 8 gamma^2 */
    mod_sub(t1, t1, x3, md);
    mont_mul(y3, alpha, t1, md);
    mont_mul(t2, gamma, gamma, md);
    mod_add(t2, t2, t2, md);
    mod_add(t2, t2, t2, md);
    mod_add(t2, t2, t2, md);
    mod_sub(y3, y3, t2, md);
    fe_copy(r->x, x3);
    fe_copy(r->y, y3);
    fe_copy(r->z, z3);
    r->inf = false;
}

static void pt_add(struct jpoint *r, const struct jpoint *a, const struct jpoint *b)
{
    if (a->inf) {
        *r = *b;
        return;
    }
    if (b->inf) {
        *r = *a;
        return;
    }
    const struct modulus *md = &P;
    fe z1z1, z2z2, u1, u2, s1, s2, h, rr, t, hh, hhh, v, x3, y3, z3;
    mont_mul(z1z1, a->z, a->z, md);
    mont_mul(z2z2, b->z, b->z, md);
    mont_mul(u1, a->x, z2z2, md);
    mont_mul(u2, b->x, z1z1, md);
    mont_mul(t, b->z, z2z2, md);
    mont_mul(s1, a->y, t, md);
    mont_mul(t, a->z, z1z1, md);
    mont_mul(s2, b->y, t, md);
    mod_sub(h, u2, u1, md);
    mod_sub(rr, s2, s1, md);
    if (fe_is_zero(h)) {
        if (fe_is_zero(rr))
            pt_double(r, a);
        else
            r->inf = true;
        return;
    }
    mont_mul(hh, h, h, md);
    mont_mul(hhh, hh, h, md);
    mont_mul(v, u1, hh, md);
    /* x3 = rr^2 - hhh - 2v */
    mont_mul(x3, rr, rr, md);
    mod_sub(x3, x3, hhh, md);
    mod_sub(x3, x3, v, md);
    mod_sub(x3, x3, v, md);
    /* y3 = rr (v - x3) - s1 hhh */
    mod_sub(t, v, x3, md);
    mont_mul(y3, rr, t, md);
    mont_mul(t, s1, hhh, md);
    mod_sub(y3, y3, t, md);
    /* z3 = z1 z2 h */
    mont_mul(t, a->z, b->z, md);
    mont_mul(z3, t, h, md);
    fe_copy(r->x, x3);
    fe_copy(r->y, y3);
    fe_copy(r->z, z3);
    r->inf = false;
}

/* Affine big-endian coordinates -> Montgomery Jacobian point; false if a
 * coordinate is >= p or the point is not on the curve. */
static bool pt_load(struct jpoint *pt, const uint8_t x[32], const uint8_t y[32])
{
    fe ax, ay, b, lhs, rhs, t;
    fe_from_be(ax, x);
    fe_from_be(ay, y);
    if (!fe_lt(ax, P.m) || !fe_lt(ay, P.m))
        return false;
    to_mont(pt->x, ax, &P);
    to_mont(pt->y, ay, &P);
    fe_copy(pt->z, P.one);
    pt->inf = false;
    /* y^2 == x^3 - 3x + b */
    fe_from_be(t, CURVE_B);
    to_mont(b, t, &P);
    mont_mul(lhs, pt->y, pt->y, &P);
    mont_mul(t, pt->x, pt->x, &P);
    mont_mul(rhs, t, pt->x, &P);
    mod_sub(rhs, rhs, pt->x, &P);
    mod_sub(rhs, rhs, pt->x, &P);
    mod_sub(rhs, rhs, pt->x, &P);
    mod_add(rhs, rhs, b, &P);
    return fe_eq(lhs, rhs);
}

bool p256_on_curve(const uint8_t x[32], const uint8_t y[32])
{
    modulus_init(&P);
    struct jpoint pt;
    return pt_load(&pt, x, y);
}

bool p256_verify_digest(const uint8_t pub_x[32], const uint8_t pub_y[32], const uint8_t digest[32],
                        const uint8_t r_be[32], const uint8_t s_be[32])
{
    modulus_init(&P);
    modulus_init(&N);
    fe r, s, e;
    fe_from_be(r, r_be);
    fe_from_be(s, s_be);
    if (fe_is_zero(r) || fe_is_zero(s) || !fe_lt(r, N.m) || !fe_lt(s, N.m))
        return false;
    struct jpoint q, g;
    if (!pt_load(&q, pub_x, pub_y))
        return false;
    if (!pt_load(&g, GX, GY))
        return false;
    /* e = digest mod n (digest < 2^256 < 2n: at most one subtraction) */
    fe_from_be(e, digest);
    fe red;
    if (!fe_sub_raw(red, e, N.m))
        fe_copy(e, red);
    /* w = s^-1; u1 = e w; u2 = r w (all mod n) */
    fe sm, w, em, rm, u1m, u2m, u1, u2;
    to_mont(sm, s, &N);
    mod_inv(w, sm, &N);
    to_mont(em, e, &N);
    to_mont(rm, r, &N);
    mont_mul(u1m, em, w, &N);
    mont_mul(u2m, rm, w, &N);
    from_mont(u1, u1m, &N);
    from_mont(u2, u2m, &N);

    struct jpoint gq, acc = {.inf = true};
    pt_add(&gq, &g, &q);
    for (int bit = 255; bit >= 0; bit--) {
        pt_double(&acc, &acc);
        int b1 = (u1[bit / 32] >> (bit % 32)) & 1;
        int b2 = (u2[bit / 32] >> (bit % 32)) & 1;
        if (b1 && b2)
            pt_add(&acc, &acc, &gq);
        else if (b1)
            pt_add(&acc, &acc, &g);
        else if (b2)
            pt_add(&acc, &acc, &q);
    }
    if (acc.inf)
        return false;
    /* affine x = X / Z^2 */
    fe zinv, zinv2, xm, x;
    mod_inv(zinv, acc.z, &P);
    mont_mul(zinv2, zinv, zinv, &P);
    mont_mul(xm, acc.x, zinv2, &P);
    from_mont(x, xm, &P);
    /* x mod n (x < p < 2n) */
    if (!fe_sub_raw(red, x, N.m))
        fe_copy(x, red);
    return fe_eq(x, r);
}

bool p256_verify_raw(const uint8_t pub[64], const uint8_t *msg, size_t msg_len, const uint8_t sig[64])
{
    uint8_t digest[32];
    dcap_sha256(msg, msg_len, digest);
    return p256_verify_digest(pub, pub + 32, digest, sig, sig + 32);
}
