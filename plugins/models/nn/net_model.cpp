#include "net_model.hpp"

#include <stdexcept>

#include "optbench/random.hpp"

namespace nn {

const optbench::DatasetInfo& require_data(const std::string& model,
                                          const optbench::ModelContext& context) {
  if (!context.data) {
    throw std::invalid_argument(model + ": this model needs a dataset");
  }
  return *context.data;
}

std::size_t volume(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (auto x : shape)
    n *= x;
  return n;
}

std::unique_ptr<Network> flat_network(const optbench::DatasetInfo& data, int threads) {
  return std::make_unique<Network>(Dims{static_cast<memory::dim>(volume(data.sample_shape))},
                                   threads);
}

std::unique_ptr<optbench::Model> finish_with_head(std::unique_ptr<Network> net,
                                                  const std::string& model,
                                                  const std::string& output_name,
                                                  const optbench::DatasetInfo& data,
                                                  const optbench::ModelContext& context) {
  const bool classify = data.task == optbench::Task::Classification;
  if (classify && data.classes < 2) {
    throw std::invalid_argument(model + ": a classification dataset needs at least 2 classes");
  }
  net->dense(static_cast<memory::dim>(classify ? data.classes : data.target_size), output_name);
  net->finish(classify ? Loss::CrossEntropy : Loss::MeanSquared, context.max_batch);
  optbench::Rng rng(context.seed);
  net->init_torch(rng);
  return std::make_unique<NetModel>(std::move(net));
}

}  // namespace nn
