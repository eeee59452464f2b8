/*
 * crypto.c — hashes and signature checks: sha256, keccak256, keccak512,
 * sha3_256/384/512, ripemd160, ed25519_verify (libsodium), ecrecover and
 * p256_verify (OpenSSL EC point arithmetic).
 *
 * alt_bn128_* and bls12381_* are linked so contracts that import them load,
 * but calling one fails with NEAR's invalid-input host error saying that the
 * devnet does not support it (docs/devnet.md).
 */
#include "nearvm/internal.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- hashes ---- */

typedef enum hash_kind {
    H_SHA256,
    H_KECCAK256,
    H_KECCAK512,
    H_SHA3_256,
    H_SHA3_384,
    H_SHA3_512,
    H_RIPEMD160
} hash_kind;

static bool hash_host(nearvm_logic *L, const uint64_t *a, hash_kind kind)
{
    static const struct {
        uint64_t base, byte;
    } cost[] = {
        [H_SHA256] = {COST_SHA256_BASE, COST_SHA256_BYTE},
        [H_KECCAK256] = {COST_KECCAK256_BASE, COST_KECCAK256_BYTE},
        [H_KECCAK512] = {COST_KECCAK512_BASE, COST_KECCAK512_BYTE},
        [H_SHA3_256] = {COST_KECCAK256_BASE, COST_KECCAK256_BYTE},
        [H_SHA3_384] = {COST_KECCAK512_BASE, COST_KECCAK512_BYTE},
        [H_SHA3_512] = {COST_KECCAK512_BASE, COST_KECCAK512_BYTE},
        [H_RIPEMD160] = {COST_RIPEMD160_BASE, 0},
    };
    const uint8_t *p;
    size_t n;
    if (!nearvm_gas(L, cost[kind].base) || !nearvm_read_input(L, a[0], a[1], &p, &n))
        return false;
    if (kind == H_RIPEMD160) {
        if (!nearvm_gas_per(L, COST_RIPEMD160_BLOCK, ((uint64_t)n + 8) / 64 + 1))
            return false;
    } else if (!nearvm_gas_per(L, cost[kind].byte, n)) {
        return false;
    }
    uint8_t digest[64];
    size_t dlen;
    switch (kind) {
    case H_SHA256:
        crypto_hash_sha256(digest, p, n);
        dlen = 32;
        break;
    case H_KECCAK256: nearvm_keccak(136, 0x01, p, n, digest, dlen = 32); break;
    case H_KECCAK512: nearvm_keccak(72, 0x01, p, n, digest, dlen = 64); break;
    case H_SHA3_256: nearvm_keccak(136, 0x06, p, n, digest, dlen = 32); break;
    case H_SHA3_384: nearvm_keccak(104, 0x06, p, n, digest, dlen = 48); break;
    case H_SHA3_512: nearvm_keccak(72, 0x06, p, n, digest, dlen = 64); break;
    case H_RIPEMD160: {
        unsigned int len = 0;
        EVP_MD *md = EVP_MD_fetch(NULL, "RIPEMD160", NULL);
        bool ok = md && EVP_Digest(p, n, digest, &len, md, NULL) == 1 && len == 20;
        EVP_MD_free(md);
        if (!ok)
            return nearvm_err_oom(L); /* the OpenSSL build lacks RIPEMD160: an internal failure */
        dlen = 20;
        break;
    }
    default: return nearvm_err_oom(L);
    }
    return nearvm_register_write(L, a[2], digest, dlen);
}

static bool h_sha256(nearvm_logic *L, const uint64_t *a, uint64_t *r) { return hash_host(L, a, H_SHA256); }
static bool h_keccak256(nearvm_logic *L, const uint64_t *a, uint64_t *r) { return hash_host(L, a, H_KECCAK256); }
static bool h_keccak512(nearvm_logic *L, const uint64_t *a, uint64_t *r) { return hash_host(L, a, H_KECCAK512); }
static bool h_sha3_256(nearvm_logic *L, const uint64_t *a, uint64_t *r) { return hash_host(L, a, H_SHA3_256); }
static bool h_sha3_384(nearvm_logic *L, const uint64_t *a, uint64_t *r) { return hash_host(L, a, H_SHA3_384); }
static bool h_sha3_512(nearvm_logic *L, const uint64_t *a, uint64_t *r) { return hash_host(L, a, H_SHA3_512); }
static bool h_ripemd160(nearvm_logic *L, const uint64_t *a, uint64_t *r) { return hash_host(L, a, H_RIPEMD160); }

