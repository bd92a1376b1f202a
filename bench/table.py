#!/usr/bin/env python3
"""The table of bench/run.sh: every workload beside this machine's limit
measured in the same run, its PyTorch peer and its target, with PASS or
MISS, and below it the lines that explain each MISS from those limits.

Standard-library Python only. Usage: table.py WORK_DIR, where WORK_DIR holds
what run.sh wrote: cpp.json (Google Benchmark), peer.jsonl, user_loop.jsonl,
interleaved.jsonl (or, from older runs, round_cpp_*.json + round_peer_*.jsonl),
e2e.jsonl and machine.txt; any of them may be missing, and their rows then
say n/a.
"""

import glob
import json
import os
import statistics
import sys

UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}

# The FLOPs of one step, as the limits in limits.cpp count them.
MLP_FLOP = 2 * 64 * (784 * 200 * 2 + 200 * 10 * 3)
# The fashion_mlp_adadelta experiment: 2 runs x 5 epochs of 938 steps, and a
# test pass over 10,000 images after each epoch (forward products only).
# Parameters Adadelta updates each step: the MLP 784-200-10 and the seed CNN
# (832 + 51,264 + 524,800 + 5,130).
MLP_PARAMETERS = 784 * 200 + 200 + 200 * 10 + 10
CNN_PARAMETERS = 582_026
SEED_STEPS = 2 * 5 * 938
SEED_TEST_FLOP = 2 * 5 * 10_000 * 2 * (784 * 200 + 200 * 10)
# Targets, as ratios measured in one run.
TARGETS = {
    "mlp_vs_torch": 2.5,
    "mlp_vs_gemm": 0.70,
    "cnn_vs_torch": 3.0,
    "seed_vs_preloaded": 3.0,
    "seed_vs_as_written": 10.0,
    "short_run_s": 0.2,
    "optimizer_vs_triad": 0.80,
    "sweep_vs_old": 20.0,
    "cnn_2_threads": 1.7,
}


def read_jsonl(path):
    records = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    records.append(json.loads(line))
    return records


def read_peer(path):
    """A PyTorch peer's output: its results by workload, and its info record."""
    results, info = {}, {}
    for rec in read_jsonl(path):
        if rec["kind"] == "result":
            results[rec["workload"]] = rec
        elif rec["kind"] == "info":
            info = rec
    return results, info


def read_json(path):
    with open(path) as f:
        return json.load(f)


def benchmarks(cpp):
    """Per benchmark: the list of its repetitions' records."""
    out = {}
    for b in cpp.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        out.setdefault(b["run_name"].split("/")[0], []).append(b)
    return out


def cpu_seconds(b):
    return b["cpu_time"] * UNIT[b["time_unit"]]


def wall_seconds(b):
    return b["real_time"] * UNIT[b["time_unit"]]


def median_cpu(reps):
    return statistics.median(cpu_seconds(b) for b in reps) if reps else None


def best_cpu(reps):
    """A limit is what the machine can do: the fastest repetition."""
    return min(cpu_seconds(b) for b in reps) if reps else None


def best_wall(reps):
    return min(wall_seconds(b) for b in reps) if reps else None


def fmt_time(s):
    if s is None:
        return "n/a"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3f} ms"
    return f"{s * 1e6:.2f} us"


def quartiles(values):
    """The first and third quartiles (both the one value when there is one)."""
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def verdict(value, target, higher_is_better=True):
    if value is None:
        return "n/a"
    ok = value >= target if higher_is_better else value <= target
    return "PASS" if ok else "MISS"


