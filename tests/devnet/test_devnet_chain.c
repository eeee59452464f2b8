/*
 * test_devnet_chain.c — the devnet end to end, through src/near's RPC
 * client against the real binary: accounts, transfers, the OutLayer
 * contract's request → event in the block feed → resolve → callback flow,
 * large outputs, function-call key restrictions, storage staking, rejected
 * transactions, and a restart on the same home.
 *
 * The tests share one devnet and run in order (later ones use the accounts
 * earlier ones created).
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
#include <time.h>

#include "devnet_harness.h"
#include "near/encoding.h"
#include "nearvm/costs.h" /* nearcore's action fees: what the devnet must charge */

#define OUTLAYER "outlayer.test.near"
#define OPERATOR "operator.test.near"
#define ALICE "alice.test.near"
#define BOB "bob.test.near"

/* The devnet's constant gas price (yoctoNEAR per gas). */
#define GAS_PRICE ((near_u128)100000000u)

/* Send (to another account) plus execution fee of one action, in gas. */
static uint64_t fee(nearvm_fee f) { return f.send_not_sir + f.execution; }

/* What a transaction from one account to another costs in gas when it has
 * no function call: the receipt plus each action, send and execution (no
 * prepaid gas, so nothing comes back). */
#define CREATE_ACCOUNT_GAS \
    (fee(FEE_ACTION_RECEIPT) + fee(FEE_CREATE_ACCOUNT) + fee(FEE_TRANSFER) + fee(FEE_ADD_KEY_FULL))
#define TRANSFER_GAS (fee(FEE_ACTION_RECEIPT) + fee(FEE_TRANSFER))

static dn_node node;
static near_credentials alice, bob, outlayer, operator_cred;

static const char *wasm_path(void)
{
    return getenv("OUTLAYER_WASM") ? getenv("OUTLAYER_WASM") : "build/contracts/outlayer.wasm";
}

/* Dumps err->data (the whole RPC error) for substring checks. */
static bool error_mentions(const near_rpc_error *err, const char *what)
{
    char *s = err->data ? json_dumps(err->data, JSON_COMPACT) : NULL;
    bool r = s && strstr(s, what);
    if (!r)
        fprintf(stderr, "expected %s in error: %s (%s)\n", what, s ? s : "(none)", err->message);
    free(s);
    return r;
}

static int setup(void **state)
{
    (void)state;
    if (dn_start(&node, 20, NULL)) {
        fprintf(stderr, "cannot start the devnet\n");
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return dn_finish(&node) ? -1 : 0;
}

static void test_genesis(void **state)
{
    (void)state;
    near_node_status st;
    near_rpc_error err = {0};
    assert_int_equal(near_rpc_status(node.rpc, &st, &err), NEAR_OK);
    assert_string_equal(st.chain_id, "localnet");
    assert_true(st.latest_block_height >= 1);
    near_node_status_free(&st);
    near_account_view v;
    assert_int_equal(near_rpc_view_account(node.rpc, "test.near", NEAR_FINAL, &v, &err), NEAR_OK);
    assert_true(v.amount == (near_u128)1000000 * DN_NEAR);
    assert_int_equal(v.storage_usage, 182);
    assert_int_equal(near_rpc_view_account(node.rpc, "nobody.test.near", NEAR_FINAL, &v, &err),
                     NEAR_ERR_UNKNOWN_ACCOUNT);
    near_rpc_error_clear(&err);
    /* Blocks advance. */
    uint64_t h1 = dn_height(&node);
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    assert_true(dn_height(&node) > h1);
}

static void test_create_account_and_transfer(void **state)
{
    (void)state;
    near_u128 before = dn_balance(&node, "test.near");
    assert_int_equal(dn_create_account(&node, &node.test_root, ALICE, 50 * DN_NEAR, &alice), 0);
    assert_int_equal(dn_create_account(&node, &node.test_root, BOB, 10 * DN_NEAR, &bob), 0);
    assert_true(dn_balance(&node, ALICE) == 50 * DN_NEAR);
    near_u128 after = dn_balance(&node, "test.near");
    /* 60 NEAR moved out plus exactly the fees of two create-account
     * transactions (create, transfer, full-access key). */
    assert_true(before - after == 60 * DN_NEAR + 2 * (near_u128)CREATE_ACCOUNT_GAS * GAS_PRICE);

    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, ALICE, &alice.keypair, BOB, &tx), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), 3 * DN_NEAR), NEAR_OK);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_tx_send(&node, &tx, &alice.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    assert_string_equal(o.final_execution_status, "FINAL");
    near_outcome_free(&o);
    assert_true(dn_balance(&node, BOB) == 13 * DN_NEAR);
    near_u128 a = dn_balance(&node, ALICE);
    assert_true(a == 47 * DN_NEAR - (near_u128)TRANSFER_GAS * GAS_PRICE);

    /* A sub-account of someone else cannot be created. */
    near_credentials x;
    assert_int_not_equal(dn_create_account(&node, &alice, "x." BOB, DN_NEAR, &x), 0);
    /* A transfer to a missing account fails with AccountDoesNotExist. */
    assert_int_equal(dn_tx_begin(&node, ALICE, &alice.keypair, "ghost.test.near", &tx), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), DN_NEAR), NEAR_OK);
    assert_int_equal(dn_tx_send(&node, &tx, &alice.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_FAILURE);
    char *f = json_dumps(o.failure, JSON_COMPACT);
    assert_non_null(strstr(f, "AccountDoesNotExist"));
    free(f);
    near_outcome_free(&o);
    /* ... and both deposits came back: only the fees of the two failed
     * transactions are gone (a failed receipt still burns its execution
     * fees). */
    near_u128 a2 = dn_balance(&node, ALICE);
    assert_true(a - a2 == (near_u128)(CREATE_ACCOUNT_GAS + TRANSFER_GAS) * GAS_PRICE);
}

