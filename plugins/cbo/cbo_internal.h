/*
 * Internal to the cbo plugin folder: hooks for its tests. Nothing here crosses the plugin
 * ABI; the symbols are hidden in cbo.so, which exports only pb_plugin_entry.
 */
#ifndef CBO_INTERNAL_H
#define CBO_INTERNAL_H

/* A source of standard normal draws; ctx is the caller's. */
typedef double (*cbo_normal_fn)(void *ctx);

/*
 * Test-only: replaces the standard normal draws xi of the particle updates (both noise
 * models and the hopping variant) by draw(ctx), so that a test can check one update
 * exactly. The initialisation and the batch shuffles keep using the seeded kit RNG.
 * Draws happen particle by particle, coordinate by coordinate, in update order.
 */
void cbo_set_normal_source(void *state, cbo_normal_fn draw, void *ctx);

#endif
