/*
 * A map from strings to indices, by hashing: what turns "find the group, run or job with this
 * key" from a scan of everything seen so far into constant time, so that compare, report and
 * --resume cost time linear in the runs (README.md, "Scale"). Open addressing with linear
 * probing, grown at half full; FNV-1a hashes.
 *
 * Ownership: the map stores the key pointers, not copies: each key must outlive the map (or
 * its removal by pb__strmap_free). The map's table is its own.
 */
#ifndef PLUGBENCH_STRMAP_H
#define PLUGBENCH_STRMAP_H

#include <stddef.h>

typedef struct pb__strmap {
    struct pb__strmap_slot *slots; /* cap slots, NULL key = empty */
    size_t n, cap;
    /* Key comparisons made by every lookup so far: stays near one per lookup whatever the
     * size, which the tests check to catch a return of the scans (tests/unit/test_scale.c). */
    size_t compares;
} pb__strmap;

/*
 * The index stored under key; when there is none, stores value under it and returns value.
 * So `i = pb__strmap_intern(&m, key, n); if (i == n) n++;` numbers the distinct keys in
 * first-seen order. Returns (size_t)-1 when out of memory.
 */
size_t pb__strmap_intern(pb__strmap *m, const char *key, size_t value);

/* The index stored under key, or (size_t)-1 when there is none. */
size_t pb__strmap_get(pb__strmap *m, const char *key);

/* Frees the table (not the keys) and zeroes the map. */
void pb__strmap_free(pb__strmap *m);

#endif
