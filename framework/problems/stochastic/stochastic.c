/* The stochastic kind: minibatches drawn by the host, sample counting, measurement. */
#include "sto_problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const pb__family pb__family_logreg, pb__family_softmax, pb__family_mlp,
    pb__family_quadratic;

static const char *const metrics[] = {"train_loss", "test_loss", "test_accuracy", "grad_norm"};
/* The default suite: the four problems of the M-FAC issue, each a few epochs. */
static const char *const defaults[] = {"logreg-breast-cancer", "softmax-digits", "mlp-digits",
                                       "quadratic-d100-i1"};
static const pb__family *const families[] = {&pb__family_logreg, &pb__family_softmax,
                                             &pb__family_mlp, &pb__family_quadratic};

const pb__kind pb__kind_stochastic = {
    .name = "stochastic",
    .abi_kind = PB_KIND_STOCHASTIC,
    .cost_unit = "samples",
    .doc = "minimize a finite sum (1/n) sum_i l_i(w) from minibatch gradients drawn by the host",
    .metrics = metrics,
    .n_metrics = 4,
    .default_problems = defaults,
    .n_default_problems = sizeof defaults / sizeof defaults[0],
    .default_budget = {.cost = 20000},
    .families = families,
    .n_families = 4,
    .record_extras = NULL,
};

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
            for (int k = 0; k < 4; k++)
                out[k] = NAN;
            return 1;
        }
    out[0] = p->loss(p, w, &p->train, NULL, p->train.n, p->work);
    double g2 = 0.0;
    for (uint32_t i = 0; i < p->dim; i++)
        g2 += p->work[i] * p->work[i];
    out[3] = sqrt(g2);
    out[1] = p->test.n ? p->loss(p, w, &p->test, NULL, p->test.n, NULL) : NAN;
    out[2] = p->test.n && p->accuracy ? p->accuracy(p, w, &p->test) : NAN;
    return isfinite(out[0]) ? 0 : 1;
}

static void describe(const pb__problem *base, cJSON *obj)
{
    const pb__sto_problem *p = (const pb__sto_problem *)base;
    cJSON_AddStringToObject(obj, "family", base->family->name);
    cJSON_AddNumberToObject(obj, "dimension", p->dim);
    cJSON_AddNumberToObject(obj, "n_train", p->train.n);
    cJSON_AddNumberToObject(obj, "n_test", p->test.n);
    cJSON_AddNumberToObject(obj, "l2", p->l2);
    cJSON_AddBoolToObject(obj, "hvp", p->hessian_vector != NULL);
}

static void destroy(pb__problem *base)
{
    pb__sto_problem *p = (pb__sto_problem *)base;
    if (p->model_free)
        p->model_free(p->model);
    pb__dataset_free(&p->train);
    pb__dataset_free(&p->test);
    free(p->w0);
    free(p->perm);
    free(p->batch);
    free(p->work);
    free(p);
}

pb__sto_problem *pb__sto_problem_new(uint32_t dim, pb__dataset *train, pb__dataset *test,
                                     pb__sto_loss loss)
{
    pb__sto_problem *p = calloc(1, sizeof *p);
    if (!p) {
        pb__dataset_free(train);
        pb__dataset_free(test);
        return NULL;
    }
    p->train = *train;
    p->test = *test;
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    p->w0 = calloc(dim, sizeof(double));
    p->work = calloc(dim, sizeof(double));
    p->perm = malloc(p->train.n * sizeof(uint32_t));
    p->batch = malloc(p->train.n * sizeof(uint32_t));
    if (!p->w0 || !p->work || !p->perm || !p->batch) {
        destroy(&p->base);
        return NULL;
    }
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
    p->base.handle = (pb_problem){
        .struct_size = sizeof(pb_problem),
        .kind = PB_KIND_STOCHASTIC,
        .oracle = &p->oracle,
        .solution_length = dim,
    };
    p->base.target = NAN;
    p->base.measure = measure;
    p->base.describe = describe;
    p->base.destroy = destroy;
    return p;
}

void pb__sto_glorot(pb_rng *rng, double *W, uint32_t O, uint32_t I)
{
    double a = sqrt(6.0 / (O + I));
    for (uint64_t k = 0; k < (uint64_t)O * I; k++)
        W[k] = pb_rng_uniform_in(rng, -a, a);
}
