// The summary, performance profile and table writers, on outcomes whose
// answers are computed by hand in the comments.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "results/profile.hpp"
#include "results/summary.hpp"
#include "results/table.hpp"
#include "results/target.hpp"

namespace {

using namespace optbench::results;
using namespace optbench::store;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTol = 1e-12;

RunOutcome run(const std::string& problem, const std::string& optimizer, double lr, int seed,
               RunStatus status, double train_loss, std::optional<double> test_loss = {},
               std::optional<std::int64_t> hit_step = {}) {
  RunOutcome o;
  o.run.problem_key = problem;
  o.run.optimizer = optimizer;
  o.run.lr = lr;
  o.run.seed = seed;
  o.run.status = status;
  o.run.label = optimizer + " lr=" + std::to_string(lr);
  o.run.group_key = problem + "/" + o.run.label;
  o.train_loss = train_loss;
  o.test_loss = test_loss;
  if (hit_step)
    o.hit = optbench::results::TargetHit{*hit_step, 0.5 * static_cast<double>(*hit_step)};
  return o;
}

const ConfigSummary& find(const Summary& s, const std::string& problem, const std::string& label) {
  for (const ConfigSummary& c : s.configs) {
    if (c.problem == problem && c.label == label) return c;
  }
  throw std::runtime_error("no configuration " + label + " on " + problem);
}

TEST(MeanSd, SampleStandardDeviation) {
  const std::vector<double> v{1, 2, 3, 4};
  const auto s = optbench::results::mean_sd(v);
  EXPECT_EQ(s.n, 4u);
  EXPECT_NEAR(s.mean, 2.5, kTol);
  // sum of squares 2.25 + 0.25 + 0.25 + 2.25 = 5, over n - 1 = 3.
  EXPECT_NEAR(s.sd, std::sqrt(5.0 / 3.0), kTol);
  const std::vector<double> one{7};
  EXPECT_EQ(optbench::results::mean_sd(one).mean, 7.0);
  EXPECT_TRUE(std::isnan(optbench::results::mean_sd(one).sd));
  EXPECT_TRUE(std::isnan(optbench::results::mean_sd({}).mean));
}

TEST(FirstHit, FirstPointAtOrBelowTarget) {
  const std::vector<MetricPoint> loss{{0, 0, "train", "loss", 5.0, 0.0},
                                      {2, 0, "train", "loss", 1.0, 0.2},
                                      {4, 0, "train", "loss", 0.9, 0.4},
                                      {6, 0, "train", "loss", 0.5, 0.6}};
  const auto hit = optbench::results::first_hit(loss, 1.0);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->step, 2);  // "reaching" includes equality
  EXPECT_DOUBLE_EQ(hit->seconds, 0.2);
  EXPECT_EQ(optbench::results::first_hit(loss, 0.95)->step, 4);
  EXPECT_FALSE(optbench::results::first_hit(loss, 0.1));
  // A run that stops being finite never reaches anything afterwards.
  const std::vector<MetricPoint> diverged{{0, 0, "train", "loss", 5.0, 0.0},
                                          {1, 0, "train", "loss", kNaN, 0.1},
                                          {2, 0, "train", "loss", 0.0, 0.2}};
  EXPECT_FALSE(optbench::results::first_hit(diverged, 1.0));
}

TEST(Outcome, EpochLossWinsOverTheLastBatch) {
  RunRecord r;
  r.final_loss = 0.9;  // the last batch
  const std::vector<MetricPoint> epochs{{10, 0, "train", "epoch_loss", 0.7, 1},
                                        {20, 1, "train", "epoch_loss", 0.4, 2}};
  const std::vector<MetricPoint> test{{20, 1, "test", "loss", 0.45, 2}};
  const std::vector<MetricPoint> accuracy{{10, 0, "test", "accuracy", 0.8, 1},
                                          {20, 1, "test", "accuracy", 0.85, 2}};
  const std::vector<MetricPoint> steps{{0, 0, "train", "loss", 2.0, 0.0},
                                       {5, 0, "train", "loss", 0.6, 0.5}};
  const auto o = optbench::results::outcome(r, epochs, test, accuracy, steps, 1.0);
  EXPECT_EQ(o.train_loss, 0.4);
  EXPECT_EQ(o.test_loss, 0.45);
  EXPECT_EQ(o.accuracy, 0.85);
  ASSERT_TRUE(o.hit);
  EXPECT_EQ(o.hit->step, 5);
  // Without epochs (2-D functions) the run's final loss counts; without a
  // target nothing is searched.
  const auto plain = optbench::results::outcome(r, {}, {}, {}, steps, std::nullopt);
  EXPECT_EQ(plain.train_loss, 0.9);
  EXPECT_FALSE(plain.test_loss);
  EXPECT_FALSE(plain.hit);
}

