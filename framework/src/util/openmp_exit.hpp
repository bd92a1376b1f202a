// Ending OpenMP's worker threads before a sanitized process's leak check.
#pragma once

namespace optbench::util {

/// In a build with AddressSanitizer, makes the process end LLVM OpenMP's
/// (libomp's) worker threads when it exits, before LeakSanitizer's check;
/// elsewhere it does nothing. Call it first thing in main(): the handler must
/// be registered after the sanitizer's own to run before it.
void end_openmp_threads_at_exit();

}  // namespace optbench::util
