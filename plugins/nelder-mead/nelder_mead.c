/*
 * The nelder-mead plugin: the Nelder-Mead simplex method in the formulation of Lagarias,
 * Reeds, Wright and Wright (1998), with the standard coefficients or the dimension-adaptive
 * ones of Gao and Han (2012), restarted from a new random point when the simplex
 * collapses. The recommendation is the best point evaluated so far. See README.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/kit.h>
#include <plugbench/rng.h>

enum { P_COEFFICIENTS, P_INITIAL_STEP, P_TOL_X, P_TOL_F, P_RESTARTS };
enum { COEFFICIENTS_STANDARD, COEFFICIENTS_ADAPTIVE };

static const pb_param params[] = {
    [P_COEFFICIENTS] = {.name = "coefficients", .type = PB_PARAM_CHOICE,
                        .default_value = COEFFICIENTS_STANDARD, .choices = "standard|adaptive",
                        .doc = "standard (1, 2, 0.5, 0.5) or Gao-Han (1, 1 + 2/n, "
                               "0.75 - 1/(2n), 1 - 1/n) reflection, expansion, contraction, "
                               "shrink"},
    [P_INITIAL_STEP] = {.name = "initial_step", .type = PB_PARAM_REAL, .default_value = 0.05,
                        .min = 1e-9, .max = 0.5,
                        .doc = "initial simplex edge, as a fraction of the box width"},
    [P_TOL_X] = {.name = "tol_x", .type = PB_PARAM_REAL, .default_value = 1e-10, .min = 0,
                 .max = 1,
                 .doc = "collapse when all vertices lie within this fraction of the box "
                        "width of the best one, in every coordinate"},
    [P_TOL_F] = {.name = "tol_f", .type = PB_PARAM_REAL, .default_value = 1e-12, .min = 0,
                 .max = 1e6, .doc = "collapse when f over the vertices spans less than this"},
    [P_RESTARTS] = {.name = "restarts", .type = PB_PARAM_BOOL, .default_value = 1,
                    .doc = "on collapse, restart from a new random point (else stop)"},
};

typedef struct state {
    pb_state_head head; /* the solution is best_x */
    const pb_blackbox *f;
    uint32_t n;
    pb_rng rng;
    double rho, chi, gamma, sigma; /* reflection, expansion, contraction, shrink */
    double step, tol_x, tol_f;
    int restarts;
    int have_simplex; /* 0 before the first simplex and after a collapse */
    double *v, *fv;   /* n + 1 vertices (rows of n) and their values */
    double *xbar, *xr, *xt; /* centroid, reflected point, expanded or contracted point */
    double best_f;
    double *best_x;
} state;

/* Sets the coefficients: Nelder and Mead's, or Gao and Han's, which keep the expansion
 * and contraction from degrading the search as n grows (they equal the standard ones at
 * n = 2). */
static void set_coefficients(state *s, int adaptive)
{
    double n = s->n;
    s->rho = 1.0;
    s->chi = adaptive ? 1.0 + 2.0 / n : 2.0;
    s->gamma = adaptive ? 0.75 - 1.0 / (2.0 * n) : 0.5;
    s->sigma = adaptive ? 1.0 - 1.0 / n : 0.5;
}

/* Allocates the state; no evaluation happens before the first step. */
static int32_t create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    uint32_t n = f->dim;
    state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, best_x, n),
                            PB_ARRAY(state, v, (size_t)(n + 1) * n),
                            PB_ARRAY(state, fv, (size_t)n + 1), PB_ARRAY(state, xbar, n),
                            PB_ARRAY(state, xr, n), PB_ARRAY(state, xt, n));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->n = n;
    set_coefficients(s, ctx->params[P_COEFFICIENTS].integer == COEFFICIENTS_ADAPTIVE);
    s->step = ctx->params[P_INITIAL_STEP].real;
    s->tol_x = ctx->params[P_TOL_X].real;
    s->tol_f = ctx->params[P_TOL_F].real;
    s->restarts = ctx->params[P_RESTARTS].integer != 0;
    s->best_f = INFINITY;
    pb_rng_seed(&s->rng, ctx->seed, 0);
    /* Until the first evaluation, the box centre is the recommendation. */
    for (uint32_t i = 0; i < n; i++)
        s->best_x[i] = 0.5 * (f->lower[i] + f->upper[i]);
    *out = s;
    return 0;
}

