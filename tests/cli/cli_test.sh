#!/usr/bin/env bash
# End-to-end tests of the plugbench command line.
#
#   usage: cli_test.sh PLUGBENCH_EXE BUILD_ROOT
#
# Runs the executable as a user would and checks exit codes, messages and the results file.
# Each check prints "ok - ..." or "not ok - ..." (TAP-like); the exit status is 1 when any
# check failed. Needs bash and jq; `script` (util-linux) is optional. The misbehaving test
# plugins are taken from BUILD_ROOT/tests/isolation/bad-<name>.so and their checks are
# skipped ("ok - # SKIP") when a file is missing. Runs in a temporary directory, removed
# on exit.
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 2 2 "PLUGBENCH_EXE BUILD_ROOT" "$@"
PB=$(tap_abs "$1")
BUILD=$(cd "$2" && pwd)
TESTPLUGINS=$BUILD/tests/isolation
RS_SO=$BUILD/plugins/random-search.so
PROBLEM=sphere-d3-i1

tap_require jq

# Plugins come from the build tree only: no installed or user plugins in the listings.
unset PLUGBENCH_PLUGIN_PATH
# Under AddressSanitizer a SIGSEGV would become exit status 1; a crash must stay a signal.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"

# Background plugbench processes not reaped yet (so their pids cannot have been reused).
BG_PIDS=()
reap() {
    wait "$1" 2>/dev/null
    local rc=$? keep=() p
    for p in "${BG_PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
    BG_PIDS=("${keep[@]}")
    return $rc
}
tap_cleanup_hook() {
    for pid in "${BG_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
# A default output path, if some invocation fell back to it, lands in the scratch directory.
tap_scratch cli

# Values of a trace column except the last are 1, 2 or 5 x 10^k, strictly increasing.
LOGSPACED='(.[:-1] | all(tostring | test("^[125]0*$")))
    and (. as $a | [range(1; length)] | all($a[.] > $a[. - 1]))'

# No NaN or Infinity written as a bare token: strip the JSON strings, then look.
no_bare_nonfinite() {
    ! sed -E 's/"([^"\\]|\\.)*"/""/g' "$1" | grep -Eiq 'nan|inf'
}

# wait_lines FILE N SECONDS: waits until FILE has at least N complete lines.
wait_lines() {
    local i=0
    while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
        i=$((i + 1))
        [ "$i" -gt $(($3 * 20)) ] && return 1
        sleep 0.05
    done
}

# every_line_json FILE: every newline-terminated line is a JSON object with a plugin.
every_line_json() {
    local line
    while IFS= read -r line; do
        printf '%s' "$line" | jq -e 'type == "object" and has("plugin")' >/dev/null 2>&1 ||
            return 1
    done <"$1"
}

# stdout_has DESCRIPTION NAME LINES REGEX...: the last `pb NAME` exited 0 and NAME.out has a
# line matching each extended regular expression; a failure shows its first LINES lines.
stdout_has() {
    local what=$1 name=$2 lines=$3 re good=1
    shift 3
    [ "$RC" -eq 0 ] || good=0
    for re in "$@"; do
        grep -Eq -- "$re" "$T/$name.out" || good=0
    done
    if [ "$good" -eq 1 ]; then
        ok "$what"
    else
        not_ok "$what" "exit $RC" "$(show "$T/$name.out" "$lines")"
    fi
}

RUN=(run -a random-search -p "$PROBLEM" --no-plots)

echo "# plugbench: $PB"
echo "# build root: $BUILD"

########################################################################################
echo "# 1. help, and usage errors"

pb help --help
if [ "$RC" -eq 0 ] && grep -q '^usage: plugbench' "$T/help.out"; then
    ok "plugbench --help: exit 0, usage"
else
    not_ok "plugbench --help: exit 0, usage" "exit $RC"
fi
for cmd in list describe run check merge remeasure; do
    for flag in --help -h; do
        pb help "$cmd" "$flag"
        if [ "$RC" -eq 0 ] && grep -q "^usage: plugbench $cmd" "$T/help.out" && [ ! -s "$T/help.err" ]; then
            ok "plugbench $cmd $flag: exit 0, usage on stdout"
        else
            not_ok "plugbench $cmd $flag: exit 0, usage on stdout" "exit $RC" "$(show "$T/help.out" 2)"
        fi
    done
done
pb version --version
check "plugbench --version: exit 0, prints the ABI" \
    test "$RC" -eq 0 -a -n "$(grep -Eo 'ABI [0-9]+\.[0-9]+' "$T/version.out")"
HOST_ABI=$(grep -Eo 'ABI [0-9]+\.[0-9]+' "$T/version.out" | cut -d' ' -f2)
HOST_ABI=${HOST_ABI:-1.0}

echo '{"algorithms": ["random-search"], "seeds": "1-2",' >"$T/notjson.json" # cut off
printf '{"algorithms": ["random-search"], "problems": ["%s"], "max_evals": 10, "bogus_key": 1}\n' \
    "$PROBLEM" >"$T/unknownkey.json"

usage_error "unknown command" "unknown command 'frobnicate'" frobnicate
usage_error "unknown run option" "'--bogus'" "${RUN[@]}" -o "$T/e.json" --bogus
usage_error "describe without a name" "describe" describe
usage_error "describe with an unknown option" "'--bogus'" describe random-search --bogus
usage_error "check without a plugin" "check" check
usage_error "check --timeout in hex" "--timeout needs seconds" check random-search --timeout 0x10
usage_error "list with an unexpected argument" "'extra'" list extra
usage_error "--seeds x" "seeds" "${RUN[@]}" -o "$T/e.json" --seeds x
usage_error "--seeds with a trailing comma" "seeds" "${RUN[@]}" -o "$T/e.json" --seeds 1-2,
usage_error "an empty --output" "output must be a file name" "${RUN[@]}" -o ""
usage_error "an --output past PATH_MAX" "output must be a file name" "${RUN[@]}" -o "$(printf '%05000d' 0)"
usage_error "--seeds listing a seed twice" "seed is listed twice" "${RUN[@]}" -o "$T/e.json" --seeds 1,2,1
usage_error "--max-evals beyond 2^53" "max_evals must be a number in" "${RUN[@]}" -o "$T/e.json" --max-evals 1e30
usage_error "--max-evals abc" "max-evals.*abc" "${RUN[@]}" -o "$T/e.json" --max-evals abc
usage_error "unknown algorithm, listing the installed ones" "'no-such-algo'.*random-search" \
    run -a no-such-algo -p "$PROBLEM" -o "$T/e.json" --no-plots
usage_error "unknown problem id" "'nosuch-d3-i1'" \
    run -a random-search -p nosuch-d3-i1 -o "$T/e.json" --no-plots
usage_error "malformed problem id" "'sphere-d0-i1'" \
    run -a random-search -p sphere-d0-i1 -o "$T/e.json" --no-plots
usage_error "unknown parameter, listing the valid ones" "'nope'.*batch" \
    "${RUN[@]}" -o "$T/e.json" --param random-search.nope=1
usage_error "parameter out of range, showing the range" "batch.*\[1, *1000000\]" \
    "${RUN[@]}" -o "$T/e.json" --param random-search.batch=0
usage_error "config file that is not JSON" "notjson\.json.*JSON" \
    run -c "$T/notjson.json" -o "$T/e.json"
usage_error "config file with an unknown key" "'bogus_key'" \
    run -c "$T/unknownkey.json" -o "$T/e.json"
check "no results file or journal after the usage errors" \
    test ! -e "$T/e.json" -a ! -e "$T/e.json.journal"

########################################################################################
echo "# 2. list and describe"

pb list list
stdout_has "list: random-search and the problem id patterns" list 12 \
    '^ +random-search +blackbox/1' 'sphere-d<dim>-i<instance>' 'rastrigin-d<dim>-i<instance>' \
    'default problems:'

pb describe describe random-search
stdout_has "describe random-search: citation, sha256, parameter batch with range and doc" \
    describe 14 '^citation: +[^ ]' '^ +batch +int +default +10 +\[1, 1000000\]' \
    'points drawn per iteration' '^sha256: +[0-9a-f]{64}$'
if [ -f "$RS_SO" ]; then
    pb describe2 describe "$RS_SO"
    check "describe by .so path gives the same description" \
        cmp -s <(grep -v '^file:' "$T/describe.out") <(grep -v '^file:' "$T/describe2.out")
else
    skip "describe by path: $RS_SO not built"
fi

########################################################################################
echo "# 3. a run and its results file"

R=$T/r.json
pb r "${RUN[@]}" -s 1-2 --max-evals 200 -o "$R" -q
if [ "$RC" -eq 0 ] && [ -f "$R" ] && jq -e . "$R" >/dev/null 2>&1; then
    ok "run: exit 0, writes a JSON results file"
else
    not_ok "run: exit 0, writes a JSON results file" "exit $RC" "$(show "$T/r.err")"
fi
json_check 'schema is "plugbench/results/1"' "$R" '.schema == "plugbench/results/1"'
json_check "2 runs, seeds 1 and 2, status ok" "$R" \
    '(.runs | length == 2) and ([.runs[].seed] | sort == [1, 2]) and all(.runs[]; .status == "ok")'
json_check "counts.evaluations == 200 and budget.evaluations == 200" "$R" \
    'all(.runs[]; .counts.evaluations == 200 and .budget.evaluations == 200)'
json_check "stop_reason budget_cost, no target, no signal" "$R" \
    'all(.runs[]; .stop_reason == "budget_cost" and .target == null and .target_hit == null
                  and .signal == null)'
