#!/usr/bin/env bash
# What a sweep of many short runs costs beyond its training: 2,000 2-D runs
# of 200 steps (5 functions x 5 optimizers x 8 learning rates x 10 seeds),
# whose training alone takes about 0.1 ms a run. Times `optbench run` on
# worker processes (the default with --jobs 2), with one worker process per
# run (--runs-per-worker 1, how every run was trained before workers took
# runs one after another) and on threads (--in-process), each into a fresh
# database, and prints wall, user and system seconds and milliseconds per
# run. Given another build's optbench, times it too, in the same session,
# alternating with this tree's, and prints the ratios.
#
#   bash bench/short_runs.sh                      # this tree's build only
#   bash bench/short_runs.sh OTHER/build/release/optbench   # side by side
#   SHORT_RUNS_ROUNDS=3 bash bench/short_runs.sh OTHER/...   # median of 3
#   SHORT_RUNS_SEEDS=1 bash bench/short_runs.sh   # 200 runs, a quick look
#
# Besides the table, each measurement is one JSON line on the descriptor
# in SHORT_RUNS_JSON (a file name), for scripts that gather figures.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/release"
ours="$build/optbench"
baseline="${1:-}"
rounds="${SHORT_RUNS_ROUNDS:-1}"
seeds="${SHORT_RUNS_SEEDS:-10}"
jobs="${SHORT_RUNS_JOBS:-2}"
json="${SHORT_RUNS_JSON:-/dev/null}"

if [[ ! -x "$ours" ]]; then
  echo "short_runs: no $ours; build first: cmake --build build/release -j2" >&2
  exit 2
fi
if [[ -n "$baseline" && ! -x "$baseline" ]]; then
  echo "short_runs: $baseline is not an optbench executable" >&2
  exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "short_runs: needs GNU time (/usr/bin/time): apt-get install time" >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/optbench-short-runs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

seed_list="$(seq -s ', ' 0 $((seeds - 1)))"
cat > "$work/short.yaml" <<EOF
name: short-runs
title: "Short 2-D runs: 5 functions x 5 optimizers x 8 lr x $seeds seeds"
models:
  - {name: quadratic, start: [3.0, 4.0], start_jitter: 0.2}
  - {name: ellipse, start: [-7.0, 2.0], start_jitter: 0.2}
  - {name: rosenbrock, start: [-1.2, 1.0], start_jitter: 0.2}
  - {name: beale, start: [1.0, 1.5], start_jitter: 0.2}
  - {name: rastrigin, start: [2.5, -1.5], start_jitter: 0.2}
optimizers:
  - {name: sgd, lr: {logspace: [1.0e-4, 1.0, 8]}}
  - {name: momentum, lr: {logspace: [1.0e-4, 1.0, 8]}, momentum: 0.9}
  - {name: rmsprop, lr: {logspace: [1.0e-4, 1.0, 8]}}
  - {name: adam, lr: {logspace: [1.0e-4, 1.0, 8]}}
  - {name: adagrad, lr: {logspace: [1.0e-4, 1.0, 8]}}
train:
  steps: 200
seeds: [$seed_list]
plots: []
EOF
runs=$((200 * seeds))

{
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "sweep: $runs runs of 200 steps, --jobs $jobs, $rounds round(s)"
  echo "this tree: $ours ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))"
  [[ -n "$baseline" ]] && echo "baseline:  $baseline ($(git -C "$(dirname "$baseline")" rev-parse --short HEAD 2>/dev/null || echo unknown))"
} >&2

# time_one NAME BINARY ARGS...: one sweep into a fresh database; appends
# "NAME wall user sys" to $work/times.
time_one() {
  local name="$1" binary="$2"
  shift 2
  rm -f "$work"/r.db*
  if ! /usr/bin/time -f "%e %U %S" -o "$work/time.txt" \
    "$binary" run "$work/short.yaml" --db "$work/r.db" --no-plots --quiet --jobs "$jobs" "$@" \
    > "$work/out.txt" 2>&1; then
    echo "short_runs: $name failed:" >&2
    cat "$work/out.txt" >&2
    exit 1
  fi
  local done
  done="$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT count(*) FROM runs WHERE status IN (?, ?)", ("done", "diverged")).fetchone()[0])' \
    "$work/r.db" 2>/dev/null || echo "?")"
  if [[ "$done" != "$runs" ]]; then
    echo "short_runs: $name finished $done of $runs runs:" >&2
    cat "$work/out.txt" >&2
    exit 1
  fi
  read -r wall user sys < "$work/time.txt"
  echo "$name $wall $user $sys" >> "$work/times"
  printf '{"kind": "short_runs", "name": "%s", "runs": %d, "jobs": %d, "wall": %s, "user": %s, "sys": %s}\n' \
    "$name" "$runs" "$jobs" "$wall" "$user" "$sys" >> "$json"
  printf '  %-28s wall %7.2f s  user %7.2f s  sys %7.2f s\n' "$name" "$wall" "$user" "$sys" >&2
}

for ((r = 1; r <= rounds; r++)); do
  echo "== round $r" >&2
  # The baseline's worker processes first, then this tree's, so that a
  # change in the machine's load tilts each round's pair as little as it can.
  [[ -n "$baseline" ]] && time_one "baseline, workers" "$baseline" --isolate
  time_one "workers" "$ours" --isolate
  time_one "a worker per run" "$ours" --isolate --runs-per-worker 1
  [[ -n "$baseline" ]] && time_one "baseline, threads" "$baseline" --in-process
  time_one "threads" "$ours" --in-process
done

# The median of the rounds per name, then the table.
python3 - "$work/times" "$runs" "$([[ -n "$baseline" ]] && echo 1 || echo 0)" <<'EOF'
import statistics, sys
path, runs, have_baseline = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
by_name = {}
for line in open(path):
    *name, wall, user, sys_ = line.split()
    by_name.setdefault(" ".join(name), []).append((float(wall), float(user), float(sys_)))
med = {n: tuple(statistics.median(v[i] for v in vals) for i in range(3)) for n, vals in by_name.items()}
print(f"{'':28} {'wall s':>8} {'user s':>8} {'sys s':>8} {'ms/run':>8}")
for name, (wall, user, sys_) in med.items():
    print(f"{name:28} {wall:8.2f} {user:8.2f} {sys_:8.2f} {1000 * wall / runs:8.2f}")
if have_baseline:
    for mode in ("workers", "threads"):
        b, o = med[f"baseline, {mode}"], med[mode]
        print(f"{mode}: {b[0] / o[0]:.1f}x less wall time than the baseline, "
              f"{b[2] / max(o[2], 0.005):.1f}x less system time")
EOF
