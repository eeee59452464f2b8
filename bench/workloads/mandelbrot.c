/* mandelbrot — floating-point loop with an early exit: counts, for every
 * point of a SIZE x SIZE grid over [-2,0.5] x [-1.25,1.25], the iterations
 * (at most 50) before |z| > 2, and hashes the escape counts.
 * SIZE = grid side (default 1800); work grows with SIZE^2. */
#include "bench_common.h"

int main(int argc, char **argv)
{
    long size = bench_size(argc, argv, 1800);
    uint64_t h = 0;
    for (long y = 0; y < size; y++) {
        double ci = 2.5 * (double)y / (double)size - 1.25;
        uint64_t row = 0;
        for (long x = 0; x < size; x++) {
            double cr = 2.5 * (double)x / (double)size - 2.0;
            double zr = 0, zi = 0, zr2 = 0, zi2 = 0;
            int it = 0;
            while (it < 50 && zr2 + zi2 <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                it++;
            }
            row = row * 31 + (uint64_t)it;
        }
        h = bench_mix(h, row);
    }
    bench_report("mandelbrot", size, h);
    return 0;
}
