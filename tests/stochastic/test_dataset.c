/*
 * The data-set loader: the committed files load with their documented shapes and class
 * counts, standardization is fitted on train only (train columns have mean 0 and standard
 * deviation 1 or 0), and a missing or malformed file fails with a message that names the
 * file, and the line where the content is at fault.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dataset.h"

static void test_real(const char *name, uint32_t n_train, uint32_t n_test, uint32_t d,
                      uint32_t classes)
{
    pb__dataset tr, te;
    char err[512] = "";
    int rc = pb__dataset_open(name, &tr, &te, err, sizeof err);
    CHECK(rc == 0, "%s opens from %s %s", name, pb__dataset_dir(), err);
    if (rc != 0)
        return;
    CHECK(tr.n == n_train && te.n == n_test && tr.d == d && te.d == d &&
              tr.n_classes == classes && te.n_classes == classes,
          "%s: train %u x %u, test %u x %u, %u classes", name, tr.n, tr.d, te.n, te.d,
          tr.n_classes);
    double worst_mean = 0.0, worst_sd = 0.0, test_mean = 0.0;
    for (uint32_t j = 0; j < d; j++) {
        double mean = 0.0, var = 0.0, tm = 0.0;
        for (uint32_t i = 0; i < tr.n; i++)
            mean += tr.x[(size_t)i * d + j] / tr.n;
        for (uint32_t i = 0; i < tr.n; i++)
            var += pow(tr.x[(size_t)i * d + j] - mean, 2) / tr.n;
        for (uint32_t i = 0; i < te.n; i++)
            tm += te.x[(size_t)i * d + j] / te.n;
        double sd = sqrt(var);
        worst_mean = fmax(worst_mean, fabs(mean));
        worst_sd = fmax(worst_sd, sd < 1e-12 ? 0.0 : fabs(sd - 1.0));
        test_mean = fmax(test_mean, fabs(tm));
    }
    CHECK(worst_mean < 1e-12 && worst_sd < 1e-12,
          "%s: train columns standardized (max |mean| %.1e, max |sd - 1| %.1e)", name, worst_mean,
          worst_sd);
    CHECK(test_mean > 1e-6, "%s: the test set is transformed with train's statistics, not its "
                            "own (max |test column mean| %.3f)", name, test_mean);
    pb__dataset_free(&tr);
    pb__dataset_free(&te);
}

/* Writes text to a fresh file and loads it; returns the loader's code, the message in err. */
static int load_text(const char *text, char *path, char *err, size_t errlen)
{
    strcpy(path, "/tmp/pb_dataset_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        CHECK(0, "temporary file");
        return 0;
    }
    close(fd);
    pb__dataset ds;
    err[0] = '\0';
    int rc = pb__dataset_read_csv(path, &ds, err, errlen);
    pb__dataset_free(&ds);
    unlink(path);
    return rc;
}

static void test_malformed(void)
{
    static const struct {
        const char *what, *text, *says;
    } cases[] = {
        {"an empty file", "", "empty file"},
        {"a header only", "a,b,label\n", "no samples"},
        {"a missing field", "a,b,label\n1,2,0\n1,0\n", ":3: expected 3 fields"},
        {"an extra field", "a,b,label\n1,2,0,4\n", ":2: expected 3 fields"},
        {"a word", "a,b,label\n1,x,0\n", ":2: field 2 is not a"},
        {"an empty field", "a,b,label\n1,,0\n", ":2: field 2 is empty"},
        {"a blank line", "a,b,label\n1,2,0\n\n3,4,1\n", ":3: field 1 is empty (blank line)"},
        {"nan", "a,b,label\n1,nan,0\n", ":2: field 2 is not a finite number"},
        {"a fractional label", "a,b,label\n1,2,1.5\n", ":2: the label"},
        {"a negative label", "a,b,label\n1,2,-1\n", ":2: the label"},
        {"one column", "label\n1\n", ":1: the header has 1 column"},
    };
    char path[64], err[512] = "";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = load_text(cases[i].text, path, err, sizeof err);
        CHECK(rc == -1 && strstr(err, path) && strstr(err, cases[i].says),
              "%s is refused: \"%s\"", cases[i].what, err);
    }
    /* CRLF line ends and no final newline are fine. */
    int rc = load_text("a,b,label\r\n1,2,0\r\n3,4,1", path, err, sizeof err);
    CHECK(rc == 0, "CRLF and no final newline load %s", err);
    pb__dataset ds;
    rc = pb__dataset_read_csv("/nonexistent/train.csv", &ds, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "/nonexistent/train.csv: cannot open data file"),
          "a missing file is refused: \"%s\"", err);
}

int main(void)
{
    test_real("breast_cancer", 456, 113, 30, 2);
    test_real("digits", 1438, 359, 64, 10);
    test_malformed();
    return check_summary("dataset");
}
