/*
 * plugbench's side of the PV-RNN benchmark (bench/pvrnn/run.sh runs it beside the authors'
 * group's C++ and PyTorch codes on the same data and network sizes).
 *
 *   bench_pvrnn write DIR N
 *       writes the data set: N PFSM training sequences (plugins/pvrnn/tests/seq_test.h,
 *       60 steps x 2) to DIR/learning_data/target_%07d.txt and one held-out sequence to
 *       DIR/test_data/target_0000000.txt, tab-separated rows, the authors' format;
 *   bench_pvrnn time DIR N T X D1 Z1 TAU1 W1 D2 Z2 TAU2 W2 EPOCHS REPS WINDOW ITERS ER_LR
 *       reads them back and times the pvrnn plugin, driven through its descriptor: REPS
 *       repetitions of EPOCHS training epochs (an epoch is one step() on a full batch of the
 *       N sequences) and of error regression over the test sequence (one predict() call,
 *       one step ahead); prints one line per repetition:
 *           ours <rep> <ms per epoch> <ms per error-regression step>
 *       D2 = 0 means one layer.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "seq_test.h"

const pb_plugin *pb_plugin_entry(void);

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void write_sequence(const char *path, const double *x, uint32_t T, uint32_t X)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    for (uint32_t t = 0; t < T; t++)
        for (uint32_t i = 0; i < X; i++)
            fprintf(f, "%.17g%c", x[(size_t)t * X + i], i + 1 < X ? '\t' : '\n');
    fclose(f);
}

/* Reads T rows of X numbers; returns the rows read. */
static uint32_t read_sequence(const char *path, double *x, uint32_t T, uint32_t X)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    uint32_t n = 0;
    while (n < (size_t)T * X && fscanf(f, "%lf", &x[n]) == 1)
        n++;
    fclose(f);
    return n / X;
}

static int write_data(const char *dir, uint64_t N)
{
    char path[4096];
    double *x = malloc((N + 1) * PFSM_LEN * 2 * sizeof *x);
    pb_rng rng;
    pb_rng_seed(&rng, 2019, 0);
    pfsm_generate(&rng, N + 1, x, NULL);
    snprintf(path, sizeof path, "%s/learning_data", dir);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/test_data", dir);
    mkdir(path, 0777);
    for (uint64_t k = 0; k < N; k++) {
        snprintf(path, sizeof path, "%s/learning_data/target_%07llu.txt", dir,
                 (unsigned long long)k);
        write_sequence(path, x + k * PFSM_LEN * 2, PFSM_LEN, 2);
    }
    snprintf(path, sizeof path, "%s/test_data/target_0000000.txt", dir);
    write_sequence(path, x + N * PFSM_LEN * 2, PFSM_LEN, 2);
    free(x);
    return 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int time_plugin(int argc, char **argv)
{
    if (argc != 19) {
        fprintf(stderr, "bench_pvrnn time: 16 arguments expected\n");
        return 2;
    }
    const char *dir = argv[2];
    uint32_t N = (uint32_t)atoi(argv[3]), T = (uint32_t)atoi(argv[4]), X = (uint32_t)atoi(argv[5]);
    int epochs = atoi(argv[14]), reps = atoi(argv[15]);
    char path[4096];
    double *data = malloc((size_t)N * T * X * sizeof *data), *test = malloc((size_t)T * X * sizeof *test);
    for (uint32_t k = 0; k < N; k++) {
        snprintf(path, sizeof path, "%s/learning_data/target_%07u.txt", dir, k);
        if (read_sequence(path, data + (size_t)k * T * X, T, X) != T) {
            fprintf(stderr, "%s: fewer than %u rows\n", path, T);
            return 1;
        }
    }
    snprintf(path, sizeof path, "%s/test_data/target_0000000.txt", dir);
    uint32_t L = read_sequence(path, test, T, X);

    seq_host h;
    seq_run r;
    seq_host_init(&h, data, N, T, X, -1.0, 1.0, 1);
    seq_run_init(&r, pb_plugin_entry());
    int two = atoi(argv[10]) > 0;
    seq_run_param(&r, "layers", two ? 2 : 1);
    seq_run_param(&r, "d1", atof(argv[6]));
    seq_run_param(&r, "z1", atof(argv[7]));
    seq_run_param(&r, "tau1", atof(argv[8]));
    seq_run_param(&r, "w1", atof(argv[9]));
    if (two) {
        seq_run_param(&r, "d2", atof(argv[10]));
        seq_run_param(&r, "z2", atof(argv[11]));
        seq_run_param(&r, "tau2", atof(argv[12]));
        seq_run_param(&r, "w2", atof(argv[13]));
    }
    seq_run_param(&r, "batch", N);
    seq_run_param(&r, "lr", 0.001);
    seq_run_param(&r, "er_window", atof(argv[16]));
    seq_run_param(&r, "er_iterations", atof(argv[17]));
    seq_run_param(&r, "er_lr", atof(argv[18]));
    if (seq_run_create(&r, &h, 1) != 0)
        return 1;
    double *out = malloc((size_t)L * X * sizeof *out);
    double *train = malloc(reps * sizeof *train), *er = malloc(reps * sizeof *er);
    seq_run_steps(&r, 2); /* warm-up: first touches, the adaptive vectors' first pass */
    for (int k = 0; k < reps; k++) {
        double t0 = seconds();
        seq_run_steps(&r, (uint64_t)epochs);
        train[k] = (seconds() - t0) / epochs;
        t0 = seconds();
        seq_predict(&r, test, L, 1, out);
        er[k] = (seconds() - t0) / (L - 1);
        printf("ours %d %.6f %.6f\n", k, 1e3 * train[k], 1e3 * er[k]);
        fflush(stdout);
    }
    qsort(train, reps, sizeof *train, compare_doubles);
    qsort(er, reps, sizeof *er, compare_doubles);
    fprintf(stderr, "# ours: median %.4f ms per epoch, %.4f ms per error-regression step\n",
            1e3 * train[reps / 2], 1e3 * er[reps / 2]);
    seq_run_destroy(&r);
    seq_host_free(&h);
    free(data), free(test), free(out), free(train), free(er);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "write") == 0)
        return write_data(argv[2], (uint64_t)atoll(argv[3]));
    if (argc >= 2 && strcmp(argv[1], "time") == 0)
        return time_plugin(argc, argv);
    fprintf(stderr, "usage: bench_pvrnn write DIR N | time DIR N T X D1 Z1 TAU1 W1 D2 Z2 TAU2 "
                    "W2 EPOCHS REPS WINDOW ITERS ER_LR\n");
    return 2;
}
