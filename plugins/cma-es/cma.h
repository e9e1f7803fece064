/*
 * The (mu/mu_W, lambda)-CMA-ES of N. Hansen, "The CMA Evolution Strategy: A Tutorial",
 * arXiv:1604.00772: one run with a fixed population size, as an ask/tell engine. The
 * plugin (cma_es.c) evaluates the points and restarts; the tests inspect the state.
 * Equation numbers refer to the tutorial.
 */
#ifndef CMA_ES_CMA_H
#define CMA_ES_CMA_H

#include <stdint.h>

#include "plugbench/rng.h"

/* A member of the population: its value and its index in cma.x. */
typedef struct cma_ranked {
    double f;
    uint32_t k;
} cma_ranked;

typedef struct cma {
    uint32_t n, lambda, mu;

    /* Strategy parameters, Table 1 of the tutorial; fixed for the run. */
    double *w;     /* lambda recombination weights, (49)-(53): mu positive, the rest <= 0 */
    double sum_w;  /* sum of all lambda weights, used in (47) */
    double mueff;  /* variance effective selection mass of the positive weights */
    double cs, ds; /* cumulation and damping for step-size control, (55) */
    double cc, c1, cmu; /* cumulation and learning rates for C, (56)-(58) */
    double chi_n;  /* E||N(0, I)||, approximated as in the tutorial */
    uint32_t eigen_gap; /* generations between eigendecompositions */
    double tol_fun, tol_x; /* termination tolerances, tol_x absolute */

    /* The distribution: mean m, step size sigma, C = B diag(D)^2 B^T, paths ps and pc. */
    double *m, sigma, *ps, *pc;
    double *C;    /* n x n, row-major, kept exactly symmetric */
    double *B;    /* eigenvectors of C at the last decomposition, columns, row-major */
    double *D;    /* square roots of the eigenvalues of C at the last decomposition */
    int indefinite; /* the last decomposition found an eigenvalue <= 0 */
    uint64_t g;   /* generations completed */
    uint64_t eigen_g; /* generation of the last decomposition */

    /* The current population: points, their steps y = (x - m) / sigma, ||z||^2, values. */
    double *x, *y, *z2, *f;
    cma_ranked *ranked; /* the population sorted by f after a tell, best first */
    double *work;       /* 2n scratch doubles */
    double *eig_v, *eig_d, *eig_e; /* scratch for the eigendecomposition: n x n, n, n */

    /* Per-generation history of the best and the median value, a ring of hist_cap. */
    double *best_hist, *median_hist, *scratch;
    uint32_t hist_cap;
} cma;

/*
 * Allocates a run in dimension n with population size lambda >= 2 (mu = lambda / 2),
 * starting from mean m0 (n doubles, copied) with step size sigma0 and C = I. tol_fun is the
 * TolFun tolerance on f, tol_x the TolX tolerance (absolute, in x). Returns NULL when out
 * of memory.
 */
cma *cma_new(uint32_t n, uint32_t lambda, const double *m0, double sigma0, double tol_fun,
             double tol_x);

void cma_free(cma *s);

/* Samples the next population, x_k = m + sigma B D z_k (the tutorial's step 1). The caller
 * evaluates row k of s->x (n doubles) into s->f[k] for every k < lambda. */
void cma_ask(cma *s, pb_rng *rng);

/* Updates the distribution from the evaluated population (steps 2 to 4, (41)-(47)), and the
 * eigendecomposition when it is due. */
void cma_tell(cma *s);

/* The name of a termination criterion that holds after the last tell ("tolfun", "tolx",
 * "noeffectaxis", "noeffectcoord", "conditioncov", "stagnation"), or NULL for none. */
const char *cma_stop(const cma *s);

/* The condition number of C at the last decomposition (+inf when C is not positive). */
double cma_condition(const cma *s);

#endif
