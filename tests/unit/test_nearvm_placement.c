/* NEAR VM layer: a host function's gas depends on the lengths of its
 * arguments, never on where they live. Contract:
 * tests/devnet/contracts/placement.wat. Each method calls one host function
 * with the same arguments placed at a low address, at an address above
 * 64 MiB (where a near-sdk-rs build keeps its buffers) and, for functions
 * that accept registers, in registers. The host gas of the call — burnt gas
 * minus wasm gas minus the setup's own host gas, measured on the "setup"
 * method — must be the same in every placement and equal nearcore's formula
 * written out below (docs/devnet.md, "Host-function gas audit").
 *
 * The bug this pins: promise_yield_resume charged yield_resume_byte on the
 * payload's *pointer*, so a near-sdk contract (buffers above 64 MiB) burnt
 * ~3,200 Tgas per resume and failed with GasLimitExceeded. */
#include "nearvm_test.h"

#include "nearvm/costs.h"

#define OP COST_REGULAR_OP
#define LOW_BASE 16384ull
#define HIGH_BASE ((64ull << 20) + 1024) /* in the page the setup grows */

static nearvm_contract *contract;

static int setup(void **state)
{
    contract = load_contract("placement");
    return 0;
}

static int teardown(void **state)
{
    nearvm_contract_release(contract);
    return 0;
}

/* ---- nearcore's cost pieces ---- */
static uint64_t RM(uint64_t n) { return COST_READ_MEMORY_BASE + n * COST_READ_MEMORY_BYTE; }
static uint64_t WM(uint64_t n) { return COST_WRITE_MEMORY_BASE + n * COST_WRITE_MEMORY_BYTE; }
static uint64_t RR(uint64_t n) { return COST_READ_REGISTER_BASE + n * COST_READ_REGISTER_BYTE; }
static uint64_t WR(uint64_t n) { return COST_WRITE_REGISTER_BASE + n * COST_WRITE_REGISTER_BYTE; }
static uint64_t U8(uint64_t n) { return COST_UTF8_DECODING_BASE + n * COST_UTF8_DECODING_BYTE; }
static uint64_t send(nearvm_fee f, bool sir) { return sir ? f.send_sir : f.send_not_sir; }

/* burnt and reserved ("used" - burnt) gas of one call */
typedef struct cost {
    uint64_t burn, reserve;
} cost;

static cost plus(cost a, cost b) { return (cost){a.burn + b.burn, a.reserve + b.reserve}; }

/* An action fee: the send part is burnt, the execution part reserved. */
static cost action(nearvm_fee f, uint64_t units, bool sir) { return (cost){send(f, sir) * units, f.execution * units}; }

#define TG 1000000000000ull
#define AMOUNT_READ RM(16)

/* promise_batch_create("bob.near"): not sent to ourselves (alice.near) */
static cost batch_create(uint64_t account_read)
{
    return plus((cost){COST_BASE + account_read + U8(8), 0}, action(FEE_ACTION_RECEIPT, 1, false));
}

/* promise_batch_action_function_call(method "cb", 16 bytes of args, 1 Tgas) */
static cost function_call(uint64_t method_read, uint64_t args_read, bool sir)
{
    cost c = {COST_BASE + AMOUNT_READ + method_read + args_read, TG};
    return plus(plus(c, action(FEE_FUNCTION_CALL_BASE, 1, sir)), action(FEE_FUNCTION_CALL_BYTE, 18, sir));
}

/* promise_batch_then(0, "bob.near"): one dependency, on a receipt to bob.near (sir for the data receipt) */
static cost batch_then(void)
{
    nearvm_fee dr = FEE_DATA_RECEIPT_BASE;
    cost c = {COST_BASE + RM(8) + U8(8) + dr.send_sir + dr.execution, 0};
    return plus(c, action(FEE_ACTION_RECEIPT, 1, false));
}

typedef struct row {
    const char *method;
    cost expect;
    const char *error;  /* the call fails with this HostError, or NULL */
    bool check_reserve; /* weighted calls take all unused gas: skip */
} row;

#define ROW(m, c)            \
    {                        \
        (m), (c), NULL, true \
    }
#define BURN(x) ((cost){(x), 0})

