/* A string-to-index hash map; see strmap.h. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pb__strmap_slot {
    const char *key;
    size_t hash, value;
};

static size_t hash_of(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

/* The slot holding key, or the empty slot where it would go. */
static struct pb__strmap_slot *find(pb__strmap *m, const char *key, size_t hash)
{
    for (size_t i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct pb__strmap_slot *s = &m->slots[i];
        if (!s->key)
            return s;
        if (s->hash == hash) {
            m->compares++;
            if (strcmp(s->key, key) == 0)
                return s;
        }
    }
}

/* Doubles the table (at least 16 slots). Returns 0 or -1 when out of memory. */
static int grow(pb__strmap *m)
{
    pb__strmap bigger = {calloc(m->cap ? 2 * m->cap : 16, sizeof *m->slots), m->n,
                         m->cap ? 2 * m->cap : 16, m->compares};
    if (!bigger.slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *find(&bigger, m->slots[i].key, m->slots[i].hash) = m->slots[i];
    free(m->slots);
    *m = bigger;
    return 0;
}

size_t pb__strmap_intern(pb__strmap *m, const char *key, size_t value)
{
    if (2 * (m->n + 1) > m->cap && grow(m) != 0)
        return (size_t)-1;
    size_t hash = hash_of(key);
    struct pb__strmap_slot *s = find(m, key, hash);
    if (s->key)
        return s->value;
    *s = (struct pb__strmap_slot){key, hash, value};
    m->n++;
    return value;
}

size_t pb__strmap_get(pb__strmap *m, const char *key)
{
    if (m->cap == 0)
        return (size_t)-1;
    struct pb__strmap_slot *s = find(m, key, hash_of(key));
    return s->key ? s->value : (size_t)-1;
}

void pb__strmap_free(pb__strmap *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}
