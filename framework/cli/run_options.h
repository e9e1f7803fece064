/*
 * The options of `plugbench run`: a JSON config file and command-line flags, merged (flags
 * win) and validated in one place, since both speak the same keys.
 */
#ifndef PLUGBENCH_RUN_OPTIONS_H
#define PLUGBENCH_RUN_OPTIONS_H

#include <cjson/cJSON.h>

#include "cli.h"
#include "run.h"

typedef struct pb_run_options {
    cJSON *algorithms;   /* strings: names or .so paths; empty = every installed plugin */
    cJSON *problems;     /* strings: ids; empty = each algorithm's kind's default problems */
    cJSON *params;       /* strings "algorithm.name=value" */
    uint64_t *seeds;
    size_t n_seeds;
    pb__budget budget;   /* all zero = the kind's default budget */
    double target;       /* NaN = none */
    pb__checkpoints checkpoints; /* all zero = the default series and cap */
    unsigned jobs;
    double timeout;      /* wall seconds per run; 0 = derived from the budget */
    uint64_t memory_mb;  /* 0 = no limit */
    char output[PATH_MAX];
    int resume, plots, quiet;
    int sandbox;         /* run each child in the sandbox (sandbox.h) */
    int count_instructions; /* --count-instructions: record callgrind's count per run */
    int save_solutions;  /* --save-solutions: PB__SAVE_NONE, _FINAL or _CHECKPOINTS (isolate.h) */
    double solutions_max_mb; /* --solutions-max-mb: the side file's cap, MiB */
    size_t shard, shards; /* --shard I/N: shard = I - 1; shards = N (1: the whole matrix) */
    const char *cache;   /* --cache DIR: the run cache's directory (cache.h), or NULL */
    const cJSON *tuning; /* config key tuning: tune's protocol for the context, or NULL */
    const cJSON *suite;  /* a reproduction suite's block (suite.h), or NULL */
    pb_dirs dirs;
    cJSON *owner;        /* the merged config, which the cJSON members above point into */
} pb_run_options;

/* Parses argv (argv[0] is "run"). Returns 0, or an exit code after printing why/help. */
int pb_run_options_parse(int argc, char **argv, pb_run_options *o);

void pb_run_options_free(pb_run_options *o);

/* Parses "1-5", "1,3,7" or "1-3,10" into a malloc'd array. Returns the count, 0 on error. */
size_t pb_parse_seeds(const char *text, uint64_t **seeds);

#endif
