/*
 * plugbench slurm --shards N [slurm options] [run options]: a suite as a Slurm job array,
 * one `run --shard I/N --resume` per task, and a job after it that merges the shards and
 * draws the report. Slurm schedules; plugbench only writes the two batch scripts and, with
 * --submit, hands them to sbatch.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "readfile.h"
#include "records.h"
#include "run_options.h"

static const char usage[] =
    "usage: plugbench slurm --shards N [options] [run options]\n"
    "\n"
    "Runs the suite that `plugbench run` would run with the same options on a Slurm\n"
    "cluster: a job array of N tasks, task I running `plugbench run --shard I/N --resume`\n"
    "into DIR/shard-I-of-N.json, and a job that starts when the array has ended (afterany),\n"
    "checks that every shard finished, merges them into the run's output (-o) and draws its\n"
    "report unless --no-plots. A shard that did not finish is named in that job's log\n"
    "(DIR/logs/merge-JOBID.log), nothing is merged, and the job fails. Running the same\n"
    "command again submits only the shards without a results file (each resumes its\n"
    "journal; with --cache, runs other shards or suites finished are reused).\n"
    "\n"
    "  --shards N            array tasks, one shard each (required; Slurm's MaxArraySize,\n"
    "                        1001 by default, bounds N)\n"
    "  --partition NAME      sbatch --partition of both jobs\n"
    "  --time LIMIT          sbatch --time of each task and of the merge job (e.g. 2:00:00)\n"
    "  --mem SIZE            sbatch --mem of each task (e.g. 8G)\n"
    "  --cpus-per-task N     sbatch --cpus-per-task (default: run's -j)\n"
    "  --max-running K       at most K tasks at once (the array's %K)\n"
    "  --job-dir DIR         where the scripts, the suite, the shards and the logs go\n"
    "                        (default: the output's directory + /slurm)\n"
    "  --dry-run             print the scripts and the sbatch commands; write nothing\n"
    "  --submit              write the scripts and submit them (sbatch --parsable); prints\n"
    "                        the job ids\n"
    "Without --dry-run or --submit, the scripts are written and the commands that submit\n"
    "them printed. The run options are checked now and written to DIR/suite.json, which\n"
    "every task reads; paths in them are relative to this directory, where the jobs run.\n"
    "Both jobs run this plugbench executable, by its absolute path.\n"
    "\n"
    "Exit status: 0 when written (and submitted), 1 when sbatch failed, 2 for usage.\n";

typedef struct slurm {
    size_t shards, max_running, cpus;
    const char *partition, *time, *mem, *job_dir;
    int dry_run, submit;
    char dir[PATH_MAX];    /* the job directory, absolute */
    char cwd[PATH_MAX];    /* where the jobs run */
    char output[PATH_MAX]; /* the merged results file, absolute */
    char exe[PATH_MAX];    /* this plugbench */
} slurm;

/* A shell variable's assignment, name='value', the value single-quoted (a quote in it
 * becomes '\''): no file name can inject shell code into the scripts. */
static void assign(FILE *out, const char *name, const char *value)
{
    fprintf(out, "%s='", name);
    for (; *value; value++)
        if (*value == '\'')
            fputs("'\\''", out);
        else
            fputc(*value, out);
    fputs("'\n", out);
}

/* Is text non-empty and made of characters of set only? What #SBATCH lines may hold. */
static int only(const char *text, const char *set)
{
    return text[0] && text[strspn(text, set)] == '\0';
}

/* path made absolute against cwd into out (PATH_MAX). Returns 0, or -1 when too long. */
static int absolute(const char *path, const char *cwd, char *out)
{
    int n = path[0] == '/' ? snprintf(out, PATH_MAX, "%s", path)
                           : snprintf(out, PATH_MAX, "%s/%s", cwd, path);
    return n > 0 && n < PATH_MAX ? 0 : -1;
}

/*
 * What both scripts share after their own #SBATCH lines (sbatch reads those up to the first
 * command): the partition and time, and the paths every later line names by variable.
 */
static void common_lines(FILE *f, const slurm *sl)
{
    fputs("#SBATCH --output=/dev/null\n", f); /* the script writes its own log (below) */
    if (sl->partition)
        fprintf(f, "#SBATCH --partition=%s\n", sl->partition);
    if (sl->time)
        fprintf(f, "#SBATCH --time=%s\n", sl->time);
    fputs("set -u\n", f);
    assign(f, "dir", sl->dir);
    assign(f, "cwd", sl->cwd);
    assign(f, "pb", sl->exe);
    assign(f, "out", sl->output);
    fprintf(f, "n=%zu\n", sl->shards);
}