/* ---- ed25519 ---- */

/* libsodium wants sodium_init() before use; verification needs no RNG, so
 * a failure (only possible without /dev/urandom) is not fatal here. */
static void sodium_setup(void)
{
    if (sodium_init() < 0)
        return;
}

static bool ed25519_error(nearvm_logic *L, const char *msg)
{
    char dbg[160];
    snprintf(dbg, sizeof dbg, "Ed25519VerifyInvalidInput { msg: \"%s\" }", msg);
    return nearvm_host_error(L, "Ed25519VerifyInvalidInput", dbg, "ED25519 signature verification error: %s", msg);
}

static bool h_ed25519_verify(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *sig, *msg, *pk;
    size_t sig_len, msg_len, pk_len;
    uint8_t sig_copy[64];
    r[0] = 0;
    if (!nearvm_gas(L, COST_ED25519_VERIFY_BASE) || !nearvm_read_input(L, a[0], a[1], &sig, &sig_len))
        return false;
    if (sig_len != 64)
        return ed25519_error(L, "invalid signature length");
    /* nearcore keeps ed25519-dalek 1's early rejection of a non-canonical S. */
    if (sig[63] & 0xe0)
        return true;
    memcpy(sig_copy, sig, 64);
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sodium_setup);
    if (!nearvm_read_input(L, a[2], a[3], &msg, &msg_len) || !nearvm_gas_per(L, COST_ED25519_VERIFY_BYTE, msg_len))
        return false;
    uint8_t *msg_copy = malloc(msg_len ? msg_len : 1);
    if (!msg_copy)
        return nearvm_err_oom(L);
    memcpy(msg_copy, msg, msg_len);
    if (!nearvm_read_input(L, a[4], a[5], &pk, &pk_len)) {
        free(msg_copy);
        return false;
    }
    if (pk_len != 32) {
        free(msg_copy);
        return ed25519_error(L, "invalid public key length");
    }
    r[0] = crypto_sign_verify_detached(sig_copy, msg_copy, msg_len, pk) == 0 ? 1 : 0;
    free(msg_copy);
    return true;
}

/* ---- secp256k1 / P-256 point arithmetic ---- */

static bool ecrecover_error(nearvm_logic *L, const char *msg)
{
    char dbg[200];
    snprintf(dbg, sizeof dbg, "ECRecoverError { msg: \"%s\" }", msg);
    return nearvm_host_error(L, "ECRecoverError", dbg, "ECDSA recover error: %s", msg);
}

/* Public key from (hash, r, s, v) on secp256k1, or false if there is none.
 * Q = r⁻¹ (s·R − e·G) where R is the point with x = r (+ n when v & 2) and
 * the y parity v & 1. */
static bool secp256k1_recover(const uint8_t hash[32], const uint8_t sig[64], unsigned v, bool reject_high_s,
                              uint8_t out[64])
{
    bool ok = false;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp256k1);
    BN_CTX *ctx = BN_CTX_new();
    EC_POINT *R = g ? EC_POINT_new(g) : NULL, *Q = g ? EC_POINT_new(g) : NULL;
    if (!g || !ctx || !R || !Q)
        goto done;
    BN_CTX_start(ctx);
    BIGNUM *r = BN_CTX_get(ctx), *s = BN_CTX_get(ctx), *e = BN_CTX_get(ctx), *n = BN_CTX_get(ctx);
    BIGNUM *p = BN_CTX_get(ctx), *x = BN_CTX_get(ctx), *half = BN_CTX_get(ctx), *rinv = BN_CTX_get(ctx);
    BIGNUM *u1 = BN_CTX_get(ctx), *u2 = BN_CTX_get(ctx), *qx = BN_CTX_get(ctx), *qy = BN_CTX_get(ctx);
    if (!qy || !BN_bin2bn(sig, 32, r) || !BN_bin2bn(sig + 32, 32, s) || !BN_bin2bn(hash, 32, e) ||
        !EC_GROUP_get_order(g, n, ctx) || !EC_GROUP_get_curve(g, p, NULL, NULL, ctx))
        goto end;
    if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, n) >= 0 || BN_cmp(s, n) >= 0)
        goto end;
    if (reject_high_s && (!BN_rshift1(half, n) || BN_cmp(s, half) > 0))
        goto end;
    if (!BN_copy(x, r) || ((v & 2) && !BN_add(x, x, n)) || BN_cmp(x, p) >= 0)
        goto end;
    if (!EC_POINT_set_compressed_coordinates(g, R, x, (int)(v & 1), ctx))
        goto end;
    /* u1 = -e / r, u2 = s / r (mod n); Q = u1·G + u2·R */
    if (!BN_mod_inverse(rinv, r, n, ctx) || !BN_mod_mul(u1, e, rinv, n, ctx) || !BN_mod_sub(u1, n, u1, n, ctx) ||
        !BN_mod_mul(u2, s, rinv, n, ctx) || !EC_POINT_mul(g, Q, u1, R, u2, ctx) || EC_POINT_is_at_infinity(g, Q) ||
        !EC_POINT_get_affine_coordinates(g, Q, qx, qy, ctx))
        goto end;
    ok = BN_bn2binpad(qx, out, 32) == 32 && BN_bn2binpad(qy, out + 32, 32) == 32;
