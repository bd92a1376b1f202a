// Loading a library runs its code (static constructors) before optbench can
// check anything, and a constructor that crashes, exits or hangs would take
// the host with it. So libraries not seen before are first loaded by a
// child process (`optbench plugin-probe`, hidden) under a time limit, and
// what it learned is cached by file identity; only a library that passed
// is then loaded by the host.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace optbench::registry {

struct ScanOptions {
  /// The optbench executable that runs `plugin-probe`; empty: libraries are
  /// loaded in this process without a probe (workers, whose host probed).
  std::filesystem::path prober;
  /// Verdicts by file identity; empty: none kept.
  std::filesystem::path cache;
  double timeout_seconds = 10.0;
};

/// Defaults for a command of the optbench executable `self`: the cache in
/// $OPTBENCH_PLUGIN_CACHE, else $XDG_CACHE_HOME/optbench/plugin-scan.tsv,
/// else ~/.cache/optbench/plugin-scan.tsv; the limit in
/// $OPTBENCH_PLUGIN_SCAN_TIMEOUT (seconds), else 10.
ScanOptions default_scan_options(const std::filesystem::path& self);

/// Vets the libraries of one discovery: the cache is read once, probes run
/// for files it does not know, and new verdicts are written back at the end.
class LibraryProber {
 public:
  explicit LibraryProber(ScanOptions options);
  ~LibraryProber();
  LibraryProber(const LibraryProber&) = delete;
  LibraryProber& operator=(const LibraryProber&) = delete;

  /// Why `file` must not be loaded into the host, or "" when it may be: from
  /// the cache when the file is unchanged (device, inode, size, modification
  /// and change times), else from a probe in a child process. Always "" when
  /// no prober is set.
  std::string verdict(const std::filesystem::path& file);

 private:
  ScanOptions options_;
  std::map<std::string, std::string> cache_;  ///< "identity\tpath" -> verdict
  bool loaded_ = false;
  bool dirty_ = false;
};

/// The child's side: loads `file` in this process and writes "ok" or
/// "refused\t<reason>" to `verdict`. Returns the process exit code.
int run_probe(const std::filesystem::path& file, const std::filesystem::path& verdict);

}  // namespace optbench::registry
