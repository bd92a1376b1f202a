#!/usr/bin/env bash
# The main job of the quick start: install and build (scripts/setup.sh), then
# run the seed lab's 2-D comparisons and the seed's MLP on Fashion-MNIST.
# Leaves results/optbench.db and PNG/SVG charts under results/<experiment>/,
# and prints their paths.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh" "$here/build/release"
cd "$here"
for experiment in lab_quadratic lab_ellipse rosenbrock_lr_sweep seed000_adadelta_mlp; do
  ./build/release/optbench run "experiments/$experiment.yaml" --out results --quiet
done
