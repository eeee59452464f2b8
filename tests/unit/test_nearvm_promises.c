/* NEAR VM layer: promises and receipts — every batch action with its
 * arguments, then/and data dependencies, promise_return, promise results,
 * deposits leaving the balance, promise errors, and yield/resume with the
 * 1024-byte payload limit. Contract: tests/devnet/contracts/promises.wat
 * (current account alice.near). */
#include "near/account_id.h"
#include "nearvm_test.h"

#define NEAR_ONE ((nearvm_u128)1000000000000ull * 1000000000000ull)

static nearvm_contract *contract;

static int setup(void **state)
{
    contract = load_contract("promises");
    return 0;
}

static int teardown(void **state)
{
    nearvm_contract_release(contract);
    return 0;
}

static bool run_ctx(nearvm_context *ctx, const nearvm_storage *st, const char *method, nearvm_outcome *o)
{
    return nearvm_run(contract, method, ctx, st, o);
}

static bool run(const char *method, nearvm_outcome *o)
{
    nearvm_context ctx = test_context();
    return run_ctx(&ctx, NULL, method, o);
}

static void test_batch_actions(void **state)
{
    nearvm_outcome o;
    nearvm_context ctx = test_context();
    if (!run_ctx(&ctx, NULL, "batch", &o))
        fail_msg("%s", o.error.message);
    assert_int_equal(o.receipts_count, 1);
    nearvm_receipt *r = &o.receipts[0];
    assert_string_equal(r->receiver_id, "bob.near");
    assert_false(r->is_yield);
    assert_int_equal(r->input_data_ids_count, 0);
    assert_int_equal(r->actions_count, 10);
    nearvm_action *a = r->actions;

    assert_int_equal(a[0].kind, NEARVM_ACTION_CREATE_ACCOUNT);
    assert_int_equal(a[1].kind, NEARVM_ACTION_TRANSFER);
    assert_true(a[1].deposit == NEAR_ONE);
    assert_int_equal(a[2].kind, NEARVM_ACTION_DEPLOY_CONTRACT);
    assert_int_equal(a[2].args_len, 4);
    assert_memory_equal(a[2].args, "\0asm", 4);
    assert_int_equal(a[3].kind, NEARVM_ACTION_FUNCTION_CALL);
    assert_string_equal(a[3].method_name, "init");
    assert_int_equal(a[3].args_len, 2);
    assert_memory_equal(a[3].args, "{}", 2);
    assert_true(a[3].deposit == 5);
    assert_int_equal(a[3].gas_weight, 0);
    assert_true(a[3].gas == 5 * TGAS); /* fixed gas: not topped up */
    assert_int_equal(a[4].kind, NEARVM_ACTION_FUNCTION_CALL);
    assert_int_equal(a[4].args_len, 0);
    assert_int_equal(a[4].gas_weight, 2);
    assert_true(a[4].gas > 1 * TGAS); /* the only weighted call gets all unused gas */
    assert_int_equal(a[5].kind, NEARVM_ACTION_STAKE);
    assert_true(a[5].deposit == 5);
    assert_int_equal(a[5].public_key_len, 33);
    assert_int_equal(a[5].public_key[0], 0);
    assert_int_equal(a[5].public_key[32], 0x20);
    assert_int_equal(a[6].kind, NEARVM_ACTION_ADD_KEY);
    assert_true(a[6].full_access);
    assert_int_equal(a[6].nonce, 7);
    assert_int_equal(a[6].public_key_len, 33);
    assert_int_equal(a[7].kind, NEARVM_ACTION_ADD_KEY);
    assert_false(a[7].full_access);
    assert_true(a[7].has_allowance);
    assert_true(a[7].allowance == 100);
    assert_string_equal(a[7].receiver_id, "bob.near");
    assert_int_equal(a[7].method_names_count, 2);
    assert_string_equal(a[7].method_names[0], "a");
    assert_string_equal(a[7].method_names[1], "b");
    assert_int_equal(a[8].kind, NEARVM_ACTION_DELETE_KEY);
    assert_int_equal(a[8].public_key_len, 33);
    assert_int_equal(a[9].kind, NEARVM_ACTION_DELETE_ACCOUNT);
    assert_string_equal(a[9].beneficiary_id, "alice.near");

    /* deposits left the balance at once: account_balance saw it */
    nearvm_u128 expect = ctx.account_balance - NEAR_ONE - 5;
    assert_true(le128(o.return_data) == expect);
    assert_true(o.balance == expect);
    /* the weighted call took the rest of the prepaid gas */
    assert_true(o.gas_used == ctx.prepaid_gas);
    assert_true(o.gas_burnt < o.gas_used);
    nearvm_outcome_free(&o);
}

