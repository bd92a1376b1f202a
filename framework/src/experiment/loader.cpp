#include "experiment/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "experiment/chart_kinds.hpp"
#include "experiment/grid.hpp"
#include "experiment/text_check.hpp"

namespace optbench::experiment {

namespace {

// A sweep written as {logspace: [lo, hi, n]} or a list may not exceed this:
// larger grids are almost always a typo (1e6 instead of 6).
constexpr std::size_t kMaxSweepValues = 10000;

struct YamlFile {
  std::string file;
  /// Errors that did not stop the reading: every one is reported, so that
  /// one pass over the file shows all its mistakes.
  std::vector<SpecError>* errors = nullptr;

  /// Runs `read`; a SpecError in it is collected and reading goes on.
  template <class F>
  void collect(F&& read) const {
    try {
      read();
    } catch (const SpecErrors& e) {
      errors->insert(errors->end(), e.errors().begin(), e.errors().end());
    } catch (const SpecError& e) {
      errors->push_back(e);
    }
  }

  Location at(const YAML::Node& node) const {
    const auto m = node.Mark();
    return {file, m.line + 1, m.column + 1};
  }
  Location at(const YAML::Mark& m) const { return {file, m.line + 1, m.column + 1}; }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& path,
                         const std::string& message) const {
    throw SpecError(at(node), path, message);
  }
};

std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsSequence()) return node.size() == 0 ? "an empty list" : "a list";
  if (node.IsMap()) return node.size() == 0 ? "an empty mapping" : "a mapping";
  return "nothing";
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// "unknown key 'lrr' (did you mean 'lr'? known: ...)"
std::string unknown_message(const std::string& what, const std::string& key,
                            const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = 3;  // suggest only close matches
  std::string list;
  for (const auto& k : known) {
    list += (list.empty() ? "" : ", ") + k;
    const auto d = edit_distance(key, k);
    if (d < best_distance) best_distance = d, best = k;
  }
  std::string msg = "unknown " + what + " '" + key + "'";
  if (!best.empty()) msg += " (did you mean '" + best + "'?)";
  return msg + "; expected one of: " + (list.empty() ? "none" : list);
}

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// The pairs of a mapping in file order. yaml-cpp keeps duplicate keys, so
// they are caught here.
std::vector<Entry> entries(const YamlFile& r, const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) r.fail(node, path, "expected a mapping of key: value, got " + describe(node));
  std::vector<Entry> out;
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const std::string key_path = path.empty() ? "" : path + ".";
    if (!key.IsScalar()) r.fail(key, path, "expected a plain key, got " + describe(key));
    if (!seen.insert(key.Scalar()).second) {
      r.fail(key, key_path + key.Scalar(), "duplicate key '" + key.Scalar() + "'");
    }
    out.push_back({key.Scalar(), key, it->second});
  }
  return out;
}

std::string child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string read_string(const YamlFile& r, const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) r.fail(node, path, "expected a string, got " + describe(node));
  return node.Scalar();
}

// A YAML real, finite: no hyperparameter, seed or setting means anything at
// infinity, and a NaN would only fail later, far from its line.
double read_real(const YamlFile& r, const YAML::Node& node, const std::string& path) {
  double x;
  if (node.IsScalar() && YAML::convert<double>::decode(node, x)) {
    if (!std::isfinite(x))
      r.fail(node, path, "expected a finite real number, got " + describe(node));
    // 1e-400 reads as 0 (or a subnormal that has lost digits) without a
    // word; a learning rate meant to be tiny would silently be zero.
    errno = 0;
    const double parsed = std::strtod(node.Scalar().c_str(), nullptr);
    if (errno == ERANGE && std::fabs(parsed) < std::numeric_limits<double>::min()) {
      r.fail(node, path,
             "expected a real number of magnitude 0 or at least 2.2e-308 (the smallest normal "
             "64-bit double), got " +
                 describe(node) + ", which would underflow to " + (x == 0 ? "0" : "a subnormal"));
    }
    // -0.0 and 0.0 are one value: one hash, one run, one range check.
    return x == 0.0 ? 0.0 : x;
  }
  if (node.IsScalar()) {
    errno = 0;
    char* end = nullptr;
    std::strtod(node.Scalar().c_str(), &end);
    if (errno == ERANGE && end && *end == '\0' && !node.Scalar().empty()) {
      r.fail(node, path,
             "expected a real number within +-1.8e308 (a 64-bit double), got " + describe(node));
    }
  }
  r.fail(node, path, "expected a real number, got " + describe(node));
}

