/* test_near_transaction.c — transactions built in C: the nearcore hash
 * vector, signing, delegate actions and a decoder that refuses bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "near/encoding.h"
#include "near/transaction.h"
#include "near/tx_json.h"

/* The transaction from nearcore's own tests (core/primitives' transaction tests). */
static void build_nearcore_tx(near_transaction *tx)
{
    near_public_key pk;
    assert_int_equal(near_public_key_parse("ed25519:22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbTV", &pk), 0);
    uint8_t zero[32] = {0};
    assert_int_equal(near_transaction_init(tx, "test.near", &pk, 1, "123", zero), 0);
    near_action_list l = near_tx_actions(tx);
    static const uint8_t code[] = {1, 2, 3};
    const char *methods[] = {"www"};
    assert_int_equal(near_add_create_account(l), 0);
    assert_int_equal(near_add_deploy_contract(l, code, 3), 0);
    assert_int_equal(near_add_function_call(l, "qqq", code, 3, 1000, 1000000), 0);
    assert_int_equal(near_add_transfer(l, 123), 0);
    assert_int_equal(near_add_stake(l, 1000000, &pk), 0);
    assert_int_equal(near_add_function_call_key(l, &pk, 0, NULL, "zzz", methods, 1), 0);
    assert_int_equal(near_add_delete_key(l, &pk), 0);
    assert_int_equal(near_add_delete_account(l, "123"), 0);
}

static void test_nearcore_hash_vector(void **state)
{
    (void)state;
    near_transaction tx;
    build_nearcore_tx(&tx);
    uint8_t hash[32];
    char text[64];
    assert_int_equal(near_transaction_hash(&tx, hash), 0);
    near_base58_encode(hash, 32, text, sizeof text);
    assert_string_equal(text, "4GXvjMFN6wSxnU9jEVT8HbXP5Yk6yELX9faRSKp6n9fX");
    near_transaction_free(&tx);
}

static uint8_t *encode_tx(const near_transaction *tx, size_t *len)
{
    near_borsh_writer w;
    near_borsh_writer_init(&w);
    near_transaction_encode(&w, tx);
    assert_false(w.failed);
    return near_borsh_writer_take(&w, len);
}

static void test_decode_every_truncation_fails_cleanly(void **state)
{
    (void)state;
    near_transaction tx, back;
    build_nearcore_tx(&tx);
    size_t len;
    uint8_t *bytes = encode_tx(&tx, &len);
    char err[200];
    /* Every strict prefix is an error with a message (and no leak: ASan). */
    for (size_t cut = 0; cut < len; cut++) {
        err[0] = '\0';
        assert_int_equal(near_transaction_from_bytes(bytes, cut, &back, err, sizeof err), NEAR_ERR_INVALID);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(near_transaction_from_bytes(bytes, len, &back, err, sizeof err), 0);
    assert_int_equal(back.n_actions, 8);
    assert_int_equal(back.actions[5].kind, NEAR_ACTION_ADD_KEY);
    assert_false(back.actions[5].access_key.full_access);
    assert_string_equal(back.actions[5].access_key.receiver_id, "zzz");
    assert_string_equal(back.actions[5].access_key.method_names[0], "www");
    assert_string_equal(back.actions[7].beneficiary_id, "123");
    near_transaction_free(&back);

    /* Trailing bytes are refused. */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, bytes, len);
    longer[len] = 0;
    assert_int_equal(near_transaction_from_bytes(longer, len + 1, &back, err, sizeof err), NEAR_ERR_INVALID);
    assert_non_null(strstr(err, "trailing"));
    free(longer);
    free(bytes);
    near_transaction_free(&tx);
}

static void test_decode_rejects_unsupported(void **state)
{
    (void)state;
    near_transaction tx, back;
    build_nearcore_tx(&tx);
    size_t len;
    uint8_t *bytes = encode_tx(&tx, &len);
    char err[200];

    /* TransactionV1 (first byte 1). */
    uint8_t saved = bytes[0];
    bytes[0] = 1;
    assert_int_equal(near_transaction_from_bytes(bytes, len, &back, err, sizeof err), NEAR_ERR_INVALID);
    assert_non_null(strstr(err, "V1"));
    bytes[0] = saved;

    /* Unknown key type (offset 4 + 9 = the public key's type byte). */
    bytes[13] = 7;
    assert_int_equal(near_transaction_from_bytes(bytes, len, &back, err, sizeof err), NEAR_ERR_INVALID);
    assert_non_null(strstr(err, "public key type 7"));
    bytes[13] = 0;

    /* Unknown action variant: the first action's tag follows signer (13),
     * key (33), nonce (8), receiver (7), block hash (32), count (4). */
    size_t first_action = 13 + 33 + 8 + 7 + 32 + 4;
    assert_int_equal(bytes[first_action], NEAR_ACTION_CREATE_ACCOUNT);
    bytes[first_action] = 42;
    assert_int_equal(near_transaction_from_bytes(bytes, len, &back, err, sizeof err), NEAR_ERR_INVALID);
    assert_non_null(strstr(err, "action variant 42"));
    free(bytes);
    near_transaction_free(&tx);
}

