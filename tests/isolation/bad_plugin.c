/*
 * The test plugins, all built from this one source (see meson.build): a well-behaved base
 * that samples `batch` random points per step and keeps the best (alone, it is the
 * good-params plugin), and, selected at compile time by -DMODE=MODE_<X>, one way of
 * misbehaving per bad-* plugin. PLUGIN_NAME is the descriptor's name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "plugbench/blackbox.h"
#include "plugbench/plugin.h"
#include "plugbench/rng.h"

#define MODE_NONE 0      /* good-params: behaves */
#define MODE_SEGV 1      /* writes through NULL on the 3rd step */
#define MODE_ABORT 2     /* abort() in step() */
#define MODE_LOOP 3      /* never returns from step() */
#define MODE_MEMORY 4    /* allocates in step() until malloc fails, then PB_ERR_NOMEM */
#define MODE_NONFINITE 5 /* solution() is NaN from the 5th step on */
#define MODE_NOISY 6     /* prints a line to stdout and one to stderr each step */
#define MODE_EXIT 7      /* exit(3) in step() */
#define MODE_CREATE 8    /* create() refuses */
#define MODE_STEPFAIL 9  /* step() fails on the 2nd step */
#define MODE_ABI_MAJOR 10 /* built for the next major ABI */
#define MODE_ABI_MINOR 11 /* built for a minor ABI newer than the host's */
#define MODE_NOENTRY 12  /* exports a function, but not the entry symbol */
#define MODE_KIND 13     /* declares a kind no host knows */
#define MODE_PARAM 14    /* a parameter's default lies outside its range */
#define MODE_PEEK 15     /* solution() evaluates, which the host forbids */
#define MODE_CTOR 16     /* aborts while the shared object is being loaded */
#define MODE_FDS 17      /* prints the pipes, pidfds and files it could write to */
#define MODE_NONDET 18   /* from the 5th step on, solution() depends on the process id */
#define MODE_CTOR_EXIT 19  /* exit(0) while the shared object is being loaded */
#define MODE_ENTRY_EXIT 20 /* exit(0) in the entry function */
#define MODE_NPARAMS 21    /* n_params counts one entry past the array, a bad pointer there */
#define MODE_BADNAME 22    /* the descriptor's name is a bad pointer */
#define MODE_CTOR_HANG 23  /* blocks SIGALRM and sleeps for ever while being loaded */
#define MODE_HOSTCTOR 24   /* aborts when loaded into the process $PB_TEST_HOST_PID */
#define MODE_DTOR 25       /* aborts when the shared object is unloaded or its process exits */
#define MODE_GRANDCHILD 26 /* step 1 forks a grandchild that sleeps; prints its pid */
#define MODE_SETSID 27     /* the same, the grandchild in a session of its own */
#define MODE_KILL0 28      /* kill(0, SIGINT) in step 1: its whole process group */
#define MODE_BADTEXT 29    /* a version that is not UTF-8 */
#define MODE_BADMSG 30     /* create() fails with a message of control and non-UTF-8 bytes */
#define MODE_FORKBOMB 31   /* step 1 forks up to 600 sleeping children; prints how many */
#define MODE_FLOOD 32       /* step 1 writes 20000 trace points into the harness's pipe */
#define MODE_FORGE_COST 33  /* step 1 forges a trace whose cost falls, then a perfect outcome */
#define MODE_FORGE_STATUS 34 /* step 1 forges an outcome of a status no run has */
#define MODE_CONNECT 35     /* step 1 connects to 127.0.0.1:$PB_TEST_PORT, fails saying how */
#define MODE_WRITE 36       /* step 1 writes a file into $HOME, $PB_TEST_RESULTS, ., fails */
#define MODE_READ 37        /* step 1 reads the file $PB_TEST_JOURNAL, fails saying what */
#define MODE_MEMFD 38       /* step 1 writes FILL_MIB into a memfd, outside RLIMIT_AS */
#define MODE_SHM 39         /* the same into /dev/shm/plugbench-bad-shm-<parent's pid> */
#define MODE_FORGE_SOLUTION 40 /* step 1 forges a point and a solution of 128 values */

