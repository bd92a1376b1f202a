// Runs in worker processes: a plugin that throws, aborts, segfaults, hangs
// or exits mid-step costs only its own run, which is stored as failed with
// the reason; the host and the other runs carry on.
#include <gtest/gtest.h>

#include <thread>

#include "process_support.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

using store::RunStatus;

const char* kFaults = R"(name: faults
model: {name: quadratic}
optimizers:
  - {name: faulty, label: fine, fault: none}
  - {name: faulty, fault: [throw, abort, segv, exit0], at_step: 3}
  - {name: faulty, label: hang, fault: loop, at_step: 3, train: {timeout: 1.5}}
train: {steps: 20}
)";

std::string fixture_args() {
  return std::string(" --plugin-dir '") + OPTBENCH_TEST_FIXTURE_PLUGIN_DIR + "'";
}

TEST(Isolation, EachPluginFaultFailsOnlyItsOwnRunWithTheReason) {
  testing::TempDir dir;
  testing::write_file(dir / "faults.yaml", kFaults);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = testing::run_optbench("run '" + (dir / "faults.yaml").string() + "' --db '" +
                                       (dir / "r.db").string() + "' --jobs 2 --no-plots --quiet" +
                                       fixture_args());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // The host survived every fault and reports the failures with exit code 1.
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("(worker processes)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 done, 0 diverged, 5 failed"), std::string::npos) << r.out;
  EXPECT_LT(seconds, 30.0) << "the hanging run was not stopped by its timeout";

  const auto db = store::SqliteStore::open(dir / "r.db", store::SqliteStore::Mode::ReadOnly);
  std::map<std::string, store::RunRecord> by_label;
  for (auto& run : db.runs("faults"))
    by_label[run.label] = run;
  ASSERT_EQ(by_label.size(), 6u);
  const std::map<std::string, std::string> reasons = {
      {"faulty fault=throw", "faulty optimizer threw at step 3"},
      {"faulty fault=abort", "the worker process was killed by SIGABRT (Aborted)"},
      {"faulty fault=segv", "the worker process was killed by SIGSEGV (Segmentation fault)"},
      {"faulty fault=exit0", "the worker process exited with status 0 before the run finished"},
      {"hang", "timed out after 1.5 s; the worker process was killed"},
  };
  testing::expect_failed_with(by_label, reasons);
  for (const auto& [label, reason] : reasons)
    EXPECT_FALSE(by_label[label].finished.empty()) << label;
  const auto& fine = by_label["fine"];
  EXPECT_EQ(fine.status, RunStatus::Done) << fine.error;
  EXPECT_EQ(db.metrics(fine.id, "loss").size(), 21u);
  EXPECT_EQ(db.trajectory(fine.id).size(), 21u);
}

TEST(Isolation, WorkersTrainTheSameRunsAsThreads) {
  testing::TempDir dir;
  testing::write_file(dir / "lab.yaml", R"(name: lab
model: {name: rosenbrock}
optimizers:
  - {name: adam, lr: [0.01, 0.1]}
train: {steps: 50}
seeds: [0, 1]
)");
  const auto base = "run '" + (dir / "lab.yaml").string() + "' --no-plots --quiet --jobs 2 --db '";
  const auto a = testing::run_optbench(base + (dir / "a.db").string() + "' --isolate");
  const auto b = testing::run_optbench(base + (dir / "b.db").string() + "' --in-process");
  ASSERT_EQ(a.exit_code, 0) << a.out;
  ASSERT_EQ(b.exit_code, 0) << b.out;
  EXPECT_NE(a.out.find("(worker processes)"), std::string::npos) << a.out;
  EXPECT_NE(b.out.find("(threads)"), std::string::npos) << b.out;
  const auto runs_a =
      store::SqliteStore::open(dir / "a.db", store::SqliteStore::Mode::ReadOnly).runs("lab");
  const auto runs_b =
      store::SqliteStore::open(dir / "b.db", store::SqliteStore::Mode::ReadOnly).runs("lab");
  ASSERT_EQ(runs_a.size(), 4u);
  ASSERT_EQ(runs_b.size(), 4u);
  std::map<std::string, double> loss_a;
  for (const auto& run : runs_a)
    loss_a[run.config_hash] = run.final_loss;
  for (const auto& run : runs_b)
    EXPECT_EQ(loss_a.at(run.config_hash), run.final_loss) << run.label;  // bit for bit
}

TEST(Isolation, ParallelRunsShareTheCoresInsteadOfEachTakingAll) {
  testing::TempDir dir;
  testing::write_file(dir / "e.yaml",
                      "name: e\nmodel: {name: quadratic}\n"
                      "optimizers: [{name: sgd, lr: [0.1, 0.2]}]\n");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto r = testing::run_optbench("run '" + (dir / "e.yaml").string() + "' --db '" +
                                       (dir / "r.db").string() + "' --no-plots --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string expected = std::to_string(std::max(1, cores / 2)) + " thread(s) per run";
  EXPECT_NE(r.out.find(expected), std::string::npos) << r.out;
}

TEST(Isolation, TimeoutWithInProcessRunsIsBadInput) {
  testing::TempDir dir;
  testing::write_file(dir / "e.yaml",
                      "name: e\nmodel: {name: quadratic}\n"
                      "optimizers: [{name: sgd, lr: 0.1}]\n"
                      "train: {timeout: 5}\n");
  const auto r = testing::run_optbench("run '" + (dir / "e.yaml").string() + "' --db '" +
                                       (dir / "r.db").string() + "' --in-process");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("has a timeout, which needs worker processes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("drop --in-process or the timeout"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "r.db"));
}

}  // namespace
}  // namespace optbench
