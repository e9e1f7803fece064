#!/usr/bin/python3
"""Transport benchmarks, side by side in one run (see README.md here).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/ot/run.py BUILD_DIR \
        [--sizes 500,1000,2000] [--max-seconds 120] [--json FILE]

A. Sinkhorn against POT (single thread) on 2-D point clouds (ot-cloud2d-n<n>-eta200-i1):
   seconds per iteration and seconds to an L1 marginal error of 1e-9, for the log-domain
   plugin against ot.bregman.sinkhorn_log and the scaling form against ot.sinkhorn
   (sinkhorn_knopp). Our iterations are counted by the plugin stopping itself at 1e-9 (its
   check is free: it reuses the row log-sum-exps), then the host measures the error. POT
   runs the same number of iterations (rounded up to its check period of 10) with
   stopThr = 0, so that both do the same work; its error is measured afterwards, untimed.
B. SNS against log-domain Sinkhorn to 1e-10 on the random assignment and the translated
   2-D densities (l2 cost, n = side^2 nearest): steps (warm-up Sinkhorn steps included) and
   seconds. eta grows with n so that the regime stays that of the SNS paper's n = 500,
   eta = 1200 (at fixed eta a larger n is an easier problem: the cost gaps shrink like 1/n
   for random costs, like the squared grid step for the grids): random eta = 2.4 n
   (1200, 2400, 4800), grids eta = 2 n rounded to 1000s (1000, 2000, 4000). A Sinkhorn run longer than --max-seconds is cut
   there, and its figures are then lower bounds (marked >=).

Goals: A. log-domain >= 10x faster than POT's sinkhorn_log per iteration and to 1e-9;
scaling form no slower than POT's sinkhorn. B. SNS >= 10x fewer iterations and >= 3x less
time than log-domain Sinkhorn.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402

try:
    import ot  # noqa: E402
except ImportError:
    ot = None


def bench(build, plugin, problem, target, max_steps, *settings):
    exe = os.path.join(build, "bench", "ot_bench")
    so = os.path.join(build, "plugins", plugin, plugin + ".so")
    out = subprocess.run([exe, so, problem, repr(target), str(max_steps), *settings],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def load_problem(build, problem, workdir):
    path = os.path.join(workdir, problem + ".bin")
    exe = os.path.join(build, "bench", "ot_bench")
    subprocess.run([exe, "--dump", problem, path], check=True)
    x = np.fromfile(path, dtype="<f8")
    n, m, eta = int(x[0]), int(x[1]), x[2]
    C = x[3:3 + n * m].reshape(n, m)
    r = x[3 + n * m:3 + n * m + n]
    c = x[3 + n * m + n:]
    os.remove(path)
    return C, r, c, eta


def l1_error(P, r, c):
    return float(np.abs(P.sum(1) - r).sum() + np.abs(P.sum(0) - c).sum())


def pot_run(fn, C, r, c, eta, iterations):
    t = time.perf_counter()
    P = fn(r, c, C, 1.0 / eta, numItermax=iterations, stopThr=0.0, warn=False)
    return time.perf_counter() - t, l1_error(P, r, c)


def fmt_s(x, lower=False):
    return (">=" if lower else "") + ("%.3g" % x)


def part_a(args, rows, workdir):
    print("\n## A. Sinkhorn vs POT %s (single thread), ot-cloud2d-n<n>-eta200-i1, target 1e-9\n"
          % (ot.__version__ if ot else "(missing)"))
    print("| n | form | ours s/iter | POT s/iter | speed-up/iter | ours iters | ours s to 1e-9 "
          "| POT s (same iters) | POT error | speed-up to 1e-9 | goal |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        problem = "ot-cloud2d-n%d-eta200-i1" % n
        C, r, c, eta = load_problem(args.build, problem, workdir)
        for form, fn, goal in (("log", ot.bregman.sinkhorn_log, 10.0),
                               ("scaling", ot.bregman.sinkhorn_knopp, 1.0)):
            ours = bench(args.build, "sinkhorn", problem, 1e-9, 10 ** 7, "form=" + form, "tol=1e-9")
            per_iter_iters = max(10, int(round(2e8 / (n * n) / 10)) * 10)  # ~ 2e8 entries touched
            pot_iter_s, _ = pot_run(fn, C, r, c, eta, per_iter_iters)
            pot_iter_s /= per_iter_iters
            pot_iters = int(math.ceil(ours["steps"] / 10.0) * 10)
            pot_s, pot_err = pot_run(fn, C, r, c, eta, pot_iters)
            sp_iter = pot_iter_s / ours["seconds_per_step"]
            sp_total = pot_s / ours["seconds"]
            ok = sp_iter >= goal and sp_total >= goal and ours["reached"]
            print("| %d | %s | %.3g | %.3g | %.1fx | %d | %.3g | %.3g | %.2g | %.1fx | %s %s |"
                  % (n, form, ours["seconds_per_step"], pot_iter_s, sp_iter, ours["steps"],
                     ours["seconds"], pot_s, pot_err, sp_total,
                     ">=%gx" % goal, "PASS" if ok else "FAIL"))
            sys.stdout.flush()
            rows.append({"part": "A", "n": n, "form": form, "problem": problem, "ours": ours,
                         "pot_seconds_per_iteration": pot_iter_s, "pot_iterations": pot_iters,
                         "pot_seconds": pot_s, "pot_error": pot_err, "speedup_iteration": sp_iter,
                         "speedup_to_target": sp_total, "goal": goal, "pass": ok})


def part_b(args, rows):
    print("\n## B. SNS vs log-domain Sinkhorn, target 1e-10 (Sinkhorn cut at %g s)\n" % args.max_seconds)
    print("| problem | Sinkhorn iters | Sinkhorn s | SNS steps | SNS s | fewer iters | less time | goal |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        side = int(round(math.sqrt(n)))
        grid_eta = max(1000, int(round(2 * side * side / 1000.0)) * 1000)
        for problem in ("ot-random-n%d-eta%d-i1" % (n, int(round(2.4 * n))),
                        "ot-grid2d-n%d-l2-eta%d-i1" % (side * side, grid_eta)):
            sk = bench(args.build, "sinkhorn", problem, 1e-10, 10 ** 8, "tol=1e-10",
                       "max_seconds=%g" % args.max_seconds)
            sns = bench(args.build, "sns", problem, 1e-10, 10 ** 5, "tol=1e-10")
            cut = not sk["reached"]
            it_ratio = sk["steps"] / sns["steps"]
            t_ratio = sk["seconds"] / sns["seconds"]
            ok = sns["reached"] and it_ratio >= 10 and t_ratio >= 3
            print("| %s | %s | %s | %d | %.3g | %s | %s | >=10x, >=3x %s |"
                  % (problem, ("%s%d" % (">=" if cut else "", sk["steps"])), fmt_s(sk["seconds"], cut),
                     sns["steps"], sns["seconds"], ("%s%.1fx" % (">=" if cut else "", it_ratio)),
                     ("%s%.1fx" % (">=" if cut else "", t_ratio)), "PASS" if ok else "FAIL"))
            sys.stdout.flush()
            rows.append({"part": "B", "problem": problem, "sinkhorn": sk, "sns": sns,
                         "sinkhorn_cut": cut, "iteration_ratio": it_ratio, "time_ratio": t_ratio,
                         "pass": ok})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("--sizes", default="500,1000,2000")
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("--parts", default="AB")
    ap.add_argument("--json")
    args = ap.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    print("# plugbench transport benchmarks")
    print("\nmachine: %s; %d cores; numpy %s; OPENBLAS_CORETYPE=%s" % (
        os.uname().machine, os.cpu_count(), np.__version__, os.environ.get("OPENBLAS_CORETYPE", "(unset)")))
    try:
        from threadpoolctl import threadpool_info
        for lib in threadpool_info():
            print("BLAS: %s %s, %s threads, kernel %s" % (lib.get("internal_api"), lib.get("version"),
                                                       lib.get("num_threads"), lib.get("architecture")))
    except ImportError:
        pass
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        if "A" in args.parts:
            if ot is None:
                print("\nA skipped: POT is not installed (apt-get install python3-pot)")
            else:
                part_a(args, rows, workdir)
        if "B" in args.parts:
            part_b(args, rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
