/* test_secrets_crypto.c — seed normalisation, key derivation, sealed-box
 * blobs, secret names and generated secrets (src/secrets/).
 *
 * The KDF vectors were computed independently of libsodium with Python's
 * hashlib.blake2b (key = master, salt, person) and the `cryptography`
 * package's X25519 (secret key = SHA-512(box_seed)[0..32], as
 * crypto_box_seed_keypair does); see docs/secrets.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secrets/blob.h"
#include "secrets/generate.h"
#include "secrets/kdf.h"
#include "secrets/names.h"
#include "secrets/seed.h"

/* ------------------------------------------------------ normalisation */

static const struct {
    const char *in, *out;
} REPO_OK[] = {
    {"github.com/alice/project", "github.com/alice/project"},
    {"alice/project", "github.com/alice/project"},
    {"alice/project.git", "github.com/alice/project"},
    {"https://github.com/alice/project", "github.com/alice/project"},
    {"https://github.com/alice/project.git", "github.com/alice/project"},
    {"https://github.com/alice/project/", "github.com/alice/project"},
    {"http://github.com/alice/project", "github.com/alice/project"},
    {"git@github.com:alice/project.git", "github.com/alice/project"},
    {"git@github.com:alice/project", "github.com/alice/project"},
    {"ssh://git@github.com/alice/project.git", "github.com/alice/project"},
    {"  github.com/alice/project \n", "github.com/alice/project"},
    {"GitHub.com/Alice/Project", "github.com/alice/project"},
    {"HTTPS://GITHUB.COM/ALICE/PROJECT", NULL}, /* scheme is case-sensitive: refused, see below */
    {"Alice/Project.git", "github.com/alice/project"},
    {"gitlab.com/Alice/Project", "gitlab.com/Alice/Project"},
    {"GitLab.COM/Alice/Project", "gitlab.com/Alice/Project"},
    {"https://git.example.org/team/my_repo.v2.git", "git.example.org/team/my_repo.v2"},
    {"alice/my-repo_1.0", "github.com/alice/my-repo_1.0"},
};

static const char *const REPO_BAD[] = {
    "",
    "   ",
    "alice",
    "github.com/alice",
    "github.com/alice/project/tree/main",
    "https://github.com/alice",
    "https://alice/project", /* with a scheme the host is required */
    "github.com:8080/alice/project",
    "https://user:pw@github.com/alice/project",
    "github.com/alice/project?x=1",
    "github.com/alice/project#readme",
    "github.com/../project",
    "github.com/alice/..",
    "github.com//project",
    "github.com/al ice/project",
    "github.com/alice/pro:ject",
    "git@github.com",
    "ftp://github.com/alice/project",
    "-evil.com/alice/project",
};

static void test_repo_normalize(void **state)
{
    (void)state;
    char out[SEC_REPO_MAX], err[256];
    for (size_t i = 0; i < sizeof REPO_OK / sizeof REPO_OK[0]; i++) {
        int r = sec_repo_normalize(REPO_OK[i].in, out, sizeof out, err, sizeof err);
        if (REPO_OK[i].out) {
            if (r != 0)
                fail_msg("'%s' refused: %s", REPO_OK[i].in, err);
            assert_string_equal(out, REPO_OK[i].out);
            /* idempotent: the normalised form normalises to itself */
            char again[SEC_REPO_MAX];
            assert_int_equal(sec_repo_normalize(out, again, sizeof again, err, sizeof err), 0);
            assert_string_equal(again, out);
        } else {
            assert_int_equal(r, -1);
        }
    }
    for (size_t i = 0; i < sizeof REPO_BAD / sizeof REPO_BAD[0]; i++) {
        err[0] = 0;
        if (sec_repo_normalize(REPO_BAD[i], out, sizeof out, err, sizeof err) == 0)
            fail_msg("'%s' accepted as '%s'", REPO_BAD[i], out);
        assert_true(strlen(err) > 10);
    }
    assert_int_equal(sec_repo_normalize(NULL, out, sizeof out, err, sizeof err), -1);
}

