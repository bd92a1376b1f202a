// Every optimizer's AVX2 and AVX-512 element loops against its baseline
// (SSE2) loop: the same random inputs through each for several steps must
// leave parameters and state bit for bit equal. A CPU without AVX-512
// checks the AVX2 copies only, and Avx512CopiesAreChecked says it skipped.
// The lengths cover what a vector loop handles differently (shorter than one
// 8- or 16-float vector, exactly one, one past it, and long ones with a
// tail), and every option that changes the loop body is switched on in some
// case. The baseline runs on one OpenMP thread and the wide copies on three,
// so the longest length is also split into parts (one per thread, the last
// with a tail), as a run with several threads splits a large tensor. The
// loops are compiled here from the plugins' own headers with the plugins'
// own options (the optbench_optimizer_common target).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "adadelta/adadelta_update.hpp"
#include "adagrad/adagrad_update.hpp"
#include "adam/adam_update.hpp"
#include "adam_textbook/adam_textbook_update.hpp"
#include "float_bits.hpp"
#include "optbench/random.hpp"
#include "optimizer_common.hpp"
#include "rmsprop/rmsprop_update.hpp"
#include "sgd/sgd_update.hpp"

namespace {

namespace opt = optbench::optimizers;
using opt::Isa;
using opt::with_flags;

// 196,613 = three parts of 4,096 16-float blocks and a 5-float tail.
constexpr std::size_t kSplitLength = 3 * opt::detail::kMinElementsPerThread + 5;
constexpr std::size_t kLengths[] = {1, 7, 8, 9, 15, 16, 17, 1000, 10007, kSplitLength};
constexpr int kWideThreads = 3;
constexpr int kSteps = 4;

using State = std::vector<std::vector<float>>;

/// Parameters in [-1, 1); gradients with magnitudes from 1e-4 to 10 and
/// some exact zeros, so that the square roots and divisions see a wide
/// range of operands.
std::vector<float> random_params(optbench::Rng& rng, std::size_t n) {
  std::vector<float> v(n);
  for (auto& x : v)
    x = static_cast<float>(rng.uniform(-1.0, 1.0));
  return v;
}

std::vector<float> random_grad(optbench::Rng& rng, std::size_t n) {
  std::vector<float> v(n);
  for (auto& x : v) {
    const double magnitude = std::pow(10.0, rng.uniform(-4.0, 1.0));
    x = rng.below(16) == 0 ? 0.0f
                           : static_cast<float>(rng.uniform() < 0.5 ? -magnitude : magnitude);
  }
  return v;
}

/// Adds a failure for any element that is not finite (the inputs keep
/// every rule finite, so a NaN would mean a broken case rather than a result
/// worth comparing), then one naming the first element whose bits differ.
void expect_same_bits(const std::vector<float>& baseline, const std::vector<float>& wide,
                      const std::string& what) {
  for (std::size_t i = 0; i < baseline.size(); ++i) {
    if (!std::isfinite(baseline[i])) {
      ADD_FAILURE() << what << "[" << i << "] is " << baseline[i] << " on the baseline";
      return;
    }
  }
  optbench::testing::expect_same_bits(baseline, wide, what + " (baseline against wide)");
}

const char* isa_name(Isa isa) {
  return isa == Isa::Avx512 ? "avx512" : "avx2";
}

/// The wide copies this CPU runs.
std::vector<Isa> wide_isas() {
  std::vector<Isa> isas;
  for (const Isa isa : {Isa::Avx2, Isa::Avx512})
    if (optbench::cpu::runs(isa)) isas.push_back(isa);
  return isas;
}

/// Runs `step(isa, t, n, param, grad, state)` for t = 1..kSteps on the
/// baseline and on every wide instruction set from the same start and
/// gradients, for every length, and compares parameters and state after
/// every step.
template <class Step>
void expect_bit_identical(std::size_t state_buffers, float state_init, Step step) {
  for (const Isa wide : wide_isas()) {
    for (const std::size_t n : kLengths) {
      optbench::Rng rng(n);
      std::vector<float> base_param = random_params(rng, n);
      State base_state(state_buffers, std::vector<float>(n, state_init));
      std::vector<float> wide_param = base_param;
      State wide_state = base_state;
      for (int t = 1; t <= kSteps; ++t) {
        const std::vector<float> grad = random_grad(rng, n);
        omp_set_num_threads(1);
        step(Isa::Baseline, t, n, base_param.data(), grad.data(), base_state);
        omp_set_num_threads(kWideThreads);
        step(wide, t, n, wide_param.data(), grad.data(), wide_state);
        const std::string where = std::string(isa_name(wide)) + ", n " + std::to_string(n) +
                                  ", step " + std::to_string(t);
        expect_same_bits(base_param, wide_param, where + ", param");
        for (std::size_t k = 0; k < state_buffers; ++k)
          expect_same_bits(base_state[k], wide_state[k], where + ", state " + std::to_string(k));
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

std::string flags_text(std::initializer_list<std::pair<const char*, bool>> flags) {
  std::string text;
  for (const auto& [name, on] : flags)
    text.append(name).append(on ? "=1 " : "=0 ");
  return text;
}

class OptimizerSimd : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!__builtin_cpu_supports("avx2")) GTEST_SKIP() << "this CPU has no AVX2";
  }
};

TEST_F(OptimizerSimd, NativeIsaIsTheWidestThisCpuRuns) {
  EXPECT_EQ(opt::native_isa(), __builtin_cpu_supports("avx512f") ? Isa::Avx512 : Isa::Avx2);
}

// Named, so that a run on a CPU without AVX-512 says what it did not check.
TEST_F(OptimizerSimd, Avx512CopiesAreChecked) {
  if (!optbench::cpu::runs(Isa::Avx512)) GTEST_SKIP() << "this CPU has no AVX-512";
  EXPECT_EQ(wide_isas().back(), Isa::Avx512);
}

// The comparisons above split the longest tensor only if the loop does.
TEST_F(OptimizerSimd, LargeTensorsAreSplitBetweenTheThreads) {
  omp_set_num_threads(kWideThreads);
  EXPECT_EQ(opt::detail::thread_parts(kSplitLength), 3u);
  EXPECT_EQ(opt::detail::thread_parts(2 * opt::detail::kMinElementsPerThread - 1), 1u);
  omp_set_num_threads(1);
  EXPECT_EQ(opt::detail::thread_parts(kSplitLength), 1u);
  // Inside a parallel region (a model's own threads) the loop stays whole.
  int nested = 0;
#pragma omp parallel num_threads(2)
#pragma omp single
  nested = static_cast<int>(opt::detail::thread_parts(kSplitLength));
  EXPECT_EQ(nested, 1);
}

TEST_F(OptimizerSimd, Sgd) {
  for (const bool maximize : {false, true}) {
    for (const bool decay : {false, true}) {
      SCOPED_TRACE(flags_text({{"maximize", maximize}, {"decay", decay}}));
      const opt::sgd::Coeffs c{-0.05f, 0.0f, 1.0f, decay ? 0.01f : 0.0f};
      expect_bit_identical(
          0, 0.0f, [&](Isa isa, int, std::size_t n, float* p, const float* g, State&) {
            with_flags([&](auto m, auto d) { opt::sgd::update<m, d>(isa, c, n, p, g); }, maximize,
                       decay);
          });
    }
  }
}

TEST_F(OptimizerSimd, MomentumAndNesterov) {
  for (const bool nesterov : {false, true}) {
    for (const bool maximize : {false, true}) {
      for (const bool decay : {false, true}) {
        SCOPED_TRACE(
            flags_text({{"nesterov", nesterov}, {"maximize", maximize}, {"decay", decay}}));
        // Nesterov needs dampening 0; plain momentum gets 0.25.
        const opt::sgd::Coeffs c{-0.01f, 0.9f, nesterov ? 1.0f : 0.75f, decay ? 1e-3f : 0.0f};
        expect_bit_identical(
            1, 0.0f, [&](Isa isa, int t, std::size_t n, float* p, const float* g, State& s) {
              with_flags(
                  [&](auto m, auto d, auto first, auto nest) {
                    opt::sgd::momentum_update<m, d, first, nest>(isa, c, n, p, g, s[0].data());
                  },
                  maximize, decay, t == 1, nesterov);
            });
      }
    }
  }
}

TEST_F(OptimizerSimd, Adagrad) {
  for (const bool maximize : {false, true}) {
    for (const bool decay : {false, true}) {
      SCOPED_TRACE(flags_text({{"maximize", maximize}, {"decay", decay}}));
      // Initial accumulator 0.1, lr 0.1 decaying by lr_decay 0.01.
      expect_bit_identical(
          1, 0.1f, [&](Isa isa, int t, std::size_t n, float* p, const float* g, State& s) {
            const opt::adagrad::Coeffs c{static_cast<float>(-0.1 / (1.0 + (t - 1) * 0.01)), 1e-10f,
                                         decay ? 0.01f : 0.0f};
            with_flags(
                [&](auto m, auto d) { opt::adagrad::update<m, d>(isa, c, n, p, g, s[0].data()); },
                maximize, decay);
          });
    }
  }
}

TEST_F(OptimizerSimd, RmsProp) {
  for (const bool maximize : {false, true}) {
    for (const bool decay : {false, true}) {
      for (const bool centered : {false, true}) {
        for (const bool momentum : {false, true}) {
          SCOPED_TRACE(flags_text({{"maximize", maximize},
                                   {"decay", decay},
                                   {"centered", centered},
                                   {"momentum", momentum}}));
          const opt::rmsprop::Coeffs c{-0.01f, 0.99f, 0.01f, 1e-8f, 0.9f, decay ? 0.01f : 0.0f};
          // State: square average, gradient average, momentum buffer.
          expect_bit_identical(
              3, 0.0f, [&](Isa isa, int, std::size_t n, float* p, const float* g, State& s) {
                with_flags(
                    [&](auto m, auto d, auto cen, auto mom) {
                      opt::rmsprop::update<m, d, cen, mom>(isa, c, n, p, g, s[0].data(),
                                                           s[1].data(), s[2].data());
                    },
                    maximize, decay, centered, momentum);
              });
        }
      }
    }
  }
}

TEST_F(OptimizerSimd, Adadelta) {
  for (const bool maximize : {false, true}) {
    for (const bool decay : {false, true}) {
      SCOPED_TRACE(flags_text({{"maximize", maximize}, {"decay", decay}}));
      const opt::adadelta::Coeffs c{-1.0f, 0.9f, 0.1f, 1e-6f, decay ? 0.01f : 0.0f};
      expect_bit_identical(
          2, 0.0f, [&](Isa isa, int, std::size_t n, float* p, const float* g, State& s) {
            with_flags(
                [&](auto m, auto d) {
                  opt::adadelta::update<m, d>(isa, c, n, p, g, s[0].data(), s[1].data());
                },
                maximize, decay);
          });
    }
  }
}

/// Adam's coefficients at step t: lr 1e-3, betas 0.9/0.999, eps 1e-8.
opt::adam::Coeffs adam_coeffs(int t, float coupled_decay, float decoupled_decay) {
  const double lr = 1e-3;
  return {
      .beta1 = 0.9f,
      .beta2 = 0.999f,
      .one_minus_beta1 = 0.1f,
      .one_minus_beta2 = 0.001f,
      .neg_step_size = static_cast<float>(-(lr / (1.0 - std::pow(0.9, t)))),
      .bc2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(0.999, t))),
      .eps = 1e-8f,
      .shrink = static_cast<float>(1.0 - lr * decoupled_decay),
      .weight_decay = coupled_decay,
  };
}

