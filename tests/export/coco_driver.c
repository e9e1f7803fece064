/*
 * The export tests' reference: runs the sweep sequence (sweep_points.h) through COCO's own
 * bbob observer, on the problems of COCO's bbob suite named on the command line.
 *
 *   usage: coco_driver RESULT_FOLDER ALGORITHM EVALUATIONS DIMENSIONS FUNCTIONS INSTANCES
 *   e.g.   coco_driver coco sweep 500 2,5 1,8 1-2     (FUNCTIONS: a comma-separated list)
 *
 * Built by coco_logger_test.sh against the amalgamated coco.c and coco.h of a COCO checkout
 * (never part of plugbench). COCO writes into exdata/RESULT_FOLDER of the working
 * directory, with the observer's defaults but the algorithm's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coco.h"
#include "sweep_points.h"

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: coco_driver RESULT_FOLDER ALGORITHM EVALUATIONS DIMENSIONS "
                        "FUNCTIONS INSTANCES\n");
        return 2;
    }
    char observer_options[512], suite_instance[128], suite_options[256], wanted[128];
    snprintf(observer_options, sizeof observer_options, "result_folder: %s algorithm_name: %s",
             argv[1], argv[2]);
    snprintf(suite_instance, sizeof suite_instance, "instances: %s", argv[6]);
    /* Functions are picked here, by id: the suite option's name changed between versions. */
    snprintf(suite_options, sizeof suite_options, "dimensions: %s", argv[4]);
    unsigned long evaluations = strtoul(argv[3], NULL, 10), function = 0;
    snprintf(wanted, sizeof wanted, ",%s,", argv[5]);
    coco_set_log_level("warning");
    coco_observer_t *observer = coco_observer("bbob", observer_options);
    coco_suite_t *suite = coco_suite("bbob", suite_instance, suite_options);
    coco_problem_t *problem;
    double x[64], y[1];
    while ((problem = coco_suite_get_next_problem(suite, observer)) != NULL) {
        /* An observed problem never evaluated leaves no file behind. */
        char tag[32];
        if (sscanf(coco_problem_get_id(problem), "bbob_f%lu", &function) != 1)
            return 1;
        snprintf(tag, sizeof tag, ",%lu,", function);
        if (!strstr(wanted, tag))
            continue;
        uint32_t dim = (uint32_t)coco_problem_get_dimension(problem);
        for (unsigned long k = 1; k <= evaluations; k++) {
            sweep_point(k, dim, x);
            coco_evaluate_function(problem, x, y);
        }
    }
    coco_suite_free(suite);
    coco_observer_free(observer);
    return 0;
}
