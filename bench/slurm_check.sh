#!/usr/bin/env bash
# optbench under a real Slurm: checks, on whatever cluster `sinfo` answers
# for, the three ways the README's "On a cluster" section runs a sweep.
#   1. srun --mpi=pmix with 3 ranks gives the same runs, bit for bit, as one
#      process, and spreads them over the ranks;
#   2. scancel of that job mid-sweep stores the runs in flight as
#      `interrupted` (srun exits 143); the same command again resumes: every
#      run done exactly once, integrity check ok;
#   3. a job array of 3 shards (--shard K/3), merged, equals one process.
# Prints PASS/FAIL per check and exits 1 if any failed. About 3 minutes on
# one 2-core node. The work folder (default: a new folder under $HOME, which
# clusters share between nodes) holds the experiment and the shard files;
# the MPI database stays on rank 0's local disk ($TMPDIR), as the README
# says it must.
#
#   bash bench/slurm_check.sh [BUILD_DIR]      # default: build/release
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build/release}"
optbench="$build/optbench"
if ! command -v sinfo >/dev/null || ! sinfo -h >/dev/null 2>&1; then
  echo "slurm_check: no Slurm cluster answers (sinfo); run this where sbatch works" >&2
  exit 2
fi
[[ -x "$optbench" ]] || { echo "slurm_check: no $optbench (build first)" >&2; exit 2; }
work="${SLURM_CHECK_DIR:-$(mktemp -d "$HOME/optbench-slurm-check.XXXXXX")}"
local_tmp="$(mktemp -d "${TMPDIR:-/tmp}/optbench-slurm-check.XXXXXX")"
# The work folder is kept when it was given, or when a check failed.
cleanup() {
  rm -rf "$local_tmp"
  if [[ -z "${SLURM_CHECK_DIR:-}" && "${failed:-1}" == 0 ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT
cd "$work"
failed=0
verdict() {  # name, condition result (0 = pass), detail
  if [[ "$2" == 0 ]]; then echo "PASS $1: $3"; else echo "FAIL $1: $3"; failed=1; fi
}
# One line per recorded loss, numbers to the last bit.
losses() {
  sqlite3 "$1" "SELECT r.optimizer || ' ' || printf('%!.17g', r.lr) || ' ' || r.seed || ' ' ||
                       m.step || ' ' || printf('%!.17g', m.value)
                FROM metrics m JOIN runs r ON r.id = m.run_id WHERE m.name = 'loss' ORDER BY 1"
}

cat > sweep.yaml <<'YAML'
name: slurm-check
model: {name: rosenbrock}
optimizers:
  - {name: adam, lr: {logspace: [1.0e-3, 1.0e-1, 10]}}
  - {name: sgd, lr: [0.0001, 0.0002, 0.0005, 0.001, 0.002]}
seeds: [0, 1]
train: {steps: 20000, record_every: 10}
YAML
"$optbench" run sweep.yaml --db ref.db --jobs 1 --threads-per-run 1 --no-plots -q >/dev/null
reference="$(losses ref.db | md5sum)"

# 1. MPI through srun. --overcommit: 3 ranks fit a 2-core node too.
srun --ntasks=3 --overcommit --mpi=pmix "$optbench" run sweep.yaml --db "$local_tmp/mpi.db" \
  --threads-per-run 1 --no-plots -q > srun.log 2>&1 || true
same=$([[ "$(losses "$local_tmp/mpi.db" | md5sum)" == "$reference" ]] && echo 0 || echo 1)
ranks=$(sqlite3 "$local_tmp/mpi.db" "SELECT count(DISTINCT trained_rank) FROM runs")
runs=$(sqlite3 "$local_tmp/mpi.db" "SELECT count(*) FROM runs WHERE status = 'done'")
verdict "srun --mpi=pmix, 3 ranks" "$([[ $same == 0 && $runs == 30 && $ranks -ge 2 ]] && echo 0 || echo 1)" \
  "$runs of 30 runs done on $ranks ranks; losses $([[ $same == 0 ]] && echo identical || echo DIFFERENT) to one process ($(losses ref.db | wc -l) points)"

# 2. scancel mid-sweep, then resume.
sed 's/^name: slurm-check$/name: slurm-check-long/; s/steps: 20000, record_every: 10/steps: 60000000, record_every: 100000/' \
  sweep.yaml > long.yaml
long_db="$local_tmp/long.db"
srun --job-name=optbench-slurm-check --ntasks=3 --overcommit --mpi=pmix "$optbench" run long.yaml \
  --db "$long_db" --threads-per-run 1 --no-plots -q > srun.log 2>&1 &
srun_pid=$!
for _ in $(seq 600); do
  done_runs=$(sqlite3 "$long_db" "SELECT count(*) FROM runs WHERE status = 'done'" 2>/dev/null || echo 0)
  ((done_runs >= 1)) && break
  sleep 0.2
done
scancel --name=optbench-slurm-check
status=0
wait "$srun_pid" || status=$?
interrupted=$(sqlite3 "$long_db" "SELECT count(*) FROM runs WHERE status = 'interrupted'")
running=$(sqlite3 "$long_db" "SELECT count(*) FROM runs WHERE status = 'running'")
verdict "scancel mid-sweep" "$([[ $status == 143 && $interrupted -ge 1 && $running == 0 ]] && echo 0 || echo 1)" \
  "srun exit $status (143 expected), $interrupted runs interrupted, $running left running"
srun --ntasks=3 --overcommit --mpi=pmix "$optbench" run long.yaml --db "$long_db" \
  --threads-per-run 1 --no-plots -q >> srun.log 2>&1 || true
counts=$(sqlite3 "$long_db" "SELECT count(*) || ' ' || count(DISTINCT config_hash) || ' ' ||
                                    sum(status = 'done') FROM runs")
integrity=$(sqlite3 "$long_db" "PRAGMA integrity_check")
verdict "resume after scancel" "$([[ "$counts" == "30 30 30" && $integrity == ok ]] && echo 0 || echo 1)" \
  "runs, distinct runs, done: $counts (30 30 30 expected); integrity_check $integrity"

# 3. A job array of shards, merged.
rm -f shard-*.db all.db
sbatch --wait --quiet --array=1-3 --ntasks=1 --output=/dev/null --wrap \
  "\"$optbench\" run sweep.yaml --shard \$SLURM_ARRAY_TASK_ID/3 --db shard-\$SLURM_ARRAY_TASK_ID.db --threads-per-run 1 --no-plots -q"
"$optbench" merge shard-1.db shard-2.db shard-3.db -o all.db >/dev/null
same=$([[ "$(losses all.db | md5sum)" == "$reference" ]] && echo 0 || echo 1)
verdict "job array of 3 shards, merged" "$same" \
  "$(sqlite3 all.db "SELECT count(*) FROM runs") runs; losses $([[ $same == 0 ]] && echo identical || echo DIFFERENT) to one process"

echo "slurm_check: partition $(sinfo -h -o '%P, %D node(s), %c CPUs' | head -1), Slurm $(sinfo -V | cut -d' ' -f2)"
exit "$failed"
