#!/usr/bin/env bash
# A new layer is one new file in plugins/models/nn/ and nothing else: the
# folder, copied as it is, gets one file more (a ReLU under the new word
# `rectifier`, registered by the file alone), is built against this build's
# installed SDK with no other edit, and the sequential model it builds takes
# the new word:
#   - the model's description and its refusal of an unknown word list it;
#   - an experiment written with `rectifier` trains bit-identically to the
#     same experiment written with `relu`;
#   - the sequential model of this build, without the file, refuses the word.
# Only the nn plugins are built, unoptimized: the folder's copy and its build
# stay under WORK_DIR between runs, so a rerun compiles only what changed.
#
#   one_layer_file_test.sh BUILD_DIR SOURCE_DIR WORK_DIR [CXX]
#
# CXX is the build's compiler: the copy uses it too, so that the copied
# plugin links the same OpenMP runtime as the plugins it is loaded beside.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work="$3"
cxx=()
if [[ -n "${4:-}" ]]; then cxx=(-DCMAKE_CXX_COMPILER="$4"); fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
unset OPTBENCH_PLUGIN_PATH

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

rm -rf "$work/prefix" "$work/results"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
optbench="$work/prefix/bin/optbench"

# The folder as it is now (cp -p keeps the files' times, so the build stays
# incremental), and the one new file.
project="$work/project"
rm -rf "$project/nn"
mkdir -p "$project"
cp -rp "$src/plugins/models/nn" "$project/nn"
cat >"$project/nn/rectifier.cpp" <<'EOF'
// The word `rectifier`: a ReLU, registered by this file alone.
#include "layer_registry.hpp"
#include "layers.hpp"

namespace nn {
namespace {

const LayerRegistrar rectifier_word({
    .word = "rectifier",
    .shape = [](const LayerSite& site) { return site.in; },
    .make =
        [](const LayerSite& site) {
          return make_activation(site.in, dnnl::algorithm::eltwise_relu);
        },
});

}  // namespace
}  // namespace nn
EOF

# What the tree's top level gives the folder: the SDK (here the installed
# one), the oneDNN finder, yaml-cpp, plugins/common and the warning flags.
cat >"$project/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(one_layer_file LANGUAGES CXX)
find_package(optbench REQUIRED)
list(APPEND CMAKE_MODULE_PATH "$src/cmake")
find_package(yaml-cpp REQUIRED)
add_compile_options(-Wall -Wextra -Wshadow -Wno-missing-field-initializers -Werror)
add_library(optbench_plugin_common INTERFACE)
target_include_directories(optbench_plugin_common INTERFACE "$src/plugins/common")
add_subdirectory(nn)
EOF

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$project" -B "$project/build" -DCMAKE_PREFIX_PATH="$work/prefix" "${cxx[@]}" "${launcher[@]}" \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; fail "configuring the copy"; }
cmake --build "$project/build" --target model_sequential -j"${OPTBENCH_JOBS:-2}" \
  >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; fail "building the copy"; }
plugins="$project/build/optbench-plugins"
test -f "$plugins/model_sequential.so" || fail "model_sequential.so was not built"

described=$("$optbench" plugins --plugin-dir "$plugins" --describe sequential)
grep -q "lstm HIDDEN \[LAYERS\], rectifier" <<<"$described" \
  || fail "the description does not list rectifier after the built-in words:
$described"

cat >"$work/experiment.yaml" <<'EOF'
name: NAME
dataset: {name: synthetic_linear, samples: 256, weights: [0.5, -0.3, 0.8], noise: 0.01}
model: {name: sequential, layers: "linear 16, WORD, linear"}
optimizers: [{name: sgd, lr: 0.05}]
train: {epochs: 3, batch_size: 32}
seeds: [3]
EOF
mkdir -p "$work/results"
history() {
  sed "s/NAME/with-$1/; s/WORD/$1/" "$work/experiment.yaml" >"$work/with-$1.yaml"
  "$optbench" run "$work/with-$1.yaml" --plugin-dir "$plugins" --db "$work/results/runs.db" \
    --no-plots --quiet >"$work/run-$1.log" 2>&1 || { cat "$work/run-$1.log" >&2; fail "run with $1"; }
  "$optbench" query --db "$work/results/runs.db" --sql "SELECT step, value FROM metric_points
    WHERE experiment = 'with-$1' AND metric = 'loss' ORDER BY step"
}
relu=$(history relu)
rectifier=$(history rectifier)
[[ $(wc -l <<<"$relu") -gt 10 ]] || fail "too few loss points with relu:
$relu"
[[ "$relu" == "$rectifier" ]] || fail "rectifier did not train as relu does:
relu:
$relu
rectifier:
$rectifier"

# An unknown word's refusal lists the new one with the others.
refuse() {
  local status=0 out
  sed "s/NAME/$1/; s/WORD/$2/" "$work/experiment.yaml" >"$work/$1.yaml"
  out=$("$optbench" run "$work/$1.yaml" "${@:3}" --db "$work/results/runs.db" --no-plots 2>&1) \
    || status=$?
  [[ $status == 2 ]] || fail "$1: expected exit code 2, got $status:
$out"
  echo "$out"
}
refusal=$(refuse unknown softmax --plugin-dir "$plugins")
grep -q "layers\[1\] 'softmax': unknown layer; expected one of linear, conv, .*, lstm, rectifier" \
  <<<"$refusal" || fail "unexpected refusal: $refusal"

# Without the file (the installed plugins alone) the word is unknown, and
# the refusal lists the words the registry holds.
refusal=$(refuse without rectifier)
grep -q "layers\[1\] 'rectifier': unknown layer; expected one of linear, conv, .*, lstm\$" \
  <<<"$refusal" || fail "unexpected refusal: $refusal"
echo "one layer file: rectifier built, listed and trained as relu ($(wc -l <<<"$relu") points)"