end:
    BN_CTX_end(ctx);
done:
    EC_POINT_free(R);
    EC_POINT_free(Q);
    BN_CTX_free(ctx);
    EC_GROUP_free(g);
    return ok;
}

static bool h_ecrecover(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *p;
    size_t n;
    uint8_t sig[64], hash[32], pub[64];
    char msg[128];
    r[0] = 0;
    if (!nearvm_gas(L, COST_ECRECOVER_BASE) || !nearvm_read_input(L, a[2], a[3], &p, &n))
        return false;
    if (n != 64) {
        snprintf(msg, sizeof msg, "The length of the signature: %zu, exceeds the limit of 64 bytes", n);
        return ecrecover_error(L, msg);
    }
    memcpy(sig, p, 64);
    if (a[4] >= 4) {
        snprintf(msg, sizeof msg, "V recovery byte 0 through 3 are valid but was provided %llu",
                 (unsigned long long)a[4]);
        return ecrecover_error(L, msg);
    }
    if (!nearvm_read_input(L, a[0], a[1], &p, &n))
        return false;
    if (n != 32) {
        snprintf(msg, sizeof msg, "The length of the hash: %zu, exceeds the limit of 32 bytes", n);
        return ecrecover_error(L, msg);
    }
    memcpy(hash, p, 32);
    if (a[5] > 1) {
        snprintf(msg, sizeof msg, "Malleability flag needs to be 0 or 1, but is instead %llu",
                 (unsigned long long)a[5]);
        return ecrecover_error(L, msg);
    }
    if (!secp256k1_recover(hash, sig, (unsigned)a[4], a[5] == 1, pub))
        return true;
    if (!nearvm_register_write(L, a[6], pub, 64))
        return false;
    r[0] = 1;
    return true;
}

static bool p256_error(nearvm_logic *L, const char *msg)
{
    char dbg[160];
    snprintf(dbg, sizeof dbg, "P256VerifyInvalidInput { msg: \"%s\" }", msg);
    return nearvm_host_error(L, "P256VerifyInvalidInput", dbg, "P256 signature verification error: %s", msg);
}

/* ECDSA P-256 over a prehash: u1 = e/s, u2 = r/s, valid iff (u1·G + u2·Q).x ≡ r. */
static bool p256_check(const uint8_t sig[64], const uint8_t *digest, size_t dlen, const uint8_t pk[33])
{
    bool ok = false;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BN_CTX *ctx = BN_CTX_new();
    EC_POINT *Q = g ? EC_POINT_new(g) : NULL, *X
    = g ? EC_POINT_new(g) : NULL;
    if (!g || !ctx || !Q || !X)
        goto done;
    BN_CTX_start(ctx);
    BIGNUM *r = BN_CTX_get(ctx), *s = BN_CTX_get(ctx), *e = BN_CTX_get(ctx), *n = BN_CTX_get(ctx);
    BIGNUM *w = BN_CTX_get(ctx), *u1 = BN_CTX_get(ctx), *u2 = BN_CTX_get(ctx), *x = BN_CTX_get(ctx);
    if (!x || !BN_bin2bn(sig, 32, r) || !BN_bin2bn(sig + 32, 32, s) || !EC_GROUP_get_order(g, n, ctx))
        goto end;
    /* bits2int: the leftmost 256 bits of the digest */
    if (!BN_bin2bn(digest, (int)(dlen > 32 ? 32 : dlen), e))
        goto end;
    if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, n) >= 0 || BN_cmp(s, n) >= 0)
        goto end;
    if (!EC_POINT_oct2point(g, Q, pk, 33, ctx))
        goto end;
    if (!BN_mod_inverse(w, s, n, ctx) || !BN_mod_mul(u1, e, w, n, ctx) || !BN_mod_mul(u2, r, w, n, ctx) ||
        !EC_POINT_mul(g, X, u1, Q, u2, ctx) || EC_POINT_is_at_infinity(g, X) ||
        !EC_POINT_get_affine_coordinates(g, X, x, NULL, ctx) || !BN_nnmod(x, x, n, ctx))
        goto end;
    ok = BN_cmp(x, r) == 0;
