// The machinery every built-in optimizer plugin shares, and nothing of any
// one rule: the schema entries several rules have in common, torch's
// gradient preparation (maximize, coupled weight decay), the element loop
// that runs at AVX2 width when the CPU has it, and the attach/step
// bookkeeping. Each rule and its state live in the optimizer's own folder
// (`<name>/<name>_update.hpp` for the element loop, `<name>/<name>.cpp` for
// the schema, the state and the step).
//
// Every rule mirrors torch.optim 1.13's single-tensor CPU code path on float32
// tensors: element math is done in float in the same order as torch's kernels
// (`add(x, alpha)` is x + alpha*y, `addcmul` is x + (v*a)*b, `addcdiv` is
// x + (v*a)/b), and Python-side scalars (bias corrections, the Adagrad decayed
// rate) are computed in double and rounded to float once, as torch does when
// it passes them to a float kernel. Keeping that order keeps the plugins
// within a few ulps of torch (whose AVX2 kernels fuse x + alpha*y into one FMA
// where the plugins round twice), which is what lets the parity test hold a
// tight tolerance.
//
// This header is compiled into each plugin separately; with hidden visibility
// every plugin keeps its own copy, so the plugins stay independent.
#pragma once

#include "cpu_isa.hpp"

#include <omp.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "optbench/optimizer.hpp"
#include "optbench/params.hpp"
#include "optbench/plugin.hpp"
#include "optbench/resolved_params.hpp"

namespace optbench::optimizers {

// ---------------------------------------------------------------------------
// Schema entries
// ---------------------------------------------------------------------------

inline ParamSpec real_spec(std::string name, double default_value, std::string doc,
                           double min = 0.0, double max = std::numeric_limits<double>::infinity(),
                           bool max_exclusive = false) {
  ParamSpec spec;
  spec.name = std::move(name);
  spec.type = ParamType::Real;
  spec.default_value = default_value;
  spec.doc = std::move(doc);
  spec.min = min;
  spec.max = max;
  spec.max_exclusive = max_exclusive;
  return spec;
}

inline ParamSpec bool_spec(std::string name, bool default_value, std::string doc) {
  ParamSpec spec;
  spec.name = std::move(name);
  spec.type = ParamType::Bool;
  spec.default_value = default_value;
  spec.doc = std::move(doc);
  return spec;
}

inline ParamSpec lr_spec(double default_value) {
  return real_spec("lr", default_value, "learning rate (step size), >= 0");
}

/// torch.optim.SGD has no default learning rate; neither does the `sgd` plugin.
inline ParamSpec required_lr_spec() {
  auto spec = lr_spec(0.0);
  spec.doc = "learning rate (step size), >= 0; required, as in torch.optim.SGD";
  spec.required = true;
  return spec;
}

inline ParamSpec eps_spec(double default_value, std::string doc) {
  return real_spec("eps", default_value, std::move(doc));
}

inline ParamSpec weight_decay_spec(double default_value = 0.0) {
  return real_spec("weight_decay", default_value,
                   "L2 penalty: weight_decay * param is added to the gradient");
}

inline ParamSpec maximize_spec() {
  return bool_spec("maximize", false, "ascend the objective instead of descending it");
}

inline ParamSpec betas_spec() {
  ParamSpec spec;
  spec.name = "betas";
  spec.type = ParamType::RealList;
  spec.default_value = std::vector<double>{0.9, 0.999};
  spec.doc = "decay rates [beta1, beta2] of the first and second moment averages, each in [0, 1)";
  spec.min = 0.0;
  spec.max = 1.0;
  spec.max_exclusive = true;
  spec.list_size = 2;
  return spec;
}

inline PluginInfo make_info(std::string name, std::string description,
                            std::vector<ParamSpec> schema) {
  return plugin_info(PluginKind::Optimizer, std::move(name), "1.0.0", std::move(description),
                     std::move(schema));
}

/// A plugin's factory when its rule is the class `Rule`, constructed from the
/// plugin's name (which its messages carry) and the settings resolved against
/// the schema of `info`; the name is then written once, in `info()`.
template <class Rule>
std::unique_ptr<Optimizer> make_optimizer(const PluginInfo& info, const ParamMap& given) {
  return std::make_unique<Rule>(info.name, ResolvedParams(info, given));
}

// ---------------------------------------------------------------------------
// Gradient preparation and bookkeeping
// ---------------------------------------------------------------------------

/// Runs `body` with every runtime flag turned into a std::bool_constant, so
/// that update loops test options with `if constexpr`. A branch left in a loop
/// body keeps GCC from vectorizing it: under the default -ftrapping-math it
/// will not if-convert floating-point code, and it does not unswitch these.
template <class Body>
void with_flags(Body&& body) {
  body();
}

template <class Body, class... Flags>
void with_flags(Body&& body, bool flag, Flags... flags) {
  if (flag) {
    with_flags([&](auto... rest) { body(std::true_type{}, rest...); }, flags...);
  } else {
    with_flags([&](auto... rest) { body(std::false_type{}, rest...); }, flags...);
  }
}

/// The options torch applies to the raw gradient before every rule.
struct GradOptions {
  bool maximize = false;
  float weight_decay = 0.0f;  ///< coupled L2 term; 0 for none

