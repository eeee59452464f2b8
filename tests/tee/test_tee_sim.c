/* test_tee_sim.c — libtee's simulated platform against the register
 * contract's own DCAP verifier (natively): a quote verifies through the
 * development chain as UpToDate with the measurements and report data put
 * in; a saved and reloaded platform makes quotes that verify with the same
 * root; another platform's root, a flipped byte, expired collateral, a
 * revoked PCK certificate, a mixed-up platform directory are refused; the
 * report-data binding is the documented SHA-256. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "mem.h"
#include "tee/tee.h"
#include "verify.h"

static int64_t now;

static void measurements_of(uint8_t m[5][48], uint8_t seed)
{
    for (int i = 0; i < 5; i++)
        memset(m[i], seed + i, 48);
}

/* 1 when the quote verifies against t's collateral at `at` with root_of's root. */
static bool verify_with(const tee_sim *t, const tee_sim *root_of, const uint8_t *q, size_t qlen, int64_t coll_time,
                        int64_t at, struct dcap_verified *v, struct dcap_err *e)
{
    char *coll = tee_sim_collateral(t, coll_time);
    assert_non_null(coll);
    uint8_t *root;
    size_t root_len;
    assert_int_equal(tee_sim_root_der(root_of, &root, &root_len), 0);
    bool ok = dcap_verify(q, qlen, (const uint8_t *)coll, strlen(coll), root, root_len, at, v, e);
    sdk_mem_release_all();
    OPENSSL_free(root);
    free(coll);
    return ok;
}

static void test_quote_verifies(void **state)
{
    (void)state;
    tee_sim t;
    char err[TEE_ERR];
    assert_int_equal(tee_sim_create(&t, now, err, sizeof err), 0);
    uint8_t m[5][48], rd[64], *q;
    size_t qlen;
    measurements_of(m, 0x40);
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)(200 - i);
    for (int version = 4; version <= 5; version++) {
        assert_int_equal(tee_sim_quote(&t, version, m, rd, TEE_TD_ATTRIBUTES_OK, 0, &q, &qlen, err, sizeof err), 0);
        struct dcap_verified v;
        struct dcap_err e = {{0}};
        if (!verify_with(&t, &t, q, qlen, now, now + 60, &v, &e))
            fail_msg("v%d: %s", version, e.msg);
        assert_string_equal(v.tcb_status, "UpToDate");
        assert_int_equal(v.quote.version, version);
        assert_memory_equal(v.quote.td.mr_td, m[0], 48);
        for (int i = 0; i < 4; i++)
            assert_memory_equal(v.quote.td.rtmr[i], m[i + 1], 48);
        assert_memory_equal(v.quote.td.report_data, rd, 64);
        /* every 7th byte of the signed part and the signatures, flipped */
        for (size_t i = 0; i < 1100 && i < qlen; i += 7) {
            q[i] ^= 0x10;
            if (verify_with(&t, &t, q, qlen, now, now + 60, &v, &e))
                fail_msg("v%d: byte %zu flipped verified", version, i);
            q[i] ^= 0x10;
        }
        free(q);
    }
    tee_sim_free(&t);
}

static void test_refusals(void **state)
{
    (void)state;
    tee_sim t, other;
    char err[TEE_ERR];
    assert_int_equal(tee_sim_create(&t, now, err, sizeof err), 0);
    assert_int_equal(tee_sim_create(&other, now, err, sizeof err), 0);
    uint8_t m[5][48], rd[64] = {1}, *q;
    size_t qlen;
    measurements_of(m, 1);
    assert_int_equal(tee_sim_quote(&t, 4, m, rd, TEE_TD_ATTRIBUTES_OK, 0, &q, &qlen, err, sizeof err), 0);
    struct dcap_verified v;
    struct dcap_err e = {{0}};
    /* a verifier trusting another root (e.g. Intel's) */
    assert_false(verify_with(&t, &other, q, qlen, now, now, &v, &e));
    printf("other root: %s\n", e.msg);
    /* collateral made 31 days ago has expired */
    assert_false(verify_with(&t, &t, q, qlen, now - 31 * 86400, now, &v, &e));
    assert_non_null(strstr(e.msg, "expired"));
    /* revoked PCK certificate */
    t.revoked_pck_serial = TEE_SIM_PCK_SERIAL;
    assert_false(verify_with(&t, &t, q, qlen, now, now, &v, &e));
    assert_non_null(strstr(e.msg, "revoked"));
    t.revoked_pck_serial = 0;
    /* unknown version */
    uint8_t *q2;
    assert_int_equal(tee_sim_quote(&t, 3, m, rd, 0, 0, &q2, &qlen, err, sizeof err), -1);
    free(q);
    tee_sim_free(&t);
    tee_sim_free(&other);
}

