/* verify.c — DCAP verification of a TDX quote (see verify.h).
 *
 * Order of checks: quote structure; collateral fields; root certificate and
 * root CA CRL; PCK chain from the quote (to the root, time-valid, not
 * revoked); PCK CRL (issued by the PCK chain's intermediate); TCB info and
 * QE identity (issuer chains to the root, signatures over their exact JSON
 * text, validity window at now); QE report signature (PCK key) and its
 * binding of the attestation key; quote signature (attestation key);
 * FMSPC/PCE-ID; TCB level matching; QE identity matching; TD attributes. */
#include "verify.h"
#include "json.h"
#include "mem.h"

#define CERT_MAX 2048
#define CHAIN_MAX 4

/* ---- JSON access that never panics ---- */
static const struct jr_value *get(const struct jr_value *obj, const char *key)
{
    if (!obj || obj->type != JR_OBJECT)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < obj->count; i++)
        if (obj->keys[i].len == klen && memcmp(obj->keys[i].s, key, klen) == 0)
            return &obj->items[i];
    return NULL;
}

static const struct jr_value *get_str(const struct jr_value *obj, const char *key)
{
    const struct jr_value *v = get(obj, key);
    return v && v->type == JR_STRING ? v : NULL;
}

static bool get_u32(const struct jr_value *obj, const char *key, uint32_t *out)
{
    const struct jr_value *v = get(obj, key);
    if (!v || v->type != JR_NUMBER || v->len == 0 || v->len > 9)
        return false;
    uint32_t n = 0;
    for (size_t i = 0; i < v->len; i++) {
        if (v->text[i] < '0' || v->text[i] > '9')
            return false;
        n = n * 10 + (uint32_t)(v->text[i] - '0');
    }
    *out = n;
    return true;
}

static bool get_time(const struct jr_value *obj, const char *key, int64_t *out)
{
    const struct jr_value *v = get_str(obj, key);
    return v && dcap_rfc3339(v->text, v->len, out);
}

static bool get_hex(const struct jr_value *obj, const char *key, uint8_t *out, size_t want)
{
    const struct jr_value *v = get_str(obj, key);
    size_t n;
    return v && dcap_hex_decode(v->text, v->len, out, want, &n) && n == want;
}

static void copy_str(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap)
        len = cap - 1;
    memcpy(dst, src, len);
    dst[len] = 0;
}

/* ---- certificates ---- */
struct chain {
    uint8_t der[CHAIN_MAX][CERT_MAX];
    size_t len[CHAIN_MAX];
    struct x509_cert cert[CHAIN_MAX];
    size_t n;
};

static bool time_ok(const struct x509_cert *c, int64_t now) { return c->not_before <= now && now <= c->not_after; }

/* Parses a PEM chain (leaf first) and verifies it up to the trusted root:
 * each certificate issued by the next, the last one issued by root (it may
 * be the root itself), every one valid at now, CAs above the leaf, and none
 * listed in the root CA CRL. */
static bool chain_verify(const char *what, struct der pem, const struct x509_cert *root, const uint8_t *root_der,
                         size_t root_len, const struct x509_crl *root_crl, int64_t now, bool sigs, struct chain *ch,
                         struct dcap_err *e)
{
    ch->n = 0;
    bool error = false;
    while (ch->n < CHAIN_MAX && pem_next_cert(&pem, ch->der[ch->n], CERT_MAX, &ch->len[ch->n], &error)) {
        struct dcap_err pe;
        if (!x509_parse(ch->der[ch->n], ch->len[ch->n], &ch->cert[ch->n], &pe))
            return dcap_fail(e, what, ": ", pe.msg);
        ch->n++;
    }
    if (error || ch->n == CHAIN_MAX)
        return dcap_fail(e, what, ": malformed PEM certificate chain", NULL);
    if (ch->n < 2)
        return dcap_fail(e, what, ": chain needs at least two certificates", NULL);
    size_t top = ch->n - 1;
    bool top_is_root = ch->len[top] == root_len && memcmp(ch->der[top], root_der, root_len) == 0;
    size_t last = top_is_root ? top - 1 : top;
    for (size_t i = 0; i <= last; i++) {
        const struct x509_cert *issuer = i == last ? root : &ch->cert[i + 1];
        if (!x509_names_chain(&ch->cert[i], issuer) || (sigs && !x509_issued_by(&ch->cert[i], issuer)))
            return dcap_fail(e, what, ": certificate signature does not verify up to the trusted root", NULL);
        if (!time_ok(&ch->cert[i], now))
            return dcap_fail(e, what, ": certificate not valid at this time", NULL);
        if (i > 0 && !ch->cert[i].is_ca)
            return dcap_fail(e, what, ": issuer certificate is not a CA", NULL);
        if (x509_crl_lists(root_crl, ch->cert[i].serial))
            return dcap_fail(e, what, ": certificate revoked by the root CA CRL", NULL);
    }
    return true;
}

