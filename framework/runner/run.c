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

uint64_t pb__next_decade_checkpoint(uint64_t n, uint64_t per_decade)
{
    /* The smallest round(10^(j/per_decade)) greater than n; j starts a little below the
     * answer so that rounding in log10 cannot skip a point. */
    double start = n ? floor((double)per_decade * log10((double)n)) - 1 : 0;
    for (double j = start > 0 ? start : 0;; j++) {
        double v = floor(pow(10.0, j / (double)per_decade) + 0.5);
        if (v >= 0x1p64)
            return UINT64_MAX;
        if ((uint64_t)v > n)
            return (uint64_t)v;
    }
}

uint64_t pb__checkpoints_cap(const pb__checkpoints *c)
{
    return c->max_points ? c->max_points : PB__DEFAULT_MAX_TRACE;
}

int pb__checkpoints_parse(const char *text, pb__checkpoints *c)
{
    unsigned long long n = 0;
    int used = 0;
    if (strcmp(text, "1-2-5") == 0) {
        c->mode = PB__CHECKPOINTS_125, c->n = 0;
        return 0;
    }
    if (strcmp(text, "all") == 0) {
        c->mode = PB__CHECKPOINTS_EVERY, c->n = 1;
        return 0;
    }
    /* %llu alone would take "+3", " 3" and "-1": a digit must follow the colon. */
    const char *colon = strchr(text, ':');
    if (!colon || colon[1] < '0' || colon[1] > '9' ||
        sscanf(colon + 1, "%llu%n", &n, &used) != 1 || colon[1 + used] != '\0' || n < 1)
        return -1;
    if (strncmp(text, "decade:", 7) == 0 && n <= PB__MAX_PER_DECADE)
        c->mode = PB__CHECKPOINTS_DECADE;
    else if (strncmp(text, "every:", 6) == 0 && n <= 9007199254740992ULL)
        c->mode = PB__CHECKPOINTS_EVERY;
    else
        return -1;
    c->n = n;
    return 0;
}

const char *pb__checkpoints_name(const pb__checkpoints *c, char *buf, size_t len)
{
    if (c->mode == PB__CHECKPOINTS_DECADE)
        snprintf(buf, len, "decade:%llu", (unsigned long long)c->n);
    else if (c->mode == PB__CHECKPOINTS_EVERY && c->n > 1)
        snprintf(buf, len, "every:%llu", (unsigned long long)c->n);
    else
        snprintf(buf, len, "%s", c->mode == PB__CHECKPOINTS_EVERY ? "all" : "1-2-5");
    return buf;
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
    const pb__checkpoints *checkpoints;
    int sparse;          /* the kind's sparse_checkpoints */
    uint64_t points;     /* trace points sent */
    double *scored;      /* kind->score_last solutions (pb__kind.score_last), or NULL */
    uint64_t n_scored;   /* solutions kept there so far, the newest at (n_scored-1) mod last */
} loop;

/* Closes the oracles while the host measures (they refuse and flag every call); returns
 * the cost limit to give back to oracles_open. */
static uint64_t oracles_close(pb__problem *p)
{
    uint64_t limit = p->cost_limit;
    p->cost_limit = 0;
    p->measuring = 1;
    return limit;
}

static void oracles_open(pb__problem *p, uint64_t limit)
{
    p->measuring = 0;
    p->cost_limit = limit;
}

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
    uint64_t limit = oracles_close(l->problem);
    pb__instr_begin();
    int32_t rc = l->plugin->desc->solution(l->state, l->solution);
    pb__instr_end();
    int model_rc = 0;
    if (rc >= 0 && ops->measure_model)
        model_rc = ops->measure_model(l->problem, l->plugin->desc, l->state, 0, pt->metrics,
                                      out->message, sizeof out->message);
    oracles_open(l->problem, limit);
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
    uint64_t limit = oracles_close(l->problem);
    int rc = l->problem->ops->measure_model(l->problem, l->plugin->desc, l->state, 1, metrics,
                                            out->message, sizeof out->message);
    oracles_open(l->problem, limit);
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
    l->points++;
    if (l->out->status == PB__STATUS_ERROR)
        return;
    if (l->on_point)
        l->on_point(l->user, pt);
    if (l->on_solution && l->problem->handle.solution_length)
        l->on_solution(l->user, l->solution, l->problem->handle.solution_length, 0);
}

