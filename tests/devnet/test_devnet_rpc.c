/*
 * test_devnet_rpc.c — cross-contract promises through the example caller
 * contract (coinflip → OutLayer request_execution → yield → resolve →
 * OutLayer's callback → coinflip's callback), and the JSON-RPC surface in
 * its other forms: legacy array params, broadcast_tx_async/commit,
 * EXPERIMENTAL_tx_status / EXPERIMENTAL_receipt, chunk, block by height and
 * hash, query legacy paths, view_state, and the error causes clients match.
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
#include "nearvm/costs.h" /* nearcore's action fees: what the devnet must charge */

#define OUTLAYER "outlayer.test.near"
#define OPERATOR "operator.test.near"
#define COINFLIP "coinflip.test.near"
#define BOB "bob.test.near"

static dn_node node;
static near_credentials outlayer, op, coinflip, bob;

static void deploy(const near_credentials *who, const char *path, const char *init)
{
    assert_int_equal(dn_deploy(&node, who, path, init), 0);
}

static int setup(void **state)
{
    (void)state;
    if (dn_start(&node, 20, NULL))
        return -1;
    if (dn_create_account(&node, &node.test_root, OUTLAYER, 20 * DN_NEAR, &outlayer) ||
        dn_create_account(&node, &node.test_root, OPERATOR, 20 * DN_NEAR, &op) ||
        dn_create_account(&node, &node.test_root, COINFLIP, 20 * DN_NEAR, &coinflip) ||
        dn_create_account(&node, &node.test_root, BOB, 20 * DN_NEAR, &bob))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return dn_finish(&node) ? -1 : 0;
}

static void test_coinflip_through_outlayer(void **state)
{
    (void)state;
    deploy(&outlayer, "build/contracts/outlayer.wasm", "{\"owner_id\":\"test.near\",\"operator_id\":\"" OPERATOR "\"}");
    deploy(&coinflip, "build/contracts/coinflip.wasm",
           "{\"outlayer_id\":\"" OUTLAYER "\",\"code_source\":{\"WasmUrl\":{\"url\":\"https://example.com/flip.wasm\","
           "\"hash\":\"00\",\"build_target\":\"wasm32-wasip1\"}}}");
    near_u128 before = dn_balance(&node, BOB);
    uint64_t h0 = dn_height(&node);
    char hash[64];
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_call(&node, &bob, COINFLIP, "flip", "{\"choice\":\"Heads\"}", DN_NEAR / 10, NEAR_WAIT_INCLUDED,
                             &o, &err, hash),
                     NEAR_OK);
    near_outcome_free(&o);
    uint64_t at = 0;
    char *event = dn_feed_find_event(&node, OUTLAYER, "execution_requested", h0, 20000, &at);
    assert_non_null(event);
    json_t *ev = json_loads(event, 0, NULL);
    free(event);
    json_t *rd = json_loads(
        json_string_value(json_object_get(json_array_get(json_object_get(ev, "data"), 0), "request_data")), 0, NULL);
    assert_string_equal(json_string_value(json_object_get(rd, "sender_id")), COINFLIP);
    long id = (long)json_integer_value(json_object_get(rd, "request_id"));
    json_decref(rd);
    json_decref(ev);

    char args[400];
    snprintf(args, sizeof args,
             "{\"request_id\":%ld,\"response\":{\"success\":true,\"output\":{\"Text\":\"Heads\"},\"error\":null,"
             "\"resources_used\":{\"instructions\":2000000,\"time_ms\":10,\"compile_time_ms\":null},"
             "\"compilation_note\":null}}",
             id);
    assert_int_equal(dn_call(&node, &op, OUTLAYER, "resolve_execution", args, 0, NEAR_WAIT_FINAL, &o, &err, NULL),
                     NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);

    near_status st = NEAR_ERR_TIMEOUT;
    for (int i = 0; i < 6 && st == NEAR_ERR_TIMEOUT; i++) {
        st = near_rpc_tx_status(node.rpc, hash, BOB, NEAR_WAIT_FINAL, 1, &o, &err);
        near_rpc_error_clear(&err);
    }
    assert_int_equal(st, NEAR_OK);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fprintf(stderr, "flip: %s\n", o.failure_message);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    assert_string_equal((const char *)o.value,
                        "{\"player\":\"bob.test.near\",\"choice\":\"Heads\",\"outcome\":\"Heads\",\"won\":true}");
    bool won_log = false;
    for (size_t i = 0; i < o.n_logs; i++)
        won_log |= strstr(o.logs[i], "bob.test.near won: Heads") != NULL;
    assert_true(won_log);
    /* EXPERIMENTAL_tx_status lists every receipt, including the data ones. */
    json_t *receipts = json_object_get(o.raw, "receipts");
    assert_true(json_array_size(receipts) >= 5);
    bool has_data = false;
    size_t i;
    json_t *r;
    json_array_foreach(receipts, i, r) has_data |= json_object_get(json_object_get(r, "receipt"), "Data") != NULL;
    assert_true(has_data);
    uint64_t flip_gas = o.gas_burnt;
    near_outcome_free(&o);
    /* cost = 1e21 + 2 × 1e14 + 10 × 1e17; the player got the rest of the
     * deposit back, and the unused gas too: he paid exactly the cost plus
     * the gas his transaction's receipts burnt (both callbacks included). */
    near_u128 cost = (near_u128)1000 * 1000000000000000000ull + 200000000000000ull + 1000000000000000000ull;
    near_u128 after = dn_balance(&node, BOB);
    assert_true(before - after == cost + (near_u128)flip_gas * DN_GAS_PRICE);
}

