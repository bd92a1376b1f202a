// Code shared by the built-in optimizer plugins: the schema entries several
// rules have in common, torch's gradient preparation (maximize, coupled weight
// decay), the element loop that runs at AVX2 width when the CPU has it, the
// attach/step bookkeeping, and the two rule families that differ only by
// defaults or by one switch (SGD/momentum/Nesterov, Adam/AdamW).
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
  PluginInfo info;
  info.kind = PluginKind::Optimizer;
  info.name = std::move(name);
  info.version = "1.0.0";
  info.api_version = kApiVersion;
  info.description = std::move(description);
  info.schema = std::move(schema);
  return info;
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
/// baseline loop works 4 floats a register, its AVX2 copy 8. Both copies do
/// the same IEEE operations in the same order on every element (AVX2 without
/// FMA, and -ffp-contract=off so that neither copy fuses a multiply-add), so
/// they give bit-identical results.
using cpu::Isa;
using cpu::native_isa;

namespace detail {

template <class Element>
void loop_baseline(std::size_t n, Element element) {
  for (std::size_t i = 0; i < n; ++i)
    element(i);
}

#if defined(__x86_64__)
// `element` (built for the baseline) is inlined here and vectorized for AVX2.
template <class Element>
__attribute__((target("avx2"))) void loop_avx2(std::size_t n, Element element) {
  for (std::size_t i = 0; i < n; ++i)
    element(i);
}
#endif

}  // namespace detail

/// Calls `element(i)` for every i in [0, n) in a loop compiled for `isa`,
/// which must be one the CPU runs (native_isa() or Baseline).
///
/// `element` must capture by value: the closure is then a local copy whose
/// coefficients and pointers the compiler keeps in registers. Loads through a
/// reference capture or `this` could alias the float stores in its eyes, so
/// it would reload them every element and may not vectorize the loop.
template <class Element>
void for_each_element(Isa isa, std::size_t n, Element element) {
#if defined(__x86_64__)
  if (isa == Isa::Avx2) {
    detail::loop_avx2(n, element);
    return;
  }
#endif
  detail::loop_baseline(n, element);
}

/// Holds the attached parameters and the step count, which is per optimizer:
/// every attached tensor sees the same count, as with one torch param group.
class OptimizerBase : public Optimizer {
 public:
  explicit OptimizerBase(std::string name) : name_(std::move(name)) {}

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

  std::vector<ParamBuffer> params_;
  /// The element loops' instruction set.
  const Isa isa_ = native_isa();

 private:
  std::string name_;
  bool attached_ = false;
  std::int64_t step_ = 0;
};

// ---------------------------------------------------------------------------
// SGD family: sgd, momentum, nesterov (torch.optim.SGD with other defaults)
// ---------------------------------------------------------------------------

struct SgdDefaults {
  bool lr_required = true;
  double lr = 0.0;
  double momentum = 0.0;
  bool nesterov = false;
};

inline std::vector<ParamSpec> sgd_schema(const SgdDefaults& d) {
  return {
      d.lr_required ? required_lr_spec() : lr_spec(d.lr),
      real_spec("momentum", d.momentum, "momentum factor, >= 0 (0 disables the momentum buffer)"),
      real_spec("dampening", 0.0,
                "dampening for momentum, in [0, 1]: the buffer adds (1 - dampening) * grad", 0.0,
                1.0),
      weight_decay_spec(),
      bool_spec("nesterov", d.nesterov,
                "use Nesterov momentum (needs momentum > 0 and dampening = 0)"),
      maximize_spec(),
  };
}

struct SgdCoeffs {
  float neg_lr, momentum, keep, weight_decay;
};

template <bool Maximize, bool Decay>
void sgd_update(Isa isa, const SgdCoeffs c, std::size_t n, float* p, const float* grad) {
  for_each_element(isa, n, [=](std::size_t i) {
    p[i] = p[i] + c.neg_lr * prepare_grad<Maximize, Decay>(grad[i], p[i], c.weight_decay);
  });
}

