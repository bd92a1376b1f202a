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
  try {
    std::rethrow_exception(error);
  } catch (const UsageError& e) {
    out << "optbench " << command << ": " << e.what() << "\n";
    return kBadInput;
  } catch (const experiment::SpecErrors& e) {
    for (const auto& one : e.errors())
      out << "optbench: error: " << one.what() << "\n";
    out << "optbench: " << e.errors().size() << " errors; nothing was run\n";
    return kBadInput;
  } catch (const experiment::SpecError& e) {
    out << "optbench: error: " << e.what() << "\n";
    return kBadInput;
  } catch (const store::DamagedDatabase& e) {
    out << "optbench: error: " << e.what() << "\n";
    return kDamagedDatabase;
  } catch (const std::invalid_argument& e) {
    out << "optbench: error: " << e.what() << "\n";
    return kBadInput;
  } catch (const std::exception& e) {
    out << "optbench: error: " << e.what() << "\n";
    return kRuntimeFailure;
  } catch (...) {
    out << "optbench: error: a failure that carries no message\n";
    return kRuntimeFailure;
  }
}

}  // namespace

int report_failure(const std::string& command, const std::exception_ptr& error, bool print) {
  std::ostringstream text;
  const int code = classify(command, error, text);
  if (print) std::cerr << text.str() << std::flush;
  return code;
}

std::string failure_text(const std::string& command, const std::exception_ptr& error) {
  std::ostringstream text;
  classify(command, error, text);
  return text.str();
}

}  // namespace optbench::cli