static void test_then_and_return(void **state)
{
    nearvm_outcome o;
    assert_true(run("then", &o));
    assert_int_equal(o.receipts_count, 2);
    nearvm_receipt *first = &o.receipts[0], *cb = &o.receipts[1];
    assert_string_equal(first->receiver_id, "bob.near");
    assert_string_equal(first->actions[0].method_name, "init");
    assert_true(first->actions[0].gas == 10 * TGAS);
    assert_string_equal(cb->receiver_id, "alice.near");
    assert_string_equal(cb->actions[0].method_name, "on_resume");
    assert_true(cb->actions[0].gas == 5 * TGAS);
    /* the callback waits for the first receipt's result */
    assert_int_equal(cb->input_data_ids_count, 1);
    assert_int_equal(first->output_data_receivers_count, 1);
    assert_memory_equal(first->output_data_receivers[0].data_id, cb->input_data_ids[0], 32);
    assert_string_equal(first->output_data_receivers[0].receiver_id, "alice.near");
    assert_int_equal(o.return_kind, NEAR_RETURN_RECEIPT);
    assert_int_equal(o.return_receipt, 1);
    /* burnt: send fees and host costs; used adds 15 Tgas of attached gas and execution fees */
    assert_true(o.gas_used - o.gas_burnt > 15 * TGAS);
    nearvm_outcome_free(&o);

    assert_true(run("and", &o));
    assert_int_equal(o.receipts_count, 3);
    nearvm_receipt *join = &o.receipts[2];
    assert_int_equal(join->input_data_ids_count, 2);
    assert_int_equal(join->actions_count, 0);
    assert_memory_equal(o.receipts[0].output_data_receivers[0].data_id, join->input_data_ids[0], 32);
    assert_memory_equal(o.receipts[1].output_data_receivers[0].data_id, join->input_data_ids[1], 32);
    assert_memory_not_equal(join->input_data_ids[0], join->input_data_ids[1], 32);
    assert_string_equal(o.receipts[1].receiver_id, "carol.near");
    nearvm_outcome_free(&o);
}

static void test_promise_errors(void **state)
{
    nearvm_outcome o;
    assert_false(run("and_append", &o));
    assert_error(&o, NEARVM_ERR_HOST, "CannotAppendActionToJointPromise",
                 "Actions can only be appended to non-joint promise.");
    assert_int_equal(o.receipts_count, 0); /* receipts of a failed call are dropped */
    nearvm_outcome_free(&o);
    assert_false(run("and_return", &o));
    assert_error(&o, NEARVM_ERR_HOST, "CannotReturnJointPromise", "Returning joint promise is currently prohibited.");
    nearvm_outcome_free(&o);
    assert_false(run("bad_index", &o));
    assert_error(&o, NEARVM_ERR_HOST, "InvalidPromiseIndex", "5 does not correspond to existing promises");
    nearvm_outcome_free(&o);
    /* like nearcore, an invalid receiver is not the VM's error: the chain's
     * receipt validation rejects it */
    assert_true(run("bad_account", &o));
    assert_int_equal(o.receipts_count, 1);
    assert_string_equal(o.receipts[0].receiver_id, "Bad.Account");
    assert_false(near_account_id_valid_n("Bad.Account", 11, NULL, 0));
    assert_true(near_account_id_valid_n("alice.near", 10, NULL, 0));
    assert_false(near_account_id_valid_n("a", 1, NULL, 0));
    assert_false(near_account_id_valid_n("a..b", 4, NULL, 0));
    assert_false(near_account_id_valid_n("-ab", 3, NULL, 0));
    assert_true(near_account_id_valid_n("0x1f-a_b.c", 10, NULL, 0));
    nearvm_outcome_free(&o);
    assert_false(run("empty_method", &o));
    assert_error(&o, NEARVM_ERR_HOST, "EmptyMethodName", "Tried to call an empty method name.");
    nearvm_outcome_free(&o);
    assert_false(run("overspend", &o));
    assert_error(&o, NEARVM_ERR_HOST, "BalanceExceeded", "Exceeded the account balance.");
    nearvm_context ctx = test_context();
    assert_true(o.balance == ctx.account_balance);
    nearvm_outcome_free(&o);
    assert_false(run("bad_key", &o));
    assert_error(&o, NEARVM_ERR_HOST, "InvalidPublicKey", "VM Logic provided an invalid public key");
    nearvm_outcome_free(&o);
    /* the key is decoded after the promise lookup, as in nearcore */
    assert_false(run("bad_key_bad_promise", &o));
    assert_error(&o, NEARVM_ERR_HOST, "InvalidPromiseIndex", "99 does not correspond to existing promises");
    nearvm_outcome_free(&o);
    assert_false(run("empty_key_method", &o));
    assert_error(&o, NEARVM_ERR_HOST, "EmptyMethodName", "Tried to call an empty method name.");
    nearvm_outcome_free(&o);
    /* attaching more gas than prepaid */
    assert_false(run("too_much_gas", &o));
    assert_error(&o, NEARVM_ERR_HOST, "GasExceeded", NULL);
    nearvm_outcome_free(&o);
    /* promises are prohibited in views */
    ctx.is_view = true;
    assert_false(run_ctx(&ctx, NULL, "then", &o));
    assert_error(&o, NEARVM_ERR_HOST, "ProhibitedInView", "promise_batch_create is not allowed in view calls");
    nearvm_outcome_free(&o);
}

