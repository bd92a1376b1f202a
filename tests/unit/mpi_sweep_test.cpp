// Sweeps over MPI ranks (mpirun on loopback, oversubscribed): the same runs
// and bit-identical histories as one process with 3 and 4 ranks; kill -9 of
// mpirun mid-sweep, then the same command resumes with no run lost or
// duplicated and an intact file; SIGINT and SIGTERM to mpirun or to the
// ranks store the runs in flight `interrupted`, then the same command
// resumes; a crashing plugin fails only its own run;
// runs of uneven length balance across ranks. Labelled `mpi`. Without MPI
// in the build, a parallel launch is refused with one line.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <regex>
#include <sstream>
#include <thread>

#include "process_support.hpp"
#include "store/backend.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;
using store::RunStatus;

// Loopback only, oversubscribed (more ranks than this machine's cores),
// unbound (each rank's workers use any core), and as root where CI runs.
std::vector<std::string> mpirun_args(int ranks) {
  return {"--allow-run-as-root",
          "--oversubscribe",
          "--bind-to",
          "none",
          "--mca",
          "btl",
          "self,tcp",
          "--mca",
          "btl_tcp_if_include",
          "lo",
          "--mca",
          "oob_tcp_if_include",
          "lo",
          "-np",
          std::to_string(ranks),
          OPTBENCH_TEST_BINARY};
}

pid_t start_mpirun(int ranks, const std::vector<std::string>& optbench_args, const fs::path& output,
                   const std::vector<std::string>& env = {}) {
  auto args = mpirun_args(ranks);
  args.insert(args.end(), optbench_args.begin(), optbench_args.end());
  return util::spawn_process(
      OPTBENCH_TEST_MPIEXEC, args,
      {.unset_env = {"OPTBENCH_PLUGIN_PATH"}, .set_env = env, .output = output});
}

testing::Result mpirun(int ranks, const std::vector<std::string>& optbench_args,
                       const fs::path& output, const std::vector<std::string>& env = {}) {
  const int status = testing::wait_for(start_mpirun(ranks, optbench_args, output, env));
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::read_file(output)};
}

testing::Result one_process(const std::vector<std::string>& optbench_args, const fs::path& output) {
  const int status = testing::wait_for(testing::spawn_optbench(optbench_args, output));
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::read_file(output)};
}

bool have_mpi() {
  return std::strlen(OPTBENCH_TEST_MPIEXEC) > 0;
}

std::uint64_t bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// A run's outcome and history with every double as its bits; what varies
// between two trainings of one run (wall times, epoch_seconds) left out.
struct History {
  std::string status;
  std::int64_t steps = 0;
  std::uint64_t final_loss = 0;
  std::vector<std::tuple<std::string, std::string, std::int64_t, std::int64_t, std::uint64_t>>
      metrics;
  std::vector<std::tuple<std::int64_t, std::uint64_t, std::uint64_t>> trajectory;
  bool operator==(const History&) const = default;
};

std::map<std::string, History> histories(const fs::path& db, const std::string& experiment) {
  std::map<std::string, History> out;
  const auto reader = store::open_reader(db);
  for (const auto& run : reader->runs(experiment)) {
    History h;
    h.status = store::to_string(run.status);
    h.steps = run.steps;
    h.final_loss = bits(run.final_loss);
    for (const auto& p : reader->all_metrics(run.id)) {
      if (p.name == "epoch_seconds") continue;
      h.metrics.emplace_back(p.name, p.split, p.step, p.epoch, bits(p.value));
    }
    for (const auto& p : reader->trajectory(run.id))
      h.trajectory.emplace_back(p.step, bits(p.x0), bits(p.x1));
    EXPECT_TRUE(out.emplace(run.config_hash, std::move(h)).second);
  }
  return out;
}

/// After a stopped sweep's rerun (`r`): it exited 0, skipped the runs done
/// before, and the file is intact with each of the 18 runs once and done.
void expect_resumed_once(const testing::Result& r, const fs::path& db, std::size_t done_before) {
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find(std::to_string(done_before) + " already in the database"), std::string::npos)
      << r.out;
  EXPECT_EQ(testing::scalar(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM runs"), "18");
  EXPECT_EQ(testing::scalar(db, "SELECT count(DISTINCT config_hash) FROM runs"), "18");
  EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM runs WHERE status = 'done'"), "18");
}

/// The 18-run sweep the kill and signal tests stop mid-way. Runs of a few
/// tenths of a second each: long enough that the stop lands mid-sweep also
/// when long-lived workers make the runs' overhead negligible.
std::string stopped_sweep(const std::string& name) {
  return "name: " + name + R"(
model: {name: quadratic}
optimizers:
  - {name: sgd, lr: [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005]}
  - {name: adam, lr: [0.0001, 0.001, 0.01]}
seeds: [0, 1]
train: {steps: 4000000, record_every: 500}
)";
}

