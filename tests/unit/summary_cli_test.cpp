// `optbench summary` and `optbench export` on the sweep fixture, their
// output parsed back and checked against closed-form losses.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "sweep_fixture.hpp"
#include "test_support.hpp"

namespace {

using optbench::testing::parse_csv;
using optbench::testing::run_optbench;
using optbench::testing::TempDir;

class SummaryCli : public optbench::testing::SweepSuite {
 protected:
  static std::string with_db(const std::string& args) {
    return args + " --db '" + db_path().string() + "'";
  }
};

/// Rows keyed by "problem|label", each a map from column name to text.
std::map<std::string, std::map<std::string, std::string>> by_config(const std::string& csv) {
  const auto rows = parse_csv(csv);
  std::map<std::string, std::map<std::string, std::string>> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    std::map<std::string, std::string> row;
    for (std::size_t c = 0; c < rows[0].size(); ++c)
      row[rows[0][c]] = rows[r].at(c);
    out[row["problem"] + "|" + row["label"]] = row;
  }
  return out;
}

/// Plain gradient descent on a x0^2 + b x1^2 for `steps` steps, in closed
/// form: each coordinate shrinks by (1 - 2 lr a) per step.
double gd_loss(double a, double b, double lr, double x0, double x1, int steps) {
  return a * x0 * x0 * std::pow(1 - 2 * lr * a, 2 * steps) +
         b * x1 * x1 * std::pow(1 - 2 * lr * b, 2 * steps);
}

