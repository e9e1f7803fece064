/* The bilevel plugins' shared hypergradient; see plugbench/bilevel.h. */
#include "plugbench/bilevel.h"

#include <math.h>

int pb_bilevel_hypergradient_at(const pb_bilevel *f, const double *x, const double *y,
                                const double *z, uint32_t mode, double *work, double *out)
{
    if (isnan(f->grad_x_f(f, x, y, mode, out)) || isnan(f->cross_xy_g(f, x, y, z, mode, work)))
        return -1;
    for (uint32_t i = 0; i < f->dx; i++)
        out[i] -= work[i];
    return 0;
}
