/*
 * The bilevel kind, revision 3 (revision 1 plus function values, the lower level's
 * constants and lower-level constraints, appended to the table as revision 2, and the lower
 * level's gradient in x as revision 3): minimize
 * Phi(x) = f(x, y*(x)) over x in R^dx, where y*(x) = argmin_y g(x, y) over y in R^dy
 * (g strongly convex in y, but for constrained problems), from first-order oracles of f
 * and g and second-order products of g.
 *
 * A plugin that declares kind PB_KIND_BILEVEL receives, in pb_problem.oracle, a pointer to
 * the table below. Each oracle has three kinds of modes:
 *   PB_BILEVEL_EXACT       the exact value (on a finite sum: the mean over all its samples);
 *   PB_BILEVEL_STOCHASTIC  an unbiased estimate drawn by the HOST from the run's seed: on a
 *                          problem that is not a finite sum (n_inner == n_outer == 0), the
 *                          exact value plus independent N(0, noise^2) on each coordinate; on a
 *                          finite sum, the mean over one of its fixed batches, drawn uniformly
 *                          with draw_batch (so equal to draw_batch then PB_BILEVEL_BATCH);
 *   PB_BILEVEL_BATCH(j)    finite sums only: the mean over fixed batch j, the samples
 *                          j * batch_size .. min((j + 1) * batch_size, n) - 1 of the level's
 *                          n samples (g's for grad_y_g, hvp_yy_g, cross_xy_g; f's for
 *                          grad_x_f, grad_y_f), 0 <= j < ceil(n / batch_size).
 * Every plugin run with one seed sees the same noise and batches for the same call sequence.
 *
 * The cost unit is "oracle_calls", counted per sample: a call on a problem that is not a
 * finite sum counts 1 whatever its mode; on a finite sum a call counts the samples it
 * averages over (n for PB_BILEVEL_EXACT, the batch's size otherwise).
 *
 * Sign conventions: cross_xy_g(x, y, v) = d/dx <grad_y g(x, y), v> (dx doubles), so the
 * hypergradient is
 *     grad Phi(x) = grad_x f(x, y*) - cross_xy_g(x, y*, z*),   hvp_yy_g(x, y*, z*) = grad_y f(x, y*).
 *
 * Revision 2 appends: f_value and g_value (counted like the gradients), the lower level's
 * constants mu_g and l_g where the problem knows them, and lower-level constraints h with
 * their transposed Jacobian products (see the members). A plugin that uses them checks
 * PB_BILEVEL_HAS_REVISION_2 first (PB_ERR_INVALID otherwise); the kind's string stays
 * "bilevel/1", so revision-1 plugins load and run unchanged.
 *
 * Revision 3 appends grad_x_g, the lower level's gradient in x (PB_BILEVEL_HAS_REVISION_3),
 * likewise.
 *
 * Its solution is x, dx doubles; on a problem with constraints (n_constraints > 0) x then
 * the plugin's y, dx + dy doubles (pb_problem.solution_length says which), so that the host
 * measures the violation of the pair it recommends. The host measures, outside the timed
 * region: phi_gap =
 * Phi(x) - Phi* (the main metric, lower is better, 0 optimal; on problems whose Phi* is not
 * known it is Phi(x) itself, the upper-level loss, and the problem's description says so),
 * grad_phi_norm = |grad Phi(x)| and x_dist = |x - x*| (NaN where unknown), and
 * test_accuracy (NaN on problems without a test set), and on problems with constraints
 * max_violation = max(0, max_k h_k(x, y)) at the solution's (x, y) (absent from the other
 * problems' records). y*(x) is computed exactly by the host.
 *
 * Once the budget would be exceeded an oracle returns NaN without evaluating and leaves its
 * output untouched; the host ends the run after the current step: return from step() soon
 * after seeing NaN. On success an oracle returns 0.
 */
#ifndef PLUGBENCH_BILEVEL_H
#define PLUGBENCH_BILEVEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_KIND_BILEVEL "bilevel/1"

/* Oracle modes. */
#define PB_BILEVEL_EXACT 0      /* the exact value */
#define PB_BILEVEL_STOCHASTIC 1 /* an unbiased estimate drawn by the host */
#define PB_BILEVEL_BATCH(j) ((uint32_t)2 + (uint32_t)(j)) /* fixed batch j of a finite sum */