const char* kFunctions = R"(name: mpi-functions
model: {name: rosenbrock}
optimizers:
  - {name: sgd, lr: [0.0001, 0.0005, 0.001]}
  - {name: momentum, lr: [0.0001, 0.0005, 0.001]}
  - {name: adam, lr: [0.001, 0.01, 0.1]}
  - {name: rmsprop, lr: [0.001, 0.01, 0.1]}
seeds: [0, 1, 2]
train: {steps: 300}
)";

const char* kData = R"(name: mpi-data
dataset: {name: synthetic_linear, samples: 600, weights: [0.5, 0.8], noise: 0.01}
model: {name: linear, init: normal}
optimizers:
  - {name: sgd, lr: 0.005}
  - {name: adam, lr: [0.01, 0.1]}
seeds: [0, 1]
train: {epochs: 4, batch_size: 32}
)";

class MpiSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_mpi()) GTEST_SKIP() << "this build has no MPI";
  }
  testing::TempDir dir_;
};

// The reference: one process, one run at a time, one thread per run.
void expect_identical_over(int ranks, const fs::path& dir) {
  SCOPED_TRACE(std::to_string(ranks) + " ranks");
  for (const auto* text : {kFunctions, kData}) {
    const std::string name = std::strstr(text, "mpi-data") ? "mpi-data" : "mpi-functions";
    const auto yaml = dir / (name + ".yaml");
    testing::write_file(yaml, text);
    const auto one = dir / (name + "-one.db"), many = dir / (name + "-mpi.db");
    if (!fs::exists(one)) {
      const auto r = one_process({"run", yaml.string(), "--db", one.string(), "--in-process",
                                  "--jobs", "1", "--threads-per-run", "1", "--no-plots", "--quiet"},
                                 dir / "one.out");
      ASSERT_EQ(r.exit_code, 0) << r.out;
    }
    fs::remove(many);
    const auto r = mpirun(
        ranks,
        {"run", yaml.string(), "--db", many.string(), "--threads-per-run", "1", "--no-plots"},
        dir / "mpi.out");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("on " + std::to_string(ranks) + " MPI ranks (worker processes)"),
              std::string::npos)
        << r.out;
    // Each run records where it was trained: of 36 runs every rank trained
    // some (rank 0 too); one process records its host and no rank.
    if (name == "mpi-functions") {
      EXPECT_EQ(testing::scalar(many,
                                "SELECT count(DISTINCT trained_rank) FROM runs WHERE "
                                "trained_host = host AND trained_rank BETWEEN 0 AND " +
                                    std::to_string(ranks - 1)),
                std::to_string(ranks));
    }
    EXPECT_EQ(testing::scalar(one,
                              "SELECT count(*) FROM runs WHERE trained_rank IS NOT NULL OR "
                              "trained_host IS NOT host"),
              "0");
    const auto expected = histories(one, name), got = histories(many, name);
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_GE(expected.size(), name == "mpi-data" ? 6u : 36u);
    for (const auto& [hash, history] : expected) {
      SCOPED_TRACE(name + " run " + hash);
      ASSERT_TRUE(got.contains(hash));
      EXPECT_EQ(history.status, "done");
      EXPECT_FALSE(history.metrics.empty());
      EXPECT_TRUE(got.at(hash) == history) << "histories differ";
    }
  }
}

TEST_F(MpiSweep, ThreeRanksStoreBitIdenticalHistoriesToOneProcess) {
  expect_identical_over(3, dir_.path());
}

TEST_F(MpiSweep, FourRanksStoreBitIdenticalHistoriesToOneProcess) {
  expect_identical_over(4, dir_.path());
}

