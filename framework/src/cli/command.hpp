// The subcommands of `optbench` and what they share: exit codes, the usage
// error, and the plugin-folder option.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "registry/registry.hpp"
#include "store/reader.hpp"
#include "store/records.hpp"

namespace optbench::cli {

/// Exit codes, one meaning each (README "Exit codes").
enum Exit : int {
  kOk = 0,
  kRuntimeFailure = 1,
  kBadInput = 2,
  kDamagedDatabase = 3,
  /// Started by mpirun or srun as one of several copies, in a build without MPI.
  kNoMpi = 4
};

/// Wrong command-line usage; main prints it with the command's help.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline const char* kDefaultDb = "results/optbench.db";

int cmd_run(const std::vector<std::string>& args);
int cmd_plugins(const std::vector<std::string>& args);
int cmd_runs(const std::vector<std::string>& args);
int cmd_query(const std::vector<std::string>& args);
int cmd_plot(const std::vector<std::string>& args);
int cmd_summary(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);
int cmd_new(const std::vector<std::string>& args);
int cmd_rm(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);
int cmd_worker(const std::vector<std::string>& args);
int cmd_plugin_probe(const std::vector<std::string>& args);

namespace po = boost::program_options;

/// Parses `args` against `options` (and positionals). Prints help and
/// returns false for --help; throws UsageError on bad usage.
bool parse(const std::string& command, const std::string& synopsis,
           const po::options_description& options,
           const po::positional_options_description& positional,
           const std::vector<std::string>& args, po::variables_map& vm);

/// Adds --plugin-dir (repeatable) to a command's options.
void add_plugin_dir_option(po::options_description& options);
std::vector<std::filesystem::path> plugin_dirs(const po::variables_map& vm);

/// Adds --db FILE, the results database (default: kDefaultDb).
void add_db_option(po::options_description& options);

/// Adds --target LOSS (time-to-target and the performance profile).
void add_target_option(po::options_description& options);
/// The --target given, checked to be finite; none when not given.
std::optional<double> target_option(const po::variables_map& vm);

/// The plugins in `folders`, each library probed in a child process first
/// (registry/scan.hpp), so one whose load code crashes, exits or hangs is
/// refused with the reason instead of taking this process down.
registry::Registry load_plugins(const std::vector<std::filesystem::path>& folders);

/// Prints a warning for every plugin file the registry refused.
void warn_rejected(const registry::Registry& plugins);

/// Refuses a results database that is not there as bad input (UsageError,
/// exit 2) before a reading command opens it; opening refuses a damaged
/// one (DamagedDatabase, exit 3).
void require_database(const std::string& db);
/// Opens the results database `db` for reading, after require_database; a
/// non-empty `experiment` must be in it (std::invalid_argument otherwise).
std::unique_ptr<store::Reader> open_results(const std::string& db,
                                            const std::string& experiment = "");
/// The folder beside the database, where charts and reports go by default.
std::filesystem::path beside(const std::string& db);

/// "1 run", "2 runs".
std::string plural(std::size_t n, const std::string& noun);

/// --retry's statuses: failed, diverged, interrupted (comma-separated) or
/// all (those and done). Throws UsageError for anything else.
std::vector<store::RunStatus> parse_retry(const std::string& text);

/// Splits "png,svg"; empty items are dropped. into plot formats; throws UsageError.
std::vector<std::string> split_list(const std::string& text);

}  // namespace optbench::cli
