/*
 * seq-sines-i<instance>: TimeGAN's sines (Yoon, Jarrett and van der Schaar, NeurIPS 2019;
 * sine_data_generation in their data_loading.py). Every sequence has 24 steps of 5
 * features; for each sequence and feature a frequency f and a phase phi are drawn
 * uniformly in [0, 0.1), and x_t = (sin(f t + phi) + 1) / 2 for t = 0..23: TimeGAN's
 * scaling of [-1, 1] to [0, 1] (so value_min 0, value_max 1; since f t + phi < 2.4, the
 * values lie in [0.5, 1) in fact). 1000 training and 200 test sequences (TimeGAN draws
 * 10000; this is the CPU size), drawn from a generator seeded by the instance alone, the
 * training sequences first, and within a sequence f then phi for feature 0, 1, ...
 */
#include "seq_problem.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SINES_DIM 5
#define SINES_LENGTH 24
#define SINES_TRAIN 1000
#define SINES_TEST 200

/* One sequence into x (SINES_LENGTH * SINES_DIM values). */
static void sine_sequence(pb_rng *rng, double *x)
{
    for (uint32_t d = 0; d < SINES_DIM; d++) {
        double f = pb_rng_uniform_in(rng, 0.0, 0.1);
        double phi = pb_rng_uniform_in(rng, 0.0, 0.1);
        for (uint32_t t = 0; t < SINES_LENGTH; t++)
            x[t * SINES_DIM + d] = 0.5 * (sin(f * t + phi) + 1.0);
    }
}

static int open_sines(unsigned long inst, pb__problem **out, char *err, size_t errlen)
{
    pb__seq_problem *p = pb__seq_problem_new(SINES_DIM, SINES_LENGTH, SINES_TRAIN, SINES_TEST,
                                             0.0, 1.0);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pb_rng rng;
    pb_rng_seed(&rng, 0x73696e65u /* "sine" */, inst);
    size_t row = (size_t)SINES_LENGTH * SINES_DIM;
    for (uint32_t i = 0; i < SINES_TRAIN; i++)
        sine_sequence(&rng, p->train + i * row);
    for (uint32_t i = 0; i < SINES_TEST; i++)
        sine_sequence(&rng, p->test + i * row);
    *out = &p->base;
    return 0;
}

const pb__numbered_family pb__family_seq_sines =
    PB__INSTANCE_FAMILY(pb__kind_sequence, "seq-sines",
        "TimeGAN's sines: 24 steps x 5 features, (sin(f t + phase) + 1)/2, f and phase ~ "
        "U(0, 0.1); 1000 train, 200 test sequences",
        open_sines);
