/* fuzz_contract.c — arbitrary input into every OutLayer method under the
 * native mock runtime. Input layout:
 *   byte 0   method index (mod the method count)
 *   byte 1   caller and deposit: bits 0-1 predecessor (owner, operator,
 *            user, the contract itself), bits 2-3 deposit (0, 1 yocto,
 *            1 NEAR, 10^30)
 *   rest     the JSON arguments; for on_execution_response an optional NUL
 *            separates the arguments from the promise result payload (no NUL:
 *            the promise failed, i.e. a timeout).
 * Every call must end cleanly: success with a JSON return value, or a panic
 * with a message; afterwards the state must still load. Host errors that only a buggy contract can cause (bad
 * UTF-8 in logs, invalid account ids in promises, ...) abort the fuzzer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"
#include "outlayer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const CALLERS[] = {"alice.testnet", "bob.testnet", "carol.testnet", "outlayer.testnet"};

static void prepare_state(void)
{
    mock_reset();
    mock_set_predecessor("alice.testnet");
    if (!mock_call_json(ol_new, "{\"owner_id\":\"alice.testnet\",\"operator_id\":\"bob.testnet\"}"))
        abort();
    /* one pending request and one stored secret to hit */
    mock_set_predecessor("carol.testnet");
    mock_set_deposit((u128)1000000000000ull * 1000000000000ull);
    if (!mock_call_json(ol_request_execution,
                        "{\"code_source\":{\"GitHub\":{\"repo\":\"r\",\"commit\":\"c\"}},\"resource_limits\":{}}"))
        abort();
    if (!mock_call_json(ol_store_secrets, "{\"accessor\":{\"Repo\":{\"repo\":\"r\"}},\"profile\":\"p\","
                                          "\"encrypted_secrets_base64\":\"eA==\",\"access\":\"AllowAll\"}"))
        abort();
    mock_set_deposit(0);
}

static void check_clean_end(bool ok)
{
    if (!ok) {
        const char *msg = mock_panic_message();
        if (msg == NULL)
            abort();
        const char *bugs[] = {"BadUTF8",           "InvalidAccountId",         "InvalidPromiseIndex",
                              "InvalidRegisterId", "CannotReturnJointPromise", "EmptyMethodName",
                              "DataIdMalformed"};
        for (size_t i = 0; i < sizeof bugs / sizeof bugs[0]; i++)
            if (strcmp(msg, bugs[i]) == 0)
                abort();
        return;
    }
    if (mock_has_return()) {
        size_t len;
        const uint8_t *v = mock_return_value(&len);
        const char *error;
        if (jr_parse(v, len, &error) == NULL)
            abort(); /* every return value must be JSON */
        sdk_mem_release_all();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    prepare_state(); /* every input starts from the same state */
    const struct ol_method *m = &OL_METHODS[data[0] % OL_METHOD_COUNT];
    uint8_t ctx = data[1];
    mock_set_predecessor(CALLERS[ctx & 3]);
    static const u128 deposits[] = {0, 1, (u128)1000000000000ull * 1000000000000ull,
                                    (u128)1000000000000000ull * 1000000000000000ull};
    mock_set_deposit(deposits[(ctx >> 2) & 3]);
    const uint8_t *args = data + 2;
    size_t args_len = size - 2;
    mock_clear_promise_results();
    if (m->fn == ol_on_execution_response) {
        const uint8_t *nul = memchr(args, 0, args_len);
        if (nul) {
            size_t first = (size_t)(nul - args);
            mock_add_promise_result_success(nul + 1, args_len - first - 1);
            args_len = first;
        } else {
            mock_add_promise_result_failed();
        }
    }
    check_clean_end(mock_call(m->fn, args, args_len));
    /* Whatever happened, the state must still load. */
    if (!mock_call_json(ol_get_stats, ""))
        abort();
    return 0;
}
