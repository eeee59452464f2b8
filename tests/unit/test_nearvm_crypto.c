/* NEAR VM layer: sha256, keccak256/512, sha3, ripemd160 against published
 * vectors (and OpenSSL's SHA3 for multi-block inputs), ed25519_verify with
 * the RFC 8032 vector, ecrecover with go-ethereum's vector and its
 * malleability rules, p256_verify against OpenSSL signatures, and the
 * unsupported curve functions. Contract: tests/devnet/contracts/crypto.wat. */
#include "nearvm_test.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <sodium.h>

static nearvm_contract *contract;

static int setup(void **state)
{
    contract = load_contract("crypto");
    return 0;
}

static int teardown(void **state)
{
    nearvm_contract_release(contract);
    return 0;
}

static bool run(const char *method, const void *in, size_t len, nearvm_outcome *o)
{
    return run_with_input(contract, method, in, len, o);
}

static void expect_hash(const char *method, const char *input, const char *hex)
{
    uint8_t want[64];
    size_t n = unhex(hex, want);
    nearvm_outcome o;
    assert_true(run(method, input, strlen(input), &o));
    assert_return(&o, want, n);
    nearvm_outcome_free(&o);
}

static void test_hash_vectors(void **state)
{
    expect_hash("sha256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect_hash("keccak256", "", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect_hash("keccak256", "abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    expect_hash("keccak512", "",
                "0eab42de4c3ceb9235fc91acffe746b29c29a8c366b7c60e4e67c466f36a4304"
                "c00fa9caf9d87976ba469bcbe06713b435f091ef2769fb160cdab33d3670680e");
    expect_hash("sha3_256", "abc", "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
    expect_hash("ripemd160", "abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
}

/* The sponge over many blocks, against OpenSSL's SHA3 (same permutation,
 * different padding byte from Keccak). */
static void test_sha3_multiblock(void **state)
{
    static const size_t lens[] = {135, 136, 137, 271, 272, 1000};
    uint8_t msg[1000];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        uint8_t want[32];
        unsigned int wlen = 0;
        assert_int_equal(EVP_Digest(msg, lens[k], want, &wlen, EVP_sha3_256(), NULL), 1);
        nearvm_outcome o;
        assert_true(run("sha3_256", msg, lens[k], &o));
        assert_return(&o, want, 32);
        nearvm_outcome_free(&o);
    }
}

static void test_ed25519(void **state)
{
    /* RFC 8032 section 7.1, TEST 1 (empty message) */
    uint8_t in[96];
    unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
          "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
          in);
    unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", in + 64);
    nearvm_outcome o;
    assert_true(run("ed25519", in, 96, &o));
    assert_int_equal(le64(o.return_data), 1);
    nearvm_outcome_free(&o);

    /* a signature of our own over a message */
    uint8_t pk[32], sk[64], seed[32] = {9}, buf[64 + 32 + 11];
    crypto_sign_seed_keypair(pk, sk, seed);
    memcpy(buf + 96, "hello world", 11);
    crypto_sign_detached(buf, NULL, buf + 96, 11, sk);
    memcpy(buf + 64, pk, 32);
    assert_true(run("ed25519", buf, sizeof buf, &o));
    assert_int_equal(le64(o.return_data), 1);
    nearvm_outcome_free(&o);
    buf[96] ^= 1; /* another message */
    assert_true(run("ed25519", buf, sizeof buf, &o));
    assert_int_equal(le64(o.return_data), 0);
    nearvm_outcome_free(&o);
    in[63] |= 0xe0; /* non-canonical S: rejected early */
    assert_true(run("ed25519", in, 96, &o));
    assert_int_equal(le64(o.return_data), 0);
    nearvm_outcome_free(&o);

    assert_false(run("ed25519_badlen", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "Ed25519VerifyInvalidInput",
                 "ED25519 signature verification error: invalid signature length");
    nearvm_outcome_free(&o);
}

/* go-ethereum crypto/signature_test.go */
#define GETH_HASH "ce0677bb30baa8cf067c88db9811f4333d131bf8bcf12fe7065d211dce971008"
#define GETH_SIG                                                       \
    "90f27b8b488db00b00606796d2987f6a5f59ae62ea05effe84fef5b8b0e54998" \
    "4a691139ad57a3f0b906637673aa2f63d1f55cb1a69199d4009eea23ceaddc93"
#define GETH_PUB                                                       \
    "e32df42865e97135acfb65f3bae71bdc86f4d49150ad6a440b6f15878109880a" \
    "0a2b2667f7e725ceea70c673093bf67663e0312623c8e091b13cf2c0f11ef652"

static void ecrecover_input(uint8_t in[98], uint8_t v, uint8_t flag)
{
    unhex(GETH_HASH, in);
    unhex(GETH_SIG, in + 32);
    in[96] = v;
    in[97] = flag;
}

static void test_ecrecover(void **state)
{
    uint8_t in[98], pub[64];
    unhex(GETH_PUB, pub);
    nearvm_outcome o;
    ecrecover_input(in, 1, 0);
    assert_true(run("ecrecover", in, sizeof in, &o));
    assert_int_equal(o.return_len, 8 + 64);
    assert_int_equal(le64(o.return_data), 1);
    assert_memory_equal(o.return_data + 8, pub, 64);
    nearvm_outcome_free(&o);
    ecrecover_input(in, 1, 1); /* low S: also fine with the malleability check */
    assert_true(run("ecrecover", in, sizeof in, &o));
    assert_int_equal(le64(o.return_data), 1);
    nearvm_outcome_free(&o);
    ecrecover_input(in, 0, 0); /* the other parity gives another key */
    assert_true(run("ecrecover", in, sizeof in, &o));
    if (le64(o.return_data) == 1)
        assert_memory_not_equal(o.return_data + 8, pub, 64);
    nearvm_outcome_free(&o);

    /* the high-S twin (n - s, parity flipped) recovers the same key only
     * without the malleability check */
    BIGNUM *n = NULL, *s = BN_bin2bn(in + 64, 32, NULL);
    BN_hex2bn(&n, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    BN_sub(s, n, s);
    ecrecover_input(in, 0, 0);
    BN_bn2binpad(s, in + 64, 32);
    BN_free(n);
    BN_free(s);
    assert_true(run("ecrecover", in, sizeof in, &o));
    assert_int_equal(le64(o.return_data), 1);
    assert_memory_equal(o.return_data + 8, pub, 64);
    nearvm_outcome_free(&o);
    in[97] = 1;
    assert_true(run("ecrecover", in, sizeof in, &o));
    assert_int_equal(le64(o.return_data), 0);
    assert_int_equal(o.return_len, 8);
    nearvm_outcome_free(&o);

    /* r = 0 is not a signature */
    ecrecover_input(in, 1, 0);
    memset(in + 32, 0, 32);
    assert_true(run("ecrecover", in, sizeof in, &o));
    assert_int_equal(le64(o.return_data), 0);
    nearvm_outcome_free(&o);

    ecrecover_input(in, 4, 0);
    assert_false(run("ecrecover", in, sizeof in, &o));
    assert_error(&o, NEARVM_ERR_HOST, "ECRecoverError",
                 "ECDSA recover error: V recovery byte 0 through 3 are valid but was provided 4");
    nearvm_outcome_free(&o);
    ecrecover_input(in, 1, 2);
    assert_false(run("ecrecover", in, sizeof in, &o));
    assert_error(&o, NEARVM_ERR_HOST, "ECRecoverError",
                 "ECDSA recover error: Malleability flag needs to be 0 or 1, but is instead 2");
    nearvm_outcome_free(&o);
}

static void test_p256(void **state)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(key);
    uint8_t point[65];
    size_t plen = 0;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point, &plen), 1);
    assert_int_equal(plen, 65);
    static const char msg[] = "p256 message";
    uint8_t der[80];
    size_t der_len = sizeof der;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(md, der, &der_len, (const uint8_t *)msg, sizeof msg - 1), 1);
    EVP_MD_CTX_free(md);
    const uint8_t *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    assert_non_null(sig);

    /* input: r||s, compressed key, sha256 digest */
    uint8_t in[64 + 33 + 32];
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), in, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), in + 32, 32);
    in[64] = (uint8_t)(0x02 | (point[64] & 1));
    memcpy(in + 65, point + 1, 32);
    unsigned int dlen = 0;
    EVP_Digest(msg, sizeof msg - 1, in + 97, &dlen, EVP_sha256(), NULL);
    ECDSA_SIG_free(sig);
    EVP_PKEY_free(key);

    nearvm_outcome o;
    assert_true(run("p256", in, sizeof in, &o));
    assert_int_equal(le64(o.return_data), 1);
    nearvm_outcome_free(&o);
    in[100] ^= 0x10;
    assert_true(run("p256", in, sizeof in, &o));
    assert_int_equal(le64(o.return_data), 0);
    nearvm_outcome_free(&o);
}

static void test_unsupported_curves(void **state)
{
    nearvm_outcome o;
    assert_false(run("alt_bn128", NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "AltBn128InvalidInput", "AltBn128 invalid input: not supported on the devnet");
    nearvm_outcome_free(&o);
}

static void test_host_function_table(void **state)
{
    const char *const *names = nearvm_host_function_names();
    size_t n = 0;
    bool has_yield = false, has_abort = false;
    for (; names[n]; n++) {
        has_yield |= strcmp(names[n], "promise_yield_resume") == 0;
        has_abort |= strcmp(names[n], "abort") == 0;
    }
    assert_true(has_yield && has_abort);
    assert_true(n >= 75);
    for (size_t i = 0; i < n; i++) /* each name once */
        for (size_t k = i + 1; k < n; k++)
            assert_string_not_equal(names[i], names[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_sha3_multiblock),
        cmocka_unit_test(test_ed25519),
        cmocka_unit_test(test_ecrecover),
        cmocka_unit_test(test_p256),
        cmocka_unit_test(test_unsupported_curves),
        cmocka_unit_test(test_host_function_table),
    };
    return cmocka_run_group_tests_name("nearvm_crypto", tests, setup, teardown);
}
