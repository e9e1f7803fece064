/*
 * bench_posthoc: the sequence kind's TimeGAN scores (posthoc.c) on fixed inputs, for
 * timing them and for checking that a change keeps every bit. For seq-pfsm-i1 (D = 2,
 * hidden 1) and seq-sines-i1 (D = 5, hidden 2), with the first and second halves of the
 * training set as "real" and "generated": one line of the CPU seconds of
 * pb__seq_discriminative_score and of pb__seq_predictive_score, and one of the scores
 * printed with %.17g, which must not change from commit to commit (the discriminative
 * score is an accuracy, too coarse to show a changed bit on its own:
 * tests/sequence/test_posthoc_gru.c covers the network).
 */
#include <stdio.h>
#include <time.h>

#include "problem.h"
#include "seq_problem.h"

static double cpu_seconds(void)
{
    return (double)clock() / CLOCKS_PER_SEC;
}

int main(void)
{
    const char *ids[] = {"seq-pfsm-i1", "seq-sines-i1"};
    for (int i = 0; i < 2; i++) {
        pb__problem *base;
        char err[512];
        if (pb__problem_open(ids[i], &base, err, sizeof err) != 0) {
            fprintf(stderr, "bench_posthoc: %s\n", err);
            return 2;
        }
        pb__seq_problem *p = (pb__seq_problem *)base;
        uint32_t T = p->length, D = p->dim, half = p->n_train / 2;
        const double *first = p->train, *second = p->train + (size_t)half * T * D;
        double t0 = cpu_seconds();
        double disc = pb__seq_discriminative_score(first, half, second, half, T, D, 1);
        double t1 = cpu_seconds();
        double pred = pb__seq_predictive_score(p->test, p->n_test, first, half, T, D, 1);
        double t2 = cpu_seconds();
        printf("%s\tdiscriminative %.3f s\tpredictive %.3f s\n", ids[i], t1 - t0, t2 - t1);
        printf("%s\tscores %.17g %.17g\n", ids[i], disc, pred);
        pb__problem_close(base);
    }
    return 0;
}
