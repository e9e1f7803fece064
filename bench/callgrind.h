/*
 * What the bench programs that count instructions share (bbob_vs_coco.c and
 * harness_overhead.c, one .c file each, so the functions are static): running the program
 * itself again under valgrind's callgrind, collecting only inside one of its loop
 * functions, and reading the count.
 */
#ifndef PLUGBENCH_BENCH_CALLGRIND_H
#define PLUGBENCH_BENCH_CALLGRIND_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A callgrind command line and the strings it points into. */
typedef struct callgrind_cmd {
    char self[4096], toggle[96], outfile[160];
    char *argv[32]; /* NULL-terminated */
} callgrind_cmd;

/*
 * Fills cmd with `valgrind -q --tool=callgrind --toggle-collect=bench_loop_<loop>
 * --callgrind-out-file=/tmp/<program>.<pid>.cg <this program> args...` (args
 * NULL-terminated, at most 24). Returns 0, or -1 when this program's path is unknown.
 */
static int callgrind_command(const char *program, const char *loop, char *const args[],
                             callgrind_cmd *cmd)
{
    ssize_t len = readlink("/proc/self/exe", cmd->self, sizeof cmd->self - 1);
    if (len <= 0)
        return -1;
    cmd->self[len] = '\0';
    snprintf(cmd->toggle, sizeof cmd->toggle, "--toggle-collect=bench_loop_%s", loop);
    snprintf(cmd->outfile, sizeof cmd->outfile, "--callgrind-out-file=/tmp/%s.%ld.cg", program,
             (long)getpid());
    char *head[] = {"valgrind", "-q", "--tool=callgrind", cmd->toggle, cmd->outfile, cmd->self};
    size_t n = 0;
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++)
        cmd->argv[n++] = head[k];
    for (size_t k = 0; args[k] && n + 1 < sizeof cmd->argv / sizeof cmd->argv[0]; k++)
        cmd->argv[n++] = args[k];
    cmd->argv[n] = NULL;
    return 0;
}

/* Reads the total instruction count ("summary:" or "totals:" line) of a callgrind file. */
static int callgrind_total(const char *path, double *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = sscanf(line, "summary: %lf", out) == 1 || sscanf(line, "totals: %lf", out) == 1;
    fclose(f);
    return found ? 0 : -1;
}

/*
 * Runs cmd with its standard output to /dev/null and returns the instructions counted, or
 * NaN with a message on stderr (naming program, and `what` the run measured) when valgrind
 * could not start or failed. Removes the callgrind file.
 */
static double callgrind_run(const callgrind_cmd *cmd, const char *program, const char *what)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, "valgrind", &fa, NULL, cmd->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "%s: cannot start valgrind: %s\n", program, strerror(rc));
        return NAN;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    double total = NAN;
    const char *path = strchr(cmd->outfile, '=') + 1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || callgrind_total(path, &total) != 0)
        fprintf(stderr, "%s: valgrind failed for %s\n", program, what);
    unlink(path);
    return total;
}

#endif
