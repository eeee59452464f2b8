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
    case OUTLAYER_EDISABLED: return "HTTP is not enabled for this run";
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
    default: return "unknown error";
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

#endif