static bool crl_check(const char *what, const struct x509_crl *crl, const struct x509_cert *issuer, int64_t now,
                      bool sigs, struct dcap_err *e)
{
    if (crl->issuer.len != issuer->subject.len || memcmp(crl->issuer.p, issuer->subject.p, crl->issuer.len) != 0)
        return dcap_fail(e, what, ": not issued by the expected CA", NULL);
    if (sigs && !p256_verify_raw(issuer->pub, crl->tbs.p, crl->tbs.len, crl->sig))
        return dcap_fail(e, what, ": signature invalid", NULL);
    if (now < crl->this_update || (crl->next_update && now > crl->next_update))
        return dcap_fail(e, what, ": expired or not yet valid", NULL);
    return true;
}

/* A signed JSON document (TCB info or QE identity): its issuer chain to the
 * root, the signature over the exact text, the id/version and the
 * issueDate..nextUpdate window. Returns the parsed JSON. */
static const struct jr_value *signed_json(const char *what, const struct jr_value *coll, const char *text_key,
                                          const char *sig_key, const char *chain_key, const struct x509_cert *root,
                                          const uint8_t *root_der, size_t root_len, const struct x509_crl *root_crl,
                                          int64_t now, bool sigs, struct chain *ch, int64_t *expires,
                                          struct dcap_err *e)
{
    const struct jr_value *text = get_str(coll, text_key), *pem = get_str(coll, chain_key);
    uint8_t sig[64];
    if (!text || !pem)
        return dcap_fail(e, "collateral: missing ", text ? chain_key : text_key, NULL), NULL;
    if (!get_hex(coll, sig_key, sig, 64))
        return dcap_fail(e, "collateral: ", sig_key, " must be 64 bytes of hex"), NULL;
    struct der pem_der = {(const uint8_t *)pem->text, pem->len};
    if (!chain_verify(what, pem_der, root, root_der, root_len, root_crl, now, sigs, ch, e))
        return NULL;
    if (sigs && !p256_verify_raw(ch->cert[0].pub, (const uint8_t *)text->text, text->len, sig))
        return dcap_fail(e, what, ": signature invalid", NULL), NULL;
    const char *err = NULL;
    const struct jr_value *doc = jr_parse((const uint8_t *)text->text, text->len, &err);
    if (!doc || doc->type != JR_OBJECT)
        return dcap_fail(e, what, ": not a JSON object", NULL), NULL;
    int64_t issued, next;
    if (!get_time(doc, "issueDate", &issued) || !get_time(doc, "nextUpdate", &next))
        return dcap_fail(e, what, ": bad issueDate/nextUpdate", NULL), NULL;
    if (now < issued)
        return dcap_fail(e, what, ": not yet valid (issueDate is after now)", NULL), NULL;
    if (now > next)
        return dcap_fail(e, what, ": expired (nextUpdate is before now)", NULL), NULL;
    if (next < *expires)
        *expires = next;
    return doc;
}

