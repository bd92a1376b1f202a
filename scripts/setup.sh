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

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$here/build/release"}
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOPTBENCH_WERROR=ON
cmake --build "$build" -j2
