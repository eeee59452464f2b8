/* test_dcap_quote.c — DCAP verification of the real Intel-signed TDX quotes
 * in tests/register/data (see README-samples.md there): the good quote
 * verifies as UpToDate inside its collateral window with the right
 * measurements; expired collateral, flipped bytes, truncation, a wrong root,
 * tampered collateral and the outdated platform are each refused with a
 * specific message. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dcap_test_util.h"
#include "mem.h"
#include "verify.h"

static uint8_t *quote, *coll, *root, *old_quote, *old_coll;
static size_t quote_len, coll_len, root_len, old_quote_len, old_coll_len;
static int64_t in_window, old_in_window;

static int setup(void **state)
{
    (void)state;
    quote = tu_slurp("tdx_quote", &quote_len);
    coll = tu_slurp("tdx_quote_collateral.json", &coll_len);
    root = tu_slurp("TrustedRootCA.der", &root_len);
    old_quote = tu_slurp("tdx_quote_outdated", &old_quote_len);
    old_coll = tu_slurp("tdx_quote_outdated_collateral.json", &old_coll_len);
    in_window = tu_time("2025-06-25T12:00:00Z");
    old_in_window = tu_time("2026-03-01T12:00:00Z");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(quote);
    free(coll);
    free(root);
    free(old_quote);
    free(old_coll);
    sdk_mem_release_all();
    return 0;
}

static bool run(const uint8_t *q, size_t ql, const uint8_t *c, size_t cl, const uint8_t *r, size_t rl, int64_t now,
                struct dcap_verified *v, struct dcap_err *e)
{
    bool ok = dcap_verify(q, ql, c, cl, r, rl, now, v, e);
    sdk_mem_release_all();
    return ok;
}

static void expect_fail(const uint8_t *q, size_t ql, const uint8_t *c, size_t cl, int64_t now, const char *msg)
{
    struct dcap_verified v;
    struct dcap_err e = {{0}};
    bool ok = run(q, ql, c, cl, root, root_len, now, &v, &e);
    if (ok || !strstr(e.msg, msg))
        fail_msg("expected failure containing \"%s\", got ok=%d \"%s\"", msg, ok, e.msg);
}

static void test_good_quote_verifies(void **state)
{
    (void)state;
    struct dcap_verified v;
    struct dcap_err e = {{0}};
    if (!run(quote, quote_len, coll, coll_len, root, root_len, in_window, &v, &e))
        fail_msg("verify: %s", e.msg);
    assert_string_equal(v.tcb_status, "UpToDate");
    assert_string_equal(v.platform_status, "UpToDate");
    assert_string_equal(v.qe_status, "UpToDate");
    assert_string_equal(v.module_status, "UpToDate"); /* TDX_01, ISVSVN 6 >= 4 */
    assert_string_equal(v.advisory_ids, "");
    static const uint8_t fmspc[6] = {0xb0, 0xc0, 0x6f, 0, 0, 0};
    assert_memory_equal(v.fmspc, fmspc, 6);
    /* the earliest nextUpdate: the QE identity's */
    assert_int_equal(v.collateral_expires, tu_time("2025-07-19T10:00:35Z"));
    /* measurements at the offsets of the raw v4 layout (spec §11.3) */
    assert_int_equal(v.quote.version, 4);
    assert_int_equal(v.quote.body_type, 2);
    assert_ptr_equal(v.quote.td.mr_td, quote + 48 + 136);
    for (int i = 0; i < 4; i++)
        assert_ptr_equal(v.quote.td.rtmr[i], quote + 48 + 328 + 48 * i);
    assert_ptr_equal(v.quote.td.rtmr[3], quote + 520);
    assert_ptr_equal(v.quote.td.report_data, quote + 568);
    assert_null(v.quote.td.mr_service_td);
    /* MRTD of this sample (independently read with xxd at offset 184) */
    char hex[97];
    dcap_hex_encode(v.quote.td.mr_td, 8, hex);
    char want[17];
    for (int i = 0; i < 8; i++)
        snprintf(want + 2 * i, 3, "%02x", quote[184 + i]);
    assert_string_equal(hex, want);
}

static void test_collateral_window(void **state)
{
    (void)state;
    expect_fail(quote, quote_len, coll, coll_len, tu_time("2025-07-19T10:00:36Z"), "PCK CRL: expired");
    expect_fail(quote, quote_len, coll, coll_len, tu_time("2025-07-19T10:16:04Z"), "expired");
    expect_fail(quote, quote_len, coll, coll_len, tu_time("2026-01-01T00:00:00Z"), "expired");
    expect_fail(quote, quote_len, coll, coll_len, tu_time("2025-06-19T10:16:02Z"), "not yet valid");
    /* the window's edges are inside */
    struct dcap_verified v;
    struct dcap_err e;
    assert_true(run(quote, quote_len, coll, coll_len, root, root_len, tu_time("2025-07-19T10:00:35Z"), &v, &e));
    assert_true(run(quote, quote_len, coll, coll_len, root, root_len, tu_time("2025-06-19T10:32:27Z"), &v, &e));
}

