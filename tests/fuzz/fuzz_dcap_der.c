/* fuzz_dcap_der.c — arbitrary bytes as DER: certificate, CRL (and a lookup
 * in it), SGX extension, ECDSA signature, raw TLV walk, ASN.1 times. */
#include <stddef.h>
#include <stdint.h>

#include "dcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dcap_err e;
    struct x509_cert c;
    if (x509_parse(data, size, &c, &e)) {
        (void)x509_issued_by(&c, &c);
        if (c.sgx_ext.len) {
            struct sgx_ext ext;
            (void)sgx_ext_parse(c.sgx_ext, &ext, &e);
        }
    }
    struct x509_crl crl;
    if (x509_crl_parse(data, size, &crl, &e)) {
        struct der serial = {data, size < 8 ? size : 8};
        (void)x509_crl_lists(&crl, serial);
    }
    struct der d = {data, size};
    struct sgx_ext ext;
    (void)sgx_ext_parse(d, &ext, &e);
    uint8_t rs[64];
    (void)der_ecdsa_sig(d, rs);
    uint8_t tag;
    struct der content, whole;
    while (der_next(&d, &tag, &content, &whole)) {
        int64_t t;
        (void)dcap_asn1_time(tag, content, &t);
        uint32_t v;
        (void)der_small_uint(content, &v);
    }
    return 0;
}