static void test_rejected_transactions(void **state)
{
    (void)state;
    near_transaction tx;
    near_rpc_error err = {0};
    near_outcome o;
    /* Bad signature: flip one byte of the signature. */
    assert_int_equal(dn_tx_begin(&node, ALICE, &alice.keypair, BOB, &tx), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), 1), NEAR_OK);
    size_t len = 0;
    uint8_t *bytes = dn_tx_sign(&tx, &alice.keypair, &len, NULL);
    assert_non_null(bytes);
    bytes[len - 5] ^= 0x40;
    assert_int_equal(near_rpc_send_tx(node.rpc, bytes, len, NEAR_WAIT_FINAL, &o, &err), NEAR_ERR_INVALID_TX);
    assert_string_equal(err.cause, "INVALID_TRANSACTION");
    assert_true(error_mentions(&err, "\"InvalidSignature\""));
    free(bytes);

    /* A nonce already used. */
    near_access_key_view ak;
    assert_int_equal(near_rpc_view_access_key(node.rpc, ALICE, &alice.keypair.public_key, NEAR_FINAL, &ak, &err),
                     NEAR_OK);
    uint64_t used = ak.key.nonce;
    near_access_key_view_free(&ak);
    near_block b;
    assert_int_equal(near_rpc_block(node.rpc, NEAR_FINAL, &b, &err), NEAR_OK);
    assert_int_equal(near_transaction_init(&tx, ALICE, &alice.keypair.public_key, used, BOB, b.hash), 0);
    near_block_free(&b);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), 1), NEAR_OK);
    assert_int_equal(dn_tx_send(&node, &tx, &alice.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_ERR_INVALID_NONCE);
    assert_int_equal(err.ak_nonce, used);
    assert_int_equal(err.tx_nonce, used);
    assert_true(error_mentions(&err, "InvalidNonce"));

    /* A key the account does not have. */
    near_keypair stranger;
    assert_int_equal(near_keypair_generate(&stranger), NEAR_OK);
    assert_int_equal(near_rpc_block(node.rpc, NEAR_FINAL, &b, &err), NEAR_OK);
    assert_int_equal(near_transaction_init(&tx, ALICE, &stranger.public_key, 1, BOB, b.hash), NEAR_OK);
    near_block_free(&b);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), 1), NEAR_OK);
    assert_int_equal(dn_tx_send(&node, &tx, &stranger, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_ERR_INVALID_TX);
    assert_true(error_mentions(&err, "AccessKeyNotFound"));

    /* An unknown block hash. */
    uint8_t bogus[32];
    memset(bogus, 7, sizeof bogus);
    assert_int_equal(near_transaction_init(&tx, ALICE, &alice.keypair.public_key, used + 1, BOB, bogus), NEAR_OK);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), 1), NEAR_OK);
    assert_int_equal(dn_tx_send(&node, &tx, &alice.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_ERR_INVALID_TX);
    assert_true(error_mentions(&err, "InvalidChain"));

    /* More than the balance. */
    assert_int_equal(dn_tx_begin(&node, BOB, &bob.keypair, ALICE, &tx), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), 1000 * DN_NEAR), NEAR_OK);
    assert_int_equal(dn_tx_send(&node, &tx, &bob.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_ERR_INVALID_TX);
    assert_true(error_mentions(&err, "NotEnoughBalance"));

    /* Deposits whose sum does not fit in u128: refused, not wrapped round
     * to a price the signer can pay. */
    assert_int_equal(dn_tx_begin(&node, BOB, &bob.keypair, ALICE, &tx), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), (near_u128)1 << 127), NEAR_OK);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), (near_u128)1 << 127), NEAR_OK);
    assert_int_equal(dn_tx_send(&node, &tx, &bob.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_ERR_INVALID_TX);
    assert_true(error_mentions(&err, "CostOverflow"));
    near_rpc_error_clear(&err);
}

