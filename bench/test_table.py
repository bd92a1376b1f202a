#!/usr/bin/env python3
"""Tests of bench/table.py on hand-made inputs with known answers:
python3 bench/test_table.py (standard library only; not part of ctest, like
the rest of bench/)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import table  # noqa: E402


def bench(name, cpu_us, reps=(1.0,), **counters):
    """Google Benchmark records of `name`: one per repetition, CPU time
    cpu_us times each factor in `reps`, wall time twice that."""
    return [dict(run_name=name, run_type="iteration", cpu_time=cpu_us * f,
                 real_time=2 * cpu_us * f, time_unit="us", **counters) for f in reps]


class TableTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.work = self.dir.name
        mlp_gemm_us = table.MLP_FLOP / 200e9 * 1e6  # 200 GFLOP/s at the MLP's shapes
        records = (
            bench("BM_limit_gemm_peak", 100_000, (1.2, 1.0, 1.1), flop=25e9)  # best: 250 GFLOP/s
            + bench("BM_limit_gemm_mlp", mlp_gemm_us, (1.0, 1.5))
            + bench("BM_limit_conv_cnn", 8_000, flop=1.2e9)
            + bench("BM_limit_gemm_cnn_dense", 2_000, flop=0.2e9)
            + bench("BM_limit_triad", 10_000, (1.0, 2.0), bytes=300e6)  # best: 30 GB/s
            + bench("BM_limit_update_mlp", 25, bytes=4.45e6)
            + bench("BM_limit_update_cnn", 500, bytes=16.3e6)
            # libdeflate inflates faster than zlib's 0.25 s: the floor's part.
            + bench("BM_limit_inflate_fashion_mnist", 150_000, (1.0, 1.2), bytes=55e6)
            # Wall times are twice the CPU times: 20 ms of kernels on one
            # thread, 16 ms on two (1.25x).
            + bench("BM_limit_conv_cnn_2_threads", 6_000)
            + bench("BM_limit_gemm_cnn_dense_2_threads", 2_000)
            + bench("BM_cnn_step_2_threads", 15_000)
            # The MLP step takes twice the products' time: 50 % of the rate.
            + bench("BM_mlp_step", 2 * mlp_gemm_us, (0.9, 1.0, 1.3))
            + bench("BM_cnn_step", 20_000)
            + [dict(r, bytes_per_second=27e9) for r in bench("BM_optimizer_step_adam", 1000)]
            + [dict(r, bytes_per_second=20e9)
               for r in bench("BM_optimizer_step_adadelta", 1000)])
        with open(os.path.join(self.work, "cpp.json"), "w") as f:
            json.dump({"benchmarks": records}, f)
        with open(os.path.join(self.work, "peer.jsonl"), "w") as f:
            for rec in ({"kind": "result", "workload": "mlp_step", "path": "mkldnn on",
                         "seconds": 3 * 2 * mlp_gemm_us * 1e-6},
                        {"kind": "result", "workload": "cnn_step", "path": "mkldnn on",
                         "seconds": 0.050},
                        {"kind": "result", "workload": "optimizer_step_adam",
                         "seconds": 1.0, "bytes_per_second": 9e9}):
                f.write(json.dumps(rec) + "\n")
        with open(os.path.join(self.work, "e2e.jsonl"), "w") as f:
            for rec in ({"workload": "decode_limit", "seconds": 0.25, "bytes": 55e6},
                        {"workload": "mlp_seed_optbench", "seconds": 4.0},
                        {"workload": "mlp_seed_preloaded", "seconds": 16.0,
                         "after_imports_seconds": 11.0},
                        {"workload": "mlp_seed_as_written", "seconds": 20.0},
                        {"workload": "short_run", "per_run_seconds": 0.15},
                        {"workload": "sweep_2d", "runs": 2000, "steps": 200, "seconds": 5.0,
                         "old_seconds": 140.0, "old": "a8e5ad0"}):
                f.write(json.dumps(rec) + "\n")
        self.report = table.Report(self.work)
        self.text = self.report.render()
        self.rows = {r[0]: r for r in self.report.rows}

    def tearDown(self):
        self.dir.cleanup()

    def test_limits_are_the_best_repetition(self):
        self.assertAlmostEqual(self.report.gemm_peak, 250e9, delta=1e6)
        self.assertAlmostEqual(self.report.gemm_mlp, 200e9, delta=1e6)
        self.assertAlmostEqual(self.report.triad, 30e9, delta=1e6)
        # 8 ms of convolutions, 2 ms of dense products, 0.5 ms of update streams.
        self.assertAlmostEqual(self.report.cnn_floor, 10.5e-3, delta=1e-9)

    def test_mlp_against_its_gemm_rate_and_peer(self):
        row = self.rows["MLP 784-200-10 step, b64, Adadelta"]
        self.assertEqual(row[3], "50.0 % (100.0 GFLOP/s)")  # the median repetition
        self.assertEqual(row[5], "3.00x (3.00)")
        self.assertEqual(row[7], "PASS")
        self.assertEqual(self.rows["MLP step as a fraction of the GEMM rate"][7], "MISS")

    def test_cnn_floor_explains_the_miss(self):
        row = self.rows["CNN step (seed CNN), b64, Adadelta"]
        self.assertEqual(row[3], "52 %")  # the 10.5 ms floor of a 20 ms step
        self.assertEqual(row[5], "2.50x (2.50)")
        self.assertEqual(row[7], "MISS")
        # 3x of 50 ms allows 16.7 ms, 1.59x the 10.5 ms floor: possible.
        self.assertIn("the floor is 10.500 ms", self.text)
        self.assertIn("allows 16.667 ms, 1.59x that floor.", self.text)
        # At the 250 GFLOP/s peak, 1.2 + 0.2 GFLOP take 5.6 ms, 6.1 ms with
        # the 500 us update: 16.7 ms is 2.73x that, so no verdict of "below".
        self.assertIn("the same 1.40 GFLOP would take 5.600 ms, 6.100 ms with the update; "
                      "3x PyTorch allows 2.73x of that.", self.text)

    def test_cnn_peak_floor_names_the_only_way_past_it(self):
        # A 15 ms peer: 3x allows 5 ms, below the 6.1 ms at the GEMM peak.
        with open(os.path.join(self.work, "peer.jsonl"), "a") as f:
            f.write(json.dumps({"kind": "result", "workload": "cnn_step", "path": "mkldnn on",
                                "seconds": 0.015}) + "\n")
        text = table.Report(self.work).render()
        self.assertIn("3x PyTorch allows 0.82x of that: below it, so no direct convolution "
                      "meets it on this CPU", text)

    def test_cnn_on_winograd_tiles_is_named_as_such(self):
        # The same records with the conv limit run on Winograd tiles.
        path = os.path.join(self.work, "cpp.json")
        with open(path) as f:
            records = json.load(f)["benchmarks"]
        for r in records:
            if r["run_name"] == "BM_limit_conv_cnn":
                r["winograd_convolutions"] = 1
        with open(path, "w") as f:
            json.dump({"benchmarks": records}, f)
        text = table.Report(self.work).render()
        self.assertIn("conv2 on Winograd tiles", text)
        self.assertIn("150.0 GFLOP/s direct-equivalent", text)  # 1.2 GFLOP in 8 ms
        self.assertIn("CNN: the convolutions as the conv layer runs them here (conv1 on oneDNN, "
                      "conv2 on Winograd tiles: 150.0 GFLOP/s counted as direct convolutions)",
                      text)
        # The 20 ms step against 6.1 ms at the GEMM peak.
        self.assertIn("The step takes 3.28x of that: its second convolution runs on Winograd "
                      "tiles", text)
        self.assertNotIn("oneDNN conv fwd+bwd", text)
        # Against a 15 ms peer 3x is below a direct convolution at the peak;
        # the Winograd sentence follows that verdict's full stop.
        with open(os.path.join(self.work, "peer.jsonl"), "a") as f:
            f.write(json.dumps({"kind": "result", "workload": "cnn_step", "path": "mkldnn on",
                                "seconds": 0.015}) + "\n")
        text = table.Report(self.work).render()
        self.assertIn("(Winograd or FFT). The step takes 3.28x of that", text)

    def test_a_two_thread_run_past_its_bound_is_not_called_beyond_it(self):
        # Kernels 20 -> 16 ms (wall), the rest 20 ms: halved at best 1.54x;
        # a 20 ms two-thread step gets 2.00x, so no "beyond" is claimed.
        text = self.rewrite(lambda r: [x for x in r if x["run_name"] != "BM_cnn_step_2_threads"]
                            + bench("BM_cnn_step_2_threads", 10_000))
        self.assertIn("halved at best would give 1.54x; the run gets 2.00x", text)
        self.assertNotIn("is beyond these kernels", text)

    def test_thread_scaling_from_interleaved_pairs(self):
        # Without pairs: the benchmarks' wall medians, 40 / 30 ms = 1.33x.
        label = "one CNN run on 2 threads vs 1 (wall clock)"
        self.assertEqual(self.rows[label][5], "1.33x")
        # With pairs the median of their ratios decides (2.0, 1.5, 1.8 ->
        # 1.80x), not the ratio of the medians (40 / 22 ms = 1.82x).
        with open(os.path.join(self.work, "interleaved.jsonl"), "w") as f:
            f.write(json.dumps({"kind": "interleaved", "workload": "cnn_threads",
                                "one": [0.040, 0.030, 0.045], "two": [0.020, 0.020, 0.025]})
                    + "\n")
        report = table.Report(self.work)
        text = report.render()
        row = {r[0]: r for r in report.rows}[label]
        self.assertEqual(row[1], "20.000 ms vs 40.000 ms")
        self.assertEqual(row[5], "1.80x (3 interleaved pairs, quartiles 1.65-1.90)")
        self.assertEqual(row[7], "PASS")
        # The note's bound uses the pairs' one-thread median: kernels 20 ->
        # 16 ms, the rest 20 ms, halved at best 1.54x.
        self.assertIn("halved at best would give 1.54x; the run gets 1.80x", text)

    def test_optimizers_against_triad(self):
        self.assertEqual(self.rows["Adam step, 10M floats"][3], "90 %")
        self.assertEqual(self.rows["Adam step, 10M floats"][7], "PASS")
        self.assertEqual(self.rows["Adadelta step, 10M floats"][7], "MISS")
        self.assertEqual(self.rows["Adadelta step, 10M floats"][4], "n/a")

    def test_end_to_end_ratios_and_missing_parts(self):
        preloaded = "seed MLP experiment (2 x 5 epochs, test each epoch) vs pre-loaded PyTorch"
        # Whole commands decide (16 s / 4 s); the part after PyTorch's
        # imports is shown beside, and so is absent where not reported.
        self.assertEqual(self.rows[preloaded][4], "16.00 s (11.00 s after its imports)")
        self.assertEqual(self.rows[preloaded][5], "4.00x (2.75x)")
        self.assertEqual(self.rows[preloaded][7], "PASS")
        written = "seed MLP experiment (2 x 5 epochs, test each epoch) vs the code as written"
        self.assertEqual(self.rows[written][4], "20.00 s")
        self.assertEqual(self.rows[written][5], "5.00x")
        self.assertEqual(self.rows[written][7], "MISS")
        self.assertEqual(self.rows["64-sample Fashion-MNIST run, after the sweep's first"][7],
                         "PASS")
        self.assertEqual(self.rows["2000 2-D runs x 200 steps, whole sweep"][5], "28.0x")
        self.assertFalse(any(r.startswith("CNN, one epoch") for r in self.rows))

    def test_floors_say_which_targets_no_implementation_meets(self):
        # MLP: 204.5 us of products + 25 us of update streams = 229.5 us; 2.5x
        # the peer's 1.227 ms allows 490.9 us, 2.14x of it.
        self.assertIn("= 229.54 us", self.text)
        self.assertIn("2.5x PyTorch needs 2.14x of it", self.text)
        # CNN on 2 threads: kernels 20 -> 16 ms; 40 ms step, 20 ms outside
        # them, halved at best: 40 / (16 + 10) = 1.54x.
        self.assertEqual(self.rows["one CNN run on 2 threads vs 1 (wall clock)"][2],
                         "kernels 1.25x")
        self.assertIn("halved at best would give 1.54x; the run gets 1.33x: 1.7x is beyond "
                      "these kernels", self.text)
        # Seed MLP: 9,380 x 229.54 us + 31.76 GFLOP at 200 GFLOP/s + 0.15 s
        # of inflating (libdeflate, faster than zlib's 0.25 s) = 2.46 s; 10x
        # of 20 s allows 2 s, below it; 3x of 16 s allows 5.33 s.
        self.assertIn("floor 2.46 s", self.text)
        self.assertIn("inflating the data once (150.000 ms)", self.text)
        self.assertIn("10x PyTorch as written allows 2.00 s, 0.81x the floor: below it", self.text)
        self.assertIn("3x PyTorch pre-loaded allows 5.33 s, 2.17x the floor;", self.text)
        # The same with the products at the 250 GFLOP/s peak: 415.5 GFLOP in
        # 1.662 s + 9,380 x 25 us + 0.15 s = 2.05 s, still above 2 s.
        self.assertIn("GEMM peak (250.0 GFLOP/s) the floor would be 2.05 s; 10x PyTorch as "
                      "written allows 2.00 s (0.98x): below even the peak, so meeting it takes",
                      self.text)
        self.assertEqual(self.rows["limit: zlib inflating the Fashion-MNIST files once (CPU)"][1],
                         "250.000 ms (55.0 MB)")
        self.assertEqual(self.rows["limit: libdeflate inflating the Fashion-MNIST files once"][1],
                         "150.000 ms (55.0 MB)")


    def test_the_update_bound_is_the_larger_of_its_streams_and_its_roots(self):
        # 163,840 roots-and-division in 40 us: 244 ps per parameter, 38.8 us
        # at the MLP's 159,010 (above its 25 us of streams), 142 us at the
        # CNN's 582,026 (below its 500 us of streams).
        with open(os.path.join(self.work, "cpp.json")) as f:
            records = json.load(f)["benchmarks"]
        records += bench("BM_limit_roots", 40, elements=163_840)
        with open(os.path.join(self.work, "cpp.json"), "w") as f:
            json.dump({"benchmarks": records}, f)
        report = table.Report(self.work)
        text = report.render()
        self.assertAlmostEqual(report.update_floor, 159_010 * 40e-6 / 163_840, delta=1e-12)
        self.assertAlmostEqual(report.cnn_update, 500e-6, delta=1e-12)
        self.assertIn("244 ps/parameter (38.82 us at the MLP's size)", text)
        # 204.544 us of products + 38.820 us = 243.36 us; the seed experiment's
        # floor rises with it: 9,380 x 243.36 us + 0.159 s + 0.15 s = 2.59 s.
        self.assertIn("(38.82 us) = 243.36 us", text)
        self.assertIn("floor 2.59 s", text)

    def rewrite(self, change):
        """The report again after `change` edits the C++ records."""
        with open(os.path.join(self.work, "cpp.json")) as f:
            records = json.load(f)["benchmarks"]
        records = change(records)
        with open(os.path.join(self.work, "cpp.json"), "w") as f:
            json.dump({"benchmarks": records}, f)
        return table.Report(self.work).render()

    def test_mlp_budget_between_the_peak_and_the_shapes_rate(self):
        # A 0.5 ms peer: 2.5x allows 200 us, below the 229.54 us floor at
        # the shapes' 200 GFLOP/s, above 163.6 + 25 = 188.6 us at the peak.
        # In setUp's run only the seed's budget is below its floor.
        self.assertEqual(self.text.count("floor would be"), 1)
        with open(os.path.join(self.work, "peer.jsonl"), "a") as f:
            f.write(json.dumps({"kind": "result", "workload": "mlp_step", "path": "mkldnn on",
                                "seconds": 0.0005}) + "\n")
        text = table.Report(self.work).render()
        self.assertIn("2.5x PyTorch is below it: no implementation on these kernels", text)
        self.assertIn("the floor would be 188.64 us; 2.5x PyTorch allows 200.00 us (1.06x): "
                      "only a GEMM faster than oneDNN's at these shapes would meet it", text)

    def test_mlp_parts_take_adadelta_from_its_own_benchmark(self):
        # Without it the part is the step's median less forward + backward.
        self.assertNotIn("(timed alone)", self.text)
        text = self.rewrite(lambda r: r + bench("BM_mlp_forward", 100)
                            + bench("BM_mlp_forward_backward", 200)
                            + bench("BM_mlp_adadelta_step", 40))
        self.assertIn("parts: forward 100.00 us, backward 100.00 us (differences of medians), "
                      "Adadelta 40.00 us (timed alone)", text)

    def test_a_cnn_step_under_its_kernels_is_not_read_as_free_work(self):
        # A one-thread step of 16 ms wall against 20 ms of kernels (wall):
        # the two were timed at different moments, so no bound is claimed.
        text = self.rewrite(lambda r: [x for x in r if x["run_name"] != "BM_cnn_step"]
                            + bench("BM_cnn_step", 8_000))
        self.assertIn("the one-thread step (16.000 ms, wall) took less than those kernels, so "
                      "this run cannot say what the rest of the step costs", text)
        self.assertNotIn("is beyond these kernels", text)

    def test_interleaved_pairs_replace_the_long_runs_ratio(self):
        # Five pairs of the MLP step, optbench 100 us and PyTorch 200-320 us:
        # ratios 2.0, 2.4, 2.6, 2.8 and 3.2, median 2.6, quartiles 2.4 and
        # 2.8; the columns are the medians of each side's slices.
        ours = [100e-6] * 5
        peer = [e * 1e-6 for e in (320, 200, 280, 240, 260)]
        with open(os.path.join(self.work, "interleaved.jsonl"), "w") as f:
            f.write(json.dumps({"kind": "interleaved", "workload": "mlp_step",
                                "slice_seconds": 0.25, "ours": ours, "peer": peer,
                                "path": "mkldnn off"}) + "\n")
        report = table.Report(self.work)
        report.render()
        rows = {r[0]: r for r in report.rows}
        row = rows["MLP 784-200-10 step, b64, Adadelta"]
        self.assertEqual(row[1], "100.00 us")
        self.assertEqual(row[4], "260.00 us (mkldnn off)")
        self.assertEqual(row[5], "2.60x (5 interleaved pairs, quartiles 2.40-2.80)")
        self.assertEqual(row[7], "PASS")
        # A workload the file does not hold keeps the long runs' ratio.
        self.assertEqual(rows["CNN step (seed CNN), b64, Adadelta"][5], "2.50x (2.50)")

    def test_both_peer_paths_of_the_interleaved_slices_are_shown(self):
        ours = [100e-6] * 3
        off = [e * 1e-6 for e in (250, 260, 270)]
        on = [e * 1e-6 for e in (300, 310, 290)]
        with open(os.path.join(self.work, "interleaved.jsonl"), "w") as f:
            f.write(json.dumps({"kind": "interleaved", "workload": "mlp_step",
                                "slice_seconds": 0.25, "ours": ours, "peer": off,
                                "path": "mkldnn off",
                                "paths": {"mkldnn on": on, "mkldnn off": off}}) + "\n")
        text = table.Report(self.work).render()
        self.assertIn("PyTorch by path in the interleaved slices (median per step): MLP "
                      "mkldnn on 300.00 us, mkldnn off 260.00 us; each ratio is against the "
                      "faster path", text)


if __name__ == "__main__":
    unittest.main()