// What a person watching an MPI sweep sees: every rank's progress and epoch
// lines, named as the sweep names the run and by the rank training it, as
// whole lines (no line rewritten in place: the launcher merges the ranks'
// output), and each run's outcome once, from rank 0.
TEST_F(MpiSweep, EveryRanksProgressAndEpochLinesReachTheOutput) {
  testing::write_file(dir_ / "epochs.yaml", R"(name: mpi-epochs
dataset: {name: synthetic_linear, samples: 60000, weights: [0.5, 0.8], noise: 0.01}
model: {name: linear}
optimizers: [{name: sgd, lr: [0.005, 0.01, 0.02]}]
train: {epochs: 2, batch_size: 2}
plots: []
)");
  for (const std::string isolation : {"--isolate", "--in-process"}) {
    SCOPED_TRACE(isolation);
    const auto db = dir_ / (isolation.substr(2) + ".db");
    const auto r = mpirun(3,
                          {"run", (dir_ / "epochs.yaml").string(), "--db", db.string(),
                           "--no-plots", "--progress-every", "0.02", isolation},
                          dir_ / "out");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.out.find('\r'), std::string::npos) << r.out;
    const std::regex progress(
        R"(^\[([123])/3\] sgd lr=[0-9.]+ on linear on synthetic_linear, seed 0 \(rank ([012])\): )"
        R"(epoch [12]/2, step \d+/30000 \(\d+%\), mean loss [0-9.e+-]+, \d+ samples/s$)");
    const std::regex epoch(
        R"(^\[([123])/3\] sgd lr=[0-9.]+ on linear on synthetic_linear, seed 0 \(rank ([012])\): )"
        R"(epoch [12]/2 train loss .*$)");
    const std::regex outcome(R"(^\[([123])/3\] sgd lr=[0-9.]+ on linear on synthetic_linear, )"
                             R"(seed 0: done, final loss .*$)");
    std::map<std::string, int> progress_lines, epoch_lines, outcome_lines;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (std::regex_match(line, m, progress)) ++progress_lines[m[1]];
      if (std::regex_match(line, m, epoch)) ++epoch_lines[m[1]];
      if (std::regex_match(line, m, outcome)) ++outcome_lines[m[1]];
    }
    for (const std::string run : {"1", "2", "3"}) {
      EXPECT_GE(progress_lines[run], 1) << "run " << run << "\n" << r.out;
      EXPECT_EQ(epoch_lines[run], 2) << "run " << run << "\n" << r.out;
      EXPECT_EQ(outcome_lines[run], 1) << "run " << run << "\n" << r.out;
    }
  }
  // Quiet: none of them.
  const auto quiet =
      mpirun(3,
             {"run", (dir_ / "epochs.yaml").string(), "--db", (dir_ / "quiet.db").string(),
              "--no-plots", "--progress-every", "0.02", "-q"},
             dir_ / "quiet.out");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.out;
  EXPECT_EQ(quiet.out.find("samples/s"), std::string::npos) << quiet.out;
  EXPECT_EQ(quiet.out.find("train loss"), std::string::npos) << quiet.out;
}

// A mistake in the experiment file is reported once, not once per rank,
// and nothing runs or is stored. A rank whose file differs from rank 0's
// (another machine's copy) reports its own error, once for all the ranks
// that share it, and rank 0 names them.
TEST_F(MpiSweep, APreparationErrorIsReportedOnceAndNothingRuns) {
  const std::string unknown = "unknown optimizer plugin 'sgdx' (did you mean 'sgd'?)";
  testing::write_file(dir_ / "bad.yaml",
                      "name: mpi-bad\nmodel: {name: quadratic}\noptimizers:\n"
                      "  - {name: sgdx}\ntrain: {steps: 10}\n");
  testing::write_file(dir_ / "good.yaml",
                      "name: mpi-bad\nmodel: {name: quadratic}\noptimizers:\n"
                      "  - {name: sgd, lr: 0.1}\ntrain: {steps: 10}\n");
  const auto count = [](const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
      ++n;
    return n;
  };
  const auto db = dir_ / "r.db";
  const std::vector<std::string> bad = {"run", (dir_ / "bad.yaml").string(), "--db", db.string(),
                                        "--no-plots"};
  const auto same = mpirun(3, bad, dir_ / "same.out");
  EXPECT_EQ(same.exit_code, 2) << same.out;
  EXPECT_EQ(count(same.out, unknown), 1u) << same.out;
  EXPECT_EQ(count(same.out, "bad.yaml:4:"), 1u) << same.out;
  EXPECT_FALSE(fs::exists(db)) << same.out;

  // Rank 0 reads good.yaml, ranks 1 and 2 bad.yaml (mpirun's A : B form).
  auto args = mpirun_args(1);
  for (const auto& a : {"run", "GOOD", "--db", "DB", "--no-plots", ":", "-np", "2", "BIN", "run",
                        "BAD", "--db", "DB", "--no-plots"}) {
    const std::string arg = a;
    args.push_back(arg == "GOOD"  ? (dir_ / "good.yaml").string()
                   : arg == "BAD" ? (dir_ / "bad.yaml").string()
                   : arg == "DB"  ? db.string()
                   : arg == "BIN" ? std::string(OPTBENCH_TEST_BINARY)
                                  : arg);
  }
  const auto job =
      util::spawn_process(OPTBENCH_TEST_MPIEXEC, args,
                          {.unset_env = {"OPTBENCH_PLUGIN_PATH"}, .output = dir_ / "mixed.out"});
  const int status = testing::wait_for(job);
  const auto out = testing::read_file(dir_ / "mixed.out");
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  EXPECT_EQ(count(out, unknown), 1u) << out;
  EXPECT_EQ(count(out, "optbench run: rank 1:\n"), 1u) << out;
  EXPECT_EQ(count(out, "optbench run: ranks 1, 2 could not prepare the sweep"), 1u) << out;
  EXPECT_FALSE(fs::exists(db)) << out;
}

