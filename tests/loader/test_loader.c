/*
 * The loader and the parameter parser: plugins that must not load (tests/isolation), the
 * one-line messages that say why, pb__param_set on a plugin with one parameter of each
 * type, pb__plugin_validate on hand-made descriptors, and pb__self_path.
 *
 * Usage: test_loader <directory of the test plugins>
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "loader.h"
#include "params.h"
#include "procs.h"
#include "usage.h"

/* Checks that text contains every one of the NULL-terminated needles. */
static void says_all(const char *what, const char *text, const char *const *needles)
{
    for (; *needles; needles++)
        CHECK(strstr(text, *needles) != NULL, "%s: '%s' does not say '%s'", what, text,
              *needles);
}

/* Loading path must fail with one line that starts with path and says every needle. */
static void expect_load_failure(const char *path, const char *const *needles)
{
    pb__plugin_file plugin;
    char err[1024] = "";
    int rc = pb__plugin_load(path, &plugin, err, sizeof err);
    CHECK(rc != 0, "%s: loaded", path);
    if (rc == 0) {
        pb__plugin_unload(&plugin);
        return;
    }
    CHECK(strncmp(err, path, strlen(path)) == 0, "%s: message does not start with the path: '%s'",
          path, err);
    CHECK(strchr(err, '\n') == NULL, "%s: message is more than one line: '%s'", path, err);
    CHECK(plugin.handle == NULL && plugin.desc == NULL, "%s: a failed load left a handle", path);
    says_all(path, err, needles);
}

/* Each plugin that must not load, for the reason it must give. */
static void test_bad_plugins(const char *dir)
{
    pb__plugin_probe_timeout(1);
    char host[32], major[32], minor[32], path[4096];
    snprintf(host, sizeof host, "%d.%d", PB_ABI_MAJOR, PB_ABI_MINOR);
    snprintf(major, sizeof major, "%d.%d", PB_ABI_MAJOR + 1, PB_ABI_MINOR);
    snprintf(minor, sizeof minor, "%d.%d", PB_ABI_MAJOR, PB_ABI_MINOR + 1);
    const struct {
        const char *file;
        const char *needles[4];
    } cases[] = {
        {"bad-abi-major.so", {"ABI", major, host, NULL}},
        {"bad-abi-minor.so", {"ABI", minor, host, NULL}},
        {"bad-noentry.so", {PB_ENTRY_NAME, NULL}},
        {"bad-kind.so", {"nosuchkind/1", NULL}},
        {"bad-param.so", {"'step'", "range", NULL}},
        {"bad-notso.so", {"not a loadable shared object", NULL}},
        {"bad-ctor.so", {"crashed with signal", "Aborted", "while loading it", NULL}},
        {"no-such-plugin.so", {"No such file or directory", NULL}},
        /* exit(), even exit(0), is a failure: the probe wants its positive answer. */
        {"bad-ctor-exit.so", {"exited with status 0", "while loading it", "exit()", NULL}},
        {"bad-entry-exit.so", {"exited with status 0", "in its entry function", NULL}},
        /* Bad pointers are read in the probe child only: it dies, the host does not. */
        {"bad-nparams.so", {"crashed with signal", "descriptor", NULL}},
        {"bad-name-pointer.so", {"crashed with signal", "descriptor", NULL}},
        {"bad-badtext.so", {"version", "not valid UTF-8", NULL}},
        /* Blocks SIGALRM: the deadline (1 s here) is the parent's, with SIGKILL. */
        {"bad-ctor-hang.so", {"did not finish within 1 s", "while loading it", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].file);
        expect_load_failure(path, cases[i].needles);
    }
}

/*
 * No plugin code runs in the loading process: bad-hostctor aborts when its constructor runs
 * in the process $PB_TEST_HOST_PID names (this one), and bad-dtor when its destructor runs
 * (at dlclose, or when this process exits). Both load, are listed, and are unloaded here.
 */
