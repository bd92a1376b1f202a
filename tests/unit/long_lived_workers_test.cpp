// Worker processes that train many runs each: the same bits as threads and
// as one process per run, a handful of processes for a sweep of many runs,
// and a crash that costs only its own run while the runs around it (some
// trained but not yet committed in the crashed worker's batch) are trained
// again elsewhere.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "process_support.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

using store::RunStatus;

// 48 runs of 150 steps: far shorter than starting a process.
const char* kGrid = R"(name: grid
models:
  - {name: quadratic, start: [3.0, 4.0], start_jitter: 0.2}
  - {name: rosenbrock, start: [-1.2, 1.0], start_jitter: 0.2}
  - {name: beale, start: [1.0, 1.5], start_jitter: 0.2}
optimizers:
  - {name: adam, lr: {logspace: [1.0e-3, 1.0, 4]}}
  - {name: momentum, lr: {logspace: [1.0e-3, 1.0, 4]}, momentum: 0.9}
train: {steps: 150}
seeds: [0, 1]
)";

// Everything a run stored, by config hash.
struct Stored {
  RunStatus status;
  std::string error;
  double final_loss;
  std::int64_t steps;
  std::vector<store::MetricPoint> loss;
  std::vector<store::TrajectoryPoint> path;
};

std::map<std::string, Stored> read_all(const std::filesystem::path& file,
                                       const std::string& experiment) {
  const auto db = store::SqliteStore::open(file, store::SqliteStore::Mode::ReadOnly);
  std::map<std::string, Stored> out;
  for (const auto& run : db.runs(experiment)) {
    out[run.config_hash] = {
        run.status,           run.error, run.final_loss, run.steps, db.metrics(run.id, "loss"),
        db.trajectory(run.id)};
  }
  return out;
}

void expect_same_bits(const std::map<std::string, Stored>& a,
                      const std::map<std::string, Stored>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (const auto& [hash, x] : a) {
    SCOPED_TRACE(what + ", run " + hash);
    ASSERT_TRUE(b.contains(hash));
    const auto& y = b.at(hash);
    EXPECT_EQ(x.status, y.status);
    EXPECT_EQ(x.steps, y.steps);
    // Bit for bit: NaN compares by its bits too.
    EXPECT_EQ(std::memcmp(&x.final_loss, &y.final_loss, sizeof(double)), 0)
        << x.final_loss << " vs " << y.final_loss;
    ASSERT_EQ(x.loss.size(), y.loss.size());
    for (std::size_t i = 0; i < x.loss.size(); ++i) {
      EXPECT_EQ(x.loss[i].step, y.loss[i].step);
      EXPECT_EQ(std::memcmp(&x.loss[i].value, &y.loss[i].value, sizeof(double)), 0) << i;
    }
    ASSERT_EQ(x.path.size(), y.path.size());
    for (std::size_t i = 0; i < x.path.size(); ++i) {
      EXPECT_EQ(x.path[i].x0, y.path[i].x0) << i;
      EXPECT_EQ(x.path[i].x1, y.path[i].x1) << i;
    }
  }
}

/// Runs `optbench ARGS` and records the pid of every worker process seen
/// while it runs, sampling every millisecond.
struct Watched {
  int status = 0;
  std::string out;
  std::set<pid_t> workers;
};

