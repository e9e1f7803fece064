/*
 * Memory cgroups for runs. RLIMIT_AS bounds address space, not memory: pages of a memfd, of
 * shared memory and of tmpfs files are outside it, and reserved but untouched address space
 * counts against it. A memory cgroup charges every page a run faults in, those included, to
 * the run. Where this process may make cgroups below its own (cgroup v2 with the memory
 * controller delegated to it, else the v1 memory hierarchy), each run gets one: its memory
 * limit (swap included where the kernel accounts swap), a task limit where the pids
 * controller is usable too, and its peak charge as the run's max_rss_mib. Where none can be
 * made, the caller falls back to RLIMIT_AS.
 *
 * Cgroups are named plugbench-<pid of the harness>-<serial>; under v2 the harness itself moves
 * into a leaf plugbench-<pid> of its cgroup when that is the only way to enable the
 * controllers below it (a v2 cgroup with processes in it cannot have controllers enabled for
 * its children). A harness killed with SIGKILL leaves its cgroups behind: the next
 * pb__cgroups_open kills what is left in those of dead processes and removes them.
 */
#ifndef PLUGBENCH_CGROUP_H
#define PLUGBENCH_CGROUP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Where the runs' cgroups are made, found by pb__cgroups_open. */
typedef struct pb__cgroups {
    int version;             /* 2 or 1; 0 when no memory cgroup can be made here */
    char memory[PATH_MAX];   /* the directory the runs' memory cgroups are made in */
    char pids[PATH_MAX];     /* where the runs' pids cgroups are made (v2: memory's, the
                              * same cgroups); "" without a usable pids controller */
    char why[256];           /* version 0: why not, for the user */
} pb__cgroups;

/* One run's cgroup, from pb__cgroup_make to pb__cgroup_end. */
typedef struct pb__cgroup {
    int version;             /* 0: none made */
    char memory[PATH_MAX];
    char pids[PATH_MAX];     /* v1 only; "" when none */
    int go[2];               /* a socket pair: the child waits on go[0] until the parent
                              * has placed it */
    int placed;              /* the child is in it: its peak is the run's */
    double peak_mib;         /* after pb__cgroup_end: the peak charge, or -1 when unknown */
    int oom_killed;          /* after pb__cgroup_end: the kernel killed a task at the limit */
} pb__cgroup;

/*
 * From f, the text of a /proc/PID/cgroup: the process's cgroup path (as "/a/b") in the v1
 * hierarchy whose controllers include controller, or in the v2 hierarchy ("0::/a/b") when
 * controller is NULL, into path. Returns 0, or -1 when f names none. Apart from
 * pb__cgroups_open, for tests that hand it other machines' files.
 */
int pb__cgroup_own(FILE *f, const char *controller, char *path, size_t size);

/*
 * From f, the text of a /proc/PID/mountinfo: the directory of the cgroup path (as
 * pb__cgroup_own gives it) in a mount of fstype ("cgroup2", or "cgroup" with controller among
 * its options), into dir. Returns 0, or -1 when no such mount shows that cgroup.
 */
int pb__cgroup_dir(FILE *f, const char *fstype, const char *controller, const char *path,
                   char *dir, size_t size);

/*
 * Finds where this process can make memory cgroups and removes those left by dead
 * harnesses. Fills cg; cg->version is 0 (and cg->why says why) when it cannot. Under v2 it
 * may move this process into a leaf cgroup of its own (see above).
 */
void pb__cgroups_open(pb__cgroups *cg);

/*
 * One line for the user and the results' context: which memory limit of memory_bytes
 * (0: none) runs get, and what max_rss_mib then measures.
 */
void pb__cgroups_describe(const pb__cgroups *cg, uint64_t memory_bytes, char *buf, size_t size);

/*
 * Before the fork: makes a run's cgroup under cg with a memory limit of memory_bytes (0:
 * none) and at most tasks tasks, and the pipe its child waits on. Returns 0, or -1 (and
 * run->version 0) when cg has none or it could not be made: the run then goes without.
 */
int pb__cgroup_make(const pb__cgroups *cg, uint64_t memory_bytes, uint64_t tasks,
                    pb__cgroup *run);

/*
 * In the child, before any plugin code: waits until the parent has placed it. Returns 1
 * when it is in its cgroup, 0 when it has none; exits when the parent is gone.
 */
int pb__cgroup_await(pb__cgroup *run);

/*
 * In the parent, after the fork: moves the child pid into run's cgroup and lets it go on.
 * When that fails the cgroup is removed and the child goes on without one. Returns 0 or -1.
 */
int pb__cgroup_attach(pb__cgroup *run, pid_t pid);

/*
 * After the run's child was reaped (or its fork failed): kills whatever is left in its
 * cgroup, reads its peak and whether the kernel's OOM killer struck, and removes it.
 * Without a cgroup, sets peak_mib to -1 and oom_killed to 0.
 */
void pb__cgroup_end(pb__cgroup *run);

#endif
