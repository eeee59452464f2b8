/*
 * tierrun.c — the interpreter against the compiling tier on one module
 * (issue 17; driven by tests/diff/tiers.py on binaryen's random modules).
 *
 *   tierrun M.wasm [FUEL]
 *
 * Loads M.wasm once per tier and runs it the way diffrun does (every
 * function import logs its arguments and returns zeros; every exported
 * function is called with zero arguments, after "hangLimitInitializer"),
 * with FUEL (default 20,000,000) given afresh before each call. Each tier's
 * transcript records every logged value and result bit for bit (NaN
 * payloads included), each trap's kind and message, and the fuel each call
 * used. The transcripts must be identical: exit 0 when they are, 1 with the
 * first difference when not, 2 when the compiling tier did not take the
 * module (it would compare the interpreter with itself).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tier_transcript.h"

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(b, cap *= 2);
            if (!nb)
                free(b);
            b = nb;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: tierrun M.wasm [FUEL]\n");
        return 64;
    }
    uint64_t fuel = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000000u;
    size_t len;
    uint8_t *bytes = read_file(argv[1], &len);
    if (!bytes) {
        perror(argv[1]);
        return 66;
    }
    bool wrong_i = false, wrong_j = false;
    char *a = tier_transcript(bytes, len, OLW_ENGINE_INTERP, fuel, 65536, &wrong_i);
    char *b = tier_transcript(bytes, len, OLW_ENGINE_JIT, fuel, 65536, &wrong_j);
    free(bytes);
    if (!a || !b) {
        fprintf(stderr, "tierrun: out of memory\n");
        return 70;
    }
    int rc = 0;
    if (wrong_j) {
        printf("the compiling tier did not take the module\n");
        rc = 2;
    } else if (strcmp(a, b) != 0) {
        size_t i = 0, line = 1, start = 0;
        for (; a[i] && a[i] == b[i]; i++)
            if (a[i] == '\n') {
                line++;
                start = i + 1;
            }
        printf("tiers differ at line %zu:\n  interp: %.*s\n  jit:    %.*s\n", line, (int)strcspn(a + start, "\n"),
               a + start, (int)strcspn(b + start, "\n"), b + start);
        rc = 1;
    } else {
        size_t calls = 0;
        for (const char *p = a; (p = strstr(p, "\ncall ")); p++)
            calls++;
        printf("same: %zu calls, %zu bytes of transcript\n", calls + (strncmp(a, "call ", 5) == 0), strlen(a));
    }
    free(a);
    free(b);
    return rc;
}