static size_t build_rows(row *r)
{
    size_t n = 0;
    const cost bc = batch_create(RM(8));
    const uint64_t log_byte = COST_LOG_BYTE, u16b = COST_UTF16_DECODING_BYTE;
    const char *abort_text = "hi, filename: \"ab\" line: 1 col: 2";

    /* registers and context */
    r[n++] = (row)ROW("read_register", BURN(COST_BASE + RR(100) + WM(100)));
    r[n++] = (row)ROW("write_register", BURN(COST_BASE + RM(16) + WR(16)));
    r[n++] = (row)ROW("account_balance", BURN(COST_BASE + WM(16)));
    r[n++] = (row)ROW("account_locked_balance", BURN(COST_BASE + WM(16)));
    r[n++] = (row)ROW("attached_deposit", BURN(COST_BASE + WM(16)));
    r[n++] = (row)ROW("validator_stake", BURN(COST_BASE + RM(8) + U8(8) + COST_VALIDATOR_STAKE_BASE + WM(16)));
    r[n++] = (row)ROW("validator_stake_reg", BURN(COST_BASE + RR(8) + U8(8) + COST_VALIDATOR_STAKE_BASE + WM(16)));
    r[n++] = (row)ROW("validator_total_stake", BURN(COST_BASE + COST_VALIDATOR_TOTAL_STAKE_BASE + WM(16)));

    /* results and logs */
    r[n++] = (row)ROW("value_return", BURN(COST_BASE + RM(16)));
    r[n++] = (row)ROW("value_return_reg", BURN(COST_BASE + RR(16)));
    r[n++] = (row)ROW("log_utf8", BURN(COST_BASE + U8(100) + RM(100) + COST_LOG_BASE + 100 * log_byte));
    /* NUL-terminated: every byte read (5 + the NUL) is a memory read */
    r[n++] = (row)ROW("log_utf8_nul",
                      BURN(COST_BASE + COST_UTF8_DECODING_BASE + 6 * (COST_READ_MEMORY_BASE + COST_READ_MEMORY_BYTE) +
                           5 * COST_UTF8_DECODING_BYTE + COST_LOG_BASE + 5 * log_byte));
    r[n++] = (row)ROW("log_utf16",
                      BURN(COST_BASE + COST_UTF16_DECODING_BASE + RM(4) + 4 * u16b + COST_LOG_BASE + 2 * log_byte));
    r[n++] = (row)ROW("log_utf16_nul", BURN(COST_BASE + COST_UTF16_DECODING_BASE +
                                            3 * (COST_READ_MEMORY_BASE + 2 * COST_READ_MEMORY_BYTE) + 4 * u16b +
                                            COST_LOG_BASE + 2 * log_byte));
    r[n++] = (row){"panic_utf8", BURN(COST_BASE + U8(100) + RM(100)), "GuestPanic", true};
    r[n++] = (row){"abort",
                   BURN(COST_BASE + 2 * RM(4) + 2 * (COST_UTF16_DECODING_BASE + RM(4) + 4 * u16b) + COST_LOG_BASE +
                        strlen(abort_text) * log_byte),
                   "GuestPanic", true};

    /* storage: the key exists with a 16-byte value */
    uint64_t evicted = 16 * COST_STORAGE_WRITE_EVICTED_BYTE + WR(16);
    r[n++] =
        (row)ROW("storage_write", BURN(COST_BASE + COST_STORAGE_WRITE_BASE + RM(8) + RM(16) +
                                       8 * COST_STORAGE_WRITE_KEY_BYTE + 16 * COST_STORAGE_WRITE_VALUE_BYTE + evicted));
    r[n++] = (row)ROW("storage_write_reg",
                      BURN(COST_BASE + COST_STORAGE_WRITE_BASE + RR(8) + RR(16) + 8 * COST_STORAGE_WRITE_KEY_BYTE +
                           16 * COST_STORAGE_WRITE_VALUE_BYTE + evicted));
    uint64_t read_rest = 8 * COST_STORAGE_READ_KEY_BYTE + 16 * COST_STORAGE_READ_VALUE_BYTE + WR(16);
    r[n++] = (row)ROW("storage_read", BURN(COST_BASE + COST_STORAGE_READ_BASE + RM(8) + read_rest));
    r[n++] = (row)ROW("storage_read_reg", BURN(COST_BASE + COST_STORAGE_READ_BASE + RR(8) + read_rest));
    uint64_t remove_rest = 8 * COST_STORAGE_REMOVE_KEY_BYTE + 16 * COST_STORAGE_REMOVE_RET_VALUE_BYTE + WR(16);
    r[n++] = (row)ROW("storage_remove", BURN(COST_BASE + COST_STORAGE_REMOVE_BASE + RM(8) + remove_rest));
    r[n++] = (row)ROW("storage_remove_reg", BURN(COST_BASE + COST_STORAGE_REMOVE_BASE + RR(8) + remove_rest));
    r[n++] = (row)ROW("storage_has_key",
                      BURN(COST_BASE + COST_STORAGE_HAS_KEY_BASE + RM(8) + 8 * COST_STORAGE_HAS_KEY_BYTE));
    r[n++] = (row)ROW("storage_has_key_reg",
                      BURN(COST_BASE + COST_STORAGE_HAS_KEY_BASE + RR(8) + 8 * COST_STORAGE_HAS_KEY_BYTE));

    /* hashes of 100 bytes (no `base`: each has its own) */
    r[n++] = (row)ROW("sha256", BURN(COST_SHA256_BASE + RM(100) + 100 * COST_SHA256_BYTE + WR(32)));
    r[n++] = (row)ROW("sha256_reg", BURN(COST_SHA256_BASE + RR(100) + 100 * COST_SHA256_BYTE + WR(32)));
    r[n++] = (row)ROW("keccak256", BURN(COST_KECCAK256_BASE + RM(100) + 100 * COST_KECCAK256_BYTE + WR(32)));
    r[n++] = (row)ROW("keccak256_reg", BURN(COST_KECCAK256_BASE + RR(100) + 100 * COST_KECCAK256_BYTE + WR(32)));
    r[n++] = (row)ROW("keccak512", BURN(COST_KECCAK512_BASE + RM(100) + 100 * COST_KECCAK512_BYTE + WR(64)));
    r[n++] = (row)ROW("keccak512_reg", BURN(COST_KECCAK512_BASE + RR(100) + 100 * COST_KECCAK512_BYTE + WR(64)));
    /* RIPEMD-160 is charged per 64-byte block of the padded message: (100 + 8) / 64 + 1 = 2 */
    r[n++] = (row)ROW("ripemd160", BURN(COST_RIPEMD160_BASE + RM(100) + 2 * COST_RIPEMD160_BLOCK + WR(20)));
    r[n++] = (row)ROW("ripemd160_reg", BURN(COST_RIPEMD160_BASE + RR(100) + 2 * COST_RIPEMD160_BLOCK + WR(20)));

    /* sha3 (PV 87) is charged with the keccak costs here (docs/devnet.md) */
    r[n++] = (row)ROW("sha3_256", BURN(COST_KECCAK256_BASE + RM(100) + 100 * COST_KECCAK256_BYTE + WR(32)));
    r[n++] = (row)ROW("sha3_256_reg", BURN(COST_KECCAK256_BASE + RR(100) + 100 * COST_KECCAK256_BYTE + WR(32)));
    r[n++] = (row)ROW("sha3_512", BURN(COST_KECCAK512_BASE + RM(100) + 100 * COST_KECCAK512_BYTE + WR(64)));
    r[n++] = (row)ROW("sha3_512_reg", BURN(COST_KECCAK512_BASE + RR(100) + 100 * COST_KECCAK512_BYTE + WR(64)));

    /* signatures (all-zero inputs: verification fails, nothing is written) */
    r[n++] = (row)ROW("ed25519_verify",
                      BURN(COST_ED25519_VERIFY_BASE + RM(64) + RM(32) + 32 * COST_ED25519_VERIFY_BYTE + RM(32)));
    r[n++] = (row)ROW("ed25519_verify_reg",
                      BURN(COST_ED25519_VERIFY_BASE + RR(64) + RR(32) + 32 * COST_ED25519_VERIFY_BYTE + RR(32)));
    r[n++] = (row)ROW("ecrecover", BURN(COST_ECRECOVER_BASE + RM(64) + RM(32)));
    r[n++] = (row)ROW("ecrecover_reg", BURN(COST_ECRECOVER_BASE + RR(64) + RR(32)));
    r[n++] =
        (row)ROW("p256_verify", BURN(COST_P256_VERIFY_BASE + RM(64) + RM(32) + 32 * COST_P256_VERIFY_BYTE + RM(33)));
    r[n++] = (row)ROW("p256_verify_reg",
                      BURN(COST_P256_VERIFY_BASE + RR(64) + RR(32) + 32 * COST_P256_VERIFY_BYTE + RR(33)));

    /* promises: receipts to bob.near (not ourselves) */
    r[n++] = (row)ROW("promise_batch_create", bc);
    r[n++] = (row)ROW("promise_batch_create_reg", batch_create(RR(8)));
    r[n++] = (row)ROW("promise_create", plus(bc, function_call(RM(2), RM(16), false)));
    r[n++] = (row)ROW("promise_create_reg", plus(batch_create(RR(8)), function_call(RR(2), RR(16), false)));
    r[n++] = (row)ROW("promise_then", plus(bc, plus(batch_then(), function_call(RM(2), RM(16), false))));
    r[n++] = (row)ROW("promise_and",
                      plus(bc, BURN(COST_BASE + COST_PROMISE_AND_BASE + 8 * COST_PROMISE_AND_PER_PROMISE + RM(8))));
    r[n++] = (row)ROW("promise_batch_then", plus(bc, batch_then()));
    r[n++] = (row)ROW("function_call", plus(bc, function_call(RM(2), RM(16), false)));
    r[n++] = (row)ROW("function_call_reg", plus(bc, function_call(RR(2), RR(16), false)));
    r[n++] = (row){"function_call_weight", plus(bc, function_call(RM(2), RM(16), false)), NULL, false};
    cost deploy = plus(action(FEE_DEPLOY_BASE, 1, false), action(FEE_DEPLOY_BYTE, 64, false));
    r[n++] = (row)ROW("deploy_contract", plus(bc, plus(BURN(COST_BASE + RM(64)), deploy)));
    r[n++] = (row)ROW("deploy_contract_reg", plus(bc, plus(BURN(COST_BASE + RR(64)), deploy)));
    r[n++] = (row)ROW("transfer", plus(bc, plus(BURN(COST_BASE + AMOUNT_READ), action(FEE_TRANSFER, 1, false))));
    r[n++] = (row)ROW("stake", plus(bc, plus(BURN(COST_BASE + AMOUNT_READ + RM(33)), action(FEE_STAKE, 1, false))));
    r[n++] = (row)ROW("stake_reg", plus(bc, plus(BURN(COST_BASE + AMOUNT_READ + RR(33)), action(FEE_STAKE, 1, false))));
    r[n++] = (row)ROW("add_key_full", plus(bc, plus(BURN(COST_BASE + RM(33)), action(FEE_ADD_KEY_FULL, 1, false))));
    /* method names "a,bb": (1 + 1) + (2 + 1) bytes */
    cost fc_key = plus(action(FEE_ADD_KEY_FUNCTION_CALL, 1, false), action(FEE_ADD_KEY_FUNCTION_CALL_BYTE, 5, false));
    r[n++] =
        (row)ROW("add_key_fc", plus(bc, plus(BURN(COST_BASE + RM(33) + AMOUNT_READ + RM(8) + U8(8) + RM(4)), fc_key)));
    r[n++] = (row)ROW("add_key_fc_reg",
                      plus(bc, plus(BURN(COST_BASE + RR(33) + AMOUNT_READ + RR(8) + U8(8) + RR(4)), fc_key)));
    r[n++] = (row)ROW("delete_key", plus(bc, plus(BURN(COST_BASE + RM(33)), action(FEE_DELETE_KEY, 1, false))));
    r[n++] = (row)ROW("delete_account",
                      plus(bc, plus(BURN(COST_BASE + RM(8) + U8(8)), action(FEE_DELETE_ACCOUNT, 1, false))));
    r[n++] = (row)ROW("delete_account_reg",
                      plus(bc, plus(BURN(COST_BASE + RR(8) + U8(8)), action(FEE_DELETE_ACCOUNT, 1, false))));

    /* yield / resume: the yield receipt goes to ourselves with one data dependency on ourselves */
    nearvm_fee dr = FEE_DATA_RECEIPT_BASE;
    cost yield_receipt = plus(action(FEE_ACTION_RECEIPT, 1, true), BURN(dr.send_sir + dr.execution));
    cost yield_call = plus(action(FEE_FUNCTION_CALL_BASE, 1, true), action(FEE_FUNCTION_CALL_BYTE, 18, true));
    cost yield_fixed = plus(plus(yield_receipt, yield_call),
                            (cost){COST_BASE + COST_YIELD_CREATE_BASE + 18 * COST_YIELD_CREATE_BYTE + WR(32), TG});
    r[n++] = (row)ROW("yield_create", plus(yield_fixed, BURN(RM(2) + RM(16))));
    r[n++] = (row)ROW("yield_create_reg", plus(yield_fixed, BURN(RR(2) + RR(16))));
    /* 100-byte payload: yield_resume_byte × payload_len (the length, not the pointer) */
    uint64_t resume = COST_BASE + COST_YIELD_RESUME_BASE + 100 * COST_YIELD_RESUME_BYTE + RM(100);
    r[n++] = (row)ROW("yield_resume", BURN(resume + RM(32)));
    r[n++] = (row)ROW("yield_resume_reg", BURN(resume + RR(32)));
    return n;
}

