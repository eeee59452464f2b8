/* internal.h — shared between hostapi.c (ctx, host functions) and http.c (libcurl). */
#ifndef OUTLAYER_HOSTAPI_INTERNAL_H
#define OUTLAYER_HOSTAPI_INTERNAL_H

#include <sodium.h>
#include <stdatomic.h>

#include "hostapi/hostapi.h"

struct hostapi_ctx {
    char *allow;
    char *request_allow; /* the request's narrowing (NULL = none) */
    bool request_narrows;
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

    /* transcript.c: the transcript's bytes (record_transcript) and replay */
    bool record;
    uint8_t *rec;
    size_t rec_len, rec_cap;
    bool rec_oom;
    uint8_t *replay; /* a copy of the recorded transcript; NULL = live */
    size_t replay_len, replay_off;
    uint32_t kv_entries; /* storage and view calls in the transcript (kv.c) */

    /* vrfcall.c */
    bool vrf_enabled;
    uint8_t vrf_seed[32], vrf_pk[32];
    char *vrf_contract;
    uint64_t vrf_request_id;
    uint32_t vrf_calls, vrf_max_calls, vrf_keyless;

    struct hostapi_kv_state *kv; /* storage and views (kv.h); NULL = both disabled */
};

/* transcript.c: appends to the hash (and the recorded bytes) */
void hostapi_transcript_put(hostapi_ctx *h, const void *p, size_t n);
/* The top bit of an entry's number marks a storage or view call (kv.c);
 * http_request calls are numbered 1, 2, ... without it. */
#define HOSTAPI_TRANSCRIPT_KV 0x80000000u
/* Appends one call: u32 index ‖ u32 req_len ‖ req ‖ u32 errno ‖ [u32 resp_len ‖ resp] (resp when errno = 0). */
void hostapi_transcript_entry(hostapi_ctx *h, uint32_t index, const uint8_t *req, size_t req_len, int code,
                              const uint8_t *resp, size_t resp_len);
/* The next recorded call's errno and response for this request (kv: a
 * storage or view call, else http_request); false (last_error filled) when
 * the program's call differs from the recorded one or none is left. */
bool hostapi_replay_next(hostapi_ctx *h, bool kv, const uint8_t *req, size_t req_len, int *code, uint8_t **resp,
                         size_t *resp_len);
/* Sets up recording/replay from cfg; false with err. */
bool hostapi_transcript_setup(hostapi_ctx *h, const hostapi_config *cfg, char *err, size_t errlen);
void hostapi_transcript_free(hostapi_ctx *h);

/* vrfcall.c */
bool hostapi_vrf_setup(hostapi_ctx *h, const hostapi_config *cfg, char *err, size_t errlen);
void hostapi_vrf_free(hostapi_ctx *h);
bool hostapi_define_vrf(olw_linker *l, hostapi_ctx *h);

/* kv.c */
void hostapi_kv_free(struct hostapi_kv_state *k);

uint64_t hostapi_now_us(void);

/* Performs the request, following and re-checking redirects; fills the
 * encoded response (malloc'd) on HOSTAPI_OK. */
int hostapi_http_perform(hostapi_ctx *h, const hostapi_request *rq, uint8_t **resp, size_t *resp_len);

#endif
