#!/usr/bin/env bash
# Saved solutions end to end: run --save-solutions, the side file, merge, --resume, the caps,
# and plugbench remeasure (agreeing, catching a tampered solution, refusing a changed file).
#
#   usage: solutions_test.sh PLUGBENCH_EXE BUILD_ROOT
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 2 2 "PLUGBENCH_EXE BUILD_ROOT" "$@"
PB=$(tap_abs "$1")
BUILD=$(cd "$2" && pwd)
PLUGINS=$BUILD/plugins

tap_require jq
tap_require sha256sum
unset PLUGBENCH_PLUGIN_PATH
tap_scratch solutions

# One small suite per kind (an algorithm runs only on problems of its kind), two seeds each.
suite() {
    local kind=$1 alg=$2
    shift 2
    local probs=()
    for p in "$@"; do probs+=(-p "$p"); done
    pb "$kind" run -a "$PLUGINS/$alg.so" "${probs[@]}" -s 1-2 --max-iters 20 -j 2 -q --no-plots \
        --save-solutions -o "$T/k/$kind.json"
    check "run --save-solutions on $kind (exit $RC)" test "$RC" -eq 0
}
suite blackbox cma-es bbob-f01-d10-i1 sphere-d4-i1
suite stochastic sgd logreg-breast-cancer
suite transport sinkhorn ot-random-n50-eta100-i1
suite policy vpg lqr
suite bilevel soba bilevel-quadratic-i1
suite sequence persistence seq-pfsm-i1

B=$T/k/blackbox.json
check "the side file is next to the results file" test -s "$B.solutions"
json_check "each blackbox record names its entry: file, offset, bytes, sha256, 1 row of 10 or 4" \
    "$B" '[.runs[].solution | .file == "blackbox.json.solutions" and (.offset | type) ==
      "number" and .bytes == 32 + 8 * .rows * .length and (.sha256 | length) == 64 and
      .rows == 1 and .points == "final" and (.length == 10 or .length == 4)] | all'
json_check "the entries follow one another in the side file" "$B" \
    '[.runs[].solution] | sort_by(.offset) | . as $s | [range(1; length) |
      $s[.].offset == $s[. - 1].offset + $s[. - 1].bytes] | all and $s[0].offset == 0'
entry_sha() { tail -c +$(($2 + 1)) "$1" | head -c "$3" | sha256sum | cut -d' ' -f1; }
OFF=$(jq '.runs[0].solution.offset' "$B")
BYTES=$(jq '.runs[0].solution.bytes' "$B")
check "the record's sha256 is that of the entry's bytes" \
    test "$(entry_sha "$B.solutions" "$OFF" "$BYTES")" = "$(jq -r '.runs[0].solution.sha256' "$B")"
check "the entry starts with the magic PBSOLN" \
    test "$(head -c 6 "$B.solutions")" = "PBSOLN"
json_check "the sequence kind says why it saves no solution" "$T/k/sequence.json" \
    '[.runs[].solution.not_saved | test("no solution vector")] | all'

