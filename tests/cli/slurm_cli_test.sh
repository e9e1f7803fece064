#!/usr/bin/env bash
# plugbench slurm without a cluster: its options, the scripts it writes run by bash as Slurm
# would run them (SLURM_ARRAY_TASK_ID set), paths that try to inject shell code, the merge
# job's message when a shard did not finish, and --submit against a stand-in sbatch.
# tests/slurm runs the same on a real Slurm (slow suite).
#
#   usage: slurm_cli_test.sh PLUGBENCH_EXE BUILD_ROOT
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_plugbench slurm-cli jq -- "$@"

SUITE=(-a random-search -a nelder-mead -p sphere-d2-i1 -s 1-6 --max-evals 60 --no-plots)

usage_error "--shards is required" "--shards N is required" slurm "${SUITE[@]}"
usage_error "--shards 0" "--shards must be a whole number" slurm --shards 0 "${SUITE[@]}"
usage_error "a partition that is not a plain word" "--partition 'a;b'" \
    slurm --shards 2 --partition 'a;b' "${SUITE[@]}"
usage_error "a time limit with other characters" "--time" slurm --shards 2 --time '1h' "${SUITE[@]}"
usage_error "a memory size with other characters" "--mem" slurm --shards 2 --mem '$(id)' "${SUITE[@]}"
usage_error "--shard is the tasks'" "--shard is each task's" slurm --shards 2 --shard 1/2 "${SUITE[@]}"
usage_error "--dry-run with --submit" "exclude each other" slurm --shards 2 --dry-run --submit "${SUITE[@]}"
usage_error "a bad run option" "seeds 'x'" slurm --shards 2 -s x

# Paths built to break out of quotes: a quote, $(...), a backquote, spaces, a newline.
EVIL="$T/it's \$(touch PWNED) \`touch PWNED\`
dir"
mkdir -p "$EVIL"
cd "$EVIL" || exit 1
pb dry slurm --shards 3 --max-running 2 --partition p1 --time 5:00 --mem 1G "${SUITE[@]}" \
    --cache "c'ache" -o "o\$(touch PWNED)/r.json" --dry-run
check "--dry-run succeeds (exit $RC)" test "$RC" -eq 0
check "--dry-run writes nothing" test ! -e "o\$(touch PWNED)"
check "it prints the array's script with its options" \
    grep -q -- '^#SBATCH --array=1-3%2$' "$T/dry.out"
check "and the merge job's" grep -q -- '^#SBATCH --job-name=plugbench-merge$' "$T/dry.out"
check "and the partition, time and memory" \
    grep -qzE -- '#SBATCH --mem=1G.*#SBATCH --partition=p1.*#SBATCH --time=5:00' "$T/dry.out"

pb write slurm --shards 3 "${SUITE[@]}" --cache "c'ache" -o "o\$(touch PWNED)/r.json"
DIR="$EVIL/o\$(touch PWNED)/slurm"
check "without --dry-run the scripts are written (exit $RC)" \
    test "$RC" -eq 0 -a -f "$DIR/array.sbatch" -a -f "$DIR/merge.sbatch" -a -f "$DIR/suite.json"
check "bash reads both scripts" bash -n "$DIR/array.sbatch"
check "(the merge job's too)" bash -n "$DIR/merge.sbatch"
# The tasks, as Slurm runs them: in another directory, with the task id in the environment.
cd "$T" || exit 1
for i in 1 3; do
    SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_JOB_ID=7 bash "$DIR/array.sbatch"
done
SLURM_JOB_ID=8 bash "$DIR/merge.sbatch"
check "the merge job fails while shard 2 is missing" test $? -eq 1
check "and says which shard did not finish and what to do" grep -qz \
    "FAILED: 1 of 3 shards did not finish (shards 2); nothing is merged.*--submit again" \
    "$DIR/logs/merge-8.log"
check "nothing is merged then" test ! -e "$EVIL/o\$(touch PWNED)/r.json"
cd "$EVIL" || exit 1
pb again slurm --shards 3 "${SUITE[@]}" --cache "c'ache" -o "o\$(touch PWNED)/r.json"
check "written again, the array holds the missing shard only" \
    grep -q -- '^#SBATCH --array=2$' "$DIR/array.sbatch"
