/* fib — integer calls and recursion: naive recursive Fibonacci.
 * SIZE = n (default 37); work grows by ~1.6x per step of n. */
#include "bench_common.h"

/* noinline keeps the recursion a real call chain at every optimisation level. */
__attribute__((noinline)) static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 37);
    uint64_t h = 0;
    /* A few smaller calls too, so the checksum covers more than one value. */
    for (long k = n - 3; k <= n; k++)
        h = bench_mix(h, fib((uint32_t)k));
    bench_report("fib", n, h);
    return 0;
}
