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

#endif
