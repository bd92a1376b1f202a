#include "registry/registry.hpp"

#include "registry/elf_check.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

namespace optbench::registry {

namespace fs = std::filesystem;

namespace {

// True when `file` lies inside `folder` (both made canonical first).
bool is_inside(const fs::path& file, const fs::path& folder) {
  std::error_code ec;
  const auto f = fs::weakly_canonical(file, ec);
  const auto d = fs::weakly_canonical(folder, ec);
  if (ec) return false;
  return std::mismatch(d.begin(), d.end(), f.begin(), f.end()).first == d.end();
}

}  // namespace

std::vector<fs::path> search_path(const std::vector<fs::path>& plugin_dirs) {
  std::vector<fs::path> dirs;
  boost::system::error_code ec;
  const auto program = boost::dll::program_location(ec);
  const fs::path exe = ec ? fs::path() : fs::path(program.string());
  // The build tree's plugins are for binaries in that tree (the CLI, tests,
  // benchmarks); an installed optbench must not see a stale build folder.
  if (exe.empty() || is_inside(exe, OPTBENCH_BUILD_DIR)) {
    dirs.emplace_back(OPTBENCH_BUILD_PLUGIN_DIR);
  }
  // The install layout is <prefix>/bin/optbench and <prefix>/<libdir>/optbench/plugins,
  // found from the binary's own location, so a moved prefix keeps working.
  if (!exe.empty()) dirs.push_back(exe.parent_path().parent_path() / OPTBENCH_INSTALL_PLUGIN_DIR);
  if (const char* env = std::getenv("OPTBENCH_PLUGIN_PATH")) {
    std::stringstream list(env);
    for (std::string item; std::getline(list, item, ':');) {
      if (!item.empty()) dirs.emplace_back(item);
    }
  }
  dirs.insert(dirs.end(), plugin_dirs.begin(), plugin_dirs.end());
  // The same folder reached twice (build dir == install dir) is read once.
  std::vector<fs::path> unique;
  for (const auto& d : dirs) {
    std::error_code fec;
    const auto canon = fs::weakly_canonical(d, fec);
    const auto key = fec ? d : canon;
    if (std::find(unique.begin(), unique.end(), key) == unique.end()) unique.push_back(key);
  }
  return unique;
}

namespace {

// boost::dll reports a failed load with a generic error code; dlopen's own
// message says what is wrong (truncated file, missing dependency, ...).
std::string dlopen_reason(const fs::path& file) {
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle) {
    dlclose(handle);
    return "cannot be loaded";
  }
  const char* detail = dlerror();
  return std::string("cannot be loaded: ") + (detail ? detail : "unknown dlopen error");
}

// Runs a plugin call, converting whatever it throws while the library is
// still loaded: invalid_argument stays invalid_argument (bad input), the
// rest becomes PluginError.
template <class F>
auto guarded(const LoadedPlugin& plugin, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(e.what());
  } catch (const std::exception& e) {
    throw PluginError(plugin.info.name + " (" + plugin.path.string() + "): " + e.what());
  } catch (...) {
    throw PluginError(plugin.info.name + " (" + plugin.path.string() +
                      "): threw a non-standard exception");
  }
}

// The returned shared_ptr's deleter destroys the object and then releases
// its reference to the library, so the code of the object's destructor is
// still mapped when it runs.
template <class T>
std::shared_ptr<T> keep_library(std::unique_ptr<T> object,
                                std::shared_ptr<boost::dll::shared_library> library) {
  if (!object) throw PluginError("plugin factory returned no object");
  T* raw = object.release();
  return std::shared_ptr<T>(raw, [library](T* p) mutable {
    delete p;
    library.reset();
  });
}

/// The plugin's optbench_create, called as a `Factory` with `args`.
template <class Factory, class... Args>
auto create_object(const LoadedPlugin& plugin, const Args&... args) {
  return guarded(plugin, [&] {
    auto& create = plugin.library->get_alias<Factory>("optbench_create");
    return keep_library(create(args...), plugin.library);
  });
}

}  // namespace