static void test_sign_and_verify(void **state)
{
    (void)state;
    uint8_t seed[32] = {5}, other_seed[32] = {6};
    near_keypair kp, other;
    assert_int_equal(near_keypair_from_seed(seed, &kp), NEAR_OK);
    assert_int_equal(near_keypair_from_seed(other_seed, &other), NEAR_OK);
    near_transaction tx;
    uint8_t bh[32] = {1, 2, 3};
    assert_int_equal(near_transaction_init(&tx, "alice.near", &kp.public_key, 10, "bob.near", bh), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), 1), 0);

    near_signed_transaction stx;
    /* The wrong key cannot sign (and the tx is left untouched). */
    assert_int_equal(near_transaction_sign(&tx, &other, &stx, NULL), NEAR_ERR_INVALID);
    assert_non_null(tx.signer_id);

    uint8_t hash[32], want[32];
    assert_int_equal(near_transaction_hash(&tx, want), 0);
    assert_int_equal(near_transaction_sign(&tx, &kp, &stx, hash), 0);
    assert_memory_equal(hash, want, 32);
    assert_null(tx.signer_id); /* moved */
    assert_int_equal(near_signed_transaction_verify(&stx), 1);
    /* The signature covers sha256(borsh(tx)). */
    assert_int_equal(crypto_sign_verify_detached(stx.signature.data, hash, 32, kp.public_key.data), 0);

    size_t len;
    uint8_t *bytes = near_signed_transaction_to_bytes(&stx, &len);
    /* SignedTransaction = tx bytes ‖ 0 ‖ 64-byte signature. */
    assert_int_equal(bytes[len - 65], 0);
    assert_memory_equal(bytes + len - 64, stx.signature.data, 64);
    bytes[len - 1] ^= 0x40;
    near_signed_transaction back;
    char err[160];
    assert_int_equal(near_signed_transaction_from_bytes(bytes, len, &back, err, sizeof err), 0);
    assert_int_equal(near_signed_transaction_verify(&back), 0);
    near_signed_transaction_free(&back);
    free(bytes);
    near_signed_transaction_free(&stx);
}

static void test_delegate(void **state)
{
    (void)state;
    uint8_t s1[32] = {11}, s2[32] = {12};
    near_keypair sender, relayer;
    assert_int_equal(near_keypair_from_seed(s1, &sender), NEAR_OK);
    assert_int_equal(near_keypair_from_seed(s2, &relayer), NEAR_OK);
    near_delegate_action da;
    assert_int_equal(near_delegate_action_init(&da, "bob.near", "app.near", 5, 1000, &sender.public_key), 0);
    assert_int_equal(near_add_function_call(near_delegate_actions(&da), "go", (const uint8_t *)"{}", 2, 10, 0), 0);

    /* The signed message starts with the NEP-461 prefix 2^30 + 366. */
    near_borsh_writer w;
    near_borsh_writer_init(&w);
    near_borsh_write_u32(&w, NEAR_DELEGATE_ACTION_PREFIX);
    near_delegate_action_encode(&w, &da);
    uint8_t want[32], hash[32];
    crypto_hash_sha256(want, w.buf, w.len);
    assert_int_equal(w.buf[0] | w.buf[1] << 8 | w.buf[2] << 16 | (uint32_t)w.buf[3] << 24, (1u << 30) + 366);
    near_borsh_writer_free(&w);
    assert_int_equal(near_delegate_action_hash(&da, hash), 0);
    assert_memory_equal(hash, want, 32);

    near_signed_delegate sd;
    assert_int_equal(near_delegate_action_sign(&da, &sender, &sd), 0);
    assert_int_equal(near_signed_delegate_verify(&sd), 1);

    near_transaction tx;
    uint8_t bh[32] = {0};
    assert_int_equal(near_transaction_init(&tx, "relayer.near", &relayer.public_key, 1, "bob.near", bh), 0);
    assert_int_equal(near_add_delegate(near_tx_actions(&tx), &sd), 0);
    size_t len;
    uint8_t *bytes = encode_tx(&tx, &len);
    near_transaction back;
    char err[160];
    assert_int_equal(near_transaction_from_bytes(bytes, len, &back, err, sizeof err), 0);
    assert_int_equal(back.actions[0].kind, NEAR_ACTION_DELEGATE);
    assert_int_equal(near_signed_delegate_verify(back.actions[0].delegate), 1);
    assert_string_equal(back.actions[0].delegate->delegate_action.actions[0].method_name, "go");
    /* Its JSON view (ActionView::Delegate). */
    json_t *view = near_action_view(&back.actions[0]);
    json_t *dv = json_object_get(json_object_get(view, "Delegate"), "delegate_action");
    assert_string_equal(json_string_value(json_object_get(dv, "sender_id")), "bob.near");
    assert_int_equal(json_integer_value(json_object_get(dv, "max_block_height")), 1000);
    assert_non_null(json_object_get(json_array_get(json_object_get(dv, "actions"), 0), "FunctionCall"));
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(view, "Delegate"), "signature")), "ed25519:"));
    json_decref(view);
    near_transaction_free(&back);

    /* A Delegate inside a delegate action is refused by the decoder: patch
     * the inner action tag (FunctionCall = 2) to Delegate (8). */
    uint8_t *p = memchr(bytes + 4, NEAR_ACTION_FUNCTION_CALL, len - 4);
    /* The inner FunctionCall tag is followed by the method name "go". */
    while (p && !(p[1] == 2 && p[2] == 0 && p[5] == 'g' && p[6] == 'o'))
        p = memchr(p + 1, NEAR_ACTION_FUNCTION_CALL, (size_t)(bytes + len - p - 1));
    assert_non_null(p);
    *p = NEAR_ACTION_DELEGATE;
    assert_int_equal(near_transaction_from_bytes(bytes, len, &back, err, sizeof err), NEAR_ERR_INVALID);
    assert_non_null(strstr(err, "cannot contain another Delegate"));
    free(bytes);
    near_transaction_free(&tx);
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    return s;
}

