#!/usr/bin/env bash
# The shipped suites too long for the slow tests, run by hand (README, "Reproducing the
# papers"): kovae-paper. Here each runs as a subset, its own file with the budget cut to 20
# steps (a few seconds): every configuration runs ok on the suite's problem for exactly
# that budget, and every claim finds its runs and gets a verdict, so that reproduce exits
# 1 (20 steps reproduce no paper) and not 2 (a claim on runs the suite does not make, a
# malformed claim). The claims' verdicts at the full budget are the by-hand part.
#
#   usage: reproduce_by_hand_test.sh PLUGBENCH_EXE BUILD_ROOT SOURCE_DIR
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_plugbench reproduce-by-hand jq -- "$@"

for name in kovae-paper; do
    claims=$(jq '.suite.claims | length' "$SRC/suites/$name.json")
    jq '.max_iters = 20' "$SRC/suites/$name.json" >"$T/$name.json"
    pb "$name" reproduce "$T/$name.json" -j 2 -q --no-plots -o "$T/$name-results.json"
    check "$name at 20 steps: exit 1, the claims evaluated ($RC; $(show "$T/$name.err" 2))" \
        test "$RC" -eq 1
    check "... a verdict for each of its $claims claims" \
        test "$(grep -c '^   verdict: ' "$T/$name.out")" -eq "$claims"
    json_check "... every run ok after exactly 20 steps" "$T/$name-results.json" \
        '(.runs | length) > 0 and ([.runs[] | .status == "ok" and .counts.iterations == 20]
         | all)'
done

tap_done
