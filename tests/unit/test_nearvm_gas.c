/* NEAR VM layer: gas. Exact gas for known instruction counts (822,756 per
 * wasm instruction) and host-function costs, contract loading, prepaid-gas
 * and max-burnt limits (GasExceeded vs GasLimitExceeded), used_gas, and the
 * sharing of unused gas among weighted function calls.
 * Contract: tests/devnet/contracts/gas.wat. */
#include "nearvm_test.h"

#define OP 822756ull
#define BASE 264768111ull

static nearvm_contract *contract;
static size_t code_len;

static int setup(void **state)
{
    contract = load_contract("gas");
    free(contract_bytes("gas", &code_len));
    return 0;
}

static int teardown(void **state)
{
    nearvm_contract_release(contract);
    return 0;
}

static uint64_t loading(void) { return 35445963ull + 1089295ull * code_len; }

static bool run(const char *method, uint64_t prepaid, uint64_t max_burnt, const void *in, size_t len, nearvm_outcome *o)
{
    nearvm_context ctx = test_context();
    ctx.prepaid_gas = prepaid;
    ctx.max_gas_burnt = max_burnt;
    ctx.input = in;
    ctx.input_len = len;
    return nearvm_run(contract, method, &ctx, NULL, o);
}

static void test_exact_gas(void **state)
{
    nearvm_outcome o;
    /* an empty body: only its `end`, which costs nothing */
    assert_true(run("noop", 300 * TGAS, 0, NULL, 0, &o));
    assert_int_equal(o.instructions, 0);
    assert_true(o.gas_burnt == loading());
    assert_true(o.gas_used == o.gas_burnt);
    nearvm_outcome_free(&o);

    /* call + drop = 2 instructions, block_index costs `base` */
    assert_true(run("one_base", 300 * TGAS, 0, NULL, 0, &o));
    assert_int_equal(o.instructions, 2);
    assert_true(o.gas_burnt == loading() + BASE + 2 * OP);
    nearvm_outcome_free(&o);

    /* log_utf8("hello"): 3 instructions; base, utf8 decoding, memory read, log */
    assert_true(run("log_hello", 300 * TGAS, 0, NULL, 0, &o));
    assert_int_equal(o.instructions, 3);
    uint64_t host =
        BASE + 3111779061ull + 291580479ull * 5 + 2609863200ull + 3801333ull * 5 + 3543313050ull + 13198791ull * 5;
    assert_true(o.gas_burnt == loading() + host + 3 * OP);
    nearvm_outcome_free(&o);
}

/* value_return pays a data receipt's per-byte send and execution fees for
 * each receiver of this receipt's output, sir or not */
static void test_value_return_data_receivers(void **state)
{
    static const char *const receivers[] = {"bob.near", "alice.near"};
    nearvm_context ctx = test_context();
    nearvm_outcome a, b;
    assert_true(nearvm_run(contract, "gas_numbers", &ctx, NULL, &a));
    ctx.output_data_receivers = receivers;
    ctx.output_data_receivers_count = 2;
    assert_true(nearvm_run(contract, "gas_numbers", &ctx, NULL, &b));
    uint64_t per_byte = (47683715ull + 17212011ull) + (17212011ull + 17212011ull);
    assert_true(b.gas_burnt - a.gas_burnt == 16 * per_byte);
    nearvm_outcome_free(&a);
    nearvm_outcome_free(&b);
}

/* input charges write_register_base only (nearcore shares the input with
 * the register); read_register still pays per byte of register and memory */
static void test_input_is_not_charged_per_byte(void **state)
{
    nearvm_outcome a, b;
    uint8_t in[8] = {0};
    assert_true(run("loop", 300 * TGAS, 0, in, 4, &a));
    assert_true(run("loop", 300 * TGAS, 0, in, 8, &b));
    assert_int_equal(a.instructions, b.instructions);
    assert_true(b.gas_burnt - a.gas_burnt == 4 * (98562ull + 2723772ull));
    nearvm_outcome_free(&a);
    nearvm_outcome_free(&b);
}

static void test_gas_per_instruction(void **state)
{
    nearvm_outcome a, b;
    uint32_t n0 = 0, n1 = 1000;
    assert_true(run("loop", 300 * TGAS, 0, &n0, 4, &a));
    assert_true(run("loop", 300 * TGAS, 0, &n1, 4, &b));
    /* each iteration is 12 instructions */
    assert_int_equal(b.instructions - a.instructions, 12 * 1000);
    assert_true(b.gas_burnt - a.gas_burnt == 12 * 1000 * OP);
    nearvm_outcome_free(&a);
    nearvm_outcome_free(&b);
}