static void test_deploy_outlayer(void **state)
{
    (void)state;
    assert_int_equal(dn_create_account(&node, &node.test_root, OUTLAYER, 20 * DN_NEAR, &outlayer), 0);
    assert_int_equal(dn_create_account(&node, &node.test_root, OPERATOR, 20 * DN_NEAR, &operator_cred), 0);
    size_t len = 0;
    uint8_t *code = dn_read_file(wasm_path(), &len);
    assert_non_null(code);
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, OUTLAYER, &outlayer.keypair, OUTLAYER, &tx), 0);
    near_action_list l = near_tx_actions(&tx);
    assert_int_equal(near_add_deploy_contract(l, code, len), NEAR_OK);
    const char *args = "{\"owner_id\":\"test.near\",\"operator_id\":\"" OPERATOR "\"}";
    assert_int_equal(near_add_function_call(l, "new", (const uint8_t *)args, strlen(args), 100 * DN_TGAS, 0), NEAR_OK);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_tx_send(&node, &tx, &outlayer.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_OK);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fprintf(stderr, "deploy+new: %s\n", o.failure_message);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);

    /* The code is there with its sha256 hash, and storage covers it. */
    uint8_t *got = NULL, hash[32];
    size_t got_len = 0;
    assert_int_equal(near_rpc_view_code(node.rpc, OUTLAYER, NEAR_FINAL, &got, &got_len, hash, &err), NEAR_OK);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, code, len);
    free(got);
    near_account_view v;
    assert_int_equal(near_rpc_view_account(node.rpc, OUTLAYER, NEAR_FINAL, &v, &err), NEAR_OK);
    assert_true(v.storage_usage > len);
    assert_memory_equal(v.code_hash, hash, 32);
    free(code);

    /* A view call reads the state `new` wrote. */
    near_call_result r;
    assert_int_equal(near_view_function(node.rpc, OUTLAYER, "get_config", "{}", &r, &err), NEAR_OK);
    assert_non_null(strstr((const char *)r.result, OPERATOR));
    near_call_result_free(&r);
    /* `new` twice panics; the failure carries NEAR's error shape. */
    assert_int_equal(dn_call(&node, &alice, OUTLAYER, "new", "{\"owner_id\":\"alice.test.near\"}", 0, NEAR_WAIT_FINAL,
                             &o, &err, NULL),
                     NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_FAILURE);
    char *f = json_dumps(o.failure, JSON_COMPACT);
    assert_non_null(strstr(f, "\"FunctionCallError\":{\"ExecutionError\":\"Smart contract panicked"));
    free(f);
    near_outcome_free(&o);
    /* A view of a missing method gives the node's text. */
    assert_int_equal(near_view_function(node.rpc, OUTLAYER, "no_such_method", "{}", &r, &err),
                     NEAR_ERR_CONTRACT_EXECUTION);
    assert_non_null(strstr(err.message, "MethodNotFound"));
    near_rpc_error_clear(&err);
}

