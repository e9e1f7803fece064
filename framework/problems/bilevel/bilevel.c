/* The bilevel kind: counted oracles with host-drawn noise, and measurement. */
#include "bil_problem.h"
#include "dataset.h"
#include "plugbench/kit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const pb__numbered_family pb__family_bil_quadratic, pb__family_bil_cosh,
    pb__family_bil_benchopt, pb__family_bil_maid,
    pb__family_bil_maid_centered, pb__family_bil_lvhba_toy;
extern const pb__numbered_family pb__family_bil_coupled;
extern const pb__family pb__family_bil_l2reg, pb__family_bil_hypercleaning,
    pb__family_bil_tvdenoise;

/* The host's generator for noise and batches: stream "bilv", independent of the plugin's
 * stream 0 for the same seed. */
static pb_rng *rng(pb__bil_problem *p)
{
    if (!p->seeded) {
        pb_rng_seed(&p->rng, p->base.seed, 0x62696c76u);
        p->seeded = 1;
    }
    return &p->rng;
}

static uint32_t n_batches(const pb__bil_problem *p, uint32_t n)
{
    return (n + p->oracle.batch_size - 1) / p->oracle.batch_size;
}

static uint32_t draw_batch(const pb_bilevel *self, uint32_t level)
{
    pb__bil_problem *p = self->host;
    uint32_t n = level == PB_BILEVEL_OUTER ? p->oracle.n_outer : p->oracle.n_inner;
    if (n == 0 || level > PB_BILEVEL_OUTER)
        return 0;
    return (uint32_t)pb_rng_below(rng(p), n_batches(p, n));
}

/*
 * Checks and charges a call of oracle `which` in mode. Returns 0 when it may proceed, with
 * [*lo, *hi) the samples to average (*hi == 0: the exact value, through the family's exact
 * oracle), or 1 when refused (bad mode, budget, or called from solution()).
 */
static int admit(pb__bil_problem *p, int which, uint32_t mode, uint32_t *lo, uint32_t *hi)
{
    int outer = which == PB__BIL_GRAD_X_F || which == PB__BIL_GRAD_Y_F || which == PB__BIL_F_VALUE;
    uint32_t n = outer ? p->oracle.n_outer : p->oracle.n_inner, b = p->oracle.batch_size;
    *lo = *hi = 0;
    if (n == 0) { /* noise model: every mode but a batch costs 1 */
        if (mode > PB_BILEVEL_STOCHASTIC || pb__oracle_refused(&p->base, 1))
            return 1;
        p->base.cost += 1;
        p->calls[which] += 1;
        return 0;
    }
    if (mode == PB_BILEVEL_EXACT) {
        if (pb__oracle_refused(&p->base, n))
            return 1;
        p->base.cost += n;
        p->calls[which] += n;
        return 0;
    }
    uint32_t j;
    if (mode == PB_BILEVEL_STOCHASTIC) {
        /* Charge the largest batch first, so that a refused call draws nothing. */
        if (pb__oracle_refused(&p->base, b < n ? b : n))
            return 1;
        j = (uint32_t)pb_rng_below(rng(p), n_batches(p, n));
    } else {
        j = mode - PB_BILEVEL_BATCH(0);
        if (j >= n_batches(p, n))
            return 1;
    }
    *lo = j * b;
    *hi = *lo + b < n ? *lo + b : n;
    if (pb__oracle_refused(&p->base, *hi - *lo))
        return 1;
    p->base.cost += *hi - *lo;
    p->calls[which] += *hi - *lo;
    return 0;
}

/* Adds the noise model's noise to out (n doubles). */
static void add_noise(pb__bil_problem *p, uint32_t mode, double *out, uint32_t n)
{
    if (mode != PB_BILEVEL_STOCHASTIC || p->oracle.n_inner || p->oracle.noise == 0.0)
        return;
    for (uint32_t i = 0; i < n; i++)
        out[i] += p->oracle.noise * pb_rng_normal(rng(p));
}

