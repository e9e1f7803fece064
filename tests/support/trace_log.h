/*
 * A run's trace kept in memory, for the tests that run the loop in-process: pass
 * collect_trace and a trace_log (n set to 0) to pb__run_id; the first 64 points are kept.
 */
#ifndef TRACE_LOG_H
#define TRACE_LOG_H

#include <stddef.h>

#include "run.h"

typedef struct trace_log {
    pb__trace_point points[64];
    size_t n;
} trace_log;

/* pb__run_id's trace callback; user is a trace_log. */
static inline void collect_trace(void *user, const pb__trace_point *pt)
{
    trace_log *t = user;
    if (t->n < 64)
        t->points[t->n++] = *pt;
}

#endif