static const char *REQUEST_ARGS =
    "{\"code_source\":{\"WasmUrl\":{\"url\":\"https://example.com/echo.wasm\",\"hash\":"
    "\"0000000000000000000000000000000000000000000000000000000000000000\",\"build_target\":\"wasm32-wasip1\"}},"
    "\"resource_limits\":{\"max_instructions\":10000000,\"max_memory_mb\":64,\"max_execution_seconds\":10},"
    "\"input_data\":\"hi\",\"response_format\":\"Text\"}";

/* request_execution from alice with `payment`; returns the request id the
 * event carries (found through the block feed) and the tx hash. */
static long request(near_u128 payment, char *tx_hash)
{
    uint64_t h0 = dn_height(&node);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(
        dn_call(&node, &alice, OUTLAYER, "request_execution", REQUEST_ARGS, payment, NEAR_WAIT_NONE, &o, &err, tx_hash),
        NEAR_OK);
    near_outcome_free(&o);
    uint64_t at = 0;
    char feed_tx[64] = "";
    char *event = dn_feed_find_event_tx(&node, OUTLAYER, "execution_requested", h0, 20000, &at, feed_tx);
    assert_non_null(event);
    assert_string_equal(feed_tx, tx_hash); /* the worker reports this as the request's transaction */
    json_t *ev = json_loads(event, 0, NULL);
    assert_non_null(ev);
    assert_string_equal(json_string_value(json_object_get(ev, "standard")), "near-outlayer");
    json_t *d0 = json_array_get(json_object_get(ev, "data"), 0);
    assert_int_equal(json_array_size(json_object_get(d0, "data_id")), 32);
    json_t *rd = json_loads(json_string_value(json_object_get(d0, "request_data")), 0, NULL);
    assert_non_null(rd);
    assert_string_equal(json_string_value(json_object_get(rd, "sender_id")), ALICE);
    long id = (long)json_integer_value(json_object_get(rd, "request_id"));
    json_decref(rd);
    json_decref(ev);
    free(event);
    /* The original transaction is waiting on the yield. */
    assert_int_equal(near_rpc_tx_status(node.rpc, tx_hash, ALICE, NEAR_WAIT_NONE, 0, &o, &err), NEAR_OK);
    assert_int_not_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    return id;
}

/* The transaction's final return value; *gas_burnt (if given) gets the gas
 * its whole receipt tree burnt. */
static void final_value(const char *tx_hash, char *out, size_t cap, uint64_t *gas_burnt)
{
    near_outcome o;
    near_rpc_error err = {0};
    near_status st = NEAR_ERR_TIMEOUT;
    for (int i = 0; i < 6 && st == NEAR_ERR_TIMEOUT; i++) {
        st = near_rpc_tx_status(node.rpc, tx_hash, ALICE, NEAR_WAIT_FINAL, 1, &o, &err);
        near_rpc_error_clear(&err);
    }
    assert_int_equal(st, NEAR_OK);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fprintf(stderr, "final outcome: %s\n", o.failure_message);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    snprintf(out, cap, "%.*s", (int)o.value_len, (const char *)o.value);
    if (gas_burnt)
        *gas_burnt = o.gas_burnt;
    near_outcome_free(&o);
}

