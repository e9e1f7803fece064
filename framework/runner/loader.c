/* Plugin loading and validation; see loader.h. */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build_info.h"
#include "params.h"
#include "run.h"
#include "sandbox.h"
#include "sha256.h"
#include "text.h"

/* The size of a 1.0 descriptor: a plugin must provide at least every 1.0 member. */
#define PLUGIN_SIZE_1_0 (offsetof(pb_plugin, extension) + sizeof(void *))

/* The longest descriptor string accepted: a summary or a doc is one line. */
#define TEXT_MAX 4096
/* The most parameters a descriptor may declare. */
#define PARAMS_MAX 1024

static double probe_seconds = 10;

void pb__plugin_probe_timeout(double seconds)
{
    probe_seconds = seconds;
}

static int name_ok(const char *s, const char *extra)
{
    if (!s || !*s || strnlen(s, 65) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
            return 0;
    return 1;
}

/*
 * A descriptor string reaches results files and terminals: it must be at most TEXT_MAX
 * bytes of UTF-8 without control characters. Returns 0, or -1 with the reason in err.
 */
static int text_ok(const char *s, const char *owner, const char *field, char *err,
                   size_t errlen)
{
    const char *problem = strnlen(s, TEXT_MAX + 1) > TEXT_MAX ? "is longer than 4096 bytes"
                                                              : pb__text_problem(s);
    if (problem)
        snprintf(err, errlen, "%s: its %s %s", owner, field, problem);
    return problem ? -1 : 0;
}

static int validate_param(const pb_param *p, uint32_t index, char *err, size_t errlen)
{
    if (!name_ok(p->name, "_")) {
        snprintf(err, errlen, "parameter %u has an invalid name (want [a-z0-9_]+)", index);
        return -1;
    }
    if (!p->doc) {
        snprintf(err, errlen, "parameter '%s' has no doc", p->name);
        return -1;
    }
    char owner[80];
    snprintf(owner, sizeof owner, "parameter '%s'", p->name);
    if (text_ok(p->doc, owner, "doc", err, errlen) != 0 ||
        (p->choices && text_ok(p->choices, owner, "choices", err, errlen) != 0))
        return -1;
    double d = p->default_value;
    switch (p->type) {
    case PB_PARAM_REAL:
    case PB_PARAM_INT:
        if (!(p->min <= p->max) || !(d >= p->min && d <= p->max) ||
            (p->type == PB_PARAM_INT && d != floor(d))) {
            snprintf(err, errlen, "parameter '%s': default %g is not in its range [%g, %g]",
                     p->name, d, p->min, p->max);
            return -1;
        }
        return 0;
    case PB_PARAM_BOOL:
        if (d != 0.0 && d != 1.0) {
            snprintf(err, errlen, "parameter '%s': bool default must be 0 or 1", p->name);
            return -1;
        }
        return 0;
    case PB_PARAM_CHOICE: {
        if (!p->choices || !*p->choices) {
            snprintf(err, errlen, "parameter '%s': a choice needs choices", p->name);
            return -1;
        }
        double n = 1;
        for (const char *c = p->choices; *c; c++)
            n += *c == '|';
        if (d != floor(d) || d < 0 || d >= n) {
            snprintf(err, errlen, "parameter '%s': default index %g is not one of the %g choices",
                     p->name, d, n);
            return -1;
        }
        return 0;
    }
    default:
        snprintf(err, errlen, "parameter '%s' has unknown type %u", p->name, p->type);
        return -1;
    }
}

/*
 * pb__plugin_validate; with code 0, the members that are code (create, step, ...) are not
 * checked: a probe's copy has none.
 */
static int validate(const pb_plugin *d, int code, char *err, size_t errlen)
{
    if (d->abi_major != PB_ABI_MAJOR) {
        snprintf(err, errlen, "plugin ABI %u.%u, but this plugbench supports ABI %d.0 to %d.%d",
                 d->abi_major, d->abi_minor, PB_ABI_MAJOR, PB_ABI_MAJOR, PB_ABI_MINOR);
        return -1;
    }
    if (d->abi_minor > PB_ABI_MINOR) {
        snprintf(err, errlen,
                 "plugin ABI %u.%u is newer than this plugbench's %d.%d: update plugbench",
                 d->abi_major, d->abi_minor, PB_ABI_MAJOR, PB_ABI_MINOR);
        return -1;
    }
    if (d->struct_size < PLUGIN_SIZE_1_0) {
        snprintf(err, errlen, "descriptor struct_size %u is smaller than ABI 1.0's %zu",
                 d->struct_size, (size_t)PLUGIN_SIZE_1_0);
        return -1;
    }
    if (!name_ok(d->name, "-")) {
        snprintf(err, errlen, "plugin name is missing or not [a-z0-9-]+ (at most 64 characters)");
        return -1;
    }
    const char *missing = !d->version    ? "version"
                          : !d->summary  ? "summary"
                          : !d->citation ? "citation"
                          : !d->kind     ? "kind"
                          : code && !d->create   ? "create"
                          : code && !d->step     ? "step"
                          : code && !d->solution ? "solution"
                          : code && !d->destroy  ? "destroy"
                          : d->n_params && !d->params ? "params"
                                                      : NULL;
    if (missing) {
        snprintf(err, errlen, "plugin '%s' has no %s", d->name, missing);
        return -1;
    }
    char owner[80];
    snprintf(owner, sizeof owner, "plugin '%s'", d->name);
    if (text_ok(d->version, owner, "version", err, errlen) != 0 ||
        text_ok(d->summary, owner, "summary", err, errlen) != 0 ||
        text_ok(d->citation, owner, "citation", err, errlen) != 0 ||
        text_ok(d->kind, owner, "kind", err, errlen) != 0)
        return -1;
    if (!pb__kind_find(d->kind) || !strchr(d->kind, '/')) {
        snprintf(err, errlen, "plugin '%s' declares kind '%s', which this plugbench does not know",
                 d->name, d->kind);
        return -1;
    }
    if (d->n_params > PARAMS_MAX) {
        snprintf(err, errlen, "plugin '%s' declares %u parameters, more than %d", d->name,
                 d->n_params, PARAMS_MAX);
        return -1;
    }
    for (uint32_t i = 0; i < d->n_params; i++)
        if (validate_param(&d->params[i], i, err, errlen) != 0)
            return -1;
    const char *twice = NULL;
    int dup = pb__params_duplicate(d, &twice);
    if (dup != 0) {
        snprintf(err, errlen, dup < 0 ? "out of memory checking the parameters of '%s'"
                                      : "parameter '%s' is declared twice",
                 dup < 0 ? d->name : twice);
        return -1;
    }
    return 0;
}

int pb__plugin_validate(const pb_plugin *d, char *err, size_t errlen)
{
    return validate(d, 1, err, errlen);
}

/*
 * The descriptor's data as bytes: what a probe child sends its parent, and what a run child
 * compares with the probe's copy. A growing buffer; failed is set when memory ran out.
 */
typedef struct blob {
    unsigned char *data;
    size_t len, cap;
    int failed;
} blob;

static void put(blob *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *data = realloc(b->data, cap);
        if (!data) {
            b->failed = 1;
            return;
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u32(blob *b, uint32_t v) { put(b, &v, sizeof v); }

/* A string as its length and bytes; NULL as the length UINT32_MAX. */
static void put_str(blob *b, const char *s)
{
    uint32_t len = s ? (uint32_t)strlen(s) : UINT32_MAX;
    put_u32(b, len);
    if (s)
        put(b, s, len);
}

/*
 * One data member of a descriptor or of a parameter as a blob carries it: size bytes as they
 * are in memory, or a string (size 0) as put_str writes it. The tables below are the blob's
 * order, which put_fields, get_fields and free_strings all follow.
 */
typedef struct field {
    size_t offset, size;
} field;

#define NUMBER(type, member) {offsetof(type, member), sizeof(((type *)0)->member)}
#define STRING(type, member) {offsetof(type, member), 0}

/* n_params is the count of the parameters that follow the descriptor's members. */
static const field desc_fields[] = {
    NUMBER(pb_plugin, abi_major), NUMBER(pb_plugin, abi_minor), NUMBER(pb_plugin, struct_size),
    NUMBER(pb_plugin, n_params),  STRING(pb_plugin, name),      STRING(pb_plugin, version),
    STRING(pb_plugin, summary),   STRING(pb_plugin, citation),  STRING(pb_plugin, kind)};
static const field param_fields[] = {
    STRING(pb_param, name), NUMBER(pb_param, type),    NUMBER(pb_param, default_value),
    NUMBER(pb_param, min),  NUMBER(pb_param, max),     STRING(pb_param, choices),
    STRING(pb_param, doc)};
#define N_FIELDS(table) (sizeof(table) / sizeof((table)[0]))

static void put_fields(blob *b, const void *object, const field *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *at = (const char *)object + fields[i].offset;
        if (fields[i].size) {
            put(b, at, fields[i].size);
        } else {
            const char *s;
            memcpy(&s, at, sizeof s);
            put_str(b, s);
        }
    }
}

/* The data members of a validated descriptor (never its code). */
static void put_desc(blob *b, const pb_plugin *d)
{
    put_fields(b, d, desc_fields, N_FIELDS(desc_fields));
    for (uint32_t i = 0; i < d->n_params; i++)
        put_fields(b, &d->params[i], param_fields, N_FIELDS(param_fields));
}

/* Reads a blob back; bytes from a child are untrusted: every read is bounded. */
typedef struct reader {
    const unsigned char *p;
    size_t left;
    int failed;
} reader;

static void get(reader *r, void *out, size_t n)
{
    if (r->failed || n > r->left) {
        r->failed = 1;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
}

static uint32_t get_u32(reader *r)
{
    uint32_t v;
    get(r, &v, sizeof v);
    return v;
}

/* A malloc'd string, or NULL for NULL (and on failure, with failed set). */
static char *get_str(reader *r)
{
    uint32_t len = get_u32(r);
    if (r->failed || len == UINT32_MAX)
        return NULL;
    char *s = len <= r->left && len <= TEXT_MAX ? malloc((size_t)len + 1) : NULL;
    if (!s || memchr(r->p, '\0', len)) {
        free(s);
        r->failed = 1;
        return NULL;
    }
    get(r, s, len);
    s[len] = '\0';
    return s;
}

/* Reads what put_fields wrote into object's members; a string is malloc'd (see get_str). */
static void get_fields(reader *r, void *object, const field *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *at = (char *)object + fields[i].offset;
        if (fields[i].size) {
            get(r, at, fields[i].size);
        } else {
            char *s = get_str(r);
            memcpy(at, &s, sizeof s);
        }
    }
}

/* Frees the strings get_fields made in object (NULL members are fine). */
static void free_strings(void *object, const field *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!fields[i].size) {
            char *s;
            memcpy(&s, (char *)object + fields[i].offset, sizeof s);
            free(s);
        }
    }
}

