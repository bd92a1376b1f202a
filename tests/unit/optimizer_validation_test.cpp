// The optimizer plugins' metadata and their refusal of bad hyperparameters:
// every factory must throw std::invalid_argument naming the key and the bad
// value, so that a user can fix a preset from the message alone.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/dll/shared_library.hpp>

#include "optbench/optimizer.hpp"
#include "optbench/params.hpp"
#include "optbench/plugin.hpp"

#include "test_support.hpp"

namespace {

using optbench::ParamMap;

/// Every built-in optimizer, as the registry finds them in the build.
std::vector<std::string> optimizers() {
  return optbench::testing::built_plugins().names(optbench::PluginKind::Optimizer);
}

/// The built-in optimizers whose schema has `key`: the checks of one
/// hyperparameter run on every plugin that takes it.
std::vector<std::string> optimizers_with(const std::string& key) {
  std::vector<std::string> out;
  for (const auto& name : optimizers()) {
    const auto* plugin =
        optbench::testing::built_plugins().find(optbench::PluginKind::Optimizer, name);
    for (const auto& spec : plugin->info.schema) {
      if (spec.name == key) out.push_back(name);
    }
  }
  return out;
}

/// A setting without default (sgd's lr) gets a valid value, so that a test
/// checks only its own key.
ParamMap with_required(const std::string& name, ParamMap params) {
  const auto* plugin =
      optbench::testing::built_plugins().find(optbench::PluginKind::Optimizer, name);
  for (const auto& spec : plugin->info.schema) {
    if (spec.required && !params.contains(spec.name)) params[spec.name] = 0.1;
  }
  return params;
}

TEST(OptimizerPluginInfo, TheBuildHasTheBuiltIns) {
  // The lists below come from the registry; this keeps them from being empty.
  EXPECT_GE(optimizers().size(), 9u);
  EXPECT_GE(optimizers_with("betas").size(), 3u);
  EXPECT_GE(optimizers_with("momentum").size(), 4u);
}

/// The message of the std::invalid_argument the factory throws, or a failure.
std::string rejection(const std::string& name, const ParamMap& params) {
  auto plugin = optbench::testing::load_optimizer_library(name);
  try {
    auto opt = plugin->create(params);
    ADD_FAILURE() << name << ": accepted invalid hyperparameters";
  } catch (const std::invalid_argument& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << name << ": threw something other than std::invalid_argument: " << e.what();
  }
  return {};
}

void expect_contains(const std::string& message, const std::vector<std::string>& parts) {
  for (const auto& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos)
        << "message \"" << message << "\" lacks \"" << part << "\"";
  }
}

TEST(OptimizerPluginInfo, DescribesItself) {
  for (const auto& name : optimizers()) {
    SCOPED_TRACE(name);
    auto plugin = optbench::testing::load_optimizer_library(name);
    const auto version = plugin->lib.get_alias<std::uint32_t()>("optbench_api_version")();
    EXPECT_EQ(version, optbench::kApiVersion);
    const auto& info = plugin->info;
    EXPECT_EQ(info.kind, optbench::PluginKind::Optimizer);
    EXPECT_EQ(info.name, name);
    EXPECT_EQ(info.version, "1.0.0");
    EXPECT_EQ(info.api_version, optbench::kApiVersion);
    EXPECT_FALSE(info.description.empty());
    EXPECT_EQ(info.description.find('\n'), std::string::npos) << "description is one line";
    EXPECT_FALSE(info.schema.empty());
    for (const auto& spec : info.schema) {
      EXPECT_FALSE(spec.doc.empty()) << "no doc for '" << spec.name << "'";
      // A default must satisfy its own schema, or the plugin could not run
      // without settings.
      if (!spec.required) {
        EXPECT_EQ(optbench::check_value(spec, spec.default_value), "") << spec.name;
      }
    }
  }
}

TEST(OptimizerPluginInfo, DefaultsConstruct) {
  for (const auto& name : optimizers()) {
    SCOPED_TRACE(name);
    auto plugin = optbench::testing::load_optimizer_library(name);
    auto opt = plugin->create(with_required(name, {}));
    EXPECT_NE(opt, nullptr);
    opt.reset();
  }
}

TEST(OptimizerValidation, SgdRequiresLr) {
  expect_contains(rejection("sgd", {}), {"sgd", "lr", "required"});
}

TEST(OptimizerValidation, NegativeLr) {
  for (const auto& name : optimizers()) {
    SCOPED_TRACE(name);
    expect_contains(rejection(name, {{"lr", -0.5}}), {name, "lr", "-0.5"});
  }
}

TEST(OptimizerValidation, NegativeEps) {
  for (const auto& name : optimizers_with("eps")) {
    SCOPED_TRACE(name);
    expect_contains(rejection(name, {{"eps", -1e-8}}), {"eps", "-1e-08"});
  }
}

TEST(OptimizerValidation, NegativeWeightDecayAndMomentum) {
  for (const auto& name : optimizers_with("weight_decay")) {
    SCOPED_TRACE(name);
    expect_contains(rejection(name, with_required(name, {{"weight_decay", -0.01}})),
                    {"weight_decay", "-0.01"});
  }
  for (const auto& name : optimizers_with("momentum")) {
    SCOPED_TRACE(name);
    expect_contains(rejection(name, with_required(name, {{"momentum", -0.9}})),
                    {"momentum", "-0.9"});
  }
}

