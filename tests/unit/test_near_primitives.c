/* test_near_primitives.c — borsh, base58/base64, account ids, amounts,
 * keys and credential files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "near/account_id.h"
#include "near/amount.h"
#include "near/borsh.h"
#include "near/credentials.h"
#include "near/encoding.h"
#include "near/keys.h"

/* ----------------------------------------------------------------- borsh */

static void test_borsh_round_trip(void **state)
{
    (void)state;
    near_borsh_writer w;
    near_borsh_writer_init(&w);
    near_borsh_write_u8(&w, 0xab);
    near_borsh_write_u16(&w, 0x1234);
    near_borsh_write_u32(&w, 0xdeadbeef);
    near_borsh_write_u64(&w, 0x0102030405060708ull);
    near_borsh_write_u128(&w, NEAR_U128_MAX - 1);
    near_borsh_write_string(&w, "héllo");
    near_borsh_write_bytes(&w, "", 0);
    near_borsh_write_u8(&w, 1); /* option Some */
    near_borsh_write_fixed(&w, "XYZ", 3);
    assert_false(w.failed);
    /* Little-endian layout, checked directly. */
    static const uint8_t head[] = {0xab, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde, 8, 7, 6, 5, 4, 3, 2, 1};
    assert_memory_equal(w.buf, head, sizeof head);
    assert_int_equal(w.buf[15], 0xfe);
    assert_int_equal(w.buf[30], 0xff);

    near_borsh_reader r;
    near_borsh_reader_init(&r, w.buf, w.len);
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    near_u128 u128;
    char *s;
    uint8_t *b;
    size_t blen;
    int present;
    char fixed[3];
    assert_int_equal(near_borsh_read_u8(&r, &u8), 0);
    assert_int_equal(near_borsh_read_u16(&r, &u16), 0);
    assert_int_equal(near_borsh_read_u32(&r, &u32), 0);
    assert_int_equal(near_borsh_read_u64(&r, &u64), 0);
    assert_int_equal(near_borsh_read_u128(&r, &u128), 0);
    assert_int_equal(near_borsh_read_string(&r, &s), 0);
    assert_int_equal(near_borsh_read_bytes(&r, &b, &blen), 0);
    assert_int_equal(near_borsh_read_option(&r, &present), 0);
    assert_int_equal(near_borsh_read_fixed(&r, fixed, 3), 0);
    assert_int_equal(u8, 0xab);
    assert_int_equal(u16, 0x1234);
    assert_int_equal(u32, 0xdeadbeef);
    assert_int_equal(u64, 0x0102030405060708ull);
    assert_true(u128 == NEAR_U128_MAX - 1);
    assert_string_equal(s, "héllo");
    assert_int_equal(blen, 0);
    assert_int_equal(present, 1);
    assert_memory_equal(fixed, "XYZ", 3);
    assert_int_equal(near_borsh_remaining(&r), 0);
    /* Reading past the end is an error, not a crash. */
    assert_int_equal(near_borsh_read_u8(&r, &u8), NEAR_ERR_INVALID);
    assert_non_null(strstr(r.err, "truncated"));
    free(s);
    free(b);
    near_borsh_writer_free(&w);
}