/* ---- TCB levels ---- */
static bool svn_array(const struct jr_value *arr, uint8_t out[16])
{
    if (!arr || arr->type != JR_ARRAY || arr->count != 16)
        return false;
    for (size_t i = 0; i < 16; i++) {
        uint32_t v;
        if (!get_u32(&arr->items[i], "svn", &v) || v > 255)
            return false;
        out[i] = (uint8_t)v;
    }
    return true;
}

static void join_advisories(const struct jr_value *level, char *out, size_t cap)
{
    out[0] = 0;
    const struct jr_value *ids = get(level, "advisoryIDs");
    if (!ids || ids->type != JR_ARRAY)
        return;
    size_t n = 0;
    for (size_t i = 0; i < ids->count; i++) {
        const struct jr_value *id = &ids->items[i];
        if (id->type != JR_STRING)
            continue;
        if (n + id->len + 2 >= cap - 4) {
            memcpy(out + n, "...", 4);
            return;
        }
        if (n)
            out[n++] = ',';
        memcpy(out + n, id->text, id->len);
        n += id->len;
        out[n] = 0;
    }
}

static bool match_tcb_level(const struct jr_value *tcb_info, const struct sgx_ext *pck, const uint8_t *tee_tcb_svn,
                            struct dcap_verified *out, struct dcap_err *e)
{
    const struct jr_value *levels = get(tcb_info, "tcbLevels");
    if (!levels || levels->type != JR_ARRAY)
        return dcap_fail(e, "TCB info: no tcbLevels", NULL, NULL);
    for (size_t i = 0; i < levels->count; i++) {
        const struct jr_value *lvl = &levels->items[i], *tcb = get(lvl, "tcb"), *st = get_str(lvl, "tcbStatus");
        uint8_t sgx[16], tdx[16];
        uint32_t pcesvn;
        if (!tcb || !st || !svn_array(get(tcb, "sgxtcbcomponents"), sgx) ||
            !svn_array(get(tcb, "tdxtcbcomponents"), tdx) || !get_u32(tcb, "pcesvn", &pcesvn))
            return dcap_fail(e, "TCB info: malformed TCB level", NULL, NULL);
        bool ok = pck->pcesvn >= pcesvn;
        for (int k = 0; k < 16 && ok; k++)
            ok = pck->cpusvn[k] >= sgx[k];
        /* Intel's rule: with a TDX module version (tee_tcb_svn[1]) above 0,
         * components 0 and 1 (module ISVSVN and version) are judged by the
         * TDX module identity instead (match_tdx_module). */
        for (int k = tee_tcb_svn[1] > 0 ? 2 : 0; k < 16 && ok; k++)
            ok = tee_tcb_svn[k] >= tdx[k];
        if (ok) {
            copy_str(out->platform_status, sizeof out->platform_status, st->text, st->len);
            join_advisories(lvl, out->advisory_ids, sizeof out->advisory_ids);
            return true;
        }
    }
    return dcap_fail(e, "TCB info: no TCB level matches the platform (status unknown)", NULL, NULL);
}

/* QE identity: MRSIGNER, ISVPRODID, MISCSELECT and ATTRIBUTES under their
 * masks, then the TCB level by ISVSVN. */
