/* promise.c — promise helpers over the NEAR host functions. */
#include "promise.h"
#include "mem.h"
#include "sdk.h"

#define PTR(p) ((uint64_t)(uintptr_t)(p))

/* The register promise_yield_create writes the data id into (the OutLayer
 * reference uses 37; any free register works). */
#define YIELD_REGISTER 37

static void u128_le(u128 v, uint8_t out[16])
{
    for (int i = 0; i < 16; i++) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

uint64_t promise_batch_create(const char *account) { return env_promise_batch_create(strlen(account), PTR(account)); }

uint64_t promise_batch_then(uint64_t after, const char *account)
{
    return env_promise_batch_then(after, strlen(account), PTR(account));
}

void promise_action_transfer(uint64_t promise, u128 amount)
{
    uint8_t raw[16];
    u128_le(amount, raw);
    env_promise_batch_action_transfer(promise, PTR(raw));
}

void promise_action_function_call(uint64_t promise, const char *method, const void *args, size_t args_len, u128 deposit,
                                  uint64_t gas)
{
    uint8_t raw[16];
    u128_le(deposit, raw);
    env_promise_batch_action_function_call(promise, strlen(method), PTR(method), args_len, PTR(args), PTR(raw), gas);
}

void promise_action_function_call_weight(uint64_t promise, const char *method, const void *args, size_t args_len,
                                         u128 deposit, uint64_t gas, uint64_t weight)
{
    uint8_t raw[16];
    u128_le(deposit, raw);
    env_promise_batch_action_function_call_weight(promise, strlen(method), PTR(method), args_len, PTR(args), PTR(raw),
                                                  gas, weight);
}

uint64_t promise_call(const char *account, const char *method, const void *args, size_t args_len, u128 deposit,
                      uint64_t gas)
{
    uint8_t raw[16];
    u128_le(deposit, raw);
    return env_promise_create(strlen(account), PTR(account), strlen(method), PTR(method), args_len, PTR(args), PTR(raw),
                              gas);
}

uint64_t promise_then_call(uint64_t after, const char *account, const char *method, const void *args, size_t args_len,
                           u128 deposit, uint64_t gas)
{
    uint8_t raw[16];
    u128_le(deposit, raw);
    return env_promise_then(after, strlen(account), PTR(account), strlen(method), PTR(method), args_len, PTR(args),
                            PTR(raw), gas);
}

uint64_t promise_and2(uint64_t a, uint64_t b)
{
    uint8_t raw[16];
    for (int i = 0; i < 8; i++) {
        raw[i] = (uint8_t)(a >> (8 * i));
        raw[8 + i] = (uint8_t)(b >> (8 * i));
    }
    return env_promise_and(PTR(raw), 2);
}

void promise_transfer(const char *account, u128 amount)
{
    promise_action_transfer(promise_batch_create(account), amount);
}

void promise_return_value(uint64_t promise) { env_promise_return(promise); }

uint64_t promise_results_count(void) { return env_promise_results_count(); }

enum promise_status promise_result_get(uint64_t index, uint8_t **data, size_t *len)
{
    uint64_t status = env_promise_result(index, SDK_REGISTER);
    *data = NULL;
    *len = 0;
    if (status == PROMISE_SUCCESSFUL) {
        *data = sdk_read_register(SDK_REGISTER, len);
        if (*data == NULL)
            *data = (uint8_t *)sdk_alloc_zeroed(1);
        return PROMISE_SUCCESSFUL;
    }
    return status == PROMISE_FAILED ? PROMISE_FAILED : PROMISE_NOT_READY;
}

uint64_t promise_yield(const char *method, const void *args, size_t args_len, uint64_t gas, uint64_t gas_weight,
                       uint8_t data_id[32])
{
    uint64_t index =
        env_promise_yield_create(strlen(method), PTR(method), args_len, PTR(args), gas, gas_weight, YIELD_REGISTER);
    size_t len;
    uint8_t *id = sdk_read_register(YIELD_REGISTER, &len);
    if (id == NULL || len != 32)
        sdk_panic("promise_yield_create did not return a 32-byte data id");
    memcpy(data_id, id, 32);
    return index;
}

bool promise_resume(const uint8_t data_id[32], const void *payload, size_t payload_len)
{
    return env_promise_yield_resume(32, PTR(data_id), payload_len, PTR(payload)) != 0;
}
