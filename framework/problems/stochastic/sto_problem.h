/*
 * Shared by the stochastic kind (stochastic.c) and its problem families: one problem type
 * that owns the data, draws the minibatches from the run's seed, counts samples and
 * measures, so that each family supplies only its loss (and optionally its accuracy and
 * Hessian-vector product).
 */
#ifndef PLUGBENCH_STO_PROBLEM_H
#define PLUGBENCH_STO_PROBLEM_H

#include "../problem.h"
#include "dataset.h"
#include "plugbench/rng.h"
#include "plugbench/stochastic.h"

/* The kind, defined at the end of stochastic.c. */
extern const pb__kind pb__kind_stochastic;

typedef struct pb__sto_problem pb__sto_problem;

/*
 * The mean loss (regularizer included) over the n samples of data listed in idx (all of
 * data, in order, when idx is NULL) at w; when grad is not NULL, writes its gradient
 * (dim doubles, overwritten). No accounting. Scratch lives in p->model.
 */
typedef double (*pb__sto_loss)(pb__sto_problem *p, const double *w, const pb__dataset *data,
                               const uint32_t *idx, uint32_t n, double *grad);

struct pb__sto_problem {
    pb__problem base;
    pb_stochastic oracle;  /* base.handle.oracle points here */
    uint32_t dim;
    pb__dataset train, test; /* test.n == 0: no test set */
    double *w0;            /* dim, the initial point */
    double l2;             /* the regularizer's weight: (l2 / 2) |w|^2 */
    /* The minimum of the training loss, where known (the convex families and the
     * quadratic); NaN otherwise (the MLP). The main metric is the loss minus it. */
    double f_opt;
    pb__sto_loss loss;
    /* Optional: the fraction of data classified correctly by the predictions that the
     * last loss() call, on all of data, left in the model's scratch (measure computes the
     * test loss first, so the test set's forward pass is not repeated). */
    double (*accuracy)(pb__sto_problem *p, const pb__dataset *data);
    /* Optional: the full training Hessian at w times v into out. */
    void (*hessian_vector)(pb__sto_problem *p, const double *w, const double *v, double *out);
    void *model;           /* the family's: parameters, scratch */
    void (*model_free)(void *model);

    /* The minibatch sequence: an epoch-wise permutation drawn from the run's seed. */
    pb_rng rng;
    int seeded;
    uint32_t *perm;        /* n_train */
    uint32_t pos;          /* next position in perm */
    uint32_t *batch;       /* n_train scratch */
    double *work;          /* dim scratch for measuring */
};

/*
 * Allocates a problem of dimension dim that takes ownership of train and test (zeroed in
 * the caller's hands on success and on failure) and of the family's model (model_free,
 * which may be NULL, frees it with the problem, or at once when there is no problem);
 * w0 is zero, for the caller to fill. Returns NULL with "out of memory" in err when model
 * is NULL (the family ran out of memory making it) or memory runs out here.
 */
pb__sto_problem *pb__sto_problem_new(uint32_t dim, pb__dataset *train, pb__dataset *test,
                                     pb__sto_loss loss, void *model,
                                     void (*model_free)(void *model), char *err, size_t errlen);

/* The counted oracles (the table's members), also used directly by tests. */
double pb__sto_counted_full(const pb_stochastic *self, const double *w, double *grad);
double pb__sto_counted_batch(const pb_stochastic *self, const double *w, uint32_t batch_size,
                             double *grad);
double pb__sto_counted_hvp(const pb_stochastic *self, const double *w, const double *v,
                           double *out);

/*
 * The minimum of a training loss that is l2-strongly convex (l2 > 0 and a convex data
 * term), by L-BFGS from w0 until |grad| <= PB__STO_GRAD_TOL, where strong convexity bounds
 * f(w) - f* by |grad|^2 / (2 l2). Writes the minimizer into w (dim doubles) and returns
 * its loss, or NaN when out of memory or not converged. Deterministic: used when a
 * problem is opened, to set f_opt.
 */
#define PB__STO_GRAD_TOL 1e-10
double pb__sto_minimize(pb__sto_problem *p, double *w);

/* Glorot-uniform initialization of an O x I weight block, from rng. */
void pb__sto_glorot(pb_rng *rng, double *W, uint32_t O, uint32_t I);

#endif
