/*
 * Fuzzes the results loader and its checks (analysis/results_file.c) and what `plugbench
 * compare` does with two loaded files (analysis/compare.c). The input is BASE, and NEW
 * after a line "=====" (without one, NEW is BASE again). Both are loaded as compare loads
 * them; when both load, they are compared on every metric and the verdict printed as the
 * --json file would be. A file compared with itself must never be a regression.
 */
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "fuzz_file.h"
#include "results_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char separator[] = "\n=====\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = memmem(data, size, separator, sizeof separator - 1);
    size_t base_size = sep ? (size_t)(sep - data) + 1 : size;
    const uint8_t *new_data = sep ? sep + sizeof separator - 1 : data;
    size_t new_size = sep ? size - (size_t)(new_data - data) : size;
    const char *files[2] = {pb_fuzz_file(0, data, base_size),
                            pb_fuzz_file(1, new_data, new_size)};
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
