/*
 * sim_platform.c — the simulated platform's keys and certificates: made
 * with OpenSSL, saved to and loaded from a directory of PEM files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tee/tee.h"

static EVP_PKEY *sim_key(void) { return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); }

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* ---- Intel's SGX extension (1.2.840.113741.1.13.1), DER by hand ---- */
static size_t tlv(uint8_t *out, uint8_t tag, const uint8_t *v, size_t len)
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

static const uint8_t SGX_OID[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};

/* SEQUENCE { OID(SGX_OID ++ sub), value } */
static size_t entry(uint8_t *out, const uint8_t *sub, size_t sublen, const uint8_t *value_tlv, size_t vlen)
{
    uint8_t tmp[600], oid[20];
    memcpy(oid, SGX_OID, sizeof SGX_OID);
    memcpy(oid + sizeof SGX_OID, sub, sublen);
    size_t n = tlv(tmp, 0x06, oid, sizeof SGX_OID + sublen);
    memcpy(tmp + n, value_tlv, vlen);
    n += vlen;
    return tlv(out, 0x30, tmp, n);
}

static size_t sgx_extension(const tee_sim *t, uint8_t *out)
{
    uint8_t tcb[1200], item[64], val[32], body[1600];
    size_t tn = 0, bn = 0, vn;
    for (int i = 0; i < 16; i++) {
        uint8_t sub[2] = {2, (uint8_t)(i + 1)};
        uint8_t b = t->cpusvn[i];
        vn = b & 0x80 ? tlv(val, 0x02, (uint8_t[]){0, b}, 2) : tlv(val, 0x02, &b, 1);
        tn += entry(tcb + tn, sub, 2, val, vn);
    }
    uint8_t pce[2] = {(uint8_t)(t->pcesvn >> 8), (uint8_t)t->pcesvn};
    vn = tlv(val, 0x02, pce, 2);
    tn += entry(tcb + tn, (uint8_t[]){2, 17}, 2, val, vn);
    vn = tlv(val, 0x04, t->cpusvn, 16);
    tn += entry(tcb + tn, (uint8_t[]){2, 18}, 2, val, vn);
    uint8_t seq[1300];
    size_t sn = tlv(seq, 0x30, tcb, tn);
    uint8_t ppid[16] = {1, 2, 3};
    vn = tlv(item, 0x04, ppid, 16);
    bn += entry(body + bn, (uint8_t[]){1}, 1, item, vn);
    bn += entry(body + bn, (uint8_t[]){2}, 1, seq, sn);
    vn = tlv(item, 0x04, (uint8_t[]){0, 0}, 2);
    bn += entry(body + bn, (uint8_t[]){3}, 1, item, vn);
    vn = tlv(item, 0x04, t->fmspc, 6);
    bn += entry(body + bn, (uint8_t[]){4}, 1, item, vn);
    return tlv(out, 0x30, body, bn);
}

static int add_sgx_extension(X509 *x, const tee_sim *t)
{
    uint8_t der[1700];
    size_t n = sgx_extension(t, der);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
    X509_EXTENSION *ext = NULL;
    int ok = os && obj && ASN1_OCTET_STRING_set(os, der, (int)n) &&
             (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OBJECT_free(obj);
    ASN1_OCTET_STRING_free(os);
    return ok ? 0 : -1;
}

/* A certificate for key, issued by issuer (NULL = self-signed). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, long serial, X509 *issuer, EVP_PKEY *issuer_key, bool ca,
                       const tee_sim *sgx_for, int64_t now)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    if (!x || !name)
        goto fail;
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"OutLayer Development", -1, -1, 0);
    time_t tt = (time_t)now;
    if (!X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), serial) ||
        !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
        !X509_time_adj_ex(X509_getm_notBefore(x), -365, 0, &tt) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), 3650, 0, &tt) || !X509_set_pubkey(x, key))
        goto fail;
    if (add_ext(x, issuer ? issuer : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE"))
        goto fail;
    if (sgx_for && add_sgx_extension(x, sgx_for))
        goto fail;
    if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
        goto fail;
    X509_NAME_free(name);
    return x;
fail:
    X509_NAME_free(name);
    X509_free(x);
    return NULL;
}

static void defaults(tee_sim *t, int64_t now)
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
    t->module_status = "UpToDate";
    t->module_isvsvn = 3;
    for (int i = 0; i < 16; i++) {
        t->tee_tcb_svn[i] = (uint8_t)(i < 3 ? 3 : 0);
        t->tdx_components[i] = (uint8_t)(i < 3 ? 2 : 0);
    }
}

int tee_sim_create(tee_sim *t, int64_t now, char *err, size_t errlen)
{
    defaults(t, now);
    t->root_key = sim_key();
    t->pck_ca_key = sim_key();
    t->pck_key = sim_key();
    t->tcb_key = sim_key();
    t->att_key = sim_key();
    if (!t->root_key || !t->pck_ca_key || !t->pck_key || !t->tcb_key || !t->att_key)
        goto fail;
    t->root = make_cert(t->root_key, "OutLayer Dev SGX Root CA", TEE_SIM_ROOT_SERIAL, NULL, NULL, true, NULL, now);
    if (!t->root)
        goto fail;
    t->pck_ca = make_cert(t->pck_ca_key, "OutLayer Dev PCK Platform CA", TEE_SIM_PCK_CA_SERIAL, t->root, t->root_key,
                          true, NULL, now);
    if (!t->pck_ca)
        goto fail;
    t->pck = make_cert(t->pck_key, "OutLayer Dev PCK Certificate", TEE_SIM_PCK_SERIAL, t->pck_ca, t->pck_ca_key, false,
                       t, now);
    t->tcb =
        make_cert(t->tcb_key, "OutLayer Dev TCB Signing", TEE_SIM_TCB_SERIAL, t->root, t->root_key, false, NULL, now);
    if (!t->pck || !t->tcb)
        goto fail;
    return 0;
fail:
    tee_sim_free(t);
    snprintf(err, errlen, "cannot make the simulated platform's keys and certificates (OpenSSL)");
    return -1;
}

void tee_sim_free(tee_sim *t)
{
    EVP_PKEY *keys[] = {t->root_key, t->pck_ca_key, t->pck_key, t->tcb_key, t->att_key};
    for (int i = 0; i < 5; i++)
        EVP_PKEY_free(keys[i]);
    X509_free(t->root);
    X509_free(t->pck_ca);
    X509_free(t->pck);
    X509_free(t->tcb);
    memset(t, 0, sizeof *t);
}

/* ---- files ---- */
static const char *const KEY_FILES[5] = {"root.key", "pck-ca.key", "pck.key", "tcb.key", "attestation.key"};
static const char *const CERT_FILES[4] = {"root.pem", "pck-ca.pem", "pck.pem", "tcb.pem"};

static int write_pem(const char *dir, const char *name, EVP_PKEY *key, X509 *cert, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, key ? 0600 : 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    int ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, cert);
    if (fclose(f) != 0 || !ok) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    return 0;
}

