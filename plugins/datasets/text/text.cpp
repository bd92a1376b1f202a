// Text files as a character-level language-model dataset: each sample is a
// window of seq_len bytes, its target the same window one byte later (the
// next character at every step). Made for the fortune collections of
// Debian's `fortunes` package (/usr/share/games/fortunes), whose files hold
// quotations separated by lines of "%".
//
// The split is by entry (a quotation, or a paragraph of a plain file), not
// by window, so no test sentence was seen in training; it is drawn from
// split_seed, not the run's seed, so every run is tested on the same text.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "dataset_common.hpp"
#include "optbench/random.hpp"

namespace {

optbench::PluginInfo plugin_info() {
  using namespace datasets;
  return make_info(
      "text", "text files as next-character prediction, e.g. the fortunes collections",
      {
          string_spec("dir", "/usr/share/games/fortunes",
                      "folder of the files, relative to the experiment file's folder unless "
                      "absolute"),
          string_spec("files", "literature, humorists, people",
                      "comma-separated file names in dir"),
          string_spec("format", "fortune",
                      "fortune: entries separated by lines of '%'; plain: by blank lines",
                      {"fortune", "plain"}),
          int_spec("seq_len", 64, "characters per sample (the steps of the sequence)", 2, 4096),
          test_fraction_spec(0.1, "share of the entries held out as the test split"),
          int_spec("split_seed", 0,
                   "seed of the entries' shuffle before the split (not the run's seed: every run "
                   "sees the same split)",
                   0),
      });
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

/// A file's text as a terminal shows it: "_\bx" (overstrike, how these
/// files underline) keeps only the last character.
std::string read_text(const std::filesystem::path& path) {
  datasets::require_regular_file(path, "text");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot be read");
  std::string out;
  for (std::istreambuf_iterator<char> it(in), end; it != end; ++it) {
    if (*it == '\b') {
      if (!out.empty()) out.pop_back();
    } else {
      out.push_back(*it);
    }
  }
  return out;
}

std::vector<std::string> entries(const std::string& text, bool fortune) {
  std::vector<std::string> out;
  std::string current, line;
  std::istringstream lines(text);
  const auto flush = [&] {
    if (!trim(current).empty()) out.push_back(current);
    current.clear();
  };
  while (std::getline(lines, line)) {
    if (fortune ? line == "%" : trim(line).empty()) {
      flush();
    } else {
      current += line + "\n";
    }
  }
  flush();
  return out;
}

class TextDataset final : public optbench::Dataset {
 public:
  TextDataset(std::string train, std::string test, std::array<int, 256> ids, std::size_t vocab,
              std::size_t steps)
      : train_(std::move(train)), test_(std::move(test)), ids_(ids), vocab_(vocab), steps_(steps) {}

  optbench::DatasetInfo info() const override {
    optbench::DatasetInfo i;
    i.task = optbench::Task::Classification;
    i.sample_shape = {steps_};
    i.classes = vocab_;
    i.target_size = steps_;
    return i;
  }

  std::size_t size(optbench::Split split) const override {
    const auto& text = split == optbench::Split::Train ? train_ : test_;
    // Windows of steps + 1 bytes, starting every `steps` bytes.
    return text.size() > steps_ ? (text.size() - 1) / steps_ : 0;
  }

  void fill(optbench::Split split, std::span<const std::size_t> indices, float* inputs,
            float* targets) const override {
    datasets::check_indices("text", split, indices, size(split));
    const auto& text = split == optbench::Split::Train ? train_ : test_;
    for (std::size_t k = 0; k < indices.size(); ++k) {
      const char* w = text.data() + indices[k] * steps_;
      for (std::size_t t = 0; t < steps_; ++t) {
        inputs[k * steps_ + t] = static_cast<float>(ids_[static_cast<unsigned char>(w[t])]);
        targets[k * steps_ + t] = static_cast<float>(ids_[static_cast<unsigned char>(w[t + 1])]);
      }
    }
  }

 private:
  std::string train_, test_;
  std::array<int, 256> ids_;
  std::size_t vocab_;
  std::size_t steps_;
};

std::unique_ptr<optbench::Dataset> make(const optbench::ParamMap& given,
                                        const optbench::DatasetContext& context) {
  const optbench::ResolvedParams p(plugin_info(), given);
  const auto dir = datasets::resolve_path(context.base_dir, p.string("dir"));
  const bool fortune = p.string("format") == "fortune";
  std::vector<std::string> all;
  std::stringstream names(p.string("files"));
  for (std::string name; std::getline(names, name, ',');) {
    name = trim(name);
    if (name.empty()) throw std::invalid_argument("text: files: an empty file name");
    auto more = entries(read_text(dir / name), fortune);
    if (more.empty())
      throw std::invalid_argument("text: " + (dir / name).string() + " holds no text");
    all.insert(all.end(), std::make_move_iterator(more.begin()),
               std::make_move_iterator(more.end()));
  }
  // The vocabulary is every byte of every file, numbered in byte order, so
  // the test split has no unknown character.
  std::array<int, 256> ids{};
  ids.fill(-1);
  for (const auto& e : all)
    for (unsigned char c : e)
      ids[c] = 0;
  std::size_t vocab = 0;
  for (auto& id : ids)
    if (id == 0) id = static_cast<int>(vocab++);

  optbench::Rng rng(static_cast<std::uint64_t>(p.integer("split_seed")));
  for (std::size_t i = all.size(); i > 1; --i)
    std::swap(all[i - 1], all[rng.below(i)]);
  const auto n_test =
      static_cast<std::size_t>(p.real("test_fraction") * static_cast<double>(all.size()));
  std::string train, test;
  for (std::size_t i = 0; i < all.size(); ++i)
    (i < n_test ? test : train) += all[i];
  const auto steps = static_cast<std::size_t>(p.integer("seq_len"));
  auto data = std::make_unique<TextDataset>(std::move(train), std::move(test), ids, vocab, steps);
  if (data->size(optbench::Split::Train) == 0) {
    throw std::invalid_argument("text: the training text is shorter than seq_len + 1 characters");
  }
  return data;
}

}  // namespace

OPTBENCH_DATASET_PLUGIN(plugin_info, make)