#if !defined(MODE) || !defined(PLUGIN_NAME)
#error "build with -DMODE=MODE_<X> -DPLUGIN_NAME=\"<name>\" (see meson.build)"
#endif

#define CHUNK_BYTES ((size_t)64 << 20) /* what bad-memory takes at a time */
#define BATCH_PARAM 1                  /* index of "batch" in params */
/* What bad-memfd and bad-shm write: far beyond the tests' limit, yet bounded, so that
 * without a memory cgroup they finish (the pages freed when the run ends, or the test
 * removes the file) instead of filling the machine. */
#define FILL_MIB 512

typedef struct state {
    const pb_blackbox *f;
    pb_rng rng;
    int64_t batch;
    uint64_t steps;     /* step() calls so far, this one included */
    double best;        /* lowest value seen */
    double *best_x, *x; /* its point; scratch for a sample */
    char *error;        /* the context's error buffer, for messages from step() */
    size_t error_size;
    void *chunks;       /* bad-memory's chunks, each linking to the previous one */
    size_t hogged;      /* their total size in bytes */
} state;

/* One parameter of each type, so that the host's parsing of each can be tested. */
static const pb_param params[] = {
    {.name = "step", .type = PB_PARAM_REAL, .default_value = MODE == MODE_PARAM ? 2.0 : 0.5,
     .min = 0, .max = 1, .doc = "unused real"},
    {.name = "batch", .type = PB_PARAM_INT, .default_value = 4, .min = 1, .max = 100,
     .doc = "points sampled per step"},
    {.name = "verbose", .type = PB_PARAM_BOOL, .default_value = 0, .doc = "unused bool"},
    {.name = "mode", .type = PB_PARAM_CHOICE, .default_value = 1, .choices = "a|b|c",
     .doc = "unused choice"},
};

/* Frees the state and whatever bad-memory took. */
static void destroy(void *p)
{
    state *s = p;
    while (s->chunks) {
        void *previous = *(void **)s->chunks;
        free(s->chunks);
        s->chunks = previous;
    }
    free(s->best_x);
    free(s->x);
    free(s);
}

