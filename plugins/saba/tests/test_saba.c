/*
 * SABA's claims, `test_saba SABA.so`:
 *   - its estimate (PB_BILEVEL_HYPERGRADIENT) at exact y*, z* equals the closed-form
 *     grad Phi to 1e-12 on bilevel-quadratic-i1 and bilevel-cosh-d10;
 *   - a step calls each of the five oracles once: 5 calls per step on bilevel-quadratic-i1,
 *     and 5 batches of 64 samples on the finite sum bilevel-benchopt-quadratic-i1.
 */
#include "bilevel_check.h"

int main(int argc, char **argv)
{
    return plugin_test_main(argc, argv, single_loop_claims);
}
