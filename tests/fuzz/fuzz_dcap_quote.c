/* fuzz_dcap_quote.c — arbitrary bytes as a TDX quote: parse it, then walk
 * its PEM chain, parse each certificate and its SGX extension, and check the
 * signatures the verifier would check (quote, QE report, chain links). */
#include <stddef.h>
#include <stdint.h>

#include "dcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tdx_quote q;
    struct dcap_err e;
    if (!tdx_quote_parse(data, size, &q, &e))
        return 0;
    (void)p256_verify_raw(q.att_key, q.signed_data.p, q.signed_data.len, q.quote_sig);
    static uint8_t der[3][2048];
    size_t len[3];
    struct x509_cert c[3];
    struct der pem = q.pck_chain_pem;
    bool error;
    int n = 0;
    while (n < 3 && pem_next_cert(&pem, der[n], sizeof der[n], &len[n], &error)) {
        if (!x509_parse(der[n], len[n], &c[n], &e))
            return 0;
        if (c[n].sgx_ext.len) {
            struct sgx_ext ext;
            (void)sgx_ext_parse(c[n].sgx_ext, &ext, &e);
        }
        n++;
    }
    if (n > 0)
        (void)p256_verify_raw(c[0].pub, q.qe_report, SGX_REPORT_LEN, q.qe_report_sig);
    for (int i = 0; i + 1 < n; i++)
        (void)x509_issued_by(&c[i], &c[i + 1]);
    return 0;
}