/// Problem "p": sgd at lr 0.1 (losses 0.2, 0.4) and lr 1 (0.05, then a
/// diverged seed), adam at 0.01 (0.1, 0.12) and 0.001 (0.5, 0.7).
std::vector<RunOutcome> sweep() {
  return {run("p", "sgd", 0.1, 0, RunStatus::Done, 0.2, {}, 8),
          run("p", "sgd", 0.1, 1, RunStatus::Done, 0.4, {}, 12),
          run("p", "sgd", 1.0, 0, RunStatus::Done, 0.05, {}, 2),
          run("p", "sgd", 1.0, 1, RunStatus::Diverged, kInf, {}, 1),
          run("p", "adam", 0.01, 0, RunStatus::Done, 0.1, {}, 4),
          run("p", "adam", 0.01, 1, RunStatus::Done, 0.12, {}, 6),
          run("p", "adam", 0.001, 0, RunStatus::Done, 0.5, {}, 30),
          run("p", "adam", 0.001, 1, RunStatus::Done, 0.7)};
}

TEST(Summarize, MeanAndSdOverSeeds) {
  const Summary s = optbench::results::summarize(sweep(), 0.3);
  ASSERT_EQ(s.configs.size(), 4u);
  const ConfigSummary& sgd = find(s, "p", "sgd lr=0.100000");
  EXPECT_EQ(sgd.seeds, 2u);
  EXPECT_NEAR(sgd.train_loss.mean, 0.3, kTol);
  // (0.2 - 0.3)^2 + (0.4 - 0.3)^2 = 0.02, over n - 1 = 1.
  EXPECT_NEAR(sgd.train_loss.sd, std::sqrt(0.02), kTol);
  EXPECT_EQ(sgd.test_loss.n, 0u);
  // Steps 8 and 12, seconds half of that.
  EXPECT_EQ(sgd.reached, 2u);
  EXPECT_NEAR(sgd.target_step.mean, 10.0, kTol);
  EXPECT_NEAR(sgd.target_step.sd, std::sqrt(8.0), kTol);
  EXPECT_NEAR(sgd.target_seconds.mean, 5.0, kTol);
  EXPECT_NEAR(sgd.steps_to_target, 10.0, kTol);
  EXPECT_EQ(s.ranked_by, (std::vector<std::pair<std::string, std::string>>{{"p", "train loss"}}));
}

TEST(Summarize, DivergedSeedsAreNeverBest) {
  const Summary s = optbench::results::summarize(sweep(), 0.3);
  const ConfigSummary& big = find(s, "p", "sgd lr=1.000000");
  // Its one finished seed (0.05) is the lowest loss of all, yet the
  // diverged seed makes the configuration infinitely bad.
  EXPECT_EQ(big.diverged, 1u);
  EXPECT_EQ(big.train_loss.n, 1u);
  EXPECT_EQ(big.train_loss.mean, 0.05);
  EXPECT_EQ(big.score, kInf);
  EXPECT_EQ(big.rank, 4);
  // The diverged seed's hit does not count, so not every seed reached.
  EXPECT_EQ(big.reached, 1u);
  EXPECT_EQ(big.steps_to_target, kInf);

  // Scores 0.11 (adam 0.01) < 0.3 (sgd 0.1) < 0.6 (adam 0.001) < inf.
  EXPECT_EQ(find(s, "p", "adam lr=0.010000").rank, 1);
  EXPECT_NEAR(find(s, "p", "adam lr=0.010000").score, 0.11, kTol);
  EXPECT_EQ(find(s, "p", "sgd lr=0.100000").rank, 2);
  EXPECT_EQ(find(s, "p", "adam lr=0.001000").rank, 3);
  // adam at 0.001: one seed never reached 0.3.
  EXPECT_EQ(find(s, "p", "adam lr=0.001000").steps_to_target, kInf);

  ASSERT_EQ(s.best_lrs.size(), 2u);
  EXPECT_EQ(s.best_lrs[0].optimizer, "adam");
  EXPECT_EQ(s.best_lrs[0].lr, 0.01);
  EXPECT_EQ(s.best_lrs[1].optimizer, "sgd");
  EXPECT_EQ(s.best_lrs[1].lr, 0.1);  // not 1.0
}