static json_t *rpc(const char *method, json_t *params, near_status want)
{
    json_t *r = NULL;
    near_rpc_error err = {0};
    near_status st = near_rpc_call(node.rpc, method, params, 1, &r, &err);
    if (st != want)
        fprintf(stderr, "%s: %s %s\n", method, near_status_name(st), err.message);
    assert_int_equal(st, want);
    near_rpc_error_clear(&err);
    return r;
}

static void test_rpc_forms(void **state)
{
    (void)state;
    /* block by finality, height (object and legacy array) and hash. */
    json_t *b = rpc("block", json_pack("{s:s}", "finality", "final"), NEAR_OK);
    json_int_t h = json_integer_value(json_object_get(json_object_get(b, "header"), "height"));
    const char *hash = json_string_value(json_object_get(json_object_get(b, "header"), "hash"));
    json_t *b2 = rpc("block", json_pack("[I]", h), NEAR_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(b2, "header"), "hash")), hash);
    json_t *b3 = rpc("block", json_pack("{s:s}", "block_id", hash), NEAR_OK);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(b3, "header"), "height")), h);
    json_decref(rpc("block", json_pack("{s:I}", "block_id", (json_int_t)(h + 100000)), NEAR_ERR_UNKNOWN_BLOCK));
    /* chunk by block id and by chunk hash. */
    json_t *c1 = rpc("chunk", json_pack("{s:I,s:i}", "block_id", h, "shard_id", 0), NEAR_OK);
    const char *chunk_hash = json_string_value(json_object_get(json_object_get(c1, "header"), "chunk_hash"));
    json_t *c2 = rpc("chunk", json_pack("[s]", chunk_hash), NEAR_OK);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(c2, "header"), "height_included")), h);
    json_decref(c1);
    json_decref(c2);
    json_decref(b);
    json_decref(b2);
    json_decref(b3);
    /* gas_price, legacy form. */
    json_t *g = rpc("gas_price", json_pack("[n]"), NEAR_OK);
    assert_string_equal(json_string_value(json_object_get(g, "gas_price")), "100000000");
    json_decref(g);
    /* query legacy paths. */
    json_t *q = rpc("query", json_pack("[s,s]", "account/" BOB, ""), NEAR_OK);
    assert_non_null(json_object_get(q, "amount"));
    json_decref(q);
    q = rpc("query", json_pack("[s,s]", "access_key/" BOB, ""), NEAR_OK);
    assert_int_equal(json_array_size(json_object_get(q, "keys")), 1);
    json_decref(q);
    q = rpc("query", json_pack("[s,s]", "call/" OUTLAYER "/is_paused", ""), NEAR_OK);
    json_t *bytes = json_object_get(q, "result");
    assert_int_equal(json_array_size(bytes), 5); /* "false" */
    assert_int_equal(json_integer_value(json_array_get(bytes, 0)), 'f');
    json_decref(q);
    /* view_state: the contract's STATE key is there. */
    q = rpc("query",
            json_pack("{s:s,s:s,s:s,s:s}", "request_type", "view_state", "finality", "final", "account_id", OUTLAYER,
                      "prefix_base64", ""),
            NEAR_OK);
    assert_true(json_array_size(json_object_get(q, "values")) >= 1);
    json_decref(q);
    /* view_code on an account without code: NO_CONTRACT_CODE. */
    json_decref(rpc("query",
                    json_pack("{s:s,s:s,s:s}", "request_type", "view_code", "finality", "final", "account_id", BOB),
                    NEAR_ERR_NO_CONTRACT_CODE));
    /* An unknown transaction. */
    json_decref(rpc("tx", json_pack("[s,s]", "11111111111111111111111111111111", BOB), NEAR_ERR_UNKNOWN_TRANSACTION));
    /* A malformed signed transaction: a parse error, HTTP 400. */
    json_decref(rpc("broadcast_tx_async", json_pack("[s]", "AAAA"), NEAR_ERR_REQUEST));
}