/* Flipping any bit anywhere in the quote must fail: signed header and
 * report, signatures, keys, QE report, auth data, the PCK chain and the
 * zero padding. Stride keeps the test short under ASan. */
static void test_flipped_bytes(void **state)
{
    (void)state;
    uint8_t *q = malloc(quote_len);
    int tried = 0;
    for (size_t i = 0; i < quote_len; i += (i < 640 ? 3 : 23)) {
        memcpy(q, quote, quote_len);
        q[i] ^= (uint8_t)(1u << (i % 8));
        struct dcap_verified v;
        struct dcap_err e = {{0}};
        if (run(q, quote_len, coll, coll_len, root, root_len, in_window, &v, &e))
            fail_msg("flipping byte %zu still verified", i);
        tried++;
    }
    assert_true(tried > 350);
    /* specific messages for the signed regions */
    memcpy(q, quote, quote_len);
    q[568] ^= 1; /* report_data */
    expect_fail(q, quote_len, coll, coll_len, in_window, "quote signature invalid");
    memcpy(q, quote, quote_len);
    q[636 + 134 + 10] ^= 1; /* QE report */
    expect_fail(q, quote_len, coll, coll_len, in_window, "QE report signature invalid");
    memcpy(q, quote, quote_len);
    q[636 + 64 + 5] ^= 1; /* attestation key */
    expect_fail(q, quote_len, coll, coll_len, in_window, "QE report does not bind the attestation key");
    memcpy(q, quote, quote_len);
    q[quote_len - 1] = 1; /* padding */
    expect_fail(q, quote_len, coll, coll_len, in_window, "non-zero bytes after the signature data");
    free(q);
}

static void test_truncated(void **state)
{
    (void)state;
    size_t sig_end = 636 + 4300;
    for (size_t n = 0; n < sig_end; n += (n < 700 ? 1 : 97)) {
        struct dcap_verified v;
        struct dcap_err e = {{0}};
        if (run(quote, n, coll, coll_len, root, root_len, in_window, &v, &e))
            fail_msg("quote truncated to %zu bytes verified", n);
        assert_true(strlen(e.msg) > 0);
    }
    expect_fail(quote, 47, coll, coll_len, in_window, "quote: truncated header");
    expect_fail(quote, 600, coll, coll_len, in_window, "quote: truncated TD report");
    expect_fail(quote, sig_end - 1, coll, coll_len, in_window, "exceeds the quote");
    /* dropping only the zero padding is harmless */
    struct dcap_verified v;
    struct dcap_err e;
    assert_true(run(quote, sig_end, coll, coll_len, root, root_len, in_window, &v, &e));
}

/* A self-signed P-256 "root" made by OpenSSL. */
static uint8_t *make_fake_root(size_t *len)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_NAME *name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"Intel SGX Root CA", -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L * 3650);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
    X509_set_pubkey(x, k);
    X509_sign(x, k, EVP_sha256());
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    uint8_t *out = malloc((size_t)n);
    memcpy(out, der, (size_t)n);
    OPENSSL_free(der);
    X509_NAME_free(name);
    X509_free(x);
    EVP_PKEY_free(k);
    *len = (size_t)n;
    return out;
}

static void test_wrong_root(void **state)
{
    (void)state;
    size_t fake_len;
    uint8_t *fake = make_fake_root(&fake_len);
    struct dcap_verified v;
    struct dcap_err e = {{0}};
    assert_false(run(quote, quote_len, coll, coll_len, fake, fake_len, tu_time("2025-06-25T12:00:00Z"), &v, &e));
    if (!strstr(e.msg, "root CA CRL: not issued by the expected CA"))
        fail_msg("wrong root: %s", e.msg);
    /* not a certificate at all */
    assert_false(run(quote, quote_len, coll, coll_len, quote, 100, in_window, &v, &e));
    assert_non_null(strstr(e.msg, "trusted root:"));
    free(fake);
}

/* Replaces the first occurrence of from with to (same length) in a copy. */
static uint8_t *patched(const uint8_t *src, size_t len, const char *from, const char *to)
{
    uint8_t *c = malloc(len + 1);
    memcpy(c, src, len);
    c[len] = 0;
    char *p = strstr((char *)c, from);
    if (!p)
        fail_msg("test data lacks %s", from);
    memcpy(p, to, strlen(to));
    return c;
}

