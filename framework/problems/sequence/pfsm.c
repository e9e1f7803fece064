/*
 * seq-pfsm-i<instance>: sequences of a probabilistic finite-state machine, after the
 * branching task of Ahmadi and Tani (PV-RNN, Neural Computation 31(11), 2019): three states
 * s0, s1, s2 at the 2-D points P0 = (-0.6, -0.3), P1 = (0, 0.6), P2 = (0.6, -0.3); each
 * transition emits a smooth primitive of SEG = 15 steps from its state's point to the next
 * one's. A sequence is one cycle, 45 steps of 2 features:
 *   steps  0..14  s0 -> s1, primitive A (bulge +0.25);
 *   steps 15..29  s1 -> s2, the branch: primitive B (bulge +0.3) with probability 0.3,
 *                 primitive C (bulge -0.3) with probability 0.7;
 *   steps 30..44  s2 -> s0, primitive D (bulge +0.25).
 * Step i of a primitive from F to G with bulge a is F + e(u) (G - F) + a sin(pi u) n, with
 * u = (i + 1) / SEG, e(u) = (1 - cos(pi u)) / 2 (starts and stops smoothly) and n the unit
 * normal of G - F turned counter-clockwise; then Gaussian noise of standard deviation 0.01
 * on every value. The clean curves stay within [-0.7, 0.7], the values are clamped to the
 * documented range [-0.8, 0.8] (which the noise reaches only beyond 8 standard deviations).
 *
 * Branch labels: exactly round(0.3 N) of the N sequences of each set take B, in an order
 * drawn at random (stratified, so that the data's frequency is 0.3, not 0.3 +- noise); the
 * host keeps the labels. The classifier branch_of reads a sequence's branch from its values
 * alone: the primitive (B or C, noise-free) nearest in squared distance over steps 15..29;
 * the branch frequency of generated sequences is the fraction classified B. 100 training
 * and 100 test sequences, all drawn from a generator seeded by the instance.
 */
#include "seq_problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEG 15
#define PFSM_LENGTH (3 * SEG)
#define PFSM_TRAIN 100
#define PFSM_TEST 100
#define PFSM_P 0.3
#define PFSM_NOISE 0.01
#define PFSM_LIMIT 0.8

static const double points[3][2] = {{-0.6, -0.3}, {0.0, 0.6}, {0.6, -0.3}};

/* The noise-free primitive from point f to point g with bulge a: SEG steps into x[SEG][2]. */
static void primitive(const double *f, const double *g, double a, double *x)
{
    const double pi = 3.14159265358979323846;
    double dx = g[0] - f[0], dy = g[1] - f[1], len = sqrt(dx * dx + dy * dy);
    double nx = -dy / len, ny = dx / len;
    for (int i = 0; i < SEG; i++) {
        double u = (i + 1.0) / SEG, e = 0.5 * (1.0 - cos(pi * u)), b = a * sin(pi * u);
        x[2 * i] = f[0] + e * dx + b * nx;
        x[2 * i + 1] = f[1] + e * dy + b * ny;
    }
}

/* The two noise-free sequences, branch B (0) and branch C (1): PFSM_LENGTH x 2 each. */
typedef struct pfsm {
    double clean[2][PFSM_LENGTH * 2];
} pfsm;

static void make_templates(pfsm *m)
{
    for (int branch = 0; branch < 2; branch++) {
        double *x = m->clean[branch];
        primitive(points[0], points[1], 0.25, x);
        primitive(points[1], points[2], branch == 0 ? 0.3 : -0.3, x + 2 * SEG);
        primitive(points[2], points[0], 0.25, x + 4 * SEG);
    }
}

/* The nearest branch's template over the branch segment: 0 (B, probability 0.3) or 1 (C). */
static int branch_of(const pb__seq_problem *p, const double *x)
{
    const pfsm *m = p->model;
    double d[2] = {0.0, 0.0};
    for (int branch = 0; branch < 2; branch++)
        for (int i = 2 * SEG; i < 4 * SEG; i++) {
            double e = x[i] - m->clean[branch][i];
            d[branch] += e * e;
        }
    return d[0] <= d[1] ? 0 : 1;
}

/* n sequences with their labels: round(0.3 n) of branch 0 in a random order, then noise. */
static void draw_set(pb_rng *rng, const pfsm *m, uint32_t n, double *x, uint8_t *label)
{
    uint32_t first = (uint32_t)lround(PFSM_P * n);
    for (uint32_t i = 0; i < n; i++)
        label[i] = i >= first;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = (uint32_t)pb_rng_below(rng, i);
        uint8_t t = label[i - 1];
        label[i - 1] = label[j];
        label[j] = t;
    }
    for (uint32_t i = 0; i < n; i++)
        for (int k = 0; k < PFSM_LENGTH * 2; k++) {
            double v = m->clean[label[i]][k] + PFSM_NOISE * pb_rng_normal(rng);
            x[(size_t)i * PFSM_LENGTH * 2 + k] = v < -PFSM_LIMIT ? -PFSM_LIMIT
                                                 : v > PFSM_LIMIT ? PFSM_LIMIT : v;
        }
}

static int open_pfsm(unsigned long inst, pb__problem **out, char *err, size_t errlen)
{
    pb__seq_problem *p = pb__seq_problem_new(2, PFSM_LENGTH, PFSM_TRAIN, PFSM_TEST,
                                             -PFSM_LIMIT, PFSM_LIMIT);
    pfsm *m = malloc(sizeof *m);
    if (p) {
        p->model = m;
        p->model_free = free;
        p->train_branch = malloc(PFSM_TRAIN);
        p->test_branch = malloc(PFSM_TEST);
    }
    if (!p || !m || !p->train_branch || !p->test_branch) {
        if (p)
            pb__problem_close(&p->base);
        else
            free(m);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    make_templates(m);
    p->branch_of = branch_of;
    p->branch_p = PFSM_P;
    pb_rng rng;
    pb_rng_seed(&rng, 0x7066736du /* "pfsm" */, inst);
    draw_set(&rng, m, PFSM_TRAIN, p->train, p->train_branch);
    draw_set(&rng, m, PFSM_TEST, p->test, p->test_branch);
    *out = &p->base;
    return 0;
}

const pb__numbered_family pb__family_seq_pfsm =
    PB__INSTANCE_FAMILY(pb__kind_sequence, "seq-pfsm",
        "probabilistic finite-state machine: 45 steps x 2, three 15-step primitives per cycle, "
        "a branch taken with probability 0.3 / 0.7, noise 0.01; 100 train, 100 test sequences",
        open_pfsm);