/* Frees a copy made by read_desc (NULL is fine). */
static void free_copy(pb_plugin *d)
{
    if (!d)
        return;
    pb_param *params = (pb_param *)d->params;
    for (uint32_t i = 0; params && i < d->n_params; i++)
        free_strings(&params[i], param_fields, N_FIELDS(param_fields));
    free(params);
    free_strings(d, desc_fields, N_FIELDS(desc_fields));
    free(d);
}

/* The descriptor a blob holds, as a malloc'd deep copy without code, or NULL. */
static pb_plugin *read_desc(reader *r)
{
    pb_plugin *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    get_fields(r, d, desc_fields, N_FIELDS(desc_fields));
    uint32_t n = d->n_params;
    /* Each parameter takes at least 40 bytes: a count beyond that is a lie. */
    pb_param *params = n && n <= PARAMS_MAX && n <= r->left / 40 ? calloc(n, sizeof *params)
                                                                  : NULL;
    if (n && !params)
        r->failed = 1;
    d->params = params;
    d->n_params = params ? n : 0;
    for (uint32_t i = 0; params && i < n && !r->failed; i++)
        get_fields(r, &params[i], param_fields, N_FIELDS(param_fields));
    if (r->failed) {
        free_copy(d);
        return NULL;
    }
    return d;
}

