/*
 * Internal to the pvrnn plugin folder: hooks for its tests. Nothing here crosses the plugin
 * ABI; the symbols are hidden in pvrnn.so, which exports only pb_plugin_entry.
 */
#ifndef PVRNN_INTERNAL_H
#define PVRNN_INTERNAL_H

#include <stdint.h>

#include "pvrnn_model.h"

/* The network of a state made by the plugin's create(). */
const pvrnn_model *pvrnn_internal_model(const void *state);

/* Its weights, laid out as the model's offsets say. */
const double *pvrnn_internal_theta(const void *state);

/* The loss of the last training step, its terms unless NULL (0 before the first). */
double pvrnn_internal_loss(const void *state, pvrnn_terms *terms);

/*
 * The prior's sigma along training sequence `index` as the trained model regenerates it:
 * its posterior pass with the sequence's adaptive vectors and zero noise (the posterior
 * means). Writes the sequence's length times sz values, step t's layer l at
 * out[t sz + z_off[l] ..]; unless kl is NULL, kl[t] the step's KL(q || p) as the loss counts
 * it before the meta-prior (each layer's mean over its latent units, summed over the
 * layers). Returns 0, or -1 when the sequence has not been trained on or memory runs out.
 */
int pvrnn_internal_prior_sigma(const void *state, uint64_t index, double *out, double *kl);

/* Sets the error regression's iterations per step (er_iterations) of a state. */
void pvrnn_internal_set_er_iterations(void *state, uint32_t iterations);

#endif