/* Allocates the state, recommending the box centre until the first sample. */
static int32_t create(const pb_context *ctx, void **out)
{
    if (MODE == MODE_CREATE) {
        snprintf(ctx->error, ctx->error_size, PLUGIN_NAME " refuses every problem");
        return PB_ERR_INVALID;
    }
    if (MODE == MODE_BADMSG) {
        /* An escape sequence that would turn a terminal red, a bare byte, a C1 control. */
        snprintf(ctx->error, ctx->error_size, "\x1b[31mred\xff\xc2\x9b end\n");
        return PB_ERR_INVALID;
    }
    const pb_blackbox *f = ctx->problem->oracle;
    state *s = calloc(1, sizeof *s);
    if (!s)
        return PB_ERR_NOMEM;
    s->best_x = calloc(f->dim, sizeof(double));
    s->x = calloc(f->dim, sizeof(double));
    if (!s->best_x || !s->x) {
        destroy(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->batch = ctx->params[BATCH_PARAM].integer;
    s->best = INFINITY;
    s->error = ctx->error;
    s->error_size = ctx->error_size;
    pb_rng_seed(&s->rng, ctx->seed, 0);
    for (uint32_t i = 0; i < f->dim; i++)
        s->best_x[i] = (f->lower[i] + f->upper[i]) / 2;
    *out = s;
    return 0;
}

/* bad-memory: takes and touches chunks until malloc fails, then says so. */
static int32_t hog_memory(state *s)
{
    for (;;) {
        void **chunk = malloc(CHUNK_BYTES);
        if (!chunk) {
            snprintf(s->error, s->error_size, PLUGIN_NAME ": out of memory after %zu MiB",
                     s->hogged >> 20);
            return PB_ERR_NOMEM;
        }
        /* Not zero, which the compiler could turn into calloc's untouched pages. */
        memset(chunk, 0xa5, CHUNK_BYTES);
        *chunk = s->chunks;
        s->chunks = chunk;
        s->hogged += CHUNK_BYTES;
    }
}

/*
 * bad-memfd and bad-shm: FILL_MIB of pages that are in no address space (written, not
 * mapped), in a memfd or in a tmpfs file the run leaves behind. Says how much it wrote.
 */
static int32_t fill_pages(state *s)
{
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/plugbench-bad-shm-%ld", (long)getppid());
    int fd = MODE == MODE_MEMFD ? memfd_create(PLUGIN_NAME, MFD_CLOEXEC)
                                : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(s->error, s->error_size, PLUGIN_NAME ": cannot create the file to fill");
        return PB_ERR_FAILED;
    }
    static char block[1 << 16];
    memset(block, 0xa5, sizeof block);
    size_t written = 0;
    while (written < ((size_t)FILL_MIB << 20) && write(fd, block, sizeof block) == sizeof block)
        written += sizeof block;
    printf(PLUGIN_NAME ": wrote %zu MiB\n", written >> 20);
    /* The memfd's pages live as long as it is open: until the run ends. */
    if (MODE == MODE_SHM)
        close(fd);
    return PB_CONTINUE;
}

/*
 * A real SIGSEGV. UndefinedBehaviorSanitizer would catch the NULL store first and exit
 * instead, so this one function is exempt: the isolation tests need the signal itself.
 */
#if defined(__GNUC__)
__attribute__((no_sanitize("undefined")))
#endif
static void write_through_null(void)
{
    /* Volatile, so the compiler cannot see the NULL and emit a trap instead. */
    volatile int *volatile nowhere = NULL;
    *nowhere = 1;
}

/*
 * bad-fds: on its first step, prints how many of its descriptors above stderr are pipes,
 * pidfds, and files whose name contains "private": what a plugin that writes to stray
 * descriptors could corrupt. Linux's /proc/self/fd names them.
 */
static void print_fds(void)
{
    int pipes = 0, pidfds = 0, private = 0;
    for (int fd = 3; fd < 1024; fd++) {
        char path[64], target[512];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n < 0)
            continue;
        target[n] = '\0';
        pipes += strncmp(target, "pipe:", 5) == 0;
        pidfds += strstr(target, "pidfd") != NULL;
        private += strstr(target, "private") != NULL;
    }
    printf(PLUGIN_NAME ": %d pipes, %d pidfds, %d private files\n", pipes, pidfds, private);
}

/*
 * bad-grandchild and bad-setsid: forks a grandchild that sleeps for a minute (in a session
 * of its own when leave is set), and prints its pid for the test to look for.
 */
static void fork_sleeper(int leave)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (leave)
            setsid();
        sleep(60);
        _exit(0);
    }
    printf(PLUGIN_NAME ": grandchild %d\n", (int)pid);
    fflush(stdout);
}

/* bad-forkbomb: as many sleeping children as fork allows, up to 600 (or $PB_TEST_FORKS, for
 * a test that needs fewer); prints how many. */
static void fork_many(void)
{
    const char *most = getenv("PB_TEST_FORKS");
    int n = 0, limit = most ? atoi(most) : 600;
    fflush(stdout);
    while (n < limit) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            for (;;)
                pause();
        }
        n++;
    }
    printf(PLUGIN_NAME ": forked %d of %d\n", n, limit);
}

/*
 * The child's messages to the harness, as a plugin's author can read them off
 * framework/runner/isolate.c (struct wire) and run.h: a record of a type, then a trace
 * point or the final outcome. Nothing stops plugin code from writing such records itself.
 */
typedef struct forged_point {
    double cost, iterations, seconds, metrics[8];
} forged_point;

typedef struct forged_outcome {
    int32_t status, stop;
    uint64_t cost, iterations, target_hit_cost;
    double seconds, metrics[8], extras[64];
    char message[512];
    int32_t trace_capped;
} forged_outcome;

typedef struct forged_chunk {
    uint64_t offset;
    uint32_t count, reserved;
    double values[128];
} forged_chunk;

