/* The sandbox for untrusted plugins; see sandbox.h. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <math.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_HIDDEN 4

/* What pb__sandbox_start found and made; in children, what they enter. */
static struct {
    int started;
    int namespaces;   /* user, mount and network namespaces; else seccomp for the network */
    int landlock;     /* the kernel's Landlock ABI version, >= 1 */
    char base[PATH_MAX - 16]; /* the sandbox's directory, removed by pb__sandbox_stop */
    char scratch[PATH_MAX]; /* base/scratch: each run's tmpfs, or the parent of its dir */
    char cover[PATH_MAX];   /* base/hidden: an empty file nobody may read, mounted over */
    char hidden[MAX_HIDDEN][PATH_MAX];
    size_t n_hidden;
} box;

/* Landlock as the running kernel may know it beyond this system's headers (Linux 6.1). */
struct ruleset_attr {
    uint64_t handled_access_fs, handled_access_net, scoped; /* net from ABI 4, scoped 6 */
};
#define FS_TRUNCATE (1ULL << 14)    /* ABI 3 */
#define NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#define SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define SCOPE_SIGNAL (1ULL << 1)        /* ABI 6 */
/* Every access that changes the file system, as of ABI 1. */
#define FS_WRITES                                                                           \
    (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                        \
     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                        \
     LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
     LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

static int fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "sandbox: %s: %s", what, strerror(errno));
    return -1;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The Landlock ABI version of the running kernel, or 0 with errno set. */
static int landlock_abi(void)
{
    long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return v > 0 ? (int)v : 0;
}

/*
 * New user, mount and network namespaces in which this process keeps its user and group
 * ids, a view of the whole tree read-only with the hidden files covered, and a fresh tmpfs
 * as the scratch directory. The user namespace makes the rest possible without privileges
 * and makes RLIMIT_NPROC count this run's tasks alone.
 */
static int enter_namespaces(char *err, size_t errlen)
{
    char map[64];
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) != 0)
        return fail(err, errlen, "unshare");
    /* A tmpfs owned by the namespace refuses to create files for an unmapped user. The
     * maps are written through /proc/self, which a non-dumpable process (one that changed
     * its user, or a child of the harness) does not own: dumpable for that while only. */
    prctl(PR_SET_DUMPABLE, 1);
    snprintf(map, sizeof map, "%u %u 1", (unsigned)uid, (unsigned)uid);
    if (write_file("/proc/self/setgroups", "deny") != 0 ||
        write_file("/proc/self/uid_map", map) != 0)
        return fail(err, errlen, "uid_map");
    snprintf(map, sizeof map, "%u %u 1", (unsigned)gid, (unsigned)gid);
    if (write_file("/proc/self/gid_map", map) != 0)
        return fail(err, errlen, "gid_map");
    prctl(PR_SET_DUMPABLE, 0);
    /* Nothing mounted here reaches the harness's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return fail(err, errlen, "making mounts private");
    for (size_t i = 0; i < box.n_hidden; i++) {
        struct stat st;
        if (stat(box.hidden[i], &st) == 0 && !S_ISDIR(st.st_mode) &&
            mount(box.cover, box.hidden[i], NULL, MS_BIND, NULL) != 0)
            return fail(err, errlen, box.hidden[i]);
    }
    struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof ro) != 0)
        return fail(err, errlen, "making / read-only");
    char options[64];
    snprintf(options, sizeof options, "size=%dm,mode=0700", PB__SANDBOX_SCRATCH_MIB);
    if (mount("tmpfs", box.scratch, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0)
        return fail(err, errlen, "mounting the scratch tmpfs");
    return 0;
}

/* Without namespaces: a directory of its own under the scratch directory, on disk. */
static int make_run_dir(char *dir, size_t size, char *err, size_t errlen)
{
    snprintf(dir, size, "%s/%ld", box.scratch, (long)getpid());
    if (mkdir(dir, 0700) != 0)
        return fail(err, errlen, "the run's scratch directory");
    return 0;
}

/*
 * Landlock: file-system changes only beneath dir; from ABI 4 no TCP bind or connect
 * (without namespaces), from ABI 6 no abstract unix sockets or signals beyond the run's own processes. A Landlock
 * domain also refuses ptrace of, and /proc/PID access to, processes outside it. Needs
 * no_new_privs.
 */
static int enter_landlock(const char *dir, char *err, size_t errlen)
{
    struct ruleset_attr attr = {.handled_access_fs = FS_WRITES};
    size_t size = sizeof attr.handled_access_fs;
    if (box.landlock >= 2)
        attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
    if (box.landlock >= 3)
        attr.handled_access_fs |= FS_TRUNCATE;
    /* TCP too where no network namespace takes the network away. */
    if (box.landlock >= 4) {
        attr.handled_access_net = box.namespaces ? 0 : NET_BIND_TCP | NET_CONNECT_TCP;
        size = offsetof(struct ruleset_attr, scoped);
    }
    if (box.landlock >= 6) {
        attr.scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL;
        size = sizeof attr;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0)
        return fail(err, errlen, "landlock_create_ruleset");
    struct landlock_path_beneath_attr beneath = {.allowed_access = attr.handled_access_fs};
    beneath.parent_fd = open(dir, O_PATH | O_CLOEXEC);
    int rc = beneath.parent_fd >= 0 &&
                     syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                             &beneath, 0) == 0 &&
                     syscall(SYS_landlock_restrict_self, ruleset, 0) == 0
                 ? 0
                 : fail(err, errlen, "Landlock");
    if (beneath.parent_fd >= 0)
        close(beneath.parent_fd);
    close(ruleset);
    return rc;
}

