/*
 * store_coord.c — the storage backend of the worker: the coordinator's
 * /storage/... routes (docs/coordinator.md, "Program storage") for one
 * job, named by the lease the worker holds (the coordinator derives the
 * store's owner and project from the leased request), authenticated with
 * the worker's token. Keys travel as
 * hex, values as base64; the coordinator's JSON error "code" maps to the
 * program's error code. Each call's time is bounded by the job's deadline.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostapi/internal.h"
#include "hostapi/kv.h"

#define COORD_TIMEOUT_MS 10000L
#define COORD_MAX_REPLY ((size_t)1 << 20)

typedef struct {
    hostapi_store base;
    char *url, *auth, *lease, *owner, *project;
} coord_store;

typedef struct {
    char *buf;
    size_t len;
    bool too_big;
} sink;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    sink *s = ud;
    size_t add = sz * n;
    if (s->len + add > COORD_MAX_REPLY) {
        s->too_big = true;
        return 0;
    }
    char *nb = realloc(s->buf, s->len + add + 1);
    if (!nb)
        return 0;
    memcpy(nb + s->len, p, add);
    s->buf = nb;
    s->len += add;
    s->buf[s->len] = 0;
    return add;
}

static char *hex_of(const uint8_t *p, size_t n)
{
    char *h = malloc(2 * n + 1);
    if (h)
        sodium_bin2hex(h, 2 * n + 1, p, n);
    return h;
}

/* POSTs body (stolen) to /storage/<op>; HOSTAPI_OK with *reply (the body,
 * malloc'd) on 200, or the mapped error. */
static int post(coord_store *s, const char *op, json_t *body, char **reply, size_t *reply_len)
{
    *reply = NULL;
    if (s->lease)
        json_object_set_new(body, "lease_id", json_string(s->lease));
    else {
        json_object_set_new(body, "owner", json_string(s->owner));
        json_object_set_new(body, "project", json_string(s->project));
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        return HOSTAPI_EUNAVAILABLE;
    long timeout = COORD_TIMEOUT_MS;
    if (s->base.deadline_us) {
        uint64_t now = hostapi_now_us();
        if (now >= s->base.deadline_us) {
            free(text);
            return HOSTAPI_ETIMEOUT;
        }
        uint64_t left = (s->base.deadline_us - now) / 1000;
        if (left < (uint64_t)timeout)
            timeout = left ? (long)left : 1;
    }
    char url[1024];
    snprintf(url, sizeof url, "%s/storage/%s", s->url, op);
    CURL *c = curl_easy_init();
    sink out = {0};
    struct curl_slist *hdr = NULL;
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, s->auth);
    int code = HOSTAPI_EUNAVAILABLE;
    if (!c || !hdr)
        goto done;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        code = HOSTAPI_ETIMEOUT;
        snprintf(s->base.err, sizeof s->base.err, "coordinator /storage/%s timed out", op);
    } else if (rc != CURLE_OK) {
        snprintf(s->base.err, sizeof s->base.err, "coordinator /storage/%s: %s", op, curl_easy_strerror(rc));
    } else if (status == 200) {
        code = HOSTAPI_OK;
        *reply = out.buf ? out.buf : strdup("");
        *reply_len = out.len;
        out.buf = NULL;
    } else {
        json_t *j = out.buf ? json_loadb(out.buf, out.len, 0, NULL) : NULL;
        const char *ec = json_string_value(json_object_get(j, "code"));
        const char *em = json_string_value(json_object_get(j, "error"));
        if (ec && strcmp(ec, "not_found") == 0)
            code = HOSTAPI_ENOT_FOUND;
        else if (ec && strcmp(ec, "quota") == 0)
            code = HOSTAPI_EQUOTA;
        else if (ec && strcmp(ec, "too_large") == 0)
            code = HOSTAPI_ETOO_BIG;
        else if (ec && strcmp(ec, "invalid") == 0)
            code = HOSTAPI_EINVAL; /* (lease and other refusals stay EUNAVAILABLE) */
        /* the program's own outcomes (no key, quota, sizes) are not the store's failures */
        if (code == HOSTAPI_EUNAVAILABLE)
            snprintf(s->base.err, sizeof s->base.err, "coordinator /storage/%s: HTTP %ld: %.150s", op, status,
                     em ? em : "(no error text)");
        json_decref(j);
    }
done:
    curl_slist_free_all(hdr);
    if (c)
        curl_easy_cleanup(c);
    free(out.buf);
    free(text);
    return code;
}

