#!/usr/bin/python3
"""Times the authors' dynamic IHVP (HInvFastUpMulti.update_mul in optim.py of
IST-DASLab/M-FAC) on CPU in float64 with one thread, like bench_ihvp does for ours.

    /usr/bin/python3 bench/mfac/bench_torch.py MFAC_CHECKOUT [--d 1e3,1e4] [--m 32,256] [--reps R]

MFAC_CHECKOUT is a checkout of the authors' repository; nothing is fetched. Its optim.py is
imported unchanged; two substitutions are applied at run time to the module's globals,
because its CPU path needs them on torch 1.13 and neither changes its arithmetic:

1. torch.lu(A, pivot=False): torch 1.13 has no unpivoted LU on CPU. The matrix factored is
   m I + K / lambda, symmetric positive definite, whose unpivoted LU is unique:
   with Cholesky A = C C^T, L = C diag(C)^-1 and U = diag(C) C^T. The substitute returns
   that packed factor (U on and above the diagonal, L's strict lower part below) and
   identity pivots; optim.py keeps only triu(U).
2. nn.parallel.parallel_apply needs CUDA; a serial map over the same (function, input)
   pairs does the same work (one device, so one pair).

Before timing, a self-check compares update_mul's result with a dense solve at d=300, m=32.
Output: tab-separated lines "torch d m step_ms" (median over R timed steps after the
window is set by the constructor), as bench_ihvp prints for "c".
"""
import importlib.util
import statistics
import sys
import time
import types

import torch


class _TorchWithCpuLu:
    """The torch module, except lu(..., pivot=False), computed through Cholesky."""

    def __getattr__(self, name):
        return getattr(torch, name)

    @staticmethod
    def lu(A, pivot=True, get_infos=False):
        if pivot or get_infos:
            raise NotImplementedError("only the unpivoted LU optim.py uses is substituted")
        C = torch.linalg.cholesky(A)
        dg = torch.diagonal(C)
        U = dg.reshape(-1, 1) * C.t()
        L = C / dg.reshape(1, -1)
        packed = torch.triu(U) + torch.tril(L, -1)
        pivots = torch.arange(1, A.shape[0] + 1, dtype=torch.int32)
        return packed, pivots


def _serial_apply(modules, inputs, kwargs_tup=None, devices=None):
    return [f(x) for f, x in zip(modules, inputs)]


def load(checkout):
    spec = importlib.util.spec_from_file_location("mfac_optim", checkout + "/optim.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if mod.USE_CUDA:
        sys.exit("bench_torch: the CUDA extension hinv_cuda is importable; this bench is CPU-only")
    mod.torch = _TorchWithCpuLu()
    mod.nn = types.SimpleNamespace(parallel=types.SimpleNamespace(parallel_apply=_serial_apply))
    return mod


def self_check(mod):
    torch.manual_seed(0)
    A = torch.randn(40, 40, dtype=torch.float64)
    A = A @ A.t() + 40 * torch.eye(40, dtype=torch.float64)
    packed, _ = _TorchWithCpuLu.lu(A, pivot=False)
    L = torch.tril(packed, -1) + torch.eye(40, dtype=torch.float64)
    U = torch.triu(packed)
    lu_err = (L @ U - A).abs().max().item() / A.abs().max().item()
    d, m, damp = 300, 32, 1e-2
    G = torch.randn(m, d, dtype=torch.float64)
    cpu = torch.device("cpu")
    h = mod.HInvFastUpMulti(torch.zeros(m, d, dtype=torch.float64), cpu, [cpu], damp=damp)
    for i in range(m - 1):
        h.update(G[i].clone())
    x = h.update_mul(G[m - 1].clone())
    F = damp * torch.eye(d, dtype=torch.float64) + G.t() @ G / m
    ref = torch.linalg.solve(F, G[m - 1])
    err = ((x - ref).norm() / ref.norm()).item()
    print("# self-check: LU substitute max error %.1e; update_mul vs dense solve, d=%d m=%d: "
          "relative error %.1e" % (lu_err, d, m, err))
    if lu_err > 1e-12 or err > 1e-8:
        sys.exit("bench_torch: self-check failed")


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    checkout, ds, ms, reps = args[0], [1e3, 1e4, 1e5, 1e6], [32, 256], 11
    i = 1
    while i < len(args):
        if args[i] == "--d":
            ds = [float(v) for v in args[i + 1].split(",")]
        elif args[i] == "--m":
            ms = [float(v) for v in args[i + 1].split(",")]
        elif args[i] == "--reps":
            reps = int(args[i + 1])
        else:
            sys.exit("bench_torch: unknown argument " + args[i])
        i += 2
    torch.set_num_threads(1)
    mod = load(checkout)
    print("# torch %s, %d thread" % (torch.__version__, torch.get_num_threads()))
    self_check(mod)
    cpu = torch.device("cpu")
    torch.manual_seed(1)
    for d in ds:
        for m in ms:
            d, m = int(d), int(m)
            G = torch.rand(m, d, dtype=torch.float64) * 2 - 1
            h = mod.HInvFastUpMulti(G, cpu, [cpu], damp=1e-5)
            del G
            times = []
            for _ in range(reps):
                g = torch.rand(d, dtype=torch.float64) * 2 - 1
                t0 = time.perf_counter()
                h.update_mul(g)
                times.append(time.perf_counter() - t0)
            print("torch\t%d\t%d\t%.4f" % (d, m, 1e3 * statistics.median(times)), flush=True)
            del h


if __name__ == "__main__":
    main()
