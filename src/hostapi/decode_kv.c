/*
 * decode_kv.c — the pure pieces of storage and views: method names, the
 * key-list encoding a program reads after storage_list, and the
 * coordinator's /storage/list reply turned into it. They judge bytes from
 * programs and from the network, so they are fuzzed
 * (tests/fuzz/fuzz_hostapi_kv.c).
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hostapi/kv.h"

const char *hostapi_kv_errno_name(int code)
{
    switch (code) {
    case HOSTAPI_ENOT_FOUND: return "enot_found";
    case HOSTAPI_ETOO_BIG: return "etoo_big";
    case HOSTAPI_EQUOTA: return "equota";
    case HOSTAPI_EUNAVAILABLE: return "eunavailable";
    case HOSTAPI_EVIEW: return "eview";
    case HOSTAPI_EJOB_BYTES: return "ejob_bytes";
    default: return hostapi_errno_name(code);
    }
}

bool hostapi_valid_method_name(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 256)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum(p[i]) || p[i] == '_'))
            return false;
    return true;
}

static uint8_t *le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
    return p + 4;
}

int hostapi_kv_list_encode(const uint8_t *const *keys, const uint32_t *klens, uint32_t n, const uint8_t *next,
                           uint32_t next_len, uint8_t **out, size_t *out_len)
{
    size_t size = 4 + 4 + (next ? next_len : 0);
    for (uint32_t i = 0; i < n; i++)
        size += 4 + (size_t)klens[i];
    uint8_t *buf = malloc(size), *p = buf;
    if (!buf)
        return HOSTAPI_EUNAVAILABLE;
    p = le32(p, n);
    for (uint32_t i = 0; i < n; i++) {
        p = le32(p, klens[i]);
        if (klens[i])
            memcpy(p, keys[i], klens[i]);
        p += klens[i];
    }
    p = le32(p, next ? next_len : 0);
    if (next && next_len)
        memcpy(p, next, next_len);
    *out = buf;
    *out_len = size;
    return HOSTAPI_OK;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* hex text of 1..HOSTAPI_KV_MAX_KEY bytes -> bytes in out; its length, or -1 */
static int unhex(const char *s, uint8_t out[HOSTAPI_KV_MAX_KEY])
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n % 2 || n / 2 > HOSTAPI_KV_MAX_KEY)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

int hostapi_kv_list_from_json(const char *body, size_t len, uint32_t limit, uint8_t **out, size_t *out_len)
{
    json_t *j = json_loadb(body, len, 0, NULL);
    json_t *keys = json_object_get(j, "keys"), *next = json_object_get(j, "next_cursor");
    int rc = HOSTAPI_EUNAVAILABLE;
    size_t n = json_array_size(keys);
    uint8_t(*kb)[HOSTAPI_KV_MAX_KEY] = NULL;
    const uint8_t **kp = NULL;
    uint32_t *kl = NULL;
    uint8_t nb[HOSTAPI_KV_MAX_KEY];
    int nl = 0;
    if (!json_is_array(keys) || n > limit || (next && !json_is_null(next) && !json_is_string(next)))
        goto out;
    if (json_is_string(next) && (nl = unhex(json_string_value(next), nb)) < 0)
        goto out;
    kb = calloc(n ? n : 1, sizeof *kb);
    kp = calloc(n ? n : 1, sizeof *kp);
    kl = calloc(n ? n : 1, sizeof *kl);
    if (!kb || !kp || !kl)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int l = unhex(json_string_value(json_array_get(keys, i)), kb[i]);
        if (l < 0)
            goto out;
        kp[i] = kb[i];
        kl[i] = (uint32_t)l;
    }
    rc = hostapi_kv_list_encode(kp, kl, (uint32_t)n, json_is_string(next) ? nb : NULL, (uint32_t)nl, out, out_len);
out:
    free(kb);
    free(kp);
    free(kl);
    json_decref(j);
    return rc;
}