/* Runs `method` with its arguments at `base`; the key of the storage
 * methods exists with a 16-byte value. */
static void run_with_value(const char *method, uint64_t base, const uint8_t *value, size_t vlen, nearvm_outcome *o)
{
    mem_store ms = {0};
    mem_set(&ms, (const uint8_t *)"key00001", 8, value, vlen);
    nearvm_storage st = mem_storage(&ms);
    nearvm_context ctx = test_context();
    uint8_t in[8];
    for (int i = 0; i < 8; i++)
        in[i] = (uint8_t)(base >> (8 * i));
    ctx.input = in;
    ctx.input_len = sizeof in;
    nearvm_run(contract, method, &ctx, &st, o);
    mem_free(&ms);
}

static void run_at(const char *method, uint64_t base, nearvm_outcome *o)
{
    run_with_value(method, base, (const uint8_t *)"value-0123456789", 16, o);
}

/* Runs `method` with its arguments at `base`, without copying them there
 * (base may be outside memory). */
static void run_unplaced(const char *method, uint64_t base, nearvm_outcome *o)
{
    nearvm_context ctx = test_context();
    uint8_t in[16] = {0};
    for (int i = 0; i < 8; i++)
        in[i] = (uint8_t)(base >> (8 * i));
    in[8] = 1;
    ctx.input = in;
    ctx.input_len = sizeof in;
    mem_store ms = {0};
    nearvm_storage st = mem_storage(&ms);
    nearvm_run(contract, method, &ctx, &st, o);
    mem_free(&ms);
}