std::int64_t read_integer(const YamlFile& r, const YAML::Node& node, const std::string& path) {
  long long x;
  if (node.IsScalar() && YAML::convert<long long>::decode(node, x)) return x;
  if (node.IsScalar()) {
    static const std::regex digits("[-+]?[0-9]+");
    if (std::regex_match(node.Scalar(), digits)) {
      r.fail(node, path, "expected an integer within +-9.2e18 (64 bits), got " + describe(node));
    }
  }
  r.fail(node, path, "expected an integer, got " + describe(node));
}

// A text setting may be written as a YAML list with `name: value` items,
// such as sequential's `layers: [conv: {out: 32, kernel: 5}, relu, linear:
// 10]`. The plugin receives that list as one flow-style YAML text and reads
// it itself: only the plugin knows what its items mean. A list of plain
// words stays a sweep of strings, as for every other setting.
bool is_structured_text(const YAML::Node& node) {
  if (!node.IsSequence()) return false;
  for (const auto& item : node) {
    if (item.IsMap()) return true;
  }
  return false;
}

std::string flow_text(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetSeqFormat(YAML::Flow);
  out.SetMapFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

// One value of a given type. Errors say what was expected and what was there.
ParamValue read_value(const YamlFile& r, const YAML::Node& node, const std::string& path,
                      ParamType type) {
  const auto expected = [&](const std::string& what) {
    r.fail(node, path, "expected " + what + ", got " + describe(node));
  };
  switch (type) {
    case ParamType::Real:
      return read_real(r, node, path);
    case ParamType::Int:
      return read_integer(r, node, path);
    case ParamType::Bool: {
      bool x;
      if (!node.IsScalar() || !YAML::convert<bool>::decode(node, x)) expected("true or false");
      return x;
    }
    case ParamType::String:
      if (is_structured_text(node)) return flow_text(node);
      if (!node.IsScalar()) expected("a string");
      return node.Scalar();
    case ParamType::RealList: {
      if (!node.IsSequence() || node.size() == 0) expected("a non-empty list of real numbers");
      std::vector<double> list;
      for (std::size_t k = 0; k < node.size(); ++k) {
        list.push_back(read_real(r, node[k], path + "[" + std::to_string(k) + "]"));
      }
      return list;
    }
  }
  throw std::logic_error("unhandled parameter type");
}

// {logspace: [lo, hi, n]} or {linspace: [lo, hi, n]}: n values, ends included.
std::vector<ParamValue> read_range(const YamlFile& r, const YAML::Node& node,
                                   const std::string& path, const ParamSpec& spec) {
  const auto items = entries(r, node, path);
  const bool range =
      items.size() == 1 && (items[0].key == "logspace" || items[0].key == "linspace");
  // Ranges exist for reals only: an integer (a seed, say) is not offered one.
  if (spec.type != ParamType::Real) {
    r.fail(node, path,
           range ? items[0].key + " sweeps need a real-valued hyperparameter"
                 : "expected a value or a list of values, got " + describe(node));
  }
  if (items.size() != 1 || (items[0].key != "logspace" && items[0].key != "linspace")) {
    r.fail(node, path,
           "expected a value, a list of values, {logspace|linspace: [lo, hi, n]}, or a "
           "distribution {loguniform|uniform: [lo, hi]} or {choice: [...]}");
  }
  const auto& args = items[0].value;
  const std::string args_path = child(path, items[0].key);
  if (!args.IsSequence() || args.size() != 3) {
    r.fail(args, args_path, "expected [lo, hi, n], got " + describe(args));
  }
  const double lo = std::get<double>(read_value(r, args[0], args_path + "[0]", ParamType::Real));
  const double hi = std::get<double>(read_value(r, args[1], args_path + "[1]", ParamType::Real));
  const auto n = std::get<std::int64_t>(read_value(r, args[2], args_path + "[2]", ParamType::Int));
  if (n < 1 || static_cast<std::size_t>(n) > kMaxSweepValues) {
    r.fail(args[2], args_path + "[2]",
           "expected a count in [1, " + std::to_string(kMaxSweepValues) + "], got " +
               std::to_string(n));
  }
  const bool log = items[0].key == "logspace";
  if (log && !(lo > 0 && hi > 0)) r.fail(args, args_path, "logspace needs lo > 0 and hi > 0");
  std::vector<ParamValue> values;
  for (std::int64_t k = 0; k < n; ++k) {
    const double t = n == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(n - 1);
    // Powers of ten through log10/pow, so that decades come out exact
    // (0.01, not 0.010000000000000004) and labels and hashes stay clean.
    const double x = log ? std::pow(10.0, std::log10(lo) + t * (std::log10(hi) - std::log10(lo)))
                         : lo + t * (hi - lo);
    values.emplace_back(std::in_place_type<double>, x);
  }
  return values;
}

// {loguniform: [lo, hi]}, {uniform: [lo, hi]} or {choice: [v1, v2, ...]}: what
// a random search draws from. Bounds and choices are checked against the
// hyperparameter's schema here, so a draw is always a valid value.
void read_distribution(const YamlFile& r, const std::string& kind, const YAML::Node& args,
                       const std::string& path, const ParamSpec& spec, Axis& axis) {
  const std::string args_path = child(path, kind);
  Distribution d;
  if (kind == "choice") {
    d.kind = Distribution::Kind::Choice;
    if (!args.IsSequence() || args.size() == 0) {
      r.fail(args, args_path, "expected a non-empty list of values, got " + describe(args));
    }
    if (args.size() > kMaxSweepValues) {
      r.fail(args, args_path,
             "a choice of more than " + std::to_string(kMaxSweepValues) + " values");
    }
    for (std::size_t k = 0; k < args.size(); ++k) {
      const auto item_path = args_path + "[" + std::to_string(k) + "]";
      const auto v = read_value(r, args[k], item_path, spec.type);
      if (auto error = check_value(spec, v); !error.empty()) r.fail(args[k], item_path, error);
      axis.values.push_back(coerce(spec, v));
    }
    axis.sample = d;
    return;
  }
  d.kind = kind == "loguniform" ? Distribution::Kind::LogUniform : Distribution::Kind::Uniform;
  if (spec.type != ParamType::Real && spec.type != ParamType::Int) {
    r.fail(args, path, kind + " needs a real or integer hyperparameter");
  }
  if (!args.IsSequence() || args.size() != 2) {
    r.fail(args, args_path, "expected [lo, hi], got " + describe(args));
  }
  const ParamType bound_type = spec.type;
  double bounds[2];
  for (std::size_t k = 0; k < 2; ++k) {
    const auto item_path = args_path + "[" + std::to_string(k) + "]";
    const auto v = read_value(r, args[k], item_path, bound_type);
    if (auto error = check_value(spec, v); !error.empty()) r.fail(args[k], item_path, error);
    bounds[k] = bound_type == ParamType::Int ? static_cast<double>(std::get<std::int64_t>(v))
                                             : std::get<double>(v);
  }
  if (!(bounds[0] <= bounds[1])) r.fail(args, args_path, "expected lo <= hi");
  if (d.kind == Distribution::Kind::LogUniform && !(bounds[0] > 0)) {
    r.fail(args, args_path, "loguniform needs lo > 0");
  }
  d.lo = bounds[0];
  d.hi = bounds[1];
  axis.integer = spec.type == ParamType::Int;
  axis.sample = d;
}

// A value or a sweep. A list is a sweep for scalar types; for list types a
// list of lists is. A list with `name: value` items for a text setting is
// one value (is_structured_text); a list of such lists sweeps them.
Axis read_axis(const YamlFile& r, const YAML::Node& node, const std::string& path,
               const ParamSpec& spec) {
  Axis axis{spec.name, {}, r.at(node)};
  std::vector<std::pair<YAML::Node, std::string>> items;
  const bool list_type = spec.type == ParamType::RealList;
  if (node.IsMap() && node.size() == 1 && node.begin()->first.IsScalar() &&
      (node.begin()->first.Scalar() == "loguniform" || node.begin()->first.Scalar() == "uniform" ||
       node.begin()->first.Scalar() == "choice")) {
    read_distribution(r, node.begin()->first.Scalar(), node.begin()->second, path, spec, axis);
    return axis;
  } else if (node.IsMap()) {
    axis.values = read_range(r, node, path, spec);
  } else if (node.IsSequence() && !(spec.type == ParamType::String && is_structured_text(node)) &&
             (!list_type || (node.size() > 0 && node[0].IsSequence()))) {
    if (node.size() == 0) r.fail(node, path, "expected at least one value in the sweep");
    if (node.size() > kMaxSweepValues) {
      r.fail(node, path, "a sweep of more than " + std::to_string(kMaxSweepValues) + " values");
    }
    for (std::size_t k = 0; k < node.size(); ++k) {
      items.emplace_back(node[k], path + "[" + std::to_string(k) + "]");
    }
  } else {
    items.emplace_back(node, path);
  }
  for (const auto& [item, item_path] : items) {
    axis.values.push_back(read_value(r, item, item_path, spec.type));
  }
  for (std::size_t k = 0; k < axis.values.size(); ++k) {
    const auto& item_node = items.empty() ? node : items[k].first;
    const auto& item_path = items.empty() ? path : items[k].second;
    if (auto error = check_value(spec, axis.values[k]); !error.empty()) {
      r.fail(item_node, item_path, error);
    }
    axis.values[k] = coerce(spec, axis.values[k]);
  }
  return axis;
}

const ParamSpec* find_spec(const std::vector<ParamSpec>& schema, const std::string& key) {
  for (const auto& s : schema) {
    if (s.name == key) return &s;
  }
  return nullptr;
}

std::vector<std::string> schema_keys(const std::vector<ParamSpec>& schema) {
  std::vector<std::string> keys;
  for (const auto& s : schema)
    keys.push_back(s.name);
  return keys;
}

// The train: block's keys share the plugins' schema machinery.
const std::vector<ParamSpec>& train_schema() {
  static const std::vector<ParamSpec> schema = [] {
    std::vector<ParamSpec> out;
    for (const auto& s : train_settings())
      out.push_back(s.spec);
    return out;
  }();
  return schema;
}

std::map<std::string, ParamValue> read_train(const YamlFile& r, const YAML::Node& node,
                                             const std::string& path) {
  std::map<std::string, ParamValue> out;
  for (const auto& e : entries(r, node, path)) {
    const auto* spec = find_spec(train_schema(), e.key);
    const auto key_path = child(path, e.key);
    if (!spec) {
      r.fail(e.key_node, key_path,
             unknown_message("train setting", e.key, schema_keys(train_schema())));
    }
    // The one place where infinity means something: no loss threshold, only
    // a NaN or infinite loss stops the run.
    double x;
    if (e.key == "diverge_above" && e.value.IsScalar() &&
        YAML::convert<double>::decode(e.value, x) && std::isinf(x) && x > 0) {
      out[e.key] = x;
      continue;
    }
    const auto v = read_value(r, e.value, key_path, spec->type);
    if (auto error = check_value(*spec, v); !error.empty()) r.fail(e.value, key_path, error);
    out[e.key] = coerce(*spec, v);
  }
  return out;
}

// `validation: 0.1` or `validation: {fraction: 0.1, seed: 7}`.
Holdout read_validation(const YamlFile& r, const YAML::Node& node, const std::string& path) {
  const ParamSpec fraction_spec{.name = "fraction",
                                .type = ParamType::Real,
                                .doc = "fraction of the training split held out",
                                .min = 0.0,
                                .max = 1.0,
                                .min_exclusive = true,
                                .max_exclusive = true};
  const ParamSpec seed_spec{
      .name = "seed", .type = ParamType::Int, .doc = "seed", .min = 0, .max = 9007199254740991.0};
  Holdout h;
  const auto read_fraction = [&](const YAML::Node& value, const std::string& value_path) {
    const auto v = read_value(r, value, value_path, ParamType::Real);
    if (auto error = check_value(fraction_spec, v); !error.empty())
      r.fail(value, value_path, error);
    h.fraction = std::get<double>(v);
  };
  if (!node.IsMap()) {
    read_fraction(node, path);
    return h;
  }
  bool have_fraction = false;
  for (const auto& e : entries(r, node, path)) {
    const auto key_path = child(path, e.key);
    if (e.key == "fraction") {
      read_fraction(e.value, key_path);
      have_fraction = true;
    } else if (e.key == "seed") {
      const auto v = read_value(r, e.value, key_path, ParamType::Int);
      if (auto error = check_value(seed_spec, v); !error.empty()) r.fail(e.value, key_path, error);
      h.seed = std::get<std::int64_t>(v);
    } else {
      r.fail(e.key_node, key_path,
             unknown_message("validation setting", e.key, {"fraction", "seed"}));
    }
  }
  if (!have_fraction) r.fail(node, path, "missing required key 'fraction' (e.g. 0.1)");
  return h;
}

// `search: {kind: random, budget: N, seed: S}`.
SearchSpec read_search(const YamlFile& r, const YAML::Node& node, const std::string& path) {
  SearchSpec s;
  s.where = r.at(node);
  bool have_kind = false, have_budget = false;
  const auto items = entries(r, node, path);
  if (!items.empty()) s.where = r.at(items.front().key_node);
  for (const auto& e : items) {
    const auto key_path = child(path, e.key);
    if (e.key == "kind") {
      const auto kind = read_string(r, e.value, key_path);
      if (kind != "random" && kind != "halving") {
        r.fail(e.value, key_path, "expected random or halving, got '" + kind + "'");
      }
      s.kind = kind == "halving" ? SearchSpec::Kind::Halving : SearchSpec::Kind::Random;
      have_kind = true;
    } else if (e.key == "budget" || e.key == "seed" || e.key == "eta" || e.key == "min_epochs") {
      const double min = e.key == "seed" ? 0.0 : e.key == "eta" ? 2.0 : 1.0;
      const ParamSpec spec{.name = e.key,
                           .type = ParamType::Int,
                           .doc = e.key,
                           .min = min,
                           .max = e.key == "seed" ? 9007199254740991.0 : 100000.0};
      const auto v = read_value(r, e.value, key_path, ParamType::Int);
      if (auto error = check_value(spec, v); !error.empty()) r.fail(e.value, key_path, error);
      const auto x = std::get<std::int64_t>(v);
      if (e.key == "budget") s.budget = x, have_budget = true;
      if (e.key == "seed") s.seed = x;
      if (e.key == "eta") s.eta = x;
      if (e.key == "min_epochs") s.min_epochs = x;
    } else {
      r.fail(e.key_node, key_path,
             unknown_message("search setting", e.key,
                             {"kind", "budget", "seed", "eta", "min_epochs"}));
    }
  }
  if (!have_kind) r.fail(node, path, "missing required key 'kind' (random or halving)");
  if (!have_budget) {
    r.fail(node, path, "missing required key 'budget' (configurations per optimizer entry)");
  }
  return s;
}

// What every plugin entry starts with: `NAME`, or a mapping with `name:` and
// the plugin's settings. The named plugin must exist.
struct EntryHead {
  std::string plugin;
  Location where;
  std::vector<Entry> items;  ///< the mapping's keys, `name` included
  const registry::LoadedPlugin* loaded = nullptr;
};

EntryHead read_head(const YamlFile& r, const YAML::Node& node, const std::string& path,
                    PluginKind kind, const registry::Registry& plugins) {
  EntryHead head;
  head.where = r.at(node);
  YAML::Node name_node = node;
  if (node.IsScalar()) {
    head.plugin = node.Scalar();
  } else {
    head.items = entries(r, node, path);
    // yaml-cpp marks a block mapping at its first value; its first key is
    // where a reader looks for the entry.
    if (!head.items.empty()) head.where = r.at(head.items.front().key_node);
    auto it = std::find_if(head.items.begin(), head.items.end(),
                           [](const Entry& e) { return e.key == "name"; });
    if (it == head.items.end()) {
      r.fail(node, path,
             "missing required key 'name' (the " + std::string(to_string(kind)) + " to use)");
    }
    // reset() rebinds; operator= would overwrite the mapping itself.
    name_node.reset(it->value);
    head.plugin = read_string(r, it->value, child(path, "name"));
  }
  head.loaded = plugins.find(kind, head.plugin);
  if (!head.loaded) {
    r.fail(name_node, node.IsScalar() ? path : child(path, "name"),
           unknown_message(std::string(to_string(kind)) + " plugin", head.plugin,
                           plugins.names(kind)));
  }
  return head;
}

// Every required setting of the plugin's schema must be given (a given
// value that was refused counts as given: that error is reported).
void check_required(const EntryHead& head, const std::string& path, const std::string& of) {
  for (const auto& s : head.loaded->info.schema) {
    const bool given = std::any_of(head.items.begin(), head.items.end(),
                                   [&](const Entry& e) { return e.key == s.name; });
    if (s.required && !given) {
      throw SpecError(head.where, path,
                      "missing required key '" + s.name + "' of " + of + " (" + s.doc + ")");
    }
  }
}

// `schedule: NAME` or `schedule: {name: NAME, interval: step|epoch, ...}`;
// the other keys are the schedule plugin's settings, each a value or a sweep.
ScheduleEntry read_schedule(const YamlFile& r, const YAML::Node& node, const std::string& path,
                            const registry::Registry& plugins) {
  auto head = read_head(r, node, path, PluginKind::Schedule, plugins);
  ScheduleEntry entry{.plugin = head.plugin, .where = head.where, .key_path = path};
  const auto& schema = head.loaded->info.schema;
  for (const auto& e : head.items) {
    const auto key_path = child(path, e.key);
    if (e.key == "name") continue;
    if (e.key == "interval") {
      const auto interval = read_string(r, e.value, key_path);
      if (interval != "step" && interval != "epoch") {
        r.fail(e.value, key_path, "expected step or epoch, got '" + interval + "'");
      }
      entry.per_epoch = interval == "epoch";
      continue;
    }
    const auto* spec = find_spec(schema, e.key);
    if (!spec) {
      auto known = schema_keys(schema);
      known.push_back("interval");
      r.fail(e.key_node, key_path,
             unknown_message("setting of schedule " + entry.plugin, e.key, known));
    }
    entry.axes.push_back(read_axis(r, e.value, key_path, *spec));
  }
  check_required(head, path, "schedule " + entry.plugin);
  return entry;
}

PluginEntry read_entry(const YamlFile& r, const YAML::Node& node, const std::string& path,
                       PluginKind kind, const registry::Registry& plugins) {
  auto head = read_head(r, node, path, kind, plugins);
  PluginEntry entry{.plugin = head.plugin, .where = head.where, .key_path = path};
  const auto& schema = head.loaded->info.schema;
  for (const auto& e : head.items) {
    r.collect([&] {
      const auto key_path = child(path, e.key);
      if (e.key == "name") return;
      if (e.key == "label") {
        entry.label = read_string(r, e.value, key_path);
        return;
      }
      if (e.key == "train" && kind == PluginKind::Optimizer) {
        entry.train_overrides = read_train(r, e.value, key_path);
        return;
      }
      if (e.key == "schedule" && kind == PluginKind::Optimizer) {
        entry.schedule = read_schedule(r, e.value, key_path, plugins);
        return;
      }
      if (e.key == "validation" && kind == PluginKind::Dataset) {
        entry.validation = read_validation(r, e.value, key_path);
        return;
      }
      const auto* spec = find_spec(schema, e.key);
      if (!spec) {
        auto known = schema_keys(schema);
        known.push_back("label");
        if (kind == PluginKind::Optimizer) {
          known.push_back("train");
          known.push_back("schedule");
        }
        if (kind == PluginKind::Dataset) known.push_back("validation");
        r.fail(e.key_node, key_path,
               unknown_message("hyperparameter of " + entry.plugin, e.key, known));
      }
      entry.axes.push_back(read_axis(r, e.value, key_path, *spec));
    });
  }
  check_required(head, path, entry.plugin);
  return entry;
}

// `optimizers:` (a list), or `model:` (one) / `models:` (a list).
std::vector<PluginEntry> read_entries(const YamlFile& r, const YAML::Node& node,
                                      const std::string& path, bool list, PluginKind kind,
                                      const registry::Registry& plugins) {
  std::vector<PluginEntry> out;
  if (!list) {
    out.push_back(read_entry(r, node, path, kind, plugins));
    return out;
  }
  if (!node.IsSequence() || node.size() == 0) {
    r.fail(node, path,
           "expected a non-empty list of " + std::string(to_string(kind)) + " entries, got " +
               describe(node));
  }
  for (std::size_t k = 0; k < node.size(); ++k) {
    r.collect([&] {
      out.push_back(read_entry(r, node[k], path + "[" + std::to_string(k) + "]", kind, plugins));
    });
  }
  return out;
}

const std::regex& name_pattern() {
  static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");
  return pattern;
}

std::vector<std::int64_t> read_seeds(const YamlFile& r, const Entry& e) {
  const ParamSpec seed_spec{.name = "seeds",
                            .type = ParamType::Int,
                            .doc = "run seed",
                            .min = 0,
                            .max = 9007199254740991.0};
  const auto axis = read_axis(r, e.value, e.key, seed_spec);
  std::vector<std::int64_t> seeds;
  for (const auto& v : axis.values) {
    const auto s = std::get<std::int64_t>(v);
    if (std::find(seeds.begin(), seeds.end(), s) != seeds.end()) {
      r.fail(e.value, e.key, "seed " + std::to_string(s) + " is listed twice");
    }
    seeds.push_back(s);
  }
  return seeds;
}

std::vector<std::string> read_chart_kinds(const YamlFile& r, const Entry& e) {
  const auto& kinds = chart_kinds();
  const YAML::Node& list = e.value;
  if (!list.IsSequence())
    r.fail(list, e.key, "expected a list of chart kinds, got " + describe(list));
  std::vector<std::string> out;
  for (std::size_t k = 0; k < list.size(); ++k) {
    const auto item_path = e.key + "[" + std::to_string(k) + "]";
    const auto kind = read_string(r, list[k], item_path);
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
      r.fail(list[k], item_path, unknown_message("chart kind", kind, kinds));
    }
    out.push_back(kind);
  }
  return out;
}

