// The layer registry every layer file fills itself: the words sequential
// accepts and lists are the registry's, and each word's shape rule, run on
// the whole list before anything is allocated, agrees with the layer it
// builds. The checks go over every registered word, so a new layer file is
// held to them without an edit here.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layer_registry.hpp"
#include "test_support.hpp"

namespace nn {
namespace {

using optbench::testing::built_plugins;
using optbench::testing::contains;

std::string refusal(const std::string& layers) {
  optbench::ModelContext context;
  context.data = optbench::DatasetInfo{optbench::Task::Classification, {784}, 10, 1};
  context.max_batch = 4;
  try {
    built_plugins().make_model("sequential", {{"layers", layers}}, context);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << layers;
  return {};
}

TEST(LayerRegistry, HoldsTheBuiltInWordsInTheOrderUsersMeetThem) {
  const std::string words = layer_words();
  EXPECT_EQ(words.rfind("linear, conv, maxpool, avgpool, relu, tanh, sigmoid, gelu, batchnorm, "
                        "dropout, flatten, embedding, lstm",
                        0),
            0u)
      << words;
  for (const auto* kind : layer_kinds()) {
    EXPECT_EQ(find_layer(kind->word), kind);
    EXPECT_TRUE(kind->shape && kind->make) << kind->word;
  }
  EXPECT_EQ(find_layer("softmax"), nullptr);
}

// The test binary links the same layer files as the plugin, so its registry
// holds the same words.
TEST(LayerRegistry, AnUnknownWordIsRefusedListingEveryRegisteredWord) {
  EXPECT_EQ(refusal("linear 10, softmax"),
            "sequential: layers[1] 'softmax': unknown layer; expected one of " + layer_words());
  EXPECT_EQ(refusal("[softmax]"),
            "sequential: layers[0] 'softmax': unknown layer; expected one of " + layer_words());
}

TEST(LayerRegistry, TheModelsDescriptionGivesEveryWordWithItsNumbers) {
  const auto* plugin = built_plugins().find(optbench::PluginKind::Model, "sequential");
  ASSERT_NE(plugin, nullptr);
  const auto& doc = plugin->info.schema.at(0).doc;
  EXPECT_TRUE(contains(doc, ": " + layer_usages())) << doc;
  for (const auto* kind : layer_kinds())
    EXPECT_TRUE(contains(doc, kind->word)) << kind->word;
  EXPECT_TRUE(contains(doc, "conv OUT K, maxpool K")) << doc;
  EXPECT_TRUE(contains(doc, "lstm HIDDEN [LAYERS]")) << doc;
}

TEST(LayerRegistry, ARefusalOfNumbersSaysWhatTheWordTakes) {
  EXPECT_EQ(expected_arguments(*find_layer("conv")), "conv OUT K");
  EXPECT_EQ(expected_arguments(*find_layer("relu")), "relu with no numbers");
  EXPECT_EQ(expected_arguments(*find_layer("dropout")), "dropout P with P in [0, 1)");
  EXPECT_EQ(expected_arguments(*find_layer("lstm")), "lstm HIDDEN [LAYERS]");
  EXPECT_EQ(refusal("lstm 4 2 1, linear 10"),
            "sequential: layers[0] 'lstm 4 2 1': expected lstm HIDDEN [LAYERS]");
  EXPECT_EQ(refusal("dropout 0.5 0.5, linear 10"),
            "sequential: layers[0] 'dropout 0.5 0.5': expected dropout P with P in [0, 1)");
}

// Each word with each of its argument counts (2 for a count, 0.5 for a
// probability), on inputs of every rank a layer takes, before a linear
// layer: where the shape rule refuses, the layer refuses with the same
// message; where it accepts, the layer gives that shape (or, for a word
// that adds no layer, the shape is its input's).
TEST(LayerRegistry, EveryWordsShapeRuleAgreesWithTheLayerItBuilds) {
  const optbench::DatasetInfo data{optbench::Task::Classification, {6}, 10, 1};
  const std::vector<Dims> inputs{{12}, {6, 4}, {3, 8, 8}, {2, 3, 4, 5}};
  std::size_t built = 0;
  for (const auto* kind : layer_kinds()) {
    for (std::size_t n = 0; n <= kind->arguments.size(); ++n) {
      LayerEntry entry{kind->word, {}, kind->word};
      for (std::size_t k = 0; k < n; ++k) {
        const bool p = kind->arguments[k].kind == LayerArgument::Kind::Probability;
        entry.args.push_back(p ? 0.5 : 2.0);
      }
      const std::vector<LayerEntry> list{entry, {"linear", {}, "linear"}};
      for (const auto& in : inputs) {
        std::map<std::string, int> names_a, names_b;
        std::optional<LayerSite> site;
        try {
          site.emplace(list, 0, in, data, 1, names_a);
        } catch (const LayerListError&) {
          continue;  // a count of numbers the word does not take
        }
        const LayerSite twin(list, 0, in, data, 1, names_b);
        std::string rule_error, layer_error;
        Dims shape;
        std::unique_ptr<Layer> layer;
        try {
          shape = kind->shape(*site);
        } catch (const std::invalid_argument& e) {
          rule_error = e.what();
        }
        try {
          layer = kind->make(twin);
        } catch (const std::invalid_argument& e) {
          layer_error = e.what();
        }
        const std::string what = entry.kind + " with " + std::to_string(n) + " numbers on rank " +
                                 std::to_string(in.size());
        EXPECT_EQ(rule_error, layer_error) << what;
        if (!rule_error.empty()) continue;
        EXPECT_EQ(layer ? layer->output_shape() : in, shape) << what;
        ++built;
      }
    }
  }
  EXPECT_GE(built, layer_kinds().size());
}

}  // namespace
}  // namespace nn
