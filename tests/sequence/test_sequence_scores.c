/*
 * TimeGAN's post-hoc scores as the sequence kind computes them (posthoc.c), on data whose
 * answer is known, TimeGAN's sines of seq-sines-i1 (values in [0, 1]; 5 features, so the
 * post-hoc GRUs have 2 units):
 *   - discriminative: real against real (the 200 test sequences against the first 200
 *     training sequences, one distribution) scores at most 0.05; real against uniform noise
 *     in the same range at least 0.45 (the classifier tells them apart: accuracy near 1);
 *   - predictive: trained on real training sequences and tested on the test sequences,
 *     within [0.08, 0.11] (TimeGAN and KoVAE report 0.09-0.10 for real sines), and better
 *     (half the mean absolute error or less) than one trained on uniform noise;
 *   - the same seed gives the same scores bit for bit (also checked by test_sequence.c on
 *     the final metrics of two runs).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_run.h"
#include "seq_problem.h"

int main(void)
{
    pb__seq_problem *p = open_problem("seq-sines-i1");
    if (!p)
        return check_summary("sequence scores");
    uint32_t T = p->length, D = p->dim;
    size_t row = (size_t)T * D;
    const double *first = p->train;
    double *noise = malloc(500 * row * sizeof *noise);
    pb_rng rng;
    pb_rng_seed(&rng, 2024, 0);
    for (size_t i = 0; i < 500 * row; i++)
        noise[i] = pb_rng_uniform(&rng);

    uint32_t n_test = p->n_test;
    double same = pb__seq_discriminative_score(p->test, n_test, first, n_test, T, D, 1);
    double apart = pb__seq_discriminative_score(first, 500, noise, 500, T, D, 1);
    CHECK(same <= 0.05, "discriminative, real test against real training sequences: %.3f "
          "(<= 0.05)", same);
    CHECK(apart >= 0.45, "discriminative, real against uniform noise: %.3f (>= 0.45)", apart);
    CHECK(pb__seq_discriminative_score(p->test, n_test, first, n_test, T, D, 1) == same,
          "discriminative: the same seed, the same score");

    double real = pb__seq_predictive_score(p->test, p->n_test, first, 500, T, D, 1);
    double fake = pb__seq_predictive_score(p->test, p->n_test, noise, 500, T, D, 1);
    CHECK(real >= 0.08 && real <= 0.11, "predictive, real to real: %.4f (within [0.08, 0.11])",
          real);
    CHECK(real < 0.5 * fake, "predictive: trained on real %.4f, on noise %.4f", real, fake);
    CHECK(pb__seq_predictive_score(p->test, p->n_test, first, 500, T, D, 1) == real,
          "predictive: the same seed, the same score");
    free(noise);
    pb__problem_close(&p->base);
    return check_summary("sequence scores");
}
