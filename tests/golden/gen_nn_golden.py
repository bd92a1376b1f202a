#!/usr/bin/python3
"""Writes tests/golden/nn_models.csv, PyTorch's loss and gradients for the
mlp and cnn plugins on one fixed batch, which tests/unit/nn_golden_test.cpp
compares with the plugins' forward and backward.

Regenerate with Debian's torch (python3-torch, torch 1.13):

    /usr/bin/python3 tests/golden/gen_nn_golden.py

Nothing random: inputs, labels and every parameter come from closed forms
that the C++ test evaluates the same way (sin in double, rounded to float32):
    input  x[n][i]  = sin(0.37 * (n * sample_size + i) + 0.1)
    label  y[n]     = (3 * n + 1) % classes
    param  p_k[i]   = b_k * sin(1.3 * i + 0.7 * k + 0.2),  k = 0, 1, ... in
                      declaration order (weight before bias), b_k =
                      1 / sqrt(fan_in) of its layer (PyTorch's init bound).
Rows: model,quantity,index,value with quantity "loss", or a parameter's name
and either an element index or "sum" / "abs_sum" over all its elements.
"""

import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def fill(tensor, k, fan_in):
    flat = tensor.detach().view(-1)
    bound = 1.0 / math.sqrt(fan_in)
    values = [bound * math.sin(1.3 * i + 0.7 * k + 0.2) for i in range(flat.numel())]
    flat.copy_(torch.tensor(values, dtype=torch.float32))


def case(name, net, sample_shape, batch, classes, rows):
    size = math.prod(sample_shape)
    x = torch.tensor([math.sin(0.37 * j + 0.1) for j in range(batch * size)],
                     dtype=torch.float32).view((batch,) + sample_shape)
    y = torch.tensor([(3 * n + 1) % classes for n in range(batch)])
    k = 0
    params = []
    for module_name, module in net.named_modules():
        if isinstance(module, (torch.nn.Linear, torch.nn.Conv2d)):
            fan_in = math.prod(module.weight.shape[1:])
            for suffix, tensor in (("weight", module.weight), ("bias", module.bias)):
                fill(tensor, k, fan_in)
                params.append((f"{module_name}.{suffix}", tensor))
                k += 1
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    rows.append(f"{name},loss,,{loss.item()!r}")
    for pname, tensor in params:
        g = tensor.grad.view(-1).double()
        n = g.numel()
        picks = sorted({0, n // 3, n // 2, n - 1} | {(i * 7919 + 13) % n for i in range(6)})
        for i in picks:
            rows.append(f"{name},{pname},{i},{g[i].item()!r}")
        rows.append(f"{name},{pname},sum,{g.sum().item()!r}")
        rows.append(f"{name},{pname},abs_sum,{g.abs().sum().item()!r}")


def main():
    torch.set_num_threads(1)
    nn = torch.nn
    rows = ["model,quantity,index,value"]

    # Named as the plugins name their parameters (fc1, fc2; conv1, conv2).
    mlp = nn.Sequential()
    mlp.add_module("fc1", nn.Linear(784, 200))
    mlp.add_module("relu", nn.ReLU())
    mlp.add_module("fc2", nn.Linear(200, 10))
    case("mlp", mlp, (784,), 8, 10, rows)

    cnn = nn.Sequential()
    cnn.add_module("conv1", nn.Conv2d(1, 32, 5))
    cnn.add_module("pool1", nn.MaxPool2d(2))
    cnn.add_module("relu1", nn.ReLU())
    cnn.add_module("conv2", nn.Conv2d(32, 64, 5))
    cnn.add_module("pool2", nn.MaxPool2d(2))
    cnn.add_module("relu2", nn.ReLU())
    cnn.add_module("flatten", nn.Flatten())
    cnn.add_module("fc1", nn.Linear(1024, 512))
    cnn.add_module("relu3", nn.ReLU())
    cnn.add_module("fc2", nn.Linear(512, 10))
    case("cnn", cnn, (1, 28, 28), 4, 10, rows)

    with open(os.path.join(HERE, "nn_models.csv"), "w") as out:
        out.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
