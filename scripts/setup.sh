#!/usr/bin/env bash
# Installs what optbench needs from Debian's packages (only what is missing),
# then configures and builds it. Idempotent; run as root on a fresh Debian 12,
# or as a user with sudo. Usage: scripts/setup.sh [build-dir]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/packages.sh"
"$here/scripts/install_packages.sh" "${optbench_packages[@]}"

build=${1:-"$here/build/release"}
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOPTBENCH_WERROR=ON
cmake --build "$build" -j2