static int c_get(hostapi_store *b, const uint8_t *key, uint32_t klen, uint8_t **val, size_t *vlen)
{
    coord_store *s = (coord_store *)b;
    char *hex = hex_of(key, klen), *reply = NULL;
    size_t rlen = 0;
    if (!hex)
        return HOSTAPI_EUNAVAILABLE;
    int code = post(s, "get", json_pack("{s:s}", "key", hex), &reply, &rlen);
    free(hex);
    if (code)
        return code;
    json_t *j = json_loadb(reply, rlen, 0, NULL);
    free(reply);
    const char *b64 = json_string_value(json_object_get(j, "value"));
    code = HOSTAPI_EUNAVAILABLE;
    if (b64) {
        size_t n = strlen(b64), cap = n / 4 * 3 + 3;
        uint8_t *bin = malloc(cap);
        if (bin && sodium_base642bin(bin, cap, b64, n, NULL, vlen, NULL, sodium_base64_VARIANT_ORIGINAL) == 0) {
            *val = bin;
            code = HOSTAPI_OK;
        } else
            free(bin);
    }
    json_decref(j);
    return code;
}

static int c_set(hostapi_store *b, const uint8_t *key, uint32_t klen, const uint8_t *val, uint32_t vlen)
{
    coord_store *s = (coord_store *)b;
    char *hex = hex_of(key, klen), *reply = NULL;
    size_t blen = sodium_base64_encoded_len(vlen, sodium_base64_VARIANT_ORIGINAL), rlen = 0;
    char *b64 = malloc(blen);
    int code = HOSTAPI_EUNAVAILABLE;
    if (hex && b64) {
        sodium_bin2base64(b64, blen, val, vlen, sodium_base64_VARIANT_ORIGINAL);
        code = post(s, "set", json_pack("{s:s, s:s}", "key", hex, "value", b64), &reply, &rlen);
    }
    free(reply);
    free(hex);
    free(b64);
    return code;
}

static int c_del(hostapi_store *b, const uint8_t *key, uint32_t klen)
{
    coord_store *s = (coord_store *)b;
    char *hex = hex_of(key, klen), *reply = NULL;
    size_t rlen = 0;
    int code = hex ? post(s, "delete", json_pack("{s:s}", "key", hex), &reply, &rlen) : HOSTAPI_EUNAVAILABLE;
    free(reply);
    free(hex);
    return code;
}

static int c_list(hostapi_store *b, const uint8_t *prefix, uint32_t plen, const uint8_t *cursor, uint32_t clen,
                  uint32_t limit, uint8_t **out, size_t *out_len)
{
    coord_store *s = (coord_store *)b;
    char *ph = hex_of(prefix, plen), *ch = hex_of(cursor, clen), *reply = NULL;
    size_t rlen = 0;
    int code = HOSTAPI_EUNAVAILABLE;
    if (ph && ch)
        code = post(s, "list", json_pack("{s:s, s:s, s:i}", "prefix", ph, "cursor", ch, "limit", (int)limit), &reply,
                    &rlen);
    free(ph);
    free(ch);
    if (code == HOSTAPI_OK) {
        code = hostapi_kv_list_from_json(reply, rlen, limit, out, out_len);
        if (code)
            snprintf(s->base.err, sizeof s->base.err, "coordinator /storage/list: unexpected reply");
    }
    free(reply);
    return code;
}

static void c_destroy(hostapi_store *b)
{
    coord_store *s = (coord_store *)b;
    if (s->auth)
        sodium_memzero(s->auth, strlen(s->auth));
    free(s->url);
    free(s->auth);
    free(s->lease);
    free(s->owner);
    free(s->project);
    free(s);
}

hostapi_store *hostapi_store_coordinator(const char *base_url, const char *token, const char *lease_id,
                                         const char *owner, const char *project)
{
    if (!base_url || (!lease_id && (!owner || !project)))
        return NULL;
    coord_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base = (hostapi_store){.get = c_get, .set = c_set, .del = c_del, .list = c_list, .destroy = c_destroy};
    s->url = strdup(base_url);
    if (lease_id)
        s->lease = strdup(lease_id);
    else {
        s->owner = strdup(owner);
        s->project = strdup(project);
    }
    if (token && asprintf(&s->auth, "Authorization: Bearer %s", token) < 0)
        s->auth = NULL;
    if (!token)
        s->auth = strdup("X-No-Auth: 1");
    if (!s->url || !s->auth || (lease_id ? !s->lease : !s->owner || !s->project)) {
        c_destroy(&s->base);
        return NULL;
    }
    size_t n = strlen(s->url);
    while (n > 0 && s->url[n - 1] == '/')
        s->url[--n] = 0;
    return &s->base;
}
