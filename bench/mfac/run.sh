#!/usr/bin/env bash
# Runs M-FAC's dynamic IHVP benchmark: ours (bench_ihvp, C + OpenBLAS) and the authors'
# PyTorch code (bench_torch.py), side by side, one thread each, double precision, at
# d = 1e3..1e6 and m = 32, 256; then prints one table with the speedup and our distance
# to the bandwidth bound. Fetches nothing.
#
#   bench/mfac/run.sh MFAC_CHECKOUT [BUILD_DIR] [--rounds N] [--reps R] [--d LIST] [--m LIST]
#
# MFAC_CHECKOUT: a checkout of github.com/IST-DASLab/M-FAC (optim.py is what is used).
# BUILD_DIR: a meson build directory of this repository (default: build), already built.
# Both programs run N rounds (default 3), alternating; each figure is the best (lowest)
# median over the rounds, and the bandwidth the best over the rounds, since other load on
# the machine only ever slows a measurement down. Needs Debian's python3-torch (run with
# /usr/bin/python3) and about 7 GB of free memory for d = 1e6, m = 256.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../run_common.sh"
[ $# -ge 1 ] || { sed -n 2,15p "$0" >&2; exit 2; }
checkout=$1; shift
bench_options "$@"
bench_need "$checkout/optim.py"
bench_program bench_mfac_ihvp
bench_workdir
bench_machine
for r in $(seq "$rounds"); do
  "$exe" "${options[@]}" > "$work/c$r.tsv"
  /usr/bin/python3 "$here/bench_torch.py" "$checkout" "${options[@]}" > "$work/torch$r.tsv"
  echo "# round $r: $(grep -h '^# read' "$work/c$r.tsv" | sed 's/^# //')"
done
grep -h '^# torch\|^# self' "$work/torch1.tsv"
printf '%-8s %-4s %12s %12s %9s %12s %9s\n' d m "ours ms" "torch ms" speedup "bound ms" "ours/bound"
cat "$work"/c*.tsv "$work"/torch*.tsv | awk -F'\t' '
  /^# read bandwidth/ { v = $0; sub(/.*: /, "", v); sub(/ GB\/s/, "", v); if (v + 0 > bw) bw = v + 0; next }
  $1 == "c" || $1 == "torch" { k = $2 "\t" $3; key = $1 "\t" k
    if (!(key in best) || $4 + 0 < best[key]) best[key] = $4 + 0
    if (!(k in seen)) { seen[k] = 1; order[n++] = k } }
  END { printf "# best read bandwidth over the rounds: %.2f GB/s\n", bw
    for (i = 0; i < n; i++) { split(order[i], dm, "\t")
      bound = 2 * dm[2] * dm[1] * 8 / (bw * 1e9) * 1e3
      printf "%-8d %-4d %12.4f %12.4f %8.1fx %12.4f %9.2f\n", dm[1], dm[2], best["c\t" order[i]],
        best["torch\t" order[i]], best["torch\t" order[i]] / best["c\t" order[i]], bound,
        best["c\t" order[i]] / bound } }'
