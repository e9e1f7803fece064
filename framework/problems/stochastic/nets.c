/*
 * Three model families on the real data sets, built from the nn kit:
 *   logreg-<dataset>   L2-regularized logistic regression (two classes), w = (W[d], b)
 *   softmax-<dataset>  L2-regularized softmax regression, w = (W[C,d], b[C])
 *   mlp-<dataset>      a two-layer MLP, d -> 32 tanh -> C softmax,
 *                      w = (W1[32,d], b1[32], W2[C,32], b2[C])
 * <dataset> names a folder of datasets/ with '-' for '_' (breast-cancer, digits). The
 * loss is the mean cross-entropy plus (l2 / 2) |w|^2 over all of w, biases included
 * (l2 = 1e-3 for the linear models, 1e-4 for the MLP). The linear models start at w = 0,
 * the MLP at a Glorot-uniform draw from a generator seeded by the problem id, so an id
 * names one problem and one initial point exactly. The linear models have exact
 * Hessian-vector products and are l2-strongly convex: their minimum f_opt is computed
 * when they are opened (about 0.1 s for softmax-digits); the MLP's is unknown.
 */
#include "sto_problem.h"
#include "draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/kit.h"
#include "plugbench/nn.h"

#define MLP_HIDDEN 32

typedef struct net {
    uint32_t d, H, C; /* H = 0: no hidden layer; C = 1: binary logistic output */
    uint32_t cap;     /* rows the scratch holds */
    double *xb, *h_pre, *h, *logits, *probs, *losses, *dlogits, *dh, *dh_pre;
    uint32_t *yb;
} net;

/* A net and its scratch in one block, released by free(). */
static net *net_new(uint32_t d, uint32_t H, uint32_t C, uint32_t cap)
{
    size_t hs = (size_t)cap * (H ? H : 1);
    const pb_array arrays[] = {
        PB_ARRAY(net, xb, (size_t)cap * d),     PB_ARRAY(net, h_pre, hs),
        PB_ARRAY(net, h, hs),                   PB_ARRAY(net, dh, hs),
        PB_ARRAY(net, dh_pre, hs),              PB_ARRAY(net, logits, (size_t)cap * C),
        PB_ARRAY(net, probs, (size_t)cap * C),  PB_ARRAY(net, dlogits, (size_t)cap * C),
        PB_ARRAY(net, losses, cap),             PB_ARRAY(net, yb, cap)};
    net *m = pb_block_new(sizeof *m, sizeof arrays / sizeof arrays[0], arrays);
    if (!m)
        return NULL;
    m->d = d;
    m->H = H;
    m->C = C;
    m->cap = cap;
    return m;
}

/* The number of weights of a net of d inputs, H hidden units (0: none) and C outputs. */
static uint32_t net_dim(uint32_t d, uint32_t H, uint32_t C)
{
    return H ? H * (d + 1) + C * (H + 1) : C * (d + 1);
}

/* The forward pass on n rows of X into m->logits; returns the rows' input (X itself). */
static void net_forward(net *m, const double *w, const double *X, uint32_t n)
{
    if (m->H) {
        const double *W1 = w, *b1 = W1 + (size_t)m->H * m->d, *W2 = b1 + m->H,
                     *b2 = W2 + (size_t)m->C * m->H;
        pb_nn_dense_forward(m->h_pre, X, W1, b1, n, m->d, m->H);
        pb_nn_tanh_forward(m->h, m->h_pre, (uint64_t)n * m->H);
        pb_nn_dense_forward(m->logits, m->h, W2, b2, n, m->H, m->C);
    } else {
        pb_nn_dense_forward(m->logits, X, w, w + (size_t)m->C * m->d, n, m->d, m->C);
    }
}

