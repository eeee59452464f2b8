/* simtee.h — a simulated TDX platform for tests, built with OpenSSL: a
 * development root CA, PCK CA, PCK certificate (with Intel's SGX
 * extension), TCB signing certificate, CRLs, signed TCB info and QE
 * identity, and quotes in the real v4 format signed through that chain.
 * Header-only (static functions); the contract under test trusts the
 * development root (new(..., root_ca_hex)). */
#ifndef SIMTEE_H
#define SIMTEE_H

#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

struct simtee {
    EVP_PKEY *root_key, *pck_ca_key, *pck_key, *tcb_key, *att_key;
    X509 *root, *pck_ca, *pck, *tcb;
    int64_t now;
    uint8_t fmspc[6];
    uint8_t cpusvn[16];
    uint16_t pcesvn;
    long revoked_pck_serial;    /* PCK CRL lists this serial (0 = none) */
    long revoked_root_serial;   /* root CA CRL lists this serial (0 = none) */
    const char *tcb_status;     /* status of the single TCB level */
    const char *advisories;     /* JSON array text, e.g. "[\"INTEL-SA-00001\"]" */
};

#define SIM_PCK_CA_SERIAL 0x2001
#define SIM_PCK_SERIAL 0x3001

static EVP_PKEY *sim_key(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static X509_NAME *sim_name(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"OutLayer Development", -1, -1, 0);
    return n;
}

static void sim_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
}

/* DER helpers for the SGX extension */
static size_t sim_tlv(uint8_t *out, uint8_t tag, const uint8_t *v, size_t len)
{
    size_t n = 0;
    out[n++] = tag;
    if (len < 0x80) {
        out[n++] = (uint8_t)len;
    } else if (len < 0x100) {
        out[n++] = 0x81;
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = 0x82;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    }
    memmove(out + n, v, len);
    return n + len;
}

static const uint8_t SIM_SGX_OID[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};

/* SEQUENCE { OID(base ++ sub), value } */
static size_t sim_entry(uint8_t *out, const uint8_t *sub, size_t sublen, const uint8_t *value_tlv, size_t vlen)
{
    uint8_t tmp[600], oid[20];
    memcpy(oid, SIM_SGX_OID, sizeof SIM_SGX_OID);
    memcpy(oid + sizeof SIM_SGX_OID, sub, sublen);
    size_t n = sim_tlv(tmp, 0x06, oid, sizeof SIM_SGX_OID + sublen);
    memcpy(tmp + n, value_tlv, vlen);
    n += vlen;
    return sim_tlv(out, 0x30, tmp, n);
}

static size_t sim_sgx_extension(const struct simtee *t, uint8_t *out)
{
    uint8_t tcb[1200], item[64], val[32], body[1600];
    size_t tn = 0, bn = 0, vn;
    for (int i = 0; i < 16; i++) {
        uint8_t sub[2] = {2, (uint8_t)(i + 1)};
        uint8_t b = t->cpusvn[i];
        vn = b & 0x80 ? sim_tlv(val, 0x02, (uint8_t[]){0, b}, 2) : sim_tlv(val, 0x02, &b, 1);
        tn += sim_entry(tcb + tn, sub, 2, val, vn);
    }
    uint8_t pce[2] = {(uint8_t)(t->pcesvn >> 8), (uint8_t)t->pcesvn};
    vn = sim_tlv(val, 0x02, pce, 2);
    tn += sim_entry(tcb + tn, (uint8_t[]){2, 17}, 2, val, vn);
    vn = sim_tlv(val, 0x04, t->cpusvn, 16);
    tn += sim_entry(tcb + tn, (uint8_t[]){2, 18}, 2, val, vn);
    uint8_t seq[1300];
    size_t sn = sim_tlv(seq, 0x30, tcb, tn);
    uint8_t ppid[16] = {1, 2, 3};
    vn = sim_tlv(item, 0x04, ppid, 16);
    bn += sim_entry(body + bn, (uint8_t[]){1}, 1, item, vn);
    bn += sim_entry(body + bn, (uint8_t[]){2}, 1, seq, sn);
    vn = sim_tlv(item, 0x04, (uint8_t[]){0, 0}, 2);
    bn += sim_entry(body + bn, (uint8_t[]){3}, 1, item, vn);
    vn = sim_tlv(item, 0x04, t->fmspc, 6);
    bn += sim_entry(body + bn, (uint8_t[]){4}, 1, item, vn);
    return sim_tlv(out, 0x30, body, bn);
}

