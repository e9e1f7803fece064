#!/usr/bin/env bash
# plugbench history end to end (tests/history/meson.build).
#
#   usage: history_test.sh PLUGBENCH_EXE INCLUDE_DIR SPIN_PLUGIN.c SANITIZE
#
# Builds a small git project in a scratch directory: tests/instr's spin plugin
# (SPIN_PLUGIN.c, a blackbox algorithm whose step evaluates one point and then spins a loop
# of two instructions; with tests/support/centre_plugin.h beside it), built with cc against INCLUDE_DIR (the plugin headers) with the spin
# count of the project's file `spin`, over five commits:
#   1 the plugin, spin 1000      2 a comment changed      3 spin 5000: the slowdown, the
#   4 a syntax error             5 the error fixed          quality unchanged
# and checks that:
#   (q) history without counting (quality only) over 1-5: the failed build of commit 4
#       reported and skipped, no regression (the quality does not move), and a rerun
#       measures nothing again;
#   (a) history --count-instructions over commits 1-3 names commit 3, and only it, as the
#       first commit of a regression (stdout, history.json), dearer by exactly 4000 spins
#       of 2 instructions per step (x86-64), and writes the page and plots;
#   (b) a rerun over 1-5 measures only 4 and 5, reports 4 as a build that failed, and still
#       finds exactly the one regression at commit 3 (5 after 3 is no step);
#   (c) --fail-on-regression exits 1, and nothing is measured again;
#   (d) no worktree and no scratch directory is left behind, also after an interrupt during
#       a build, which leaves that commit unmeasured;
#   (e) bad usage: another suite in the same directory, a range git does not know;
#   (f) --kernels over the range 1..3 (commits 2 and 3): bench --instructions at each, commit
#       3 the regression, dearer by exactly 8000 instructions per kernel iteration (x86-64).
# (a), (b), (c) and (f) count instructions: they are skipped without valgrind and in a
# sanitized build (as tests/instr); the rest runs there too. Needs git, cc, jq and gnuplot.
set -u
. "$(dirname "$0")/../support/tap.sh"
tap_usage 4 4 "PLUGBENCH_EXE INCLUDE_DIR SPIN_PLUGIN.c SANITIZE" "$@"
tap_require jq git cc gnuplot
COUNTING=1 # tap_require_valgrind exits 77 where nothing can be counted: here, a subshell
(tap_require_valgrind "$4") >/dev/null || COUNTING=0
PB=$(tap_abs "$1")
INC=$(tap_abs "$2")
SRC=$(tap_abs "$3")
unset PLUGBENCH_PLUGIN_PATH
tap_scratch history
mkdir tmp
export TMPDIR=$T/tmp GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.org
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.org
X86=0
[ "$(uname -m)" = x86_64 ] && X86=1

# The project, five commits; SHA[k] is commit k's.
git init -q repo
cp "$SRC" repo/spin_plugin.c
cp "$(dirname "$0")/../support/centre_plugin.h" repo/ # the plugin's state, beside it
echo 1000 >repo/spin
declare -a SHA
commit() {
    git -C repo add -A && git -C repo commit -qm "$1" && SHA[$2]=$(git -C repo rev-parse HEAD)
}
commit "the plugin" 1
sed -i 's|^ \* A test plugin for| * A test plugin (a comment changed) for|' repo/spin_plugin.c
commit "a comment" 2
echo 5000 >repo/spin
commit "a slower step" 3
echo "this is not C" >>repo/spin_plugin.c
commit "a broken build" 4
sed -i '$d' repo/spin_plugin.c
commit "the build fixed" 5
if ! grep -q 'comment changed' repo/spin_plugin.c || [ "${#SHA[@]}" != 5 ]; then
    echo "Bail out! the test project was not made"
    exit 1
fi
cat >suite.json <<'JSON'
{"algorithms": ["./spin.so"], "problems": ["sphere-d2-i1"], "seeds": "1-3", "max_evals": 5}
JSON
BUILD="cc -O1 -shared -fPIC -fvisibility=hidden -I'$INC' -DSPIN=\$(cat spin) -o spin.so spin_plugin.c"
HIST=(history -C repo -c suite.json --count-instructions --build "$BUILD" -o hist)

# worktrees_clean DESCRIPTION: git knows only the main worktree; the scratch dir is empty.
worktrees_clean() {
    local n left
    n=$(git -C repo worktree list | wc -l)
    left=$(ls -A "$TMPDIR")
    if [ "$n" = 1 ] && [ -z "$left" ]; then ok "$1: no worktree or scratch directory left"; else
        not_ok "$1: no worktree or scratch directory left" \
            "$(git -C repo worktree list)" "in TMPDIR: $left"; fi
}

