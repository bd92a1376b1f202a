#!/usr/bin/python3
"""The PyTorch side of bench/run.sh: the same shapes as optbench_bench.cpp.

Prints one JSON object per line on stdout:
  {"kind": "info", ...}                      torch version, BLAS, oneDNN
  {"kind": "result", "workload": ..., "seconds": ...}   median seconds per step
  {"kind": "skipped", "reason": ...}         when torch is missing
Warnings go to stderr so that they stand out beside the table.

Run with Debian's interpreter (/usr/bin/python3) and python3-torch 1.13, with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (bench/run.sh does so): a core
type forced by the environment makes OpenBLAS run another CPU's kernels.
Usage: peer_torch.py [--min-time SECONDS] (time per repeat; 3 repeats)

Times are the process's CPU time, like the C++ side's: on a machine shared
with other work, time spent preempted is not the step's. The wall-clock time
is reported beside it ("wall_seconds").
"""

import argparse
import json
import os
import sys
import time

# Single-threaded like the C++ side. torch.set_num_threads(1) only governs
# torch's own OpenMP pool: Debian's torch calls the system libblas.so.3, and
# OpenBLAS's pthread build starts one thread per core of its own unless told
# otherwise before it loads (on this 2-core machine under load, its second
# thread made the MLP step ~1.7x slower, not faster).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

BATCH = 64
# Batches cycled through, as the C++ side does (kBatchPool): a single batch
# would be memorized and its vanishing gradients could turn subnormal.
BATCH_POOL = 32
REPEATS = 3


def emit(**fields):
    print(json.dumps(fields), flush=True)


def blas_in_use():
    """The BLAS library this process has mapped, after a matmul loaded it.

    Debian's torch is built with BLAS_INFO=generic: it calls whatever
    libblas.so.3 the alternatives system points at, so the only reliable
    answer is the file actually mapped.
    """
    import torch

    a = torch.ones(64, 64)
    (a @ a).sum().item()
    mapped = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path)
                if "blas" in name or "blis" in name or "mkl" in name:
                    mapped.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(mapped)


def openblas_core(paths):
    """OpenBLAS's own name for the kernels it chose (Haswell, SkylakeX,
    Cooperlake, ...), asked of the library torch actually mapped."""
    import ctypes

    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            corename = lib.openblas_get_corename
        except (OSError, AttributeError):
            continue
        corename.restype = ctypes.c_char_p
        return corename().decode()
    return ""


def is_reference_blas(paths):
    # Debian's netlib reference BLAS lives in .../blas/libblas.so.3; OpenBLAS,
    # BLIS and MKL live in folders or files named after themselves.
    for p in paths:
        low = p.lower()
        if "openblas" in low or "blis" in low or "mkl" in low or "atlas" in low:
            return False
    return any("/blas/" in p for p in paths) or not paths


def time_steps(step, min_time):
    """Median over REPEATS of the mean CPU seconds per call of `step`, and
    the wall-clock mean of the same repeat.

    Each repeat runs as many calls as fit in min_time (counted from a
    calibration call), the same statistic the C++ side's 3 repetitions give.
    """
    # Warm-up (first-call allocations, lazy library loading, oneDNN kernel
    # generation), then a calibration run long enough to time a fast step.
    for _ in range(3):
        step()
    calibration_calls = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < min(0.1, min_time / 4):
        step()
        calibration_calls += 1
    once = max((time.perf_counter() - t0) / calibration_calls, 1e-9)
    calls = max(1, int(min_time / once))
    means = []
    for _ in range(REPEATS):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(calls):
            step()
        means.append(((time.process_time() - c0) / calls, (time.perf_counter() - t0) / calls))
    means.sort()
    cpu, wall = means[len(means) // 2]
    return cpu, calls, wall


def network_step(torch, make_net, shape, min_time):
    """The faster of torch's two CPU paths for this network: with oneDNN
    (mkldnn) on, convolutions run on oneDNN; with it off, on torch's own
    im2col + BLAS kernels. Linear layers call BLAS either way (torch 1.13
    sends only bf16 matrix products to oneDNN). Returns the
    best (seconds, calls, wall, path) and every path's seconds."""
    paths = {}
    for path, enabled in (("mkldnn on", True), ("mkldnn off", False)):
        with torch.backends.mkldnn.flags(enabled=enabled):
            torch.manual_seed(0)
            paths[path] = network_step_once(torch, make_net(), shape, min_time)
    best = min(paths, key=lambda p: paths[p][0])
    return paths[best] + (best,), {p: r[0] for p, r in paths.items()}


def network_step_once(torch, net, shape, min_time):
    return time_steps(training_step(torch, net, shape), min_time)


def training_step(torch, net, shape):
    """One Adadelta training step of `net` per call, on BATCH_POOL batches
    of uniform inputs and random labels cycled through."""
    gen = torch.Generator().manual_seed(1)
    inputs = torch.rand((BATCH_POOL * BATCH,) + shape, generator=gen) * 2 - 1
    labels = torch.randint(0, 10, (BATCH_POOL * BATCH,), generator=gen)
    batches = [
        (inputs[k * BATCH:(k + 1) * BATCH], labels[k * BATCH:(k + 1) * BATCH])
        for k in range(BATCH_POOL)
    ]
    optimizer = torch.optim.Adadelta(net.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    k = [0]

    def step():
        x, y = batches[k[0] % BATCH_POOL]
        k[0] += 1
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def mlp_net(nn):
    return nn.Sequential(nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 10))


def cnn_net(nn):
    return nn.Sequential(
        nn.Conv2d(1, 32, 5), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(32, 64, 5), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(), nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, 10))