/* The array's script; missing is the array's index list ("1-8", "2,5"). */
static void array_script(FILE *f, const slurm *sl, const char *missing)
{
    fprintf(f, "#!/bin/bash\n# Written by plugbench slurm: one shard of the suite in suite.json "
               "per array task.\n#SBATCH --job-name=plugbench\n#SBATCH --array=%s",
            missing);
    if (sl->max_running)
        fprintf(f, "%%%zu", sl->max_running);
    fprintf(f, "\n#SBATCH --cpus-per-task=%zu\n", sl->cpus);
    if (sl->mem)
        fprintf(f, "#SBATCH --mem=%s\n", sl->mem);
    common_lines(f, sl);
    fputs("i=${SLURM_ARRAY_TASK_ID:?is set by Slurm in an array task}\n"
          "exec >>\"$dir/logs/shard-$i-of-$n.log\" 2>&1\n"
          "echo \"plugbench slurm: shard $i of $n, job ${SLURM_ARRAY_JOB_ID:-}_$i on $(hostname), "
          "$(date -u +%FT%TZ)\"\n"
          "cd \"$cwd\" || exit 1\n"
          "exec \"$pb\" run -c \"$dir/suite.json\" --shard \"$i/$n\" --resume "
          "-o \"$dir/shard-$i-of-$n.json\"\n",
          f);
}

/* The merge job's script: every shard there, or a message naming the missing ones. */
static void merge_script(FILE *f, const slurm *sl, int plots)
{
    fputs("#!/bin/bash\n# Written by plugbench slurm: merges the shards once the array has "
          "ended.\n#SBATCH --job-name=plugbench-merge\n",
          f);
    common_lines(f, sl);
    fputs("exec >>\"$dir/logs/merge-${SLURM_JOB_ID:-local}.log\" 2>&1\n"
          "shards=() missing=()\n"
          "for ((i = 1; i <= n; i++)); do\n"
          "  shard=$dir/shard-$i-of-$n.json\n"
          "  if [ ! -f \"$shard\" ] || [ ! -s \"$shard\" ]; then missing+=(\"$i\")\n"
          /* More shards than runs: a shard of no run, which merge would refuse, is left out. */
          "  elif ! grep -qx '[[:space:]]*\"runs\":[[:space:]]*\\[\\]' \"$shard\"; then "
          "shards+=(\"$shard\"); fi\n"
          "done\n"
          "if [ ${#missing[@]} -gt 0 ]; then\n"
          "  echo \"plugbench slurm: FAILED: ${#missing[@]} of $n shards did not finish (shards "
          "${missing[*]}); nothing is merged. Their logs: $dir/logs/shard-I-of-$n.log. Run the "
          "same plugbench slurm command with --submit again: it submits only these shards, "
          "which resume their journals.\"\n"
          "  exit 1\n"
          "fi\n"
          "cd \"$cwd\" || exit 1\n"
          "\"$pb\" merge -o \"$out\" \"${shards[@]}\" || exit 1\n"
          "echo \"plugbench slurm: merged the $n shards into $out\"\n",
          f);
    if (plots)
        fputs("\"$pb\" report \"$out\" || echo \"plugbench slurm: no report (the merged "
              "results are complete)\"\n",
              f);
}

/* Has shard i a results file (written whole, at its run's end)? */
static int shard_done(const slurm *sl, size_t i)
{
    char path[PATH_MAX + 64];
    struct stat st;
    snprintf(path, sizeof path, "%s/shard-%zu-of-%zu.json", sl->dir, i, sl->shards);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/*
 * The shards without a results file as Slurm's index list ("1-3,7"), malloc'd; all of
 * them when all is set. Empty when none is missing.
 */
static char *missing_shards(const slurm *sl, int all)
{
    char *list = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&list, &len);
    if (!f)
        return NULL;
    const char *sep = "";
    for (size_t i = 1; i <= sl->shards; i++) {
        if (!all && shard_done(sl, i))
            continue;
        size_t last = i;
        while (last < sl->shards && (all || !shard_done(sl, last + 1)))
            last++;
        fprintf(f, last > i ? "%s%zu-%zu" : "%s%zu", sep, i, last);
        sep = ",";
        i = last;
    }
    fclose(f);
    return list;
}

