/*
 * hostapi.h — the program host API: import module `outlayer_v1`, offered to
 * every program next to WASI preview 1 (docs/program-api.md is the ABI).
 *
 * Outbound HTTP (libcurl): http/https only, hosts from an
 * anchored allow-list, every connection's address checked after DNS
 * (netpolicy.h) and on every redirect hop, per-job caps on requests, bytes
 * each way and time (bounded by the job's wall-clock deadline), and a
 * SHA-256 transcript of every exchange for the attestation record.
 * The transcript's bytes can be kept and replayed (transcript.c).
 * Verifiable randomness bound to the request: vrfcall.c (ECVRF, vrf.h).
 * Persistent storage and NEAR views: kv.h (kv.c, store_*.c, views.c).
 *
 * One hostapi_ctx serves one job; it is used by the job's thread, except
 * hostapi_ctx_cancel (the watchdog's).
 */
#ifndef OUTLAYER_HOSTAPI_H
#define OUTLAYER_HOSTAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/olw.h"

#define HOSTAPI_MODULE "outlayer_v1"
#define HOSTAPI_ABI_VERSION 1

/* Error codes returned (as i32) by every outlayer_v1 function. Stable: part of the ABI. */
typedef enum hostapi_errno {
    HOSTAPI_OK = 0,
    HOSTAPI_EINVAL = 1,             /* malformed arguments (encoding, lengths, header text) */
    HOSTAPI_EFAULT = 2,             /* a pointer/length is outside the program's linear memory */
    HOSTAPI_EDISABLED = 3,          /* HTTP is not enabled for this run (empty allow-list) */
    HOSTAPI_ESCHEME = 4,            /* not an http:// or https:// URL */
    HOSTAPI_EHOST = 5,              /* the host (or a redirect's host) is not on the allow-list */
    HOSTAPI_EADDR = 6,              /* the host resolved to a refused address (private, loopback, ...) */
    HOSTAPI_ETOO_MANY = 7,          /* the job's request count cap is used up */
    HOSTAPI_EREQUEST_TOO_LARGE = 8, /* the job's request byte cap would be exceeded */
    HOSTAPI_ERESPONSE_TOO_LARGE = 9, /* the job's response byte cap was exceeded */
    HOSTAPI_ETIMEOUT = 10,          /* the job's HTTP time budget or wall-clock deadline was reached */
    HOSTAPI_ENETWORK = 11,          /* connection, TLS or protocol failure */
    HOSTAPI_EREDIRECTS = 12,        /* more redirects than allowed */
    HOSTAPI_ENO_RESPONSE = 13,      /* response_read without a successful http_request */
    HOSTAPI_EBUFFER = 14,           /* the destination buffer is smaller than the response */
} hostapi_errno;

const char *hostapi_errno_name(int code);

#define HOSTAPI_DEFAULT_MAX_REQUESTS 16u
#define HOSTAPI_DEFAULT_MAX_REQUEST_BYTES ((uint64_t)1 << 20)  /* sent, whole job */
#define HOSTAPI_DEFAULT_MAX_RESPONSE_BYTES ((uint64_t)4 << 20) /* received, whole job */
#define HOSTAPI_DEFAULT_TIME_MS UINT64_C(10000)                /* spent in HTTP, whole job */
#define HOSTAPI_MAX_REDIRECTS 5u

typedef struct hostapi_config {
    /* Host patterns, comma or space separated (see hostapi_host_allowed).
     * NULL or empty: HTTP is disabled and http_request returns EDISABLED. */
    const char *http_allow;
    /* Admit loopback/private/CGNAT addresses for every allowed host (local
     * development). An IP-literal pattern always admits its own address. */
    bool allow_private;
    /* The request's own narrowing of http_allow (request_execution's
     * http_allow, docs/program-api.md "Policy"): a host must match BOTH
     * lists. NULL = no narrowing; a list with no patterns ("") disables HTTP
     * for this run. Its IP-literal patterns never admit private addresses:
     * only the operator's list (or allow_private) does. Checked with
     * hostapi_allow_validate by hostapi_ctx_new_checked. */
    const char *request_http_allow;
    uint32_t max_requests;       /* 0 = default */
    uint64_t max_request_bytes;  /* 0 = default */
    uint64_t max_response_bytes; /* 0 = default */
    uint64_t time_ms;            /* 0 = default */
    /* PEM file of CA certificates trusted for https (a private CA, tests);
     * NULL = the system's store. Certificates are always verified. */
    const char *ca_file;

    /* ---- verifiable randomness (outlayer_v1.vrf, vrfcall.c) ---- */
    /* The prover's Ed25519 secret seed (32 bytes; the worker's chain signing
     * key). NULL: vrf and vrf_public_key return EDISABLED. */
    const uint8_t *vrf_seed;
    /* What every VRF input is bound to (docs/program-api.md): the OutLayer
     * contract and the request id there. NULL contract = "". */
    const char *vrf_contract_id;
    uint64_t vrf_request_id;
    uint32_t vrf_max_calls; /* 0 = default */

    /* ---- the HTTP transcript's bytes (transcript.c) ---- */
    /* Keep the transcript's preimage in memory (hostapi_transcript_bytes), so
     * it can be exported: SHA-256 of those bytes is the transcript hash. */
    bool record_transcript;
    /* Replay: answer http_request from a recorded transcript (the bytes of
     * hostapi_transcript_bytes) instead of the network: each call must pass
     * exactly the recorded request, and gets the recorded errno and
     * response. NULL = live. Checked by hostapi_ctx_new_checked. */
    const uint8_t *replay_transcript;
    size_t replay_transcript_len;
} hostapi_config;

