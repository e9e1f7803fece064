/* Isolated runs in child processes; see isolate.h. */
#include "isolate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "sandbox.h"
#include "sanitizers.h"
#include "text.h"

/* Values of a solution per message: a chunk is no larger than an outcome. */
#define WIRE_CHUNK 128

/* Part of a solution: values[0..count) are its values offset.. (isolate.h). */
typedef struct wire_chunk {
    uint64_t offset;
    uint32_t count;
    uint32_t reserved;
    double values[WIRE_CHUNK];
} wire_chunk;

/* One message from child to parent; each is written whole (smaller than PIPE_BUF). */
typedef struct wire {
    uint32_t type; /* WIRE_POINT, WIRE_FINAL or WIRE_SOLUTION */
    uint32_t reserved;
    union {
        pb__trace_point point;
        pb__outcome outcome;
        wire_chunk chunk;
    } u;
} wire;

enum { WIRE_POINT = 1, WIRE_FINAL = 2, WIRE_SOLUTION = 3 };
_Static_assert(sizeof(wire) <= 4096, "a wire message must be written atomically");

/* What the child's callbacks send through: its end of the pipe, and what to send. */
typedef struct child_link {
    int fd;
    int32_t save_solutions;
} child_link;

typedef struct child {
    pid_t pid;
    size_t index;
    int msg_fd, out_fd;  /* -1 once at end of file */
    int pid_fd;          /* readable once the child has exited; -1 if unavailable */
    double started, deadline;
    int timed_out, finished;
    unsigned char buf[sizeof(wire)];
    size_t fill;
    size_t cap_trace;
    const pb__limits *limits; /* the run's, which bound what its messages may say */
    size_t max_trace;         /* trace points the run can send (pb__trace_cap) */
    char broke[160];          /* how the messages broke the protocol; "" while they did not */
    /* Solutions (isolate.h): rows of sol_len values, of which the parent keeps at most
     * max_rows (0 when one is over the cap) in rows[0..n_rows) (cap_rows allocated); the
     * row being received has sol_fill values, and sol_done rows came whole. */
    int32_t save;
    uint64_t sol_len, sol_fill;
    size_t max_rows, cap_rows, n_rows, sol_done, points;
    int overflow; /* a row came when max_rows were kept: only the newest one is kept */
    pb__cgroup cgroup;        /* the run's memory cgroup, if it has one */
    pb__job_result result;
} child;

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void send_point(void *user, const pb__trace_point *point)
{
    wire w = {.type = WIRE_POINT};
    w.u.point = *point;
    pb__child_send(((const child_link *)user)->fd, &w, sizeof w);
}

/* Sends the solutions the job asks for, in chunks (pb__solution_fn). */
static void send_solution(void *user, const double *solution, uint64_t length, int final)
{
    const child_link *k = user;
    if (final != (k->save_solutions == PB__SAVE_FINAL))
        return;
    wire w = {.type = WIRE_SOLUTION};
    for (uint64_t at = 0; at < length; at += WIRE_CHUNK) {
        uint64_t n = length - at < WIRE_CHUNK ? length - at : WIRE_CHUNK;
        w.u.chunk.offset = at;
        w.u.chunk.count = (uint32_t)n;
        memcpy(w.u.chunk.values, solution + at, n * sizeof *solution);
        pb__child_send(k->fd, &w, sizeof w);
    }
}

/* The child's final message when the run cannot start: an error with w's message. */
static void fail_before_run(int msg_fd, wire *w)
{
    w->u.outcome.status = PB__STATUS_ERROR;
    for (int i = 0; i < PB__MAX_METRICS; i++)
        w->u.outcome.metrics[i] = NAN;
    pb__child_send(msg_fd, w, sizeof *w);
    _exit(0);
}