static bool match_qe_identity(const struct jr_value *qe, const uint8_t *report, struct dcap_verified *out,
                              struct dcap_err *e)
{
    uint8_t mrsigner[32], misc[4], misc_mask[4], attr[16], attr_mask[16];
    uint32_t prodid;
    if (!get_hex(qe, "mrsigner", mrsigner, 32) || !get_hex(qe, "miscselect", misc, 4) ||
        !get_hex(qe, "miscselectMask", misc_mask, 4) || !get_hex(qe, "attributes", attr, 16) ||
        !get_hex(qe, "attributesMask", attr_mask, 16) || !get_u32(qe, "isvprodid", &prodid))
        return dcap_fail(e, "QE identity: malformed", NULL, NULL);
    if (memcmp(report + 128, mrsigner, 32) != 0)
        return dcap_fail(e, "QE identity: MRSIGNER does not match the QE report", NULL, NULL);
    if ((uint32_t)(report[256] | report[257] << 8) != prodid)
        return dcap_fail(e, "QE identity: ISVPRODID does not match the QE report", NULL, NULL);
    /* MISCSELECT is a little-endian u32 in the report, big-endian hex in JSON */
    for (int i = 0; i < 4; i++)
        if ((report[16 + i] & misc_mask[3 - i]) != misc[3 - i])
            return dcap_fail(e, "QE identity: MISCSELECT does not match", NULL, NULL);
    for (int i = 0; i < 16; i++)
        if ((report[48 + i] & attr_mask[i]) != attr[i])
            return dcap_fail(e, "QE identity: ATTRIBUTES do not match", NULL, NULL);
    uint32_t isvsvn = (uint32_t)(report[258] | report[259] << 8);
    const struct jr_value *levels = get(qe, "tcbLevels");
    if (!levels || levels->type != JR_ARRAY)
        return dcap_fail(e, "QE identity: no tcbLevels", NULL, NULL);
    for (size_t i = 0; i < levels->count; i++) {
        const struct jr_value *lvl = &levels->items[i], *st = get_str(lvl, "tcbStatus");
        uint32_t want;
        if (!st || !get_u32(get(lvl, "tcb"), "isvsvn", &want))
            return dcap_fail(e, "QE identity: malformed TCB level", NULL, NULL);
        if (isvsvn >= want) {
            copy_str(out->qe_status, sizeof out->qe_status, st->text, st->len);
            return true;
        }
    }
    return dcap_fail(e, "QE identity: no TCB level matches the QE's ISVSVN", NULL, NULL);
}

/* The TDX module (TCB info v3 `tdxModule` / `tdxModuleIdentities`, Intel's
 * TdxModuleCheck): module version tee_tcb_svn[1] = 0 is checked against
 * tdxModule; version v > 0 against the identity "TDX_<v as 2 hex digits>",
 * whose TCB level is the first with isvsvn <= tee_tcb_svn[0]. Both check
 * MRSIGNERSEAM and SEAMATTRIBUTES (under the mask). */
static bool match_tdx_module(const struct jr_value *tcb_info, const struct td_report *td, struct dcap_verified *out,
                             struct dcap_err *e)
{
    const struct jr_value *module = get(tcb_info, "tdxModule");
    if (!module)
        return dcap_fail(e, "TCB info: no tdxModule", NULL, NULL);
    uint8_t version = td->tee_tcb_svn[1], isvsvn = td->tee_tcb_svn[0];
    char want_id[8] = {'T', 'D', 'X', '_', "0123456789ABCDEF"[version >> 4], "0123456789ABCDEF"[version & 15], 0};
    if (version > 0) {
        const struct jr_value *ids = get(tcb_info, "tdxModuleIdentities");
        module = NULL;
        for (size_t i = 0; ids && ids->type == JR_ARRAY && i < ids->count && !module; i++) {
            const struct jr_value *id = get_str(&ids->items[i], "id");
            if (id && id->len == 6 &&
                (memcmp(id->text, want_id, 6) == 0 ||
                 /* hex digits in either case */
                 (memcmp(id->text, want_id, 4) == 0 && (id->text[4] | 0x20) == (want_id[4] | 0x20) &&
                  (id->text[5] | 0x20) == (want_id[5] | 0x20))))
                module = &ids->items[i];
        }
        if (!module)
            return dcap_fail(e, "TDX module: no identity ", want_id, " in the TCB info");
    }
    uint8_t mrsigner[48], attr[8], mask[8];
    if (!get_hex(module, "mrsigner", mrsigner, 48) || !get_hex(module, "attributes", attr, 8) ||
        !get_hex(module, "attributesMask", mask, 8))
        return dcap_fail(e, "TDX module: malformed identity", NULL, NULL);
    if (memcmp(td->mr_signer_seam, mrsigner, 48) != 0)
        return dcap_fail(e, "TDX module: MRSIGNERSEAM does not match ", version ? want_id : "tdxModule", NULL);
    for (int i = 0; i < 8; i++)
        if ((td->seam_attributes[i] & mask[i]) != attr[i])
            return dcap_fail(e, "TDX module: SEAM attributes do not match ", version ? want_id : "tdxModule", NULL);
    if (version == 0) {
        copy_str(out->module_status, sizeof out->module_status, "UpToDate", 8);
        return true;
    }
    const struct jr_value *levels = get(module, "tcbLevels");
    for (size_t i = 0; levels && levels->type == JR_ARRAY && i < levels->count; i++) {
        const struct jr_value *lvl = &levels->items[i], *st = get_str(lvl, "tcbStatus");
        uint32_t min;
        if (!st || !get_u32(get(lvl, "tcb"), "isvsvn", &min))
            return dcap_fail(e, "TDX module: malformed TCB level", NULL, NULL);
        if (isvsvn >= min) {
            copy_str(out->module_status, sizeof out->module_status, st->text, st->len);
            return true;
        }
    }
    return dcap_fail(e, "TDX module: no TCB level of ", want_id, " matches the module's ISVSVN");
}

