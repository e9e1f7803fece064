/* The run loop; see run.h. */
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "instr.h"

int pb__run_id(const pb__plugin_file *plugin, const pb_value *params, const char *id,
               uint64_t seed, const pb__limits *limits, pb__trace_fn on_point, void *user,
               pb__outcome *out, char *err, size_t errlen)
{
    pb__problem *problem;
    if (pb__problem_open(id, &problem, err, errlen) != 0) {
        memset(out, 0, sizeof *out);
        out->status = PB__STATUS_ERROR;
        snprintf(out->message, sizeof out->message, "%s", err);
        return -1;
    }
    pb__run_execute(plugin, params, problem, seed, limits, on_point, NULL, user, out);
    pb__problem_close(problem);
    return 0;
}

double pb__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *pb__status_name(int32_t status)
{
    static const char *const names[] = {"ok", "error", "nonfinite", "timeout", "crashed"};
    return status >= 0 && status <= PB__STATUS_CRASHED ? names[status] : "unknown";
}

const char *pb__stop_name(int32_t stop)
{
    static const char *const names[] = {"none", "budget_cost", "budget_iterations",
                                        "budget_seconds", "target", "done"};
    return stop >= 0 && stop <= PB__STOP_DONE ? names[stop] : "unknown";
}

uint64_t pb__next_checkpoint(uint64_t n, int sparse)
{
    /* The smallest of 1, 2, 5 x 10^k (10^k when sparse) strictly greater than n. */
    for (uint64_t decade = 1;; decade *= 10) {
        if (decade > n)
            return decade;
        if (!sparse && 2 * decade > n)
            return 2 * decade;
        if (!sparse && 5 * decade > n)
            return 5 * decade;
        if (decade > UINT64_MAX / 100)
            return UINT64_MAX;
    }
}

/* The message of an oracle called while the host measures a model. */
#define MODEL_MISUSE                                                                        \
    "the model's measurement (solution(), or an extension's call such as predict() or "     \
    "generate()) called an oracle (it must not: the host measures, untimed)"

typedef struct loop {
    const pb__plugin_file *plugin;
    pb__problem *problem;
    void *state;
    double *solution;
    pb__trace_fn on_point;
    pb__solution_fn on_solution;
    void *user;
    pb__outcome *out;
} loop;

/* Asks for the solution and measures it, untimed; sets the status when that fails. */
static void measure(loop *l, pb__trace_point *pt)
{
    pb__outcome *out = l->out;
    for (int i = 0; i < PB__MAX_METRICS; i++)
        pt->metrics[i] = NAN;
    pt->cost = (double)l->problem->cost;
    pt->iterations = (double)out->iterations;
    pt->seconds = out->seconds;
    const pb__problem_ops *ops = l->problem->ops;
    uint64_t limit = l->problem->cost_limit;
    l->problem->cost_limit = 0;
    l->problem->measuring = 1;
    pb__instr_begin();
    int32_t rc = l->plugin->desc->solution(l->state, l->solution);
    pb__instr_end();
    int model_rc = 0;
    if (rc >= 0 && ops->measure_model)
        model_rc = ops->measure_model(l->problem, l->plugin->desc, l->state, 0, pt->metrics,
                                      out->message, sizeof out->message);
    l->problem->measuring = 0;
    l->problem->cost_limit = limit;
    if (l->problem->oracle_misuse) {
        out->status = PB__STATUS_ERROR;
        snprintf(out->message, sizeof out->message, "%s",
                 ops->measure_model ? MODEL_MISUSE
                                    : "solution() called an oracle (it must not: the host "
                                      "measures, untimed)");
        return;
    }
    if (rc < 0) {
        out->status = PB__STATUS_ERROR;
        if (!out->message[0])
            snprintf(out->message, sizeof out->message, "solution() failed with code %d", rc);
        return;
    }
    if (ops->measure_model) {
        if (model_rc != 0)
            out->status = model_rc < 0 ? PB__STATUS_ERROR : PB__STATUS_NONFINITE;
    } else if (ops->measure(l->problem, l->solution, pt->metrics) != 0) {
        out->status = PB__STATUS_NONFINITE;
        snprintf(out->message, sizeof out->message, "the solution or its quality is not finite");
    }
    /* Kinds without exact target tracking in their oracles are caught at checkpoints. */
    if (l->problem->target_hit_cost == 0 && pt->metrics[0] <= l->problem->target)
        l->problem->target_hit_cost = l->problem->cost ? l->problem->cost : 1;
}

/*
 * For a kind that measures the plugin's model (problem.h, measure_model): the end-only
 * metrics, once after the last point, into the final metrics, untimed and with the
 * oracles closed as in measure().
 */
static void measure_end(loop *l, double *metrics)
{
    pb__outcome *out = l->out;
    uint64_t limit = l->problem->cost_limit;
    l->problem->cost_limit = 0;
    l->problem->measuring = 1;
    int rc = l->problem->ops->measure_model(l->problem, l->plugin->desc, l->state, 1, metrics,
                                            out->message, sizeof out->message);
    l->problem->measuring = 0;
    l->problem->cost_limit = limit;
    if (l->problem->oracle_misuse) {
        out->status = PB__STATUS_ERROR;
        snprintf(out->message, sizeof out->message, "%s", MODEL_MISUSE);
    } else if (rc != 0) {
        out->status = rc < 0 ? PB__STATUS_ERROR : PB__STATUS_NONFINITE;
    }
}

