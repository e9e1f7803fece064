/*
 * What the first-order stochastic plugins (sgd, adam, mfac) share: the start of their state,
 * with the iterate w (the solution, from the problem's w0), the minibatch gradient g, the
 * learning rate, the weight decay and the batch size, and the step's first line,
 *     g = grad_batch(w) + weight_decay w.
 * A plugin's state has a sto_base named base as its first member (so it starts with the
 * pb_state_head) and carves w and g with STO_BASE_ARRAYS in its PB_STATE_NEW. Header-only.
 */
#ifndef STO_STATE_H
#define STO_STATE_H

#include <math.h>
#include <string.h>

#include <plugbench/kit.h>

typedef struct sto_base {
    pb_state_head head; /* the solution is w */
    const pb_stochastic *f;
    double lr, weight_decay;
    uint32_t batch; /* the batch parameter, capped at the training set size */
    double *w, *g;  /* f->dim each */
} sto_base;

/* The PB_ARRAY entries of w and g, for PB_STATE_NEW(ctx, type, STO_BASE_ARRAYS(type, f), ...). */
#define STO_BASE_ARRAYS(type, f) PB_ARRAY(type, base.w, (f)->dim), PB_ARRAY(type, base.g, (f)->dim)

/* Fills b in a state just made by PB_STATE_NEW: the oracle, the parameters, w = w0. */
static inline void sto_base_start(sto_base *b, const pb_stochastic *f, double lr,
                                  double weight_decay, int64_t batch)
{
    b->head.solution = b->w;
    b->f = f;
    b->lr = lr;
    b->weight_decay = weight_decay;
    b->batch = (uint64_t)batch < f->n_train ? (uint32_t)batch : (uint32_t)f->n_train;
    memcpy(b->w, f->w0, f->dim * sizeof(double));
}

/*
 * g = the gradient of the next minibatch at w + weight_decay w. Returns 0, or -1 when the
 * sample budget is spent: g is then untouched, and step() returns PB_CONTINUE (the host
 * ends the run).
 */
static inline int sto_base_gradient(sto_base *b)
{
    if (isnan(b->f->loss_grad_batch(b->f, b->w, b->batch, b->g)))
        return -1;
    for (uint32_t i = 0; i < b->f->dim; i++)
        b->g[i] += b->weight_decay * b->w[i];
    return 0;
}

#endif
