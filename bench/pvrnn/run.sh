#!/usr/bin/env bash
# PV-RNN: plugbench's pvrnn plugin beside the authors' group's two implementations, one
# thread each, on the same data and network sizes: training time per epoch and error
# regression time per test step, medians of repetitions, side by side in one run.
#
#   bench/pvrnn/run.sh CPP_CHECKOUT TORCH_CHECKOUT [BUILD_DIR] [--rounds N]
#
# CPP_CHECKOUT:   a checkout of github.com/h-idei/pvrnn_cpp_sa (its network.hpp is compiled
#                 into cpp_driver.cpp with g++ -O3, no OpenMP);
# TORCH_CHECKOUT: a checkout of github.com/h-idei/pvrnn_sa (its training/ and test/ modules
#                 are imported by torch_driver.py, run with /usr/bin/python3 and Debian's
#                 python3-torch on the CPU);
# BUILD_DIR:      a meson build directory of this repository, built (default: build).
# The data: 48 PFSM training sequences of 60 steps x 2 and one held-out sequence
# (bench_pvrnn write). Two networks: the plugin's default (GLean's two layers, 20 and 10
# units, 2 and 1 latents, tau 4 and 8) and the claims' one layer (20 units, 2 latents,
# tau 2); error regression with window 10, 50 iterations, lr 0.09. Each program runs in N
# rounds (default 3), alternating; every figure is the median over all repetitions of all
# rounds. PyTorch's error regression is timed over 10 steps per repetition (a step costs
# about a second there). Nothing is fetched, nothing is written outside a temporary
# directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../run_common.sh"
[ $# -ge 2 ] || { sed -n 2,21p "$0" >&2; exit 2; }
cpp=$(cd "$1" && pwd); torch=$(cd "$2" && pwd); shift 2
bench_options "$@"
[ ${#options[@]} -eq 0 ] || { echo "run.sh: unknown argument ${options[0]}" >&2; exit 2; }
build=$(cd "$build" && pwd)
bench_need "$cpp/network.hpp"
bench_need "$torch/training/networks/pvrnn.py"
bench_program bench_pvrnn
bench_workdir
g++ -std=c++14 -O3 -w -I"$cpp" "$here/cpp_driver.cpp" -o "$work/cpp_driver"
"$exe" write "$work" 48
cd "$work"

N=48 T=60 X=2
# name: D1 Z1 TAU1 W1 D2 Z2 TAU2 W2
configs=("default:20 2 4 0.01 10 1 8 0.005" "one-layer:20 2 2 0.01 0 1 1 0")
bench_machine
echo "# $(g++ --version | head -1); $(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)')"
for r in $(seq "$rounds"); do
  for c in "${configs[@]}"; do
    name=${c%%:*}; net=${c#*:}
    "$exe" time "$work" $N $T $X $net 20 5 10 50 0.09 2>/dev/null | sed "s/^/$name /" >> results
    ./cpp_driver $N $T $X $net 20 5 10 50 0.09 2>/dev/null | sed "s/^/$name /" >> results
    /usr/bin/python3 "$here/torch_driver.py" train "$torch" "$work" $N $T $X $net 3 3 \
      | grep '^torch' | sed "s/^/$name /" >> results
    /usr/bin/python3 "$here/torch_driver.py" er "$torch" "$work" $N $T $X $net 1 10 50 0.09 10 \
      | grep '^torch' | sed "s/^/$name /" >> results
  done
  echo "# round $r done; load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
printf '%-10s %-6s %14s %14s %16s %14s\n' network impl "ms/epoch" "ours faster" "ms/ER step" "ours faster"
awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { key = $1 " " $2
    if ($4 != "nan") train[key] = train[key] " " $4
    if ($5 != "nan") er[key] = er[key] " " $5
    if (!($1 in seen)) { seen[$1] = 1; nets[n++] = $1 } }
  END {
    split("ours cpp torch", impls, " ")
    for (i = 0; i < n; i++) for (k = 1; k <= 3; k++) {
      key = nets[i] " " impls[k]
      tr = median(train[key]); e = median(er[key])
      tro = median(train[nets[i] " ours"]); eo = median(er[nets[i] " ours"])
      printf "%-10s %-6s %14.3f %13.1fx %16.3f %13.1fx\n", nets[i], impls[k], tr, tr / tro, e, e / eo
    } }' results
