/*
 * Shared by the bilevel plugins (borep, stocbio, soba, ttsa, saba), whose states all hold
 * the oracle table, the iterates x, y and z and a scratch vector for the hypergradient
 * grad_x f - grad_xy g z (pb_bilevel_hypergradient_at): that part is a bilevel_base, the
 * first member of each plugin's state. Then the pieces two or more of them use:
 *   - the "stochastic" parameter (all but saba);
 *   - the PB_BILEVEL_HYPERGRADIENT extension, as the descriptor's .extension: the exact
 *     hypergradient at the z given, for the methods whose z is an iterate (borep, soba,
 *     saba), or the Neumann series' (stocbio, ttsa: the base then holds the series' step,
 *     length and scratch);
 *   - warm-started lower-level SGD, y <- y - lr grad_y g(x, y) (borep, stocbio, ttsa);
 *   - the Neumann-series hypergradient (stocbio's step, the extension of stocbio and ttsa);
 *   - SOBA's five oracles at (x, y, z) and its joint step on y and z (soba, saba).
 * A static library linked into each of them ('link': bilevel_common).
 */
#ifndef BILEVEL_COMMON_H
#define BILEVEL_COMMON_H

#include <stdint.h>

#include <plugbench/kit.h>

/* The "stochastic" parameter: `[P_STOCHASTIC] = BILEVEL_PARAM_STOCHASTIC,`. */
#define BILEVEL_PARAM_STOCHASTIC                                                            \
    {.name = "stochastic", .type = PB_PARAM_BOOL, .default_value = 1,                       \
     .doc = "use the stochastic oracles (false: exact)"}

/* A Neumann series for [grad_yy g]^-1 grad_y f (see bilevel_neumann). */
typedef struct bilevel_series {
    double eta;     /* its step eta_N */
    int64_t terms;  /* the Hessian-vector products of bilevel_neumann */
    double *v, *hv; /* dy: scratch, carved by BILEVEL_SERIES_ARRAYS */
} bilevel_series;

/* The first member, named `base`, of a bilevel plugin's state. */
typedef struct bilevel_base {
    pb_state_head head; /* the solution is x */
    const pb_bilevel *f;
    uint32_t mode; /* step()'s oracle mode: PB_BILEVEL_STOCHASTIC, or _EXACT */
    double *x, *y; /* dx, dy: the iterates, from the problem's x0 and y0 */
    double *z;     /* dy, zeroed: the linear system's iterate (z_0 = 0) or estimate */
    double *work;  /* dx: scratch of pb_bilevel_hypergradient_at */
    bilevel_series series; /* stocbio and ttsa; zero in the others */
} bilevel_base;

/* The base's arrays, first in PB_STATE_NEW(ctx, state, BILEVEL_ARRAYS(state, f), ...) for
 * a state whose first member is `bilevel_base base`; then, for a Neumann series,
 * BILEVEL_SERIES_ARRAYS(state, f). */
#define BILEVEL_ARRAYS(type, f)                                                             \
    PB_ARRAY(type, base.x, (f)->dx), PB_ARRAY(type, base.y, (f)->dy),                       \
        PB_ARRAY(type, base.z, (f)->dy), PB_ARRAY(type, base.work, (f)->dx)
#define BILEVEL_SERIES_ARRAYS(type, f)                                                      \
    PB_ARRAY(type, base.series.v, (f)->dy), PB_ARRAY(type, base.series.hv, (f)->dy)

/*
 * Starts the base of a state made by PB_STATE_NEW with BILEVEL_ARRAYS: the oracle table f,
 * the stochastic mode when `stochastic` (the parameter's value) is nonzero, else the exact
 * one, x = x0, y = y0 (z stays 0), and x as the solution.
 */
void bilevel_start(bilevel_base *b, const pb_bilevel *f, int64_t stochastic);

/*
 * The descriptor's .extension of a plugin whose z is an iterate (borep, soba, saba): it
 * offers PB_BILEVEL_HYPERGRADIENT, whose estimate at (x, y, z) is grad_x f(x, y) -
 * grad_xy g(x, y) z with exact oracles, 2 oracle calls, for a state that starts with a
 * bilevel_base.
 */
const void *bilevel_extension_at_z(const char *id);

/*
 * The descriptor's .extension of a plugin whose base holds a Neumann series (stocbio, ttsa):
 * PB_BILEVEL_HYPERGRADIENT's estimate is the series' hypergradient at (x, y) with exact
 * oracles (bilevel_neumann; z is ignored), series.terms + 3 oracle calls.
 */
const void *bilevel_extension_series(const char *id);

/* The citation of SOBA and SABA, which the same paper introduced. */
#define BILEVEL_SOBA_PAPER                                                                  \
    "M. Dagreou, P. Ablin, S. Vaiter, T. Moreau, A framework for bilevel optimization that " \
    "enables stochastic and global variance reduction algorithms, NeurIPS 2022"

/*
 * `steps` SGD steps on the lower level from the current y, at the current x with the base's
 * mode: y <- y - lr grad_y g(x, y), one oracle call each; gy holds dy doubles of scratch.
 * Returns 0, or -1 when an oracle was refused (y then holds the steps taken).
 */
int bilevel_lower_sgd(bilevel_base *b, double lr, int64_t steps, double *gy);

/*
 * The Neumann-series hypergradient at (x, y) with oracle mode, from the base's series
 * (eta, terms):
 *     v_0 = grad_y f,  v_{k+1} = v_k - eta grad_yy g v_k,  z = eta sum_{k=0}^{terms} v_k,
 *     out = grad_x f - grad_xy g z,
 * z into b->z (~ [grad_yy g]^-1 grad_y f). terms + 3 oracle calls: grad_y f, `terms`
 * Hessian-vector products, grad_x f, grad_xy g. Returns 0, or -1 when an oracle was refused.
 */
int bilevel_neumann(bilevel_base *b, const double *x, const double *y, uint32_t mode,
                    double *out);

/*
 * SOBA's five oracles at the base's (x, y, z), in this order: gyg = grad_y g,
 * hz = grad_yy g z, cz = grad_xy g z with mode_g, then gyf = grad_y f, gxf = grad_x f with
 * mode_f. Returns 0, or -1 when an oracle was refused.
 */
int bilevel_oracles(const bilevel_base *b, uint32_t mode_g, uint32_t mode_f, double *gyg,
                    double *hz, double *cz, double *gyf, double *gxf);

/* SOBA's joint step on the lower level: y <- y - rho gyg, z <- z - rho (hz - gyf). */
void bilevel_joint_yz(bilevel_base *b, double rho, const double *gyg, const double *hz,
                      const double *gyf);

#endif
