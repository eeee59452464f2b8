/* test_near_vectors.c — our NEAR encoding checked byte for byte against
 * vectors produced by near-api-js (tests/near/gen_vectors.js →
 * tests/near/vectors.json): transaction borsh, hashes, signatures, signed
 * transactions, delegate actions, keys from seeds, base58 and amounts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "near/amount.h"
#include "near/encoding.h"
#include "near/keys.h"
#include "near/transaction.h"

#define VECTORS "../near/vectors.json"

static json_t *vectors;

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s)
        fail_msg("vector field %s missing", key);
    return s;
}

static uint64_t u64_of(json_t *o, const char *key)
{
    near_u128 v;
    assert_int_equal(near_u128_parse(str(o, key), &v), 0);
    assert_true(v <= UINT64_MAX);
    return (uint64_t)v;
}

static near_u128 u128_of(json_t *o, const char *key)
{
    near_u128 v;
    assert_int_equal(near_u128_parse(str(o, key), &v), 0);
    return v;
}

static near_public_key pk_of(json_t *o, const char *key)
{
    near_public_key pk;
    assert_int_equal(near_public_key_parse(str(o, key), &pk), 0);
    return pk;
}

static uint8_t *b64_of(json_t *o, const char *key, size_t *len)
{
    uint8_t *out;
    assert_int_equal(near_base64_decode(str(o, key), &out, len), 0);
    return out;
}

static uint8_t *hex_of(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *out = malloc(n + 1);
    assert_non_null(out);
    assert_int_equal(sodium_hex2bin(out, n + 1, hex, strlen(hex), NULL, len, NULL), 0);
    assert_int_equal(*len, n);
    return out;
}

static void keypair_of_seed_hex(const char *hex, near_keypair *kp)
{
    size_t n;
    uint8_t *seed = hex_of(hex, &n);
    assert_int_equal(n, 32);
    assert_int_equal(near_keypair_from_seed(seed, kp), 0);
    free(seed);
}

static void build_actions(near_action_list l, json_t *actions);

/* Builds, signs and checks the delegate action described by `a`, then
 * appends it to l. */
static void build_delegate(near_action_list l, json_t *a)
{
    json_t *d = json_object_get(a, "delegate_action");
    near_public_key pk = pk_of(d, "public_key");
    near_delegate_action da;
    assert_int_equal(near_delegate_action_init(&da, str(d, "sender_id"), str(d, "receiver_id"), u64_of(d, "nonce"),
                                               u64_of(d, "max_block_height"), &pk),
                     0);
    build_actions(near_delegate_actions(&da), json_object_get(d, "actions"));

    uint8_t hash[32];
    char b58[64], sig_text[NEAR_KEY_TEXT_MAX];
    assert_int_equal(near_delegate_action_hash(&da, hash), 0);
    assert_true(near_base58_encode(hash, 32, b58, sizeof b58) > 0);
    assert_string_equal(b58, str(a, "delegate_hash"));

    near_keypair kp;
    keypair_of_seed_hex(str(a, "signer_seed_hex"), &kp);
    near_signed_delegate sd;
    assert_int_equal(near_delegate_action_sign(&da, &kp, &sd), 0);
    assert_string_equal(near_signature_format(&sd.signature, sig_text), str(a, "signature"));
    assert_int_equal(near_signed_delegate_verify(&sd), 1);
    assert_int_equal(near_add_delegate(l, &sd), 0);
}