/* The host gas of a run: burnt gas without the wasm instructions. */
static uint64_t host_gas(const nearvm_outcome *o) { return o->gas_burnt - o->instructions * OP; }

static void test_every_host_function_every_placement(void **state)
{
    row rows[96];
    size_t n = build_rows(rows);
    static const uint64_t bases[] = {LOW_BASE, HIGH_BASE};
    uint64_t setup_gas[2];
    for (size_t b = 0; b < 2; b++) {
        nearvm_outcome o;
        run_at("setup", bases[b], &o);
        if (o.error.kind != NEARVM_OK)
            fail_msg("setup at %llu: %s", (unsigned long long)bases[b], o.error.message);
        setup_gas[b] = host_gas(&o);
        nearvm_outcome_free(&o);
    }
    assert_true(setup_gas[0] == setup_gas[1]);
    size_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t b = 0; b < 2; b++) {
            nearvm_outcome o;
            run_at(rows[i].method, bases[b], &o);
            const char *err = o.error.kind == NEARVM_OK ? NULL : o.error.name;
            if ((err == NULL) != (rows[i].error == NULL) || (err && strcmp(err, rows[i].error) != 0)) {
                print_error("%s at %llu: error %s (%s), expected %s\n", rows[i].method, (unsigned long long)bases[b],
                            err ? err : "none", o.error.message ? o.error.message : "",
                            rows[i].error ? rows[i].error : "none");
                failures++;
            }
            uint64_t got = host_gas(&o) - setup_gas[b];
            if (got != rows[i].expect.burn) {
                print_error("%s at %llu: host gas %llu, formula %llu (diff %lld)\n", rows[i].method,
                            (unsigned long long)bases[b], (unsigned long long)got,
                            (unsigned long long)rows[i].expect.burn, (long long)(got - rows[i].expect.burn));
                failures++;
            }
            uint64_t reserved = o.gas_used - o.gas_burnt;
            if (rows[i].check_reserve && reserved != rows[i].expect.reserve) {
                print_error("%s at %llu: reserved %llu, formula %llu\n", rows[i].method, (unsigned long long)bases[b],
                            (unsigned long long)reserved, (unsigned long long)rows[i].expect.reserve);
                failures++;
            }
            nearvm_outcome_free(&o);
        }
    }
    assert_int_equal(failures, 0);
}

