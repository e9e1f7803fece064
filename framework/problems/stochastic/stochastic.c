/* The stochastic kind: minibatches drawn by the host, sample counting, measurement. */
#include "sto_problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const pb__family pb__family_logreg, pb__family_softmax, pb__family_mlp,
    pb__family_quadratic;

/* Refuses a call of cost samples beyond the budget or from solution(); else counts it. */
static int charge(pb__sto_problem *p, uint64_t cost)
{
    if (pb__oracle_refused(&p->base, cost))
        return 0;
    p->base.cost += cost;
    return 1;
}

double pb__sto_counted_full(const pb_stochastic *self, const double *w, double *grad)
{
    pb__sto_problem *p = self->host;
    if (!charge(p, p->train.n))
        return NAN;
    return p->loss(p, w, &p->train, NULL, p->train.n, grad);
}

/* Fisher-Yates over perm with the problem's batch generator. */
static void reshuffle(pb__sto_problem *p)
{
    for (uint32_t i = p->train.n; i > 1; i--) {
        uint32_t j = (uint32_t)pb_rng_below(&p->rng, i);
        uint32_t t = p->perm[i - 1];
        p->perm[i - 1] = p->perm[j];
        p->perm[j] = t;
    }
    p->pos = 0;
}

double pb__sto_counted_batch(const pb_stochastic *self, const double *w, uint32_t batch_size,
                             double *grad)
{
    pb__sto_problem *p = self->host;
    if (batch_size == 0 || batch_size > p->train.n || !charge(p, batch_size))
        return NAN;
    if (!p->seeded) {
        /* Stream "batc": independent of the plugin's stream 0 for the same seed. */
        pb_rng_seed(&p->rng, p->base.seed, 0x62617463u);
        reshuffle(p);
        p->seeded = 1;
    }
    for (uint32_t k = 0; k < batch_size; k++) {
        if (p->pos == p->train.n)
            reshuffle(p);
        p->batch[k] = p->perm[p->pos++];
    }
    return p->loss(p, w, &p->train, p->batch, batch_size, grad);
}

double pb__sto_counted_hvp(const pb_stochastic *self, const double *w, const double *v,
                           double *out)
{
    pb__sto_problem *p = self->host;
    if (!charge(p, p->train.n))
        return NAN;
    p->hessian_vector(p, w, v, out);
    return 0.0;
}

static int measure(pb__problem *base, const double *w, double *out)
{
    pb__sto_problem *p = (pb__sto_problem *)base;
    for (uint32_t i = 0; i < p->dim; i++)
        if (!isfinite(w[i])) {
            for (int k = 0; k < 5; k++)
                out[k] = NAN;
            return 1;
        }
    out[1] = p->loss(p, w, &p->train, NULL, p->train.n, p->work);
    out[0] = isnan(p->f_opt) ? out[1] : out[1] - p->f_opt;
    double g2 = 0.0;
    for (uint32_t i = 0; i < p->dim; i++)
        g2 += p->work[i] * p->work[i];
    out[4] = sqrt(g2);
    out[2] = p->test.n ? p->loss(p, w, &p->test, NULL, p->test.n, NULL) : NAN;
    out[3] = p->test.n && p->accuracy ? p->accuracy(p, &p->test) : NAN; /* after the test loss */
    return isfinite(out[0]) ? 0 : 1;
}

/*
 * d = -H g by L-BFGS's two-loop recursion over the k stored pairs (s_i, y_i), newest at
 * index (newest), scaled by s.y / y.y of the newest pair (Nocedal and Wright, Alg. 7.4).
 */