typedef struct forged {
    uint32_t type, reserved; /* 1: a point, 2: the final outcome, 3: part of a solution */
    union {
        forged_point point;
        forged_outcome outcome;
        forged_chunk chunk;
    } u;
} forged;

/* The harness's message pipe: the one pipe above stderr (stdout and stderr are another). */
static int harness_pipe(void)
{
    for (int fd = 3; fd < 1024; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
            return fd;
    }
    return -1;
}

static void send_forged(int fd, const forged *m)
{
    if (write(fd, m, sizeof *m) != (ssize_t)sizeof *m)
        _exit(1);
}

/* A trace point at cost and iteration n, with a perfect error. */
static void send_forged_point(int fd, double cost, double n)
{
    forged m = {.type = 1, .u.point = {.cost = cost, .iterations = n}};
    send_forged(fd, &m);
}

/*
 * bad-flood: 20000 trace points, each as valid as the first, then the run goes on as usual;
 * bad-forge-cost: a trace whose cost falls from 5 to 2, then an ok outcome with a best error
 * of 0, and the run ends before the host can send its own; bad-forge-status: an outcome of
 * status 9 (the host's are 0 to 4), likewise; bad-forge-solution: a valid point, then a
 * solution of 128 values (its problem's has fewer), to be saved in the results' side file,
 * and the run goes on.
 */
static void forge(void)
{
    int fd = harness_pipe();
    if (fd < 0)
        return;
    if (MODE == MODE_FLOOD) {
        for (int i = 0; i < 20000; i++)
            send_forged_point(fd, 1, 1);
        return;
    }
    if (MODE == MODE_FORGE_SOLUTION) {
        send_forged_point(fd, 1, 1);
        forged m = {.type = 3, .u.chunk = {.offset = 0, .count = 128}};
        for (int i = 0; i < 128; i++)
            m.u.chunk.values[i] = 7.0;
        send_forged(fd, &m);
        return;
    }
    if (MODE == MODE_FORGE_COST) {
        send_forged_point(fd, 5, 1);
        send_forged_point(fd, 2, 2);
    }
    forged final = {.type = 2,
                    .u.outcome = {.status = MODE == MODE_FORGE_STATUS ? 9 : 0,
                                  .stop = 1, .cost = 2, .iterations = 2}};
    send_forged(fd, &final);
    _exit(0);
}

/*
 * What a sandbox must stop (bad-connect, bad-write, bad-read): each tries, then fails its
 * step with a message that says what happened, for the test to read: the attempt's result
 * and, where the attempt failed, strerror.
 */
static int32_t try_connect(state *s)
{
    const char *port = getenv("PB_TEST_PORT");
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)atoi(port ? port : "0")),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        snprintf(s->error, s->error_size, PLUGIN_NAME ": socket: %s", strerror(errno));
    else if (connect(fd, (const struct sockaddr *)&to, sizeof to) != 0)
        snprintf(s->error, s->error_size, PLUGIN_NAME ": connect: %s", strerror(errno));
    else
        snprintf(s->error, s->error_size, PLUGIN_NAME ": connected to 127.0.0.1:%s", port);
    if (fd >= 0)
        close(fd);
    return PB_ERR_FAILED;
}

/* Writes "<dir>/bad-write.txt"; says "<name> wrote" or "<name> <strerror>" into out. */
static void write_into(const char *name, const char *dir, char *out, size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/bad-write.txt", dir ? dir : ".");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int wrote = fd >= 0 && write(fd, "escaped\n", 8) == 8;
    snprintf(out, size, "%s %s", name, wrote ? "wrote" : strerror(errno));
    if (fd >= 0)
        close(fd);
}

/* Its own working directory too, which a sandbox must leave writable (its scratch). */
static int32_t try_write(state *s)
{
    char home[256], results[256], cwd[256];
    write_into("home", getenv("HOME"), home, sizeof home);
    write_into("results", getenv("PB_TEST_RESULTS"), results, sizeof results);
    write_into("cwd", ".", cwd, sizeof cwd);
    snprintf(s->error, s->error_size, PLUGIN_NAME ": %s; %s; %s", home, results, cwd);
    return PB_ERR_FAILED;
}

