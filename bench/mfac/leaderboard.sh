#!/usr/bin/env bash
# The stochastic leaderboard: SGD, Adam and M-FAC (each with its defaults, batch 128) on the
# kind's four default problems, seeds 1-5, at one sample budget for all, then a table of the
# median over seeds of the final training loss, test accuracy and algorithm seconds.
#
#   bench/mfac/leaderboard.sh BUILD_DIR SAMPLES [OUTPUT_DIR]
#
# SAMPLES: the budget in samples (gradient evaluations of single terms): 20000 is the
# default suite's, 300000 the long run reported in bench/mfac/README.md.
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,9p "$0" >&2; exit 2; }
build=$1 samples=$2 out=${3:-reports/out/stochastic-$2}
export OPENBLAS_NUM_THREADS=1
"$build/framework/plugbench" run -a sgd -a adam -a mfac -s 1-5 --max-evals "$samples" \
  -j "$(getconf _NPROCESSORS_ONLN)" -q -o "$out/results.json" --timeout 3600 >&2
printf '%-22s %-6s %12s %10s %10s %s\n' problem plugin train_loss test_acc seconds "status"
jq -r '.runs | group_by(.problem.id + " " + .plugin.name)[] |
  def med: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
           else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  [.[0].problem.id, .[0].plugin.name,
   ([.[].metrics.train_loss | select(. != null)] | med),
   ([.[].metrics.test_accuracy | select(. != null)] | med),
   ([.[].time.algorithm_seconds] | med),
   ([.[].status] | group_by(.) | map("\(length) \(.[0])") | join(", "))] | @tsv' \
  "$out/results.json" |
  awk -F'\t' '{ printf "%-22s %-6s %12.6g %10s %10.3f %s\n", $1, $2, $3,
    ($4 == "" ? "-" : sprintf("%.4f", $4)), $5, $6 }'
