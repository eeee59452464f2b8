/* fuzz_register.c — arbitrary input into every register-contract method
 * under the native mock runtime (so the contract's C code runs with ASan and
 * UBSan). Every input starts from the same state: initialised, with the real
 * Intel collateral uploaded at a block time inside its window. Input layout:
 *   byte 0  method index (mod the method count)
 *   byte 1  caller: bits 0-1 owner, init worker, stranger, the contract
 *   rest    the JSON arguments
 * A call must end cleanly: success (a return value, if any, is JSON) or a
 * panic with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"
#include "register.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The access-key host functions are not in the SDK's mock: check their
 * arguments the way nearcore would, and record nothing. */
void env_promise_batch_action_add_key_with_function_call(uint64_t promise_index, uint64_t public_key_len,
                                                         uint64_t public_key_ptr, uint64_t nonce,
                                                         uint64_t allowance_ptr, uint64_t receiver_id_len,
                                                         uint64_t receiver_id_ptr, uint64_t method_names_len,
                                                         uint64_t method_names_ptr);
void env_promise_batch_action_delete_key(uint64_t promise_index, uint64_t public_key_len, uint64_t public_key_ptr);

void env_promise_batch_action_add_key_with_function_call(uint64_t promise_index, uint64_t public_key_len,
                                                         uint64_t public_key_ptr, uint64_t nonce,
                                                         uint64_t allowance_ptr, uint64_t receiver_id_len,
                                                         uint64_t receiver_id_ptr, uint64_t method_names_len,
                                                         uint64_t method_names_ptr)
{
    (void)promise_index;
    (void)allowance_ptr;
    (void)method_names_ptr;
    const uint8_t *pk = (const uint8_t *)(uintptr_t)public_key_ptr;
    if (public_key_len != 33 || pk[0] != 0 || nonce != 0 || method_names_len == 0 ||
        !account_id_valid((const char *)(uintptr_t)receiver_id_ptr, receiver_id_len))
        abort();
}

void env_promise_batch_action_delete_key(uint64_t promise_index, uint64_t public_key_len, uint64_t public_key_ptr)
{
    (void)promise_index;
    if (public_key_len != 33 || ((const uint8_t *)(uintptr_t)public_key_ptr)[0] != 0)
        abort();
}

static const char *const CALLERS[] = {"owner.near", "worker.near", "stranger.near", "register.near"};
static uint8_t *state_snapshot;
static size_t state_len;

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz_register: run from the repository root (%s)\n", path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*len + 1);
    if (fread(b, 1, *len, f) != *len)
        abort();
    b[*len] = 0;
    fclose(f);
    return b;
}

static void reset(void)
{
    mock_reset();
    mock_set_current("register.near");
    mock_set_block(100, 1750852800ull * 1000000000ull); /* 2025-06-25T12:00:00Z */
}

static void prepare_once(void)
{
    if (state_snapshot)
        return;
    reset();
    mock_set_predecessor("owner.near");
    if (!mock_call_json(rg_new, "{\"owner_id\":\"owner.near\",\"init_worker_account\":\"worker.near\"}"))
        abort();
    size_t len;
    uint8_t *coll = load("tests/register/data/tdx_quote_collateral.json", &len);
    /* {"collateral": <the JSON text as a string>} */
    size_t cap = 2 * len + 32, n = 0;
    char *args = malloc(cap);
    n += (size_t)sprintf(args, "{\"collateral\":\"");
    for (size_t i = 0; i < len; i++) {
        if (coll[i] == '"' || coll[i] == '\\')
            args[n++] = '\\';
        if (coll[i] == '\n') {
            args[n++] = '\\';
            args[n++] = 'n';
            continue;
        }
        args[n++] = (char)coll[i];
    }
    n += (size_t)sprintf(args + n, "\"}");
    if (!mock_call(rg_update_collateral, args, n)) {
        fprintf(stderr, "fuzz_register: update_collateral failed: %s\n", mock_panic_message());
        abort();
    }
    free(args);
    free(coll);
    const uint8_t *st = mock_storage_get("STATE", 5, &state_len);
    state_snapshot = malloc(state_len);
    memcpy(state_snapshot, st, state_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    prepare_once();
    reset();
    mock_storage_put("STATE", 5, state_snapshot, state_len);
    const struct rg_method *m = &RG_METHODS[data[0] % RG_METHOD_COUNT];
    mock_set_predecessor(CALLERS[data[1] & 3]);
    bool ok = mock_call(m->fn, data + 2, size - 2);
    if (!ok) {
        if (mock_panic_message() == NULL)
            abort();
    } else if (mock_has_return()) {
        size_t len;
        const uint8_t *v = mock_return_value(&len);
        const char *error;
        if (jr_parse(v, len, &error) == NULL)
            abort();
    }
    sdk_mem_release_all();
    return 0;
}