TEST(OptimizerValidation, DecayRatesOutsideUnitInterval) {
  expect_contains(rejection("rmsprop", {{"alpha", 1.5}}), {"alpha", "1.5"});
  expect_contains(rejection("adadelta", {{"rho", -0.1}}), {"rho", "-0.1"});
  expect_contains(rejection("sgd", {{"lr", 0.1}, {"dampening", 2.0}}), {"dampening", "2"});
}

TEST(OptimizerValidation, BetaOutsideHalfOpenUnitInterval) {
  for (const auto& name : optimizers_with("betas")) {
    SCOPED_TRACE(name);
    // 1 is excluded: beta2 = 1 freezes v at 0 and bias correction divides by 0.
    expect_contains(rejection(name, {{"betas", std::vector<double>{0.9, 1.0}}}),
                    {name, "betas", "[0.9, 1]"});
    expect_contains(rejection(name, {{"betas", std::vector<double>{-0.1, 0.999}}}),
                    {"betas", "[-0.1, 0.999]"});
    expect_contains(rejection(name, {{"betas", std::vector<double>{0.9}}}), {"betas", "[0.9]"});
  }
}

TEST(OptimizerValidation, UnknownKey) {
  for (const auto& name : optimizers()) {
    SCOPED_TRACE(name);
    expect_contains(rejection(name, with_required(name, {{"learning_rate", 0.1}})),
                    {name, "learning_rate", "lr"});
  }
  // torch's Adam knobs that an SGD-family plugin does not have, and vice versa.
  expect_contains(rejection("momentum", {{"betas", std::vector<double>{0.9, 0.999}}}), {"betas"});
  expect_contains(rejection("adam_textbook", {{"weight_decay", 0.1}}), {"weight_decay"});
  expect_contains(rejection("adam_textbook", {{"amsgrad", true}}), {"amsgrad"});
}

TEST(OptimizerValidation, WrongType) {
  for (const auto& name : optimizers()) {
    SCOPED_TRACE(name);
    expect_contains(rejection(name, {{"lr", std::string("fast")}}), {name, "lr", "fast"});
  }
  expect_contains(rejection("adam", {{"amsgrad", 1.0}}), {"amsgrad", "1"});
  expect_contains(rejection("sgd", {{"lr", 0.1}, {"nesterov", std::string("yes")}}),
                  {"nesterov", "yes"});
  expect_contains(rejection("rmsprop", {{"centered", std::int64_t{1}}}), {"centered", "1"});
  expect_contains(rejection("adamw", {{"betas", 0.9}}), {"betas", "0.9"});
}

TEST(OptimizerValidation, IntegerWidensToReal) {
  auto plugin = optbench::testing::load_optimizer_library("adadelta");
  auto opt = plugin->create({{"lr", std::int64_t{1}}, {"rho", std::int64_t{0}}});
  EXPECT_NE(opt, nullptr);
  opt.reset();
}

TEST(OptimizerValidation, NesterovNeedsMomentumAndNoDampening) {
  // torch.optim.SGD: "Nesterov momentum requires a momentum and zero dampening".
  expect_contains(rejection("sgd", {{"lr", 0.1}, {"nesterov", true}}),
                  {"sgd", "nesterov", "requires a momentum", "momentum 0"});
  expect_contains(rejection("nesterov", {{"momentum", 0.0}}),
                  {"nesterov", "requires a momentum", "momentum 0"});
  expect_contains(rejection("nesterov", {{"dampening", 0.25}}),
                  {"nesterov", "zero dampening", "dampening 0.25"});
  expect_contains(rejection("momentum", {{"nesterov", true}, {"dampening", 0.5}}),
                  {"momentum", "nesterov", "dampening 0.5"});
  // Accepted combinations.
  auto plugin = optbench::testing::load_optimizer_library("nesterov");
  EXPECT_NO_THROW(plugin->create({{"nesterov", false}, {"momentum", 0.0}}));
  EXPECT_NO_THROW(plugin->create({{"nesterov", false}, {"dampening", 0.5}}));
}

// The step count is per optimizer; attach is once only and step needs it.
TEST(OptimizerLifecycle, AttachOnceAndBeforeStep) {
  for (const auto& name : optimizers()) {
    SCOPED_TRACE(name);
    auto plugin = optbench::testing::load_optimizer_library(name);
    auto opt = plugin->create(with_required(name, {}));
    EXPECT_THROW(opt->step(), std::logic_error);
    std::vector<float> value(5, 1.0f), grad(5, 0.5f);
    const std::vector<optbench::ParamBuffer> buffers = {{"x", value.data(), grad.data(), 5}};
    opt->attach(buffers);
    EXPECT_THROW(opt->attach(buffers), std::logic_error);
    opt->step();
    EXPECT_NE(value[0], 1.0f) << "a step with a non-zero gradient moved nothing";
    opt.reset();
  }
}

}  // namespace
