/* sort — memory-bound compares and swaps: sorts 2^18 pseudo-random 32-bit
 * keys with a median-of-three quicksort (insertion sort for small ranges)
 * and then merge-sorts a second array. SIZE = repetitions (default 4). */
#include "bench_common.h"

#define N (1u << 18)

static uint32_t a[N], b[N], tmp[N];

static void insertion_sort(uint32_t *v, long lo, long hi)
{
    for (long i = lo + 1; i <= hi; i++) {
        uint32_t x = v[i];
        long j = i - 1;
        while (j >= lo && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static void quick_sort(uint32_t *v, long lo, long hi)
{
    while (hi - lo > 16) {
        /* Median of three as pivot. */
        long mid = lo + (hi - lo) / 2;
        uint32_t x = v[lo], y = v[mid], z = v[hi];
        uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                uint32_t t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger. */
        if (j - lo < hi - i) {
            quick_sort(v, lo, j);
            lo = i;
        } else {
            quick_sort(v, i, hi);
            hi = j;
        }
    }
    insertion_sort(v, lo, hi);
}

static void merge_sort(uint32_t *v, uint32_t *t, long n)
{
    for (long width = 1; width < n; width *= 2) {
        for (long lo = 0; lo < n; lo += 2 * width) {
            long mid = lo + width < n ? lo + width : n;
            long hi = lo + 2 * width < n ? lo + 2 * width : n;
            long i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                t[k++] = v[i] <= v[j] ? v[i++] : v[j++];
            while (i < mid)
                t[k++] = v[i++];
            while (j < hi)
                t[k++] = v[j++];
        }
        for (long k = 0; k < n; k++)
            v[k] = t[k];
    }
}

static uint64_t digest(const uint32_t *v, long n)
{
    uint64_t h = 0;
    for (long i = 0; i < n; i += 97)
        h = bench_mix(h, v[i]);
    for (long i = 1; i < n; i++)
        if (v[i - 1] > v[i])
            return 0; /* not sorted: the checksum will not match native */
    return h;
}

int main(int argc, char **argv)
{
    long reps = bench_size(argc, argv, 4);
    bench_rng rng = {0x5eed5eedULL};
    uint64_t h = 0;
    for (long r = 0; r < reps; r++) {
        for (uint32_t i = 0; i < N; i++) {
            uint64_t x = bench_rand(&rng);
            a[i] = (uint32_t)x;
            b[i] = (uint32_t)(x >> 32);
        }
        quick_sort(a, 0, N - 1);
        merge_sort(b, tmp, N);
        h = bench_mix(h, digest(a, N));
        h = bench_mix(h, digest(b, N));
    }
    bench_report("sort", reps, h);
    return 0;
}
