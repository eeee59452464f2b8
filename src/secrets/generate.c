/* generate.c — see generate.h. */
#include "secrets/generate.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "near/encoding.h"

static char *random_hex(size_t bytes)
{
    uint8_t buf[64];
    char *out = malloc(2 * bytes + 1);
    if (!out)
        return NULL;
    randombytes_buf(buf, bytes);
    sodium_bin2hex(out, 2 * bytes + 1, buf, bytes);
    sodium_memzero(buf, sizeof buf);
    return out;
}

static char *random_password(size_t n)
{
    static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    /* randombytes_uniform is unbiased (rejection sampling). */
    for (size_t i = 0; i < n; i++)
        out[i] = ALPHABET[randombytes_uniform(sizeof ALPHABET - 1)];
    out[n] = 0;
    return out;
}

static char *random_ed25519(void)
{
    uint8_t seed[32];
    char b58[NEAR_BASE58_SIZE(32)];
    randombytes_buf(seed, sizeof seed);
    int len = near_base58_encode(seed, sizeof seed, b58, sizeof b58);
    sodium_memzero(seed, sizeof seed);
    if (len < 0)
        return NULL;
    char *out = malloc(8 + (size_t)len + 1);
    if (out)
        snprintf(out, 8 + (size_t)len + 1, "ed25519:%s", b58);
    sodium_memzero(b58, sizeof b58);
    return out;
}

char *sec_generate(const char *directive, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return NULL;
    }
    const char *d = directive ? directive : "";
    if (strncmp(d, SEC_GENERATE_PREFIX, strlen(SEC_GENERATE_PREFIX)) == 0)
        d += strlen(SEC_GENERATE_PREFIX);
    char type[32];
    const char *colon = strchr(d, ':');
    size_t tlen = colon ? (size_t)(colon - d) : strlen(d);
    if (tlen == 0 || tlen >= sizeof type) {
        snprintf(err, errlen, "Unknown secret type: %.40s", d);
        return NULL;
    }
    memcpy(type, d, tlen);
    type[tlen] = 0;
    const char *param = colon ? colon + 1 : NULL;
    if (param && strcmp(type, "password") != 0) {
        snprintf(err, errlen, "secret type %s takes no parameter", type);
        return NULL;
    }
    char *v = NULL;
    if (strcmp(type, "hex16") == 0)
        v = random_hex(16);
    else if (strcmp(type, "hex32") == 0 || strcmp(type, "ed25519_seed") == 0)
        v = random_hex(32);
    else if (strcmp(type, "hex64") == 0)
        v = random_hex(64);
    else if (strcmp(type, "ed25519") == 0)
        v = random_ed25519();
    else if (strcmp(type, "password") == 0) {
        unsigned long n = 32;
        if (param) {
            char *end = NULL;
            if (!*param || param[0] == '-' || param[0] == '+')
                n = SEC_PASSWORD_MAX + 1;
            else
                n = strtoul(param, &end, 10);
            if ((end && *end) || n > SEC_PASSWORD_MAX) {
                snprintf(err, errlen, "password length must be a number from 0 to %d, not '%.20s'", SEC_PASSWORD_MAX,
                         param);
                return NULL;
            }
        }
        v = random_password(n);
    } else {
        snprintf(err, errlen, "Unknown secret type: %s", type);
        return NULL;
    }
    if (!v)
        snprintf(err, errlen, "out of memory");
    return v;
}