/* The child: limits, sandbox, redirections, the run, the final message. Never returns. */
static void child_main(const pb__job *job, const pb__isolation *iso, int msg_fd, int out_fd,
                       pid_t parent, rlim_t nproc, pb__cgroup *cgroup)
{
    /* Die with the parent (its deadline is all that stops a run that loops), and lead a
     * process group: the parent kills the whole group when the run ends, and a kill(0, ...)
     * in plugin code reaches the run's own processes only. */
    if (pb__child_detach(parent) != 0)
        _exit(121);
    /* A memory cgroup is the memory limit where the run has one (see cgroup.h). */
    int contained = pb__cgroup_await(cgroup);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
/* Else RLIMIT_AS; but AddressSanitizer reserves terabytes of address space, which it would
 * stop. Not both: RLIMIT_AS counts reserved address space, not memory. */
#if !defined(PB__UNDER_ASAN)
    if (iso->memory_bytes && !contained) {
        struct rlimit mem = {iso->memory_bytes, iso->memory_bytes};
        setrlimit(RLIMIT_AS, &mem);
    }
#else
    (void)iso;
    (void)contained;
#endif
    struct rlimit procs;
    if (getrlimit(RLIMIT_NPROC, &procs) == 0 && nproc < procs.rlim_max) {
        procs.rlim_cur = procs.rlim_max = nproc;
        setrlimit(RLIMIT_NPROC, &procs);
    }
    wire w = {.type = WIRE_FINAL};
    if (pb__sandbox_enter(iso->timeout_seconds, w.u.outcome.message,
                          sizeof w.u.outcome.message) != 0)
        fail_before_run(msg_fd, &w);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        close(devnull);
    }
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    close(out_fd);
    /* Line-buffered like a terminal, so the captured stdout and stderr keep their order. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    child_link k = {msg_fd, job->save_solutions};
    pb__run_execute(job->plugin, job->params, job->problem, job->seed, &job->limits, send_point,
                    job->save_solutions ? send_solution : NULL, &k, &w.u.outcome);
    fflush(stdout);
    fflush(stderr);
    pb__child_send(msg_fd, &w, sizeof w);
    _exit(0);
}

/*
 * In a new child: closes what it inherited and must not touch, so that a plugin that
 * writes to stray descriptors cannot corrupt the journal or another run's messages: the
 * caller's private descriptors, and the pipes and pidfds of the other running children
 * (siblings[0..parallel), of which self is the slot being started).
 */
static void close_inherited(const pb__isolation *iso, const child *siblings, unsigned parallel,
                            const child *self)
{
    for (size_t k = 0; k < iso->n_private_fds; k++)
        close(iso->private_fds[k]);
    for (unsigned s = 0; s < parallel; s++) {
        const child *o = &siblings[s];
        if (o == self || o->pid <= 0)
            continue;
        close(o->msg_fd);
        close(o->out_fd);
        if (o->pid_fd >= 0)
            close(o->pid_fd);
    }
}

