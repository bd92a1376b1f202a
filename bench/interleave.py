#!/usr/bin/python3
"""Interleaved pairs for bench/run.sh: optbench's and PyTorch's MLP and CNN
steps timed in alternating short slices, so that both sides of each pair see
the machine in the same moment.

On a shared machine the load moves within seconds, and a ratio from two
measurements taken a few seconds apart moves with it (four such rounds of
one run gave 2.13x-2.58x for the same MLP step). Here each pair is two
slices of SECONDS of CPU time each, back to back, in ABBA order (optbench
first in even pairs, PyTorch first in odd ones) so that a steady drift
favours neither side; the table reports the median of the pairs' ratios and
their quartiles.

Both sides are long-lived processes started once: `optbench_bench
--serve-steps` and `peer_torch.py --serve-steps` (with this workplace's
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from the peer's environment,
as for every peer). Each gets an untimed first slice per workload: optbench
binds its primitives, the peer chooses the faster of its mkldnn paths.

Usage: interleave.py --bench BUILD/optbench_bench [--pairs N]
Prints one JSON object per workload: {"kind": "interleaved", "workload":
"mlp_step", "ours": [seconds per step, ...], "peer": [...], "path": ...}.
"""

import argparse
import json
import os
import subprocess
import sys

SLICE_SECONDS = {"mlp": 0.25, "cnn": 0.6}


class Server:
    def __init__(self, command, env=None):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env)

    def slice(self, workload, seconds):
        """Seconds of CPU time per step over one slice, and the answer's
        fourth field (the peer's path), if any."""
        self.process.stdin.write(f"{workload} {seconds}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().split()
        if len(answer) < 3 or answer[0] != workload:
            raise RuntimeError(f"{self.process.args[0]}: no answer for {workload} "
                               f"(exit code {self.process.poll()})")
        steps, used = int(answer[1]), float(answer[2])
        return used / steps, " ".join(answer[3:]).replace("_", " ")

    def close(self):
        self.process.stdin.close()
        self.process.wait()


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
    try:
        for workload, seconds in SLICE_SECONDS.items():
            ours.slice(workload, seconds)
            _, path = peer.slice(workload, seconds)
            times = {"ours": [], "peer": []}
            for i in range(args.pairs):
                order = (("ours", ours), ("peer", peer)) if i % 2 == 0 else \
                    (("peer", peer), ("ours", ours))
                for side, server in order:
                    times[side].append(server.slice(workload, seconds)[0])
            print(json.dumps({"kind": "interleaved", "workload": f"{workload}_step",
                              "slice_seconds": seconds, "ours": times["ours"],
                              "peer": times["peer"], "path": path}), flush=True)
    finally:
        ours.close()
        peer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
