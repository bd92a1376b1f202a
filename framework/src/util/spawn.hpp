// Starting a program as a child process with posix_spawn: safe from a
// process with threads, unlike fork() followed by anything but exec.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace optbench::util {

struct SpawnOptions {
  std::vector<std::string> unset_env;  ///< variable names removed from our environment
  std::vector<std::string> set_env;    ///< "NAME=value", replacing any NAME we have
  /// Where stdout and stderr go (truncated); unset: inherited.
  std::optional<std::filesystem::path> output;
  /// Descriptors the child gets: {fd in the child, fd of ours}, dup2'd in
  /// the child after `output`. Ours should be close-on-exec, so that only
  /// this child holds them, and numbered apart from the child's targets.
  std::vector<std::pair<int, int>> fds;
};

/// Starts `binary ARGS` (argv[0] is the binary) and returns its pid. Throws
/// std::runtime_error naming the binary when it cannot be started.
pid_t spawn_process(const std::filesystem::path& binary, const std::vector<std::string>& args,
                    const SpawnOptions& options = {});

}  // namespace optbench::util
