#!/usr/bin/python3
"""Writes tests/golden/nn_layers.csv, PyTorch's forward output, input gradient,
parameter gradients and running statistics for single layers on fixed inputs,
which tests/unit/nn_layers_golden_test.cpp compares with the oneDNN layers.

Regenerate with Debian's torch (python3-torch, torch 1.13):

    /usr/bin/python3 tests/golden/gen_layer_golden.py

Nothing random; every tensor is a closed form the C++ test evaluates the same
way (in double, rounded to float32), j being the flat row-major index:
    input           x[j] = sin(0.37 * j + 0.1) * 2
    upstream grad   r[j] = cos(0.11 * j + 0.3)     (the loss is sum(y * r))
    norm weight     w[c] = 1 + 0.5 * sin(1.3 * c + 0.2)
    norm bias       b[c] = 0.5 * sin(0.9 * c + 0.4)
    running mean    m[c] = 0.2 * sin(0.7 * c + 0.5)   (eval-mode cases)
    running var     v[c] = 1 + 0.5 * sin(0.6 * c + 0.1) ** 2
Sequence layers (the LSTM, the embedding, a linear layer on every step)
set every parameter from a closed form of its position k in
named_parameters():
    parameter k     p[j] = 0.3 * sin(0.29 * j + 0.5 * k + 0.1)
and the embedding reads token ids (j * 7 + 3) % vocab instead of x. The
"lm" case is a whole character model: embedding, a 2-layer LSTM and a
linear layer on every step, scored by cross-entropy over every step
(targets (j * 5 + 1) % vocab); its "loss" row is the mean over tokens and
its gradients are of that loss.
Rows: case,quantity,index,value; quantity is "y" (output), "dx" (input
gradient), a parameter's gradient ("weight.grad") or a buffer's value after
the forward ("running_mean"); every element is recorded.
"""

import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def closed(n, f):
    return torch.tensor([f(j) for j in range(n)], dtype=torch.float32)


def norm_params(bn, c, eval_mode):
    with torch.no_grad():
        bn.weight.copy_(closed(c, lambda i: 1 + 0.5 * math.sin(1.3 * i + 0.2)))
        bn.bias.copy_(closed(c, lambda i: 0.5 * math.sin(0.9 * i + 0.4)))
        if eval_mode:
            bn.running_mean.copy_(closed(c, lambda i: 0.2 * math.sin(0.7 * i + 0.5)))
            bn.running_var.copy_(closed(c, lambda i: 1 + 0.5 * math.sin(0.6 * i + 0.1) ** 2))


def case(name, module, shape, rows, train=True, buffers=()):
    module.train(train)
    n = math.prod(shape)
    x = closed(n, lambda j: math.sin(0.37 * j + 0.1) * 2).view(shape).requires_grad_(True)
    y = module(x)
    r = closed(y.numel(), lambda j: math.cos(0.11 * j + 0.3)).view(y.shape)
    (y * r).sum().backward()

    def put(quantity, tensor):
        for i, v in enumerate(tensor.detach().reshape(-1).double().tolist()):
            rows.append(f"{name},{quantity},{i},{v!r}")

    put("y", y)
    put("dx", x.grad)
    for pname, p in module.named_parameters():
        put(f"{pname}.grad", p.grad)
    for bname in buffers:
        put(bname, getattr(module, bname))


def sequence_params(module):
    with torch.no_grad():
        for k, (_, p) in enumerate(module.named_parameters()):
            p.copy_(closed(p.numel(), lambda j: 0.3 * math.sin(0.29 * j + 0.5 * k + 0.1)).view(p.shape))


class LstmOutput(torch.nn.LSTM):
    """nn.LSTM's output sequence alone, as the network's layer gives it."""

    def __init__(self, *args):
        super().__init__(*args, batch_first=True)

    def forward(self, x):
        return super().forward(x)[0]


def put_all(name, rows, quantity, tensor):
    for i, v in enumerate(tensor.detach().reshape(-1).double().tolist()):
        rows.append(f"{name},{quantity},{i},{v!r}")