/* Writes text to path (a temporary name, renamed). Returns 0, or -1 with errno set. */
static int write_file(const char *path, const char *text)
{
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int ok = f && fputs(text, f) >= 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/*
 * Runs sbatch --parsable with args and the script; returns the job id (its first line up
 * to a ';'), or -1 after saying why. sbatch is looked up on PATH.
 */
static long sbatch(const char *dependency, const char *script)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDOUT_FILENO);
        const char *argv[] = {"sbatch", "--parsable", dependency ? dependency : script,
                              dependency ? script : NULL, NULL};
        execvp("sbatch", (char *const *)argv);
        fprintf(stderr, "plugbench: cannot run sbatch: %s\n", strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    char out[256] = {0};
    size_t got = 0;
    ssize_t n;
    while (pid > 0 && got < sizeof out - 1 &&
           (n = read(fds[0], out + got, sizeof out - 1 - got)) > 0)
        got += (size_t)n;
    close(fds[0]);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "plugbench: sbatch %s failed (exit %d)\n", script,
                pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    char *end;
    long id = strtol(out, &end, 10);
    if (end == out || id <= 0 || (*end && *end != ';' && *end != '\n')) {
        fprintf(stderr, "plugbench: sbatch %s printed no job id: '%.80s'\n", script, out);
        return -1;
    }
    return id;
}

/* Reads the slurm options from argv into sl; the others stay in argv for run, *argc fewer. */
static int parse(int *argc, char **argv, slurm *sl)
{
    static const char *const with_value[] = {"--shards",        "--partition",  "--time",
                                             "--mem",           "--cpus-per-task",
                                             "--max-running",   "--job-dir"};
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i], *value = NULL;
        size_t k = 0;
        while (k < sizeof with_value / sizeof with_value[0] && strcmp(a, with_value[k]) != 0)
            k++;
        if (strcmp(a, "--dry-run") == 0) {
            sl->dry_run = 1;
            continue;
        }
        if (strcmp(a, "--submit") == 0) {
            sl->submit = 1;
            continue;
        }
        if (k == sizeof with_value / sizeof with_value[0]) {
            if (strcmp(a, "--shard") == 0 || strncmp(a, "--shard=", 8) == 0)
                return pb_usage_error("slurm: --shard is each task's (see --shards)");
            argv[kept++] = argv[i];
            continue;
        }
        if (i + 1 >= *argc)
            return pb_usage_error("%s needs a value", a);
        value = argv[++i];
        char *end;
        unsigned long long n = strtoull(value, &end, 10);
        int count = value[0] >= '0' && value[0] <= '9' && !*end;
        switch (k) {
        case 0:
            if (!count || n < 1 || n > 1000000)
                return pb_usage_error("--shards must be a whole number in [1, 1000000]");
            sl->shards = (size_t)n;
            break;
        case 1:
            if (!only(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,-"))
                return pb_usage_error("--partition '%s': letters, digits, _ . , - only", value);
            sl->partition = value;
            break;
        case 2:
            if (!only(value, "0123456789:-"))
                return pb_usage_error("--time '%s': Slurm's [D-]HH:MM:SS or minutes", value);
            sl->time = value;
            break;
        case 3:
            if (!only(value, "0123456789KMGT") || value[0] < '0' || value[0] > '9')
                return pb_usage_error("--mem '%s': a size like 4096, 8G or 500M", value);
            sl->mem = value;
            break;
        case 4:
        case 5:
            if (!count || n < 1 || n > 1000000)
                return pb_usage_error("%s must be a whole number in [1, 1000000]", a);
            *(k == 4 ? &sl->cpus : &sl->max_running) = (size_t)n;
            break;
        default:
            sl->job_dir = value;
        }
    }
    *argc = kept;
    if (!sl->shards)
        return pb_usage_error("slurm: --shards N is required (see plugbench slurm --help)");
    if (sl->dry_run && sl->submit)
        return pb_usage_error("slurm: --dry-run and --submit exclude each other");
    return 0;
}

/* The suite every task reads: the run options merged, less what is each task's. */
static char *suite_text(const pb_run_options *o)
{
    cJSON *cfg = cJSON_Duplicate(o->owner, 1);
    static const char *const per_task[] = {"output", "shard", "resume", "quiet", "plots"};
    for (size_t k = 0; cfg && k < sizeof per_task / sizeof per_task[0]; k++)
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, per_task[k]);
    cJSON_AddFalseToObject(cfg, "plots");
    cJSON_AddTrueToObject(cfg, "quiet");
    char *text = cfg ? pb__json_print_exact(cfg, 1) : NULL;
    cJSON_Delete(cfg);
    return text;
}

/* Prints sbatch's command line for the script at path (after the array: dependent). */
static void print_command(const char *path, int dependent)
{
    assign(stdout, "script", path);
    puts(dependent ? "sbatch --dependency=afterany:${jid%%;*} \"$script\""
                   : "jid=$(sbatch --parsable \"$script\")");
}