// Adam with coupled decay, AdamW with decoupled decay, either with AMSGrad.
TEST_F(OptimizerSimd, AdamAndAdamW) {
  for (const bool amsgrad : {false, true}) {
    for (const bool maximize : {false, true}) {
      for (const int decay : {0, 1, 2}) {
        const bool coupled = decay == 1, decoupled = decay == 2;
        SCOPED_TRACE(flags_text({{"amsgrad", amsgrad},
                                 {"maximize", maximize},
                                 {"coupled", coupled},
                                 {"decoupled", decoupled}}));
        expect_bit_identical(
            3, 0.0f, [&](Isa isa, int t, std::size_t n, float* p, const float* g, State& s) {
              const auto c = adam_coeffs(t, coupled ? 0.01f : 0.0f, decoupled ? 0.01f : 0.0f);
              with_flags(
                  [&](auto m, auto cd, auto dd, auto ams) {
                    opt::adam::update<m, cd, dd, ams>(isa, c, n, p, g, s[0].data(), s[1].data(),
                                                      s[2].data());
                  },
                  maximize, coupled, decoupled, amsgrad);
            });
      }
    }
  }
}

TEST_F(OptimizerSimd, AdamTextbook) {
  expect_bit_identical(2, 0.0f,
                       [](Isa isa, int t, std::size_t n, float* p, const float* g, State& s) {
                         const opt::adam_textbook::Coeffs c{
                             .lr = 0.01f,
                             .beta1 = 0.9f,
                             .beta2 = 0.999f,
                             .one_minus_beta1 = 0.1f,
                             .one_minus_beta2 = 0.001f,
                             .bias_correction1 = static_cast<float>(1.0 - std::pow(0.9, t)),
                             .bias_correction2 = static_cast<float>(1.0 - std::pow(0.999, t)),
                             .eps = 1e-8f,
                         };
                         opt::adam_textbook::update(isa, c, n, p, g, s[0].data(), s[1].data());
                       });
}

}  // namespace