static void test_broadcast_forms(void **state)
{
    (void)state;
    near_transaction tx;
    near_rpc_error err = {0};
    /* broadcast_tx_async returns the hash; tx with the legacy array finds it. */
    assert_int_equal(dn_tx_begin(&node, BOB, &bob.keypair, OPERATOR, &tx), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), DN_NEAR), NEAR_OK);
    size_t len = 0;
    char expect[64];
    uint8_t *bytes = dn_tx_sign(&tx, &bob.keypair, &len, expect);
    char hash[64];
    assert_int_equal(near_rpc_broadcast_tx_async(node.rpc, bytes, len, hash, &err), NEAR_OK);
    assert_string_equal(hash, expect);
    free(bytes);
    json_t *r = rpc("tx", json_pack("[s,s]", hash, BOB), NEAR_OK);
    assert_string_equal(json_string_value(json_object_get(r, "final_execution_status")), "FINAL");
    assert_non_null(json_object_get(json_object_get(r, "status"), "SuccessValue"));
    const char *first = json_string_value(json_array_get(
        json_object_get(json_object_get(json_object_get(r, "transaction_outcome"), "outcome"), "receipt_ids"), 0));
    assert_non_null(first);
    /* EXPERIMENTAL_receipt of the transaction's receipt. */
    json_t *rc = rpc("EXPERIMENTAL_receipt", json_pack("{s:s}", "receipt_id", first), NEAR_OK);
    assert_string_equal(json_string_value(json_object_get(rc, "receiver_id")), OPERATOR);
    json_t *actions = json_object_get(json_object_get(json_object_get(rc, "receipt"), "Action"), "actions");
    assert_non_null(json_object_get(json_array_get(actions, 0), "Transfer"));
    json_decref(rc);
    json_decref(r);
    json_decref(rpc("EXPERIMENTAL_receipt", json_pack("{s:s}", "receipt_id", "11111111111111111111111111111111"),
                    NEAR_ERR_HANDLER));

    /* broadcast_tx_commit waits for the outcome. */
    assert_int_equal(dn_tx_begin(&node, BOB, &bob.keypair, OPERATOR, &tx), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), DN_NEAR), NEAR_OK);
    bytes = dn_tx_sign(&tx, &bob.keypair, &len, NULL);
    near_outcome o;
    assert_int_equal(near_rpc_broadcast_tx_commit(node.rpc, bytes, len, &o, &err), NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    /* Sending the same bytes again is not a new transaction. */
    assert_int_equal(near_rpc_send_tx(node.rpc, bytes, len, NEAR_WAIT_FINAL, &o, &err), NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    free(bytes);

    /* Two transactions with the same nonce: exactly one executes, the other
     * ends with InvalidNonce (at arrival, or at inclusion if both arrived
     * within one block). */
    near_transaction t1, t2;
    assert_int_equal(dn_tx_begin(&node, BOB, &bob.keypair, OPERATOR, &t1), 0);
    assert_int_equal(dn_tx_begin(&node, BOB, &bob.keypair, OPERATOR, &t2), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&t1), 1), NEAR_OK);
    assert_int_equal(near_add_transfer(near_tx_actions(&t2), 2), NEAR_OK);
    size_t l1, l2;
    uint8_t *s1 = dn_tx_sign(&t1, &bob.keypair, &l1, NULL), *s2 = dn_tx_sign(&t2, &bob.keypair, &l2, NULL);
    char h1[64], h2[64];
    near_status a1 = near_rpc_broadcast_tx_async(node.rpc, s1, l1, h1, &err);
    near_status a2 = near_rpc_broadcast_tx_async(node.rpc, s2, l2, h2, &err);
    free(s1);
    free(s2);
    int ok = 0, bad_nonce = 0;
    near_status as[2] = {a1, a2};
    char *hs[2] = {h1, h2};
    for (int k = 0; k < 2; k++) {
        near_status st = as[k];
        if (st == NEAR_OK) {
            st = near_rpc_tx_status(node.rpc, hs[k], BOB, NEAR_WAIT_FINAL, 0, &o, &err);
            if (st == NEAR_OK)
                near_outcome_free(&o);
        }
        ok += st == NEAR_OK;
        bad_nonce += st == NEAR_ERR_INVALID_NONCE;
    }
    assert_int_equal(ok, 1);
    assert_int_equal(bad_nonce, 1);
    near_rpc_error_clear(&err);
}

