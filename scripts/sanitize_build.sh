#!/usr/bin/env bash
# Configures and builds the `sanitize` preset (clang, ASan + UBSan, libFuzzer
# coverage; build/sanitize), installing clang first if it is missing. The
# suite and the fuzzers share this one build.
# Usage: scripts/sanitize_build.sh [TARGET...]   (default: everything)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

# The project's packages, plus those only this build needs: clang, its
# runtime libraries (libFuzzer, sanitizers) and its OpenMP (oneDNN's layers
# run on OpenMP; GCC's libgomp does not serve clang).
source "$here/scripts/packages.sh"
"$here/scripts/install_packages.sh" "${optbench_packages[@]}" clang libclang-rt-14-dev libomp-14-dev

# The preset builds without MPI (OPTBENCH_MPI=OFF): this run then checks the
# build that refuses a parallel launch, and no sanitized rank shares the
# process with Open MPI's uninstrumented runtime, which replaces memory
# hooks of its own. The release build runs the MPI tests.
# Presets are found from the working directory.
cd "$here"
cmake --preset sanitize >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build --preset sanitize "${targets[@]}"