  /// From the schema keys `maximize` and `weight_decay` (maximize_spec,
  /// weight_decay_spec).
  static GradOptions from(const Params& p) {
    return {p.boolean("maximize"), static_cast<float>(p.real("weight_decay"))};
  }
  bool decays() const { return weight_decay != 0.0f; }
};

/// torch's first lines of every rule: negate for maximize, then add the
/// coupled L2 term. The decay is skipped (not multiplied by zero) when it is
/// zero, as in torch, so that an infinite parameter does not turn into NaN.
template <bool Maximize, bool Decay>
inline float prepare_grad(float grad, float param, float weight_decay) {
  float g = grad;
  if constexpr (Maximize) g = -g;
  if constexpr (Decay) g = g + weight_decay * param;
  return g;
}

// ---------------------------------------------------------------------------
// Element loops at the CPU's SIMD width
// ---------------------------------------------------------------------------

/// The instruction sets an element loop is compiled for (cpu_isa.hpp): the
/// baseline loop works 4 floats a register, its AVX2 copy 8 and its AVX-512
/// copy 16. Every copy does the same IEEE operations in the same order on
/// every element (-ffp-contract=off, so that no copy fuses a multiply-add),
/// so they give bit-identical results. The AVX-512 copy pays off even where
/// the arithmetic does not bind: an MLP's state (a few MB) lives in L3, and
/// half as many loads and stores per element moved Adadelta's update of
/// 159,010 floats from 80 us to 46 us on an AVX-512 Zen 4.
using cpu::Isa;
using cpu::native_isa;

namespace detail {

template <class Element>
void loop_baseline(std::size_t begin, std::size_t end, Element element) {
  for (std::size_t i = begin; i < end; ++i)
    element(i);
}

#if defined(__x86_64__)
// `element` (built for the baseline) is inlined here and vectorized for AVX2.
template <class Element>
__attribute__((target("avx2"))) void loop_avx2(std::size_t begin, std::size_t end,
                                               Element element) {
  for (std::size_t i = begin; i < end; ++i)
    element(i);
}

// The same for AVX-512, 16 floats a vector.
template <class Element>
OPTBENCH_TARGET_AVX512 void loop_avx512(std::size_t begin, std::size_t end, Element element) {
  for (std::size_t i = begin; i < end; ++i)
    element(i);
}
#endif

/// The copy for `isa` over [begin, end); `wide` says whether the AVX-512
/// copy may run (decided once for the whole tensor).
template <class Element>
void loop(Isa isa, bool wide, std::size_t begin, std::size_t end, Element element) {
#if defined(__x86_64__)
  if (isa == Isa::Avx512 && wide) {
    loop_avx512(begin, end, element);
    return;
  }
  if (isa == Isa::Avx512 || isa == Isa::Avx2) {
    loop_avx2(begin, end, element);
    return;
  }
#endif
  loop_baseline(begin, end, element);
}

/// How many of the calling thread's OpenMP threads a tensor of n floats is
/// split between: one part per kMinElementsPerThread, at most the run's
/// threads (the host sets OpenMP's count to --threads-per-run in each
/// worker, and the layers set it per training thread). Below two parts the
/// fork and join would cost more than the second thread saves.
inline constexpr std::size_t kMinElementsPerThread = 64 * 1024;

inline std::size_t thread_parts(std::size_t n) {
  if (n < 2 * kMinElementsPerThread || omp_in_parallel()) return 1;
  const auto threads = static_cast<std::size_t>(std::max(1, omp_get_max_threads()));
  return std::min(threads, n / kMinElementsPerThread);
}

}  // namespace detail

/// Calls `element(i)` for every i in [0, n) in a loop compiled for `isa`,
/// which must be one the CPU runs (native_isa() or narrower). A tensor longer
/// than cpu::kWideLoopMaxElements runs the AVX2 copy even where AVX-512 is
/// offered: streaming from memory, the 16-float loop was 15-25 % slower
/// than the 8-float one on a Zen 4 (Adam, momentum and Adadelta over 10M
/// floats), while in cache it is up to 1.8x faster. The bits are the same.
///
/// A run with several threads splits a large tensor into contiguous parts,
/// one per thread, each starting on a 64-byte boundary of the index range.
/// Every element is computed alone by the same operations whichever part,
/// lane or tail holds it, so the bits do not depend on the thread count:
/// the update of the cnn model's 524,288-float dense weight then no longer
/// leaves a run's second thread waiting.
///
/// `element` must capture by value: the closure is then a local copy whose
/// coefficients and pointers the compiler keeps in registers. Loads through a
/// reference capture or `this` could alias the float stores in its eyes, so
/// it would reload them every element and may not vectorize the loop.
template <class Element>
void for_each_element(Isa isa, std::size_t n, Element element) {
  const bool wide = n <= cpu::kWideLoopMaxElements;
  const std::size_t parts = detail::thread_parts(n);
  if (parts == 1) {
    detail::loop(isa, wide, 0, n, element);
    return;
  }
  // Parts of whole 16-float blocks, the last one taking the remainder.
  const std::size_t blocks = n / 16;
#pragma omp parallel for num_threads(parts) schedule(static, 1)
  for (std::size_t part = 0; part < parts; ++part) {
    const std::size_t begin = blocks * part / parts * 16;
    const std::size_t end = part + 1 == parts ? n : blocks * (part + 1) / parts * 16;
    detail::loop(isa, wide, begin, end, element);
  }
}

/// Holds the attached parameters and the step count, which is per optimizer:
/// every attached tensor sees the same count, as with one torch param group.
class OptimizerBase : public Optimizer {
 public:
  OptimizerBase(std::string name, double lr) : lr_(lr), name_(std::move(name)) {}

