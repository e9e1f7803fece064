/* The table of kinds, opening a problem by id across all of them, and what every problem
 * shares. */
#include "problem.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

extern const pb__kind pb__kind_blackbox, pb__kind_transport, pb__kind_stochastic, pb__kind_bilevel,
    pb__kind_policy, pb__kind_sequence;
extern const pb__kind pb__kind_saddle, pb__kind_completion;

const pb__kind *const pb__kinds[] = {&pb__kind_blackbox, &pb__kind_transport, &pb__kind_stochastic,
                                     &pb__kind_bilevel, &pb__kind_policy, &pb__kind_sequence,
                                     &pb__kind_saddle, &pb__kind_completion};
const uint32_t pb__n_kinds = sizeof pb__kinds / sizeof pb__kinds[0];

const pb__kind *pb__kind_find(const char *name)
{
    for (uint32_t i = 0; i < pb__n_kinds; i++)
        if (strcmp(pb__kinds[i]->name, name) == 0 || strcmp(pb__kinds[i]->abi_kind, name) == 0)
            return pb__kinds[i];
    return NULL;
}

int pb__problem_open(const char *id, pb__problem **out, char *err, size_t errlen)
{
    for (uint32_t k = 0; k < pb__n_kinds; k++) {
        const pb__kind *kind = pb__kinds[k];
        for (uint32_t f = 0; kind->families[f]; f++) {
            const pb__family *family = kind->families[f];
            int rc = family->open(family, id, out, err, errlen);
            if (rc == 0) {
                (*out)->family = family;
                /* A family may spell the id canonically ("bbob-f7-..." is "bbob-f07-..."), so
                 * that one problem has one id in results, --resume and compare. */
                if (!(*out)->id[0])
                    snprintf((*out)->id, sizeof (*out)->id, "%s", id);
                (*out)->handle.id = (*out)->id;
                (*out)->cost_limit = UINT64_MAX; /* no budget until a run sets one */
                return 0;
            }
            if (rc < 0)
                return -1;
        }
    }
    snprintf(err, errlen, "unknown problem '%s' (`plugbench list` shows the id patterns)", id);
    return -1;
}

/* Parses id as the family's name, '-', the tag letter of its pattern and n in [1, max_n]. */
int pb__open_numbered(const pb__family *family, const char *id, pb__problem **out, char *err,
                      size_t errlen)
{
    const pb__numbered_family *numbered = (const pb__numbered_family *)family;
    size_t len = strlen(family->name);
    if (strncmp(id, family->name, len) != 0 || id[len] != '-')
        return 1;
    /* The pattern is "<name>-<tag><what>" (tests/unit/test_problems.c opens every family). */
    assert(strncmp(family->pattern, id, len + 1) == 0 && family->pattern[len + 2] == '<');
    const char *rest = id + len + 1;
    char tag = family->pattern[len + 1];
    const char *what = family->pattern + len + 3; /* after "<name>-<tag><" */
    unsigned long n = 0;
    int used = 0;
    if (rest[0] != tag || sscanf(rest + 1, "%lu%n", &n, &used) != 1 || rest[1 + used] != '\0' ||
        n < 1 || n > numbered->max_n) {
        snprintf(err, errlen, "malformed problem id '%s': expected %s with %.*s in [1, %lu]", id,
                 family->pattern, (int)strcspn(what, ">"), what, numbered->max_n);
        return -1;
    }
    return numbered->open_n(n, out, err, errlen);
}

/* The common fields; the kind's constructor fills the rest. */
void pb__problem_init(pb__problem *problem, const pb__kind *kind, const void *oracle,
                      uint64_t solution_length)
{
    assert(kind->ops.measure && kind->ops.describe && kind->ops.destroy);
    problem->handle = (pb_problem){
        .struct_size = sizeof(pb_problem),
        .kind = kind->abi_kind,
        .oracle = oracle,
        .solution_length = solution_length,
    };
    problem->target = NAN;
    problem->ops = &kind->ops;
}

void *pb__problem_block_new(size_t size, size_t n_arrays, const pb_array arrays[], void *model,
                            void (*model_free)(void *model), char *err, size_t errlen)
{
    void *p = model ? pb_block_new(size, n_arrays, arrays) : NULL;
    if (!p) {
        if (model && model_free)
            model_free(model);
        snprintf(err, errlen, "out of memory");
    }
    return p;
}

/* Through the kind's operations. */
void pb__problem_close(pb__problem *problem)
{
    if (problem)
        problem->ops->destroy(problem);
}