/* f(x), keeping the best point so far. NaN once the budget is spent. */
static double evaluate(state *s, const double *x)
{
    double y = s->f->evaluate(s->f, x);
    if (y < s->best_f) {
        s->best_f = y;
        memcpy(s->best_x, x, s->n * sizeof(double));
    }
    return y;
}

/*
 * Evaluates a new simplex: a point x0 drawn uniformly in the box and x0 + h_j e_j, with
 * h_j = initial_step (upper_j - lower_j), or -h_j where +h_j would leave the box.
 */
static void new_simplex(state *s)
{
    const pb_blackbox *f = s->f;
    const uint32_t n = s->n;
    double *x0 = s->v;
    pb_rng_uniform_box(&s->rng, n, f->lower, f->upper, x0);
    for (uint32_t i = 1; i <= n; i++) {
        double *vi = s->v + (size_t)i * n;
        memcpy(vi, x0, n * sizeof(double));
        double h = s->step * (f->upper[i - 1] - f->lower[i - 1]);
        vi[i - 1] += x0[i - 1] + h <= f->upper[i - 1] ? h : -h;
    }
    for (uint32_t i = 0; i <= n; i++)
        if (isnan(s->fv[i] = evaluate(s, s->v + (size_t)i * n)))
            return; /* the budget is spent: the host ends the run */
    s->have_simplex = 1;
}

/* The best vertex (lowest value, first on ties), the worst (highest, last on ties, so
 * that it differs from the best) and the second worst. */
static void rank_vertices(const state *s, uint32_t *best, uint32_t *worst, uint32_t *second)
{
    uint32_t b = 0, w = 0;
    for (uint32_t i = 1; i <= s->n; i++) {
        if (s->fv[i] < s->fv[b])
            b = i;
        if (s->fv[i] >= s->fv[w])
            w = i;
    }
    uint32_t sw = w == 0 ? 1 : 0;
    for (uint32_t i = 0; i <= s->n; i++)
        if (i != w && s->fv[i] > s->fv[sw])
            sw = i;
    *best = b;
    *worst = w;
    *second = sw;
}

/* s->xbar = the centroid of all vertices but the worst. */
static void centroid(state *s, uint32_t worst)
{
    const uint32_t n = s->n;
    memset(s->xbar, 0, n * sizeof(double));
    for (uint32_t i = 0; i <= n; i++)
        if (i != worst)
            for (uint32_t j = 0; j < n; j++)
                s->xbar[j] += s->v[(size_t)i * n + j];
    for (uint32_t j = 0; j < n; j++)
        s->xbar[j] /= n;
}

/* out = xbar + t (xbar - worst): reflection (t = rho), expansion (rho chi), outside
 * contraction (rho gamma) and inside contraction (-gamma) all lie on this line. */
static void along(state *s, uint32_t worst, double t, double *out)
{
    const double *xw = s->v + (size_t)worst * s->n;
    for (uint32_t j = 0; j < s->n; j++)
        out[j] = s->xbar[j] + t * (s->xbar[j] - xw[j]);
}

/* Replaces vertex i by x with value fx. */
static void replace(state *s, uint32_t i, const double *x, double fx)
{
    memcpy(s->v + (size_t)i * s->n, x, s->n * sizeof(double));
    s->fv[i] = fx;
}

