#!/usr/bin/env bash
# Fetches scikit-learn's 8x8 handwritten digits (1797 images, 10 classes,
# pixels 0..16; the test half of UCI's "Optical Recognition of Handwritten
# Digits") from Debian's python3-sklearn package, which ships them as
# sklearn/datasets/data/digits.csv.gz. The .deb is downloaded and unpacked
# in a temporary folder, not installed.
#
# Usage: scripts/fetch_digits.sh [OUT_DIR]   (default: data/digits)
# Writes OUT_DIR in the IDX format the `idx` dataset reads
# (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-...), 8x8 images
# with pixels scaled to 0..255 (round(v * 255 / 16)). The split is fixed:
# every fifth row (row % 5 == 4) is a test sample, 359 in all; the other
# 1438 train. Idempotent: nothing is fetched when the files exist.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$here/data/digits"}
source "$here/scripts/sklearn_data.sh"
sklearn_fetch fetch_digits "$out/t10k-labels-idx1-ubyte" "$out"
csv="$sklearn_data_dir/digits.csv.gz"
mkdir -p "$out"
python3 - "$csv" "$out" <<'PY'
import gzip, struct, sys

csv, out = sys.argv[1], sys.argv[2]
rows = [list(map(int, line.split(","))) for line in gzip.open(csv, "rt") if line.strip()]
assert len(rows) == 1797 and all(len(r) == 65 for r in rows), "unexpected digits.csv layout"
split = {"train": [r for i, r in enumerate(rows) if i % 5 != 4],
         "t10k": [r for i, r in enumerate(rows) if i % 5 == 4]}
for name, part in split.items():
    with open(f"{out}/{name}-images-idx3-ubyte.tmp", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, len(part), 8, 8))
        f.write(bytes(round(v * 255 / 16) for r in part for v in r[:64]))
    with open(f"{out}/{name}-labels-idx1-ubyte.tmp", "wb") as f:
        f.write(struct.pack(">II", 0x801, len(part)))
        f.write(bytes(r[64] for r in part))
    print(f"fetch_digits: {name}: {len(part)} images")
PY
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  mv "$out/$f.tmp" "$out/$f"
done
echo "fetch_digits: wrote $out"