/* The first cost checkpoint after n of a cost series (the default or n per decade). */
static uint64_t next_cost(const loop *l, uint64_t n)
{
    if (l->checkpoints->mode == PB__CHECKPOINTS_DECADE)
        return pb__next_decade_checkpoint(n, l->checkpoints->n);
    return pb__next_checkpoint(n, l->sparse);
}

/*
 * Is a checkpoint due now (cost at or past next, or the n-th step), and is there room for
 * it below the cap, one point being kept for the final one? A due point without room sets
 * trace_capped.
 */
static int checkpoint_due(loop *l, uint64_t next)
{
    const pb__problem *p = l->problem;
    int due = l->checkpoints->mode == PB__CHECKPOINTS_EVERY
                  ? (l->out->iterations ? l->out->iterations % l->checkpoints->n == 0
                                        : p->cost > 0)
                  : p->cost >= next;
    if (due && l->points + 1 >= pb__checkpoints_cap(l->checkpoints)) {
        l->out->trace_capped = 1;
        return 0;
    }
    return due;
}

/* Keeps the solution after a step for the kind's iteration score (pb__kind.score_last). */
static void keep_scored(loop *l)
{
    const pb__kind *kind = l->problem->family->kind;
    size_t n = l->problem->handle.solution_length;
    double *slot = l->scored + (l->n_scored % kind->score_last) * n;
    uint64_t limit = oracles_close(l->problem);
    int32_t rc = l->plugin->desc->solution(l->state, slot);
    oracles_open(l->problem, limit);
    if (rc < 0 || l->problem->oracle_misuse) {
        l->out->status = PB__STATUS_ERROR;
        snprintf(l->out->message, sizeof l->out->message,
                 "solution() failed with code %d, or called an oracle", rc);
        return;
    }
    l->n_scored++;
}

/*
 * The mean of metrics[score_metric] of the kept solutions, in the order they were kept
 * (NaN when no step ran); untimed, with the oracles closed. final holds the metrics of
 * l->solution, the last point's: a kept solution equal to it to the bit (the newest, as a
 * rule) takes its value from there instead of being measured again.
 */
static double iteration_score(loop *l, const double *final)
{
    const pb__kind *kind = l->problem->family->kind;
    size_t n = l->problem->handle.solution_length;
    uint64_t count = l->n_scored < kind->score_last ? l->n_scored : kind->score_last;
    double sum = 0.0, metrics[PB__MAX_METRICS];
    uint64_t limit = oracles_close(l->problem);
    for (uint64_t i = l->n_scored - count; i < l->n_scored; i++) {
        const double *kept = l->scored + (i % kind->score_last) * n;
        if (memcmp(kept, l->solution, n * sizeof *kept) == 0) {
            sum += final[kind->score_metric];
            continue;
        }
        l->problem->ops->measure(l->problem, kept, metrics);
        sum += metrics[kind->score_metric];
    }
    oracles_open(l->problem, limit);
    return count ? sum / (double)count : NAN;
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
    const pb__kind *kind = problem->family ? problem->family->kind : NULL;
    loop l = {&here, problem, NULL, NULL, on_point, on_solution, user, out, &limits->checkpoints,
              kind && kind->sparse_checkpoints, 0, NULL, 0};
    l.solution = calloc(problem->handle.solution_length ? problem->handle.solution_length : 1,
                        sizeof(double));
    if (kind && kind->score_last && problem->handle.solution_length)
        l.scored = calloc(kind->score_last * problem->handle.solution_length, sizeof(double));
    if (!l.solution || (kind && kind->score_last && !l.scored)) {
        out->status = PB__STATUS_ERROR;
        snprintf(out->message, sizeof out->message, "host out of memory");
        free(l.scored);
        free(l.solution);
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
    uint64_t next = next_cost(&l, 0);
    uint64_t measured_at = UINT64_MAX; /* iteration of the last measurement */
    /* Oracle calls in create() (a first generation, say) are cost like a step's: the state
     * after it is a point, at iteration 0, when they crossed a checkpoint. */
    if (checkpoint_due(&l, next)) {
        emit(&l, &pt);
        measured_at = 0;
        next = next_cost(&l, problem->cost);
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
        if (l.scored) {
            keep_scored(&l);
            if (out->status != PB__STATUS_OK)
                break;
        }
        if (stop || checkpoint_due(&l, next)) {
            emit(&l, &pt);
            measured_at = out->iterations;
            next = next_cost(&l, problem->cost);
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
    if (out->status == PB__STATUS_OK && l.scored)
        pt.metrics[pb__kind_n_metrics(kind) - 1] = iteration_score(&l, pt.metrics);
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
    free(l.scored);
    free(l.solution);
}