Watched run_watched(const std::vector<std::string>& args, const std::filesystem::path& output) {
  Watched w;
  const pid_t pid = testing::spawn_optbench(args, output);
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    const std::string children =
        "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children";
    while (!done) {
      std::ifstream in(children);
      for (pid_t child; in >> child;) {
        // Workers only: the host also starts plugin probes for libraries
        // its probe cache does not know yet.
        std::ifstream cmdline("/proc/" + std::to_string(child) + "/cmdline");
        std::string program, command;
        std::getline(cmdline, program, '\0');
        std::getline(cmdline, command, '\0');
        if (command == "worker") w.workers.insert(child);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  w.status = testing::wait_for(pid);
  done = true;
  sampler.join();
  w.out = testing::read_file(output);
  return w;
}

std::vector<std::string> run_args(const testing::TempDir& dir, const std::string& yaml,
                                  const std::string& db, std::vector<std::string> extra) {
  std::vector<std::string> args = {
      "run", (dir / yaml).string(), "--db", (dir / db).string(), "--no-plots", "--jobs", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(LongLivedWorkers, ASweepOfManyRunsIsTrainedByAFewProcessesWithTheSameBits) {
  testing::TempDir dir;
  testing::write_file(dir / "grid.yaml", kGrid);
  const auto workers =
      run_watched(run_args(dir, "grid.yaml", "workers.db", {"--isolate"}), dir / "workers.txt");
  const auto per_run =
      run_watched(run_args(dir, "grid.yaml", "per_run.db", {"--isolate", "--runs-per-worker", "1"}),
                  dir / "per_run.txt");
  const auto threads = testing::run_optbench("run '" + (dir / "grid.yaml").string() + "' --db '" +
                                             (dir / "threads.db").string() +
                                             "' --no-plots --quiet --jobs 2 --in-process");
  ASSERT_TRUE(WIFEXITED(workers.status) && WEXITSTATUS(workers.status) == 0) << workers.out;
  ASSERT_TRUE(WIFEXITED(per_run.status) && WEXITSTATUS(per_run.status) == 0) << per_run.out;
  ASSERT_EQ(threads.exit_code, 0) << threads.out;
  EXPECT_NE(workers.out.find("48 runs on 2 jobs (worker processes)"), std::string::npos)
      << workers.out;

  // Two jobs, two processes for all 48 runs; one process per run shows the
  // sampler does see short-lived workers.
  EXPECT_GE(workers.workers.size(), 1u);
  EXPECT_LE(workers.workers.size(), 2u) << workers.out;
  EXPECT_GE(per_run.workers.size(), 10u) << "one process per run, 48 in all";

  const auto a = read_all(dir / "workers.db", "grid");
  ASSERT_EQ(a.size(), 48u);
  for (const auto& [hash, run] : a) {
    EXPECT_NE(run.status, RunStatus::Failed) << run.error;
    EXPECT_NE(run.status, RunStatus::Running) << hash;
  }
  expect_same_bits(a, read_all(dir / "threads.db", "grid"), "workers vs threads");
  expect_same_bits(a, read_all(dir / "per_run.db", "grid"), "workers vs a process per run");
}

// Ten runs, a run that segfaults at step 3 (if `crash`), ten more: on one
// job, the crashing worker holds trained runs whose writes it has not
// committed yet.
std::string crash_sweep(bool crash) {
  return std::string(R"(name: crash
model: {name: quadratic}
optimizers:
  - {name: faulty, label: before, fault: none, lr: {linspace: [0.01, 0.1, 10]}}
)") + (crash ? "  - {name: faulty, label: crash, fault: segv, at_step: 3}\n" : "") +
         R"(  - {name: faulty, label: after, fault: none, lr: {linspace: [0.2, 0.3, 10]}}
train: {steps: 200}
)";
}

TEST(LongLivedWorkers, ACrashFailsOnlyItsRunAndTheWorkerIsReplaced) {
  testing::TempDir dir;
  testing::write_file(dir / "crash.yaml", crash_sweep(true));
  const std::string plugins = OPTBENCH_TEST_FIXTURE_PLUGIN_DIR;
  std::vector<std::string> common = {"--plugin-dir", plugins};
  auto args = run_args(dir, "crash.yaml", "workers.db", common);
  args[6] = "1";  // --jobs 1
  args.emplace_back("--isolate");
  const auto workers = run_watched(args, dir / "workers.txt");
  EXPECT_TRUE(WIFEXITED(workers.status) && WEXITSTATUS(workers.status) == 1) << workers.out;
  EXPECT_NE(workers.out.find("20 done, 0 diverged, 1 failed"), std::string::npos) << workers.out;
  EXPECT_LE(workers.workers.size(), 2u) << "one worker, and one to replace it";

  const auto stored = read_all(dir / "workers.db", "crash");
  ASSERT_EQ(stored.size(), 21u);
  std::size_t failed = 0;
  for (const auto& [hash, run] : stored) {
    if (run.status == RunStatus::Failed) {
      ++failed;
      EXPECT_NE(run.error.find("the worker process was killed by SIGSEGV"), std::string::npos)
          << run.error;
      continue;
    }
    EXPECT_EQ(run.status, RunStatus::Done) << run.error;
    EXPECT_EQ(run.loss.size(), 201u) << "history lost or duplicated";
    EXPECT_EQ(run.path.size(), 201u);
  }
  EXPECT_EQ(failed, 1u);

  // The runs around the crash are the runs threads train (the crashing one
  // left out: on a thread it would take the host down).
  testing::write_file(dir / "calm.yaml", crash_sweep(false));
  const auto threads = testing::run_optbench(
      "run '" + (dir / "calm.yaml").string() + "' --db '" + (dir / "threads.db").string() +
      "' --no-plots --quiet --jobs 1 --in-process --plugin-dir '" + plugins + "'");
  ASSERT_EQ(threads.exit_code, 0) << threads.out;
  auto survivors = stored;
  std::erase_if(survivors, [](const auto& kv) { return kv.second.status == RunStatus::Failed; });
  auto calm = read_all(dir / "threads.db", "crash");
  // Same name, same grid minus the crash: the config hashes match.
  expect_same_bits(survivors, calm, "runs around a crash vs threads");
}

}  // namespace
}  // namespace optbench
