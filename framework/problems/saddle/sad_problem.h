/*
 * Shared by the saddle kind (saddle.c) and its families: one problem type, a distributed
 * strongly-convex-strongly-concave quadratic, that counts bits and operator calls and
 * measures. Worker m holds
 *     f_m(x, y) = 1/2 x^T B_m x + x^T A_m y - 1/2 y^T C_m y + a_m^T x + b_m^T y,
 *     F_m(z) = (B_m x + A_m y + a_m, -A_m^T x + C_m y - b_m),
 * with B_m, C_m diagonal (the paper's bilinear problem has B_m = C_m = lambda I), so that
 * the solution and the duality gap of the mean f have closed forms through one Cholesky
 * factorization. A family draws the workers' data and calls pb__sad_problem_finish.
 */
#ifndef PLUGBENCH_SAD_PROBLEM_H
#define PLUGBENCH_SAD_PROBLEM_H

#include "../problem.h"
#include "plugbench/saddle.h"

/* The kind, defined at the end of saddle.c. */
extern const pb__kind pb__kind_saddle;

typedef struct pb__sad_problem {
    pb__problem base;
    pb_saddle oracle; /* base.handle.oracle points here */
    uint32_t dim, dx, dy, workers;
    /* The workers' data, worker m's block at m times its size: A (dx x dy, row-major),
     * the diagonals of B (dx) and C (dy), a (dx) and b (dy). */
    double *A, *bdiag, *cdiag, *a, *b;
    /* Their means (F's data), the solution and the initial point. */
    double *A_mean, *bdiag_mean, *cdiag_mean, *a_mean, *b_mean;
    double *z_opt, *z0;
    double *work;      /* 2 dim scratch for measuring */
    uint32_t *stamp;   /* dim: the message index last seen at each coordinate */
    uint32_t stamp_gen;
    uint64_t operator_calls;
    double lambda;     /* the bilinear family's; NaN for the others (describe) */
} pb__sad_problem;

/* A zeroed problem with dx + dy coordinates and M workers for a family to fill; NULL with
 * "out of memory" in err. */
pb__sad_problem *pb__sad_problem_new(uint32_t dx, uint32_t dy, uint32_t workers, char *err,
                                     size_t errlen);

/*
 * Once the family has filled the workers' data and z0: the means, the exact solution, mu
 * and L. Returns 0, or -1 with a message in err (the problem freed) when the mean is not
 * strongly monotone or memory runs out.
 */
int pb__sad_problem_finish(pb__sad_problem *p, char *err, size_t errlen);

/* F_m(z) (m < workers) or F(z) (m == workers) into out, uncounted. */
void pb__sad_operator(const pb__sad_problem *p, uint32_t m, const double *z, double *out);

/* The counted oracles (the table's members), also used directly by tests. */
double pb__sad_counted_oper(const pb_saddle *self, uint32_t worker, const double *z,
                            double *out);
double pb__sad_counted_send_up(const pb_saddle *self, uint32_t worker, uint32_t n,
                               const uint32_t *idx, const double *val, double *out);
double pb__sad_counted_broadcast(const pb_saddle *self, uint32_t n, const uint32_t *idx,
                                 const double *val, double *out);

#endif