json_check "trace evaluations are 1,2,5 x 10^k, ending at 200" "$R" \
    "all(.runs[].trace.evaluations; ($LOGSPACED) and .[-1] == 200)"
json_check "trace columns have equal lengths; metrics final == trace last" "$R" \
    'all(.runs[]; .trace as $t | ([$t[] | length] | unique | length == 1)
                  and .metrics.best_error == $t.best_error[-1])'
json_check "context: host, cpu_model, compiler, git_revision, date" "$R" \
    '.context as $c | all("host", "cpu_model", "compiler", "git_revision";
        ($c[.] | type == "string" and length > 0))
     and ($c.date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))'
json_check "context.command is the invocation" "$R" \
    '.context.command[0] == "run" and (.context.command | index("--max-evals") != null)'
json_check "record identity: plugin name, sha256, problem, parameters" "$R" \
    'all(.runs[]; .plugin.name == "random-search" and (.plugin.sha256 | test("^[0-9a-f]{64}$"))
                  and .problem.id == "sphere-d3-i1" and .parameters.batch == 10)'
check "no NaN or Infinity written as a number" no_bare_nonfinite "$R"
if grep -q '^results: ' "$T/r.out" && grep -q '^2 runs: 2 ok' "$T/r.out"; then
    ok "run prints the summary and where the results are"
else
    not_ok "run prints the summary and where the results are" "$(show "$T/r.out")"
fi

########################################################################################
echo "# 4. same seed, same trace"

# Without -q: stderr is a file here, so there must be no progress line either (check 9).
pb r2 "${RUN[@]}" -s 1-2 --max-evals 200 -o "$T/r2.json"
pb r3 "${RUN[@]}" -s 3 --max-evals 200 -o "$T/r3.json" -q
trace_of() { jq -c "[.runs[] | select(.seed == $2) | .trace.best_error]" "$1" 2>/dev/null; }
A1=$(trace_of "$R" 1)
B1=$(trace_of "$T/r2.json" 1)
A2=$(trace_of "$R" 2)
B2=$(trace_of "$T/r2.json" 2)
C3=$(trace_of "$T/r3.json" 3)
if [ "$RC" -eq 0 ] && [ "$A1" = "$B1" ] && [ "$A2" = "$B2" ] && [ "$A1" != "[]" ]; then
    ok "same seed, identical best_error traces across invocations"
else
    not_ok "same seed, identical best_error traces across invocations" "$A1" "$B1"
fi
COLUMNS_OF='.runs | sort_by(.seed) | map(.trace | del(.seconds))'
if [ "$(jq -c "$COLUMNS_OF" "$R")" = "$(jq -c "$COLUMNS_OF" "$T/r2.json")" ]; then
    ok "same seed, identical trace columns (seconds excepted)"
else
    not_ok "same seed, identical trace columns (seconds excepted)"
fi
if [ -n "$C3" ] && [ "$C3" != "[]" ] && [ "$C3" != "$A1" ] && [ "$A1" != "$A2" ]; then
    ok "a different seed gives a different trace"
else
    not_ok "a different seed gives a different trace" "seed 1: $A1" "seed 2: $A2" "seed 3: $C3"
fi

########################################################################################
echo "# 5. config file"

cat >"$T/cfg.json" <<EOF
{
  "algorithms": ["random-search"],
  "problems": ["$PROBLEM"],
  "seeds": "1-2",
  "max_evals": 200,
  "params": {"random-search": {"batch": 5}},
  "plots": false,
  "quiet": true
}
EOF
# The fields of a record that do not depend on timing.
STABLE='[.runs | sort_by(.seed)[] | del(.time, .trace.seconds)]'
pb cfg run -c "$T/cfg.json" -o "$T/cfg.json.out.json"
pb flags "${RUN[@]}" -s 1-2 --max-evals 200 -P random-search.batch=5 -q -o "$T/flags.json"
if [ "$RC" -eq 0 ] && [ -f "$T/cfg.json.out.json" ] &&
    [ "$(jq -c "$STABLE" "$T/cfg.json.out.json")" = "$(jq -c "$STABLE" "$T/flags.json")" ]; then
    ok "config file gives the same runs as the equivalent flags"
else
    not_ok "config file gives the same runs as the equivalent flags" "$(show "$T/cfg.err")"
fi
json_check "config params object sets batch = 5" "$T/cfg.json.out.json" \
    '(.runs | length == 2) and all(.runs[]; .parameters.batch == 5 and .counts.evaluations == 200)'
pb over run -c "$T/cfg.json" --max-evals 100 -P random-search.batch=2 -s 7 -o "$T/over.json"
json_check "flags override the config (max_evals 100, batch 2, seeds 7)" "$T/over.json" \
    '(.runs | length == 1) and .runs[0].seed == 7 and .runs[0].parameters.batch == 2
     and .runs[0].counts.evaluations == 100 and .runs[0].budget.evaluations == 100'
printf '{"algorithms": ["random-search"], "problems": ["%s"], "seeds": [4, 9], "max_evals": 50,
  "params": ["random-search.batch=25"], "plots": false, "quiet": true, "output": "%s"}\n' \
    "$PROBLEM" "$T/cfg2/out.json" >"$T/cfg2.json"
pb cfg2 run -c "$T/cfg2.json"
json_check "config: seeds array, params array, output (directory created)" "$T/cfg2/out.json" \
    '([.runs[].seed] | sort == [4, 9]) and all(.runs[]; .parameters.batch == 25
     and .counts.evaluations == 50)'