static void test_tampered_collateral(void **state)
{
    (void)state;
    uint8_t *c = patched(coll, coll_len, "\\\"tcbStatus\\\":\\\"OutOfDate\\\"", "\\\"tcbStatus\\\":\\\"OutOfDatX\\\"");
    expect_fail(quote, quote_len, c, coll_len, in_window, "TCB info: signature invalid");
    free(c);
    c = patched(coll, coll_len, "\"id\\\":\\\"TD_QE\\\"", "\"id\\\":\\\"TD_QF\\\"");
    expect_fail(quote, quote_len, c, coll_len, in_window, "QE identity: signature invalid");
    free(c);
    c = patched(coll, coll_len, "\"tcb_info\"", "\"tcb_infx\"");
    expect_fail(quote, quote_len, c, coll_len, in_window, "collateral: missing tcb_info");
    free(c);
    c = patched(coll, coll_len, "\"pck_crl\": \"30", "\"pck_crl\": \"3g");
    expect_fail(quote, quote_len, c, coll_len, in_window, "collateral: bad hex in pck_crl");
    free(c);
    expect_fail(quote, quote_len, (const uint8_t *)"[]", 2, in_window, "collateral: not a JSON object");
    /* the other platform's collateral: a different FMSPC / PCK CA */
    expect_fail(quote, quote_len, old_coll, old_coll_len, old_in_window,
                "TCB info: FMSPC does not match the PCK certificate");
}

static void test_outdated_quote(void **state)
{
    (void)state;
    struct tdx_quote q;
    struct dcap_err e;
    assert_true(tdx_quote_parse(old_quote, old_quote_len, &q, &e));
    assert_int_equal(q.version, 5);
    assert_int_equal(q.body_type, 3);
    assert_ptr_equal(q.td.report_data, old_quote + 54 + 520);
    assert_ptr_equal(q.td.mr_service_td, old_quote + 54 + 600);
    assert_int_equal(q.signed_data.len, 48 + 6 + 648);
    /* its PCK CPUSVN is below every TCB level of its TCB info */
    expect_fail(old_quote, old_quote_len, old_coll, old_coll_len, old_in_window, "no TCB level matches");
}

/* The split the contract uses: collateral verified once on upload, quotes
 * later against it without re-checking the collateral's signatures. */
static void test_preverified_collateral(void **state)
{
    (void)state;
    int64_t expires;
    struct dcap_err e = {{0}};
    assert_true(dcap_verify_collateral(coll, coll_len, root, root_len, in_window, &expires, &e));
    sdk_mem_release_all();
    assert_int_equal(expires, tu_time("2025-07-19T10:00:35Z"));
    assert_false(dcap_verify_collateral(coll, coll_len, root, root_len, tu_time("2025-08-01T00:00:00Z"), &expires, &e));
    sdk_mem_release_all();
    uint8_t *c = patched(coll, coll_len, "\\\"tcbStatus\\\":\\\"OutOfDate\\\"", "\\\"tcbStatus\\\":\\\"OutOfDatX\\\"");
    assert_false(dcap_verify_collateral(c, coll_len, root, root_len, in_window, &expires, &e));
    sdk_mem_release_all();
    assert_non_null(strstr(e.msg, "TCB info: signature invalid"));
    free(c);

    struct dcap_verified v;
    assert_true(
        dcap_verify_with_verified_collateral(quote, quote_len, coll, coll_len, root, root_len, in_window, &v, &e));
    sdk_mem_release_all();
    assert_string_equal(v.tcb_status, "UpToDate");
    /* quote-side checks all remain */
    uint8_t *q = malloc(quote_len);
    for (size_t i = 0; i < quote_len; i += 61) {
        memcpy(q, quote, quote_len);
        q[i] ^= 0x04;
        if (dcap_verify_with_verified_collateral(q, quote_len, coll, coll_len, root, root_len, in_window, &v, &e))
            fail_msg("flipped byte %zu accepted with pre-verified collateral", i);
        sdk_mem_release_all();
    }
    free(q);
    assert_false(dcap_verify_with_verified_collateral(quote, quote_len, coll, coll_len, root, root_len,
                                                      tu_time("2025-07-20T00:00:00Z"), &v, &e));
    sdk_mem_release_all();
    assert_non_null(strstr(e.msg, "expired"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_quote_verifies), cmocka_unit_test(test_collateral_window),
        cmocka_unit_test(test_flipped_bytes),       cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_wrong_root),          cmocka_unit_test(test_tampered_collateral),
        cmocka_unit_test(test_outdated_quote),      cmocka_unit_test(test_preverified_collateral),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
