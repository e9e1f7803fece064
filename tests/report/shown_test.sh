#!/usr/bin/env bash
# The metrics a kind's leaderboard shows beside its main one (the results' context's
# leaderboard_metrics: policy's return_last10, the papers' score), on a small results file made by hand here,
# against numbers worked out by hand: the column in the leaderboard and per-problem tables
# (Markdown and HTML), its value (the mean over the ok runs that recorded it), its
# interval, and kinds that declare none keeping their tables as they were.
#
#   usage: shown_test.sh PLUGBENCH_EXE
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 1 1 "PLUGBENCH_EXE" "$@"
PB=$(tap_abs "$1")
tap_require jq gnuplot
tap_scratch shown

# policy ALG PROBLEM SEED STATUS RETURN_LAST10: one policy run as JSON.
policy() {
    jq -n --arg alg "$1" --arg p "$2" --argjson seed "$3" --arg status "$4" \
        --argjson r10 "$5" '
      {plugin: {name: $alg}, problem: {id: $p, kind: "policy", cost_unit: "env_steps"},
       seed: $seed, status: $status, counts: {env_steps: 20, iterations: 2},
       metrics: {regret: 3, return: 7, return_last10: $r10},
       trace: {env_steps: [10, 20], iterations: [1, 2], seconds: [0.1, 0.2],
               regret: [4, 3], return: [6, 7], return_last10: [null, null]}}'
}
# results FILE DECLARED: the runs on stdin as a results file whose context declares
# DECLARED for the policy kind, as plugbench run writes it.
results() {
    jq -s --argjson d "$2" '{schema: "plugbench/results/1",
        context: {leaderboard_metrics: {policy: $d}}, runs: .}' >"$1"
}
# A blackbox run: a kind that declares no shown metric.
blackbox() {
    jq -n --arg alg "$1" --argjson seed "$2" '
      {plugin: {name: $alg}, problem: {id: "sphere-d2-i1", kind: "blackbox",
                                       cost_unit: "evaluations"},
       seed: $seed, status: "ok", counts: {evaluations: 20, iterations: 2},
       metrics: {best_error: 0.5, solution_error: 0.5},
       trace: {evaluations: [10, 20], iterations: [1, 2], seconds: [0.1, 0.2],
               best_error: [1, 0.5], solution_error: [1, 0.5]}}'
}
# alpha on lqr: 10, 20, 60 (mean 30), and a failed run whose 1000 must not count; beta:
# 5 and null on lqr, 7 on gridworld (mean of the recorded ones: 6).
{
    policy alpha lqr 1 ok 10
    policy alpha lqr 2 ok 20
    policy alpha lqr 3 ok 60
    policy alpha lqr 4 error 1000
    policy beta lqr 1 ok 5
    policy beta lqr 2 ok null
    policy beta gridworld 1 ok 7
    blackbox alpha 1
    blackbox beta 1
} | results hand.json '["return_last10"]'

pb rep report hand.json -o rep
check "report of the hand-made file: exit 0" test "$RC" -eq 0
MD=rep/leaderboard-policy.md
check "the policy leaderboard has the column, after the main metric" \
    grep -qF '| median final regret [95% CI] | mean return_last10 [95% CI] | mean rank by final quality |' "$MD"
# Each row's cells: split on '|' (field 2 is the rank; 9 the shown column).
cell() { grep -m1 -E "^\| [0-9]+ \| $1 \|" "$MD" | awk -F' [|] ' "{print \$$2}"; }
A=$(cell alpha 8)
B=$(cell beta 8)
check "alpha: mean of 10, 20, 60 is 30, the failed run's 1000 left out ($A)" \
    test "${A%% *}" = 30
check "beta: mean of 5 and 7 is 6, the null left out ($B)" test "${B%% *}" = 6
check "beta's interval: one value per problem, so every resample's mean is 6 ($B)" \
    test "$B" = "6 [6, 6]"
read -r lo hi < <(echo "$A" | sed 's/.*\[\(.*\), \(.*\)\]/\1 \2/')
check "alpha's interval holds 30 within [10, 60] ($A)" \
    awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(lo >= 10 && lo <= 30 && hi >= 30 && hi <= 60 && lo < hi) }'
check "the failed run is still counted as failed" test "$(cell alpha 4)" = 1
check "the definitions state the statistic" \
    grep -q 'Also shown, beside the ranking and not part of it: return_last10 (.*the mean over the runs with status ok that recorded it' "$MD"
check "the per-problem table has it: alpha on lqr 30" grep -qE '^\| lqr \| alpha \| 4 \| 1 \| .* \| 30 \|$' "$MD"
check "beta on lqr 5, on gridworld 7" \
    sh -c "grep -qE '^\| lqr \| beta \| 2 \| 0 \| .* \| 5 \|$' $MD && grep -qE '^\| gridworld \| beta \| 1 \| 0 \| .* \| 7 \|$' $MD"
check "the HTML leaderboard has the column and alpha's value" \
    sh -c "grep -qF '<th>mean return_last10 [95% CI]</th>' rep/leaderboard-policy.html &&
           grep -qF '<td>$A</td>' rep/leaderboard-policy.html && grep -qF '<td>$A</td>' rep/index.html"
check "a kind that declares none keeps its eight columns" \
    test "$(grep -m1 '^| rank |' rep/leaderboard-blackbox.md | tr -cd '|' | wc -c)" -eq 9
check "and no shown-metric sentence" sh -c "! grep -q 'Also shown' rep/leaderboard-blackbox.md"

# Without the declaration (a file of an older plugbench), the tables are as they were.
policy alpha lqr 1 ok 10 | jq -s '{schema: "plugbench/results/1", context: null, runs: .}' >old.json
pb old report old.json -o rep3
check "no declaration, no column" sh -c "! grep -q 'return_last10' rep3/leaderboard-policy.md"

# The declaration is data from strangers: a name that is not one of the runs' metrics,
# or the main metric itself, is refused, naming the file.
policy alpha lqr 1 ok 10 | results bad.json '["no_such_metric"]'
pb bad report bad.json -o rep2
check "an unknown metric name is refused (exit 2)" \
    sh -c "test $RC -eq 2 && grep -q 'bad.json: context.leaderboard_metrics.policy must list' '$T/bad.err'"
policy alpha lqr 1 ok 10 | results bad2.json '["regret"]'
pb bad2 report bad2.json -o rep2
check "the main metric is refused (exit 2)" test "$RC" -eq 2

tap_done
