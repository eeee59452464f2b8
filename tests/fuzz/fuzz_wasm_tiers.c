/*
 * fuzz_wasm_tiers.c — libFuzzer target: the interpreter against the
 * compiling tier (issue 17). Each input is loaded under both tiers and run
 * as tests/diff/tier_transcript.h describes (every export called with zero
 * arguments under a small fuel budget); the two transcripts (values and
 * results bit for bit, traps with their messages, fuel per call) must be
 * identical, and a valid module must get the compiling tier. Either
 * failing aborts with both transcripts' first difference.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../diff/tier_transcript.h"

#define FUZZ_FUEL 100000
#define FUZZ_MAX_PAGES 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool wrong_i = false, wrong_j = false;
    char *a = tier_transcript(data, size, OLW_ENGINE_INTERP, FUZZ_FUEL, FUZZ_MAX_PAGES, &wrong_i);
    char *b = tier_transcript(data, size, OLW_ENGINE_JIT, FUZZ_FUEL, FUZZ_MAX_PAGES, &wrong_j);
    if (!a || !b) {
        free(a);
        free(b);
        return 0;
    }
    bool loaded = strncmp(a, "load failed", 11) != 0;
    if (loaded && wrong_j) {
        fprintf(stderr, "fuzz_wasm_tiers: a valid module did not get the compiling tier\n");
        abort();
    }
    if (strcmp(a, b) != 0) {
        size_t i = 0, start = 0;
        for (; a[i] && a[i] == b[i]; i++)
            if (a[i] == '\n')
                start = i + 1;
        fprintf(stderr, "fuzz_wasm_tiers: the tiers differ:\n  interp: %.*s\n  jit:    %.*s\n",
                (int)strcspn(a + start, "\n"), a + start, (int)strcspn(b + start, "\n"), b + start);
        abort();
    }
    free(a);
    free(b);
    return 0;
}
