/*
 * transcript.c — the bytes behind the HTTP transcript hash: kept when asked
 * (so a worker can export them and anyone can check SHA-256(bytes) against
 * the attested hash), and replayed (so `outlayer verify` can re-execute a
 * program that made HTTP requests: each request the program makes must be
 * exactly the recorded one, and gets the recorded answer).
 *
 * The file format is the hash's preimage itself (docs/program-api.md):
 *   "outlayer-http-transcript-v1" 0x00
 *   then per call: u32 i ‖ u32 req_len ‖ req ‖ u32 errno ‖ [u32 resp_len ‖ resp]  (resp only when errno = 0)
 * where i numbers the http_request calls 1, 2, ... and the storage and view
 * calls 0x80000001, 0x80000002, ... (kv.c), so a transcript of HTTP alone is
 * byte for byte what it was before storage and views were recorded.
 * hostapi_transcript_check parses untrusted files (fuzzed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostapi/internal.h"
#include "hostapi/kv.h"

#define TAG "outlayer-http-transcript-v1"

void hostapi_transcript_put(hostapi_ctx *h, const void *p, size_t n)
{
    crypto_hash_sha256_update(&h->transcript, p, n);
    if (!h->record || h->rec_oom || n == 0)
        return;
    if (h->rec_len + n > h->rec_cap) {
        size_t cap = h->rec_cap ? h->rec_cap : 1024;
        while (cap < h->rec_len + n)
            cap *= 2;
        uint8_t *q = realloc(h->rec, cap);
        if (!q) {
            h->rec_oom = true; /* the export is then refused (NULL), the hash stays right */
            return;
        }
        h->rec = q;
        h->rec_cap = cap;
    }
    memcpy(h->rec + h->rec_len, p, n);
    h->rec_len += n;
}

static void put_u32(hostapi_ctx *h, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    hostapi_transcript_put(h, le, 4);
}

static void put_bytes(hostapi_ctx *h, const uint8_t *p, size_t n)
{
    put_u32(h, (uint32_t)n);
    if (n)
        hostapi_transcript_put(h, p, n);
}

void hostapi_transcript_entry(hostapi_ctx *h, uint32_t index, const uint8_t *req, size_t req_len, int code,
                              const uint8_t *resp, size_t resp_len)
{
    put_u32(h, index);
    put_bytes(h, req, req_len);
    put_u32(h, (uint32_t)code);
    if (code == HOSTAPI_OK)
        put_bytes(h, resp, resp_len);
}