void pb__bil_exact(pb__bil_problem *p, int which, const double *x, const double *y,
                   const double *v, double *out)
{
    const pb__bil_fns *fns = p->fns;
    pb__bil_grad grad = which == PB__BIL_GRAD_X_F   ? fns->grad_x_f
                        : which == PB__BIL_GRAD_Y_F ? fns->grad_y_f
                        : which == PB__BIL_GRAD_Y_G ? fns->grad_y_g
                        : which == PB__BIL_GRAD_X_G ? fns->grad_x_g
                                                    : NULL;
    pb__bil_prod prod = which == PB__BIL_HVP_YY_G     ? fns->hvp_yy_g
                        : which == PB__BIL_CROSS_XY_G ? fns->cross_xy_g
                                                      : NULL;
    int upper = which == PB__BIL_GRAD_X_F || which == PB__BIL_GRAD_Y_F;
    if (grad)
        grad(p, x, y, out);
    else if (prod)
        prod(p, x, y, v, out);
    else
        fns->batch_oracle(p, which, x, y, v, 0, upper ? p->oracle.n_outer : p->oracle.n_inner,
                          out);
}

/*
 * What every counted oracle does: admit the call (refuse or count it), evaluate oracle
 * `which` -- the family's batch oracle on the admitted samples, or its exact one -- and add
 * the noise model's noise to out (dx doubles for the x-gradients, dy for the others).
 * Returns 0.0, or NaN when refused.
 */
static double counted(pb__bil_problem *p, int which, const double *x, const double *y,
                      const double *v, uint32_t mode, double *out)
{
    uint32_t lo, hi;
    if (admit(p, which, mode, &lo, &hi))
        return NAN;
    if (hi)
        p->fns->batch_oracle(p, which, x, y, v, lo, hi, out);
    else
        pb__bil_exact(p, which, x, y, v, out);
    int of_x = which == PB__BIL_GRAD_X_F || which == PB__BIL_CROSS_XY_G ||
               which == PB__BIL_GRAD_X_G;
    add_noise(p, mode, out, of_x ? p->oracle.dx : p->oracle.dy);
    return 0.0;
}

/* The oracle table's members. */
static double counted_grad_x_f(const pb_bilevel *self, const double *x, const double *y,
                               uint32_t mode, double *out)
{
    return counted(self->host, PB__BIL_GRAD_X_F, x, y, NULL, mode, out);
}
static double counted_grad_y_f(const pb_bilevel *self, const double *x, const double *y,
                               uint32_t mode, double *out)
{
    return counted(self->host, PB__BIL_GRAD_Y_F, x, y, NULL, mode, out);
}
static double counted_grad_y_g(const pb_bilevel *self, const double *x, const double *y,
                               uint32_t mode, double *out)
{
    return counted(self->host, PB__BIL_GRAD_Y_G, x, y, NULL, mode, out);
}
static double counted_grad_x_g(const pb_bilevel *self, const double *x, const double *y,
                               uint32_t mode, double *out)
{
    return counted(self->host, PB__BIL_GRAD_X_G, x, y, NULL, mode, out);
}
static double counted_hvp_yy_g(const pb_bilevel *self, const double *x, const double *y,
                               const double *v, uint32_t mode, double *out)
{
    return counted(self->host, PB__BIL_HVP_YY_G, x, y, v, mode, out);
}
static double counted_cross_xy_g(const pb_bilevel *self, const double *x, const double *y,
                                 const double *v, uint32_t mode, double *out)
{
    return counted(self->host, PB__BIL_CROSS_XY_G, x, y, v, mode, out);
}

