// Any bytes as an experiment file: the loader must either accept them or
// throw SpecError; anything else (a crash, another exception, a sanitizer
// report, a hang) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"

namespace {

const optbench::registry::Registry& plugins() {
  static const auto r = optbench::registry::Registry::load({OPTBENCH_FUZZ_PLUGIN_DIR});
  return r;
}

// Expanding builds every optimizer configuration once; small grids only, so
// that one input cannot take seconds through a legitimately large sweep.
constexpr std::size_t kMaxExpandedRuns = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto spec = optbench::experiment::load_text(text, "fuzz.yaml", plugins());
    if (optbench::experiment::count_runs(spec) <= kMaxExpandedRuns) {
      optbench::experiment::expand(spec, plugins());
    }
  } catch (const optbench::experiment::SpecError&) {
  }
  return 0;
}