std::string Registry::load_file(const fs::path& file, LoadedPlugin& out) {
  if (auto why = check_elf(file); !why.empty()) return why;
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::system::error_code ec;
  // RTLD_LOCAL keeps one plugin's symbols from resolving another's.
  library->load(file.string(), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
                ec);
  if (ec) return dlopen_reason(file);
  for (const char* symbol : {"optbench_api_version", "optbench_plugin_info", "optbench_create"}) {
    if (!library->has(symbol)) {
      return std::string("missing symbol ") + symbol +
             " (not built with an OPTBENCH_*_PLUGIN macro)";
    }
  }
  const std::uint32_t api = library->get_alias<std::uint32_t()>("optbench_api_version")();
  if (api != kApiVersion) {
    return "API version " + std::to_string(api) + ", but this optbench has API version " +
           std::to_string(kApiVersion) + "; rebuild the plugin against this SDK";
  }
  try {
    out.info = library->get_alias<PluginInfo()>("optbench_plugin_info")();
  } catch (const std::exception& e) {
    return std::string("optbench_plugin_info threw: ") + e.what();
  }
  if (out.info.name.empty()) return "plugin reports an empty name";
  out.path = file;
  out.library = std::move(library);
  return {};
}

Registry Registry::load(const std::vector<fs::path>& folders, const ScanOptions& scan) {
  Registry r;
  LibraryProber prober(scan);
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      if (auto why = prober.verdict(file); !why.empty()) {
        r.rejected_.push_back({file, why});
        continue;
      }
      LoadedPlugin plugin;
      if (auto why = load_file(file, plugin); !why.empty()) {
        r.rejected_.push_back({file, why});
        continue;
      }
      auto same = std::find_if(r.plugins_.begin(), r.plugins_.end(), [&](const LoadedPlugin& p) {
        return p.info.kind == plugin.info.kind && p.info.name == plugin.info.name;
      });
      if (same != r.plugins_.end()) {
        r.shadowed_.push_back({same->path, file, plugin.info.name, plugin.info.kind});
        *same = std::move(plugin);
      } else {
        r.plugins_.push_back(std::move(plugin));
      }
    }
  }
  return r;
}

const LoadedPlugin* Registry::find(PluginKind kind, const std::string& name) const {
  for (const auto& p : plugins_) {
    if (p.info.kind == kind && p.info.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> Registry::names(PluginKind kind) const {
  std::vector<std::string> out;
  for (const auto& p : plugins_) {
    if (p.info.kind == kind) out.push_back(p.info.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const LoadedPlugin& Registry::require(PluginKind kind, const std::string& name) const {
  if (const auto* p = find(kind, name)) return *p;
  std::string known;
  for (const auto& n : names(kind))
    known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument(std::string("unknown ") + to_string(kind) + " '" + name +
                              "' (known: " + (known.empty() ? "none" : known) + ")");
}

std::shared_ptr<Optimizer> Registry::make_optimizer(const std::string& name,
                                                    const ParamMap& params) const {
  return create_object<OptimizerFactory>(require(PluginKind::Optimizer, name), params);
}

std::shared_ptr<Model> Registry::make_model(const std::string& name, const ParamMap& params,
                                            const ModelContext& context) const {
  return create_object<ModelFactory>(require(PluginKind::Model, name), params, context);
}

std::shared_ptr<Dataset> Registry::make_dataset(const std::string& name, const ParamMap& params,
                                                const DatasetContext& context) const {
  return create_object<DatasetFactory>(require(PluginKind::Dataset, name), params, context);
}

std::shared_ptr<Schedule> Registry::make_schedule(const std::string& name,
                                                  const ParamMap& params) const {
  return create_object<ScheduleFactory>(require(PluginKind::Schedule, name), params);
}

}  // namespace optbench::registry
