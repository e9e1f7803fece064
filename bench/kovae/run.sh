#!/usr/bin/env bash
# KoVAE: plugbench's kovae plugin beside the authors' PyTorch code, one thread each, on the
# same data and network sizes: time per training step (forward, loss, backward, Adam) and
# per epoch, medians of interleaved repetitions, side by side in one run.
#
#   bench/kovae/run.sh KOVAE_CHECKOUT [BUILD_DIR] [--rounds N]
#
# KOVAE_CHECKOUT: a checkout of github.com/azencot-group/KoVAE (its models/kovae.py is
#                 imported by torch_driver.py, run with /usr/bin/python3 and Debian's
#                 python3-torch on the CPU, in float32, the authors' dtype, and in float64,
#                 plugbench's);
# BUILD_DIR:      a meson build directory of this repository, built (default: build).
# The data: 10,000 sines sequences of 24 steps x 5 features (the authors' sines set, written
# by bench_kovae write and held in memory by both sides). The network: the authors' sines
# defaults: hidden 20, z 16, 3 GRU layers, batch 64, w_kl 0.007, w_pred 0.005, Adam lr 7e-4.
# Each round runs the three programs one after the other (plugbench: 3 repetitions of 20
# steps; PyTorch float32: 3 of 10; float64: 3 of 5; each after 2 warm-up steps); N rounds
# (default 5). Printed: the median ms per step over all repetitions of all rounds, the ms
# per epoch of 10,000 sequences (157 steps of 64), and the median over rounds of the
# round's ratio (its PyTorch median over its plugbench median). Nothing is fetched,
# nothing is written outside a temporary directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../run_common.sh"
[ $# -ge 1 ] || { sed -n 2,20p "$0" >&2; exit 2; }
torch=$(cd "$1" && pwd); shift
bench_options "$@"
[ ${#options[@]} -eq 0 ] || { echo "run.sh: unknown argument ${options[0]}" >&2; exit 2; }
build=$(cd "$build" && pwd)
bench_need "$torch/models/kovae.py"
bench_program bench_kovae
bench_workdir
N=10000 T=24 D=5 H=20 Z=16 L=3 B=64
"$exe" write "$work/sines.bin" $N $T $D
cd "$work"

bench_machine
echo "# $(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'); KoVAE $(git -C "$torch" rev-parse --short HEAD 2>/dev/null || echo '(not a git checkout)')"
for r in $(seq "$rounds"); do
  "$exe" time sines.bin $N $T $D $H $Z $L $B 20 3 | sed "s/^/$r /" >> results
  for dtype in float32 float64; do
    steps=$([ $dtype = float32 ] && echo 10 || echo 5)
    /usr/bin/python3 "$here/torch_driver.py" "$torch" sines.bin $N $T $D $H $Z $L $B $steps 3 \
      $dtype 2>/dev/null | grep '^torch' | sed "s/^/$r /" >> results
  done
  echo "# round $r done; load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
printf '%-14s %12s %14s %18s\n' impl "ms/step" "ms/epoch(157)" "ours faster (med)"
awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { all[$2] = all[$2] " " $4; round[$1 " " $2] = round[$1 " " $2] " " $4
    if (!($1 in seen)) { seen[$1] = 1; rounds[nr++] = $1 } }
  END {
    split("ours torch-float32 torch-float64", impls, " ")
    for (k = 1; k <= 3; k++) {
      ratios = ""
      for (i = 0; i < nr; i++) {
        t = round[rounds[i] " " impls[k]]; o = round[rounds[i] " ours"]
        if (t != "" && o != "") ratios = ratios " " median(t) / median(o)
      }
      m = median(all[impls[k]])
      printf "%-14s %12.2f %14.0f %17.2fx\n", impls[k], m, 157 * m, median(ratios)
    } }' results