  /// Every rule scales its step by lr, so every rule lets a schedule set it.
  bool set_lr(double lr) final {
    lr_ = lr;
    return true;
  }

  void attach(std::span<const ParamBuffer> params) final {
    if (attached_) throw std::logic_error(name_ + ": attach() called twice");
    for (const auto& p : params) {
      if (p.n > 0 && (p.value == nullptr || p.grad == nullptr)) {
        throw std::invalid_argument(name_ + ": parameter '" + p.name +
                                    "' has no value or gradient memory");
      }
    }
    params_.assign(params.begin(), params.end());
    attached_ = true;
    allocate_state();
  }

 protected:
  /// Sizes the per-tensor state; the only place a rule allocates.
  virtual void allocate_state() = 0;

  /// Advances and returns the step count (1 on the first step).
  std::int64_t begin_step() {
    if (!attached_) throw std::logic_error(name_ + ": step() called before attach()");
    return ++step_;
  }

  /// One float buffer per attached tensor, filled with `value`.
  std::vector<std::vector<float>> make_state(float value = 0.0f) const {
    std::vector<std::vector<float>> state;
    state.reserve(params_.size());
    for (const auto& p : params_)
      state.emplace_back(p.n, value);
    return state;
  }

  double lr_;  ///< the learning rate of the next step
  std::vector<ParamBuffer> params_;
  /// The element loops' instruction set.
  const Isa isa_ = native_isa();

 private:
  std::string name_;
  bool attached_ = false;
  std::int64_t step_ = 0;
};

/// One family's rule under its own name, description and settings (momentum
/// and nesterov are torch.optim.SGD's with other defaults, adamw is Adam's
/// with decoupled weight decay): `Schema(settings)` is the plugin's schema and
/// `Create(info, given, settings)` its factory.
template <class Settings, auto Schema, auto Create>
struct Preset {
  const char* name;
  const char* description;
  Settings settings;

  PluginInfo info() const { return make_info(name, description, Schema(settings)); }
  std::unique_ptr<Optimizer> create(const ParamMap& given) const {
    return Create(info(), given, settings);
  }
};

// These two templates turn a Preset constant into the plugin's exported
// functions.
template <const auto& Constant>
PluginInfo preset_info() {
  return Constant.info();
}

template <const auto& Constant>
std::unique_ptr<Optimizer> preset_create(const ParamMap& params) {
  return Constant.create(params);
}

}  // namespace optbench::optimizers

/// Exports a preset constant as the whole optimizer plugin:
///   constexpr SgdPreset kMomentum{...};
///   OPTBENCH_OPTIMIZER_PRESET(kMomentum)
#define OPTBENCH_OPTIMIZER_PRESET(preset)                                \
  OPTBENCH_OPTIMIZER_PLUGIN(::optbench::optimizers::preset_info<preset>, \
                            ::optbench::optimizers::preset_create<preset>)