template <bool Maximize, bool Decay, bool First, bool Nesterov>
void sgd_momentum_update(Isa isa, const SgdCoeffs c, std::size_t n, float* p, const float* grad,
                         float* buf) {
  for_each_element(isa, n, [=](std::size_t i) {
    const float g = prepare_grad<Maximize, Decay>(grad[i], p[i], c.weight_decay);
    // torch starts the buffer as a copy of the first gradient, undamped.
    float b;
    if constexpr (First) {
      b = g;
    } else {
      b = buf[i] * c.momentum + c.keep * g;
    }
    buf[i] = b;
    float d = b;
    if constexpr (Nesterov) d = g + c.momentum * b;
    p[i] = p[i] + c.neg_lr * d;
  });
}

class SgdOptimizer final : public OptimizerBase {
 public:
  SgdOptimizer(std::string name, const Params& p)
      : OptimizerBase(std::move(name)),
        lr_(p.real("lr")),
        momentum_(p.real("momentum")),
        dampening_(p.real("dampening")),
        nesterov_(p.boolean("nesterov")),
        grad_{p.boolean("maximize"), static_cast<float>(p.real("weight_decay"))} {}

  bool set_lr(double lr) override {
    lr_ = lr;
    return true;
  }
  bool set_momentum(double momentum) override {
    momentum_ = momentum;
    return true;
  }

  void step() override {
    begin_step();
    // torch starts the buffer on the first step taken with a momentum, which
    // is a later one when a schedule raises the momentum from zero.
    const bool first = momentum_ != 0.0 && buf_.empty();
    if (first) buf_ = make_state();
    const SgdCoeffs c{static_cast<float>(-lr_), static_cast<float>(momentum_),
                      static_cast<float>(1.0 - dampening_), grad_.weight_decay};
    if (momentum_ == 0.0) {
      with_flags(
          [&](auto maximize, auto decay) {
            for (const auto& t : params_)
              sgd_update<maximize, decay>(isa_, c, t.n, t.value, t.grad);
          },
          grad_.maximize, grad_.decays());
      return;
    }
    with_flags(
        [&](auto maximize, auto decay, auto is_first, auto nesterov) {
          for (std::size_t k = 0; k < params_.size(); ++k) {
            const auto& t = params_[k];
            sgd_momentum_update<maximize, decay, is_first, nesterov>(isa_, c, t.n, t.value, t.grad,
                                                                     buf_[k].data());
          }
        },
        grad_.maximize, grad_.decays(), first, nesterov_);
  }

 private:
  void allocate_state() override {}

  double lr_, momentum_, dampening_;
  bool nesterov_;
  GradOptions grad_;
  std::vector<std::vector<float>> buf_;
};

inline std::unique_ptr<Optimizer> create_sgd(const std::string& plugin,
                                             const std::vector<ParamSpec>& schema,
                                             const ParamMap& given) {
  const ParamMap resolved = resolve_params(plugin, schema, given);
  const Params p(resolved);
  if (p.boolean("nesterov") && (p.real("momentum") <= 0.0 || p.real("dampening") != 0.0)) {
    // torch.optim.SGD's own wording, plus the values that broke it.
    throw std::invalid_argument(plugin +
                                ": nesterov: Nesterov momentum requires a momentum and zero "
                                "dampening (got nesterov true, momentum " +
                                format_value(p.real("momentum")) + ", dampening " +
                                format_value(p.real("dampening")) + ")");
  }
  return std::make_unique<SgdOptimizer>(plugin, p);
}

// ---------------------------------------------------------------------------
// Adam family: adam (coupled L2 decay) and adamw (decoupled decay)
// ---------------------------------------------------------------------------

inline std::vector<ParamSpec> adam_schema(bool decoupled) {
  return {
      lr_spec(1e-3),
      betas_spec(),
      eps_spec(1e-8, "added to sqrt(v) / sqrt(1 - beta2^t) for numerical stability, >= 0"),
      decoupled ? real_spec("weight_decay", 1e-2,
                            "decoupled decay: param *= 1 - lr * weight_decay before each update")
                : weight_decay_spec(),
      bool_spec("amsgrad", false, "AMSGrad: normalize by the running maximum of the second moment"),
      maximize_spec(),
  };
}

struct AdamCoeffs {
  float beta1, beta2, one_minus_beta1, one_minus_beta2;
  float neg_step_size;  ///< -lr / (1 - beta1^t)
  float bc2_sqrt;       ///< sqrt(1 - beta2^t)
  float eps;
  float shrink;  ///< AdamW's 1 - lr * weight_decay
  float weight_decay;
};

