/*
 * Fuzzes the results loader and its checks (analysis/results_file.c) and what `plugbench
 * compare` does with two loaded files (analysis/compare.c). The input is BASE, and NEW
 * after a line "=====" (without one, NEW is BASE again). Both are loaded as compare loads
 * them; when both load, they are compared on every metric and the verdict printed as the
 * --json file would be. A file compared with itself must never be a regression. Before
 * that, each file is read as the loader reads it one run at a time and as cJSON parses it
 * whole: what the first reads, the second must read alike (check_streaming).
 */
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "fuzz_file.h"
#include "instructions.h"
#include "results_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char separator[] = "\n=====\n";

/* Are a and b the same JSON (both may be NULL)? */
static int same(const cJSON *a, const cJSON *b)
{
    if (!a || !b)
        return a == b;
    char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);
    int equal = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return equal;
}

/*
 * The file read one run at a time (pb__results_load_streaming) must give what cJSON's
 * parse of its whole text gave the loader before (the same runs and context of a results
 * file), and a file the schema probe (pb__json_may_have_schema) calls certainly not of a
 * schema must not have it when parsed whole, as the instructions loader parses it.
 */
static void check_streaming(const char *file, const uint8_t *data, size_t size)
{
    static const char *const schemas[] = {PB__RESULTS_SCHEMA, PB__INSTRUCTIONS_SCHEMA};
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    cJSON *doc = cJSON_Parse(text), *whole = cJSON_ParseWithLength(text, size);
    free(text);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(whole, "schema");
    for (size_t i = 0; i < sizeof schemas / sizeof schemas[0]; i++)
        if (!pb__json_may_have_schema(file, schemas[i]) && cJSON_IsString(schema) &&
            strcmp(schema->valuestring, schemas[i]) == 0)
            abort();
    cJSON *runs = cJSON_CreateArray(), *context = NULL;
    if (pb__results_load_streaming(file, runs, &context)) {
        const cJSON *doc_schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
        const cJSON *doc_runs = cJSON_GetObjectItemCaseSensitive(doc, "runs");
        if (!cJSON_IsString(doc_schema) || strcmp(doc_schema->valuestring, PB__RESULTS_SCHEMA) ||
            !cJSON_IsArray(doc_runs) || !same(runs, doc_runs) ||
            !same(context, cJSON_GetObjectItemCaseSensitive(doc, "context")) ||
            (context && (!context->string || strcmp(context->string, "context"))))
            abort();
    }
    cJSON_Delete(runs);
    cJSON_Delete(context);
    cJSON_Delete(doc);
    cJSON_Delete(whole);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = memmem(data, size, separator, sizeof separator - 1);
    size_t base_size = sep ? (size_t)(sep - data) + 1 : size;
    const uint8_t *new_data = sep ? sep + sizeof separator - 1 : data;
    size_t new_size = sep ? size - (size_t)(new_data - data) : size;
    const char *files[2] = {pb_fuzz_file(0, data, base_size),
                            pb_fuzz_file(1, new_data, new_size)};
    check_streaming(files[0], data, base_size);
    check_streaming(files[1], new_data, new_size);
    cJSON *runs[2] = {NULL, NULL};
    char err[512] = "";
    if (pb__compare_load(files[0], &runs[0], err, sizeof err) == 0 &&
        pb__compare_load(files[1], &runs[1], err, sizeof err) == 0) {
        pb__compare_options opt = {.metrics = PB__CMP_ALL, .alpha = 0.05, .threshold = 0.05,
                                   .base_name = files[0], .new_name = files[1]};
        cJSON *doc = pb__compare(runs[0], runs[1], &opt, err, sizeof err);
        const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(doc, "verdict");
        if (doc && (!cJSON_IsString(verdict) ||
                    (!sep && strcmp(verdict->valuestring, "ok") != 0)))
            abort();
        free(pb__json_print_exact(doc, 1));
        cJSON_Delete(doc);
    }
    cJSON_Delete(runs[0]);
    cJSON_Delete(runs[1]);
    return 0;
}