static void test_borsh_reader_rejects_bad_input(void **state)
{
    (void)state;
    near_borsh_reader r;
    uint8_t *b;
    size_t n;
    char *s;
    int v;
    uint32_t count;

    /* A length larger than the input. */
    static const uint8_t big_len[] = {0xff, 0xff, 0xff, 0x7f, 'a'};
    near_borsh_reader_init(&r, big_len, sizeof big_len);
    assert_int_equal(near_borsh_read_bytes(&r, &b, &n), NEAR_ERR_INVALID);
    assert_non_null(strstr(r.err, "exceeds"));
    assert_int_equal(r.pos, 0);

    /* A vector count that cannot fit (hostile allocation size). */
    near_borsh_reader_init(&r, big_len, sizeof big_len);
    assert_int_equal(near_borsh_read_vec_len(&r, 1, &count), NEAR_ERR_INVALID);

    /* Option and bool tags other than 0/1. */
    static const uint8_t two[] = {2};
    near_borsh_reader_init(&r, two, 1);
    assert_int_equal(near_borsh_read_option(&r, &v), NEAR_ERR_INVALID);
    assert_non_null(strstr(r.err, "option tag 2"));
    near_borsh_reader_init(&r, two, 1);
    assert_int_equal(near_borsh_read_bool(&r, &v), NEAR_ERR_INVALID);

    /* Invalid UTF-8 (overlong '/', lone continuation, surrogate) and NUL. */
    static const uint8_t bad_utf8[][6] = {
        {2, 0, 0, 0, 0xc0, 0xaf},
        {1, 0, 0, 0, 0x80, 0},
        {2, 0, 0, 0, 0xed, 0xa0},
        {1, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < 4; i++) {
        near_borsh_reader_init(&r, bad_utf8[i], (size_t)(4 + bad_utf8[i][0]));
        assert_int_equal(near_borsh_read_string(&r, &s), NEAR_ERR_INVALID);
        assert_non_null(strstr(r.err, "UTF-8"));
        assert_int_equal(r.pos, 0);
    }
    /* A 4-byte character is fine. */
    static const uint8_t rocket[] = {4, 0, 0, 0, 0xf0, 0x9f, 0x9a, 0x80};
    near_borsh_reader_init(&r, rocket, sizeof rocket);
    assert_int_equal(near_borsh_read_string(&r, &s), 0);
    assert_string_equal(s, "🚀");
    free(s);

    /* Empty input. */
    near_borsh_reader_init(&r, NULL, 0);
    uint64_t u64;
    assert_int_equal(near_borsh_read_u64(&r, &u64), NEAR_ERR_INVALID);
}

/* -------------------------------------------------------- base58 / base64 */

static void test_base58(void **state)
{
    (void)state;
    char out[128];
    uint8_t bytes[64];
    /* Known values (bitcoin alphabet). */
    assert_int_equal(near_base58_encode((const uint8_t *)"hello world", 11, out, sizeof out), 15);
    assert_string_equal(out, "StV1DL6CwTryKyV");
    assert_int_equal(near_base58_encode((const uint8_t *)"\0\0\1", 3, out, sizeof out), 3);
    assert_string_equal(out, "112");
    assert_int_equal(near_base58_encode(NULL, 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    /* All-zero 32 bytes is NEAR's "no code" hash. */
    uint8_t zero[32] = {0};
    near_base58_encode(zero, 32, out, sizeof out);
    assert_string_equal(out, "11111111111111111111111111111111");
    /* Too small an output buffer is an error. */
    assert_int_equal(near_base58_encode((const uint8_t *)"hello world", 11, out, 10), -1);
    /* Characters outside the alphabet: 0, O, I, l. */
    assert_int_equal(near_base58_decode("abc0", bytes, sizeof bytes), -1);
    assert_int_equal(near_base58_decode("O", bytes, sizeof bytes), -1);
    assert_int_equal(near_base58_decode("Il", bytes, sizeof bytes), -1);
    assert_int_equal(near_base58_decode("StV1DL6CwTryKyV", bytes, sizeof bytes), 11);
    assert_memory_equal(bytes, "hello world", 11);
    /* Exact-length decode rejects both shorter and longer payloads. */
    assert_int_equal(near_base58_decode_exact("11111111111111111111111111111111", bytes, 32), 0);
    assert_int_equal(near_base58_decode_exact("1111111111111111111111111111111", bytes, 32), NEAR_ERR_INVALID);
    assert_int_equal(near_base58_decode_exact("111111111111111111111111111111111", bytes, 32), NEAR_ERR_INVALID);
}

static void test_base64(void **state)
{
    (void)state;
    char *t = near_base64_encode((const uint8_t *)"\xff\x00\x01", 3);
    assert_string_equal(t, "/wAB");
    free(t);
    t = near_base64_encode(NULL, 0);
    assert_string_equal(t, "");
    free(t);
    uint8_t *b;
    size_t n;
    assert_int_equal(near_base64_decode("aGk=", &b, &n), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(b, "hi", 2);
    free(b);
    assert_int_equal(near_base64_decode("", &b, &n), 0);
    assert_int_equal(n, 0);
    free(b);
    /* URL-safe alphabet, missing padding and junk are all rejected. */
    assert_int_equal(near_base64_decode("_-8=", &b, &n), NEAR_ERR_INVALID);
    assert_int_equal(near_base64_decode("aGk", &b, &n), NEAR_ERR_INVALID);
    assert_int_equal(near_base64_decode("aGk=!", &b, &n), NEAR_ERR_INVALID);
}

/* ------------------------------------------------------------ account ids */

static void test_account_ids(void **state)
{
    (void)state;
    static const char *const valid[] = {
        "aa",
        "a-a",
        "a-aa",
        "100",
        "0o",
        "com",
        "near",
        "bowen",
        "b-o_w_e-n",
        "b.owen",
        "bro.wen",
        "a.ha",
        "a.b-a.ra",
        "system",
        "over.9000",
        "google.com",
        "illia.cheapaccounts.near",
        "0o0ooo00oo00o",
        "alex-skidanov",
        "10-4.8-2",
        "b-o_w_e-n",
        "no_lols",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "near.a",
        "a.a.a.a.a.a.a",
    };
    static const char *const invalid[] = {
        "a",
        "A",
        "Abc",
        "-near",
        "near-",
        "-near-",
        "near.",
        ".near",
        "near@",
        "@near",
        "неар",
        "@@@@@",
        "0__0",
        "0_-_0",
        "..",
        "a..near",
        "nEar",
        "_bowen",
        "hello world",
        "abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz",
        "01234567890123456789012345678901234567890123456789012345678901234",
        "a.-b",
        "a-.b",
        "",
    };
    char err[200];
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        if (!near_account_id_valid(valid[i], err, sizeof err))
            fail_msg("%s should be valid: %s", valid[i], err);
    }
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        err[0] = '\0';
        if (near_account_id_valid(invalid[i], err, sizeof err))
            fail_msg("%s should be invalid", invalid[i]);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(near_account_id_valid(NULL, NULL, 0), 0);

    assert_int_equal(near_account_id_kind("alice.near"), NEAR_ACCOUNT_NAMED);
    assert_int_equal(near_account_id_kind("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
                     NEAR_ACCOUNT_NEAR_IMPLICIT);
    assert_int_equal(near_account_id_kind("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg"),
                     NEAR_ACCOUNT_NAMED);
    assert_int_equal(near_account_id_kind("0xb794f5ea0ba39494ce839613fffba74279579268"), NEAR_ACCOUNT_ETH_IMPLICIT);
    assert_int_equal(near_account_id_kind("0xB794F5EA0BA39494CE839613FFFBA74279579268"), NEAR_ACCOUNT_INVALID);
    assert_int_equal(near_account_id_kind("0xb794f5ea0ba39494ce839613fffba7427957926"), NEAR_ACCOUNT_NAMED);

    assert_true(near_account_id_is_top_level("near"));
    assert_false(near_account_id_is_top_level("alice.near"));
    assert_false(near_account_id_is_top_level("0xb794f5ea0ba39494ce839613fffba74279579268"));
    assert_true(near_account_id_is_sub_account_of("alice.near", "near"));
    assert_true(near_account_id_is_sub_account_of("app.alice.near", "alice.near"));
    assert_false(near_account_id_is_sub_account_of("app.alice.near", "near"));
    assert_false(near_account_id_is_sub_account_of("malice.near", "alice.near"));
    assert_false(near_account_id_is_sub_account_of("near", "near"));
}

/* ---------------------------------------------------------------- amounts */

static void test_amounts(void **state)
{
    (void)state;
    near_u128 y;
    char text[NEAR_AMOUNT_TEXT_MAX], dec[NEAR_U128_DEC_MAX];
    assert_int_equal(near_amount_parse_near("1.5", &y), 0);
    assert_string_equal(near_u128_format(y, dec), "1500000000000000000000000");
    assert_int_equal(near_amount_parse_near(" 2 NEAR ", &y), 0);
    assert_true(y == 2 * NEAR_YOCTO_PER_NEAR);
    assert_int_equal(near_amount_parse_near(".5", &y), 0);
    assert_string_equal(near_amount_format_near(y, text), "0.5");
    assert_int_equal(near_amount_parse_near("340282366920938.463463374607431768211455", &y), 0);
    assert_true(y == NEAR_U128_MAX);
    /* One yocto more overflows. */
    assert_int_equal(near_amount_parse_near("340282366920938.463463374607431768211456", &y), NEAR_ERR_INVALID);
    /* Malformed. */
    static const char *const bad[] = {"", ".", "1.", "-1", "1,5", "1e3", "1.0000000000000000000000001", "abc", "1 2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (near_amount_parse_near(bad[i], &y) == 0)
            fail_msg("\"%s\" should not parse", bad[i]);
    assert_string_equal(near_amount_format_near(0, text), "0");
    assert_string_equal(near_amount_format_near(1, text), "0.000000000000000000000001");

    /* u128 helpers. */
    assert_int_equal(near_u128_parse("340282366920938463463374607431768211455", &y), 0);
    assert_true(y == NEAR_U128_MAX);
    assert_int_equal(near_u128_parse("340282366920938463463374607431768211456", &y), NEAR_ERR_INVALID);
    assert_string_equal(near_u128_format(NEAR_U128_MAX, dec), "340282366920938463463374607431768211455");
    near_u128 r;
    assert_int_equal(near_u128_add(NEAR_U128_MAX, 1, &r), NEAR_ERR_INVALID);
    assert_int_equal(near_u128_sub(1, 2, &r), NEAR_ERR_INVALID);
    assert_int_equal(near_u128_mul(NEAR_U128_MAX, 2, &r), NEAR_ERR_INVALID);
    assert_int_equal(near_u128_div(1, 0, &r), NEAR_ERR_INVALID);
    assert_int_equal(near_u128_mul(NEAR_YOCTO_PER_NEAR, 3, &r), 0);
    assert_int_equal(near_u128_div(r, 2, &r), 0);
    assert_string_equal(near_amount_format_near(r, text), "1.5");
    assert_int_equal(near_u128_cmp(1, 2), -1);

    /* Gas. */
    uint64_t g;
    char gtext[NEAR_GAS_TEXT_MAX];
    assert_int_equal(near_gas_parse("30 Tgas", &g), 0);
    assert_int_equal(g, 30000000000000ull);
    assert_int_equal(near_gas_parse("300TGas", &g), 0);
    assert_int_equal(g, 300000000000000ull);
    assert_int_equal(near_gas_parse("0.5 tgas", &g), 0);
    assert_int_equal(g, 500000000000ull);
    assert_int_equal(near_gas_parse("1 PGas", &g), 0);
    assert_int_equal(g, 1000000000000000ull);
    assert_int_equal(near_gas_parse("5 Ggas", &g), 0);
    assert_int_equal(g, 5000000000ull);
    assert_int_equal(near_gas_parse("2428000000000", &g), 0);
    assert_int_equal(g, 2428000000000ull);
    assert_int_equal(near_gas_parse("18446744073709551616", &g), NEAR_ERR_INVALID);
    assert_int_equal(near_gas_parse("30 Xgas", &g), NEAR_ERR_INVALID);
    assert_int_equal(near_gas_parse("0.0000000000001 Tgas", &g), NEAR_ERR_INVALID);
    assert_string_equal(near_gas_format(30000000000000ull, gtext), "30 Tgas");
    assert_string_equal(near_gas_format(2428000000000ull, gtext), "2.428 Tgas");
    assert_string_equal(near_gas_format(0, gtext), "0 Tgas");
    assert_string_equal(near_gas_format(UINT64_MAX, gtext), "18446744.073709551615 Tgas");
}

/* ------------------------------------------------------------------- keys */

static void test_keys(void **state)
{
    (void)state;
    near_public_key pk, pk2;
    char text[NEAR_KEY_TEXT_MAX];
    /* The nearcore test key. */
    assert_int_equal(near_public_key_parse("ed25519:22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbTV", &pk), 0);
    assert_string_equal(near_public_key_format(&pk, text), "ed25519:22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbTV");
    /* Bare base58 means ed25519. */
    assert_int_equal(near_public_key_parse("22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbTV", &pk2), 0);
    assert_true(near_public_key_equal(&pk, &pk2));
    /* Wrong length, unknown curve, bad characters. */
    assert_int_equal(near_public_key_parse("ed25519:22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbT", &pk2),
                     NEAR_ERR_INVALID);
    assert_int_equal(near_public_key_parse("rsa:22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbTV", &pk2), NEAR_ERR_INVALID);
    assert_int_equal(near_public_key_parse("ed25519:0OIl", &pk2), NEAR_ERR_INVALID);
    assert_int_equal(near_public_key_parse(NULL, &pk2), NEAR_ERR_INVALID);
    /* secp256k1: 64 bytes, format only. */
    uint8_t raw[64];
    for (int i = 0; i < 64; i++)
        raw[i] = (uint8_t)i;
    char b58[128];
    near_base58_encode(raw, 64, b58, sizeof b58);
    char secp[160];
    snprintf(secp, sizeof secp, "secp256k1:%s", b58);
    assert_int_equal(near_public_key_parse(secp, &pk2), 0);
    assert_int_equal(pk2.type, NEAR_KEY_SECP256K1);
    assert_string_equal(near_public_key_format(&pk2, text), secp);
    char implicit[65];
    assert_int_equal(near_public_key_implicit_account(&pk2, implicit), NEAR_ERR_INVALID);

    /* Key pairs: seed → secret text → parse back; sign/verify. */
    uint8_t seed[32] = {7};
    near_keypair kp, back;
    assert_int_equal(near_keypair_from_seed(seed, &kp), 0);
    assert_memory_equal(kp.secret, seed, 32);
    assert_memory_equal(kp.secret + 32, kp.public_key.data, 32);
    near_keypair_format_secret(&kp, text);
    assert_int_equal(near_keypair_parse_secret(text, &back), 0);
    assert_memory_equal(&back, &kp, sizeof kp);
    /* A 32-byte payload is a bare seed. */
    char seed_text[NEAR_KEY_TEXT_MAX] = "ed25519:";
    near_base58_encode(seed, 32, seed_text + 8, sizeof seed_text - 8);
    assert_int_equal(near_keypair_parse_secret(seed_text, &back), 0);
    assert_memory_equal(&back, &kp, sizeof kp);
    /* A secret whose public half does not match is refused. */
    uint8_t tampered[64];
    memcpy(tampered, kp.secret, 64);
    tampered[40] ^= 1;
    char tampered_text[NEAR_KEY_TEXT_MAX] = "ed25519:";
    near_base58_encode(tampered, 64, tampered_text + 8, sizeof tampered_text - 8);
    assert_int_equal(near_keypair_parse_secret(tampered_text, &back), NEAR_ERR_INVALID);

    near_signature sig, parsed;
    assert_int_equal(near_sign(&kp, (const uint8_t *)"msg", 3, &sig), 0);
    assert_int_equal(near_verify(&kp.public_key, (const uint8_t *)"msg", 3, &sig), 1);
    assert_int_equal(near_verify(&kp.public_key, (const uint8_t *)"msh", 3, &sig), 0);
    assert_int_equal(near_signature_parse(near_signature_format(&sig, text), &parsed), 0);
    assert_memory_equal(&parsed, &sig, sizeof sig);
    assert_int_equal(near_verify(&pk, (const uint8_t *)"msg", 3, &sig), 0);

    near_keypair g1, g2;
    assert_int_equal(near_keypair_generate(&g1), 0);
    assert_int_equal(near_keypair_generate(&g2), 0);
    assert_false(near_public_key_equal(&g1.public_key, &g2.public_key));
    near_keypair_wipe(&g1);
    uint8_t zero[sizeof g1] = {0};
    assert_memory_equal(&g1, zero, sizeof g1);
}

/* ------------------------------------------------------------ credentials */

static void test_credentials(void **state)
{
    (void)state;
    char dir[] = "/tmp/near-cred-XXXXXX";
    assert_non_null(mkdtemp(dir));
    near_credentials cred = {.account_id = "alice.testnet"};
    uint8_t seed[32] = {3};
    assert_int_equal(near_keypair_from_seed(seed, &cred.keypair), NEAR_OK);
    char err[300];
    assert_int_equal(near_credentials_write(dir, "testnet", &cred, err, sizeof err), 0);

    char path[512];
    snprintf(path, sizeof path, "%s/testnet/alice.testnet.json", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    near_credentials back;
    assert_int_equal(near_credentials_read(dir, "testnet", "alice.testnet", &back, err, sizeof err), 0);
    assert_string_equal(back.account_id, "alice.testnet");
    assert_memory_equal(&back.keypair, &cred.keypair, sizeof cred.keypair);

    /* A file written by near-cli (pretty-printed, other key order). */
    char pub[NEAR_KEY_TEXT_MAX], priv[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&cred.keypair.public_key, pub);
    near_keypair_format_secret(&cred.keypair, priv);
    snprintf(path, sizeof path, "%s/testnet/bob.testnet.json", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\n  \"private_key\": \"%s\",\n  \"public_key\": \"%s\",\n  \"account_id\": \"bob.testnet\"\n}\n", priv,
            pub);
    fclose(f);
    assert_int_equal(near_credentials_read(dir, "testnet", "bob.testnet", &back, err, sizeof err), 0);

    /* Wrong public key, unsafe network names and invalid ids are refused. */
    f = fopen(path, "w");
    fprintf(
        f,
        "{\"account_id\":\"bob.testnet\",\"public_key\":\"ed25519:22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbTV\",\"private_key\":\"%s\"}",
        priv);
    fclose(f);
    assert_int_equal(near_credentials_read(dir, "testnet", "bob.testnet", &back, err, sizeof err), NEAR_ERR_INVALID);
    assert_non_null(strstr(err, "does not match"));
    assert_int_equal(near_credentials_read(dir, "../etc", "bob.testnet", &back, err, sizeof err), NEAR_ERR_ARG);
    assert_int_equal(near_credentials_read(dir, "testnet", "../x", &back, err, sizeof err), NEAR_ERR_ARG);
    assert_int_equal(near_credentials_read(dir, "testnet", "carol.testnet", &back, err, sizeof err), NEAR_ERR_IO);

    /* A damaged file: the error says where, and quotes none of the key. */
    f = fopen(path, "w");
    assert_non_null(f);
    /* jansson's own message would quote the string up to the bad byte. */
    fprintf(f, "{\"account_id\":\"bob.testnet\",\"private_key\":\"%s\x01\"}", priv);
    fclose(f);
    assert_int_equal(near_credentials_read(dir, "testnet", "bob.testnet", &back, err, sizeof err), NEAR_ERR_INVALID);
    assert_non_null(strstr(err, "line 1"));
    char head[12];
    snprintf(head, sizeof head, "%.10s", priv + 8);
    assert_null(strstr(err, head));

    unlink(path);
    snprintf(path, sizeof path, "%s/testnet/alice.testnet.json", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/testnet", dir);
    rmdir(path);
    rmdir(dir);
}

static int setup(void **state)
{
    (void)state;
    return near_keys_init();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_borsh_round_trip),
        cmocka_unit_test(test_borsh_reader_rejects_bad_input),
        cmocka_unit_test(test_base58),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_account_ids),
        cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_credentials),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
