/* Working vectors in one block; see plugbench/vec.h. */
#include "plugbench/vec.h"

#include <stdlib.h>

double *pb_vec_block(size_t n, double **const vecs[], const uint32_t sizes[])
{
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += sizes[k];
    double *block = calloc(total ? total : 1, sizeof *block);
    if (!block)
        return NULL;
    for (size_t k = 0, at = 0; k < n; at += sizes[k], k++)
        *vecs[k] = block + at;
    return block;
}
