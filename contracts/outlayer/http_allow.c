/* http_allow.c — request_execution's optional `http_allow`: the request's
 * narrowing of the worker's HTTP allow-list (docs/contract.md,
 * docs/program-api.md "Policy"). The same syntax as the worker's
 * --http-allow and the same rules as src/hostapi (hostapi_allow_validate):
 * patterns separated by commas and/or spaces, each "*", "*.name", "name"
 * (DNS labels of letters, digits and '-'), a dotted IPv4 address or a
 * bracketed IPv6 address; at most OL_HTTP_ALLOW_MAX bytes. Checked here so a
 * bad list fails the call instead of a job. */
#include "outlayer.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_xdigit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static bool all_digits_dots(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]) && s[i] != '.')
            return false;
    return n > 0;
}

static bool dns_name(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
                return false;
            label = 0;
        } else if (is_alnum(s[i]) || s[i] == '-') {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

static bool ipv4(const char *s, size_t n)
{
    unsigned parts = 0, digits = 0, v = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (digits == 0 || v > 255)
                return false;
            parts++;
            digits = v = 0;
        } else if (is_digit(s[i]) && digits < 3) {
            v = v * 10 + (unsigned)(s[i] - '0');
            digits++;
        } else {
            return false;
        }
    }
    return parts == 4;
}

static bool ipv6_literal(const char *s, size_t n)
{
    if (n < 4 || n > 47 || s[0] != '[' || s[n - 1] != ']')
        return false;
    size_t colons = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] == ':')
            colons++;
        else if (!is_xdigit(s[i]) && s[i] != '.')
            return false;
    }
    return colons >= 2;
}

static bool pattern_ok(const char *p, size_t n)
{
    if (n == 1 && p[0] == '*')
        return true;
    if (n > 2 && p[0] == '*' && p[1] == '.')
        return dns_name(p + 2, n - 2) && !all_digits_dots(p + 2, n - 2);
    if (p[0] == '[')
        return ipv6_literal(p, n);
    if (all_digits_dots(p, n))
        return ipv4(p, n);
    return dns_name(p, n);
}

struct ol_str ol_parse_http_allow(const struct jr_value *v)
{
    if (v->type != JR_STRING)
        sdk_panic("http_allow must be a string of host patterns separated by commas");
    struct ol_str s = ol_json_str(v);
    if (s.n > OL_HTTP_ALLOW_MAX) {
        struct buf b;
        buf_init(&b);
        buf_str(&b, "http_allow is ");
        buf_u64(&b, s.n);
        buf_str(&b, " bytes, more than the limit of ");
        buf_u64(&b, OL_HTTP_ALLOW_MAX);
        sdk_panic_buf(&b);
    }
    size_t i = 0;
    while (i < s.n) {
        while (i < s.n && (s.s[i] == ',' || s.s[i] == ' '))
            i++;
        size_t start = i;
        while (i < s.n && s.s[i] != ',' && s.s[i] != ' ')
            i++;
        if (i > start && !pattern_ok(s.s + start, i - start)) {
            size_t n = i - start > 80 ? 80 : i - start;
            struct buf b;
            buf_init(&b);
            buf_str(&b, "http_allow: bad host pattern ");
            ol_debug_str(&b, (struct ol_str){s.s + start, n});
            buf_str(&b, " (expected \"*\", \"*.example.com\", \"example.com\", an IPv4 address or \"[IPv6]\")");
            sdk_panic_buf(&b);
        }
    }
    return s;
}
