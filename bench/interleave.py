#!/usr/bin/python3
"""Interleaved pairs for bench/run.sh: optbench's and PyTorch's MLP and CNN
steps timed in alternating short slices, so that both sides of each pair see
the machine in the same moment.

On a shared machine the load moves within seconds, and a ratio from two
measurements taken a few seconds apart moves with it (four such rounds of
one run gave 2.13x-2.58x for the same MLP step). Here each pair is slices of
SECONDS of CPU time each, back to back: optbench's, and PyTorch's on both of
its CPU paths (mkldnn on and off), in an order that turns around every pair
(optbench first, then last) so that a steady drift favours no side. The
peer's path is the one with the lower median over all the pairs, timed in
the same moments as optbench, not chosen beforehand from a separate look,
which on this machine has picked the slower path (0.5 s looks at the CNN
chose mkldnn off at 65.7 ms per step while its long run gave on 52.9 ms
and off 62.3 ms). The table reports the median of the pairs' ratios
against that path and their quartiles.

Both sides are long-lived processes started once: `optbench_bench
--serve-steps` and `peer_torch.py --serve-steps` (with this workplace's
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from the peer's environment,
as for every peer). Each gets an untimed first slice per workload (and per
path): optbench binds its primitives, torch builds its kernels.

The same process also times optbench's CNN step on one thread and on two,
by the wall clock, in alternating slices: the thread-scaling ratio of each
pair comes from one moment too.

Usage: interleave.py --bench BUILD/optbench_bench [--pairs N]
Prints one JSON object per workload: {"kind": "interleaved", "workload":
"mlp_step", "ours": [seconds per step, ...], "peer": [... on the chosen
path], "path": "mkldnn on", "paths": {"mkldnn on": [...], "mkldnn off":
[...]}}, and last {"kind": "interleaved", "workload": "cnn_threads",
"one": [wall seconds per step on one thread, ...], "two": [... on two]}.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

SLICE_SECONDS = {"mlp": 0.25, "cnn": 0.6}
THREADS_SLICE_SECONDS = 0.6


class Server:
    def __init__(self, command, env=None):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env)

    def slice(self, workload, seconds, path=None):
        """Seconds of CPU time per step over one slice (on `path`, for the
        peer)."""
        self.process.stdin.write(f"{workload} {seconds}{' ' + path if path else ''}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().split()
        if len(answer) < 3 or answer[0] != workload:
            raise RuntimeError(f"{self.process.args[0]}: no answer for {workload} "
                               f"(exit code {self.process.poll()})")
        steps, used = int(answer[1]), float(answer[2])
        return used / steps

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def alternating(sides, pairs, time):
    """Seconds per step of each side over `pairs` pairs: an untimed first
    slice per side, then one slice of every side per pair, in an order that
    turns around every pair so that a steady drift favours no side."""
    for side in sides:
        time(side)
    times = {side: [] for side in sides}
    for i in range(pairs):
        for side in sides if i % 2 == 0 else sides[::-1]:
            times[side].append(time(side))
    return times


def thread_pairs(ours, pairs):
    """The CNN step on one thread and on two, by the wall clock, in
    alternating slices of the same process: the thread-scaling ratio of each
    pair sees one moment of the machine, where two benchmarks timed minutes
    apart each saw their own (one such run gave 1.12x, the same commit timed
    again with nothing else running 1.62x and 1.72x)."""
    times = alternating(("cnn@1", "cnn@2"), pairs,
                        lambda side: ours.slice(side, THREADS_SLICE_SECONDS))
    return {"kind": "interleaved", "workload": "cnn_threads",
            "slice_seconds": THREADS_SLICE_SECONDS, "one": times["cnn@1"], "two": times["cnn@2"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True, help="the optbench_bench binary")
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    peer_script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer_torch.py")
    ours = Server([args.bench, "--serve-steps"])
    peer = Server(["/usr/bin/python3", peer_script, "--serve-steps"], env)
    paths = ("mkldnn_on", "mkldnn_off")
    try:
        for workload, seconds in SLICE_SECONDS.items():
            times = alternating(("ours",) + paths, args.pairs,
                                lambda side: ours.slice(workload, seconds) if side == "ours"
                                else peer.slice(workload, seconds, side))
            faster = min(paths, key=lambda p: statistics.median(times[p]))
            print(json.dumps({"kind": "interleaved", "workload": f"{workload}_step",
                              "slice_seconds": seconds, "ours": times["ours"],
                              "peer": times[faster], "path": faster.replace("_", " "),
                              "paths": {p.replace("_", " "): times[p] for p in paths}}),
                  flush=True)
        print(json.dumps(thread_pairs(ours, args.pairs)), flush=True)
    finally:
        ours.close()
        peer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