static void test_out_of_prepaid_gas(void **state)
{
    nearvm_outcome o;
    assert_false(run("forever", 5 * TGAS, 0, NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "GasExceeded", "Exceeded the prepaid gas.");
    assert_string_equal(o.error.json, "{\"ExecutionError\":\"Exceeded the prepaid gas.\"}");
    assert_string_equal(o.error.debug, "HostError(GasExceeded)");
    assert_true(o.gas_burnt == 5 * TGAS); /* all of it */
    assert_true(o.gas_used == 5 * TGAS);
    assert_true(o.instructions >= (5 * TGAS - loading()) / OP - 16);
    nearvm_outcome_free(&o);

    /* a loop that needs one more iteration than the gas allows */
    uint32_t n = 1000;
    nearvm_outcome full;
    assert_true(run("loop", 300 * TGAS, 0, &n, 4, &full));
    assert_false(run("loop", full.gas_burnt - 12 * OP, 0, &n, 4, &o));
    assert_error(&o, NEARVM_ERR_HOST, "GasExceeded", NULL);
    nearvm_outcome_free(&o);
    assert_true(run("loop", full.gas_burnt, 0, &n, 4, &o)); /* exactly enough */
    assert_true(o.gas_burnt == full.gas_burnt);
    nearvm_outcome_free(&o);
    nearvm_outcome_free(&full);

    /* not even enough to load the contract */
    assert_false(run("noop", 1000, 0, NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "GasExceeded", NULL);
    assert_int_equal(o.gas_burnt, 1000);
    nearvm_outcome_free(&o);
}

static void test_gas_limit_exceeded(void **state)
{
    nearvm_outcome o;
    /* prepaid above the 300 Tgas burn limit */
    assert_false(run("forever", 400 * TGAS, 0, NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "GasLimitExceeded",
                 "Exceeded the maximum amount of gas allowed to burn per contract.");
    assert_true(o.gas_burnt == NEARVM_DEFAULT_MAX_GAS_BURNT);
    nearvm_outcome_free(&o);
    /* a configured limit */
    assert_false(run("forever", 20 * TGAS, 10 * TGAS, NULL, 0, &o));
    assert_error(&o, NEARVM_ERR_HOST, "GasLimitExceeded", NULL);
    assert_true(o.gas_burnt == 10 * TGAS);
    nearvm_outcome_free(&o);
}

static void test_used_and_prepaid(void **state)
{
    nearvm_outcome o;
    assert_true(run("gas_numbers", 42 * TGAS, 0, NULL, 0, &o));
    uint64_t used = le64(o.return_data), prepaid = le64(o.return_data + 8);
    assert_true(prepaid == 42 * TGAS);
    assert_true(used > loading() && used < o.gas_burnt);
    nearvm_outcome_free(&o);
}

static void test_weighted_gas_sharing(void **state)
{
    nearvm_outcome o;
    assert_true(run("weights", 100 * TGAS, 0, NULL, 0, &o));
    assert_int_equal(o.receipts_count, 1);
    nearvm_receipt *r = &o.receipts[0];
    assert_int_equal(r->actions_count, 2);
    assert_int_equal(r->actions[0].gas_weight, 1);
    assert_int_equal(r->actions[1].gas_weight, 3);
    uint64_t extra0 = r->actions[0].gas - 1 * TGAS, extra1 = r->actions[1].gas - 2 * TGAS;
    assert_true(extra0 > 0 && extra1 > 0);
    assert_true(extra0 == (extra0 + extra1) / 4); /* weight 1 of 4; the rest goes to the last */
    assert_true(o.gas_used == 100 * TGAS);        /* every prepaid unit is now used */
    assert_true(o.gas_burnt < 2 * TGAS);
    nearvm_outcome_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_gas),           cmocka_unit_test(test_value_return_data_receivers),
        cmocka_unit_test(test_gas_per_instruction), cmocka_unit_test(test_input_is_not_charged_per_byte),
        cmocka_unit_test(test_out_of_prepaid_gas),  cmocka_unit_test(test_gas_limit_exceeded),
        cmocka_unit_test(test_used_and_prepaid),    cmocka_unit_test(test_weighted_gas_sharing),
    };
    return cmocka_run_group_tests_name("nearvm_gas", tests, setup, teardown);
}
