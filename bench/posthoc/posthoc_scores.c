/*
 * posthoc_scores: the sequence kind's TimeGAN scores (posthoc.c) for many inputs, to
 * compare two builds' scores: for seq-pfsm-i1, seq-sines-i1 and seq-lorenz-i1, seeds 1..10,
 * with the first half of the training set as "real" and the second as "generated" and the
 * other way round, one line per (problem, seed, direction) with both scores in %.17g. Run
 * it with another build's library (LD_LIBRARY_PATH=OTHER_BUILD/framework) for that build's
 * scores: the functions' signatures have not changed. bench/README.md gives the figures.
 */
#include <stdio.h>

#include "problem.h"
#include "seq_problem.h"

int main(void)
{
    const char *ids[] = {"seq-pfsm-i1", "seq-sines-i1", "seq-lorenz-i1"};
    for (int i = 0; i < 3; i++) {
        pb__problem *base;
        char err[512];
        if (pb__problem_open(ids[i], &base, err, sizeof err) != 0) {
            fprintf(stderr, "posthoc_scores: %s\n", err);
            return 2;
        }
        pb__seq_problem *p = (pb__seq_problem *)base;
        uint32_t T = p->length, D = p->dim, half = p->n_train / 2;
        const double *halves[2] = {p->train, p->train + (size_t)half * T * D};
        for (uint64_t seed = 1; seed <= 10; seed++)
            for (int d = 0; d < 2; d++) {
                const double *real = halves[d], *gen = halves[1 - d];
                double disc = pb__seq_discriminative_score(real, half, gen, half, T, D, seed);
                double pred = pb__seq_predictive_score(real, half, gen, half, T, D, seed);
                printf("%s\t%d\t%d\t%.17g\t%.17g\n", ids[i], (int)seed, d, disc, pred);
                fflush(stdout);
            }
        pb__problem_close(base);
    }
    return 0;
}