/* The value oracles (revision 2): admitted and noised as the gradients are, one double. */
static double counted_value(pb__bil_problem *p, int which, const double *x, const double *y,
                            uint32_t mode, double *out)
{
    uint32_t lo, hi;
    if (admit(p, which, mode, &lo, &hi))
        return NAN;
    if (hi)
        out[0] = p->fns->batch_value(p, which, x, y, lo, hi);
    else if (which == PB__BIL_F_VALUE)
        out[0] = p->fns->f(p, x, y);
    else
        out[0] = p->fns->g(p, x, y);
    add_noise(p, mode, out, 1);
    return 0.0;
}
static double counted_f_value(const pb_bilevel *self, const double *x, const double *y,
                              uint32_t mode, double *out)
{
    return counted_value(self->host, PB__BIL_F_VALUE, x, y, mode, out);
}
static double counted_g_value(const pb_bilevel *self, const double *x, const double *y,
                              uint32_t mode, double *out)
{
    return counted_value(self->host, PB__BIL_G_VALUE, x, y, mode, out);
}

/* The constraint oracles: exact mode only, 1 each. */
static int admit_constraint(pb__bil_problem *p, int which, uint32_t mode)
{
    if (mode != PB_BILEVEL_EXACT || pb__oracle_refused(&p->base, 1))
        return 1;
    p->base.cost += 1;
    p->calls[which] += 1;
    return 0;
}
static double counted_h(const pb_bilevel *self, const double *x, const double *y,
                        uint32_t mode, double *out)
{
    pb__bil_problem *p = self->host;
    if (admit_constraint(p, PB__BIL_H, mode))
        return NAN;
    p->fns->h(p, x, y, out);
    return 0.0;
}
/* The transposed Jacobian products, (d h / d x)^T lambda (which PB__BIL_JAC_X_H) or
 * (d h / d y)^T lambda. */
static double counted_jac(const pb_bilevel *self, int which, const double *x, const double *y,
                          const double *lambda, uint32_t mode, double *out)
{
    pb__bil_problem *p = self->host;
    if (admit_constraint(p, which, mode))
        return NAN;
    (which == PB__BIL_JAC_X_H ? p->fns->jac_x_h : p->fns->jac_y_h)(p, x, y, lambda, out);
    return 0.0;
}
static double counted_jac_x_h(const pb_bilevel *self, const double *x, const double *y,
                              const double *lambda, uint32_t mode, double *out)
{
    return counted_jac(self, PB__BIL_JAC_X_H, x, y, lambda, mode, out);
}
static double counted_jac_y_h(const pb_bilevel *self, const double *x, const double *y,
                              const double *lambda, uint32_t mode, double *out)
{
    return counted_jac(self, PB__BIL_JAC_Y_H, x, y, lambda, mode, out);
}

/* Shared by the data families (logistic losses, per-sample weights): the branch keeps exp
 * from overflowing. */
double pb__bil_sigmoid(double t)
{
    return t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t));
}

/* Frees the arrays of data's three parts. */
static void close_data(pb__bil_data *data)
{
    pb__bil_rows *parts[] = {&data->tr, &data->val, &data->test};
    for (int i = 0; i < 3; i++) {
        free(parts[i]->a);
        free(parts[i]->c);
    }
}

void pb__bil_data_free(void *model)
{
    if (model)
        close_data(model);
    free(model);
}

/* Rows [lo, hi) of ds with a trailing 1, and their labels; -1 when out of memory. */
static int copy_rows(const pb__dataset *ds, uint32_t lo, uint32_t hi, pb__bil_rows *out)
{
    size_t width = (size_t)ds->d + 1;
    out->n = hi - lo;
    out->a = malloc(out->n * width * sizeof(double));
    out->c = malloc(out->n * sizeof(uint32_t));
    if (!out->a || !out->c)
        return -1;
    for (uint32_t j = lo; j < hi; j++) {
        double *row = out->a + (j - lo) * width;
        memcpy(row, ds->x + (size_t)j * ds->d, ds->d * sizeof(double));
        row[ds->d] = 1.0;
        out->c[j - lo] = ds->y[j];
    }
    return 0;
}