end:
    BN_CTX_end(ctx);
done:
    EC_POINT_free(Q);
    EC_POINT_free(X);
    BN_CTX_free(ctx);
    EC_GROUP_free(g);
    return ok;
}

static bool h_p256_verify(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *p;
    size_t n;
    uint8_t sig[64], pk[33];
    r[0] = 0;
    if (!nearvm_gas(L, COST_P256_VERIFY_BASE) || !nearvm_read_input(L, a[0], a[1], &p, &n))
        return false;
    if (n != 64)
        return p256_error(L, "invalid signature length");
    memcpy(sig, p, 64);
    const uint8_t *msg;
    size_t msg_len;
    if (!nearvm_read_input(L, a[2], a[3], &msg, &msg_len) || !nearvm_gas_per(L, COST_P256_VERIFY_BYTE, msg_len))
        return false;
    uint8_t digest[32];
    size_t dlen = msg_len > 32 ? 32 : msg_len;
    memcpy(digest, msg, dlen);
    if (!nearvm_read_input(L, a[4], a[5], &p, &n))
        return false;
    if (n != 33)
        return p256_error(L, "invalid public key length");
    memcpy(pk, p, 33);
    r[0] = p256_check(sig, digest, dlen, pk) ? 1 : 0;
    return true;
}

/* ---- curve math the devnet does not offer ---- */

static bool alt_bn128_unsupported(nearvm_logic *L)
{
    return nearvm_host_error(L, "AltBn128InvalidInput", "AltBn128InvalidInput { msg: \"not supported on the devnet\" }",
                             "AltBn128 invalid input: not supported on the devnet");
}

static bool bls_unsupported(nearvm_logic *L)
{
    return nearvm_host_error(L, "BLS12381InvalidInput", "BLS12381InvalidInput { msg: \"not supported on the devnet\" }",
                             "BLS12-381 invalid input: not supported on the devnet");
}

static bool h_alt_bn128(nearvm_logic *L, const uint64_t *a, uint64_t *r) { return alt_bn128_unsupported(L); }
static bool h_bls(nearvm_logic *L, const uint64_t *a, uint64_t *r) { return bls_unsupported(L); }

const nearvm_host_fn nearvm_fns_crypto[] = {
    {"sha256", "III>", h_sha256},
    {"keccak256", "III>", h_keccak256},
    {"keccak512", "III>", h_keccak512},
    {"sha3_256", "III>", h_sha3_256},
    {"sha3_384", "III>", h_sha3_384},
    {"sha3_512", "III>", h_sha3_512},
    {"ripemd160", "III>", h_ripemd160},
    {"ed25519_verify", "IIIIII>I", h_ed25519_verify},
    {"ecrecover", "IIIIIII>I", h_ecrecover},
    {"p256_verify", "IIIIII>I", h_p256_verify},
    {"alt_bn128_g1_multiexp", "III>", h_alt_bn128},
    {"alt_bn128_g1_sum", "III>", h_alt_bn128},
    {"alt_bn128_pairing_check", "II>I", h_alt_bn128},
    {"bls12381_p1_sum", "III>I", h_bls},
    {"bls12381_p2_sum", "III>I", h_bls},
    {"bls12381_g1_multiexp", "III>I", h_bls},
    {"bls12381_g2_multiexp", "III>I", h_bls},
    {"bls12381_map_fp_to_g1", "III>I", h_bls},
    {"bls12381_map_fp2_to_g2", "III>I", h_bls},
    {"bls12381_pairing_check", "II>I", h_bls},
    {"bls12381_p1_decompress", "III>I", h_bls},
    {"bls12381_p2_decompress", "III>I", h_bls},
    {NULL, NULL, NULL},
};
