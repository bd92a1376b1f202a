#include "cli/failure.hpp"

#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "experiment/spec.hpp"
#include "store/records.hpp"

namespace optbench::cli {

namespace {

/// The exit code for `error`, and its message written to `out`.
int classify(const std::string& command, const std::exception_ptr& error, std::ostream& out) {
  const auto say = [&out](const char* what, int code) {
    out << "optbench: error: " << what << "\n";
    return code;
  };
  try {
    std::rethrow_exception(error);
  } catch (const UsageError& e) {
    out << "optbench " << command << ": " << e.what() << "\n";
    return kBadInput;
  } catch (const experiment::SpecErrors& e) {
    for (const auto& one : e.errors())
      say(one.what(), kBadInput);
    out << "optbench: " << e.errors().size() << " errors; nothing was run\n";
    return kBadInput;
  } catch (const experiment::SpecError& e) {
    return say(e.what(), kBadInput);
  } catch (const store::DamagedDatabase& e) {
    return say(e.what(), kDamagedDatabase);
  } catch (const std::invalid_argument& e) {
    return say(e.what(), kBadInput);
  } catch (const std::exception& e) {
    return say(e.what(), kRuntimeFailure);
  } catch (...) {
    return say("a failure that carries no message", kRuntimeFailure);
  }
}

}  // namespace

Failure describe_failure(const std::string& command, const std::exception_ptr& error) {
  std::ostringstream text;
  const int code = classify(command, error, text);
  return {code, text.str()};
}

int report_failure(const std::string& command, const std::exception_ptr& error) {
  const auto failure = describe_failure(command, error);
  std::cerr << failure.text << std::flush;
  return failure.code;
}

}  // namespace optbench::cli
