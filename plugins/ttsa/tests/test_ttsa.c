/*
 * TTSA's claims, `test_ttsa TTSA.so`:
 *   - with Q = 400 and eta_N = 1 its estimate (PB_BILEVEL_HYPERGRADIENT: the expectation
 *     over the random depth, a Neumann series exact in double precision) equals the
 *     closed-form grad Phi to 1e-12 on bilevel-quadratic-i1 and bilevel-cosh-d10;
 *   - the oracle count of a step is 4 + p, the depth p replayed from the run's seed.
 */
#include <stdlib.h>
#include <string.h>

#include "bilevel_check.h"

/* per step: grad_y g, grad_y f, p hvp, grad_x f, cross; p drawn as the plugin does, from
 * its stream 0 of the run's seed, uniform in {0, ..., Q - 1} */
static uint64_t calls(const pb__plugin_file *pl, const pb_value *values, uint64_t steps)
{
    uint64_t expect = 0;
    pb_rng rng;
    pb_rng_seed(&rng, 1, 0);
    for (uint64_t k = 0; k < steps; k++)
        expect += 4 + pb_rng_below(&rng, (uint64_t)param(pl, values, "q").integer);
    return expect;
}

static void claims(const pb__plugin_file *pl, pb_value *values)
{
    pb_value exact[32];
    memcpy(exact, values, sizeof exact);
    set(pl, exact, "eta_n", "1"); /* |I - A|^400 = 2^-400 */
    set(pl, exact, "q", "400");
    check_hypergradients(pl, exact);
    check_counts(pl, values, calls);
}

int main(int argc, char **argv)
{
    return plugin_test_main(argc, argv, claims);
}
