// LeakSanitizer checks the heap in an exit handler: a tracer thread stops
// every thread of the process and reads its stack, registers and thread-local
// storage. LLVM's OpenMP runtime (libomp, which the layers use in a clang
// build) keeps its idle worker threads alive until the process ends, and the
// tracer crashed reading one's dynamic thread-local storage ("Tracer caught
// signal 11", a fatal LeakSanitizer error) whenever a run had trained a
// network on more than one thread. Ending libomp's threads before the check
// leaves it nothing of the kind to read.
//
// Exit handlers run in the reverse order of their registration. The
// sanitizer registers its check while the process starts; registered from
// main(), this one is later, so it runs first. (Registered from a library's
// constructor it ran after the check.)
#include "util/openmp_exit.hpp"

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
#endif

namespace optbench::util {

#if defined(OPTBENCH_ADDRESS_SANITIZER)

namespace {

// omp.h's omp_pause_hard: stop the runtime's threads and free its state.
constexpr int kOmpPauseHard = 2;

void end_openmp_threads() {
  // Only a libomp this process has already loaded (RTLD_NOLOAD): a process
  // that never ran a network has no threads to end, and the host does not
  // link OpenMP itself.
  void* omp = dlopen("libomp.so.5", RTLD_NOW | RTLD_NOLOAD);
  if (omp == nullptr) return;
  using Pause = int (*)(int);
  if (auto pause = reinterpret_cast<Pause>(dlsym(omp, "omp_pause_resource_all"))) {
    pause(kOmpPauseHard);
  }
  dlclose(omp);
}

}  // namespace

void end_openmp_threads_at_exit() {
  std::atexit(end_openmp_threads);
}

#else

void end_openmp_threads_at_exit() {}

#endif

}  // namespace optbench::util