/* Opens datasets/<name> into data (pb__bil_data_new); 0, or -1 with nothing to free. */
static int open_data(const char *name, uint32_t features, uint32_t max_classes,
                     uint32_t n_train, pb__bil_data *data, char *err, size_t errlen)
{
    pb__dataset train, tests;
    if (pb__dataset_open(name, &train, &tests, err, errlen) != 0)
        return -1;
    int rc = -1;
    if (train.d != features || train.n <= n_train || tests.n == 0 ||
        train.n_classes > max_classes || tests.n_classes > max_classes) {
        snprintf(err, errlen, "%s: expected %u features, at most %u classes and more than %u "
                              "training rows, found %u, %u and %u", name, features, max_classes,
                 n_train, train.d, train.n_classes, train.n);
    } else if (copy_rows(&train, 0, n_train, &data->tr) ||
               copy_rows(&train, n_train, train.n, &data->val) ||
               copy_rows(&tests, 0, tests.n, &data->test)) {
        close_data(data);
        snprintf(err, errlen, "out of memory");
    } else {
        rc = 0;
    }
    pb__dataset_free(&train);
    pb__dataset_free(&tests);
    return rc;
}

void *pb__bil_data_new(size_t model_size, const char *name, uint32_t features,
                       uint32_t max_classes, uint32_t n_train, char *err, size_t errlen)
{
    pb__bil_data *data = calloc(1, model_size);
    if (!data)
        snprintf(err, errlen, "out of memory");
    else if (open_data(name, features, max_classes, n_train, data, err, errlen) != 0) {
        free(data);
        data = NULL;
    }
    return data;
}

void pb__bil_finite_sum(pb__bil_problem *p, uint32_t n_inner, uint32_t n_outer,
                        uint32_t batch_size)
{
    p->oracle.n_inner = n_inner;
    p->oracle.n_outer = n_outer;
    p->oracle.batch_size = batch_size;
}

int pb__bil_data_problem(uint32_t dx, uint32_t dy, const pb__bil_fns *fns, void *model,
                         uint32_t batch_size, pb__problem **out, char *err, size_t errlen)
{
    pb__bil_problem *p =
        pb__bil_problem_new(dx, dy, 0, fns, model, pb__bil_data_free, err, errlen);
    if (!p)
        return -1;
    const pb__bil_data *data = model;
    pb__bil_finite_sum(p, data->tr.n, data->val.n, batch_size);
    *out = &p->base;
    return 0;
}

void pb__bil_constrained(pb__bil_problem *p, uint32_t n_constraints)
{
    p->base.constrained = 1;
    p->base.handle.solution_length = (uint64_t)p->oracle.dx + p->oracle.dy; /* x, then y */
    p->oracle.n_constraints = n_constraints;
    p->oracle.h = counted_h;
    p->oracle.jac_x_h = counted_jac_x_h;
    p->oracle.jac_y_h = counted_jac_y_h;
}

int pb__bil_quadratic_x_opt(pb__bil_problem *p)
{
    uint32_t n = p->oracle.dx;
    double *H = malloc(((size_t)n * n + 3 * (size_t)n) * sizeof(double));
    if (!H)
        return -1;
    double *g0 = H + (size_t)n * n, *gk = g0 + n, *e = gk + n;
    memset(e, 0, n * sizeof(double));
    pb__bil_grad_phi(p, e, g0);
    for (uint32_t k = 0; k < n; k++) {
        e[k] = 1.0;
        pb__bil_grad_phi(p, e, gk);
        e[k] = 0.0;
        for (uint32_t r = 0; r < n; r++)
            H[(size_t)r * n + k] = gk[r] - g0[r];
    }
    for (uint32_t r = 0; r < n; r++)
        for (uint32_t c = 0; c < r; c++)
            H[(size_t)r * n + c] = H[(size_t)c * n + r] =
                0.5 * (H[(size_t)r * n + c] + H[(size_t)c * n + r]);
    for (uint32_t r = 0; r < n; r++)
        p->x_opt[r] = -g0[r];
    int rc = pb__bil_cholesky_solve(H, n, p->x_opt);
    free(H);
    return rc;
}

