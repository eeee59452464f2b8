/* spectralnorm — double-precision floating point with division-heavy inner
 * loops: the spectral norm of the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1)
 * by the power method. SIZE = n, the matrix order (default 1400); work grows
 * with n^2. */
#include "bench_common.h"
#include <math.h>

static double eval_a(long i, long j) { return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1); }

static void mul_av(long n, const double *v, double *av)
{
    for (long i = 0; i < n; i++) {
        double sum = 0;
        for (long j = 0; j < n; j++)
            sum += eval_a(i, j) * v[j];
        av[i] = sum;
    }
}

static void mul_atv(long n, const double *v, double *atv)
{
    for (long i = 0; i < n; i++) {
        double sum = 0;
        for (long j = 0; j < n; j++)
            sum += eval_a(j, i) * v[j];
        atv[i] = sum;
    }
}

static void mul_atav(long n, const double *v, double *out, double *tmp)
{
    mul_av(n, v, tmp);
    mul_atv(n, tmp, out);
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 1400);
    double *u = malloc(sizeof(double) * (size_t)n);
    double *v = malloc(sizeof(double) * (size_t)n);
    double *tmp = malloc(sizeof(double) * (size_t)n);
    if (!u || !v || !tmp)
        return 1;
    for (long i = 0; i < n; i++)
        u[i] = 1;
    for (int i = 0; i < 10; i++) {
        mul_atav(n, u, v, tmp);
        mul_atav(n, v, u, tmp);
    }
    double vbv = 0, vv = 0;
    for (long i = 0; i < n; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    double norm = sqrt(vbv / vv);
    bench_report("spectralnorm", n, bench_f64_bits(norm));
    free(u);
    free(v);
    free(tmp);
    return 0;
}