static bool streq(const char *a, const char *b) { return strlen(a) == strlen(b) && memcmp(a, b, strlen(a)) == 0; }

/* Intel's combination of the platform TCB status with the QE's. */
static void combine_status(struct dcap_verified *out)
{
    const char *p = out->platform_status, *q = out->qe_status, *r = p;
    if (streq(q, "Revoked") || streq(p, "Revoked"))
        r = "Revoked";
    else if (streq(q, "OutOfDate"))
        r = streq(p, "ConfigurationNeeded") || streq(p, "ConfigurationAndSWHardeningNeeded") ||
                    streq(p, "OutOfDateConfigurationNeeded")
                ? "OutOfDateConfigurationNeeded"
                : "OutOfDate";
    else if (!streq(q, "UpToDate"))
        r = "Unknown";
    /* then the TDX module's status (Intel's convergence) */
    const char *m = out->module_status;
    if (streq(m, "Revoked"))
        r = "Revoked";
    else if (streq(m, "OutOfDate") && (streq(r, "UpToDate") || streq(r, "SWHardeningNeeded")))
        r = "OutOfDate";
    else if (streq(m, "OutOfDate") &&
             (streq(r, "ConfigurationNeeded") || streq(r, "ConfigurationAndSWHardeningNeeded")))
        r = "OutOfDateConfigurationNeeded";
    else if (!streq(m, "UpToDate") && !streq(m, "OutOfDate") && !streq(r, "Revoked"))
        r = "Unknown";
    copy_str(out->tcb_status, sizeof out->tcb_status, r, strlen(r));
}

/* TD attributes (little-endian u64): TUD byte (debug + reserved) clear;
 * SEC bits 8..27 reserved clear, 28 SEPT_VE_DISABLE set, 29 reserved,
 * 30 PKS and 31 KL clear. */
static bool td_attributes_ok(const uint8_t *a, struct dcap_err *e)
{
    uint32_t lo = (uint32_t)a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 | (uint32_t)a[3] << 24;
    if (lo & 0xff)
        return dcap_fail(e, "TD attributes: debug (TUD) bits set", NULL, NULL);
    if (lo & 0x0fffff00u)
        return dcap_fail(e, "TD attributes: reserved SEC bits set", NULL, NULL);
    if (!(lo & (1u << 28)))
        return dcap_fail(e, "TD attributes: SEPT_VE_DISABLE not set", NULL, NULL);
    if (lo & 0xe0000000u)
        return dcap_fail(e, "TD attributes: PKS, KL or reserved bit set", NULL, NULL);
    return true;
}

/* The collateral, parsed and (when sigs) signature-checked to the root. */
struct collateral {
    const struct jr_value *json, *tcb_info, *qe_id;
    struct x509_cert root;
    struct x509_crl root_crl, pck_crl;
    struct chain pck_issuer, tcb, qe;
    uint8_t root_crl_der[1024], pck_crl_der[16384];
};

