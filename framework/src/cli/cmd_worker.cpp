// optbench worker (hidden): trains one claimed run in a process of its own
// for `optbench run --isolate`. Not meant to be typed by hand.
#include "cli/command.hpp"
#include "registry/scan.hpp"
#include "run/worker.hpp"

namespace optbench::cli {

int cmd_worker(const std::vector<std::string>& args) {
  po::options_description options("worker options");
  options.add_options()("db", po::value<std::string>()->required(), "results database")(
      "run-id", po::value<std::int64_t>()->required(), "the claimed run")(
      "threads", po::value<int>()->default_value(1), "threads the model may use")(
      "parent", po::value<long>()->required(), "pid of the host process")(
      "prefix", po::value<std::string>()->default_value(""), "progress line prefix")(
      "quiet", po::bool_switch(), "no progress lines")(
      "plugin-folder", po::value<std::vector<std::string>>()->composing(),
      "a plugin folder (repeatable; exactly the host's search path)");
  po::variables_map vm;
  if (!parse("worker", "--db FILE --run-id ID --parent PID [options]", options, {}, args, vm)) {
    return kOk;
  }
  run::WorkerOptions o;
  o.db = vm["db"].as<std::string>();
  o.run_id = vm["run-id"].as<std::int64_t>();
  o.threads = vm["threads"].as<int>();
  o.parent = static_cast<pid_t>(vm["parent"].as<long>());
  o.prefix = vm["prefix"].as<std::string>();
  o.quiet = vm["quiet"].as<bool>();
  if (vm.count("plugin-folder")) {
    for (const auto& f : vm["plugin-folder"].as<std::vector<std::string>>())
      o.plugin_folders.emplace_back(f);
  }
  o.scan = registry::default_scan_options(std::filesystem::read_symlink("/proc/self/exe"));
  const int code = run::run_worker(o);
  // The host reports these two in its own words.
  if (code == run::kWorkerTakenOver || code == run::kWorkerStorageFailed) return code;
  return code == 0 ? kOk : kRuntimeFailure;
}

}  // namespace optbench::cli
