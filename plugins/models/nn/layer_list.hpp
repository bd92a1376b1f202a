// The sequential plugin's `layers` setting, read into one entry per layer.
// It comes in two spellings: the text "conv 32 5, relu, linear 10", or the
// YAML list [conv: {out: 32, kernel: 5}, relu, linear: 10], which the host
// hands over as one flow-style YAML text.
#pragma once

#include <string>
#include <vector>

namespace nn {

struct LayerEntry {
  std::string kind;          ///< its word (layer_registry.hpp)
  std::vector<double> args;  ///< in the order of the kind's argument names
  std::string text;          ///< as written, for messages
};

/// Reads either spelling. Throws std::invalid_argument naming the layer's
/// position and text ("sequential: layers[1] 'linear ten': expected a
/// number, got 'ten'").
std::vector<LayerEntry> parse_layer_list(const std::string& value);

}  // namespace nn