static bool hex_field(const struct jr_value *coll, const char *key, uint8_t *out, size_t cap, size_t *len,
                      struct dcap_err *e)
{
    const struct jr_value *v = get_str(coll, key);
    if (!v)
        return dcap_fail(e, "collateral: missing ", key, NULL);
    if (!dcap_hex_decode(v->text, v->len, out, cap, len))
        return dcap_fail(e, "collateral: bad hex in ", key, NULL);
    return true;
}

static void note_expiry(int64_t *expires, int64_t t)
{
    if (t && t < *expires)
        *expires = t;
}

/* Root certificate, root CA CRL, PCK CRL with its issuer chain, TCB info and
 * QE identity with their issuer chains: parsed, time-checked at now, and
 * (when sigs) every signature verified up to the root. The trust anchor is
 * configuration, so its self-signature proves nothing and is not checked. */
static bool load_collateral(struct collateral *c, const uint8_t *json, size_t json_len, const uint8_t *root_der,
                            size_t root_len, int64_t now, bool sigs, int64_t *expires, struct dcap_err *e)
{
    const char *err = NULL;
    c->json = jr_parse(json, json_len, &err);
    if (!c->json || c->json->type != JR_OBJECT)
        return dcap_fail(e, "collateral: not a JSON object", NULL, NULL);
    struct dcap_err pe;
    if (!x509_parse(root_der, root_len, &c->root, &pe))
        return dcap_fail(e, "trusted root: ", pe.msg, NULL);
    if (!time_ok(&c->root, now))
        return dcap_fail(e, "trusted root: not valid at this time", NULL, NULL);
    size_t root_crl_len, pck_crl_len;
    if (!hex_field(c->json, "root_ca_crl", c->root_crl_der, sizeof c->root_crl_der, &root_crl_len, e) ||
        !hex_field(c->json, "pck_crl", c->pck_crl_der, sizeof c->pck_crl_der, &pck_crl_len, e))
        return false;
    if (!x509_crl_parse(c->root_crl_der, root_crl_len, &c->root_crl, &pe))
        return dcap_fail(e, "root CA ", pe.msg, NULL);
    if (!crl_check("root CA CRL", &c->root_crl, &c->root, now, sigs, e))
        return false;
    note_expiry(expires, c->root_crl.next_update);

    const struct jr_value *pem = get_str(c->json, "pck_crl_issuer_chain");
    if (!pem)
        return dcap_fail(e, "collateral: missing pck_crl_issuer_chain", NULL, NULL);
    struct der pem_der = {(const uint8_t *)pem->text, pem->len};
    if (!chain_verify("PCK CRL issuer chain", pem_der, &c->root, root_der, root_len, &c->root_crl, now, sigs,
                      &c->pck_issuer, e))
        return false;
    if (!x509_crl_parse(c->pck_crl_der, pck_crl_len, &c->pck_crl, &pe))
        return dcap_fail(e, "PCK ", pe.msg, NULL);
    if (!crl_check("PCK CRL", &c->pck_crl, &c->pck_issuer.cert[0], now, sigs, e))
        return false;
    note_expiry(expires, c->pck_crl.next_update);

    c->tcb_info = signed_json("TCB info", c->json, "tcb_info", "tcb_info_signature", "tcb_info_issuer_chain", &c->root,
                              root_der, root_len, &c->root_crl, now, sigs, &c->tcb, expires, e);
    if (!c->tcb_info)
        return false;
    c->qe_id = signed_json("QE identity", c->json, "qe_identity", "qe_identity_signature", "qe_identity_issuer_chain",
                           &c->root, root_der, root_len, &c->root_crl, now, sigs, &c->qe, expires, e);
    return c->qe_id != NULL;
}