class Report:
    def __init__(self, work):
        self.work = work
        cpp_path = os.path.join(work, "cpp.json")
        self.cpp = benchmarks(read_json(cpp_path)) if os.path.exists(cpp_path) else {}
        self.peer, self.info = read_peer(os.path.join(work, "peer.jsonl"))
        self.user_loop = next(iter(read_jsonl(os.path.join(work, "user_loop.jsonl"))), None)
        # The isolated step again, in the environment as it is.
        self.peer_env, self.peer_env_info = read_peer(os.path.join(work, "peer_env.jsonl"))
        self.e2e = {r["workload"]: r for r in read_jsonl(os.path.join(work, "e2e.jsonl"))}
        self.interleaved = {r.get("workload"): r
                            for r in read_jsonl(os.path.join(work, "interleaved.jsonl"))}
        self.machine = {}
        if os.path.exists(os.path.join(work, "machine.txt")):
            with open(os.path.join(work, "machine.txt")) as f:
                for line in f:
                    if "=" in line:
                        key, value = line.rstrip("\n").split("=", 1)
                        self.machine[key] = value
        self.rows = []  # workload, optbench, limit, vs limit, PyTorch, vs PyTorch, target, verdict
        self.notes = []

    # -- inputs ---------------------------------------------------------------
    def ours(self, name):
        return median_cpu(self.cpp.get(name, []))

    def limit(self, name):
        return best_cpu(self.cpp.get(name, []))

    def counter(self, name, key):
        reps = self.cpp.get(name, [])
        return reps[0].get(key) if reps else None

    def paired(self, workload):
        """(optbench, PyTorch) CPU seconds per step, one tuple per pair, and
        the interleaved record they came from (interleave.py), or None when
        the run has none and they are the long runs and each paired round.
        The ratio reported is the median of the pairs'."""
        interleaved = self.interleaved.get(workload)
        if interleaved and interleaved.get("ours"):
            return list(zip(interleaved["ours"], interleaved["peer"])), interleaved
        pairs = []
        ours, theirs = self.ours(f"BM_{workload}"), self.peer.get(workload, {}).get("seconds")
        if ours and theirs:
            pairs.append((ours, theirs))
        for path in sorted(glob.glob(os.path.join(self.work, "round_cpp_*.json"))):
            r = path.rsplit("_", 1)[1].split(".")[0]
            cpp = benchmarks(read_json(path))
            peer = {rec["workload"]: rec for rec in
                    read_jsonl(os.path.join(self.work, f"round_peer_{r}.jsonl"))
                    if rec.get("kind") == "result"}
            if f"BM_{workload}" in cpp and workload in peer:
                pairs.append((median_cpu(cpp[f"BM_{workload}"]), peer[workload]["seconds"]))
        return pairs, None

    # -- rows -------------------------------------------------------------------
    def row(self, workload, ours="", limit="", vs_limit="", torch="", vs_torch="", target="",
            result="info"):
        self.rows.append((workload, ours, limit, vs_limit, torch, vs_torch, target, result))

    def limits(self):
        peak = self.limit("BM_limit_gemm_peak")
        flop = self.counter("BM_limit_gemm_peak", "flop")
        self.gemm_peak = flop / peak if peak else None
        mlp = self.limit("BM_limit_gemm_mlp")
        self.gemm_mlp = MLP_FLOP / mlp if mlp else None
        conv = self.limit("BM_limit_conv_cnn")
        conv_flop = self.counter("BM_limit_conv_cnn", "flop")
        self.conv_rate = conv_flop / conv if conv else None
        # Where the conv layer runs the second convolution on Winograd tiles
        # (AVX2 CPUs), the limit times those; its rate is then counted in a
        # direct convolution's multiplications.
        self.conv_winograd = bool(self.counter("BM_limit_conv_cnn", "winograd_convolutions"))
        dense = self.limit("BM_limit_gemm_cnn_dense")
        dense_flop = self.counter("BM_limit_gemm_cnn_dense", "flop")
        # The CNN's multiplications as direct convolutions and dense products.
        self.cnn_flop = conv_flop + dense_flop if conv_flop and dense_flop else None
        # Adadelta's update cannot take less than its streams (memory) nor
        # than its two square roots and division per parameter (the divider):
        # the larger of the two at each model's size.
        roots = self.limit("BM_limit_roots")
        roots_elements = self.counter("BM_limit_roots", "elements")
        self.roots_per_parameter = roots / roots_elements if roots and roots_elements else None

        def update_bound(streams, parameters):
            if not streams:
                return None
            return max(streams, (self.roots_per_parameter or 0.0) * parameters)

        # The CNN's kernels: its convolutions and its dense layers at the
        # kernels' own speed. Its floor adds the least its Adadelta update
        # can take at its size (pooling, ReLU and the loss taken as free).
        self.cnn_kernels = conv + dense if conv and dense else None
        self.cnn_update_streams = self.limit("BM_limit_update_cnn")
        self.cnn_update = update_bound(self.cnn_update_streams, CNN_PARAMETERS)
        self.cnn_floor = (self.cnn_kernels + self.cnn_update
                          if self.cnn_kernels and self.cnn_update else None)
        triad = self.limit("BM_limit_triad")
        self.triad = self.counter("BM_limit_triad", "bytes") / triad if triad else None
        # The least the MLP's Adadelta update can take: its streams in cache
        # or its arithmetic, whichever binds.
        self.update_streams = self.limit("BM_limit_update_mlp")
        self.update_floor = update_bound(self.update_streams, MLP_PARAMETERS)
        update_bytes = self.counter("BM_limit_update_mlp", "bytes")
        cnn_update_bytes = self.counter("BM_limit_update_cnn", "bytes")
        decode = self.e2e.get("decode_limit", {})
        inflate = self.limit("BM_limit_inflate_fashion_mnist")
        inflate_bytes = self.counter("BM_limit_inflate_fashion_mnist", "bytes")
        # The least decoding can take: the faster of zlib (what both PyTorch
        # scripts use) and libdeflate (what optbench uses).
        self.decode_floor = min([t for t in (decode.get("seconds"), inflate) if t],
                                default=0.0)
        # How far the CNN's kernels scale from 1 to 2 threads (wall).
        one = [best_wall(self.cpp.get(n, [])) for n in ("BM_limit_conv_cnn",
                                                         "BM_limit_gemm_cnn_dense")]
        two = [best_wall(self.cpp.get(n, [])) for n in ("BM_limit_conv_cnn_2_threads",
                                                         "BM_limit_gemm_cnn_dense_2_threads")]
        self.kernels_1t = sum(one) if all(one) else None
        self.kernels_2t = sum(two) if all(two) else None
        for label, value in (
                ("limit: oneDNN f32 GEMM peak, 2048^3, 1 thread",
                 f"{self.gemm_peak / 1e9:.1f} GFLOP/s" if self.gemm_peak else "n/a"),
                ("limit: oneDNN GEMM at the MLP step's 5 products",
                 f"{self.gemm_mlp / 1e9:.1f} GFLOP/s ({fmt_time(mlp)})" if mlp else "n/a"),
                ("limit: the conv layers' kernels fwd+bwd at the CNN's shapes, "
                 "conv2 on Winograd tiles" if self.conv_winograd else
                 "limit: oneDNN conv fwd+bwd at the CNN's shapes",
                 f"{self.conv_rate / 1e9:.1f} GFLOP/s"
                 f"{' direct-equivalent' if self.conv_winograd else ''} ({fmt_time(conv)})"
                 if conv else "n/a"),
                ("limit: oneDNN GEMM, the CNN's dense layers",
                 f"{fmt_time(dense)}" if dense else "n/a"),
                ("limit: triad bandwidth, 1 thread, 3 x 64 MB (16 B/element)",
                 f"{self.triad / 1e9:.1f} GB/s" if self.triad else "n/a"),
                ("limit: Adadelta's 7 streams at the MLP's 159,010 parameters, in cache",
                 f"{fmt_time(self.update_streams)} "
                 f"({update_bytes / self.update_streams / 1e9:.1f} GB/s)"
                 if self.update_streams and update_bytes else "n/a"),
                ("limit: Adadelta's 7 streams at the CNN's 582,026 parameters",
                 f"{fmt_time(self.cnn_update_streams)} "
                 f"({cnn_update_bytes / self.cnn_update_streams / 1e9:.1f} GB/s)"
                 if self.cnn_update_streams and cnn_update_bytes else "n/a"),
                ("limit: Adadelta's 2 square roots + 1 division per parameter, in L1",
                 f"{self.roots_per_parameter * 1e12:.0f} ps/parameter "
                 f"({fmt_time(self.roots_per_parameter * MLP_PARAMETERS)} at the MLP's size)"
                 if self.roots_per_parameter else "n/a"),
                ("limit: zlib inflating the Fashion-MNIST files once (CPU)",
                 f"{fmt_time(decode['seconds'])} ({decode['bytes'] / 1e6:.1f} MB)"
                 if decode.get("seconds") is not None and decode.get("bytes") else "n/a"),
                ("limit: libdeflate inflating the Fashion-MNIST files once",
                 f"{fmt_time(inflate)} ({inflate_bytes / 1e6:.1f} MB)"
                 if inflate and inflate_bytes else "n/a"),
                ("limit: oneDNN conv + dense at the CNN's shapes, 2 threads vs 1 (wall)",
                 f"{self.kernels_1t / self.kernels_2t:.2f}x ({fmt_time(self.kernels_2t)} vs "
                 f"{fmt_time(self.kernels_1t)})" if self.kernels_1t and self.kernels_2t
                 else "n/a")):
            self.row(label, value, result="limit")

    def networks(self):
        info_paths = lambda w: self.peer.get(w, {}).get("path", "")  # noqa: E731
        for workload, label, target in (("mlp_step", "MLP 784-200-10 step, b64, Adadelta",
                                         TARGETS["mlp_vs_torch"]),
                                        ("cnn_step", "CNN step (seed CNN), b64, Adadelta",
                                         TARGETS["cnn_vs_torch"])):
            pairs, interleaved = self.paired(workload)
            if not pairs:
                self.row(label, fmt_time(self.ours(f"BM_{workload}")), torch="n/a",
                         target=f">= {target:g}x PyTorch", result="n/a")
                continue
            ours = statistics.median(o for o, _ in pairs)
            theirs = statistics.median(t for _, t in pairs)
            ratios = [t / o for o, t in pairs]
            speedup = statistics.median(ratios)
            if workload == "mlp_step":
                rate = MLP_FLOP / ours
                limit = f"{self.gemm_mlp / 1e9:.1f} GFLOP/s" if self.gemm_mlp else "n/a"
                vs_limit = (f"{100 * rate / self.gemm_mlp:.1f} % ({rate / 1e9:.1f} GFLOP/s)"
                            if self.gemm_mlp else "n/a")
                self.mlp = (ours, theirs, speedup, rate)
            else:
                limit = f"{fmt_time(self.cnn_floor)} floor" if self.cnn_floor else "n/a"
                vs_limit = f"{100 * self.cnn_floor / ours:.0f} %" if self.cnn_floor else "n/a"
                self.cnn = (ours, theirs, speedup)
            if interleaved:
                path = interleaved.get("path", "")
                spread = (f"{len(ratios)} interleaved pairs, quartiles " +
                          "-".join(f"{q:.2f}" for q in quartiles(ratios)))
            else:
                path = info_paths(workload)
                spread = ", ".join(f"{r:.2f}" for r in ratios)
            self.row(label, fmt_time(ours), limit, vs_limit, f"{fmt_time(theirs)} ({path})",
                     f"{speedup:.2f}x ({spread})", f">= {target:g}x PyTorch",
                     verdict(speedup, target))
            if workload == "mlp_step" and self.gemm_mlp:
                fraction = MLP_FLOP / ours / self.gemm_mlp
                self.row("MLP step as a fraction of the GEMM rate", f"{fraction * 100:.1f} %",
                         target=f">= {TARGETS['mlp_vs_gemm'] * 100:.0f} % of GEMM rate",
                         result=verdict(fraction, TARGETS["mlp_vs_gemm"]))
        self.thread_scaling()

    def thread_scaling(self):
        """One CNN run on 2 threads vs 1, by the wall clock: the median of the
        interleaved pairs' ratios (interleave.py), else the two benchmarks'
        medians, timed minutes apart."""
        label = "one CNN run on 2 threads vs 1 (wall clock)"
        limit = (f"kernels {self.kernels_1t / self.kernels_2t:.2f}x"
                 if self.kernels_1t and self.kernels_2t else "n/a")
        target = f">= {TARGETS['cnn_2_threads']:g}x"
        interleaved = self.interleaved.get("cnn_threads")
        if interleaved and interleaved.get("one") and interleaved.get("two"):
            one, two = interleaved["one"], interleaved["two"]
            ratios = [o / t for o, t in zip(one, two)]
            one, two, speedup = statistics.median(one), statistics.median(two), \
                statistics.median(ratios)
            spread = (f"{speedup:.2f}x ({len(ratios)} interleaved pairs, quartiles " +
                      "-".join(f"{q:.2f}" for q in quartiles(ratios)) + ")")
        else:
            one_reps = self.cpp.get("BM_cnn_step", [])
            two_reps = self.cpp.get("BM_cnn_step_2_threads", [])
            if not one_reps or not two_reps:
                return
            one = statistics.median(wall_seconds(b) for b in one_reps)
            two = statistics.median(wall_seconds(b) for b in two_reps)
            speedup = one / two
            spread = f"{speedup:.2f}x"
        self.cnn_threads = (one, two, speedup)
        self.row(label, f"{fmt_time(two)} vs {fmt_time(one)}", limit=limit, vs_limit="",
                 target=target, result=verdict(speedup, TARGETS["cnn_2_threads"]),
                 vs_torch=spread)

    def optimizers(self):
        for key, label in (("adam", "Adam step, 10M floats"),
                           ("momentum", "momentum step, 10M floats"),
                           ("adadelta", "Adadelta step, 10M floats")):
            reps = self.cpp.get(f"BM_optimizer_step_{key}", [])
            if not reps:
                continue
            rate = statistics.median(b["bytes_per_second"] for b in reps)
            peer = self.peer.get(f"optimizer_step_{key}")
            vs = rate / self.triad if self.triad else None
            self.row(label, f"{rate / 1e9:.1f} GB/s",
                     f"{self.triad / 1e9:.1f} GB/s triad" if self.triad else "n/a",
                     f"{100 * vs:.0f} %" if vs else "n/a",
                     f"{peer['bytes_per_second'] / 1e9:.1f} GB/s" if peer else "n/a",
                     f"{rate / peer['bytes_per_second']:.1f}x" if peer else "n/a",
                     f">= {TARGETS['optimizer_vs_triad'] * 100:.0f} % of triad",
                     verdict(vs, TARGETS["optimizer_vs_triad"]))

    def fn2d(self):
        reps = self.cpp.get("BM_fn2d_step", [])
        peer = self.peer.get("fn2d_step")
        if reps:
            per_step = statistics.median(b["per_step"] for b in reps)
            self.row("2-D step with its loss and point stored", fmt_time(per_step),
                     torch=fmt_time(peer["seconds"]) if peer else "n/a",
                     vs_torch=f"{peer['seconds'] / per_step:.0f}x" if peer else "n/a")

    def loops(self):
        """The isolated PyTorch step against the loop users write."""
        isolated = self.peer.get("mlp_step", {}).get("seconds")
        loop = self.peer.get("mlp_loop")
        if loop:
            self.row("PyTorch MLP: the loop users write (1 thread, CPU time)",
                     torch=fmt_time(loop["seconds"]),
                     vs_torch=f"{loop['seconds'] / isolated:.2f}x the isolated step"
                     if isolated else "")
        if self.user_loop:
            u = self.user_loop
            self.row("PyTorch MLP: the same loop in the environment as is (wall)",
                     torch=fmt_time(u["seconds"]),
                     vs_torch=f"{u['seconds'] / isolated:.2f}x the isolated step"
                     if isolated else "")

    def end_to_end(self):
        e = self.e2e
        for key, label in (("mlp_seed", "seed MLP experiment (2 x 5 epochs, test each epoch)"),
                           ("cnn_epoch", "CNN, one epoch + test")):
            ours = e.get(f"{key}_optbench", {}).get("seconds")
            pre = e.get(f"{key}_preloaded", {})
            seed = e.get(f"{key}_as_written", {})
            if ours is None and not pre and not seed:
                continue
            # Both sides' "seconds" are whole commands (each side's start-up
            # included); PyTorch's part after its imports is shown beside.
            for other, name, target in ((pre, "pre-loaded PyTorch", TARGETS["seed_vs_preloaded"]),
                                        (seed, "the code as written",
                                         TARGETS["seed_vs_as_written"])):
                whole = other.get("seconds")
                ratio = whole / ours if whole and ours else None
                torch, vs_torch = fmt_time(whole), f"{ratio:.2f}x" if ratio else "n/a"
                after = other.get("after_imports_seconds")
                if after and ours:
                    torch += f" ({fmt_time(after)} after its imports)"
                    vs_torch += f" ({after / ours:.2f}x)"
                has_target = key == "mlp_seed"
                self.row(f"{label} vs {name}", fmt_time(ours), torch=torch, vs_torch=vs_torch,
                         target=f">= {target:g}x" if has_target else "",
                         result=verdict(ratio, target) if has_target else "info")
        short = e.get("short_run")
        if short:
            self.row("64-sample Fashion-MNIST run, after the sweep's first",
                     fmt_time(short["per_run_seconds"]),
                     target=f"<= {TARGETS['short_run_s']:g} s",
                     result=verdict(short["per_run_seconds"], TARGETS["short_run_s"], False))
        sweep = e.get("sweep_2d")
        if sweep:
            old = sweep.get("old_seconds")
            ratio = old / sweep["seconds"] if old else None
            self.row(f"{sweep['runs']} 2-D runs x {sweep['steps']} steps, whole sweep",
                     fmt_time(sweep["seconds"]), torch=f"{fmt_time(old)} at {sweep['old']}"
                     if old else "n/a", vs_torch=f"{ratio:.1f}x" if ratio else "n/a",
                     target=f">= {TARGETS['sweep_vs_old']:g}x", result=verdict(ratio, TARGETS[
                         "sweep_vs_old"]))

    def overheads(self):
        log = self.cpp.get("BM_logging_overhead", [])
        if log:
            pct = log[0]["overhead_pct"]
            self.row("loss recorded every step vs not", f"{pct:+.2f} %", target="<= 3 %",
                     result="PASS" if pct <= 3 else "MISS")
        jobs = self.cpp.get("BM_jobs_scaling", [])
        if jobs:
            j = jobs[0]
            result = "PASS" if j["speedup"] >= 1.8 else "MISS"
            if result == "MISS" and j["control_speedup"] < 1.8:
                result = "MISS (no free core)"
            self.row("4 MLP runs, --jobs 2 vs 1", f"{j['speedup']:.2f}x",
                     vs_limit=f"bare threads {j['control_speedup']:.2f}x", target=">= 1.8x",
                     result=result)

    # -- the explanations -------------------------------------------------------
    def at_peak(self, flop, rest, budgets):
        """Whether budgets below the floor at oneDNN's rate for the shapes
        would be met with the same products at this run's GEMM peak on
        2048^3 (the rest, Adadelta's update as PyTorch computes it and the
        data's decoding, unchanged). `budgets`: (target's name, seconds)."""
        floor = flop / self.gemm_peak + rest
        below = [(n, b) for n, b in budgets if b < floor]
        above = [(n, b) for n, b in budgets if b >= floor]
        listed = lambda group: ", ".join(  # noqa: E731
            f"{name} allows {fmt_time(budget)} ({budget / floor:.2f}x)" for name, budget in group)
        said = []
        if below:
            said.append(listed(below) + ": below even the peak, so meeting "
                        + ("it" if len(below) == 1 else "them") + " takes fewer multiplications "
                        "or arithmetic other than PyTorch's Adadelta (whose results the update "
                        "reproduces), not a faster loop")
        if above:
            said.append(listed(above) + ": only a GEMM faster than oneDNN's at these shapes "
                        "would meet " + ("it" if len(above) == 1 else "them"))
        return (f"with the products at this run's GEMM peak ({self.gemm_peak / 1e9:.1f} GFLOP/s) "
                f"the floor would be {fmt_time(floor)}; " + "; ".join(said))

    def explain(self):
        n = self.notes
        if getattr(self, "mlp", None) and self.gemm_mlp:
            ours, theirs, speedup, rate = self.mlp
            gemm_time = MLP_FLOP / self.gemm_mlp
            n.append(f"MLP: the step's five products take {fmt_time(gemm_time)} at oneDNN's own "
                     f"rate for these shapes ({self.gemm_mlp / 1e9:.1f} GFLOP/s, "
                     f"{100 * self.gemm_mlp / self.gemm_peak:.0f} % of its "
                     f"{self.gemm_peak / 1e9:.1f} GFLOP/s peak on 2048^3); the step takes "
                     f"{fmt_time(ours)}, {100 * rate / self.gemm_mlp:.0f} % of that rate; the rest "
                     f"is bias, ReLU, the loss and Adadelta.")
            f, fb = self.ours("BM_mlp_forward"), self.ours("BM_mlp_forward_backward")
            update = self.ours("BM_mlp_adadelta_step")
            if f and fb:
                # Differences of medians taken at different moments: on a
                # busy machine one can come out negative, so Adadelta's part
                # is its own benchmark when the run has it.
                part = (f"{fmt_time(update)} (timed alone)" if update
                        else f"{fmt_time(ours - fb)} (the step's median less forward + backward)")
                n.append(f"  parts: forward {fmt_time(f)}, backward {fmt_time(fb - f)} "
                         f"(differences of medians), Adadelta {part}")
            n.append(f"  {TARGETS['mlp_vs_torch']:g}x PyTorch allows "
                     f"{fmt_time(theirs / TARGETS['mlp_vs_torch'])} per step here = "
                     f"{theirs / TARGETS['mlp_vs_torch'] / gemm_time:.2f}x the products' time alone")
            if self.update_floor:
                floor = gemm_time + self.update_floor
                budget = theirs / TARGETS["mlp_vs_torch"]
                n.append(f"  floor: the products plus Adadelta's update at the larger of its "
                         f"streams in cache and its roots ({fmt_time(self.update_floor)}) = "
                         f"{fmt_time(floor)}, with bias, ReLU "
                         f"and the loss taken as free; the step is {ours / floor:.2f}x that floor"
                         + (f", and {TARGETS['mlp_vs_torch']:g}x PyTorch is below it: no "
                            "implementation on these kernels meets it" if budget < floor else
                            f"; {TARGETS['mlp_vs_torch']:g}x PyTorch needs "
                            f"{budget / floor:.2f}x of it"))
                if budget < floor and self.gemm_peak:
                    n.append("  " + self.at_peak(MLP_FLOP, self.update_floor, [
                        (f"{TARGETS['mlp_vs_torch']:g}x PyTorch", budget)]))
        if getattr(self, "cnn", None) and self.cnn_floor:
            ours, theirs, speedup = self.cnn
            budget = theirs / TARGETS["cnn_vs_torch"]
            convolutions = (
                f"the convolutions as the conv layer runs them here (conv1 on oneDNN, conv2 on "
                f"Winograd tiles: {self.conv_rate / 1e9:.1f} GFLOP/s counted as direct "
                f"convolutions)" if self.conv_winograd else
                f"oneDNN's convolutions ({self.conv_rate / 1e9:.1f} GFLOP/s here)")
            n.append(f"CNN: {convolutions} and "
                     f"dense products alone take {fmt_time(self.cnn_kernels)}; with Adadelta's "
                     f"update at the CNN's 582,026 parameters ({fmt_time(self.cnn_update)}, the "
                     f"larger of its streams and its roots) "
                     f"the floor is {fmt_time(self.cnn_floor)}, with pooling, ReLU and the loss "
                     f"taken as free; the step takes {fmt_time(ours)}, "
                     f"{ours / self.cnn_floor:.2f}x the floor. "
                     f"{TARGETS['cnn_vs_torch']:g}x PyTorch ({fmt_time(theirs)}) allows "
                     f"{fmt_time(budget)}, {budget / self.cnn_floor:.2f}x that floor"
                     + (": below it, so no implementation on these kernels meets it"
                        if budget < self.cnn_floor else "."))
            if self.cnn_flop and self.gemm_peak:
                # No direct convolution does its multiplications faster than
                # one thread's GEMM peak: a floor for any such implementation.
                at_peak = self.cnn_flop / self.gemm_peak + self.cnn_update
                n.append(f"  at this run's GEMM peak ({self.gemm_peak / 1e9:.1f} GFLOP/s) the "
                         f"same {self.cnn_flop / 1e9:.2f} GFLOP would take "
                         f"{fmt_time(self.cnn_flop / self.gemm_peak)}, "
                         f"{fmt_time(at_peak)} with the update; "
                         f"{TARGETS['cnn_vs_torch']:g}x PyTorch allows {budget / at_peak:.2f}x "
                         f"of that"
                         + (": below it, so no direct convolution meets it on this CPU, only "
                            "one with fewer multiplications (Winograd or FFT)."
                            if budget < at_peak else ".")
                         + (f" The step takes {ours / at_peak:.2f}x of that: its second "
                            "convolution runs on Winograd tiles, 64 multiplications per 4 x 4 "
                            "outputs and channel pair where a direct one does 400"
                            if self.conv_winograd else ""))
            paths = self.peer.get("cnn_step", {}).get("paths")
            if paths:
                n.append("  PyTorch's CNN step by path, its long run: " + ", ".join(
                    f"{p} {fmt_time(s)}" for p, s in paths.items()))
        by_path = []
        for workload, name in (("mlp_step", "MLP"), ("cnn_step", "CNN")):
            interleaved = self.interleaved.get(workload)
            if interleaved and interleaved.get("paths"):
                by_path.append(f"{name} " + ", ".join(
                    f"{p} {fmt_time(statistics.median(t))}"
                    for p, t in interleaved["paths"].items()))
        if by_path:
            n.append("PyTorch by path in the interleaved slices (median per step): "
                     + "; ".join(by_path) + "; each ratio is against the faster path")
        if getattr(self, "cnn_threads", None) and self.kernels_1t and self.kernels_2t:
            one, _, speedup = self.cnn_threads
            rest = one - self.kernels_1t
            scale = (f"CNN on 2 threads: the convolution kernels and dense products scale "
                     f"{self.kernels_1t / self.kernels_2t:.2f}x ({fmt_time(self.kernels_1t)} -> "
                     f"{fmt_time(self.kernels_2t)}); ")
            if rest <= 0:
                # The step's wall time came in under its kernels' best: the
                # two were timed at different moments of a busy machine.
                n.append(scale + f"the one-thread step ({fmt_time(one)}, wall) took less than "
                         f"those kernels, so this run cannot say what the rest of the step "
                         f"costs; the run gets {speedup:.2f}x")
            else:
                # At best everything outside oneDNN's kernels halves on 2 threads.
                best = one / (self.kernels_2t + rest / 2)
                # The run can beat that bound when the one-thread step was
                # timed at a slower moment than its kernels; then the bound
                # explains nothing.
                missed = speedup < TARGETS["cnn_2_threads"]
                n.append(scale + f"the rest of the step ({fmt_time(rest)} on one thread) halved at "
                         f"best would give {best:.2f}x; the run gets {speedup:.2f}x"
                         + (f": {TARGETS['cnn_2_threads']:g}x is beyond these kernels"
                            if best < TARGETS["cnn_2_threads"] and missed else ""))
        mlp_seed = self.e2e.get("mlp_seed_optbench", {}).get("seconds")
        if mlp_seed and self.gemm_mlp and self.update_floor:
            # Decoding the data once is part of every first run (and of both
            # PyTorch scripts' timed part): the faster inflater, measured here.
            decode = self.decode_floor
            floor = SEED_STEPS * (MLP_FLOP / self.gemm_mlp + self.update_floor) + \
                SEED_TEST_FLOP / self.gemm_mlp + decode
            parts, beyond = [], []
            for side, key in (("pre-loaded", "seed_vs_preloaded"),
                              ("as written", "seed_vs_as_written")):
                other = self.e2e.get(f"mlp_seed_{side.replace('-', '').replace(' ', '_')}",
                                     {}).get("seconds")
                if other:
                    budget = other / TARGETS[key]
                    parts.append(f"{TARGETS[key]:g}x PyTorch {side} allows {fmt_time(budget)}, "
                                 f"{budget / floor:.2f}x the floor"
                                 + (": below it, so no implementation on these kernels meets it"
                                    if budget < floor else ""))
                    if budget < floor and self.gemm_peak:
                        beyond.append((f"{TARGETS[key]:g}x PyTorch {side}", budget))
            n.append(f"seed MLP experiment: floor {fmt_time(floor)} ({SEED_STEPS} steps at the "
                     f"MLP floor, 10 test passes' products at the GEMM rate and inflating "
                     f"the data once ({fmt_time(decode)}), batches free); it takes {fmt_time(mlp_seed)}, {mlp_seed / floor:.2f}x the floor; "
                     + "; ".join(parts))
            if beyond:
                n.append("  " + self.at_peak(SEED_STEPS * MLP_FLOP + SEED_TEST_FLOP,
                                             SEED_STEPS * self.update_floor + decode, beyond))
        loop, isolated = self.peer.get("mlp_loop"), self.peer.get("mlp_step", {}).get("seconds")
        if loop and isolated:
            parts = ", ".join(f"{k} {fmt_time(v)}" for k, v in loop["parts"].items())
            n.append(f"PyTorch, isolated step vs the loop users write: {fmt_time(isolated)} vs "
                     f"{fmt_time(loop['seconds'])} per step on one thread (CPU time; parts: "
                     f"{parts}); on random inputs the same loop takes "
                     f"{fmt_time(loop['random_data_seconds'])}.")
        forced = self.peer_env.get("mlp_step")
        if forced and isolated:
            n.append(f"  the isolated step with this environment's OpenBLAS settings (kernels "
                     f"{self.peer_env_info.get('openblas_core') or '?'}): "
                     f"{fmt_time(forced['seconds'])}, {forced['seconds'] / isolated:.2f}x the "
                     f"step without them")
        if self.user_loop and isolated:
            u = self.user_loop
            parts = ", ".join(f"{k} {fmt_time(v)}" for k, v in u["parts"].items())
            n.append(f"  in the environment as it is (OPENBLAS_CORETYPE="
                     f"{u['openblas_coretype_env'] or 'unset'}, OPENBLAS_NUM_THREADS="
                     f"{u['openblas_threads_env'] or 'unset'}, {u['threads']} torch thread(s)), "
                     f"by the wall clock: {fmt_time(u['seconds'])} per step ({parts}); "
                     f"{fmt_time(u['cpu_per_step'])} of CPU time per step, with "
                     f"{u['cores_busy']:.2f} cores busy on average: the rest of the wall time "
                     f"is waiting for a core (other work on the machine, and OpenBLAS's and "
                     f"OpenMP's threads spinning for each other)")
        for key in ("mlp_seed", "cnn_epoch"):
            for side in ("optbench", "preloaded", "as_written"):
                rec = self.e2e.get(f"{key}_{side}")
                if rec and rec.get("detail"):
                    n.append(f"{key} {side}: {rec['detail']}")
        for key in ("short_run", "sweep_2d"):
            rec = self.e2e.get(key)
            if rec and rec.get("detail"):
                n.append(f"{key}: {rec['detail']}")
        m = self.machine
        if m:
            n.append(f"Machine: {m.get('model', '?')}, {m.get('cpus', '?')} CPUs, "
                     f"{m.get('avx512', '?')}; load average {m.get('load_before', '?')} before, "
                     f"{m.get('load_after', '?')} after; {m.get('date', '')}")
            n.append(f"Source: commit {m.get('commit', '?')}"
                     + (f", uncommitted changes in: {m['dirty']}" if m.get("dirty") else
                        ", clean tree"))
        if self.info:
            i = self.info
            n.append(f"PyTorch {i['torch']}, {i['threads']} thread, BLAS: "
                     f"{', '.join(i['blas']) or 'none found'}, OpenBLAS kernels: "
                     f"{i.get('openblas_core') or 'n/a'} (OPENBLAS_CORETYPE "
                     f"{i.get('openblas_coretype_env') or 'unset'}), oneDNN (mkldnn) "
                     f"{'available' if i['mkldnn'] else 'absent'}")
            if i.get("reference_blas"):
                n.append("!!! WARNING: PyTorch ran on the REFERENCE BLAS: its times are ~8x too "
                         "slow and every ratio flatters optbench. apt-get install "
                         "libopenblas0-pthread and rerun.")
        n.append("Times are CPU time of the one thread (median of repetitions; limits: the "
                 "best), on both sides; wall-clock rows say so.")

    def render(self):
        self.limits()
        self.networks()
        self.optimizers()
        self.fn2d()
        self.loops()
        self.end_to_end()
        self.overheads()
        self.explain()
        head = ("workload", "optbench", "limit", "of limit", "PyTorch", "optbench faster",
                "target", "result")
        rows = [tuple(str(c) for c in r) for r in self.rows]
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
        out = [" | ".join(h.ljust(w) for h, w in zip(head, widths)),
               "+".join("-" * (w + 2) for w in widths)]
        out += [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
        return "\n".join(out) + "\n\n" + "\n".join(self.notes) + "\n"


def main(argv):
    if len(argv) != 2:
        print("usage: table.py WORK_DIR", file=sys.stderr)
        return 2
    sys.stdout.write(Report(argv[1]).render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
