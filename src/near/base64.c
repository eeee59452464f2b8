/* base64.c — standard padded base64 through libsodium. */
#include "near/encoding.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

char *near_base64_encode(const uint8_t *data, size_t n)
{
    size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(size);
    if (!out)
        return NULL;
    sodium_bin2base64(out, size, data ? data : (const uint8_t *)"", n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

near_status near_base64_decode(const char *text, uint8_t **out, size_t *n)
{
    size_t tlen = strlen(text);
    size_t cap = tlen / 4 * 3 + 3;
    uint8_t *buf = malloc(cap + 1);
    if (!buf)
        return NEAR_ERR_INVALID;
    size_t got = 0;
    const char *end = NULL;
    if (sodium_base642bin(buf, cap, text, tlen, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text + tlen) {
        free(buf);
        return NEAR_ERR_INVALID;
    }
    buf[got] = 0;
    *out = buf;
    *n = got;
    return NEAR_OK;
}
