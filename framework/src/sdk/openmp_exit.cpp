// In a build with AddressSanitizer, LeakSanitizer checks the heap after every
// other exit handler has run: a tracer thread stops the process's threads and
// reads their stacks and registers. LLVM's OpenMP runtime (libomp, which the
// layers use in a clang build) leaves its idle worker threads running until
// the process ends, and under load the tracer was seen to crash on them
// ("Tracer caught signal 11") in 2 of 427 processes. So every process that
// links the SDK (the host, its worker processes, the tests) ends libomp's
// threads first. The handler is registered here, before main, so it runs
// after main's own exit handlers and before LeakSanitizer's, which the
// sanitizer runtime registered earlier still.
//
// Only sanitized builds carry it: a plain build has no exit check to protect.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OPTBENCH_ADDRESS_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define OPTBENCH_ADDRESS_SANITIZER 1
#endif

#if defined(OPTBENCH_ADDRESS_SANITIZER)

#include <dlfcn.h>

#include <cstdlib>

namespace {

// omp.h's omp_pause_hard: stop the runtime's threads and free its state.
constexpr int kOmpPauseHard = 2;

void end_openmp_threads() {
  // Only a libomp this process has already loaded (RTLD_NOLOAD): a process
  // that never ran an OpenMP region has no threads to end, and this SDK does
  // not link OpenMP itself.
  void* omp = dlopen("libomp.so.5", RTLD_NOW | RTLD_NOLOAD);
  if (omp == nullptr) return;
  using Pause = int (*)(int);
  if (auto pause = reinterpret_cast<Pause>(dlsym(omp, "omp_pause_resource_all"))) {
    pause(kOmpPauseHard);
  }
  dlclose(omp);
}

[[maybe_unused]] const int kRegistered = std::atexit(end_openmp_threads);

}  // namespace

#endif
