/*
 * hostapi.c — the outlayer_v1 import module: argument decoding and bounds
 * checks, caps, the transcript, and the host functions themselves.
 *
 * Every pointer/length pair from the program is checked against linear
 * memory before use; a bad one is the program's error (EFAULT), not a trap,
 * so SDKs can report it. The host's work is charged as fuel in proportion
 * to the bytes moved (olw_call_charge).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostapi/internal.h"
#include "hostapi/kv.h"

#define TRANSCRIPT_TAG "outlayer-http-transcript-v1"

uint64_t hostapi_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

hostapi_ctx *hostapi_ctx_new(const hostapi_config *cfg)
{
    char err[200];
    return hostapi_ctx_new_checked(cfg, err, sizeof err);
}

hostapi_ctx *hostapi_ctx_new_checked(const hostapi_config *cfg, char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    hostapi_ctx *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    if (cfg && cfg->http_allow && cfg->http_allow[strspn(cfg->http_allow, ", ")]) {
        h->allow = strdup(cfg->http_allow);
        if (!h->allow) {
            free(h);
            return NULL;
        }
    }
    if (cfg && cfg->request_http_allow) {
        if (!hostapi_allow_validate(cfg->request_http_allow, err, errlen)) {
            char why[200];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, errlen, "the request's http_allow is malformed: %s", why);
            free(h->allow);
            free(h);
            return NULL;
        }
        h->request_narrows = true;
        if (!cfg->request_http_allow[strspn(cfg->request_http_allow, ", ")]) {
            /* the request allows no host: HTTP is off for this run */
            free(h->allow);
            h->allow = NULL;
        }
        if (!(h->request_allow = strdup(cfg->request_http_allow))) {
            snprintf(err, errlen, "out of memory");
            free(h->allow);
            free(h);
            return NULL;
        }
    }
    if (cfg && cfg->ca_file && !(h->ca_file = strdup(cfg->ca_file))) {
        free(h->request_allow);
        free(h->allow);
        free(h);
        return NULL;
    }
    h->allow_private = cfg && cfg->allow_private;
    h->max_requests = cfg && cfg->max_requests ? cfg->max_requests : HOSTAPI_DEFAULT_MAX_REQUESTS;
    h->max_request_bytes = cfg && cfg->max_request_bytes ? cfg->max_request_bytes : HOSTAPI_DEFAULT_MAX_REQUEST_BYTES;
    h->max_response_bytes =
        cfg && cfg->max_response_bytes ? cfg->max_response_bytes : HOSTAPI_DEFAULT_MAX_RESPONSE_BYTES;
    h->time_ms = cfg && cfg->time_ms ? cfg->time_ms : HOSTAPI_DEFAULT_TIME_MS;
    atomic_init(&h->cancelled, false);
    crypto_hash_sha256_init(&h->transcript);
    if (!hostapi_transcript_setup(h, cfg, err, errlen) || !hostapi_vrf_setup(h, cfg, err, errlen)) {
        hostapi_ctx_free(h);
        return NULL;
    }
    hostapi_transcript_put(h, TRANSCRIPT_TAG, sizeof TRANSCRIPT_TAG);
    return h;
}

void hostapi_ctx_free(hostapi_ctx *h)
{
    if (!h)
        return;
    free(h->allow);
    free(h->request_allow);
    free(h->ca_file);
    free(h->response);
    hostapi_transcript_free(h);
    hostapi_vrf_free(h);
    hostapi_kv_free(h->kv);
    free(h);
}

void hostapi_ctx_set_deadline(hostapi_ctx *h, uint64_t deadline_us) { h->deadline_us = deadline_us; }

void hostapi_ctx_cancel(hostapi_ctx *h) { atomic_store(&h->cancelled, true); }

void hostapi_transcript(const hostapi_ctx *h, uint8_t hash[32], uint32_t *requests)
{
    crypto_hash_sha256_state copy = h->transcript;
    crypto_hash_sha256_final(&copy, hash);
    if (requests)
        *requests = h->requests;
}

uint32_t hostapi_transcript_calls(const hostapi_ctx *h) { return h->requests + h->kv_entries; }

/* ---- host functions ---- */

static uint64_t i32_arg(const uint64_t *args, int i) { return (uint32_t)olw_slot_get_i32(args[i]); }

static olw_trap_code ret(uint64_t *results, int code)
{
    results[0] = olw_slot_of_i32(code);
    return OLW_TRAP_NONE;
}

static olw_trap_code fn_abi_version(olw_call *call, const uint64_t *args, uint64_t *results)
{
    (void)call;
    (void)args;
    return ret(results, HOSTAPI_ABI_VERSION);
}

