/*
 * plugbench export --format ioh: the files of IOHexperimenter's analyzer logger; see
 * export.h.
 *
 * What is written follows ioh::logger::analyzer::v2::Analyzer, the default Analyzer of ioh
 * 0.3 (include/ioh/logger/analyzer.hpp and flatfile.hpp of IOHprofiler/IOHexperimenter,
 * version 0.3.23), with its defaults: logging on improvement, the properties evaluations
 * and raw_y, no positions. Per run the .dat file gets the header line "evaluations raw_y"
 * and a line "e y" at each evaluation e that improved the best f, y being f - f_opt ("raw"
 * in ioh: a bbob function before its shift by f_opt) with ten decimals, and a line at the
 * run's last evaluation when that did not improve (ioh writes that evaluation's f there,
 * which a trace does not hold: the best f stands in; IOHanalyzer takes the best so far of
 * the column anyway). The JSON file per function holds what ioh's ExperimentInfo holds; a
 * run's best point has no x (`"x": []`), which a trace does not record either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "export.h"
#include "results_file.h"

/* The format's version: the ioh release whose logger this follows. */
#define IOH_VERSION "0.3.23"

/* ioh's names of the 24 bbob functions (problem::bbob), by function number. */
static const char *const function_names[25] = {
    NULL,           "Sphere",           "Ellipsoid",         "Rastrigin",
    "BuecheRastrigin", "LinearSlope",   "AttractiveSector",  "StepEllipsoid",
    "Rosenbrock",   "RosenbrockRotated", "EllipsoidRotated", "Discus",
    "BentCigar",    "SharpRidge",       "DifferentPowers",   "RastriginRotated",
    "Weierstrass",  "Schaffers10",      "Schaffers1000",     "GriewankRosenbrock",
    "Schwefel",     "Gallagher101",     "Gallagher21",       "Katsuura",
    "LunacekBiRastrigin"};

/* Appends run r's lines to its .dat file; returns the evaluation of its best f. */
static double dat_lines(FILE *f, const pb__export_run *r)
{
    double best = 0, best_at = 0;
    fprintf(f, "evaluations raw_y\n");
    for (size_t k = 0; k < r->n; k++)
        if (k == 0 || r->best_error[k] < best) {
            best = r->best_error[k];
            best_at = r->cost[k];
            fprintf(f, "%.0f %.10f\n", r->cost[k], best);
        }
    if (best_at != r->evaluations)
        fprintf(f, "%.0f %.10f\n", r->evaluations, best);
    return best_at;
}

/* The function's experiment object (ExperimentInfo), without its scenarios' runs. */
static cJSON *experiment(const pb__export_run *r)
{
    cJSON *e = cJSON_CreateObject();
    char info[512];
    cJSON_AddStringToObject(e, "version", IOH_VERSION);
    cJSON_AddStringToObject(e, "suite", "BBOB");
    cJSON_AddNumberToObject(e, "function_id", r->function);
    cJSON_AddStringToObject(e, "function_name", function_names[r->function]);
    cJSON_AddFalseToObject(e, "maximization");
    cJSON *alg = cJSON_AddObjectToObject(e, "algorithm");
    cJSON_AddStringToObject(alg, "name", r->algorithm);
    snprintf(info, sizeof info, "plugbench export of plugin %s %s, sha256 %s", r->plugin,
             r->version ? r->version : "?", r->sha256 ? r->sha256 : "?");
    cJSON_AddStringToObject(alg, "info", info);
    cJSON *attributes = cJSON_AddArrayToObject(e, "attributes");
    cJSON_AddItemToArray(attributes, cJSON_CreateString("evaluations"));
    cJSON_AddItemToArray(attributes, cJSON_CreateString("raw_y"));
    cJSON_AddArrayToObject(e, "scenarios");
    return e;
}

/* The scenario of dimension d in e, added when missing. */
static cJSON *scenario(cJSON *e, const pb__export_run *r)
{
    cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(e, "scenarios"))
        if (cJSON_GetObjectItemCaseSensitive(s, "dimension")->valuedouble == r->dimension)
            return s;
    char path[128];
    s = cJSON_CreateObject();
    cJSON_AddNumberToObject(s, "dimension", r->dimension);
    snprintf(path, sizeof path, "data_f%u_%s/IOHprofiler_f%u_DIM%u.dat", r->function,
             function_names[r->function], r->function, r->dimension);
    cJSON_AddStringToObject(s, "path", path);
    cJSON_AddArrayToObject(s, "runs");
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(e, "scenarios"), s);
    return s;
}

static void add_run(cJSON *s, const pb__export_run *r, double best_at)
{
    cJSON *run = cJSON_CreateObject();
    cJSON_AddNumberToObject(run, "instance", r->instance);
    cJSON_AddNumberToObject(run, "evals", r->evaluations);
    cJSON *best = cJSON_AddObjectToObject(run, "best");
    cJSON_AddNumberToObject(best, "evals", best_at);
    cJSON_AddNumberToObject(best, "y", r->best_error[r->n - 1]);
    cJSON_AddArrayToObject(best, "x");
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(s, "runs"), run);
}

/* One algorithm's runs into its folder. */
static int export_algorithm(const pb__export_run *runs, size_t n,
                            const char folder[PB__EXPORT_FOLDER], char *err, size_t errlen)
{
    cJSON *experiments[25] = {NULL};
    char path[PB__EXPORT_FILE];
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const pb__export_run *r = &runs[i];
        if (!experiments[r->function])
            experiments[r->function] = experiment(r);
        cJSON *s = scenario(experiments[r->function], r);
        snprintf(path, sizeof path, "%s/data_f%u_%s", folder, r->function,
                 function_names[r->function]);
        mkdir(path, 0777);
        snprintf(path + strlen(path), sizeof path - strlen(path), "/IOHprofiler_f%u_DIM%u.dat",
                 r->function, r->dimension);
        FILE *f = pb__export_open(path, "a", err, errlen);
        if (!f) {
            rc = -1;
            break;
        }
        add_run(s, r, dat_lines(f, r));
        if (fclose(f) != 0) {
            snprintf(err, errlen, "cannot write %s", path);
            rc = -1;
        }
    }
    for (unsigned fn = 1; fn <= 24; fn++) {
        if (experiments[fn] && rc == 0) {
            snprintf(path, sizeof path, "%s/IOHprofiler_f%u_%s.json", folder, fn,
                     function_names[fn]);
            rc = pb__json_write_atomic(path, experiments[fn], err, errlen);
        }
        cJSON_Delete(experiments[fn]);
    }
    return rc;
}

int pb__export_ioh(const pb__export_set *set, const char *dir, char *err, size_t errlen)
{
    return pb__export_each_algorithm(set, dir, export_algorithm, err, errlen);
}
