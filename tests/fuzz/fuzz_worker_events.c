/* fuzz_worker_events.c — untrusted JSON the worker parses: a feed block
 * (wk_block_events, with its event logs and nested request_data) and a
 * coordinator ExecutionRequest (wk_request_parse). The first byte picks. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "worker/worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        log_set_level(LOG_ERROR);
        init = 1;
    }
    if (size < 1)
        return 0;
    json_error_t je;
    json_t *v = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, &je);
    if (!v)
        return 0;
    char err[WK_ERR];
    if (data[0] & 1) {
        json_t *creates = NULL;
        if (wk_block_events(v, 7, "outlayer.near", &creates, err, sizeof err) == 0) {
            size_t i;
            json_t *c;
            json_array_foreach(creates, i, c)
            {
                wk_request r;
                if (wk_request_parse(c, &r, err, sizeof err) == 0)
                    wk_request_free(&r);
            }
            json_decref(creates);
        }
    } else {
        wk_request r;
        if (wk_request_parse(v, &r, err, sizeof err) == 0) {
            json_t *cs = wk_code_source_json(&r.source);
            json_decref(cs);
            wk_request_free(&r);
        }
    }
    json_decref(v);
    return 0;
}
