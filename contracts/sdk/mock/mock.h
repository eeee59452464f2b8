/* mock.h — a native stand-in for the NEAR runtime, so contracts built with
 * the SDK run as ordinary host code in unit tests and fuzzers.
 *
 * It implements the env_* host functions (env.h): registers, context,
 * storage (an in-memory map, rolled back when a call panics), logs (with
 * NEAR's limits), the return value, promises and yields (recorded with all
 * their arguments), and promise results for callbacks. A panic from the
 * contract unwinds with longjmp back into mock_call(), which reports it. */
#ifndef SDK_MOCK_H
#define SDK_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "u128.h"

enum mock_action_kind { MOCK_TRANSFER, MOCK_FUNCTION_CALL };

struct mock_action {
    enum mock_action_kind kind;
    u128 amount;  /* transfer amount or attached deposit */
    char *method; /* function call */
    uint8_t *args;
    size_t args_len;
    uint64_t gas;
    uint64_t gas_weight;
};

enum mock_promise_kind { MOCK_PROMISE_BATCH, MOCK_PROMISE_AND, MOCK_PROMISE_YIELD };

struct mock_promise {
    enum mock_promise_kind kind;
    char *account; /* receiver (batch) */
    int64_t after; /* promise it waits on, -1 if none */
    struct mock_action actions[8];
    size_t action_count;
    uint64_t joined[8]; /* AND: the joined promise indices */
    size_t joined_count;
    size_t yield_index; /* YIELD: index into the yield table */
};

enum mock_yield_state { MOCK_YIELD_WAITING, MOCK_YIELD_RESUMED, MOCK_YIELD_DONE };

struct mock_yield {
    uint8_t data_id[32];
    char *account;
    char *method;
    uint8_t *args;
    size_t args_len;
    uint64_t gas;
    uint64_t gas_weight;
    enum mock_yield_state state;
    uint8_t *payload;
    size_t payload_len;
};

/* Forget everything (storage and yields included) and set the defaults:
 * current account outlayer.testnet, predecessor/signer alice.testnet, no
 * deposit, balance 1000 NEAR, height 100, timestamp 1731000000000000000,
 * prepaid gas 300 TGas. */
void mock_reset(void);
void mock_set_current(const char *account);
void mock_set_predecessor(const char *account);
void mock_set_signer(const char *account);
void mock_set_deposit(u128 yocto);
void mock_set_balance(u128 yocto);
void mock_set_block(uint64_t height, uint64_t timestamp_ns);
void mock_set_prepaid_gas(uint64_t gas);

/* Promise results seen by the next call (a callback). */
void mock_clear_promise_results(void);
void mock_add_promise_result_success(const void *data, size_t len);
void mock_add_promise_result_failed(void);

/* Runs one contract method with the given argument bytes. Returns true if it
 * finished, false if it panicked (then storage and yields are rolled back).
 * Logs, return value, promises and the panic message stay readable until
 * the next call. */
bool mock_call(void (*method)(void), const void *args, size_t args_len);
bool mock_call_json(void (*method)(void), const char *args_json);

const char *mock_panic_message(void); /* NULL if the call succeeded */
bool mock_has_return(void);
const uint8_t *mock_return_value(size_t *len);
const char *mock_return_text(void); /* NUL-terminated copy */
size_t mock_log_count(void);
const char *mock_log(size_t index);
size_t mock_promise_count(void);
const struct mock_promise *mock_promise(size_t index);
int64_t mock_promise_returned(void); /* -1 if none */

size_t mock_yield_count(void);
struct mock_yield *mock_yield(size_t index);
/* Lets a yield time out: a later callback sees a failed promise result. */
void mock_yield_timeout(size_t index);

/* Storage inspection and seeding (outside calls), for the current account:
 * each account has its own storage, so several contracts can share a mock. */
const uint8_t *mock_storage_get(const void *key, size_t key_len, size_t *len);
void mock_storage_put(const void *key, size_t key_len, const void *value, size_t value_len);
size_t mock_storage_count(void);

#endif
