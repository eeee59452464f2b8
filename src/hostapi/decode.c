/*
 * decode.c — the request encoding of outlayer_v1.http_request and the host
 * allow-list. Both judge bytes and names from untrusted programs, so they
 * are small, pure and fuzzed (tests/fuzz/fuzz_hostapi_decode.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hostapi/hostapi.h"

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static bool read_u32(reader *r, uint32_t *v)
{
    if (r->left < 4)
        return false;
    *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    r->p += 4;
    r->left -= 4;
    return true;
}

static bool read_span(reader *r, hostapi_span *s)
{
    uint32_t n;
    if (!read_u32(r, &n) || n > r->left)
        return false;
    s->p = r->p;
    s->len = n;
    r->p += n;
    r->left -= n;
    return true;
}

static bool is_token_char(uint8_t c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool valid_method(hostapi_span m)
{
    if (m.len == 0 || m.len > 16)
        return false;
    for (uint32_t i = 0; i < m.len; i++)
        if (!isupper(m.p[i]))
            return false;
    return true;
}

/* "Name: value": a token, a colon, then visible text (no CR, LF or NUL). */
static bool valid_header(hostapi_span h)
{
    uint32_t i = 0;
    while (i < h.len && is_token_char(h.p[i]))
        i++;
    if (i == 0 || i >= h.len || h.p[i] != ':')
        return false;
    for (i++; i < h.len; i++)
        if (h.p[i] == '\r' || h.p[i] == '\n' || h.p[i] == 0)
            return false;
    return true;
}

int hostapi_decode_request(const uint8_t *buf, size_t len, hostapi_request *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    reader r = {buf, len};
    if (!read_span(&r, &out->method) || !valid_method(out->method)) {
        snprintf(err, errlen, "bad method (1..16 upper-case letters)");
        return HOSTAPI_EINVAL;
    }
    if (!read_span(&r, &out->url) || out->url.len == 0 || out->url.len > 8192 ||
        memchr(out->url.p, 0, out->url.len)) {
        snprintf(err, errlen, "bad url (1..8192 bytes, no NUL)");
        return HOSTAPI_EINVAL;
    }
    if (!read_u32(&r, &out->nheaders) || out->nheaders > HOSTAPI_MAX_HEADERS) {
        snprintf(err, errlen, "bad header count (at most %u)", HOSTAPI_MAX_HEADERS);
        return HOSTAPI_EINVAL;
    }
    for (uint32_t i = 0; i < out->nheaders; i++) {
        if (!read_span(&r, &out->headers[i]) || out->headers[i].len > 8192 || !valid_header(out->headers[i])) {
            snprintf(err, errlen, "header %u is not \"Name: value\" (at most 8192 bytes, no CR/LF/NUL)", i);
            return HOSTAPI_EINVAL;
        }
    }
    if (!read_span(&r, &out->body)) {
        snprintf(err, errlen, "bad body length");
        return HOSTAPI_EINVAL;
    }
    if (r.left != 0) {
        snprintf(err, errlen, "%zu trailing bytes after the body", r.left);
        return HOSTAPI_EINVAL;
    }
    return HOSTAPI_OK;
}

static bool is_ip_literal(const char *s, size_t n)
{
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
        return true;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]) && s[i] != '.')
            return false;
    return true;
}

static bool pattern_matches(const char *pat, size_t plen, const char *host)
{
    size_t hlen = strlen(host);
    if (plen == 1 && pat[0] == '*')
        return true;
    if (plen >= 2 && pat[0] == '*' && pat[1] == '.') {
        /* "*.example.com": host ends with ".example.com" and has a label before it */
        size_t slen = plen - 1; /* ".example.com" */
        return hlen > slen && strncasecmp(host + hlen - slen, pat + 1, slen) == 0;
    }
    return hlen == plen && strncasecmp(host, pat, plen) == 0;
}

bool hostapi_host_allowed(const char *allow, const char *host, bool *explicit_ip)
{
    if (explicit_ip)
        *explicit_ip = false;
    if (!allow || !host || !*host)
        return false;
    const char *p = allow;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (n > 0 && pattern_matches(p, n, host)) {
            if (explicit_ip)
                *explicit_ip = is_ip_literal(p, n);
            return true;
        }
        p += n;
    }
    return false;
}

/* A DNS name: labels of [A-Za-z0-9-] (1..63, not starting or ending in '-'), at most 253 bytes. */
static bool valid_dns_name(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
                return false;
            label = 0;
        } else if (isalnum((unsigned char)s[i]) || s[i] == '-') {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

/* Dotted IPv4: four decimal parts 0..255. */
static bool valid_ipv4(const char *s, size_t n)
{
    unsigned parts = 0, digits = 0, v = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (digits == 0 || v > 255)
                return false;
            parts++;
            digits = v = 0;
        } else if (isdigit((unsigned char)s[i]) && digits < 3) {
            v = v * 10 + (unsigned)(s[i] - '0');
            digits++;
        } else {
            return false;
        }
    }
    return parts == 4;
}

/* "[...]" holding hex digits, ':' and '.' (an embedded IPv4), 2..45 characters inside. */
static bool valid_ipv6_literal(const char *s, size_t n)
{
    if (n < 4 || n > 47 || s[0] != '[' || s[n - 1] != ']')
        return false;
    size_t colons = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] == ':')
            colons++;
        else if (!isxdigit((unsigned char)s[i]) && s[i] != '.')
            return false;
    }
    return colons >= 2;
}

bool hostapi_allow_validate(const char *allow, char *err, size_t errlen)
{
    if (!allow)
        return true;
    size_t total = strlen(allow);
    if (total > HOSTAPI_ALLOW_MAX_LEN) {
        snprintf(err, errlen, "the list is %zu bytes (at most %u)", total, HOSTAPI_ALLOW_MAX_LEN);
        return false;
    }
    const char *p = allow;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 0)
            break;
        bool ok;
        if (n == 1 && p[0] == '*')
            ok = true;
        else if (n > 2 && p[0] == '*' && p[1] == '.')
            ok = valid_dns_name(p + 2, n - 2) && !is_ip_literal(p + 2, n - 2);
        else if (p[0] == '[')
            ok = valid_ipv6_literal(p, n);
        else if (is_ip_literal(p, n))
            ok = valid_ipv4(p, n);
        else
            ok = valid_dns_name(p, n);
        if (!ok) {
            snprintf(err, errlen,
                     "bad host pattern \"%.*s\" (expected \"*\", \"*.example.com\", \"example.com\", an IPv4 "
                     "address or \"[IPv6]\")",
                     (int)(n > 80 ? 80 : n), p);
            return false;
        }
        p += n;
    }
    return true;
}

const char *hostapi_errno_name(int code)
{
    static const char *const names[] = {
        "ok",           "einval",        "efault",   "edisabled",  "escheme",
        "ehost",        "eaddr",         "etoo_many", "erequest_too_large",
        "eresponse_too_large", "etimeout", "enetwork", "eredirects", "eno_response", "ebuffer",
    };
    if (code < 0 || (size_t)code >= sizeof names / sizeof names[0])
        return "unknown";
    return names[code];
}
