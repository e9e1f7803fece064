#!/usr/bin/python3
"""The PyTorch side of the KoVAE benchmark: azencot-group/KoVAE's model (models/kovae.py,
imported from the checkout run.sh is given; nothing of it is in this repository) trained as
run_regular.py trains it, one thread, on CPU.

  torch_driver.py CHECKOUT FILE N T D HIDDEN Z_DIM LAYERS BATCH STEPS REPS DTYPE

FILE: N sequences of T x D doubles (bench_kovae write). DTYPE: float32 (the authors' own:
their data are torch.Tensor, their model the default dtype) or float64 (plugbench's).
The model is KoVAE(args) with run_regular.py's defaults and the sines weights of
sine_regular.sh (w_kl 0.007, w_pred_prior 0.005, batch_norm, num_steps 1, the QR solver);
the optimizer is Adam(lr 7e-4, weight_decay 0). One training step is run_regular.py's inner
loop body: zero_grad, model(X), model.loss(...), losses[0].backward(), optimizer.step().
Minibatches are drawn in memory from epoch-wise random permutations of the data (their
DataLoader with shuffle=True, without its 4 worker processes); their per-step agg_losses
bookkeeping (utils/utils.py, which imports tensorflow) is left out. Two things of the
checkout are bypassed, neither on the training path's arithmetic: models/kovae.py imports
models/neuralCDE.py (the irregular encoder, not built for regular data), which imports
torchdiffeq, not installed here: a stub module stands in for it; and the prior's
sample_prior/zeros_init call .cuda() on fresh zero tensors: Tensor.cuda is made the
identity, so they stay on the CPU.
After 2 warm-up steps, REPS repetitions of STEPS steps; one line per repetition:
    torch-<DTYPE> <rep> <ms per step>
"""
import argparse
import os
import sys
import types

import numpy as np
import torch

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import step_timing  # noqa: E402 (bench/step_timing.py)


def main():
    if len(sys.argv) != 13:
        sys.exit(__doc__)
    checkout, path = sys.argv[1], sys.argv[2]
    N, T, D, H, Z, L, B, steps, reps = (int(a) for a in sys.argv[3:12])
    dtype = {"float32": torch.float32, "float64": torch.float64}[sys.argv[12]]
    torch.set_num_threads(1)
    torch.set_default_dtype(dtype)
    torch.manual_seed(10)
    try:
        import torchdiffeq  # noqa: F401  (only the irregular encoder uses it)
    except ImportError:
        stub = types.ModuleType("torchdiffeq")

        def odeint(*a, **k):
            raise RuntimeError("torchdiffeq stub: the irregular encoder is not benchmarked")
        stub.odeint = odeint
        sys.modules["torchdiffeq"] = stub
    torch.Tensor.cuda = lambda self, *a, **k: self  # CPU only: .cuda() is the identity
    sys.path.insert(0, checkout)
    from models.kovae import KoVAE

    args = argparse.Namespace(
        epochs=600, lr=7e-4, weight_decay=0.0, seed=10, pinv_solver=False, dataset="sine",
        batch_size=B, seq_len=T, missing_value=0.0, batch_norm=True, num_layers=L, z_dim=Z,
        hidden_dim=H, num_steps=1, w_rec=1.0, w_kl=0.007, w_pred_prior=0.005, inp_dim=D,
        device=torch.device("cpu"))
    data = torch.from_numpy(np.fromfile(path, dtype=np.float64).reshape(N, T, D)).to(dtype)
    model = KoVAE(args).to(device=args.device)
    optimizer = torch.optim.Adam(model.parameters(), args.lr, weight_decay=args.weight_decay)
    model.train()
    perm, pos = torch.randperm(N), 0

    def one_step():
        nonlocal perm, pos
        if pos + B > N:
            perm, pos = torch.randperm(N), 0
        X = data[perm[pos:pos + B]]
        pos += B
        optimizer.zero_grad()
        x_rec, Z_enc, Z_enc_prior = model(X)
        losses = model.loss(X, x_rec, Z_enc, Z_enc_prior)
        losses[0].backward()
        optimizer.step()

    for k, ms in enumerate(step_timing.ms_per_step(one_step, steps, reps)):
        print("torch-%s %d %.6f" % (sys.argv[12], k, ms), flush=True)


if __name__ == "__main__":
    main()
