/*
 * outlayer.h — the C SDK for OutLayer programs (wasm32-wasi): typed
 * wrappers over the outlayer_v1 host API (docs/program-api.md is the ABI).
 * Header only; include it in one or more files of a program built with
 * clang --target=wasm32-wasi.
 *
 *   outlayer_response r;
 *   int e = outlayer_http_get("https://api.example.com/price", &r);
 *   if (e) { fprintf(stderr, "%s\n", outlayer_strerror(e)); return 1; }
 *   ... r.status, r.body, r.body_len, outlayer_response_header(&r, "content-type") ...
 *   outlayer_response_free(&r);
 *
 * Every function returns 0 or an OUTLAYER_E* code (the host's codes, plus
 * OUTLAYER_ENOMEM for the program's own allocation failures).
 */
#ifndef OUTLAYER_SDK_H
#define OUTLAYER_SDK_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OUTLAYER_OK 0
#define OUTLAYER_EINVAL 1
#define OUTLAYER_EFAULT 2
#define OUTLAYER_EDISABLED 3
#define OUTLAYER_ESCHEME 4
#define OUTLAYER_EHOST 5
#define OUTLAYER_EADDR 6
#define OUTLAYER_ETOO_MANY 7
#define OUTLAYER_EREQUEST_TOO_LARGE 8
#define OUTLAYER_ERESPONSE_TOO_LARGE 9
#define OUTLAYER_ETIMEOUT 10
#define OUTLAYER_ENETWORK 11
#define OUTLAYER_EREDIRECTS 12
#define OUTLAYER_ENO_RESPONSE 13
#define OUTLAYER_EBUFFER 14
#define OUTLAYER_ENOMEM 100 /* the program's malloc failed (not a host code) */

/* Storage and NEAR views (docs/program-api.md, codes 20..29) */
#define OUTLAYER_ENOT_FOUND 20   /* no such key / account */
#define OUTLAYER_ETOO_BIG 21     /* key, value, prefix, view args or result over its limit */
#define OUTLAYER_EQUOTA 22       /* the project's storage quota */
#define OUTLAYER_EUNAVAILABLE 23 /* the store or the NEAR RPC failed */
#define OUTLAYER_EVIEW 24        /* the contract's view failed */
#define OUTLAYER_EJOB_BYTES 25   /* the job's storage/view byte cap */

static inline const char *outlayer_kv_strerror(int e)
{
    switch (e) {
    case OUTLAYER_ENOT_FOUND: return "not found";
    case OUTLAYER_ETOO_BIG: return "too large (key, value, arguments or result)";
    case OUTLAYER_EQUOTA: return "storage quota exceeded";
    case OUTLAYER_EUNAVAILABLE: return "storage or NEAR RPC unavailable";
    case OUTLAYER_EVIEW: return "the contract's view failed";
    case OUTLAYER_EJOB_BYTES: return "the job's storage/view byte budget is used up";
    default: return "unknown error";
    }
}

/* ---- raw imports (the ABI) ---- */
#define OUTLAYER_IMPORT(name) __attribute__((import_module("outlayer_v1"), import_name(name)))
int32_t outlayer_abi_version(void) OUTLAYER_IMPORT("abi_version");
int32_t outlayer_raw_http_request(const void *req, uint32_t req_len, uint32_t *resp_len)
    OUTLAYER_IMPORT("http_request");
int32_t outlayer_raw_response_read(void *dst, uint32_t dst_len) OUTLAYER_IMPORT("response_read");

static inline const char *outlayer_strerror(int e)
{
    switch (e) {
    case OUTLAYER_OK: return "ok";
    case OUTLAYER_EINVAL: return "malformed arguments";
    case OUTLAYER_EFAULT: return "pointer outside linear memory";
    case OUTLAYER_EDISABLED: return "not enabled for this run (HTTP, storage or NEAR views)";
    case OUTLAYER_ESCHEME: return "only http and https URLs";
    case OUTLAYER_EHOST: return "host not on the allow-list";
    case OUTLAYER_EADDR: return "address refused (private, loopback, link-local, ...)";
    case OUTLAYER_ETOO_MANY: return "too many requests for this job";
    case OUTLAYER_EREQUEST_TOO_LARGE: return "request too large for this job";
    case OUTLAYER_ERESPONSE_TOO_LARGE: return "response too large for this job";
    case OUTLAYER_ETIMEOUT: return "HTTP time limit reached";
    case OUTLAYER_ENETWORK: return "network error";
    case OUTLAYER_EREDIRECTS: return "too many redirects";
    case OUTLAYER_ENO_RESPONSE: return "no response to read";
    case OUTLAYER_EBUFFER: return "buffer too small";
    case OUTLAYER_ENOMEM: return "out of memory";
    default: return outlayer_kv_strerror(e);
    }
}

