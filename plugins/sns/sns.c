/*
 * The sns plugin: Sinkhorn-Newton-Sparse (Tang et al., ICLR 2024). n1 log-domain Sinkhorn
 * iterations, then Newton iterations on the dual potentials with the Hessian sparsified to
 * a target density, solved by conjugate gradient, with a backtracking line search. Each
 * Sinkhorn iteration and each Newton iteration is one step(). See README.md.
 *
 * In scaled potentials a = eta f, b = eta g the plugin maximizes the concave
 *     phi(a, b) = <r, a> + <c, b> - sum_ij P_ij,   P_ij = exp(a_i + b_j - eta C_ij)
 * (eta times the dual objective of plugbench/transport.h); grad phi = (r - P 1, c - P^T 1)
 * and -hess phi = [[diag(P 1), P], [P^T, diag(P^T 1)]].
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/kit.h>

#include "ot_kernels.h"

/* Histogram bins: the top 16 bits of a positive double (exponent and 4 mantissa bits). */
#define HIST_BINS 32768
#define MAX_BACKTRACKS 60

enum { P_N1, P_DENSITY, P_CG_TOL, P_CG_MAX, P_LS_C1, P_LS_BETA, P_TOL };
static const pb_param params[] = {
    [P_N1] = {.name = "n1", .type = PB_PARAM_INT, .default_value = 100, .min = 0, .max = 1000000,
              .doc = "log-domain Sinkhorn iterations before the Newton phase"},
    [P_DENSITY] = {.name = "density", .type = PB_PARAM_REAL, .default_value = 0.05,
                   .min = 1e-6, .max = 1,
                   .doc = "fraction of the n m entries of P kept in the sparsified Hessian "
                          "(1: exact Newton)"},
    [P_CG_TOL] = {.name = "cg_tol", .type = PB_PARAM_REAL, .default_value = 1e-10,
                  .min = 1e-16, .max = 1,
                  .doc = "conjugate gradient stops at |residual| <= cg_tol |gradient| "
                         "(2-norms)"},
    [P_CG_MAX] = {.name = "cg_max", .type = PB_PARAM_INT, .default_value = 0, .min = 0,
                  .max = 100000000,
                  .doc = "0: n + m; the most conjugate gradient iterations per Newton step"},
    [P_LS_C1] = {.name = "ls_c1", .type = PB_PARAM_REAL, .default_value = 1e-4, .min = 0,
                 .max = 0.5,
                 .doc = "Armijo constant: accept phi(z + t d) >= phi(z) + ls_c1 t grad.d"},
    [P_LS_BETA] = {.name = "ls_beta", .type = PB_PARAM_REAL, .default_value = 0.5,
                   .min = 0.01, .max = 0.99, .doc = "backtracking factor of the step length t"},
    [P_TOL] = {.name = "tol", .type = PB_PARAM_REAL, .default_value = 1e-13, .min = 0, .max = 1,
               .doc = "stop (done) when the L1 marginal error is at most tol"},
};

typedef struct state {
    pb_state_head head;
    const pb_transport *ot;
    uint32_t n, m;
    ot_stab st;             /* K = -eta C, the potentials a, b, and the warm-up Sinkhorn */
    ot_log *sk;             /* &st.lg: K and, in the Newton phase, the potentials a, b */
    int64_t n1, cg_max;
    double density, cg_tol, c1, beta, tol;
    uint64_t steps;
    int have_plan;          /* p, rows, cols, phi describe (a, b) */
    double *p, *rows, *cols, phi;
    double *p_t, *rows_t, *cols_t; /* line-search trial */
    double *grad, *d, *res, *z, *q, *dir, *diag; /* n + m each */
    uint32_t *rowptr, *hist;
    /*
     * Allocated on their own, freed by destroy(): the trial potentials a_t, b_t (n + m
     * each) trade places with sk->a and sk->b, which ot_log allocates, when the line search
     * accepts a step; the sparsified Hessian (colidx, vals) is reallocated to its size by
     * every Newton step.
     */
    double *a_t, *b_t;
    uint32_t *colidx;
    double *vals;
} state;