static void lbfgs_direction(const double *g, const double *S, const double *Y, const double *rho,
                            uint32_t k, uint32_t newest, uint32_t m, uint32_t dim, double *alpha,
                            double *d)
{
    for (uint32_t i = 0; i < dim; i++)
        d[i] = -g[i];
    for (uint32_t j = 0; j < k; j++) {
        uint32_t c = (newest + m - j) % m;
        const double *s = S + (size_t)c * dim, *y = Y + (size_t)c * dim;
        double a = 0.0;
        for (uint32_t i = 0; i < dim; i++)
            a += s[i] * d[i];
        alpha[c] = a *= rho[c];
        for (uint32_t i = 0; i < dim; i++)
            d[i] -= a * y[i];
    }
    if (k) {
        const double *y = Y + (size_t)newest * dim;
        double yy = 0.0;
        for (uint32_t i = 0; i < dim; i++)
            yy += y[i] * y[i];
        for (uint32_t i = 0; i < dim; i++)
            d[i] /= rho[newest] * yy;
    }
    for (uint32_t j = k; j-- > 0;) {
        uint32_t c = (newest + m - j) % m;
        const double *s = S + (size_t)c * dim, *y = Y + (size_t)c * dim;
        double b = 0.0;
        for (uint32_t i = 0; i < dim; i++)
            b += y[i] * d[i];
        b *= rho[c];
        for (uint32_t i = 0; i < dim; i++)
            d[i] += (alpha[c] - b) * s[i];
    }
}

double pb__sto_minimize(pb__sto_problem *p, double *w)
{
    enum { M = 10 };
    uint32_t dim = p->dim;
    double *S = malloc((size_t)M * dim * sizeof *S), *Y = malloc((size_t)M * dim * sizeof *Y);
    double *g = malloc(dim * sizeof *g), *gt = malloc(dim * sizeof *gt);
    double *d = malloc(dim * sizeof *d), *wt = malloc(dim * sizeof *wt);
    double rho[M], alpha[M], f = NAN;
    if (!S || !Y || !g || !gt || !d || !wt)
        goto out;
    memcpy(w, p->w0, dim * sizeof *w);
    f = p->loss(p, w, &p->train, NULL, p->train.n, g);
    uint32_t k = 0, newest = M - 1;
    for (int it = 0; it < 100000; it++) {
        double gn = 0.0;
        for (uint32_t i = 0; i < dim; i++)
            gn += g[i] * g[i];
        if (sqrt(gn) <= PB__STO_GRAD_TOL)
            goto out;
        lbfgs_direction(g, S, Y, rho, k, newest, M, dim, alpha, d);
        double gd = 0.0, t = k ? 1.0 : 1.0 / sqrt(gn);
        for (uint32_t i = 0; i < dim; i++)
            gd += g[i] * d[i];
        /* Armijo backtracking; once the predicted decrease is below f's rounding the test
         * cannot decide, and the step is taken as it is (there L-BFGS converges fast). */
        double ft;
        for (int ls = 0;; ls++, t *= 0.5) {
            for (uint32_t i = 0; i < dim; i++)
                wt[i] = w[i] + t * d[i];
            ft = p->loss(p, wt, &p->train, NULL, p->train.n, gt);
            if (ft <= f + 1e-4 * t * gd || -t * gd < 1e-15 * fabs(f))
                break;
            if (ls == 60) {
                f = NAN; /* no descent along d: not strongly convex, or NaN */
                goto out;
            }
        }
        double sy = 0.0;
        for (uint32_t i = 0; i < dim; i++)
            sy += (wt[i] - w[i]) * (gt[i] - g[i]);
        if (sy > 0) { /* else no curvature information: the pair is not kept */
            newest = (newest + 1) % M;
            double *s = S + (size_t)newest * dim, *y = Y + (size_t)newest * dim;
            for (uint32_t i = 0; i < dim; i++) {
                s[i] = wt[i] - w[i];
                y[i] = gt[i] - g[i];
            }
            rho[newest] = 1.0 / sy;
            k += k < M;
        }
        memcpy(w, wt, dim * sizeof *w);
        memcpy(g, gt, dim * sizeof *g);
        f = ft;
    }
    f = NAN;
out:
    free(S);
    free(Y);
    free(g);
    free(gt);
    free(d);
    free(wt);
    return f;
}

