/*
 * What the tests learn about processes from /proc: whether one is gone, and a child of
 * another. Linux only, as the isolation layer is.
 */
#ifndef PLUGBENCH_TEST_PROCS_H
#define PLUGBENCH_TEST_PROCS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* The state letter and parent of process pid from /proc/PID/stat; 0 when it is gone. */
static inline char proc_state(long pid, long *parent)
{
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    /* "pid (comm) state ppid ...": the last ')' ends comm, whatever it holds. */
    const char *end = strrchr(stat, ')');
    char state = 0;
    long ppid = 0;
    if (!end || sscanf(end + 1, " %c %ld", &state, &ppid) != 2)
        return 0;
    if (parent)
        *parent = ppid;
    return state;
}

/* 1 when process pid is gone, or a zombie (dead, not yet reaped by its parent). */
static inline int proc_gone(long pid)
{
    char state = proc_state(pid, NULL);
    return state == 0 || state == 'Z' || state == 'X';
}

/* A living child of process parent, or 0 when it has none. */
static inline long proc_child_of(long parent)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    long found = 0;
    while (proc && !found && (e = readdir(proc)) != NULL) {
        long pid = atol(e->d_name), ppid = 0;
        char state = pid > 0 ? proc_state(pid, &ppid) : 0;
        if (state && state != 'Z' && ppid == parent)
            found = pid;
    }
    if (proc)
        closedir(proc);
    return found;
}

#endif