def embedding_case(name, vocab, dim, shape, rows):
    emb = torch.nn.Embedding(vocab, dim)
    sequence_params(emb)
    n = math.prod(shape)
    ids = torch.tensor([(j * 7 + 3) % vocab for j in range(n)]).view(shape)
    y = emb(ids)
    r = closed(y.numel(), lambda j: math.cos(0.11 * j + 0.3)).view(y.shape)
    (y * r).sum().backward()
    put_all(name, rows, "y", y)
    put_all(name, rows, "weight.grad", emb.weight.grad)


def lm_case(name, vocab, dim, hidden, layers, shape, rows):
    emb = torch.nn.Embedding(vocab, dim)
    lstm = torch.nn.LSTM(dim, hidden, layers, batch_first=True)
    head = torch.nn.Linear(hidden, vocab)
    for m in (emb, lstm, head):
        sequence_params(m)
    n = math.prod(shape)
    ids = torch.tensor([(j * 7 + 3) % vocab for j in range(n)]).view(shape)
    targets = torch.tensor([(j * 5 + 1) % vocab for j in range(n)])
    logits = head(lstm(emb(ids))[0])
    loss = torch.nn.functional.cross_entropy(logits.reshape(n, vocab), targets)
    loss.backward()
    put_all(name, rows, "loss", loss.view(1))
    for prefix, m in (("emb", emb), ("lstm", lstm), ("fc", head)):
        for pname, p in m.named_parameters():
            put_all(name, rows, f"{prefix}.{pname}.grad", p.grad)


def main():
    torch.set_num_threads(1)
    nn = torch.nn
    rows = ["case,quantity,index,value"]

    bn2 = nn.BatchNorm2d(3)
    norm_params(bn2, 3, False)
    case("batchnorm2d_train", bn2, (4, 3, 5, 5), rows, True, ("running_mean", "running_var"))
    bn2 = nn.BatchNorm2d(3)
    norm_params(bn2, 3, True)
    case("batchnorm2d_eval", bn2, (4, 3, 5, 5), rows, False)
    bn1 = nn.BatchNorm1d(5)
    norm_params(bn1, 5, False)
    case("batchnorm1d_train", bn1, (6, 5), rows, True, ("running_mean", "running_var"))
    bn1 = nn.BatchNorm1d(5)
    norm_params(bn1, 5, True)
    case("batchnorm1d_eval", bn1, (6, 5), rows, False)

    # 7 x 6 leaves a row no window covers (floor), as the network's pooling.
    case("avgpool2d", nn.AvgPool2d(2), (2, 3, 7, 6), rows)
    case("avgpool2d_k3", nn.AvgPool2d(3), (2, 2, 9, 9), rows)

    case("tanh", nn.Tanh(), (3, 10), rows)
    case("sigmoid", nn.Sigmoid(), (3, 10), rows)
    case("gelu", nn.GELU(), (3, 10), rows)
    case("relu", nn.ReLU(), (3, 10), rows)

    # Sequence layers: (N, T, C) inputs, batch first.
    for label, args, shape in (
        ("lstm", (4, 6), (3, 5, 4)),
        ("lstm_2layers", (4, 6, 2), (3, 5, 4)),
        ("lstm_1step", (3, 5), (2, 1, 3)),
        # 19 cells: two full 8-float vectors and a tail, four 4-float ones
        # and a tail, so that every width's whole-vector path is compared.
        ("lstm_wide", (4, 19, 2), (3, 5, 4)),
    ):
        m = LstmOutput(*args)
        sequence_params(m)
        case(label, m, shape, rows)
    lin = nn.Linear(6, 4)
    sequence_params(lin)
    case("linear_per_step", lin, (3, 5, 6), rows)
    embedding_case("embedding", 11, 4, (3, 5), rows)
    lm_case("lm", 13, 5, 7, 2, (3, 6), rows)

    with open(os.path.join(HERE, "nn_layers.csv"), "w") as out:
        out.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