typedef struct outlayer_header {
    const char *name; /* NUL-terminated, points into the response */
    const char *value;
} outlayer_header;

typedef struct outlayer_response {
    uint32_t status;
    uint32_t nheaders;
    outlayer_header *headers;
    const uint8_t *body; /* NUL-terminated for convenience; body_len excludes the NUL */
    uint32_t body_len;
    uint8_t *raw_; /* owned storage */
} outlayer_response;

static inline void outlayer_response_free(outlayer_response *r)
{
    free(r->headers);
    free(r->raw_);
    memset(r, 0, sizeof *r);
}

/* Case-insensitive lookup; NULL when absent. */
static inline const char *outlayer_response_header(const outlayer_response *r, const char *name)
{
    for (uint32_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static inline uint8_t *outlayer__le32(uint8_t *p, uint32_t n)
{
    p[0] = (uint8_t)n, p[1] = (uint8_t)(n >> 8), p[2] = (uint8_t)(n >> 16), p[3] = (uint8_t)(n >> 24);
    return p + 4;
}

static inline uint8_t *outlayer__put(uint8_t *p, const void *s, uint32_t n)
{
    p = outlayer__le32(p, n);
    if (n)
        memcpy(p, s, n);
    return p + n;
}

static inline uint32_t outlayer__u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Parses an encoded response in place (raw gets NULs written after each field). */
static inline int outlayer__parse(uint8_t *raw, uint32_t len, outlayer_response *r)
{
    uint32_t off = 8;
    if (len < 8)
        return OUTLAYER_EINVAL;
    r->status = outlayer__u32(raw);
    r->nheaders = outlayer__u32(raw + 4);
    if (r->nheaders > len / 4)
        return OUTLAYER_EINVAL;
    r->headers = calloc(r->nheaders ? r->nheaders : 1, sizeof *r->headers);
    if (!r->headers)
        return OUTLAYER_ENOMEM;
    for (uint32_t i = 0; i < r->nheaders; i++) {
        if (len - off < 4)
            return OUTLAYER_EINVAL;
        uint32_t n = outlayer__u32(raw + off);
        off += 4;
        if (n > len - off)
            return OUTLAYER_EINVAL;
        /* "Name: value": the length prefix before the next field becomes the NULs */
        char *line = (char *)raw + off - 4;
        memmove(line, raw + off, n);
        line[n] = 0;
        char *colon = strchr(line, ':');
        r->headers[i].name = line;
        r->headers[i].value = "";
        if (colon) {
            *colon = 0;
            char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            r->headers[i].value = v;
        }
        off += n;
    }
    if (len - off < 4)
        return OUTLAYER_EINVAL;
    r->body_len = outlayer__u32(raw + off);
    off += 4;
    if (r->body_len != len - off)
        return OUTLAYER_EINVAL;
    memmove(raw + off - 4, raw + off, r->body_len);
    raw[off - 4 + r->body_len] = 0;
    r->body = raw + off - 4;
    return OUTLAYER_OK;
}

/* One request. headers: "Name: value" strings. On 0, free *out with outlayer_response_free. */
static inline int outlayer_http_request(const char *method, const char *url, const char *const *headers,
                                        uint32_t nheaders, const void *body, uint32_t body_len,
                                        outlayer_response *out)
{
    memset(out, 0, sizeof *out);
    size_t size = 4 + strlen(method) + 4 + strlen(url) + 4 + 4 + body_len;
    for (uint32_t i = 0; i < nheaders; i++)
        size += 4 + strlen(headers[i]);
    uint8_t *req = malloc(size), *p = req;
    if (!req)
        return OUTLAYER_ENOMEM;
    p = outlayer__put(p, method, (uint32_t)strlen(method));
    p = outlayer__put(p, url, (uint32_t)strlen(url));
    p = outlayer__le32(p, nheaders);
    for (uint32_t i = 0; i < nheaders; i++)
        p = outlayer__put(p, headers[i], (uint32_t)strlen(headers[i]));
    outlayer__put(p, body, body_len);
    uint32_t resp_len = 0;
    int e = outlayer_raw_http_request(req, (uint32_t)size, &resp_len);
    free(req);
    if (e)
        return e;
    out->raw_ = malloc((size_t)resp_len + 1);
    if (!out->raw_)
        return OUTLAYER_ENOMEM;
    if ((e = outlayer_raw_response_read(out->raw_, resp_len)) != 0 ||
        (e = outlayer__parse(out->raw_, resp_len, out)) != 0) {
        outlayer_response_free(out);
        return e;
    }
    return OUTLAYER_OK;
}

static inline int outlayer_http_get(const char *url, outlayer_response *out)
{
    return outlayer_http_request("GET", url, NULL, 0, NULL, 0, out);
}

/* ---- verifiable randomness (outlayer_v1.vrf; docs/program-api.md) ---- */
int32_t outlayer_raw_vrf_public_key(void *dst32) OUTLAYER_IMPORT("vrf_public_key");
int32_t outlayer_raw_vrf(const void *alpha, uint32_t alpha_len, void *dst, uint32_t dst_len, uint32_t *out_len)
    OUTLAYER_IMPORT("vrf");

#define OUTLAYER_VRF_OUTPUT_BYTES 64
#define OUTLAYER_VRF_PROOF_BYTES 80
#define OUTLAYER_VRF_MAX_ALPHA 1024

typedef struct outlayer_vrf_result {
    uint8_t output[OUTLAYER_VRF_OUTPUT_BYTES]; /* beta: the random bytes */
    uint8_t proof[OUTLAYER_VRF_PROOF_BYTES];   /* pi: what `outlayer verify-vrf --proof` checks */
    uint8_t *input;                           /* the full VRF input (request binding + alpha); malloc'd */
    uint32_t input_len;
} outlayer_vrf_result;

static inline void outlayer_vrf_free(outlayer_vrf_result *r)
{
    free(r->input);
    r->input = NULL;
    r->input_len = 0;
}

/* A VRF output for alpha (at most 1024 bytes), bound by the host to this
 * request. On 0, free with outlayer_vrf_free. EDISABLED where the host has
 * no VRF key, ETOO_MANY after 64 calls in one job. */
static inline int outlayer_vrf(const void *alpha, uint32_t alpha_len, outlayer_vrf_result *r)
{
    memset(r, 0, sizeof *r);
    uint32_t cap = OUTLAYER_VRF_OUTPUT_BYTES + OUTLAYER_VRF_PROOF_BYTES + 512 + alpha_len, need = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return OUTLAYER_ENOMEM;
    int e = outlayer_raw_vrf(alpha, alpha_len, buf, cap, &need);
    if (e == OUTLAYER_EBUFFER) { /* a longer contract id than foreseen */
        uint8_t *b2 = realloc(buf, need);
        if (!b2) {
            free(buf);
            return OUTLAYER_ENOMEM;
        }
        buf = b2;
        e = outlayer_raw_vrf(alpha, alpha_len, buf, need, &need);
    }
    if (e) {
        free(buf);
        return e;
    }
    memcpy(r->output, buf, OUTLAYER_VRF_OUTPUT_BYTES);
    memcpy(r->proof, buf + OUTLAYER_VRF_OUTPUT_BYTES, OUTLAYER_VRF_PROOF_BYTES);
    r->input_len = need - OUTLAYER_VRF_OUTPUT_BYTES - OUTLAYER_VRF_PROOF_BYTES;
    memmove(buf, buf + OUTLAYER_VRF_OUTPUT_BYTES + OUTLAYER_VRF_PROOF_BYTES, r->input_len);
    r->input = buf;
    return OUTLAYER_OK;
}

static inline int outlayer_vrf_public_key(uint8_t pk[32]) { return outlayer_raw_vrf_public_key(pk); }

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
static inline char *outlayer_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
    return out;
}

/* ---- persistent storage and NEAR views ----
 *
 *   uint8_t *v; uint32_t n;
 *   int e = outlayer_storage_get("count", 5, &v, &n);   // OUTLAYER_ENOT_FOUND the first time
 *   ... free(v);
 *   outlayer_storage_set("count", 5, "42", 2);
 *   char *json; uint32_t len;
 *   outlayer_view_function("outlayer.test.near", "get_stats", "{}", &json, &len);
 */
int32_t outlayer_raw_storage_get(const void *key, uint32_t key_len, uint32_t *value_len)
    OUTLAYER_IMPORT("storage_get");
int32_t outlayer_raw_storage_set(const void *key, uint32_t key_len, const void *value, uint32_t value_len)
    OUTLAYER_IMPORT("storage_set");
int32_t outlayer_raw_storage_delete(const void *key, uint32_t key_len) OUTLAYER_IMPORT("storage_delete");
int32_t outlayer_raw_storage_list(const void *prefix, uint32_t prefix_len, const void *cursor, uint32_t cursor_len,
                                  uint32_t limit, uint32_t *result_len) OUTLAYER_IMPORT("storage_list");
int32_t outlayer_raw_view_function(const char *contract, uint32_t contract_len, const char *method,
                                   uint32_t method_len, const void *args, uint32_t args_len, uint32_t *result_len)
    OUTLAYER_IMPORT("view_function");
int32_t outlayer_raw_view_account(const char *account, uint32_t account_len, uint32_t *result_len)
    OUTLAYER_IMPORT("view_account");
int32_t outlayer_raw_result_read(void *dst, uint32_t dst_len) OUTLAYER_IMPORT("result_read");

/* Reads the pending result into a new buffer (NUL-terminated; len excludes the NUL). */
static inline int outlayer__take_result(uint32_t len, uint8_t **out)
{
    uint8_t *b = malloc((size_t)len + 1);
    if (!b)
        return OUTLAYER_ENOMEM;
    int e = outlayer_raw_result_read(b, len);
    if (e) {
        free(b);
        return e;
    }
    b[len] = 0;
    *out = b;
    return OUTLAYER_OK;
}

/* The value of key (malloc'd, NUL-terminated for convenience); OUTLAYER_ENOT_FOUND when absent. */
static inline int outlayer_storage_get(const void *key, uint32_t key_len, uint8_t **value, uint32_t *value_len)
{
    uint32_t n = 0;
    *value = NULL;
    int e = outlayer_raw_storage_get(key, key_len, &n);
    if (e)
        return e;
    if ((e = outlayer__take_result(n, value)) == 0 && value_len)
        *value_len = n;
    return e;
}

static inline int outlayer_storage_set(const void *key, uint32_t key_len, const void *value, uint32_t value_len)
{
    return outlayer_raw_storage_set(key, key_len, value, value_len);
}

/* OUTLAYER_ENOT_FOUND when the key was not there. */
static inline int outlayer_storage_delete(const void *key, uint32_t key_len)
{
    return outlayer_raw_storage_delete(key, key_len);
}

typedef struct outlayer_key_list {
    uint32_t n;
    const uint8_t **keys; /* each points into raw_, not NUL-terminated: see key_lens */
    uint32_t *key_lens;
    const uint8_t *next; /* cursor for the next page; NULL when this was the last page */
    uint32_t next_len;
    uint8_t *raw_;
} outlayer_key_list;

static inline void outlayer_key_list_free(outlayer_key_list *l)
{
    free(l->keys);
    free(l->key_lens);
    free(l->raw_);
    memset(l, 0, sizeof *l);
}

/* Keys starting with prefix, after cursor (NULL/0 = from the start), at most limit (1..100). */
static inline int outlayer_storage_list(const void *prefix, uint32_t prefix_len, const void *cursor,
                                        uint32_t cursor_len, uint32_t limit, outlayer_key_list *out)
{
    memset(out, 0, sizeof *out);
    uint32_t len = 0;
    int e = outlayer_raw_storage_list(prefix ? prefix : "", prefix_len, cursor ? cursor : "", cursor_len, limit, &len);
    if (e || (e = outlayer__take_result(len, &out->raw_)))
        return e;
    const uint8_t *p = out->raw_;
    uint32_t off = 4;
    if (len < 4 || (out->n = outlayer__u32(p)) > len / 4) {
        outlayer_key_list_free(out);
        return OUTLAYER_EINVAL;
    }
    out->keys = calloc(out->n ? out->n : 1, sizeof *out->keys);
    out->key_lens = calloc(out->n ? out->n : 1, sizeof *out->key_lens);
    if (!out->keys || !out->key_lens) {
        outlayer_key_list_free(out);
        return OUTLAYER_ENOMEM;
    }
    for (uint32_t i = 0; i <= out->n; i++) {
        uint32_t n;
        if (len - off < 4 || (n = outlayer__u32(p + off)) > len - off - 4) {
            outlayer_key_list_free(out);
            return OUTLAYER_EINVAL;
        }
        if (i < out->n) {
            out->keys[i] = p + off + 4;
            out->key_lens[i] = n;
        } else if (n) {
            out->next = p + off + 4;
            out->next_len = n;
        }
        off += 4 + n;
    }
    return OUTLAYER_OK;
}

/* Calls a view method at finality final; args is usually JSON text ("{}" when none).
 * *result: the bytes the method returned (malloc'd, NUL-terminated; usually JSON). */
static inline int outlayer_view_function(const char *contract, const char *method, const char *args,
                                         char **result, uint32_t *result_len)
{
    uint32_t n = 0;
    *result = NULL;
    const char *a = args ? args : "";
    int e = outlayer_raw_view_function(contract, (uint32_t)strlen(contract), method, (uint32_t)strlen(method), a,
                                       (uint32_t)strlen(a), &n);
    if (e || (e = outlayer__take_result(n, (uint8_t **)result)))
        return e;
    if (result_len)
        *result_len = n;
    return OUTLAYER_OK;
}

/* The account's view (the RPC's view_account result as compact JSON, keys sorted). */
static inline int outlayer_view_account(const char *account, char **json, uint32_t *json_len)
{
    uint32_t n = 0;
    *json = NULL;
    int e = outlayer_raw_view_account(account, (uint32_t)strlen(account), &n);
    if (e || (e = outlayer__take_result(n, (uint8_t **)json)))
        return e;
    if (json_len)
        *json_len = n;
    return OUTLAYER_OK;
}

#endif
