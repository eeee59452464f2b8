/*
 * sim_quote.c — TDX quotes (v4, or v5 with a TD 1.5 body) from a simulated
 * platform, laid out and signed exactly like a real quoting enclave's:
 *
 *   header (48) [v5: body type u16 + body size u32] TD report body
 *   u32 signature data length
 *   quote signature (64, by the attestation key over header+body)
 *   attestation public key (64)
 *   certification data type 6: QE report (384) + its signature by the PCK
 *     key (64) + QE auth data (u16 + 32) + type 5 cert data (the PEM chain
 *     PCK, PCK CA, root)
 *
 * The QE report's report data binds the attestation key:
 * SHA-256(attestation key || QE auth data), upper half zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/sha.h>

#include "tee/sim_internal.h"
#include "tee/tee.h"

int tee_sim_sign(EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t out[64])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t der[80];
    size_t dlen = sizeof der;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestSign(ctx, der, &dlen, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1;
    const uint8_t *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
    if (!sig)
        return -1;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    ok = BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok ? 0 : -1;
}

int tee_sim_pub(EVP_PKEY *k, uint8_t out[64])
{
    uint8_t buf[65];
    size_t len = sizeof buf;
    if (!EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len) || len != 65 || buf[0] != 4)
        return -1;
    memcpy(out, buf + 1, 64);
    return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int tee_sim_quote(const tee_sim *t, int version, const uint8_t measurements[5][48], const uint8_t report_data[64],
                  uint64_t td_attributes, uint8_t mr_service_td_byte, uint8_t **out, size_t *out_len, char *err,
                  size_t errlen)
{
    *out = NULL;
    if (version != 4 && version != 5) {
        snprintf(err, errlen, "quote version must be 4 or 5");
        return -1;
    }
    char *pem = tee_sim_pem_chain(t);
    if (!pem) {
        snprintf(err, errlen, "cannot encode the PCK chain");
        return -1;
    }
    size_t pem_len = strlen(pem);
    uint8_t *q = calloc(1, 2048 + pem_len);
    if (!q) {
        free(pem);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    put16(q, (uint16_t)version);
    put16(q + 2, 2);    /* attestation key type: ECDSA-256 with P-256 */
    put32(q + 4, 0x81); /* TEE type: TDX */
    put16(q + 8, 4);    /* QE SVN */
    put16(q + 10, t->pcesvn);
    /* QE vendor id (Intel) */
    static const uint8_t intel_qe[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                         0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
    memcpy(q + 12, intel_qe, 16);
    /* v5: body type 3 (TD 1.5), body size 648 */
    size_t body_off = version == 5 ? 54 : 48, body_len = version == 5 ? 648 : 584;
    if (version == 5) {
        put16(q + 48, 3);
        put32(q + 50, 648);
    }
    uint8_t *b = q + body_off;
    if (version == 5)
        memset(b + 600, mr_service_td_byte, 48); /* MRSERVICETD */
    memcpy(b, t->tee_tcb_svn, 16);
    for (int i = 0; i < 8; i++)
        b[120 + i] = (uint8_t)(td_attributes >> (8 * i));
    memcpy(b + 136, measurements[0], 48); /* MRTD */
    for (int i = 0; i < 4; i++)
        memcpy(b + 328 + 48 * i, measurements[i + 1], 48); /* RTMR0..3 */
    memcpy(b + 520, report_data, 64);
    size_t signed_len = body_off + body_len;
    uint8_t *s = q + signed_len + 4;
    uint8_t att_pub[64];
    if (tee_sim_pub(t->att_key, att_pub) || tee_sim_sign(t->att_key, q, signed_len, s))
        goto fail;
    memcpy(s + 64, att_pub, 64);
    uint8_t *cd = s + 128;
    put16(cd, 6);
    uint8_t *qe = cd + 6;
    memcpy(qe, t->cpusvn, 16);
    qe[48] = 0x11; /* attributes */
    uint8_t mrsigner[32];
    for (int i = 0; i < 32; i++)
        sscanf(TEE_SIM_QE_MRSIGNER + 2 * i, "%2hhx", &mrsigner[i]);
    memcpy(qe + 128, mrsigner, 32);
    put16(qe + 256, 2); /* ISVPRODID */
    put16(qe + 258, 4); /* ISVSVN */
    uint8_t auth[32];
    for (int i = 0; i < 32; i++)
        auth[i] = (uint8_t)i;
    uint8_t bind_in[96];
    memcpy(bind_in, att_pub, 64);
    memcpy(bind_in + 64, auth, 32);
    SHA256(bind_in, 96, qe + 320);
    if (tee_sim_sign(t->pck_key, qe, 384, qe + 384))
        goto fail;
    uint8_t *a = qe + 448;
    put16(a, 32);
    memcpy(a + 2, auth, 32);
    uint8_t *c5 = a + 34;
    put16(c5, 5);
    put32(c5 + 2, (uint32_t)pem_len);
    memcpy(c5 + 6, pem, pem_len);
    size_t cert_data = 384 + 64 + 34 + 6 + pem_len;
    put32(cd + 2, (uint32_t)cert_data);
    size_t sig_len = 128 + 6 + cert_data;
    put32(q + signed_len, (uint32_t)sig_len);
    free(pem);
    *out = q;
    *out_len = signed_len + 4 + sig_len;
    return 0;
fail:
    free(pem);
    free(q);
    snprintf(err, errlen, "cannot sign the quote (OpenSSL)");
    return -1;
}