static void test_no_code_in_host(const char *dir)
{
    char path[4096], pid[32], err[1024] = "";
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv("PB_TEST_HOST_PID", pid, 1);
    const char *files[] = {"bad-hostctor.so", "bad-dtor.so"};
    for (size_t i = 0; i < 2; i++) {
        pb__plugin_file plugin;
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        int rc = pb__plugin_load(path, &plugin, err, sizeof err);
        CHECK(rc == 0, "%s", err);
        if (rc != 0)
            continue;
        CHECK(plugin.handle == NULL && plugin.desc->create == NULL,
              "%s: the host holds a handle or the plugin's code", files[i]);
        CHECK(strcmp(plugin.desc->version, "0.0.1") == 0 && plugin.desc->n_params == 4,
              "%s: the copy says version %s, %u parameters", files[i], plugin.desc->version,
              plugin.desc->n_params);
        pb__plugin_unload(&plugin);
    }
    char dirs[1][PATH_MAX];
    snprintf(dirs[0], sizeof dirs[0], "%s", dir);
    pb__plugin_file *all = calloc(64, sizeof *all);
    size_t n = all ? pb__plugin_scan(dirs, 1, all, 64, 0) : 0;
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        seen += strcmp(all[i].desc->name, "bad-hostctor") == 0;
        pb__plugin_unload(&all[i]);
    }
    CHECK(seen == 1, "scanning the test plugins listed bad-hostctor %d times, not once", seen);
    free(all);
}

/*
 * A probe dies with the process that started it: a host that loads bad-ctor-hang (which
 * blocks SIGALRM and hangs) under a 60 s deadline is killed with SIGKILL, and its probe
 * child must be gone within 5 s, not hang on for ever.
 */
static void test_probe_dies_with_host(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/bad-ctor-hang.so", dir);
    pid_t host = fork();
    if (host == 0) {
        pb__plugin_file plugin;
        char err[1024] = "";
        pb__plugin_probe_timeout(60);
        pb__plugin_load(path, &plugin, err, sizeof err);
        _exit(0);
    }
    long probe = 0;
    for (int i = 0; i < 500 && !probe; i++) {
        probe = proc_child_of(host);
        if (!probe)
            usleep(10000);
    }
    CHECK(probe > 0, "no probe child of the host %ld was seen", (long)host);
    kill(host, SIGKILL);
    waitpid(host, NULL, 0);
    int dead = probe <= 0;
    for (int i = 0; i < 500 && !dead; i++) {
        dead = proc_gone(probe);
        if (!dead)
            usleep(10000);
    }
    CHECK(dead, "the probe %ld outlived its host by 5 s", probe);
    if (!dead)
        kill((pid_t)probe, SIGKILL);
}

/* Setting name to text must succeed; the caller checks the stored value. */
static void expect_set(const pb_plugin *desc, pb_value *values, const char *name,
                       const char *text)
{
    char err[1024] = "";
    CHECK(pb__param_set(desc, values, name, text, err, sizeof err) == 0, "%s=%s refused: %s",
          name, text, err);
}

/* Setting name to text must fail, leave the values alone and say every needle. */
static void expect_refusal(const pb_plugin *desc, pb_value *values, const char *name,
                           const char *text, const char *const *needles)
{
    char err[1024] = "", what[256];
    pb_value before[8];
    memcpy(before, values, desc->n_params * sizeof *values);
    snprintf(what, sizeof what, "%s=%s", name, text);
    int rc = pb__param_set(desc, values, name, text, err, sizeof err);
    CHECK(rc != 0, "%s accepted", what);
    if (rc == 0)
        return;
    CHECK(memcmp(before, values, desc->n_params * sizeof *values) == 0,
          "%s changed the values though refused", what);
    says_all(what, err, needles);
}

/* pb__param_set on good-params: one parameter of each type, each way to get it wrong. */
static void test_params(const char *dir)
{
    char path[4096], err[1024] = "";
    pb__plugin_file plugin;
    snprintf(path, sizeof path, "%s/good-params.so", dir);
    int rc = pb__plugin_load(path, &plugin, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc != 0)
        return;
    const pb_plugin *d = plugin.desc;
    pb_value v[8];
    CHECK(d->n_params == 4, "good-params declares %u parameters, not 4", d->n_params);
    if (d->n_params != 4)
        goto done;
    pb__params_defaults(d, v);
    CHECK(v[0].real == 0.5 && v[1].integer == 4 && v[2].integer == 0 && v[3].integer == 1,
          "defaults: %g %lld %lld %lld", v[0].real, (long long)v[1].integer,
          (long long)v[2].integer, (long long)v[3].integer);
    expect_set(d, v, "step", "0.25");
    expect_set(d, v, "batch", "7");
    expect_set(d, v, "verbose", "true");
    expect_set(d, v, "mode", "c");
    CHECK(v[0].real == 0.25 && v[1].integer == 7 && v[2].integer == 1 && v[3].integer == 2,
          "stored: %g %lld %lld %lld, want 0.25 7 1 2", v[0].real, (long long)v[1].integer,
          (long long)v[2].integer, (long long)v[3].integer);
    expect_refusal(d, v, "nosuch", "1",
                   (const char *const[]){"'nosuch'", "step", "batch", "verbose", "mode", NULL});
    expect_refusal(d, v, "step", "1.5", (const char *const[]){"real", "[0, 1]", NULL});
    expect_refusal(d, v, "step", "half", (const char *const[]){"real", "[0, 1]", NULL});
    expect_refusal(d, v, "batch", "101", (const char *const[]){"int", "[1, 100]", NULL});
    expect_refusal(d, v, "batch", "0", (const char *const[]){"int", "[1, 100]", NULL});
    expect_refusal(d, v, "batch", "7.5", (const char *const[]){"int", "[1, 100]", NULL});
    expect_refusal(d, v, "verbose", "maybe", (const char *const[]){"true", "false", NULL});
    expect_refusal(d, v, "mode", "d", (const char *const[]){"a|b|c", NULL});
done:
    pb__plugin_unload(&plugin);
}

