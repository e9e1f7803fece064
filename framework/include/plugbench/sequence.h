/*
 * The sequence kind, revision 1: learn a model of a data set of sequences (time series)
 * from counted minibatches of training sequences; the host measures the trained model on
 * test sequences the plugin never trains on.
 *
 * A plugin that declares kind PB_KIND_SEQUENCE receives, in pb_problem.oracle, a pointer to
 * the pb_sequence table below. A data set is n_train training sequences of `length` steps
 * of `dim` features each, every value in [value_min, value_max] (the problem documents its
 * scaling). Its cost unit is the sequence step: a minibatch of B sequences counts
 * B * length steps. The HOST draws the minibatches, from the run's seed (an epoch-wise
 * random permutation of the training set, reshuffled at each epoch boundary), and hands
 * over each sequence's index in the training set, so that a model with per-sequence state
 * (PV-RNN's adaptive posterior vectors) can keep it.
 *
 * The model is the plugin's state, so solution_length is 0 and solution() writes nothing.
 * The host measures the model through the plugin's PB_SEQUENCE_MODEL extension (below),
 * outside the timed training region:
 *   - predict, at every trace point: one-step and k-step prediction MSE over the test set,
 *     computed by the host from the plugin's predictions, which it asks for prefix by
 *     prefix so that a prediction can use nothing but the steps before it; the main metric
 *     is the one-step test MSE (lower is better, 0 for a perfect predictor). The seconds
 *     predict() takes are the algorithm's inference time (error regression, say) and are
 *     recorded as their own figure, not as training time;
 *   - generate, once at the end: n sequences from the model's prior, on which the host
 *     computes TimeGAN's discriminative and predictive scores (and what a problem adds,
 *     such as the branch frequency of the PFSM). A model that cannot generate leaves
 *     generate NULL: those metrics are NaN, which is not a failure.
 *   - prior_sigma, once at the end beside generate: a latent-variable model's prior spread
 *     along the sequences it generated, averaged by the host into the metric prior_sigma.
 * A plugin without the extension is trained and measured on nothing but its status.
 */
#ifndef PLUGBENCH_SEQUENCE_H
#define PLUGBENCH_SEQUENCE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_KIND_SEQUENCE "sequence/1"

typedef struct pb_sequence pb_sequence;

struct pb_sequence {
    uint32_t struct_size; /* sizeof(pb_sequence) as the host was built */
    uint32_t dim;         /* features per step, >= 1 */
    uint32_t length;      /* steps per sequence, >= 2 */
    uint32_t reserved;    /* zero */
    uint64_t n_train;     /* training sequences, in [1, 2^32) */
    double value_min;     /* every value of every sequence lies in [value_min, value_max] */
    double value_max;

    /*
     * Draws the next batch_size training sequences (1 <= batch_size <= n_train) from the
     * host's sequence and writes them to x (batch_size * length * dim doubles, caller-owned,
     * sequence major, then step, then feature: x[(b * length + t) * dim + d]) and their
     * indices in the training set to index (batch_size values in [0, n_train), caller-owned;
     * NULL when not wanted). Counts batch_size * length steps and returns batch_size.
     * Returns 0, writing and counting nothing and drawing no sequence, when the budget does
     * not allow the whole batch (the host then ends the run after the current step: return
     * from step() soon), when batch_size is out of range, or when called from predict() or
     * generate() (a misuse: the run ends with status error).
     */
    uint32_t (*next_batch)(const pb_sequence *self, uint32_t batch_size, double *x,
                           uint32_t *index);

    void *host; /* the host's; do not touch */

    /* Revision 1 ends here. */
};

/* The id to pass to pb_plugin.extension(); what it returns is a pb_sequence_model. */
#define PB_SEQUENCE_MODEL "plugbench.sequence-model/1"

/*
 * What a sequence plugin offers the host for measuring its model; a static table. The
 * host calls these between step() calls (also after PB_DONE), on the run's thread, with
 * the state create() made, never from inside a plugin call, and outside the timed training
 * region. They must not call next_batch (it returns 0 and the run ends with status error).
 * Each returns 0, or a negative PB_ERR_* with a message in the context's error buffer (the
 * run ends with status error). A NaN or infinite value written to out ends the run with
 * status nonfinite.
 */
typedef struct pb_sequence_model {
    uint32_t struct_size; /* sizeof(pb_sequence_model) as the plugin was built */
    uint32_t reserved;    /* zero */

    /*
     * Predicts, for n sequences the model has not trained on, the k steps that follow the
     * first `steps` steps of each (1 <= steps < length). x holds those prefixes, n * steps *
     * dim doubles laid out as next_batch's x with `steps` in place of length:
     * x[(b * steps + t) * dim + d]. Writes to out (n * k * dim doubles) the prediction of
     * step steps + j of sequence b, j in [0, k), at out[(b * k + j) * dim + d]; predictions
     * past the end of the sequence (steps + j >= length) are written too and ignored.
     * x and out are host-owned and valid during the call only.
     *
     * One measurement is a run of calls with steps = 1, 2, ..., length - 1, in that order,
     * with the same n sequences in the same order, each prefix the previous one plus one
     * step: a model may recompute from the whole prefix at each call, or keep per-sequence
     * context between the calls of a measurement (a call with steps = 1 starts a new one;
     * whatever the state allocates for it is the state's to free, at the next measurement
     * or in destroy()). Inference-time work, such as PV-RNN's error regression over a window
     * of past steps, belongs here; the host times the calls as inference seconds.
     * May be NULL when the model cannot predict: the prediction metrics are then NaN.
     */
    int32_t (*predict)(void *state, uint32_t n, uint32_t steps, uint32_t k, const double *x,
                       double *out);

    /*
     * Generates n sequences of length steps (the problem's length) from the model's prior
     * into out (n * length * dim doubles, host-owned, laid out as next_batch's x), drawing
     * its randomness from seed alone: the same state and seed give the same sequences.
     * Called once, at the end of the run. May be NULL when the model cannot generate: the
     * generation metrics are then NaN.
     */
    int32_t (*generate)(void *state, uint64_t seed, uint32_t n, uint32_t length, double *out);

    /* Revision 1 ends here. Revision 2 appends prior_sigma: the host reads it only when
     * struct_size covers it, so a table built against revision 1 works as before (the
     * metric prior_sigma NaN). */

    /*
     * For a model whose prior is a distribution over latent variables given the past (a
     * variational RNN's p(z_t | z_<t, x_<t)): the spread of that prior along the n sequences
     * generate() makes from the same state and seed, which the host calls it with right after
     * generate(). Writes to out (n * length doubles, host-owned) at out[b * length + t] the
     * mean over the model's latent units of the prior's standard deviation at step t of
     * sequence b, as generate() drew that step's latents: finite and >= 0 (NaN or an
     * infinity ends the run with status nonfinite, a negative value with status error).
     * Near 0, the model generates by deterministic dynamics; large, its randomness lies in
     * its prior (the two regimes of PV-RNN's meta-prior). A step whose prior the model
     * fixes rather than learns (PV-RNN's N(0, I) at the first step) is written as it is.
     * May be NULL, as it is for models without such a prior: the metric is then NaN.
     */
    int32_t (*prior_sigma)(void *state, uint64_t seed, uint32_t n, uint32_t length,
                           double *out);

    /* Revision 2 ends here. */
} pb_sequence_model;

#ifdef __cplusplus
}
#endif

#endif
