/* dcap.h — Intel TDX (DCAP) quote verification, freestanding C.
 *
 * Used both inside the register contract (wasm32, no libc) and natively
 * (unit tests, fuzzing, tools). Nothing here allocates: parsers return views
 * (pointer + length) into the caller's buffers, and fixed-size structures
 * hold everything else. Every function that reads untrusted bytes checks
 * every length and returns false with a message in a struct dcap_err.
 *
 * Files: p256.c (ECDSA P-256 verify), der.c (DER TLV reader), x509.c
 * (certificates, CRLs, Intel SGX extension), quote.c (TDX quote v4/v5),
 * pem.c (PEM/base64/hex), time.c (ASN.1 / RFC 3339 times),
 * collateral.c + verify.c (the whole DCAP check, uses the SDK's JSON reader),
 * sha256_*.c (SHA-256: the NEAR host function in wasm, libsodium natively). */
#ifndef DCAP_H
#define DCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dcap_err {
    char msg[160];
};
/* Sets e->msg from up to three pieces (any may be NULL); returns false. */
bool dcap_fail(struct dcap_err *e, const char *a, const char *b, const char *c);

struct dcap_bytes {
    const uint8_t *p;
    size_t len;
};

/* ---- SHA-256 (sha256_host.c in wasm, sha256_native.c natively) ---- */
void dcap_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/* ---- P-256 ECDSA (p256.c) ---- */
/* Verifies signature (r, s) — 32-byte big-endian each — over a SHA-256
 * digest with the public key (x, y), 32-byte big-endian each. Rejects
 * r or s outside [1, n-1], keys not on the curve or with coordinates >= p,
 * and a result at infinity. */
bool p256_verify_digest(const uint8_t pub_x[32], const uint8_t pub_y[32], const uint8_t digest[32], const uint8_t r[32],
                        const uint8_t s[32]);
/* Raw 64-byte key (x||y) and signature (r||s) over SHA-256(msg). */
bool p256_verify_raw(const uint8_t pub[64], const uint8_t *msg, size_t msg_len, const uint8_t sig[64]);
/* True when (x, y) is a point of the curve (coordinates < p). */
bool p256_on_curve(const uint8_t x[32], const uint8_t y[32]);

/* ---- DER (der.c) ---- */
struct der {
    const uint8_t *p;
    size_t len;
};
/* Reads one TLV from *in (low-tag-number form, definite length up to 4
 * bytes, content within the input). On success *tag is the identifier
 * octet, *content the value, *whole the full TLV, and *in advances. */
bool der_next(struct der *in, uint8_t *tag, struct der *content, struct der *whole);
/* Reads one TLV that must carry the given tag. */
bool der_expect(struct der *in, uint8_t tag, struct der *content, struct der *whole);
/* A DER INTEGER's content as an unsigned 32-byte big-endian number (false
 * if negative or too large). */
bool der_uint256(struct der content, uint8_t out[32]);
/* A small non-negative INTEGER/ENUMERATED content (<= 2^31-1). */
bool der_small_uint(struct der content, uint32_t *out);
/* An ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) to r||s. */
bool der_ecdsa_sig(struct der in, uint8_t rs[64]);

#define DER_SEQUENCE 0x30
#define DER_SET 0x31
#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL 0x05
#define DER_OID 0x06
#define DER_ENUMERATED 0x0a
#define DER_BOOLEAN 0x01
#define DER_UTC_TIME 0x17
#define DER_GENERALIZED_TIME 0x18

/* ---- times (time.c) ---- */
/* Seconds since the Unix epoch; ASN.1 UTCTime / GeneralizedTime ("Z" only). */
bool dcap_asn1_time(uint8_t tag, struct der content, int64_t *out);
/* RFC 3339 "YYYY-MM-DDThh:mm:ssZ" (fractional seconds allowed, "Z" only). */
bool dcap_rfc3339(const char *s, size_t len, int64_t *out);