static void test_request_resolve(void **state)
{
    (void)state;
    near_u128 payment = DN_NEAR / 10;
    near_u128 before = dn_balance(&node, ALICE);
    char tx_hash[64];
    long id = request(payment, tx_hash);

    char args[512];
    snprintf(args, sizeof args,
             "{\"request_id\":%ld,\"response\":{\"success\":true,\"output\":{\"Text\":\"Hello\"},\"error\":null,"
             "\"resources_used\":{\"instructions\":1000000,\"time_ms\":100,\"compile_time_ms\":null},"
             "\"compilation_note\":null}}",
             id);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(
        dn_call(&node, &operator_cred, OUTLAYER, "resolve_execution", args, 0, NEAR_WAIT_FINAL, &o, &err, NULL),
        NEAR_OK);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fprintf(stderr, "resolve: %s\n", o.failure_message);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    bool charged_log = false;
    for (size_t i = 0; i < o.n_logs; i++)
        charged_log |= strstr(o.logs[i], "[[yNEAR charged: \"") != NULL;
    assert_true(charged_log);
    /* The whole resolve (transaction, resolve receipt with its resume,
     * refunds) burns a few Tgas: before yield_resume_byte was charged on
     * the payload length instead of its pointer it burnt about 9.6. */
    fprintf(stderr, "resolve_execution burnt %.3f Tgas\n", (double)o.gas_burnt / 1e12);
    assert_true(o.gas_burnt < 5 * DN_TGAS);
    near_outcome_free(&o);

    char value[256];
    uint64_t request_gas = 0;
    final_value(tx_hash, value, sizeof value, &request_gas);
    assert_string_equal(value, "\"Hello\"");

    /* cost = base 1e21 + 1 × 1e14 + 100 ms × 1e17; the rest of the payment
     * came back to alice, and unused gas too: she paid exactly the cost plus
     * the gas her request's receipts burnt (the callback included). */
    near_u128 cost = (near_u128)1000 * 1000000000000000000ull + (near_u128)100000000000000ull +
                     (near_u128)100 * 100000000000000000ull;
    near_u128 after = dn_balance(&node, ALICE);
    assert_true(before - after == cost + (near_u128)request_gas * GAS_PRICE);

    /* A second resolve of the same request fails (the yield is consumed). */
    assert_int_equal(
        dn_call(&node, &operator_cred, OUTLAYER, "resolve_execution", args, 0, NEAR_WAIT_FINAL, &o, &err, NULL),
        NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_FAILURE);
    near_outcome_free(&o);
    /* Only the operator may resolve. */
    assert_int_equal(dn_call(&node, &alice, OUTLAYER, "resolve_execution", args, 0, NEAR_WAIT_FINAL, &o, &err, NULL),
                     NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_FAILURE);
    assert_non_null(strstr(o.failure_message, "Only operator"));
    near_outcome_free(&o);
}

static void test_large_output(void **state)
{
    (void)state;
    char tx_hash[64];
    long id = request(DN_NEAR / 10, tx_hash);
    char big[2101];
    for (int i = 0; i < 2100; i++)
        big[i] = (char)('a' + i % 26);
    big[2100] = 0;
    char *args = malloc(4096);
    snprintf(args, 4096,
             "{\"request_id\":%ld,\"output\":{\"Text\":\"%s\"},\"success\":true,\"error\":null,"
             "\"resources_used\":{\"instructions\":5000000,\"time_ms\":20,\"compile_time_ms\":null},"
             "\"compilation_note\":null}",
             id, big);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_call(&node, &operator_cred, OUTLAYER, "submit_execution_output_and_resolve", args, 0,
                             NEAR_WAIT_FINAL, &o, &err, NULL),
                     NEAR_OK);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fprintf(stderr, "submit large: %s\n", o.failure_message);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    free(args);
    char value[2300];
    final_value(tx_hash, value, sizeof value, NULL);
    assert_int_equal(strlen(value), 2102);
    assert_int_equal(strncmp(value + 1, big, 2100), 0);
}

/* A call signed with a function-call key; *gas_burnt (if given) gets what
 * the transaction's receipts burnt. */
static near_status fc_key_call(const near_keypair *kp, const char *receiver, const char *method, near_u128 deposit,
                               near_rpc_error *err, uint64_t *gas_burnt)
{
    near_transaction tx;
    if (dn_tx_begin(&node, ALICE, kp, receiver, &tx))
        return NEAR_ERR_ARG;
    assert_int_equal(
        near_add_function_call(near_tx_actions(&tx), method, (const uint8_t *)"{}", 2, 30 * DN_TGAS, deposit), NEAR_OK);
    near_outcome o;
    near_status st = dn_tx_send(&node, &tx, kp, NEAR_WAIT_FINAL, &o, err, NULL);
    if (st == NEAR_OK) {
        if (gas_burnt)
            *gas_burnt = o.gas_burnt;
        near_outcome_free(&o);
    }
    return st;
}

