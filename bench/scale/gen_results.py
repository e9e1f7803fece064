#!/usr/bin/env python3
"""A synthetic results file of many short blackbox runs, for timing merge, compare and report.

    gen_results.py OUT.json ALGORITHMS PROBLEMS SEEDS [--salt S] [--shard I/N]

ALGORITHMS x PROBLEMS x SEEDS records shaped as random-search's on sphere-d2 (plugin,
problem, budget, metrics, COCO's 51 target_hits, a one-point trace at the run's algorithm
seconds, so that each run adds an abscissa to the curves against seconds), with plugin names
alg1.., problem ids sphere-d2-i1.. and seeds 1..; metric values are drawn from a PRNG
seeded by (salt, algorithm, problem, seed), so two salts give two comparable files.
--shard I/N keeps the records j with j mod N = I - 1 (as `plugbench run --shard` does), to
give merge several inputs. Written exactly as plugbench writes results files (json.dump
with tabs is not byte-identical, but reads the same).
"""
import json
import random
import sys

TARGETS = [10 ** (2 - i / 5) for i in range(51)]


def record(a, p, s, salt):
    rng = random.Random(f"{salt}/{a}/{p}/{s}")
    best = rng.uniform(0.01, 20.0) * (1 + a / 10)
    seconds = rng.uniform(1e-4, 3e-4)
    hits = [10 if best <= t else None for t in TARGETS]
    return {
        "plugin": {"name": f"alg{a}", "version": "1.0.0", "sha256": "0" * 64,
                   "path": f"/nowhere/alg{a}.so"},
        "problem": {"id": f"sphere-d2-i{p}", "kind": "blackbox", "cost_unit": "evaluations",
                    "family": "sphere", "dimension": 2, "instance": p, "f_opt": -25.2},
        "seed": s,
        "parameters": {"batch": 10},
        "budget": {"evaluations": 10, "iterations": None, "seconds": None},
        "target": None,
        "status": "ok",
        "stop_reason": "budget_cost",
        "message": None,
        "signal": None,
        "counts": {"evaluations": 10, "iterations": 1},
        "target_hit": None,
        "metrics": {"best_error": best, "solution_error": best, "distance_to_optimum": best ** 0.5},
        "time": {"algorithm_seconds": seconds, "wall_seconds": 0.01,
                 "max_rss_mib": 2.0},
        "target_hits": {"targets": TARGETS, "evaluations": hits},
        "trace": {"evaluations": [10], "iterations": [1], "seconds": [seconds],
                  "best_error": [best], "solution_error": [best], "distance_to_optimum": [best ** 0.5]},
        "output": None,
        "output_bytes": 0,
    }


def main():
    args = sys.argv[1:]
    salt, shard, shards = "0", 0, 1
    if "--salt" in args:
        i = args.index("--salt")
        salt = args[i + 1]
        del args[i:i + 2]
    if "--shard" in args:
        i = args.index("--shard")
        shard, shards = (int(x) for x in args[i + 1].split("/"))
        shard -= 1
        del args[i:i + 2]
    out, n_alg, n_prob, n_seed = args[0], int(args[1]), int(args[2]), int(args[3])
    runs = []
    j = 0
    for a in range(1, n_alg + 1):
        for p in range(1, n_prob + 1):
            for s in range(1, n_seed + 1):
                if j % shards == shard:
                    runs.append(record(a, p, s, salt))
                j += 1
    doc = {"schema": "plugbench/results/1",
           "context": {"plugbench_version": "synthetic", "command": sys.argv}, "runs": runs}
    with open(out, "w") as f:
        json.dump(doc, f, indent="\t")
        f.write("\n")


if __name__ == "__main__":
    main()