/* What a probe child sends, after the stage bytes: a failure's message, or the copy. */
enum { PROBE_FAIL = 'F', PROBE_DESC = 'D' };
/* The stages a probe child announces, one byte each, so that a death says where. */
enum { STAGE_OPEN = 'o', STAGE_ENTRY = 'e', STAGE_READ = 'r' };
/* The last bytes of a complete answer: the positive handshake. */
static const char probe_end[4] = {'E', 'N', 'D', '.'};

void pb__child_send(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(120); /* the parent is gone: nothing left to report to */
        p += n;
        len -= (size_t)n;
    }
}

/* A probe child's answer: kind, then a length-prefixed payload, then the handshake. */
static void send_answer(int fd, char kind, const void *data, size_t len)
{
    uint32_t n = (uint32_t)len;
    pb__child_send(fd, &kind, 1);
    pb__child_send(fd, &n, sizeof n);
    pb__child_send(fd, data, len);
    pb__child_send(fd, probe_end, sizeof probe_end);
}

static void send_failure(int fd, const char *message)
{
    send_answer(fd, PROBE_FAIL, message, strlen(message));
}

/*
 * A plugin that calls exit() in a child must not run the handlers the child inherited from
 * the harness (nor a sanitizer's leak check, which would replace the exit status):
 * registered before any plugin code runs, this runs after the plugin's own handlers and
 * before the harness's, and leaves with the plugin's status as it is.
 */
