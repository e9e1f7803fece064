/*
 * Robust alternating minimization for matrix completion: Y. Gu, Z. Song, J. Yin, L. Zhang,
 * "Low Rank Matrix Completion via Robust Alternating Minimization in Nearly Linear Time",
 * ICLR 2024. Alternating minimization as in Jain, Netrapalli and Sanghavi (altmin), but each
 * least-squares update is solved only approximately, by a preconditioned iterative solver
 * started from the previous factor; the paper's analysis shows the outer iteration still
 * converges linearly when each update is accurate to a small enough epsilon, and the solver
 * takes O~(|Omega| k log(1/epsilon)) time instead of the O(|Omega| k^2) of exact normal
 * equations.
 *
 * The update of V given U (that of U given V is the same with the sides swapped) solves, for
 * every column j, min_v ||A_j v - b_j|| with A_j = U_{Omega^j} (the rows of U observed in
 * column j) and b_j the observed values. With R a preconditioner, each of the `inner`
 * iterations is one step of gradient descent on the preconditioned problem,
 *
 *     v_j <- v_j - (R^T R)^{-1} A_j^T (A_j v_j - b_j),
 *
 * whose gradients, A_j^T (A_j v_j - b_j) for every j at once, are one residual_product
 * call (X = U, side COLS): |Omega| 2k madds. The paper builds R from a sketch S A_j (a
 * subspace embedding) so that A_j R^{-1} is well conditioned. Here the sketch is the
 * sampling itself: under uniform sampling A_j is a row sample of U with E[A_j^T A_j] =
 * (|Omega^j| / m) U^T U, and for an incoherent U the eigenvalues of the preconditioned
 * Gram matrix lie near [(1 - e)^2, (1 + e)^2] with e = sqrt(k / |Omega^j|) (the
 * Marchenko-Pastur edges of a sample of |Omega^j| rows in k dimensions), which is the
 * property the paper's solver needs from its sketch. So R^T R = (1 + e)^2 (|Omega^j| / m)
 * U^T U: a step of `step` / lambda_max, which converges for step < 2 while the edges hold.
 * It costs one k x k Gram matrix and Cholesky factor per update (m k^2, no pass over Omega)
 * instead of one sketch and QR per column. The start and the rest are altmin's
 * (mc_common.h): the same spectral start, with V_0 = P_Omega(M)^T U_0 / p as the first
 * iterate the solver warm-starts from.
 */
#include "mc_common.h"
#include "plugbench/kit.h"

#include <math.h>
#include <string.h>

enum { P_INNER, P_STEP, P_INIT_ITERS };
static const pb_param params[] = {
    [P_INNER] = {.name = "inner", .type = PB_PARAM_INT, .default_value = 1, .min = 1,
                 .max = 1000,
                 .doc = "preconditioned gradient steps per least-squares update (the paper: "
                        "O(log(1/epsilon)); warm-started, 1 keeps the outer iteration linear)"},
    [P_STEP] = {.name = "step", .type = PB_PARAM_REAL, .default_value = 1, .min = 1e-3,
                .max = 2,
                .doc = "step size in units of 1 / lambda_max, the sampled Gram matrix's largest "
                       "eigenvalue by Marchenko-Pastur (1: the largest safe step)"},
    [P_INIT_ITERS] = {.name = "init_iters", .type = PB_PARAM_INT, .default_value = 8, .min = 1,
                      .max = 1000,
                      .doc = "rounds of subspace iteration for the spectral start (as altmin)"},
};

typedef struct state {
    mc_base base; /* the solution: base.uv */
    uint32_t inner;
    double step;        /* the current step, halved at each undo */
    double last_f;      /* ||P_Omega(U V^T - M)||^2 before the last step */
    double *undo;       /* the factor the last step changed, or NULL */
    size_t undo_len;    /* its doubles */
    double *grad, *gram, *backup;
} state;

/*
 * The approximate update of X (V with side COLS, U with side ROWS) given F (the other
 * factor): `inner` preconditioned gradient steps from X's current value. A step whose
 * result has a larger observed residual than its start (the residual_product at the next
 * step tells) is undone and the step size halved for the rest of the run: the
 * Marchenko-Pastur edge holds for incoherent factors, and an early iterate may not be one.
 * Returns 0, 1 when the budget refused an oracle call (X keeps the steps done), -1 when
 * F^T F is singular.
 */
static int robust_update(void *p, uint32_t side, const double *F, double *X)
{
    state *s = p;
    const mc_side d = mc_side_of(p, side, F, X);
    const pb_completion *c = d.c;
    const uint32_t k = d.k;
    mc_gram(F, d.other, k, s->gram);
    if (mc_cholesky(k, s->gram) != 0)
        return -1;
    for (uint32_t t = 0; t < s->inner;) {
        double f = c->residual_product(c, side, d.U, d.V, k, F, s->grad);
        if (isnan(f))
            return 1;
        if (s->undo && f > s->last_f) {
            memcpy(s->undo, s->backup, s->undo_len * sizeof(double));
            s->undo = NULL;
            s->step *= 0.5;
            continue; /* the gradient again, at the restored point */
        }
        s->last_f = f;
        s->undo = X;
        s->undo_len = (size_t)d.count * k;
        memcpy(s->backup, X, s->undo_len * sizeof(double));
        for (uint32_t i = 0; i < d.count; i++) {
            double *g = s->grad + (size_t)i * k, *x = X + (size_t)i * k;
            mc_cholesky_solve(k, s->gram, g);
            /* (R^T R)^{-1} = (other / (|Omega_i| (1 + e)^2)) (F^T F)^{-1}; a line with no
             * observed entry (none in the kind's families) has no gradient either. */
            double root = d.seen[i] ? 1 + sqrt((double)k / d.seen[i]) : 0;
            double scale = d.seen[i] ? s->step * d.other / (d.seen[i] * root * root) : 0;
            for (uint32_t a = 0; a < k; a++)
                x[a] -= scale * g[a];
        }
        t++;
    }
    return 0;
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_completion *c = ctx->problem->oracle;
    const uint32_t k = c->rank;
    state *s = PB_STATE_NEW(ctx, state, MC_ARRAYS(state, c),
                            PB_ARRAY(state, grad, (size_t)mc_longer(c) * k),
                            PB_ARRAY(state, gram, (size_t)k * k),
                            PB_ARRAY(state, backup, (size_t)mc_longer(c) * k));
    if (s) {
        s->inner = (uint32_t)ctx->params[P_INNER].integer;
        s->step = ctx->params[P_STEP].real;
    }
    return mc_start(s, ctx, ctx->params[P_INIT_ITERS].integer, out);
}

static int32_t step(void *p)
{
    return mc_alternate(p, robust_update, "a factor lost rank: F^T F is singular");
}

PB_PLUGIN(.name = "altmin-robust", .version = "0.1.0", .kind = PB_KIND_COMPLETION,
          .summary = "alternating minimization with approximate, preconditioned iterative "
                     "least-squares updates",
          .citation = "Y. Gu, Z. Song, J. Yin, L. Zhang, Low Rank Matrix Completion via Robust "
                      "Alternating Minimization in Nearly Linear Time, ICLR 2024",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
