// The messages between MPI ranks: every kind survives encoding with every
// double's bits (NaN payloads, -0.0, infinities), and a damaged buffer is
// refused instead of read past its end.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "run/rank_messages.hpp"

namespace optbench::run::messages {
namespace {

std::uint64_t bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

template <typename T>
T round_trip(const T& m) {
  return std::get<T>(decode(encode(m)));
}

TEST(RankMessages, HistoriesTravelBitForBit) {
  const double odd[] = {-0.0, std::numeric_limits<double>::infinity(), std::nan("0x5"),
                        std::numeric_limits<double>::denorm_min(), 0.1};
  Metrics m;
  for (int i = 0; i < 5; ++i)
    m.points.push_back({i * 10, i, i % 2 ? "test" : "train", "loss", odd[i], 0.25 * i});
  const auto got = round_trip(m);
  ASSERT_EQ(got.points.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(got.points[i].step, m.points[i].step);
    EXPECT_EQ(got.points[i].epoch, m.points[i].epoch);
    EXPECT_EQ(got.points[i].split, m.points[i].split);
    EXPECT_EQ(got.points[i].name, "loss");
    EXPECT_EQ(bits(got.points[i].value), bits(odd[i]));
    EXPECT_EQ(got.points[i].wall_seconds, 0.25 * static_cast<double>(i));
  }
  Trajectory t;
  t.points = {{0, -0.0, 1e-310}, {7, std::nan("0x7"), -3.5}};
  const auto tt = round_trip(t);
  ASSERT_EQ(tt.points.size(), 2u);
  EXPECT_EQ(bits(tt.points[0].x0), bits(-0.0));
  EXPECT_EQ(bits(tt.points[1].x0), bits(std::nan("0x7")));
  EXPECT_EQ(tt.points[1].step, 7);
}

TEST(RankMessages, EveryKindRoundTrips) {
  EXPECT_EQ(round_trip(Ready{"node-17"}).host, "node-17");
  const auto w = round_trip(Work{41, "abc123"});
  EXPECT_EQ(w.index, 41u);
  EXPECT_EQ(w.config_hash, "abc123");
  EXPECT_TRUE(std::holds_alternative<Stop>(decode(encode(Stop{}))));
  store::Surface s;
  s.problem_key = "rosenbrock";
  s.model = "rosenbrock";
  s.nx = 2;
  s.ny = 3;
  s.x0_min = -2;
  s.x1_max = 3;
  s.min_x0 = 1;
  s.values = {1, 2, 3, 4, 5, std::nan("")};
  const auto got = round_trip(SurfaceSample{s}).surface;
  EXPECT_EQ(got.problem_key, "rosenbrock");
  EXPECT_EQ(got.nx, 2);
  EXPECT_EQ(got.ny, 3);
  EXPECT_EQ(got.x0_min, -2);
  EXPECT_EQ(got.x1_max, 3);
  EXPECT_EQ(got.min_x0, 1);
  ASSERT_EQ(got.values.size(), 6u);
  EXPECT_TRUE(std::isnan(got.values[5]));
  Finish f;
  f.result = {store::RunStatus::Failed,
              "faulty optimizer threw",
              1.5,
              42,
              std::nullopt,
              0.25,
              std::nullopt};
  f.host = "node-3";
  f.rank = 7;
  const auto ff = round_trip(f);
  EXPECT_EQ(ff.result.status, store::RunStatus::Failed);
  EXPECT_EQ(ff.result.error, "faulty optimizer threw");
  EXPECT_EQ(ff.result.wall_seconds, 1.5);
  EXPECT_EQ(ff.result.steps, 42);
  EXPECT_FALSE(ff.result.final_loss);
  EXPECT_EQ(ff.result.final_test_loss, 0.25);
  EXPECT_FALSE(ff.result.final_accuracy);
  EXPECT_EQ(ff.host, "node-3");
  EXPECT_EQ(ff.rank, 7);
}

TEST(RankMessages, DamagedBuffersAreRefused) {
  Metrics m;
  m.points.push_back({1, 0, "train", "loss", 0.5, 0.0});
  const auto bytes = encode(m);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_THROW(decode(bytes.data(), cut), std::runtime_error) << "cut at " << cut;
  }
  auto longer = bytes;
  longer.push_back(std::byte{0});
  EXPECT_THROW(decode(longer), std::runtime_error);
  // A count far beyond the buffer is refused before anything is allocated.
  auto huge = bytes;
  const std::uint64_t count = std::uint64_t{1} << 60;
  std::memcpy(huge.data() + 1, &count, sizeof count);
  EXPECT_THROW(decode(huge), std::runtime_error);
  const Bytes unknown{std::byte{99}};
  EXPECT_THROW(decode(unknown), std::runtime_error);
}

}  // namespace
}  // namespace optbench::run::messages