static double net_loss(pb__sto_problem *p, const double *w, const pb__dataset *data,
                       const uint32_t *idx, uint32_t n, double *grad)
{
    net *m = p->model;
    const double *X = data->x;
    const uint32_t *y = data->y;
    if (idx) {
        for (uint32_t k = 0; k < n; k++) {
            memcpy(m->xb + (size_t)k * m->d, data->x + (size_t)idx[k] * m->d,
                   m->d * sizeof(double));
            m->yb[k] = data->y[idx[k]];
        }
        X = m->xb;
        y = m->yb;
    }
    net_forward(m, w, X, n);
    double loss = m->C == 1 ? pb_nn_logistic_xent_forward(m->losses, m->logits, y, n)
                            : pb_nn_softmax_xent_forward(m->probs, m->losses, m->logits, y, n, m->C);
    double w2 = 0.0;
    for (uint32_t i = 0; i < p->dim; i++)
        w2 += w[i] * w[i];
    loss += 0.5 * p->l2 * w2;
    if (!grad)
        return loss;
    memset(grad, 0, p->dim * sizeof(double));
    memset(m->dlogits, 0, (size_t)n * m->C * sizeof(double));
    if (m->C == 1)
        pb_nn_logistic_xent_backward(m->dlogits, m->logits, y, 1.0 / n, n);
    else
        pb_nn_softmax_xent_backward(m->dlogits, m->probs, y, 1.0 / n, n, m->C);
    if (m->H) {
        const double *W1 = w, *W2 = w + (size_t)m->H * (m->d + 1);
        double *dW1 = grad, *db1 = dW1 + (size_t)m->H * m->d, *dW2 = db1 + m->H,
               *db2 = dW2 + (size_t)m->C * m->H;
        memset(m->dh, 0, (size_t)n * m->H * sizeof(double));
        memset(m->dh_pre, 0, (size_t)n * m->H * sizeof(double));
        pb_nn_dense_backward(m->dh, dW2, db2, m->dlogits, m->h, W2, n, m->H, m->C);
        pb_nn_tanh_backward(m->dh_pre, m->dh, m->h, (uint64_t)n * m->H);
        pb_nn_dense_backward(NULL, dW1, db1, m->dh_pre, X, W1, n, m->d, m->H);
    } else {
        pb_nn_dense_backward(NULL, grad, grad + (size_t)m->C * m->d, m->dlogits, X, w, n, m->d,
                             m->C);
    }
    for (uint32_t i = 0; i < p->dim; i++)
        grad[i] += p->l2 * w[i];
    return loss;
}

/* From the logits of the last net_loss() call, which was on all of data (sto_problem.h). */
static double net_accuracy(pb__sto_problem *p, const pb__dataset *data)
{
    const net *m = p->model;
    uint32_t right = 0;
    for (uint32_t i = 0; i < data->n; i++) {
        const double *z = m->logits + (size_t)i * m->C;
        uint32_t guess = 0;
        if (m->C == 1)
            guess = z[0] > 0.0;
        else
            for (uint32_t c = 1; c < m->C; c++)
                guess = z[c] > z[guess] ? c : guess;
        right += guess == data->y[i];
    }
    return (double)right / data->n;
}

/*
 * Logistic regression's Hessian times v: (1/n) X~^T diag(s (1 - s)) X~ v + l2 v, with
 * X~ = [X 1] and s = sigmoid(X~ w).
 */
static void logreg_hvp(pb__sto_problem *p, const double *w, const double *v, double *out)
{
    net *m = p->model;
    const pb__dataset *t = &p->train;
    uint32_t d = m->d;
    net_forward(m, w, t->x, t->n);
    for (uint32_t i = 0; i < p->dim; i++)
        out[i] = p->l2 * v[i];
    for (uint32_t r = 0; r < t->n; r++) {
        const double *x = t->x + (size_t)r * d;
        double s = 1.0 / (1.0 + exp(-m->logits[r]));
        double xv = v[d];
        for (uint32_t j = 0; j < d; j++)
            xv += x[j] * v[j];
        double c = s * (1.0 - s) * xv / t->n;
        for (uint32_t j = 0; j < d; j++)
            out[j] += c * x[j];
        out[d] += c;
    }
}

/*
 * Softmax regression's Hessian times v: per row x~ = (x, 1) with probabilities p and
 * u = V~ x~ (V~ = v laid out as w), the row adds (1/n) (diag(p) - p p^T) u x~^T; then l2 v.
 */