static near_outcome send_actions(const near_credentials *who, const near_keypair *kp, const char *receiver,
                                 void (*add)(near_action_list l, void *user), void *user)
{
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, who->account_id, kp, receiver, &tx), 0);
    add(near_tx_actions(&tx), user);
    near_outcome o;
    near_rpc_error err = {0};
    near_status st = dn_tx_send(&node, &tx, kp, NEAR_WAIT_FINAL, &o, &err, NULL);
    if (st != NEAR_OK)
        fprintf(stderr, "send: %s\n", err.message);
    assert_int_equal(st, NEAR_OK);
    near_rpc_error_clear(&err);
    return o;
}

static void add_full_key(near_action_list l, void *user)
{
    assert_int_equal(near_add_full_access_key(l, user, 0), NEAR_OK);
}
static void delete_key(near_action_list l, void *user) { assert_int_equal(near_add_delete_key(l, user), NEAR_OK); }
static void stake_one(near_action_list l, void *user) { assert_int_equal(near_add_stake(l, DN_NEAR, user), NEAR_OK); }
static void transfer_one(near_action_list l, void *user)
{
    (void)user;
    assert_int_equal(near_add_transfer(l, DN_NEAR), NEAR_OK);
}
static void delete_to_bob(near_action_list l, void *user)
{
    (void)user;
    assert_int_equal(near_add_delete_account(l, BOB), NEAR_OK);
}

