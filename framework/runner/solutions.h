/*
 * Saved solutions (run --save-solutions): the side file next to a results file, and the
 * reference to it in a run's record (docs/results-schema.md, "Saved solutions").
 *
 * The side file RESULTS.solutions is a concatenation of entries, one per run, appended and
 * synced before the run's record is journaled, never rewritten (so --resume keeps the
 * entries of the runs it keeps). An entry is a 32-byte header and its values:
 *
 *   offset size  field
 *   0      6     magic "PBSOLN"
 *   6      2     version, 1 (uint16)
 *   8      4     byte order mark 0x01020304 (uint32), in the writer's byte order, which
 *                every multi-byte field of the entry is in
 *   12     4     dtype, 1 = IEEE 754 binary64 (uint32)
 *   16     8     rows (uint64): 1 (the final solution) or one per trace point
 *   24     8     length (uint64): values per row, the problem's solution length
 *   32     8 * rows * length   the values, row after row
 *
 * The record's "solution" object names the file (its name only, in the results file's
 * directory), the entry's offset and bytes, and the sha256 of those bytes.
 *
 * Ownership: every cJSON and array returned here is the caller's.
 */
#ifndef PLUGBENCH_SOLUTIONS_H
#define PLUGBENCH_SOLUTIONS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define PB__SOLUTIONS_HEADER 32
#define PB__SOLUTIONS_SUFFIX ".solutions"

/*
 * Appends the entry of rows x length values to the side file open at fd, in one write,
 * and syncs it. Returns 0 and the reference to put in the record under "solution" (name:
 * the side file's name, without directory; per_point: one row per trace point), or NULL
 * with errno set; a write that falls short is cut back off.
 */
cJSON *pb__solutions_append(int fd, const char *name, const double *values, uint64_t rows,
                            uint64_t length, int per_point);

/*
 * Reads the entry that ref (a record's "solution" with a "file") names, in directory dir:
 * checks its bytes' sha256 against ref's first, then its header. Returns 0 with *values
 * (malloc'd), *rows and *length; or -1 with a message in err; *sha_mismatch is set to 1
 * when the bytes are there but their sha256 is not ref's.
 */
int pb__solutions_read(const char *dir, const cJSON *ref, double **values, uint64_t *rows,
                       uint64_t *length, int *sha_mismatch, char *err, size_t errlen);

#endif