const uint8_t *hostapi_transcript_bytes(const hostapi_ctx *h, size_t *len)
{
    *len = 0;
    if (!h->record || h->rec_oom)
        return NULL;
    *len = h->rec_len;
    return h->rec;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

typedef struct entry {
    uint32_t index, code;
    const uint8_t *req, *resp;
    uint32_t req_len, resp_len;
} entry;

/* One entry at *off; false when the bytes there are not a whole entry. */
static bool read_entry(const uint8_t *buf, size_t len, size_t *off, entry *e, char *err, size_t errlen)
{
    size_t o = *off;
#define NEED(n, what)                                                                                                  \
    do {                                                                                                               \
        if (len - o < (size_t)(n)) {                                                                                   \
            snprintf(err, errlen, "truncated %s at byte %zu", what, o);                                                \
            return false;                                                                                              \
        }                                                                                                              \
    } while (0)
    NEED(8, "entry");
    e->index = le32(buf + o);
    e->req_len = le32(buf + o + 4);
    o += 8;
    NEED(e->req_len, "request");
    e->req = buf + o;
    o += e->req_len;
    NEED(4, "errno");
    e->code = le32(buf + o);
    o += 4;
    e->resp = NULL;
    e->resp_len = 0;
    if (e->code > HOSTAPI_EJOB_BYTES) {
        snprintf(err, errlen, "unknown errno %u at byte %zu", e->code, o - 4);
        return false;
    }
    if (e->code == HOSTAPI_OK) {
        NEED(4, "response length");
        e->resp_len = le32(buf + o);
        o += 4;
        NEED(e->resp_len, "response");
        e->resp = buf + o;
        o += e->resp_len;
    }
#undef NEED
    *off = o;
    return true;
}

int hostapi_transcript_check(const uint8_t *buf, size_t len, uint32_t *calls, char *err, size_t errlen)
{
    *calls = 0;
    if (len < sizeof TAG || memcmp(buf, TAG, sizeof TAG) != 0) {
        snprintf(err, errlen, "not an HTTP transcript (no \"%s\" header)", TAG);
        return HOSTAPI_EINVAL;
    }
    size_t off = sizeof TAG;
    uint32_t http = 0, kv = 0;
    while (off < len) {
        entry e;
        if (!read_entry(buf, len, &off, &e, err, errlen))
            return HOSTAPI_EINVAL;
        bool is_kv = e.index & HOSTAPI_TRANSCRIPT_KV;
        uint32_t want = is_kv ? (kv + 1) | HOSTAPI_TRANSCRIPT_KV : http + 1;
        if (e.index != want || want == HOSTAPI_TRANSCRIPT_KV) {
            snprintf(err, errlen, "%s call %u is numbered 0x%08x", is_kv ? "storage/view" : "HTTP",
                     (is_kv ? kv : http) + 1, e.index);
            return HOSTAPI_EINVAL;
        }
        if (is_kv)
            kv++;
        else
            http++;
        (*calls)++;
    }
    return HOSTAPI_OK;
}

bool hostapi_transcript_setup(hostapi_ctx *h, const hostapi_config *cfg, char *err, size_t errlen)
{
    h->record = cfg && cfg->record_transcript;
    if (!cfg || !cfg->replay_transcript)
        return true;
    uint32_t calls;
    char why[160];
    if (hostapi_transcript_check(cfg->replay_transcript, cfg->replay_transcript_len, &calls, why, sizeof why)) {
        snprintf(err, errlen, "the HTTP transcript is malformed: %s", why);
        return false;
    }
    h->replay = malloc(cfg->replay_transcript_len);
    if (!h->replay) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    memcpy(h->replay, cfg->replay_transcript, cfg->replay_transcript_len);
    h->replay_len = cfg->replay_transcript_len;
    h->replay_off = sizeof TAG;
    return true;
}

bool hostapi_replay_next(hostapi_ctx *h, bool kv, const uint8_t *req, size_t req_len, int *code, uint8_t **resp,
                         size_t *resp_len)
{
    entry e;
    char why[160];
    const char *what = kv ? "storage/view call" : "HTTP request";
    if (h->replay_off >= h->replay_len) {
        snprintf(h->last_error, sizeof h->last_error, "%s replay: the program made more %s than the %u recorded",
                 kv ? "transcript" : "HTTP", kv ? "storage/view calls" : "requests", kv ? h->kv_entries : h->requests);
        return false;
    }
    if (!read_entry(h->replay, h->replay_len, &h->replay_off, &e, why, sizeof why)) {
        snprintf(h->last_error, sizeof h->last_error, "transcript replay: %s", why);
        return false;
    }
    bool entry_kv = e.index & HOSTAPI_TRANSCRIPT_KV;
    uint32_t n = e.index & ~HOSTAPI_TRANSCRIPT_KV;
    if (entry_kv != kv) {
        snprintf(h->last_error, sizeof h->last_error,
                 "transcript replay: the program made an %s where the recorded run made %s %u", what,
                 entry_kv ? "storage/view call" : "HTTP request", n);
        return false;
    }
    if (e.req_len != req_len || (req_len && memcmp(e.req, req, req_len) != 0)) {
        snprintf(h->last_error, sizeof h->last_error,
                 "%s replay: %s %u differs from the recorded one (the program did not run as recorded)",
                 kv ? "transcript" : "HTTP", kv ? "storage/view call" : "request", n);
        return false;
    }
    *code = (int)e.code;
    *resp = NULL;
    *resp_len = 0;
    if (e.code == HOSTAPI_OK) {
        *resp = malloc(e.resp_len ? e.resp_len : 1);
        if (!*resp) {
            snprintf(h->last_error, sizeof h->last_error, "out of host memory");
            return false;
        }
        memcpy(*resp, e.resp, e.resp_len);
        *resp_len = e.resp_len;
    }
    return true;
}

bool hostapi_replay_complete(const hostapi_ctx *h) { return !h->replay || h->replay_off >= h->replay_len; }

void hostapi_transcript_free(hostapi_ctx *h)
{
    free(h->rec);
    free(h->replay);
}
