#!/usr/bin/python3
"""The PyTorch side of the PV-RNN benchmark: h-idei/pvrnn_sa's modules (its PVRNN layers and
Output, imported from the checkout run.sh is given; nothing of it is in this repository)
wired as plugbench's pvrnn chain, one thread, on CPU.

  torch_driver.py train CHECKOUT DIR N T X D1 Z1 TAU1 W1 D2 Z2 TAU2 W2 EPOCHS REPS
  torch_driver.py er    CHECKOUT DIR N T X D1 Z1 TAU1 W1 D2 Z2 TAU2 W2 REPS WINDOW ITERS LR STEPS

The chain: a PVRNN module of one PVRNNLayer (D2 units, Z2 latents) fed a constant zero input
(their layers all take one), a second one (D1, Z1) fed the first one's d, and an Output of X
tanh units; with D2 = 0 the lower module alone. A training epoch is one minibatch of all N
sequences as in training/example/example_of_training_rnn_part.py: the posterior steps, the
loss NormalizeMSE + the weighted KLs, backward, Adam (lr 0.001); without the per-step copies
that script keeps for its plots. Error regression is test/example/error_regression.py's
error_regression_step for one test sequence: slide the window, a fresh Adam over the
window's adaptive vectors, ITERS iterations of the window's forward, loss and backward, then
the window's reconstruction and one prior step; the vision and PID parts are left out. The
first STEPS steps after the initial regression are timed (each costs the same).
Prints one line per repetition: torch <rep> <ms per epoch or nan> <ms per ER step or nan>.
"""
import importlib
import os
import sys
import time

import numpy as np
import torch

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import step_timing  # noqa: E402 (bench/step_timing.py)


def load(directory, sub, count, length, dim):
    data = np.zeros((count, length, dim))
    for k in range(count):
        data[k] = np.loadtxt("%s/%s/target_%07d.txt" % (directory, sub, k)).reshape(length, dim)
    return torch.from_numpy(data).float()


def modules(checkout, part):
    sys.path.insert(0, "%s/%s" % (checkout, part))
    return importlib.import_module("networks.pvrnn"), importlib.import_module("networks.output")


# The types of the arguments both modes begin with: CHECKOUT DIR N T X D1 Z1 TAU1 W1 D2 Z2 TAU2 W2.
NETWORK = (str, str, int, int, int, int, int, float, float, int, int, float, float)


def typed(args, types):
    """args converted by types, one to one (the command line's strings to numbers)."""
    if len(args) < len(types):
        sys.exit(__doc__)
    return [t(a) for t, a in zip(types, args)]


def train(args):
    checkout, directory, N, T, X, d1, z1, tau1, w1, d2, z2, tau2, w2 = typed(args, NETWORK)
    epochs, reps = typed(args[len(NETWORK):], (int, int))
    torch.pi = torch.acos(torch.zeros(1)) * 2  # as the training script sets it (a tensor)
    pvrnn, output = modules(checkout, "training")
    x = load(directory, "learning_data", N, T, X)
    two = d2 > 0
    top = pvrnn.PVRNN([d2], [z2], [tau2], [w2], [w2], [0.0], N, 1, T, input=True,
                      input_dim=1) if two else None
    low = pvrnn.PVRNN([d1], [z1], [tau1], [w1], [w1], [0.0], N, 1, T, input=True,
                      input_dim=d2 if two else 1)
    out = output.Output(d1, X, act_func="tanh")
    params = [{"params": low.parameters()}, {"params": out.parameters()}]
    if two:
        params.append({"params": top.parameters()})
    opt = torch.optim.Adam(params, lr=1e-3)
    zero = torch.zeros(N, 1)
    epoch = [0]

    def one_epoch():
        if two:
            top.initialize(0)
        low.initialize(0)
        ys, wkl = [], 0.0
        for t in range(T):
            if two:
                top.posterior_step(epoch[0], zero)
                low.posterior_step(epoch[0], top.layers[-1].d)
                wkl = wkl + torch.sum(top.wkl)
            else:
                low.posterior_step(epoch[0], zero)
            ys.append(out(low.layers[-1].d))
            wkl = wkl + torch.sum(low.wkl)
        loss = torch.nn.functional.mse_loss(torch.stack(ys, 1), x, reduction="sum") / X + wkl
        opt.zero_grad()
        loss.backward()
        opt.step()
        epoch[0] += 1

    for k, ms in enumerate(step_timing.ms_per_step(one_epoch, epochs, reps)):
        print("torch %d %.6f nan" % (k, ms), flush=True)


def error_regression(args):
    checkout, directory, N, T, X, d1, z1, tau1, w1, d2, z2, tau2, w2 = typed(args, NETWORK)
    reps, window, iterations, lr, steps = typed(args[len(NETWORK):], (int, int, int, float, int))
    pvrnn, output = modules(checkout, "test")
    x = load(directory, "test_data", 1, T, X)[0]
    L = x.shape[0]
    two = d2 > 0
    zero = torch.zeros(1)
    for k in range(reps):
        torch.manual_seed(k + 1)
        top = pvrnn.PVRNN([d2], [z2], [tau2], [w2], [w2], [0.0], [torch.zeros(d2)], 1, 1, L,
                          input=True, input_dim=1) if two else None
        low = pvrnn.PVRNN([d1], [z1], [tau1], [w1], [w1], [0.0], [torch.zeros(d1)], 1, 1, L,
                          input=True, input_dim=d2 if two else 1)
        out = output.Output(d1, X, act_func="tanh")
        nets = [top, low] if two else [low]
        for net in nets:
            net.er_initialize(window, 1)

        def window_pass(itr, keep=False):
            for net in nets:
                net.er_reset()
            ys, wkl = [], 0.0
            for t in range(window):
                if two:
                    top.er_step(zero, itr)
                    low.er_step(top.layers[-1].d, itr)
                    wkl = wkl + torch.sum(top.wkl)
                else:
                    low.er_step(zero, itr)
                ys.append(out(low.layers[-1].d))
                wkl = wkl + torch.sum(low.wkl)
                if t == 0 and keep:
                    for net in nets:
                        net.er_keep_last_state()
            return torch.stack(ys, 0), wkl

        def regress(target, itr_count):
            opt = torch.optim.Adam([{"params": net.layers[0].er_A} for net in nets], lr=lr)
            for i in range(itr_count):
                ys, wkl = window_pass(i)
                loss = torch.nn.functional.mse_loss(ys, target, reduction="sum") / X + wkl
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():  # er_predict_forward: the window, then one prior step
                window_pass(1, keep=True)
                if two:
                    top.er_prior_step(zero)
                    low.er_prior_step(top.layers[-1].d)
                else:
                    low.er_prior_step(zero)
                out(low.layers[-1].d)

        regress(x[0:window], iterations)  # the initial regression, untimed
        steps = min(steps, L - window)
        t0 = time.perf_counter()
        for step in range(1, steps + 1):
            for net in nets:
                net.er_slide_window()
            regress(x[step:step + window], iterations)
        ms = 1e3 * (time.perf_counter() - t0) / steps
        print("torch %d nan %.6f" % (k, ms), flush=True)


def main():
    torch.set_num_threads(1)
    if len(sys.argv) < 2 or sys.argv[1] not in ("train", "er"):
        sys.exit(__doc__)
    (train if sys.argv[1] == "train" else error_regression)(sys.argv[2:])


if __name__ == "__main__":
    main()