TEST_F(MpiSweep, ACrashingPluginFailsOnlyItsOwnRun) {
  testing::write_file(dir_ / "faults.yaml", R"(name: mpi-faults
model: {name: quadratic}
optimizers:
  - {name: faulty, label: fine, fault: none, lr: [0.01, 0.02, 0.03]}
  - {name: faulty, fault: [throw, abort, segv], at_step: 3}
train: {steps: 20}
)");
  const auto db = dir_ / "faults.db";
  const auto r = mpirun(3,
                        {"run", (dir_ / "faults.yaml").string(), "--db", db.string(), "--no-plots",
                         "--plugin-dir", OPTBENCH_TEST_FIXTURE_PLUGIN_DIR},
                        dir_ / "out");
  // The job survived every fault, and reports the failures with exit code 1.
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("3 done, 0 diverged, 3 failed"), std::string::npos) << r.out;
  const auto reader = store::open_reader(db);
  std::map<std::string, store::RunRecord> by_label;
  for (const auto& run : reader->runs("mpi-faults"))
    by_label[run.label] = run;
  ASSERT_EQ(by_label.size(), 6u);
  const std::map<std::string, std::string> reasons = {
      {"faulty fault=throw", "faulty optimizer threw at step 3"},
      {"faulty fault=abort", "the worker process was killed by SIGABRT (Aborted)"},
      {"faulty fault=segv", "the worker process was killed by SIGSEGV (Segmentation fault)"},
  };
  testing::expect_failed_with(by_label, reasons);
  int fine = 0;
  for (const auto& [label, run] : by_label) {
    if (run.status != RunStatus::Done) continue;
    ++fine;
    EXPECT_EQ(reader->metrics(run.id, "loss").size(), 21u) << label;
    EXPECT_EQ(reader->trajectory(run.id).size(), 21u) << label;
  }
  EXPECT_EQ(fine, 3);
}

// Run lengths in grid order, in units of kUnitSteps: handed out on demand,
// 3 ranks finish within 1.125 x the ideal; dealt round-robin, rank 0 would
// get both long runs and take 1.5 x.
constexpr int kLengths[] = {3, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1};
constexpr long kUnitSteps = 1000000;

double seconds_of(const std::string& iso) {
  // 2024-05-01T12:34:56.789Z
  std::tm tm{};
  strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  return static_cast<double>(timegm(&tm)) + std::stod(iso.substr(19, 4));
}

