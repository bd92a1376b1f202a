#!/usr/bin/python3
"""The newer layers and the character LSTM model's step, optbench against
PyTorch in one run: runs build/release/layers_bench (Google Benchmark, JSON)
and the same shapes in torch 1.13, then prints one table.

    /usr/bin/python3 bench/layers_bench.py [--build build/release] [--min-time 1]

Goals: every layer's forward + backward no slower than PyTorch's (ratio >=
1), the language model's step at least 1.5x faster. One thread on both
sides; torch also gets OPENBLAS_NUM_THREADS=1 (its BLAS would otherwise
start a thread per core of its own). Each side reports the median of 3
timed loops of --min-time seconds.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# Shapes: the same constants as bench/layers_bench.cpp.
BATCH, SEQ_BATCH, STEPS, VOCAB, EMBED, HIDDEN = 64, 32, 64, 87, 32, 128
GOAL_LAYER, GOAL_LM = 1.0, 1.5


def torch_side(min_time):
    # The peer's own environment: single-threaded BLAS, set before torch loads.
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        os.environ.pop(var, None)
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    nn = torch.nn

    def layer(module, shape, ids=False):
        if ids:
            x = torch.randint(0, VOCAB, shape)
        else:
            x = (torch.rand(shape) * 2 - 1).requires_grad_(True)
        module.train()
        y = module(x)[0] if isinstance(module, nn.LSTM) else module(x)
        r = torch.rand(y.shape) * 2 - 1

        def step():
            out = module(x)
            out = out[0] if isinstance(module, nn.LSTM) else out
            out.backward(r)

        return step

    lstm = nn.LSTM(EMBED, HIDDEN, batch_first=True)
    cases = {
        "batchnorm2d": layer(nn.BatchNorm2d(16), (BATCH, 16, 24, 24)),
        # optbench's batch normalization after a convolution reads its
        # blocked output (nChw8c); torch's tensor is NCHW either way.
        "batchnorm2d_blocked": layer(nn.BatchNorm2d(16), (BATCH, 16, 24, 24)),
        "batchnorm1d": layer(nn.BatchNorm1d(256), (BATCH, 256)),
        "dropout": layer(nn.Dropout(0.25), (BATCH, 4096)),
        "avgpool2d": layer(nn.AvgPool2d(2), (BATCH, 16, 24, 24)),
        "tanh": layer(nn.Tanh(), (BATCH, 4096)),
        "sigmoid": layer(nn.Sigmoid(), (BATCH, 4096)),
        "gelu": layer(nn.GELU(), (BATCH, 4096)),
        "embedding": layer(nn.Embedding(VOCAB, EMBED), (SEQ_BATCH, STEPS), ids=True),
        "lstm": layer(lstm, (SEQ_BATCH, STEPS, EMBED)),
        "linear_per_step": layer(nn.Linear(HIDDEN, VOCAB), (SEQ_BATCH, STEPS, HIDDEN)),
    }

    emb, rnn, head = nn.Embedding(VOCAB, EMBED), nn.LSTM(EMBED, HIDDEN, batch_first=True), nn.Linear(HIDDEN, VOCAB)
    params = list(emb.parameters()) + list(rnn.parameters()) + list(head.parameters())
    adam = torch.optim.Adam(params)
    pool = [(torch.randint(0, VOCAB, (SEQ_BATCH, STEPS)), torch.randint(0, VOCAB, (SEQ_BATCH * STEPS,)))
            for _ in range(16)]
    counter = [0]

    def lm_step():
        ids, targets = pool[counter[0] % len(pool)]
        counter[0] += 1
        adam.zero_grad(set_to_none=True)
        logits = head(rnn(emb(ids))[0])
        loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB), targets)
        loss.backward()
        adam.step()

    cases["lm_step"] = lm_step

    out = {}
    for name, fn in cases.items():
        for _ in range(3):
            fn()  # warm-up
        runs = []
        for _ in range(3):
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < min_time:
                fn()
                n += 1
            runs.append((time.perf_counter() - start) / n)
        out[name] = statistics.median(runs)
    return out, torch.__version__


def cpp_side(binary, min_time):
    result = subprocess.run(
        [binary, "--benchmark_format=json", f"--benchmark_min_time={min_time}",
         "--benchmark_repetitions=3"],
        check=True, capture_output=True, text=True)
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    out = {}
    for b in json.loads(result.stdout)["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median":
            out[b["run_name"].removeprefix("BM_")] = b["real_time"] * unit[b["time_unit"]]
    return out


def fmt(s):
    return f"{s * 1e3:.3f} ms" if s >= 1e-3 else f"{s * 1e6:.1f} us"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build/release")
    parser.add_argument("--min-time", type=float, default=1.0)
    args = parser.parse_args()
    binary = os.path.join(args.build, "layers_bench")
    if not os.path.exists(binary):
        sys.exit(f"layers_bench: {binary} not found; build it: cmake --build {args.build} --target layers_bench")
    load_before = open("/proc/loadavg").read().split()[:3]
    ours = cpp_side(binary, args.min_time)
    theirs, version = torch_side(args.min_time)
    load_after = open("/proc/loadavg").read().split()[:3]
    rows = [("workload", "optbench", "PyTorch", "speed-up", "goal", "")]
    for name in theirs:
        goal = GOAL_LM if name == "lm_step" else GOAL_LAYER
        o, t = ours.get(name), theirs[name]
        if o is None:
            rows.append((name, "n/a", fmt(t), "n/a", f">= {goal:g}x", "n/a"))
            continue
        ratio = t / o
        rows.append((name, fmt(o), fmt(t), f"{ratio:.2f}x", f">= {goal:g}x",
                     "PASS" if ratio >= goal else "FAIL"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for k, r in enumerate(rows):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)))
        if k == 0:
            print("-+-".join("-" * w for w in widths))
    print(f"\nforward + backward per layer (the LM step adds the loss and Adam); one thread; "
          f"median of 3 x {args.min_time:g} s per side; torch {version}; load average "
          f"{' '.join(load_before)} before, {' '.join(load_after)} after")


if __name__ == "__main__":
    main()