static void test_keys_stake_delete_implicit(void **state)
{
    (void)state;
    near_rpc_error err = {0};
    near_account_view v0, v;
    assert_int_equal(near_rpc_view_account(node.rpc, BOB, NEAR_FINAL, &v0, &err), NEAR_OK);
    /* AddKey: storage grows by 82 bytes (33 + 9 + 40); the new key signs. */
    near_keypair k2;
    assert_int_equal(near_keypair_generate(&k2), NEAR_OK);
    near_outcome o = send_actions(&bob, &bob.keypair, BOB, add_full_key, &k2.public_key);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    assert_int_equal(near_rpc_view_account(node.rpc, BOB, NEAR_FINAL, &v, &err), NEAR_OK);
    assert_int_equal(v.storage_usage, v0.storage_usage + 82);
    o = send_actions(&bob, &k2, OPERATOR, transfer_one, NULL);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    /* DeleteKey, then again: DeleteKeyDoesNotExist. */
    o = send_actions(&bob, &bob.keypair, BOB, delete_key, &k2.public_key);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    o = send_actions(&bob, &bob.keypair, BOB, delete_key, &k2.public_key);
    assert_int_equal(o.kind, NEAR_OUTCOME_FAILURE);
    char *f = json_dumps(o.failure, JSON_COMPACT);
    assert_non_null(strstr(f, "DeleteKeyDoesNotExist"));
    free(f);
    near_outcome_free(&o);
    near_access_key_list keys;
    assert_int_equal(near_rpc_view_access_key_list(node.rpc, BOB, NEAR_FINAL, &keys, &err), NEAR_OK);
    assert_int_equal(keys.n, 1);
    near_access_key_list_free(&keys);

    /* Stake moves the amount into `locked`. */
    o = send_actions(&bob, &bob.keypair, BOB, stake_one, &bob.keypair.public_key);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    assert_int_equal(near_rpc_view_account(node.rpc, BOB, NEAR_FINAL, &v, &err), NEAR_OK);
    assert_true(v.locked == DN_NEAR);

    /* DeleteAccount sends what is left to the beneficiary. */
    near_credentials tmp;
    assert_int_equal(dn_create_account(&node, &node.test_root, "tmp.test.near", 5 * DN_NEAR, &tmp), 0);
    near_u128 bob_before = dn_balance(&node, BOB);
    o = send_actions(&tmp, &tmp.keypair, "tmp.test.near", delete_to_bob, NULL);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    /* A transaction to itself: the receipt and DeleteAccount at their
     * "sir" send fees plus execution, no prepaid gas, nothing comes back. */
    uint64_t delete_gas = FEE_ACTION_RECEIPT.send_sir + FEE_ACTION_RECEIPT.execution + FEE_DELETE_ACCOUNT.send_sir +
                          FEE_DELETE_ACCOUNT.execution;
    assert_int_equal(o.gas_burnt, delete_gas);
    near_outcome_free(&o);
    assert_int_equal(near_rpc_view_account(node.rpc, "tmp.test.near", NEAR_FINAL, &v, &err), NEAR_ERR_UNKNOWN_ACCOUNT);
    near_u128 gained = dn_balance(&node, BOB) - bob_before;
    assert_true(gained == 5 * DN_NEAR - (near_u128)delete_gas * DN_GAS_PRICE);

    /* A transfer to a NEAR-implicit id creates the account with that key. */
    near_keypair ik;
    assert_int_equal(near_keypair_generate(&ik), NEAR_OK);
    near_credentials imp;
    memset(&imp, 0, sizeof imp);
    assert_int_equal(near_public_key_implicit_account(&ik.public_key, imp.account_id), 0);
    imp.keypair = ik;
    o = send_actions(&bob, &bob.keypair, imp.account_id, transfer_one, NULL);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    assert_int_equal(near_rpc_view_account(node.rpc, imp.account_id, NEAR_FINAL, &v, &err), NEAR_OK);
    assert_true(v.amount == DN_NEAR);
    assert_int_equal(v.storage_usage, 182);
    near_access_key_view ak;
    assert_int_equal(near_rpc_view_access_key(node.rpc, imp.account_id, &ik.public_key, NEAR_FINAL, &ak, &err),
                     NEAR_OK);
    assert_true(ak.key.full_access);
    near_access_key_view_free(&ak);
    near_rpc_error_clear(&err);
}

