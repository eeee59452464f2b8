/*
 * sha256 — prints the SHA-256 of its input (stdin) in hex, like
 * `sha256sum | cut -d' ' -f1`.
 *
 * FIPS 180-4 from the examples' shared header (include/ol_sha256.h); the
 * input is streamed in 64 KiB reads, so it may be large. Shows that OutLayer
 * programs can do real computation with deterministic results.
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 sha256.c -o sha256.wasm
 *   run:    outlayer run sha256.wasm --input somefile
 */
#include <stdio.h>

#include "include/ol_sha256.h"

int main(void)
{
    static uint8_t buf[65536];
    ol_sha256_ctx s;
    ol_sha256_init(&s);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        ol_sha256_update(&s, buf, n);
    if (ferror(stdin)) {
        fputs("sha256: cannot read stdin\n", stderr);
        return 1;
    }
    uint8_t digest[32];
    ol_sha256_final(&s, digest);
    for (int i = 0; i < 32; i++)
        printf("%02x", digest[i]);
    putchar('\n');
    return 0;
}
