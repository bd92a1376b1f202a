// optbench worker (hidden): a long-lived process that trains the runs its
// host (`optbench run` with worker processes) sends over the socket on its
// descriptor 3, one after another (run/worker.hpp). Not meant to be typed
// by hand.
#include "cli/command.hpp"
#include "registry/scan.hpp"
#include "run/worker.hpp"
#include "run/worker_protocol.hpp"

namespace optbench::cli {

int cmd_worker(const std::vector<std::string>& args) {
  po::options_description options("worker options");
  options.add_options()("db", po::value<std::string>()->required(), "results database")(
      "threads", po::value<int>()->default_value(1), "threads each run's model may use")(
      "parent", po::value<long>()->required(), "pid of the host process")(
      "quiet", po::bool_switch(), "no progress lines")(
      "progress-every", po::value<double>()->default_value(0.0),
      "seconds between progress lines inside an epoch (0: none)")(
      "plugin-folder", po::value<std::vector<std::string>>()->composing(),
      "a plugin folder (repeatable; exactly the host's search path)");
  po::variables_map vm;
  if (!parse("worker", "--db FILE --parent PID [options]", options, {}, args, vm)) {
    return kOk;
  }
  run::WorkerOptions o;
  o.db = vm["db"].as<std::string>();
  o.threads = vm["threads"].as<int>();
  o.parent = static_cast<pid_t>(vm["parent"].as<long>());
  o.quiet = vm["quiet"].as<bool>();
  o.progress_every = vm["progress-every"].as<double>();
  if (vm.count("plugin-folder")) {
    for (const auto& f : vm["plugin-folder"].as<std::vector<std::string>>())
      o.plugin_folders.emplace_back(f);
  }
  o.scan = registry::default_scan_options(std::filesystem::read_symlink("/proc/self/exe"));
  const int code = run::serve_worker(o, run::protocol::kWorkerChannelFd);
  // The host reports a storage failure in its own words.
  if (code == run::kWorkerStorageFailed) return code;
  return code == 0 ? kOk : kRuntimeFailure;
}

}  // namespace optbench::cli