static void exit_now(int status, void *unused)
{
    (void)unused;
    fflush(stdout);
    fflush(stderr);
    _exit(status);
}

int pb__child_detach(pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        return -1; /* the parent died before the prctl, which then never fires */
    setpgid(0, 0);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    on_exit(exit_now, NULL);
    return 0;
}

/*
 * The probe child: loads the plugin (its constructors run), calls its entry, validates the
 * descriptor and sends a deep copy of its data on fd, announcing each stage first. Its
 * standard streams are /dev/null and every other descriptor is closed, so that plugin code
 * here can neither write to the terminal nor touch the harness's files. Never returns.
 */
static void probe_child(const char *path, int fd, pid_t parent)
{
    if (pb__child_detach(parent) != 0)
        _exit(121);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0)
        for (int s = 0; s <= 2; s++)
            dup2(devnull, s);
    if (dup2(fd, 3) != 3)
        _exit(122);
    fd = 3;
    close_range(4, ~0U, 0);
    char err[1024];
    if (pb__sandbox_enter(probe_seconds, err, sizeof err) != 0) {
        send_failure(fd, err);
        _exit(0);
    }
    pb__child_send(fd, (const char[]){STAGE_OPEN}, 1);
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(err, sizeof err, "not a loadable shared object (%s)", why ? why : "?");
        send_failure(fd, err);
        _exit(0);
    }
    pb_entry_fn entry;
    *(void **)&entry = dlsym(handle, PB_ENTRY_NAME);
    if (!entry) {
        snprintf(err, sizeof err, "no entry symbol '%s': not a plugbench plugin", PB_ENTRY_NAME);
        send_failure(fd, err);
        _exit(0);
    }
    pb__child_send(fd, (const char[]){STAGE_ENTRY}, 1);
    const pb_plugin *d = entry();
    if (!d) {
        send_failure(fd, "the entry symbol returned no descriptor");
        _exit(0);
    }
    pb__child_send(fd, (const char[]){STAGE_READ}, 1);
    if (pb__plugin_validate(d, err, sizeof err) != 0) {
        send_failure(fd, err);
        _exit(0);
    }
    blob b = {0};
    put_desc(&b, d);
    /* After the descriptor, what it declares through extensions (pb__plugin_file). */
    put_u32(&b, d->extension && d->extension(PB_BILEVEL_CONSTRAINTS) != NULL);
    if (b.failed)
        send_failure(fd, "out of memory copying the descriptor");
    else
        send_answer(fd, PROBE_DESC, b.data, b.len);
    _exit(0);
}

