#!/usr/bin/env bash
# A real suite of N short runs end to end (bench/scale/README.md, "A real suite"):
# random-search with a budget of 10 evaluations on 10 problems (sphere-d2-i1..i10) x N/10
# seeds, run as two shards, the second interrupted (SIGINT) halfway and resumed, then merged,
# compared and reported.
#
#   usage: suite.sh PLUGBENCH RANDOM_SEARCH_SO DIR N
#
# Prints the wall seconds of each step:
#   shard1   plugbench run ... --shard 1/2 -j 2                    (N/2 runs)
#   shard2   plugbench run ... --shard 2/2 -j 2, SIGINT after shard1's time / 2,
#   resume   then the same with --resume until it ends             (N/2 runs in all)
#   run      shard1 + shard2 + resume: the N runs
#   merge    plugbench merge of the two shards' results files
#   compare  plugbench compare --metrics quality,target of the merged file against itself
#   report   plugbench report of the merged file
set -u
PB=$1 RS=$2 DIR=$3 N=$4
mkdir -p "$DIR"
S=$((N / 10))
PROBLEMS=()
for i in $(seq 1 10); do PROBLEMS+=(-p "sphere-d2-i$i"); done
# One shard of the suite: "${RUN[@]}" SHARD/2 -o FILE [--resume]. env: a background job of
# a script starts with SIGINT ignored, and shard 2 is interrupted by it.
RUN=(env --default-signal=INT "$PB" run -a "$RS" "${PROBLEMS[@]}" -s 1-"$S" --max-evals 10 -j 2
    -q --no-plots --shard)
now() { date +%s.%N; }
since() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }

rm -rf "$DIR"/s1.json* "$DIR"/s2.json* "$DIR/merged.json" "$DIR/report"
t=$(now)
"${RUN[@]}" 1/2 -o "$DIR/s1.json" >"$DIR/shard1.out" 2>&1 || { echo "shard 1 failed" >&2; exit 1; }
t_shard1=$(since "$t")

t=$(now)
"${RUN[@]}" 2/2 -o "$DIR/s2.json" >"$DIR/shard2.out" 2>&1 &
pid=$!
sleep "$(echo "$t_shard1 / 2" | bc)"
kill -INT "$pid"
wait "$pid"
t_shard2=$(since "$t")
kept=$(grep -o "^[0-9]* runs:" "$DIR/shard2.out" | tail -n 1 | cut -d" " -f1)
t=$(now)
"${RUN[@]}" 2/2 -o "$DIR/s2.json" --resume >"$DIR/resume.out" 2>&1 || { echo "resume failed" >&2; exit 1; }
t_resume=$(since "$t")
t_run=$(echo "$t_shard1 + $t_shard2 + $t_resume" | bc)

t=$(now)
"$PB" merge -o "$DIR/merged.json" "$DIR/s1.json" "$DIR/s2.json" >"$DIR/merge.out" 2>&1 ||
    { echo "merge failed" >&2; exit 1; }
t_merge=$(since "$t")
t=$(now)
"$PB" compare --metrics quality,target "$DIR/merged.json" "$DIR/merged.json" \
    >"$DIR/compare.out" 2>&1 || { echo "compare failed" >&2; exit 1; }
t_compare=$(since "$t")
t=$(now)
"$PB" report "$DIR/merged.json" -o "$DIR/report" >"$DIR/report.out" 2>&1 ||
    { echo "report failed" >&2; exit 1; }
t_report=$(since "$t")

echo "runs $N (10 problems x $S seeds); shard 2 interrupted after $kept runs"
printf '%-8s %8s %8s %8s %8s %8s %8s %8s %8s\n' runs shard1 shard2 resume run merge compare \
    report
printf '%-8s %8s %8s %8s %8s %8s %8s %8s %8s\n' "$N" "$t_shard1" "$t_shard2" "$t_resume" \
    "$t_run" "$t_merge" "$t_compare" "$t_report"
