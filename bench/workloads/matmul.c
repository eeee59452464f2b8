/* matmul — dense double-precision matrix multiply C = A * B (i-k-j loop
 * order, row-major), repeated with the result fed back. SIZE = n, the
 * matrix order (default 300); work grows with n^3. */
#include "bench_common.h"

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 300);
    size_t nn = (size_t)n * (size_t)n;
    double *a = malloc(nn * sizeof(double));
    double *b = malloc(nn * sizeof(double));
    double *c = malloc(nn * sizeof(double));
    if (!a || !b || !c)
        return 1;
    bench_rng rng = {42};
    for (size_t i = 0; i < nn; i++) {
        a[i] = (double)(bench_rand(&rng) % 1000) / 1000.0 - 0.5;
        b[i] = (double)(bench_rand(&rng) % 1000) / 1000.0 - 0.5;
    }
    uint64_t h = 0;
    for (int rep = 0; rep < 4; rep++) {
        for (size_t i = 0; i < nn; i++)
            c[i] = 0;
        for (long i = 0; i < n; i++)
            for (long k = 0; k < n; k++) {
                double aik = a[i * n + k];
                const double *brow = b + k * n;
                double *crow = c + i * n;
                for (long j = 0; j < n; j++)
                    crow[j] += aik * brow[j];
            }
        /* Scale the product back into a's range and use it as the next a. */
        double maxabs = 0;
        for (size_t i = 0; i < nn; i++) {
            double v = c[i] < 0 ? -c[i] : c[i];
            if (v > maxabs)
                maxabs = v;
        }
        for (size_t i = 0; i < nn; i++)
            a[i] = c[i] / maxabs;
        h = bench_mix(h, bench_f64_bits(maxabs));
        h = bench_mix(h, bench_f64_bits(c[nn / 2 + (size_t)rep]));
    }
    bench_report("matmul", n, h);
    free(a);
    free(b);
    free(c);
    return 0;
}