cd "$T" || exit 1
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_JOB_ID=9 bash "$DIR/array.sbatch"
SLURM_JOB_ID=10 bash "$DIR/merge.sbatch"
check "with every shard done the merge job succeeds" test $? -eq 0
check "and says so" grep -q "merged the 3 shards into $EVIL/o" "$DIR/logs/merge-10.log"
check "each task logged its shard" grep -q "shard 2 of 3, job 9_2" "$DIR/logs/shard-2-of-3.log"
check "no path ran as a command" test -z "$(find "$T" -name PWNED)"
check "the suite's relative --cache is the submit directory's" test -d "$EVIL/c'ache"
(cd "$EVIL" && "$PB" run "${SUITE[@]}" -q -o "$T/local.json" >/dev/null)
strip='[.runs[] | del(.time, .trace.seconds, .cached, .cache_entry)] | sort_by(.plugin.name, .problem.id, .seed)'
if cmp -s <(jq -S "$strip" "$EVIL/o\$(touch PWNED)/r.json") <(jq -S "$strip" local.json); then
    ok "the merged shards equal a local run of the suite, run for run"
else
    not_ok "the merged shards equal a local run of the suite, run for run"
fi

# More shards than runs: the empty shards are left out of the merge.
pb few slurm --shards 3 -a random-search -p sphere-d2-i1 -s 1-2 --max-evals 20 -o few/r.json
for i in 1 2 3; do SLURM_ARRAY_TASK_ID=$i bash few/slurm/array.sbatch; done
SLURM_JOB_ID=1 bash few/slurm/merge.sbatch
rc=$?
check "more shards than runs: the merge job succeeds (exit $rc)" test "$rc" -eq 0
json_check "with the 2 runs" few/r.json '.runs | length == 2'

# --submit through a stand-in sbatch that logs its arguments and prints job ids.
mkdir bin
cat >bin/sbatch <<'FAKE'
#!/bin/sh
echo "$*" >>"$SBATCH_LOG"
n=$(wc -l <"$SBATCH_LOG")
[ -n "${SBATCH_FAIL:-}" ] && { echo "sbatch: error: no partition" >&2; exit 1; }
echo "$((100 + n));cluster"
FAKE
chmod +x bin/sbatch
export SBATCH_LOG=$T/sbatch.log PATH="$T/bin:$PATH"
pb submit slurm --shards 4 "${SUITE[@]}" -o sub/r.json --submit
check "--submit submits (exit $RC)" test "$RC" -eq 0
check "prints the array's job id and its shards" grep -q '^array job 101: shards 1-4 of 4$' submit.out
check "and the merge job's" grep -q '^merge job 102: after it' submit.out
check "the array is submitted with --parsable" \
    grep -qx -- "--parsable $T/sub/slurm/array.sbatch" sbatch.log
check "the merge job after it, whatever its tasks' exit" \
    grep -qx -- "--parsable --dependency=afterany:101 $T/sub/slurm/merge.sbatch" sbatch.log
pb printed slurm --shards 2 "${SUITE[@]}" -o "pr'inted/r.json"
: >sbatch.log
sed -n '2,5p' printed.out | bash >/dev/null
printf -- "--parsable %s\n--dependency=afterany:101 %s\n" "$T/pr'inted/slurm/array.sbatch" \
    "$T/pr'inted/slurm/merge.sbatch" >printed.want
check "the commands it prints without --submit submit both scripts, the merge job after" \
    cmp -s printed.want sbatch.log
for i in 1 2 3 4; do echo '{}' >"sub/slurm/shard-$i-of-4.json"; done
pb done slurm --shards 4 "${SUITE[@]}" -o sub/r.json --submit
check "with every shard done only the merge job is submitted" \
    grep -q '^every shard is done: merge job 103' done.out
SBATCH_FAIL=1 pb fail slurm --shards 4 "${SUITE[@]}" -o sub2/r.json --submit
check "a failing sbatch fails the command (exit $RC)" test "$RC" -eq 1
check "and says so" grep -q "sbatch .*array.sbatch failed (exit 1)" fail.err
pb changed slurm --shards 4 "${SUITE[@]}" -s 1-7 -o sub/r.json
check "a changed suite reruns every shard, and says why" \
    grep -q "the suite is not the one in .*every shard runs again" changed.err
check "(all four in the array)" grep -q -- '^#SBATCH --array=1-4$' sub/slurm/array.sbatch

tap_done
