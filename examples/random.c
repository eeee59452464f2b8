/*
 * random — prints random bytes from the host's secure random source.
 *
 * Input: the number of bytes wanted (decimal, 1..4096; empty input = 32).
 * Output: that many bytes in hex on one line. getentropy() is WASI's
 * random_get underneath, which OutLayer serves from the OS CSPRNG. Because
 * the output differs on every run, a job using randomness is verifiable only
 * through the worker's TEE attestation, not by re-running it.
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 random.c -o random.wasm
 *   run:    echo 16 | outlayer run random.wasm --input -
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    char input[32] = "";
    size_t n = fread(input, 1, sizeof input - 1, stdin);
    input[n] = 0;
    long count = 32;
    const char *p = input;
    while (isspace((unsigned char)*p))
        p++;
    if (*p) {
        char *end;
        count = strtol(p, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (*end || count < 1 || count > 4096) {
            fprintf(stderr, "random: expected a byte count from 1 to 4096\n");
            return 2;
        }
    }
    unsigned char buf[4096];
    /* getentropy hands out at most 256 bytes per call. */
    for (long done = 0; done < count; done += 256) {
        size_t chunk = count - done < 256 ? (size_t)(count - done) : 256;
        if (getentropy(buf + done, chunk) != 0) {
            perror("random: getentropy");
            return 1;
        }
    }
    for (long i = 0; i < count; i++)
        printf("%02x", buf[i]);
    putchar('\n');
    return 0;
}
