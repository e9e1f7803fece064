#!/usr/bin/env python3
"""Writes fixture.json, the fixed results file of the report tests (run once; kept for
provenance: the tests read the committed fixture, never this script).

Three made-up blackbox algorithms on two problems, seeds 1-3, 1000 evaluations. A run's
best error follows log10 e(c) = 2 - 10 c / H (floored at 1e-12), so it reaches COCO's
target 10^(2 - k/5) at the first c >= k H / 50; the hand-computed expectations of
test_report_data.c and report_test.sh follow from the H of each run:
  alpha  sphere H = 150, 170, 190 (target_hits given: exact times 150, 170, 190)
         rastrigin H = 400, 450, 2000 (no target_hits: times at trace resolution 500, 500,
         never; the last ends at exactly 1e-3)
  beta   sphere H = 900, 950, 980 (no target_hits: 1000, 1000, 1000)
         rastrigin ends at 1, 2, 3 (never)
  gamma  sphere: seed 1 ok H = 90 (target_hits: 90); seed 2 crashed after 57 evaluations
         although its trace passed 1e-8 at 40; seed 3 timed out after 25
         rastrigin: seed 1 ok ends at 10; seed 2 error; seed 3 nonfinite
"""
import json
import math

BUDGET = 1000
CHECKPOINTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
TARGETS = [math.pow(10.0, 2.0 - k / 5.0) for k in range(51)]  # as blackbox.c computes them


def error(c, h):
    return max(math.pow(10.0, 2.0 - 10.0 * c / h), 1e-12)


def h_for_final(final):
    return 10.0 * BUDGET / (2.0 - math.log10(final))


def record(alg, problem, dim, seed, h, status="ok", last=BUDGET, hits=True, message=None,
           signal=None, slow=1.0):
    points = [c for c in CHECKPOINTS if c <= last]
    if points[-1] != last:
        points.append(last)
    best = [error(c, h) for c in points]
    seconds = [c * 1e-6 * (1 + 0.25 * seed) * slow for c in points]
    ok = status == "ok"
    final = error(last, h)
    rec = {
        "plugin": {"name": alg, "version": "1.0.0", "sha256": {"alpha": "a", "beta": "b",
                   "gamma": "c"}[alg] * 64, "path": "/fixture/%s.so" % alg},
        "problem": {"id": problem, "kind": "blackbox", "cost_unit": "evaluations",
                    "family": problem.split("-")[0], "dimension": dim, "instance": 1,
                    "f_opt": 12.5},
        "seed": seed,
        "parameters": {"step": 0.5},
        "budget": {"evaluations": BUDGET, "iterations": None, "seconds": None},
        "target": None,
        "status": status,
        "stop_reason": "budget_cost" if ok else "none",
        "message": message,
        "signal": signal,
        "counts": {"evaluations": last, "iterations": last},
        "target_hit": None,
        "metrics": {"best_error": final if ok else None,
                    "solution_error": final if ok else None,
                    "distance_to_optimum": math.sqrt(final) if ok else None},
        "time": {"algorithm_seconds": seconds[-1], "wall_seconds": seconds[-1] + 0.001,
                 "max_rss_mib": 2.5},
        "trace": {"evaluations": points, "iterations": points, "seconds": seconds,
                  "best_error": best, "solution_error": best,
                  "distance_to_optimum": [math.sqrt(b) for b in best]},
        "output": None,
        "output_bytes": 0,
    }
    if hits:
        evals = []
        for t in TARGETS:
            c = next((c for c in range(1, last + 1) if error(c, h) <= t), None)
            evals.append(c)
        rec["target_hits"] = {"targets": TARGETS, "evaluations": evals}
    return rec


S, R = ("sphere-d2-i1", 2), ("rastrigin-d5-i1", 5)
runs = []
for seed, h in zip((1, 2, 3), (150, 170, 190)):
    runs.append(record("alpha", *S, seed, h))
for seed, h in zip((1, 2, 3), (400, 450, 2000)):
    runs.append(record("alpha", *R, seed, h, hits=False))
for seed, h in zip((1, 2, 3), (900, 950, 980)):
    runs.append(record("beta", *S, seed, h, hits=False, slow=0.5))
for seed, final in zip((1, 2, 3), (1.0, 2.0, 3.0)):
    runs.append(record("beta", *R, seed, h_for_final(final), slow=0.5))
runs.append(record("gamma", *S, 1, 90, slow=2))
runs.append(record("gamma", *S, 2, 40, status="crashed", last=57, signal=11,
                   message="killed by signal 11 (Segmentation fault)", slow=2))
runs.append(record("gamma", *S, 3, 500, status="timeout", last=25,
                   message="killed at the wall-clock limit of 1 s", slow=2))
runs.append(record("gamma", *R, 1, h_for_final(10.0), slow=2))
runs.append(record("gamma", *R, 2, 3000, status="error", last=10, hits=False,
                   message="step failed: the simplex collapsed", slow=2))
runs.append(record("gamma", *R, 3, 3000, status="nonfinite", last=BUDGET,
                   message="the solution's quality is NaN", slow=2))
# Finished out of order, as runs with -j do: the report sorts them.
runs = runs[::-1]

doc = {
    "schema": "plugbench/results/1",
    "context": {"plugbench_version": "0.1.0", "abi": "1.0", "git_revision": "fixture",
                "host": "fixture-host", "os": "Linux", "cpu_model": "Fixture CPU", "cores": 2,
                "compiler": "gcc 12.2.0", "compiler_flags": "buildtype=debugoptimized",
                "date": "2026-01-01T00:00:00Z", "command": ["run", "fixture"]},
    "runs": runs,
}
with open("fixture.json", "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
