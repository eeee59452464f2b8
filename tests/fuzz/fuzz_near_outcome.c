/* fuzz_near_outcome.c — libFuzzer target for parsing what a NEAR node
 * answers to send_tx / tx (FinalExecutionOutcome JSON). A hostile or broken
 * node must never crash or corrupt the client: parse whatever JSON arrives
 * and release everything. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "near/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
    if (!root)
        return 0;
    near_rpc_error err = {0};
    near_outcome out;
    /* Either the whole answer envelope or just its result. */
    json_t *result = json_object_get(root, "result");
    if (near_outcome_parse(result ? result : root, &out, &err) == NEAR_OK) {
        if (out.kind == NEAR_OUTCOME_SUCCESS && out.value && out.value[out.value_len] != 0)
            abort();
        for (size_t i = 0; i < out.n_logs; i++)
            if (!out.logs[i])
                abort();
        if (strlen(out.failure_message) >= sizeof out.failure_message || strlen(out.tx_hash) >= sizeof out.tx_hash)
            abort();
        near_outcome_free(&out);
    }
    near_rpc_error_clear(&err);
    json_decref(root);
    return 0;
}