static X509 *sim_cert(EVP_PKEY *key, const char *cn, long serial, X509 *issuer, EVP_PKEY *issuer_key, bool ca,
                      const struct simtee *sgx_for, int64_t now)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME *name = sim_name(cn);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_time_adj_ex(X509_getm_notBefore(x), -365, 0, (time_t *)&(time_t){(time_t)now});
    X509_time_adj_ex(X509_getm_notAfter(x), 3650, 0, (time_t *)&(time_t){(time_t)now});
    X509_set_pubkey(x, key);
    sim_add_ext(x, issuer ? issuer : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    if (sgx_for) {
        uint8_t der[1700];
        size_t n = sim_sgx_extension(sgx_for, der);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(os, der, (int)n);
        ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
        X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
        ASN1_OBJECT_free(obj);
        ASN1_OCTET_STRING_free(os);
    }
    X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
    X509_NAME_free(name);
    return x;
}

static void sim_init(struct simtee *t, int64_t now)
{
    memset(t, 0, sizeof *t);
    t->now = now;
    static const uint8_t fmspc[6] = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};
    memcpy(t->fmspc, fmspc, 6);
    for (int i = 0; i < 16; i++)
        t->cpusvn[i] = (uint8_t)(i < 8 ? 3 : 0);
    t->pcesvn = 13;
    t->tcb_status = "UpToDate";
    t->advisories = "[]";
    t->root_key = sim_key();
    t->pck_ca_key = sim_key();
    t->pck_key = sim_key();
    t->tcb_key = sim_key();
    t->att_key = sim_key();
    t->root = sim_cert(t->root_key, "OutLayer Dev SGX Root CA", 0x1001, NULL, NULL, true, NULL, now);
    t->pck_ca = sim_cert(t->pck_ca_key, "OutLayer Dev PCK Platform CA", SIM_PCK_CA_SERIAL, t->root, t->root_key, true,
                         NULL, now);
    t->pck = sim_cert(t->pck_key, "OutLayer Dev PCK Certificate", SIM_PCK_SERIAL, t->pck_ca, t->pck_ca_key, false, t,
                      now);
    t->tcb = sim_cert(t->tcb_key, "OutLayer Dev TCB Signing", 0x4001, t->root, t->root_key, false, NULL, now);
}

static void sim_free(struct simtee *t)
{
    EVP_PKEY *keys[] = {t->root_key, t->pck_ca_key, t->pck_key, t->tcb_key, t->att_key};
    for (int i = 0; i < 5; i++)
        EVP_PKEY_free(keys[i]);
    X509_free(t->root);
    X509_free(t->pck_ca);
    X509_free(t->pck);
    X509_free(t->tcb);
}

/* Raw r||s ECDSA-SHA256 signature. */
static void sim_sign(EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t out[64])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t der[80];
    size_t dlen = sizeof der;
    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k);
    EVP_DigestSign(ctx, der, &dlen, msg, len);
    EVP_MD_CTX_free(ctx);
    const uint8_t *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    BN_bn2binpad(r, out, 32);
    BN_bn2binpad(s, out + 32, 32);
    ECDSA_SIG_free(sig);
}

static void sim_pub(EVP_PKEY *k, uint8_t out[64])
{
    uint8_t buf[65];
    size_t len = sizeof buf;
    EVP_PKEY_get_octet_string_param(k, "pub", buf, sizeof buf, &len);
    memcpy(out, buf + 1, 64);
}

static size_t sim_der(X509 *x, uint8_t *out)
{
    uint8_t *p = out;
    return (size_t)i2d_X509(x, &p);
}

static char *sim_pem(X509 *const *certs, int n)
{
    BIO *b = BIO_new(BIO_s_mem());
    for (int i = 0; i < n; i++)
        PEM_write_bio_X509(b, certs[i]);
    char *data;
    long len = BIO_get_mem_data(b, &data);
    char *out = malloc((size_t)len + 1);
    memcpy(out, data, (size_t)len);
    out[len] = 0;
    BIO_free(b);
    return out;
}

