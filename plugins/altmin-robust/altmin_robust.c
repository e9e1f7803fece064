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
 * column j) and b_j the observed values. With R_j a preconditioner, each of the `inner`
 * iterations is one step of the preconditioned iteration
 *
 *     v_j <- v_j - (R_j^T R_j)^{-1} A_j^T (A_j v_j - b_j),
 *
 * whose gradients, A_j^T (A_j v_j - b_j) for every j at once, are one residual_product
 * call (X = U, side COLS): |Omega| 2k madds. The paper builds R_j from a sketch S A_j (a
 * subspace embedding, then QR) at every update, so that A_j R_j^{-1} is well conditioned
 * and the iteration converges fast. The plugin does not see Omega: through the host's
 * oracles a per-column sketch costs no less than the normal equations (|Omega| (k (k + 1)
 * / 2 + k) madds). So the cost is amortized over updates instead: R_j is the Cholesky factor
 * of the exact A_j^T A_j of an earlier iterate, built by one normal_equations call (whose
 * solve is then that update, an exact one) and reused by the side's next `reuse` updates.
 * As the factors converge they change less between updates, the old Gram matrices
 * precondition the new ones better, and one step per update comes near the exact solve:
 * per update |Omega| (reuse 2k + k (k + 1) / 2 + k) / (reuse + 1) madds on average against
 * altmin's |Omega| (k (k + 1) / 2 + k). A step that raised the observed residual (the next
 * residual_product call tells: it returns ||P_Omega(U V^T - M)||_F^2 at the current point)
 * is undone and its preconditioner rebuilt at once. The start is altmin's (mc_common.h).
 */
#include "mc_common.h"
#include "plugbench/kit.h"

#include <math.h>
#include <string.h>

enum { P_INNER, P_REUSE, P_INIT_ITERS };
static const pb_param params[] = {
    [P_INNER] = {.name = "inner", .type = PB_PARAM_INT, .default_value = 1, .min = 1,
                 .max = 1000,
                 .doc = "preconditioned steps per approximate least-squares update (the "
                        "paper: O(log(1/epsilon)); warm-started, 1 keeps the outer iteration "
                        "linear)"},
    [P_REUSE] = {.name = "reuse", .type = PB_PARAM_INT, .default_value = 3, .min = 0,
                 .max = 1000000,
                 .doc = "approximate updates of a side that reuse its preconditioner (the "
                        "Gram matrices of an earlier iterate) before it is rebuilt, by an "
                        "exact update"},
    [P_INIT_ITERS] = {.name = "init_iters", .type = PB_PARAM_INT, .default_value = 8, .min = 1,
                      .max = 1000,
                      .doc = "rounds of subspace iteration for the spectral start (as altmin)"},
};

typedef struct state {
    mc_base base; /* the solution: base.uv */
    uint32_t inner, reuse;
    uint32_t age[2];    /* updates of V [0] and U [1] since their preconditioner was built */
    double last_f;      /* ||P_Omega(U V^T - M)||^2 before the last step */
    double *undo;       /* the factor the last step changed, or NULL */
    size_t undo_len;    /* its doubles */
    double *pre[2];     /* V's and U's preconditioners: a Cholesky factor (k x k) per line */
    double *grad, *rhs, *save, *backup;
} state;

/*
 * The exact update of X (V with side COLS, U with side ROWS) given the other factor, which
 * also leaves the Cholesky factors of its Gram matrices as the side's preconditioner.
 * Returns as mc_exact_update.
 */
static int rebuild(state *s, const mc_side *d, double *X)
{
    const int rows = d->side == PB_COMPLETION_ROWS;
    int rc = mc_exact_update(d, s->pre[rows], s->rhs, s->save, X);
    if (rc == 0) {
        s->age[rows] = 0;
        s->undo = NULL;
    }
    return rc;
}

/*
 * The approximate update of X given F: `inner` preconditioned steps from X's current value,
 * or the exact update (rebuild) when the side's preconditioner has served `reuse` updates
 * or a step raised the residual. Returns as rebuild; X keeps the steps done when the budget
 * refuses a call.
 */
static int robust_update(void *p, uint32_t side, const double *F, double *X)
{
    state *s = p;
    const mc_side d = mc_side_of(p, side, F, X);
    const uint32_t k = d.k;
    uint32_t *age = &s->age[side == PB_COMPLETION_ROWS];
    if (*age >= s->reuse)
        return rebuild(s, &d, X);
    ++*age;
    const double *pre = s->pre[side == PB_COMPLETION_ROWS];
    for (uint32_t t = 0; t < s->inner; t++) {
        double f = mc_gradient(&d, s->grad);
        if (isnan(f))
            return 1;
        if (s->undo && f > s->last_f) {
            /* The step's preconditioner (either side's) failed: both are rebuilt. */
            memcpy(s->undo, s->backup, s->undo_len * sizeof(double));
            s->age[0] = s->age[1] = s->reuse;
            return rebuild(s, &d, X);
        }
        s->last_f = f;
        s->undo = X;
        s->undo_len = (size_t)d.count * k;
        memcpy(s->backup, X, s->undo_len * sizeof(double));
        for (uint32_t i = 0; i < d.count; i++) {
            double *g = s->grad + (size_t)i * k, *x = X + (size_t)i * k;
            mc_cholesky_solve(k, pre + (size_t)i * k * k, g);
            for (uint32_t a = 0; a < k; a++)
                x[a] -= g[a];
        }
    }
    return 0;
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_completion *c = ctx->problem->oracle;
    const uint32_t k = c->rank;
    state *s = PB_STATE_NEW(ctx, state, MC_ARRAYS(state, c),
                            PB_ARRAY(state, pre[0], (size_t)c->n * k * k),
                            PB_ARRAY(state, pre[1], (size_t)c->m * k * k),
                            PB_ARRAY(state, grad, (size_t)mc_longer(c) * k),
                            PB_ARRAY(state, rhs, (size_t)mc_longer(c) * k),
                            PB_ARRAY(state, save, (size_t)k * k),
                            PB_ARRAY(state, backup, (size_t)mc_longer(c) * k));
    if (s) {
        s->inner = (uint32_t)ctx->params[P_INNER].integer;
        s->reuse = (uint32_t)ctx->params[P_REUSE].integer;
        s->age[0] = s->age[1] = s->reuse;
    }
    return mc_start(s, ctx, ctx->params[P_INIT_ITERS].integer, out);
}

static int32_t step(void *p)
{
    return mc_alternate(p, robust_update, "a Gram matrix is not positive definite");
}

PB_PLUGIN(.name = "altmin-robust", .version = "0.1.0", .kind = PB_KIND_COMPLETION,
          .summary = "alternating minimization with approximate, preconditioned iterative "
                     "least-squares updates",
          .citation = "Y. Gu, Z. Song, J. Yin, L. Zhang, Low Rank Matrix Completion via Robust "
                      "Alternating Minimization in Nearly Linear Time, ICLR 2024",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
