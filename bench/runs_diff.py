#!/usr/bin/python3
"""Whether two results files record the same runs, number for number, times left out.

    bench/runs_diff.py [--skip NAME,...] BASE.json NEW.json

Runs are matched by plugin, plugin config, problem, seed and parameters, and compared on
status, stop reason, message, signal, counts, whether the target was hit, every metric and
the whole trace, leaving out every field whose name contains "seconds" (times differ from
run to run) and the fields named in --skip (e.g. metrics a change is known to move). Prints
the first differences and a last line "N identical, M different"; exits 0 when every run is
identical and both files hold the same runs, 1 otherwise. `plugbench compare` judges
experiments statistically on a few metrics; this is the check that a refactor changed no
recorded number (README, "How work gets done").
"""
import argparse
import json
import sys

COMPARED = ("status", "stop_reason", "message", "signal", "counts", "target_hit", "metrics",
            "trace")


def run_key(run):
    plugin = run.get("plugin") or {}
    return (plugin.get("name"), json.dumps(plugin.get("config"), sort_keys=True),
            (run.get("problem") or {}).get("id"), run.get("seed"),
            json.dumps(run.get("parameters"), sort_keys=True))


def without(value, skip):
    """value with every field named in skip, or whose name mentions seconds, removed."""
    if isinstance(value, dict):
        return {k: without(v, skip) for k, v in value.items()
                if k not in skip and "seconds" not in k}
    if isinstance(value, list):
        return [without(v, skip) for v in value]
    return value


def load(path):
    with open(path, encoding="utf-8") as f:
        runs = json.load(f)["runs"]
    return {run_key(r): r for r in runs}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--skip", default="", help="comma-separated field names to leave out")
    ap.add_argument("--show", type=int, default=10, help="differing runs to print (10)")
    ap.add_argument("base")
    ap.add_argument("new")
    a = ap.parse_args()
    skip = {s for s in a.skip.split(",") if s}
    base, new = load(a.base), load(a.new)
    same = differ = 0
    for key in sorted(set(base) | set(new), key=str):
        if key not in base or key not in new:
            differ += 1
            print(f"only in {'BASE' if key in base else 'NEW'}: {key[0]} {key[2]} seed {key[3]}")
            continue
        fields = [f for f in COMPARED
                  if without(base[key].get(f), skip) != without(new[key].get(f), skip)]
        if not fields:
            same += 1
            continue
        differ += 1
        if differ <= a.show:
            for f in fields:
                print(f"{key[0]} {key[2]} seed {key[3]}: {f}\n"
                      f"  BASE {json.dumps(without(base[key].get(f), skip))[:200]}\n"
                      f"  NEW  {json.dumps(without(new[key].get(f), skip))[:200]}")
    print(f"{same} identical, {differ} different ({len(base)} runs in BASE, {len(new)} in NEW)")
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
