// The messages between MPI ranks: every kind survives encoding (doubles with
// their bits: NaN payloads, -0.0, infinities; histories as the store's chunk
// text, byte for byte), and a damaged buffer is refused instead of read past
// its end.
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

TEST(RankMessages, HistoriesTravelAsTheStoresChunksByteForByte) {
  History h;
  h.chunks.push_back({false, "train", "loss", 0, 20, 3,
                      "[[0,0,2.5,0.001],[10,0,\"NaN\",0.002],[20,1,9e999,0.003]]"});
  h.chunks.push_back({true, "", "", 7, 7, 1, "[[7,-0,1e-310]]"});
  std::string big(300000, '1');
  big.front() = '[';
  big.back() = ']';
  h.chunks.push_back({false, "test", "accuracy", 5, 99999, 40000, big});
  const auto got = round_trip(h);
  ASSERT_EQ(got.chunks.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got.chunks[i].trajectory, h.chunks[i].trajectory);
    EXPECT_EQ(got.chunks[i].split, h.chunks[i].split);
    EXPECT_EQ(got.chunks[i].name, h.chunks[i].name);
    EXPECT_EQ(got.chunks[i].first_step, h.chunks[i].first_step);
    EXPECT_EQ(got.chunks[i].last_step, h.chunks[i].last_step);
    EXPECT_EQ(got.chunks[i].count, h.chunks[i].count);
    EXPECT_EQ(got.chunks[i].points, h.chunks[i].points);
  }
}

TEST(RankMessages, EveryKindRoundTrips) {
  EXPECT_EQ(round_trip(Ready{"node-17"}).host, "node-17");
  EXPECT_EQ(round_trip(Ready{"node-17"}).stopped_by, 0);
  EXPECT_EQ(round_trip(Ready{"node-2", 15}).stopped_by, 15);
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
  s.values = {1,
              -0.0,
              3,
              std::numeric_limits<double>::infinity(),
              std::numeric_limits<double>::denorm_min(),
              std::nan("0x5")};
  const auto got = round_trip(SurfaceSample{s}).surface;
  EXPECT_EQ(got.problem_key, "rosenbrock");
  EXPECT_EQ(got.nx, 2);
  EXPECT_EQ(got.ny, 3);
  EXPECT_EQ(got.x0_min, -2);
  EXPECT_EQ(got.x1_max, 3);
  EXPECT_EQ(got.min_x0, 1);
  ASSERT_EQ(got.values.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i)
    EXPECT_EQ(bits(got.values[i]), bits(s.values[i])) << i;
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
  History h;
  h.chunks.push_back({false, "train", "loss", 1, 1, 1, "[[1,0,0.5,0]]"});
  const auto bytes = encode(h);
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
