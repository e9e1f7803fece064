/* The context block, a run's record and the journal; see records.h. */
#include "records.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "build_info.h"
#include "git_revision.h"
#include "params.h"
#include "text.h"

static void add_number_or_null(cJSON *obj, const char *name, double v, int present)
{
    /* cJSON writes NaN as null anyway; being explicit keeps "absent" and "NaN" apart. */
    if (present && isfinite(v))
        cJSON_AddNumberToObject(obj, name, v);
    else
        cJSON_AddNullToObject(obj, name);
}

static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            colon += 2;
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(buf, len, "%s", colon);
            break;
        }
    }
    fclose(f);
}

cJSON *pb__results_context(int argc, char **argv)
{
    cJSON *ctx = cJSON_CreateObject();
    struct utsname u;
    char buf[512];
    uname(&u);
    cJSON_AddStringToObject(ctx, "plugbench_version", PB_VERSION);
    snprintf(buf, sizeof buf, "%d.%d", PB_ABI_MAJOR, PB_ABI_MINOR);
    cJSON_AddStringToObject(ctx, "abi", buf);
    cJSON_AddStringToObject(ctx, "git_revision", PB_GIT_REVISION);
    cJSON_AddStringToObject(ctx, "host", u.nodename);
    snprintf(buf, sizeof buf, "%s %s %s", u.sysname, u.release, u.machine);
    cJSON_AddStringToObject(ctx, "os", buf);
    cpu_model(buf, sizeof buf);
    cJSON_AddStringToObject(ctx, "cpu_model", buf);
    cJSON_AddNumberToObject(ctx, "cores", (double)sysconf(_SC_NPROCESSORS_ONLN));
    cJSON_AddStringToObject(ctx, "compiler", PB_COMPILER);
    cJSON_AddStringToObject(ctx, "compiler_flags", PB_CFLAGS);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(ctx, "date", buf);
    cJSON *cmd = cJSON_AddArrayToObject(ctx, "command");
    for (int i = 0; i < argc; i++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
    /* The kinds' scores for the leaderboards (pb__kind.leaderboard_metrics): the report
     * reads results files alone, so they travel here; not in the records, which stay as
     * they were. */
    cJSON *shown = cJSON_AddObjectToObject(ctx, "leaderboard_metrics");
    for (uint32_t i = 0; i < pb__n_kinds; i++) {
        const pb__kind *k = pb__kinds[i];
        if (!k->leaderboard_metrics)
            continue;
        cJSON *names = cJSON_AddArrayToObject(shown, k->name);
        for (uint32_t m = 1; m < pb__kind_n_metrics(k); m++)
            if (k->leaderboard_metrics & (1u << m))
                cJSON_AddItemToArray(names, cJSON_CreateString(k->metrics[m]));
    }
    return ctx;
}

const char *pb__job_label(const pb__job *job)
{
    return job->config ? job->config : job->plugin->desc->name;
}

cJSON *pb__record_identity(const pb__job *job)
{
    const pb__kind *kind = job->problem->family->kind;
    const pb__budget *b = &job->limits.budget;
    cJSON *rec = cJSON_CreateObject();
    cJSON *plugin = cJSON_AddObjectToObject(rec, "plugin");
    cJSON_AddStringToObject(plugin, "name", job->plugin->desc->name);
    cJSON_AddStringToObject(plugin, "version", job->plugin->desc->version);
    cJSON_AddStringToObject(plugin, "sha256", job->plugin->sha256);
    cJSON_AddStringToObject(plugin, "path", job->plugin->path);
    cJSON_AddStringToObject(rec, "config", pb__job_label(job));
    cJSON *problem = cJSON_AddObjectToObject(rec, "problem");
    cJSON_AddStringToObject(problem, "id", job->problem->id);
    cJSON_AddStringToObject(problem, "kind", kind->name);
    cJSON_AddStringToObject(problem, "cost_unit", kind->cost_unit);
    cJSON_AddStringToObject(problem, "family", job->problem->family->name);
    job->problem->ops->describe(job->problem, problem);
    cJSON_AddNumberToObject(rec, "seed", (double)job->seed);
    cJSON_AddItemToObject(rec, "parameters", pb__params_to_json(job->plugin->desc, job->params));
    cJSON *budget = cJSON_AddObjectToObject(rec, "budget");
    add_number_or_null(budget, kind->cost_unit, (double)b->cost, b->cost != 0);
    add_number_or_null(budget, "iterations", (double)b->iterations, b->iterations != 0);
    add_number_or_null(budget, "seconds", b->seconds, b->seconds > 0);
    add_number_or_null(rec, "target", job->limits.target, !isnan(job->limits.target));
    /* Written only when not the default, so that default records stay as they were. */
    const pb__checkpoints *cp = &job->limits.checkpoints;
    if (cp->mode != PB__CHECKPOINTS_125 || cp->max_points) {
        char name[64];
        cJSON *c = cJSON_AddObjectToObject(rec, "checkpoints");
        cJSON_AddStringToObject(c, "series", pb__checkpoints_name(cp, name, sizeof name));
        cJSON_AddNumberToObject(c, "max_points", (double)pb__checkpoints_cap(cp));
    }
    return rec;
}

static cJSON *trace_json(const pb__kind *kind, const pb__problem *problem,
                         const pb__job_result *r)
{
    cJSON *trace = cJSON_CreateObject();
    const char *names[3 + PB__MAX_METRICS] = {kind->cost_unit, "iterations", "seconds"};
    uint32_t n_metrics = pb__kind_n_metrics(kind);
    for (uint32_t m = 0; m < n_metrics; m++)
        names[3 + m] = kind->metrics[m];
    for (uint32_t col = 0; col < 3 + n_metrics; col++) {
        if (col >= 3 && !pb__kind_has_metric(kind, problem, col - 3))
            continue;
        cJSON *arr = cJSON_AddArrayToObject(trace, names[col]);
        for (size_t i = 0; i < r->n_trace; i++) {
            const pb__trace_point *p = &r->trace[i];
            double v = col == 0 ? p->cost : col == 1 ? p->iterations : col == 2 ? p->seconds
                                                                              : p->metrics[col - 3];
            cJSON_AddItemToArray(arr, isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull());
        }
    }
    return trace;
}

/* The captured output as valid UTF-8 without NUL: other bytes become '?'. malloc'd. */
static char *output_text(const pb__job_result *r)
{
    size_t n = r->output_bytes < PB__OUTPUT_KEEP ? r->output_bytes : PB__OUTPUT_KEEP;
    const unsigned char *in = (const unsigned char *)r->output;
    char *text = malloc(n + 1), *out = text;
    for (size_t i = 0; text && i < n;) {
        size_t len = in[i] ? pb__utf8_length(in + i, n - i) : 0;
        if (len == 0) {
            *out++ = '?';
            i++;
        } else {
            memcpy(out, in + i, len);
            out += len;
            i += len;
        }
    }
    if (text)
        *out = '\0';
    return text;
}

cJSON *pb__record_new(const pb__job *job, const pb__job_result *r)
{
    const pb__kind *kind = job->problem->family->kind;
    const pb__outcome *o = &r->outcome;
    cJSON *rec = pb__record_identity(job);
    cJSON_AddStringToObject(rec, "status", pb__status_name(o->status));
    cJSON_AddStringToObject(rec, "stop_reason", pb__stop_name(o->stop));
    if (o->status != PB__STATUS_OK || o->message[0])
        cJSON_AddStringToObject(rec, "message", o->message);
    else
        cJSON_AddNullToObject(rec, "message");
    add_number_or_null(rec, "signal", r->signal, r->signal != 0);
    cJSON *counts = cJSON_AddObjectToObject(rec, "counts");
    cJSON_AddNumberToObject(counts, kind->cost_unit, (double)o->cost);
    cJSON_AddNumberToObject(counts, "iterations", (double)o->iterations);
    add_number_or_null(rec, "target_hit", (double)o->target_hit_cost, o->target_hit_cost != 0);
    if (o->trace_capped)
        cJSON_AddTrueToObject(rec, "trace_capped");
    cJSON *metrics = cJSON_AddObjectToObject(rec, "metrics");
    for (uint32_t m = 0; kind->metrics[m]; m++)
        if (pb__kind_has_metric(kind, job->problem, m))
            add_number_or_null(metrics, kind->metrics[m], o->metrics[m], 1);
    cJSON *time = cJSON_AddObjectToObject(rec, "time");
    cJSON_AddNumberToObject(time, "algorithm_seconds", o->seconds);
    cJSON_AddNumberToObject(time, "wall_seconds", r->wall_seconds);
    cJSON_AddNumberToObject(time, "max_rss_mib", r->max_rss_mib);
    if (kind->record_extras)
        kind->record_extras(o->extras, rec);
    cJSON_AddItemToObject(rec, "trace", trace_json(kind, job->problem, r));
    char *output = r->output_bytes ? output_text(r) : NULL;
    if (output)
        cJSON_AddStringToObject(rec, "output", output);
    else
        cJSON_AddNullToObject(rec, "output");
    free(output);
    cJSON_AddNumberToObject(rec, "output_bytes", (double)r->output_bytes);
    return rec;
}

int pb__journal_open(const char *path)
{
    /* A crash can leave a last line without its newline. Appending after it would glue the
     * next record onto it and make the journal unloadable: cut the torn line off first. */
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    off_t end = lseek(fd, 0, SEEK_END), keep = end;
    char c;
    while (keep > 0 && pread(fd, &c, 1, keep - 1) == 1 && c != '\n')
        keep--;
    if (keep != end && ftruncate(fd, keep) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int pb__journal_append(int fd, const cJSON *record)
{
    /* Not stdio: a FILE keeps the bytes a failed write could not place and sends them
     * with the next record, gluing the two mid-line. One write of the whole line, cut back
     * to where it began when it falls short, leaves only whole lines. */
    char *line = pb__json_print_exact(record, 0);
    struct stat st;
    if (!line || fstat(fd, &st) != 0) {
        if (!line)
            errno = ENOMEM;
        free(line);
        return -1;
    }
    size_t len = strlen(line) + 1;
    line[len - 1] = '\n'; /* the terminator's byte: what is written is len bytes, no string */
    ssize_t w = write(fd, line, len);
    if (w >= 0 && (size_t)w < len) {
        /* Short: the disk or the file-size limit is full. Writing the rest says which
         * (or, space having been freed meanwhile, completes the line). */
        ssize_t rest = write(fd, line + w, len - (size_t)w);
        w = rest < 0 ? -1 : w + rest;
        if (rest >= 0 && (size_t)w < len)
            errno = ENOSPC;
    }
    free(line);
    if (w < 0 || (size_t)w < len) {
        int e = errno;
        /* Should even the cut fail, the next record glues onto the part, and --resume
         * skips that one line as torn (results_file.h). */
        (void)!ftruncate(fd, st.st_size);
        errno = e;
        return -1;
    }
    fsync(fd);
    return 0;
}

int pb__journal_rewrite(const char *path, const cJSON *records)
{
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int ok = f != NULL;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records) {
        char *line = ok ? pb__json_print_exact(rec, 0) : NULL;
        ok = line && fputs(line, f) >= 0 && fputc('\n', f) != EOF;
        free(line);
    }
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int e = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok || rename(tmp, path) != 0) {
        e = ok ? errno : e;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}
