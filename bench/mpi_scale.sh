#!/usr/bin/env bash
# How far a sweep scales over MPI ranks on this machine, and how many ranks
# rank 0 can feed before it is the bottleneck:
#   1. sweep throughput with 1 and 2 ranks (the same 2-D sweep, one thread
#      per run, worker processes), and their ratio;
#   2. rank 0's ingest rate in points/s: receive + decode + write of
#      synthetic histories sent by 2 ranks as fast as they can
#      (optbench_mpi_ingest), as the store's chunk text the ranks send
#      (ingest_points_per_s) and, for comparison in the same job, as binary
#      points that rank 0 formats itself (ingest_points_per_s_binary_points,
#      the earlier way); and what each run costs rank 0 besides (claim +
#      finish);
#   3. the points/s one rank produces for a 2-D sweep and an MLP sweep
#      (record_every 1 and 10), and from 2 and 3 the largest number of ranks
#      rank 0 keeps up with: run time / (claim + finish + points / ingest rate).
# Prints KEY=VALUE lines and a table. About 2 minutes on a 2-core machine.
#   bash bench/mpi_scale.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/release"
cd "$root"
[[ -n "${MPI_SCALE_NO_BUILD:-}" ]] || cmake --build "$build" --target optbench optbench_mpi_ingest -j2 >&2
B="$build/optbench"
work="$(mktemp -d "${TMPDIR:-/tmp}/optbench-mpi-scale.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none
        --mca btl self,vader,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)

echo "machine=$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
echo "load_before=$(cut -d' ' -f1 /proc/loadavg)"

# 1. Throughput: 16 runs of about 0.4 s each.
cat > "$work/sweep.yaml" <<'YAML'
name: scale
model: {name: quadratic}
optimizers:
  - {name: sgd, lr: [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02]}
seeds: [0, 1]
train: {steps: 1500000, record_every: 1000}
YAML
now() { date +%s.%N; }
t0=$(now)
"${mpirun[@]}" -np 1 "$B" run "$work/sweep.yaml" --db "$work/one.db" --jobs 1 --isolate \
  --threads-per-run 1 --no-plots --quiet >/dev/null
t1=$(now)
"${mpirun[@]}" -np 2 "$B" run "$work/sweep.yaml" --db "$work/two.db" \
  --threads-per-run 1 --no-plots --quiet >/dev/null
t2=$(now)
calc() { awk "BEGIN { print $1 }"; }
one=$(calc "$t1 - $t0")
two=$(calc "$t2 - $t1")
printf 'sweep_seconds_1_rank=%.2f\nsweep_seconds_2_ranks=%.2f\n' "$one" "$two"
printf 'speedup_2_ranks=%.2f\n' "$(calc "$one / $two")"

# 2. Rank 0's ingest: 2 senders x 150 batches of 16384 points.
"${mpirun[@]}" -np 3 "$build/optbench_mpi_ingest" "$work" 150 | tee "$work/ingest.txt"
ingest=$(sed -n 's/^ingest_points_per_s=//p' "$work/ingest.txt")
per_run_ms=$(sed -n 's/^claim_and_finish_ms=//p' "$work/ingest.txt")

# 3. What one rank produces, from single runs' own points and times.
produce() {  # name yaml -> "points seconds" of its one run
  "$B" run "$2" --db "$work/$1.db" --in-process --jobs 1 --threads-per-run 1 --no-plots \
    --quiet >/dev/null
  sqlite3 "$work/$1.db" "SELECT (SELECT count(*) FROM metrics) + (SELECT count(*) FROM trajectories), wall_seconds FROM runs"
}
for every in 1 10; do
  cat > "$work/f2d-$every.yaml" <<YAML
name: f2d-$every
model: {name: rosenbrock}
optimizers: [{name: adam, lr: 0.001}]
train: {steps: 200000, record_every: $every}
YAML
  cat > "$work/mlp-$every.yaml" <<YAML
name: mlp-$every
dataset: {name: idx, label: fashion-mnist, dir: /usr/share/datasets/fashion-mnist, normalize: symmetric}
model: {name: mlp, hidden: [200], activation: relu}
optimizers: [{name: adadelta, rho: 0.9}]
train: {epochs: 1, batch_size: 64, record_every: $every}
YAML
done
printf '\n%-28s %12s %12s %14s %10s\n' sweep points/run run_seconds points/s/rank max_ranks
for case in f2d-1 f2d-10 mlp-1 mlp-10; do
  read -r points seconds < <(produce "$case" "$work/$case.yaml" | tr '|' ' ')
  rate=$(calc "$points / $seconds")
  # Rank 0's time per run: its claim and finish, and writing the points.
  cost=$(calc "$per_run_ms / 1000 + $points / $ingest")
  ranks=$(calc "int($seconds / $cost)")
  printf '%-28s %12d %12.3f %14.0f %10d\n' "$case" "$points" "$seconds" "$rate" "$ranks"
  echo "max_ranks_$case=$ranks" >>"$work/limits.txt"
done
cat "$work/limits.txt"
echo "load_after=$(cut -d' ' -f1 /proc/loadavg)"
