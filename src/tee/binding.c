/*
 * binding.c — report_data binding, simulated measurements, hex and file
 * hashing for libtee.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "tee/sim_internal.h"
#include "tee/tee.h"

void tee_report_data(const uint8_t public_key[32], const char *register_id, const char *worker_account, uint8_t out[64])
{
    memcpy(out, public_key, 32);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int n = 32;
    if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(c, "outlayer-register-v1:", 21) != 1 ||
        EVP_DigestUpdate(c, register_id, strlen(register_id)) != 1 || EVP_DigestUpdate(c, ":", 1) != 1 ||
        EVP_DigestUpdate(c, worker_account, strlen(worker_account)) != 1 || EVP_DigestFinal_ex(c, out + 32, &n) != 1)
        memset(out + 32, 0, 32); /* never matches a binding: the registration is refused */
    EVP_MD_CTX_free(c);
}

static void sha384_label(const char *label, const uint8_t *extra, size_t extra_len, uint8_t out[48])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 48;
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha384(), NULL) != 1 || EVP_DigestUpdate(ctx, label, strlen(label)) != 1 ||
        (extra_len && EVP_DigestUpdate(ctx, extra, extra_len) != 1) || EVP_DigestFinal_ex(ctx, out, &n) != 1)
        memset(out, 0, 48);
    EVP_MD_CTX_free(ctx);
}

void tee_sim_measurements(const uint8_t exe_sha256[32], uint8_t out[5][48])
{
    sha384_label("outlayer-sim-mrtd:", exe_sha256, 32, out[0]);
    static const char *const labels[4] = {"outlayer-sim-rtmr0", "outlayer-sim-rtmr1", "outlayer-sim-rtmr2",
                                          "outlayer-sim-rtmr3"};
    for (int i = 0; i < 4; i++)
        sha384_label(labels[i], NULL, 0, out[i + 1]);
}

int tee_file_sha256(const char *path, uint8_t out[32])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
    uint8_t buf[65536];
    ssize_t n = 0;
    while (ok && (n = read(fd, buf, sizeof buf)) > 0)
        ok = EVP_DigestUpdate(c, buf, (size_t)n) == 1;
    close(fd);
    unsigned int len = 32;
    ok = ok && n == 0 && EVP_DigestFinal_ex(c, out, &len) == 1;
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

void tee_hex_into(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

char *tee_hex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (s)
        tee_hex_into(p, n, s);
    return s;
}

static int nibble(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int tee_unhex(const char *hex, uint8_t **out, size_t *out_len)
{
    size_t cap = strlen(hex) / 2 + 1, n = 0;
    uint8_t *b = malloc(cap);
    if (!b)
        return -1;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (isspace((unsigned char)*p))
            continue;
        int v = nibble((unsigned char)*p);
        if (v < 0) {
            free(b);
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            b[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        free(b);
        return -1;
    }
    *out = b;
    *out_len = n;
    return 0;
}
