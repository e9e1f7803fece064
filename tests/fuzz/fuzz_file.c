/* In-memory files for the fuzz targets; see fuzz_file.h. */
#include "fuzz_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

const char *pb_fuzz_file(int slot, const uint8_t *data, size_t size)
{
    static int fd[2] = {-1, -1};
    static char path[2][64];
    if (fd[slot] < 0) {
        fd[slot] = memfd_create("plugbench-fuzz", MFD_CLOEXEC);
        if (fd[slot] < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path[slot], sizeof path[slot], "/proc/self/fd/%d", fd[slot]);
    }
    if (ftruncate(fd[slot], 0) != 0 || pwrite(fd[slot], data, size, 0) != (ssize_t)size) {
        perror("fuzz file");
        abort();
    }
    return path[slot];
}
