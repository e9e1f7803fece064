/* Reading a whole file into memory: results files and journals here, data sets in problems/. */
#ifndef PLUGBENCH_READFILE_H
#define PLUGBENCH_READFILE_H

#include <stddef.h>

/*
 * Reads the whole file at path into a NUL-terminated buffer, the caller's to free, and its
 * length (without the NUL) into *len. Returns NULL with errno set when the file cannot be
 * opened (fopen's errno), read (EIO) or held in memory (ENOMEM).
 */
char *pb__read_file(const char *path, size_t *len);

/*
 * pb__read_file for a file that may be absent: returns 1 with the text (the caller's to
 * free) in *text and its length in *len, 0 with *text NULL when there is no such file, or
 * -1 with "PATH: reason" in err when it cannot be read.
 */
int pb__read_file_if_any(const char *path, char **text, size_t *len, char *err,
                         size_t errlen);

#endif
