/* The bilevel plugins' shared state base and estimators; see bilevel_common.h. */
#include "bilevel_common.h"

#include <assert.h>
#include <math.h>
#include <string.h>

void bilevel_start(bilevel_base *b, const pb_bilevel *f, int64_t stochastic)
{
    b->f = f;
    b->mode = stochastic ? PB_BILEVEL_STOCHASTIC : PB_BILEVEL_EXACT;
    memcpy(b->x, f->x0, f->dx * sizeof(double));
    memcpy(b->y, f->y0, f->dy * sizeof(double));
    b->param = b->head.ctx->params;
}

int32_t bilevel_create(const pb_context *ctx, size_t size, int64_t stochastic,
                       const bilevel_series *series, size_t n, const bilevel_array arrays[],
                       void **out)
{
    const pb_bilevel *f = ctx->problem->oracle;
    /* The base's four arrays, the series' two when there is one, then the plugin's. */
    pb_array all[6 + BILEVEL_MAX_ARRAYS] = {
        PB_ARRAY(bilevel_base, x, f->dx), PB_ARRAY(bilevel_base, y, f->dy),
        PB_ARRAY(bilevel_base, z, f->dy), PB_ARRAY(bilevel_base, work, f->dx),
        PB_ARRAY(bilevel_base, series.v, f->dy), PB_ARRAY(bilevel_base, series.hv, f->dy)};
    pb_array *at = all + (series ? 6 : 4);
    assert(n <= BILEVEL_MAX_ARRAYS);
    for (size_t k = 0; k < n; k++)
        *at++ = (pb_array){arrays[k].offset, arrays[k].in_y ? f->dy : f->dx, sizeof(double)};
    bilevel_base *b = pb_state_new(ctx, size, (size_t)(at - all), all);
    if (!b)
        return PB_ERR_NOMEM;
    bilevel_start(b, f, stochastic);
    if (series) {
        b->series.eta = series->eta;
        b->series.terms = series->terms;
    }
    *out = b;
    return 0;
}

/* PB_BILEVEL_HYPERGRADIENT's estimate at the z given. */
static int32_t estimate_at_z(void *state, const double *x, const double *y, const double *z,
                             double *out)
{
    bilevel_base *b = state;
    return pb_bilevel_hypergradient_at(b->f, x, y, z, PB_BILEVEL_EXACT, b->work, out) == 0
               ? 0
               : PB_ERR_FAILED;
}

static const pb_bilevel_hypergradient hypergradient_at_z = {
    .struct_size = sizeof(pb_bilevel_hypergradient),
    .estimate = estimate_at_z,
};

const void *bilevel_extension_at_z(const char *id)
{
    return strcmp(id, PB_BILEVEL_HYPERGRADIENT) == 0 ? &hypergradient_at_z : NULL;
}

/* PB_BILEVEL_HYPERGRADIENT's estimate from the base's Neumann series. */
static int32_t estimate_series(void *state, const double *x, const double *y, const double *z,
                               double *out)
{
    (void)z;
    return bilevel_neumann(state, x, y, PB_BILEVEL_EXACT, out) == 0 ? 0 : PB_ERR_FAILED;
}

static const pb_bilevel_hypergradient hypergradient_series = {
    .struct_size = sizeof(pb_bilevel_hypergradient),
    .estimate = estimate_series,
};

const void *bilevel_extension_series(const char *id)
{
    return strcmp(id, PB_BILEVEL_HYPERGRADIENT) == 0 ? &hypergradient_series : NULL;
}

int bilevel_lower_sgd(bilevel_base *b, double lr, int64_t steps, double *gy)
{
    const pb_bilevel *f = b->f;
    for (int64_t k = 0; k < steps; k++) {
        if (isnan(f->grad_y_g(f, b->x, b->y, b->mode, gy)))
            return -1;
        for (uint32_t i = 0; i < f->dy; i++)
            b->y[i] -= lr * gy[i];
    }
    return 0;
}

int bilevel_neumann(bilevel_base *b, const double *x, const double *y, uint32_t mode,
                    double *out)
{
    const pb_bilevel *f = b->f;
    double eta = b->series.eta, *v = b->series.v, *hv = b->series.hv;
    if (isnan(f->grad_y_f(f, x, y, mode, v)))
        return -1;
    for (uint32_t i = 0; i < f->dy; i++)
        b->z[i] = eta * v[i];
    for (int64_t k = 0; k < b->series.terms; k++) {
        if (isnan(f->hvp_yy_g(f, x, y, v, mode, hv)))
            return -1;
        for (uint32_t i = 0; i < f->dy; i++) {
            v[i] -= eta * hv[i];
            b->z[i] += eta * v[i];
        }
    }
    return pb_bilevel_hypergradient_at(f, x, y, b->z, mode, b->work, out);
}

int bilevel_oracles(const bilevel_base *b, uint32_t mode_g, uint32_t mode_f, double *gyg,
                    double *hz, double *cz, double *gyf, double *gxf)
{
    const pb_bilevel *f = b->f;
    if (isnan(f->grad_y_g(f, b->x, b->y, mode_g, gyg)) ||
        isnan(f->hvp_yy_g(f, b->x, b->y, b->z, mode_g, hz)) ||
        isnan(f->cross_xy_g(f, b->x, b->y, b->z, mode_g, cz)) ||
        isnan(f->grad_y_f(f, b->x, b->y, mode_f, gyf)) ||
        isnan(f->grad_x_f(f, b->x, b->y, mode_f, gxf)))
        return -1;
    return 0;
}

void bilevel_joint_yz(bilevel_base *b, double rho, const double *gyg, const double *hz,
                      const double *gyf)
{
    for (uint32_t i = 0; i < b->f->dy; i++) {
        b->y[i] -= rho * gyg[i];
        b->z[i] -= rho * (hz[i] - gyf[i]);
    }
}
