#!/usr/bin/env bash
# Installs what optbench needs from Debian's packages (only what is missing),
# then configures and builds it. Idempotent; run as root on a fresh Debian 12,
# or as a user with sudo. Usage: scripts/setup.sh [build-dir]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/packages.sh"
start=$SECONDS
"$here/scripts/install_packages.sh" "${optbench_packages[@]}"
echo "setup: packages took $((SECONDS - start)) s"

build=${1:-"$here/build/release"}
start=$SECONDS
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOPTBENCH_WERROR=ON
cmake --build "$build" -j2
echo "setup: configure and build took $((SECONDS - start)) s"
