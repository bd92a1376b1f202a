// What `optbench run` prints while a sweep goes, read back from its piped
// output: each run's line ends with the sweep's estimated time left, which
// must agree with the runs' own durations; long epochs print progress lines;
// and a pipe never receives a carriage return.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "test_support.hpp"

namespace optbench {
namespace {

// "12 s", "3 min 5 s", "1 h 2 min" in seconds.
double parse_duration(const std::string& text) {
  std::istringstream in(text);
  double total = 0, value = 0;
  std::string unit;
  while (in >> value >> unit)
    total += value * (unit == "h" ? 3600 : unit == "min" ? 60 : 1);
  return total;
}

class SweepProgress : public ::testing::TestWithParam<const char*> {};

TEST_P(SweepProgress, EachRunLineCarriesASaneEtaAndNoCarriageReturn) {
  testing::TempDir dir;
  // Six runs of equal length, one at a time.
  testing::write_file(dir / "e.yaml", R"(name: eta
model: {name: quadratic}
optimizers: [{name: sgd, lr: {linspace: [0.001, 0.002, 6]}}]
train: {steps: 300000, record_every: 1000}
plots: []
)");
  const auto r = testing::run_optbench("run '" + (dir / "e.yaml").string() + "' --db '" +
                                       (dir / "r.db").string() + "' --jobs 1 " + GetParam());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find('\r'), std::string::npos) << "a carriage return in piped output";

  const std::regex done(
      R"(^\[(\d)/6\] .*: done, final loss \S+ after 300000 steps \(([0-9.]+) s\)(.*)$)");
  const std::regex eta(R"(^; sweep ETA ((?:\d+ (?:h|min|s) ?)+) \((\d) runs? left\)$)");
  std::istringstream lines(r.out);
  std::vector<double> durations;
  std::size_t with_eta = 0;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, done)) continue;
    durations.push_back(std::stod(m[2]));
    const std::string tail = m[3];
    const std::size_t finished = durations.size();
    if (finished == 6) {
      EXPECT_EQ(tail, "") << "nothing is left after the last run";
      continue;
    }
    std::smatch e;
    ASSERT_TRUE(std::regex_match(tail, e, eta)) << line;
    ++with_eta;
    EXPECT_EQ(std::stoul(e[2]), 6 - finished) << line;
    // At the pace of the runs so far: (6 - k) more runs of their mean
    // length, give or take what starting and storing a run costs and a
    // busy machine's noise.
    double mean = 0;
    for (double d : durations)
      mean += d / static_cast<double>(durations.size());
    const double expected = static_cast<double>(6 - finished) * mean;
    const double shown = parse_duration(e[1]);
    EXPECT_GE(shown, expected / 3 - 1) << line;
    EXPECT_LE(shown, expected * 3 + 1) << line;
  }
  EXPECT_EQ(durations.size(), 6u) << r.out;
  EXPECT_EQ(with_eta, 5u) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Modes, SweepProgress, ::testing::Values("--in-process", "--isolate"),
                         [](const auto& test) {
                           return std::string(test.param) == "--isolate" ? "Workers" : "Threads";
                         });

// A data run of two epochs with a progress line due every few milliseconds.
const char* kData = R"(name: epochs
dataset: {name: synthetic_linear, samples: 60000, weights: [0.5, 0.8], noise: 0.01}
model: {name: linear}
optimizers: [{name: sgd, lr: 0.01}]
train: {epochs: 2, batch_size: 2}
plots: []
)";

TEST(EpochProgress, PipedLinesNameStepLossAndRateInOrder) {
  for (const std::string mode : {"--in-process", "--isolate"}) {
    SCOPED_TRACE(mode);
    testing::TempDir dir;
    testing::write_file(dir / "e.yaml", kData);
    const auto r =
        testing::run_optbench("run '" + (dir / "e.yaml").string() + "' --db '" +
                              (dir / "r.db").string() + "' --progress-every 0.005 " + mode);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.out.find('\r'), std::string::npos) << "a carriage return in piped output";
    const std::regex progress(
        R"(^\[1/1\] .*: epoch ([12])/2, step (\d+)/30000 \((\d+)%\), mean loss [0-9.e+-]+, (\d+) samples/s$)");
    std::istringstream lines(r.out);
    int last_epoch = 0;
    long last_step = 0;
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (line.find("step ") == std::string::npos || line.find(", mean loss") == std::string::npos)
        continue;
      ASSERT_TRUE(std::regex_match(line, m, progress)) << line;
      const int epoch = std::stoi(m[1]);
      const long step = std::stol(m[2]);
      if (epoch == last_epoch) {
        EXPECT_GT(step, last_step) << line;
      }
      EXPECT_GE(epoch, last_epoch);
      EXPECT_LT(step, 30000) << "no progress line for a finished epoch";
      EXPECT_NEAR(std::stod(m[3]), step * 100.0 / 30000, 0.5) << line;
      EXPECT_GT(std::stol(m[4]), 0);
      last_epoch = epoch;
      last_step = step;
      ++count;
    }
    EXPECT_GE(count, 2u) << r.out;

    // And none when asked for none.
    const auto quiet =
        testing::run_optbench("run '" + (dir / "e.yaml").string() + "' --db '" +
                              (dir / "q.db").string() + "' --progress-every 0 " + mode);
    ASSERT_EQ(quiet.exit_code, 0) << quiet.out;
    EXPECT_EQ(quiet.out.find(", mean loss"), std::string::npos) << quiet.out;
  }
}

}  // namespace
}  // namespace optbench