static void build_actions(near_action_list l, json_t *actions)
{
    size_t i;
    json_t *a;
    json_array_foreach(actions, i, a)
    {
        const char *type = str(a, "type");
        if (strcmp(type, "CreateAccount") == 0) {
            assert_int_equal(near_add_create_account(l), 0);
        } else if (strcmp(type, "DeployContract") == 0) {
            size_t n;
            uint8_t *code = b64_of(a, "code_base64", &n);
            assert_int_equal(near_add_deploy_contract(l, code, n), 0);
            free(code);
        } else if (strcmp(type, "FunctionCall") == 0) {
            size_t n;
            uint8_t *args = b64_of(a, "args_base64", &n);
            assert_int_equal(
                near_add_function_call(l, str(a, "method_name"), args, n, u64_of(a, "gas"), u128_of(a, "deposit")), 0);
            free(args);
        } else if (strcmp(type, "Transfer") == 0) {
            assert_int_equal(near_add_transfer(l, u128_of(a, "deposit")), 0);
        } else if (strcmp(type, "Stake") == 0) {
            near_public_key pk = pk_of(a, "public_key");
            assert_int_equal(near_add_stake(l, u128_of(a, "stake"), &pk), 0);
        } else if (strcmp(type, "AddKey") == 0) {
            near_public_key pk = pk_of(a, "public_key");
            json_t *ak = json_object_get(a, "access_key");
            json_t *perm = json_object_get(ak, "permission");
            if (json_is_string(perm)) {
                assert_string_equal(json_string_value(perm), "FullAccess");
                assert_int_equal(near_add_full_access_key(l, &pk, u64_of(ak, "nonce")), 0);
            } else {
                json_t *fc = json_object_get(perm, "FunctionCall");
                json_t *names = json_object_get(fc, "method_names");
                const char *list[16];
                size_t n = json_array_size(names);
                assert_true(n <= 16);
                for (size_t k = 0; k < n; k++)
                    list[k] = json_string_value(json_array_get(names, k));
                near_u128 allowance;
                int has = !json_is_null(json_object_get(fc, "allowance"));
                if (has)
                    allowance = u128_of(fc, "allowance");
                assert_int_equal(near_add_function_call_key(l, &pk, u64_of(ak, "nonce"), has ? &allowance : NULL,
                                                            str(fc, "receiver_id"), list, n),
                                 0);
            }
        } else if (strcmp(type, "DeleteKey") == 0) {
            near_public_key pk = pk_of(a, "public_key");
            assert_int_equal(near_add_delete_key(l, &pk), 0);
        } else if (strcmp(type, "DeleteAccount") == 0) {
            assert_int_equal(near_add_delete_account(l, str(a, "beneficiary_id")), 0);
        } else if (strcmp(type, "Delegate") == 0) {
            build_delegate(l, a);
        } else {
            fail_msg("unknown action type %s", type);
        }
    }
}

static void check_one_transaction(json_t *v)
{
    near_public_key pk = pk_of(v, "public_key");
    uint8_t block_hash[32];
    assert_int_equal(near_base58_decode_exact(str(v, "block_hash"), block_hash, 32), 0);
    near_transaction tx;
    assert_int_equal(
        near_transaction_init(&tx, str(v, "signer_id"), &pk, u64_of(v, "nonce"), str(v, "receiver_id"), block_hash), 0);
    build_actions(near_tx_actions(&tx), json_object_get(v, "actions"));

    /* Encode: byte for byte. */
    size_t want_len;
    uint8_t *want = hex_of(str(v, "tx_borsh_hex"), &want_len);
    near_borsh_writer w;
    near_borsh_writer_init(&w);
    near_transaction_encode(&w, &tx);
    assert_false(w.failed);
    assert_int_equal(w.len, want_len);
    assert_memory_equal(w.buf, want, want_len);
    near_borsh_writer_free(&w);

    /* Hash. */
    uint8_t hash[32];
    char b58[64];
    assert_int_equal(near_transaction_hash(&tx, hash), 0);
    near_base58_encode(hash, 32, b58, sizeof b58);
    assert_string_equal(b58, str(v, "tx_hash"));

    /* Decode the unsigned bytes and re-encode. */
    near_transaction back;
    char err[200];
    assert_int_equal(near_transaction_from_bytes(want, want_len, &back, err, sizeof err), 0);
    assert_string_equal(back.signer_id, tx.signer_id);
    assert_string_equal(back.receiver_id, tx.receiver_id);
    assert_int_equal(back.nonce, tx.nonce);
    assert_int_equal(back.n_actions, tx.n_actions);
    uint8_t hash2[32];
    assert_int_equal(near_transaction_hash(&back, hash2), 0);
    assert_memory_equal(hash, hash2, 32);
    near_transaction_free(&back);

    if (json_is_null(json_object_get(v, "signature"))) {
        near_transaction_free(&tx);
        free(want);
        return;
    }

    /* Sign: ed25519 is deterministic, so the signature must match. */
    near_keypair kp;
    keypair_of_seed_hex(str(v, "signer_seed_hex"), &kp);
    near_signed_transaction stx;
    uint8_t sign_hash[32];
    assert_int_equal(near_transaction_sign(&tx, &kp, &stx, sign_hash), 0);
    assert_memory_equal(sign_hash, hash, 32);
    char sig_text[NEAR_KEY_TEXT_MAX];
    assert_string_equal(near_signature_format(&stx.signature, sig_text), str(v, "signature"));
    assert_int_equal(near_signed_transaction_verify(&stx), 1);

    size_t signed_len, want_signed_len;
    uint8_t *signed_bytes = near_signed_transaction_to_bytes(&stx, &signed_len);
    uint8_t *want_signed = b64_of(v, "signed_tx_base64", &want_signed_len);
    assert_non_null(signed_bytes);
    assert_int_equal(signed_len, want_signed_len);
    assert_memory_equal(signed_bytes, want_signed, signed_len);

    /* Decode what near-api-js signed; it verifies and re-encodes identically. */
    near_signed_transaction decoded;
    assert_int_equal(near_signed_transaction_from_bytes(want_signed, want_signed_len, &decoded, err, sizeof err), 0);
    assert_int_equal(near_signed_transaction_verify(&decoded), 1);
    size_t again_len;
    uint8_t *again = near_signed_transaction_to_bytes(&decoded, &again_len);
    assert_int_equal(again_len, want_signed_len);
    assert_memory_equal(again, want_signed, again_len);

    /* A flipped bit anywhere in the signed part breaks verification. */
    decoded.transaction.nonce ^= 1;
    assert_int_equal(near_signed_transaction_verify(&decoded), 0);

    free(again);
    near_signed_transaction_free(&decoded);
    free(signed_bytes);
    free(want_signed);
    near_signed_transaction_free(&stx);
    near_keypair_wipe(&kp);
    free(want);
}

