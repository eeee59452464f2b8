/*
 * test_devnet_sandbox.c — nearcore sandbox's state patching on the devnet:
 * sandbox_patch_state writes accounts, keys, code and data directly (all
 * records or none), and what it wrote behaves like any other state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devnet_harness.h"
#include "near/encoding.h"

static void test_patch_state(void **state)
{
    (void)state;
    dn_node node;
    assert_int_equal(dn_start(&node, 20, NULL), 0);
    near_keypair kp;
    assert_int_equal(near_keypair_generate(&kp), NEAR_OK);
    char pk[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&kp.public_key, pk);
    size_t len = 0;
    uint8_t *code = dn_read_file("build/tests/devnet/chain/hub.wasm", &len);
    assert_non_null(code);
    char *code64 = near_base64_encode(code, len);
    free(code);

    json_t *params =
        json_pack("{s:[{s:{s:s,s:{s:s,s:s,s:s,s:i}}},{s:{s:s,s:s,s:{s:i,s:s}}},{s:{s:s,s:s}},{s:{s:s,s:s,s:s}}]}",
                  "records", "Account", "account_id", "patched.near", "account", "amount", "5000000000000000000000000",
                  "locked", "0", "code_hash", "11111111111111111111111111111111", "storage_usage", 182, "AccessKey",
                  "account_id", "patched.near", "public_key", pk, "access_key", "nonce", 0, "permission", "FullAccess",
                  "Contract", "account_id", "patched.near", "code", code64, "Data", "account_id", "patched.near",
                  "data_key", "a2V5", "value", "dmFsdWU=");
    free(code64);
    json_t *r = NULL;
    near_rpc_error err = {0};
    assert_int_equal(near_rpc_call(node.rpc, "sandbox_patch_state", params, 0, &r, &err), NEAR_OK);
    json_decref(r);

    near_account_view v;
    assert_int_equal(near_rpc_view_account(node.rpc, "patched.near", NEAR_FINAL, &v, &err), NEAR_OK);
    assert_true(v.amount == 5 * DN_NEAR);
    uint8_t zero[32] = {0};
    assert_memory_not_equal(v.code_hash, zero, 32); /* the Contract record set it */
    near_state_view sv;
    assert_int_equal(near_rpc_view_state(node.rpc, "patched.near", NULL, 0, NEAR_FINAL, &sv, &err), NEAR_OK);
    assert_int_equal(sv.n, 1);
    assert_memory_equal(sv.items[0].key, "key", 3);
    assert_memory_equal(sv.items[0].value, "value", 5);
    near_state_view_free(&sv);
    near_call_result cr;
    assert_int_equal(near_view_function(node.rpc, "patched.near", "who", "", &cr, &err), NEAR_OK);
    assert_string_equal((const char *)cr.result, "patched.near");
    near_call_result_free(&cr);

    /* The patched key signs. */
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, "patched.near", &kp, "test.near", &tx), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), DN_NEAR), NEAR_OK);
    near_outcome o;
    assert_int_equal(dn_tx_send(&node, &tx, &kp, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);

    /* A bad record rejects the whole patch. */
    params = json_pack("{s:[{s:{s:s,s:{s:s}}},{s:{}}]}", "records", "Account", "account_id", "other.near", "account",
                       "amount", "1", "Bogus");
    assert_int_equal(near_rpc_call(node.rpc, "sandbox_patch_state", params, 0, &r, &err), NEAR_ERR_REQUEST);
    assert_int_equal(near_rpc_view_account(node.rpc, "other.near", NEAR_FINAL, &v, &err), NEAR_ERR_UNKNOWN_ACCOUNT);
    near_rpc_error_clear(&err);
    assert_int_equal(dn_stop(&node, false), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patch_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
