#!/usr/bin/python3
"""The log-domain sinkhorn plugin against POT, an independent implementation.

test_pot.py OT_DUMP SINKHORN.so WORKDIR: ot_dump runs the plugin on ot-random-n100-eta200-i1
to a marginal error of 1e-15 and writes the problem and the potentials; here POT's
ot.bregman.sinkhorn_log (reg = 1/eta) solves the same problem to convergence, and the two
plans must agree to 1e-10 in L1. Then POT's exact solver ot.emd gives the unregularized OT
cost: the entropic plan's transport cost <C, P> is at least that (P is feasible up to
1e-15), by a small gap, at most log(n)/eta (the entropy bound: the optimal plan of uniform
marginals has entropy at least log n, and any plan at most 2 log n).

Exits 77 (skipped) with a message when POT (Debian: python3-pot) is missing.
"""
import os
import subprocess
import sys

try:
    import numpy as np
    import ot
except ImportError as e:
    print("SKIP: POT is not installed (apt-get install python3-pot): %s" % e)
    sys.exit(77)

PROBLEM = "ot-random-n100-eta200-i1"


def main():
    dump, plugin, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "ot_pot_n100.bin")
    subprocess.run([dump, plugin, PROBLEM, path], check=True)
    x = np.fromfile(path, dtype="<f8")
    n, m, eta = int(x[0]), int(x[1]), x[2]
    k = 3
    C = x[k:k + n * m].reshape(n, m); k += n * m
    r = x[k:k + n]; k += n
    c = x[k:k + m]; k += m
    f = x[k:k + n]; k += n
    g = x[k:k + m]; k += m
    host_error, host_cost = x[k], x[k + 1]
    P = np.exp(eta * (f[:, None] + g[None, :] - C))
    Q = ot.bregman.sinkhorn_log(r, c, C, 1.0 / eta, numItermax=200000, stopThr=1e-16, warn=False)
    q_err = np.abs(Q.sum(1) - r).sum() + np.abs(Q.sum(0) - c).sum()
    dist = np.abs(P - Q).sum()
    failures = 0

    def check(ok, msg):
        nonlocal failures
        print("[%s] %s" % ("pass" if ok else "FAIL", msg))
        failures += not ok

    check(host_error <= 1e-14, "plugin: marginal error %.3g measured by the host" % host_error)
    check(q_err <= 1e-13, "POT %s sinkhorn_log: marginal error %.3g" % (ot.__version__, q_err))
    check(dist <= 1e-10, "plans of the plugin and of POT's sinkhorn_log differ by %.3g in L1 (<= 1e-10)" % dist)
    exact = ot.emd2(r, c, C, numItermax=10000000)
    gap = host_cost - exact
    bound = np.log(n) / eta
    check(0 <= gap <= bound,
          "entropic transport cost %.12g >= exact OT cost (POT emd) %.12g, gap %.3g in [0, log(n)/eta = %.3g]"
          % (host_cost, exact, gap, bound))
    print("transport pot: %d checks, %d failed" % (4, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