/*
 * Without a network namespace: socket() refused (EACCES) for every family but AF_UNIX,
 * io_uring refused (its requests open sockets without the socket() call), and system
 * calls of another ABI (x32, or i386 through int 0x80) refused whole, as they would
 * bypass the numbers checked here. Needs no_new_privs.
 */
static int enter_seccomp(char *err, size_t errlen)
{
#ifdef SECCOMP_ARCH
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* x32's __X32_SYSCALL_BIT */, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* The family, an int: the low half of args[0] (both ABIs above are little-endian). */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]), code};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        return fail(err, errlen, "seccomp");
    return 0;
#else
    errno = ENOSYS;
    return fail(err, errlen, "seccomp (no filter for this architecture)");
#endif
}

/*
 * Root runs plugin code as nobody: root owns the files that matter most (keys, shadow
 * passwords) and RLIMIT_NPROC never binds root's real user, in any namespace. Changing
 * the user clears the parent-death signal, which is set again.
 */
static int drop_root(char *err, size_t errlen)
{
    if (geteuid() != 0)
        return 0;
    pid_t parent = getppid();
    if (setgroups(0, NULL) != 0 || setresgid(PB__SANDBOX_NOBODY, PB__SANDBOX_NOBODY,
                                             PB__SANDBOX_NOBODY) != 0 ||
        setresuid(PB__SANDBOX_NOBODY, PB__SANDBOX_NOBODY, PB__SANDBOX_NOBODY) != 0)
        return fail(err, errlen, "running as nobody");
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        errno = ESRCH;
        return fail(err, errlen, "the harness ended");
    }
    return 0;
}

/* Sets a resource limit: soft, and hard a little above it (RLIMIT_CPU's SIGXCPU comes at
 * the soft limit, its SIGKILL at the hard one; the first says why the run died). */
static int limit(int resource, rlim_t value, char *err, size_t errlen, const char *what)
{
    struct rlimit r = {value, value == RLIM_INFINITY ? value : value + 1};
    return setrlimit(resource, &r) == 0 ? 0 : fail(err, errlen, what);
}

int pb__sandbox_enter(double cpu_seconds, char *err, size_t errlen)
{
    if (!box.started)
        return 0;
    char dir[PATH_MAX + 32];
    if (drop_root(err, errlen) != 0)
        return -1;
    if (box.namespaces) {
        if (enter_namespaces(err, errlen) != 0)
            return -1;
        snprintf(dir, sizeof dir, "%s", box.scratch);
    } else if (make_run_dir(dir, sizeof dir, err, errlen) != 0) {
        return -1;
    }
    if (chdir(dir) != 0 || setenv("TMPDIR", dir, 1) != 0)
        return fail(err, errlen, "entering the scratch directory");
    /* In a user namespace of its own RLIMIT_NPROC counts this run's tasks only. */
    rlim_t cpu = cpu_seconds > 0 ? (rlim_t)ceil(cpu_seconds) : RLIM_INFINITY;
    if (limit(RLIMIT_FSIZE, (rlim_t)PB__SANDBOX_SCRATCH_MIB << 20, err, errlen, "RLIMIT_FSIZE") ||
        limit(RLIMIT_CPU, cpu, err, errlen, "RLIMIT_CPU") ||
        (box.namespaces &&
         limit(RLIMIT_NPROC, PB__SANDBOX_PROCESSES, err, errlen, "RLIMIT_NPROC")))
        return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail(err, errlen, "no_new_privs");
    if (enter_landlock(dir, err, errlen) != 0 || (!box.namespaces && enter_seccomp(err, errlen)))
        return -1;
    /* The capabilities the user namespace gave would let plugin code undo the mounts. */
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = {{0, 0, 0}};
    if (syscall(SYS_capset, &head, none) != 0)
        return fail(err, errlen, "dropping capabilities");
    return 0;
}

/* Tries the sandbox in a child. Returns 0, or -1 with the child's reason in err. */
static int try_it(char *err, size_t errlen)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return fail(err, errlen, "pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        char why[512] = "";
        close(pipefd[0]);
        if (pb__sandbox_enter(1, why, sizeof why) != 0 && write(pipefd[1], why, strlen(why)) < 0)
            _exit(2);
        _exit(why[0] ? 1 : 0);
    }
    close(pipefd[1]);
    if (pid < 0) {
        close(pipefd[0]);
        return fail(err, errlen, "fork");
    }
    ssize_t n = read(pipefd[0], err, errlen - 1);
    close(pipefd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    err[n > 0 ? n : 0] = '\0';
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (!err[0])
        snprintf(err, errlen, "sandbox: the trial child ended with status %d", status);
    return -1;
}

