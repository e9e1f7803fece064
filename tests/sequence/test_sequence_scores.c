/*
 * TimeGAN's post-hoc scores as the sequence kind computes them (posthoc.c), on data whose
 * answer is known, TimeGAN's sines of seq-sines-i1 (values in [0, 1]; 5 features, so the
 * post-hoc GRUs have 2 units):
 *   - discriminative: real against real (training sequences 0..499 against 500..999, one
 *     distribution) scores at most 0.1; real against uniform noise at least 0.4 (the
 *     classifier tells them apart: accuracy near 1);
 *   - predictive: a predictor trained on real sequences predicts the test sequences better
 *     (half the mean absolute error or less) than one trained on uniform noise.
 * That the same seed gives the same scores bit for bit is checked by test_sequence.c, on
 * the final metrics of two runs.
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
    const double *first = p->train, *second = p->train + 500 * row;
    double *noise = malloc(500 * row * sizeof *noise);
    pb_rng rng;
    pb_rng_seed(&rng, 2024, 0);
    for (size_t i = 0; i < 500 * row; i++)
        noise[i] = pb_rng_uniform(&rng);

    double same = pb__seq_discriminative_score(first, 500, second, 500, T, D, 1);
    double apart = pb__seq_discriminative_score(first, 500, noise, 500, T, D, 1);
    CHECK(same <= 0.1, "discriminative, real against real: %.3f (<= 0.1)", same);
    CHECK(apart >= 0.4, "discriminative, real against uniform noise: %.3f (>= 0.4)", apart);

    double real = pb__seq_predictive_score(p->test, p->n_test, first, 500, T, D, 1);
    double fake = pb__seq_predictive_score(p->test, p->n_test, noise, 500, T, D, 1);
    CHECK(real < 0.5 * fake, "predictive: trained on real %.4f, on noise %.4f", real, fake);
    free(noise);
    pb__problem_close(&p->base);
    return check_summary("sequence scores");
}