std::int64_t read_max_runs(const YamlFile& r, const Entry& e) {
  const ParamSpec max_spec{.name = "max_runs",
                           .type = ParamType::Int,
                           .doc = "largest grid allowed",
                           .min = 1,
                           .max = 1000000};
  const auto v = read_value(r, e.value, e.key, ParamType::Int);
  if (auto error = check_value(max_spec, v); !error.empty()) r.fail(e.value, e.key, error);
  return std::get<std::int64_t>(v);
}

}  // namespace

ExperimentSpec load_text(const std::string& text, const std::string& file,
                         const registry::Registry& plugins) {
  std::vector<SpecError> errors;
  const YamlFile r{file, &errors};
  const auto facts = check_text(text, file);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    if (facts.unclosed_bracket) {
      throw SpecError(*facts.unclosed_bracket, "",
                      "invalid YAML: this bracket is never closed (" + e.msg + ")");
    }
    throw SpecError(r.at(e.mark), "", "invalid YAML: " + e.msg);
  }
  if (!root.IsDefined() || root.IsNull()) {
    throw SpecError(Location{file, 1, 1}, "", "the file is empty; expected an experiment mapping");
  }

  ExperimentSpec spec;
  spec.source_path = file;
  spec.yaml_text = text;
  bool have_name = false, have_optimizers = false, have_models = false;
  // Every top-level key and how it is read, in the order the documentation
  // lists them; the list of known keys is this table's first column.
  using KeyReader = std::function<void(const Entry&)>;
  // `model:` and `dataset:` hold one entry, their plurals a list of them.
  const auto plugin_entries = [&](std::vector<PluginEntry>& into, bool list, PluginKind kind) {
    return KeyReader([&r, &plugins, target = &into, list, kind](const Entry& e) {
      *target = read_entries(r, e.value, e.key, list, kind, plugins);
    });
  };
  const std::vector<std::pair<std::string, KeyReader>> readers = {
      {"name",
       [&](const Entry& e) {
         spec.name = read_string(r, e.value, e.key);
         if (!std::regex_match(spec.name, name_pattern())) {
           r.fail(e.value, e.key,
                  "expected a name of letters, digits, '_', '.', '-' (at most 100), got '" +
                      spec.name + "'");
         }
         have_name = true;
       }},
      {"title", [&](const Entry& e) { spec.title = read_string(r, e.value, e.key); }},
      {"description", [&](const Entry& e) { spec.description = read_string(r, e.value, e.key); }},
      {"optimizers",
       [&](const Entry& e) {
         spec.optimizers = read_entries(r, e.value, e.key, true, PluginKind::Optimizer, plugins);
         have_optimizers = true;
       }},
      {"model", plugin_entries(spec.models, false, PluginKind::Model)},
      {"models", plugin_entries(spec.models, true, PluginKind::Model)},
      {"dataset", plugin_entries(spec.datasets, false, PluginKind::Dataset)},
      {"datasets", plugin_entries(spec.datasets, true, PluginKind::Dataset)},
      {"train",
       [&](const Entry& e) {
         spec.train.apply(read_train(r, e.value, e.key));
         spec.train_where = r.at(e.key_node);
       }},
      {"seeds", [&](const Entry& e) { spec.seeds = read_seeds(r, e); }},
      {"plots", [&](const Entry& e) { spec.plots = read_chart_kinds(r, e); }},
      {"max_runs", [&](const Entry& e) { spec.max_runs = read_max_runs(r, e); }},
      {"target_loss",
       [&](const Entry& e) {
         // read_value refuses NaN and infinities for every real.
         spec.target_loss = std::get<double>(read_value(r, e.value, e.key, ParamType::Real));
       }},
      {"isolate",
       [&](const Entry& e) {
         spec.isolate = std::get<bool>(read_value(r, e.value, e.key, ParamType::Bool));
       }},
      {"search", [&](const Entry& e) { spec.search = read_search(r, e.value, e.key); }},
  };
  std::vector<std::string> top_keys;
  for (const auto& [key, read] : readers)
    top_keys.push_back(key);
  std::map<std::string, Entry> by_key;
  const auto items = entries(r, root, "");
  for (const auto& e : items) {
    if (std::find(top_keys.begin(), top_keys.end(), e.key) == top_keys.end()) {
      errors.emplace_back(r.at(e.key_node), e.key, unknown_message("key", e.key, top_keys));
    }
    by_key.emplace(e.key, e);
  }
  for (const auto& [a, b] : {std::pair{"model", "models"}, std::pair{"dataset", "datasets"}}) {
    if (by_key.contains(a) && by_key.contains(b)) {
      r.fail(by_key.at(b).key_node, b,
             std::string("give either '") + a + "' or '" + b + "', not both");
    }
  }
  // File order, so the first error reported is the first in the file.
  for (const auto& e : items) {
    have_optimizers = have_optimizers || e.key == "optimizers";
    have_models = have_models || e.key == "model" || e.key == "models";
    r.collect([&] {
      for (const auto& [key, read] : readers) {
        if (key == e.key) read(e);
      }
    });
  }
  if (!have_name && !by_key.contains("name"))
    errors.emplace_back(r.at(root), "name", "missing required key 'name' (the experiment's name)");
  if (!have_optimizers) {
    errors.emplace_back(r.at(root), "optimizers",
                        "missing required key 'optimizers' (a list of optimizer entries)");
  }
  if (!have_models) {
    errors.emplace_back(r.at(root), "model",
                        "missing required key 'model' (or 'models'): the model to train");
  }
  throw_errors(std::move(errors));
  // Halving counts epochs and decides on the validation split.
  if (spec.search && spec.search->kind == SearchSpec::Kind::Halving) {
    if (spec.datasets.empty()) {
      throw SpecError(spec.search->where, "search",
                      "halving counts epochs: it needs a model trained on a dataset");
    }
    for (const auto& d : spec.datasets) {
      if (d.validation.fraction <= 0.0) {
        throw SpecError(d.where, d.key_path,
                        "halving decides on the validation split: give this dataset "
                        "validation: FRACTION");
      }
    }
  }
  // A distribution means nothing to the grid: only a search draws from it.
  if (!spec.search) {
    for (const auto& entry : spec.optimizers) {
      std::vector<std::pair<const Axis*, std::string>> axes;
      for (const auto& a : entry.axes)
        axes.emplace_back(&a, entry.key_path);
      if (entry.schedule) {
        for (const auto& a : entry.schedule->axes)
          axes.emplace_back(&a, entry.schedule->key_path);
      }
      for (const auto& [a, parent] : axes) {
        if (a->sample) {
          throw SpecError(a->where, parent + "." + a->key,
                          "a distribution needs a random search (add search: {kind: random, "
                          "budget: N})");
        }
      }
    }
  }
  for (const auto* entries_of : {&spec.models, &spec.datasets}) {
    for (const auto& entry : *entries_of) {
      for (const auto& a : entry.axes) {
        if (a.sample) {
          throw SpecError(a.where, entry.key_path + "." + a.key,
                          "only optimizer hyperparameters and schedule settings are searched; "
                          "give a value or a list here");
        }
      }
    }
  }
  const auto runs = count_runs(spec);
  if (runs > static_cast<std::size_t>(spec.max_runs)) {
    r.fail(root, "max_runs",
           "the grid expands to " + std::to_string(runs) + " runs, more than max_runs (" +
               std::to_string(spec.max_runs) + "); raise max_runs if this is intended");
  }
  return spec;
}

ExperimentSpec load_file(const std::filesystem::path& file, const registry::Registry& plugins) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw SpecError(Location{file.string(), 0, 0}, "", "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return load_text(text.str(), file.string(), plugins);
}

}  // namespace optbench::experiment