/* What the stage byte last announced says about where a probe child died. */
static const char *stage_name(char stage)
{
    return stage == STAGE_ENTRY  ? "in its entry function"
           : stage == STAGE_READ ? "while its descriptor was read (a bad pointer in it?)"
                                 : "while loading it (its constructors)";
}

/* The largest answer a probe may send: 1024 parameters of three 4096-byte strings fit. */
#define ANSWER_MAX ((size_t)16 << 20)

/* Reads what fd holds now into got (up to 64 reads, so that a flood cannot hold the caller
 * past its deadline; beyond ANSWER_MAX bytes it is dropped); closes fd at end of file and
 * returns -1 then, else fd. */
static int take_answer(int fd, blob *got)
{
    unsigned char buf[4096];
    for (int k = 0; k < 64 && fd >= 0; k++) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (n == 0) {
            close(fd);
            return -1;
        }
        if (got->len + (size_t)n <= ANSWER_MAX)
            put(got, buf, (size_t)n);
    }
    return fd;
}

/*
 * Waits for the probe child pid, reading what it sends on fd into *got until it exits,
 * killing its process group at the deadline. Returns the wait status, with *timed_out set
 * when it was killed at the deadline. The deadline is the parent's: a child that blocks
 * signals or hangs cannot defeat it. Whatever stayed in the child's process group is killed
 * when it exits.
 */
static int wait_probe(pid_t pid, int fd, blob *got, int *timed_out)
{
    int pid_fd = (int)pidfd_open(pid, 0);
    double deadline = pb__now() + probe_seconds;
    *timed_out = 0;
    for (;;) {
        double left = deadline - pb__now();
        if (left <= 0 && !*timed_out) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            *timed_out = 1;
        }
        struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = pid_fd, .events = POLLIN}};
        /* Without a pidfd, look for the exit every 10 ms. */
        int ms = pid_fd < 0 ? 10 : left > 0 ? (int)(left * 1000) + 1 : 100;
        if (fd >= 0)
            poll(fds, pid_fd < 0 ? 1 : 2, ms);
        else if (pid_fd >= 0)
            poll(fds + 1, 1, ms);
        else
            usleep(10000);
        fd = take_answer(fd, got);
        siginfo_t info = {0};
        int w = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
        if ((w == 0 && info.si_pid == pid) || (w < 0 && errno != EINTR))
            break;
    }
    /* Killed while the exited child still holds the group's id, which cannot be reused. */
    kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    /* Whatever it wrote before it exited is in the pipe. */
    while (fd >= 0 && got->len < ANSWER_MAX) {
        size_t before = got->len;
        fd = take_answer(fd, got);
        if (got->len == before)
            break;
    }
    if (fd >= 0)
        close(fd);
    if (pid_fd >= 0)
        close(pid_fd);
    return status;
}

/*
 * Runs the plugin's constructors and entry in a child, which validates the descriptor and
 * sends a copy of its data: no plugin code ever runs in the calling process, so that a .so
 * that crashes, hangs, exits or lies costs one message, not the harness. Returns the copy
 * (malloc'd, without code, validated again here: the bytes came from plugin code's
 * process) and in *constraints whether it offers PB_BILEVEL_CONSTRAINTS, or NULL with the
 * reason in err (without the file name).
 */
