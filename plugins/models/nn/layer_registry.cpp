#include "layer_registry.hpp"

#include <algorithm>
#include <cmath>

namespace nn {
namespace {

struct Registry {
  std::map<std::string, LayerKind> kinds;
  std::vector<std::string> twice;  ///< words registered by two files
};

// Built on first use: the registrars run while the plugin's static objects
// are initialized, in an order the linker chooses.
Registry& registry() {
  static Registry r;
  return r;
}

std::string usage(const LayerKind& kind) {
  std::string s = kind.word;
  for (const auto& a : kind.arguments)
    s += " " + (a.optional ? "[" + a.shown + "]" : a.shown);
  return s;
}

bool acceptable(const LayerArgument& a, double x) {
  if (a.kind == LayerArgument::Kind::Probability) return x >= 0 && x < 1;
  return x >= 1 && x <= 1e7 && x == std::floor(x);
}

void check_numbers(const LayerKind& kind, const LayerEntry& entry) {
  const auto& want = kind.arguments;
  const auto required = static_cast<std::size_t>(
      std::count_if(want.begin(), want.end(), [](const LayerArgument& a) { return !a.optional; }));
  bool ok = entry.args.size() >= required && entry.args.size() <= want.size();
  for (std::size_t k = 0; ok && k < entry.args.size(); ++k)
    ok = acceptable(want[k], entry.args[k]);
  if (!ok) throw LayerListError("expected " + expected_arguments(kind));
}

}  // namespace

LayerRegistrar::LayerRegistrar(LayerKind kind) {
  auto& r = registry();
  const std::string word = kind.word;
  if (!r.kinds.emplace(word, std::move(kind)).second) r.twice.push_back(word);
}

const LayerKind* find_layer(const std::string& word) {
  const auto& r = registry();
  if (!r.twice.empty()) {
    throw std::logic_error("nn: the layer word '" + r.twice.front() +
                           "' is registered by two files");
  }
  const auto it = r.kinds.find(word);
  return it == r.kinds.end() ? nullptr : &it->second;
}

std::vector<const LayerKind*> layer_kinds() {
  std::vector<const LayerKind*> out;
  for (const auto& entry : registry().kinds)
    out.push_back(&entry.second);
  // The map gives them by word; a stable sort keeps that order among equals.
  std::stable_sort(out.begin(), out.end(),
                   [](const LayerKind* a, const LayerKind* b) { return a->order < b->order; });
  return out;
}

std::string layer_words() {
  std::string s;
  for (const auto* kind : layer_kinds())
    s += (s.empty() ? "" : ", ") + kind->word;
  return s;
}

std::string layer_usages() {
  std::string s;
  for (const auto* kind : layer_kinds()) {
    s += (s.empty() ? "" : ", ") + usage(*kind);
    if (!kind->note.empty()) s += " " + kind->note;
  }
  return s;
}

std::string expected_arguments(const LayerKind& kind) {
  if (!kind.expected.empty()) return kind.expected;
  if (kind.arguments.empty()) return kind.word + " with no numbers";
  std::string s = usage(kind);
  for (const auto& a : kind.arguments) {
    if (a.kind == LayerArgument::Kind::Probability) s += " with " + a.shown + " in [0, 1)";
  }
  return s;
}

LayerSite::LayerSite(const std::vector<LayerEntry>& list_, std::size_t index_, const Dims& in_,
                     const optbench::DatasetInfo& data_, std::uint64_t seed_,
                     std::map<std::string, int>& names)
    : list(list_), index(index_), in(in_), data(data_), seed(seed_), names_(&names) {
  kind_ = find_layer(entry().kind);
  if (!kind_) throw LayerListError("unknown layer; expected one of " + layer_words());
  check_numbers(*kind_, entry());
}

std::string LayerSite::name(const std::string& prefix) const {
  return prefix + std::to_string(++(*names_)[prefix]);
}

}  // namespace nn