static void describe(const pb__problem *base, cJSON *obj)
{
    const pb__sto_problem *p = (const pb__sto_problem *)base;
    cJSON_AddNumberToObject(obj, "dimension", p->dim);
    cJSON_AddNumberToObject(obj, "n_train", p->train.n);
    cJSON_AddNumberToObject(obj, "n_test", p->test.n);
    cJSON_AddNumberToObject(obj, "l2", p->l2);
    if (isnan(p->f_opt))
        cJSON_AddNullToObject(obj, "f_opt");
    else
        cJSON_AddNumberToObject(obj, "f_opt", p->f_opt);
    cJSON_AddBoolToObject(obj, "hvp", p->hessian_vector != NULL);
}

static void destroy(pb__problem *base)
{
    pb__sto_problem *p = (pb__sto_problem *)base;
    if (p->model_free)
        p->model_free(p->model);
    pb__dataset_free(&p->train);
    pb__dataset_free(&p->test);
    free(p); /* w0, perm, batch and work live in p's block */
}

pb__sto_problem *pb__sto_problem_new(uint32_t dim, pb__dataset *train, pb__dataset *test,
                                     pb__sto_loss loss, void *model,
                                     void (*model_free)(void *model), char *err, size_t errlen)
{
    const pb_array arrays[] = {
        PB_ARRAY(pb__sto_problem, w0, dim), PB_ARRAY(pb__sto_problem, work, dim),
        PB_ARRAY(pb__sto_problem, perm, train->n), PB_ARRAY(pb__sto_problem, batch, train->n)};
    pb__sto_problem *p = pb__problem_block_new(sizeof *p, sizeof arrays / sizeof arrays[0],
                                               arrays, model, model_free, err, errlen);
    if (!p) {
        pb__dataset_free(train);
        pb__dataset_free(test);
        return NULL;
    }
    p->model = model; /* freed by destroy from here on */
    p->model_free = model_free;
    p->train = *train;
    p->test = *test;
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    for (uint32_t i = 0; i < p->train.n; i++)
        p->perm[i] = i;
    p->dim = dim;
    p->loss = loss;
    p->oracle = (pb_stochastic){
        .struct_size = sizeof(pb_stochastic),
        .dim = dim,
        .n_train = p->train.n,
        .w0 = p->w0,
        .loss_grad_full = pb__sto_counted_full,
        .loss_grad_batch = pb__sto_counted_batch,
        .hvp = NULL, /* set by pb__sto_problem users that provide hessian_vector */
        .host = p,
    };
    pb__problem_init(&p->base, &pb__kind_stochastic, &p->oracle, dim);
    p->f_opt = NAN;
    return p;
}

void pb__sto_glorot(pb_rng *rng, double *W, uint32_t O, uint32_t I)
{
    double a = sqrt(6.0 / (O + I));
    for (uint64_t k = 0; k < (uint64_t)O * I; k++)
        W[k] = pb_rng_uniform_in(rng, -a, a);
}

/* The stochastic kind as the registry lists it (problem.h): defined last, after its operations. */
const pb__kind pb__kind_stochastic = {
    .name = "stochastic",
    .abi_kind = PB_KIND_STOCHASTIC,
    .cost_unit = "samples",
    .doc = "minimize a finite sum (1/n) sum_i l_i(w) from minibatch gradients drawn by the host",
    .metrics = {"train_gap", "train_loss", "test_loss", "test_accuracy", "grad_norm"},
    /* The default suite: the four problems of the M-FAC issue, each a few epochs. */
    .default_problems = {"logreg-breast-cancer", "softmax-digits", "mlp-digits",
                         "quadratic-d100-i1"},
    .default_budget = {.cost = 20000},
    .families = {&pb__family_logreg, &pb__family_softmax, &pb__family_mlp,
                 &pb__family_quadratic},
    .ops = {.measure = measure, .describe = describe, .destroy = destroy},
};
