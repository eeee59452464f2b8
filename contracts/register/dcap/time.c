/* time.c — ASN.1 and RFC 3339 UTC times to Unix seconds. */
#include "dcap.h"

static bool digits(const uint8_t *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool make_time(int y, int mo, int d, int h, int mi, int s, int64_t *out)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 60)
        return false;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return true;
}

bool dcap_asn1_time(uint8_t tag, struct der c, int64_t *out)
{
    int y, mo, d, h, mi, s;
    const uint8_t *p = c.p;
    if (tag == DER_UTC_TIME) {
        if (c.len != 13 || p[12] != 'Z' || !digits(p, 2, &y))
            return false;
        y += y < 50 ? 2000 : 1900;
        p += 2;
    } else if (tag == DER_GENERALIZED_TIME) {
        if (c.len != 15 || p[14] != 'Z' || !digits(p, 4, &y))
            return false;
        p += 4;
    } else {
        return false;
    }
    if (!digits(p, 2, &mo) || !digits(p + 2, 2, &d) || !digits(p + 4, 2, &h) || !digits(p + 6, 2, &mi) ||
        !digits(p + 8, 2, &s))
        return false;
    return make_time(y, mo, d, h, mi, s, out);
}

bool dcap_rfc3339(const char *str, size_t len, int64_t *out)
{
    const uint8_t *p = (const uint8_t *)str;
    int y, mo, d, h, mi, s;
    if (len < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't') || p[13] != ':' || p[16] != ':' ||
        (p[len - 1] != 'Z' && p[len - 1] != 'z'))
        return false;
    if (!digits(p, 4, &y) || !digits(p + 5, 2, &mo) || !digits(p + 8, 2, &d) || !digits(p + 11, 2, &h) ||
        !digits(p + 14, 2, &mi) || !digits(p + 17, 2, &s))
        return false;
    if (len > 20) { /* fractional seconds: ".ddd" */
        if (p[19] != '.' || len < 22)
            return false;
        int ignored;
        for (size_t i = 20; i < len - 1; i++)
            if (!digits(p + i, 1, &ignored))
                return false;
    }
    return make_time(y, mo, d, h, mi, s, out);
}