static void destroy(void *p)
{
    state *s = p;
    ot_stab_free(&s->st);
    free(s->a_t);
    free(s->b_t);
    free(s->colidx);
    free(s->vals);
    free(s);
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_transport *ot = ctx->problem->oracle;
    const uint32_t n = ot->n, m = ot->m;
    const size_t nm = (size_t)n * m, nt = (size_t)n + m;
    state *s = PB_STATE_NEW(
        ctx, state, PB_ARRAY(state, p, nm), PB_ARRAY(state, p_t, nm), PB_ARRAY(state, rows, nt),
        PB_ARRAY(state, cols, nt), PB_ARRAY(state, rows_t, nt), PB_ARRAY(state, cols_t, nt),
        PB_ARRAY(state, grad, nt), PB_ARRAY(state, d, nt), PB_ARRAY(state, res, nt),
        PB_ARRAY(state, z, nt), PB_ARRAY(state, q, nt), PB_ARRAY(state, dir, nt),
        PB_ARRAY(state, diag, nt), PB_ARRAY(state, rowptr, (size_t)n + 1),
        PB_ARRAY(state, hist, HIST_BINS));
    if (!s)
        return PB_ERR_NOMEM;
    s->ot = ot;
    s->n = n;
    s->m = m;
    s->n1 = ctx->params[P_N1].integer;
    s->density = ctx->params[P_DENSITY].real;
    s->cg_tol = ctx->params[P_CG_TOL].real;
    s->cg_max = pb_param_or(ctx, P_CG_MAX, (int64_t)nt);
    s->c1 = ctx->params[P_LS_C1].real;
    s->beta = ctx->params[P_LS_BETA].real;
    s->tol = ctx->params[P_TOL].real;
    int bad = ot_stab_init(&s->st, n, m, ot->eta, ot->cost, ot->r, ot->c, 50.0) != 0;
    s->sk = &s->st.lg;
    s->a_t = calloc(nt, sizeof(double));
    s->b_t = calloc(nt, sizeof(double));
    if (bad || !s->a_t || !s->b_t) {
        destroy(s);
        return pb_fail(ctx, PB_ERR_NOMEM, "out of memory for n = %u, m = %u", n, m);
    }
    *out = s;
    return 0;
}

/* phi at (a, b), with the plan and its marginals written to p, rows, cols. */
static double evaluate(const state *s, const double *a, const double *b, double *p, double *rows,
                       double *cols)
{
    double total = ot_plan(s->sk->k, a, b, s->n, s->m, p, rows, cols);
    double lin = 0;
    for (uint32_t i = 0; i < s->n; i++)
        lin += s->ot->r[i] * a[i];
    for (uint32_t j = 0; j < s->m; j++)
        lin += s->ot->c[j] * b[j];
    return lin - total;
}

static double marginal_error(const state *s, const double *rows, const double *cols)
{
    double err = 0;
    for (uint32_t i = 0; i < s->n; i++)
        err += fabs(rows[i] - s->ot->r[i]);
    for (uint32_t j = 0; j < s->m; j++)
        err += fabs(cols[j] - s->ot->c[j]);
    return err;
}

static uint32_t bin_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (uint32_t)(u >> 48) & (HIST_BINS - 1); /* x >= 0: the sign bit is 0 */
}

/*
 * Sparsify: keeps the entries of P whose scaled value P_ij / sqrt((P 1)_i (P^T 1)_j) (the
 * off-diagonal entry of the Jacobi-scaled Hessian) lies in the highest histogram bins that
 * together hold at least density * n * m entries (bins are 1/16 of an octave wide), as CSR.
 * With uniform marginals this is the paper's threshold on P itself; scaling keeps rows of
 * small mass coupled too. Returns 0, or -1 when out of memory.
 */