bool dcap_verify_collateral(const uint8_t *collateral_json, size_t collateral_len, const uint8_t *root_der,
                            size_t root_len, int64_t now, int64_t *expires, struct dcap_err *e)
{
    struct collateral *c = sdk_alloc(sizeof *c);
    *expires = INT64_MAX;
    return load_collateral(c, collateral_json, collateral_len, root_der, root_len, now, true, expires, e);
}

/* The PCK chain in the quote: leaf, then the PCK CA that must be the very
 * certificate the PCK CRL issuer chain verified, then optionally the root
 * itself. */
static bool pck_chain(const struct tdx_quote *q, const struct collateral *c, const uint8_t *root_der, size_t root_len,
                      int64_t now, struct chain *ch, struct dcap_err *e)
{
    ch->n = 0;
    bool error = false;
    struct der pem = q->pck_chain_pem;
    while (ch->n < CHAIN_MAX && pem_next_cert(&pem, ch->der[ch->n], CERT_MAX, &ch->len[ch->n], &error)) {
        struct dcap_err pe;
        if (!x509_parse(ch->der[ch->n], ch->len[ch->n], &ch->cert[ch->n], &pe))
            return dcap_fail(e, "PCK chain: ", pe.msg, NULL);
        ch->n++;
    }
    if (error || ch->n == CHAIN_MAX)
        return dcap_fail(e, "PCK chain: malformed PEM certificate chain", NULL, NULL);
    if (ch->n < 2)
        return dcap_fail(e, "PCK chain: needs the PCK certificate and its CA", NULL, NULL);
    if (ch->len[1] != c->pck_issuer.len[0] || memcmp(ch->der[1], c->pck_issuer.der[0], ch->len[1]) != 0)
        return dcap_fail(e, "PCK chain: its CA is not the PCK CRL issuer of the collateral", NULL, NULL);
    if (ch->n == 3 && (ch->len[2] != root_len || memcmp(ch->der[2], root_der, root_len) != 0))
        return dcap_fail(e, "PCK chain: does not end at the trusted root", NULL, NULL);
    if (ch->n > 3)
        return dcap_fail(e, "PCK chain: too many certificates", NULL, NULL);
    const struct x509_cert *leaf = &ch->cert[0];
    if (!x509_issued_by(leaf, &ch->cert[1]))
        return dcap_fail(e, "PCK chain: certificate signature does not verify up to the trusted root", NULL, NULL);
    if (!time_ok(leaf, now))
        return dcap_fail(e, "PCK chain: certificate not valid at this time", NULL, NULL);
    if (x509_crl_lists(&c->pck_crl, leaf->serial))
        return dcap_fail(e, "PCK certificate revoked by the PCK CRL", NULL, NULL);
    return true;
}

static bool verify_quote(const uint8_t *quote, size_t quote_len, const uint8_t *collateral_json, size_t collateral_len,
                         const uint8_t *root_der, size_t root_len, int64_t now, bool collateral_sigs,
                         struct dcap_verified *out, struct dcap_err *e)
{
    memset(out, 0, sizeof *out);
    out->collateral_expires = INT64_MAX;
    struct tdx_quote *q = &out->quote;
    if (!tdx_quote_parse(quote, quote_len, q, e))
        return false;
    struct collateral *c = sdk_alloc(sizeof *c);
    if (!load_collateral(c, collateral_json, collateral_len, root_der, root_len, now, collateral_sigs,
                         &out->collateral_expires, e))
        return false;
    struct chain *pck = sdk_alloc(sizeof *pck);
    if (!pck_chain(q, c, root_der, root_len, now, pck, e))
        return false;
    const struct x509_cert *leaf = &pck->cert[0];
    struct sgx_ext ext;
    if (leaf->sgx_ext.len == 0)
        return dcap_fail(e, "PCK certificate: no SGX extension", NULL, NULL);
    if (!sgx_ext_parse(leaf->sgx_ext, &ext, e))
        return false;
    memcpy(out->fmspc, ext.fmspc, 6);