TEST_F(MpiSweep, RunsOfUnevenLengthBalanceAcrossRanks) {
  std::string yaml = "name: mpi-uneven\nmodel: {name: quadratic}\noptimizers:\n";
  for (std::size_t i = 0; i < std::size(kLengths); ++i) {
    yaml += "  - {name: sgd, label: run" + std::to_string(i) + ", lr: 0.00" +
            std::to_string(i + 1) + ", train: {steps: " + std::to_string(kLengths[i] * kUnitSteps) +
            "}}\n";
  }
  yaml += "train: {record_every: 100000}\n";
  testing::write_file(dir_ / "uneven.yaml", yaml);
  const auto db = dir_ / "uneven.db";
  // On threads: what is measured is how runs are handed out, not how long
  // a worker process takes to start.
  const auto r = mpirun(3,
                        {"run", (dir_ / "uneven.yaml").string(), "--db", db.string(),
                         "--in-process", "--threads-per-run", "1", "--no-plots"},
                        dir_ / "out");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto runs = store::open_reader(db)->runs("mpi-uneven");
  ASSERT_EQ(runs.size(), std::size(kLengths));
  // Each run's time as rank 0 recorded it, from handing it out to storing
  // its outcome: what a run costs the sweep, transfer and all, so the ideal
  // and the makespan count the same things however busy the machine is.
  std::vector<double> wall(runs.size());
  double first = 1e300, last = 0;
  for (const auto& run : runs) {
    const int i = std::stoi(run.label.substr(3));
    const double started = seconds_of(run.started), finished = seconds_of(run.finished);
    wall[static_cast<std::size_t>(i)] = finished - started;
    first = std::min(first, started);
    last = std::max(last, finished);
  }
  const double total = std::accumulate(wall.begin(), wall.end(), 0.0);
  const double ideal = std::max(total / 3, *std::max_element(wall.begin(), wall.end()));
  const double makespan = last - first;
  RecordProperty("makespan_over_ideal", std::to_string(makespan / ideal));
  EXPECT_LE(makespan, 1.3 * ideal) << "makespan " << makespan << " s, ideal " << ideal << " s";
  // The check can tell: with these lengths a round-robin deal keeps rank 0
  // busy 8 units of an ideal 16/3 (1.5x), which fails it. (Checked on the
  // lengths: on a loaded machine the measured times of equal runs vary.)
  double round_robin = 0, units = 0;
  for (std::size_t rank = 0; rank < 3; ++rank) {
    double sum = 0;
    for (std::size_t i = rank; i < std::size(kLengths); i += 3)
      sum += kLengths[i];
    round_robin = std::max(round_robin, sum);
  }
  for (int length : kLengths)
    units += length;
  EXPECT_GT(round_robin, 1.3 * units / 3);
}

// Waits (up to a minute) until every process reparented to this one (by
// PR_SET_CHILD_SUBREAPER) has ended; false if some outlive that.
bool reap_orphans() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

/// True when `pid` has ended and waits to be reaped (a zombie), or is gone.
bool ended(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return true;
  // The state letter follows the command name, which is in parentheses.
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z';
}

/// How a signalled mpirun ended.
struct LauncherEnd {
  int status = 0;
  /// Open MPI 4.1.4's mpirun stayed in its own PMIx teardown
  /// (PMIx_server_finalize joins a progress thread that waits on a lock)
  /// after every rank had ended, and was killed (1 time in about 20 here).
  bool hung_in_teardown = false;
  /// It died by SIGSEGV in that teardown instead; its backtrace is in the
  /// output (about as often).
  bool crashed_in_teardown = false;
  bool failed_in_teardown() const { return hung_in_teardown || crashed_in_teardown; }
};

