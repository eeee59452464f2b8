/*
 * kv.h — the outlayer_v1 functions that reach past the job: persistent
 * key-value storage per (owner, project) and read-only NEAR views
 * (docs/program-api.md, "Persistent storage" and "NEAR views").
 *
 * Storage goes through a hostapi_store backend: the coordinator's
 * /storage/... routes for the worker (store_coord.c), or a directory for
 * `outlayer run --storage DIR` (store_dir.c). Views go through a NEAR
 * JSON-RPC endpoint (views.c, src/near/rpc.h). Both are capped per job
 * (calls and bytes) and bounded by the job's wall-clock deadline.
 */
#ifndef OUTLAYER_HOSTAPI_KV_H
#define OUTLAYER_HOSTAPI_KV_H

#include "hostapi/hostapi.h"

/* Error codes of storage and views: part of the ABI (20..29; the codes
 * below 20 are shared with HTTP: EINVAL, EFAULT, EDISABLED, ETOO_MANY,
 * ETIMEOUT, ENO_RESPONSE, EBUFFER keep their meaning). */
enum {
    HOSTAPI_ENOT_FOUND = 20,   /* no such key; no such account (views) */
    HOSTAPI_ETOO_BIG = 21,     /* key, value, prefix, view args or view result over its size limit */
    HOSTAPI_EQUOTA = 22,       /* the project's quota (keys or bytes) would be exceeded */
    HOSTAPI_EUNAVAILABLE = 23, /* the store or the RPC endpoint failed or is unreachable */
    HOSTAPI_EVIEW = 24,        /* the contract's view failed (panic, no such method, no code) */
    HOSTAPI_EJOB_BYTES = 25,   /* the job's cap on storage or view bytes is used up */
};
const char *hostapi_kv_errno_name(int code);

#define HOSTAPI_KV_MAX_KEY 256u                      /* bytes; prefixes and cursors too */
#define HOSTAPI_KV_DEFAULT_MAX_VALUE (64u << 10)     /* bytes */
#define HOSTAPI_KV_MAX_LIST 100u                     /* keys per storage_list */
#define HOSTAPI_KV_DEFAULT_CALLS 256u                /* storage_* calls per job */
#define HOSTAPI_KV_DEFAULT_BYTES ((uint64_t)4 << 20) /* keys + values moved per job */
#define HOSTAPI_KV_DEFAULT_MAX_KEYS 1000u            /* dir store quota (the coordinator has its own) */
#define HOSTAPI_KV_DEFAULT_MAX_BYTES ((uint64_t)1 << 20)
#define HOSTAPI_VIEW_DEFAULT_CALLS 16u                 /* view_* calls per job */
#define HOSTAPI_VIEW_MAX_ARGS (64u << 10)              /* view_function args bytes */
#define HOSTAPI_VIEW_DEFAULT_RESULT (64u << 10)        /* bytes per view result */
#define HOSTAPI_VIEW_DEFAULT_BYTES ((uint64_t)1 << 20) /* view result bytes per job */

/* A storage backend. Each function returns HOSTAPI_OK or an error code
 * and, on failure, may leave a message in err (never shown to programs:
 * logs and tests). deadline_us (CLOCK_MONOTONIC µs, 0 = none) is set by
 * the host before every call. */
typedef struct hostapi_store hostapi_store;
struct hostapi_store {
    int (*get)(hostapi_store *s, const uint8_t *key, uint32_t klen, uint8_t **val, size_t *vlen);
    int (*set)(hostapi_store *s, const uint8_t *key, uint32_t klen, const uint8_t *val, uint32_t vlen);
    int (*del)(hostapi_store *s, const uint8_t *key, uint32_t klen);
    /* Keys starting with prefix and greater than cursor (byte order; an
     * empty cursor = from the start), at most limit, in the list encoding
     * of docs/program-api.md (malloc'd). */
    int (*list)(hostapi_store *s, const uint8_t *prefix, uint32_t plen, const uint8_t *cursor, uint32_t clen,
                uint32_t limit, uint8_t **out, size_t *out_len);
    void (*destroy)(hostapi_store *s);
    uint64_t deadline_us;
    char err[256];
};

/* The coordinator's /storage/... routes with the worker's bearer token,
 * for the store of the request that lease_id holds (the coordinator
 * derives owner and project from it), or, when lease_id is NULL, for
 * (owner, project) named here (coordinators run with
 * --storage-require-lease false: tests, tools). NULL on bad arguments or
 * out of memory. */
hostapi_store *hostapi_store_coordinator(const char *base_url, const char *token, const char *lease_id,
                                         const char *owner, const char *project);
/* One file per key (named by its hex) in dir, created if missing; quotas
 * checked here (0 = the defaults above). NULL with err on failure. */
hostapi_store *hostapi_store_dir(const char *dir, uint32_t max_keys, uint64_t max_bytes, uint32_t max_value, char *err,
                                 size_t errlen);
void hostapi_store_free(hostapi_store *s);

typedef struct hostapi_kv_config {
    hostapi_store *store;       /* taken over by the ctx (freed with it); NULL = storage disabled */
    const char *near_rpc_url;   /* NULL = views disabled */
    uint32_t max_storage_calls; /* 0 = default */
    uint64_t max_storage_bytes; /* 0 = default */
    uint32_t max_value;         /* 0 = default; the backend may refuse less */
    uint32_t max_view_calls;    /* 0 = default */
    uint32_t max_view_result;   /* 0 = default */
    uint64_t max_view_bytes;    /* 0 = default */
} hostapi_kv_config;

/* Enables storage and/or views for this job. 0, or -1 (out of memory; the
 * store is freed). */
int hostapi_ctx_set_kv(hostapi_ctx *h, const hostapi_kv_config *cfg);
/* Defines storage_*, view_* and result_read (hostapi_define calls it). */
bool hostapi_define_kv(olw_linker *l, hostapi_ctx *h);
/* Counters of this job's calls (tests, logs). */
void hostapi_kv_counts(const hostapi_ctx *h, uint32_t *storage_calls, uint32_t *view_calls);
/* The store backend's last failure message ("" when none), for logs: it
 * names routes and statuses, never the token. */
const char *hostapi_kv_store_error(const hostapi_ctx *h);

/* ---- pure pieces, for tests and the fuzzer (decode_kv.c) ---- */
/* view_function's method name: 1..256 bytes of [A-Za-z0-9_]. */
bool hostapi_valid_method_name(const uint8_t *p, size_t n);
/* The list encoding from a coordinator /storage/list reply body (keys as
 * hex, next_cursor hex or null); HOSTAPI_OK or HOSTAPI_EUNAVAILABLE when
 * the reply is not that shape (more than limit keys included). */
int hostapi_kv_list_from_json(const char *body, size_t len, uint32_t limit, uint8_t **out, size_t *out_len);
/* The list encoding from keys (sorted by the caller); next = NULL/0 = end. */
int hostapi_kv_list_encode(const uint8_t *const *keys, const uint32_t *klens, uint32_t n, const uint8_t *next,
                           uint32_t next_len, uint8_t **out, size_t *out_len);

#endif
