// The sweep's time-left estimate on constructed durations, and the progress
// printer's two faces: a line rewritten in place on a terminal, plain lines
// elsewhere.
#include <gtest/gtest.h>

#include <sstream>

#include "run/progress.hpp"

namespace optbench::run {
namespace {

using Work = SweepEta::Work;

TEST(SweepEta, NothingIsEstimatedBeforeARunFinished) {
  SweepEta eta({{10, false}, {10, false}}, 1);
  EXPECT_FALSE(eta.remaining(0.0));
  eta.started(0, 0.0);
  EXPECT_FALSE(eta.remaining(5.0));
  EXPECT_EQ(eta.left(), 2u);
}

TEST(SweepEta, SequentialRunsAtTheirMeasuredRate) {
  // Ten runs of 100 steps one after another; the first two took 2 s each
  // with nothing between them: 8 runs of 2 s are left.
  SweepEta eta(std::vector<Work>(10, {100, false}), 1);
  eta.started(0, 0.0);
  eta.finished(0, 2.0, 100);
  eta.started(1, 2.0);
  eta.finished(1, 2.0, 100);
  ASSERT_TRUE(eta.remaining(4.0));
  EXPECT_DOUBLE_EQ(*eta.remaining(4.0), 16.0);
  EXPECT_EQ(eta.left(), 8u);
}

TEST(SweepEta, TheCostBetweenRunsCountsThroughThePace) {
  // Runs of 0.1 s each with 0.1 s spent between them (starting a process,
  // storing): five done by t = 1 s, so the five left need 1 s, not 0.5 s.
  SweepEta eta(std::vector<Work>(10, {200, false}), 1);
  for (std::size_t i = 0; i < 5; ++i) {
    eta.started(i, 0.2 * static_cast<double>(i) + 0.1);
    eta.finished(i, 0.1, 200);
  }
  EXPECT_NEAR(*eta.remaining(1.0), 1.0, 1e-12);
}

TEST(SweepEta, ParallelRunsShareTheWorkAndInFlightRunsCountTheirProgress) {
  // Two jobs, four runs of 1 s. At t = 1 run 0 has finished, run 1 (started
  // at 0) is about to, runs 2 and 3 wait: they will take 1 s side by side.
  SweepEta eta(std::vector<Work>(4, {10, false}), 2);
  eta.started(0, 0.0);
  eta.started(1, 0.0);
  eta.finished(0, 1.0, 10);
  EXPECT_DOUBLE_EQ(*eta.remaining(1.0), 1.0);
  // At t = 1.5 run 1 still runs (taken to end now), run 2 (started at 1)
  // has 0.5 s left and run 3 waits: 1.5 s of training left at the pace of
  // 1.5 s wall per 2.5 s done is 0.9 s, but run 3 alone takes 1 s.
  eta.started(2, 1.0);
  EXPECT_DOUBLE_EQ(*eta.remaining(1.5), 1.0);
}

TEST(SweepEta, NoSoonerThanTheLongestRunLeft) {
  // One long run left of predicted 10 s on 4 jobs: its 10 s are not shared.
  SweepEta eta({{1, true}, {10, true}}, 4);
  eta.started(0, 0.0);
  eta.finished(0, 1.0, 1);
  EXPECT_DOUBLE_EQ(*eta.remaining(1.0), 10.0);
}

TEST(SweepEta, EachUnitHasItsOwnRateAndSkippedRunsAreNotWaitedFor) {
  // Runs of steps and runs of epochs: 1 ms a step, 3 s an epoch.
  SweepEta eta({{100, false}, {2, true}, {300, false}, {5, true}, {1000, false}}, 1);
  eta.started(0, 0.0);
  eta.finished(0, 0.1, 100);
  eta.started(1, 0.1);
  eta.finished(1, 6.0, 2);
  eta.skipped(4);  // finished in an earlier invocation
  EXPECT_EQ(eta.left(), 2u);
  // Left: 300 steps (0.3 s) and 5 epochs (15 s), at the pace 6.1/6.1.
  EXPECT_NEAR(*eta.remaining(6.1), 15.3, 1e-9);
}

TEST(SweepEta, ARunThatStoppedEarlyCountsTheWorkItDid) {
  // A diverged run stopped after 10 of its 100 steps in 0.01 s: 1 ms a
  // step, so the 100-step run left needs 0.1 s.
  SweepEta eta({{100, false}, {100, false}}, 1);
  eta.started(0, 0.0);
  eta.finished(0, 0.01, 10);
  EXPECT_NEAR(*eta.remaining(0.01), 0.1, 1e-12);
  eta.started(1, 0.01);
  eta.finished(1, 0.1, 100);
  EXPECT_DOUBLE_EQ(*eta.remaining(0.11), 0.0);
  EXPECT_EQ(eta.left(), 0u);
}

TEST(FormatDuration, SecondsMinutesHours) {
  EXPECT_EQ(format_duration(0.4), "0 s");
  EXPECT_EQ(format_duration(59.4), "59 s");
  EXPECT_EQ(format_duration(725), "12 min 5 s");
  EXPECT_EQ(format_duration(12000), "3 h 20 min");
  EXPECT_EQ(format_duration(-3), "0 s");
}

TEST(ProgressPrinter, OnATerminalTheLiveLineIsRewrittenAndThenReplaced) {
  std::ostringstream out;
  ProgressPrinter p(out, true);
  p.live("step 1/3");
  p.live("step 2/3");
  p.line("epoch 1 done");
  EXPECT_EQ(out.str(), "\r\033[Kstep 1/3\r\033[Kstep 2/3\r\033[Kepoch 1 done\n");
}

TEST(ProgressPrinter, OffATerminalEveryLineIsAPlainLine) {
  std::ostringstream out;
  ProgressPrinter p(out, false);
  p.live("step 1/3");
  p.line("epoch 1 done");
  EXPECT_EQ(out.str(), "step 1/3\nepoch 1 done\n");
}

}  // namespace
}  // namespace optbench::run
