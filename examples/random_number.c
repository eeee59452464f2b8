/*
 * random_number — a uniformly random integer in a range (the reference's
 * random-ark, in C).
 *
 * Input:  {"min": 1, "max": 100}   (unsigned 32-bit integers)
 * Output: {"random_number": N}     with min <= N <= max (min when equal)
 * Errors (non-zero exit, nothing on stdout, the reason on stderr — on
 * OutLayer the request fails with it and all but the base fee is refunded):
 * "max must be >= min", and input that is not such a JSON object.
 *
 * The randomness is the worker's (WASI random_get); rejection sampling keeps
 * every value equally likely.
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 random_number.c -o random_number.wasm
 *   run:    outlayer run random_number.wasm --input - <<< '{"min":1,"max":6}'
 *   output: {"random_number":4}
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *skip_ws(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

/* Parses {"min": u32, "max": u32} (any order, both required, nothing else). */
static int parse(const char *p, uint32_t *min, uint32_t *max)
{
    int have_min = 0, have_max = 0;
    p = skip_ws(p);
    if (*p++ != '{')
        return -1;
    for (;;) {
        p = skip_ws(p);
        if (*p++ != '"')
            return -1;
        const char *key = p;
        while (*p && *p != '"')
            p++;
        if (*p != '"')
            return -1;
        size_t key_len = (size_t)(p - key);
        p = skip_ws(p + 1);
        if (*p++ != ':')
            return -1;
        p = skip_ws(p);
        if (!isdigit((unsigned char)*p))
            return -1;
        uint64_t v = 0;
        while (isdigit((unsigned char)*p)) {
            v = v * 10 + (uint64_t)(*p++ - '0');
            if (v > UINT32_MAX)
                return -1;
        }
        if (key_len == 3 && memcmp(key, "min", 3) == 0 && !have_min)
            *min = (uint32_t)v, have_min = 1;
        else if (key_len == 3 && memcmp(key, "max", 3) == 0 && !have_max)
            *max = (uint32_t)v, have_max = 1;
        else
            return -1;
        p = skip_ws(p);
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p++ != '}')
            return -1;
        return *skip_ws(p) == 0 && have_min && have_max ? 0 : -1;
    }
}

int main(void)
{
    static char in[4096];
    size_t n = fread(in, 1, sizeof in - 1, stdin);
    in[n] = 0;
    uint32_t min = 0, max = 0;
    if (parse(in, &min, &max) != 0) {
        fputs("Error: expected input like {\"min\": 1, \"max\": 100} (unsigned 32-bit integers)\n", stderr);
        return 1;
    }
    if (max < min) {
        fputs("Error: max must be >= min\n", stderr);
        return 1;
    }
    uint64_t span = (uint64_t)max - min + 1, limit = UINT64_MAX - UINT64_MAX % span, r;
    do {
        if (getentropy(&r, sizeof r) != 0) {
            fputs("Error: no randomness available\n", stderr);
            return 1;
        }
    } while (r >= limit);
    printf("{\"random_number\":%llu}", (unsigned long long)(min + r % span));
    return 0;
}