static char *sim_crl_hex(X509 *issuer, EVP_PKEY *key, long revoked_serial, int64_t now)
{
    X509_CRL *crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
    ASN1_TIME *t1 = ASN1_TIME_adj(NULL, (time_t)now, -1, 0), *t2 = ASN1_TIME_adj(NULL, (time_t)now, 30, 0);
    X509_CRL_set1_lastUpdate(crl, t1);
    X509_CRL_set1_nextUpdate(crl, t2);
    long serials[2] = {0x777, revoked_serial};
    for (int i = 0; i < 2; i++) {
        if (!serials[i])
            continue;
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *s = ASN1_INTEGER_new();
        ASN1_INTEGER_set(s, serials[i]);
        X509_REVOKED_set_serialNumber(r, s);
        X509_REVOKED_set_revocationDate(r, t1);
        X509_CRL_add0_revoked(crl, r);
        ASN1_INTEGER_free(s);
    }
    X509_CRL_sort(crl);
    X509_CRL_sign(crl, key, EVP_sha256());
    uint8_t *der = NULL;
    int n = i2d_X509_CRL(crl, &der);
    char *hex = malloc(2 * (size_t)n + 1);
    for (int i = 0; i < n; i++)
        sprintf(hex + 2 * i, "%02x", der[i]);
    OPENSSL_free(der);
    ASN1_TIME_free(t1);
    ASN1_TIME_free(t2);
    X509_CRL_free(crl);
    return hex;
}

static void sim_iso(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void sim_hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

/* JSON string escaping for embedding the signed documents. */
static void sim_json_str(char **w, const char *s)
{
    *(*w)++ = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            *(*w)++ = '\\';
        if (*s == '\n') {
            *(*w)++ = '\\';
            *(*w)++ = 'n';
            continue;
        }
        *(*w)++ = *s;
    }
    *(*w)++ = '"';
}

#define SIM_QE_MRSIGNER "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5"