static void test_promise_results(void **state)
{
    nearvm_promise_result results[2] = {
        {NEAR_PROMISE_SUCCESSFUL, (const uint8_t *)"\"ok\"", 4},
        {NEAR_PROMISE_FAILED, NULL, 0},
    };
    nearvm_context ctx = test_context();
    nearvm_outcome o;
    assert_true(run_ctx(&ctx, NULL, "results_count", &o));
    assert_int_equal(le64(o.return_data), 0);
    nearvm_outcome_free(&o);

    ctx.promise_results = results;
    ctx.promise_results_count = 2;
    assert_true(run_ctx(&ctx, NULL, "results_count", &o));
    assert_int_equal(le64(o.return_data), 2);
    nearvm_outcome_free(&o);
    assert_true(run_ctx(&ctx, NULL, "result0", &o));
    assert_int_equal(o.return_len, 12);
    assert_int_equal(le64(o.return_data), 1);
    assert_memory_equal(o.return_data + 8, "\"ok\"", 4);
    nearvm_outcome_free(&o);

    /* a failed result: status 2 and the register stays unset */
    ctx.promise_results = results + 1;
    ctx.promise_results_count = 1;
    assert_true(run_ctx(&ctx, NULL, "result0", &o));
    assert_int_equal(o.return_len, 8);
    assert_int_equal(le64(o.return_data), 2);
    nearvm_outcome_free(&o);

    assert_false(run_ctx(&ctx, NULL, "result_bad", &o));
    assert_error(&o, NEARVM_ERR_HOST, "InvalidPromiseResultIndex", "Accessed invalid promise result index: 9");
    nearvm_outcome_free(&o);

    /* promise results are not available to view calls */
    ctx.is_view = true;
    assert_false(run_ctx(&ctx, NULL, "results_count", &o));
    assert_error(&o, NEARVM_ERR_HOST, "ProhibitedInView", "promise_results_count is not allowed in view calls");
    nearvm_outcome_free(&o);
    assert_false(run_ctx(&ctx, NULL, "result0", &o));
    assert_error(&o, NEARVM_ERR_HOST, "ProhibitedInView", "promise_result is not allowed in view calls");
    nearvm_outcome_free(&o);
}

