/* pem.c — PEM certificate blocks, base64 and hex. */
#include "dcap.h"
#include "mem.h"

static const char BEGIN[] = "-----BEGIN CERTIFICATE-----";
static const char END[] = "-----END CERTIFICATE-----";

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static const uint8_t *find(const uint8_t *p, size_t len, const char *needle, size_t nlen)
{
    for (size_t i = 0; nlen <= len && i <= len - nlen; i++)
        if (memcmp(p + i, needle, nlen) == 0)
            return p + i;
    return NULL;
}

bool pem_next_cert(struct der *pem, uint8_t *out, size_t cap, size_t *out_len, bool *error)
{
    *error = false;
    const uint8_t *b = find(pem->p, pem->len, BEGIN, sizeof BEGIN - 1);
    if (!b) {
        /* only whitespace / NULs may remain */
        for (size_t i = 0; i < pem->len; i++)
            if (pem->p[i] != ' ' && pem->p[i] != '\n' && pem->p[i] != '\r' && pem->p[i] != '\t' && pem->p[i] != 0)
                *error = true;
        return false;
    }
    const uint8_t *body = b + sizeof BEGIN - 1;
    size_t rest = pem->len - (size_t)(body - pem->p);
    const uint8_t *end = find(body, rest, END, sizeof END - 1);
    if (!end) {
        *error = true;
        return false;
    }
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    size_t n = 0;
    for (const uint8_t *p = body; p < end; p++) {
        uint8_t c = *p;
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad) {
            *error = true;
            return false;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap) {
                *error = true;
                return false;
            }
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    if (pad > 2) {
        *error = true;
        return false;
    }
    *out_len = n;
    const uint8_t *after = end + sizeof END - 1;
    pem->len -= (size_t)(after - pem->p);
    pem->p = after;
    return n > 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool dcap_hex_decode(const char *hex, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (len % 2 || len / 2 > cap)
        return false;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = len / 2;
    return true;
}

void dcap_hex_encode(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = 0;
}