TEST(Summarize, EqualScoresShareARankAndFailedRunsCount) {
  const std::vector<RunOutcome> runs{
      run("q", "a", 0.1, 0, RunStatus::Done, 1.0), run("q", "b", 0.1, 0, RunStatus::Done, 1.0),
      run("q", "c", 0.1, 0, RunStatus::Done, 2.0), run("q", "d", 0.1, 0, RunStatus::Failed, 0.0),
      run("q", "e", 0.1, 0, RunStatus::Interrupted, 0.0)};
  const Summary s = optbench::results::summarize(runs, std::nullopt);
  EXPECT_EQ(find(s, "q", "a lr=0.100000").rank, 1);
  EXPECT_EQ(find(s, "q", "b lr=0.100000").rank, 1);
  EXPECT_EQ(find(s, "q", "c lr=0.100000").rank, 3);
  const ConfigSummary& failed = find(s, "q", "d lr=0.100000");
  EXPECT_EQ(failed.failed, 1u);
  EXPECT_EQ(failed.score, kInf);
  EXPECT_EQ(failed.rank, 4);
  const ConfigSummary& unfinished = find(s, "q", "e lr=0.100000");
  EXPECT_EQ(unfinished.unfinished, 1u);
  EXPECT_EQ(unfinished.train_loss.n, 0u);
  EXPECT_EQ(unfinished.score, kInf);
  // Without a target nothing reaches anything.
  EXPECT_EQ(find(s, "q", "a lr=0.100000").steps_to_target, kInf);
  EXPECT_FALSE(s.target);
}

TEST(Summarize, TestLossRanksWhenEveryConfigurationHasIt) {
  // By train loss "a" (0.1) would win; by test loss "b" (0.3 < 0.5) does.
  const std::vector<RunOutcome> with_test{run("d", "a", 0.1, 0, RunStatus::Done, 0.1, 0.5),
                                          run("d", "b", 0.1, 0, RunStatus::Done, 0.2, 0.3)};
  const Summary s = optbench::results::summarize(with_test, std::nullopt);
  EXPECT_EQ(s.ranked_by.front().second, "test loss");
  EXPECT_EQ(find(s, "d", "b lr=0.100000").rank, 1);
  EXPECT_EQ(find(s, "d", "a lr=0.100000").rank, 2);
  // One configuration without a test loss: all are ranked by train loss.
  std::vector<RunOutcome> mixed = with_test;
  mixed.push_back(run("d", "c", 0.1, 0, RunStatus::Done, 0.15));
  const Summary m = optbench::results::summarize(mixed, std::nullopt);
  EXPECT_EQ(m.ranked_by.front().second, "train loss");
  EXPECT_EQ(find(m, "d", "a lr=0.100000").rank, 1);
}

