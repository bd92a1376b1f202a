#include "cli/command.hpp"

#include <cmath>
#include <iostream>
#include <sstream>

#include "store/backend.hpp"

namespace optbench::cli {

bool parse(const std::string& command, const std::string& synopsis,
           const po::options_description& options,
           const po::positional_options_description& positional,
           const std::vector<std::string>& args, po::variables_map& vm) {
  po::options_description all(options);
  all.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: optbench " << command << " " << synopsis << "\n\n" << all << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::ostringstream help;
    help << all;
    throw UsageError(std::string(e.what()) + "\nusage: optbench " + command + " " + synopsis +
                     "\n\n" + help.str());
  }
  return true;
}

void add_plugin_dir_option(po::options_description& options) {
  options.add_options()(
      "plugin-dir", po::value<std::vector<std::string>>()->composing(),
      "extra folder of plugins (repeatable; wins over OPTBENCH_PLUGIN_PATH and the built-ins)");
}

std::vector<std::filesystem::path> plugin_dirs(const po::variables_map& vm) {
  std::vector<std::filesystem::path> dirs;
  if (vm.count("plugin-dir")) {
    for (const auto& d : vm["plugin-dir"].as<std::vector<std::string>>()) {
      std::error_code ec;
      if (!std::filesystem::is_directory(d, ec))
        std::cerr << "optbench: warning: --plugin-dir " << d
                  << ": no such folder; no plugin is loaded from it\n";
      dirs.emplace_back(d);
    }
  }
  return dirs;
}

void add_db_option(po::options_description& options) {
  options.add_options()("db", po::value<std::string>()->default_value(kDefaultDb),
                        "results database");
}

void add_target_option(po::options_description& options) {
  options.add_options()("target", po::value<double>(),
                        "target loss for time-to-target and the performance profile (default: "
                        "the experiment's target_loss:)");
}

std::optional<double> target_option(const po::variables_map& vm) {
  if (!vm.count("target")) return std::nullopt;
  const double target = vm["target"].as<double>();
  if (!std::isfinite(target)) throw UsageError("--target: expected a finite loss");
  return target;
}

registry::Registry load_plugins(const std::vector<std::filesystem::path>& folders) {
  return registry::Registry::load(
      folders, registry::default_scan_options(std::filesystem::read_symlink("/proc/self/exe")));
}

void warn_rejected(const registry::Registry& plugins) {
  for (const auto& r : plugins.rejected()) {
    std::cerr << "optbench: warning: skipped plugin " << r.path.string() << ": " << r.reason
              << "\n";
  }
}

void require_database(const std::string& db) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db, ec))
    throw UsageError("--db " + db + ": no such results database" +
                     (std::filesystem::exists(db, ec) ? " (it is not a file)" : ""));
}

std::unique_ptr<store::Reader> open_results(const std::string& db, const std::string& experiment) {
  require_database(db);
  auto reader = store::open_reader(db);
  if (!experiment.empty() && !reader->experiment(experiment)) {
    throw std::invalid_argument("no experiment '" + experiment + "' in " + db);
  }
  return reader;
}

std::filesystem::path beside(const std::string& db) {
  const std::filesystem::path path(db);
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

std::string plural(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::vector<store::RunStatus> parse_retry(const std::string& text) {
  using store::RunStatus;
  std::vector<RunStatus> out;
  for (const auto& item : split_list(text)) {
    if (item == "all") {
      out.insert(out.end(),
                 {RunStatus::Done, RunStatus::Failed, RunStatus::Diverged, RunStatus::Interrupted});
    } else if (item == "failed" || item == "diverged" || item == "interrupted") {
      out.push_back(store::parse_status(item));
    } else {
      throw UsageError("--retry: unknown status '" + item +
                       "' (expected failed, diverged, interrupted or all, comma-separated)");
    }
  }
  if (out.empty()) throw UsageError("--retry: expected failed, diverged, interrupted or all");
  return out;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace optbench::cli