static int sparsify(state *s)
{
    const uint32_t n = s->n, m = s->m;
    const size_t nm = (size_t)n * m;
    double *ir = s->z, *ic = s->z + n; /* scratch: 1/sqrt of the marginals */
    for (uint32_t i = 0; i < n; i++)
        ir[i] = 1.0 / sqrt(s->rows[i]);
    for (uint32_t j = 0; j < m; j++)
        ic[j] = 1.0 / sqrt(s->cols[j]);
    size_t want = (size_t)ceil(s->density * (double)nm);
    uint32_t cut = 0; /* keep entries whose bin is >= cut */
    if (want < nm) {
        memset(s->hist, 0, HIST_BINS * sizeof(uint32_t));
        for (uint32_t i = 0; i < n; i++) {
            const double *row = s->p + (size_t)i * m;
            for (uint32_t j = 0; j < m; j++)
                s->hist[bin_of(row[j] * ir[i] * ic[j])]++;
        }
        size_t count = 0;
        cut = HIST_BINS;
        while (cut > 0 && count < want)
            count += s->hist[--cut];
    }
    size_t nnz = 0;
    for (uint32_t i = 0; i < n; i++) {
        s->rowptr[i] = (uint32_t)nnz;
        const double *row = s->p + (size_t)i * m;
        for (uint32_t j = 0; j < m; j++)
            nnz += bin_of(row[j] * ir[i] * ic[j]) >= cut;
    }
    s->rowptr[n] = (uint32_t)nnz;
    free(s->colidx);
    free(s->vals);
    s->colidx = malloc((nnz ? nnz : 1) * sizeof(uint32_t));
    s->vals = malloc((nnz ? nnz : 1) * sizeof(double));
    if (!s->colidx || !s->vals)
        return -1;
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        const double *row = s->p + (size_t)i * m;
        for (uint32_t j = 0; j < m; j++)
            if (bin_of(row[j] * ir[i] * ic[j]) >= cut) {
                s->colidx[k] = j;
                s->vals[k++] = row[j];
            }
    }
    return 0;
}

/* y = H~ x with H~ = [[diag(rows), P~], [P~^T, diag(cols)]]. */
static void hess_mul(const state *s, const double *x, double *y)
{
    const uint32_t n = s->n, m = s->m;
    const double *xb = x + n;
    double *yb = y + n;
    for (uint32_t j = 0; j < m; j++)
        yb[j] = s->cols[j] * xb[j];
    for (uint32_t i = 0; i < n; i++) {
        double acc = s->rows[i] * x[i], xi = x[i];
        for (uint32_t k = s->rowptr[i]; k < s->rowptr[i + 1]; k++) {
            acc += s->vals[k] * xb[s->colidx[k]];
            yb[s->colidx[k]] += s->vals[k] * xi;
        }
        y[i] = acc;
    }
}

static double dot(const double *x, const double *y, size_t len)
{
    double t = 0;
    for (size_t k = 0; k < len; k++)
        t += x[k] * y[k];
    return t;
}

/* Solves H~ d = grad by CG with the diagonal (Jacobi) preconditioner, from d = 0;
 * returns the number of CG iterations. */
static int64_t conjugate_gradient(state *s)
{
    const size_t nt = (size_t)s->n + s->m;
    for (size_t k = 0; k < nt; k++) {
        s->diag[k] = k < s->n ? s->rows[k] : s->cols[k - s->n];
        s->d[k] = 0;
        s->res[k] = s->grad[k];
        s->z[k] = s->res[k] / s->diag[k];
        s->dir[k] = s->z[k];
    }
    double rz = dot(s->res, s->z, nt), stop = s->cg_tol * sqrt(dot(s->grad, s->grad, nt));
    int64_t it = 0;
    for (; it < s->cg_max && sqrt(dot(s->res, s->res, nt)) > stop; it++) {
        hess_mul(s, s->dir, s->q);
        double dq = dot(s->dir, s->q, nt);
        if (!(dq > 0))
            break;
        double alpha = rz / dq;
        for (size_t k = 0; k < nt; k++) {
            s->d[k] += alpha * s->dir[k];
            s->res[k] -= alpha * s->q[k];
            s->z[k] = s->res[k] / s->diag[k];
        }
        double rz_new = dot(s->res, s->z, nt);
        double beta = rz_new / rz;
        rz = rz_new;
        for (size_t k = 0; k < nt; k++)
            s->dir[k] = s->z[k] + beta * s->dir[k];
    }
    return it;
}

static void swap(double **x, double **y)
{
    double *t = *x;
    *x = *y;
    *y = t;
}