TEST_F(SummaryCli, CsvHasMeansRanksAndBestLr) {
  const auto r = run_optbench(with_db("summary --experiment sweep --format csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto rows = by_config(r.out);
  ASSERT_EQ(rows.size(), 10u) << r.out;

  // Seeds start at (-4, 2) and (-3.8, 1.9).
  const auto& slow = rows.at("bowl-steep|SGD lr=0.1");
  const double seed0 = gd_loss(0.2, 2.0, 0.1, -4.0, 2.0, 40);
  const double seed1 = gd_loss(0.2, 2.0, 0.1, -3.8, 1.9, 40);
  EXPECT_NEAR(std::stod(slow.at("train_loss_mean")), (seed0 + seed1) / 2, 1e-12);
  EXPECT_NEAR(std::stod(slow.at("train_loss_sd")), std::abs(seed0 - seed1) / std::sqrt(2.0), 1e-12);
  EXPECT_EQ(slow.at("seeds"), "2");
  // 0.2 * 16 * 0.96^(2k) <= 0.01 needs k >= 71 steps: never within 40.
  EXPECT_EQ(slow.at("reached_target"), "0");
  EXPECT_EQ(slow.at("target_step_mean"), "");

  // lr 0.6 on the steep bowl multiplies x1 by -1.4 per step: diverged, last.
  const auto& wild = rows.at("bowl-steep|SGD lr=0.6");
  EXPECT_EQ(wild.at("diverged"), "2");
  EXPECT_EQ(wild.at("score"), "inf");
  EXPECT_EQ(wild.at("rank"), "5");
  EXPECT_EQ(wild.at("best_lr"), "");
  // On the flat bowl the same lr is stable (factors 0.94 and -0.2) and,
  // among SGD's, the fastest.
  EXPECT_EQ(rows.at("bowl-flat|SGD lr=0.6").at("diverged"), "0");
  EXPECT_EQ(rows.at("bowl-flat|SGD lr=0.6").at("best_lr"), "yes");
  // On the steep bowl SGD's best lr is 0.3 (x0 shrinks by 0.88 per step).
  EXPECT_EQ(rows.at("bowl-steep|SGD lr=0.3").at("best_lr"), "yes");
  EXPECT_NEAR(std::stod(rows.at("bowl-steep|SGD lr=0.3").at("train_loss_mean")),
              (gd_loss(0.2, 2.0, 0.3, -4.0, 2.0, 40) + gd_loss(0.2, 2.0, 0.3, -3.8, 1.9, 40)) / 2,
              1e-15);
  EXPECT_EQ(rows.at("bowl-steep|SGD lr=0.1").at("best_lr"), "");

  // Ranks 1..5 on each problem, one each (no ties here).
  for (const char* problem : {"bowl-steep", "bowl-flat"}) {
    std::vector<int> ranks;
    for (const auto& [key, row] : rows) {
      if (key.rfind(std::string(problem) + "|", 0) == 0) ranks.push_back(std::stoi(row.at("rank")));
    }
    std::sort(ranks.begin(), ranks.end());
    EXPECT_EQ(ranks, (std::vector<int>{1, 2, 3, 4, 5})) << problem;
  }
}

TEST_F(SummaryCli, TargetFromTheCommandLineOverridesTheYaml) {
  // With target 1.0, SGD lr=0.1 gets there: 3.2 * 0.9216^k + 8 * 0.36^k <= 1
  // first at k = 15 for seed 0 (k = 14 gives 1.0205), and
  // 2.888 * 0.9216^k + 7.22 * 0.36^k <= 1 at k = 13 for seed 1.
  const auto r = run_optbench(with_db("summary --experiment sweep --format csv --target 1.0"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto rows = by_config(r.out);
  const auto& slow = rows.at("bowl-steep|SGD lr=0.1");
  EXPECT_EQ(slow.at("reached_target"), "2");
  EXPECT_EQ(slow.at("target_step_mean"), "14");
  EXPECT_EQ(std::stod(slow.at("target_step_sd")), std::sqrt(2.0));
  EXPECT_NEAR(std::stod(slow.at("target_seconds_mean")), 0.014, 1e-12);
}

TEST_F(SummaryCli, JsonParsesBack) {
  const auto r = run_optbench(with_db("summary --experiment sweep --format json"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const YAML::Node doc = YAML::Load(r.out);
  EXPECT_EQ(doc["experiment"].as<std::string>(), "sweep");
  EXPECT_EQ(doc["target_loss"].as<double>(), 0.01);
  EXPECT_EQ(doc["ranked_by"]["bowl-flat"].as<std::string>(), "train loss");
  ASSERT_EQ(doc["configurations"].size(), 10u);
  const YAML::Node best = doc["best_lr"];
  ASSERT_EQ(best.size(), 4u);  // sgd and adam on two bowls
  bool found = false;
  for (const auto& b : best) {
    if (b["problem"].as<std::string>() == "bowl-steep" &&
        b["optimizer"].as<std::string>() == "sgd") {
      EXPECT_EQ(b["best_lr"].as<double>(), 0.3);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(SummaryCli, TextNamesTheTargetAndTheBestLrs) {
  const auto r = run_optbench(with_db("summary"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("experiment sweep, target loss 0.01"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ranked by final train loss on bowl-steep"), std::string::npos);
  EXPECT_NE(r.out.find("best learning rate per optimizer and problem"), std::string::npos);
  EXPECT_NE(r.out.find(" \u00b1 "), std::string::npos);
}

TEST_F(SummaryCli, BadRequestsExitWithTwo) {
  auto r = run_optbench(with_db("summary --experiment nope"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("no experiment 'nope'"), std::string::npos) << r.out;
  r = run_optbench(with_db("summary --format xml"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown format 'xml'"), std::string::npos) << r.out;
  r = run_optbench(with_db("summary --target nan"));
  EXPECT_EQ(r.exit_code, 2);
  r = run_optbench(with_db("export --table things"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("expected runs or metrics"), std::string::npos) << r.out;
}

TEST_F(SummaryCli, ExportRunsCsv) {
  const auto r = run_optbench(with_db("export --experiment sweep --table runs --format csv"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto rows = parse_csv(r.out);
  ASSERT_EQ(rows.size(), 21u);
  const auto& h = rows[0];
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(h.begin(), h.end(), name) - h.begin());
  };
  std::size_t diverged = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][col("experiment")], "sweep");
    if (rows[i][col("status")] == "diverged") {
      ++diverged;
      EXPECT_EQ(rows[i][col("label")], "SGD lr=0.6");
      EXPECT_EQ(rows[i][col("error")], "loss above 1e6");
    }
  }
  EXPECT_EQ(diverged, 2u);
  // The hyperparameters stay JSON text, quoted for CSV.
  EXPECT_EQ(rows[1][col("hyperparams")].front(), '{');
}

TEST_F(SummaryCli, ExportMetricsJsonParsesBack) {
  const auto r = run_optbench(with_db("export --table metrics --format json"));
  ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 500);
  const YAML::Node rows = YAML::Load(r.out);
  ASSERT_TRUE(rows.IsSequence());
  // 18 of the 20 runs take 41 points (steps 0..40); the two diverged ones
  // stop at the point above 1e6.
  std::map<std::string, int> points;
  for (const auto& row : rows) {
    ++points[row["label"].as<std::string>() + "|" + row["problem"].as<std::string>() + "|" +
             row["seed"].as<std::string>()];
    EXPECT_EQ(row["name"].as<std::string>(), "loss");
  }
  EXPECT_EQ(points.size(), 20u);
  EXPECT_EQ(points["SGD lr=0.1|bowl-steep|0"], 41);
  EXPECT_LT(points["SGD lr=0.6|bowl-steep|0"], 41);
  // The first point of a run is the start: 0.2 * 16 + 2 * 4 = 11.2.
  bool found = false;
  for (const auto& row : rows) {
    if (row["label"].as<std::string>() == "Adam lr=0.05" &&
        row["problem"].as<std::string>() == "bowl-steep" && row["seed"].as<int>() == 0 &&
        row["step"].as<int>() == 0) {
      EXPECT_NEAR(row["value"].as<double>(), 11.2, 1e-12);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