/* The TDX module identity (TCB info v3 tdxModuleIdentities): the quotes
 * carry module version 3, ISVSVN 3, MRSIGNERSEAM zero. */
static void test_tdx_module_identity(void **state)
{
    (void)state;
    tee_sim t;
    char err[TEE_ERR];
    assert_int_equal(tee_sim_create(&t, now, err, sizeof err), 0);
    uint8_t m[5][48], rd[64] = {3}, *q;
    size_t qlen;
    measurements_of(m, 2);
    assert_int_equal(tee_sim_quote(&t, 4, m, rd, TEE_TD_ATTRIBUTES_OK, 0, &q, &qlen, err, sizeof err), 0);
    struct dcap_verified v;
    struct dcap_err e = {{0}};
    assert_true(verify_with(&t, &t, q, qlen, now, now, &v, &e));
    assert_string_equal(v.module_status, "UpToDate");
    /* an out-of-date module makes an up-to-date platform OutOfDate */
    t.module_status = "OutOfDate";
    if (!verify_with(&t, &t, q, qlen, now, now, &v, &e))
        fail_msg("%s", e.msg);
    assert_string_equal(v.platform_status, "UpToDate");
    assert_string_equal(v.module_status, "OutOfDate");
    assert_string_equal(v.tcb_status, "OutOfDate");
    t.module_status = "Revoked";
    assert_true(verify_with(&t, &t, q, qlen, now, now, &v, &e));
    assert_string_equal(v.tcb_status, "Revoked");
    t.module_status = "UpToDate";
    /* the module's ISVSVN below every level of TDX_03 */
    t.module_isvsvn = 4;
    assert_false(verify_with(&t, &t, q, qlen, now, now, &v, &e));
    assert_string_equal(e.msg, "TDX module: no TCB level of TDX_03 matches the module's ISVSVN");
    t.module_isvsvn = 3;
    /* another module signer */
    t.module_mrsigner_byte = 0x5a;
    assert_false(verify_with(&t, &t, q, qlen, now, now, &v, &e));
    assert_string_equal(e.msg, "TDX module: MRSIGNERSEAM does not match TDX_03");
    t.module_mrsigner_byte = 0;
    free(q);
    /* Intel's rule: with module version 3, TDX components 0-1 are judged by
     * the module identity, so a TCB level asking more of them still matches */
    t.tdx_components[0] = 9;
    assert_int_equal(tee_sim_quote(&t, 4, m, rd, TEE_TD_ATTRIBUTES_OK, 0, &q, &qlen, err, sizeof err), 0);
    if (!verify_with(&t, &t, q, qlen, now, now, &v, &e))
        fail_msg("%s", e.msg);
    assert_string_equal(v.tcb_status, "UpToDate");
    free(q);
    /* module version 0: tdxModule applies, and every component is compared */
    t.tee_tcb_svn[1] = 0;
    assert_int_equal(tee_sim_quote(&t, 4, m, rd, TEE_TD_ATTRIBUTES_OK, 0, &q, &qlen, err, sizeof err), 0);
    assert_false(verify_with(&t, &t, q, qlen, now, now, &v, &e));
    assert_non_null(strstr(e.msg, "no TCB level matches the platform"));
    t.tdx_components[0] = 2;
    t.tdx_components[1] = 0;
    if (!verify_with(&t, &t, q, qlen, now, now, &v, &e))
        fail_msg("version 0: %s", e.msg);
    assert_string_equal(v.module_status, "UpToDate");
    t.module_mrsigner_byte = 7;
    assert_false(verify_with(&t, &t, q, qlen, now, now, &v, &e));
    assert_string_equal(e.msg, "TDX module: MRSIGNERSEAM does not match tdxModule");
    t.module_mrsigner_byte = 0;
    free(q);
    /* module version 2: no TDX_02 identity */
    t.tee_tcb_svn[1] = 2;
    assert_int_equal(tee_sim_quote(&t, 4, m, rd, TEE_TD_ATTRIBUTES_OK, 0, &q, &qlen, err, sizeof err), 0);
    assert_false(verify_with(&t, &t, q, qlen, now, now, &v, &e));
    assert_string_equal(e.msg, "TDX module: no identity TDX_02 in the TCB info");
    free(q);
    tee_sim_free(&t);
}

