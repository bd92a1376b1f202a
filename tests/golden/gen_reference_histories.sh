#!/usr/bin/env bash
# Writes tests/golden/reference_histories.txt: every recorded point (all
# metrics but wall-clock seconds) of a few small experiments, as one build of
# optbench computed them. reference_histories_test then requires every later
# build to compute the same points to the last bit, so a change meant to
# leave results alone (a refactoring, a faster loop) is proven to.
#
# The file checked in was written by the build that made dense layers'
# forward a oneDNN matmul (on top of commit 71452dd, whose hash the file's
# header shows): that changed the order of additions in their products. Before
# it, the file of commit a8e5ad0 had held through every change. Rerun this
# only when a change is meant to alter results, and say so in its commit.
#
#   bash tests/golden/gen_reference_histories.sh PATH/TO/optbench
set -euo pipefail
optbench="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/tests/golden/reference_histories.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
query="$(sed -n '/^-- query$/,$p' "$root/tests/golden/reference_histories.sql" | tail -n +2)"
{
  echo "# experiment|optimizer|label|seed|lr|split|name|step|value, written by"
  echo "# tests/golden/gen_reference_histories.sh with the build of commit $(git -C "$(dirname "$optbench")" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  for experiment in experiments/lab_quadratic.yaml experiments/lab_ellipse.yaml \
    experiments/lab_cubic.yaml experiments/lab_linear_fit.yaml \
    tests/fixtures/reference/small_networks.yaml tests/fixtures/reference/small_cnn.yaml; do
    db="$work/$(basename "$experiment" .yaml).db"
    (cd "$(dirname "$root/$experiment")" &&
      "$optbench" run "$(basename "$experiment")" --db "$db" --no-plots -q >/dev/null)
    sqlite3 "$db" "$query"
  done
} > "$out"
echo "wrote $(grep -vc '^#' "$out") points to $out"
