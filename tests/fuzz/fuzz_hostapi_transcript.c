/* Fuzzes the HTTP transcript reader (src/hostapi/transcript.c): what
 * `outlayer run --http-transcript` and `outlayer verify --http-transcript`
 * parse from a file. A transcript the checker accepts must also set up a
 * replaying context; the VRF input encoder is driven with the input as
 * alpha and contract. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostapi/hostapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t calls = 0;
    char err[160];
    int ok = hostapi_transcript_check(data, size, &calls, err, sizeof err);
    hostapi_config c = {.replay_transcript = data, .replay_transcript_len = size};
    hostapi_ctx *h = hostapi_ctx_new_checked(&c, err, sizeof err);
    if ((ok == HOSTAPI_OK) != (h != NULL))
        abort();
    if (h && hostapi_replay_complete(h) != (calls == 0))
        abort();
    hostapi_ctx_free(h);
    /* the VRF input: a contract id from the first bytes (NUL-terminated copy) */
    size_t clen = size < 64 ? size : 64;
    char contract[65];
    memcpy(contract, data, clen);
    contract[clen] = 0;
    size_t need = hostapi_vrf_input(contract, size, data, size, NULL, 0);
    uint8_t *out = malloc(need);
    if (out && hostapi_vrf_input(contract, size, data, size, out, need) != need)
        abort();
    free(out);
    return 0;
}
