/*
 * Alternating minimization for matrix completion with exact least-squares updates:
 * P. Jain, P. Netrapalli, S. Sanghavi, "Low-rank Matrix Completion using Alternating
 * Minimization", STOC 2013 (their Algorithm 2, AltMinComplete).
 *
 *   U_0 = top-k left singular vectors of P_Omega(M) / p     (mc_spectral_init)
 *   V_{t+1} = argmin_V ||P_Omega(U_t V^T - M)||_F^2         one step() is both updates
 *   U_{t+1} = argmin_U ||P_Omega(U V_{t+1}^T - M)||_F^2
 *
 * Each argmin splits into one k x k least-squares problem per column (row): the host's
 * normal_equations oracle writes every Gram matrix and right-hand side, |Omega| (k (k + 1)
 * / 2 + k) madds, and this plugin solves each by Cholesky. Two differences from the paper,
 * both as in its own experiments and in later implementations: every step uses all the
 * observed entries (the analysis splits Omega into 2T + 1 disjoint sets, one per update),
 * and U_0 is not clipped (the clipping of rows of large norm is for the incoherence proof;
 * on these random incoherent matrices it changes nothing).
 */
#include "mc_common.h"
#include "plugbench/kit.h"

enum { P_INIT_ITERS };
static const pb_param params[] = {
    [P_INIT_ITERS] = {.name = "init_iters", .type = PB_PARAM_INT, .default_value = 8, .min = 1,
                      .max = 1000,
                      .doc = "rounds of subspace iteration for the spectral start (the paper "
                             "takes the exact top-k SVD)"},
};

typedef struct state {
    mc_base base; /* the solution: base.uv */
    double *gram, *rhs, *save;
} state;

/* The exact update of one side: X (V with side COLS, U with side ROWS) from F, the other
 * factor (mc_exact_update). */
static int exact_update(void *p, uint32_t side, const double *F, double *X)
{
    state *s = p;
    const mc_side d = mc_side_of(p, side, F, X);
    return mc_exact_update(&d, s->gram, s->rhs, s->save, X);
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_completion *c = ctx->problem->oracle;
    const uint32_t k = c->rank;
    state *s = PB_STATE_NEW(ctx, state, MC_ARRAYS(state, c),
                            PB_ARRAY(state, gram, (size_t)mc_longer(c) * k * k),
                            PB_ARRAY(state, rhs, (size_t)mc_longer(c) * k),
                            PB_ARRAY(state, save, (size_t)k * k));
    /* V from the start is not used: the first update replaces it. */
    return mc_start(s, ctx, ctx->params[P_INIT_ITERS].integer, out);
}

static int32_t step(void *p)
{
    return mc_alternate(p, exact_update, "a Gram matrix is not positive definite");
}

PB_PLUGIN(.name = "altmin", .version = "0.1.0", .kind = PB_KIND_COMPLETION,
          .summary = "alternating minimization with exact least-squares updates (AltMinComplete)",
          .citation = "P. Jain, P. Netrapalli, S. Sanghavi, Low-rank Matrix Completion using "
                      "Alternating Minimization, STOC 2013",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
