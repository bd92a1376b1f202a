// The schedule plugins against torch.optim.lr_scheduler 1.13: each case of
// tests/golden/schedules.csv (written by gen_schedule_golden.py) is an
// optimizer entry with a schedule, run as an experiment on the quadratic
// model through the loader, the grid and the trainer, as `optbench run`
// does. Every step's lr (metric `lr`) must equal torch's, and the path must
// follow torch's, which also checks the momentum cycling of onecycle.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "run/runner.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

// The lr is a double computed by closed forms here and by torch's recursions
// there: they agree to ~1e-15 relative, far inside 1e-6. Positions are
// float32 and follow torch's update order, with the same 1e-6 bound as the
// optimizer parity test (that test explains the one-ulp sources).
constexpr double kLrTol = 1e-6;
constexpr double kAbsTol = 1e-6;
constexpr double kRelTol = 1e-6;

struct Row {
  double lr, momentum, x0, x1;
};

struct Case {
  std::string name;
  int steps = 0;
  std::string entry;  // the optimizer entry, flow YAML
  std::vector<Row> rows;
};

std::vector<std::string> split_bars(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, '|');)
    out.push_back(field);
  return out;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = [] {
    std::vector<Case> out;
    std::ifstream in(OPTBENCH_TEST_SOURCE_DIR "/tests/golden/schedules.csv");
    std::map<std::string, std::size_t> index;
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      const auto f = split_bars(line);
      if (f[0] == "case" && f.size() == 4) {
        index[f[1]] = out.size();
        out.push_back({f[1], std::stoi(f[2]), f[3], {}});
      } else if (f[0] == "row" && f.size() == 7) {
        auto& c = out.at(index.at(f[1]));
        EXPECT_EQ(std::stoul(f[2]), c.rows.size()) << line;
        c.rows.push_back({std::stod(f[3]), std::stod(f[4]), std::stod(f[5]), std::stod(f[6])});
      } else {
        ADD_FAILURE() << "unreadable golden line: " << line;
      }
    }
    return out;
  }();
  return all;
}

TEST(ScheduleGolden, FileCoversEveryBuiltInSchedule) {
  ASSERT_FALSE(cases().empty()) << "tests/golden/schedules.csv missing or empty";
  for (const auto& c : cases())
    EXPECT_EQ(c.rows.size(), static_cast<std::size_t>(c.steps)) << c.name;
  for (const auto& name : testing::built_plugins().names(PluginKind::Schedule)) {
    bool covered = false;
    for (const auto& c : cases())
      covered |= c.entry.find("name: " + name + ",") != std::string::npos ||
                 c.entry.find("name: " + name + "}") != std::string::npos ||
                 c.entry.find("schedule: " + name + "}") != std::string::npos;
    EXPECT_TRUE(covered) << "no golden case for schedule " << name;
  }
}

class ScheduleGolden : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ScheduleGolden, MatchesTorch) {
  const Case& c = cases().at(GetParam());
  testing::TempDir dir;
  const std::string yaml = "name: golden\nmodel: {name: quadratic}\noptimizers:\n  - " + c.entry +
                           "\ntrain: {steps: " + std::to_string(c.steps) + "}\n";
  const auto& plugins = testing::built_plugins();
  const auto spec = experiment::load_text(yaml, "golden.yaml", plugins);
  const auto runs = experiment::expand(spec, plugins);
  ASSERT_EQ(runs.size(), 1u);
  const auto r = run::run_sweep(spec, runs, plugins, {.db = dir / "g.db"});
  ASSERT_EQ(r.done, 1u);

  const auto db = store::SqliteStore::open(dir / "g.db", store::SqliteStore::Mode::ReadOnly);
  const auto run = db.runs("golden").at(0);
  const auto lr = db.metrics(run.id, "lr");
  const auto path = db.trajectory(run.id);
  ASSERT_EQ(lr.size(), c.rows.size());
  ASSERT_EQ(path.size(), c.rows.size() + 1);  // the start, then one point per step
  double worst = 0.0;
  for (std::size_t t = 0; t < c.rows.size(); ++t) {
    const Row& want = c.rows[t];
    EXPECT_EQ(lr[t].step, static_cast<std::int64_t>(t));
    EXPECT_NEAR(lr[t].value, want.lr, kLrTol * std::max(1.0, std::abs(want.lr)))
        << c.name << " lr at step " << t;
    for (const auto& [got, expected] :
         {std::pair{path[t + 1].x0, want.x0}, std::pair{path[t + 1].x1, want.x1}}) {
      const double diff = std::abs(got - expected);
      worst = std::max(worst, diff);
      EXPECT_LE(diff, kAbsTol + kRelTol * std::abs(expected))
          << c.name << " after step " << t << ": got " << got << ", torch " << expected;
    }
  }
  RecordProperty("max_abs_diff", std::to_string(worst));
}

std::vector<std::size_t> case_indices() {
  std::vector<std::size_t> out(cases().size());
  for (std::size_t k = 0; k < out.size(); ++k)
    out[k] = k;
  return out;
}

INSTANTIATE_TEST_SUITE_P(Torch, ScheduleGolden, ::testing::ValuesIn(case_indices()),
                         [](const ::testing::TestParamInfo<std::size_t>& param) {
                           return cases()[param.param].name;
                         });

}  // namespace
}  // namespace optbench
