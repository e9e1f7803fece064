/*
 * The stochastic kind through the library (its plugins are tested in
 * plugins/mfac/tests/test_stochastic_plugins.c):
 *   - the four default problems open with their documented dimensions and sizes;
 *   - each oracle's gradient matches central differences of its loss (relative error
 *     <= 1e-6 on 25 coordinates), the Hessian-vector products match differences of the
 *     gradient, and the quadratic's train loss is 0 with a zero gradient at w*;
 *   - the minimum of the convex problems (the main metric is the gap to it) is certified
 *     by the gradient norm at the solver's point and strong convexity;
 *   - the minibatch sequence comes from the run's seed: the same seed gives the same
 *     batches, another seed others, and batches of 1 cover each epoch exactly once;
 *   - samples are counted (batch_size per batch call, n_train per full or hvp call) and a
 *     call beyond the budget returns NaN, leaves the gradient untouched and counts nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "plugin_run.h"
#include "sto_problem.h"

/* The training loss of a problem at w, and its gradient, for gradcheck.h. */
typedef struct loss_at {
    pb__sto_problem *p;
    double *w;
} loss_at;

static double train_loss(void *ctx)
{
    loss_at *c = ctx;
    return c->p->loss(c->p, c->w, &c->p->train, NULL, c->p->train.n, NULL);
}

static void train_grad(void *ctx, double *g)
{
    loss_at *c = ctx;
    c->p->loss(c->p, c->w, &c->p->train, NULL, c->p->train.n, g);
}

static void test_problem(const char *id, uint32_t dim, uint32_t n_train)
{
    pb__sto_problem *p = open_problem(id);
    if (!p)
        return;
    const pb_stochastic *f = &p->oracle;
    CHECK(f->dim == dim && f->n_train == n_train && p->base.handle.solution_length == dim,
          "%s: dim %u, n_train %llu", id, f->dim, (unsigned long long)f->n_train);
    pb_rng rng;
    pb_rng_seed(&rng, 99, 0);
    double *w = malloc(dim * sizeof(double)), *g = malloc(dim * sizeof(double));
    double *g2 = malloc(dim * sizeof(double)), *v = malloc(dim * sizeof(double));
    double *hv = malloc(dim * sizeof(double));
    for (uint32_t i = 0; i < dim; i++)
        w[i] = f->w0[i] + 0.3 * pb_rng_normal(&rng);
    f->loss_grad_full(f, w, g);
    CHECK(p->base.cost == n_train, "%s: a full gradient counts %u samples (%llu)", id, n_train,
          (unsigned long long)p->base.cost);
    /* Central differences on 25 coordinates of the (uncounted) loss. */
    double an[25], nu[25];
    loss_at at = {p, w};
    for (int k = 0; k < 25; k++) {
        uint32_t i = (uint32_t)pb_rng_below(&rng, dim);
        an[k] = g[i];
        nu[k] = central_partial(train_loss, &at, w, i, 1e-5);
    }
    CHECK(rel(an, nu, 25) <= 1e-6, "%s: gradient vs central differences, relative error %.1e", id,
          rel(an, nu, 25));
    if (f->hvp) {
        for (uint32_t i = 0; i < dim; i++)
            v[i] = pb_rng_normal(&rng);
        uint64_t before = p->base.cost;
        f->hvp(f, w, v, hv);
        central_along(train_grad, &at, w, v, dim, 1e-5, g2, g);
        CHECK(rel(hv, g, dim) <= 1e-6 && p->base.cost - before == n_train,
              "%s: Hessian-vector product vs differences of the gradient, relative error %.1e",
              id, rel(hv, g, dim));
    }
    free(w);
    free(g);
    free(g2);
    free(v);
    free(hv);
    pb__problem_close(&p->base);
}

/* For check_seeded_batches: the loss of one batch of b at w0. */
static void draw_loss(void *problem, uint32_t b, void *out)
{
    pb__sto_problem *p = problem;
    double *g = malloc(p->dim * sizeof(double));
    double loss = p->oracle.loss_grad_batch(&p->oracle, p->w0, b, g);
    memcpy(out, &loss, sizeof loss);
    free(g);
}