/* Levels, for draw_batch. */
#define PB_BILEVEL_INNER 0 /* g's samples */
#define PB_BILEVEL_OUTER 1 /* f's samples */

typedef struct pb_bilevel pb_bilevel;

struct pb_bilevel {
    uint32_t struct_size; /* sizeof(pb_bilevel) as the host was built */
    uint32_t dx;          /* upper-level dimension, >= 1 */
    uint32_t dy;          /* lower-level dimension, >= 1 */
    uint32_t reserved;    /* zero */
    const double *x0;     /* dx doubles, host-owned: the initial upper-level point */
    const double *y0;     /* dy doubles, host-owned: the initial lower-level point */
    double noise;         /* not a finite sum: the stochastic mode's noise per coordinate; else 0 */
    uint32_t n_inner;     /* g = (1/n_inner) sum_j g_j over n_inner samples; 0: not a finite sum */
    uint32_t n_outer;     /* f = (1/n_outer) sum_i f_i; 0 exactly when n_inner is 0 */
    uint32_t batch_size;  /* samples per fixed batch on finite sums, >= 1; 1 otherwise */
    uint32_t reserved2;   /* zero */

    /* grad_x f(x, y) into out (dx doubles). */
    double (*grad_x_f)(const pb_bilevel *self, const double *x, const double *y, uint32_t mode,
                       double *out);
    /* grad_y f(x, y) into out (dy doubles). */
    double (*grad_y_f)(const pb_bilevel *self, const double *x, const double *y, uint32_t mode,
                       double *out);
    /* grad_y g(x, y) into out (dy doubles). */
    double (*grad_y_g)(const pb_bilevel *self, const double *x, const double *y, uint32_t mode,
                       double *out);
    /* grad_yy g(x, y) v into out (v and out: dy doubles). */
    double (*hvp_yy_g)(const pb_bilevel *self, const double *x, const double *y, const double *v,
                       uint32_t mode, double *out);
    /* grad_xy g(x, y) v = d/dx <grad_y g(x, y), v> into out (v: dy doubles, out: dx doubles). */
    double (*cross_xy_g)(const pb_bilevel *self, const double *x, const double *y,
                         const double *v, uint32_t mode, double *out);

    /*
     * Finite sums: the index of a fixed batch of level (PB_BILEVEL_INNER or _OUTER) drawn
     * uniformly from the host's sequence for the run's seed (the same sequence that the
     * stochastic mode uses). Uncounted. Returns 0 on problems that are not finite sums.
     */
    uint32_t (*draw_batch)(const pb_bilevel *self, uint32_t level);

    void *host; /* the host's; do not touch */

    /* Revision 1 ends here. Revision 2 (PB_BILEVEL_HAS_REVISION_2): read the members below
     * only when struct_size covers them. */

    /* f(x, y) and g(x, y) into out[0] (one double), in the modes and at the cost of the
     * gradient oracles: a finite sum's batch value is the mean of its samples' values, the
     * noise model adds N(0, noise^2) once. */
    double (*f_value)(const pb_bilevel *self, const double *x, const double *y, uint32_t mode,
                      double *out);
    double (*g_value)(const pb_bilevel *self, const double *x, const double *y, uint32_t mode,
                      double *out);
    /* Constants of the lower level that hold for every x (and every y), where the problem
     * knows them, else 0: g(x, .) is mu_g-strongly convex and grad_y g(x, .) is
     * l_g-Lipschitz. With constraints they hold on the whole of R^dy too. */
    double mu_g;
    double l_g;

