#!/usr/bin/env bash
# Linear cost in the runs, checked without a clock: each command's instructions under
# callgrind (exact, whatever the machine's load) at N and 4N runs. Linear gives a ratio of
# 4 (a little less: the start-up does not grow), n log n a little more (sorting N = 100
# values against 400: up to 4 x log 400 / log 100 = 5.2), a quadratic path towards 16: the
# ratio must stay below LIMIT (7).
#
#   usage: scale_instructions.sh PLUGBENCH RANDOM_SEARCH_SO GEN_RESULTS_PY N
#
# The shapes each stress one dimension: the seeds of one experiment (compare's rank test,
# the report's curves, where by seconds every run adds an abscissa, and its bootstrap),
# the experiments (compare's grouping), the algorithms (the report's mean ranks and line
# colors), the runs of two shards (merge), the finished runs that `run --resume` matches to
# its jobs (every run done: nothing is forked, the parent alone is counted). The report runs with a gnuplot that draws
# nothing: its plots' data are computed and written as always, the drawing is gnuplot's.
set -u
PB=$1 RS=$2 GEN=$3 N=$4
LIMIT=7
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/bin"
printf '#!/bin/sh\nexit 0\n' >"$dir/bin/gnuplot"
chmod +x "$dir/bin/gnuplot"
export PATH="$dir/bin:$PATH"
fail=0

# instructions NAME FUNCTION CMD...: the instructions CMD executed (its own process), in
# FUNCTION and what it calls when FUNCTION is not empty (the path under test alone, at a
# size where the rest would hide it). Exit status 1 is a result (compare's "regressed": the
# two draws differ), 2 and more a failure.
instructions() {
    local name=$1 only=()
    [ -n "$2" ] && only=(--toggle-collect="$2")
    shift 2
    valgrind --tool=callgrind --callgrind-out-file="$dir/$name.cg" "${only[@]}" "$@" \
        >"$dir/$name.out" 2>"$dir/$name.err"
    if [ $? -gt 1 ]; then
        echo "FAIL: $name: $* failed:" >&2
        tail -n 5 "$dir/$name.err" >&2
        exit 1
    fi
    awk '/^summary:/ { print $2 }' "$dir/$name.cg"
}

# gen FILE ALGORITHMS PROBLEMS SEEDS [ARGS...]: a synthetic results file.
gen() { python3 "$GEN" "$@" || exit 1; }

# check CASE: CASE n prints its command's instructions at n runs; compares N and 4N.
check() {
    local small large
    small=$("$1" "$N") || exit 1
    large=$("$1" $((4 * N))) || exit 1
    local ratio
    ratio=$(awk -v a="$small" -v b="$large" 'BEGIN { printf "%.2f", b / a }')
    if awk -v r="$ratio" -v l="$LIMIT" 'BEGIN { exit !(r < l) }'; then
        echo "ok: $1: $small -> $large instructions from $N to $((4 * N)) runs (x$ratio)"
    else
        echo "FAIL: $1: $small -> $large instructions from $N to $((4 * N)) runs" \
            "(x$ratio, not below $LIMIT: a path grows faster than the runs)"
        fail=1
    fi
}

compare_seeds() {
    gen "$dir/a$1.json" 1 1 "$1"
    gen "$dir/b$1.json" 1 1 "$1" --salt 1
    instructions compare-seeds$1 "" "$PB" compare --metrics quality,target "$dir/a$1.json" \
        "$dir/b$1.json"
}
compare_experiments() {
    gen "$dir/e$1.json" 1 "$1" 1
    gen "$dir/f$1.json" 1 "$1" 1 --salt 1
    instructions compare-experiments$1 "" "$PB" compare --metrics quality "$dir/e$1.json" \
        "$dir/f$1.json"
}
merge_shards() {
    gen "$dir/s1-$1.json" 1 1 "$1" --shard 1/2
    gen "$dir/s2-$1.json" 1 1 "$1" --shard 2/2
    instructions merge$1 "" "$PB" merge -o "$dir/m$1.json" "$dir/s1-$1.json" "$dir/s2-$1.json"
}
# The report's curves (pb__report_curve), over the seeds of one experiment.
report_curves() {
    gen "$dir/r$1.json" 1 1 "$1"
    instructions report-curves$1 pb__report_curve "$PB" report "$dir/r$1.json" -o "$dir/rc$1"
}
# Its line colors and mean ranks, over the algorithms.
report_colors() {
    gen "$dir/g$1.json" "$1" 1 1
    instructions report-colors$1 pb__report_color "$PB" report "$dir/g$1.json" -o "$dir/ra$1"
}
resume_done() {
    # One real run of random-search, copied to seeds 1..n: a finished suite of n runs.
    if [ ! -s "$dir/one.json" ]; then
        "$PB" run -a "$RS" -p sphere-d2-i1 -s 1 --max-evals 10 -q --no-plots \
            -o "$dir/one.json" >/dev/null || exit 1
    fi
    python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
run = doc["runs"][0]
doc["runs"] = [dict(run, seed=s) for s in range(1, int(sys.argv[3]) + 1)]
json.dump(doc, open(sys.argv[2], "w"))' "$dir/one.json" "$dir/done$1.json" "$1" || exit 1
    instructions resume$1 "" "$PB" run -a "$RS" -p sphere-d2-i1 -s 1-"$1" --max-evals 10 -q \
        --no-plots --resume -o "$dir/done$1.json"
}
report_ranks() {
    gen "$dir/g$1.json" "$1" 1 1
    instructions report-ranks$1 pb__report_mean_ranks "$PB" report "$dir/g$1.json" \
        -o "$dir/rr$1"
}

for c in resume_done compare_seeds compare_experiments merge_shards report_curves report_colors \
    report_ranks; do
    check "$c"
done
exit $fail
