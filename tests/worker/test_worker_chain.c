/*
 * test_worker_chain.c — the worker's chain side against a real
 * outlayer-devnet: the feed block holding a request gives the right
 * /executions/create body; wk_resolve puts results on chain (small output,
 * large output through storage, a failure with a long error), treats a
 * second resolve as "already done", and recovers when the operator key's
 * nonce moved underneath it. Each time the caller's final outcome holds the
 * output and the refund is exact.
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

#include "base/http_client.h"
#include "worker/worker.h"
#include "worker_harness.h"

static wh_chain C;
static wk_chain chain;
static near_rpc *rpc;

static const char *SRC = "{\"WasmUrl\":{\"url\":\"http://127.0.0.1:1/p.wasm\",\"hash\":"
                         "\"0000000000000000000000000000000000000000000000000000000000000000\","
                         "\"build_target\":\"wasm32-wasip1\"}}";

static int setup(void **state)
{
    if (hc_global_init() || wh_start(&C, 20))
        return -1;
    if (wk_chain_init(&chain, C.node.url, WH_OUTLAYER, WH_OPERATOR, &C.op.keypair))
        return -1;
    rpc = near_rpc_new(C.node.url);
    return 0;
}

static int teardown(void **state)
{
    near_rpc_free(rpc);
    wk_chain_destroy(&chain);
    return dn_finish(&C.node) ? -1 : 0;
}

/* Requests, finds the event in the feed, checks the create body; returns the request id. */
static uint64_t request(const char *input, wh_request *rq)
{
    assert_int_equal(wh_request_execution(&C, SRC,
                                          "{\"max_instructions\":1000000000,\"max_memory_mb\":32,"
                                          "\"max_execution_seconds\":10}",
                                          input, "Text", rq),
                     0);
    uint64_t at = 0;
    char *ev = dn_feed_find_event(&C.node, WH_OUTLAYER, "execution_requested", rq->height_before, 20000, &at);
    assert_non_null(ev);
    free(ev);
    /* The same block through the feed, as the monitor reads it. */
    char *url = wk_feed_block_url(C.node.url, at);
    char base[128];
    snprintf(base, sizeof base, "%s/v0", C.node.url);
    free(url);
    url = wk_feed_block_url(base, at);
    hc_options o = {.timeout_ms = 15000, .max_response = 64u << 20};
    long status = 0;
    json_t *block = NULL;
    char err[256];
    assert_int_equal(hc_get_json(url, &o, &status, &block, err, sizeof err), 0);
    free(url);
    assert_int_equal(status, 200);
    json_t *creates = NULL;
    assert_int_equal(wk_block_events(block, at, WH_OUTLAYER, &creates, err, sizeof err), 0);
    json_decref(block);
    json_t *mine = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(creates, i, c) if (strcmp(json_string_value(json_object_get(c, "input_data")), input) == 0)
        mine = c;
    assert_non_null(mine);
    json_t *ctx = json_object_get(mine, "context");
    assert_string_equal(json_string_value(json_object_get(ctx, "sender_id")), WH_CALLER);
    assert_string_equal(json_string_value(json_object_get(ctx, "transaction_hash")), rq->tx_hash);
    assert_int_equal(json_integer_value(json_object_get(ctx, "block_height")), at);
    assert_int_equal(strlen(json_string_value(json_object_get(mine, "data_id"))), 64);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(mine, "resource_limits"), "max_memory_mb")),
                     32);
    uint64_t id = (uint64_t)json_integer_value(json_object_get(mine, "request_id"));
    json_decref(creates);
    return id;
}

static void test_resolve_small_then_again(void **state)
{
    wh_request rq;
    uint64_t id = request("small", &rq);
    wk_result res = {0};
    res.success = true;
    res.output = json_pack("{s:s}", "Text", "Heads");
    res.instructions = 3000000;
    res.time_ms = 7;
    char tx[64], err[WK_ERR];
    assert_int_equal(wk_resolve(&chain, rpc, id, &res, tx, err, sizeof err), WK_RESOLVED);
    assert_true(strlen(tx) > 40);
    /* A second worker (or a retry) is told the request is done. */
    assert_int_equal(wk_resolve(&chain, rpc, id, &res, tx, err, sizeof err), WK_ALREADY_DONE);
    near_outcome o;
    assert_int_equal(wh_final(&C, &rq, 20000, &o), 0);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    assert_string_equal((const char *)o.value, "\"Heads\"");
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    wk_result_free(&res);
}

static void test_resolve_large_output(void **state)
{
    wh_request rq;
    uint64_t id = request("large", &rq);
    char big[5001];
    for (int i = 0; i < 5000; i++)
        big[i] = (char)('a' + i % 26);
    big[5000] = 0;
    wk_result res = {0};
    res.success = true;
    res.output = json_pack("{s:s}", "Text", big);
    res.instructions = 1000;
    res.time_ms = 1;
    char tx[64], err[WK_ERR];
    assert_int_equal(wk_resolve(&chain, rpc, id, &res, tx, err, sizeof err), WK_RESOLVED);
    near_outcome o;
    assert_int_equal(wh_final(&C, &rq, 20000, &o), 0);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    json_t *v = json_loadb((const char *)o.value, o.value_len, JSON_DECODE_ANY, NULL);
    assert_string_equal(json_string_value(v), big);
    json_decref(v);
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    wk_result_free(&res);
}

static void test_resolve_failure_after_nonce_moved(void **state)
{
    wh_request rq;
    uint64_t id = request("fail", &rq);
    /* Someone else uses the operator key: our cached nonce is now stale. */
    for (int i = 0; i < 2; i++) {
        near_outcome o;
        near_rpc_error e = {0};
        assert_int_equal(dn_call(&C.node, &C.op, WH_OUTLAYER, "get_pricing", "{}", 0, NEAR_WAIT_FINAL, &o, &e, NULL),
                         NEAR_OK);
        near_outcome_free(&o);
        near_rpc_error_clear(&e);
    }
    wk_result res = {0};
    char long_err[3000];
    memset(long_err, 'e', sizeof long_err - 1);
    long_err[sizeof long_err - 1] = 0;
    wk_result_fail(&res, "execution_failed", "Program exited with code 3: %s", long_err);
    char tx[64], err[WK_ERR];
    assert_int_equal(wk_resolve(&chain, rpc, id, &res, tx, err, sizeof err), WK_RESOLVED);
    near_outcome o;
    assert_int_equal(wh_final(&C, &rq, 20000, &o), 0);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    assert_string_equal((const char *)o.value, "null");
    json_t *ev = wh_completed_event(&o);
    json_t *d = json_array_get(json_object_get(ev, "data"), 0);
    assert_true(json_is_false(json_object_get(d, "success")));
    assert_non_null(strstr(json_string_value(json_object_get(d, "error_message")), "(truncated, original size:"));
    json_decref(ev);
    assert_int_equal(wh_check_refund(&C, &rq, &o), 0);
    near_outcome_free(&o);
    wk_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_small_then_again),
        cmocka_unit_test(test_resolve_large_output),
        cmocka_unit_test(test_resolve_failure_after_nonce_moved),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