/* The collateral JSON (QuoteCollateralV3 shape), valid for 30 days from now. */
static char *sim_collateral(const struct simtee *t)
{
    char issue[32], next[32], fmspc[13];
    sim_iso(t->now - 3600, issue);
    sim_iso(t->now + 30 * 86400, next);
    sim_hex(t->fmspc, 6, fmspc);
    char comps[400] = "", tdx[400] = "";
    for (int i = 0; i < 16; i++) {
        char c[24];
        snprintf(c, sizeof c, "%s{\"svn\":%d}", i ? "," : "", t->cpusvn[i]);
        strcat(comps, c);
        snprintf(c, sizeof c, "%s{\"svn\":%d}", i ? "," : "", i < 3 ? 2 : 0);
        strcat(tdx, c);
    }
    char *tcb_info = malloc(4096), *qe = malloc(2048);
    snprintf(tcb_info, 4096,
             "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\",\"fmspc\":\"%s\","
             "\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":1,\"tcbLevels\":[{\"tcb\":{"
             "\"sgxtcbcomponents\":[%s],\"pcesvn\":%d,\"tdxtcbcomponents\":[%s]},\"tcbDate\":\"%s\","
             "\"tcbStatus\":\"%s\",\"advisoryIDs\":%s}]}",
             issue, next, fmspc, comps, t->pcesvn, tdx, issue, t->tcb_status, t->advisories);
    snprintf(qe, 2048,
             "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\",\"tcbEvaluationDataNumber\":1,"
             "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\",\"attributes\":"
             "\"11000000000000000000000000000000\",\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
             "\"mrsigner\":\"" SIM_QE_MRSIGNER "\",\"isvprodid\":2,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},"
             "\"tcbDate\":\"%s\",\"tcbStatus\":\"UpToDate\"}]}",
             issue, next, issue);
    uint8_t sig[64];
    char tcb_sig[129], qe_sig[129];
    sim_sign(t->tcb_key, (const uint8_t *)tcb_info, strlen(tcb_info), sig);
    sim_hex(sig, 64, tcb_sig);
    sim_sign(t->tcb_key, (const uint8_t *)qe, strlen(qe), sig);
    sim_hex(sig, 64, qe_sig);
    X509 *tcb_chain[2] = {t->tcb, t->root}, *pck_chain[2] = {t->pck_ca, t->root};
    char *tcb_pem = sim_pem(tcb_chain, 2), *pck_pem = sim_pem(pck_chain, 2);
    char *root_crl = sim_crl_hex(t->root, t->root_key, t->revoked_root_serial, t->now);
    char *pck_crl = sim_crl_hex(t->pck_ca, t->pck_ca_key, t->revoked_pck_serial, t->now);
    char *out = malloc(64 * 1024), *w = out;
    w += sprintf(w, "{\"pck_crl_issuer_chain\":");
    sim_json_str(&w, pck_pem);
    w += sprintf(w, ",\"root_ca_crl\":\"%s\",\"pck_crl\":\"%s\",\"tcb_info_issuer_chain\":", root_crl, pck_crl);
    sim_json_str(&w, tcb_pem);
    w += sprintf(w, ",\"tcb_info\":");
    sim_json_str(&w, tcb_info);
    w += sprintf(w, ",\"tcb_info_signature\":\"%s\",\"qe_identity_issuer_chain\":", tcb_sig);
    sim_json_str(&w, tcb_pem);
    w += sprintf(w, ",\"qe_identity\":");
    sim_json_str(&w, qe);
    w += sprintf(w, ",\"qe_identity_signature\":\"%s\"}", qe_sig);
    free(tcb_info);
    free(qe);
    free(tcb_pem);
    free(pck_pem);
    free(root_crl);
    free(pck_crl);
    return out;
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

/* A v4 TDX quote: measurements[5][48] = MRTD, RTMR0..3; report_data 64;
 * td_attributes as the little-endian u64 of the report. Returns the length. */
static size_t sim_quote_v(const struct simtee *t, int version, const uint8_t measurements[5][48],
                          const uint8_t report_data[64], uint64_t td_attributes, uint8_t mr_service_td_byte,
                          uint8_t **out)
{
    uint8_t *q = calloc(1, 8192);
    put16(q, (uint16_t)version);
    put16(q + 2, 2);
    put32(q + 4, 0x81);
    put16(q + 8, 4);
    put16(q + 10, t->pcesvn);
    /* v5: u16 body type 3 (TD 1.5), u32 body size 648 */
    size_t body_off = version == 5 ? 54 : 48, body_len = version == 5 ? 648 : 584;
    if (version == 5) {
        put16(q + 48, 3);
        put32(q + 50, 648);
    }
    uint8_t *b = q + body_off;
    if (version == 5)
        memset(b + 600, mr_service_td_byte, 48); /* MRSERVICETD */
    for (int i = 0; i < 16; i++)
        b[i] = (uint8_t)(i < 3 ? 3 : 0); /* tee_tcb_svn */
    for (int i = 0; i < 8; i++)
        b[120 + i] = (uint8_t)(td_attributes >> (8 * i));
    memcpy(b + 136, measurements[0], 48);
    for (int i = 0; i < 4; i++)
        memcpy(b + 328 + 48 * i, measurements[i + 1], 48);
    memcpy(b + 520, report_data, 64);
    size_t signed_len = body_off + body_len;
    uint8_t *s = q + signed_len + 4;
    uint8_t att_pub[64];
    sim_pub(t->att_key, att_pub);
    sim_sign(t->att_key, q, signed_len, s);
    memcpy(s + 64, att_pub, 64);
    uint8_t *cd = s + 128;
    put16(cd, 6);
    uint8_t *qe = cd + 6;
    memcpy(qe, t->cpusvn, 16);
    qe[48] = 0x11;
    uint8_t mrsigner[32];
    for (int i = 0; i < 32; i++)
        sscanf(SIM_QE_MRSIGNER + 2 * i, "%2hhx", &mrsigner[i]);
    memcpy(qe + 128, mrsigner, 32);
    put16(qe + 256, 2);
    put16(qe + 258, 4);
    uint8_t auth[32];
    for (int i = 0; i < 32; i++)
        auth[i] = (uint8_t)i;
    uint8_t bind_in[96];
    memcpy(bind_in, att_pub, 64);
    memcpy(bind_in + 64, auth, 32);
    SHA256(bind_in, 96, qe + 320);
    sim_sign(t->pck_key, qe, 384, qe + 384);
    uint8_t *a = qe + 448;
    put16(a, 32);
    memcpy(a + 2, auth, 32);
    uint8_t *c5 = a + 34;
    put16(c5, 5);
    X509 *chain[3] = {t->pck, t->pck_ca, t->root};
    char *pem = sim_pem(chain, 3);
    size_t pem_len = strlen(pem);
    put32(c5 + 2, (uint32_t)pem_len);
    memcpy(c5 + 6, pem, pem_len);
    free(pem);
    size_t cert_data = 384 + 64 + 34 + 6 + pem_len;
    put32(cd + 2, (uint32_t)cert_data);
    size_t sig_len = 128 + 6 + cert_data;
    put32(q + signed_len, (uint32_t)sig_len);
    *out = q;
    return signed_len + 4 + sig_len;
}

static size_t sim_quote(const struct simtee *t, const uint8_t measurements[5][48], const uint8_t report_data[64],
                        uint64_t td_attributes, uint8_t **out)
{
    return sim_quote_v(t, 4, measurements, report_data, td_attributes, 0, out);
}

#define SIM_TD_ATTRIBUTES_OK (1ull << 28) /* SEPT_VE_DISABLE */

#endif