/* Measures and reports a trace point; a non-finite one is reported too, to show where. */
static void emit(loop *l, pb__trace_point *pt)
{
    measure(l, pt);
    if (l->out->status == PB__STATUS_ERROR)
        return;
    if (l->on_point)
        l->on_point(l->user, pt);
    if (l->on_solution && l->problem->handle.solution_length)
        l->on_solution(l->user, l->solution, l->problem->handle.solution_length, 0);
}

void pb__run_execute(const pb__plugin_file *plugin, const pb_value *params, pb__problem *problem,
                     uint64_t seed, const pb__limits *limits, pb__trace_fn on_point,
                     pb__solution_fn on_solution, void *user, pb__outcome *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < PB__MAX_METRICS; i++)
        out->metrics[i] = NAN;
    /* Plugin code runs here: load it into this process, unless it already is. */
    pb__plugin_file here = *plugin;
    if (pb__plugin_open(&here, out->message, sizeof out->message) != 0) {
        out->status = PB__STATUS_ERROR;
        return;
    }
    const pb_plugin *d = here.desc;
    const pb__budget *b = &limits->budget;
    problem->cost_limit = b->cost ? b->cost : UINT64_MAX;
    problem->target = limits->target;
    problem->seed = seed;
    loop l = {&here, problem, NULL, NULL, on_point, on_solution, user, out};
    l.solution = calloc(problem->handle.solution_length ? problem->handle.solution_length : 1,
                        sizeof(double));
    if (!l.solution) {
        out->status = PB__STATUS_ERROR;
        snprintf(out->message, sizeof out->message, "host out of memory");
        return;
    }
    pb_context ctx = {
        .struct_size = sizeof(pb_context),
        .problem = &problem->handle,
        .params = params,
        .seed = seed,
        .budget_cost = b->cost,
        .budget_iterations = b->iterations,
        .budget_seconds = b->seconds,
        .error = out->message,
        .error_size = sizeof out->message,
    };
    double t0 = pb__now();
    pb__instr_begin();
    int32_t rc = d->create(&ctx, &l.state);
    pb__instr_end();
    out->seconds = pb__now() - t0;
    if (rc < 0) {
        out->status = PB__STATUS_ERROR;
        if (!out->message[0])
            snprintf(out->message, sizeof out->message, "create() failed with code %d", rc);
        goto done;
    }
    pb__trace_point pt;
    for (int i = 0; i < PB__MAX_METRICS; i++)
        pt.metrics[i] = NAN;
    int sparse = problem->family && problem->family->kind->sparse_checkpoints;
    uint64_t next = pb__next_checkpoint(0, sparse);
    uint64_t measured_at = UINT64_MAX; /* iteration of the last measurement */
    /* Oracle calls in create() (a first generation, say) are cost like a step's: the state
     * after it is a point, at iteration 0, when they crossed a checkpoint. */
    if (problem->cost >= next) {
        emit(&l, &pt);
        measured_at = 0;
        next = pb__next_checkpoint(problem->cost, sparse);
    }
    int stop = PB__STOP_NONE;
    while (out->status == PB__STATUS_OK) {
        if (problem->exhausted || (b->cost && problem->cost >= b->cost))
            stop = PB__STOP_COST;
        else if (b->iterations && out->iterations >= b->iterations)
            stop = PB__STOP_ITERATIONS;
        else if (b->seconds > 0 && out->seconds >= b->seconds)
            stop = PB__STOP_SECONDS;
        else if (problem->target_hit_cost)
            stop = PB__STOP_TARGET;
        if (stop)
            break;
        t0 = pb__now();
        pb__instr_begin();
        rc = d->step(l.state);
        pb__instr_end();
        out->seconds += pb__now() - t0;
        out->iterations++;
        if (problem->family && problem->family->kind->cost_per_step)
            problem->cost++;
        if (rc < 0) {
            out->status = PB__STATUS_ERROR;
            if (!out->message[0])
                snprintf(out->message, sizeof out->message, "step() failed with code %d", rc);
            break;
        }
        if (rc == PB_DONE)
            stop = PB__STOP_DONE;
        if (problem->cost >= next || stop) {
            emit(&l, &pt);
            measured_at = out->iterations;
            next = pb__next_checkpoint(problem->cost, sparse);
        }
        if (stop)
            break;
    }
    out->stop = stop;
    /* The final point, unless the last checkpoint already measured this very state. */
    if (out->status == PB__STATUS_OK && measured_at != out->iterations)
        emit(&l, &pt);
    if (out->status == PB__STATUS_OK && problem->ops->measure_model)
        measure_end(&l, pt.metrics);
    /* The final solution: the last point's, in l.solution since it was measured. */
    if (on_solution && out->status != PB__STATUS_ERROR && problem->handle.solution_length)
        on_solution(user, l.solution, problem->handle.solution_length, 1);
    memcpy(out->metrics, pt.metrics, sizeof pt.metrics);
    d->destroy(l.state);
done:
    if (problem->ops->collect_extras)
        problem->ops->collect_extras(problem, out->extras);
    out->cost = problem->cost;
    out->target_hit_cost = problem->target_hit_cost;
    if (out->target_hit_cost && out->stop == PB__STOP_NONE)
        out->stop = PB__STOP_TARGET;
    free(l.solution);
}
