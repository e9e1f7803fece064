/*
 * Shared by the completion kind (completion.c) and its problem families: one problem type
 * that holds M as its factors, the observed set Omega with its values in a row view and a
 * column view, counts the oracles' multiply-adds and measures (see plugbench/completion.h
 * for the definitions).
 */
#ifndef PLUGBENCH_MC_PROBLEM_H
#define PLUGBENCH_MC_PROBLEM_H

#include "../problem.h"
#include "plugbench/completion.h"
#include "plugbench/rng.h"

/* The kind, defined at the end of completion.c. */
extern const pb__kind pb__kind_completion;

/* Metric indices, in the kind's order. */
#define PB__MC_REL_ERROR 0
#define PB__MC_OBSERVED_ERROR 1
#define PB__MC_N_METRICS 2

typedef struct pb__mc_problem {
    pb__problem base;
    pb_completion oracle; /* base.handle.oracle points here */
    uint32_t m, n, k;
    double percent;       /* the id's share of observed entries, in percent */
    double noise;         /* standard deviation of the noise added to observed values */
    uint32_t instance;
    double *mu, *mv;      /* M = mu mv^T: m x k and n x k, row-major */
    double m_norm;        /* ||M||_F */
    /* Omega by rows: the entries of row i are row_ptr[i] .. row_ptr[i + 1] - 1, columns
     * increasing, with their observed values. */
    uint64_t *row_ptr;    /* m + 1 */
    uint32_t *col_idx;
    double *row_val;
    /* The same entries by columns, rows increasing. */
    uint64_t *col_ptr;    /* n + 1 */
    uint32_t *row_idx;
    double *col_val;
    uint32_t *row_count, *col_count; /* m and n: the table's counts */
    double obs_norm;      /* ||P_Omega(M_obs)||_F */
    double *residual;     /* |Omega| scratch for residual_product, in row order */
} pb__mc_problem;

/*
 * Makes the problem M = mu mv^T (m x k and n x k, taken over: freed with the problem, or at
 * once on failure) observed on the entries marked in mask (m x n bytes, row-major, the
 * caller's), each observed value plus noise times a standard normal from rng. Returns the
 * problem, or NULL with a message in err.
 */
pb__mc_problem *pb__mc_problem_new(uint32_t m, uint32_t n, uint32_t k, double *mu, double *mv,
                                   const unsigned char *mask, double noise, pb_rng *rng,
                                   char *err, size_t errlen);

/* The host's measurement of a solution (U then V) into metrics[PB__MC_N_METRICS]; returns
 * 0, or 1 when the solution or a metric is not finite. */
int pb__mc_measure(const pb__mc_problem *p, const double *uv, double *metrics);

#endif
