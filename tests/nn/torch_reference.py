#!/usr/bin/python3
"""The PyTorch numbers pasted into test_rnn.c (torch_cell_out, torch_seq_out, torch_seq_hn,
torch_adam). Run with Debian's python3-torch (1.13): /usr/bin/python3 torch_reference.py.
Parameters and inputs come from integer formulas that C evaluates to the same doubles."""
import torch

torch.set_default_dtype(torch.float64)


def param(i):  # the i-th entry of the flat parameter vector
    return ((i * 37) % 23 - 11) / 20.0


def inp(i):  # the i-th entry of the input x[T,B,In]
    return ((i * 13) % 17 - 8) / 8.0


def state(i):  # the i-th entry of the initial state h0
    return ((i * 5) % 7 - 3) / 4.0


def load(module):  # fills the parameters in the order of module.parameters()
    i = 0
    with torch.no_grad():
        for p in module.parameters():
            flat = p.view(-1)
            for j in range(flat.numel()):
                flat[j] = param(i)
                i += 1


def show(name, t):
    vals = ", ".join("%.17g" % v for v in t.reshape(-1).tolist())
    print("static const double %s[%d] = {%s};" % (name, t.numel(), vals))


# The cell: B = 2, In = 3, H = 2.
cell = torch.nn.GRUCell(3, 2)
load(cell)
x = torch.tensor([inp(i) for i in range(6)]).view(2, 3)
h = torch.tensor([state(i) for i in range(4)]).view(2, 2)
show("torch_cell_out", cell(x, h))

# A 2-layer bidirectional GRU: T = 3, B = 2, In = 3, H = 2, from h0.
gru = torch.nn.GRU(3, 2, num_layers=2, bidirectional=True)
load(gru)
x = torch.tensor([inp(i) for i in range(18)]).view(3, 2, 3)
h0 = torch.tensor([state(i) for i in range(16)]).view(4, 2, 2)
out, hn = gru(x, h0)
show("torch_seq_out", out)
show("torch_seq_hn", hn)

# Two Adam steps from p = (1, -2), gradients (0.5, 3) then (-1, 0.25), lr 0.1, weight decay
# 0.1 (L2 in the gradient), default betas and eps.
p = torch.tensor([1.0, -2.0], requires_grad=True)
opt = torch.optim.Adam([p], lr=0.1, weight_decay=0.1)
for g in ([0.5, 3.0], [-1.0, 0.25]):
    p.grad = torch.tensor(g)
    opt.step()
show("torch_adam", p.detach())
