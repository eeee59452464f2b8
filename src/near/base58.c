/* base58.c — bitcoin-alphabet base58, as NEAR shows hashes and keys.
 * Inputs are short (at most a few hundred bytes), so the simple quadratic
 * big-number conversion is fine. */
#include "near/encoding.h"

#include <stdlib.h>
#include <string.h>

static const char ALPHABET[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int near_base58_encode(const uint8_t *data, size_t n, char *out, size_t cap)
{
    size_t zeros = 0;
    while (zeros < n && data[zeros] == 0)
        zeros++;
    /* Digits in base 58, least significant first. */
    size_t size = (n - zeros) * 138 / 100 + 1;
    uint8_t *digits = calloc(size ? size : 1, 1);
    if (!digits)
        return -1;
    size_t used = 0;
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = data[i];
        size_t j = 0;
        for (; j < used || carry; j++) {
            if (j == used)
                used++;
            carry += 256u * digits[j];
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    size_t total = zeros + used;
    if (total + 1 > cap) {
        free(digits);
        return -1;
    }
    for (size_t i = 0; i < zeros; i++)
        out[i] = '1';
    for (size_t i = 0; i < used; i++)
        out[zeros + i] = ALPHABET[digits[used - 1 - i]];
    out[total] = '\0';
    free(digits);
    return (int)total;
}

static int digit_of(char c)
{
    const char *p = c ? strchr(ALPHABET, c) : NULL;
    return p ? (int)(p - ALPHABET) : -1;
}

int near_base58_decode(const char *text, uint8_t *out, size_t cap)
{
    size_t n = strlen(text);
    size_t zeros = 0;
    while (zeros < n && text[zeros] == '1')
        zeros++;
    /* Bytes, least significant first. */
    size_t size = n * 733 / 1000 + 1;
    uint8_t *bytes = calloc(size, 1);
    if (!bytes)
        return -1;
    size_t used = 0;
    for (size_t i = zeros; i < n; i++) {
        int d = digit_of(text[i]);
        if (d < 0) {
            free(bytes);
            return -1;
        }
        unsigned carry = (unsigned)d;
        for (size_t j = 0; j < used || carry; j++) {
            if (j == used)
                used++;
            carry += 58u * bytes[j];
            bytes[j] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
    }
    size_t total = zeros + used;
    if (total > cap) {
        free(bytes);
        return -1;
    }
    memset(out, 0, zeros);
    for (size_t i = 0; i < used; i++)
        out[zeros + i] = bytes[used - 1 - i];
    free(bytes);
    return (int)total;
}

near_status near_base58_decode_exact(const char *text, uint8_t *out, size_t len)
{
    /* Decode into a larger scratch buffer so a too-long input is reported
     * as a length mismatch rather than silently truncated. */
    uint8_t tmp[256];
    if (len > sizeof tmp)
        return NEAR_ERR_INVALID;
    int got = near_base58_decode(text, tmp, sizeof tmp);
    if (got < 0 || (size_t)got != len)
        return NEAR_ERR_INVALID;
    memcpy(out, tmp, len);
    return NEAR_OK;
}
