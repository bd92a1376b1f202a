"""Fashion-MNIST for the PyTorch peers, read from Debian's
dataset-fashion-mnist IDX files into tensors scaled as optbench's idx plugin
scales them."""

import gzip
import os

import numpy as np

DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """The array in one IDX file (raw or gzip): uint8, shaped by its header."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def path(stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(DIR, name)):
            return os.path.join(DIR, name)
    raise FileNotFoundError(f"{DIR}/{stem}[.gz]: apt-get install dataset-fashion-mnist")


def tensors(split, normalize="symmetric", flatten=True):
    """(inputs, labels) of `split` ("train" or "t10k") as float32 and int64
    tensors: symmetric is (x/255 - 0.5)/0.5, unit is x/255."""
    import torch

    images = read_idx(path(f"{split}-images-idx3-ubyte")).astype(np.float32) / 255.0
    if normalize == "symmetric":
        images = (images - 0.5) / 0.5
    images = images.reshape(len(images), -1) if flatten else images.reshape(len(images), 1, 28, 28)
    labels = read_idx(path(f"{split}-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels)
