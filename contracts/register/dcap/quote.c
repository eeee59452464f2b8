/* quote.c — TDX quote parsing (Intel TDX DCAP quote formats v4 and v5).
 *
 * v4: header(48) | TD 1.0 report(584) | u32 sig_len | signature data
 * v5: header(48) | u16 body_type | u32 body_size | body (TD 1.0 584 or
 *     TD 1.5 648) | u32 sig_len | signature data
 * signature data: quote sig(64) | attestation key(64) | u16 cert type (6)
 *     | u32 size | QE report(384) | QE report sig(64) | u16 auth len | auth
 *     | u16 cert type (5) | u32 size | PEM chain
 * Each nested size must fit its container exactly; only zero padding may
 * follow the signature data. */
#include "dcap.h"
#include "mem.h"

struct rd {
    const uint8_t *p;
    size_t len;
};

static bool take(struct rd *r, size_t n, const uint8_t **out)
{
    if (r->len < n)
        return false;
    *out = r->p;
    r->p += n;
    r->len -= n;
    return true;
}

static bool u16le(struct rd *r, uint16_t *v)
{
    const uint8_t *p;
    if (!take(r, 2, &p))
        return false;
    *v = (uint16_t)(p[0] | p[1] << 8);
    return true;
}

static bool u32le(struct rd *r, uint32_t *v)
{
    const uint8_t *p;
    if (!take(r, 4, &p))
        return false;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return true;
}

static void split_td_report(const uint8_t *b, bool td15, struct td_report *t)
{
    t->tee_tcb_svn = b;
    t->mr_seam = b + 16;
    t->mr_signer_seam = b + 64;
    t->seam_attributes = b + 112;
    t->td_attributes = b + 120;
    t->xfam = b + 128;
    t->mr_td = b + 136;
    t->mr_config_id = b + 184;
    t->mr_owner = b + 232;
    t->mr_owner_config = b + 280;
    for (int i = 0; i < 4; i++)
        t->rtmr[i] = b + 328 + 48 * i;
    t->report_data = b + 520;
    t->tee_tcb_svn2 = td15 ? b + 584 : NULL;
    t->mr_service_td = td15 ? b + 600 : NULL;
}

bool tdx_quote_parse(const uint8_t *q, size_t len, struct tdx_quote *out, struct dcap_err *e)
{
    memset(out, 0, sizeof *out);
    struct rd r = {q, len};
    const uint8_t *hdr, *body;
    uint16_t tee_lo, tee_hi;
    if (!take(&r, QUOTE_HEADER_LEN, &hdr))
        return dcap_fail(e, "quote: truncated header", NULL, NULL);
    struct rd h = {hdr, QUOTE_HEADER_LEN};
    u16le(&h, &out->version);
    u16le(&h, &out->att_key_type);
    u16le(&h, &tee_lo);
    u16le(&h, &tee_hi);
    u16le(&h, &out->qe_svn);
    u16le(&h, &out->pce_svn);
    out->qe_vendor_id = hdr + 12;
    if (out->version != 4 && out->version != 5)
        return dcap_fail(e, "quote: unsupported version (4 and 5 are)", NULL, NULL);
    if (out->att_key_type != 2)
        return dcap_fail(e, "quote: attestation key type is not ECDSA P-256", NULL, NULL);
    if (tee_lo != TDX_TEE_TYPE || tee_hi != 0)
        return dcap_fail(e, "quote: not a TDX quote (tee_type != 0x81)", NULL, NULL);
    size_t body_len = TD10_REPORT_LEN;
    out->body_type = 2;
    if (out->version == 5) {
        uint32_t size;
        if (!u16le(&r, &out->body_type) || !u32le(&r, &size))
            return dcap_fail(e, "quote: truncated v5 body descriptor", NULL, NULL);
        if (out->body_type == 2)
            body_len = TD10_REPORT_LEN;
        else if (out->body_type == 3)
            body_len = TD15_REPORT_LEN;
        else
            return dcap_fail(e, "quote: v5 body is not a TD report (type 2 or 3)", NULL, NULL);
        if (size != body_len)
            return dcap_fail(e, "quote: v5 body size does not match its type", NULL, NULL);
    }
    if (!take(&r, body_len, &body))
        return dcap_fail(e, "quote: truncated TD report", NULL, NULL);
    split_td_report(body, out->body_type == 3, &out->td);
    out->signed_data.p = q;
    out->signed_data.len = (size_t)(r.p - q);

    uint32_t sig_len;
    if (!u32le(&r, &sig_len) || sig_len > r.len)
        return dcap_fail(e, "quote: signature data length exceeds the quote", NULL, NULL);
    /* Quotes from some QGS builds carry zero padding after the signature
     * data; anything else there is refused. */
    for (size_t i = sig_len; i < r.len; i++)
        if (r.p[i] != 0)
            return dcap_fail(e, "quote: non-zero bytes after the signature data", NULL, NULL);
    struct rd s = {r.p, sig_len};
    uint16_t cert_type;
    uint32_t cert_size;
    if (!take(&s, 64, &out->quote_sig) || !take(&s, 64, &out->att_key))
        return dcap_fail(e, "quote: truncated signature", NULL, NULL);
    if (!u16le(&s, &cert_type) || !u32le(&s, &cert_size) || cert_size != s.len)
        return dcap_fail(e, "quote: bad certification data size", NULL, NULL);
    if (cert_type != 6)
        return dcap_fail(e, "quote: certification data is not a QE report (type 6)", NULL, NULL);
    uint16_t auth_len;
    const uint8_t *auth, *chain;
    if (!take(&s, SGX_REPORT_LEN, &out->qe_report) || !take(&s, 64, &out->qe_report_sig) || !u16le(&s, &auth_len) ||
        !take(&s, auth_len, &auth))
        return dcap_fail(e, "quote: truncated QE report certification data", NULL, NULL);
    out->qe_auth.p = auth;
    out->qe_auth.len = auth_len;
    if (!u16le(&s, &cert_type) || !u32le(&s, &cert_size) || cert_size != s.len)
        return dcap_fail(e, "quote: bad PCK certification data size", NULL, NULL);
    if (cert_type != 5)
        return dcap_fail(e, "quote: PCK certification data is not a PEM chain (type 5)", NULL, NULL);
    take(&s, cert_size, &chain);
    out->pck_chain_pem.p = chain;
    out->pck_chain_pem.len = cert_size;
    return true;
}
