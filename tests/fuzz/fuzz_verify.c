/*
 * fuzz_verify.c — what `outlayer verify` parses from the network: an
 * EXPERIMENTAL_tx_status answer (the node's, untrusted) through
 * vf_chain_parse and the worker's monitor code, then the request it yields
 * through wk_request_parse; and an attestation record (the coordinator's)
 * through vf_quote_parts and vf_record_task_hash.
 */
#include <jansson.h>
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/verify.h"
#include "worker/worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (sodium_init() < 0)
            return 0;
        log_set_level(LOG_ERROR);
        ready = 1;
    }
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!j)
        return 0;
    char err[512];
    const char *contracts[] = {"outlayer.test.near", "outlayer.near"};
    for (int k = 0; k < 2; k++) {
        (void)vf_chain_request_block(j, contracts[k]);
        vf_chain c;
        if (vf_chain_parse(j, "TX", contracts[k], 7, &c, err, sizeof err) == 0) {
            wk_request r;
            if (wk_request_parse(c.create, &r, err, sizeof err) == 0)
                wk_request_free(&r);
            vf_chain_free(&c);
        }
    }
    uint8_t nonce[WK_NONCE_LEN];
    uint64_t executed;
    char task[65];
    (void)vf_quote_parts(j, nonce, &executed, task);
    vf_record_task_hash(j, task);
    json_decref(j);
    return 0;
}
