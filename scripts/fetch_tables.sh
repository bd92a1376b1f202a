#!/usr/bin/env bash
# Fetches a real regression table for the `table` dataset plugin. d2l's
# Adadelta chapter (seed 001) trains on the airfoil self-noise table, which
# only d2l's own servers host; here the nearest real table reachable is the
# diabetes data (442 patients, 10 features, one target) that Debian's
# python3-sklearn package ships. The .deb is downloaded and unpacked in a
# temporary folder, not installed.
#
# Usage: scripts/fetch_tables.sh [OUT_DIR]   (default: data/tables)
# Writes OUT_DIR/diabetes.tsv: a header line, then tab-separated rows of
# age sex bmi bp s1..s6 and the target (disease progression after a year).
# Idempotent: nothing is fetched when the file exists.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$here/data/tables"}
target="$out/diabetes.tsv"
source "$here/scripts/sklearn_data.sh"
sklearn_fetch fetch_tables "$target" "$target"
data="$sklearn_data_dir"
mkdir -p "$out"
{
  printf 'age\tsex\tbmi\tbp\ts1\ts2\ts3\ts4\ts5\ts6\ttarget\n'
  paste <(zcat "$data/diabetes_data_raw.csv.gz" | tr ' ' '\t') \
        <(zcat "$data/diabetes_target.csv.gz" | awk '{ printf "%g\n", $1 }')
} > "$target.tmp"
rows=$(($(wc -l < "$target.tmp") - 1))
[[ $rows -eq 442 ]] || { echo "fetch_tables: expected 442 rows, got $rows" >&2; exit 1; }
mv "$target.tmp" "$target"
echo "fetch_tables: wrote $target ($rows rows)"
