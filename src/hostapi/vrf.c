/*
 * vrf.c — ECVRF-EDWARDS25519-SHA512-TAI, RFC 9381 §5 with the suite of
 * §5.5: suite_string 0x03, encode_to_curve by try-and-increment (§5.4.1.1),
 * nonce as in RFC 8032 (§5.4.2.2), cLen 16, cofactor 8.
 */
#include <sodium.h>
#include <string.h>

#include "hostapi/vrf.h"

#define SUITE 0x03

/* RFC 8032 decoding refuses y >= p and x = 0 with the sign bit set;
 * libsodium's point functions do not check these, so they are checked here. */
static bool canonical_point(const uint8_t s[32])
{
    uint8_t y[32];
    memcpy(y, s, 32);
    bool sign = y[31] & 0x80;
    y[31] &= 0x7f;
    /* y >= p = 2^255 - 19: bytes ed ff .. ff 7f and above */
    bool all_ff = y[31] == 0x7f;
    for (int i = 1; i < 31 && all_ff; i++)
        all_ff = y[i] == 0xff;
    if (all_ff && y[0] >= 0xed)
        return false;
    /* x = 0 exactly when y = 1 or y = p - 1 */
    static const uint8_t one[32] = {1};
    uint8_t pm1[32];
    memset(pm1, 0xff, 32);
    pm1[0] = 0xec;
    pm1[31] = 0x7f;
    if (sign && (memcmp(y, one, 32) == 0 || memcmp(y, pm1, 32) == 0))
        return false;
    return true;
}

/* 8·P for any point on the curve (add checks only that it is on the curve). */
static bool times_cofactor(uint8_t out[32], const uint8_t p[32])
{
    uint8_t a[32], b[32];
    return canonical_point(p) && crypto_core_ed25519_add(a, p, p) == 0 && crypto_core_ed25519_add(b, a, a) == 0 &&
           crypto_core_ed25519_add(out, b, b) == 0;
}

static bool encode_to_curve(const uint8_t pk[32], const uint8_t *alpha, size_t alpha_len, uint8_t h[32])
{
    for (unsigned ctr = 0; ctr < 256; ctr++) {
        uint8_t head[2] = {SUITE, 0x01}, tail[2] = {(uint8_t)ctr, 0x00}, hash[64];
        crypto_hash_sha512_state st;
        crypto_hash_sha512_init(&st);
        crypto_hash_sha512_update(&st, head, 2);
        crypto_hash_sha512_update(&st, pk, 32);
        crypto_hash_sha512_update(&st, alpha, alpha_len);
        crypto_hash_sha512_update(&st, tail, 2);
        crypto_hash_sha512_final(&st, hash);
        uint8_t z[32] = {0};
        if (times_cofactor(h, hash) && sodium_memcmp(h, z, 32) != 0)
            return true;
    }
    return false;
}

static void challenge(const uint8_t *const pts[5], uint8_t c[32])
{
    uint8_t head[2] = {SUITE, 0x02}, tail = 0x00, hash[64];
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, head, 2);
    for (int i = 0; i < 5; i++)
        crypto_hash_sha512_update(&st, pts[i], 32);
    crypto_hash_sha512_update(&st, &tail, 1);
    crypto_hash_sha512_final(&st, hash);
    memset(c, 0, 32);
    memcpy(c, hash, 16);
}

bool vrf_prove(const uint8_t sk[32], const uint8_t *alpha, size_t alpha_len, uint8_t pi[VRF_PROOF_BYTES])
{
    uint8_t h[64], wide[64] = {0}, x[32], pk[32], H[32], k[32], gamma[32], U[32], V[32], c[32], cx[32];
    crypto_hash_sha512(h, sk, 32);
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
    memcpy(wide, h, 32);
    crypto_core_ed25519_scalar_reduce(x, wide);
    bool ok = crypto_scalarmult_ed25519_base_noclamp(pk, x) == 0 && encode_to_curve(pk, alpha, alpha_len, H);
    if (ok) {
        crypto_hash_sha512_state st;
        crypto_hash_sha512_init(&st);
        crypto_hash_sha512_update(&st, h + 32, 32);
        crypto_hash_sha512_update(&st, H, 32);
        crypto_hash_sha512_final(&st, wide);
        crypto_core_ed25519_scalar_reduce(k, wide);
        ok = crypto_scalarmult_ed25519_noclamp(gamma, x, H) == 0 && crypto_scalarmult_ed25519_base_noclamp(U, k) == 0 &&
             crypto_scalarmult_ed25519_noclamp(V, k, H) == 0;
    }
    if (ok) {
        const uint8_t *pts[5] = {pk, H, gamma, U, V};
        challenge(pts, c);
        crypto_core_ed25519_scalar_mul(cx, c, x);
        memcpy(pi, gamma, 32);
        memcpy(pi + 32, c, 16);
        crypto_core_ed25519_scalar_add(pi + 48, k, cx);
    }
    sodium_memzero(h, sizeof h);
    sodium_memzero(x, sizeof x);
    sodium_memzero(k, sizeof k);
    sodium_memzero(wide, sizeof wide);
    return ok;
}

bool vrf_proof_to_hash(const uint8_t pi[VRF_PROOF_BYTES], uint8_t beta[VRF_OUTPUT_BYTES])
{
    uint8_t g8[32], head[2] = {SUITE, 0x03}, tail = 0x00;
    if (!times_cofactor(g8, pi))
        return false;
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, head, 2);
    crypto_hash_sha512_update(&st, g8, 32);
    crypto_hash_sha512_update(&st, &tail, 1);
    crypto_hash_sha512_final(&st, beta);
    return true;
}

/* s < L (RFC 9381 §5.4.4): s is canonical iff reducing it changes nothing. */
static bool scalar_canonical(const uint8_t s[32])
{
    uint8_t wide[64] = {0}, r[32];
    memcpy(wide, s, 32);
    crypto_core_ed25519_scalar_reduce(r, wide);
    return memcmp(r, s, 32) == 0;
}

bool vrf_verify(const uint8_t pk[32], const uint8_t *alpha, size_t alpha_len, const uint8_t pi[VRF_PROOF_BYTES],
                uint8_t beta[VRF_OUTPUT_BYTES])
{
    const uint8_t *gamma = pi, *s = pi + 48;
    uint8_t c[32] = {0}, H[32], sB[32], cY[32], sH[32], cG[32], U[32], V[32], c2[32];
    memcpy(c, pi + 32, 16);
    /* validate_key and decode_proof; the subgroup checks come with scalarmult */
    if (!canonical_point(pk) || !canonical_point(gamma) || !scalar_canonical(s) ||
        !crypto_core_ed25519_is_valid_point(pk) || !crypto_core_ed25519_is_valid_point(gamma))
        return false;
    if (!encode_to_curve(pk, alpha, alpha_len, H))
        return false;
    if (crypto_scalarmult_ed25519_base_noclamp(sB, s) != 0 || crypto_scalarmult_ed25519_noclamp(cY, c, pk) != 0 ||
        crypto_scalarmult_ed25519_noclamp(sH, s, H) != 0 || crypto_scalarmult_ed25519_noclamp(cG, c, gamma) != 0 ||
        crypto_core_ed25519_sub(U, sB, cY) != 0 || crypto_core_ed25519_sub(V, sH, cG) != 0)
        return false;
    const uint8_t *pts[5] = {pk, H, gamma, U, V};
    challenge(pts, c2);
    if (sodium_memcmp(c, c2, 16) != 0)
        return false;
    return vrf_proof_to_hash(pi, beta);
}
