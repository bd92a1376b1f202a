#!/usr/bin/python3
"""The plain PyTorch training loop as users run it: the MLP on the real
Fashion-MNIST training set (pre-loaded tensors, shuffled mini-batches,
default torch.optim.Adadelta, loss.item() each step), in the environment as
it is (OPENBLAS_CORETYPE and OPENBLAS_NUM_THREADS untouched, torch's default
thread count), timed by the wall clock part by part. Prints one JSON line.

Usage: user_loop.py [--steps N]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fashion_mnist  # noqa: E402
from torch_loop import training_loop  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=400)
    args = parser.parse_args()
    import torch

    inputs, labels = fashion_mnist.tensors("train")
    # CPU and wall time of the loop with its 50 warm-up steps.
    c0 = time.process_time()
    t0 = time.perf_counter()
    parts = training_loop(torch, inputs, labels, args.steps, time.perf_counter)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({"kind": "result", "workload": "mlp_user_loop",
                      "seconds": sum(parts.values()), "parts": parts, "steps": args.steps,
                      "threads": torch.get_num_threads(),
                      "cores_busy": cpu / wall,
                      "cpu_per_step": cpu / (args.steps + 50),
                      "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE", ""),
                      "openblas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS", "")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