static void test_seeds(void **state)
{
    (void)state;
    sec_accessor a;
    char seed[SEC_SEED_MAX], err[256], owner[SEC_OWNER_MAX];
    assert_int_equal(sec_accessor_make(&a, "https://github.com/Alice/Project.git", NULL, NULL, err, sizeof err), 0);
    assert_int_equal(sec_seed_build(&a, "alice.near", seed, sizeof seed, err, sizeof err), 0);
    assert_string_equal(seed, "github.com/alice/project:alice.near");
    assert_int_equal(sec_accessor_make(&a, "alice/project", "main", NULL, err, sizeof err), 0);
    assert_int_equal(sec_seed_build(&a, "alice.near", seed, sizeof seed, err, sizeof err), 0);
    assert_string_equal(seed, "github.com/alice/project:alice.near:main");
    assert_int_equal(sec_accessor_make(&a, NULL, NULL,
                                       "41C1C7B3528565F3FD139943F439D61C0768E9ABDB9B579BD0921ECBFCABEDED", err,
                                       sizeof err),
                     0);
    assert_int_equal(sec_seed_build(&a, "alice.near", seed, sizeof seed, err, sizeof err), 0);
    assert_string_equal(seed, "wasm_hash:41c1c7b3528565f3fd139943f439d61c0768e9abdb9b579bd0921ecbfcabeded:alice.near");

    /* parse: a coordinator's seed is normalised the same way */
    assert_int_equal(sec_seed_parse("alice/project:alice.near:feature/x", &a, owner, err, sizeof err), 0);
    assert_string_equal(a.repo, "github.com/alice/project");
    assert_true(a.has_branch);
    assert_string_equal(a.branch, "feature/x");
    assert_string_equal(owner, "alice.near");
    assert_int_equal(
        sec_seed_parse("wasm_hash:41C1C7B3528565F3FD139943F439D61C0768E9ABDB9B579BD0921ECBFCABEDED:bob.near", &a, owner,
                       err, sizeof err),
        0);
    assert_true(a.is_wasm_hash);
    assert_string_equal(a.hash, "41c1c7b3528565f3fd139943f439d61c0768e9abdb9b579bd0921ecbfcabeded");
    assert_string_equal(owner, "bob.near");

    /* repositories with ':' of their own */
    assert_int_equal(sec_seed_parse("https://github.com/Alice/Project.git:alice.near", &a, owner, err, sizeof err), 0);
    assert_string_equal(a.repo, "github.com/alice/project");
    assert_false(a.has_branch);
    assert_int_equal(sec_seed_parse("git@github.com:alice/project.git:alice.near:main", &a, owner, err, sizeof err), 0);
    assert_string_equal(a.repo, "github.com/alice/project");
    assert_string_equal(a.branch, "main");
    assert_string_equal(owner, "alice.near");
    assert_int_equal(sec_seed_parse("github.com/a/b:alice.near:main:extra", &a, owner, err, sizeof err), -1);
    /* refusals */
    assert_int_equal(sec_seed_parse("github.com/a/b", &a, owner, err, sizeof err), -1);
    assert_int_equal(sec_seed_parse("github.com/a/b:Not_An_Account!", &a, owner, err, sizeof err), -1);
    assert_int_equal(sec_seed_parse("wasm_hash:abcd:alice.near", &a, owner, err, sizeof err), -1);
    assert_non_null(strstr(err, "64 hex"));
    assert_int_equal(sec_accessor_make(&a, "a/b", "has space", NULL, err, sizeof err), -1);
    assert_int_equal(sec_accessor_make(&a, "a/b", "", NULL, err, sizeof err), -1);
    assert_int_equal(sec_accessor_make(&a, "a/b", NULL, "00", err, sizeof err), -1);
    assert_int_equal(sec_accessor_make(&a, NULL, NULL, NULL, err, sizeof err), -1);
    assert_int_equal(sec_accessor_make(&a, "a/b", NULL, NULL, err, sizeof err), 0);
    assert_int_equal(sec_seed_build(&a, "", seed, sizeof seed, err, sizeof err), -1);
    assert_int_equal(sec_seed_build(&a, "UPPER.near", seed, sizeof seed, err, sizeof err), -1);
}