/* A create that is never called: the hand-made descriptors are only validated. */
static int32_t fake_create(const pb_context *ctx, void **state)
{
    (void)ctx;
    (void)state;
    return PB_ERR_FAILED;
}

/* A step that is never called. */
static int32_t fake_step(void *state)
{
    (void)state;
    return PB_DONE;
}

/* A solution that is never called. */
static int32_t fake_solution(void *state, double *out)
{
    (void)state;
    (void)out;
    return PB_ERR_FAILED;
}

/* A destroy that is never called. */
static void fake_destroy(void *state) { (void)state; }

/* Validating desc must fail and say needle. */
static void expect_invalid(const char *what, const pb_plugin *desc, const char *needle)
{
    char err[1024] = "";
    int rc = pb__plugin_validate(desc, err, sizeof err);
    CHECK(rc != 0, "%s: validated", what);
    if (rc != 0)
        says_all(what, err, (const char *const[]){needle, NULL});
}

/* pb__plugin_validate on a valid hand-made descriptor and on broken copies of it. */
static void test_validate(void)
{
    const pb_plugin valid = {
        .abi_major = PB_ABI_MAJOR, .abi_minor = PB_ABI_MINOR, .struct_size = sizeof(pb_plugin),
        .name = "hand-made", .version = "1", .summary = "s", .citation = "c",
        .kind = "blackbox/1", .create = fake_create, .step = fake_step,
        .solution = fake_solution, .destroy = fake_destroy,
    };
    char err[1024] = "";
    CHECK(pb__plugin_validate(&valid, err, sizeof err) == 0, "valid descriptor refused: %s",
          err);
    pb_plugin d = valid;
    d.step = NULL;
    expect_invalid("NULL step", &d, "step");
    d = valid;
    d.name = "Bad Name";
    expect_invalid("name 'Bad Name'", &d, "name");
    d = valid;
    d.struct_size = offsetof(pb_plugin, extension);
    expect_invalid("struct_size too small", &d, "struct_size");
}

/* pb__self_path names this test's executable, which meson started by its path (argv0); also
 * under valgrind, where /proc/self/exe itself would start valgrind's tool. */
static void test_self_path(const char *argv0)
{
    char self[PATH_MAX] = "", expected[PATH_MAX] = "";
    CHECK(pb__self_path(self) == 0, "pb__self_path failed");
    CHECK(realpath(argv0, expected) && strcmp(self, expected) == 0,
          "pb__self_path: %s, not the test's %s", self, argv0);
}

static int finished;

/* A plugin whose exit() ran in this process would end the test with status 0, unseen. */
static void fail_unless_finished(void)
{
    if (!finished) {
        fprintf(stderr, "loader: exited before the end of the tests (plugin code called "
                        "exit() in this process?)\n");
        _exit(1);
    }
}

/* Runs the tests; exits nonzero when any check failed. */
int main(int argc, char **argv)
{
    atexit(fail_unless_finished);
    if (!usage_ok(argc, argv, 1, "<test plugin dir>"))
        return 2;
    test_bad_plugins(argv[1]);
    test_no_code_in_host(argv[1]);
    test_probe_dies_with_host(argv[1]);
    test_params(argv[1]);
    test_validate();
    test_self_path(argv[0]);
    finished = 1;
    return check_summary("loader");
}
