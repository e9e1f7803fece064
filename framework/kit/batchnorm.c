/*
 * BatchNorm1d as a forward/backward pair; see plugbench/nn.h. Each feature (column) is
 * normalized over the N rows on its own, so both passes run column by column: strided
 * reads, but no per-column accumulators to keep outside the cache.
 */
#include "plugbench/nn.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>

void pb_nn_batchnorm_init(double *gamma, double *beta, double *running_mean, double *running_var,
                          uint32_t C)
{
    for (uint32_t c = 0; c < C; c++) {
        gamma[c] = 1.0;
        beta[c] = 0.0;
        running_mean[c] = 0.0;
        running_var[c] = 1.0;
    }
}

void pb_nn_batchnorm_forward(double *out, double *cache, double *running_mean,
                             double *running_var, const double *in, const double *gamma,
                             const double *beta, int training, uint32_t N, uint32_t C)
{
    /* PyTorch refuses one value per channel in training: the variance would be 0 / 0. */
    assert(N > 1 || !training);
    double *xhat = cache, *inv_std = cache + (size_t)N * C;
    for (uint32_t c = 0; c < C; c++) {
        double mean, var;
        if (training) {
            double sum = 0.0, ss = 0.0;
            for (uint32_t r = 0; r < N; r++)
                sum += in[(size_t)r * C + c];
            mean = sum / N;
            for (uint32_t r = 0; r < N; r++) {
                double d = in[(size_t)r * C + c] - mean;
                ss += d * d;
            }
            /* The batch normalizes with the biased variance; the running estimate takes the
             * unbiased one, as PyTorch does. */
            var = ss / N;
            running_mean[c] = (1.0 - PB_NN_BATCHNORM_MOMENTUM) * running_mean[c] +
                              PB_NN_BATCHNORM_MOMENTUM * mean;
            running_var[c] = (1.0 - PB_NN_BATCHNORM_MOMENTUM) * running_var[c] +
                             PB_NN_BATCHNORM_MOMENTUM * ss / (N - 1);
        } else {
            mean = running_mean[c];
            var = running_var[c];
        }
        double s = 1.0 / sqrt(var + PB_NN_BATCHNORM_EPS);
        inv_std[c] = s;
        for (uint32_t r = 0; r < N; r++) {
            size_t i = (size_t)r * C + c;
            xhat[i] = (in[i] - mean) * s;
            out[i] = gamma[c] * xhat[i] + beta[c];
        }
    }
}

/*
 * With y = gamma xhat + beta and g = dL/dy: dgamma = sum_r g xhat, dbeta = sum_r g. In
 * inference the statistics are constants, so dx = gamma s g. In training mean and variance
 * depend on every row of the column, and differentiating through them gives
 *   dx = gamma s (g - (sum_r g + xhat sum_r g xhat) / N),
 * i.e. g with its mean and its projection on xhat removed.
 */
void pb_nn_batchnorm_backward(double *din, double *dgamma, double *dbeta, const double *dout,
                              const double *cache, const double *gamma, int training,
                              uint32_t N, uint32_t C)
{
    const double *xhat = cache, *inv_std = cache + (size_t)N * C;
    for (uint32_t c = 0; c < C; c++) {
        double sum_g = 0.0, sum_gx = 0.0;
        for (uint32_t r = 0; r < N; r++) {
            size_t i = (size_t)r * C + c;
            sum_g += dout[i];
            sum_gx += dout[i] * xhat[i];
        }
        dgamma[c] += sum_gx;
        dbeta[c] += sum_g;
        if (!din)
            continue;
        double k = gamma[c] * inv_std[c];
        for (uint32_t r = 0; r < N; r++) {
            size_t i = (size_t)r * C + c;
            din[i] += training ? k * (dout[i] - (sum_g + xhat[i] * sum_gx) / N) : k * dout[i];
        }
    }
}