static int start(child *c, const pb__job *job, size_t index, const pb__isolation *iso,
                 const child *siblings, unsigned parallel, rlim_t nproc,
                 const pb__cgroups *cgroups)
{
    int msg[2], out[2];
    if (pipe2(msg, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(msg[0]);
        close(msg[1]);
        return -1;
    }
    fflush(NULL); /* or the child would flush the parent's buffered output a second time */
    memset(c, 0, sizeof *c);
    pb__cgroup_make(cgroups, iso->memory_bytes, PB__PROCESS_ALLOWANCE, &c->cgroup);
    c->started = pb__now();
    pid_t parent = getpid();
    c->pid = fork();
    if (c->pid == 0) {
        close(msg[0]);
        close(out[0]);
        close_inherited(iso, siblings, parallel, c);
        child_main(job, iso, msg[1], out[1], parent, nproc, &c->cgroup);
    }
    close(msg[1]);
    close(out[1]);
    if (c->pid < 0) {
        pb__cgroup_end(&c->cgroup);
        close(msg[0]);
        close(out[0]);
        return -1;
    }
    pb__cgroup_attach(&c->cgroup, c->pid);
    setpgid(c->pid, c->pid); /* as the child does: whichever runs first */
    /* Readable when the child exits: the loop wakes at once instead of polling for it. */
    c->pid_fd = pidfd_open(c->pid, 0);
    fcntl(msg[0], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    c->index = index;
    c->result.pid = (long)c->pid;
    c->limits = &job->limits;
    c->max_trace = pb__trace_cap(&job->limits);
    c->save = job->save_solutions;
    c->sol_len = job->problem->handle.solution_length;
    if (c->save && c->sol_len) {
        uint64_t fit = iso->solution_bytes / (c->sol_len * sizeof(double));
        size_t want = c->save == PB__SAVE_CHECKPOINTS ? c->max_trace : 1;
        c->max_rows = fit < want ? (size_t)fit : want;
    }
    c->msg_fd = msg[0];
    c->out_fd = out[0];
    c->deadline = c->started + iso->timeout_seconds;
    return 0;
}

size_t pb__trace_cap(const pb__limits *limits)
{
    const pb__checkpoints *cp = &limits->checkpoints;
    uint64_t cap = pb__checkpoints_cap(cp);
    if (cp->mode == PB__CHECKPOINTS_EVERY)
        return cap < SIZE_MAX ? (size_t)cap : SIZE_MAX;
    uint64_t most = limits->budget.cost ? limits->budget.cost : UINT64_MAX;
    uint64_t n = 2; /* the point when the plugin says PB_DONE, and the final point */
    for (uint64_t c = 0; c < most && n < cap;) {
        c = cp->mode == PB__CHECKPOINTS_DECADE ? pb__next_decade_checkpoint(c, cp->n)
                                               : pb__next_checkpoint(c, 0);
        if (c > most)
            break;
        n++;
    }
    return (size_t)(n < cap ? n : cap);
}

/* Is x a count: finite, integral, in [0, most]? */
static int is_count(double x, double most)
{
    return isfinite(x) && x >= 0 && x <= most && x == floor(x);
}

/*
 * Why the point p, next after the n_trace points received (the last one last), cannot come
 * from the run loop (run.c), or NULL when it can. Plugin code shares the child's address
 * space and can write to the pipe: a message proves nothing, it can only be inconsistent.
 */
static const char *bad_point(const child *c, const pb__trace_point *p)
{
    const pb__job_result *r = &c->result;
    const pb__budget *b = &c->limits->budget;
    if (r->n_trace >= c->max_trace)
        return "more trace points than checkpoints";
    if (!is_count(p->cost, b->cost ? (double)b->cost : 0x1p64))
        return "a trace point's cost is not a count within the budget";
    if (!is_count(p->iterations, b->iterations ? (double)b->iterations : 0x1p64))
        return "a trace point's iterations are not a count within the budget";
    if (!isfinite(p->seconds) || p->seconds < 0)
        return "a trace point's time is not a finite duration";
    if (r->n_trace == 0)
        return NULL;
    const pb__trace_point *last = &r->trace[r->n_trace - 1];
    if (p->cost < last->cost || p->iterations < last->iterations || p->seconds < last->seconds)
        return "the trace's cost, iterations or time decrease";
    return NULL;
}

/* The same for the final outcome o, after the points received. */
static const char *bad_outcome(const child *c, const pb__outcome *o)
{
    const pb__job_result *r = &c->result;
    const pb__budget *b = &c->limits->budget;
    /* Timeouts and crashes are the parent's to find: a run only finishes or fails. */
    if (o->status != PB__STATUS_OK && o->status != PB__STATUS_ERROR &&
        o->status != PB__STATUS_NONFINITE)
        return "an unknown final status";
    if (o->stop < PB__STOP_NONE || o->stop > PB__STOP_DONE)
        return "an unknown stop reason";
    if ((b->cost && o->cost > b->cost) || (b->iterations && o->iterations > b->iterations))
        return "a final cost or iteration count beyond the budget";
    /* The target is first met at the cost then, or at 1 when create() met it for free. */
    if (o->target_hit_cost > (o->cost ? o->cost : 1))
        return "a target met at a cost beyond the final cost";
    if (!isfinite(o->seconds) || o->seconds < 0)
        return "a final time that is not a finite duration";
    /* The loop always sends the final state as a point before an ok outcome. */
    if (o->status == PB__STATUS_OK && r->n_trace == 0)
        return "an ok outcome without a trace";
    if (r->n_trace == 0)
        return NULL;
    const pb__trace_point *last = &r->trace[r->n_trace - 1];
    if ((double)o->cost < last->cost || (double)o->iterations < last->iterations ||
        o->seconds < last->seconds)
        return "a final cost, iteration count or time below the trace's";
    return NULL;
}

/* Why the solution chunk k cannot come now, or NULL when it can (isolate.h). */
static const char *bad_chunk(const child *c, const wire_chunk *k)
{
    if (!c->save || !c->sol_len)
        return "a solution that was not asked for";
    if (c->sol_fill == 0 && c->points == 0)
        return "a solution before any trace point";
    if (c->sol_fill == 0 && c->save == PB__SAVE_CHECKPOINTS && c->sol_done >= c->points)
        return "more solutions than trace points";
    if (c->sol_fill == 0 && c->save == PB__SAVE_FINAL && c->sol_done > 0)
        return "a second final solution";
    if (k->offset != c->sol_fill || k->count == 0 || k->count > WIRE_CHUNK ||
        k->count > c->sol_len - c->sol_fill)
        return "a solution's part out of order or beyond the problem's solution length";
    return NULL;
}

/* Why a point (final 0) or the outcome o (final 1) cannot come now as far as the solutions
 * go, or NULL when it can. */
static const char *bad_solutions(const child *c, int final, const pb__outcome *o)
{
    if (!c->save || !c->sol_len)
        return NULL;
    if (c->sol_fill)
        return "a message in the middle of a solution";
    if (!final && c->save == PB__SAVE_FINAL && c->sol_done)
        return "a trace point after the final solution";
    if (!final && c->save == PB__SAVE_CHECKPOINTS && c->sol_done != c->points)
        return "a trace point without its solution";
    if (final && o->status != PB__STATUS_ERROR &&
        c->sol_done != (c->save == PB__SAVE_FINAL ? (c->points > 0) : c->points))
        return "an outcome without the solutions";
    return NULL;
}

/* Takes a solution chunk that passed bad_chunk: into the row being received, when kept. */
static void take_chunk(child *c, const wire_chunk *k)
{
    pb__job_result *r = &c->result;
    if (c->max_rows && c->sol_fill == 0) {
        if (c->n_rows == c->max_rows) {
            c->overflow = 1;
            c->n_rows = 0; /* the newest row is all that is kept now */
        }
        if (c->n_rows == c->cap_rows) {
            size_t cap = c->cap_rows ? 2 * c->cap_rows : 1;
            cap = cap < c->max_rows ? cap : c->max_rows;
            double *grown = realloc(r->solutions, cap * c->sol_len * sizeof *grown);
            if (!grown) {
                c->max_rows = 0; /* memory pressure: none is kept */
                free(r->solutions);
                r->solutions = NULL;
                c->n_rows = c->cap_rows = 0;
            } else {
                r->solutions = grown;
                c->cap_rows = cap;
            }
        }
    }
    if (c->max_rows)
        memcpy(r->solutions + c->n_rows * c->sol_len + k->offset, k->values,
               k->count * sizeof(double));
    c->sol_fill += k->count;
    if (c->sol_fill == c->sol_len) {
        c->sol_fill = 0;
        c->sol_done++;
        c->n_rows += c->max_rows != 0;
    }
}

/*
 * After the run finished with its messages whole: the solutions it keeps (isolate.h), one
 * per trace point or the final one alone.
 */
static void keep_solutions(child *c)
{
    pb__job_result *r = &c->result;
    if (!c->save || !c->sol_len || r->outcome.status == PB__STATUS_ERROR || c->sol_done == 0)
        return;
    if (c->n_rows == 0) {
        r->solutions_capped = 1;
        return;
    }
    r->solutions_per_point = c->save == PB__SAVE_CHECKPOINTS && !c->overflow &&
                             c->n_rows == r->n_trace;
    if (!r->solutions_per_point && c->n_rows > 1) {
        memmove(r->solutions, r->solutions + (c->n_rows - 1) * c->sol_len,
                c->sol_len * sizeof(double));
        c->n_rows = 1;
    }
    r->n_solutions = c->n_rows;
    r->solution_length = c->sol_len;
}

/*
 * Records that the run broke the protocol: why, for settle. The child and its group are
 * killed and nothing more is read from it: a run that floods its pipe costs the parent
 * neither memory nor time.
 */
static void reject(child *c, const char *why)
{
    snprintf(c->broke, sizeof c->broke, "%s", why);
    kill(-c->pid, SIGKILL);
    close(c->msg_fd);
    c->msg_fd = -1;
}

/* Takes one whole message, or rejects the run when it breaks the protocol. */
static void take_message(child *c, const wire *w)
{
    pb__job_result *r = &c->result;
    const char *why = NULL;
    if (c->finished)
        why = "a message after the final one";
    else if (w->type == WIRE_FINAL)
        why = bad_outcome(c, &w->u.outcome);
    else if (w->type == WIRE_POINT)
        why = bad_point(c, &w->u.point);
    else if (w->type == WIRE_SOLUTION)
        why = bad_chunk(c, &w->u.chunk);
    else
        why = "a message of unknown type";
    if (!why && w->type != WIRE_SOLUTION)
        why = bad_solutions(c, w->type == WIRE_FINAL, &w->u.outcome);
    if (why) {
        reject(c, why);
        return;
    }
    if (w->type == WIRE_SOLUTION) {
        take_chunk(c, &w->u.chunk);
        return;
    }
    if (w->type == WIRE_FINAL) {
        r->outcome = w->u.outcome;
        /* The message holds the plugin's words: bound it, and keep it valid UTF-8 without
         * control characters, for the results file and the terminal. */
        r->outcome.message[sizeof r->outcome.message - 1] = '\0';
        pb__text_clean(r->outcome.message);
        c->finished = 1;
        return;
    }
    c->points++;
    /* At most max_trace points: the array stays small whatever the child sends. */
    if (r->n_trace == c->cap_trace) {
        size_t cap = c->cap_trace ? 2 * c->cap_trace : 32;
        pb__trace_point *t = realloc(r->trace, cap * sizeof *t);
        if (!t)
            return; /* a point lost to memory pressure; the final metrics still arrive */
        r->trace = t;
        c->cap_trace = cap;
    }
    r->trace[r->n_trace++] = w->u.point;
}

/*
 * Reads up to size bytes from the pipe *fd into buf, again when interrupted. At end of file
 * or on an error other than EAGAIN, closes *fd and sets it to -1. Returns the number of
 * bytes read: 0 when there is nothing to read, for now or any more.
 */
static size_t read_pipe(int *fd, void *buf, size_t size)
{
    for (;;) {
        ssize_t n = read(*fd, buf, size);
        if (n > 0)
            return (size_t)n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno != EAGAIN) {
            close(*fd);
            *fd = -1;
        }
        return 0;
    }
}

/* Reads what is available on both pipes; closes each at end of file. */
static void drain(child *c)
{
    unsigned char tmp[4096];
    while (c->msg_fd >= 0) {
        size_t n = read_pipe(&c->msg_fd, c->buf + c->fill, sizeof c->buf - c->fill);
        if (n == 0)
            break;
        c->fill += n;
        if (c->fill == sizeof c->buf) {
            take_message(c, (const wire *)(const void *)c->buf);
            c->fill = 0;
        }
    }
    while (c->out_fd >= 0) {
        size_t n = read_pipe(&c->out_fd, tmp, sizeof tmp);
        if (n == 0)
            break;
        pb__job_result *r = &c->result;
        size_t keep = r->output_bytes < PB__OUTPUT_KEEP ? PB__OUTPUT_KEEP - r->output_bytes : 0;
        if (keep > n)
            keep = n;
        if (keep)
            memcpy(r->output + r->output_bytes, tmp, keep);
        r->output_bytes += n;
    }
}

/* Turns how the child ended into the result's status. */
static void settle(child *c, int wstatus, const struct rusage *ru)
{
    pb__job_result *r = &c->result;
    size_t kept = r->output_bytes < PB__OUTPUT_KEEP ? r->output_bytes : PB__OUTPUT_KEEP;
    r->output[kept] = '\0';
    r->wall_seconds = pb__now() - c->started;
    /* The cgroup's peak counts shared memory, memfd and tmpfs pages; ru_maxrss does not. */
    r->max_rss_mib =
        c->cgroup.peak_mib >= 0 ? c->cgroup.peak_mib : (double)ru->ru_maxrss / 1024.0;
    pb__outcome *o = &r->outcome;
    /* After the final message only host code runs (flush, _exit(0)): a status other than 0
     * then comes from tooling around the child (valgrind's --error-exitcode after its leak
     * check, say) or from a kill that came too late, not from the run. */
    if (!c->broke[0] && c->fill > 0)
        snprintf(c->broke, sizeof c->broke, "a truncated message");
    if (c->finished && !c->broke[0]) {
        keep_solutions(c);
        return;
    }
    /* The run did not finish: keep the trace, mark the final metrics unknown. */
    o->status = PB__STATUS_ERROR;
    for (int i = 0; i < PB__MAX_METRICS; i++)
        o->metrics[i] = NAN;
    if (r->n_trace > 0) {
        const pb__trace_point *last = &r->trace[r->n_trace - 1];
        o->cost = (uint64_t)last->cost;
        o->iterations = (uint64_t)last->iterations;
        o->seconds = last->seconds;
    }
    if (c->broke[0]) {
        /* Its own status whatever else happened: the kill that followed, a late timeout. */
        c->finished = 0;
        memset(o->extras, 0, sizeof o->extras);
        o->target_hit_cost = 0;
        o->stop = PB__STOP_NONE;
        snprintf(o->message, sizeof o->message,
                 "the run broke the protocol with the harness (%s): plugin code wrote to the "
                 "harness's pipe; the trace is kept up to there",
                 c->broke);
    } else if (c->timed_out) {
        o->status = PB__STATUS_TIMEOUT;
        snprintf(o->message, sizeof o->message, "killed after the wall-clock limit of %.3g s",
                 c->deadline - c->started);
    } else if (c->cgroup.oom_killed) {
        /* As a run stopped by RLIMIT_AS ends: an error that says it ran out of memory. */
        snprintf(o->message, sizeof o->message,
                 "out of memory: the kernel killed the run at its memory limit (--memory, "
                 "enforced by its memory cgroup)");
    } else if (WIFSIGNALED(wstatus)) {
        o->status = PB__STATUS_CRASHED;
        r->signal = WTERMSIG(wstatus);
        snprintf(o->message, sizeof o->message, "killed by signal %d (%s)", r->signal,
                 strsignal(r->signal));
    } else if (WIFEXITED(wstatus)) {
        snprintf(o->message, sizeof o->message,
                 "the run exited with status %d before finishing (did the plugin call exit()?)",
                 WEXITSTATUS(wstatus));
    }
}

/*
 * The tasks (processes and threads) of this process's real user, which RLIMIT_NPROC
 * counts, from /proc/PID/status; 0 when /proc cannot be read.
 */
static rlim_t tasks_of_user(void)
{
    rlim_t n = 0;
    DIR *proc = opendir("/proc");
    struct dirent *e;
    while (proc && (e = readdir(proc)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "re");
        unsigned long uid = (unsigned long)-1, threads = 0;
        while (f && fgets(line, sizeof line, f)) {
            sscanf(line, "Uid: %lu", &uid);
            sscanf(line, "Threads: %lu", &threads);
        }
        if (f)
            fclose(f);
        if (uid == (unsigned long)getuid())
            n += threads;
    }
    if (proc)
        closedir(proc);
    return n;
}

/* The parent of process pid, from /proc/PID/stat, or -1. */
static pid_t parent_of(const char *pid)
{
    char path[300], stat[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, stat, sizeof stat - 1);
    close(fd);
    if (n <= 0)
        return -1;
    stat[n] = '\0';
    /* "pid (comm) state ppid ...": comm may hold spaces and parentheses, the last ')' ends it. */
    char *end = strrchr(stat, ')');
    int ppid;
    return end && sscanf(end + 1, " %*c %d", &ppid) == 1 ? (pid_t)ppid : -1;
}

/*
 * Kills and reaps the processes this one adopted as a child subreaper: descendants of runs
 * that left their run's process group (setsid, setpgid) and outlived their run. Every child
 * of this process that is not a running run (children[0..parallel)) is one: the caller of
 * pb__isolate_run starts no other children meanwhile. Killing one hands its own children to
 * this process in turn: scans until a scan finds none (at most 16 times).
 */
static void kill_adopted(const child *children, unsigned parallel)
{
    pid_t self = getpid();
    for (int round = 0, found = 1; found && round < 16; round++) {
        found = 0;
        DIR *proc = opendir("/proc");
        if (!proc)
            return;
        struct dirent *e;
        while ((e = readdir(proc)) != NULL) {
            if (e->d_name[0] < '1' || e->d_name[0] > '9' || parent_of(e->d_name) != self)
                continue;
            pid_t pid = (pid_t)atoi(e->d_name);
            int ours = 0;
            for (unsigned s = 0; s < parallel && !ours; s++)
                ours = children[s].pid == pid;
            if (ours)
                continue;
            kill(pid, SIGKILL);
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
            }
            found = 1;
        }
        closedir(proc);
    }
}