/* ------------------------------------------------------------------ KDF */

static const uint8_t MASTER[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

static const struct {
    const char *seed, *pk, *mac;
} KDF_VECTORS[] = {
    {"github.com/alice/project:alice.near", "c728939aceb84b0f8d06fb6bea969e82fdbe7f36f9da3cb9f70f067ac5807253",
     "c088a4521a851892292fe67f5aacb5c5c75266a2c238a65903453306d0355ba5"},
    {"github.com/alice/project:alice.near:main", "9eaa23f55a9ee9d2c433e59c10762c586fc362a3437d6db8bc04ee1916a8cf56",
     "98142cd8aae82318f5940195649938a0e18f8c917b83a0d98232a6821c85f161"},
    {"wasm_hash:41c1c7b3528565f3fd139943f439d61c0768e9abdb9b579bd0921ecbfcabeded:alice.near",
     "f71e518269c1d96fe998dbed2dae241631537b0d4c1aa8ac922c1b52477d6771",
     "5afeb6756b52893841af38deccd8a59bbd3c3e44fa794da2a163fa6a7b5d0f2b"},
};

static void test_kdf_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof KDF_VECTORS / sizeof KDF_VECTORS[0]; i++) {
        sec_keys k;
        char hex[65];
        assert_int_equal(sec_kdf_derive(MASTER, KDF_VECTORS[i].seed, &k), 0);
        sec_hex(k.pk, 32, hex);
        assert_string_equal(hex, KDF_VECTORS[i].pk);
        sec_hex(k.mac_key, 32, hex);
        assert_string_equal(hex, KDF_VECTORS[i].mac);
        /* the secret key really belongs to the public key */
        uint8_t pk2[32];
        crypto_scalarmult_base(pk2, k.sk);
        assert_memory_equal(pk2, k.pk, 32);
        sec_keys_wipe(&k);
    }
    /* another master gives other keys */
    uint8_t other[32];
    sec_keys a, b;
    memcpy(other, MASTER, 32);
    other[31] ^= 1;
    assert_int_equal(sec_kdf_derive(MASTER, "x/y:alice.near", &a), 0);
    assert_int_equal(sec_kdf_derive(other, "x/y:alice.near", &b), 0);
    assert_memory_not_equal(a.pk, b.pk, 32);
    /* hex helpers */
    uint8_t raw[32];
    assert_int_equal(sec_unhex("000102030405060708090A0B0C0D0E0F101112131415161718191a1b1c1d1e1f", raw, 32), 0);
    assert_memory_equal(raw, MASTER, 32);
    assert_int_equal(sec_unhex("0001", raw, 32), -1);
    assert_int_equal(sec_unhex("zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", raw, 32), -1);
}

/* ----------------------------------------------------------------- blob */

static void keys_for(const char *seed, sec_keys *k) { assert_int_equal(sec_kdf_derive(MASTER, seed, k), 0); }

