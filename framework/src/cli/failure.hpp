// What a command's failure prints and the exit code it gives, in one place:
// main reports every command's escaping exception through it, and `run`
// under MPI through it too, where a rank whose error is rank 0's stays
// silent.
#pragma once

#include <exception>
#include <string>

namespace optbench::cli {

/// The exit code for `error` (kBadInput for usage and experiment errors,
/// kDamagedDatabase, else kRuntimeFailure), printing its message to stderr
/// as "optbench: error: ..." (usage errors as "optbench COMMAND: ...")
/// unless `print` is false.
int report_failure(const std::string& command, const std::exception_ptr& error, bool print = true);

/// The text report_failure prints for `error`, without printing it.
std::string failure_text(const std::string& command, const std::exception_ptr& error);

}  // namespace optbench::cli
