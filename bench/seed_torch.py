#!/usr/bin/python3
"""The seed experiments in PyTorch, end to end, for bench/end_to_end.sh.

  --experiment mlp: MLP 784-200-10 (ReLU), batch 64, 5 epochs, Adadelta with
      rho 0.9 and then rho 0.99 (two runs, as optbench's
      experiments/fashion_mlp_adadelta.yaml), inputs (x/255 - 0.5)/0.5.
  --experiment cnn: the seed CNN (conv5-32, pool, ReLU, conv5-64, pool, ReLU,
      fc 1024-512, ReLU, fc 512-10), Adadelta lr 0.1 rho 0.9, batch 64, one
      epoch (experiments/fashion_cnn_adadelta.yaml cut to one epoch), x/255.
Both evaluate the test split after every epoch.

  --data preloaded: the data decoded once into tensors; shuffled mini-batches
      are index lookups into them.
  --data as-written: the code of the seed documents as written:
      torchvision's FashionMNIST dataset, a DataLoader with shuffle=True and a
      per-sample transform (the MLP's data_tf in numpy; the CNN's
      transforms.ToTensor()), the MLP's hand-written adadelta function over
      net.parameters() and the CNN's torch.optim.Adadelta.

Prints one JSON line: CPU seconds of the whole script after the imports
(data loading included), its wall time, and the final test accuracies.
Run on one thread, like optbench's side (bench/end_to_end.sh sets it).
"""

import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import fashion_mnist  # noqa: E402

BATCH = 64


def mlp():
    return nn.Sequential(nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 10))


class SeedCnn(nn.Module):
    """The CNN as the seed document writes it."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=5)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5)
        self.fc1 = nn.Linear(1024, 512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        x = nn.functional.relu(nn.functional.max_pool2d(self.conv1(x), 2))
        x = nn.functional.relu(nn.functional.max_pool2d(self.conv2(x), 2))
        x = x.view(-1, 1024)
        x = nn.functional.relu(self.fc1(x))
        return self.fc2(x)


def adadelta(parameters, sqrs, deltas, rho):
    """The seed document's hand-written Adadelta."""
    eps = 1e-6
    for param, sqr, delta in zip(parameters, sqrs, deltas):
        sqr[:] = rho * sqr + (1 - rho) * param.grad.data ** 2
        cur_delta = torch.sqrt(delta + eps) / torch.sqrt(sqr + eps) * param.grad.data
        delta[:] = rho * delta + (1 - rho) * cur_delta ** 2
        param.data = param.data - cur_delta


def accuracy(net, batches):
    net.eval()
    right = total = 0
    with torch.no_grad():
        for x, y in batches:
            right += int((net(x).argmax(1) == y).sum())
            total += len(y)
    net.train()
    return right / total


def preloaded_batches(inputs, labels, shuffle):
    order = torch.randperm(len(inputs)) if shuffle else torch.arange(len(inputs))
    for first in range(0, len(inputs), BATCH):
        index = order[first:first + BATCH]
        yield inputs[index], labels[index]


def torchvision_sets(root, experiment):
    """torchvision's FashionMNIST over the Debian files, with the seed's
    per-sample transform."""
    from torchvision import datasets, transforms

    raw = os.path.join(root, "FashionMNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        if not os.path.exists(os.path.join(raw, stem)):
            source = fashion_mnist.path(stem)
            if source.endswith(".gz"):
                shutil.copy(source, os.path.join(raw, stem + ".gz"))
                import gzip

                with gzip.open(source, "rb") as f, open(os.path.join(raw, stem), "wb") as out:
                    shutil.copyfileobj(f, out)
            else:
                os.symlink(source, os.path.join(raw, stem))
    if experiment == "mlp":
        def data_tf(x):
            x = np.array(x, dtype="float32") / 255
            x = (x - 0.5) / 0.5
            x = x.reshape((-1,))
            return torch.from_numpy(x)

        transform = data_tf
    else:
        transform = transforms.ToTensor()
    train = datasets.FashionMNIST(root, train=True, transform=transform, download=False)
    test = datasets.FashionMNIST(root, train=False, transform=transform, download=False)
    return train, test


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--experiment", choices=("mlp", "cnn"), required=True)
    parser.add_argument("--data", choices=("preloaded", "as-written"), required=True)
    parser.add_argument("--work", default="/tmp", help="folder for torchvision's copy of the data")
    parser.add_argument("--epochs", type=int, default=0, help="override (0: 5 for mlp, 1 for cnn)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    epochs = args.epochs or (5 if args.experiment == "mlp" else 1)
    c0, t0 = time.process_time(), time.perf_counter()

    if args.data == "preloaded":
        flatten = args.experiment == "mlp"
        normalize = "symmetric" if args.experiment == "mlp" else "unit"
        x_train, y_train = fashion_mnist.tensors("train", normalize, flatten)
        x_test, y_test = fashion_mnist.tensors("t10k", normalize, flatten)

        def train_batches():
            return preloaded_batches(x_train, y_train, True)

        def test_batches():
            return preloaded_batches(x_test, y_test, False)
    else:
        from torch.utils.data import DataLoader

        train_set, test_set = torchvision_sets(os.path.join(args.work, "torchvision"),
                                               args.experiment)
        train_data = DataLoader(train_set, batch_size=BATCH, shuffle=True)
        test_data = DataLoader(test_set, batch_size=128, shuffle=False)

        def train_batches():
            return train_data

        def test_batches():
            return test_data

    criterion = nn.CrossEntropyLoss()
    accuracies = []
    configs = (0.9, 0.99) if args.experiment == "mlp" else (0.9,)
    for rho in configs:
        net = mlp() if args.experiment == "mlp" else SeedCnn()
        hand_written = args.experiment == "mlp" and args.data == "as-written"
        if hand_written:
            sqrs = [torch.zeros_like(p.data) for p in net.parameters()]
            deltas = [torch.zeros_like(p.data) for p in net.parameters()]
        else:
            lr = 1.0 if args.experiment == "mlp" else 0.1
            optimizer = torch.optim.Adadelta(net.parameters(), lr=lr, rho=rho)
        for _ in range(epochs):
            train_loss = 0.0
            for im, label in train_batches():
                out = net(im)
                loss = criterion(out, label)
                if hand_written:
                    net.zero_grad()
                    loss.backward()
                    adadelta(net.parameters(), sqrs, deltas, rho)
                else:
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                train_loss += loss.item()
            accuracies.append(accuracy(net, test_batches()))
    print(json.dumps({"kind": "result", "seconds": time.process_time() - c0,
                      "wall_seconds": time.perf_counter() - t0, "epochs": epochs,
                      "runs": len(configs), "test_accuracy": accuracies[-1],
                      "threads": torch.get_num_threads()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