TEST(Profile, RatiosToTheFastestOptimizerPerProblem) {
  // Steps to the target (all seeds): problem p1: x 9, y 19, z never;
  // p2: x 39, y 9 (its faster of two lrs), z 29; p3: nobody.
  const std::vector<RunOutcome> runs{
      run("p1", "x", 0.1, 0, RunStatus::Done, 0.1, {}, 9),
      run("p1", "y", 0.1, 0, RunStatus::Done, 0.1, {}, 19),
      run("p1", "z", 0.1, 0, RunStatus::Done, 0.9),
      run("p2", "x", 0.1, 0, RunStatus::Done, 0.1, {}, 39),
      run("p2", "y", 0.1, 0, RunStatus::Done, 0.1, {}, 49),
      run("p2", "y", 0.2, 0, RunStatus::Done, 0.1, {}, 9),
      run("p2", "z", 0.1, 0, RunStatus::Done, 0.1, {}, 29),
      run("p3", "x", 0.1, 0, RunStatus::Done, 0.9),
  };
  const auto profile =
      optbench::results::performance_profile(optbench::results::summarize(runs, 0.5));
  EXPECT_EQ(profile.problems, (std::vector<std::string>{"p1", "p2", "p3"}));
  ASSERT_EQ(profile.curves.size(), 3u);
  // Times are steps + 1: p1 x 10, y 20; p2 x 40, y 10, z 30.
  EXPECT_EQ(profile.curves[0].optimizer, "x");
  EXPECT_EQ(profile.curves[0].ratios, (std::vector<double>{1.0, 4.0, kInf}));
  EXPECT_EQ(profile.curves[1].ratios, (std::vector<double>{1.0, 2.0, kInf}));
  EXPECT_EQ(profile.curves[2].ratios, (std::vector<double>{3.0, kInf, kInf}));
  EXPECT_NEAR(profile.curves[0].fraction_within(1.0), 1.0 / 3.0, kTol);
  EXPECT_NEAR(profile.curves[0].fraction_within(3.9), 1.0 / 3.0, kTol);
  EXPECT_NEAR(profile.curves[0].fraction_within(4.0), 2.0 / 3.0, kTol);
  EXPECT_NEAR(profile.curves[1].fraction_within(2.0), 2.0 / 3.0, kTol);
  EXPECT_EQ(profile.curves[2].fraction_within(2.9), 0.0);
  EXPECT_NEAR(profile.curves[2].fraction_within(1e9), 1.0 / 3.0, kTol);
}

optbench::results::Table sample_table() {
  optbench::results::Table t;
  t.header = {"name", "loss_mean", "loss_sd", "count", "unused", "note"};
  t.rows.push_back({std::string("SGD, \"fast\""), 0.125, 0.0625, std::int64_t{3}, {}, kNaN});
  t.rows.push_back({std::string("Adam\nnew"), kInf, kNaN, std::int64_t{-1}, {}, -kInf});
  return t;
}

TEST(Table, CsvQuotesAndSpecialNumbers) {
  std::ostringstream out;
  optbench::results::write_csv(sample_table(), out);
  EXPECT_EQ(out.str(),
            "name,loss_mean,loss_sd,count,unused,note\n"
            "\"SGD, \"\"fast\"\"\",0.125,0.0625,3,,NaN\n"
            "\"Adam\nnew\",inf,NaN,-1,,-inf\n");
}

TEST(Table, JsonParsesBack) {
  std::ostringstream out;
  optbench::results::write_json(sample_table(), out);
  const YAML::Node rows = YAML::Load(out.str());
  ASSERT_TRUE(rows.IsSequence());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["name"].as<std::string>(), "SGD, \"fast\"");
  EXPECT_EQ(rows[0]["loss_mean"].as<double>(), 0.125);
  EXPECT_EQ(rows[0]["count"].as<int>(), 3);
  EXPECT_TRUE(rows[0]["unused"].IsNull());
  EXPECT_EQ(rows[0]["note"].as<std::string>(), "NaN");
  EXPECT_EQ(rows[1]["name"].as<std::string>(), "Adam\nnew");
  EXPECT_EQ(rows[1]["loss_mean"].as<std::string>(), "inf");
  EXPECT_EQ(rows[1]["note"].as<std::string>(), "-inf");
  std::ostringstream empty;
  optbench::results::write_json({{"a"}, {}}, empty);
  EXPECT_EQ(empty.str(), "[]\n");
}

TEST(Table, HumanRowsPairMeanWithSdAndDropEmptyColumns) {
  const auto rows = optbench::results::human_rows(sample_table());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"name", "loss", "count", "note"}));
  EXPECT_EQ(rows[1],
            (std::vector<std::string>{"SGD, \"fast\"", "0.125 \u00b1 0.0625", "3", "NaN"}));
  EXPECT_EQ(rows[2][1], "inf");  // no sd, no "±"
}

TEST(Target, ReadFromTheStoredYaml) {
  EXPECT_EQ(optbench::results::target_from_yaml("name: x\ntarget_loss: 0.25\n"), 0.25);
  EXPECT_EQ(optbench::results::target_from_yaml("name: x\ntarget_loss: 1e-3\n"), 1e-3);
  EXPECT_FALSE(optbench::results::target_from_yaml("name: x\n"));
  EXPECT_FALSE(optbench::results::target_from_yaml("name: [unclosed\n"));
  EXPECT_FALSE(optbench::results::target_from_yaml("target_loss: .nan\n"));
  EXPECT_FALSE(optbench::results::target_from_yaml(""));
}

}  // namespace