def serve_steps(torch):
    """The peer's half of bench/interleave.py: reads "WORKLOAD SECONDS
    PATH" lines (mlp or cnn; mkldnn_on or mkldnn_off) and answers "WORKLOAD
    STEPS CPU_SECONDS PATH" after training that step on that path for at
    least SECONDS of CPU time. Each (workload, path) keeps its own network,
    built from seed 0 at its first line."""
    nets = {"mlp": (mlp_net, (784,)), "cnn": (cnn_net, (1, 28, 28))}
    paths = {"mkldnn_on": True, "mkldnn_off": False}
    steps_of = {}

    for line in sys.stdin:
        fields = line.split()
        if len(fields) != 3 or fields[0] not in nets or fields[2] not in paths:
            print(f"peer_torch.py --serve-steps: expected 'mlp|cnn SECONDS "
                  f"mkldnn_on|mkldnn_off', got {line!r}", file=sys.stderr)
            return 2
        workload, budget, path = fields[0], float(fields[1]), fields[2]
        enabled = paths[path]
        if (workload, path) not in steps_of:
            make, shape = nets[workload]
            torch.manual_seed(0)
            with torch.backends.mkldnn.flags(enabled=enabled):
                steps_of[workload, path] = training_step(torch, make(torch.nn), shape)
        step = steps_of[workload, path]
        steps, c0 = 0, time.process_time()
        with torch.backends.mkldnn.flags(enabled=enabled):
            while True:
                step()
                steps += 1
                used = time.process_time() - c0
                if used >= budget:
                    break
        print(f"{workload} {steps} {used} {path}", flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--only", default="",
                        help="comma-separated workloads to run (mlp_step, cnn_step, fn2d_step, "
                             "optimizer_step, mlp_loop); default all")
    parser.add_argument("--serve-steps", action="store_true",
                        help="answer 'mlp|cnn SECONDS' lines on stdin (bench/interleave.py)")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    unknown = only - {"mlp_step", "cnn_step", "fn2d_step", "optimizer_step", "mlp_loop"}
    if unknown:
        parser.error("--only: unknown workload(s) " + ", ".join(sorted(unknown)))

    def wanted(workload):
        return not only or workload in only

    try:
        import torch
    except ImportError:
        emit(kind="skipped", reason="peer skipped: python3-torch not installed")
        print("peer skipped: python3-torch not installed (apt-get install python3-torch)",
              file=sys.stderr)
        return 0

    torch.set_num_threads(1)
    if args.serve_steps:
        return serve_steps(torch)
    torch.manual_seed(0)
    blas = blas_in_use()
    reference = is_reference_blas(blas)
    config = torch.__config__.show()
    alternative = "/etc/alternatives/libblas.so.3-x86_64-linux-gnu"
    emit(kind="info", torch=torch.__version__, threads=torch.get_num_threads(),
         openblas_threads=os.environ.get("OPENBLAS_NUM_THREADS", ""),
         blas=blas, blas_alternative=os.path.realpath(alternative)
         if os.path.exists(alternative) else "",
         reference_blas=reference, mkldnn=torch.backends.mkldnn.is_available(),
         openblas_core=openblas_core(blas),
         openblas_coretype_env=os.environ.get("OPENBLAS_CORETYPE", ""),
         openblas_l2_env=os.environ.get("OPENBLAS_L2_SIZE", ""),
         blas_info=next((part.strip() for line in config.splitlines()
                         for part in line.split(",") if "BLAS_INFO" in part), ""))
    if reference:
        print("!" * 78 + "\n!!! WARNING: torch is using the REFERENCE BLAS (" +
              (", ".join(blas) or "none found") + ").\n"
              "!!! Its matrix products are ~8x slower than OpenBLAS: every PyTorch figure\n"
              "!!! below is too slow and every ratio flatters optbench. Fix:\n"
              "!!!   apt-get install libopenblas0-pthread\n"
              "!!!   update-alternatives --set libblas.so.3-x86_64-linux-gnu "
              "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3\n" + "!" * 78,
              file=sys.stderr)

    nn = torch.nn
    min_time = args.min_time

    # 1. MLP 784-200-10, ReLU, cross-entropy, Adadelta (defaults: lr 1, rho 0.9).
    if wanted("mlp_step"):
        (seconds, calls, wall, path), paths = network_step(torch, lambda: mlp_net(nn), (784,),
                                                           min_time)
        emit(kind="result", workload="mlp_step", seconds=seconds, calls=calls,
             wall_seconds=wall, path=path, paths=paths)

    # 1b. The same MLP in the training loop users write, on the real
    # Fashion-MNIST training set (pre-loaded), and on uniform random inputs
    # of the same shape: the first against the isolated step shows the cost
    # of the loop, the second how much of it comes from the data.
    if wanted("mlp_loop"):
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        try:
            import fashion_mnist

            inputs, labels = fashion_mnist.tensors("train")
        except (ImportError, OSError) as e:
            print(f"peer: mlp_loop skipped: {e}", file=sys.stderr)
        else:
            steps = max(200, int(400 * min_time))
            from torch_loop import training_loop

            real = training_loop(torch, inputs, labels, steps, time.process_time)
            gen = torch.Generator().manual_seed(1)
            noise = training_loop(torch, torch.rand(inputs.shape, generator=gen) * 2 - 1,
                                  torch.randint(0, 10, (len(inputs),), generator=gen), steps,
                                  time.process_time)
            emit(kind="result", workload="mlp_loop", seconds=sum(real.values()), parts=real,
                 random_data_seconds=sum(noise.values()), random_data_parts=noise, steps=steps)

    # 2. The seed CNN, Adadelta.
    if wanted("cnn_step"):
        (seconds, calls, wall, path), paths = network_step(torch, lambda: cnn_net(nn),
                                                           (1, 28, 28), min_time)
        emit(kind="result", workload="cnn_step", seconds=seconds, calls=calls,
             wall_seconds=wall, path=path, paths=paths)

    # 3. Rosenbrock + Adam (lr 1e-3, optbench's default) on a 2-element
    # tensor, keeping the point and the loss in Python lists as the C++ side
    # keeps them in its Recorder.
    if wanted("fn2d_step"):
        x = torch.tensor([-1.2, 1.0], requires_grad=True)
        adam = torch.optim.Adam([x], lr=1e-3)
        trajectory, losses = [], []

        def fn2d_step():
            adam.zero_grad()
            loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
            trajectory.append(x.tolist())
            losses.append(loss.item())
            loss.backward()
            adam.step()

        seconds, calls, wall = time_steps(fn2d_step, min_time)
        emit(kind="result", workload="fn2d_step", seconds=seconds, calls=calls,
             wall_seconds=wall)

    # 4. One optimizer step on a 10M-element tensor (gradient fixed, as in
    # C++): torch.optim.Adam, SGD with momentum 0.9, lr 0.01 (optbench's
    # `momentum` plugin) and Adadelta with its defaults.
    if wanted("optimizer_step"):
        n = 10_000_000
        for name, make, floats_moved in (
                ("optimizer_step_adam", lambda p: torch.optim.Adam([p]), 7),
                ("optimizer_step_momentum",
                 lambda p: torch.optim.SGD([p], lr=0.01, momentum=0.9), 5),
                ("optimizer_step_adadelta", lambda p: torch.optim.Adadelta([p]), 7)):
            p = torch.nn.Parameter(torch.rand(n) * 2 - 1)
            p.grad = (torch.rand(n) * 2 - 1) * 1e-2
            optimizer = make(p)
            seconds, calls, wall = time_steps(optimizer.step, min_time)
            emit(kind="result", workload=name, seconds=seconds, calls=calls,
                 wall_seconds=wall, bytes_per_second=n * floats_moved * 4 / seconds)
            del optimizer, p
    return 0


if __name__ == "__main__":
    sys.exit(main())
