/* The saved-solutions side file; see solutions.h. */
#include "solutions.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"

static const char magic[6] = {'P', 'B', 'S', 'O', 'L', 'N'};
#define VERSION 1
#define BYTE_ORDER_MARK 0x01020304u
#define DTYPE_F64 1
/* Counts in records are JSON numbers: exact up to 2^53. */
#define MAX_COUNT 9007199254740992.0

cJSON *pb__solutions_append(int fd, const char *name, const double *values, uint64_t rows,
                            uint64_t length, int per_point)
{
    uint64_t n = rows * length;
    if (length == 0 || n / length != rows || n > (SIZE_MAX - PB__SOLUTIONS_HEADER) / 8) {
        errno = EFBIG;
        return NULL;
    }
    size_t bytes = PB__SOLUTIONS_HEADER + (size_t)n * sizeof(double);
    unsigned char *entry = malloc(bytes);
    struct stat st;
    if (!entry || fstat(fd, &st) != 0) {
        if (!entry)
            errno = ENOMEM;
        free(entry);
        return NULL;
    }
    uint16_t version = VERSION;
    uint32_t bom = BYTE_ORDER_MARK, dtype = DTYPE_F64;
    memcpy(entry, magic, 6);
    memcpy(entry + 6, &version, 2);
    memcpy(entry + 8, &bom, 4);
    memcpy(entry + 12, &dtype, 4);
    memcpy(entry + 16, &rows, 8);
    memcpy(entry + 24, &length, 8);
    memcpy(entry + PB__SOLUTIONS_HEADER, values, (size_t)n * sizeof(double));
    /* As the journal appends (records.c): one write, cut back when it falls short, so that
     * the file holds whole entries only and a record never names a torn one. */
    ssize_t w = write(fd, entry, bytes);
    if (w >= 0 && (size_t)w < bytes)
        errno = ENOSPC;
    if (w < 0 || (size_t)w < bytes || fsync(fd) != 0) {
        int e = errno;
        (void)!ftruncate(fd, st.st_size);
        free(entry);
        errno = e;
        return NULL;
    }
    char sha[65];
    pb__sha256_hex(entry, bytes, sha);
    free(entry);
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, "file", name);
    cJSON_AddNumberToObject(ref, "offset", (double)st.st_size);
    cJSON_AddNumberToObject(ref, "bytes", (double)bytes);
    cJSON_AddStringToObject(ref, "sha256", sha);
    cJSON_AddNumberToObject(ref, "rows", (double)rows);
    cJSON_AddNumberToObject(ref, "length", (double)length);
    cJSON_AddStringToObject(ref, "points", per_point ? "trace" : "final");
    return ref;
}

/* ref's member name as a count in [0, 2^53], or -1. */
static double count_of(const cJSON *ref, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ref, name);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= MAX_COUNT) ||
        v->valuedouble != floor(v->valuedouble))
        return -1;
    return v->valuedouble;
}

int pb__solutions_read(const char *dir, const cJSON *ref, double **values, uint64_t *rows,
                       uint64_t *length, int *sha_mismatch, char *err, size_t errlen)
{
    *values = NULL;
    *sha_mismatch = 0;
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(ref, "file");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(ref, "sha256");
    double offset = count_of(ref, "offset"), bytes = count_of(ref, "bytes");
    /* Results files come from strangers: the name is a plain file name in dir, no path. */
    if (!cJSON_IsString(file) || !file->valuestring[0] || strchr(file->valuestring, '/') ||
        strcmp(file->valuestring, ".") == 0 || strcmp(file->valuestring, "..") == 0 ||
        strlen(file->valuestring) > NAME_MAX) {
        snprintf(err, errlen, "its solution's \"file\" is not a plain file name");
        return -1;
    }
    if (!cJSON_IsString(sha) || strlen(sha->valuestring) != 64 ||
        strspn(sha->valuestring, "0123456789abcdef") != 64 || offset < 0 ||
        bytes < PB__SOLUTIONS_HEADER) {
        snprintf(err, errlen, "its solution reference lacks a valid offset, bytes or sha256");
        return -1;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, file->valuestring);
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    if (offset + bytes > (double)st.st_size) {
        snprintf(err, errlen, "%s holds %lld bytes, not the %.0f at offset %.0f the record "
                              "names (truncated, or not this results file's)",
                 path, (long long)st.st_size, bytes, offset);
        fclose(f);
        return -1;
    }
    unsigned char *entry = malloc((size_t)bytes);
    int ok = entry && fseeko(f, (off_t)offset, SEEK_SET) == 0 &&
             fread(entry, 1, (size_t)bytes, f) == (size_t)bytes;
    fclose(f);
    if (!ok) {
        snprintf(err, errlen, "cannot read %s: %s", path, entry ? "read failed" : "out of memory");
        free(entry);
        return -1;
    }
    char got[65];
    pb__sha256_hex(entry, (size_t)bytes, got);
    if (strcmp(got, sha->valuestring) != 0) {
        *sha_mismatch = 1;
        snprintf(err, errlen, "%s at offset %.0f: sha256 %s, but the record says %s (the file "
                              "changed since the run, or is another results file's)",
                 path, offset, got, sha->valuestring);
        free(entry);
        return -1;
    }
    uint16_t version;
    uint32_t bom, dtype;
    uint64_t r, n;
    memcpy(&version, entry + 6, 2);
    memcpy(&bom, entry + 8, 4);
    memcpy(&dtype, entry + 12, 4);
    memcpy(&r, entry + 16, 8);
    memcpy(&n, entry + 24, 8);
    int swap = bom == __builtin_bswap32(BYTE_ORDER_MARK);
    if (swap) {
        version = __builtin_bswap16(version);
        dtype = __builtin_bswap32(dtype);
        r = __builtin_bswap64(r);
        n = __builtin_bswap64(n);
    }
    const char *bad = memcmp(entry, magic, 6) != 0                   ? "no PBSOLN magic"
                      : version != VERSION                           ? "an unknown version"
                      : bom != BYTE_ORDER_MARK && !swap              ? "no byte order mark"
                      : dtype != DTYPE_F64                           ? "an unknown dtype"
                      : n == 0 || r == 0 || r > (uint64_t)bytes / 8 / n ||
                                (double)(PB__SOLUTIONS_HEADER + 8 * r * n) != bytes
                          ? "rows and length that do not fill its bytes"
                          : NULL;
    if (bad) {
        snprintf(err, errlen, "%s at offset %.0f: the entry has %s", path, offset, bad);
        free(entry);
        return -1;
    }
    /* The values move to the front, in this machine's byte order. */
    memmove(entry, entry + PB__SOLUTIONS_HEADER, (size_t)(8 * r * n));
    for (uint64_t i = 0; swap && i < r * n; i++) {
        uint64_t v;
        memcpy(&v, entry + 8 * i, 8);
        v = __builtin_bswap64(v);
        memcpy(entry + 8 * i, &v, 8);
    }
    *values = (double *)(void *)entry;
    *rows = r;
    *length = n;
    return 0;
}
