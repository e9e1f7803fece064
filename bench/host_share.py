#!/usr/bin/python3
"""The host's share of a results file's run seconds, per kind and per plugin.

    bench/host_share.py RESULTS.json [RESULTS.json ...]

Each run's time.wall_seconds (the child process, fork to exit) splits three ways:
  - training: time.algorithm_seconds, the plugin's create() and step() calls;
  - the model's inference: the sequence kind's inference_seconds_total (the model's
    predict() calls, pvrnn's error regression included) and generate_seconds, plugin code
    that the kind calls to measure the model and that sequence.h counts as the algorithm's
    inference time, apart from training;
  - the host's side: the rest, the harness's own code: the measurement at the trace points
    (of which the sequence kind's scoring_seconds, the post-hoc TimeGAN scores, is printed
    apart), the problem's setup and the process itself.
"host %" and "alg+inf %" are shares of the whole file's summed wall seconds. With several
files, each figure is computed in each file and the line shows its median over the files
(so a line's parts need not add up exactly).
"""
import json
import statistics
import sys
from collections import defaultdict

FIELDS = ("wall_seconds", "algorithm_seconds", "inference_seconds_total", "generate_seconds",
          "scoring_seconds")


def sums(path):
    """Per (kind, plugin) and per kind: the run count and the sum of each time field."""
    with open(path, encoding="utf-8") as f:
        runs = json.load(f)["runs"]
    out = defaultdict(lambda: [0] + [0.0] * len(FIELDS))
    for r in runs:
        t = r.get("time") or {}
        kind, plugin = r["problem"]["kind"], r["plugin"]["name"]
        for key in ((kind, plugin), (kind, ""), ("", "")):
            row = out[key]
            row[0] += 1
            for i, name in enumerate(FIELDS):
                row[i + 1] += t.get(name) or 0.0
    return out


def figures(row, total_wall):
    """A sums() row's printed figures: runs, wall, training, inference, host, host % and
    alg+inf % of total_wall, scoring."""
    n, wall, train, predict, generate, score = row
    infer = predict + generate
    host = wall - train - infer
    return [n, wall, train, infer, host, 100 * host / total_wall,
            100 * (train + infer) / total_wall, score]


def main(paths):
    files = [sums(p) for p in paths]
    keys = set().union(*files)
    per_file = [{k: figures(f[k], f[("", "")][1]) for k in f} for f in files]
    med = {k: [statistics.median(f[k][i] for f in per_file if k in f) for i in range(8)]
           for k in keys}
    print(f"{'kind':11} {'plugin':16} {'runs':>4} {'wall s':>8} {'train s':>8} "
          f"{'infer s':>8} {'host s':>8} {'host %':>6} {'alg+inf %':>9} {'scoring s':>9}")
    for k in sorted(keys, key=lambda k: (k[0] == "", k[1] != "", -med[k][4])):
        n, wall, train, infer, host, host_pct, alg_pct, score = med[k]
        print(f"{k[0] or 'all':11} {k[1] or '(all)':16} {int(n):4d} {wall:8.1f} {train:8.1f} "
              f"{infer:8.1f} {host:8.1f} {host_pct:6.1f} {alg_pct:9.1f} {score:9.1f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    main(sys.argv[1:])