# regression_at DESCRIPTION K: history.json has exactly one regression, first at commit K
# after K-1, on the instructions of instr-spin.
regression_at() {
    json_check "$1: exactly one regression, first commit ${SHA[$2]:0:8}" hist/history.json \
        "[.steps[] | select(.verdict == \"regressed\")] as \$r | (\$r | length) == 1 and
         \$r[0].commit == \"${SHA[$2]}\" and \$r[0].previous == \"${SHA[$(($2 - 1))]}\" and
         \$r[0].plugin == \"instr-spin\" and \$r[0].metric == \"instructions\" and
         \$r[0].change > 1 and (\$r[0].unmeasured | length) == 0 and .verdict == \"regressed\""
}

# (q) quality only, commits 1-5.
pb q history -C repo -c suite.json --build "$BUILD" -o qhist HEAD
if [ "$RC" = 0 ] && grep -q "^no regressions$" "$T/q.out"; then
    ok "(q) history without counting: exit 0, no regressions"
else
    not_ok "(q) history without counting: exit 0, no regressions" "exit $RC" \
        "$(show "$T/q.out" 8)" "$(show "$T/q.err" 12)"
fi
json_check "(q) 4 of 5 measured, commit 4's build failed, quality flat" qhist/history.json \
    ".counts.measured == 4 and .counts.build_failed == 1 and .metrics == [\"quality\"] and
     .commits[3].status == \"build failed\" and (.series | length) == 1 and
     (.series[0].values | .[3] == null and .[0] == .[1] and .[1] == .[2] and .[2] == .[4])"
pb q2 history -C repo -c suite.json --build "$BUILD" -o qhist HEAD
if [ "$RC" = 0 ] && [ "$(grep -c 'already measured' "$T/q2.err")" = 5 ] &&
    ! grep -q ': building$' "$T/q2.err"; then
    ok "(q) the rerun measures nothing again"
else
    not_ok "(q) the rerun measures nothing again" "exit $RC" "$(show "$T/q2.err" 8)"
fi
worktrees_clean "(q)"

if [ "$COUNTING" = 0 ]; then
    for part in a b c f; do skip "($part) counts instructions: no valgrind, or a sanitized build"; done