static void test_blob_round_trip(void **state)
{
    (void)state;
    sec_keys k;
    char err[512];
    keys_for("github.com/alice/project:alice.near", &k);
    const char *text = "{\"API_KEY\":\"sk-test\"}";
    char *b64 = sec_blob_seal(k.pk, (const uint8_t *)text, strlen(text), err, sizeof err);
    assert_non_null(b64);
    assert_memory_equal(b64, "b2wB", 4);
    uint8_t *plain;
    size_t n;
    sec_blob_kind kind;
    assert_int_equal(sec_blob_open(&k, b64, &plain, &n, &kind, err, sizeof err), 0);
    assert_int_equal(n, strlen(text));
    assert_string_equal((char *)plain, text);
    assert_int_equal(kind, SEC_BLOB_CLIENT);
    sec_wipe_free(plain, n);
    /* two seals of the same text differ (ephemeral key) */
    char *b64b = sec_blob_seal(k.pk, (const uint8_t *)text, strlen(text), err, sizeof err);
    assert_string_not_equal(b64, b64b);
    free(b64b);
    /* keystore-made blob: version 2 */
    char *v2 = sec_blob_seal_keystore(&k, (const uint8_t *)text, strlen(text), err, sizeof err);
    assert_non_null(v2);
    assert_memory_equal(v2, "b2wC", 4);
    assert_int_equal(sec_blob_open(&k, v2, &plain, &n, &kind, err, sizeof err), 0);
    assert_int_equal(kind, SEC_BLOB_KEYSTORE);
    assert_string_equal((char *)plain, text);
    sec_wipe_free(plain, n);
    /* empty plaintext works too */
    char *empty = sec_blob_seal(k.pk, (const uint8_t *)"", 0, err, sizeof err);
    assert_int_equal(sec_blob_open(&k, empty, &plain, &n, &kind, err, sizeof err), 0);
    assert_int_equal(n, 0);
    sec_wipe_free(plain, n);
    free(empty);
    free(v2);
    free(b64);
    sec_keys_wipe(&k);
}

