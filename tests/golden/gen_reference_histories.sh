#!/usr/bin/env bash
# Writes tests/golden/reference_histories/<isa>.txt: every recorded point
# (all metrics but wall-clock seconds) of a few small experiments, as one
# build of optbench computed them on a CPU whose oneDNN kernels are those of
# <isa> (as tests/onednn_isa, built with the tests, names it: avx2,
# avx512_core_bf16, ...). reference_histories_test then requires every later
# build on such a CPU to compute the same points to the last bit, so a
# change meant to leave results alone (a refactoring, a faster loop) is
# proven to. oneDNN adds its products in another order on each instruction
# set; the 2-D problems, which do not use it, must come out the same in
# every file.
#
# avx512_core_bf16.txt was written by the build that made dense layers'
# forward a oneDNN matmul (on top of commit 71452dd, whose hash its header
# shows), on an AMD EPYC with AVX-512: that changed the order of additions
# in their products. Before it, the file of commit a8e5ad0 had held through
# every change. avx2.txt was first written by the build of that same change
# (88850ac) on an AMD EPYC with AVX2 and no AVX-512, and again by the build
# that moved convolutions on such CPUs to Winograd tiles (adb9f98): only the
# cnn experiment's points moved (by about 1e-9 relative), and on AVX-512 the
# convolutions stay oneDNN's, so its file still holds. Rerun this only when a change
# is meant to alter results (then on every instruction set that has a
# file), or to add an instruction set, and say so in the commit.
#
#   bash tests/golden/gen_reference_histories.sh PATH/TO/BUILD/optbench
set -euo pipefail
optbench="$(realpath "$1")"  # the experiments run from their own folders
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
isa="$("$(dirname "$optbench")/tests/onednn_isa")"
out="$root/tests/golden/reference_histories/$isa.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
query="$(sed -n '/^-- query$/,$p' "$root/tests/golden/reference_histories.sql" | tail -n +2)"
{
  echo "# experiment|optimizer|label|seed|lr|split|name|step|value, written by"
  echo "# tests/golden/gen_reference_histories.sh with the build of commit $(git -C "$(dirname "$optbench")" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# on a CPU where oneDNN runs its $isa kernels"
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
