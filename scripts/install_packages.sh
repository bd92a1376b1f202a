#!/usr/bin/env bash
# Installs the given Debian packages that are not installed yet (apt-get,
# idempotent). Runs as root, or through sudo otherwise.
# Usage: scripts/install_packages.sh PACKAGE...
set -euo pipefail

missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "packages: all present ($*)"
  exit 0
fi
echo "packages: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "packages: missing ${missing[*]}; run as root, or install them: apt-get install ${missing[*]}" >&2
    exit 1
  }
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends \
  "${missing[@]}"