template <bool Maximize, bool Coupled, bool Decoupled, bool AmsGrad>
void adam_update(Isa isa, const AdamCoeffs c, std::size_t n, float* p, const float* grad, float* m,
                 float* v, float* vmax) {
  for_each_element(isa, n, [=](std::size_t i) {
    const float g = prepare_grad<Maximize, Coupled>(grad[i], p[i], c.weight_decay);
    float x = p[i];
    if constexpr (Decoupled) x = x * c.shrink;
    m[i] = m[i] * c.beta1 + c.one_minus_beta1 * g;
    v[i] = v[i] * c.beta2 + (c.one_minus_beta2 * g) * g;
    float second = v[i];
    if constexpr (AmsGrad) {
      second = std::max(vmax[i], second);
      vmax[i] = second;
    }
    const float denom = std::sqrt(second) / c.bc2_sqrt + c.eps;
    p[i] = x + (c.neg_step_size * m[i]) / denom;
  });
}

class AdamOptimizer final : public OptimizerBase {
 public:
  AdamOptimizer(std::string name, const Params& p, bool decoupled)
      : OptimizerBase(std::move(name)),
        lr_(p.real("lr")),
        beta1_(p.reals("betas")[0]),
        beta2_(p.reals("betas")[1]),
        eps_(p.real("eps")),
        decay_(decoupled ? p.real("weight_decay") : 0.0),
        amsgrad_(p.boolean("amsgrad")),
        grad_{p.boolean("maximize"),
              decoupled ? 0.0f : static_cast<float>(p.real("weight_decay"))} {}

  bool set_lr(double lr) override {
    lr_ = lr;
    return true;
  }
  /// beta1, as torch's schedulers cycle `betas[0]`; the bias correction
  /// then uses the current beta1, as torch's does.
  bool set_momentum(double momentum) override {
    beta1_ = momentum;
    return true;
  }

  void step() override {
    const auto t = static_cast<double>(begin_step());
    const double bias_correction1 = 1.0 - std::pow(beta1_, t);
    const double bias_correction2 = 1.0 - std::pow(beta2_, t);
    const AdamCoeffs c{
        .beta1 = static_cast<float>(beta1_),
        .beta2 = static_cast<float>(beta2_),
        .one_minus_beta1 = static_cast<float>(1.0 - beta1_),
        .one_minus_beta2 = static_cast<float>(1.0 - beta2_),
        .neg_step_size = static_cast<float>(-(lr_ / bias_correction1)),
        .bc2_sqrt = static_cast<float>(std::sqrt(bias_correction2)),
        .eps = static_cast<float>(eps_),
        .shrink = static_cast<float>(1.0 - lr_ * decay_),
        .weight_decay = grad_.weight_decay,
    };
    // torch's AdamW always multiplies, by exactly 1 when weight_decay is 0,
    // so skipping the multiply then changes nothing.
    with_flags(
        [&](auto maximize, auto coupled, auto decoupled, auto amsgrad) {
          for (std::size_t k = 0; k < params_.size(); ++k) {
            const auto& x = params_[k];
            adam_update<maximize, coupled, decoupled, amsgrad>(
                isa_, c, x.n, x.value, x.grad, exp_avg_[k].data(), exp_avg_sq_[k].data(),
                amsgrad ? max_exp_avg_sq_[k].data() : nullptr);
          }
        },
        grad_.maximize, grad_.decays(), decay_ != 0.0, amsgrad_);
  }

 private:
  void allocate_state() override {
    exp_avg_ = make_state();
    exp_avg_sq_ = make_state();
    if (amsgrad_) max_exp_avg_sq_ = make_state();
  }

  double lr_, beta1_, beta2_, eps_, decay_;
  bool amsgrad_;
  GradOptions grad_;
  std::vector<std::vector<float>> exp_avg_, exp_avg_sq_, max_exp_avg_sq_;
};

inline std::unique_ptr<Optimizer> create_adam(const std::string& plugin,
                                              const std::vector<ParamSpec>& schema,
                                              const ParamMap& given, bool decoupled) {
  const ParamMap resolved = resolve_params(plugin, schema, given);
  return std::make_unique<AdamOptimizer>(plugin, Params(resolved), decoupled);
}

}  // namespace optbench::optimizers
