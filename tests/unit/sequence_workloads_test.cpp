// The workloads beyond image classification: the `text` dataset (windows of
// characters and the next character at every step, split by entry with a
// fixed seed), `idx` with `target: image` (an autoencoder's data), and the
// character LSTM language model of experiments/suite, whose loss must fall.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tiny_mnist.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

std::shared_ptr<Dataset> make_data(const std::string& name, const ParamMap& params,
                                   const fs::path& base_dir) {
  DatasetContext context;
  context.base_dir = base_dir;
  return testing::built_plugins().make_dataset(name, params, context);
}

std::string window_text(const Dataset& d, Split split, std::size_t i,
                        const std::vector<char>& chars, bool targets) {
  const auto steps = d.info().sample_shape[0];
  std::vector<float> x(steps), y(steps);
  const std::size_t index[] = {i};
  d.fill(split, index, x.data(), y.data());
  std::string out;
  for (float id : targets ? y : x)
    out += chars.at(static_cast<std::size_t>(id));
  return out;
}

TEST(TextDataset, WindowsPredictTheNextCharacterAndEntriesSplitByAFixedSeed) {
  TempDir dir;
  // Ten entries of eleven bytes each; the second underlined by overstrike.
  std::string file;
  std::vector<std::string> entries;
  for (int k = 0; k < 10; ++k) {
    entries.push_back("quote " + std::string(1, static_cast<char>('a' + k)) + "...\n");
    file += (k == 1 ? "_\b" : "") + entries.back() + "%\n";
  }
  write_file(dir.path() / "quotes", file);
  const ParamMap params{{"dir", std::string(".")},
                        {"files", std::string("quotes")},
                        {"seq_len", std::int64_t{5}},
                        {"test_fraction", 0.2}};
  const auto data = make_data("text", params, dir.path());
  const auto info = data->info();
  EXPECT_EQ(info.task, Task::Classification);
  EXPECT_EQ(info.sample_shape, std::vector<std::size_t>{5});
  EXPECT_EQ(info.target_size, 5u);
  // Every byte of the entries; not the "%" lines, not the overstrike.
  std::set<char> bytes;
  for (const auto& e : entries)
    bytes.insert(e.begin(), e.end());
  EXPECT_EQ(info.classes, bytes.size());
  const std::vector<char> chars(bytes.begin(), bytes.end());  // ids in byte order

  // 8 train entries of 11 bytes: 88 bytes, windows every 5 bytes.
  EXPECT_EQ(data->size(Split::Train), 87u / 5);
  EXPECT_EQ(data->size(Split::Test), 21u / 5);
  for (std::size_t i = 0; i < data->size(Split::Train); ++i) {
    const auto x = window_text(*data, Split::Train, i, chars, false);
    const auto y = window_text(*data, Split::Train, i, chars, true);
    EXPECT_EQ(x.substr(1), y.substr(0, 4)) << "targets are the inputs one step later";
  }
  // Whole entries on each side, the same for every run.
  std::string test;
  for (std::size_t i = 0; i < data->size(Split::Test); ++i)
    test += window_text(*data, Split::Test, i, chars, false);
  EXPECT_EQ(test.size(), 20u);
  EXPECT_EQ(test.substr(0, 6), "quote ") << test;
  const auto again = make_data("text", params, dir.path());
  EXPECT_EQ(window_text(*again, Split::Test, 0, chars, false),
            window_text(*data, Split::Test, 0, chars, false));
}

