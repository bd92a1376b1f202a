// What every plugin exports: an API version, its metadata and one factory.
//
// A plugin is a MODULE library holding one optimizer, model, dataset or
// schedule. It
// exports, with BOOST_DLL_ALIAS, three symbols the host looks up by name:
//   optbench_api_version   std::uint32_t()        checked before anything else
//   optbench_plugin_info   optbench::PluginInfo()  kind, name, version, schema
//   optbench_create        the kind's factory (see OPTBENCH_*_PLUGIN below)
// The version is a plain C-compatible function so that the host can refuse a
// plugin built against another SDK before it touches any C++ type whose layout
// may have changed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/dll/alias.hpp>

#include "optbench/params.hpp"

#if defined(_WIN32)
#define OPTBENCH_SDK_API __declspec(dllimport)
#else
#define OPTBENCH_SDK_API __attribute__((visibility("default")))
#endif

namespace optbench {

/// Bumped whenever a public SDK type or virtual interface changes layout.
inline constexpr std::uint32_t kApiVersion = 3;

enum class PluginKind { Optimizer, Model, Dataset, Schedule };

inline const char* to_string(PluginKind k) {
  switch (k) {
    case PluginKind::Optimizer:
      return "optimizer";
    case PluginKind::Model:
      return "model";
    case PluginKind::Dataset:
      return "dataset";
    case PluginKind::Schedule:
      return "schedule";
  }
  return "?";
}

/// Metadata a plugin reports about itself.
struct PluginInfo {
  PluginKind kind = PluginKind::Optimizer;
  std::string name;     ///< unique per kind, used in YAML (`name: adam`)
  std::string version;  ///< the plugin's own version, e.g. "1.0.0"
  std::uint32_t api_version = kApiVersion;
  std::string description;        ///< one line
  std::vector<ParamSpec> schema;  ///< every hyperparameter it accepts
};

/// A plugin's metadata in one call, for `info()` functions:
///   return optbench::plugin_info(PluginKind::Model, "mlp", "1.0.0", "...", schema());
inline PluginInfo plugin_info(PluginKind kind, std::string name, std::string version,
                              std::string description, std::vector<ParamSpec> schema = {}) {
  PluginInfo info;
  info.kind = kind;
  info.name = std::move(name);
  info.version = std::move(version);
  info.description = std::move(description);
  info.schema = std::move(schema);
  return info;
}

}  // namespace optbench

// Defines the three exports. `info_fn` is a function returning PluginInfo,
// `create_fn` the kind's factory; both may live in an anonymous namespace
// (or be static members or template instances), since only their addresses
// are exported:
//   namespace { PluginInfo info() {...}  std::unique_ptr<Optimizer> create(...) {...} }
//   OPTBENCH_OPTIMIZER_PLUGIN(info, create)
#define OPTBENCH_DETAIL_EXPORTS(info_fn, create_fn)                           \
  namespace optbench_plugin_exports {                                         \
  inline std::uint32_t api_version() {                                        \
    return ::optbench::kApiVersion;                                           \
  }                                                                           \
  }                                                                           \
  BOOST_DLL_ALIAS(optbench_plugin_exports::api_version, optbench_api_version) \
  BOOST_DLL_ALIAS(info_fn, optbench_plugin_info)                              \
  BOOST_DLL_ALIAS(create_fn, optbench_create)