typedef struct hostapi_ctx hostapi_ctx;

hostapi_ctx *hostapi_ctx_new(const hostapi_config *cfg);
/* The same, with a reason when cfg is refused (a malformed replay
 * transcript, a degenerate VRF key) or memory runs out. */
hostapi_ctx *hostapi_ctx_new_checked(const hostapi_config *cfg, char *err, size_t errlen);
void hostapi_ctx_free(hostapi_ctx *h);
/* Requests made after this must finish by deadline (CLOCK_MONOTONIC µs; 0 = none). */
void hostapi_ctx_set_deadline(hostapi_ctx *h, uint64_t deadline_us);
/* Thread-safe: aborts a request in progress (ETIMEOUT) and every later one. */
void hostapi_ctx_cancel(hostapi_ctx *h);

/* Defines every outlayer_v1 function in the linker. */
bool hostapi_define(olw_linker *l, hostapi_ctx *h);

/* The transcript so far: SHA-256 over the encoding in docs/program-api.md,
 * and the number of http_request calls it covers. */
void hostapi_transcript(const hostapi_ctx *h, uint8_t hash[32], uint32_t *requests);
/* Every call the transcript covers: http_request and the storage and view
 * calls. A run with none has nothing to attest beyond its output. */
uint32_t hostapi_transcript_calls(const hostapi_ctx *h);

/* ---- VRF (vrfcall.c) ---- */
#define HOSTAPI_VRF_DEFAULT_MAX_CALLS 64u
#define HOSTAPI_VRF_MAX_ALPHA 1024u
#define HOSTAPI_VRF_DOMAIN "outlayer-vrf-v1"
/* The VRF calls the program made, and the prover's public key (zeros without a key). */
uint32_t hostapi_vrf_calls(const hostapi_ctx *h);
/* vrf / vrf_public_key calls refused with EDISABLED: this host has no VRF key (what
 * `outlayer verify` sees when it re-runs a program that used the VRF). */
uint32_t hostapi_vrf_keyless_calls(const hostapi_ctx *h);
void hostapi_vrf_public_key(const hostapi_ctx *h, uint8_t pk[32]);
/* The full VRF input for a program's alpha (docs/program-api.md):
 * "outlayer-vrf-v1" 0x00 ‖ str(contract_id) ‖ u64(request_id) ‖ str(alpha).
 * Returns its length; writes it when out has room (cap). */
size_t hostapi_vrf_input(const char *contract_id, uint64_t request_id, const uint8_t *alpha, size_t alpha_len,
                         uint8_t *out, size_t cap);

/* ---- the transcript's bytes (transcript.c) ---- */
/* The preimage of the transcript hash so far (record_transcript; else
 * NULL/0). Borrowed: valid until the next call or hostapi_ctx_free. */
const uint8_t *hostapi_transcript_bytes(const hostapi_ctx *h, size_t *len);
/* Replay: true once every recorded call has been made. */
bool hostapi_replay_complete(const hostapi_ctx *h);
/* Checks a transcript file's bytes: the header, then whole entries.
 * HOSTAPI_OK with *calls, or HOSTAPI_EINVAL with err. (Fuzzed.) */
int hostapi_transcript_check(const uint8_t *buf, size_t len, uint32_t *calls, char *err, size_t errlen);

/* ---- pieces exposed for tests and the fuzzer ---- */

typedef struct hostapi_span {
    const uint8_t *p;
    uint32_t len;
} hostapi_span;

#define HOSTAPI_MAX_HEADERS 64u

typedef struct hostapi_request {
    hostapi_span method, url, body;
    uint32_t nheaders;
    hostapi_span headers[HOSTAPI_MAX_HEADERS]; /* "Name: value" */
} hostapi_request;

/* Decodes a request (docs/program-api.md); HOSTAPI_OK or HOSTAPI_EINVAL
 * with err filled. Spans point into buf. */
int hostapi_decode_request(const uint8_t *buf, size_t len, hostapi_request *out, char *err, size_t errlen);

/* Does host (lower-cased by the caller or not) match the allow-list?
 * Patterns: "api.example.com" (exactly that host), "*.example.com" (any
 * subdomain, not the apex), "*" (any host), IP literals ("127.0.0.1",
 * "[::1]"). *explicit_ip is set when the matching pattern is an IP literal. */
bool hostapi_host_allowed(const char *allow, const char *host, bool *explicit_ip);

/* Checks an allow-list's syntax (what a request may send, and what the
 * contract accepts): at most HOSTAPI_ALLOW_MAX_LEN bytes, patterns separated
 * by commas and/or spaces, each "*", "*.name", "name" (DNS labels of letters,
 * digits and '-', at most 253 bytes), a dotted IPv4 literal or a bracketed
 * IPv6 literal. An empty list is valid (it allows nothing). true, or false
 * with err naming the bad pattern. */
#define HOSTAPI_ALLOW_MAX_LEN 1024u
bool hostapi_allow_validate(const char *allow, char *err, size_t errlen);

#endif
