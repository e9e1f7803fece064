#!/usr/bin/env bash
# The sequence kind end to end through the command line, with the test plugins of
# seq_test_plugin.c: `plugbench list` shows the kind, `check` passes on seq-test, `run`
# records a run's metrics, trace and time block as docs/results-schema.md says (end-only
# metrics in the final metrics, null in the trace; the model's inference, generation and
# scoring seconds apart from algorithm_seconds), and `report` draws the kind's curves and
# leaderboard.
#
#   usage: cli_test.sh PLUGBENCH_EXE SEQ-TEST.so SEQ-TEST-PLAIN.so
#
# Prints "ok - ..." or "not ok - ..." per check; exits 1 when one failed. Needs jq, gnuplot.
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_usage 3 3 "PLUGBENCH_EXE SEQ-TEST.so SEQ-TEST-PLAIN.so" "$@"
PB=$(tap_abs "$1")
FULL=$(tap_abs "$2")
PLAIN=$(tap_abs "$3")
tap_require jq gnuplot
tap_scratch sequence

echo "# 1. list and check"
pb list list
check "list: the sequence kind, its cost unit, families and default problem" \
    grep -q "^problems of kind sequence/1 (.*cost unit: steps):" "$T/list.out"
for family in 'seq-sines-i<instance>' 'seq-pfsm-i<instance>' 'seq-lorenz-i<instance>' \
    'seq-stocks '; do
    check "list: $family" grep -qF "  $family" "$T/list.out"
done
check "list: default problems" grep -q "default problems: seq-pfsm-i1$" "$T/list.out"
pb check check "$FULL"
check "check: seq-test conforms (exit $RC)" \
    test "$RC" -eq 0 -a -n "$(grep -F 'seq-test.so: conforms' "$T/check.out")"

echo "# 2. run"
pb run run -a "$FULL" -a "$PLAIN" -p seq-pfsm-i1 -s 3 --max-evals 2000 -q -o "$T/r.json"
check "run: exit 0 (exit $RC)" test "$RC" -eq 0
R=$T/r.json
full='.runs[] | select(.plugin.name == "seq-test")'
plain='.runs[] | select(.plugin.name == "seq-test-plain")'
json_check "run: both ok, 1800 of 2000 steps" "$R" \
    '[.runs[] | .status == "ok" and .counts.steps == 1800 and .budget.steps == 2000] | all'
json_check "run: the problem's fields" "$R" \
    "[$full | .problem | .kind == \"sequence\" and .cost_unit == \"steps\" and .length == 45
      and .dimension == 2 and .n_train == 100 and .n_test == 100 and .value_min == -0.8
      and .value_max == 0.8 and .branch_probability == 0.3] | all"
json_check "run: six metrics, all numbers for seq-test" "$R" \
    "[$full | .metrics | keys_unsorted] == [[\"test_mse\", \"test_mse_5step\",
      \"discriminative_score\", \"predictive_score\", \"branch_frequency\",
      \"prior_sigma\"]] and
     ([$full | .metrics[] | type == \"number\"] | all)"
json_check "run: the trace has the prediction MSEs and null end-only metrics" "$R" \
    "[$full | .trace | (.test_mse | all(type == \"number\")) and
      (.discriminative_score | all(. == null)) and (.steps | length) == (.seconds | length)
      and .test_mse[-1] != null] | all"
json_check "run: the time block has inference, generation and scoring seconds" "$R" \
    "[$full | .time | (.inference_seconds >= 0) and (.inference_seconds_total >=
      .inference_seconds) and (.generate_seconds >= 0) and (.scoring_seconds > 0)] | all"
json_check "run: without the extension, null metrics and times, status ok" "$R" \
    "[$plain | (.metrics | [.[]] | all(. == null)) and .time.inference_seconds == null and
      .time.scoring_seconds == null and .status == \"ok\" and .message == null] | all"

echo "# 3. report"
pb report report "$R" -o "$T/rep"
check "report: exit 0 (exit $RC)" test "$RC" -eq 0
check "report: the kind's leaderboard ranks seq-test first" \
    grep -qE '^\| 1 \| seq-test \| 1 \| 0 \|' "$T/rep/leaderboard-sequence.md"
for plot in sequence-seq-pfsm-i1-cost sequence-seq-pfsm-i1-seconds; do
    check "report: $plot.svg and .png" test -s "$T/rep/plots/$plot.svg" -a -s "$T/rep/plots/$plot.png"
done
check "report: index.html links the kind's leaderboard" \
    grep -q 'leaderboard-sequence.html' "$T/rep/index.html"
tap_done