########################################################################################
echo "# 6. --target"

pb target "${RUN[@]}" -s 1 --max-evals 200 --target 1e9 -P random-search.batch=1 -q \
    -o "$T/target.json"
json_check "--target 1e9: stops at the first evaluation (stop_reason target, target_hit 1)" \
    "$T/target.json" '.runs[0] | .status == "ok" and .stop_reason == "target"
        and .target == 1e9 and .target_hit == 1 and .counts.evaluations == 1'
pb target2 "${RUN[@]}" -s 1 --max-evals 200 --target 1e9 -q -o "$T/target2.json"
json_check "--target with batch 10: target_hit 1, ends after the first iteration" \
    "$T/target2.json" '.runs[0] | .stop_reason == "target" and .target_hit == 1
        and .counts.iterations == 1 and .counts.evaluations <= 10'
pb target3 "${RUN[@]}" -s 1 --max-evals 200 --target -1 -q -o "$T/target3.json"
json_check "--target never reached: budget ends the run, target_hit null" "$T/target3.json" \
    '.runs[0] | .stop_reason == "budget_cost" and .target == -1 and .target_hit == null'

########################################################################################
echo "# 7. crash safety: kill -9, then --resume"

K=$T/k/k.json
KILL_ARGS=("${RUN[@]}" -s 1-40 --max-seconds 0.3 -j 1 -o "$K")
"$PB" "${KILL_ARGS[@]}" >"$T/kill1.out" 2>"$T/kill1.err" </dev/null &
KPID=$!
BG_PIDS+=("$KPID")
if wait_lines "$K.journal" 2 30; then
    kill -9 "$KPID" 2>/dev/null
    reap "$KPID"
    KRC=$?
    check "the suite was killed by SIGKILL" test "$KRC" -eq 137
    check "the journal has complete JSON lines for the finished runs" every_line_json "$K.journal"
    DONE1=$(wc -l <"$K.journal")
    check "the journal holds at least 2 and fewer than 40 runs ($DONE1)" \
        test "$DONE1" -ge 2 -a "$DONE1" -lt 40
    check "no results file after the kill" test ! -e "$K"
    check "the killed suite's lock file stays behind" test -e "$K.lock"
    jq -s . "$K.journal" >"$T/journal.json" 2>/dev/null
    json_check "journalled runs are complete records with status ok" "$T/journal.json" \
        'all(.[]; .status == "ok" and .stop_reason == "budget_seconds" and (.trace | has("best_error")))'

    pb resume "${KILL_ARGS[@]}" --resume
    check "--resume: exit 0" test "$RC" -eq 0
    check "--resume takes over the lock the killed suite left, naming it" grep -q \
        "k.json.lock was left behind by plugbench process $KPID that ended without removing it (killed?); taking it over" \
        "$T/resume.err"
    check "... and removes it when it ends" test ! -e "$K.lock"
    N_OLD=$(sed -nE 's/^plugbench: resuming: ([0-9]+) runs already recorded, ([0-9]+) to run$/\1/p' "$T/resume.err")
    N_NEW=$(sed -nE 's/^plugbench: resuming: ([0-9]+) runs already recorded, ([0-9]+) to run$/\2/p' "$T/resume.err")
    if [ -n "$N_OLD" ] && [ "$N_OLD" -ge "$DONE1" ] && [ "$N_NEW" -lt 40 ] &&
        [ $((N_OLD + N_NEW)) -eq 40 ]; then
        ok "--resume: $N_OLD runs already recorded, $N_NEW to run"
    else
        not_ok "--resume reports the recorded runs and runs fewer than 40" "$(show "$T/resume.err")"
    fi
    json_check "after --resume: 40 runs, each seed exactly once" "$K" \
        '(.runs | length == 40) and ([.runs[].seed] | unique == [range(1; 41)])'
    json_check "after --resume: every run ok" "$K" 'all(.runs[]; .status == "ok")'
    check "the journal is removed after success" test ! -e "$K.journal"
else
    not_ok "the journal reached 2 lines within 30 s" "$(show "$T/kill1.err")"
fi

# A journal whose last line was cut off by a crash (a record larger than one write(2),
# e.g. with 4 KiB of captured output) must survive a resumed run that crashes in turn.
J=$T/j/j.json
mkdir -p "$T/j"
TORN_ARGS=("${RUN[@]}" -s 1-6 --max-seconds 0.3 -j 1 -o "$J")
jq -c '.runs | sort_by(.seed)[]' "$K" | head -n 2 >"$J.journal"          # seeds 1, 2
jq -c '.runs[] | select(.seed == 3)' "$K" | head -c 700 >>"$J.journal"  # torn seed 3
"$PB" "${TORN_ARGS[@]}" --resume >"$T/torn1.out" 2>"$T/torn1.err" </dev/null &
JPID=$!
BG_PIDS+=("$JPID")
if wait_lines "$J.journal" 3 30; then
    kill -9 "$JPID" 2>/dev/null
    reap "$JPID"
    pb torn2 "${TORN_ARGS[@]}" --resume
    if [ "$RC" -eq 0 ] && jqt "$J" '[.runs[].seed] | sort == [1, 2, 3, 4, 5, 6]'; then
        ok "a torn journal line survives two resumed invocations (all 6 runs, once each)"
    else
        not_ok "a torn journal line survives two resumed invocations (all 6 runs, once each)" \
            "exit $RC" "$(show "$T/torn2.err" 3)"
    fi
else
    not_ok "the resumed run appended to the torn journal within 30 s" "$(show "$T/torn1.err")"
fi

