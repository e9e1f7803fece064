/*
 * The report is written in the C locale whatever the caller's: a program that switched to
 * a locale with a decimal comma (as any GUI or locale-aware tool would) still gets '.' in
 * every data file, and gets its own locale back afterwards. report_test.sh builds such a
 * locale (de_DE, with localedef into a private LOCPATH), runs this, and compares the files
 * with a report written in the C locale.
 *
 *   usage: test_report_locale FIXTURE.json DIR   (LC_ALL names a decimal-comma locale)
 *
 * Exits 77 (skipped) when the environment's locale has no decimal comma.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "report.h"
#include "usage.h"

/* Switches to the environment's locale, writes the report, checks the locale is back. */
int main(int argc, char **argv)
{
    if (!usage_ok(argc, argv, 2, "FIXTURE.json DIR"))
        return 2;
    if (!setlocale(LC_ALL, "") || strcmp(localeconv()->decimal_point, ",") != 0) {
        printf("SKIP: the environment's locale has no decimal comma\n");
        return 77;
    }
    char buf[32], err[1024] = "";
    snprintf(buf, sizeof buf, "%.1f", 0.5);
    CHECK(strcmp(buf, "0,5") == 0, "the caller's locale writes 0.5 as %s", buf);
    const char *inputs[] = {argv[1]};
    pb__report_options opt = pb__report_defaults();
    int rc = pb__report_write(inputs, 1, argv[2], &opt, err, sizeof err);
    CHECK(rc == 0, "report written under a decimal-comma locale: %s", rc ? err : "ok");
    snprintf(buf, sizeof buf, "%.1f", 0.5);
    CHECK(strcmp(buf, "0,5") == 0, "the caller's locale is back afterwards: %s", buf);
    return check_summary("report_locale");
}
