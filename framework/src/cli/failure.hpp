// What a command's failure prints and the exit code it gives, in one place:
// main reports every command's escaping exception through it, and `run`
// under MPI describes a rank's error with it, where a rank whose error
// another rank prints stays silent.
#pragma once

#include <exception>
#include <string>

namespace optbench::cli {

/// What a failure prints and the exit code it gives.
struct Failure {
  int code;          ///< kBadInput, kDamagedDatabase or kRuntimeFailure
  std::string text;  ///< whole lines: "optbench: error: ...", or
                     ///< "optbench COMMAND: ..." for usage errors
};

/// Describes `error`, an exception escaping command `command`.
Failure describe_failure(const std::string& command, const std::exception_ptr& error);

/// Prints describe_failure's text to stderr in one write and returns its code.
int report_failure(const std::string& command, const std::exception_ptr& error);

}  // namespace optbench::cli