    /*
     * Constraints of the lower level, coupling both levels: y*(x) in argmin_y g(x, y) subject
     * to h(x, y) <= 0 (m = n_constraints inequalities; where that set has several points,
     * the problem's description says which one the host measures with, e.g. the
     * optimistic one). 0: none, and h, jac_x_h and jac_y_h are NULL. Only a plugin that
     * declares it handles constraints (PB_BILEVEL_CONSTRAINTS below) is run on such a
     * problem. Deterministic: mode must be PB_BILEVEL_EXACT (any other is refused
     * uncounted); each call costs 1.
     */
    uint32_t n_constraints;
    uint32_t reserved3; /* zero */
    /* h(x, y) into out (m doubles). */
    double (*h)(const pb_bilevel *self, const double *x, const double *y, uint32_t mode,
                double *out);
    /* (d h / d x)^T lambda into out (lambda: m doubles, out: dx doubles). */
    double (*jac_x_h)(const pb_bilevel *self, const double *x, const double *y,
                      const double *lambda, uint32_t mode, double *out);
    /* (d h / d y)^T lambda into out (lambda: m doubles, out: dy doubles). */
    double (*jac_y_h)(const pb_bilevel *self, const double *x, const double *y,
                      const double *lambda, uint32_t mode, double *out);

    /* Revision 2 ends here. Revision 3 (PB_BILEVEL_HAS_REVISION_3): read the member below
     * only when struct_size covers it. */

    /* grad_x g(x, y) into out (dx doubles), in the modes and at the cost of grad_y_g (g's
     * samples on a finite sum): value-function methods (lvhba) differentiate g(x, y) minus
     * the lower level's value in x. */
    double (*grad_x_g)(const pb_bilevel *self, const double *x, const double *y, uint32_t mode,
                       double *out);

    /* Revision 3 ends here. */
};

/* 1 when the table o has revision 2's members (a host built before them has not). */
#define PB_BILEVEL_HAS_REVISION_2(o) \
    ((o)->struct_size >= offsetof(pb_bilevel, jac_y_h) + sizeof((o)->jac_y_h))

/* 1 when the table o has revision 3's member, grad_x_g. */
#define PB_BILEVEL_HAS_REVISION_3(o) \
    ((o)->struct_size >= offsetof(pb_bilevel, grad_x_g) + sizeof((o)->grad_x_g))

/*
 * Optional plugin extension, looked up with pb_plugin.extension(PB_BILEVEL_HYPERGRADIENT):
 * the plugin's own hypergradient estimator, exposed so that tests can check it against the
 * closed form. estimate(state, x, y, z, out) writes to out (dx doubles) the estimate of
 * grad Phi(x) the plugin's step() would use at the upper-level point x with lower-level
 * iterate y and linear-system iterate z (z is ignored by methods that build their own, such
 * as Neumann series), with exact-mode oracles (counted as usual). Returns 0, or a negative
 * PB_ERR_* (PB_ERR_FAILED when an oracle was refused).
 */
#define PB_BILEVEL_HYPERGRADIENT "plugbench.bilevel-hypergradient/1"

typedef struct pb_bilevel_hypergradient {
    uint32_t struct_size; /* sizeof(pb_bilevel_hypergradient) as the plugin was built */
    uint32_t reserved;    /* zero */
    int32_t (*estimate)(void *state, const double *x, const double *y, const double *z,
                        double *out);
    /* Revision 1 ends here. */
} pb_bilevel_hypergradient;

/*
 * Optional plugin extension, looked up with pb_plugin.extension(PB_BILEVEL_CONSTRAINTS): a
 * declaration that the plugin handles lower-level constraints (n_constraints > 0: it uses
 * h and its Jacobians, and its solution there is x then y). The host's probe asks for it
 * when it loads the plugin; a plugin that does not offer it is not run on problems with
 * constraints (the default suite leaves them out; naming one is refused before any run).
 * The table carries nothing else.
 */
#define PB_BILEVEL_CONSTRAINTS "plugbench.bilevel-constraints/1"

typedef struct pb_bilevel_constraints {
    uint32_t struct_size; /* sizeof(pb_bilevel_constraints) as the plugin was built */
    uint32_t reserved;    /* zero */
    /* Revision 1 ends here. */
} pb_bilevel_constraints;

/*
 * From the static kit (plugbench_kit): out = grad_x f(x, y) - grad_xy g(x, y) z, the
 * hypergradient at a solution z of the lower level's linear system, with oracle mode: two
 * calls, grad_x_f then cross_xy_g. work holds dx doubles. Returns 0, or -1 when an oracle
 * was refused.
 */
int pb_bilevel_hypergradient_at(const pb_bilevel *f, const double *x, const double *y,
                                const double *z, uint32_t mode, double *work, double *out);

#ifdef __cplusplus
}
#endif

#endif
