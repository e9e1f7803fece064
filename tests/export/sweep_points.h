/*
 * The deterministic evaluation sequence of the export tests, shared by the sweep plugin
 * (sweep.c, run by plugbench) and the COCO driver (coco_driver.c, run through COCO's own
 * observer), so that both see the same points in the same order: point k (1, 2, ...) of a
 * problem of dimension dim, inside bbob's box [-5, 5]^dim, closing in on a fixed point so
 * that the best value improves across several decades.
 */
#ifndef PLUGBENCH_SWEEP_POINTS_H
#define PLUGBENCH_SWEEP_POINTS_H

#include <math.h>
#include <stdint.h>

static void sweep_point(uint64_t k, uint32_t dim, double *x)
{
    double radius = 4.5 / (1.0 + 0.02 * (double)k);
    for (uint32_t i = 0; i < dim; i++)
        x[i] = radius * sin(0.7 * (double)k * (double)(i + 1) + 0.3 * (double)i);
}

#endif
