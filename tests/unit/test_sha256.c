/* SHA-256 against the FIPS 180-4 example digests, and the file variant against the buffer one. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sha256.h"

int main(void)
{
    char hex[65];
    pb__sha256_hex("", 0, hex);
    CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0, "%s", hex);
    pb__sha256_hex("abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0, "%s", hex);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    pb__sha256_hex(two, strlen(two), hex);
    CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0, "%s", hex);
    /* One million 'a': many blocks, and a length that crosses the padding boundary. */
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    pb__sha256_hex(a, 1000000, hex);
    CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0, "%s", hex);
    char path[] = "/tmp/pb_sha_XXXXXX", file_hex[65];
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "wb");
    fwrite(a, 1, 1000000, f);
    fclose(f);
    CHECK(pb__sha256_file(path, file_hex) == 0 && strcmp(file_hex, hex) == 0, "%s", file_hex);
    remove(path);
    CHECK(pb__sha256_file("/nonexistent/file", file_hex) == -1, "missing file must fail");
    free(a);
    return check_summary("sha256");
}
