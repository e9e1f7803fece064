/* Checkpoints 1, 2, 5 x 10^k (10^k when sparse), and the step-function median the reports
 * draw. */
#include <math.h>

#include "check.h"
#include "stats.h"
#include "run.h"

int main(void)
{
    const uint64_t after[][2] = {{0, 1}, {1, 2}, {2, 5}, {4, 5}, {5, 10}, {9, 10}, {10, 20},
                                 {49, 50}, {50, 100}, {999, 1000}, {1000, 2000}, {123456, 200000}};
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++)
        CHECK(pb__next_checkpoint(after[i][0], 0) == after[i][1], "after %llu: %llu",
              (unsigned long long)after[i][0],
              (unsigned long long)pb__next_checkpoint(after[i][0], 0));
    const uint64_t sparse_after[][2] = {{0, 1}, {1, 10}, {9, 10}, {10, 100}, {99, 100},
                                        {2880, 10000}, {123456, 1000000}};
    for (size_t i = 0; i < sizeof sparse_after / sizeof sparse_after[0]; i++)
        CHECK(pb__next_checkpoint(sparse_after[i][0], 1) == sparse_after[i][1],
              "sparse, after %llu: %llu", (unsigned long long)sparse_after[i][0],
              (unsigned long long)pb__next_checkpoint(sparse_after[i][0], 1));

    /* Three runs: values hold between points; a run contributes only within its range. */
    const double c0[] = {1, 10, 100}, v0[] = {9, 5, 1};
    const double c1[] = {2, 20, 100}, v1[] = {8, 4, 2};
    const double c2[] = {1, 50}, v2[] = {7, 3};
    const double *costs[] = {c0, c1, c2}, *values[] = {v0, v1, v2};
    const size_t n[] = {3, 3, 2};
    CHECK(pb__trace_median_at(1, costs, values, n, 3) == 8, "x=1: runs 0 and 2 -> (9+7)/2");
    CHECK(pb__trace_median_at(20, costs, values, n, 3) == 5, "x=20: median of 5, 4, 7; got %g",
          pb__trace_median_at(20, costs, values, n, 3));
    CHECK(pb__trace_median_at(100, costs, values, n, 3) == 1.5, "x=100: run 2 ended -> (1+2)/2");
    CHECK(isnan(pb__trace_median_at(0.5, costs, values, n, 3)), "before any point: NaN");
    return check_summary("trace");
}