    /* QE report, attestation key binding, quote signature */
    if (!p256_verify_raw(leaf->pub, q->qe_report, SGX_REPORT_LEN, q->qe_report_sig))
        return dcap_fail(e, "QE report signature invalid (PCK key)", NULL, NULL);
    uint8_t binding[32];
    uint8_t *tmp = sdk_alloc(64 + q->qe_auth.len);
    memcpy(tmp, q->att_key, 64);
    memcpy(tmp + 64, q->qe_auth.p, q->qe_auth.len);
    dcap_sha256(tmp, 64 + q->qe_auth.len, binding);
    if (memcmp(binding, q->qe_report + 320, 32) != 0)
        return dcap_fail(e, "QE report does not bind the attestation key", NULL, NULL);
    for (int i = 32; i < 64; i++)
        if (q->qe_report[320 + i] != 0)
            return dcap_fail(e, "QE report data: upper half not zero", NULL, NULL);
    if (!p256_verify_raw(q->att_key, q->signed_data.p, q->signed_data.len, q->quote_sig))
        return dcap_fail(e, "quote signature invalid (attestation key)", NULL, NULL);

    /* TCB info identity and platform match */
    const struct jr_value *id = get_str(c->tcb_info, "id");
    uint32_t version;
    if (!id || id->len != 3 || memcmp(id->text, "TDX", 3) != 0 || !get_u32(c->tcb_info, "version", &version) ||
        version < 3)
        return dcap_fail(e, "TCB info: not TDX TCB info version 3", NULL, NULL);
    uint8_t fmspc[6], pceid[2];
    if (!get_hex(c->tcb_info, "fmspc", fmspc, 6) || memcmp(fmspc, ext.fmspc, 6) != 0)
        return dcap_fail(e, "TCB info: FMSPC does not match the PCK certificate", NULL, NULL);
    if (!get_hex(c->tcb_info, "pceId", pceid, 2) || memcmp(pceid, ext.pceid, 2) != 0)
        return dcap_fail(e, "TCB info: PCE-ID does not match the PCK certificate", NULL, NULL);
    const struct jr_value *qid = get_str(c->qe_id, "id");
    if (!qid || qid->len != 5 || memcmp(qid->text, "TD_QE", 5) != 0)
        return dcap_fail(e, "QE identity: not a TD_QE identity", NULL, NULL);
    if (!match_tcb_level(c->tcb_info, &ext, q->td.tee_tcb_svn, out, e))
        return false;
    if (!match_qe_identity(c->qe_id, q->qe_report, out, e))
        return false;
    if (!match_tdx_module(c->tcb_info, &q->td, out, e))
        return false;
    combine_status(out);
    if (!td_attributes_ok(q->td.td_attributes, e))
        return false;
    if (q->td.mr_service_td)
        for (int i = 0; i < 48; i++)
            if (q->td.mr_service_td[i])
                return dcap_fail(e, "TD 1.5 report: MRSERVICETD is not zero", NULL, NULL);
    return true;
}

bool dcap_verify(const uint8_t *quote, size_t quote_len, const uint8_t *collateral_json, size_t collateral_len,
                 const uint8_t *root_der, size_t root_len, int64_t now, struct dcap_verified *out, struct dcap_err *e)
{
    return verify_quote(quote, quote_len, collateral_json, collateral_len, root_der, root_len, now, true, out, e);
}

bool dcap_verify_with_verified_collateral(const uint8_t *quote, size_t quote_len, const uint8_t *collateral_json,
                                          size_t collateral_len, const uint8_t *root_der, size_t root_len, int64_t now,
                                          struct dcap_verified *out, struct dcap_err *e)
{
    return verify_quote(quote, quote_len, collateral_json, collateral_len, root_der, root_len, now, false, out, e);
}

bool dcap_status_allowed(const char *status, const char *allowed)
{
    size_t n = strlen(status);
    const char *p = allowed;
    while (*p) {
        const char *end = p;
        while (*end && *end != ',')
            end++;
        if ((size_t)(end - p) == n && memcmp(p, status, n) == 0)
            return true;
        p = *end ? end + 1 : end;
    }
    return false;
}