static int32_t try_read(state *s)
{
    const char *path = getenv("PB_TEST_JOURNAL");
    char got[64] = "";
    int fd = open(path ? path : "", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, got, sizeof got - 1) : -1;
    if (n < 0)
        snprintf(s->error, s->error_size, PLUGIN_NAME ": cannot read the journal: %s",
                 strerror(errno));
    else
        snprintf(s->error, s->error_size, PLUGIN_NAME ": read %zd bytes of the journal: %.*s",
                 n, (int)strcspn(got, "\n"), got);
    if (fd >= 0)
        close(fd);
    return PB_ERR_FAILED;
}

/* The variant's misbehaviour at the start of its first step alone; PB_CONTINUE lets the
 * step go on. */
static int32_t misbehave_once(state *s)
{
    switch (MODE) {
    case MODE_GRANDCHILD:
    case MODE_SETSID:
        fork_sleeper(MODE == MODE_SETSID);
        break;
    case MODE_FORKBOMB:
        fork_many();
        break;
    case MODE_KILL0:
        kill(0, SIGINT);
        break;
    case MODE_FDS:
        print_fds();
        break;
    case MODE_FLOOD:
    case MODE_FORGE_COST:
    case MODE_FORGE_STATUS:
    case MODE_FORGE_SOLUTION:
        forge();
        break;
    case MODE_MEMFD:
    case MODE_SHM:
        return fill_pages(s);
    default:
        break;
    }
    return PB_CONTINUE;
}

/* The variant's misbehaviour at the start of a step; PB_CONTINUE lets the step go on. */
static int32_t misbehave(state *s)
{
    if (s->steps == 1) {
        int32_t rc = misbehave_once(s);
        if (rc != PB_CONTINUE)
            return rc;
    }
    switch (MODE) {
    case MODE_SEGV:
        if (s->steps == 3)
            write_through_null();
        break;
    case MODE_ABORT:
        abort();
    case MODE_LOOP:
        for (volatile uint64_t spins = 0;; spins++) {
        }
    case MODE_MEMORY:
        return hog_memory(s);
    case MODE_NOISY:
        /* With a byte that is not UTF-8: the results file must stay valid UTF-8. */
        printf(PLUGIN_NAME ": step %" PRIu64 " on stdout \xff" "\n", s->steps);
        fprintf(stderr, PLUGIN_NAME ": step %" PRIu64 " on stderr\n", s->steps);
        break;
    case MODE_EXIT:
        exit(3);
    case MODE_CONNECT:
        return try_connect(s);
    case MODE_WRITE:
        return try_write(s);
    case MODE_READ:
        return try_read(s);
    case MODE_STEPFAIL:
        if (s->steps == 2) {
            snprintf(s->error, s->error_size, PLUGIN_NAME ": step 2 fails on purpose");
            return PB_ERR_FAILED;
        }
        break;
    default:
        break;
    }
    return PB_CONTINUE;
}

/* Samples batch points uniformly in the box, keeping the best. */
static int32_t step(void *p)
{
    state *s = p;
    s->steps++;
    int32_t rc = misbehave(s);
    if (rc != PB_CONTINUE)
        return rc;
    const pb_blackbox *f = s->f;
    for (int64_t k = 0; k < s->batch; k++) {
        pb_rng_uniform_box(&s->rng, f->dim, f->lower, f->upper, s->x);
        double y = f->evaluate(f, s->x);
        if (isnan(y))
            break; /* the budget is spent */
        if (y < s->best) {
            s->best = y;
            memcpy(s->best_x, s->x, f->dim * sizeof *s->x);
        }
    }
    return PB_CONTINUE;
}

/*
 * The best point so far; bad-nonfinite's is NaN from its 5th step on, and bad-nondet's
 * moves from its 5th step on by an amount that depends on the process id, so that two runs
 * with one seed (each in its own process) recommend different points.
 */
