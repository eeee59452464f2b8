/*
 * sim_collateral.c — collateral for a simulated platform in Intel's
 * QuoteCollateralV3 JSON shape: root CA and PCK CRLs, a TCB info with one
 * level matching the platform, a QE identity, both signed (over their exact
 * JSON text) by the TCB signing key, with their issuer chains in PEM.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tee/sim_internal.h"
#include "tee/tee.h"

static char *pem_chain(X509 *const *certs, int n)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return NULL;
    for (int i = 0; i < n; i++)
        if (!PEM_write_bio_X509(b, certs[i])) {
            BIO_free(b);
            return NULL;
        }
    char *data;
    long len = BIO_get_mem_data(b, &data);
    char *out = malloc((size_t)len + 1);
    if (out) {
        memcpy(out, data, (size_t)len);
        out[len] = 0;
    }
    BIO_free(b);
    return out;
}

char *tee_sim_pem_chain(const tee_sim *t)
{
    X509 *chain[3] = {t->pck, t->pck_ca, t->root};
    return pem_chain(chain, 3);
}

/* A CRL by issuer listing serial 0x777 and revoked_serial (if not 0), valid
 * from now - 1 day to now + 30 days, as hex DER. */
static char *crl_hex(X509 *issuer, EVP_PKEY *key, long revoked_serial, int64_t now)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t1 = ASN1_TIME_adj(NULL, (time_t)now, -1, 0), *t2 = ASN1_TIME_adj(NULL, (time_t)now, 30, 0);
    char *hex = NULL;
    uint8_t *der = NULL;
    if (!crl || !t1 || !t2 || !X509_CRL_set_version(crl, 1) ||
        !X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) || !X509_CRL_set1_lastUpdate(crl, t1) ||
        !X509_CRL_set1_nextUpdate(crl, t2))
        goto out;
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
    if (!X509_CRL_sign(crl, key, EVP_sha256()))
        goto out;
    int n = i2d_X509_CRL(crl, &der);
    if (n > 0)
        hex = tee_hex(der, (size_t)n);
out:
    OPENSSL_free(der);
    ASN1_TIME_free(t1);
    ASN1_TIME_free(t2);
    X509_CRL_free(crl);
    return hex;
}

static void iso(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *tee_sim_collateral(const tee_sim *t, int64_t now)
{
    char issue[32], next[32], sig_hex[129], qe_sig_hex[129];
    iso(now - 3600, issue);
    iso(now + 30 * 86400, next);
    char *fmspc = tee_hex(t->fmspc, 6);
    char comps[400] = "", tdx[400] = "";
    for (int i = 0; i < 16; i++) {
        char c[24];
        snprintf(c, sizeof c, "%s{\"svn\":%d}", i ? "," : "", t->cpusvn[i]);
        strcat(comps, c);
        snprintf(c, sizeof c, "%s{\"svn\":%d}", i ? "," : "", t->tdx_components[i]);
        strcat(tdx, c);
    }
    /* The TDX module: version 0 identity (tdxModule) and TDX_03, the
     * version the quotes carry (tee_tcb_svn[1] = 3, ISVSVN 3). */
    uint8_t signer[48];
    memset(signer, t->module_mrsigner_byte, 48);
    char signer_hex[97];
    tee_hex_into(signer, 48, signer_hex);
    char module[1024];
    snprintf(module, sizeof module,
             "\"tdxModule\":{\"mrsigner\":\"%s\",\"attributes\":\"0000000000000000\",\"attributesMask\":"
             "\"FFFFFFFFFFFFFFFF\"},\"tdxModuleIdentities\":[{\"id\":\"TDX_03\",\"mrsigner\":\"%s\",\"attributes\":"
             "\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\",\"tcbLevels\":[{\"tcb\":{\"isvsvn\":%d},"
             "\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"}]}]",
             signer_hex, signer_hex, t->module_isvsvn, issue, t->module_status ? t->module_status : "UpToDate");
    char tcb_info[5120], qe[2048];
    snprintf(tcb_info, sizeof tcb_info,
             "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\",\"fmspc\":\"%s\","
             "\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":1,%s,\"tcbLevels\":[{\"tcb\":{"
             "\"sgxtcbcomponents\":[%s],\"pcesvn\":%d,\"tdxtcbcomponents\":[%s]},\"tcbDate\":\"%s\","
             "\"tcbStatus\":\"%s\",\"advisoryIDs\":%s}]}",
             issue, next, fmspc ? fmspc : "", module, comps, t->pcesvn, tdx, issue,
             t->tcb_status ? t->tcb_status : "UpToDate", t->advisories ? t->advisories : "[]");
    free(fmspc);
    snprintf(qe, sizeof qe,
             "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\",\"tcbEvaluationDataNumber\":1,"
             "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\",\"attributes\":"
             "\"11000000000000000000000000000000\",\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
             "\"mrsigner\":\"" TEE_SIM_QE_MRSIGNER "\",\"isvprodid\":2,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},"
             "\"tcbDate\":\"%s\",\"tcbStatus\":\"UpToDate\"}]}",
             issue, next, issue);
    uint8_t sig[64];
    if (tee_sim_sign(t->tcb_key, (const uint8_t *)tcb_info, strlen(tcb_info), sig))
        return NULL;
    tee_hex_into(sig, 64, sig_hex);
    if (tee_sim_sign(t->tcb_key, (const uint8_t *)qe, strlen(qe), sig))
        return NULL;
    tee_hex_into(sig, 64, qe_sig_hex);
    X509 *tcb_chain[2] = {t->tcb, t->root}, *pck_chain[2] = {t->pck_ca, t->root};
    char *tcb_pem = pem_chain(tcb_chain, 2), *pck_pem = pem_chain(pck_chain, 2);
    char *root_crl = crl_hex(t->root, t->root_key, t->revoked_root_serial, now);
    char *pck_crl = crl_hex(t->pck_ca, t->pck_ca_key, t->revoked_pck_serial, now);
    char *out = NULL;
    if (tcb_pem && pck_pem && root_crl && pck_crl) {
        /* jansson keeps insertion order and escapes the texts; the
         * signatures are over tcb_info / qe_identity as strings. */
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "pck_crl_issuer_chain", pck_pem,
                              "root_ca_crl", root_crl, "pck_crl", pck_crl, "tcb_info_issuer_chain", tcb_pem, "tcb_info",
                              tcb_info, "tcb_info_signature", sig_hex, "qe_identity_issuer_chain", tcb_pem,
                              "qe_identity", qe, "qe_identity_signature", qe_sig_hex);
        if (j)
            out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(j);
    }
    free(tcb_pem);
    free(pck_pem);
    free(root_crl);
    free(pck_crl);
    return out;
}
