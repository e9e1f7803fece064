#!/usr/bin/env bash
# plugbench reproduce end to end on a tiny suite of its own (random-search on an unshifted
# sphere in a small box, a few seconds): a suite whose claims hold exits 0, the same suite
# with a claim tightened beyond what the plugin reaches exits 1, bad input exits 2 with one
# line; --list shows every shipped suite; run -c SUITE records the suite in the context
# and report draws its section.
#
#   usage: reproduce_test.sh PLUGBENCH_EXE BUILD_ROOT SOURCE_DIR
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_plugbench reproduce jq -- "$@"
mkdir -p "$T/suites"
export PLUGBENCH_SUITE_DIR=$T/suites

# suite FILE CLAIMS: a suite of random-search on sphere-d2-i0-box1 with the given claims.
suite() {
    cat >"$1" <<JSON
{"suite": {"name": "tiny-paper", "plugin": "random-search", "paper": "a test", "cpu_seconds": 1,
           "claims": [$2]},
 "algorithms": ["random-search"], "problems": ["sphere-d2-i0-box1"], "seeds": "1-3",
 "max_evals": 400, "checkpoints": "every:1"}
JSON
}
# Random search in [-1, 1]^2: every run ends inside the box, and 400 points bring f below 0.1.
HOLDS='{"claim": "in the box", "algorithm": "random-search", "problem": "sphere-d2-i0-box1",
        "metric": "linf_distance_to_optimum", "statistic": "fraction_below", "below": 1,
        "comparison": ">=", "threshold": 1, "paper": "3/3"},
       {"claim": "near the optimum", "algorithm": "random-search", "problem": "sphere-d2-i0-box1",
        "metric": "solution_error", "statistic": "median", "comparison": "<=", "threshold": 0.1,
        "paper": "small"},
       {"claim": "not there after one step", "algorithm": "random-search",
        "problem": "sphere-d2-i0-box1", "metric": "solution_error", "at_iterations": 1,
        "statistic": "min", "comparison": ">", "threshold": 0, "paper": "positive"}'
TIGHT='{"claim": "exactly at the optimum", "algorithm": "random-search",
        "problem": "sphere-d2-i0-box1", "metric": "solution_error", "statistic": "max",
        "comparison": "<=", "threshold": 1e-12, "paper": "0"}'
suite "$T/suites/tiny-paper.json" "$HOLDS"
suite "$T/tight.json" "$HOLDS, $TIGHT"

pb holds reproduce tiny -q --no-plots -o "$T/holds.json"
check "a suite whose claims hold: exit 0 ($RC)" test "$RC" -eq 0
check "three verdicts, all holding" test "$(grep -c 'verdict: holds' "$T/holds.out")" -eq 3
check "the fraction printed as k/n" grep -q 'ours:  3/3 = 1' "$T/holds.out"
json_check "the results' context holds the suite" "$T/holds.json" \
    '.context.suite.name == "tiny-paper" and (.context.suite.claims | length) == 3
     and (.runs | length) == 3 and .runs[0].problem.box == 1'
json_check "every run ends inside the box [-1, 1]^2" "$T/holds.json" \
    '[.runs[].metrics.linf_distance_to_optimum] | all(. <= 1)'

pb tight reproduce "$T/tight.json" -q --no-plots -o "$T/tight-results.json"
check "a claim tightened beyond what the plugin reaches: exit 1 ($RC)" test "$RC" -eq 1
check "that claim FAILS, the others hold" \
    test "$(grep -c 'verdict: FAILS' "$T/tight.out")/$(grep -c 'verdict: holds' "$T/tight.out")" = 1/3
check "it says a claim fails" grep -q '^a claim fails$' "$T/tight.out"

pb list reproduce --list
check "--list: exit 0 and the suite with its plugin and claims" \
    grep -Eq '^tiny-paper +random-search +3 ' "$T/list.out"

