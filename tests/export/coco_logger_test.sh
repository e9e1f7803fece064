#!/usr/bin/env bash
# plugbench export --format coco against COCO's own bbob logger, line for line.
#
#   usage: coco_logger_test.sh PLUGBENCH_EXE BUILD_ROOT SOURCE_DIR
#
# Needs COCO's amalgamated C sources, coco.c and coco.h, named by $PLUGBENCH_COCO_DIR (that
# folder, or the checkout's root); skipped (exit 77) without them. The export follows the
# logger of the current COCO, github numbbo/coco-experiment (`python3 scripts/fabricate`
# there writes build/c/coco.c; checked with 0.0.1-dev0); COCO 2.x (numbbo/coco, `python
# do.py build-c`, code-experiments/build/c) logs .dat lines at other targets and fails here.
# COCO is never part of plugbench: the test builds SOURCE_DIR/coco_driver.c against it with
# $CC (default cc), runs the sweep sequence (sweep_points.h) through COCO's observer on
# bbob f1, f8 and f12 (in d5 its errors fall by small steps from 1e7: the linear targets),
# dimensions 2 and 5, instances 1 and 2, 500 evaluations each, and
# compares COCO's files with those plugbench writes for the same runs of the sweep plugin:
# the same files, the same lines, the same numbers as printed, except what a plugbench
# trace does not hold (the points x after the fifth column, and on .tdat lines the
# evaluation's own f, column 4) and the info files' coco_version.
set -u

. "$(dirname "$0")/../support/tap.sh"
COCO=${PLUGBENCH_COCO_DIR:-}
for sub in build/c code-experiments/build/c; do
    [ -n "$COCO" ] && [ ! -f "$COCO/coco.c" ] && [ -f "$COCO/$sub/coco.c" ] && COCO=$COCO/$sub
done
if [ -z "${PLUGBENCH_COCO_DIR:-}" ] || [ ! -f "$COCO/coco.c" ] || [ ! -f "$COCO/coco.h" ]; then
    echo "1..0 # SKIP no COCO checkout: set PLUGBENCH_COCO_DIR to one with coco.c and coco.h" \
        "(numbbo/coco-experiment, after python3 scripts/fabricate)"
    exit 77
fi
tap_plugbench coco-logger jq awk diff "${CC:-cc}" -- "$@"
SWEEP=$BUILD/tests/export/sweep.so

EVALS=500
"${CC:-cc}" -O2 -o "$T/coco_driver" "$SRC/coco_driver.c" "$COCO/coco.c" -I"$COCO" -I"$SRC" -lm \
    >"$T/cc.out" 2>&1
check "the driver builds against $COCO/coco.c" test -x "$T/coco_driver"
(cd "$T" && ./coco_driver coco sweep $EVALS 2,5 1,8,12 1-2) >"$T/driver.out" 2>&1
check "COCO's observer ran ($(head -c 200 "$T/driver.out"))" test -d "$T/exdata/coco"

PROBLEMS=()
for d in 2 5; do for f in 01 08 12; do for i in 1 2; do PROBLEMS+=(-p "bbob-f$f-d$d-i$i"); done; done; done
pb run run -q --no-plots -a "$SWEEP" "${PROBLEMS[@]}" -s 1 --max-evals $EVALS --checkpoints all \
    -o "$T/sweep.json"
pb export export --format coco "$T/ours" "$T/sweep.json"
check "plugbench export ran (exit $RC)" test "$RC" -eq 0

THEIRS=$T/exdata/coco
OURS=$T/ours/sweep
list() { (cd "$1" && find . -type f | sort); }
check "the same files: $(list "$THEIRS" | tr '\n' ' ')" test "$(list "$THEIRS")" = "$(list "$OURS")"

# A file as compared: the info files without coco_version; data lines cut to the columns
# a trace determines (1-5 in .dat, 1-3 and 5 in .tdat); headers whole.
normal() {
    case "$1" in
        *.info) sed -E "s/coco_version = '[^']*'/coco_version = X/" "$1" ;;
        *.tdat) awk '/^%/ { print; next } { print $1, $2, $3, $5 }' "$1" ;;
        *) awk '/^%/ { print; next } { print $1, $2, $3, $4, $5 }' "$1" ;;
    esac
}
while read -r f; do
    if [ -f "$OURS/$f" ] && diff <(normal "$THEIRS/$f") <(normal "$OURS/$f") >"$T/diff" 2>&1; then
        ok "$f matches COCO's line for line ($(wc -l <"$THEIRS/$f") lines)"
    else
        not_ok "$f differs from COCO's" "$(head -20 "$T/diff")"
    fi
done < <(list "$THEIRS")

tap_done