/* The case, pinned on its own: a 100-byte resume payload above
 * 64 MiB costs exactly what it costs at the bottom of memory. */
static void test_yield_resume_payload_high_in_memory(void **state)
{
    nearvm_outcome low, high, setup_low;
    run_at("setup", LOW_BASE, &setup_low);
    run_at("yield_resume", LOW_BASE, &low);
    run_at("yield_resume", HIGH_BASE, &high);
    assert_int_equal(low.error.kind, NEARVM_OK);
    assert_int_equal(high.error.kind, NEARVM_OK);
    assert_true(host_gas(&low) == host_gas(&high));
    uint64_t expect = COST_BASE + COST_YIELD_RESUME_BASE + 100 * COST_YIELD_RESUME_BYTE + RM(32) + RM(100);
    assert_true(host_gas(&high) - host_gas(&setup_low) == expect);
    /* far below the 300 Tgas a near-sdk contract burnt before the fix */
    assert_true(high.gas_burnt < 5 * TGAS);
    nearvm_outcome_free(&low);
    nearvm_outcome_free(&high);
    nearvm_outcome_free(&setup_low);
}

/* A resume payload "from a register" (payload_len = u64::MAX) overflows the
 * per-byte charge before anything is read, as in nearcore. */
static void test_yield_resume_payload_register_overflows(void **state)
{
    nearvm_outcome o, s;
    run_at("setup", HIGH_BASE, &s);
    run_at("yield_resume_reg_payload", HIGH_BASE, &o);
    assert_error(&o, NEARVM_ERR_HOST, "IntegerOverflow", NULL);
    assert_true(host_gas(&o) - host_gas(&s) == COST_BASE + COST_YIELD_RESUME_BASE);
    nearvm_outcome_free(&o);
    nearvm_outcome_free(&s);
}

