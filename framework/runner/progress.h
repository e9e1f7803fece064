/* A one-line progress display on stderr (runs done / total, elapsed, ETA), on a terminal only. */
#ifndef PLUGBENCH_PROGRESS_H
#define PLUGBENCH_PROGRESS_H

#include <stddef.h>

typedef struct pb__progress {
    int enabled;  /* stderr is a terminal and the user did not ask for quiet */
    size_t total, done;
    double started, last_draw;
} pb__progress;

/* Starts counting; enabled only when stderr is a terminal and quiet is 0. */
void pb__progress_start(pb__progress *p, size_t total, int quiet);

/* Counts one finished run and redraws (at most ten times a second, and at the end). */
void pb__progress_step(pb__progress *p);

/* Erases the line, so that later messages start on a clean line. */
void pb__progress_clear(const pb__progress *p);

#endif
