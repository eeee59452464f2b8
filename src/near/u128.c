/* u128.c — decimal text and checked arithmetic for near_u128. */
#include "near/u128.h"

#include <string.h>

near_status near_u128_parse_n(const char *s, size_t n, near_u128 *out)
{
    if (!s || n == 0)
        return NEAR_ERR_INVALID;
    near_u128 v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c < '0' || c > '9')
            return NEAR_ERR_INVALID;
        unsigned d = (unsigned)(c - '0');
        if (v > (NEAR_U128_MAX - d) / 10)
            return NEAR_ERR_INVALID;
        v = v * 10 + d;
    }
    *out = v;
    return NEAR_OK;
}

near_status near_u128_parse(const char *s, near_u128 *out)
{
    if (!s)
        return NEAR_ERR_INVALID;
    return near_u128_parse_n(s, strlen(s), out);
}

char *near_u128_format(near_u128 v, char out[NEAR_U128_DEC_MAX])
{
    char tmp[NEAR_U128_DEC_MAX];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return out;
}

near_status near_u128_add(near_u128 a, near_u128 b, near_u128 *out)
{
    if (a > NEAR_U128_MAX - b)
        return NEAR_ERR_INVALID;
    *out = a + b;
    return NEAR_OK;
}

near_status near_u128_sub(near_u128 a, near_u128 b, near_u128 *out)
{
    if (b > a)
        return NEAR_ERR_INVALID;
    *out = a - b;
    return NEAR_OK;
}

near_status near_u128_mul(near_u128 a, near_u128 b, near_u128 *out)
{
    if (a != 0 && b > NEAR_U128_MAX / a)
        return NEAR_ERR_INVALID;
    *out = a * b;
    return NEAR_OK;
}

near_status near_u128_div(near_u128 a, near_u128 b, near_u128 *out)
{
    if (b == 0)
        return NEAR_ERR_INVALID;
    *out = a / b;
    return NEAR_OK;
}

int near_u128_cmp(near_u128 a, near_u128 b) { return a < b ? -1 : a > b ? 1 : 0; }
