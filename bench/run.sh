#!/usr/bin/env bash
# The one command for optbench's performance figures: builds the benchmark
# (build/release), measures this machine's limits (oneDNN's GEMM and
# convolution rates, triad bandwidth), runs the C++ workloads, the PyTorch
# peers on the same shapes and the end-to-end comparisons, and prints one
# table: every workload beside its limit, its peer and its target. See
# bench/README.md for what each figure means and how long each part takes.
#
#   bash bench/run.sh                  # everything
#   bash bench/run.sh --quick          # without the end-to-end part
#   bash bench/run.sh --end-to-end     # only the end-to-end part
#   BENCH_MIN_TIME=0.2 bash bench/run.sh   # quicker, noisier
#   BENCH_KEEP=/some/dir bash bench/run.sh # keep the raw JSON there
#   BENCH_PAIRS=30 bash bench/run.sh       # more interleaved MLP/CNN pairs (default 15)
set -euo pipefail
started=$(date +%s)
micro=1
end_to_end=1
case "${1:-}" in
  "") ;;
  --quick) end_to_end=0 ;;
  --end-to-end) micro=0 ;;
  *)
    echo "usage: bash bench/run.sh [--quick | --end-to-end]" >&2
    exit 2
    ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="$root/build/release"
min_time="${BENCH_MIN_TIME:-1}"
repetitions="${BENCH_REPETITIONS:-3}"
pairs="${BENCH_PAIRS:-15}"
python="/usr/bin/python3"

# Every figure is a ratio to PyTorch measured in the same run, so without the
# peer there is nothing to report: say what is missing before building.
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "bench: the PyTorch peer needs Debian's python3-torch: apt-get install python3-torch" >&2
  exit 2
fi

# Debian's python3-torch runs on whichever BLAS the libblas.so.3 alternative
# names; without OpenBLAS that is the reference BLAS, about 8x slower, and
# every ratio would flatter optbench.
if ! ls /usr/lib/*/openblas-pthread/libblas.so.3 >/dev/null 2>&1; then
  echo "bench: a fair PyTorch peer needs OpenBLAS: apt-get install libopenblas0-pthread" >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/optbench-bench-run.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "== building optbench_bench in $build" >&2
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >&2
fi
cmake --build "$build" --target optbench_bench optbench -j2 >&2

# What was measured: the machine, how busy it was, and which source (other
# people edit the plugins while this runs; a dirty tree is worth knowing).
{
  echo "model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -1)"
  if grep -qw avx512f /proc/cpuinfo; then echo "avx512=AVX-512"; else echo "avx512=no AVX-512"; fi
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpus=$(nproc)"
  echo "cores_per_socket=$(lscpu | sed -n 's/^Core(s) per socket: *//p' | head -1)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | awk '{print $2}' | paste -sd' ' -)"
} > "$work/machine.txt"

# The peers run without the OpenBLAS settings of this environment: a forced
# core type makes OpenBLAS run another CPU's kernels (Haswell's AVX2 code on
# an AVX-512 machine). Only the peers' processes lose them.
peer() {
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$root/bench/peer_torch.py" "$@"
}

if ((micro)); then
  echo "== C++ benchmarks: limits and workloads (min_time ${min_time}s x ${repetitions} repetitions)" >&2
  "$build/optbench_bench" --benchmark_format=json --benchmark_min_time="$min_time" \
    --benchmark_repetitions="$repetitions" > "$work/cpp.json"

  echo "== PyTorch peer" >&2
  peer --min-time "$min_time" > "$work/peer.jsonl" ||
    echo '{"kind": "skipped", "reason": "peer failed (see its error above)"}' > "$work/peer.jsonl"
  echo "== PyTorch as users run it: this environment, default threads" >&2
  "$python" "$root/bench/user_loop.py" > "$work/user_loop.jsonl" || rm -f "$work/user_loop.jsonl"
  "$python" "$root/bench/peer_torch.py" --min-time "$min_time" --only mlp_step \
    > "$work/peer_env.jsonl" || rm -f "$work/peer_env.jsonl"
  # Interleaved pairs for the two network steps: optbench and PyTorch in
  # alternating short slices from two long-lived processes, so that a change
  # in the machine's load cannot tilt their ratio; the table reports the
  # median of the pairs' ratios and their quartiles.
  if ! grep -q '"skipped"' "$work/peer.jsonl"; then
    echo "== $pairs interleaved pairs of the MLP and CNN steps, optbench and PyTorch" >&2
    "$python" "$root/bench/interleave.py" --bench "$build/optbench_bench" --pairs "$pairs" \
      > "$work/interleaved.jsonl" || rm -f "$work/interleaved.jsonl"
  fi
fi
if ((end_to_end)); then
  bash "$root/bench/end_to_end.sh" "$build" "$work" > "$work/e2e.jsonl"
fi
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$work/machine.txt"

if [[ -n "${BENCH_KEEP:-}" ]]; then
  mkdir -p "$BENCH_KEEP"
  cp "$work"/*.json "$work"/*.jsonl "$work"/machine.txt "$BENCH_KEEP"/ 2>/dev/null || true
fi

# The table: standard-library Python only (any python3 will do here).
python3 "$root/bench/table.py" "$work"
echo "bench: $(( $(date +%s) - started )) s in all" >&2

# ---------------------------------------------------------------------------
# The newer layers and the character LSTM language model against PyTorch:
# a separate binary and table (bench/layers_bench.py, bench/README.md).
echo "== layers and the LSTM language model step (bench/layers_bench.py)" >&2
cmake --build "$build" --target layers_bench -j2 >&2
"$python" "$root/bench/layers_bench.py" --build "$build" --min-time "$min_time"
