/* fuzz_dcap_collateral.c — arbitrary bytes as the collateral JSON: the real
 * sample quote is verified against it (real Intel root, a time inside the
 * sample's window), through both the full and the pre-verified paths. The
 * quote and root are read once from tests/register/data. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mem.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz_dcap_collateral: run from the repository root (%s)\n", path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*len);
    if (fread(b, 1, *len, f) != *len)
        abort();
    fclose(f);
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *quote, *root;
    static size_t quote_len, root_len;
    if (!quote) {
        quote = load("tests/register/data/tdx_quote", &quote_len);
        root = load("tests/register/data/TrustedRootCA.der", &root_len);
    }
    struct dcap_verified v;
    struct dcap_err e;
    int64_t now = 1750852800; /* 2025-06-25T12:00:00Z */
    (void)dcap_verify(quote, quote_len, data, size, root, root_len, now, &v, &e);
    sdk_mem_release_all();
    (void)dcap_verify_with_verified_collateral(quote, quote_len, data, size, root, root_len, now, &v, &e);
    sdk_mem_release_all();
    int64_t expires;
    (void)dcap_verify_collateral(data, size, root, root_len, now, &expires, &e);
    sdk_mem_release_all();
    return 0;
}
