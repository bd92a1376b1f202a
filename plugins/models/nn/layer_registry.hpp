// The layer language of the sequential model, as one registry: each word
// ("conv", "relu"), the numbers it takes, the shape it gives and the layer it
// builds. Every layer file registers its own words with a static
// LayerRegistrar, so a new layer is one new file in this folder and nothing
// else lists the layers. The folder's CMakeLists.txt builds every file but
// the model plugins' into an object library, so the linker keeps each
// registrar even in a file nothing names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "layer.hpp"
#include "layer_list.hpp"
#include "optbench/dataset.hpp"

namespace nn {

/// One number a word takes, in the order the text spelling writes them.
struct LayerArgument {
  enum class Kind {
    Count,        ///< a whole number from 1 to 1e7
    Probability,  ///< a number in [0, 1)
  };
  std::string name;   ///< its key in the YAML spelling: conv: {out: 32, kernel: 5}
  std::string shown;  ///< how usage texts write it: "OUT" in "conv OUT K"
  Kind kind = Kind::Count;
  bool optional = false;  ///< may be left out, and so may every argument after it
};

/// A refusal of the list itself (a misplaced layer, wrong numbers) rather
/// than of the input's shape; the caller puts the layer's position and text
/// in front of it.
class LayerListError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class LayerSite;

/// Everything the layer language knows about one word.
struct LayerKind {
  std::string word;
  std::vector<LayerArgument> arguments;
  /// The per-sample output shape at `site`, computed for the whole list
  /// before any tensor is allocated. Throws std::invalid_argument when the
  /// layer cannot follow site.in, or refuses the place (site.refuse).
  std::function<Dims(const LayerSite& site)> shape;
  /// Builds the layer for site.in, once every shape of the list passed. A
  /// null result adds no layer: the word only annotates the list (flatten).
  std::function<std::unique_ptr<Layer>(const LayerSite& site)> make;
  /// Where the word stands in the lists shown to users, lower first; ties
  /// by word. The built-in words take 10 to 90 in the order users meet them.
  int order = 1000;
  /// Said after the word's usage in the model's description.
  std::string note;
  /// What a refusal of its numbers says is expected, when not the usage.
  std::string expected;
};

/// One entry of a layer list at its place in the network: what a word's
/// rules may read. Constructing it finds the word and checks its numbers
/// against the word's arguments (LayerListError otherwise).
class LayerSite {
 public:
  LayerSite(const std::vector<LayerEntry>& list, std::size_t index, const Dims& in,
            const optbench::DatasetInfo& data, std::uint64_t seed,
            std::map<std::string, int>& names);

  const std::vector<LayerEntry>& list;
  const std::size_t index;            ///< position in the list
  const Dims& in;                     ///< the per-sample input shape
  const optbench::DatasetInfo& data;  ///< what the network is trained on
  const std::uint64_t seed;           ///< the run's

  const LayerKind& kind() const { return *kind_; }
  const LayerEntry& entry() const { return list[index]; }
  /// Whether argument `k` was written (optional ones may be left out).
  bool given(std::size_t k) const { return k < entry().args.size(); }
  /// Argument `k`, checked: a Count as a dimension, a Probability as is.
  memory::dim count(std::size_t k) const { return static_cast<memory::dim>(entry().args.at(k)); }
  double number(std::size_t k) const { return entry().args.at(k); }
  /// The next tensor name with `prefix` in this network (fc1, fc2, conv1),
  /// as the mlp and cnn plugins name theirs. Call it once per layer.
  std::string name(const std::string& prefix) const;
  [[noreturn]] void refuse(const std::string& what) const { throw LayerListError(what); }

 private:
  const LayerKind* kind_;
  std::map<std::string, int>* names_;
};

/// Registers a word when its file's static objects are initialized.
class LayerRegistrar {
 public:
  explicit LayerRegistrar(LayerKind kind);
};

/// The word's kind, or null. Throws std::logic_error when two files
/// registered one word.
const LayerKind* find_layer(const std::string& word);
/// Every registered word's kind, in the order users meet them.
std::vector<const LayerKind*> layer_kinds();
/// Every word, comma-separated, for messages.
std::string layer_words();
/// Every word with its numbers ("conv OUT K", "lstm HIDDEN [LAYERS]") and
/// note, comma-separated, for the model's description.
std::string layer_usages();
/// What a refusal of `kind`'s numbers says is expected ("conv OUT K",
/// "relu with no numbers", "dropout P with P in [0, 1)").
std::string expected_arguments(const LayerKind& kind);

}  // namespace nn