static void add_key(const near_keypair *kp, const near_u128 *allowance, const char *method)
{
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, ALICE, &alice.keypair, ALICE, &tx), 0);
    const char *names[1] = {method};
    assert_int_equal(
        near_add_function_call_key(near_tx_actions(&tx), &kp->public_key, 0, allowance, OUTLAYER, names, 1), NEAR_OK);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_tx_send(&node, &tx, &alice.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
}

static void test_function_call_keys(void **state)
{
    (void)state;
    near_keypair fk, tiny;
    assert_int_equal(near_keypair_generate(&fk), NEAR_OK);
    assert_int_equal(near_keypair_generate(&tiny), NEAR_OK);
    near_u128 allowance = DN_NEAR, small = 1000;
    add_key(&fk, &allowance, "get_stats");
    add_key(&tiny, &small, "get_stats");

    near_access_key_view ak;
    near_rpc_error err = {0};
    assert_int_equal(near_rpc_view_access_key(node.rpc, ALICE, &fk.public_key, NEAR_FINAL, &ak, &err), NEAR_OK);
    assert_false(ak.key.full_access);
    assert_string_equal(ak.key.receiver_id, OUTLAYER);
    assert_true(ak.key.nonce > 0); /* (height - 1) * 1e6, not 0 */
    near_access_key_view_free(&ak);

    uint64_t call_gas = 0;
    assert_int_equal(fc_key_call(&fk, OUTLAYER, "get_stats", 0, &err, &call_gas), NEAR_OK);
    near_u128 left;
    assert_int_equal(near_rpc_view_access_key(node.rpc, ALICE, &fk.public_key, NEAR_FINAL, &ak, &err), NEAR_OK);
    left = ak.key.allowance;
    near_access_key_view_free(&ak);
    /* The conversion took fees and 30 Tgas from the allowance; the unused
     * gas came back with the refund: exactly what was burnt is gone. */
    assert_true(left == allowance - (near_u128)call_gas * GAS_PRICE);

    assert_int_equal(fc_key_call(&fk, OUTLAYER, "is_paused", 0, &err, NULL), NEAR_ERR_INVALID_TX);
    assert_true(error_mentions(&err, "MethodNameMismatch"));
    assert_int_equal(fc_key_call(&fk, "test.near", "get_stats", 0, &err, NULL), NEAR_ERR_INVALID_TX);
    assert_true(error_mentions(&err, "ReceiverMismatch"));
    assert_int_equal(fc_key_call(&fk, OUTLAYER, "get_stats", 1, &err, NULL), NEAR_ERR_INVALID_TX);
    assert_true(error_mentions(&err, "DepositWithFunctionCall"));
    assert_int_equal(fc_key_call(&tiny, OUTLAYER, "get_stats", 0, &err, NULL), NEAR_ERR_INVALID_TX);
    assert_true(error_mentions(&err, "NotEnoughAllowance"));

    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, ALICE, &fk, BOB, &tx), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), 1), NEAR_OK);
    near_outcome o;
    assert_int_equal(dn_tx_send(&node, &tx, &fk, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_ERR_INVALID_TX);
    assert_true(error_mentions(&err, "RequiresFullAccess"));
    near_rpc_error_clear(&err);
}

static void test_storage_staking(void **state)
{
    (void)state;
    near_credentials poor;
    assert_int_equal(dn_create_account(&node, &node.test_root, "poor.test.near", DN_NEAR / 10, &poor), 0);
    size_t len = 0;
    uint8_t *code = dn_read_file(wasm_path(), &len);
    assert_non_null(code);
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, "poor.test.near", &poor.keypair, "poor.test.near", &tx), 0);
    assert_int_equal(near_add_deploy_contract(near_tx_actions(&tx), code, len), NEAR_OK);
    free(code);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_tx_send(&node, &tx, &poor.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_FAILURE);
    char *f = json_dumps(o.failure, JSON_COMPACT);
    assert_non_null(strstr(f, "\"LackBalanceForState\":{\"account_id\":\"poor.test.near\",\"amount\":\""));
    free(f);
    near_outcome_free(&o);
    near_account_view v;
    assert_int_equal(near_rpc_view_account(node.rpc, "poor.test.near", NEAR_FINAL, &v, &err), NEAR_OK);
    uint8_t zero[32] = {0};
    assert_memory_equal(v.code_hash, zero, 32); /* rolled back */
    assert_int_equal(v.storage_usage, 182);
}