static int32_t solution(void *p, double *out)
{
    const state *s = p;
    if (MODE == MODE_PEEK)
        s->f->evaluate(s->f, s->best_x);
    for (uint32_t i = 0; i < s->f->dim; i++)
        out[i] = MODE == MODE_NONFINITE && s->steps >= 5 ? NAN : s->best_x[i];
    if (MODE == MODE_NONDET && s->steps >= 5)
        out[0] += 1e-9 * (double)getpid();
    return 0;
}

#if MODE == MODE_CTOR
/* Runs at dlopen, before the host has read anything: the host must survive it. */
__attribute__((constructor)) static void crash_at_load(void) { abort(); }
#elif MODE == MODE_CTOR_EXIT
/* An exit that reports success: still a plugin that did not load. */
__attribute__((constructor)) static void exit_at_load(void) { exit(0); }
#elif MODE == MODE_CTOR_HANG
/* Defeats a deadline kept with alarm() in the loading process. */
__attribute__((constructor)) static void hang_at_load(void)
{
    sigset_t alarm_set;
    sigemptyset(&alarm_set);
    sigaddset(&alarm_set, SIGALRM);
    sigprocmask(SIG_BLOCK, &alarm_set, NULL);
    for (;;)
        pause();
}
#elif MODE == MODE_HOSTCTOR
/* Harmless in a probe or a run child, fatal in the host that the test names. */
__attribute__((constructor)) static void crash_in_host(void)
{
    const char *host = getenv("PB_TEST_HOST_PID");
    if (host && atol(host) == (long)getpid())
        abort();
}
#elif MODE == MODE_DTOR
/* Runs at dlclose (or at exit): a host that unloads plugins would die of it. */
__attribute__((destructor)) static void crash_at_unload(void) { abort(); }
#endif

#if MODE == MODE_NPARAMS
/* The declared array and what memory holds after it: not a parameter, a bad pointer. */
static const struct {
    pb_param declared[sizeof params / sizeof params[0]];
    pb_param beyond;
} params_and_beyond = {
    .declared = {params[0], params[1], params[2], params[3]},
    .beyond = {.name = (const char *)16, .doc = (const char *)16},
};
#define DESCRIPTOR_PARAMS params_and_beyond.declared
#define DESCRIPTOR_N_PARAMS (sizeof params / sizeof params[0] + 1)
#else
#define DESCRIPTOR_PARAMS params
#define DESCRIPTOR_N_PARAMS (sizeof params / sizeof params[0])
#endif

static const pb_plugin descriptor = {
    .abi_major = PB_ABI_MAJOR + (MODE == MODE_ABI_MAJOR),
    .abi_minor = PB_ABI_MINOR + (MODE == MODE_ABI_MINOR),
    .struct_size = sizeof(pb_plugin),
    .n_params = DESCRIPTOR_N_PARAMS,
#if MODE == MODE_BADNAME
    .name = (const char *)16,
#else
    .name = PLUGIN_NAME,
#endif
#if MODE == MODE_BADTEXT
    .version = "0.0.1\xff",
#else
    .version = "0.0.1",
#endif
    .summary = "a test plugin for plugbench's own tests",
    .citation = "none: a test fixture",
#if MODE == MODE_KIND
    .kind = "nosuchkind/1",
#else
    .kind = PB_KIND_BLACKBOX,
#endif
    .params = DESCRIPTOR_PARAMS,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
};

#if MODE == MODE_NOENTRY
/* An export under another name: the .so is a fine library, just not a plugin. */
PB_EXPORT const pb_plugin *pb_plugin_entry_v0(void);
PB_EXPORT const pb_plugin *pb_plugin_entry_v0(void) { return &descriptor; }
#elif MODE == MODE_ENTRY_EXIT
PB_EXPORT const pb_plugin *pb_plugin_entry(void);
PB_EXPORT const pb_plugin *pb_plugin_entry(void)
{
    (void)descriptor;
    exit(0);
}
#else
PB_PLUGIN_ENTRY(descriptor)
#endif