/* ---- X.509 (x509.c) ---- */
#define X509_SERIAL_MAX 32
struct x509_cert {
    struct der tbs;     /* the signed bytes (full TLV) */
    uint8_t sig[64];    /* r||s */
    struct der serial;  /* INTEGER content */
    struct der issuer;  /* Name, full TLV */
    struct der subject; /* Name, full TLV */
    int64_t not_before, not_after;
    uint8_t pub[64];    /* P-256 key x||y */
    bool is_ca;         /* basicConstraints cA */
    struct der sgx_ext; /* Intel SGX extension value (content of the OCTET STRING), len 0 if absent */
};
bool x509_parse(const uint8_t *der, size_t len, struct x509_cert *c, struct dcap_err *e);
/* c's issuer name is issuer's subject name (byte-exact). */
bool x509_names_chain(const struct x509_cert *c, const struct x509_cert *issuer);
/* Checks that `issuer` issued `c`: names match and the signature verifies. */
bool x509_issued_by(const struct x509_cert *c, const struct x509_cert *issuer);

struct x509_crl {
    struct der tbs;
    uint8_t sig[64];
    struct der issuer;
    int64_t this_update, next_update; /* next_update 0 if absent */
    struct der revoked;               /* the SEQUENCE OF content (may be empty) */
};
bool x509_crl_parse(const uint8_t *der, size_t len, struct x509_crl *crl, struct dcap_err *e);
/* True when the serial (INTEGER content) is listed. The list was parsed
 * (every entry checked) by x509_crl_parse. */
bool x509_crl_lists(const struct x509_crl *crl, struct der serial);

/* Intel SGX PCK certificate extension (OID 1.2.840.113741.1.13.1). */
struct sgx_ext {
    uint8_t cpusvn[16]; /* the 16 SGX TCB component SVNs */
    uint32_t pcesvn;
    uint8_t fmspc[6];
    uint8_t pceid[2];
};
bool sgx_ext_parse(struct der ext, struct sgx_ext *out, struct dcap_err *e);

/* ---- TDX quotes (quote.c) ---- */
#define TDX_TEE_TYPE 0x81u
#define QUOTE_HEADER_LEN 48
#define TD10_REPORT_LEN 584
#define TD15_REPORT_LEN 648
#define SGX_REPORT_LEN 384

struct td_report {
    const uint8_t *tee_tcb_svn;                               /* 16 */
    const uint8_t *mr_seam;                                   /* 48 */
    const uint8_t *mr_signer_seam;                            /* 48 */
    const uint8_t *seam_attributes;                           /* 8 */
    const uint8_t *td_attributes;                             /* 8 */
    const uint8_t *xfam;                                      /* 8 */
    const uint8_t *mr_td;                                     /* 48 */
    const uint8_t *mr_config_id, *mr_owner, *mr_owner_config; /* 48 each */
    const uint8_t *rtmr[4];                                   /* 48 each */
    const uint8_t *report_data;                               /* 64 */
    const uint8_t *tee_tcb_svn2;                              /* TD 1.5 only, else NULL */
    const uint8_t *mr_service_td;                             /* TD 1.5 only, else NULL */
};

struct tdx_quote {
    uint16_t version;      /* 4 or 5 */
    uint16_t att_key_type; /* 2 = ECDSA P-256 */
    uint16_t qe_svn, pce_svn;
    const uint8_t *qe_vendor_id; /* 16 */
    uint16_t body_type;          /* 2 = TD 1.0, 3 = TD 1.5 (v4: always 2) */
    struct td_report td;
    struct der signed_data;       /* header + (v5 body descriptor) + report */
    const uint8_t *quote_sig;     /* 64 */
    const uint8_t *att_key;       /* 64 */
    const uint8_t *qe_report;     /* 384 */
    const uint8_t *qe_report_sig; /* 64 */
    struct der qe_auth;
    struct der pck_chain_pem; /* certification data type 5 */
};
bool tdx_quote_parse(const uint8_t *q, size_t len, struct tdx_quote *out, struct dcap_err *e);

/* ---- PEM / base64 / hex (pem.c) ---- */
/* Decodes the next "-----BEGIN CERTIFICATE-----" block of *pem into out
 * (at most cap bytes); advances *pem. Returns false at the end or on error
 * (*error set when the failure is an error rather than the end). */
bool pem_next_cert(struct der *pem, uint8_t *out, size_t cap, size_t *out_len, bool *error);
/* Hex decode exactly len chars (even) into out (cap bytes). */
bool dcap_hex_decode(const char *hex, size_t len, uint8_t *out, size_t cap, size_t *out_len);
void dcap_hex_encode(const uint8_t *in, size_t len, char *out); /* writes 2*len chars + NUL */

#endif
