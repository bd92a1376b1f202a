// optbench plugins [--describe NAME]: what is installed, where from, and
// each plugin's hyperparameter table (the reference documentation).
#include <iostream>

#include "cli/command.hpp"
#include "cli/text_table.hpp"
#include "registry/registry.hpp"

namespace optbench::cli {

namespace {

void describe(const registry::LoadedPlugin& p) {
  std::cout << p.info.name << " (" << to_string(p.info.kind) << " plugin, version "
            << p.info.version << ", API " << p.info.api_version << ")\n"
            << "  " << p.info.description << "\n"
            << "  from " << p.path.string() << "\n\n";
  if (p.info.schema.empty()) {
    std::cout << "  no hyperparameters\n";
    return;
  }
  TextTable t({"hyperparameter", "type", "default", "range", "description"});
  for (const auto& s : p.info.schema) {
    std::string range = format_range(s);
    if (!s.choices.empty()) {
      for (const auto& c : s.choices)
        range += (range.empty() ? "" : "|") + c;
    }
    if (s.type == ParamType::RealList && s.list_size) {
      range = std::to_string(s.list_size) + " values" + (range.empty() ? "" : " in " + range);
    }
    t.add({s.name, to_string(s.type), s.required ? "(required)" : format_value(s.default_value),
           range, s.doc});
  }
  t.print(std::cout);
}

}  // namespace

int cmd_plugins(const std::vector<std::string>& args) {
  po::options_description options("plugins options");
  options.add_options()("describe,d", po::value<std::string>(),
                        "print one plugin's hyperparameters with types, defaults and ranges");
  add_plugin_dir_option(options);
  po::variables_map vm;
  if (!parse("plugins", "[--describe NAME] [--plugin-dir DIR]...", options, {}, args, vm)) {
    return kOk;
  }
  const auto folders = registry::search_path(plugin_dirs(vm));
  const auto plugins = load_plugins(folders);

  if (vm.count("describe")) {
    const auto name = vm["describe"].as<std::string>();
    bool found = false;
    for (const auto& p : plugins.plugins()) {
      if (p.info.name != name) continue;
      if (found) std::cout << "\n";
      describe(p);
      found = true;
    }
    if (!found) throw std::invalid_argument("no plugin named '" + name + "'");
    return kOk;
  }

  for (auto kind :
       {PluginKind::Optimizer, PluginKind::Model, PluginKind::Dataset, PluginKind::Schedule}) {
    TextTable t({std::string(to_string(kind)) + "s", "version", "API", "description", "path"});
    for (const auto& name : plugins.names(kind)) {
      const auto* p = plugins.find(kind, name);
      t.add({name, p->info.version, std::to_string(p->info.api_version), p->info.description,
             p->path.string()});
    }
    t.print(std::cout);
    std::cout << "\n";
  }
  for (const auto& s : plugins.shadowed()) {
    std::cout << "note: " << to_string(s.kind) << " '" << s.name << "' in " << s.winner.string()
              << " shadows the one in " << s.loser.string() << "\n";
  }
  // Only folders that exist were searched; the others are named as absent,
  // so a build or install folder that is not there is not taken for one.
  std::cout << "searched:";
  std::string absent;
  for (const auto& f : folders) {
    std::error_code ec;
    if (std::filesystem::is_directory(f, ec)) {
      std::cout << " " << f.string();
    } else {
      absent += " " + f.string();
    }
  }
  std::cout << "\n";
  if (!absent.empty()) std::cout << "not found, so not searched:" << absent << "\n";
  warn_rejected(plugins);
  return kOk;
}

}  // namespace optbench::cli