/* Malformed requests get a JSON-RPC error (never a result, never a crash). */
static void test_malformed_requests(void **state)
{
    (void)state;
    static const char *bodies[] = {
        "{}",
        "[]",
        "null",
        "{\"method\":5}",
        "not json",
        "{\"method\":\"block\",\"params\":{\"block_id\":{}}}",
        "{\"method\":\"block\",\"params\":{\"block_id\":\"zzz\"}}",
        "{\"method\":\"chunk\",\"params\":{\"chunk_id\":5}}",
        "{\"method\":\"query\",\"params\":{}}",
        "{\"method\":\"query\",\"params\":[5]}",
        "{\"method\":\"query\",\"params\":[\"account\"]}",
        "{\"method\":\"query\",\"params\":[\"contract/test.near\",\"@@\"]}",
        "{\"method\":\"query\",\"params\":{\"request_type\":\"view_access_key\",\"account_id\":\"test.near\"}}",
        "{\"method\":\"query\",\"params\":{\"request_type\":\"view_state\",\"account_id\":\"test.near\","
        "\"prefix_base64\":\"!!\"}}",
        "{\"method\":\"query\",\"params\":{\"request_type\":\"nope\",\"account_id\":\"test.near\"}}",
        "{\"method\":\"query\",\"params\":{\"request_type\":\"view_account\",\"account_id\":\"UPPER\"}}",
        "{\"method\":\"send_tx\",\"params\":{}}",
        "{\"method\":\"send_tx\",\"params\":{\"signed_tx_base64\":\"AAAAAAAA\"}}",
        "{\"method\":\"tx\",\"params\":{}}",
        "{\"method\":\"tx\",\"params\":[\"x\",\"y\"]}",
        "{\"method\":\"tx\",\"params\":[\"AAAA\"]}",
        "{\"method\":\"EXPERIMENTAL_receipt\",\"params\":5}",
        "{\"method\":\"gas_price\",\"params\":[99999999]}",
        "{\"method\":\"sandbox_fast_forward\",\"params\":{\"delta_height\":\"x\"}}",
        "{\"method\":\"broadcast_tx_commit\",\"params\":[5]}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        long status = 0;
        char *body = dn_http_post(&node, bodies[i], &status);
        assert_non_null(body);
        json_t *j = json_loads(body, 0, NULL);
        if (!j || !json_object_get(j, "error") || json_object_get(j, "result"))
            fprintf(stderr, "request %s -> [%ld] %s\n", bodies[i], status, body);
        assert_non_null(j);
        assert_non_null(json_object_get(j, "error"));
        assert_null(json_object_get(j, "result"));
        assert_true(status == 200 || status == 400);
        json_decref(j);
        free(body);
    }
    assert_true(dn_height(&node) > 0); /* still serving */
}

/* promise_and of two calls on two other accounts, then a callback on the
 * caller that sees both results (one failed in the second case). */