/* Says what is enforced into said. */
static void describe(char *said, size_t size, const char *no_namespaces)
{
    char files[PATH_MAX + 512], procs[160];
    if (box.namespaces)
        snprintf(files, sizeof files,
                 "read-only view, results and journal hidden, scratch %s (a fresh %d MiB tmpfs "
                 "per run), Landlock ABI %d: writes only there",
                 box.scratch, PB__SANDBOX_SCRATCH_MIB, box.landlock);
    else
        snprintf(files, sizeof files,
                 "Landlock ABI %d: writes only in scratch %s/PID (one per run); results and "
                 "journal NOT hidden (no mount namespace: %s)",
                 box.landlock, box.scratch, no_namespaces);
    if (box.namespaces)
        snprintf(procs, sizeof procs, "%d per run", PB__SANDBOX_PROCESSES);
    else
        snprintf(procs, sizeof procs, "the per-user RLIMIT_NPROC only (no user namespace)");
    if (geteuid() == 0)
        snprintf(procs + strlen(procs), sizeof procs - strlen(procs), ", as nobody (uid %d)",
                 PB__SANDBOX_NOBODY);
    char tcp[64] = "";
    if (!box.namespaces && box.landlock >= 4)
        snprintf(tcp, sizeof tcp, ", Landlock refuses TCP bind and connect");
    snprintf(said, size, "sandbox: network: %s%s; files: %s; processes: %s; file size: %d MiB",
             box.namespaces ? "new network namespace"
                            : "seccomp refuses sockets but AF_UNIX (no network namespace)",
             tcp, files, procs, PB__SANDBOX_SCRATCH_MIB);
}

int pb__sandbox_start(const char *const *hidden, size_t n_hidden, int flags, char *said,
                      size_t size)
{
    char why[512] = "not tried";
    if (n_hidden > MAX_HIDDEN) {
        snprintf(said, size, "sandbox: at most %d hidden files", MAX_HIDDEN);
        return -1;
    }
    memset(&box, 0, sizeof box);
    box.landlock = landlock_abi();
    if (!box.landlock) {
        snprintf(said, size, "sandbox: refused: file protection needs Landlock, which this "
                             "kernel lacks or disables (%s)",
                 strerror(errno));
        return -1;
    }
    if (!(flags & PB__SANDBOX_NO_NAMESPACES)) {
        /* Probed in a child, as the runs will be (nobody, for root): unsharing here would
         * change the harness itself. */
        pid_t pid = fork();
        if (pid == 0)
            _exit(drop_root(why, sizeof why) == 0 &&
                          unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) == 0
                      ? 0
                      : errno & 0xff);
        int status = 0;
        while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        box.namespaces = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        snprintf(why, sizeof why, "unshare: %s",
                 pid > 0 && WIFEXITED(status) ? strerror(WEXITSTATUS(status)) : "no answer");
    }
#ifdef SECCOMP_ARCH
    int seccomp = prctl(PR_GET_SECCOMP) >= 0;
#else
    int seccomp = 0;
#endif
    if (!box.namespaces && !seccomp) {
        snprintf(said, size, "sandbox: refused: network protection needs a network namespace "
                             "(%s) or seccomp (not in this kernel, or no filter for this "
                             "architecture)",
                 why);
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(box.base, sizeof box.base, "%s/plugbench-sandbox-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(box.base)) {
        snprintf(said, size, "sandbox: cannot create %s: %s", box.base, strerror(errno));
        return -1;
    }
    snprintf(box.scratch, sizeof box.scratch, "%s/scratch", box.base);
    snprintf(box.cover, sizeof box.cover, "%s/hidden", box.base);
    int cover = open(box.cover, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0);
    if (cover >= 0)
        close(cover);
    /* Root's runs, as nobody, must reach the cover and own the scratch directory. */
    if (mkdir(box.scratch, 0700) != 0 || cover < 0 || chmod(box.base, 0711) != 0 ||
        (geteuid() == 0 && chown(box.scratch, PB__SANDBOX_NOBODY, PB__SANDBOX_NOBODY) != 0)) {
        snprintf(said, size, "sandbox: cannot create %s: %s", box.scratch, strerror(errno));
        pb__sandbox_stop();
        return -1;
    }
    for (size_t i = 0; i < n_hidden; i++)
        snprintf(box.hidden[i], sizeof box.hidden[i], "%s", hidden[i]);
    box.n_hidden = n_hidden;
    box.started = 1;
    if (try_it(said, size) != 0) {
        pb__sandbox_stop();
        return -1;
    }
    /* No run may ptrace this process or open its descriptors (the journal's) through
     * /proc/PID/fd; its children inherit the setting, so no run can reach another. */
    prctl(PR_SET_DUMPABLE, 0);
    describe(said, size, why);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void pb__sandbox_stop(void)
{
    if (box.base[0])
        nftw(box.base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    /* Dumpable again, as before the start: LeakSanitizer's exit check ptraces this process. */
    if (box.started)
        prctl(PR_SET_DUMPABLE, 1);
    memset(&box, 0, sizeof box);
}
