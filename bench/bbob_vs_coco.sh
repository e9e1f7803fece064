#!/bin/sh
# bbob evaluation throughput, plugbench against COCO's C implementation (bench/README.md).
#
#   bench/bbob_vs_coco.sh COCO_DIR [BUILD_DIR] [bbob_vs_coco options...]
#
# COCO_DIR is either a checkout of COCO (numbbo/coco-experiment; its src/ is amalgamated
# into one coco.c here, as COCO's own build does) or a directory holding an amalgamated
# coco.c and coco.h. Nothing is downloaded. BUILD_DIR (default build/) is a configured
# plugbench build directory: its libplugbench is brought up to date and linked. The rest
# of the arguments go to the program (--help lists them; --callgrind counts instructions).
#
# The program and coco.c are compiled with the code-generation flags meson's default
# (debugoptimized) build gives libplugbench's sources: -std=c11 -O2 -g -D_GNU_SOURCE, without
# the -fPIC that only a shared library needs (plugbench's sources compiled into the
# program without it give the same instruction counts). Override with BBOB_VS_COCO_CFLAGS. Work files go to BUILD_DIR/bbob_vs_coco/. Set COCO_VERSION to name
# the version of a checkout that has no src/coco_version.c and no git metadata.
set -eu

usage() {
    echo "usage: $0 COCO_DIR [BUILD_DIR] [bbob_vs_coco options...]" >&2
    exit 2
}
[ $# -ge 1 ] || usage
case $1 in -*) usage ;; esac
COCO_DIR=$1
shift
SRC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$SRC_ROOT/build
if [ $# -ge 1 ]; then
    case $1 in -*) ;; *) BUILD_DIR=$1; shift ;; esac
fi
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
CC=${CC:-cc}
CFLAGS=${BBOB_VS_COCO_CFLAGS:--std=c11 -O2 -g -D_GNU_SOURCE}
WORK=$BUILD_DIR/bbob_vs_coco
mkdir -p "$WORK"

# COCO's amalgamation rule (scripts/fabricate in coco-experiment): the files are copied in
# order, and each line `#include "NAME"` is replaced by the file NAME (relative to the
# including file's directory) the first time that file is met, and dropped after that.
# Line ends are written as \n (Python's text mode, which COCO's script reads files in).
amalgamate() {
    out=$1
    shift
    awk '
        function process(file,    line, dir, name, rc) {
            if (file in done)
                return
            done[file] = 1
            dir = file
            sub(/\/[^\/]*$/, "", dir)
            while ((rc = (getline line < file)) > 0) {
                sub(/\r$/, "", line)
                if (match(line, /^#include ".*"/)) {
                    name = dir "/" substr(line, 11, RLENGTH - 11)
                    if (!(name in done))
                        process(name)
                } else {
                    print line
                }
            }
            if (rc < 0) {
                print "amalgamate: cannot read " file > "/dev/stderr"
                exit 1
            }
            close(file)
        }
        BEGIN {
            for (i = 1; i < ARGC; i++)
                process(ARGV[i])
            exit 0
        }' "$@" >"$out.tmp"
    mv "$out.tmp" "$out"
}

if [ -f "$COCO_DIR/src/coco_suite.c" ]; then
    S=$COCO_DIR/src
    VERSION_C=$S/coco_version.c
    if [ ! -f "$VERSION_C" ]; then
        # COCO's build writes this file from `git describe --tags`; do the same.
        v=${COCO_VERSION:-$(git -C "$COCO_DIR" describe --tags 2>/dev/null | sed 's/^v//' || true)}
        VERSION_C=$WORK/coco_version.c
        printf 'const char *coco_version = "%s";\n' "${v:-unknown}" >"$VERSION_C"
    fi
    mkdir -p "$WORK/coco"
    amalgamate "$WORK/coco/coco.c" "$S/coco_random.c" "$S/coco_suite.c" "$S/coco_observer.c" \
        "$S/coco_archive.c" "$VERSION_C" "$S/coco_runtime_c.c"
    amalgamate "$WORK/coco/coco.h" "$S/coco.h"
    COCO_AMALG=$WORK/coco
    echo "COCO: amalgamated $S into $COCO_AMALG/coco.c"
elif [ -f "$COCO_DIR/coco.c" ] && [ -f "$COCO_DIR/coco.h" ]; then
    COCO_AMALG=$(cd "$COCO_DIR" && pwd)
    echo "COCO: $COCO_AMALG/coco.c"
else
    echo "$0: $COCO_DIR holds neither src/coco_suite.c (a COCO checkout) nor coco.c and coco.h" >&2
    exit 2
fi

# plugbench: the shared library as the build directory makes it.
meson compile -C "$BUILD_DIR" plugbench:shared_library >"$WORK/meson.log" 2>&1 || {
    cat "$WORK/meson.log" >&2
    echo "$0: could not build libplugbench in $BUILD_DIR" >&2
    exit 2
}
LIB_DIR=$BUILD_DIR/framework
echo "plugbench: $LIB_DIR/libplugbench.so"
echo "flags (coco.c and bbob_vs_coco.c): $CFLAGS"
PB_FLAGS=$(grep -o '"command": "[^"]*problems/blackbox/bbob.c"' "$BUILD_DIR/compile_commands.json" |
    tr ' ' '\n' | grep -E '^-(O|g$|std|fPIC|fpic|D_GNU|march|mtune|ffast)' | tr '\n' ' ' || true)
echo "flags (libplugbench's bbob.c, from meson): ${PB_FLAGS:-unknown}"

# $CFLAGS is split into words on purpose.
# shellcheck disable=SC2086
"$CC" $CFLAGS -w -c "$COCO_AMALG/coco.c" -o "$WORK/coco.o"
# shellcheck disable=SC2086
"$CC" $CFLAGS -Wall -Wextra -DBENCH_CFLAGS="\"$CFLAGS\"" \
    -I"$COCO_AMALG" -I"$SRC_ROOT/framework/problems" -I"$SRC_ROOT/framework/runner" -I"$SRC_ROOT/framework/analysis" \
    -I"$SRC_ROOT/framework/include" \
    -c "$SRC_ROOT/bench/bbob_vs_coco.c" -o "$WORK/bbob_vs_coco.o"
"$CC" "$WORK/bbob_vs_coco.o" "$WORK/coco.o" -o "$WORK/bbob_vs_coco" \
    -L"$LIB_DIR" -Wl,-rpath,"$LIB_DIR" -lplugbench -lplugbench_analysis -lcjson -lm
echo
exec "$WORK/bbob_vs_coco" "$@"
