/*
 * Internal to the kovae plugin folder: a hook for its tests. Nothing here crosses the
 * plugin ABI; the symbol is hidden in kovae.so, which exports only pb_plugin_entry.
 */
#ifndef KOVAE_INTERNAL_H
#define KOVAE_INTERNAL_H

#include "kovae_model.h"

/* The loss of the last training step and its terms (zero before the first). */
kovae_terms kovae_internal_terms(const void *state);

#endif