static void softmax_hvp(pb__sto_problem *p, const double *w, const double *v, double *out)
{
    net *m = p->model;
    const pb__dataset *t = &p->train;
    uint32_t d = m->d, C = m->C;
    const double *vb = v + (size_t)C * d;
    double *ob = out + (size_t)C * d;
    net_forward(m, w, t->x, t->n);
    pb_nn_softmax_xent_forward(m->probs, m->losses, m->logits, t->y, t->n, C);
    for (uint32_t i = 0; i < p->dim; i++)
        out[i] = p->l2 * v[i];
    for (uint32_t r = 0; r < t->n; r++) {
        const double *x = t->x + (size_t)r * d, *pr = m->probs + (size_t)r * C;
        double *u = m->dlogits + (size_t)r * C, pu = 0.0;
        for (uint32_t c = 0; c < C; c++) {
            u[c] = vb[c];
            for (uint32_t j = 0; j < d; j++)
                u[c] += v[(size_t)c * d + j] * x[j];
            pu += pr[c] * u[c];
        }
        for (uint32_t c = 0; c < C; c++) {
            double sc = pr[c] * (u[c] - pu) / t->n;
            for (uint32_t j = 0; j < d; j++)
                out[(size_t)c * d + j] += sc * x[j];
            ob[c] += sc;
        }
    }
}

static int open_net(const pb__family *family, const char *id, pb__problem **out, char *err,
                    size_t errlen)
{
    size_t n = strlen(family->name);
    if (strncmp(id, family->name, n) != 0 || id[n] != '-')
        return 1;
    const char *name = id + n + 1;
    char dir[96];
    size_t len = strlen(name);
    if (len == 0 || len >= sizeof dir || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != len) {
        snprintf(err, errlen, "malformed problem id '%s': expected %s", id, family->pattern);
        return -1;
    }
    for (size_t i = 0; i <= len; i++)
        dir[i] = name[i] == '-' ? '_' : name[i];
    pb__dataset train, test;
    if (pb__dataset_open(dir, &train, &test, err, errlen) != 0)
        return -1;
    int logistic = strcmp(family->name, "logreg") == 0;
    int mlp = strcmp(family->name, "mlp") == 0;
    if (logistic && train.n_classes != 2) {
        snprintf(err, errlen, "problem '%s': logreg needs two classes, data set '%s' has %u",
                 id, dir, train.n_classes);
        pb__dataset_free(&train);
        pb__dataset_free(&test);
        return -1;
    }
    uint32_t cap = train.n > test.n ? train.n : test.n;
    uint32_t d = train.d, H = mlp ? MLP_HIDDEN : 0, C = logistic ? 1 : train.n_classes;
    net *m = net_new(d, H, C, cap);
    pb__sto_problem *p = pb__sto_problem_new(net_dim(d, H, C), &train, &test, net_loss, m,
                                             free, err, errlen);
    if (!p)
        return -1;
    p->accuracy = net_accuracy;
    p->l2 = mlp ? 1e-4 : 1e-3;
    if (!mlp) {
        p->hessian_vector = logistic ? logreg_hvp : softmax_hvp;
        p->oracle.hvp = pb__sto_counted_hvp;
    }
    if (!mlp) {
        /* Convex: the minimum is computed once, here, for the main metric (the gap to it). */
        double *w = malloc(p->dim * sizeof *w);
        p->f_opt = w ? pb__sto_minimize(p, w) : NAN;
        free(w);
        if (isnan(p->f_opt)) {
            pb__problem_close(&p->base);
            snprintf(err, errlen, "problem '%s': its minimum could not be computed", id);
            return -1;
        }
    } else {
        pb_rng rng;
        pb_rng_seed(&rng, pb__name_hash(id), 0);
        pb__sto_glorot(&rng, p->w0, m->H, m->d);
        pb__sto_glorot(&rng, p->w0 + (size_t)m->H * (m->d + 1), m->C, m->H);
    }
    *out = &p->base;
    return 0;
}

const pb__family pb__family_logreg = {&pb__kind_stochastic, "logreg", "logreg-<dataset>",
                                      "L2-regularized logistic regression (l2 = 1e-3)", open_net};
const pb__family pb__family_softmax = {&pb__kind_stochastic, "softmax", "softmax-<dataset>",
                                       "L2-regularized softmax regression (l2 = 1e-3)", open_net};
const pb__family pb__family_mlp = {&pb__kind_stochastic, "mlp", "mlp-<dataset>",
                                   "two-layer MLP, 32 tanh units, softmax output (l2 = 1e-4)",
                                   open_net};
