/*
 * Shared by the bilevel plugins (borep, stocbio, soba, ttsa, saba), whose states all hold
 * the oracle table, the iterates x, y and z and a scratch vector for the hypergradient
 * grad_x f - grad_xy g z (pb_bilevel_hypergradient_at): that part is a bilevel_base, the
 * first member of each plugin's state, with the run's parameter values, which step() reads
 * where it uses them. The base is made by create()'s opening, bilevel_create (all but saba,
 * whose arrays depend on the problem's batches), and the descriptor's common members are
 * BILEVEL_PLUGIN. Then the pieces two or more of them use:
 *   - the "stochastic" parameter (all but saba), and the step sizes and decays of soba,
 *     ttsa and saba;
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

#include <stddef.h>
#include <stdint.h>

#include <plugbench/kit.h>

/* The "stochastic" parameter: `[P_STOCHASTIC] = BILEVEL_PARAM_STOCHASTIC,`. */
#define BILEVEL_PARAM_STOCHASTIC                                                            \
    {.name = "stochastic", .type = PB_PARAM_BOOL, .default_value = 1,                       \
     .doc = "use the stochastic oracles (false: exact)"}

/*
 * The step-size parameters of soba, ttsa and saba, each with the plugin's doc (which names
 * the step: rho or beta, gamma or alpha): inner_lr and outer_lr, 0.1 by default; and the
 * decays of the schedules of soba and ttsa, step_t = step / (t + 1)^decay, 0.4 (inner) and
 * 0.6 (outer) by default.
 */
#define BILEVEL_PARAM_INNER_LR(doc_)                                                        \
    {.name = "inner_lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12,         \
     .max = 1e3, .doc = (doc_)}
#define BILEVEL_PARAM_OUTER_LR(doc_)                                                        \
    {.name = "outer_lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12,         \
     .max = 1e3, .doc = (doc_)}
#define BILEVEL_PARAM_INNER_DECAY(doc_)                                                     \
    {.name = "inner_decay", .type = PB_PARAM_REAL, .default_value = 0.4, .min = 0, .max = 1, \
     .doc = (doc_)}
#define BILEVEL_PARAM_OUTER_DECAY(doc_)                                                     \
    {.name = "outer_decay", .type = PB_PARAM_REAL, .default_value = 0.6, .min = 0, .max = 1, \
     .doc = (doc_)}

/* A Neumann series for [grad_yy g]^-1 grad_y f (see bilevel_neumann). */
typedef struct bilevel_series {
    double eta;     /* its step eta_N */
    int64_t terms;  /* the Hessian-vector products of bilevel_neumann */
    double *v, *hv; /* dy: scratch, carved by bilevel_create */
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
    const pb_value *param; /* the run's parameter values (ctx->params), which step() reads */
} bilevel_base;

/* The base's arrays, first in PB_STATE_NEW(ctx, state, BILEVEL_ARRAYS(state, f), ...) for
 * a state whose first member is `bilevel_base base` that bilevel_create cannot make (saba's
 * arrays depend on the problem's batches). */
#define BILEVEL_ARRAYS(type, f)                                                             \
    PB_ARRAY(type, base.x, (f)->dx), PB_ARRAY(type, base.y, (f)->dy),                       \
        PB_ARRAY(type, base.z, (f)->dy), PB_ARRAY(type, base.work, (f)->dx)

/*
 * Starts the base of a state made by PB_STATE_NEW with BILEVEL_ARRAYS: the oracle table f,
 * the stochastic mode when `stochastic` (the parameter's value) is nonzero, else the exact
 * one, x = x0, y = y0 (z stays 0), x as the solution, and the run's parameters.
 */
void bilevel_start(bilevel_base *b, const pb_bilevel *f, int64_t stochastic);

/* One array of a plugin's state beyond the base's, of dx or dy doubles: BILEVEL_DX(state,
 * member) or BILEVEL_DY(state, member). */
typedef struct bilevel_array {
    size_t offset;
    int in_y; /* dy doubles; else dx */
} bilevel_array;
#define BILEVEL_DX(type, member) {offsetof(type, member), 0}
#define BILEVEL_DY(type, member) {offsetof(type, member), 1}

/* The most arrays a plugin's state may add to the base's. */
#define BILEVEL_MAX_ARRAYS 6

/*
 * A bilevel plugin's create() up to its own parameters: the problem's oracle table, then the
 * state of `size` bytes (a bilevel_base first) with the base's arrays, a Neumann series when
 * `series` is not NULL (its step and length; the series' scratch is carved), and the
 * plugin's n zeroed arrays, started by bilevel_start, into *out. Returns 0, or a PB_ERR_*
 * with the message in ctx's error buffer. Called as BILEVEL_CREATE.
 */
int32_t bilevel_create(const pb_context *ctx, size_t size, int64_t stochastic,
                       const bilevel_series *series, size_t n, const bilevel_array arrays[],
                       void **out);

/* BILEVEL_CREATE(ctx, state, stochastic, series, out, BILEVEL_DX(state, gx), ...):
 * bilevel_create with the state's size and its arrays counted (at least one). */
#define BILEVEL_CREATE(ctx, type, stochastic, series, out, ...)                              \
    bilevel_create((ctx), sizeof(type), (stochastic), (series),                             \
                   sizeof((const bilevel_array[]){__VA_ARGS__}) / sizeof(bilevel_array),     \
                   (const bilevel_array[]){__VA_ARGS__}, (out))

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

/*
 * A bilevel plugin's descriptor members but its summary and citation: the name, version,
 * kind, parameter table, lifecycle (PB_STATE_LIFECYCLE: create and step) and extension
 * lookup (bilevel_extension_at_z or _series), as
 *     PB_PLUGIN(BILEVEL_PLUGIN("soba", "1.0.0", params, create, step, bilevel_extension_at_z),
 *               .summary = "...", .citation = "...")
 */
#define BILEVEL_PLUGIN(name_, version_, params_, create_, step_, extension_)                 \
    .name = (name_), .version = (version_), .kind = PB_KIND_BILEVEL, PB_PARAMS(params_),    \
    PB_STATE_LIFECYCLE(create_, step_), .extension = (extension_)

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
