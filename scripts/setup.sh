#!/usr/bin/env bash
# Installs what optbench needs from Debian's packages (only what is missing),
# then configures and builds it. Idempotent; run as root on a fresh Debian 12,
# or as a user with sudo. Usage: scripts/setup.sh [build-dir]
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libboost-dev libboost-program-options-dev libboost-filesystem-dev libboost-iostreams-dev
  libyaml-cpp-dev libsqlite3-dev sqlite3 libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox libgnuplot-iostream-dev libdnnl-dev zlib1g-dev
  dataset-fashion-mnist
  chromium
)

here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install_packages.sh" "${packages[@]}"

build=${1:-"$here/build/release"}
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOPTBENCH_WERROR=ON
cmake --build "$build" -j2
