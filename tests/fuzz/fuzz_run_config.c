/*
 * Fuzzes the config file of `plugbench run` (cli/run_options.c): the input is the JSON
 * file given with --config, parsed, merged and validated into the options, then freed.
 * A usage error is a fine answer; a crash, leak or undefined behaviour is not. Accepted
 * options must hold what the runner relies on.
 */
#include <math.h>
#include <stdlib.h>

#include "fuzz_file.h"
#include "run_options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[] = {"run", "--config", (char *)pb_fuzz_file(0, data, size), NULL};
    pb_run_options o;
    if (pb_run_options_parse(3, argv, &o) != 0)
        return 0;
    if (o.n_seeds == 0 || !o.seeds || o.jobs < 1 || o.jobs > 256 || o.shards < 1 ||
        o.shard >= o.shards || !(o.budget.seconds >= 0) || !(o.timeout >= 0) ||
        (!isnan(o.target) && !isfinite(o.target)) || !o.output[0])
        abort();
    pb_run_options_free(&o);
    return 0;
}
