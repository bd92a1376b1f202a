// The optbench::Model every nn plugin returns, and what mlp, cnn and
// sequential share to build one from a dataset description.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "layers.hpp"
#include "network.hpp"
#include "optbench/model.hpp"
#include "optbench/resolved_params.hpp"

namespace nn {

/// A finished Network behind the SDK's Model interface.
class NetModel final : public optbench::Model {
 public:
  explicit NetModel(std::unique_ptr<Network> net) : net_(std::move(net)) {}
  std::span<const optbench::ParamBuffer> parameters() override { return net_->trainable(); }
  std::span<const optbench::ParamBuffer> buffers() override { return net_->buffers(); }
  void set_training(bool on) override { net_->set_training(on); }
  double forward(const optbench::Batch& batch) override { return net_->forward(batch); }
  void backward() override { net_->backward(); }
  optbench::Evaluation evaluate(const optbench::Batch& batch) override {
    return net_->evaluate(batch);
  }

 private:
  std::unique_ptr<Network> net_;
};

/// Ends a network the way mlp and cnn do: an output layer named
/// `output_name` sized for the data's task (one logit per class with softmax
/// cross-entropy, or target_size outputs with mean squared error), the
/// training plan, and PyTorch's initialisation from the run's seed. Throws
/// std::invalid_argument naming `model` for a classifier with fewer than 2
/// classes.
std::unique_ptr<optbench::Model> finish_with_head(std::unique_ptr<Network> net,
                                                  const std::string& model,
                                                  const std::string& output_name,
                                                  const optbench::DatasetInfo& data,
                                                  const optbench::ModelContext& context);

/// The dataset description a data-driven model needs; throws naming `model`
/// when the experiment gives none.
const optbench::DatasetInfo& require_data(const std::string& model,
                                          const optbench::ModelContext& context);

/// What every nn plugin's create() starts from: its settings checked
/// against its schema, and the data it trains on.
struct ModelSetup {
  ModelSetup(const optbench::PluginInfo& about, const optbench::ParamMap& given,
             const optbench::ModelContext& context)
      : params(about, given), data(require_data(about.name, context)) {}

  const optbench::ResolvedParams params;
  const optbench::DatasetInfo& data;
};

/// A network that reads each sample as one flat vector (linear, mlp).
std::unique_ptr<Network> flat_network(const optbench::DatasetInfo& data, int threads);
/// Product of a shape's extents.
std::size_t volume(const std::vector<std::size_t>& shape);

}  // namespace nn
