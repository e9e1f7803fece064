/* Progress line; see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "run.h"

void pb__progress_start(pb__progress *p, size_t total, int quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->total = total;
    p->done = 0;
    p->started = pb__now();
    p->last_draw = 0;
}

void pb__progress_step(pb__progress *p)
{
    p->done++;
    double now = pb__now();
    if (!p->enabled || (now - p->last_draw < 0.1 && p->done < p->total))
        return;
    p->last_draw = now;
    double elapsed = now - p->started;
    double eta = p->done ? elapsed * (double)(p->total - p->done) / (double)p->done : 0;
    fprintf(stderr, "\r\033[K%zu/%zu runs  elapsed %.1fs  ETA %.1fs", p->done, p->total,
            elapsed, eta);
    fflush(stderr);
}

void pb__progress_clear(const pb__progress *p)
{
    if (p->enabled)
        fprintf(stderr, "\r\033[K");
}