static void test_save_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/tee-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64];
    snprintf(sub, sizeof sub, "%s/platform", dir);
    tee_sim a, b;
    bool created;
    char err[TEE_ERR];
    assert_int_equal(tee_sim_open(&a, sub, now, &created, err, sizeof err), 0);
    assert_true(created);
    assert_int_equal(tee_sim_open(&b, sub, now, &created, err, sizeof err), 0);
    assert_false(created);
    char *ha = tee_sim_root_hex(&a), *hb = tee_sim_root_hex(&b);
    assert_string_equal(ha, hb);
    free(ha);
    free(hb);
    /* a quote of the reloaded platform verifies with the first one's root */
    uint8_t m[5][48], rd[64] = {9}, *q;
    size_t qlen;
    measurements_of(m, 7);
    assert_int_equal(tee_sim_quote(&b, 4, m, rd, TEE_TD_ATTRIBUTES_OK, 0, &q, &qlen, err, sizeof err), 0);
    struct dcap_verified v;
    struct dcap_err e = {{0}};
    if (!verify_with(&b, &a, q, qlen, now, now, &v, &e))
        fail_msg("reloaded: %s", e.msg);
    free(q);
    /* private keys are 0600 */
    char path[128];
    snprintf(path, sizeof path, "%s/attestation.key", sub);
    assert_int_equal(access(path, R_OK), 0);
    /* a certificate that does not belong to its key is refused */
    tee_sim c;
    assert_int_equal(tee_sim_create(&c, now, err, sizeof err), 0);
    char sub2[80];
    snprintf(sub2, sizeof sub2, "%s/mixed", dir);
    assert_int_equal(tee_sim_save(&c, sub2, err, sizeof err), 0);
    char from[128], to[128];
    snprintf(from, sizeof from, "%s/pck.pem", sub);
    snprintf(to, sizeof to, "%s/pck.pem", sub2);
    assert_int_equal(rename(from, to), 0);
    tee_sim_free(&c);
    assert_int_equal(tee_sim_load(&c, sub2, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not match"));
    assert_int_equal(tee_sim_load(&c, sub, err, sizeof err), -1); /* pck.pem is gone */
    tee_sim_free(&a);
    tee_sim_free(&b);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_binding_and_measurements(void **state)
{
    (void)state;
    uint8_t key[32], rd[64];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
    tee_report_data(key, "reg.test.near", "operator.test.near", rd);
    assert_memory_equal(rd, key, 32);
    const char *text = "outlayer-register-v1:reg.test.near:operator.test.near";
    uint8_t want[32];
    SHA256((const uint8_t *)text, strlen(text), want);
    assert_memory_equal(rd + 32, want, 32);
    uint8_t h1[32] = {1}, h2[32] = {2}, m1[5][48], m2[5][48];
    tee_sim_measurements(h1, m1);
    tee_sim_measurements(h2, m2);
    assert_memory_not_equal(m1[0], m2[0], 48); /* MRTD follows the binary */
    for (int i = 1; i < 5; i++)
        assert_memory_equal(m1[i], m2[i], 48);
    uint8_t *b;
    size_t n;
    assert_int_equal(tee_unhex("0aFf 10", &b, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(b[1], 0xff);
    free(b);
    assert_int_equal(tee_unhex("abc", &b, &n), -1);
    assert_int_equal(tee_unhex("zz", &b, &n), -1);
}

int main(void)
{
    now = (int64_t)time(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_verifies),           cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_tdx_module_identity),      cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_binding_and_measurements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