static int32_t newton_step(state *s)
{
    const uint32_t n = s->n, m = s->m;
    const size_t nt = (size_t)n + m;
    if (!s->have_plan) {
        /* From the warm-up's absorbed form to plain potentials in sk->a, sk->b. */
        ot_stab_potentials(&s->st, s->a_t, s->b_t);
        memcpy(s->sk->a, s->a_t, n * sizeof(double));
        memcpy(s->sk->b, s->b_t, m * sizeof(double));
        s->st.kernel_valid = 0;
        s->phi = evaluate(s, s->sk->a, s->sk->b, s->p, s->rows, s->cols);
        s->have_plan = 1;
    }
    if (marginal_error(s, s->rows, s->cols) <= s->tol)
        return PB_DONE;
    for (uint32_t i = 0; i < n; i++)
        s->grad[i] = s->ot->r[i] - s->rows[i];
    for (uint32_t j = 0; j < m; j++)
        s->grad[n + j] = s->ot->c[j] - s->cols[j];
    if (sparsify(s) != 0)
        return pb_fail(s->head.ctx, PB_ERR_NOMEM, "out of memory for the sparsified Hessian");
    conjugate_gradient(s);
    double gd = dot(s->grad, s->d, nt);
    if (!(gd > 0)) { /* not an ascent direction: fall back to the diagonal Newton step */
        for (size_t k = 0; k < nt; k++)
            s->d[k] = s->grad[k] / s->diag[k];
        gd = dot(s->grad, s->d, nt);
    }
    /* Rounding in phi (a sum of n m terms of order 1/(n m)) is about 1e-16 |phi|. */
    const double slack = 64 * DBL_EPSILON * (fabs(s->phi) + 1.0);
    double t = 1.0;
    for (int tries = 0; tries < MAX_BACKTRACKS; tries++, t *= s->beta) {
        for (uint32_t i = 0; i < n; i++)
            s->a_t[i] = s->sk->a[i] + t * s->d[i];
        for (uint32_t j = 0; j < m; j++)
            s->b_t[j] = s->sk->b[j] + t * s->d[n + j];
        double phi_t = evaluate(s, s->a_t, s->b_t, s->p_t, s->rows_t, s->cols_t);
        if (phi_t >= s->phi + s->c1 * t * gd - slack) {
            swap(&s->sk->a, &s->a_t);
            swap(&s->sk->b, &s->b_t);
            swap(&s->p, &s->p_t);
            swap(&s->rows, &s->rows_t);
            swap(&s->cols, &s->cols_t);
            s->phi = phi_t;
            return marginal_error(s, s->rows, s->cols) <= s->tol ? PB_DONE : PB_CONTINUE;
        }
    }
    return PB_DONE; /* no step increases phi: at the limit of double precision */
}

static int32_t step(void *p)
{
    state *s = p;
    s->steps++;
    if ((int64_t)s->steps <= s->n1) {
        double err;
        return ot_stab_iterate(&s->st, s->tol, &err) ? PB_DONE : PB_CONTINUE;
    }
    return newton_step(s);
}

static int32_t solution(void *p, double *out)
{
    state *s = p;
    if (s->have_plan) {
        memcpy(out, s->sk->a, s->n * sizeof(double));
        memcpy(out + s->n, s->sk->b, s->m * sizeof(double));
    } else {
        ot_stab_potentials(&s->st, out, out + s->n);
    }
    ot_unscale(out, (size_t)s->n + s->m, s->ot->eta);
    return 0;
}

PB_PLUGIN(.name = "sns", .version = "1.0.0", .kind = PB_KIND_TRANSPORT,
          .summary = "Sinkhorn-Newton-Sparse: Sinkhorn warm-up, then sparsified Newton-CG "
                     "on the dual",
          .citation = "X. Tang, M. Shavlovsky, H. Rahmanian, E. Tardini, K. K. Thekumparampil, "
                      "T. Xiao, L. Ying, Accelerating Sinkhorn Algorithm with Sparse Newton "
                      "Iterations, ICLR 2024",
          PB_PARAMS(params), .create = create, .step = step,
          .solution = solution, .destroy = destroy)
