/*
 * Where the runs' memory cgroups go (cgroup.h): this process's cgroup read from the text of
 * /proc/self/cgroup and found in that of /proc/self/mountinfo, for machines other than this
 * one: a pure cgroup v2 one (as Debian 12 boots), a hybrid one with the memory controller on
 * v1 (as the project's machines are), v1 hierarchies with several controllers, and a
 * container that sees its own subtree mounted as the root. Each expected directory is
 * written out by hand from the text. Before this test, a v2 line ("0::/path") was never
 * recognised, so the v2 path was never taken.
 */
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "check.h"

/* The text of a cgroup v2 mount, and of v1 mounts of the memory and pids controllers. */
#define PROC_MOUNTS "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
#define V2_AT(root, point)                                                                  \
    "30 23 0:27 " root " " point " rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"

/*
 * Checks that the process of proc_cgroup (the text of /proc/PID/cgroup) is, in the
 * hierarchy of controller (v2 when NULL), at path want_path and, given mountinfo, in
 * directory want_dir of the mount of fstype; NULL wants: none found.
 */
static void expect(const char *proc_cgroup, const char *mountinfo, const char *fstype,
                   const char *controller, const char *want_path, const char *want_dir)
{
    char path[PATH_MAX] = "", dir[PATH_MAX] = "";
    FILE *f = fmemopen((void *)proc_cgroup, strlen(proc_cgroup), "r");
    int rc = pb__cgroup_own(f, controller, path, sizeof path);
    fclose(f);
    const char *name = controller ? controller : "v2";
    if (!want_path) {
        CHECK(rc == -1, "%s: found '%s', want none", name, path);
        return;
    }
    CHECK(rc == 0 && strcmp(path, want_path) == 0, "%s: path '%s' (rc %d), want '%s'", name,
          path, rc, want_path);
    f = fmemopen((void *)mountinfo, strlen(mountinfo), "r");
    rc = pb__cgroup_dir(f, fstype, controller, want_path, dir, sizeof dir);
    fclose(f);
    if (want_dir)
        CHECK(rc == 0 && strcmp(dir, want_dir) == 0, "%s: dir '%s' (rc %d), want '%s'", name,
              dir, rc, want_dir);
    else
        CHECK(rc == -1, "%s: dir '%s' of '%s', want none", name, dir, want_path);
}

int main(void)
{
    /* Pure v2: one line, "0::/path"; no v1 hierarchy. */
    const char *v2 = "0::/bench\n";
    const char *v2_mounts = PROC_MOUNTS V2_AT("/", "/sys/fs/cgroup");
    expect(v2, v2_mounts, "cgroup2", NULL, "/bench", "/sys/fs/cgroup/bench");
    expect("0::/\n", v2_mounts, "cgroup2", NULL, "/", "/sys/fs/cgroup");
    expect(v2, v2_mounts, "cgroup", "memory", NULL, NULL);

    /* Hybrid, as on the project's machines: v2 mounted without controllers beside v1
     * hierarchies of one or more controllers each, and a named one (name=systemd). */
    const char *hybrid = "9:name=systemd:/\n"
                         "8:pids:/job\n"
                         "4:memory:/process_api/08d0\n"
                         "2:cpu,cpuacct:/c\n"
                         "0::/u\n";
    const char *hybrid_mounts =
        PROC_MOUNTS
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
    expect(hybrid, hybrid_mounts, "cgroup2", NULL, "/u", "/sys/fs/cgroup/unified/u");
    expect(hybrid, hybrid_mounts, "cgroup", "memory", "/process_api/08d0",
           "/sys/fs/cgroup/memory/process_api/08d0");
    expect(hybrid, hybrid_mounts, "cgroup", "pids", "/job", "/sys/fs/cgroup/pids/job");
    expect(hybrid, hybrid_mounts, "cgroup", "cpuacct", "/c", "/sys/fs/cgroup/cpu,cpuacct/c");
    /* A controller's name is a whole word of the list: "cpu" is not "cpuset". */
    expect("3:cpuset:/s\n", hybrid_mounts, "cgroup", "cpu", NULL, NULL);
    /* v1 only: no v2 line. */
    expect("4:memory:/m\n", hybrid_mounts, "cgroup2", NULL, NULL, NULL);

    /* A container that sees its subtree /docker/abc mounted as /sys/fs/cgroup (no cgroup
     * namespace): its paths are below that root; one outside it is in no mount it sees. */
    const char *inside = PROC_MOUNTS V2_AT("/docker/abc", "/sys/fs/cgroup");
    expect("0::/docker/abc\n", inside, "cgroup2", NULL, "/docker/abc", "/sys/fs/cgroup");
    expect("0::/docker/abc/job\n", inside, "cgroup2", NULL, "/docker/abc/job",
           "/sys/fs/cgroup/job");
    expect("0::/docker/abcd\n", inside, "cgroup2", NULL, "/docker/abcd", NULL);
    return check_summary("cgroup-paths");
}
