/* amount.c — NEAR ↔ yoctoNEAR and gas text conversion. */
#include "near/amount.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Parses "<int>[.<frac>]" scaled by 10^decimals. Returns 0 or -1. */
static near_status parse_scaled(const char *s, size_t n, unsigned decimals, near_u128 *out)
{
    const char *dot = memchr(s, '.', n);
    size_t int_len = dot ? (size_t)(dot - s) : n;
    size_t frac_len = dot ? n - int_len - 1 : 0;
    if ((int_len == 0 && frac_len == 0) || frac_len > decimals || (dot && frac_len == 0))
        return NEAR_ERR_INVALID;
    near_u128 whole = 0, frac = 0, scale = 1;
    if (int_len && near_u128_parse_n(s, int_len, &whole))
        return NEAR_ERR_INVALID;
    if (frac_len && near_u128_parse_n(dot + 1, frac_len, &frac))
        return NEAR_ERR_INVALID;
    for (unsigned i = 0; i < decimals; i++)
        scale *= 10;
    for (size_t i = frac_len; i < decimals; i++)
        frac *= 10;
    near_u128 v;
    if (near_u128_mul(whole, scale, &v) || near_u128_add(v, frac, &v))
        return NEAR_ERR_INVALID;
    *out = v;
    return NEAR_OK;
}

static size_t trim_len(const char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

static const char *skip_spaces(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

near_status near_amount_parse_near(const char *text, near_u128 *yocto)
{
    if (!text)
        return NEAR_ERR_INVALID;
    const char *s = skip_spaces(text);
    size_t n = trim_len(s);
    if (n >= 4 && strncasecmp(s + n - 4, "near", 4) == 0) {
        n -= 4;
        while (n && s[n - 1] == ' ')
            n--;
    }
    return parse_scaled(s, n, 24, yocto);
}

/* Writes whole.frac with trailing fractional zeros dropped into out
 * (which must hold at least 2 * NEAR_U128_DEC_MAX bytes). */
static void format_scaled(near_u128 v, unsigned decimals, char *out)
{
    near_u128 scale = 1;
    for (unsigned i = 0; i < decimals; i++)
        scale *= 10;
    near_u128_format(v / scale, out);
    near_u128 f = v % scale;
    if (f == 0)
        return;
    char frac[NEAR_U128_DEC_MAX];
    near_u128_format(f, frac);
    size_t wlen = strlen(out), flen = strlen(frac), pad = decimals - flen;
    char *p = out + wlen;
    *p++ = '.';
    memset(p, '0', pad);
    memcpy(p + pad, frac, flen + 1);
    size_t plen = decimals;
    while (plen && p[plen - 1] == '0')
        p[--plen] = '\0';
}

char *near_amount_format_near(near_u128 yocto, char out[NEAR_AMOUNT_TEXT_MAX])
{
    char buf[2 * NEAR_U128_DEC_MAX];
    format_scaled(yocto, 24, buf);
    memcpy(out, buf, strlen(buf) + 1); /* ≤ 15 + 1 + 24 chars: fits */
    return out;
}

near_status near_gas_parse(const char *text, uint64_t *gas)
{
    if (!text)
        return NEAR_ERR_INVALID;
    const char *s = skip_spaces(text);
    size_t n = trim_len(s);
    unsigned decimals = 0;
    if (n >= 4 && strncasecmp(s + n - 3, "gas", 3) == 0) {
        char unit = s[n - 4];
        decimals = (unit == 'G' || unit == 'g')   ? 9
                   : (unit == 'T' || unit == 't') ? 12
                   : (unit == 'P' || unit == 'p') ? 15
                                                  : 0;
        if (!decimals)
            return NEAR_ERR_INVALID;
        n -= 4;
        while (n && s[n - 1] == ' ')
            n--;
    }
    near_u128 v;
    if (parse_scaled(s, n, decimals, &v) || v > UINT64_MAX)
        return NEAR_ERR_INVALID;
    *gas = (uint64_t)v;
    return NEAR_OK;
}

char *near_gas_format(uint64_t gas, char out[NEAR_GAS_TEXT_MAX])
{
    char num[2 * NEAR_U128_DEC_MAX];
    format_scaled(gas, 12, num);
    /* A u64 is < 2e7 Tgas: "whole.frac Tgas" is at most 27 bytes. */
    size_t n = strlen(num);
    memcpy(out, num, n);
    memcpy(out + n, " Tgas", 6);
    return out;
}
