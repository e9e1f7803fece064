#!/usr/bin/python3
"""Transport benchmarks, side by side in one run (see README.md here).

    /usr/bin/python3 bench/ot/run.py BUILD_DIR [--sizes 500,1000,2000]
        [--scaling-sizes 500,1000,2000,4000] [--reps 5] [--parts AB] [--default-malloc]
        [--max-seconds 120] [--json FILE]

A. Like for like, on 2-D point clouds (ot-cloud2d-n<n>-eta200-i1): every row runs the same
   algorithm on both sides for the same N iterations with no early stop (N: the iterations
   our scaling form takes to an L1 marginal error of 1e-9, rounded up to POT's check period
   of 10). Times are this thread's CPU time (user + system, so page faults count; a shared
   machine's other jobs do not), medians over --reps repetitions interleaved ours, peer,
   ours, peer. Per iteration: (T(N) - T(10)) / (N - 10) on both sides, so that setup (ours:
   E or K; POT: -M/reg, logs, the plan it returns) is excluded on both; "N iterations"
   includes it on both.
   a. scaling form (form=scaling: two dgemv; scaling-fused: one pass; scaling-float: one
      pass over E in float) against a NumPy loop of the same iterations: s = K @ v, the row
      error |u s - r|_1 (ours computes it in its pass), u = r / s, v = c / (K.T @ u).
   b. log domain, a log-sum-exp every iteration (tau=0) against POT's sinkhorn_log.
   c. log domain with absorption (tau=50, the default) against POT's sinkhorn_stabilized
      (absorption too; tau=1e3, its default).
   d. the algorithmic ratio, labelled so: absorption against POT's sinkhorn_log.
   e. the physical limit of the scaling rows: bytes of E read per iteration over the read
      bandwidth measured on a buffer of E's size (ot_bench --read-bandwidth).
   POT runs with glibc's MALLOC_MMAP_THRESHOLD_ raised to 32 MiB (its fast mode: its n x m
   temporaries are then reused from the heap instead of mapped and page-faulted on every
   call); --default-malloc runs it with glibc's defaults instead.
B. SNS against log-domain Sinkhorn to 1e-10 on the random assignment and the translated
   2-D densities (l2 cost, n = side^2 nearest): steps (warm-up Sinkhorn steps included) and
   wall seconds. eta grows with n so that the regime stays that of the SNS paper's n = 500,
   eta = 1200 (at fixed eta a larger n is an easier problem: the cost gaps shrink like 1/n
   for random costs, like the squared grid step for the grids): random eta = 2.4 n
   (1200, 2400, 4800), grids eta = 2 n rounded to 1000s (1000, 2000, 4000). A Sinkhorn run
   longer than --max-seconds is cut there, and its figures are then lower bounds (marked >=).
   Goal: SNS >= 10x fewer iterations and >= 3x less time than log-domain Sinkhorn.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

# glibc reads its malloc tunables at start-up: set them by starting again (once).
FAST_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}
if "--default-malloc" not in sys.argv and any(os.environ.get(k) != v for k, v in FAST_MALLOC.items()):
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, **FAST_MALLOC})

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"
# Where these are set (some machines here) they force an older, slower OpenBLAS kernel.
for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(var, None)

import numpy as np  # noqa: E402

try:
    import ot  # noqa: E402
except ImportError:
    ot = None

WINDOW_START = 10  # per iteration: (T(N) - T(10)) / (N - 10)


def ours_env():
    """Our driver runs with glibc's defaults: its allocations are made once, in create."""
    return {k: v for k, v in os.environ.items() if k not in FAST_MALLOC}


def bench(build, plugin, problem, target, max_steps, *settings):
    exe = os.path.join(build, "bench", "ot_bench")
    so = os.path.join(build, "plugins", plugin + ".so")
    out = subprocess.run([exe, so, problem, repr(target), str(max_steps), *settings],
                         check=True, capture_output=True, text=True, env=ours_env()).stdout
    return json.loads(out)


