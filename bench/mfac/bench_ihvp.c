/*
 * bench_ihvp: times M-FAC's dynamic IHVP step (mfac_dynamic_update_mul: replace the oldest
 * gradient, refactor, multiply the new gradient by F^-1) in double precision, one thread,
 * for each d and m given, and measures the machine's read bandwidth in the same run.
 *
 *   bench_ihvp [--reps R] [--d D1,D2,...] [--m M1,M2,...]
 *
 * The window is first set to m random gradients (mfac_dynamic_fill), then R steady-state
 * steps are timed one by one; the median is reported. The bandwidth bound of a step is two
 * streaming reads of the m x d buffer (G g, then G^T y) at the measured read bandwidth.
 * Output: one line per (d, m), tab-separated, with a header; see bench/mfac/README.md.
 * Set OPENBLAS_NUM_THREADS=1 (run.sh does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "mfac.h"
#include "plugbench/rng.h"
#include "stats.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Sums n doubles with 8 independent accumulators: a pure streaming read. */
__attribute__((noinline)) static double read_sum(const double *a, size_t n)
{
    double s[8] = {0};
    size_t blocks = n / 8;
    for (size_t b = 0; b < blocks; b++)
        for (size_t k = 0; k < 8; k++)
            s[k] += a[8 * b + k];
    for (size_t i = 8 * blocks; i < n; i++)
        s[0] += a[i];
    return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

/* Best read bandwidth in bytes/s over 7 passes of a buffer of the given size, each pass
 * timed twice: the scalar sum above and OpenBLAS's vectorized dasum (the kernels of the
 * IHVP are OpenBLAS's, so the bound uses the best read rate either reaches). */
static double read_bandwidth(size_t bytes)
{
    size_t n = bytes / sizeof(double);
    double *a = malloc(n * sizeof(double));
    if (!a)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        a[i] = (double)(i & 1023);
    double best = 1e300;
    volatile double sink = 0.0;
    for (int r = 0; r < 7; r++) {
        double t0 = now();
        sink += read_sum(a, n);
        double t = now() - t0;
        best = t < best ? t : best;
        t0 = now();
        sink += cblas_dasum((int)n, a, 1);
        t = now() - t0;
        best = t < best ? t : best;
    }
    (void)sink;
    free(a);
    return (double)(n * sizeof(double)) / best;
}

static int parse_list(const char *s, double *out, int max)
{
    int n = 0;
    while (*s && n < max) {
        char *end;
        out[n++] = strtod(s, &end);
        if (end == s)
            return -1;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

int main(int argc, char **argv)
{
    double ds[8] = {1e3, 1e4, 1e5, 1e6}, ms[8] = {32, 256};
    int nd = 4, nm = 2, reps = 11;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--d") == 0 && i + 1 < argc)
            nd = parse_list(argv[++i], ds, 8);
        else if (strcmp(argv[i], "--m") == 0 && i + 1 < argc)
            nm = parse_list(argv[++i], ms, 8);
        else {
            fprintf(stderr, "usage: bench_ihvp [--reps R] [--d D1,D2,...] [--m M1,M2,...]\n");
            return 2;
        }
    }
    if (nd <= 0 || nm <= 0 || reps < 1 || reps > 1000) {
        fprintf(stderr, "bench_ihvp: bad --d, --m or --reps\n");
        return 2;
    }
    double bw = read_bandwidth((size_t)1 << 30);
    printf("# read bandwidth (1 GiB, best of 7 scalar sums and 7 dasum): %.2f GB/s\n", bw / 1e9);
    printf("impl\td\tm\tstep_ms\tbound_ms\tratio\n");
    pb_rng rng;
    pb_rng_seed(&rng, 1, 0);
    double *times = malloc((size_t)reps * sizeof(double));
    for (int a = 0; a < nd; a++)
        for (int b = 0; b < nm; b++) {
            uint32_t d = (uint32_t)ds[a], m = (uint32_t)ms[b];
            double *G = malloc((size_t)m * d * sizeof(double));
            double *g = malloc((size_t)d * sizeof(double)), *out = malloc((size_t)d * sizeof(double));
            mfac_dynamic *s = mfac_dynamic_new(m, d, 1e-5);
            if (!G || !g || !out || !s) {
                fprintf(stderr, "bench_ihvp: out of memory at d = %u, m = %u\n", d, m);
                return 1;
            }
            for (size_t k = 0; k < (size_t)m * d; k++)
                G[k] = pb_rng_uniform_in(&rng, -1.0, 1.0);
            mfac_dynamic_fill(s, G, m);
            free(G);
            for (int r = 0; r < reps; r++) {
                for (uint32_t k = 0; k < d; k++)
                    g[k] = pb_rng_uniform_in(&rng, -1.0, 1.0);
                double t0 = now();
                mfac_dynamic_update_mul(s, g, out);
                times[r] = now() - t0;
            }
            double t = pb__median(times, (size_t)reps), bound = 2.0 * m * (double)d * sizeof(double) / bw;
            printf("c\t%u\t%u\t%.4f\t%.4f\t%.2f\n", d, m, 1e3 * t, 1e3 * bound, t / bound);
            fflush(stdout);
            mfac_dynamic_free(s);
            free(g);
            free(out);
        }
    free(times);
    return 0;
}
