#!/usr/bin/env bash
# Builds the libFuzzer targets (the `sanitize` preset: clang, ASan + UBSan, in
# build/sanitize, the build CI also runs the suite in) and runs each for a
# bounded time, one after the other. Fails if any target finds a crash, a
# sanitizer report, a leak or a hang; the input that did it is kept in
# build/sanitize/fuzz-artifacts/. The corpus grows across calls in
# build/sanitize/fuzz-corpus/.
# Usage: scripts/fuzz.sh [seconds per target, default 60]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build="$here/build/sanitize"

"$here/scripts/sanitize_build.sh" fuzz_experiment_loader fuzz_idx_reader

# run TARGET MAX_LEN SEED_DIR...: MAX_LEN is the longest input tried, in bytes;
# 16 kB leaves room for nesting far past the loader's 64-level limit.
run() {
  local target=$1 max_len=$2
  shift 2
  local corpus="$build/fuzz-corpus/$target" artifacts="$build/fuzz-artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: $target for ${seconds}s"
  # -timeout: one input slower than 10 s counts as a hang (a failure).
  nice -n 19 "$build/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts" \
    "$corpus" "$@" 2>"$build/$target.log" || {
    tail -n 60 "$build/$target.log"
    echo "fuzz: $target FAILED; inputs in $artifacts" >&2
    return 1
  }
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|cov:" "$build/$target.log" | tail -n 3 || true
}

run fuzz_experiment_loader 16384 "$here/experiments" "$here/tests/corpus/bad_yaml"
run fuzz_idx_reader 4096 "$here/fuzz/seeds/idx"
echo "fuzz: no crashes"
