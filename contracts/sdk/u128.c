/* u128.c — decimal conversion and checked arithmetic for u128. Division by
 * 10 is done with 64-bit halves so no compiler runtime helper is needed. */
#include "u128.h"
#include "sdk.h"

bool u128_parse(const char *s, size_t n, u128 *out)
{
    size_t i = 0;
    if (n > 0 && s[0] == '+')
        i = 1;
    if (i == n)
        return false;
    u128 v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        u128 digit = (u128)(s[i] - '0');
        if (v > (U128_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

/* Divides v by 10 in place and returns the remainder, using only 64-bit
 * divisions (long division over two 64-bit limbs split into 32-bit parts). */
static unsigned divmod10(u128 *v)
{
    uint64_t hi = (uint64_t)(*v >> 64), lo = (uint64_t)*v;
    uint64_t qhi = hi / 10, r = hi % 10;
    uint64_t mid = (r << 32) | (lo >> 32);
    uint64_t qmid = mid / 10;
    r = mid % 10;
    uint64_t low = (r << 32) | (lo & 0xffffffffu);
    uint64_t qlow = low / 10;
    r = low % 10;
    *v = ((u128)qhi << 64) | ((u128)qmid << 32) | qlow;
    return (unsigned)r;
}

size_t u128_format(u128 v, char out[U128_DEC_MAX])
{
    char tmp[U128_DEC_MAX];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + divmod10(&v));
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

u128 u128_add(u128 a, u128 b)
{
    u128 r = a + b;
    if (r < a)
        sdk_panic("attempt to add with overflow");
    return r;
}

u128 u128_mul(u128 a, u128 b)
{
    if (a != 0 && b > U128_MAX / a)
        sdk_panic("attempt to multiply with overflow");
    return a * b;
}

u128 u128_sub_sat(u128 a, u128 b) { return a > b ? a - b : 0; }

u128 u128_min(u128 a, u128 b) { return a < b ? a : b; }
