/*
 * The stochastic kind, revision 1: minimize a finite sum f(w) = (1/n) sum_i l_i(w) over
 * w in R^dim from full and minibatch gradients.
 *
 * A plugin that declares kind PB_KIND_STOCHASTIC receives, in pb_problem.oracle, a pointer
 * to the table below. Its cost unit is the sample: a minibatch oracle call of batch_size
 * counts batch_size samples, a full gradient or a Hessian-vector product counts n_train.
 * The HOST draws the minibatches, from the run's seed (an epoch-wise random permutation of
 * the training set, reshuffled at each epoch boundary), so every plugin run with one seed
 * sees the same sequence of batches for the same sequence of batch sizes.
 *
 * Its solution is the weight vector w, dim doubles. The host measures, outside the timed
 * region: the full training loss (the main metric, lower is better; it is a loss, not a
 * gap to the optimum, except for problems whose optimum is 0 by construction), the test
 * loss and test accuracy (NaN when the problem has no test set or no labels), and the norm
 * of the full training gradient.
 *
 * Once the sample budget would be exceeded an oracle returns NaN without evaluating and
 * leaves its output untouched; the host ends the run after the current step: return from
 * step() soon after seeing NaN.
 */
#ifndef PLUGBENCH_STOCHASTIC_H
#define PLUGBENCH_STOCHASTIC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_KIND_STOCHASTIC "stochastic/1"

typedef struct pb_stochastic pb_stochastic;

struct pb_stochastic {
    uint32_t struct_size; /* sizeof(pb_stochastic) as the host was built */
    uint32_t dim;         /* number of weights, >= 1 */
    uint64_t n_train;     /* number of training samples (terms of the sum), >= 1 */
    const double *w0;     /* dim doubles, host-owned: the problem's initial point; start here */

    /*
     * Writes the full training gradient at w to grad (dim doubles, caller-owned) and
     * returns the full training loss. Counts n_train samples. Returns NaN with grad
     * untouched when the budget does not allow it.
     */
    double (*loss_grad_full)(const pb_stochastic *self, const double *w, double *grad);

    /*
     * Draws the next minibatch of batch_size samples (1 <= batch_size <= n_train) from the
     * host's sequence, writes the minibatch mean gradient at w to grad and returns the
     * minibatch mean loss. Counts batch_size samples. Returns NaN with grad untouched (and
     * no batch drawn) when the budget does not allow it, or when batch_size is out of range.
     */
    double (*loss_grad_batch)(const pb_stochastic *self, const double *w, uint32_t batch_size,
                              double *grad);

    /*
     * Optional, NULL when the problem has none: writes the full training Hessian times v at
     * w to out (dim doubles each) and returns 0. Counts n_train samples. Returns NaN with
     * out untouched when the budget does not allow it.
     */
    double (*hvp)(const pb_stochastic *self, const double *w, const double *v, double *out);

    void *host; /* the host's; do not touch */

    /* Revision 1 ends here. */
};

#ifdef __cplusplus
}
#endif

#endif