static void test_yield_create(void **state)
{
    nearvm_outcome o;
    assert_true(run("yield", &o));
    assert_int_equal(o.return_len, 32);
    assert_int_equal(o.receipts_count, 1);
    nearvm_receipt *y = &o.receipts[0];
    assert_true(y->is_yield);
    assert_string_equal(y->receiver_id, "alice.near");
    assert_int_equal(y->input_data_ids_count, 1);
    assert_memory_equal(y->input_data_ids[0], o.return_data, 32); /* the data id went to the register */
    assert_int_equal(y->actions_count, 1);
    assert_string_equal(y->actions[0].method_name, "on_resume");
    assert_memory_equal(y->actions[0].args, "{}", 2);
    assert_true(y->actions[0].gas == 10 * TGAS);
    assert_true(y->actions[0].deposit == 0);
    /* the callback's gas is prepaid by the yielding call */
    assert_true(o.gas_used - o.gas_burnt >= 10 * TGAS);
    nearvm_outcome_free(&o);

    assert_true(run("yield_return", &o));
    assert_int_equal(o.return_kind, NEAR_RETURN_RECEIPT);
    assert_int_equal(o.return_receipt, 0);
    assert_true(o.receipts[0].actions[0].gas > 10 * TGAS); /* weight 1: unused gas added */
    nearvm_outcome_free(&o);
}

static void test_yield_resume(void **state)
{
    uint8_t id[32], input[32 + 1025];
    memset(id, 0x5a, sizeof id);
    memcpy(input, id, 32);
    memset(input + 32, 'p', 1025);
    mem_store ms = {0};
    nearvm_storage st = mem_storage(&ms);
    nearvm_context ctx = test_context();
    nearvm_outcome o;

    /* no pending yield with that id for this account: 0, nothing recorded */
    ctx.input = input;
    ctx.input_len = 32 + 5;
    assert_true(run_ctx(&ctx, &st, "resume", &o));
    assert_int_equal(le64(o.return_data), 0);
    assert_int_equal(o.resumes_count, 0);
    nearvm_outcome_free(&o);

    /* pending: 1, and the resume is recorded with its payload */
    ms.pending_yield = id;
    assert_true(run_ctx(&ctx, &st, "resume", &o));
    assert_int_equal(le64(o.return_data), 1);
    assert_int_equal(o.resumes_count, 1);
    assert_memory_equal(o.resumes[0].data_id, id, 32);
    assert_int_equal(o.resumes[0].payload_len, 5);
    assert_memory_equal(o.resumes[0].payload, "ppppp", 5);
    nearvm_outcome_free(&o);

    /* the payload limit is 1024 bytes */
    ctx.input_len = 32 + 1024;
    assert_true(run_ctx(&ctx, &st, "resume", &o));
    assert_int_equal(o.resumes[0].payload_len, 1024);
    nearvm_outcome_free(&o);
    ctx.input_len = 32 + 1025;
    assert_false(run_ctx(&ctx, &st, "resume", &o));
    assert_error(&o, NEARVM_ERR_HOST, "YieldPayloadLength",
                 "Yield resume payload is 1025 bytes which exceeds the 1024 byte limit");
    assert_int_equal(o.resumes_count, 0);
    nearvm_outcome_free(&o);

    /* a data id that is not 32 bytes */
    assert_false(run_ctx(&ctx, &st, "resume_short_id", &o));
    assert_error(&o, NEARVM_ERR_HOST, "DataIdMalformed", "yield resumption token is malformed");
    nearvm_outcome_free(&o);

    /* resume is prohibited in views */
    ctx.input_len = 32 + 5;
    ctx.is_view = true;
    assert_false(run_ctx(&ctx, &st, "resume", &o));
    assert_error(&o, NEARVM_ERR_HOST, "ProhibitedInView", "promise_submit_data is not allowed in view calls");
    nearvm_outcome_free(&o);

    /* resuming a yield created in the same call works; a second resume
     * also answers 1 but only the first payload is kept */
    ctx = test_context();
    assert_true(run_ctx(&ctx, &st, "yield_and_resume", &o));
    assert_int_equal(le64(o.return_data), 1);
    assert_int_equal(le64(o.return_data + 8), 1);
    assert_int_equal(o.resumes_count, 1);
    assert_memory_equal(o.resumes[0].data_id, o.receipts[0].input_data_ids[0], 32);
    nearvm_outcome_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_actions),  cmocka_unit_test(test_then_and_return),
        cmocka_unit_test(test_promise_errors), cmocka_unit_test(test_promise_results),
        cmocka_unit_test(test_yield_create),   cmocka_unit_test(test_yield_resume),
    };
    return cmocka_run_group_tests_name("nearvm_promises", tests, setup, teardown);
}
