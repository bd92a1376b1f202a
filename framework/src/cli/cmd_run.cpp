// optbench run FILE.yaml: validate, expand, train, store, plot.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/command.hpp"
#include "cli/failure.hpp"
#include "cli/plot_options.hpp"
#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "plot/plot.hpp"
#include "registry/registry.hpp"
#include "run/halving.hpp"
#include "run/launcher.hpp"
#include "run/preflight.hpp"
#include "run/progress.hpp"
#include "run/runner.hpp"
#include "run/scheduler.hpp"
#include "run/stop.hpp"
#include "store/backend.hpp"
#include "store/network_fs.hpp"
#ifdef OPTBENCH_WITH_MPI
#include "run/mpi_scheduler.hpp"
#endif

namespace optbench::cli {

namespace fs = std::filesystem;

namespace {

// --isolate or --in-process, if one was given.
// --shard K/N: 1 <= K <= N.
run::Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  run::Shard shard;
  try {
    std::size_t used = 0;
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    shard.index = std::stoi(text.substr(0, slash), &used);
    if (used != slash) throw std::invalid_argument("trailing text");
    shard.count = std::stoi(text.substr(slash + 1), &used);
    if (used != text.size() - slash - 1) throw std::invalid_argument("trailing text");
  } catch (const std::exception&) {
    throw UsageError("--shard '" + text + "': expected K/N, part K of N, such as 2/8");
  }
  if (shard.count < 1 || shard.index < 1 || shard.index > shard.count)
    throw UsageError("--shard '" + text + "': K must be between 1 and N (N >= 1)");
  return shard;
}

std::optional<bool> requested_isolation(const po::variables_map& vm) {
  const bool isolate = vm["isolate"].as<bool>(), in_process = vm["in-process"].as<bool>();
  if (isolate && in_process) throw UsageError("give --isolate or --in-process, not both");
  if (isolate || in_process) return isolate;
  return std::nullopt;
}

#ifdef OPTBENCH_WITH_MPI
/// Under MPI every rank reads the experiment file, loads the plugins and
/// checks the sweep itself; the ranks compare outcomes before anything runs.
/// `failure` is this rank's error, null when it prepared. Returns nullopt
/// when every rank prepared; else this rank's exit code. Each different
/// error is printed once, by the lowest rank that has it (so the same
/// mistake is reported once, not once per rank, and a rank whose files or
/// plugins differ says so), and rank 0, if it prepared, names the ranks
/// that did not.
std::optional<int> agree_on_preparation(const run::MpiSession& mpi,
                                        const std::exception_ptr& failure) {
  const Failure described =
      failure ? describe_failure("run", failure) : Failure{kOk, std::string()};
  const std::string& text = described.text;
  // The message's stable hash, with the low bit set so that a failure is
  // never 0, the value of a rank that prepared.
  const std::uint64_t mine =
      failure ? std::stoull(experiment::stable_hash(text), nullptr, 16) | 1 : 0;
  const auto all = mpi.all_gather(mine);
  std::vector<int> failed;
  for (std::size_t r = 0; r < all.size(); ++r) {
    if (all[r] != 0) failed.push_back(static_cast<int>(r));
  }
  if (failed.empty()) return std::nullopt;
  // Each message is written in one operation: the ranks share the terminal,
  // and a message written in parts is split by another rank's.
  if (failure) {
    // Each different message once, by the lowest rank that has it.
    const auto rank = static_cast<std::size_t>(mpi.rank());
    const bool first = std::find(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(rank),
                                 mine) == all.begin() + static_cast<std::ptrdiff_t>(rank);
    if (first) {
      std::cerr << (rank == 0 ? text : "optbench run: rank " + std::to_string(rank) + ":\n" + text)
                << std::flush;
    }
    return described.code;
  }
  if (mpi.rank() == 0) {
    std::string message = failed.size() > 1 ? "optbench run: ranks" : "optbench run: rank";
    for (std::size_t i = 0; i < failed.size(); ++i)
      message.append(i == 0 ? " " : ", ").append(std::to_string(failed[i]));
    std::cerr << message +
                     " could not prepare the sweep (see the error printed for it); nothing "
                     "was run\n"
              << std::flush;
  }
  return kBadInput;
}
#endif

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  po::options_description options("run options");
  options.add_options()("file", po::value<std::string>(), "the experiment (YAML)")(
      "out,o", po::value<std::string>(),
      "folder for the database and charts (default: results; with --db, the database's folder)")(
      "db", po::value<std::string>(),
      "results database (default: OUT/optbench.db); its folder must exist")(
      "retry", po::value<std::string>(),
      "train these finished runs again: failed, diverged, interrupted or all (comma-separated)")(
      "replace", po::bool_switch(),
      "make this file the definition of an experiment of the same name run from another file")(
      "jobs,j", po::value<int>()->default_value(0), "runs trained at once (0: one per core)")(
      "threads-per-run", po::value<int>()->default_value(0),
      "threads each run's model may use (0: cores / jobs, at least 1)")(
      "isolate", po::bool_switch(),
      "train each run in its own worker process (default with --jobs > 1 or a timeout)")(
      "in-process", po::bool_switch(), "train runs on threads of this process")(
      "runs-per-worker", po::value<int>()->default_value(0),
      "runs a worker process trains before a fresh one replaces it (0: no limit)")(
      "progress-every", po::value<double>(),
      "seconds between progress lines inside an epoch (default: 2 on a terminal, else 10; 0: "
      "none)")("timeout", po::value<double>(),
               "seconds a run may take before its worker is killed (overrides train.timeout)")(
      "shard", po::value<std::string>(),
      "train only part K of N of the grid (K/N), for job arrays; combine with optbench merge")(
      "dry-run", po::bool_switch(), "validate and list the runs without training")(
      "no-plots", po::bool_switch(), "do not draw charts at the end")("quiet,q", po::bool_switch(),
                                                                      "print only the summary");
  add_plot_options(options);
  add_plugin_dir_option(options);
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  if (!parse("run", "FILE.yaml [options]", options, positional, args, vm)) return kOk;
  // Started as one of several copies by mpirun or srun: without MPI each
  // copy would run the whole sweep into the same database.
  const auto launch = run::parallel_launch();
#ifdef OPTBENCH_WITH_MPI
  std::optional<run::MpiSession> mpi;
  if (launch) {
    if (const auto why = run::MpiSession::cannot_start(); !why.empty()) {
      std::cerr << "optbench run: " << why << "\n";
      return kNoMpi;
    }
    mpi.emplace();
  }
  const bool rank0 = !mpi || mpi->rank() == 0;
#else
  if (launch) {
    std::cerr << "optbench run: started as one of " << launch->size << " copies ("
              << launch->variable
              << "), but this optbench was built without MPI; rebuild it with Open MPI "
                 "(libopenmpi-dev) or start one process\n";
    return kNoMpi;
  }
  const bool rank0 = true;
#endif
  // Set once every rank has prepared the sweep: an error before that is a
  // preparation error, which the ranks agree on (agree_on_preparation).
  [[maybe_unused]] bool prepared = false;
  try {
    if (!vm.count("file"))
      throw UsageError("which experiment? give its YAML file: optbench run FILE.yaml [options]");
    const auto retry = vm.count("retry") ? parse_retry(vm["retry"].as<std::string>())
                                         : std::vector<store::RunStatus>{};

    const auto plugin_folders = registry::search_path(plugin_dirs(vm));
    const auto plugins = load_plugins(plugin_folders);
    warn_rejected(plugins);
    const fs::path file = vm["file"].as<std::string>();
    auto spec = experiment::load_file(file, plugins);
    // Absolute, so that the stored experiment names its file wherever the
    // next command runs, and two files of one name can be told apart.
    spec.source_path = fs::weakly_canonical(fs::absolute(file));
    const auto runs = experiment::expand(spec, plugins);
    run::check_before_training(spec, runs, plugins);

    std::optional<run::Shard> shard;
    if (vm.count("shard")) shard = parse_shard(vm["shard"].as<std::string>());
    // Successive halving picks each rung's runs from the previous rung's
    // results, so its runs cannot be dealt out before they start.
    const bool halving = spec.search && spec.search->kind == experiment::SearchSpec::Kind::Halving;
    if (halving && shard)
      throw UsageError(
          "--shard: successive halving (search: halving) decides each rung from the "
          "previous rung's results, so it cannot be split into parts; run it whole");
    if (halving && launch)
      throw UsageError(
          "successive halving (search: halving) decides each rung from the previous "
          "rung's results, so it runs in one process, not over MPI ranks");

    int jobs = vm["jobs"].as<int>();
    if (jobs < 0) throw UsageError("--jobs must be >= 0");
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // The cores of this machine are shared by the ranks on it.
    int sharing = 1;
#ifdef OPTBENCH_WITH_MPI
    if (mpi) {
      if (jobs > 1)
        throw UsageError(
            "--jobs " + std::to_string(jobs) +
            ": under MPI each rank trains one run at a time; start more ranks instead");
      jobs = 1;
      sharing = mpi->local_size();
    }
#endif
    if (jobs == 0) jobs = cores;
    run::Options sweep;
    sweep.jobs = jobs;
    sweep.log = vm["quiet"].as<bool>() ? nullptr : &std::cout;
    sweep.threads_per_run = vm["threads-per-run"].as<int>();
    if (sweep.threads_per_run < 0) throw UsageError("--threads-per-run must be >= 0");
    if (sweep.threads_per_run == 0) sweep.threads_per_run = std::max(1, cores / jobs / sharing);
    if (vm.count("timeout")) {
      sweep.timeout = vm["timeout"].as<double>();
      if (!(*sweep.timeout >= 0)) throw UsageError("--timeout must be a number of seconds >= 0");
    }
    sweep.runs_per_worker = vm["runs-per-worker"].as<int>();
    if (sweep.runs_per_worker < 0) throw UsageError("--runs-per-worker must be >= 0");
    sweep.progress_every =
        run::stdout_is_terminal() ? run::kProgressEveryTerminal : run::kProgressEveryPiped;
    if (vm.count("progress-every")) {
      sweep.progress_every = vm["progress-every"].as<double>();
      if (!(sweep.progress_every >= 0))
        throw UsageError("--progress-every must be a number of seconds >= 0");
    }
    {
      // Runs on several ranks go in parallel: worker processes by default,
      // as with --jobs above 1, so a crashing plugin costs one run, not the job.
      auto parallel = sweep;
      if (launch) parallel.jobs = launch->size;
      sweep.isolate = run::choose_isolation(requested_isolation(vm), spec, runs, parallel);
    }
    sweep.worker_binary = fs::read_symlink("/proc/self/exe");
    sweep.plugin_folders = plugin_folders;
    sweep.retry = retry;
    sweep.replace = vm["replace"].as<bool>();
    run::check_scheduler(sweep, runs);
#ifdef OPTBENCH_WITH_MPI
    if (mpi) {
      if (const auto code = agree_on_preparation(*mpi, nullptr)) return *code;
    }
#endif
    prepared = true;

    if (vm["dry-run"].as<bool>()) {
      if (!rank0) return kOk;
      std::cout << "experiment " << spec.name << ": " << plural(runs.size(), "run");
      if (shard) std::cout << ", part " << shard->index << " of " << shard->count << " listed";
      std::cout << "\n";
      for (const auto& r : shard ? run::shard_of(runs, *shard) : runs) {
        std::cout << "  " << r.config_hash << "  " << r.label << " on " << r.problem_key
                  << ", seed " << r.seed << "\n";
      }
      return kOk;
    }

#ifdef OPTBENCH_WITH_MPI
    if (mpi && !rank0) {
      // Signals stay caught until MPI is finalized: a rank that has finished
      // its share waits there for rank 0, and the launcher's SIGTERM must not
      // end it, for then the launcher kills rank 0 at once, before it has
      // stored the runs still in flight as interrupted.
      const run::SignalScope signals;
      // Never opens the database: rank 0 stores what this rank trains.
      run::serve_rank(*mpi, spec, shard ? run::shard_of(runs, *shard) : runs, plugins, sweep);
      if (run::stop_requested()) mpi->end_by(run::stop_signal());
      mpi.reset();
      return kOk;
    }
    sweep.over_mpi = mpi.has_value();
    // The sweep's ETA counts the runs trained at once: one per rank.
    if (mpi) sweep.jobs = mpi->size();
#endif

    fs::path db;
    if (vm.count("db")) {
      // A mistyped folder must not be created: the results would land where
      // nobody looks.
      db = vm["db"].as<std::string>();
      const fs::path folder = db.has_parent_path() ? db.parent_path() : fs::path(".");
      if (!fs::is_directory(folder))
        throw UsageError("--db " + db.string() + ": the folder " + folder.string() +
                         " does not exist; create it first");
    } else {
      db = fs::path(vm.count("out") ? vm["out"].as<std::string>() : "results") / "optbench.db";
      fs::create_directories(db.parent_path());
    }
    const fs::path out = vm.count("out")        ? fs::path(vm["out"].as<std::string>())
                         : db.has_parent_path() ? db.parent_path()
                                                : fs::path(".");
    const auto charts = plot_options(vm, out / spec.name);
    if (const auto network = store::network_filesystem_of(db)) {
      std::cerr << "optbench: warning: " << db.string() << " is on a network filesystem ("
                << *network
                << "); SQLite's locks are unreliable there, so two optbench processes writing it "
                   "at once may corrupt it. Keep the database on a local disk.\n";
    }
    sweep.db = db;

    std::cout << "experiment " << spec.name << ": " << plural(runs.size(), "run");
    if (shard) {
      std::cout << ", part " << shard->index << " of " << shard->count << ": "
                << plural(run::shard_of(runs, *shard).size(), "run");
    }
    std::cout << " on ";
#ifdef OPTBENCH_WITH_MPI
    if (mpi) std::cout << plural(static_cast<std::size_t>(mpi->size()), "MPI rank");
#endif
    if (!sweep.over_mpi) std::cout << plural(static_cast<std::size_t>(jobs), "job");
    std::cout << (sweep.isolate ? " (worker processes)" : " (threads)") << ", "
              << sweep.threads_per_run << " thread(s) per run, results in " << db.string()
              << std::endl;  // before any worker's line, also when piped
    const auto part = shard ? run::shard_of(runs, *shard) : runs;
    const auto result = halving ? run::run_halving(spec, runs, plugins, sweep)
                                : run::run_sweep(spec, part, plugins, sweep, &runs);
    std::cout << result.done << " done, " << result.diverged << " diverged, " << result.failed
              << " failed, " << result.skipped << " already in the database";
    if (result.interrupted) std::cout << ", " << result.interrupted << " interrupted";
    if (result.taken_over) std::cout << ", " << result.taken_over << " taken over";
    std::cout << "\n";
    if (result.stop_signal) {
      std::cout << "stopped by " << run::describe_signal(result.stop_signal)
                << "; run the same command again to resume\n"
                << std::flush;
#ifdef OPTBENCH_WITH_MPI
      if (mpi) mpi->end_by(result.stop_signal);
#endif
      run::die_by(result.stop_signal);
    }

    if (result.interrupted) {
      std::cout << result.interrupted
                << " run(s) stopped by their environment (missing data, a worker killed from "
                   "outside); run the same command again to retry them\n";
    }

    if (!vm["no-plots"].as<bool>()) {
      const auto reader = store::open_reader(db);
      const store::Reader& store = *reader;
      const auto kinds =
          spec.plots.empty()
              ? plot::default_kinds(store.runs(spec.name), spec.target_loss || charts.target_loss)
              : spec.plots;
      for (const auto& chart : plot::draw(store, spec.name, kinds, charts)) {
        std::cout << "chart: " << chart.string() << "\n";
      }
    }
    std::cout << "database: " << db.string() << "\n";
    // A run taken over is finished by another process, not by this one.
    // An interrupted run has no result yet; the sweep is not complete.
    return result.failed || result.taken_over || result.interrupted ? kRuntimeFailure : kOk;
  } catch (...) {
#ifdef OPTBENCH_WITH_MPI
    if (mpi && !prepared) return *agree_on_preparation(*mpi, std::current_exception());
#endif
    throw;
  }
}

}  // namespace optbench::cli