# merge copies the entries into OUT.solutions; the inputs' side files are no longer needed.
pb merge merge -o "$T/m/all.json" "$T"/k/*.json
check "merge of the six suites (exit $RC)" test "$RC" -eq 0
json_check "the merged records name the merged side file" "$T/m/all.json" \
    '[.runs[].solution | select(.file) | .file == "all.json.solutions"] | all and length == 12'
mv "$T/k" "$T/k.away"
pb remeasure remeasure "$T/m/all.json"
check "remeasure agrees on an untouched run of five kinds (exit $RC)" test "$RC" -eq 0
check "it measured the 12 saved solutions and skipped the 2 sequence runs" \
    grep -q "14 runs: 12 solutions remeasured (.*), 2 runs without a saved solution: all agree" \
    "$T/remeasure.out"
mv "$T/k.away" "$T/k"

# A tampered solution, its sha256 updated in the record: only remeasuring can tell.
tamper() { # FILE.json SEED: sets the first value of the solution of the run of SEED to 1.5
    local f=$1 i off bytes
    i=$(jq "[.runs[].seed] | index($2)" "$f") # -j 2: the runs are in the order they ended
    off=$(jq ".runs[$i].solution.offset" "$f")
    bytes=$(jq ".runs[$i].solution.bytes" "$f")
    printf '\000\000\000\000\000\000\370\077' |
        dd of="$f.solutions" bs=1 seek=$((off + 32)) conv=notrunc status=none
    jq ".runs[$i].solution.sha256 = \"$(entry_sha "$f.solutions" "$off" "$bytes")\"" "$f" >"$f.new" &&
        mv "$f.new" "$f"
}
cp "$T/k/transport.json" "$T/k/transport.json.solutions" "$T/m/"
tamper "$T/m/transport.json" 2
pb tampered remeasure "$T/m/transport.json"
check "remeasure catches the tampered solution (exit 1, got $RC)" test "$RC" -eq 1
check "its table names the run, the point and a metric that differs" \
    grep -Eq "^sinkhorn on ot-random-n50-eta100-i1 seed 2 +final +marginal_error " \
    "$T/tampered.out"
check "and the summary says values differ" grep -q "values differ" "$T/tampered.out"
check "the other run is not listed" test "$(grep -c 'seed 1 ' "$T/tampered.out")" -eq 0

# A changed side file whose sha256 no longer matches is refused before anything is measured.
cp "$T/k/blackbox.json" "$T/k/blackbox.json.solutions" "$T/m/"
printf 'X' | dd of="$T/m/blackbox.json.solutions" bs=1 seek=40 conv=notrunc status=none
usage_error "remeasure of a side file changed since the run" \
    "cma-es on .* seed .*: .*blackbox.json.solutions at offset 0: sha256 [0-9a-f]{64}, but the record says [0-9a-f]{64} .*refusing" \
    remeasure "$T/m/blackbox.json"
rm "$T/m/blackbox.json.solutions"
usage_error "remeasure without the side file" "cannot read .*blackbox.json.solutions" \
    remeasure "$T/m/blackbox.json"
jq '.runs[0].solution.file = "../blackbox.json.solutions"' "$T/k/blackbox.json" >"$T/m/path.json"
usage_error "a side file named with a directory" "not a plain file name" \
    remeasure "$T/m/path.json"
usage_error "remeasure of results without saved solutions" "has no saved solution" \
    remeasure "$T/k/sequence.json"

# Checkpoints, from the config file: one row per trace point, each remeasured.
echo '{"save_solutions": "checkpoints"}' >"$T/cfg.json"
pb ckpt run -c "$T/cfg.json" -a "$PLUGINS/sinkhorn.so" -p ot-random-n50-eta100-i1 -s 1-2 \
    --max-iters 30 -q --no-plots -o "$T/c/ckpt.json"
check "save_solutions \"checkpoints\" in the config (exit $RC)" test "$RC" -eq 0
json_check "one row per trace point" "$T/c/ckpt.json" \
    '[.runs[] | .solution.points == "trace" and .solution.rows == (.trace.steps | length) and
      .solution.rows > 2] | all'
pb ckptre remeasure "$T/c/ckpt.json"
check "remeasure agrees at every trace point (exit $RC)" test "$RC" -eq 0
tamper "$T/c/ckpt.json" 1
pb ckpttampered remeasure "$T/c/ckpt.json"
check "a tampered first row is caught at trace point 0 (exit $RC)" \
    grep -Eq "^sinkhorn on .* seed 1 +0 +" "$T/ckpttampered.out"
usage_error "a bad save_solutions" "save_solutions must be true, false, \"final\" or \"checkpoints\"" \
    run --save-solutions=all -a "$PLUGINS/sinkhorn.so" -o "$T/bad.json"

# --resume keeps the entries of the runs it keeps; -j 2 writes them from one process.
R=(run -a "$PLUGINS/cma-es.so" -p sphere-d4-i1 --max-iters 10 -j 2 -q --no-plots
    --save-solutions -o "$T/r/res.json")
pb first "${R[@]}" -s 1-3
FIRST=$(jq -c '[.runs[].solution]' "$T/r/res.json")
pb resumed "${R[@]}" -s 1-6 --resume
check "--resume --save-solutions (exit $RC)" test "$RC" -eq 0
json_check "the resumed runs keep their references" "$T/r/res.json" \
    "[.runs[] | select(.seed <= 3) | .solution] == $FIRST"
json_check "six distinct entries" "$T/r/res.json" '[.runs[].solution.offset] | unique | length == 6'
pb resre remeasure "$T/r/res.json"
check "remeasure agrees after --resume (exit $RC)" test "$RC" -eq 0

# The caps: 0.002 MiB in all (2097 bytes) takes 18 entries of 112 bytes; one run may keep
# 131 bytes, so checkpoints (5 rows of 80) fall back to the final solution.
pb cap run -a "$PLUGINS/cma-es.so" -p bbob-f01-d10-i1 -s 1-20 --max-iters 10 -q --no-plots \
    --save-solutions=checkpoints --solutions-max-mb 0.002 -o "$T/cap/cap.json"
check "a suite over the cap completes (exit $RC)" test "$RC" -eq 0
json_check "18 runs keep their final solution only, the others none" "$T/cap/cap.json" \
    '([.runs[].solution | select(.file) | .points == "final"] | length == 18 and all) and
     ([.runs[].solution.not_saved | select(.) | test("reached its cap")] | length == 2)'
check "the side file stays under its cap" test "$(stat -c %s "$T/cap/cap.json.solutions")" -le 2097
check "the cap is warned about once" test "$(grep -c 'is full' "$T/cap.err")" -eq 1
pb tiny run -a "$PLUGINS/cma-es.so" -p bbob-f01-d10-i1 -s 1 --max-iters 10 -q --no-plots \
    --save-solutions --solutions-max-mb 0.0001 -o "$T/cap/tiny.json"
json_check "a solution over the per-run cap is not saved, and the record says so" \
    "$T/cap/tiny.json" '.runs[0].solution.not_saved | test("per-run cap")'
check "which is no warning that the side file is full" test "$(grep -c 'is full' "$T/tiny.err")" -eq 0

# Without the flag: no "solution" in the records and no side file.
pb plain run -a "$PLUGINS/cma-es.so" -p sphere-d4-i1 -s 1 --max-iters 5 -q --no-plots \
    -o "$T/p/plain.json"
json_check "no solution without --save-solutions" "$T/p/plain.json" \
    '[.runs[] | has("solution")] | any | not'
check "and no side file" test ! -e "$T/p/plain.json.solutions"

# With --cache: a stored record has no solution to save, so with --save-solutions every run
# runs again and gets its own entry; the entries stored carry no solution reference.
for i in 1 2; do
    pb "cache$i" run -a "$PLUGINS/cma-es.so" -p sphere-d4-i1 -s 1-2 --max-iters 5 -q --no-plots \
        --cache "$T/cache" --save-solutions -o "$T/c/run$i.json"
done
json_check "the second run with --cache --save-solutions took nothing from the cache" \
    "$T/c/run2.json" '[.runs[] | (has("cached") | not) and .solution.file == "run2.json.solutions"] | all'
check "the cache's entries hold no solution reference" \
    test -z "$(grep -rl '"solution"' "$T/cache")"
pb cache3 run -a "$PLUGINS/cma-es.so" -p sphere-d4-i1 -s 1-2 --max-iters 5 -q --no-plots \
    --cache "$T/cache" -o "$T/c/run3.json"
json_check "and a run without --save-solutions reuses them" "$T/c/run3.json" \
    '[.runs[] | .cached == true and (has("solution") | not)] | all'

tap_done
