#!/usr/bin/env bash
# The main job of the quick start: install and build (scripts/setup.sh), then
# run the classic 2-D comparisons (quadratic, ellipse, the 3-D cubic
# figure), a learning-rate sweep over four test functions with three seeds,
# and an MLP on Fashion-MNIST (Adadelta, two decay rates). Leaves
# results/optbench.db, PNG/SVG charts under results/<experiment>/ and an HTML
# report of the sweep, and prints their paths and the sweep's summary table.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh" "$here/build/release"
cd "$here"
optbench=./build/release/optbench
start=$SECONDS
for experiment in lab_quadratic lab_ellipse lab_cubic rosenbrock_lr_sweep functions_lr_sweep \
  fashion_mlp_adadelta; do
  "$optbench" run "experiments/$experiment.yaml" --out results --quiet
done
"$optbench" summary --db results/optbench.db --experiment functions-lr-sweep
"$optbench" report --db results/optbench.db --experiment functions-lr-sweep
echo "demo: experiments, summary and report took $((SECONDS - start)) s"
