#include "layer_list.hpp"

#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "layer_registry.hpp"

namespace nn {

namespace {

[[noreturn]] void fail(std::size_t index, const std::string& text, const std::string& what) {
  throw std::invalid_argument("sequential: layers[" + std::to_string(index) + "] '" + text +
                              "': " + what);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
}

double number(std::size_t index, const std::string& text, const std::string& word) {
  std::size_t used = 0;
  double x = 0;
  try {
    x = std::stod(word, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (word.empty() || used != word.size() || !std::isfinite(x)) {
    fail(index, text, "expected a number, got '" + word + "'");
  }
  return x;
}

std::vector<LayerEntry> parse_text(const std::string& list) {
  std::vector<LayerEntry> out;
  std::stringstream items(list);
  std::string item;
  while (std::getline(items, item, ',')) {
    LayerEntry layer;
    layer.text = trim(item);
    std::stringstream words(layer.text);
    words >> layer.kind;
    std::string word;
    while (words >> word)
      layer.args.push_back(number(out.size(), layer.text, word));
    if (layer.kind.empty()) {
      throw std::invalid_argument("sequential: layers[" + std::to_string(out.size()) +
                                  "] is empty");
    }
    out.push_back(std::move(layer));
  }
  return out;
}

std::string flow(const YAML::Node& node) {
  YAML::Emitter e;
  e.SetSeqFormat(YAML::Flow);
  e.SetMapFormat(YAML::Flow);
  e << node;
  return e.c_str();
}

// One item of the YAML spelling: `relu`, `linear: 10`, `conv: [32, 5]` or
// `conv: {out: 32, kernel: 5}` (every argument named, none twice).
LayerEntry parse_item(std::size_t index, const YAML::Node& item) {
  LayerEntry layer;
  layer.text = flow(item);
  if (item.IsScalar()) {
    auto words = parse_text(item.Scalar());
    if (words.size() != 1) fail(index, layer.text, "expected one layer");
    words[0].text = layer.text;
    return words[0];
  }
  if (!item.IsMap() || item.size() != 1 || !item.begin()->first.IsScalar()) {
    fail(index, layer.text, "expected a layer name or 'name: arguments'");
  }
  layer.kind = item.begin()->first.Scalar();
  const YAML::Node value = item.begin()->second;
  // An unknown word is left to the caller, which lists the known ones.
  const LayerKind* kind = find_layer(layer.kind);
  if (value.IsScalar()) {
    layer.args.push_back(number(index, layer.text, value.Scalar()));
  } else if (value.IsSequence()) {
    for (const auto& x : value) {
      if (!x.IsScalar()) fail(index, layer.text, "expected numbers, got " + flow(x));
      layer.args.push_back(number(index, layer.text, x.Scalar()));
    }
  } else if (value.IsMap() && kind) {
    std::string all;
    for (const auto& a : kind->arguments)
      all += (all.empty() ? "" : ", ") + a.name;
    std::map<std::string, double> given;
    for (const auto& kv : value) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : flow(kv.first);
      bool known = false;
      for (const auto& a : kind->arguments)
        known = known || a.name == key;
      if (!known) {
        fail(index, layer.text,
             "unknown argument '" + key + "' of " + layer.kind + "; expected " +
                 (all.empty() ? "none" : all));
      }
      if (!kv.second.IsScalar()) fail(index, layer.text, key + ": expected a number");
      given[key] = number(index, layer.text, kv.second.Scalar());
    }
    // Named arguments become the positional ones; a missing one is left out
    // so that the layer's own check says what it needs.
    for (const auto& a : kind->arguments) {
      if (const auto it = given.find(a.name); it != given.end()) {
        layer.args.push_back(it->second);
      } else {
        break;
      }
    }
    if (layer.args.size() != given.size()) {
      fail(index, layer.text, "expected the arguments " + all);
    }
  } else if (!value.IsNull()) {
    fail(index, layer.text, "expected a number, a list of numbers or named arguments");
  }
  return layer;
}

}  // namespace

std::vector<LayerEntry> parse_layer_list(const std::string& value) {
  std::vector<LayerEntry> out;
  if (trim(value).rfind('[', 0) == 0) {
    YAML::Node list;
    try {
      list = YAML::Load(value);
    } catch (const YAML::Exception& e) {
      throw std::invalid_argument("sequential: layers: not a YAML list: " + e.msg);
    }
    if (!list.IsSequence()) throw std::invalid_argument("sequential: layers: expected a list");
    for (std::size_t i = 0; i < list.size(); ++i)
      out.push_back(parse_item(i, list[i]));
  } else {
    out = parse_text(value);
  }
  if (out.empty()) throw std::invalid_argument("sequential: layers: expected at least one layer");
  return out;
}

}  // namespace nn