static void test_promise_and(void **state)
{
    (void)state;
    const char *hub_wasm = "build/tests/devnet/chain/hub.wasm";
    near_credentials a, b, hub;
    assert_int_equal(dn_create_account(&node, &node.test_root, "a.test.near", 10 * DN_NEAR, &a), 0);
    assert_int_equal(dn_create_account(&node, &node.test_root, "b.test.near", 10 * DN_NEAR, &b), 0);
    assert_int_equal(dn_create_account(&node, &node.test_root, "hub.test.near", 10 * DN_NEAR, &hub), 0);
    deploy(&a, hub_wasm, NULL);
    deploy(&b, hub_wasm, NULL);
    deploy(&hub, hub_wasm, NULL);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_call(&node, &bob, "hub.test.near", "fanout_ok", "", 0, NEAR_WAIT_FINAL, &o, &err, NULL),
                     NEAR_OK);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fprintf(stderr, "fanout_ok: %s\n", o.failure_message);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    assert_string_equal((const char *)o.value, "a.test.near|b.test.near");
    /* fanout + a.who + b.who + collect, and gas refunds to bob (receipts
     * from "system" that burn nothing), as nearcore lists them */
    size_t actions = 0, refunds = 0, k;
    json_t *r;
    json_array_foreach(json_object_get(o.raw, "receipts_outcome"), k, r)
    {
        json_t *oc = json_object_get(r, "outcome");
        if (!strcmp(json_string_value(json_object_get(oc, "executor_id")), "bob.test.near")) {
            assert_int_equal(json_integer_value(json_object_get(oc, "gas_burnt")), 0);
            refunds++;
        } else {
            actions++;
        }
    }
    assert_int_equal(actions, 4);
    assert_true(refunds >= 1 && refunds <= 4);
    near_outcome_free(&o);

    assert_int_equal(dn_call(&node, &bob, "hub.test.near", "fanout_fail", "", 0, NEAR_WAIT_FINAL, &o, &err, NULL),
                     NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS); /* the failed branch is not the returned one */
    assert_string_equal((const char *)o.value, "a.test.near|FAILED");
    bool saw_panic = false;
    size_t i;
    json_t *ro;
    json_array_foreach(json_object_get(o.raw, "receipts_outcome"), i, ro)
    {
        char *st = json_dumps(json_object_get(json_object_get(ro, "outcome"), "status"), JSON_COMPACT);
        saw_panic |= st && strstr(st, "Smart contract panicked: boom") != NULL;
        free(st);
    }
    assert_true(saw_panic);
    near_outcome_free(&o);
}

/* A NEP-366 meta transaction: carol signs a delegate action (a transfer to
 * bob), the relayer test.near wraps it in its own transaction and pays gas
 * and deposit; replaying it fails with DelegateActionInvalidNonce. */
static near_status relay(const near_signed_delegate *sd_in, near_outcome *o, near_rpc_error *err)
{
    /* near_add_delegate takes ownership: rebuild an identical delegate (it
     * holds one transfer) with the same signature for every relay. */
    near_signed_delegate sd = *sd_in;
    near_delegate_action copy;
    assert_int_equal(near_delegate_action_init(&copy, sd.delegate_action.sender_id, sd.delegate_action.receiver_id,
                                               sd.delegate_action.nonce, sd.delegate_action.max_block_height,
                                               &sd.delegate_action.public_key),
                     NEAR_OK);
    assert_int_equal(near_add_transfer(near_delegate_actions(&copy), sd.delegate_action.actions[0].amount), NEAR_OK);
    near_signed_delegate owned = {.delegate_action = copy, .signature = sd.signature};
    near_transaction tx;
    if (dn_tx_begin(&node, "test.near", &node.test_root.keypair, sd.delegate_action.sender_id, &tx))
        return NEAR_ERR_ARG;
    assert_int_equal(near_add_delegate(near_tx_actions(&tx), &owned), NEAR_OK);
    return dn_tx_send(&node, &tx, &node.test_root.keypair, NEAR_WAIT_FINAL, o, err, NULL);
}

