/*
 * plugbench's side of the KoVAE benchmark (bench/kovae/run.sh runs it beside the authors'
 * PyTorch code, azencot-group/KoVAE, on the same data and network sizes).
 *
 *   bench_kovae write FILE N T D
 *       writes the data set: N sines sequences of T steps x D features, the authors'
 *       sine_data_generation (utils/utils_data.py, from TimeGAN): feature k of a sequence
 *       is (sin(f t + p) + 1) / 2 with f, p ~ U(0, 0.1) drawn per sequence and feature;
 *       raw native doubles, sequence-major [N,T,D] (numpy.fromfile reads them);
 *   bench_kovae time FILE N T D HIDDEN Z_DIM LAYERS BATCH STEPS REPS
 *       reads them back into memory and times the kovae plugin, driven through its
 *       descriptor (create, step) by a small in-memory host (plugins/pvrnn/tests/seq_test.h:
 *       minibatches drawn from epoch-wise random permutations); after 2 warm-up steps, REPS
 *       repetitions of STEPS training steps (one step: the batch, the noise, forward, loss,
 *       backward, Adam), one line per repetition:
 *           ours <rep> <ms per step>
 * One thread: the plugin sets OpenBLAS to one thread itself (create()).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seq_test.h"

const pb_plugin *pb_plugin_entry(void);

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int write_data(const char *path, uint32_t N, uint32_t T, uint32_t D)
{
    size_t n = (size_t)N * T * D;
    double *x = malloc(n * sizeof *x);
    if (!x)
        return 1;
    pb_rng rng;
    pb_rng_seed(&rng, 2024, 0);
    for (uint32_t s = 0; s < N; s++)
        for (uint32_t k = 0; k < D; k++) {
            double f = 0.1 * pb_rng_uniform(&rng), p = 0.1 * pb_rng_uniform(&rng);
            for (uint32_t t = 0; t < T; t++)
                x[((size_t)s * T + t) * D + k] = 0.5 * (sin(f * t + p) + 1.0);
        }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(x, sizeof *x, n, f) != n) {
        perror(path);
        free(x);
        return 1;
    }
    fclose(f);
    free(x);
    return 0;
}

static int time_plugin(int argc, char **argv)
{
    if (argc != 12) {
        fprintf(stderr, "bench_kovae time: 10 arguments expected\n");
        return 2;
    }
    const char *path = argv[2];
    uint32_t N = (uint32_t)atoi(argv[3]), T = (uint32_t)atoi(argv[4]), D = (uint32_t)atoi(argv[5]);
    int steps = atoi(argv[10]), reps = atoi(argv[11]);
    size_t n = (size_t)N * T * D;
    double *data = malloc(n * sizeof *data);
    FILE *f = fopen(path, "rb");
    if (!data || !f || fread(data, sizeof *data, n, f) != n) {
        fprintf(stderr, "%s: fewer than %zu numbers\n", path, n);
        return 1;
    }
    fclose(f);

    seq_host h;
    seq_run r;
    seq_host_init(&h, data, N, T, D, 0.0, 1.0, 1);
    seq_run_init(&r, pb_plugin_entry());
    seq_run_param(&r, "hidden", atof(argv[6]));
    seq_run_param(&r, "z_dim", atof(argv[7]));
    seq_run_param(&r, "layers", atof(argv[8]));
    seq_run_param(&r, "batch", atof(argv[9]));
    seq_run_param(&r, "lr", 7e-4);
    seq_run_param(&r, "w_kl", 0.007);
    seq_run_param(&r, "w_pred", 0.005);
    if (seq_run_create(&r, &h, 1) != 0)
        return 1;
    if (seq_run_steps(&r, 2) != PB_CONTINUE) /* warm-up: first touches */
        return 1;
    for (int k = 0; k < reps; k++) {
        double t0 = seconds();
        if (seq_run_steps(&r, (uint64_t)steps) != PB_CONTINUE)
            return 1;
        printf("ours %d %.6f\n", k, 1e3 * (seconds() - t0) / steps);
        fflush(stdout);
    }
    seq_run_destroy(&r);
    seq_host_free(&h);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "write") == 0)
        return write_data(argv[2], (uint32_t)atoi(argv[3]), (uint32_t)atoi(argv[4]),
                          (uint32_t)atoi(argv[5]));
    if (argc >= 2 && strcmp(argv[1], "time") == 0)
        return time_plugin(argc, argv);
    fprintf(stderr, "usage: bench_kovae write FILE N T D | time FILE N T D HIDDEN Z_DIM LAYERS "
                    "BATCH STEPS REPS\n");
    return 2;
}
