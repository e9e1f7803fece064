/*
 * Driving a completion plugin step by step, shared by tests/completion and
 * bench/completion: its state on an open problem, and the multiply-adds and CPU seconds it
 * takes to reach a relative error (measured after every step, untimed).
 */
#ifndef PLUGBENCH_MC_STEPS_H
#define PLUGBENCH_MC_STEPS_H

#include <time.h>

#include "mc_problem.h"
#include "plugin_run.h"

/* The process's CPU seconds: what a run costs on a machine loaded by others. */
static inline double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A plugin's state on problem p with its default parameters and seed (NULL after a failed
 * check). */
static inline void *create_state(const pb__plugin_file *pl, pb__mc_problem *p,
                                 pb_value *values, pb_context *ctx, uint64_t seed, char *err,
                                 size_t errlen)
{
    pb__params_defaults(pl->desc, values);
    *ctx = (pb_context){.struct_size = sizeof *ctx, .problem = &p->base.handle,
                        .params = values, .seed = seed, .error = err,
                        .error_size = (uint32_t)errlen};
    void *state = NULL;
    int32_t rc = pl->desc->create(ctx, &state);
    CHECK(rc == 0, "%s creates: %s", pl->desc->name, rc == 0 ? "" : err);
    return rc == 0 ? state : NULL;
}

/*
 * Steps pl (default parameters, seed) on problem id until the relative error is below
 * target, measuring after every step, untimed; returns the madds counted then, with the
 * error in *reached and the process CPU seconds of create() and the steps in *seconds (0
 * and NaN when not reached within max_steps).
 */
static inline uint64_t madds_to(const pb__plugin_file *pl, const char *id, uint64_t seed,
                                double target, int max_steps, double *reached,
                                double *seconds)
{
    pb__mc_problem *p = open_problem(id);
    if (!p)
        return 0;
    pb_value values[8];
    pb_context ctx;
    char err[512] = "";
    uint64_t cost = 0;
    *reached = *seconds = NAN;
    double cpu = 0, t0 = cpu_seconds();
    void *state = create_state(pl, p, values, &ctx, seed, err, sizeof err);
    cpu += cpu_seconds() - t0;
    double *uv = malloc(p->base.handle.solution_length * sizeof(double));
    double metrics[PB__MC_N_METRICS];
    for (int t = 0; state && t < max_steps; t++) {
        t0 = cpu_seconds();
        int32_t rc = pl->desc->step(state);
        cpu += cpu_seconds() - t0;
        if (rc != PB_CONTINUE)
            break;
        pl->desc->solution(state, uv);
        pb__mc_measure(p, uv, metrics);
        if (metrics[PB__MC_REL_ERROR] < target) {
            cost = p->base.cost;
            *reached = metrics[PB__MC_REL_ERROR];
            *seconds = cpu;
            break;
        }
    }
    free(uv);
    if (state)
        pl->desc->destroy(state);
    pb__problem_close(&p->base);
    return cost;
}

#endif