# The shipped suites, found from the build tree: --list shows every file of suites/,
# those run by hand (kovae-paper: not in the slow tests) as well as the others.
PLUGBENCH_SUITE_DIR= pb shipped reproduce --list
for f in "$SRC"/suites/*.json; do
    name=$(basename "$f" .json)
    check "--list shows the shipped suite $name" grep -Eq "^$name +[a-z0-9-]+ +[0-9]+ " \
        "$T/shipped.out"
done
check "... kovae-paper among them" grep -q '^kovae-paper ' "$T/shipped.out"

pb run run -c "$T/tight.json" -q -o "$T/run.json"
json_check "run -c SUITE records the suite too" "$T/run.json" '.context.suite.name == "tiny-paper"'
if command -v gnuplot >/dev/null; then
    check "the report has a Reproduction section with the verdicts" \
        grep -q '<h2 id="reproduction">Reproduction</h2>' "$T/report/index.html"
    check "the tightened claim fails there" grep -q 'exactly at the optimum.*fails</td>' \
        "$T/report/index.html"
else
    skip "the report's Reproduction section (no gnuplot)"
fi

# Bad input: exit 2, one line.
usage_error "no suite named" 'which suite' reproduce
usage_error "an unknown suite" "unknown suite 'nosuch'" reproduce nosuch
usage_error "a missing file" 'cannot read suite' reproduce "$T/none.json"
usage_error "two suites" 'one suite at a time' reproduce tiny other
usage_error "an option that changes what runs" "'-s' is not one reproduce passes" \
    reproduce tiny -s 1-2
printf '{"suite": ' >"$T/broken.json"
usage_error "a file that is not JSON" 'not a suite' reproduce "$T/broken.json"
printf '{"algorithms": ["random-search"]}' >"$T/plain.json"
usage_error "a run config without a suite block" 'not a suite' reproduce "$T/plain.json"
suite "$T/nometric.json" '{"claim": "c", "algorithm": "a", "problem": "p", "statistic": "mean",
    "comparison": "<", "threshold": 1, "paper": "x"}'
usage_error "a claim without its metric" "claim 1: 'metric' must be" reproduce "$T/nometric.json"
suite "$T/stat.json" '{"claim": "c", "algorithm": "a", "problem": "p", "metric": "m",
    "statistic": "mode", "comparison": "<", "threshold": 1, "paper": "x"}'
usage_error "an unknown statistic" "statistic 'mode' is none of" reproduce "$T/stat.json"
suite "$T/below.json" '{"claim": "c", "algorithm": "a", "problem": "p", "metric": "m",
    "statistic": "mean", "below": 1, "comparison": "<", "threshold": 1, "paper": "x"}'
usage_error "below without fraction_below" "'below'" reproduce "$T/below.json"
suite "$T/cmp.json" '{"claim": "c", "algorithm": "a", "problem": "p", "metric": "m",
    "statistic": "mean", "comparison": "=", "threshold": 1, "paper": "x"}'
usage_error "an unknown comparison" "comparison '=' is none of" reproduce "$T/cmp.json"
suite "$T/key.json" '{"claim": "c", "algorithm": "a", "problem": "p", "metric": "m",
    "statistic": "mean", "comparison": "<", "threshold": 1, "paper": "x", "seed": 1}'
usage_error "an unknown key in a claim" "unknown key 'seed'" reproduce "$T/key.json"
usage_error "run refuses a malformed suite block too" "unknown key 'seed'" run -c "$T/key.json"
suite "$T/label.json" '{"claim": "c", "algorithm": "cbo", "problem": "sphere-d2-i0-box1",
    "metric": "solution_error", "statistic": "mean", "comparison": "<", "threshold": 1,
    "paper": "x"}'
pb label reproduce "$T/label.json" -q --no-plots -o "$T/label-results.json"
check "a claim on runs the suite did not make: exit 2 ($RC)" test "$RC" -eq 2
check "... naming them" grep -q "claim 1: no run of 'cbo' on 'sphere-d2-i0-box1'" "$T/label.err"
cp "$T/broken.json" "$T/suites/broken.json"
pb listbad reproduce --list
check "--list with a malformed suite: exit 2 ($RC)" test "$RC" -eq 2
check "... naming it" grep -q 'broken.json: not a suite' "$T/listbad.err"

tap_done
