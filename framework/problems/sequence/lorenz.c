/*
 * seq-lorenz-i<instance>: windows of a trajectory of the Lorenz system (E. N. Lorenz,
 * "Deterministic nonperiodic flow", J. Atmos. Sci. 20, 1963),
 *     x' = sigma (y - x),  y' = x (rho - z) - y,  z' = x y - beta z,
 * sigma 10, rho 28, beta 8/3, integrated by the classical fourth-order Runge-Kutta method
 * with step DT = 0.01 from (1, 1, 1) + U(-1, 1)^3 (drawn from a generator seeded by the
 * instance). The first BURN = 2000 steps (20 time units, onto the attractor) are dropped;
 * the trajectory is then sampled every EVERY = 3 steps (0.03 time units) and cut into
 * 1200 contiguous, non-overlapping windows of 24 samples: the first 1000 windows are the
 * training set, the last 200 the test set, so every test step comes after every training
 * step. Each coordinate is min-max scaled to [0, 1] over all 1200 windows (the scale is
 * the only thing the test part lends the training part); describe() records the raw
 * minimum and maximum of each coordinate (x = min + v (max - min) maps back).
 */
#include "seq_problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define LZ_SIGMA 10.0
#define LZ_RHO 28.0
#define LZ_BETA (8.0 / 3.0)
#define LZ_DT 0.01
#define LZ_BURN 2000
#define LZ_EVERY 3
#define LZ_LENGTH 24
#define LZ_TRAIN 1000
#define LZ_TEST 200

static void lorenz(const double *s, double *ds)
{
    ds[0] = LZ_SIGMA * (s[1] - s[0]);
    ds[1] = s[0] * (LZ_RHO - s[2]) - s[1];
    ds[2] = s[0] * s[1] - LZ_BETA * s[2];
}

/* One classical RK4 step of LZ_DT, in place. */
static void rk4(double *s)
{
    double k1[3], k2[3], k3[3], k4[3], t[3];
    lorenz(s, k1);
    for (int i = 0; i < 3; i++)
        t[i] = s[i] + 0.5 * LZ_DT * k1[i];
    lorenz(t, k2);
    for (int i = 0; i < 3; i++)
        t[i] = s[i] + 0.5 * LZ_DT * k2[i];
    lorenz(t, k3);
    for (int i = 0; i < 3; i++)
        t[i] = s[i] + LZ_DT * k3[i];
    lorenz(t, k4);
    for (int i = 0; i < 3; i++)
        s[i] += LZ_DT / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
}

/* The raw range of each coordinate, for describe(). */
typedef struct lz_scale {
    double min[3], max[3];
} lz_scale;

static void describe_scale(const pb__seq_problem *p, cJSON *obj)
{
    const lz_scale *s = p->model;
    cJSON_AddItemToObject(obj, "raw_min", cJSON_CreateDoubleArray(s->min, 3));
    cJSON_AddItemToObject(obj, "raw_max", cJSON_CreateDoubleArray(s->max, 3));
}

static int open_lorenz(unsigned long inst, pb__problem **out, char *err, size_t errlen)
{
    pb__seq_problem *p = pb__seq_problem_new(3, LZ_LENGTH, LZ_TRAIN, LZ_TEST, 0.0, 1.0);
    lz_scale *sc = malloc(sizeof *sc);
    if (!p || !sc) {
        if (p)
            pb__problem_close(&p->base);
        free(sc);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->model = sc;
    p->model_free = free;
    p->describe_extra = describe_scale;
    pb_rng rng;
    pb_rng_seed(&rng, 0x6c6f727au /* "lorz" */, inst);
    double s[3];
    for (int i = 0; i < 3; i++)
        s[i] = 1.0 + pb_rng_uniform_in(&rng, -1.0, 1.0);
    for (int k = 0; k < LZ_BURN; k++)
        rk4(s);
    /* The train and test arrays hold consecutive windows: one trajectory, cut in two. */
    size_t train_values = (size_t)LZ_TRAIN * LZ_LENGTH * 3;
    size_t all = (size_t)(LZ_TRAIN + LZ_TEST) * LZ_LENGTH;
    for (size_t j = 0; j < all; j++) {
        double *v = j * 3 < train_values ? p->train + j * 3 : p->test + j * 3 - train_values;
        memcpy(v, s, sizeof s);
        for (int k = 0; k < LZ_EVERY; k++)
            rk4(s);
    }
    for (int i = 0; i < 3; i++) {
        sc->min[i] = sc->max[i] = p->train[i];
        for (size_t j = 0; j < all; j++) {
            double v = j * 3 < train_values ? p->train[j * 3 + i]
                                            : p->test[j * 3 - train_values + i];
            sc->min[i] = v < sc->min[i] ? v : sc->min[i];
            sc->max[i] = v > sc->max[i] ? v : sc->max[i];
        }
    }
    for (size_t j = 0; j < all; j++) {
        double *v = j * 3 < train_values ? p->train + j * 3 : p->test + j * 3 - train_values;
        for (int i = 0; i < 3; i++)
            v[i] = (v[i] - sc->min[i]) / (sc->max[i] - sc->min[i]);
    }
    *out = &p->base;
    return 0;
}

const pb__numbered_family pb__family_seq_lorenz =
    PB__INSTANCE_FAMILY(pb__kind_sequence, "seq-lorenz",
        "Lorenz system (10, 28, 8/3) by RK4, dt 0.01, sampled every 0.03: windows of 24 x 3, "
        "min-max scaled; 1000 train then 200 test windows of one trajectory",
        open_lorenz);