static void test_batches(void)
{
    check_seeded_batches("mlp-digits", 16, 8, sizeof(double), draw_loss);
    pb__sto_problem *p = open_problem("logreg-breast-cancer");
    if (!p)
        return;
    p->base.seed = 1;
    uint32_t n = p->train.n;
    uint32_t *seen = calloc(n, sizeof(uint32_t));
    double *g = malloc(p->dim * sizeof(double));
    int ok = 1;
    for (int epoch = 0; epoch < 3; epoch++) {
        for (uint32_t i = 0; i < n; i++) {
            p->oracle.loss_grad_batch(&p->oracle, p->w0, 1, g);
            seen[p->batch[0]]++;
        }
        for (uint32_t i = 0; i < n; i++)
            ok &= seen[i] == (uint32_t)epoch + 1;
    }
    CHECK(ok && p->base.cost == 3ull * n, "batches of 1 visit every sample once per epoch (3 "
                                          "epochs, %llu samples counted)",
          (unsigned long long)p->base.cost);
    /* The budget: 100 samples; batches of 40 are allowed twice, the third is refused. */
    p->base.cost = 0;
    p->base.cost_limit = 100;
    for (uint32_t i = 0; i < p->dim; i++)
        g[i] = 42.0;
    double l1 = p->oracle.loss_grad_batch(&p->oracle, p->w0, 40, g);
    double l2 = p->oracle.loss_grad_batch(&p->oracle, p->w0, 40, g);
    for (uint32_t i = 0; i < p->dim; i++)
        g[i] = 42.0;
    double l3 = p->oracle.loss_grad_batch(&p->oracle, p->w0, 40, g);
    double l4 = p->oracle.loss_grad_full(&p->oracle, p->w0, g);
    CHECK(isfinite(l1) && isfinite(l2) && isnan(l3) && isnan(l4) && g[0] == 42.0 &&
              p->base.cost == 80 && p->base.exhausted,
          "beyond the budget: NaN, gradient untouched, %llu of 100 samples counted",
          (unsigned long long)p->base.cost);
    p->base.cost_limit = UINT64_MAX;
    double l5 = p->oracle.loss_grad_batch(&p->oracle, p->w0, 0, g);
    double l6 = p->oracle.loss_grad_batch(&p->oracle, p->w0, n + 1, g);
    CHECK(isnan(l5) && isnan(l6) && p->base.cost == 80, "batch sizes 0 and n + 1 are refused");
    free(seen);
    free(g);
    pb__problem_close(&p->base);
}

/* The quadratic at its optimum: loss 0, gradient 0; metrics without a test set. */
static void test_quadratic_optimum(void)
{
    pb__sto_problem *p = open_problem("quadratic-d100-i1");
    if (!p)
        return;
    const double *w_opt = *(double *const *)p->model; /* quad's first member */
    double metrics[PB__MAX_METRICS];
    int rc = p->base.ops->measure(&p->base, w_opt, metrics);
    CHECK(rc == 0 && p->f_opt == 0.0 && fabs(metrics[0]) < 1e-28 && metrics[0] == metrics[1] &&
              metrics[4] < 1e-14 && isnan(metrics[2]) && isnan(metrics[3]),
          "quadratic at w*: gap = train loss %.1e, gradient norm %.1e, no test metrics",
          metrics[0], metrics[4]);
    rc = p->base.ops->measure(&p->base, p->w0, metrics);
    CHECK(rc == 0 && metrics[0] > 1.0, "quadratic at w0 = 0: train gap %.3g", metrics[0]);
    pb__problem_close(&p->base);
}

/*
 * The minimum behind the main metric of a convex problem, certified: at the w the solver
 * returns, the gradient norm g (computed by the loss, itself checked against central
 * differences above) is at most PB__STO_GRAD_TOL, and the loss is l2-strongly convex, so
 * f(w) - f* <= g^2 / (2 l2): f_opt = f(w) is the minimum to within that bound, whatever the
 * solver did. The gap is then 0 at w and f(w0) - f_opt at w0.
 */
static void check_certified_minimum(pb__sto_problem *p, const char *id)
{
    double *w = malloc(p->dim * sizeof *w), *g = malloc(p->dim * sizeof *g);
    double f = pb__sto_minimize(p, w), g2 = 0.0, at_w[PB__MAX_METRICS], at_w0[PB__MAX_METRICS];
    double fw = p->loss(p, w, &p->train, NULL, p->train.n, g);
    for (uint32_t i = 0; i < p->dim; i++)
        g2 += g[i] * g[i];
    double bound = g2 / (2 * p->l2);
    CHECK(f == p->f_opt && fw == f && sqrt(g2) <= PB__STO_GRAD_TOL && bound <= 1e-17,
          "%s: f_opt %.17g = f(w) with |grad f(w)| = %.1e, so f_opt - f* <= %.1e", id,
          p->f_opt, sqrt(g2), bound);
    p->base.ops->measure(&p->base, w, at_w);
    p->base.ops->measure(&p->base, p->w0, at_w0);
    CHECK(at_w[0] == 0.0 && at_w0[0] == at_w0[1] - p->f_opt && at_w0[0] > 0.01,
          "%s: train gap 0 at the minimizer, %.4g = f(w0) - f_opt at w0", id, at_w0[0]);
    free(w);
    free(g);
}

/*
 * The minimum behind the main metric of problem id: certified where it is known (the convex
 * problems); where it is not (the MLP), there is no f_opt and the gap is the training loss.
 */
static void test_minimum(const char *id, int known)
{
    pb__sto_problem *p = open_problem(id);
    if (!p)
        return;
    if (known) {
        check_certified_minimum(p, id);
    } else {
        double m[PB__MAX_METRICS];
        p->base.ops->measure(&p->base, p->w0, m);
        CHECK(isnan(p->f_opt) && m[0] == m[1], "%s: no f_opt, train gap = train loss %.4g", id,
              m[1]);
    }
    pb__problem_close(&p->base);
}

int main(void)
{
    test_problem("logreg-breast-cancer", 31, 456);
    test_problem("softmax-digits", 650, 1438);
    test_problem("mlp-digits", 64 * 32 + 32 + 32 * 10 + 10, 1438);
    test_problem("quadratic-d100-i1", 100, 1000);
    test_batches();
    test_quadratic_optimum();
    test_minimum("logreg-breast-cancer", 1);
    test_minimum("softmax-digits", 1);
    test_minimum("mlp-digits", 0);
    return check_summary("stochastic");
}
