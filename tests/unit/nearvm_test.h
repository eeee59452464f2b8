/* nearvm_test.h — shared helpers for tests/unit/test_nearvm_*.c: the
 * in-memory contract storage (nearvm_store.h), loading the test contracts built by
 * mk/nearvm.mk, and a default call context. Header-only (static inline) so
 * each test binary has its own copy. Tests run with cwd tests/unit. */
#ifndef OUTLAYER_TESTS_NEARVM_TEST_H
#define OUTLAYER_TESTS_NEARVM_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nearvm/nearvm.h"
#include "nearvm_store.h"

#define NEARVM_CONTRACTS "../../build/tests/devnet/contracts/"
#define TGAS 1000000000000ull

/* ---- contracts and context ---- */

static inline uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static inline uint8_t *contract_bytes(const char *name, size_t *len)
{
    char path[256];
    *len = 0;
    snprintf(path, sizeof path, NEARVM_CONTRACTS "%s.wasm", name);
    uint8_t *b = read_file(path, len);
    if (!b)
        fail_msg("cannot read %s (run make nearvm-contracts)", path);
    return b;
}

static inline nearvm_contract *load_contract(const char *name)
{
    size_t len = 0;
    uint8_t *code = contract_bytes(name, &len);
    nearvm_prepare_error e;
    char detail[160];
    nearvm_contract *c = nearvm_contract_load(code, len, &e, detail, sizeof detail);
    free(code);
    if (!c)
        fail_msg("%s.wasm does not load: %s (%s)", name, nearvm_prepare_error_name(e), detail);
    return c;
}

static const uint8_t test_signer_pk[33] = {0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                           7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};

static inline nearvm_context test_context(void)
{
    nearvm_context c;
    memset(&c, 0, sizeof c);
    c.current_account_id = "alice.near";
    c.signer_account_id = "signer.near";
    c.signer_account_pk = test_signer_pk;
    c.signer_account_pk_len = sizeof test_signer_pk;
    c.predecessor_account_id = "bob.near";
    c.block_height = 1234;
    c.block_timestamp = 1700000000000000000ull;
    c.epoch_height = 5;
    for (int i = 0; i < 32; i++) {
        c.random_seed[i] = (uint8_t)i;
        c.action_hash[i] = (uint8_t)(0xa0 + i);
    }
    c.account_balance = (nearvm_u128)100 * 1000000000000ull * 1000000000000ull; /* 100 NEAR */
    c.account_locked_balance = 7;
    c.attached_deposit = 3;
    c.storage_usage = 182;
    c.prepaid_gas = 300 * TGAS;
    return c;
}

/* Runs `method` of k in test_context() with `in` as input and no storage. */
static inline bool run_with_input(nearvm_contract *k, const char *method, const void *in, size_t len, nearvm_outcome *o)
{
    nearvm_context ctx = test_context();
    ctx.input = in;
    ctx.input_len = len;
    return nearvm_run(k, method, &ctx, NULL, o);
}

static inline uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline nearvm_u128 le128(const uint8_t *p)
{
    nearvm_u128 v = 0;
    for (int i = 15; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static inline void assert_return(const nearvm_outcome *o, const void *data, size_t len)
{
    assert_int_equal(o->error.kind, NEARVM_OK);
    assert_int_equal(o->return_kind, NEAR_RETURN_VALUE);
    assert_int_equal(o->return_len, len);
    assert_memory_equal(o->return_data, data, len);
}

static inline void assert_return_str(const nearvm_outcome *o, const char *s) { assert_return(o, s, strlen(s)); }

/* The call failed with this error kind, variant and Display text. */
static inline void assert_error(const nearvm_outcome *o, nearvm_error_kind kind, const char *name, const char *message)
{
    if (o->error.kind != kind || strcmp(o->error.name, name) != 0)
        fail_msg("expected %s, got kind %d %s: %s", name, o->error.kind, o->error.name,
                 o->error.message ? o->error.message : "(none)");
    if (message)
        assert_string_equal(o->error.message, message);
}

#endif
