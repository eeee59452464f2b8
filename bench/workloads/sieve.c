/* sieve — memory-bound byte array work: the sieve of Eratosthenes over
 * [0, 2^20), repeated. SIZE = repetitions (default 50). */
#include "bench_common.h"
#include <string.h>

#define SIEVE_LIMIT (1u << 20)

static uint8_t composite[SIEVE_LIMIT];

static uint32_t sieve(uint32_t limit)
{
    uint32_t count = 0;
    memset(composite, 0, limit);
    for (uint32_t i = 2; i < limit; i++) {
        if (composite[i])
            continue;
        count++;
        for (uint64_t j = (uint64_t)i * i; j < limit; j += i)
            composite[j] = 1;
    }
    return count;
}

int main(int argc, char **argv)
{
    long reps = bench_size(argc, argv, 50);
    uint64_t h = 0;
    for (long r = 0; r < reps; r++) {
        /* Vary the limit a little so no repetition can be skipped. */
        uint32_t limit = SIEVE_LIMIT - (uint32_t)(r & 15) * 1024;
        h = bench_mix(h, sieve(limit));
    }
    bench_report("sieve", reps, h);
    return 0;
}
