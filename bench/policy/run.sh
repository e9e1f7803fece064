#!/usr/bin/env bash
# The policy kind's benchmark (see README.md): CartPole environment steps per second, ours
# (C, through the counted oracle) against gymnasium's CartPole-v1 when gymnasium imports,
# else against a NumPy transcription of the same equations (said so in the output); and the
# time of one full N-HARPG iteration on CartPole with its defaults.
#
#   bench/policy/run.sh [BUILD_DIR]      (default: build, already built)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../run_common.sh"
build=${1:-build}
bench_program bench_policy
so=$build/plugins/nharpg.so
bench_machine
"$exe" "$so"
for p in vpg npg-igt; do "$exe" "$build/plugins/$p.so" | tail -n 2; done
/usr/bin/python3 "$here/cartpole_numpy.py"  # Debian's python3-numpy
