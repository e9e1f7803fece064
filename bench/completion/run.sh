#!/usr/bin/env bash
# The completion kind's benchmark (see README.md): altmin (exact least-squares updates)
# against altmin-robust (approximate, preconditioned gradient updates) to equal accuracy.
# bench_completion steps each plugin in process, seeds 1-3 (--rounds N: 1-N, the plugins
# alternating), measuring the relative error after every step untimed, and prints each
# plugin's median multiply-adds on observed entries (the kind's cost unit) and median CPU
# seconds of create() and the steps to the target, and the ratios to altmin's.
#
#   bench/completion/run.sh [BUILD_DIR] [--rounds N] [PROBLEM_ID...]
#   (default problems: the default mc-m1000-n1000-k5-p5-i1, and rank 20 and 40 at 20 and
#   30 percent observed, where exact normal equations cost 230 and 860 madds per observed
#   entry and a gradient 40 and 80)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../run_common.sh"
bench_options "$@"
bench_program bench_completion
problems=("${options[@]}")
[ ${#problems[@]} -gt 0 ] || problems=(mc-m1000-n1000-k5-p5-i1 mc-m1000-n1000-k20-p20-i1
  mc-m1000-n1000-k40-p30-i1)
bench_workdir
bench_machine
for target in 1e-6 1e-10; do
  for p in "${problems[@]}"; do
    "$exe" "$target" "$rounds" "$p" "$build/plugins/altmin.so" "$build/plugins/altmin-robust.so" \
      | grep -v "^\[pass\]"
  done
done
