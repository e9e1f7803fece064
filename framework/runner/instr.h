/*
 * Instruction counts under Valgrind's callgrind: a figure that, unlike time, does not move
 * with the load of the machine, so that a gate on it cannot flake.
 *
 * A command that counts (run --count-instructions, bench --instructions) starts itself again
 * as `valgrind --tool=callgrind --collect-atstart=no --instr-atstart=no
 * --callgrind-out-file=DIR/callgrind.%p` (pb__instr_launch) and waits for it. In that inner
 * process nothing is counted except between pb__instr_begin and pb__instr_end, which wrap
 * the plugin's own calls; the first pb__instr_begin of a process also switches callgrind's
 * instrumentation on, so that the harness around it runs at Valgrind's uninstrumented speed.
 * Forked run children inherit the state and write their own DIR/callgrind.<pid> when they
 * exit; the parent reads it after reaping the child (pb__instr_collect). bench reads its own
 * dumps (pb__instr_dump).
 *
 * Outside callgrind the wrappers cost one test of a global. A build without
 * valgrind/callgrind.h (PB_HAVE_CALLGRIND undefined) has no client requests: it never counts,
 * and says so.
 */
#ifndef PLUGBENCH_INSTR_H
#define PLUGBENCH_INSTR_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Names the valgrind executable (a path, or a name looked up in PATH); default "valgrind". */
#define PB__INSTR_VALGRIND_ENV "PLUGBENCH_VALGRIND"

/* Set (to 1) in the process that counts; inherited by its forked children. */
extern int pb__instr_active;

/* The callgrind client request that toggles collection (instr.c); only when active. */
void pb__instr_toggle(void);

/* Around exactly the calls to count: collection on, then off again. */
static inline void pb__instr_begin(void)
{
    if (pb__instr_active)
        pb__instr_toggle();
}
static inline void pb__instr_end(void)
{
    if (pb__instr_active)
        pb__instr_toggle();
}

/*
 * Called first by a command that counts, with its argc/argv. In the process that
 * pb__instr_launch started under callgrind: makes it count (pb__instr_active) and returns
 * -1. Elsewhere: runs argv again under callgrind and returns that process's exit status
 * (the command's own, to be returned as is), or, when that cannot be done (no valgrind, a
 * build without callgrind.h, no temporary directory), keeps the reason (pb__instr_reason,
 * pb__instr_context) and returns -1: the command then goes on without counting.
 */
int pb__instr_launch(int argc, char **argv);

/* Why this process does not count, as a phrase ("valgrind not found ..."). */
const char *pb__instr_reason(void);

/*
 * Reads the count of the run child pid, which has been reaped, from its callgrind dump and
 * removes the file. Returns the instructions, or -1 when not counting or the child left no
 * complete dump (it was killed).
 */
double pb__instr_collect(long pid);

/* Zeroes this process's counts (bench: before a kernel's measured call). */
void pb__instr_zero(void);

/*
 * Dumps the counts since the last pb__instr_zero (callgrind writes DIR/callgrind.<pid>.<n>),
 * reads the total back and removes the file. Returns it, or -1 when not counting or the
 * file cannot be read.
 */
double pb__instr_dump(void);

/*
 * The "instructions" member of a results context, a new object (NULL when out of memory):
 * {"counter": "callgrind", "counted": what} when counting, else {"counter": null,
 * "reason": why}.
 */
cJSON *pb__instr_context(void);

#endif
