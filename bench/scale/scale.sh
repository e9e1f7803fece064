#!/usr/bin/env bash
# Times run, merge, compare and report against the number of runs (bench/scale/README.md).
#
#   usage: scale.sh PLUGBENCH RANDOM_SEARCH_SO DIR [N...]   (default N: 3000 12000 100000)
#
# For each N, wall seconds of:
#   run          plugbench run -a random-search -p sphere-d2-i1 -s 1-N --max-evals 10 -j 2
#   merge        two shards of a synthetic N-run file (10 algorithms x 10 problems x N/100
#                seeds, gen_results.py) into one
#   compare      that file against another draw of it (100 experiments of N/100 seeds)
#   compare-wide N experiments of one seed each (1 algorithm x N problems x 1 seed)
#   report       plugbench report of the synthetic file (plots drawn: 100 problems)
# RUN_MAX (default 12000) skips run above it: 100,000 real runs take about half an hour.
# A step is stopped after LIMIT seconds (default 900) and shown as ">LIMIT".
set -u
PB=$1 RS=$2 DIR=$3
shift 3
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(3000 12000 100000)
LIMIT=${LIMIT:-900}
RUN_MAX=${RUN_MAX:-12000}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR"

# seconds NAME CMD...: the wall seconds of CMD, or ">LIMIT" when it was stopped.
seconds() {
    local name=$1 start end
    shift
    start=$(date +%s.%N)
    timeout "$LIMIT" "$@" >"$DIR/$name.out" 2>"$DIR/$name.err"
    local rc=$?
    end=$(date +%s.%N)
    if [ $rc -eq 124 ]; then echo ">$LIMIT"; else printf '%.1f' "$(echo "$end - $start" | bc)"; fi
}

gen() { # gen FILE A P S [ARGS...]: generated once per DIR
    [ -s "$1" ] || python3 "$HERE/gen_results.py" "$@"
}

printf '%-8s %8s %8s %8s %13s %8s\n' runs run merge compare compare-wide report
for n in "${SIZES[@]}"; do
    s=$((n / 100))
    gen "$DIR/g$n.json" 10 10 "$s"
    gen "$DIR/g$n-b.json" 10 10 "$s" --salt 1
    gen "$DIR/g$n-1.json" 10 10 "$s" --shard 1/2
    gen "$DIR/g$n-2.json" 10 10 "$s" --shard 2/2
    gen "$DIR/w$n.json" 1 "$n" 1
    gen "$DIR/w$n-b.json" 1 "$n" 1 --salt 1
    if [ "$n" -le "$RUN_MAX" ]; then
        rm -f "$DIR/run$n.json" "$DIR/run$n.json.journal"
        t_run=$(seconds run$n "$PB" run -a "$RS" -p sphere-d2-i1 -s 1-"$n" --max-evals 10 -j 2 \
            -q --no-plots -o "$DIR/run$n.json")
    else
        t_run=-
    fi
    t_merge=$(seconds merge$n "$PB" merge -o "$DIR/m$n.json" "$DIR/g$n-1.json" "$DIR/g$n-2.json")
    t_cmp=$(seconds compare$n "$PB" compare --metrics quality,target "$DIR/g$n.json" "$DIR/g$n-b.json")
    t_wide=$(seconds wide$n "$PB" compare --metrics quality "$DIR/w$n.json" "$DIR/w$n-b.json")
    rm -rf "$DIR/report$n"
    t_rep=$(seconds report$n "$PB" report "$DIR/g$n.json" -o "$DIR/report$n")
    printf '%-8s %8s %8s %8s %13s %8s\n' "$n" "$t_run" "$t_merge" "$t_cmp" "$t_wide" "$t_rep"
done