# A plugbench killed by SIGKILL cannot kill its runs: they must not outlive it (a run that
# loops would otherwise spin forever, since its wall-clock limit died with the parent).
children_of() {
    local stat pid
    if [ -r "/proc/$1/task/$1/children" ]; then
        cat "/proc/$1/task/$1/children"
        return
    fi
    for stat in /proc/[0-9]*/stat; do
        pid=${stat#/proc/}
        pid=${pid%/stat}
        # The fields after the ")" that ends the command name: state, ppid, ...
        [ "$(sed -E 's/.*\) [A-Za-z] ([0-9]+) .*/\1/' "$stat" 2>/dev/null)" = "$1" ] && echo "$pid"
    done
}
if [ -f "$TESTPLUGINS/bad-loop.so" ] && [ -d /proc/self ]; then
    "$PB" run -a "$TESTPLUGINS/bad-loop.so" -p "$PROBLEM" -s 1 --timeout 60 -o "$T/o/o.json" \
        --no-plots -q >"$T/orphan.out" 2>"$T/orphan.err" </dev/null &
    OPID=$!
    BG_PIDS+=("$OPID")
    kids=""
    for _ in $(seq 100); do
        kids=$(children_of "$OPID")
        [ -n "$kids" ] && break
        sleep 0.05
    done
    kill -9 "$OPID" 2>/dev/null
    reap "$OPID"
    alive=""
    for _ in $(seq 40); do
        alive=""
        for k in $kids; do
            [ -e "/proc/$k" ] && [ "$(sed -E 's/.*\) ([A-Za-z]) .*/\1/' "/proc/$k/stat" 2>/dev/null)" != Z ] &&
                alive="$alive $k"
        done
        [ -z "$alive" ] && break
        sleep 0.05
    done
    if [ -n "$kids" ] && [ -z "$alive" ]; then
        ok "a run does not outlive a plugbench killed by SIGKILL"
    else
        not_ok "a run does not outlive a plugbench killed by SIGKILL" \
            "run process(es) of the killed plugbench: ${kids:-none found}; still running 2 s later:${alive:- none}"
        # End the survivors (forks of our plugbench, checked by their command line).
        for k in $alive; do
            tr '\0' ' ' <"/proc/$k/cmdline" 2>/dev/null | grep -qF "$TESTPLUGINS/bad-loop.so" &&
                kill -9 "$k" 2>/dev/null
        done
    fi
else
    skip "runs do not outlive a killed plugbench: bad-loop.so not built"
fi

# SIGINT: the finished runs are written, the exit status is 1.
I=$T/i/i.json
"$PB" "${RUN[@]}" -s 1-40 --max-seconds 0.3 -j 1 -o "$I" >"$T/int.out" 2>"$T/int.err" </dev/null &
IPID=$!
BG_PIDS+=("$IPID")
if wait_lines "$I.journal" 1 30; then
    kill -INT "$IPID" 2>/dev/null
    reap "$IPID"
    IRC=$?
    check "SIGINT: exit 1" test "$IRC" -eq 1
    json_check "SIGINT: the finished runs are in the results file" "$I" \
        '(.runs | length) >= 1 and (.runs | length) < 40 and all(.runs[]; .status == "ok")'
    check "SIGINT: the journal is removed, the message says interrupted" \
        test ! -e "$I.journal" -a -n "$(grep interrupted "$T/int.err")"
else
    not_ok "the journal reached 1 line within 30 s" "$(show "$T/int.err")"
fi

########################################################################################
echo "# 8. misbehaving plugins"

so() { echo "$TESTPLUGINS/bad-$1.so"; }
have() {
    local n
    for n in "$@"; do [ -f "$(so "$n")" ] || return 1; done
}

if have segv loop exit; then
    B=$T/bad.json
    pb bad run -a "$(so segv)" -a "$(so loop)" -a "$(so exit)" -a random-search -p "$PROBLEM" \
        -s 1-2 --max-evals 200 --timeout 1 -j 2 -o "$B" --no-plots -q
    check "bad-segv, bad-loop, bad-exit and random-search in one run: exit 0" test "$RC" -eq 0
    by() { echo "[.runs[] | select(.seed == $1 and (.plugin.path | endswith(\"/$2\")))]"; }
    for seed in 1 2; do
        json_check "seed $seed: 4 runs" "$B" "[.runs[] | select(.seed == $seed)] | length == 4"
        json_check "seed $seed: bad-segv crashed with signal 11" "$B" \
            "$(by "$seed" bad-segv.so) | length == 1 and .[0].status == \"crashed\" and .[0].signal == 11"
        json_check "seed $seed: bad-loop timed out" "$B" \
            "$(by "$seed" bad-loop.so) | length == 1 and .[0].status == \"timeout\""
        json_check "seed $seed: bad-exit error" "$B" \
            "$(by "$seed" bad-exit.so) | length == 1 and .[0].status == \"error\""
        json_check "seed $seed: random-search ok" "$B" \
            "[.runs[] | select(.seed == $seed and .plugin.name == \"random-search\")] | length == 1
             and .[0].status == \"ok\" and .[0].counts.evaluations == 200"
    done
    check "no NaN or Infinity written as a number (failed runs)" no_bare_nonfinite "$B"
    check "stderr reports the failed runs (signal 11, timeout)" \
        test -n "$(grep 'crashed' "$T/bad.err" | grep '11')" -a -n "$(grep 'timeout' "$T/bad.err")"
else
    skip "bad-segv, bad-loop, bad-exit with random-search: test plugins not built"
fi

# The context says which memory limit runs get (see isolate.c and cgroup.c).
json_check "context.memory_limit: a memory cgroup, RLIMIT_AS or none" "$R" \
    '.context.memory_limit | test("^(memory cgroup v[12]: 4096 MiB|RLIMIT_AS: 4096 MiB|none: )")'
# Under AddressSanitizer there is no memory limit without a memory cgroup (RLIMIT_AS would
# stop it), and with one the reclaim at the limit is slow: bad-memory is left out.
UNDER_ASAN=0
jq -r '.context.compiler_flags // ""' "$R" 2>/dev/null |
    grep -Eq '(b_sanitize=[^ ]*address|-fsanitize=[^ ]*address)' && UNDER_ASAN=1
MEMORY=()
[ "$UNDER_ASAN" -eq 0 ] && MEMORY=(-a "$(so memory)")
if have abort create stepfail nonfinite noisy memory && [ -f "$TESTPLUGINS/good-params.so" ]; then
    B2=$T/bad2.json
    pb bad2 run -a "$(so abort)" -a "$(so create)" -a "$(so stepfail)" -a "$(so nonfinite)" \
        -a "$(so noisy)" "${MEMORY[@]}" -a "$TESTPLUGINS/good-params.so" \
        -P good-params.step=0.25 -P good-params.verbose=true -P good-params.mode=c \
        -p "$PROBLEM" -s 1 --max-evals 200 --memory 256 -j 2 -o "$B2" --no-plots -q
    check "bad-abort, -create, -stepfail, -nonfinite, -noisy, -memory, good-params: exit 0" \
        test "$RC" -eq 0
    one() { echo "[.runs[] | select(.plugin.path | endswith(\"/$1\"))] | length == 1 and (.[0] | $2)"; }
    json_check "bad-abort: crashed, signal 6" "$B2" "$(one bad-abort.so '.status == "crashed" and .signal == 6')"
    json_check "bad-create: error with the plugin's message" "$B2" \
        "$(one bad-create.so '.status == "error" and (.message | test("refuses"))')"
    json_check "bad-stepfail: error with the plugin's message" "$B2" \
        "$(one bad-stepfail.so '.status == "error" and (.message | test("step 2"))')"
    json_check "bad-nonfinite: nonfinite, its metric null" "$B2" \
        "$(one bad-nonfinite.so '.status == "nonfinite" and .metrics.solution_error == null')"
    json_check "bad-noisy: ok, its output captured" "$B2" \
        "$(one bad-noisy.so '.status == "ok" and .output_bytes > 0 and (.output | test("on stderr")) and (.output | test("on stdout"))')"
    if [ "$UNDER_ASAN" -eq 0 ]; then
        json_check "bad-memory under --memory 256: error, out of memory" "$B2" \
            "$(one bad-memory.so '.status == "error" and (.message | test("memory"))')"
    else
        skip "bad-memory: left out under AddressSanitizer"
    fi
    json_check "good-params: real, bool and choice parameters recorded as set" "$B2" \
        "$(one good-params.so '.status == "ok" and .parameters == {"step": 0.25, "batch": 4, "verbose": true, "mode": "c"}')"
    check "no NaN or Infinity written as a number (nonfinite run)" no_bare_nonfinite "$B2"
    GP=$TESTPLUGINS/good-params.so
    usage_error "choice parameter out of its choices" "'mode'.*a\|b\|c" \
        run -a "$GP" -p "$PROBLEM" -o "$T/e.json" -P good-params.mode=d
    usage_error "bool parameter not a bool" "'verbose'.*maybe" \
        run -a "$GP" -p "$PROBLEM" -o "$T/e.json" -P good-params.verbose=maybe
    usage_error "int parameter not an integer" "'batch'.*2\.5" \
        run -a "$GP" -p "$PROBLEM" -o "$T/e.json" -P good-params.batch=2.5
    usage_error "--param for an algorithm not in the run" "random-search" \
        run -a "$GP" -p "$PROBLEM" -o "$T/e.json" -P random-search.batch=2
    pb descgp describe "$GP"
    stdout_has "describe good-params.so: real, int, bool and choice parameters" descgp 16 \
        '^ +step +real +default +0\.5 +\[0, 1\]' '^ +verbose +bool +default +false +true\|false' \
        '^ +mode +choice +default +b +one of a\|b\|c'
else
    skip "bad-abort, -create, -stepfail, -nonfinite, -noisy, -memory, good-params: not built"
fi

if have abi-major; then
    pb abi run -a "$(so abi-major)" -p "$PROBLEM" -o "$T/abi.json" --no-plots -q
    line=$(head -n 1 "$T/abi.err")
    versions=$(printf '%s\n' "${line//$(so abi-major)/}" | grep -Eo '[0-9]+\.[0-9]+' | sort -u)
    host_major=${HOST_ABI%%.*}
    if [ "$RC" -eq 2 ] && [ "$(wc -l <"$T/abi.err")" -eq 1 ] &&
        grep -Fq "$(so abi-major)" "$T/abi.err" &&
        printf '%s\n' "$versions" | grep -qx "$HOST_ABI" &&
        printf '%s\n' "$versions" | grep -Ev "^$host_major\." | grep -q .; then
        ok "bad-abi-major: exit 2, one line with the path and both ABI versions"
    else
        not_ok "bad-abi-major: exit 2, one line with the path and both ABI versions" \
            "exit $RC (host ABI $HOST_ABI)" "$(show "$T/abi.err" 3)"
    fi
else
    skip "bad-abi-major: test plugin not built"
fi

# Plugins the loader must refuse: exit 2, one line naming the file.
for n in abi-minor noentry kind param notso; do
    if have "$n"; then
        pb refuse run -a "$(so "$n")" -p "$PROBLEM" -o "$T/refuse.json" --no-plots -q
        if [ "$RC" -eq 2 ] && [ "$(wc -l <"$T/refuse.err")" -eq 1 ] &&
            grep -Fq "bad-$n.so" "$T/refuse.err"; then
            ok "run -a bad-$n.so: exit 2, one line: $(cat "$T/refuse.err")"
        else
            not_ok "run -a bad-$n.so: exit 2, one line naming the file" "exit $RC" \
                "$(show "$T/refuse.err" 3)"
        fi
    else
        skip "run -a bad-$n.so: test plugin not built"
    fi
done

# check_verdict NAME SO WANT: `plugbench check SO` (output in NAME.out) exits WANT: 0 with
# "SO: conforms" and no FAIL anywhere, or 1 with "SO: does not conform" and a [FAIL] line.
check_verdict() {
    local name=$1 so=$2 want=$3 verdict=conforms listed
    pb "$name" check "$so"
    if [ "$want" -eq 0 ]; then
        ! grep -q FAIL "$T/$name.out"
    else
        verdict="does not conform"
        grep -q '^\[FAIL\]' "$T/$name.out"
    fi
    listed=$?
    local what="check $(basename "$so"): exit $want, $verdict"
    if [ "$RC" -eq "$want" ] && grep -q ": $verdict\$" "$T/$name.out" && [ "$listed" -eq 0 ]; then
        ok "$what"
    else
        not_ok "$what" "exit $RC" "$(show "$T/$name.out" 8)"
    fi
}
if [ -f "$RS_SO" ]; then
    check_verdict checkrs "$RS_SO" 0
else
    skip "check random-search.so: $RS_SO not built"
fi
if have nonfinite; then
    check_verdict checknf "$(so nonfinite)" 1
else
    skip "check bad-nonfinite.so: test plugin not built"
fi
# bad-nondet recommends a point that depends on its process id from its 5th step on: with
# its 4 evaluations per step, the trace points sit at 4, 8, 12, then 20 evaluations (index
# 3, iteration 5), where solution_error (best_error is the oracle's, unaffected) differs.
if have nondet; then
    pb checknd check "$(so nondet)"
    line=$(grep '^\[FAIL\] same seed, same trace: ' "$T/checknd.out")
    re='trace point index 3 \(evaluations 20, iterations 5\) of [0-9]+: solution_error (\S+) in run 1, (\S+) in run 2$'
    if [ "$RC" -eq 1 ] && [[ $line =~ $re ]] &&
        [ "$(jq -n "${BASH_REMATCH[1]} != ${BASH_REMATCH[2]}" 2>/dev/null)" = true ] &&
        [ "$(printf '%.17g' "${BASH_REMATCH[1]}")" = "${BASH_REMATCH[1]}" ] &&
        [ "$(printf '%.17g' "${BASH_REMATCH[2]}")" = "${BASH_REMATCH[2]}" ]; then
        ok "check bad-nondet.so: exit 1, names the point, the metric and both values: $line"
    else
        not_ok "check bad-nondet.so: exit 1, names the point (index 3, evaluations 20, iterations 5), the metric and both values (%.17g)" \
            "exit $RC" "$(show "$T/checknd.out" 8)"
    fi
else
    skip "check bad-nondet.so: test plugin not built"
fi
if have notso; then
    pb checkns check "$(so notso)"
    check "check bad-notso.so: exit 2" test "$RC" -eq 2
else
    skip "check bad-notso.so: test plugin not built"
fi

########################################################################################
echo "# 9. progress line"

# r2 ran without -q with stderr redirected to a file.
if ! grep -q $'\r' "$T/r2.err" && ! grep -q 'ETA' "$T/r2.err"; then
    ok "no progress line when stderr is not a terminal"
else
    not_ok "no progress line when stderr is not a terminal" "$(show "$T/r2.err")"
fi
if command -v script >/dev/null 2>&1 && script -qec true /dev/null </dev/null >/dev/null 2>&1; then
    q() { printf '%q ' "$@"; }
    script -qec "$(q "$PB" "${RUN[@]}" -s 1-3 --max-evals 200 -o "$T/tty.json")" /dev/null \
        </dev/null >"$T/tty.log" 2>&1
    if grep -q $'\r' "$T/tty.log" && grep -q 'ETA' "$T/tty.log" && grep -q '3/3 runs' "$T/tty.log"; then
        ok "progress line (N/M runs, ETA) on a terminal"
    else
        not_ok "progress line (N/M runs, ETA) on a terminal" "$(show "$T/tty.log")"
    fi
    script -qec "$(q "$PB" "${RUN[@]}" -s 1-3 --max-evals 200 -q -o "$T/ttyq.json")" /dev/null \
        </dev/null >"$T/ttyq.log" 2>&1
    if [ -f "$T/ttyq.json" ] && ! grep -q 'ETA' "$T/ttyq.log"; then
        ok "-q: no progress line on a terminal"
    else
        not_ok "-q: no progress line on a terminal" "$(show "$T/ttyq.log")"
    fi
else
    skip "progress line on a terminal: script (util-linux) not available or no pty"
    skip "-q on a terminal: script (util-linux) not available or no pty"
fi

########################################################################################
echo "# 10. atomic write"

leftovers=$(find "$T" -name '*.tmp.*' | head -n 5)
check "no leftover *.tmp.* file next to any results file" test -z "$leftovers"
bad_json=""
for f in "$R" "$T/r2.json" "$T/r3.json" "$T/flags.json" "$T/over.json" "$T/target.json" "$K"; do
    [ -e "$f" ] || continue
    jq -e '.schema == "plugbench/results/1" and (.runs | type == "array")' "$f" >/dev/null 2>&1 ||
        bad_json="$bad_json $(basename "$f")"
done
check "every results file is a whole JSON document${bad_json:+ (not:$bad_json)}" test -z "$bad_json"
# The output is replaced, not appended to or merged: a second run leaves one run.
pb again "${RUN[@]}" -s 5 --max-evals 20 -q -o "$R"
json_check "a second run to the same output replaces the file" "$R" \
    '(.runs | length == 1) and .runs[0].seed == 5'
check "no leftover *.tmp.* file after replacing" test -z "$(find "$T" -name '*.tmp.*')"

########################################################################################
########################################################################################
echo "# 11. the same run never recorded twice; inputs checked before anything runs"
usage_error "a seed past 2^53 (doubles could not tell it apart)" "seeds" "${RUN[@]}" -o "$T/e.json" -s 9007199254740993
usage_error "seed 2^64-1" "seeds" "${RUN[@]}" -o "$T/e.json" -s 18446744073709551615
usage_error "an algorithm listed twice" "listed twice" "${RUN[@]}" -a random-search -o "$T/e.json"
usage_error "a problem listed twice" "listed twice" "${RUN[@]}" -p "$PROBLEM" -o "$T/e.json"
usage_error "bbob-f1 and bbob-f01 are one problem" "listed twice" run -a random-search \
    -p bbob-f1-d2-i1 -p bbob-f01-d2-i1 -o "$T/e.json"
usage_error "a signed dimension" "malformed problem id" "${RUN[@]/$PROBLEM/sphere-d+3-i1}" -o "$T/e.json"
usage_error "-o a directory, refused before running" "not a directory" "${RUN[@]}" -o "$T"
echo '{"params": {"random-search": 5}}' >"$T/pnum.json"
usage_error "config params entry that is not an object" "random-search" "${RUN[@]}" -c "$T/pnum.json" -o "$T/e.json"
echo '{"max_evals": 10.5}' >"$T/frac.json"
usage_error "a fractional count names the config file" "frac.json: max_evals must be a whole number" \
    "${RUN[@]}" -c "$T/frac.json" -o "$T/e.json"
echo '[1, 2]' >"$T/arr.json"
usage_error "a config that is an array" "not an object" "${RUN[@]}" -c "$T/arr.json" -o "$T/e.json"
# A key twice in a config: cJSON would read the second, which a flag does not replace.
echo '{"max_evals": 5000, "max_evals": 5000}' >"$T/dup.json"
usage_error "a key twice in a config, even with the flag given" "dup.json: key 'max_evals' appears twice" \
    "${RUN[@]}" -c "$T/dup.json" --max-evals 7 -o "$T/e.json"
echo '{"params": {"random-search": {"batch": 5, "batch": 6}}}' >"$T/dup2.json"
usage_error "a parameter twice in a config" "dup2.json: key 'batch' appears twice" \
    "${RUN[@]}" -c "$T/dup2.json" -o "$T/e.json"
# Numbers as people type them, and nothing else.
usage_error "--max-evals 0x10 (hexadecimal)" "--max-evals expects a decimal number, not '0x10'" \
    "${RUN[@]}" --max-evals 0x10 -o "$T/e.json"
usage_error "--jobs ' 2' (a space)" "--jobs expects a decimal number, not ' 2'" \
    "${RUN[@]}" -j " 2" -o "$T/e.json"
usage_error "--timeout inf" "--timeout expects a decimal number" "${RUN[@]}" --timeout inf -o "$T/e.json"
usage_error "a parameter 'batch= 5'" "parameter 'batch' = ' 5' is not an int" \
    "${RUN[@]}" -P "random-search.batch= 5" -o "$T/e.json"
usage_error "a parameter 'batch=0x10'" "parameter 'batch' = '0x10' is not an int" \
    "${RUN[@]}" -P "random-search.batch=0x10" -o "$T/e.json"
usage_error "--shard ' 1/2'" "shard must be .*not ' 1/2'" "${RUN[@]}" --shard " 1/2" -o "$T/e.json"
usage_error "--shard '1/2 '" "shard must be .*not '1/2 '" "${RUN[@]}" --shard "1/2 " -o "$T/e.json"
usage_error "--shard +1/2" "shard must be .*not '\+1/2'" "${RUN[@]}" --shard +1/2 -o "$T/e.json"
usage_error "report --target 0x1p-3" "--target expects a number, not '0x1p-3'" \
    report "$T/canon.json" --target 0x1p-3 -o "$T/e"
usage_error "compare --alpha ' 0.05'" "--alpha ' 0.05'" compare --alpha " 0.05" "$T/canon.json" "$T/canon.json"
pb canon run -a random-search -p bbob-f1-d2-i1 -s 1 --max-evals 10 --no-plots -q -o "$T/canon.json"
json_check "problem ids are recorded in their one canonical form" "$T/canon.json" \
    '.runs[0].problem.id == "bbob-f01-d2-i1"'

# Two invocations writing one results file: the second is refused, the first loses nothing.
"$PB" "${RUN[@]}" -s 1-20 --max-seconds 0.1 -q -o "$T/lock.json" >/dev/null 2>&1 </dev/null &
BG_PIDS+=($!)
lock_pid=$!
wait_lines "$T/lock.json.journal" 1 20
# Stopped while the second invocation tries: on a loaded machine (or under ASan) the first
# could otherwise finish, and remove its lock, before the second has started. Its runs go on
# and wait for it; their wall-clock limit (10 s) is far from what the check takes.
kill -STOP "$lock_pid"
usage_error "a second run on the same results file" "another plugbench run or merge is writing it" \
    "${RUN[@]}" -s 1 -o "$T/lock.json"
check "... and leaves the first run's lock in place" test -e "$T/lock.json.lock"
kill -CONT "$lock_pid"
reap "$lock_pid"
json_check "the first run kept all of its 20 runs" "$T/lock.json" '.runs | length == 20'
check "the run removed its lock file when it ended" test ! -e "$T/lock.json.lock"
# merge into the output of a suite still running (one far too long to end by itself, stopped
# with SIGINT after the check): refused, and the suite writes its file as if merge never came.
"$PB" "${RUN[@]}" -s 1-1000 --max-seconds 0.1 -q -o "$T/lock2.json" >/dev/null 2>&1 </dev/null &
BG_PIDS+=($!)
lock_pid=$!
wait_lines "$T/lock2.json.journal" 1 20
jq -c '.runs[0]' "$T/canon.json" >"$T/one.journal"
usage_error "merge into the results file of a running suite" \
    "lock2.json: another plugbench run or merge is writing it" merge -o "$T/lock2.json" "$T/one.journal"
kill -INT "$lock_pid"
reap "$lock_pid"
json_check "... and the suite's own results file is what it wrote" "$T/lock2.json" \
    '(.runs | length >= 1) and .context.command[0] == "run" and all(.runs[]; .problem.id != "bbob-f01-d2-i1")'
check "an interrupted run removes its lock file too" test ! -e "$T/lock2.json.lock"
pb merged merge -o "$T/lock3.json" "$T/one.journal"
check "merge removes the lock file it took" test "$RC" -eq 0 -a ! -e "$T/lock3.json.lock"

# --resume keeps only runs of the current matrix, once each.
pb r3 "${RUN[@]}" -s 1-3 --max-evals 100 -q -o "$T/res.json"
pb r2 "${RUN[@]}" -s 1-2 --max-evals 100 --resume -o "$T/res.json"
json_check "--resume with fewer seeds keeps those seeds once, drops the others" "$T/res.json" \
    '[.runs[].seed] | sort == [1, 2]'
check "... and runs nothing new" grep -q "2 runs already recorded, 0 to run" "$T/r2.err"

echo "# 12. --shard and merge"
# Three shards of a 2 x 2 x 3 matrix: disjoint, of sizes 4, 4, 4, and merged (in any input
# order) the same runs, in the same order, as the whole matrix run at once, sorted by
# algorithm, problem and seed. Times and captured output differ between runs; the rest
# is fixed by the seeds.
SHARDED=(run -a random-search -a nelder-mead -p sphere-d2-i1 -p rastrigin-d5-i1 -s 1-3
    --max-evals 200 --no-plots -q)
pb whole "${SHARDED[@]}" -o "$T/whole.json"
for i in 1 2 3; do pb "shard$i" "${SHARDED[@]}" --shard "$i/3" -o "$T/shard$i.json"; done
json_check "shard 1/3 runs runs 0, 3, 6, 9 of the matrix: 4 runs" "$T/shard1.json" \
    '[.runs[] | [.plugin.name, .problem.id, .seed]] | sort ==
     [["nelder-mead", "rastrigin-d5-i1", 1], ["nelder-mead", "sphere-d2-i1", 1],
      ["random-search", "rastrigin-d5-i1", 1], ["random-search", "sphere-d2-i1", 1]]'
pb merge1 merge -o "$T/merged.json" "$T/shard3.json" "$T/shard1.json" "$T/shard2.json"
check "merge: exit 0, says how many runs" grep -q "^12 runs from 3 files: " "$T/merge1.out"
pb merge2 merge -o "$T/merged2.json" "$T/shard1.json" "$T/shard2.json" "$T/shard3.json"
RUNS_ONLY='[.runs[] | del(.time, .trace.seconds, .output, .output_bytes)]'
if [ "$(jq -S "$RUNS_ONLY" "$T/merged.json")" = "$(jq -S "$RUNS_ONLY" "$T/merged2.json")" ] &&
    [ "$(jq -S "$RUNS_ONLY" "$T/merged.json")" = \
      "$(jq -S "$RUNS_ONLY | sort_by(.plugin.name, .problem.id, .seed)" "$T/whole.json")" ]; then
    ok "merged shards = the whole matrix, sorted, whatever the input order"
else
    not_ok "merged shards = the whole matrix, sorted, whatever the input order"
fi
json_check "merge records each input's path and context" "$T/merged.json" \
    '[.context.merged[].path | split("/") | last] == ["shard3.json", "shard1.json", "shard2.json"]
     and all(.context.merged[]; .context.command[0] == "run")'
pb mreport report "$T/merged.json" -o "$T/mreport"
check "the merged file is a results file: report reads it" test "$RC" -eq 0
usage_error "merge: a run in two inputs is refused" "is in .*shard1.json and in .*shard1.json" \
    merge -o "$T/dup.json" "$T/shard1.json" "$T/shard1.json"
usage_error "merge: a missing input" "nope.json: No such file" merge -o "$T/e.json" "$T/nope.json"
usage_error "merge without -o" "needs -o" merge "$T/shard1.json"
# Inputs are checked as report and compare check theirs: never read as fewer runs.
jq -c . "$T/shard1.json" | head -c 2000 >"$T/cut1.json"  # one line, cut: no complete record
head -c 3000 "$T/shard1.json" >"$T/cut2.json"             # formatted, cut
: >"$T/empty.json"
jq '.runs = []' "$T/shard1.json" >"$T/noruns.json"
jq '.runs[1] |= del(.seed)' "$T/shard1.json" >"$T/noseed.json"
jq --arg x "$T/X" '.runs[2].problem.id = "x\nsystem \"touch \($x)\""' "$T/shard1.json" >"$T/badid.json"
usage_error "merge: a truncated one-line results file" "cut1.json: no runs" \
    merge -o "$T/e.json" "$T/shard2.json" "$T/cut1.json"
usage_error "merge: a truncated results file" "cut2.json:1: not a plugbench results file" \
    merge -o "$T/e.json" "$T/cut2.json"
usage_error "merge: an empty file" "empty.json: no runs" merge -o "$T/e.json" "$T/empty.json"
usage_error "merge: a results file without runs" "noruns.json: no runs" \
    merge -o "$T/e.json" "$T/noruns.json"
usage_error "merge: a run without a seed" "noseed.json: run 2 has no seed" \
    merge -o "$T/e.json" "$T/noseed.json"
usage_error "merge: a problem id that is not a plain word" "badid.json: run 3: problem.id" \
    merge -o "$T/e.json" "$T/badid.json"
check "merge: nothing written after the refusals" test ! -e "$T/e.json"
usage_error "--shard 0/3" "shard must be" "${RUN[@]}" --shard 0/3 -o "$T/e.json"
usage_error "--shard 4/3" "shard must be" "${RUN[@]}" --shard 4/3 -o "$T/e.json"
usage_error "--shard 2" "shard must be" "${RUN[@]}" --shard 2 -o "$T/e.json"

# Output a plugin wrote that is not UTF-8 does not make the results file invalid.
if [ -f "$TESTPLUGINS/bad-noisy.so" ]; then
    pb noisy run -a "$TESTPLUGINS/bad-noisy.so" -p "$PROBLEM" -s 1 --max-evals 20 --no-plots -q -o "$T/noisy.json"
    check "captured output with a stray byte: the results file is valid UTF-8" \
        iconv -f UTF-8 -t UTF-8 -o /dev/null "$T/noisy.json"
else
    skip "bad-noisy.so is not built"
fi

# A plugin that crashes while it is being loaded costs a warning, not the command.
if [ -f "$TESTPLUGINS/bad-ctor.so" ]; then
    mkdir -p "$T/ctor" && cp "$TESTPLUGINS/bad-ctor.so" "$RS_SO" "$T/ctor/"
    pb ctorlist list --plugin-dir "$T/ctor"
    check "list survives a plugin that aborts at load, and says so" test "$RC" -eq 0 -a \
        -n "$(grep 'bad-ctor.so.*crashed with signal' "$T/ctorlist.err")" -a \
        -n "$(grep 'random-search' "$T/ctorlist.out")"
    pb ctorbyname run --plugin-dir "$T/ctor" -a bad-ctor -p "$PROBLEM" -s 1 --no-plots -q \
        -o "$T/ctorbyname.json"
    check "run -a NAME of a plugin that fails to load gives its error, not 'unknown'" \
        test "$RC" -eq 2 -a ! -e "$T/ctorbyname.json" -a \
        -n "$(grep 'bad-ctor.so.*crashed with signal' "$T/ctorbyname.err")" -a \
        -z "$(grep 'unknown algorithm' "$T/ctorbyname.err")"
else
    skip "bad-ctor.so is not built"
fi

# exit(0) in a plugin's constructor fails the plugin: never a silent exit 0 of the command
# (the harness used to load the plugin itself, and exit with it).
if [ -f "$TESTPLUGINS/bad-ctor-exit.so" ]; then
    pb ctorexitcheck check "$TESTPLUGINS/bad-ctor-exit.so"
    check "check refuses a plugin that calls exit(0) at load, exit 2" test "$RC" -eq 2 -a \
        -n "$(grep 'exited with status 0' "$T/ctorexitcheck.out")"
    pb ctorexitrun run -a "$TESTPLUGINS/bad-ctor-exit.so" -p "$PROBLEM" -s 1 --max-evals 20 \
        --no-plots -q -o "$T/ctorexit.json"
    check "run refuses a plugin that calls exit(0) at load, exit 2, no results" \
        test "$RC" -eq 2 -a ! -e "$T/ctorexit.json" -a \
        -n "$(grep 'exited with status 0' "$T/ctorexitrun.err")"
else
    skip "bad-ctor-exit.so is not built"
fi

# check: budgets that cannot be ignored, and a timeout.
if [ -f "$TESTPLUGINS/bad-loop.so" ]; then
    pb loopcheck check "$TESTPLUGINS/bad-loop.so" --timeout 1
    check "check stops at a run that timed out, exit 1" test "$RC" -eq 1 -a \
        "$(grep -c 'runs without failing' "$T/loopcheck.out")" -eq 1
else
    skip "bad-loop.so is not built"
fi

echo "# 13. two plugins with one name"
# Copies of good-params under other file names: in two --plugin-dir directories the first
# directory's wins, in one directory the first file name in byte order; each time one
# warning names the file used and the file hidden. The same file found twice is no conflict.
GP=$TESTPLUGINS/good-params.so
if [ -f "$GP" ]; then
    mkdir -p "$T/dup1" "$T/dup2" "$T/dup3"
    D1=$(cd "$T/dup1" && pwd -P) D2=$(cd "$T/dup2" && pwd -P) D3=$(cd "$T/dup3" && pwd -P)
    cp "$GP" "$D1/gp.so" && cp "$GP" "$D2/gp.so"
    # Created in reverse order, so that creation order is not what decides.
    for f in zz yy c b a; do cp "$GP" "$D3/$f.so"; done
    # dup_warned ERRFILE USED HIDDEN: exactly one line on stderr names good-params, and it
    # says USED is used and HIDDEN hidden.
    dup_warned() {
        local lines
        lines=$(grep -c "good-params" "$1")
        [ "$lines" -eq 1 ] && grep -Fq "using $2, hiding $3" "$1"
    }
    file_of() { sed -n 's/^file: *//p' "$T/$1.out"; }

    pb dupd1 describe good-params --plugin-dir "$D1" --plugin-dir "$D2"
    pb dupd2 describe good-params --plugin-dir "$D2" --plugin-dir "$D1"
    if [ "$RC" -eq 0 ] && [ "$(file_of dupd1)" = "$D1/gp.so" ] && [ "$(file_of dupd2)" = "$D2/gp.so" ]; then
        ok "same name in two --plugin-dir directories: the first directory's plugin is used"
    else
        not_ok "same name in two --plugin-dir directories: the first directory's plugin is used" \
            "file: $(file_of dupd1) and $(file_of dupd2)"
    fi
    check "... and one warning names both files (describe)" dup_warned "$T/dupd1.err" "$D1/gp.so" "$D2/gp.so"
    pb duplist list --plugin-dir "$D2" --plugin-dir "$D1"
    check "... once in list, good-params listed once" test "$RC" -eq 0 -a \
        "$(grep -c 'good-params' "$T/duplist.out")" -eq 1
    check "... and its warning names both files (list)" dup_warned "$T/duplist.err" "$D2/gp.so" "$D1/gp.so"
    pb duprun run -a good-params --plugin-dir "$D1" --plugin-dir "$D2" -p "$PROBLEM" -s 1 \
        --max-evals 20 --no-plots -q -o "$T/duprun.json"
    json_check "run -a good-params records the first directory's file" "$T/duprun.json" \
        ".runs | length == 1 and .[0].plugin.path == \"$D1/gp.so\""
    check "... and warns once, naming both files (run)" dup_warned "$T/duprun.err" "$D1/gp.so" "$D2/gp.so"

    pb dupd3 describe good-params --plugin-dir "$D3"
    if [ "$RC" -eq 0 ] && [ "$(file_of dupd3)" = "$D3/a.so" ]; then
        ok "same name in one directory: the first file name in order is used (a.so)"
    else
        not_ok "same name in one directory: the first file name in order is used (a.so)" \
            "file: $(file_of dupd3)"
    fi
    each_hidden_once() {
        local f
        [ "$(grep -c "good-params" "$T/dupd3.err")" -eq 4 ] || return 1
        for f in b c yy zz; do
            grep -Fq "using $D3/a.so, hiding $D3/$f.so" "$T/dupd3.err" || return 1
        done
    }
    if each_hidden_once; then
        ok "... one warning per hidden file (b, c, yy, zz), each naming a.so"
    else
        not_ok "... one warning per hidden file (b, c, yy, zz), each naming a.so" "$(show "$T/dupd3.err" 6)"
    fi

    pb dupsame list --plugin-dir "$D1" --plugin-dir "$D1/"
    check "the same file found twice: listed once, no warning" test "$RC" -eq 0 -a \
        "$(grep -c 'good-params' "$T/dupsame.out")" -eq 1 -a ! -s "$T/dupsame.err"
else
    skip "two plugins with one name: good-params.so not built"
fi

########################################################################################
echo "# --sandbox: the protections it prints, the journal it hides, its config key"

if [ -f "$TESTPLUGINS/bad-read.so" ]; then
    # Readable by others, so that only the sandbox keeps a run (root's runs as nobody) out.
    SB=$T/sandbox
    mkdir -p "$SB"
    chmod 755 "$T" "$SB"
    SBRUN=(run -a random-search -a "$TESTPLUGINS/bad-read.so" -p "$PROBLEM" -s 1 --no-plots -q
           -o "$SB/r.json")
    # bad-read runs after random-search, whose record is in the journal by then.
    PB_TEST_JOURNAL=$SB/r.json.journal pb sbplain "${SBRUN[@]}"
    json_check "without --sandbox bad-read reads the journal being written" "$SB/r.json" \
        '.runs[1].message | test("bad-read: read [0-9]+ bytes of the journal: \\{")'
    PB_TEST_JOURNAL=$SB/r.json.journal pb sbon "${SBRUN[@]}" --sandbox
    if [ "$RC" -eq 2 ] && grep -q -- '--sandbox: sandbox: refused' "$T/sbon.err"; then
        skip "run --sandbox: this machine cannot sandbox: $(head -c 300 "$T/sbon.err")"
    else
        check "run --sandbox prints once what is enforced, then runs" test "$RC" -eq 0 -a \
            "$(grep -c '^plugbench: sandbox: network: .*; files: .*; processes: .*; file size: .*; cpu: 600 s .*; memory: .*4096 MiB' "$T/sbon.err")" -eq 1
        json_check "with --sandbox bad-read cannot read it, random-search runs as before" \
            "$SB/r.json" '(.runs[1].message | test("bad-read: cannot read the journal: (Permission denied|No such file)")) and .runs[0].status == "ok"'
        echo '{"sandbox": true, "quiet": true}' > "$SB/sandbox.json"
        mkdir -p "$SB/tmp"
        chmod 755 "$SB/tmp"
        TMPDIR=$SB/tmp PB_TEST_JOURNAL=$SB/r.json.journal pb sbconf "${SBRUN[@]}" \
            -c "$SB/sandbox.json"
        check "the config key \"sandbox\": true is --sandbox, its scratch in \$TMPDIR" \
            test "$RC" -eq 0 -a "$(grep -c "^plugbench: sandbox: .* scratch $SB/tmp/" "$T/sbconf.err")" -eq 1
        check "no scratch directory is left behind" test -z "$(ls -A "$SB/tmp")"
        pb sbcheck check "$RS_SO" --sandbox
        check "check --sandbox: random-search conforms in the sandbox" test "$RC" -eq 0 -a \
            "$(grep -c '^plugbench: sandbox: ' "$T/sbcheck.err")" -eq 1
    fi
else
    skip "run --sandbox: bad-read.so not built"
fi

tap_done