static void test_transactions_match_near_api_js(void **state)
{
    (void)state;
    json_t *list = json_object_get(vectors, "transactions");
    assert_true(json_array_size(list) >= 10);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        print_message("vector %s\n", str(v, "name"));
        check_one_transaction(v);
    }
}

static void test_nearcore_hash_vector_is_present(void **state)
{
    (void)state;
    /* The nearcore test transaction must be among the vectors with the hash
     * nearcore's own tests expect (core/primitives' transaction tests). */
    json_t *v = json_array_get(json_object_get(vectors, "transactions"), 0);
    assert_string_equal(str(v, "name"), "nearcore_all_actions");
    assert_string_equal(str(v, "tx_hash"), "4GXvjMFN6wSxnU9jEVT8HbXP5Yk6yELX9faRSKp6n9fX");
}

static void test_keys_match_near_api_js(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(vectors, "keys"), i, v)
    {
        near_keypair kp, parsed;
        char text[NEAR_KEY_TEXT_MAX], implicit[65];
        keypair_of_seed_hex(str(v, "seed_hex"), &kp);
        assert_string_equal(near_public_key_format(&kp.public_key, text), str(v, "public_key"));
        assert_string_equal(near_keypair_format_secret(&kp, text), str(v, "secret_key"));
        assert_int_equal(near_public_key_implicit_account(&kp.public_key, implicit), 0);
        assert_string_equal(implicit, str(v, "implicit_account"));
        assert_int_equal(near_keypair_parse_secret(str(v, "secret_key"), &parsed), 0);
        assert_memory_equal(&parsed, &kp, sizeof kp);

        size_t mlen;
        uint8_t *msg = hex_of(str(v, "message_hex"), &mlen);
        near_signature sig, want;
        assert_int_equal(near_sign(&kp, msg, mlen, &sig), 0);
        assert_string_equal(near_signature_format(&sig, text), str(v, "signature"));
        assert_int_equal(near_signature_parse(str(v, "signature"), &want), 0);
        assert_int_equal(near_verify(&kp.public_key, msg, mlen, &want), 1);
        free(msg);
    }
}

static void test_base58_matches_near_api_js(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(vectors, "base58"), i, v)
    {
        size_t n;
        uint8_t *bytes = hex_of(str(v, "hex"), &n);
        char text[128];
        assert_int_equal(near_base58_encode(bytes, n, text, sizeof text), (int)strlen(str(v, "base58")));
        assert_string_equal(text, str(v, "base58"));
        uint8_t back[64];
        assert_int_equal(near_base58_decode(text, back, sizeof back), (int)n);
        if (n)
            assert_memory_equal(back, bytes, n);
        free(bytes);
    }
}

static void test_amounts_match_near_api_js(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(vectors, "amounts"), i, v)
    {
        near_u128 yocto;
        char text[NEAR_AMOUNT_TEXT_MAX], dec[NEAR_U128_DEC_MAX];
        assert_int_equal(near_amount_parse_near(str(v, "near"), &yocto), 0);
        assert_string_equal(near_u128_format(yocto, dec), str(v, "yocto"));
        assert_string_equal(near_amount_format_near(yocto, text), str(v, "formatted"));
    }
}

static int load_vectors(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    json_error_t err;
    vectors = json_load_file(VECTORS, 0, &err);
    if (!vectors) {
        fprintf(stderr, "cannot load %s: %s\n", VECTORS, err.text);
        return -1;
    }
    return 0;
}

static int free_vectors(void **state)
{
    (void)state;
    json_decref(vectors);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nearcore_hash_vector_is_present), cmocka_unit_test(test_transactions_match_near_api_js),
        cmocka_unit_test(test_keys_match_near_api_js),          cmocka_unit_test(test_base58_matches_near_api_js),
        cmocka_unit_test(test_amounts_match_near_api_js),
    };
    return cmocka_run_group_tests(tests, load_vectors, free_vectors);
}
