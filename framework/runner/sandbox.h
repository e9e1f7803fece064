/*
 * The sandbox for untrusted plugins (plugbench run --sandbox, check --sandbox). Once
 * started in the harness, every child that runs plugin code -- the probe children of the
 * loader and the run children of the isolation layer -- enters it before any plugin code
 * runs (pb__sandbox_enter), so that a run can neither reach the network, write outside a
 * scratch directory of its own, read the results being written, nor start more than a few
 * processes. What is enforced depends on the machine, and pb__sandbox_start says what:
 *
 *   network    a new user and network namespace (no interface but a loopback that is
 *              down); without one, a seccomp filter that refuses socket() for every
 *              family but AF_UNIX (and io_uring, which could open sockets around it),
 *              and Landlock (ABI 4) TCP bind and connect;
 *   files      Landlock: writes (and creating, removing, renaming, truncating files) only
 *              beneath the run's scratch directory, and no ptrace of, /proc/PID access to
 *              or signals to processes outside the run; with the namespaces also a mount
 *              namespace: the whole tree read-only, the hidden files (the results file and
 *              its journal) covered by an unreadable file, and the scratch directory a
 *              fresh tmpfs of PB__SANDBOX_SCRATCH_MIB per run; without them the scratch is
 *              a directory on disk per run, and the hidden files stay readable;
 *   limits     RLIMIT_FSIZE of PB__SANDBOX_SCRATCH_MIB, RLIMIT_CPU of the run's timeout,
 *              and (in a user namespace, which RLIMIT_NPROC then counts alone, root
 *              included) PB__SANDBOX_PROCESSES tasks per run.
 * A harness run by root runs plugin code as nobody (PB__SANDBOX_NOBODY), since root owns
 * the files that matter most and RLIMIT_NPROC never binds root; the plugin, its data and
 * the parent directories must then be readable by others.
 * The run's working directory and $TMPDIR are its scratch directory. The harness itself
 * becomes non-dumpable, so that no run can ptrace it or open its descriptors through /proc.
 * Pathname AF_UNIX sockets (a daemon's socket file) stay reachable where the file is.
 */
#ifndef PLUGBENCH_SANDBOX_H
#define PLUGBENCH_SANDBOX_H

#include <stddef.h>

#define PB__SANDBOX_PROCESSES 64   /* tasks per run, its first process included */
#define PB__SANDBOX_SCRATCH_MIB 64 /* the scratch tmpfs, and the largest file a run writes */
#define PB__SANDBOX_NOBODY 65534   /* the user and group root's runs run as */

/* For the tests: start without namespaces, as on a machine that refuses them. */
#define PB__SANDBOX_NO_NAMESPACES 1

/*
 * Starts the sandbox for the children this process starts from now on: finds what the
 * machine enforces, creates the scratch directory under $TMPDIR (or /tmp), tries it in a
 * child, and makes this process non-dumpable. hidden[0..n_hidden) are files no run may
 * read (copied; each is covered when it exists as a child starts). flags: 0 or
 * PB__SANDBOX_NO_NAMESPACES. Returns 0 with one line in said saying what is enforced and
 * what is not (and why) -- but for the CPU and memory limits, which are the caller's --,
 * or -1 with the reason in said (nothing is started then): "sandbox: refused: ..." when
 * the machine lacks what network or file protection needs (Landlock; namespaces or
 * seccomp), else what failed.
 */
int pb__sandbox_start(const char *const *hidden, size_t n_hidden, int flags, char *said,
                      size_t size);

/*
 * In a child forked from the harness, before any plugin code: enters the sandbox when it
 * is started, with a CPU-time limit of cpu_seconds (rounded up; 0 = none), else does
 * nothing. Returns 0, or -1 with the reason in err: the child must then not run plugin
 * code.
 */
int pb__sandbox_enter(double cpu_seconds, char *err, size_t errlen);

/* Removes the scratch directory (what runs left in it too), makes this process dumpable
 * again and forgets the sandbox. */
void pb__sandbox_stop(void);

#endif