// format: plain takes paragraphs (blank-line separated) as the entries:
// with no test share, the training text is every paragraph, each with its
// line breaks, and nothing of the blank lines between them.
TEST(TextDataset, PlainFilesSplitIntoParagraphs) {
  TempDir dir;
  write_file(dir.path() / "book", "abc\ndef\n\n\nghi\n   \njkl\n");
  const auto data = make_data("text",
                              {{"dir", std::string(".")},
                               {"files", std::string("book")},
                               {"format", std::string("plain")},
                               {"seq_len", std::int64_t{3}},
                               {"test_fraction", 0.0}},
                              dir.path());
  // "abc\ndef\n" + "ghi\n" + "jkl\n" in some order: 16 bytes, 5 windows.
  EXPECT_EQ(data->size(Split::Train), 5u);
  EXPECT_EQ(data->size(Split::Test), 0u);
  const std::set<char> bytes{'\n', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'};
  EXPECT_EQ(data->info().classes, bytes.size());
  const std::vector<char> chars(bytes.begin(), bytes.end());
  std::string text;
  for (std::size_t i = 0; i < 5; ++i)
    text += window_text(*data, Split::Train, i, chars, false);
  EXPECT_EQ(text.size(), 15u);
  EXPECT_EQ(std::count(text.begin(), text.end(), ' '), 0);
  for (const char* paragraph : {"abc\ndef\n", "ghi\n"})
    EXPECT_NE((text + "\n").find(paragraph), std::string::npos) << text;
}

TEST(TextDataset, MissingFilesAndTooShortTextAreRefused) {
  TempDir dir;
  write_file(dir.path() / "short", "abc\n");
  try {
    make_data("text", {{"dir", std::string(".")}, {"files", std::string("nope")}}, dir.path());
    ADD_FAILURE() << "accepted a missing file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("nope: text file not found"), std::string::npos)
        << e.what();
  }
  try {
    make_data("text", {{"dir", std::string(".")}, {"files", std::string("short")}}, dir.path());
    ADD_FAILURE() << "accepted 4 bytes for 64-byte windows";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "text: the training text is shorter than seq_len + 1 characters");
  }
}

TEST(IdxDataset, TargetImageMakesEachImageItsOwnRegressionTarget) {
  TempDir dir;
  testing::write_tiny_mnist(dir.path(), 12, 4);
  const auto data =
      make_data("idx", {{"dir", std::string(".")}, {"target", std::string("image")}}, dir.path());
  const auto info = data->info();
  EXPECT_EQ(info.task, Task::Regression);
  EXPECT_EQ(info.target_size, 784u);
  std::vector<float> x(2 * 784), y(2 * 784);
  const std::size_t index[] = {3, 7};
  data->fill(Split::Test, std::span(index, 1), x.data(), y.data());
  data->fill(Split::Train, index, x.data(), y.data());
  EXPECT_EQ(x, y);
  EXPECT_NE(std::count(x.begin(), x.end(), x[0]), static_cast<long>(x.size()));
}

// The suite's character model on the fortunes, shortened: a few dozen Adam
// steps must bring the per-token loss well below its start, ln(vocabulary)
// for a model that knows nothing.
TEST(CharacterLanguageModel, LossFallsOnTheFortunes) {
  if (!fs::exists("/usr/share/games/fortunes/literature")) {
    GTEST_SKIP() << "Debian's fortunes package is not installed (scripts/setup.sh installs it)";
  }
  const auto data = make_data("text", {{"files", std::string("literature")}}, {});
  ModelContext context;
  context.data = data->info();
  context.max_batch = 16;
  context.seed = 3;
  ParamMap model_params{
      {"layers", std::string("[{embedding: 16}, {lstm: {hidden: 64, layers: 2}}, linear]")}};
  auto model = testing::built_plugins().make_model("sequential", model_params, context);
  auto adam = testing::built_plugins().make_optimizer("adam", {{"lr", 0.01}});
  adam->attach(model->parameters());
  const std::size_t steps = data->info().sample_shape[0];
  std::vector<float> x(16 * steps), y(16 * steps);
  std::vector<std::size_t> index(16);
  std::vector<double> losses;
  for (std::size_t step = 0; step < 60; ++step) {
    for (std::size_t k = 0; k < 16; ++k)
      index[k] = (step * 16 + k) % data->size(Split::Train);
    data->fill(Split::Train, index, x.data(), y.data());
    losses.push_back(model->forward({x.data(), y.data(), 16}));
    model->backward();
    adam->step();
  }
  const double chance = std::log(static_cast<double>(data->info().classes));
  EXPECT_NEAR(losses.front(), chance, 0.3);
  double last10 = 0;
  for (std::size_t k = losses.size() - 10; k < losses.size(); ++k)
    last10 += losses[k] / 10;
  EXPECT_LT(last10, chance - 1.0) << "first " << losses.front();
  model->set_training(false);
  const auto e = model->evaluate({x.data(), y.data(), 16});
  EXPECT_LT(e.loss, chance - 1.0);
  EXPECT_GT(e.correct, 0u);
}

}  // namespace
}  // namespace optbench