/* Shrinks every vertex towards the best one by sigma and evaluates them. */
static void shrink(state *s, uint32_t best)
{
    const uint32_t n = s->n;
    const double *xb = s->v + (size_t)best * n;
    for (uint32_t i = 0; i <= n; i++) {
        if (i == best)
            continue;
        double *vi = s->v + (size_t)i * n;
        for (uint32_t j = 0; j < n; j++)
            vi[j] = xb[j] + s->sigma * (vi[j] - xb[j]);
        if (isnan(s->fv[i] = evaluate(s, vi)))
            return;
    }
}

/*
 * One Nelder-Mead iteration (Lagarias et al. 1998, Sect. 2): reflect the worst vertex
 * through the centroid of the others; expand when the reflection beats the best vertex,
 * accept it when it beats the second worst, else contract (outside when it beats the
 * worst, inside otherwise) and shrink when the contraction fails too.
 */
static void iterate(state *s)
{
    uint32_t b, w, sw;
    rank_vertices(s, &b, &w, &sw);
    centroid(s, w);
    along(s, w, s->rho, s->xr);
    double fr = evaluate(s, s->xr), ft;
    if (isnan(fr))
        return;
    if (fr < s->fv[b]) {
        along(s, w, s->rho * s->chi, s->xt);
        ft = evaluate(s, s->xt);
        if (ft < fr)
            replace(s, w, s->xt, ft);
        else
            replace(s, w, s->xr, fr);
    } else if (fr < s->fv[sw]) {
        replace(s, w, s->xr, fr);
    } else if (fr < s->fv[w]) {
        along(s, w, s->rho * s->gamma, s->xt);
        ft = evaluate(s, s->xt);
        if (ft <= fr)
            replace(s, w, s->xt, ft);
        else if (!isnan(ft))
            shrink(s, b);
    } else {
        along(s, w, -s->gamma, s->xt);
        ft = evaluate(s, s->xt);
        if (ft < s->fv[w])
            replace(s, w, s->xt, ft);
        else if (!isnan(ft))
            shrink(s, b);
    }
}

/*
 * Has the simplex collapsed? Its values span less than tol_f, or every vertex lies within
 * tol_x box widths of the best one in every coordinate.
 */
static int collapsed(const state *s)
{
    const uint32_t n = s->n;
    uint32_t b = 0;
    double lo = s->fv[0], hi = s->fv[0];
    for (uint32_t i = 1; i <= n; i++) {
        if (s->fv[i] < lo)
            b = i;
        lo = fmin(lo, s->fv[i]);
        hi = fmax(hi, s->fv[i]);
    }
    if (hi - lo < s->tol_f)
        return 1;
    const double *xb = s->v + (size_t)b * n;
    for (uint32_t i = 0; i <= n; i++)
        for (uint32_t j = 0; j < n; j++)
            if (fabs(s->v[(size_t)i * n + j] - xb[j]) >= s->tol_x * (s->f->upper[j] - s->f->lower[j]))
                return 0;
    return 1;
}

/*
 * One step: builds and evaluates a simplex when there is none (first step, after a
 * collapse), otherwise performs one iteration; a collapsed simplex ends the run
 * (PB_DONE) without restarts.
 */
static int32_t step(void *p)
{
    state *s = p;
    if (!s->have_simplex) {
        new_simplex(s);
        return PB_CONTINUE;
    }
    iterate(s);
    if (!collapsed(s))
        return PB_CONTINUE;
    if (!s->restarts)
        return PB_DONE;
    s->have_simplex = 0;
    return PB_CONTINUE;
}

PB_PLUGIN(.name = "nelder-mead", .version = "1.0.0", .kind = PB_KIND_BLACKBOX,
          .summary = "Nelder-Mead simplex method with random restarts on collapse",
          .citation = "J. A. Nelder and R. Mead, A simplex method for function minimization, "
                      "Computer Journal 7(4), 1965; F. Gao and L. Han, Implementing the "
                      "Nelder-Mead simplex algorithm with adaptive parameters, Comput. Optim. "
                      "Appl. 51(1), 2012",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