/// Waits for mpirun. Once every rank has ended, mpirun has nothing left to
/// do but tear down; if it is still there 20 s later it is in the hang
/// above, and is killed. Either teardown failure is the launcher's fault,
/// not the sweep's: the database is complete by then, and the tests check it.
LauncherEnd wait_for_launcher(pid_t job, const fs::path& output) {
  constexpr auto kTeardownGrace = std::chrono::seconds(20);
  bool all_ranks_ended = false;
  std::chrono::steady_clock::time_point ranks_ended{};
  LauncherEnd end;
  for (;;) {
    const pid_t r = waitpid(job, &end.status, WNOHANG);
    if (r == job) break;
    if (r < 0 && errno != EINTR) {
      ADD_FAILURE() << "waitpid(mpirun): " << std::strerror(errno);
      return end;
    }
    const auto ranks = testing::children_of(job);
    const bool all_ended = std::all_of(ranks.begin(), ranks.end(), ended);
    const auto now = std::chrono::steady_clock::now();
    if (!all_ended) {
      all_ranks_ended = false;
    } else if (!all_ranks_ended) {
      all_ranks_ended = true;
      ranks_ended = now;
    } else if (now - ranks_ended > kTeardownGrace) {
      kill(job, SIGKILL);
      end.status = testing::wait_for(job);
      end.hung_in_teardown = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  end.crashed_in_teardown =
      WIFSIGNALED(end.status) && WTERMSIG(end.status) == SIGSEGV &&
      testing::read_file(output).find("PMIx_server_finalize") != std::string::npos;
  return end;
}

class MpiKill : public MpiSweep {
 protected:
  void SetUp() override {
    MpiSweep::SetUp();
    // The ranks orphaned by the kill are reparented here and reaped.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
  }
  void TearDown() override { prctl(PR_SET_CHILD_SUBREAPER, 0); }
};

TEST_F(MpiKill, KillNineOfMpirunMidSweepThenTheSameCommandResumes) {
  testing::write_file(dir_ / "kill.yaml", stopped_sweep("mpi-kill"));
  const auto db = dir_ / "kill.db";
  const std::vector<std::string> command = {"run",       (dir_ / "kill.yaml").string(), "--db",
                                            db.string(), "--threads-per-run",           "1",
                                            "--no-plots"};
  const pid_t job = start_mpirun(3, command, dir_ / "killed.out");
  // Some runs stored, others in flight.
  ASSERT_TRUE(
      testing::wait_until(db, "SELECT count(*) >= 3 FROM runs WHERE status = 'done'", "1", 120))
      << testing::read_file(dir_ / "killed.out");
  kill(job, SIGKILL);
  testing::wait_for(job);
  // Every rank notices that mpirun is gone and ends; rank 0 is the only one
  // that had the file open.
  ASSERT_TRUE(reap_orphans()) << "ranks outlived mpirun";
  const auto before = histories(db, "mpi-kill");
  std::size_t done_before = 0;
  for (const auto& [hash, h] : before)
    done_before += h.status == "done";
  ASSERT_LT(done_before, 18u) << "the sweep finished before the kill";

  const auto r = mpirun(3, command, dir_ / "resumed.out");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // 18 runs, each once, each with its whole history once.
  expect_resumed_once(r, db, done_before);
  const auto after = histories(db, "mpi-kill");
  for (const auto& [hash, h] : after) {
    SCOPED_TRACE(hash);
    EXPECT_EQ(h.metrics.size(), 4000000u / 500 + 1);
    EXPECT_EQ(h.trajectory.size(), 4000000u / 500 + 1);
    // What was finished before the kill was kept as it was.
    const auto earlier = before.find(hash);
    if (earlier != before.end() && earlier->second.status == "done") {
      EXPECT_TRUE(earlier->second == h);
    }
  }
}

// Who gets the signal: mpirun (Ctrl-C in its terminal, kill), or every rank
// (as a batch system's scancel does), and the exit status mpirun then
// reports.
struct Stopping {
  int signal;
  bool to_mpirun;
  int exit_code;
};

// A sweep over 3 ranks stopped mid-way by `how`: every run handed out and
// not finished is stored `interrupted` (none is left `running`), finished
// runs are kept as they were, the file is intact, and the same command then
// trains every run exactly once. The ranks' scratch folders do not pile up:
// a stale one planted in TMPDIR is gone afterwards, and so is every folder
// of the stopped job.
void expect_stopped_then_resumed(const Stopping& how, const fs::path& dir) {
  testing::write_file(dir / "signal.yaml", stopped_sweep("mpi-signal"));
  const auto tmp = dir / "tmp";
  fs::create_directories(tmp / "optbench-rank-stale1");
  testing::write_file(tmp / "optbench-rank-stale1" / "owner.lock", "");
  const std::vector<std::string> env = {"TMPDIR=" + tmp.string()};
  const auto db = dir / "signal.db";
  const std::vector<std::string> command = {
      "run",       (dir / "signal.yaml").string(), "--db", db.string(), "--threads-per-run", "1",
      "--no-plots"};
  const pid_t job = start_mpirun(3, command, dir / "stopped.out", env);
  // Some runs stored, and a run in flight on at least two ranks.
  ASSERT_TRUE(testing::wait_until(db,
                                  "SELECT (SELECT count(*) FROM runs WHERE status = 'done') >= 3 "
                                  "AND (SELECT count(*) FROM runs WHERE status = 'running') >= 2",
                                  "1", 120))
      << testing::read_file(dir / "stopped.out");
  EXPECT_FALSE(fs::exists(tmp / "optbench-rank-stale1")) << "the ranks removed the stale folder";
  const auto signalled = std::chrono::steady_clock::now();
  if (how.to_mpirun) {
    kill(job, how.signal);
  } else {
    const auto ranks = testing::children_of(job);
    ASSERT_EQ(ranks.size(), 3u);
    for (pid_t rank : ranks)
      kill(rank, how.signal);
  }
  const auto end = wait_for_launcher(job, dir / "stopped.out");
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
  ASSERT_TRUE(reap_orphans()) << "ranks outlived mpirun";
  const auto out = testing::read_file(dir / "stopped.out");
  if (!end.failed_in_teardown()) {
    ASSERT_TRUE(WIFEXITED(end.status)) << out;
    EXPECT_EQ(WEXITSTATUS(end.status), how.exit_code) << out;
    ::testing::Test::RecordProperty("seconds_to_stop", std::to_string(took));
    EXPECT_LT(took, 10.0) << out;
  }
  EXPECT_NE(out.find("stopped by SIG"), std::string::npos) << out;

  EXPECT_EQ(testing::scalar(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(testing::scalar(db,
                            "SELECT count(*) FROM runs WHERE status NOT IN ('done', "
                            "'interrupted')"),
            "0")
      << out;
  const auto interrupted =
      std::stoi(testing::scalar(db, "SELECT count(*) FROM runs WHERE status = 'interrupted'"));
  EXPECT_GE(interrupted, 1) << out;
  EXPECT_EQ(testing::scalar(db,
                            "SELECT count(*) FROM runs WHERE status = 'interrupted' AND "
                            "error NOT LIKE 'interrupted by SIG%'"),
            "0");
  const auto before = histories(db, "mpi-signal");
  std::size_t done_before = 0;
  for (const auto& [hash, h] : before)
    done_before += h.status == "done";
  ASSERT_LT(done_before, 18u) << "the sweep finished before the signal";
  EXPECT_EQ(done_before + static_cast<std::size_t>(interrupted), before.size());

  const auto r = mpirun(3, command, dir / "resumed.out", env);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  expect_resumed_once(r, db, done_before);
  for (const auto& [hash, h] : histories(db, "mpi-signal")) {
    SCOPED_TRACE(hash);
    EXPECT_EQ(h.metrics.size(), 4000000u / 500 + 1);
    const auto earlier = before.find(hash);
    if (earlier != before.end() && earlier->second.status == "done") {
      EXPECT_TRUE(earlier->second == h);
    }
  }
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(tmp))
    left.push_back(entry.path().filename().string());
  EXPECT_TRUE(left.empty()) << "left in TMPDIR: " << ::testing::PrintToString(left);
}

// Open MPI 4.1's mpirun, signalled, ends the job itself (SIGTERM to every
// rank, SIGKILL a second later) and exits 1 whatever the ranks do: its
// signal handler sets that status before anything else.
TEST_F(MpiKill, SigintToMpirunStoresTheRunsInFlightInterruptedThenTheSameCommandResumes) {
  expect_stopped_then_resumed({SIGINT, true, 1}, dir_.path());
}

TEST_F(MpiKill, SigtermToMpirunStoresTheRunsInFlightInterruptedThenTheSameCommandResumes) {
  expect_stopped_then_resumed({SIGTERM, true, 1}, dir_.path());
}

// Signalled directly, the ranks end by the signal, and mpirun reports it as
// a shell does: 128 + the signal.
TEST_F(MpiKill, SigintToEveryRankEndsTheJobWith130ThenTheSameCommandResumes) {
  expect_stopped_then_resumed({SIGINT, false, 130}, dir_.path());
}

TEST_F(MpiKill, SigtermToEveryRankEndsTheJobWith143ThenTheSameCommandResumes) {
  expect_stopped_then_resumed({SIGTERM, false, 143}, dir_.path());
}

// A run its rank cannot stop (a plugin looping inside a step) is stored
// `interrupted` all the same: rank 0 stores the runs in flight before it
// waits for any rank, and mpirun kills the stuck rank two seconds after its
// own signal. `when` is the database's state at which mpirun is signalled.
void expect_stuck_run_interrupted(const fs::path& dir, const std::string& when) {
  testing::write_file(dir / "stuck.yaml", R"(name: mpi-stuck
model: {name: quadratic}
optimizers:
  - {name: faulty, label: stuck, fault: loop, at_step: 3}
  - {name: faulty, fault: none, lr: [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005]}
train: {steps: 2000000, record_every: 500}
)");
  const auto db = dir / "stuck.db";
  const pid_t job =
      start_mpirun(3,
                   {"run", (dir / "stuck.yaml").string(), "--db", db.string(), "--threads-per-run",
                    "1", "--no-plots", "--plugin-dir", OPTBENCH_TEST_FIXTURE_PLUGIN_DIR},
                   dir / "out");
  ASSERT_TRUE(testing::wait_until(
      db, "SELECT (SELECT status FROM runs WHERE label = 'stuck') = 'running' AND " + when, "1",
      120))
      << testing::read_file(dir / "out");
  kill(job, SIGTERM);
  const auto end = wait_for_launcher(job, dir / "out");
  ASSERT_TRUE(reap_orphans()) << "ranks outlived mpirun";
  const auto out = testing::read_file(dir / "out");
  // mpirun exits 1 when signalled, unless its own teardown fails (above).
  EXPECT_TRUE((WIFEXITED(end.status) && WEXITSTATUS(end.status) == 1) || end.failed_in_teardown())
      << out;
  EXPECT_EQ(testing::scalar(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(testing::scalar(db, "SELECT status FROM runs WHERE label = 'stuck'"), "interrupted")
      << out;
  EXPECT_EQ(testing::scalar(db,
                            "SELECT count(*) FROM runs WHERE status NOT IN ('done', "
                            "'interrupted')"),
            "0")
      << out;
}

TEST_F(MpiKill, ARunThatCannotStopInTimeIsStoredInterruptedByRankZero) {
  expect_stuck_run_interrupted(dir_.path(),
                               "(SELECT count(*) FROM runs WHERE status = 'done') >= 1");
}

// The same once every other run has finished: the ranks that trained them
// wait in MPI_Finalize for rank 0, and the launcher's SIGTERM must not end
// them there, or the launcher kills rank 0 before it stores the stuck run.
TEST_F(MpiKill, ARunStuckAfterEveryOtherRunFinishedIsStoredInterruptedByRankZero) {
  expect_stuck_run_interrupted(dir_.path(),
                               "(SELECT count(*) FROM runs WHERE status = 'done') = 6");
}

// Without MPI in the build, a launch of several copies would run the whole
// sweep once per copy; each refuses with one line instead, before anything
// is stored. A Slurm batch script (SLURM_NTASKS alone) is one process.
TEST(MpiLaunch, ABuildWithoutMpiRefusesAParallelLaunch) {
  if (have_mpi()) GTEST_SKIP() << "this build has MPI";
  testing::TempDir dir;
  testing::write_file(dir / "e.yaml",
                      "name: e\nmodel: {name: quadratic}\n"
                      "optimizers: [{name: sgd, lr: 0.1}]\ntrain: {steps: 5}\n");
  const auto launched = [&](const std::string& variable, const std::string& db) {
    const auto out = dir / (db + ".out");
    const pid_t pid = util::spawn_process(
        OPTBENCH_TEST_BINARY,
        {"run", (dir / "e.yaml").string(), "--db", (dir / db).string(), "--no-plots"},
        {.unset_env = {"OPTBENCH_PLUGIN_PATH", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
                       "SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"},
         .set_env = {variable},
         .output = out});
    const int status = testing::wait_for(pid);
    return testing::Result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::read_file(out)};
  };
  for (const std::string variable :
       {"OMPI_COMM_WORLD_SIZE=3", "PMI_SIZE=2", "SLURM_STEP_NUM_TASKS=4"}) {
    SCOPED_TRACE(variable);
    const auto r = launched(variable, "refused.db");
    EXPECT_EQ(r.exit_code, 4) << r.out;
    const auto name = variable.substr(0, variable.find('='));
    EXPECT_EQ(r.out, "optbench run: started as one of " + variable.substr(variable.find('=') + 1) +
                         " copies (" + name +
                         "), but this optbench was built without MPI; rebuild it with Open MPI "
                         "(libopenmpi-dev) or start one process\n");
    EXPECT_FALSE(fs::exists(dir / "refused.db"));
  }
  const auto alone = launched("SLURM_NTASKS=4", "alone.db");
  EXPECT_EQ(alone.exit_code, 0) << alone.out;
  EXPECT_NE(alone.out.find("1 done"), std::string::npos) << alone.out;
  const auto one_copy = launched("OMPI_COMM_WORLD_SIZE=1", "one.db");
  EXPECT_EQ(one_copy.exit_code, 0) << one_copy.out;
}

// srun without PMIx (--mpi=none, or pmi2, which Debian's Open MPI does not
// speak) would leave every copy failing inside MPI_Init with Open MPI's
// page of text; optbench says what to do instead, before anything is stored.
TEST(MpiLaunch, SrunWithoutPmixIsRefusedWithTheOptionToUse) {
  if (!have_mpi()) GTEST_SKIP() << "this build has no MPI";
  testing::TempDir dir;
  testing::write_file(dir / "e.yaml",
                      "name: e\nmodel: {name: quadratic}\n"
                      "optimizers: [{name: sgd, lr: 0.1}]\ntrain: {steps: 5}\n");
  const auto out = dir / "srun.out";
  const pid_t pid = util::spawn_process(
      OPTBENCH_TEST_BINARY,
      {"run", (dir / "e.yaml").string(), "--db", (dir / "r.db").string(), "--no-plots"},
      {.unset_env = {"OPTBENCH_PLUGIN_PATH", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"},
       .set_env = {"SLURM_STEP_NUM_TASKS=3"},
       .output = out});
  const int status = testing::wait_for(pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
  EXPECT_EQ(testing::read_file(out),
            "optbench run: started by srun without PMIx, which this optbench's Open MPI needs to "
            "connect its copies: start them with srun --mpi=pmix\n");
  EXPECT_FALSE(fs::exists(dir / "r.db"));
}

}  // namespace
}  // namespace optbench
