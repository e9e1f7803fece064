/*
 * quadratic-d<dim>-i<instance>: an ill-conditioned least-squares finite sum whose Hessian
 * is known exactly,
 *     l_i(w) = 1/2 (a_i . (w - w*))^2 + mu/2 |w - w*|^2,   i = 1..n, n = 10 dim,
 *     H = (1/n) A^T A + mu I   (constant), minimum 0 at w*, mu = 1e-6.
 * The rows are a_i = Q (s o z_i) with z_i standard normal, s_j = 10^(-2 j / (dim - 1)) and
 * Q a random orthogonal matrix (Gram-Schmidt of a Gaussian one), so H has condition about
 * 1e4 in a basis no coordinate-wise method sees. w* is standard normal, w0 = 0. All drawn
 * from a generator seeded by the instance, so an id names one problem exactly. Its minimum
 * f_opt is 0, so the main metric (the gap) is the training loss. There is no test set; the
 * Hessian-vector product oracle is available.
 */
#include "sto_problem.h"
#include "draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MU 1e-6

typedef struct quad {
    double *w_opt; /* dim */
    double *e;     /* dim scratch: w - w* */
} quad;

static void quad_free(void *model)
{
    quad *q = model;
    if (q) {
        free(q->w_opt);
        free(q->e);
    }
    free(q);
}

static double quad_loss(pb__sto_problem *p, const double *w, const pb__dataset *data,
                        const uint32_t *idx, uint32_t n, double *grad)
{
    quad *q = p->model;
    uint32_t d = p->dim;
    double e2 = 0.0;
    for (uint32_t j = 0; j < d; j++) {
        q->e[j] = w[j] - q->w_opt[j];
        e2 += q->e[j] * q->e[j];
    }
    if (grad)
        for (uint32_t j = 0; j < d; j++)
            grad[j] = MU * q->e[j];
    double loss = 0.0;
    for (uint32_t k = 0; k < n; k++) {
        const double *a = data->x + (size_t)(idx ? idx[k] : k) * d;
        double r = 0.0;
        for (uint32_t j = 0; j < d; j++)
            r += a[j] * q->e[j];
        loss += 0.5 * r * r;
        if (grad)
            for (uint32_t j = 0; j < d; j++)
                grad[j] += r * a[j] / n;
    }
    return loss / n + 0.5 * MU * e2;
}

static void quad_hvp(pb__sto_problem *p, const double *w, const double *v, double *out)
{
    (void)w;
    uint32_t d = p->dim;
    for (uint32_t j = 0; j < d; j++)
        out[j] = MU * v[j];
    for (uint32_t k = 0; k < p->train.n; k++) {
        const double *a = p->train.x + (size_t)k * d;
        double r = 0.0;
        for (uint32_t j = 0; j < d; j++)
            r += a[j] * v[j];
        for (uint32_t j = 0; j < d; j++)
            out[j] += r * a[j] / p->train.n;
    }
}

static int open_quadratic(const pb__family *family, const char *id, pb__problem **out,
                          char *err, size_t errlen)
{
    (void)family;
    if (strncmp(id, "quadratic-", 10) != 0)
        return 1;
    unsigned long d = 0, inst = 0;
    int used = 0;
    if (sscanf(id, "quadratic-d%lu-i%lu%n", &d, &inst, &used) != 2 || id[used] != '\0' ||
        d < 2 || d > 2000 || inst < 1 || inst > 1000000) {
        snprintf(err, errlen,
                 "malformed problem id '%s': expected quadratic-d<dim>-i<instance> with dim in "
                 "[2, 2000] and instance in [1, 1000000]", id);
        return -1;
    }
    uint32_t dim = (uint32_t)d, n = 10 * dim;
    pb__dataset train = {.n = n, .d = dim, .n_classes = 1}, test = {0};
    train.x = malloc((size_t)n * dim * sizeof(double));
    train.y = calloc(n, sizeof(uint32_t));
    double *Q = malloc((size_t)dim * dim * sizeof(double));
    double *z = malloc(dim * sizeof(double));
    quad *q = calloc(1, sizeof *q);
    if (q) {
        q->w_opt = malloc(dim * sizeof(double));
        q->e = malloc(dim * sizeof(double));
    }
    if (!train.x || !train.y || !Q || !z || !q || !q->w_opt || !q->e) {
        pb__dataset_free(&train);
        free(Q);
        free(z);
        quad_free(q);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pb_rng rng;
    pb_rng_seed(&rng, 0x71756164u /* "quad" */, inst);
    pb__random_orthogonal(&rng, Q, dim);
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < dim; j++)
            z[j] = pow(10.0, -2.0 * j / (dim - 1)) * pb_rng_normal(&rng);
        double *a = train.x + (size_t)i * dim; /* a = Q^T (s o z): Q's rows as the basis */
        memset(a, 0, dim * sizeof(double));
        for (uint32_t k = 0; k < dim; k++)
            for (uint32_t j = 0; j < dim; j++)
                a[j] += z[k] * Q[(size_t)k * dim + j];
    }
    for (uint32_t j = 0; j < dim; j++)
        q->w_opt[j] = pb_rng_normal(&rng);
    free(Q);
    free(z);
    pb__sto_problem *p = pb__sto_problem_new(dim, &train, &test, quad_loss, q, quad_free, err,
                                             errlen);
    if (!p)
        return -1;
    p->l2 = MU;
    p->f_opt = 0.0;
    p->hessian_vector = quad_hvp;
    p->oracle.hvp = pb__sto_counted_hvp;
    *out = &p->base;
    return 0;
}

const pb__family pb__family_quadratic = {
    &pb__kind_stochastic, "quadratic", "quadratic-d<dim>-i<instance>",
    "ill-conditioned least squares (condition ~1e4, rotated) with a known Hessian",
    open_quadratic};