int pb__isolate_run(const pb__job *jobs, size_t n, const pb__isolation *iso,
                    pb__job_done_fn done, void *user)
{
    unsigned parallel = iso->parallel ? iso->parallel : 1;
    child *children = calloc(parallel, sizeof *children);
    struct pollfd *fds = calloc(3 * parallel, sizeof *fds);
    if (!children || !fds) {
        free(children);
        free(fds);
        return -1;
    }
    struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    interrupted = 0;
    /* Orphans of the runs are handed to this process, not to init, so that they can be
     * found and killed; kill_adopted runs at most every 0.1 s, after a run ended. */
    int was_subreaper = 0;
    prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    int orphans_possible = 0;
    double last_scan = 0;
    /* RLIMIT_NPROC counts all the tasks of the user: the limit is what the user has now
     * plus an allowance per run at once (see isolate.h). */
    rlim_t tasks = tasks_of_user();
    rlim_t nproc = tasks ? tasks + (rlim_t)PB__PROCESS_ALLOWANCE * parallel : RLIM_INFINITY;
    pb__cgroups cgroups;
    pb__cgroups_open(&cgroups);

    size_t next = 0, running = 0;
    while ((next < n && !interrupted) || running > 0) {
        for (unsigned s = 0; s < parallel && next < n && !interrupted; s++) {
            if (children[s].pid > 0)
                continue;
            if (start(&children[s], &jobs[next], next, iso, children, parallel, nproc,
                      &cgroups) != 0) {
                fprintf(stderr, "plugbench: cannot start a run: %s\n", strerror(errno));
                interrupted = 1;
                break;
            }
            next++;
            running++;
        }
        nfds_t nfds = 0;
        double now = pb__now(), wait = 0.2;
        for (unsigned s = 0; s < parallel; s++) {
            child *c = &children[s];
            if (c->pid <= 0)
                continue;
            if (c->msg_fd >= 0)
                fds[nfds++] = (struct pollfd){.fd = c->msg_fd, .events = POLLIN};
            if (c->out_fd >= 0)
                fds[nfds++] = (struct pollfd){.fd = c->out_fd, .events = POLLIN};
            if (c->pid_fd >= 0)
                fds[nfds++] = (struct pollfd){.fd = c->pid_fd, .events = POLLIN};
            /* A child already killed wakes the loop through its pidfd: no busy polling. */
            if (!c->timed_out && c->deadline - now < wait)
                wait = c->deadline - now;
            /* Without a pidfd: both pipes closed means it is exiting; look again soon. */
            if (c->pid_fd < 0 && c->msg_fd < 0 && c->out_fd < 0 && wait > 0.0005)
                wait = 0.0005;
        }
        /* Sleep until output arrives or the nearest deadline; reaping is checked each pass. */
        struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        ppoll(fds, nfds, wait > 0 ? &ts : &(struct timespec){0, 0}, NULL);
        now = pb__now();
        if (orphans_possible && now - last_scan >= 0.1) {
            kill_adopted(children, parallel);
            orphans_possible = 0;
            last_scan = now;
        }
        for (unsigned s = 0; s < parallel; s++) {
            child *c = &children[s];
            if (c->pid <= 0)
                continue;
            drain(c);
            if (interrupted) {
                kill(-c->pid, SIGKILL);
            } else if (!c->timed_out && now >= c->deadline) {
                kill(-c->pid, SIGKILL);
                c->timed_out = 1;
            }
            int wstatus;
            struct rusage ru;
            siginfo_t info = {0};
            if (waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                info.si_pid == c->pid) {
                /* Whatever the run left in its process group dies with it: killed while the
                 * exited child still holds the group's id, which cannot be reused then. */
                kill(-c->pid, SIGKILL);
                while (wait4(c->pid, &wstatus, 0, &ru) < 0 && errno == EINTR) {
                }
                pb__cgroup_end(&c->cgroup);
                /* Everything it wrote is in the pipes now (a full pipe would have blocked it). */
                drain(c);
                if (c->msg_fd >= 0)
                    close(c->msg_fd);
                if (c->out_fd >= 0)
                    close(c->out_fd);
                if (c->pid_fd >= 0)
                    close(c->pid_fd);
                settle(c, wstatus, &ru);
                /* A run that sent its final message before the interrupt is kept. */
                if (!interrupted || c->finished)
                    done(user, c->index, &c->result);
                free(c->result.trace);
                free(c->result.solutions);
                c->pid = 0;
                running--;
                orphans_possible = 1;
            }
        }
    }
    if (orphans_possible)
        kill_adopted(children, parallel);
    prctl(PR_SET_CHILD_SUBREAPER, was_subreaper);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(children);
    free(fds);
    return interrupted ? -1 : 0;
}