static pb_plugin *probe(const char *path, int *constraints, char *err, size_t errlen)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot probe it: %s", strerror(errno));
        return NULL;
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        probe_child(path, pipefd[1], parent);
    }
    close(pipefd[1]);
    if (pid < 0) {
        snprintf(err, errlen, "cannot probe it: %s", strerror(errno));
        close(pipefd[0]);
        return NULL;
    }
    setpgid(pid, pid); /* as the child does: whichever runs first */
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    blob got = {0};
    int timed_out;
    int status = wait_probe(pid, pipefd[0], &got, &timed_out);
    /* The stage bytes, then the answer: kind, length, payload, handshake. */
    size_t k = 0;
    char stage = STAGE_OPEN;
    while (k < got.len && (got.data[k] == STAGE_OPEN || got.data[k] == STAGE_ENTRY ||
                           got.data[k] == STAGE_READ))
        stage = (char)got.data[k++];
    reader r = {got.data ? got.data + k : NULL, got.len - k, 0};
    char kind = 0;
    get(&r, &kind, 1);
    uint32_t len = get_u32(&r);
    int complete = !r.failed && len <= r.left && r.left - len == sizeof probe_end &&
                   memcmp(r.p + len, probe_end, sizeof probe_end) == 0;
    pb_plugin *copy = NULL;
    if (timed_out) {
        snprintf(err, errlen, "cannot load plugin: it did not finish within %g s, stuck %s",
                 probe_seconds, stage_name(stage));
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        snprintf(err, errlen, "cannot load plugin: it crashed with signal %d (%s) %s", sig,
                 strsignal(sig), stage_name(stage));
    } else if (!complete || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen,
                 "cannot load plugin: it exited with status %d %s, before its probe finished "
                 "(did it call exit()?)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, stage_name(stage));
    } else if (kind == PROBE_FAIL) {
        snprintf(err, errlen, "%.*s", (int)len, (const char *)r.p);
        pb__text_clean(err);
    } else {
        reader desc = {r.p, len, 0};
        copy = kind == PROBE_DESC ? read_desc(&desc) : NULL;
        *constraints = get_u32(&desc) == 1;
        char why[512];
        if (!copy || desc.failed || desc.left != 0) {
            snprintf(err, errlen, "cannot load plugin: its probe sent a malformed descriptor");
            free_copy(copy);
            copy = NULL;
        } else if (validate(copy, 0, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s", why);
            free_copy(copy);
            copy = NULL;
        }
    }
    free(got.data);
    return copy;
}

int pb__plugin_load(const char *path, pb__plugin_file *out, char *err, size_t errlen)
{
    char reason[1024];
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot load plugin: %s", path, strerror(errno));
        return -1;
    }
    /* dlopen needs a slash to load a file rather than search the library path. */
    if (!realpath(path, out->path)) {
        snprintf(err, errlen, "%s: cannot load plugin: %s", path, strerror(errno));
        return -1;
    }
    out->copy = probe(out->path, &out->constraints, reason, sizeof reason);
    if (!out->copy) {
        snprintf(err, errlen, "%s: %s", path, reason);
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->desc = out->copy;
    out->kind = pb__kind_find(out->desc->kind);
    if (pb__sha256_file(out->path, out->sha256) != 0) {
        snprintf(err, errlen, "%s: cannot read for its checksum: %s", path, strerror(errno));
        pb__plugin_unload(out);
        return -1;
    }
    return 0;
}

int pb__plugin_open(pb__plugin_file *plugin, char *err, size_t errlen)
{
    if (plugin->desc && plugin->desc != plugin->copy)
        return 0; /* open already, or a descriptor made in this process (tests) */
    char reason[512];
    void *handle = dlopen(plugin->path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(err, errlen, "%s: not a loadable shared object (%s)", plugin->path,
                 why ? why : "?");
        return -1;
    }
    pb_entry_fn entry;
    *(void **)&entry = dlsym(handle, PB_ENTRY_NAME);
    const pb_plugin *d = entry ? entry() : NULL;
    if (!d) {
        snprintf(err, errlen, "%s: no entry symbol or no descriptor", plugin->path);
        return -1;
    }
    if (pb__plugin_validate(d, reason, sizeof reason) != 0) {
        snprintf(err, errlen, "%s: %s", plugin->path, reason);
        return -1;
    }
    /* The parameter values were made for the probed descriptor: this one must be it. */
    blob mine = {0}, probed = {0};
    put_desc(&mine, d);
    put_desc(&probed, plugin->copy);
    int same = !mine.failed && !probed.failed && mine.len == probed.len &&
               memcmp(mine.data, probed.data, mine.len) == 0;
    free(mine.data);
    free(probed.data);
    if (!same) {
        snprintf(err, errlen,
                 "%s: the descriptor differs from the one its probe sent (the file changed, "
                 "or the plugin describes itself differently from one load to the next)",
                 plugin->path);
        return -1;
    }
    plugin->handle = handle;
    plugin->desc = d;
    return 0;
}