def read_bandwidth(build, n, reps):
    exe = os.path.join(build, "bench", "ot_bench")
    out = subprocess.run([exe, "--read-bandwidth", str(n), str(n), str(max(reps, 11))],
                         check=True, capture_output=True, text=True, env=ours_env()).stdout
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


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else 0.5 * (xs[len(xs) // 2 - 1] + xs[len(xs) // 2])


# Each side is a function of the iteration count returning (CPU seconds with setup, CPU
# seconds of setup when it is known separately or None, L1 error of the result or None).

def ours_side(args, problem, *settings):
    def run(iters):
        o = bench(args.build, "sinkhorn", problem, 1e-9, iters, "tol=0", *settings)
        return o["create_cpu_seconds"] + o["cpu_seconds"], o["create_cpu_seconds"], o["marginal_error"]
    return run


def numpy_side(C, r, c, eta):
    def run(iters):
        t0 = time.thread_time()
        K = np.exp(-eta * C)
        setup = time.thread_time() - t0
        u, v = np.ones(len(r)), np.ones(len(c))
        for _ in range(iters):
            s = K @ v
            np.abs(u * s - r).sum()  # the row error ours computes in its row pass
            u = r / s
            v = c / (K.T @ u)
        total = time.thread_time() - t0
        P = u[:, None] * K * v[None, :]
        return total, setup, l1_error(P, r, c)
    return run


def pot_side(fn, C, r, c, eta):
    def run(iters):
        t0 = time.thread_time()
        P = fn(r, c, C, 1.0 / eta, numItermax=iters, stopThr=0.0, warn=False)
        total = time.thread_time() - t0
        return total, None, l1_error(P, r, c)
    return run


def measure(sides, iters, reps):
    """Interleaved repetitions of every side at WINDOW_START and at iters iterations."""
    times = {name: {"short": [], "long": [], "setup": [], "error": None} for name in sides}
    for _ in range(reps):
        for name, run in sides.items():
            t_long, setup, err = run(iters)
            t_short, _, _ = run(WINDOW_START)
            times[name]["long"].append(t_long)
            times[name]["short"].append(t_short)
            if setup is not None:
                times[name]["setup"].append(setup)
            times[name]["error"] = err
    out = {}
    for name, t in times.items():
        per = (median(t["long"]) - median(t["short"])) / (iters - WINDOW_START)
        out[name] = {"per_iteration": per, "total": median(t["long"]),
                     "fixed": median(t["short"]) - WINDOW_START * per, "error": t["error"],
                     "total_runs": t["long"], "short_runs": t["short"]}
    return out


def row(label, n, iters, ours, peer, m_ours, m_peer, note=""):
    o, p = m_ours, m_peer
    print("| %s | %d | %s | %s | %d | %.3g | %.3g | **%.2fx** | %.3g | %.3g | %.3g | %.3g | %.2g | %.2g | %s |"
          % (label, n, ours, peer, iters, o["per_iteration"], p["per_iteration"],
             p["per_iteration"] / o["per_iteration"], o["fixed"], p["fixed"], o["total"],
             p["total"], o["error"], p["error"], note))
    sys.stdout.flush()


def part_a(args, rows, workdir):
    print("\n## A. Like for like, ot-cloud2d-n<n>-eta200-i1 (CPU seconds, medians of %d interleaved "
          "repetitions; POT %s, %s malloc)\n"
          % (args.reps, ot.__version__ if ot else "(missing)",
             "default" if args.default_malloc else "fast (MALLOC_MMAP_THRESHOLD_=32 MiB)"))
    print("| row | n | ours | peer | iterations N | ours s/iter | peer s/iter | peer / ours "
          "| ours fixed s | peer fixed s | ours s, N iters | peer s, N iters | ours L1 error | "
          "peer L1 error | note |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    limits = []
    for n in sorted(set(args.sizes) | set(args.scaling_sizes)):
        problem = "ot-cloud2d-n%d-eta200-i1" % n
        C, r, c, eta = load_problem(args.build, problem, workdir)
        to_target = bench(args.build, "sinkhorn", problem, 1e-9, 10 ** 7, "form=scaling", "tol=1e-9")
        iters = int(math.ceil(to_target["steps"] / 10.0) * 10)
        rec = {"part": "A", "n": n, "problem": problem, "iterations": iters,
               "steps_to_1e-9": to_target["steps"]}
        if n in args.scaling_sizes:
            sides = {"numpy": numpy_side(C, r, c, eta)}
            for form in ("scaling", "scaling-fused", "scaling-float"):
                sides[form] = ours_side(args, problem, "form=" + form)
            m = measure(sides, iters, args.reps)
            rec["a"] = m
            for form, note in (("scaling", "same algorithm, same 2 passes over K"),
                               ("scaling-fused", "same iterations; 1 pass over K against 2"),
                               ("scaling-float", "same iterations; 1 pass over K in float (4 bytes) "
                                                 "against 2 in double")):
                row("a", n, iters, "form=" + form, "NumPy loop", m[form], m["numpy"], note)
            bw = read_bandwidth(args.build, n, args.reps)
            rec["read_bandwidth"] = bw
            for name, passes, width in (("NumPy loop", 2, 8), ("form=scaling", 2, 8),
                                        ("form=scaling-fused", 1, 8), ("form=scaling-float", 1, 4)):
                key = "numpy" if name == "NumPy loop" else name[5:]
                rate = bw["double_bytes_per_second"] if width == 8 else bw["float_bytes_per_second"]
                nbytes = passes * width * n * n
                limits.append((n, name, passes, nbytes, rate, nbytes / rate, m[key]["per_iteration"]))
        if n in args.sizes and ot is not None:
            m = measure({"tau0": ours_side(args, problem, "form=log", "tau=0"),
                         "sinkhorn_log": pot_side(ot.bregman.sinkhorn_log, C, r, c, eta)},
                        iters, args.reps)
            rec["b"] = m
            row("b", n, iters, "form=log tau=0", "POT sinkhorn_log", m["tau0"], m["sinkhorn_log"],
                "same algorithm (2 n m exps per iteration); POT also checks its error every 10")
            m2 = measure({"absorb": ours_side(args, problem, "form=log"),
                          "stabilized": pot_side(ot.bregman.sinkhorn_stabilized, C, r, c, eta)},
                         iters, args.reps)
            rec["c"] = m2
            bad = m2["stabilized"]["error"] > 1e-3
            row("c", n, iters, "form=log (tau=50)", "POT sinkhorn_stabilized", m2["absorb"],
                m2["stabilized"], "same algorithm (absorption)" +
                ("; **POT fails: L1 error %.2g**" % m2["stabilized"]["error"] if bad else ""))
            row("d", n, iters, "form=log (tau=50)", "POT sinkhorn_log", m2["absorb"],
                m["sinkhorn_log"], "**different algorithms**: absorption against a log-sum-exp every iteration")
        rows.append(rec)
    print("\n**e. The physical limit** of the scaling rows: bytes of K read per iteration over the "
          "read bandwidth of a buffer of that size (streaming sum, median of %d)\n" % max(args.reps, 11))
    print("| n | kernel | passes over K | bytes per iteration | read bandwidth GB/s | bound s/iter "
          "| measured s/iter | measured / bound |")
    print("|---|---|---|---|---|---|---|---|")
    for n, name, passes, nbytes, rate, bound, meas in limits:
        print("| %d | %s | %d | %.3g | %.1f | %.3g | %.3g | %.2f |"
              % (n, name, passes, nbytes, rate / 1e9, bound, meas, meas / bound))
        rows.append({"part": "E", "n": n, "kernel": name, "passes": passes, "bytes": nbytes,
                     "read_bytes_per_second": rate, "bound": bound, "measured": meas})


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
    ap.add_argument("--sizes", default="500,1000,2000", help="n of the log-domain rows and of B")
    ap.add_argument("--scaling-sizes", default="500,1000,2000,4000", help="n of the scaling rows")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("--parts", default="AB")
    ap.add_argument("--default-malloc", action="store_true",
                    help="run POT with glibc's default malloc thresholds (its slow mode)")
    ap.add_argument("--json")
    args = ap.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.scaling_sizes = [int(s) for s in args.scaling_sizes.split(",") if s]
    print("# plugbench transport benchmarks")
    cpu = "unknown"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        info = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
        cpu = "%s, family %s model %s" % (info.get("Model name", "?").strip(),
                                          info.get("CPU family", "?").strip(),
                                          info.get("Model", "?").strip())
    except OSError:
        pass
    print("\nCPU: %s; %d cores; load average %.2f at start; numpy %s; MALLOC_MMAP_THRESHOLD_=%s" % (
        cpu, os.cpu_count(), os.getloadavg()[0], np.__version__,
        os.environ.get("MALLOC_MMAP_THRESHOLD_", "(unset)")))
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
                print("\nA: POT is not installed (apt-get install python3-pot): rows b to d skipped")
            part_a(args, rows, workdir)
        if "B" in args.parts:
            part_b(args, rows)
    print("\nload average at the end: %.2f" % os.getloadavg()[0])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