static void test_blob_errors(void **state)
{
    (void)state;
    sec_keys k, other;
    char err[512];
    uint8_t *plain = NULL;
    size_t n;
    keys_for("github.com/alice/project:alice.near", &k);
    keys_for("github.com/alice/project:mallory.near", &other);
    const char *text = "{\"API_KEY\":\"sk-test\"}";
    char *b64 = sec_blob_seal(k.pk, (const uint8_t *)text, strlen(text), err, sizeof err);

    /* wrong key */
    assert_int_equal(sec_blob_open(&other, b64, &plain, &n, NULL, err, sizeof err), -1);
    assert_null(plain);
    assert_non_null(strstr(err, "another repository"));
    assert_null(strstr(err, "sk-test"));

    /* every single-bit flip of the binary blob is caught */
    uint8_t *raw;
    size_t rawlen;
    {
        size_t cap = strlen(b64);
        raw = malloc(cap);
        assert_int_equal(
            sodium_base642bin(raw, cap, b64, strlen(b64), NULL, &rawlen, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
    }
    for (size_t bit = 0; bit < rawlen * 8; bit++) {
        raw[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        char flipped[256];
        sodium_bin2base64(flipped, sizeof flipped, raw, rawlen, sodium_base64_VARIANT_ORIGINAL);
        if (sec_blob_open(&k, flipped, &plain, &n, NULL, err, sizeof err) == 0)
            fail_msg("bit %zu flip accepted", bit);
        raw[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    /* every truncation is caught */
    for (size_t len = 0; len < rawlen; len++) {
        char cut[256];
        sodium_bin2base64(cut, sizeof cut, raw, len, sodium_base64_VARIANT_ORIGINAL);
        if (sec_blob_open(&k, cut, &plain, &n, NULL, err, sizeof err) == 0)
            fail_msg("truncation to %zu accepted", len);
    }
    sodium_bin2base64((char[256]){0}, 256, raw, 10, sodium_base64_VARIANT_ORIGINAL);
    {
        char cut[64];
        sodium_bin2base64(cut, sizeof cut, raw, 20, sodium_base64_VARIANT_ORIGINAL);
        assert_int_equal(sec_blob_open(&k, cut, &plain, &n, NULL, err, sizeof err), -1);
        assert_non_null(strstr(err, "truncated"));
    }
    /* unknown version */
    raw[2] = 9;
    {
        char v9[256];
        sodium_bin2base64(v9, sizeof v9, raw, rawlen, sodium_base64_VARIANT_ORIGINAL);
        assert_int_equal(sec_blob_open(&k, v9, &plain, &n, NULL, err, sizeof err), -1);
        assert_non_null(strstr(err, "version 9"));
    }
    free(raw);

    /* a version-1 blob relabelled as version 2 fails its MAC check */
    {
        char *v2 =
            sec_blob_seal(k.pk, (const uint8_t *)"0123456789012345678901234567890123456789", 40, err, sizeof err);
        uint8_t r2[256];
        size_t l2;
        assert_int_equal(
            sodium_base642bin(r2, sizeof r2, v2, strlen(v2), NULL, &l2, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
        r2[2] = 2; /* header is outside the seal, so only the MAC can catch it */
        char re[256];
        sodium_bin2base64(re, sizeof re, r2, l2, sodium_base64_VARIANT_ORIGINAL);
        assert_int_equal(sec_blob_open(&k, re, &plain, &n, NULL, err, sizeof err), -1);
        assert_non_null(strstr(err, "MAC"));
        free(v2);
    }

    /* bad base64, empty */
    assert_int_equal(sec_blob_open(&k, "not base64!!", &plain, &n, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "base64"));
    assert_int_equal(sec_blob_open(&k, "", &plain, &n, NULL, err, sizeof err), -1);
    assert_int_equal(sec_blob_open(&k, NULL, &plain, &n, NULL, err, sizeof err), -1);

    /* the reference's format (spec §A.5 test vector) is refused with advice */
    assert_int_equal(sec_blob_open(&k, "AAECAwQFBgcICQoLTbdwMKpQ3F/JwtATTVKMMH7vpNms4foE+kP1vtOmbFVOiL2DWQ==", &plain,
                                   &n, NULL, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "reference"));
    assert_non_null(strstr(err, "outlayer secrets encrypt"));
    free(b64);
    sec_keys_wipe(&k);
    sec_keys_wipe(&other);
}

static void test_blob_size_limits(void **state)
{
    (void)state;
    sec_keys k;
    char err[512];
    keys_for("github.com/alice/project:alice.near", &k);
    /* exactly 10 MiB is accepted, one byte more is refused */
    size_t max = SEC_PLAINTEXT_MAX;
    uint8_t *big = malloc(max + 1);
    memset(big, 'a', max + 1);
    assert_null(sec_blob_seal(k.pk, big, max + 1, err, sizeof err));
    assert_non_null(strstr(err, "too large"));
    char *b64 = sec_blob_seal(k.pk, big, max, err, sizeof err);
    assert_non_null(b64);
    uint8_t *plain;
    size_t n;
    assert_int_equal(sec_blob_open(&k, b64, &plain, &n, NULL, err, sizeof err), 0);
    assert_int_equal(n, max);
    sec_wipe_free(plain, n);
    free(b64);
    /* a base64 text longer than the largest blob is refused before decoding */
    size_t huge = SEC_BLOB_B64_MAX + 4;
    char *text = malloc(huge + 1);
    memset(text, 'A', huge);
    text[huge] = 0;
    assert_int_equal(sec_blob_open(&k, text, &plain, &n, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "too large"));
    free(text);
    free(big);
    sec_keys_wipe(&k);
}

/* ---------------------------------------------------------------- names */

static void test_names(void **state)
{
    (void)state;
    json_t *obj;
    char err[512];
    const char *ok = "{\"API_KEY\":\"x\",\"_under\":\"y\",\"a1\":\"\"}";
    assert_int_equal(sec_secrets_parse(ok, strlen(ok), SEC_BLOB_CLIENT, &obj, err, sizeof err), 0);
    assert_int_equal(json_object_size(obj), 3);
    json_decref(obj);

    const char *reserved = "{\"NEAR_SENDER_ID\":\"x\",\"OK\":\"y\"}";
    assert_int_equal(sec_secrets_parse(reserved, strlen(reserved), SEC_BLOB_CLIENT, &obj, err, sizeof err), -1);
    assert_non_null(strstr(err, "reserved system keywords"));
    assert_non_null(strstr(err, "NEAR_SENDER_ID"));

    const char *prot = "{\"PROTECTED_KEY\":\"secret-value\"}";
    assert_int_equal(sec_secrets_parse(prot, strlen(prot), SEC_BLOB_CLIENT, &obj, err, sizeof err), -1);
    assert_non_null(strstr(err, "PROTECTED_"));
    assert_null(strstr(err, "secret-value"));
    assert_int_equal(sec_secrets_parse(prot, strlen(prot), SEC_BLOB_KEYSTORE, &obj, err, sizeof err), 0);
    json_decref(obj);

    const char *nonstr = "{\"N\":5}";
    assert_int_equal(sec_secrets_parse(nonstr, strlen(nonstr), SEC_BLOB_CLIENT, &obj, err, sizeof err), -1);
    assert_non_null(strstr(err, "strings"));
    const char *badname = "{\"A=B\":\"x\"}";
    assert_int_equal(sec_secrets_parse(badname, strlen(badname), SEC_BLOB_CLIENT, &obj, err, sizeof err), -1);
    const char *digit = "{\"1A\":\"x\"}";
    assert_int_equal(sec_secrets_parse(digit, strlen(digit), SEC_BLOB_CLIENT, &obj, err, sizeof err), -1);
    const char *arr = "[\"x\"]";
    assert_int_equal(sec_secrets_parse(arr, strlen(arr), SEC_BLOB_CLIENT, &obj, err, sizeof err), -1);
    const char *dup = "{\"A\":\"x\",\"A\":\"y\"}";
    assert_int_equal(sec_secrets_parse(dup, strlen(dup), SEC_BLOB_CLIENT, &obj, err, sizeof err), -1);
    assert_int_equal(sec_secrets_parse("{", 1, SEC_BLOB_CLIENT, &obj, err, sizeof err), -1);
    assert_int_equal(sec_reserved_count, 15);
}

/* ------------------------------------------------------------ generation */

static bool all_of(const char *s, const char *set)
{
    for (; *s; s++)
        if (!strchr(set, *s))
            return false;
    return true;
}

static void test_generate(void **state)
{
    (void)state;
    char err[256];
    static const char HEX[] = "0123456789abcdef";
    static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    struct {
        const char *d;
        size_t len;
        const char *set;
    } cases[] = {
        {"generate_outlayer_secret:hex32", 64, HEX},
        {"hex16", 32, HEX},
        {"hex64", 128, HEX},
        {"ed25519_seed", 64, HEX},
        {"password", 32, ALNUM},
        {"password:16", 16, ALNUM},
        {"password:64", 64, ALNUM},
        {"password:128", 128, ALNUM},
        {"password:0", 0, ALNUM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *v = sec_generate(cases[i].d, err, sizeof err);
        if (!v)
            fail_msg("%s: %s", cases[i].d, err);
        assert_int_equal(strlen(v), cases[i].len);
        assert_true(all_of(v, cases[i].set));
        free(v);
    }
    char *ed = sec_generate("ed25519", err, sizeof err);
    assert_non_null(ed);
    assert_memory_equal(ed, "ed25519:", 8);
    assert_in_range(strlen(ed + 8), 43, 45);
    free(ed);
    char *a = sec_generate("hex32", err, sizeof err), *b = sec_generate("hex32", err, sizeof err);
    assert_string_not_equal(a, b);
    free(a);
    free(b);
    const char *bad[] = {"nope", "", "password:x", "password:-1", "password:99999", "hex32:5", "password:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *v = sec_generate(bad[i], err, sizeof err);
        if (v)
            fail_msg("'%s' accepted", bad[i]);
    }
    assert_null(sec_generate("rsa", err, sizeof err));
    assert_string_equal(err, "Unknown secret type: rsa");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repo_normalize), cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_kdf_vectors),    cmocka_unit_test(test_blob_round_trip),
        cmocka_unit_test(test_blob_errors),    cmocka_unit_test(test_blob_size_limits),
        cmocka_unit_test(test_names),          cmocka_unit_test(test_generate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
