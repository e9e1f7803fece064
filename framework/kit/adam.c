/* Adam over a flat parameter vector, in PyTorch's form; see plugbench/nn.h. */
#include "plugbench/nn.h"

#include <assert.h>
#include <math.h>
#include <string.h>

void pb_nn_adam_init(pb_nn_adam *a, double *m, double *v, uint64_t n, double lr)
{
    a->lr = lr;
    a->beta1 = 0.9;
    a->beta2 = 0.999;
    a->eps = 1e-8;
    a->weight_decay = 0.0;
    a->m = m;
    a->v = v;
    a->n = n;
    a->t = 0;
    memset(m, 0, n * sizeof *m);
    memset(v, 0, n * sizeof *v);
}

/*
 * As torch.optim.Adam's single-tensor step: the bias corrections divide the step size
 * (lr / (1 - beta1^t)) and the square root of v (sqrt(v) / sqrt(1 - beta2^t)), and eps is
 * added after the latter, so the numbers match PyTorch's rather than the paper's
 * sqrt(v_hat) + eps (the same up to rounding).
 */
void pb_nn_adam_step(pb_nn_adam *a, double *param, const double *grad)
{
    assert(a->m && a->v);
    a->t++;
    double step = a->lr / (1.0 - pow(a->beta1, (double)a->t));
    double root_bc2 = sqrt(1.0 - pow(a->beta2, (double)a->t));
    for (uint64_t i = 0; i < a->n; i++) {
        double g = grad[i] + a->weight_decay * param[i];
        a->m[i] = a->beta1 * a->m[i] + (1.0 - a->beta1) * g;
        a->v[i] = a->beta2 * a->v[i] + (1.0 - a->beta2) * g * g;
        param[i] -= step * a->m[i] / (sqrt(a->v[i]) / root_bc2 + a->eps);
    }
}
