#!/usr/bin/env bash
# Constrained bilevel problems end to end: a plugin that does not declare
# plugbench.bilevel-constraints/1 (maid) is not run on them in the default suite and is
# refused them by name; one that does (lvhba) is run on them, its records carry
# max_violation (and only theirs do), its solution is x then y, its pair stays feasible and
# remeasure agrees. The suite runs with a budget of one call: it shows who runs what and
# which records carry the metric, and its measurements stay cheap.
#
#   usage: constraints_test.sh PLUGBENCH_EXE BUILD_ROOT
set -u

. "$(dirname "$0")/../support/tap.sh"
tap_plugbench constraints jq -- "$@"
MAID=$BUILD/plugins/maid.so
LVHBA=$BUILD/plugins/lvhba.so

pb suite run -q --no-plots -a "$MAID" -a "$LVHBA" -s 1 --max-evals 1 -o "$T/suite.json"
check "the default suite of maid and lvhba runs (exit $RC)" test "$RC" -eq 0
json_check "maid is not run on the constrained problems, lvhba is" "$T/suite.json" \
    '([.runs[] | select(.plugin.name == "maid" and .problem.n_constraints != null)]
      | length == 0)
     and ([.runs[] | select(.plugin.name == "lvhba") | .problem.id]
          | index("bilevel-lvhba-toy-d100") != null and index("bilevel-coupled-i1") != null)'
json_check "max_violation is recorded on the constrained problems only" "$T/suite.json" \
    '[.runs[] | (.problem.n_constraints != null) ==
       (.metrics | has("max_violation")) and
       ((.problem.n_constraints != null) == (.trace | has("max_violation")))] | all'

usage_error "naming a constrained problem for a plugin that does not declare constraints" \
    "maid.*does not declare.*bilevel-constraints/1.*bilevel-lvhba-toy-d100" \
    run -q --no-plots -a "$MAID" -p bilevel-lvhba-toy-d100 -o "$T/refused.json"

pb saved run -q --no-plots -a "$LVHBA" -p bilevel-coupled-i1 -s 1 --max-iters 5 \
    --save-solutions=checkpoints -o "$T/saved.json"
json_check "the saved solution is x then y (200 values)" "$T/saved.json" \
    '.runs[0].solution.length == 200'
json_check "lvhba's pair is feasible at every trace point, from x0 = y0 = 0 outside C" \
    "$T/saved.json" '[.runs[0].trace.max_violation[] <= 1e-9] | all'
pb remeasure remeasure "$T/saved.json"
check "remeasure agrees, max_violation included (exit $RC)" test "$RC" -eq 0

tap_done
