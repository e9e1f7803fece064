/*
 * The fuzz targets' inputs as files, for parsers that read a path: an anonymous in-memory
 * file (memfd_create), so that no target writes to the file system.
 */
#ifndef PLUGBENCH_FUZZ_FILE_H
#define PLUGBENCH_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Replaces the contents of in-memory file slot (0 or 1; created on first use) with data
 * and returns its path, /proc/self/fd/N, valid until the next call for that slot. Aborts
 * when the file cannot be made: the fuzzer would test nothing.
 */
const char *pb_fuzz_file(int slot, const uint8_t *data, size_t size);

#endif