int tee_sim_save(const tee_sim *t, const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    EVP_PKEY *keys[5] = {t->root_key, t->pck_ca_key, t->pck_key, t->tcb_key, t->att_key};
    X509 *certs[4] = {t->root, t->pck_ca, t->pck, t->tcb};
    for (int i = 0; i < 4; i++)
        if (write_pem(dir, CERT_FILES[i], NULL, certs[i], err, errlen))
            return -1;
    /* keys last: their presence marks a complete platform */
    for (int i = 0; i < 5; i++)
        if (write_pem(dir, KEY_FILES[i], keys[i], NULL, err, errlen))
            return -1;
    return 0;
}

static FILE *open_in(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    return f;
}

int tee_sim_load(tee_sim *t, const char *dir, char *err, size_t errlen)
{
    defaults(t, (int64_t)time(NULL));
    EVP_PKEY **keys[5] = {&t->root_key, &t->pck_ca_key, &t->pck_key, &t->tcb_key, &t->att_key};
    X509 **certs[4] = {&t->root, &t->pck_ca, &t->pck, &t->tcb};
    for (int i = 0; i < 5; i++) {
        FILE *f = open_in(dir, KEY_FILES[i], err, errlen);
        if (!f)
            goto fail;
        *keys[i] = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        if (!*keys[i]) {
            snprintf(err, errlen, "%s/%s is not a PEM private key", dir, KEY_FILES[i]);
            goto fail;
        }
    }
    for (int i = 0; i < 4; i++) {
        FILE *f = open_in(dir, CERT_FILES[i], err, errlen);
        if (!f)
            goto fail;
        *certs[i] = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
        if (!*certs[i]) {
            snprintf(err, errlen, "%s/%s is not a PEM certificate", dir, CERT_FILES[i]);
            goto fail;
        }
    }
    /* Each certificate must belong to its key (a mixed-up directory would
     * make quotes that can never verify). */
    EVP_PKEY *cert_keys[4] = {t->root_key, t->pck_ca_key, t->pck_key, t->tcb_key};
    for (int i = 0; i < 4; i++)
        if (X509_check_private_key(*certs[i], cert_keys[i]) != 1) {
            snprintf(err, errlen, "%s/%s does not match %s", dir, CERT_FILES[i], KEY_FILES[i]);
            goto fail;
        }
    return 0;
fail:
    tee_sim_free(t);
    return -1;
}

int tee_sim_open(tee_sim *t, const char *dir, int64_t now, bool *created, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, KEY_FILES[4]);
    if (created)
        *created = false;
    if (access(path, F_OK) == 0)
        return tee_sim_load(t, dir, err, errlen);
    if (tee_sim_create(t, now, err, errlen))
        return -1;
    if (tee_sim_save(t, dir, err, errlen)) {
        tee_sim_free(t);
        return -1;
    }
    if (created)
        *created = true;
    return 0;
}

int tee_sim_root_der(const tee_sim *t, uint8_t **der, size_t *len)
{
    *der = NULL;
    int n = i2d_X509(t->root, der);
    if (n <= 0)
        return -1;
    *len = (size_t)n;
    return 0;
}

char *tee_sim_root_hex(const tee_sim *t)
{
    uint8_t *der;
    size_t n;
    if (tee_sim_root_der(t, &der, &n))
        return NULL;
    char *hex = tee_hex(der, n);
    OPENSSL_free(der);
    return hex;
}