double pb__bil_phi(pb__bil_problem *p, const double *x)
{
    p->fns->y_star(p, x, p->wy);
    return p->fns->f(p, x, p->wy);
}

void pb__bil_grad_phi(pb__bil_problem *p, const double *x, double *out)
{
    if (p->fns->grad_phi) {
        p->fns->grad_phi(p, x, out);
        return;
    }
    p->fns->y_star(p, x, p->wy);
    pb__bil_exact(p, PB__BIL_GRAD_Y_F, x, p->wy, NULL, p->wy2);
    double *z = malloc(p->oracle.dy * sizeof(double)); /* small; measurement is untimed */
    if (!z) {
        for (uint32_t i = 0; i < p->oracle.dx; i++)
            out[i] = NAN;
        return;
    }
    p->fns->solve_yy(p, x, p->wy, p->wy2, z);
    pb__bil_exact(p, PB__BIL_GRAD_X_F, x, p->wy, NULL, out);
    pb__bil_exact(p, PB__BIL_CROSS_XY_G, x, p->wy, z, p->wx);
    for (uint32_t i = 0; i < p->oracle.dx; i++)
        out[i] -= p->wx[i];
    free(z);
}

/* max(0, max_k h_k(x, y)), the constraint violation of the plugin's pair (NaN when out of
 * memory). */
static double max_violation(pb__bil_problem *p, const double *x, const double *y)
{
    double *h = malloc(p->oracle.n_constraints * sizeof(double)); /* untimed */
    if (!h)
        return NAN;
    p->fns->h(p, x, y, h);
    double v = 0.0;
    for (uint32_t k = 0; k < p->oracle.n_constraints; k++)
        v = fmax(v, h[k]);
    free(h);
    return v;
}

static int measure(pb__problem *base, const double *x, double *out)
{
    pb__bil_problem *p = (pb__bil_problem *)base;
    for (int k = 0; k < 5; k++)
        out[k] = NAN;
    for (uint64_t i = 0; i < base->handle.solution_length; i++)
        if (!isfinite(x[i]))
            return 1;
    if (p->oracle.n_constraints) /* the solution is x, then y */
        out[4] = max_violation(p, x, x + p->oracle.dx);
    double phi = pb__bil_phi(p, x);
    out[0] = isnan(p->phi_opt) ? phi : phi - p->phi_opt;
    double *g = malloc(p->oracle.dx * sizeof(double));
    if (g) {
        pb__bil_grad_phi(p, x, g);
        double g2 = 0.0;
        for (uint32_t i = 0; i < p->oracle.dx; i++)
            g2 += g[i] * g[i];
        out[1] = sqrt(g2);
        free(g);
    }
    if (p->x_opt) {
        double d2 = 0.0;
        for (uint32_t i = 0; i < p->oracle.dx; i++)
            d2 += (x[i] - p->x_opt[i]) * (x[i] - p->x_opt[i]);
        out[2] = sqrt(d2);
    }
    if (p->fns->test_accuracy)
        out[3] = p->fns->test_accuracy(p, x);
    return isfinite(out[0]) ? 0 : 1;
}

static void describe(const pb__problem *base, cJSON *obj)
{
    const pb__bil_problem *p = (const pb__bil_problem *)base;
    cJSON_AddNumberToObject(obj, "dim_outer", p->oracle.dx);
    cJSON_AddNumberToObject(obj, "dim_inner", p->oracle.dy);
    cJSON_AddNumberToObject(obj, "noise", p->oracle.noise);
    cJSON_AddNumberToObject(obj, "n_inner", p->oracle.n_inner);
    cJSON_AddNumberToObject(obj, "n_outer", p->oracle.n_outer);
    cJSON_AddNumberToObject(obj, "batch_size", p->oracle.batch_size);
    if (p->oracle.n_constraints) /* revision 2; absent from unconstrained problems' records */
        cJSON_AddNumberToObject(obj, "n_constraints", p->oracle.n_constraints);
    cJSON_AddBoolToObject(obj, "phi_opt_known", !isnan(p->phi_opt));
    if (!isnan(p->phi_opt))
        cJSON_AddNumberToObject(obj, "phi_opt", p->phi_opt);
}

