/* SHA-256 (FIPS 180-4) of a file, for recording exactly which plugin binary ran. */
#ifndef PLUGBENCH_SHA256_H
#define PLUGBENCH_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Digest of len bytes as 64 lowercase hex digits and a NUL in hex. */
void pb__sha256_hex(const void *data, size_t len, char hex[65]);

/* Digest of the file at path; returns 0, or -1 (errno set) when it cannot be read. */
int pb__sha256_file(const char *path, char hex[65]);

#endif