void pb__plugin_unload(pb__plugin_file *plugin)
{
    /* A handle from pb__plugin_open stays open: dlclose would run the plugin's destructors
     * here. The process that opened it is a run child, a test or a benchmark. */
    free_copy(plugin->copy);
    memset(plugin, 0, sizeof *plugin);
}

int pb__self_path(char *out)
{
    ssize_t n = readlink("/proc/self/exe", out, PATH_MAX - 1);
    if (n <= 0)
        return -1;
    out[n] = '\0';
    return 0;
}

int pb__running_from_build_tree(void)
{
    char exe[PATH_MAX];
    if (pb__self_path(exe) != 0)
        return 0;
    size_t root = strlen(PB_BUILD_ROOT);
    return strncmp(exe, PB_BUILD_ROOT, root) == 0 && exe[root] == '/';
}

char *pb__installed_dir(const char *from_bindir, const char *configured, char *out)
{
    char exe[PATH_MAX], dir[PATH_MAX];
    char *slash = pb__self_path(exe) == 0 ? strrchr(exe, '/') : NULL;
    struct stat st;
    if (from_bindir[0] != '/' && slash &&
        snprintf(dir, sizeof dir, "%.*s/%s", (int)(slash - exe), exe, from_bindir) <
            (int)sizeof dir &&
        realpath(dir, out) && stat(out, &st) == 0 && S_ISDIR(st.st_mode))
        return out;
    snprintf(out, PATH_MAX, "%s", configured);
    return out;
}

static size_t add_dir(char out[][PATH_MAX], size_t n, size_t max, const char *dir, size_t len)
{
    if (n < max && len > 0 && len < PATH_MAX) {
        memcpy(out[n], dir, len);
        out[n][len] = '\0';
        return n + 1;
    }
    return n;
}

size_t pb__plugin_dirs(const char *const *dirs, size_t n_dirs, char out[][PATH_MAX], size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < n_dirs; i++)
        n = add_dir(out, n, max, dirs[i], strlen(dirs[i]));
    const char *env = getenv("PLUGBENCH_PLUGIN_PATH");
    while (env && *env) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        n = add_dir(out, n, max, env, len);
        env = colon ? colon + 1 : NULL;
    }
    char installed[PATH_MAX];
    const char *builtin =
        pb__running_from_build_tree()
            ? PB_BUILD_ROOT "/plugins"
            : pb__installed_dir(PB_PLUGIN_DIR_FROM_BINDIR, PB_PLUGIN_DIR, installed);
    return add_dir(out, n, max, builtin, strlen(builtin));
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* What a scan reports on stderr (see pb__plugin_scan). */
typedef struct scan_report {
    int invalid;             /* files that do not load */
    const char *duplicates;  /* plugins hidden by an earlier one of the same name: NULL
                                none, "" all, else only those of this name */
} scan_report;

/* Directory entries in byte order of their names, whatever the locale or the file system. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * Loads the .so files in dir, in name order, descending depth more levels; returns the new
 * count. Of two plugins with one name the first loaded is kept and the other unloaded, with
 * a warning naming both files (the same file reached twice is no conflict).
 */
static size_t scan_dir(const char *dir, int depth, pb__plugin_file *out, size_t n, size_t max,
                       const scan_report *say)
{
    struct dirent **entries;
    int n_entries = scandir(dir, &entries, NULL, by_name);
    if (n_entries < 0)
        return n;
    char path[PATH_MAX], err[1024];
    for (int k = 0; k < n_entries && n < max; k++) {
        const char *name = entries[k]->d_name;
        if (name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth > 0)
                n = scan_dir(path, depth - 1, out, n, max, say);
            continue;
        }
        if (!ends_with(name, ".so"))
            continue;
        if (pb__plugin_load(path, &out[n], err, sizeof err) != 0) {
            if (say->invalid)
                fprintf(stderr, "plugbench: warning: skipping %s\n", err);
            continue;
        }
        const char *plugin = out[n].desc->name;
        size_t first = 0;
        while (first < n && strcmp(out[first].desc->name, plugin) != 0)
            first++;
        if (first == n) {
            n++;
            continue;
        }
        if (strcmp(out[first].path, out[n].path) != 0 && say->duplicates &&
            (!say->duplicates[0] || strcmp(say->duplicates, plugin) == 0))
            fprintf(stderr,
                    "plugbench: warning: two plugins named '%s': using %s, hiding %s (the "
                    "first in the search order wins)\n",
                    plugin, out[first].path, out[n].path);
        pb__plugin_unload(&out[n]);
    }
    for (int k = 0; k < n_entries; k++)
        free(entries[k]);
    free(entries);
    return n;
}

