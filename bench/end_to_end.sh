#!/usr/bin/env bash
# The end-to-end part of bench/run.sh: whole experiments as users run them,
# optbench against PyTorch, and the per-run overhead of short runs. Prints
# one JSON line per figure on stdout (bench/table.py reads them); progress
# goes to stderr. About 6-8 minutes on a quiet 2-core machine.
#
#   bash bench/end_to_end.sh BUILD_DIR WORK_DIR
#
# Every side of the experiments runs on one thread (optbench: --jobs 1
# --threads-per-run 1;
# PyTorch: torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1, no forced
# OpenBLAS core type), so the ratios compare implementations, not how many
# cores each side took. "seconds" is CPU time (user + system, child
# processes included): the machine is shared, and time spent waiting for a
# core is not the program's. Wall times are in each line's detail. Both
# sides' "seconds" are whole commands, as users run them; PyTorch's lines
# also carry the part after its imports.
#
# BENCH_OLD_OPTBENCH names the optbench binary of an older build for the
# 2,000-run sweep comparison (default: /work/wt/a8e5ad0/build/release/optbench
# if it exists); without one that row says n/a.
set -euo pipefail

build="$1"
work="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python=/usr/bin/python3
optbench="$build/optbench"
old="${BENCH_OLD_OPTBENCH:-/work/wt/a8e5ad0/build/release/optbench}"
e2e="$work/e2e"
mkdir -p "$e2e"
# A cache of this run's own: the first run of each experiment decodes the
# data, as a user's first run does.
export OPTBENCH_DATA_CACHE="$e2e/data-cache"

# CPU seconds (user + system of the command and its children) and wall
# seconds of a command, as "cpu wall" on stdout; the command's output goes
# to $e2e/last.log.
timed() {
  local t
  t="$(mktemp "$e2e/time.XXXXXX")"
  /usr/bin/time -f '%U %S %e' -o "$t" "$@" > "$e2e/last.log" 2>&1 || {
    echo "end_to_end: failed: $* (see below)" >&2
    tail -20 "$e2e/last.log" >&2
    rm -f "$t"
    return 1
  }
  awk '{printf "%.3f %.3f\n", $1 + $2, $3}' "$t"
  rm -f "$t"
}

# PyTorch's side is timed twice: the whole command, as a user runs it
# (interpreter start and `import torch` included, as optbench's side counts its
# own start: loading its plugins and generating oneDNN's kernels), and the
# script's part after its imports, as seed_torch.py reports it.
emit_torch() {  # workload, then seed_torch.py's arguments
  local workload="$1" line t
  shift
  echo "== end to end: $workload" >&2
  t="$(mktemp "$e2e/time.XXXXXX")"
  if line="$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
    /usr/bin/time -f '%U %S %e' -o "$t" \
    "$python" "$root/bench/seed_torch.py" --work "$e2e" "$@" 2> "$e2e/torch.log")"; then
    "$python" - "$workload" "$line" "$(tail -1 "$t")" <<'PY'
import json, sys
r = json.loads(sys.argv[2])
user, system, wall = (float(v) for v in sys.argv[3].split())
whole = user + system
print(json.dumps({"workload": sys.argv[1], "seconds": whole, "wall_seconds": wall,
                  "after_imports_seconds": r["seconds"],
                  "after_imports_wall_seconds": r["wall_seconds"],
                  "detail": f"{r['runs']} run(s) x {r['epochs']} epoch(s), whole command CPU "
                            f"{whole:.2f} s (wall {wall:.1f} s), of which after the imports "
                            f"{r['seconds']:.2f} s (wall {r['wall_seconds']:.1f} s), final "
                            f"test accuracy {r['test_accuracy']:.4f}"}))
PY
  else
    echo "end_to_end: $workload failed:" >&2
    tail -5 "$e2e/torch.log" >&2
  fi
  rm -f "$t"
}

emit_optbench() {  # workload, experiment file
  local workload="$1" file="$2" times
  echo "== end to end: $workload" >&2
  rm -f "$e2e/$workload.db"
  if times="$(timed "$optbench" run "$file" --db "$e2e/$workload.db" --no-plots -q --jobs 1 \
    --threads-per-run 1)"; then
    local accuracy
    accuracy="$(sqlite3 "$e2e/$workload.db" \
      "SELECT printf('%.4f', value) FROM metrics WHERE name = 'accuracy' AND split = 'test' ORDER BY run_id DESC, step DESC LIMIT 1" 2>/dev/null || true)"
    read -r cpu wall <<< "$times"
    echo "{\"workload\": \"$workload\", \"seconds\": $cpu, \"wall_seconds\": $wall, \"detail\": \"CPU $cpu s, wall $wall s (optbench run --jobs 1 --threads-per-run 1, data decoded by its first run), final test accuracy ${accuracy:-n/a}\"}"
  fi
}

# 0. The least decoding the data can take: zlib inflating the four
# Fashion-MNIST files once (CPU time, best of 3), as a sweep's first run must
# and as both PyTorch scripts do inside their timed part.
echo "== end to end: decode_limit" >&2
"$python" - "$root/bench" <<'PY'
import json, sys, time, zlib
sys.path.insert(0, sys.argv[1])
import fashion_mnist
blobs = []
for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
    path = fashion_mnist.path(stem)
    if path.endswith(".gz"):
        with open(path, "rb") as f:
            blobs.append(f.read())
