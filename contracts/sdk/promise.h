/* promise.h — cross-contract calls, transfers and yield/resume. */
#ifndef SDK_PROMISE_H
#define SDK_PROMISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "u128.h"

#define TGAS 1000000000000ull

enum promise_status { PROMISE_NOT_READY = 0, PROMISE_SUCCESSFUL = 1, PROMISE_FAILED = 2 };

uint64_t promise_batch_create(const char *account);
uint64_t promise_batch_then(uint64_t after, const char *account);
void promise_action_transfer(uint64_t promise, u128 amount);
void promise_action_function_call(uint64_t promise, const char *method, const void *args, size_t args_len, u128 deposit,
                                  uint64_t gas);
void promise_action_function_call_weight(uint64_t promise, const char *method, const void *args, size_t args_len,
                                         u128 deposit, uint64_t gas, uint64_t weight);
/* One function call on account (promise_create) / after another promise. */
uint64_t promise_call(const char *account, const char *method, const void *args, size_t args_len, u128 deposit,
                      uint64_t gas);
uint64_t promise_then_call(uint64_t after, const char *account, const char *method, const void *args, size_t args_len,
                           u128 deposit, uint64_t gas);
uint64_t promise_and2(uint64_t a, uint64_t b);
/* A detached transfer receipt (near-sdk's Promise::new(a).transfer(x)). */
void promise_transfer(const char *account, u128 amount);
void promise_return_value(uint64_t promise);

uint64_t promise_results_count(void);
/* Status of result i; on success data and len hold the value (maybe empty). */
enum promise_status promise_result_get(uint64_t index, uint8_t **data, size_t *len);

/* Creates a yielded callback `method(args)` on this contract; data_id gets
 * the 32-byte resumption token. Returns the promise index. */
uint64_t promise_yield(const char *method, const void *args, size_t args_len, uint64_t gas, uint64_t gas_weight,
                       uint8_t data_id[32]);
/* True if a yield with that data_id was waiting and now has the payload. */
bool promise_resume(const uint8_t data_id[32], const void *payload, size_t payload_len);

#endif