static void test_json_views(void **state)
{
    (void)state;
    near_transaction tx;
    build_nearcore_tx(&tx);
    static const char *const want[] = {
        "\"CreateAccount\"",
        "{\"DeployContract\":{\"code\":\"AQID\"}}",
        "{\"FunctionCall\":{\"method_name\":\"qqq\",\"args\":\"AQID\",\"gas\":1000,\"deposit\":\"1000000\"}}",
        "{\"Transfer\":{\"deposit\":\"123\"}}",
        "{\"Stake\":{\"stake\":\"1000000\",\"public_key\":\"ed25519:22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbTV\"}}",
        ("{\"AddKey\":{\"public_key\":\"ed25519:22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbTV\",\"access_key\":{\"nonce\":0,"
         "\"permission\":{\"FunctionCall\":{\"allowance\":null,\"receiver_id\":\"zzz\",\"method_names\":[\"www\"]}}}}}"),
        "{\"DeleteKey\":{\"public_key\":\"ed25519:22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbTV\"}}",
        "{\"DeleteAccount\":{\"beneficiary_id\":\"123\"}}",
    };
    for (size_t i = 0; i < tx.n_actions; i++) {
        char *s = dump(near_action_view(&tx.actions[i]));
        assert_string_equal(s, want[i]);
        free(s);
    }
    near_access_key full = {.nonce = 5, .full_access = 1};
    char *s = dump(near_access_key_view_json(&full));
    assert_string_equal(s, "{\"nonce\":5,\"permission\":\"FullAccess\"}");
    free(s);

    /* Signed transaction view: hash and signature as NEAR shows them. */
    uint8_t seed[32] = {5};
    near_keypair kp;
    assert_int_equal(near_keypair_from_seed(seed, &kp), NEAR_OK);
    near_transaction t2;
    uint8_t bh[32] = {0};
    assert_int_equal(near_transaction_init(&t2, "alice.near", &kp.public_key, UINT64_MAX, "bob.near", bh), NEAR_OK);
    assert_int_equal(near_add_transfer(near_tx_actions(&t2), NEAR_U128_MAX), NEAR_OK);
    near_signed_transaction stx;
    uint8_t hash[32];
    char hash_text[64], sig[NEAR_KEY_TEXT_MAX];
    assert_int_equal(near_transaction_sign(&t2, &kp, &stx, hash), 0);
    near_base58_encode(hash, 32, hash_text, sizeof hash_text);
    json_t *v = near_signed_transaction_view(&stx);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "hash")), hash_text);
    assert_string_equal(json_string_value(json_object_get(v, "signature")), near_signature_format(&stx.signature, sig));
    assert_string_equal(json_string_value(json_object_get(v, "nonce")), "18446744073709551615");
    assert_int_equal(json_integer_value(json_object_get(v, "priority_fee")), 0);
    json_t *deposit =
        json_object_get(json_object_get(json_array_get(json_object_get(v, "actions"), 0), "Transfer"), "deposit");
    assert_string_equal(json_string_value(deposit), "340282366920938463463374607431768211455");
    json_decref(v);
    near_signed_transaction_free(&stx);
    near_transaction_free(&tx);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nearcore_hash_vector),
        cmocka_unit_test(test_decode_every_truncation_fails_cleanly),
        cmocka_unit_test(test_decode_rejects_unsupported),
        cmocka_unit_test(test_sign_and_verify),
        cmocka_unit_test(test_delegate),
        cmocka_unit_test(test_json_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
