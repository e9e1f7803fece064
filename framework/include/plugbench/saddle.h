/*
 * The saddle kind, revision 1: a distributed variational inequality. M workers each hold an
 * operator F_m on R^dim; find z* with <F(z*), z - z*> >= 0 for all z, F = (1/M) sum_m F_m.
 * For a saddle point min_x max_y f(x, y), z = (x, y) and F = (grad_x f, -grad_y f): the
 * first dim_x coordinates of z are x, the others y.
 *
 * A plugin that declares kind PB_KIND_SADDLE receives, in pb_problem.oracle, a pointer to
 * the table below. It plays the server and every worker, but whatever passes between them
 * goes through the host: send_up() carries a worker's message to the server, broadcast() the
 * server's message to every worker, and each returns the vector the receiver gets. The cost
 * unit is the BIT, counted by the host from the message's form, not claimed by the plugin:
 *
 *     a dense message (idx NULL)          n = dim values:  64 dim bits
 *     a sparse message (idx and values)   n pairs:         n (64 + index_bits) bits
 *
 * with index_bits = ceil(log2(dim)) (PB_SADDLE_VALUE_BITS is the 64). A broadcast reaches
 * the M workers over M links and counts M times its message. Operator calls cost no bits;
 * the host counts them as a second counter (the record's "operator_calls").
 *
 * Its solution is z, dim doubles. The host measures, outside the timed region, the squared
 * distance |z - z*|^2 to the exact solution (the main metric) and, for the saddle families,
 * the duality gap max_y' f(x, y') - min_x' f(x', y).
 *
 * Once the bit budget would be exceeded a send returns NaN without counting and leaves out
 * untouched; the host ends the run after the current step: return from step() soon after
 * seeing NaN.
 */
#ifndef PLUGBENCH_SADDLE_H
#define PLUGBENCH_SADDLE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_KIND_SADDLE "saddle/1"
#define PB_SADDLE_VALUE_BITS 64 /* bits per value sent: a double */

typedef struct pb_saddle pb_saddle;

struct pb_saddle {
    uint32_t struct_size; /* sizeof(pb_saddle) as the host was built */
    uint32_t dim;         /* dim of z = (x, y), >= 2 */
    uint32_t dim_x;       /* the first dim_x coordinates are x (minimized), the rest y */
    uint32_t workers;     /* M >= 1 */
    uint32_t index_bits;  /* bits per index of a sparse message: ceil(log2(dim)) */
    uint32_t reserved;    /* 0 */
    const double *z0;     /* dim doubles, host-owned: the problem's initial point; start here */
    /* The constants step sizes are set from: L, the largest Lipschitz constant of the F_m
     * (estimated by the host, see the family), and mu, F's strong monotonicity (0 for none). */
    double lipschitz;
    double mu;

    /*
     * Writes F_m(z) into out (dim doubles) for worker m < workers and returns 0. Costs no
     * bits and counts one operator call. Returns NaN with out untouched, counting nothing,
     * when called from solution(); -1 when m is out of range.
     */
    double (*oper)(const pb_saddle *self, uint32_t worker, const double *z, double *out);

    /*
     * Sends a message from worker m to the server and writes what the server receives into
     * out (dim doubles: val at idx, zero elsewhere). Dense when idx is NULL (n must be dim,
     * val[i] is coordinate i), else n pairs (idx[i], val[i]) with distinct indices below dim.
     * Returns the bits counted (see above). NaN with out untouched and nothing counted when
     * the budget does not allow it; -1, nothing counted, for a malformed message.
     */
    double (*send_up)(const pb_saddle *self, uint32_t worker, uint32_t n, const uint32_t *idx,
                      const double *val, double *out);

    /*
     * Sends a message from the server to every worker (a message of send_up's form) and
     * writes what each receives into out. Counts M times the message's bits and returns
     * that; NaN or -1 as send_up.
     */
    double (*broadcast)(const pb_saddle *self, uint32_t n, const uint32_t *idx,
                        const double *val, double *out);

    void *host; /* the host's; do not touch */

    /* Revision 1 ends here. */
};

#ifdef __cplusplus
}
#endif

#endif