int pb_cmd_slurm(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (pb_is_help(argv[i])) {
            fputs(usage, stdout);
            return PB_EXIT_OK;
        }
    slurm sl = {0};
    int rc = parse(&argc, argv, &sl);
    if (rc != 0)
        return rc;
    pb_run_options o;
    if ((rc = pb_run_options_parse(argc, argv, &o)) != 0)
        return rc < 0 ? PB_EXIT_OK : rc;
    char *suite = suite_text(&o), *old = NULL, *missing = NULL;
    char job_dir[PATH_MAX], copy[PATH_MAX], path[PATH_MAX + 64];
    snprintf(copy, sizeof copy, "%s", o.output);
    snprintf(job_dir, sizeof job_dir, "%s/slurm", dirname(copy));
    if (!suite || pb__self_path(sl.exe) != 0 || !getcwd(sl.cwd, sizeof sl.cwd) ||
        absolute(sl.job_dir ? sl.job_dir : job_dir, sl.cwd, sl.dir) != 0 ||
        absolute(o.output, sl.cwd, sl.output) != 0) {
        rc = pb_usage_error("slurm: cannot tell where this plugbench, the working directory "
                            "or the job directory are");
        goto out;
    }
    if (!sl.cpus)
        sl.cpus = o.jobs;
    /* A suite changed since the scripts were last written: its shards' results are of
     * another suite, so every shard runs again (--resume keeps the runs that still match). */
    snprintf(path, sizeof path, "%s/suite.json", sl.dir);
    size_t len;
    old = pb__read_file(path, &len);
    int changed = old && strcmp(old, suite) != 0;
    if (changed)
        fprintf(stderr, "plugbench: slurm: the suite is not the one in %s: every shard runs "
                        "again (resuming keeps only the runs of this suite)\n",
                path);
    missing = missing_shards(&sl, !old || changed);
    if (!missing) {
        rc = pb_usage_error("out of memory");
        goto out;
    }
    char *array = NULL, *merge = NULL;
    size_t alen, mlen;
    FILE *fa = open_memstream(&array, &alen), *fm = open_memstream(&merge, &mlen);
    if (fa)
        array_script(fa, &sl, missing), fclose(fa);
    if (fm)
        merge_script(fm, &sl, o.plots), fclose(fm);
    char array_path[PATH_MAX + 64], merge_path[PATH_MAX + 64], logs[PATH_MAX + 64];
    snprintf(array_path, sizeof array_path, "%s/array.sbatch", sl.dir);
    snprintf(merge_path, sizeof merge_path, "%s/merge.sbatch", sl.dir);
    snprintf(logs, sizeof logs, "%s/logs", sl.dir);
    if (!array || !merge) {
        rc = pb_usage_error("out of memory");
    } else if (sl.dry_run) {
        printf("# %s\n%s\n# %s\n%s\n# %s\n%s# submit with:\n", path, suite, array_path,
               array, merge_path, merge);
        if (missing[0])
            print_command(array_path, 0);
        print_command(merge_path, missing[0] != 0);
    } else if (pb__mkdirs(logs) != 0 || write_file(path, suite) != 0 ||
               write_file(array_path, array) != 0 || write_file(merge_path, merge) != 0) {
        rc = pb_usage_error("slurm: cannot write in %s: %s", sl.dir, strerror(errno));
    } else if (!sl.submit) {
        printf("wrote %s, %s and %s; submit with\n", path, array_path, merge_path);
        if (missing[0])
            print_command(array_path, 0);
        print_command(merge_path, missing[0] != 0);
        printf("or run this command again with --submit\n");
    } else {
        long array_id = 0, merge_id;
        char dependency[64];
        if (missing[0] && (array_id = sbatch(NULL, array_path)) < 0) {
            rc = PB_EXIT_FAILED;
        } else {
            snprintf(dependency, sizeof dependency, "--dependency=afterany:%ld", array_id);
            if ((merge_id = sbatch(array_id ? dependency : NULL, merge_path)) < 0)
                rc = PB_EXIT_FAILED;
            else if (array_id)
                printf("array job %ld: shards %s of %zu\nmerge job %ld: after it, into %s\n",
                       array_id, missing, sl.shards, merge_id, sl.output);
            else
                printf("every shard is done: merge job %ld, into %s\n", merge_id, sl.output);
        }
    }
    free(array);
    free(merge);
out:
    free(suite);
    free(old);
    free(missing);
    pb_run_options_free(&o);
    return rc;
}