/* http_request(req_ptr, req_len, resp_len_ptr) -> errno */
static olw_trap_code fn_http_request(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t req_ptr = i32_arg(args, 0), req_len = i32_arg(args, 1), out_ptr = i32_arg(args, 2);
    if (!mem || !olw_memory_ptr(mem, req_ptr, req_len) || !olw_memory_ptr(mem, out_ptr, 4))
        return ret(results, HOSTAPI_EFAULT);
    olw_trap_code t;
    if ((t = olw_call_charge(call, req_len / 64 + 1)))
        return t;
    /* copy: the request must not change under us, and memory may move */
    uint8_t *req = malloc(req_len ? req_len : 1);
    if (!req)
        return olw_call_trap(call, OLW_TRAP_HOST, "out of host memory");
    memcpy(req, olw_memory_ptr(mem, req_ptr, req_len), req_len);

    int code;
    hostapi_request rq;
    free(h->response);
    h->response = NULL;
    h->response_len = 0;
    uint8_t *resp = NULL;
    size_t resp_len = 0;
    if (h->replay) {
        /* outlayer verify: the recorded answer, whatever it was */
        if (!hostapi_replay_next(h, false, req, req_len, &code, &resp, &resp_len)) {
            free(req);
            return olw_call_trap(call, OLW_TRAP_HOST, "%s", h->last_error);
        }
    } else if (!h->allow)
        code = HOSTAPI_EDISABLED;
    else if ((code = hostapi_decode_request(req, req_len, &rq, h->last_error, sizeof h->last_error)) != HOSTAPI_OK)
        ;
    else if (h->requests >= h->max_requests)
        code = HOSTAPI_ETOO_MANY;
    else if (req_len > h->max_request_bytes - h->sent_bytes)
        code = HOSTAPI_EREQUEST_TOO_LARGE;
    else
        code = hostapi_http_perform(h, &rq, &resp, &resp_len);

    /* transcript: every call, refused or not */
    hostapi_transcript_entry(h, ++h->requests, req, req_len, code, resp, resp_len);
    free(req);
    /* The request timed out at the job's wall-clock deadline (its timeout is
     * cut to the deadline, in whole milliseconds, so it may end a moment
     * early): the job is over, whether or not the watchdog's interrupt has
     * landed yet, and the program must not go on as if only HTTP failed. */
    if (h->deadline_us && code == HOSTAPI_ETIMEOUT && hostapi_now_us() + 10000 >= h->deadline_us) {
        free(resp);
        return olw_call_trap(call, OLW_TRAP_INTERRUPTED, "time limit reached during an HTTP request");
    }

    if (code == HOSTAPI_OK) {
        if ((t = olw_call_charge(call, resp_len / 64 + 1))) {
            free(resp);
            return t;
        }
        h->response = resp;
        h->response_len = resp_len;
        uint8_t *out = olw_memory_ptr(mem, out_ptr, 4);
        uint32_t n = (uint32_t)resp_len;
        out[0] = (uint8_t)n, out[1] = (uint8_t)(n >> 8), out[2] = (uint8_t)(n >> 16), out[3] = (uint8_t)(n >> 24);
    }
    return ret(results, code);
}

/* response_read(dst_ptr, dst_len) -> errno */
static olw_trap_code fn_response_read(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t dst = i32_arg(args, 0), cap = i32_arg(args, 1);
    if (!mem || !olw_memory_ptr(mem, dst, cap))
        return ret(results, HOSTAPI_EFAULT);
    if (!h->response)
        return ret(results, HOSTAPI_ENO_RESPONSE);
    if (cap < h->response_len)
        return ret(results, HOSTAPI_EBUFFER);
    olw_trap_code t;
    if ((t = olw_call_charge(call, h->response_len / 64 + 1)))
        return t;
    memcpy(olw_memory_ptr(mem, dst, h->response_len), h->response, h->response_len);
    return ret(results, HOSTAPI_OK);
}

bool hostapi_define(olw_linker *l, hostapi_ctx *h)
{
    return olw_linker_define_host(l, HOSTAPI_MODULE, "abi_version", ">i", fn_abi_version, h) &&
           olw_linker_define_host(l, HOSTAPI_MODULE, "http_request", "iii>i", fn_http_request, h) &&
           olw_linker_define_host(l, HOSTAPI_MODULE, "response_read", "ii>i", fn_response_read, h) &&
           hostapi_define_vrf(l, h) &&  /* vrfcall.c */
           hostapi_define_kv(l, h);     /* storage, views, result_read: kv.c */
}