static void destroy(pb__problem *base)
{
    pb__bil_problem *p = (pb__bil_problem *)base;
    if (p->model_free)
        p->model_free(p->model);
    free(p); /* x0, y0, x_opt and the scratch live in p's block */
}

pb__bil_problem *pb__bil_problem_new(uint32_t dx, uint32_t dy, int x_opt_known,
                                     const pb__bil_fns *fns, void *model,
                                     void (*model_free)(void *model), char *err, size_t errlen)
{
    const pb_array arrays[] = {
        PB_ARRAY(pb__bil_problem, x0, dx), PB_ARRAY(pb__bil_problem, y0, dy),
        PB_ARRAY(pb__bil_problem, wx, dx), PB_ARRAY(pb__bil_problem, wy, dy),
        PB_ARRAY(pb__bil_problem, wy2, dy),
        PB_ARRAY(pb__bil_problem, x_opt, x_opt_known ? dx : 0)};
    pb__bil_problem *p = pb__problem_block_new(sizeof *p, sizeof arrays / sizeof arrays[0],
                                               arrays, model, model_free, err, errlen);
    if (!p)
        return NULL;
    p->model = model; /* freed by destroy from here on */
    p->model_free = model_free;
    p->fns = fns;
    if (!x_opt_known)
        p->x_opt = NULL;
    p->phi_opt = NAN;
    p->oracle = (pb_bilevel){
        .struct_size = sizeof(pb_bilevel),
        .dx = dx,
        .dy = dy,
        .x0 = p->x0,
        .y0 = p->y0,
        .grad_x_f = counted_grad_x_f,
        .grad_y_f = counted_grad_y_f,
        .grad_y_g = counted_grad_y_g,
        .hvp_yy_g = counted_hvp_yy_g,
        .cross_xy_g = counted_cross_xy_g,
        .batch_size = 1,
        .draw_batch = draw_batch,
        .host = p,
        .f_value = counted_f_value,
        .g_value = counted_g_value,
        .grad_x_g = counted_grad_x_g,
    };
    pb__problem_init(&p->base, &pb__kind_bilevel, &p->oracle, dx);
    return p;
}

/* The bilevel kind as the registry lists it (problem.h): defined last, after its operations. */
const pb__kind pb__kind_bilevel = {
    .name = "bilevel",
    .abi_kind = PB_KIND_BILEVEL,
    .cost_unit = "oracle_calls",
    .doc = "minimize f(x, y*(x)), y*(x) = argmin_y g(x, y), from counted first- and "
           "second-order oracles, exact or with host-drawn noise",
    .metrics = {"phi_gap", "grad_phi_norm", "x_dist", "test_accuracy", "max_violation"},
    .constrained_metrics = 1u << 4, /* max_violation */
    .default_problems = {"bilevel-quadratic-i1", "bilevel-cosh-d10",
                         "bilevel-benchopt-quadratic-i1", "bilevel-l2reg-breast-cancer",
                         "bilevel-hypercleaning-digits", "bilevel-maid-quadratic-i1",
                         "bilevel-maid-centered-i1", "bilevel-tvdenoise-d1-n16",
                         /* constrained: run for the plugins that declare constraints */
                         "bilevel-lvhba-toy-d100", "bilevel-coupled-i1"},
    .default_budget = {.cost = 200000},
    .families = {&pb__family_bil_quadratic.family, &pb__family_bil_cosh.family,
                 &pb__family_bil_benchopt.family, &pb__family_bil_l2reg,
                 &pb__family_bil_hypercleaning, &pb__family_bil_maid.family,
                 &pb__family_bil_maid_centered.family, &pb__family_bil_lvhba_toy.family,
                 &pb__family_bil_tvdenoise, &pb__family_bil_coupled.family},
    .ops = {.measure = measure, .describe = describe, .destroy = destroy},
};
