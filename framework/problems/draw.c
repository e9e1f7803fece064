/* What problem families draw their instances with (draw.h). */
#include "draw.h"

#include <math.h>
#include <stddef.h>

uint64_t pb__name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

void pb__random_orthogonal(pb_rng *rng, double *Q, uint32_t d)
{
    for (uint64_t k = 0; k < (uint64_t)d * d; k++)
        Q[k] = pb_rng_normal(rng);
    for (uint32_t i = 0; i < d; i++) {
        double *qi = Q + (size_t)i * d;
        for (uint32_t k = 0; k < i; k++) {
            const double *qk = Q + (size_t)k * d;
            double dot = 0.0;
            for (uint32_t j = 0; j < d; j++)
                dot += qi[j] * qk[j];
            for (uint32_t j = 0; j < d; j++)
                qi[j] -= dot * qk[j];
        }
        double norm = 0.0;
        for (uint32_t j = 0; j < d; j++)
            norm += qi[j] * qi[j];
        norm = sqrt(norm);
        for (uint32_t j = 0; j < d; j++)
            qi[j] /= norm;
    }
}
