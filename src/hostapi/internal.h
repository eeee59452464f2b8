/* internal.h — shared between hostapi.c (ctx, host functions) and http.c (libcurl). */
#ifndef OUTLAYER_HOSTAPI_INTERNAL_H
#define OUTLAYER_HOSTAPI_INTERNAL_H

#include <sodium.h>
#include <stdatomic.h>

#include "hostapi/hostapi.h"

struct hostapi_ctx {
    char *allow;
    char *ca_file; /* NULL = the system's CA store */
    bool allow_private;
    uint32_t max_requests;
    uint64_t max_request_bytes, max_response_bytes, time_ms;
    uint64_t deadline_us;
    atomic_bool cancelled;

    uint32_t requests;
    uint64_t sent_bytes, received_bytes, spent_us;

    uint8_t *response; /* the last successful response, encoded */
    size_t response_len;

    crypto_hash_sha256_state transcript;
    char last_error[256];

    struct hostapi_kv_state *kv; /* storage and views (kv.h); NULL = both disabled */
};

void hostapi_kv_free(struct hostapi_kv_state *k);

uint64_t hostapi_now_us(void);

/* Performs the request, following and re-checking redirects; fills the
 * encoded response (malloc'd) on HOSTAPI_OK. */
int hostapi_http_perform(hostapi_ctx *h, const hostapi_request *rq, uint8_t **resp, size_t *resp_len);

#endif
