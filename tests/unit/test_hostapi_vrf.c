/* ECVRF-EDWARDS25519-SHA512-TAI (src/hostapi/vrf.c) against RFC 9381
 * Appendix B.3, Examples 16-18, and tampered proofs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "hostapi/vrf.h"

typedef struct vec {
    const char *sk, *pk, *alpha, *pi, *beta;
} vec;

static const vec VECTORS[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "8657106690b5526245a92b003bb079ccd1a92130477671f6fc01ad16f26f723f26f8a57ccaed74ee1b190bed1f479d9727d2d0f9b005a6e4"
     "56a35d4fb0daab1268a1b0db10836d9826a528ca76567805",
     "90cf1df3b703cce59e2a35b925d411164068269d7b2d29f3301c03dd757876ff66b71dda49d2de59d03450451af026798e8f81cd2e333de5"
     "cdf4f3e140fdd8ae"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "f3141cd382dc42909d19ec5110469e4feae18300e94f304590abdced48aed5933bf0864a62558b3ed7f2fea45c92a465301b3bbf5e3e54dd"
     "f2d935be3b67926da3ef39226bbc355bdc9850112c8f4b02",
     "eb4440665d3891d668e7e0fcaf587f1b4bd7fbfe99d0eb2211ccec90496310eb5e33821bc613efb94db5e5b54c70a848a0bef4553a41befc"
     "57663b56373a5031"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "9bc0f79119cc5604bf02d23b4caede71393cedfbb191434dd016d30177ccbf8096bb474e53895c362d8628ee9f9ea3c0e52c7a5c691b6c18"
     "c9979866568add7a2d41b00b05081ed0f58ee5e31b3a970e",
     "645427e5d00c62a23fb703732fa5d892940935942101e456ecca7bb217c61c452118fec1219202a0edcf038bb6373241578be7217ba85a26"
     "87f7a0310b2df19f"},
};

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    assert_int_equal(sodium_hex2bin(out, cap, h, strlen(h), NULL, &n, NULL), 0);
    return n;
}

static void test_rfc9381_vectors(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof VECTORS / sizeof VECTORS[0]; i++) {
        const vec *v = &VECTORS[i];
        uint8_t sk[32], pk[32], alpha[8], pi[80], beta[64], got_pi[80], got_beta[64], seedpk[32], seedsk[64];
        unhex(v->sk, sk, 32);
        unhex(v->pk, pk, 32);
        size_t alen = unhex(v->alpha, alpha, sizeof alpha);
        unhex(v->pi, pi, 80);
        unhex(v->beta, beta, 64);
        crypto_sign_seed_keypair(seedpk, seedsk, sk);
        assert_memory_equal(seedpk, pk, 32); /* the VRF key is the Ed25519 key */
        assert_true(vrf_prove(sk, alpha, alen, got_pi));
        assert_memory_equal(got_pi, pi, 80);
        assert_true(vrf_proof_to_hash(pi, got_beta));
        assert_memory_equal(got_beta, beta, 64);
        memset(got_beta, 0, 64);
        assert_true(vrf_verify(pk, alpha, alen, pi, got_beta));
        assert_memory_equal(got_beta, beta, 64);
    }
}

static void test_tampered(void **st)
{
    (void)st;
    const vec *v = &VECTORS[0];
    uint8_t pk[32], pi[80], beta[64], bad[80], otherpk[32];
    unhex(v->pk, pk, 32);
    unhex(v->pi, pi, 80);
    for (size_t i = 0; i < 80; i += 7) {
        memcpy(bad, pi, 80);
        bad[i] ^= 1;
        assert_false(vrf_verify(pk, NULL, 0, bad, beta));
    }
    assert_false(vrf_verify(pk, (const uint8_t *)"\x00", 1, pi, beta)); /* another alpha */
    unhex(VECTORS[1].pk, otherpk, 32);
    assert_false(vrf_verify(otherpk, NULL, 0, pi, beta)); /* another key */
    uint8_t identity[32] = {1};
    assert_false(vrf_verify(identity, NULL, 0, pi, beta)); /* low-order key */
    memcpy(bad, pi, 80);
    memset(bad + 48, 0xff, 32); /* s >= L */
    assert_false(vrf_verify(pk, NULL, 0, bad, beta));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9381_vectors),
        cmocka_unit_test(test_tampered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
