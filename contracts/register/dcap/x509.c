/* x509.c — the subset of X.509 that DCAP needs: P-256 certificates signed
 * with ecdsa-with-SHA256, CRLs, and Intel's SGX extension. Anything else
 * (another key type or signature algorithm) is refused, not skipped. */
#include "dcap.h"
#include "mem.h"

static const uint8_t OID_ECDSA_SHA256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t OID_EC_PUBKEY[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t OID_P256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_BASIC_CONSTRAINTS[] = {0x55, 0x1d, 0x13};
static const uint8_t OID_KEY_USAGE[] = {0x55, 0x1d, 0x0f};
static const uint8_t OID_SGX[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};

bool dcap_fail(struct dcap_err *e, const char *a, const char *b, const char *c)
{
    if (!e)
        return false;
    size_t n = 0;
    const char *parts[3] = {a, b, c};
    for (int i = 0; i < 3; i++)
        for (const char *s = parts[i]; s && *s && n + 1 < sizeof e->msg; s++)
            e->msg[n++] = *s;
    e->msg[n] = 0;
    return false;
}

static bool oid_is(struct der oid, const uint8_t *want, size_t len)
{
    return oid.len == len && memcmp(oid.p, want, len) == 0;
}

/* AlgorithmIdentifier must be ecdsa-with-SHA256 (no parameters). */
static bool alg_is_ecdsa_sha256(struct der *in)
{
    struct der alg, oid;
    if (!der_expect(in, DER_SEQUENCE, &alg, NULL) || !der_expect(&alg, DER_OID, &oid, NULL))
        return false;
    return oid_is(oid, OID_ECDSA_SHA256, sizeof OID_ECDSA_SHA256) && alg.len == 0;
}

/* signatureAlgorithm + signatureValue (BIT STRING wrapping an ECDSA-Sig-Value). */
static bool read_signature(struct der *in, uint8_t sig[64])
{
    struct der bits;
    if (!alg_is_ecdsa_sha256(in) || !der_expect(in, DER_BIT_STRING, &bits, NULL) || in->len != 0)
        return false;
    if (bits.len < 1 || bits.p[0] != 0)
        return false;
    struct der inner = {bits.p + 1, bits.len - 1};
    return der_ecdsa_sig(inner, sig);
}

static bool read_time(struct der *in, int64_t *out)
{
    uint8_t tag;
    struct der c;
    return der_next(in, &tag, &c, NULL) && dcap_asn1_time(tag, c, out);
}

static bool read_spki(struct der *in, uint8_t pub[64])
{
    struct der spki, alg, oid, curve, bits;
    if (!der_expect(in, DER_SEQUENCE, &spki, NULL) || !der_expect(&spki, DER_SEQUENCE, &alg, NULL) ||
        !der_expect(&alg, DER_OID, &oid, NULL) || !oid_is(oid, OID_EC_PUBKEY, sizeof OID_EC_PUBKEY) ||
        !der_expect(&alg, DER_OID, &curve, NULL) || !oid_is(curve, OID_P256, sizeof OID_P256) || alg.len != 0 ||
        !der_expect(&spki, DER_BIT_STRING, &bits, NULL) || spki.len != 0)
        return false;
    /* unused-bits 0, uncompressed point 04 || x || y */
    if (bits.len != 66 || bits.p[0] != 0 || bits.p[1] != 0x04)
        return false;
    memcpy(pub, bits.p + 2, 64);
    return true;
}

static bool read_extensions(struct der exts, struct x509_cert *c)
{
    struct der list;
    if (!der_expect(&exts, DER_SEQUENCE, &list, NULL) || exts.len != 0)
        return false;
    while (list.len) {
        struct der ext, oid, val, crit;
        if (!der_expect(&list, DER_SEQUENCE, &ext, NULL) || !der_expect(&ext, DER_OID, &oid, NULL))
            return false;
        bool critical = der_expect(&ext, DER_BOOLEAN, &crit, NULL) && crit.len == 1 && crit.p[0] != 0;
        if (!der_expect(&ext, DER_OCTET_STRING, &val, NULL) || ext.len != 0)
            return false;
        /* RFC 5280: a critical extension we do not understand rejects the
         * certificate (key usage is understood as "not narrower than what
         * the chain checks need"). */
        if (critical && !oid_is(oid, OID_BASIC_CONSTRAINTS, sizeof OID_BASIC_CONSTRAINTS) &&
            !oid_is(oid, OID_KEY_USAGE, sizeof OID_KEY_USAGE))
            return false;
        if (oid_is(oid, OID_BASIC_CONSTRAINTS, sizeof OID_BASIC_CONSTRAINTS)) {
            struct der bc, ca;
            if (!der_expect(&val, DER_SEQUENCE, &bc, NULL))
                return false;
            if (der_expect(&bc, DER_BOOLEAN, &ca, NULL))
                c->is_ca = ca.len == 1 && ca.p[0] != 0;
        } else if (oid_is(oid, OID_SGX, sizeof OID_SGX)) {
            c->sgx_ext = val;
        }
    }
    return true;
}

bool x509_parse(const uint8_t *der, size_t len, struct x509_cert *c, struct dcap_err *e)
{
    memset(c, 0, sizeof *c);
    struct der in = {der, len}, cert, tbs, ver, alg_copy, validity;
    if (!der_expect(&in, DER_SEQUENCE, &cert, NULL) || in.len != 0)
        return dcap_fail(e, "certificate: not a DER SEQUENCE", NULL, NULL);
    if (!der_expect(&cert, DER_SEQUENCE, &tbs, &c->tbs))
        return dcap_fail(e, "certificate: bad tbsCertificate", NULL, NULL);
    if (!read_signature(&cert, c->sig))
        return dcap_fail(e, "certificate: signature is not ecdsa-with-SHA256", NULL, NULL);
    der_expect(&tbs, 0xa0, &ver, NULL); /* [0] version, optional */
    if (!der_expect(&tbs, DER_INTEGER, &c->serial, NULL) || c->serial.len == 0 || c->serial.len > X509_SERIAL_MAX)
        return dcap_fail(e, "certificate: bad serial number", NULL, NULL);
    alg_copy = tbs;
    if (!alg_is_ecdsa_sha256(&alg_copy))
        return dcap_fail(e, "certificate: tbs algorithm is not ecdsa-with-SHA256", NULL, NULL);
    tbs = alg_copy;
    struct der tmp;
    if (!der_expect(&tbs, DER_SEQUENCE, &tmp, &c->issuer))
        return dcap_fail(e, "certificate: bad issuer", NULL, NULL);
    if (!der_expect(&tbs, DER_SEQUENCE, &validity, NULL) || !read_time(&validity, &c->not_before) ||
        !read_time(&validity, &c->not_after) || validity.len != 0)
        return dcap_fail(e, "certificate: bad validity", NULL, NULL);
    if (!der_expect(&tbs, DER_SEQUENCE, &tmp, &c->subject))
        return dcap_fail(e, "certificate: bad subject", NULL, NULL);
    if (!read_spki(&tbs, c->pub))
        return dcap_fail(e, "certificate: public key is not P-256", NULL, NULL);
    der_expect(&tbs, 0x81, &tmp, NULL); /* issuerUniqueID */
    der_expect(&tbs, 0x82, &tmp, NULL); /* subjectUniqueID */
    struct der exts;
    if (der_expect(&tbs, 0xa3, &exts, NULL) && !read_extensions(exts, c))
        return dcap_fail(e, "certificate: bad extensions", NULL, NULL);
    if (tbs.len != 0)
        return dcap_fail(e, "certificate: trailing data in tbsCertificate", NULL, NULL);
    return true;
}

bool x509_names_chain(const struct x509_cert *c, const struct x509_cert *issuer)
{
    return c->issuer.len == issuer->subject.len && memcmp(c->issuer.p, issuer->subject.p, c->issuer.len) == 0;
}

bool x509_issued_by(const struct x509_cert *c, const struct x509_cert *issuer)
{
    if (!x509_names_chain(c, issuer))
        return false;
    return p256_verify_raw(issuer->pub, c->tbs.p, c->tbs.len, c->sig);
}

/* One revokedCertificates entry: SEQUENCE { serial, time, [extensions] }. */
static bool read_revoked_entry(struct der *list, struct der *serial)
{
    struct der entry, ext;
    int64_t when;
    if (!der_expect(list, DER_SEQUENCE, &entry, NULL) || !der_expect(&entry, DER_INTEGER, serial, NULL) ||
        serial->len == 0 || !read_time(&entry, &when))
        return false;
    if (entry.len && (!der_expect(&entry, DER_SEQUENCE, &ext, NULL) || entry.len != 0))
        return false;
    return true;
}

bool x509_crl_parse(const uint8_t *der, size_t len, struct x509_crl *crl, struct dcap_err *e)
{
    memset(crl, 0, sizeof *crl);
    struct der in = {der, len}, outer, tbs, ver, tmp;
    if (!der_expect(&in, DER_SEQUENCE, &outer, NULL) || in.len != 0)
        return dcap_fail(e, "CRL: not a DER SEQUENCE", NULL, NULL);
    if (!der_expect(&outer, DER_SEQUENCE, &tbs, &crl->tbs))
        return dcap_fail(e, "CRL: bad tbsCertList", NULL, NULL);
    if (!read_signature(&outer, crl->sig))
        return dcap_fail(e, "CRL: signature is not ecdsa-with-SHA256", NULL, NULL);
    der_expect(&tbs, DER_INTEGER, &ver, NULL);
    if (!alg_is_ecdsa_sha256(&tbs))
        return dcap_fail(e, "CRL: tbs algorithm is not ecdsa-with-SHA256", NULL, NULL);
    if (!der_expect(&tbs, DER_SEQUENCE, &tmp, &crl->issuer) || !read_time(&tbs, &crl->this_update))
        return dcap_fail(e, "CRL: bad issuer or thisUpdate", NULL, NULL);
    if (tbs.len && (tbs.p[0] == DER_UTC_TIME || tbs.p[0] == DER_GENERALIZED_TIME) &&
        !read_time(&tbs, &crl->next_update))
        return dcap_fail(e, "CRL: bad nextUpdate", NULL, NULL);
    if (der_expect(&tbs, DER_SEQUENCE, &crl->revoked, NULL)) {
        struct der list = crl->revoked, serial;
        while (list.len)
            if (!read_revoked_entry(&list, &serial))
                return dcap_fail(e, "CRL: bad revoked certificate entry", NULL, NULL);
    }
    if (tbs.len && (!der_expect(&tbs, 0xa0, &tmp, NULL) || tbs.len != 0))
        return dcap_fail(e, "CRL: trailing data in tbsCertList", NULL, NULL);
    return true;
}

bool x509_crl_lists(const struct x509_crl *crl, struct der serial)
{
    struct der list = crl->revoked, s;
    while (list.len) {
        if (!read_revoked_entry(&list, &s))
            return false;
        if (s.len == serial.len && memcmp(s.p, serial.p, s.len) == 0)
            return true;
    }
    return false;
}

/* ---- Intel SGX extension ---- */
bool sgx_ext_parse(struct der ext, struct sgx_ext *out, struct dcap_err *e)
{
    memset(out, 0, sizeof *out);
    struct der list;
    bool have_tcb = false, have_fmspc = false, have_pceid = false;
    if (!der_expect(&ext, DER_SEQUENCE, &list, NULL) || ext.len != 0)
        return dcap_fail(e, "PCK certificate: bad SGX extension", NULL, NULL);
    while (list.len) {
        struct der item, oid;
        uint8_t tag;
        struct der val;
        if (!der_expect(&list, DER_SEQUENCE, &item, NULL) || !der_expect(&item, DER_OID, &oid, NULL) ||
            !der_next(&item, &tag, &val, NULL) || item.len != 0)
            return dcap_fail(e, "PCK certificate: bad SGX extension entry", NULL, NULL);
        if (oid.len != sizeof OID_SGX + 1 || memcmp(oid.p, OID_SGX, sizeof OID_SGX) != 0)
            continue;
        uint8_t which = oid.p[sizeof OID_SGX];
        if (which == 2 && tag == DER_SEQUENCE) {
            bool have_cpusvn = false, have_pcesvn = false;
            uint8_t comps_seen = 0;
            while (val.len) {
                struct der comp, coid, cval;
                uint8_t ctag;
                if (!der_expect(&val, DER_SEQUENCE, &comp, NULL) || !der_expect(&comp, DER_OID, &coid, NULL) ||
                    !der_next(&comp, &ctag, &cval, NULL) || comp.len != 0 || coid.len != sizeof OID_SGX + 2 ||
                    memcmp(coid.p, OID_SGX, sizeof OID_SGX) != 0 || coid.p[sizeof OID_SGX] != 2)
                    return dcap_fail(e, "PCK certificate: bad SGX TCB entry", NULL, NULL);
                uint8_t k = coid.p[sizeof OID_SGX + 1];
                uint32_t v;
                if (k >= 1 && k <= 16) {
                    if (ctag != DER_INTEGER || !der_small_uint(cval, &v) || v > 255)
                        return dcap_fail(e, "PCK certificate: bad SGX TCB component", NULL, NULL);
                    out->cpusvn[k - 1] = (uint8_t)v;
                    comps_seen++;
                } else if (k == 17) {
                    if (ctag != DER_INTEGER || !der_small_uint(cval, &v) || v > 65535)
                        return dcap_fail(e, "PCK certificate: bad PCESVN", NULL, NULL);
                    out->pcesvn = v;
                    have_pcesvn = true;
                } else if (k == 18) {
                    if (ctag != DER_OCTET_STRING || cval.len != 16)
                        return dcap_fail(e, "PCK certificate: bad CPUSVN", NULL, NULL);
                    have_cpusvn = true;
                }
            }
            have_tcb = have_cpusvn && have_pcesvn && comps_seen == 16;
        } else if (which == 3 && tag == DER_OCTET_STRING && val.len == 2) {
            memcpy(out->pceid, val.p, 2);
            have_pceid = true;
        } else if (which == 4 && tag == DER_OCTET_STRING && val.len == 6) {
            memcpy(out->fmspc, val.p, 6);
            have_fmspc = true;
        }
    }
    if (!have_tcb)
        return dcap_fail(e, "PCK certificate: SGX extension lacks the TCB", NULL, NULL);
    if (!have_fmspc || !have_pceid)
        return dcap_fail(e, "PCK certificate: SGX extension lacks FMSPC or PCE-ID", NULL, NULL);
    return true;
}