best = None
for _ in range(3):
    start = time.process_time()
    size = sum(len(zlib.decompress(b, 31)) for b in blobs)
    seconds = time.process_time() - start
    best = seconds if best is None else min(best, seconds)
print(json.dumps({"workload": "decode_limit", "seconds": best, "bytes": size if blobs else 0,
                  "detail": f"zlib inflating {len(blobs)} files to {size / 1e6:.1f} MB"
                            if blobs else "the files are not compressed"}))
PY

# 1. The seed MLP experiment: two Adadelta runs x 5 epochs, test after each.
emit_optbench mlp_seed_optbench "$root/experiments/fashion_mlp_adadelta.yaml"
emit_torch mlp_seed_preloaded --experiment mlp --data preloaded
emit_torch mlp_seed_as_written --experiment mlp --data as-written

# 2. The CNN for one epoch and its test evaluation.
sed 's/^  epochs: 10$/  epochs: 1/; s/^name: fashion-cnn-adadelta$/name: fashion-cnn-one-epoch/' \
  "$root/experiments/fashion_cnn_adadelta.yaml" > "$e2e/cnn_one_epoch.yaml"
grep -q '^  epochs: 1$' "$e2e/cnn_one_epoch.yaml" ||
  { echo "end_to_end: could not cut the CNN experiment to one epoch" >&2; exit 1; }
emit_optbench cnn_epoch_optbench "$e2e/cnn_one_epoch.yaml"
emit_torch cnn_epoch_preloaded --experiment cnn --data preloaded
emit_torch cnn_epoch_as_written --experiment cnn --data as-written

# 3. Short runs: 64 Fashion-MNIST samples, one epoch, with the default
# --jobs (one per core: worker processes). The first sweep decodes the data;
# the second, of 10 runs, shows what each run costs after that (its wall time
# over 10, sweep start-up included).
echo "== end to end: 64-sample runs" >&2
short() {  # name, seeds
  cat > "$e2e/$1.yaml" <<EOF
name: $1
dataset: {name: idx, dir: /usr/share/datasets/fashion-mnist, limit_train: 64, limit_test: 64}
model: {name: mlp, hidden: [200]}
optimizers:
  - {name: adadelta}
train: {epochs: 1, batch_size: 64}
seeds: $2
EOF
  timed "$optbench" run "$e2e/$1.yaml" --db "$e2e/short.db" --no-plots -q
}
rm -rf "$OPTBENCH_DATA_CACHE" "$e2e/short.db"
if first="$(short short-first '[0]')" && ten="$(short short-ten '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]')"; then
  read -r first_cpu first_wall <<< "$first"
  read -r ten_cpu ten_wall <<< "$ten"
  "$python" - "$first_wall" "$ten_wall" "$ten_cpu" <<'PY'
import json, sys
first, ten, ten_cpu = map(float, sys.argv[1:])
print(json.dumps({"workload": "short_run", "per_run_seconds": ten / 10,
                  "detail": f"first sweep (1 run, decodes the data) {first:.2f} s wall; then 10 runs "
                            f"in {ten:.2f} s wall ({ten_cpu:.2f} s CPU) = {ten / 10:.3f} s per run"}))
PY
fi

# 4. The 2,000-run 2-D sweep (Adam on Rosenbrock, 2,000 learning rates x 200
# steps), with the default --jobs, by this build and by the older one.
echo "== end to end: 2,000 2-D runs x 200 steps" >&2
cat > "$e2e/sweep2d.yaml" <<'EOF'
name: sweep-2d
model: {name: rosenbrock}
optimizers:
  - {name: adam, lr: {logspace: [1.0e-4, 1.0e-1, 2000]}}
train: {steps: 200}
EOF
sweep() {  # binary, database
  rm -f "$2"
  timed "$1" run "$e2e/sweep2d.yaml" --db "$2" --no-plots -q
}
if new="$(sweep "$optbench" "$e2e/sweep-new.db")"; then
  read -r new_cpu new_wall <<< "$new"
  old_cpu="" old_wall=""
  if [[ -x "$old" ]] && o="$(sweep "$old" "$e2e/sweep-old.db")"; then
    read -r old_cpu old_wall <<< "$o"
  fi
  old_rev="$(git -C "$(dirname "$old")" rev-parse --short HEAD 2>/dev/null || echo older build)"
  "$python" - "$new_cpu" "$new_wall" "${old_cpu:-}" "${old_wall:-}" "$old_rev" <<'PY'
import json, sys
new_cpu, new_wall = float(sys.argv[1]), float(sys.argv[2])
old_cpu = float(sys.argv[3]) if sys.argv[3] else None
old_wall = float(sys.argv[4]) if sys.argv[4] else None
detail = f"this build: {new_wall:.1f} s wall, {new_cpu:.1f} s CPU"
if old_wall:
    detail += f"; {sys.argv[5]}: {old_wall:.1f} s wall, {old_cpu:.1f} s CPU (default --jobs, wall clock compared)"
print(json.dumps({"workload": "sweep_2d", "runs": 2000, "steps": 200, "seconds": new_wall,
                  "old_seconds": old_wall, "old": sys.argv[5], "detail": detail}))
PY
fi