static void test_meta_transaction(void **state)
{
    (void)state;
    near_credentials carol;
    assert_int_equal(dn_create_account(&node, &node.test_root, "carol.test.near", 5 * DN_NEAR, &carol), 0);
    near_access_key_view ak;
    near_rpc_error err = {0};
    assert_int_equal(
        near_rpc_view_access_key(node.rpc, "carol.test.near", &carol.keypair.public_key, NEAR_FINAL, &ak, &err),
        NEAR_OK);
    uint64_t nonce = ak.key.nonce + 1;
    near_access_key_view_free(&ak);
    near_delegate_action da;
    assert_int_equal(near_delegate_action_init(&da, "carol.test.near", BOB, nonce, dn_height(&node) + 100,
                                               &carol.keypair.public_key),
                     0);
    assert_int_equal(near_add_transfer(near_delegate_actions(&da), DN_NEAR), NEAR_OK);
    near_signed_delegate sd;
    assert_int_equal(near_delegate_action_sign(&da, &carol.keypair, &sd), 0);

    near_u128 carol0 = dn_balance(&node, "carol.test.near"), bob0 = dn_balance(&node, BOB);
    near_outcome o;
    assert_int_equal(relay(&sd, &o, &err), NEAR_OK);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fprintf(stderr, "relay: %s\n", o.failure_message);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    assert_true(dn_balance(&node, BOB) - bob0 == DN_NEAR);       /* the transfer happened */
    assert_true(dn_balance(&node, "carol.test.near") == carol0); /* the relayer paid everything */
    assert_int_equal(
        near_rpc_view_access_key(node.rpc, "carol.test.near", &carol.keypair.public_key, NEAR_FINAL, &ak, &err),
        NEAR_OK);
    assert_int_equal(ak.key.nonce, nonce);
    near_access_key_view_free(&ak);

    assert_int_equal(relay(&sd, &o, &err), NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_FAILURE);
    char *f = json_dumps(o.failure, JSON_COMPACT);
    assert_non_null(strstr(f, "DelegateActionInvalidNonce"));
    free(f);
    near_outcome_free(&o);
    near_signed_delegate_free(&sd);
    near_rpc_error_clear(&err);
}

/* A call that runs out of its prepaid gas fails as NEAR reports it, burns
 * exactly what it was given (plus fees), and the rest is refunded. */
static void test_out_of_gas(void **state)
{
    (void)state;
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, BOB, &bob.keypair, "hub.test.near", &tx), 0);
    assert_int_equal(near_add_function_call(near_tx_actions(&tx), "spin", NULL, 0, 5 * DN_TGAS, 0), NEAR_OK);
    near_u128 before = dn_balance(&node, BOB);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_tx_send(&node, &tx, &bob.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_FAILURE);
    char *f = json_dumps(o.failure, JSON_COMPACT);
    assert_non_null(strstr(f, "{\"FunctionCallError\":{\"ExecutionError\":\"Exceeded the prepaid gas.\"}}"));
    free(f);
    /* The receipt burnt its 5 Tgas and its execution fee; the transaction its send fees. */
    json_t *ro = json_array_get(json_object_get(o.raw, "receipts_outcome"), 0);
    uint64_t receipt_gas = (uint64_t)json_integer_value(json_object_get(json_object_get(ro, "outcome"), "gas_burnt"));
    assert_true(receipt_gas > 5 * DN_TGAS && receipt_gas < 6 * DN_TGAS);
    uint64_t total = o.gas_burnt;
    near_outcome_free(&o);
    near_u128 spent = before - dn_balance(&node, BOB);
    assert_true(spent == (near_u128)total * 100000000u); /* exactly the gas burnt, at 1e8 per gas */
}

/* A yield resumed in the call that created it: accepted, and the callback
 * (next block) returns the payload as the transaction's value. */
static void test_yield_resumed_at_once(void **state)
{
    (void)state;
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_call(&node, &bob, "hub.test.near", "yield_now", "", 0, NEAR_WAIT_FINAL, &o, &err, NULL),
                     NEAR_OK);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fprintf(stderr, "yield_now: %s\n", o.failure_message);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    assert_string_equal((const char *)o.value, "now");
    near_outcome_free(&o);
}

static void test_fast_forward(void **state)
{
    (void)state;
    uint64_t h0 = dn_height(&node);
    json_decref(rpc("sandbox_fast_forward", json_pack("{s:i}", "delta_height", 50), NEAR_OK));
    assert_true(dn_height(&node) >= h0 + 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coinflip_through_outlayer), cmocka_unit_test(test_rpc_forms),
        cmocka_unit_test(test_broadcast_forms),           cmocka_unit_test(test_keys_stake_delete_implicit),
        cmocka_unit_test(test_malformed_requests),        cmocka_unit_test(test_promise_and),
        cmocka_unit_test(test_meta_transaction),          cmocka_unit_test(test_out_of_gas),
        cmocka_unit_test(test_yield_resumed_at_once),     cmocka_unit_test(test_fast_forward),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
