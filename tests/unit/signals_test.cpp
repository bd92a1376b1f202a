// SIGTERM and SIGINT sent to a real optbench process mid-sweep: the run in
// progress is marked interrupted with its history flushed, the process ends
// by the signal, and running the same command again redoes that run.
#include <gtest/gtest.h>

#include <csignal>

#include "process_support.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

using store::RunStatus;

// Two runs of about half a second each on a quiet machine: long enough to be
// caught in the middle of the first.
const char* kLong = R"(name: long
model: {name: quadratic}
optimizers: [{name: sgd, lr: [0.001, 0.002]}]
train: {steps: 400000, record_every: 10}
)";

void interrupt_and_resume(int signal, const std::string& mode) {
  testing::TempDir dir;
  testing::write_file(dir / "long.yaml", kLong);
  const auto db_file = dir / "r.db";
  const std::vector<std::string> args = {
      "run", (dir / "long.yaml").string(), "--db", db_file.string(), "--no-plots", "--jobs", "1",
      mode};
  const pid_t pid = testing::spawn_optbench(args, dir / "out.txt");
  // Some of the first run's history is committed, so it is truly mid-run.
  ASSERT_TRUE(testing::wait_until(db_file, "SELECT count(*) > 0 FROM trajectories", "1", 60))
      << testing::read_file(dir / "out.txt");
  kill(pid, signal);
  const int status = testing::wait_for(pid);
  const std::string out = testing::read_file(dir / "out.txt");
  ASSERT_TRUE(WIFSIGNALED(status)) << out;
  EXPECT_EQ(WTERMSIG(status), signal) << out;
  EXPECT_NE(out.find("run the same command again to resume"), std::string::npos) << out;

  std::int64_t interrupted_id = 0;
  {
    const auto db = store::SqliteStore::open(db_file, store::SqliteStore::Mode::ReadOnly);
    const auto runs = db.runs("long");
    ASSERT_EQ(runs.size(), 1u) << "the second run must not have started";
    const auto& run = runs[0];
    interrupted_id = run.id;
    EXPECT_EQ(run.status, RunStatus::Interrupted);
    EXPECT_NE(run.error.find("interrupted by SIG"), std::string::npos) << run.error;
    ASSERT_GT(run.steps, 0);
    EXPECT_LT(run.steps, 400000);
    // Flushed: every 10th point up to the step where it stopped is stored,
    // and that step's.
    const auto steps = static_cast<std::size_t>(run.steps);
    EXPECT_EQ(db.trajectory(run.id).size(), steps / 10 + 1 + (steps % 10 != 0 ? 1 : 0));
    EXPECT_EQ(db.trajectory(run.id).back().step, run.steps);
  }

  const auto r = testing::run_optbench("run '" + (dir / "long.yaml").string() + "' --db '" +
                                       db_file.string() + "' --no-plots --quiet --jobs 1 " + mode);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto db = store::SqliteStore::open(db_file, store::SqliteStore::Mode::ReadOnly);
  const auto runs = db.runs("long");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, interrupted_id);
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, RunStatus::Done) << run.error;
    EXPECT_EQ(db.trajectory(run.id).size(), 40001u) << "history duplicated or lost";
    EXPECT_EQ(db.metrics(run.id, "loss").size(), 40001u);
  }
}

TEST(Signals, SigtermMarksTheThreadRunInterruptedAndResumeRedoesIt) {
  interrupt_and_resume(SIGTERM, "--in-process");
}

TEST(Signals, SigintMarksTheWorkerRunInterruptedAndResumeRedoesIt) {
  interrupt_and_resume(SIGINT, "--isolate");
}

}  // namespace
}  // namespace optbench
