// Finds plugin libraries, checks them, and makes objects from them that keep
// their library loaded for as long as they live.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "optbench/dataset.hpp"
#include "optbench/model.hpp"
#include "optbench/optimizer.hpp"
#include "optbench/plugin.hpp"
#include "optbench/schedule.hpp"
#include "registry/scan.hpp"

namespace boost::dll {
class shared_library;
}

namespace optbench::registry {

/// Where plugins are looked for, lowest precedence first: the build tree's
/// plugin folder, the install folder, OPTBENCH_PLUGIN_PATH (':'-separated),
/// then each --plugin-dir. A later folder's plugin shadows an earlier one's
/// of the same kind and name.
std::vector<std::filesystem::path> search_path(
    const std::vector<std::filesystem::path>& plugin_dirs);

struct LoadedPlugin {
  PluginInfo info;
  std::filesystem::path path;
  std::shared_ptr<boost::dll::shared_library> library;
};

/// A file that looked like a plugin but was refused, and why.
struct Rejected {
  std::filesystem::path path;
  std::string reason;
};

/// A plugin hidden by another of the same kind and name found later in the
/// search path.
struct Shadowed {
  std::filesystem::path loser;
  std::filesystem::path winner;
  std::string name;
  PluginKind kind;
};

/// Thrown when a plugin's factory or object fails; the message is copied out
/// while the library is still loaded, so no plugin type escapes.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Registry {
 public:
  /// Loads every `*.so` in the given folders (non-recursive, sorted by name).
  /// With `scan.prober` set, each library is first probed in a child process
  /// (scan.hpp) and refused with the reason if loading it crashes, exits or
  /// hangs there.
  static Registry load(const std::vector<std::filesystem::path>& folders,
                       const ScanOptions& scan = {});
  /// Loads one file; on refusal returns the reason and leaves `out` empty.
  static std::string load_file(const std::filesystem::path& file, LoadedPlugin& out);

  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const std::vector<Rejected>& rejected() const { return rejected_; }
  const std::vector<Shadowed>& shadowed() const { return shadowed_; }

  const LoadedPlugin* find(PluginKind kind, const std::string& name) const;
  /// Names of the plugins of one kind, sorted.
  std::vector<std::string> names(PluginKind kind) const;

  /// Factories: resolve and validate params through the plugin, and wrap the
  /// object so that the library outlives it. Throw std::invalid_argument for
  /// an unknown name or bad hyperparameters, PluginError for anything else
  /// the plugin throws.
  std::shared_ptr<Optimizer> make_optimizer(const std::string& name, const ParamMap& params) const;
  std::shared_ptr<Model> make_model(const std::string& name, const ParamMap& params,
                                    const ModelContext& context) const;
  std::shared_ptr<Dataset> make_dataset(const std::string& name, const ParamMap& params,
                                        const DatasetContext& context) const;
  std::shared_ptr<Schedule> make_schedule(const std::string& name, const ParamMap& params) const;

 private:
  const LoadedPlugin& require(PluginKind kind, const std::string& name) const;
  std::vector<LoadedPlugin> plugins_;
  std::vector<Rejected> rejected_;
  std::vector<Shadowed> shadowed_;
};

}  // namespace optbench::registry