static void test_feed_and_receipts(void **state)
{
    (void)state;
    long status = 0;
    char *body = dn_http_get(&node, "/v0/last_block/final", &status);
    assert_int_equal(status, 200);
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(json_object_get(json_object_get(json_object_get(j, "block"), "header"), "height"));
    assert_true(
        json_is_array(json_object_get(json_array_get(json_object_get(j, "shards"), 0), "receipt_execution_outcomes")));
    json_decref(j);
    body = dn_http_get(&node, "/v0/block/0", &status);
    assert_int_equal(status, 200);
    assert_string_equal(body, "null");
    free(body);
    /* Unknown method: REQUEST_VALIDATION_ERROR / METHOD_NOT_FOUND. */
    json_t *r = NULL;
    near_rpc_error err = {0};
    assert_int_equal(near_rpc_call(node.rpc, "no_such_method", json_object(), 0, &r, &err), NEAR_ERR_REQUEST);
    assert_true(error_mentions(&err, "METHOD_NOT_FOUND"));
    near_rpc_error_clear(&err);
}

static void test_restart_keeps_state(void **state)
{
    (void)state;
    /* A request waiting on its yield survives the restart. */
    char tx_hash[64];
    long id = request(DN_NEAR / 10, tx_hash);
    uint64_t h = dn_height(&node);
    near_u128 a = dn_balance(&node, ALICE);
    assert_int_equal(dn_stop(&node, true), 0);
    assert_int_equal(dn_restart(&node, 20, NULL), 0);
    assert_true(dn_balance(&node, ALICE) == a);
    assert_true(dn_height(&node) >= h);
    near_call_result r;
    near_rpc_error err = {0};
    assert_int_equal(near_view_function(node.rpc, OUTLAYER, "get_stats", "{}", &r, &err), NEAR_OK);
    /* [total_executions, total_fees_collected]: the two requests resolved above. */
    assert_int_equal(strncmp((const char *)r.result, "[2,", 3), 0);
    near_call_result_free(&r);
    /* The pending yield is still there: resolve it and the original
     * transaction finishes with the output. */
    char args[400];
    snprintf(args, sizeof args,
             "{\"request_id\":%ld,\"response\":{\"success\":true,\"output\":{\"Text\":\"after restart\"},"
             "\"error\":null,\"resources_used\":{\"instructions\":1,\"time_ms\":1,\"compile_time_ms\":null},"
             "\"compilation_note\":null}}",
             id);
    near_outcome o;
    assert_int_equal(
        dn_call(&node, &operator_cred, OUTLAYER, "resolve_execution", args, 0, NEAR_WAIT_FINAL, &o, &err, NULL),
        NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    char value[64];
    final_value(tx_hash, value, sizeof value, NULL);
    assert_string_equal(value, "\"after restart\"");
    /* And it keeps working: a transfer after the restart. */
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, ALICE, &alice.keypair, BOB, &tx), 0);
    assert_int_equal(near_add_transfer(near_tx_actions(&tx), DN_NEAR), NEAR_OK);
    assert_int_equal(dn_tx_send(&node, &tx, &alice.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_OK);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis),
        cmocka_unit_test(test_create_account_and_transfer),
        cmocka_unit_test(test_rejected_transactions),
        cmocka_unit_test(test_deploy_outlayer),
        cmocka_unit_test(test_request_resolve),
        cmocka_unit_test(test_large_output),
        cmocka_unit_test(test_function_call_keys),
        cmocka_unit_test(test_storage_staking),
        cmocka_unit_test(test_feed_and_receipts),
        cmocka_unit_test(test_restart_keeps_state),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
