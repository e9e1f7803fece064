/*
 * bench/completion: the multiply-adds and CPU seconds each completion plugin takes to reach
 * a relative error, stepping it in this process and measuring after every step, untimed
 * (tests/completion/mc_steps.h). CPU time rather than wall time: on a machine shared with
 * other jobs wall time stretches with the load, the process's CPU time much less.
 *
 *   bench_completion TARGET ROUNDS PROBLEM_ID PLUGIN.so...
 *
 * Prints one line per plugin: its medians over seeds 1..ROUNDS (madds, CPU
 * seconds), then each plugin's ratios to the first one's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mc_steps.h"
#include "stats.h"

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s TARGET ROUNDS PROBLEM_ID PLUGIN.so...\n", argv[0]);
        return 2;
    }
    double target = atof(argv[1]);
    int rounds = atoi(argv[2]), n = argc - 4;
    if (rounds < 1 || rounds > 100)
        return 2;
    pb__plugin_file *pl = calloc((size_t)n, sizeof *pl);
    double *madds = calloc((size_t)n * rounds, sizeof(double));
    double *cpu = calloc((size_t)n * rounds, sizeof(double));
    for (int a = 0; a < n; a++)
        if (load_plugin(argv[4 + a], &pl[a]) != 0)
            return 1;
    /* Seeds outermost, so that the plugins alternate under the same load. */
    for (int r = 0; r < rounds; r++)
        for (int a = 0; a < n; a++) {
            double reached;
            madds[a * rounds + r] = (double)madds_to(&pl[a], argv[3], (uint64_t)r + 1, target,
                                                     100000, &reached,
                                                     &cpu[a * rounds + r]);
        }
    printf("%-28s %-14s %11s %8s  (to rel_error <= %g, median of %d seeds)\n", "problem",
           "plugin", "madds", "cpu s", target, rounds);
    double m0 = 0, c0 = 0;
    for (int a = 0; a < n; a++) {
        double m = pb__median(madds + a * rounds, (size_t)rounds),
               c = pb__median(cpu + a * rounds, (size_t)rounds);
        if (a == 0)
            m0 = m, c0 = c;
        printf("%-28s %-14s %11.4g %8.3f", argv[3], pl[a].desc->name, m, c);
        if (a > 0)
            printf("  x%.2f madds, x%.2f cpu of %s", m / m0, c / c0, pl[0].desc->name);
        printf("\n");
    }
    for (int a = 0; a < n; a++)
        pb__plugin_unload(&pl[a]);
    free(pl);
    free(madds);
    free(cpu);
    return check_failures ? 1 : 0;
}