else
    # (a) commits 1-3 (a single revision: all of its history).
    pb a "${HIST[@]}" "${SHA[3]}"
    if [ "$RC" = 0 ]; then ok "(a) history 1-3: exit 0 with a regression"; else
        not_ok "(a) history 1-3: exit 0" "exit $RC" "$(show "$T/a.err" 20)"; fi
    regression_at "(a)" 3
    if grep -q "^regressions" "$T/a.out" && [ "$(grep -c "^  ${SHA[3]:0:8}  instr-spin on sphere-d2-i1 (evaluations=5)  instructions: " "$T/a.out")" = 1 ]; then
        ok "(a) stdout names ${SHA[3]:0:8} once: $(grep "^  ${SHA[3]:0:8}" "$T/a.out")"
    else
        not_ok "(a) stdout names ${SHA[3]:0:8} once" "$(show "$T/a.out" 10)"
    fi
    if [ "$X86" = 1 ]; then
        json_check "(a) dearer by exactly 4000 x 2 instructions x 5 steps per run" hist/history.json \
            '[.steps[] | select(.verdict == "regressed")][0] | .new_median - .base_median == 40000'
    else
        skip "(a) the spin is assembly on x86-64 only"
    fi
    json_check "(a) three commits measured, the instruction series plotted" hist/history.json \
        '.counts.measured == 3 and ([.series[] | select(.metric == "instructions")] | length) == 1
         and ([.series[] | select(.metric == "instructions")][0] | (.values | length) == 3 and
              .values[0] == .values[1] and .values[2] > .values[1] and (.plot | type) == "string")'
    P=$(jq -r '.series[] | select(.metric == "instructions") | .plot' hist/history.json)
    if [ -s "hist/plots/$P.png" ] && [ -s "hist/plots/$P.svg" ] && grep -q "plots/$P.png" hist/index.html &&
        grep -q "${SHA[3]:0:8}" hist/index.html; then
        ok "(a) index.html shows the plot $P and names the commit"
    else
        not_ok "(a) index.html shows the plot and names the commit" "$(ls hist hist/plots)"
    fi
    if [ "$(grep -c ': building$' "$T/a.err")" = 3 ]; then ok "(a) three commits built"; else
        not_ok "(a) three commits built" "$(show "$T/a.err" 12)"; fi
    worktrees_clean "(a)"

    # (b) the whole history: 1-3 are kept, 4 fails to build, 5 is measured.
    pb b "${HIST[@]}" HEAD
    if [ "$RC" = 0 ]; then ok "(b) history 1-5: exit 0"; else
        not_ok "(b) history 1-5: exit 0" "exit $RC" "$(show "$T/b.err" 20)"; fi
    SKIPPED=$(grep -c 'already measured (ok)$' "$T/b.err")
    BUILT=$(grep -c ': building$' "$T/b.err")
    if [ "$SKIPPED" = 3 ] && [ "$BUILT" = 2 ] && grep -q "^history: \[4/5\] ${SHA[4]:0:8} a broken build: building" "$T/b.err" &&
        grep -q "^history: \[5/5\] ${SHA[5]:0:8} the build fixed: building" "$T/b.err"; then
        ok "(b) the rerun skips commits 1-3 and builds only 4 and 5"
    else
        not_ok "(b) the rerun skips 1-3 and builds only 4 and 5" "skipped $SKIPPED, built $BUILT" \
            "$(show "$T/b.err" 12)"
    fi
    regression_at "(b)" 3
    json_check "(b) commit 4: build failed; 4 of 5 measured" hist/history.json \
        ".counts == {\"commits\": 5, \"measured\": 4, \"build_failed\": 1, \"run_failed\": 0,
                     \"regressions\": 1, \"improvements\": 0} and
         .commits[3].status == \"build failed\" and .commits[3].sha == \"${SHA[4]}\""
    if grep -q "^  ${SHA[4]:0:8}  build failed: a broken build$" "$T/b.out" &&
        grep -q "this is not C" "hist/commits/${SHA[4]}/build.log"; then
        ok "(b) the failed build is reported, its log kept"
    else
        not_ok "(b) the failed build is reported, its log kept" "$(show "$T/b.out" 10)"
    fi
    worktrees_clean "(b)"

    # (c) --fail-on-regression: exit 1, nothing built.
    pb c "${HIST[@]}" --fail-on-regression HEAD
    if [ "$RC" = 1 ] && ! grep -q ': building$' "$T/c.err"; then
        ok "(c) --fail-on-regression: exit 1, nothing measured again"
    else
        not_ok "(c) --fail-on-regression: exit 1, nothing measured again" "exit $RC" \
            "$(show "$T/c.err" 8)"
    fi

    # (f) --kernels over 1..3: commits 2 and 3.
    pb f history -C repo --kernels --iterations 10 -a ./spin.so -o khist --build "$BUILD" \
        "${SHA[1]}..${SHA[3]}"
    if [ "$RC" = 0 ]; then ok "(f) history --kernels: exit 0"; else
        not_ok "(f) history --kernels: exit 0" "exit $RC" "$(show "$T/f.err" 12)"; fi
    json_check "(f) commit 3 regressed, in instructions per kernel iteration" khist/history.json \
        "[.steps[] | select(.verdict == \"regressed\")] as \$r | (\$r | length) == 1 and
         \$r[0].commit == \"${SHA[3]}\" and \$r[0].parameters.microkernel == \"step\" and
         .metrics == [\"instructions\"] and .counts.commits == 2 and .counts.measured == 2"
    if [ "$X86" = 1 ]; then
        json_check "(f) dearer by exactly 4000 x 2 instructions per iteration" khist/history.json \
            '.steps[0] | .new_median - .base_median | . > 7999.999 and . < 8000.001' # per iteration: /10
    else
        skip "(f) the spin is assembly on x86-64 only"
    fi
    worktrees_clean "(f)"
fi

# (d) an interrupt during a build: the build stops, the worktree goes, the commit stays
# unmeasured.
"$PB" history -C repo -c suite.json -o hist2 "${SHA[1]}" \
    --build "sleep 60 & echo \$! >'$T/sleep.pid'; wait" >"$T/d.out" 2>"$T/d.err" &
PID=$!
for _ in $(seq 100); do [ -s "$T/sleep.pid" ] && break; sleep 0.1; done
kill -TERM $PID
wait $PID
RC=$?
if [ "$RC" = 1 ] && [ ! -e "hist2/commits/${SHA[1]}/status.json" ] && grep -q interrupted "$T/d.err"; then
    ok "(d) SIGTERM during a build: exit 1, the commit not marked measured"
else
    not_ok "(d) SIGTERM during a build: exit 1, not marked measured" "exit $RC" \
        "$(show "$T/d.err" 6)"
fi
worktrees_clean "(d)"
# Gone, or a zombie nobody reaps (a container without an init): either way not running.
STATE=$(ps -o stat= -p "$(cat "$T/sleep.pid" 2>/dev/null || echo 0)" 2>/dev/null)
if [ -s "$T/sleep.pid" ] && { [ -z "$STATE" ] || [ "${STATE:0:1}" = Z ]; }; then
    ok "(d) the build's processes were stopped"
else
    not_ok "(d) the build's processes were stopped" "pid $(cat "$T/sleep.pid" 2>&1): $STATE"
    kill "$(cat "$T/sleep.pid")" 2>/dev/null
fi

# (e) bad usage.
usage_error "(e) another suite in the same directory" "another suite" \
    history -C repo -c suite.json --build true -o qhist HEAD
usage_error "(e) a range git does not know" "git log no-such-rev" \
    history -C repo -c suite.json -o hist3 no-such-rev
usage_error "(e) time is not stepped" "wall time" \
    history -C repo -c suite.json --metrics time HEAD
usage_error "(e) neither a suite nor --kernels" "either -c" history -C repo HEAD

tap_done
