/*
 * bench_common.h — what every benchmark workload shares.
 *
 * A workload is a WASI command (and the same source builds natively): it
 * takes one optional size parameter, runs a deterministic computation and
 * prints one line "<name> <size> <checksum>". The checksum lets the driver
 * check that every engine computed exactly what the native build computed.
 *
 * The size comes from argv[1] when given, otherwise from the first integer
 * on stdin when stdin is not a terminal; with neither, the workload's
 * default (sized to run about a second on a fast interpreter).
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long bench_size(int argc, char **argv, long default_size)
{
    char *end;
    long v;
    if (argc > 1) {
        v = strtol(argv[1], &end, 10);
        if (end != argv[1] && v > 0)
            return v;
        fprintf(stderr, "usage: %s [SIZE]   (SIZE must be a positive integer)\n", argv[0]);
        exit(2);
    }
    if (!isatty(0) && scanf("%ld", &v) == 1 && v > 0)
        return v;
    return default_size;
}

static void bench_report(const char *name, long size, uint64_t checksum)
{
    printf("%s %ld %016" PRIx64 "\n", name, size, checksum);
}

/* A small, fast, well-mixed PRNG (xorshift64*): same sequence everywhere. */
typedef struct {
    uint64_t s;
} bench_rng;

static inline uint64_t bench_rand(bench_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

/* Folds a value into a running checksum (order-sensitive). */
static inline uint64_t bench_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h;
}

/* Checksum of a double that does not depend on printf's rounding. */
static inline uint64_t bench_f64_bits(double d)
{
    union {
        double d;
        uint64_t u;
    } x = {d};
    return x.u;
}

#endif