/* Values over 4000 bytes pay nearcore's large-read overhead: 1 + 1 per byte
 * of gas (its real weight is compute, which the devnet does not model). */
static void test_storage_read_large_value(void **state)
{
    static uint8_t big[5000];
    nearvm_outcome s, o;
    run_at("setup", HIGH_BASE, &s);
    run_with_value("storage_read", HIGH_BASE, big, sizeof big, &o);
    assert_int_equal(o.error.kind, NEARVM_OK);
    uint64_t expect = COST_BASE + COST_STORAGE_READ_BASE + RM(8) + 8 * COST_STORAGE_READ_KEY_BYTE +
                      5000 * COST_STORAGE_READ_VALUE_BYTE + 1 + 5000 + WR(5000);
    assert_true(host_gas(&o) - host_gas(&s) == expect);
    nearvm_outcome_free(&o);
    run_with_value("storage_read", HIGH_BASE, big, 4000, &o); /* at the threshold: no overhead */
    expect = COST_BASE + COST_STORAGE_READ_BASE + RM(8) + 8 * COST_STORAGE_READ_KEY_BYTE +
             4000 * COST_STORAGE_READ_VALUE_BYTE + WR(4000);
    assert_true(host_gas(&o) - host_gas(&s) == expect);
    nearvm_outcome_free(&o);
    nearvm_outcome_free(&s);
}

/* Every host function given a pointer past the end of memory fails with
 * nearcore's MemoryAccessViolation ("Accessed memory outside the bounds."), never a
 * crash; those reading only registers are unaffected. */
static void test_out_of_bounds_pointers(void **state)
{
    row rows[96];
    size_t n = build_rows(rows);
    const uint64_t out_of_bounds = 0xffff0000ull; /* memory ends at 64 MiB + 64 KiB */
    size_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        nearvm_outcome o;
        run_unplaced(rows[i].method, out_of_bounds, &o);
        bool reg_only_ok = strstr(rows[i].method, "_reg") && o.error.kind == NEARVM_OK;
        bool mav = o.error.kind == NEARVM_ERR_HOST && !strcmp(o.error.name, "MemoryAccessViolation") &&
                   !strcmp(o.error.message, "Accessed memory outside the bounds.");
        if (!mav && !reg_only_ok) {
            print_error("%s out of bounds: %s (%s)\n", rows[i].method, o.error.kind == NEARVM_OK ? "ok" : o.error.name,
                        o.error.message ? o.error.message : "");
            failures++;
        }
        if (!strstr(rows[i].method, "_reg") && !mav)
            failures++;
        nearvm_outcome_free(&o);
    }
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_host_function_every_placement),
        cmocka_unit_test(test_yield_resume_payload_high_in_memory),
        cmocka_unit_test(test_yield_resume_payload_register_overflows),
        cmocka_unit_test(test_storage_read_large_value),
        cmocka_unit_test(test_out_of_bounds_pointers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