static int cmp_plugin_name(const void *a, const void *b)
{
    return strcmp(((const pb__plugin_file *)a)->desc->name, ((const pb__plugin_file *)b)->desc->name);
}

/* pb__plugin_scan, saying on stderr what say asks for. */
static size_t scan(char dirs[][PATH_MAX], size_t n_dirs, pb__plugin_file *out, size_t max,
                   const scan_report *say)
{
    size_t n = 0;
    for (size_t i = 0; i < n_dirs; i++)
        n = scan_dir(dirs[i], 1, out, n, max, say);
    /* Sorting after the scan keeps "first directory wins" and gives a stable listing. */
    qsort(out, n, sizeof *out, cmp_plugin_name);
    return n;
}

size_t pb__plugin_scan(char dirs[][PATH_MAX], size_t n_dirs, pb__plugin_file *out, size_t max,
                       int warn)
{
    scan_report say = {warn, warn ? "" : NULL};
    return scan(dirs, n_dirs, out, max, &say);
}

/*
 * The scan skips files that fail to load, so a plugin whose load fails (a crash in its
 * probe, say) would be reported as unknown: where the first directory holding NAME.so has
 * it, load that file again for its own error. Returns -1 with that error in err, or 1 when
 * no directory holds NAME.so or it loads (it is then another plugin: its name differs).
 */
static int load_named_file(const char *name, char dirs[][PATH_MAX], size_t n_dirs,
                           pb__plugin_file *out, char *err, size_t errlen)
{
    for (size_t i = 0; i < n_dirs; i++) {
        char path[PATH_MAX];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s.so", dirs[i], name) >= sizeof path ||
            stat(path, &st) != 0)
            continue;
        if (pb__plugin_load(path, out, err, errlen) != 0)
            return -1;
        pb__plugin_unload(out);
        return 1;
    }
    return 1;
}

int pb__plugin_resolve(const char *spec, char dirs[][PATH_MAX], size_t n_dirs,
                       pb__plugin_file *out, char *err, size_t errlen)
{
    if (strchr(spec, '/') || ends_with(spec, ".so"))
        return pb__plugin_load(spec, out, err, errlen);
    enum { MAX_PLUGINS = 256 };
    pb__plugin_file *all = calloc(MAX_PLUGINS, sizeof *all);
    if (!all) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Silent about other files; a plugin of this name hiding another is worth a warning. */
    scan_report say = {0, spec};
    size_t n = scan(dirs, n_dirs, all, MAX_PLUGINS, &say);
    int found = -1;
    for (size_t i = 0; i < n && found < 0; i++)
        if (strcmp(all[i].desc->name, spec) == 0) {
            found = (int)i;
            *out = all[i];
        }
    if (found < 0 && load_named_file(spec, dirs, n_dirs, out, err, errlen) != 1) {
        for (size_t i = 0; i < n; i++)
            pb__plugin_unload(&all[i]);
        free(all);
        return -1;
    }
    size_t used = (size_t)snprintf(err, errlen, "unknown algorithm '%s' (installed:", spec);
    for (size_t i = 0; i < n; i++) {
        if (found < 0 && used < errlen)
            used += (size_t)snprintf(err + used, errlen - used, " %s", all[i].desc->name);
        if ((int)i != found)
            pb__plugin_unload(&all[i]);
    }
    if (found < 0 && used < errlen)
        snprintf(err + used, errlen - used, "%s)", n ? "" : " none; see --plugin-dir");
    free(all);
    return found < 0 ? -1 : 0;
}
