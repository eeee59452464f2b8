/* env.h — the NEAR host functions a contract imports from module "env".
 *
 * Signatures are exactly NEAR's: every parameter and result is a u64 (wasm
 * i64), pointers included, except promise_yield_resume which returns a u32.
 * On wasm32 each declaration becomes an import; on the host the same names
 * are defined by the mock runtime (contracts/sdk/mock/), so contract code
 * runs unchanged in native unit tests. The C names carry an env_ prefix so
 * they can never collide with libc or other libraries in a native build. */
#ifndef SDK_ENV_H
#define SDK_ENV_H

#include <stdint.h>

#ifdef __wasm__
#define ENV_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#else
#define ENV_IMPORT(name)
#endif

/* Registers and input */
ENV_IMPORT(read_register) void env_read_register(uint64_t register_id, uint64_t ptr);
ENV_IMPORT(register_len) uint64_t env_register_len(uint64_t register_id);
ENV_IMPORT(write_register) void env_write_register(uint64_t register_id, uint64_t data_len, uint64_t data_ptr);
ENV_IMPORT(input) void env_input(uint64_t register_id);

/* Context */
ENV_IMPORT(current_account_id) void env_current_account_id(uint64_t register_id);
ENV_IMPORT(signer_account_id) void env_signer_account_id(uint64_t register_id);
ENV_IMPORT(predecessor_account_id) void env_predecessor_account_id(uint64_t register_id);
ENV_IMPORT(block_index) uint64_t env_block_index(void);
ENV_IMPORT(block_timestamp) uint64_t env_block_timestamp(void);
ENV_IMPORT(storage_usage) uint64_t env_storage_usage(void);
ENV_IMPORT(account_balance) void env_account_balance(uint64_t balance_ptr);
ENV_IMPORT(attached_deposit) void env_attached_deposit(uint64_t balance_ptr);
ENV_IMPORT(prepaid_gas) uint64_t env_prepaid_gas(void);
ENV_IMPORT(used_gas) uint64_t env_used_gas(void);
ENV_IMPORT(random_seed) void env_random_seed(uint64_t register_id);
ENV_IMPORT(sha256) void env_sha256(uint64_t value_len, uint64_t value_ptr, uint64_t register_id);

/* Results, panics, logs */
ENV_IMPORT(value_return) void env_value_return(uint64_t value_len, uint64_t value_ptr);
ENV_IMPORT(panic_utf8) __attribute__((noreturn)) void env_panic_utf8(uint64_t len, uint64_t ptr);
ENV_IMPORT(log_utf8) void env_log_utf8(uint64_t len, uint64_t ptr);

/* Storage */
ENV_IMPORT(storage_write)
uint64_t env_storage_write(uint64_t key_len, uint64_t key_ptr, uint64_t value_len, uint64_t value_ptr,
                           uint64_t register_id);
ENV_IMPORT(storage_read) uint64_t env_storage_read(uint64_t key_len, uint64_t key_ptr, uint64_t register_id);
ENV_IMPORT(storage_remove) uint64_t env_storage_remove(uint64_t key_len, uint64_t key_ptr, uint64_t register_id);
ENV_IMPORT(storage_has_key) uint64_t env_storage_has_key(uint64_t key_len, uint64_t key_ptr);

/* Promises */
ENV_IMPORT(promise_create)
uint64_t env_promise_create(uint64_t account_id_len, uint64_t account_id_ptr, uint64_t function_name_len,
                            uint64_t function_name_ptr, uint64_t arguments_len, uint64_t arguments_ptr,
                            uint64_t amount_ptr, uint64_t gas);
ENV_IMPORT(promise_then)
uint64_t env_promise_then(uint64_t promise_index, uint64_t account_id_len, uint64_t account_id_ptr,
                          uint64_t function_name_len, uint64_t function_name_ptr, uint64_t arguments_len,
                          uint64_t arguments_ptr, uint64_t amount_ptr, uint64_t gas);
ENV_IMPORT(promise_and) uint64_t env_promise_and(uint64_t promise_idx_ptr, uint64_t promise_idx_count);
ENV_IMPORT(promise_batch_create) uint64_t env_promise_batch_create(uint64_t account_id_len, uint64_t account_id_ptr);
ENV_IMPORT(promise_batch_then)
uint64_t env_promise_batch_then(uint64_t promise_index, uint64_t account_id_len, uint64_t account_id_ptr);
ENV_IMPORT(promise_batch_action_transfer)
void env_promise_batch_action_transfer(uint64_t promise_index, uint64_t amount_ptr);
ENV_IMPORT(promise_batch_action_function_call)
void env_promise_batch_action_function_call(uint64_t promise_index, uint64_t function_name_len,
                                            uint64_t function_name_ptr, uint64_t arguments_len, uint64_t arguments_ptr,
                                            uint64_t amount_ptr, uint64_t gas);
ENV_IMPORT(promise_batch_action_function_call_weight)
void env_promise_batch_action_function_call_weight(uint64_t promise_index, uint64_t function_name_len,
                                                   uint64_t function_name_ptr, uint64_t arguments_len,
                                                   uint64_t arguments_ptr, uint64_t amount_ptr, uint64_t gas,
                                                   uint64_t gas_weight);
ENV_IMPORT(promise_results_count) uint64_t env_promise_results_count(void);
ENV_IMPORT(promise_result) uint64_t env_promise_result(uint64_t result_idx, uint64_t register_id);
ENV_IMPORT(promise_return) void env_promise_return(uint64_t promise_id);

/* Yield / resume (NEP-519) */
ENV_IMPORT(promise_yield_create)
uint64_t env_promise_yield_create(uint64_t function_name_len, uint64_t function_name_ptr, uint64_t arguments_len,
                                  uint64_t arguments_ptr, uint64_t gas, uint64_t gas_weight, uint64_t register_id);
ENV_IMPORT(promise_yield_resume)
uint32_t env_promise_yield_resume(uint64_t data_id_len, uint64_t data_id_ptr, uint64_t payload_len,
                                  uint64_t payload_ptr);

#endif
