#include "run/preflight.hpp"

#include <map>
#include <memory>
#include <set>
#include <string>

#include "util/json.hpp"

namespace optbench::run {

void check_before_training(const experiment::ExperimentSpec& spec,
                           const std::vector<experiment::RunSpec>& runs,
                           const registry::Registry& plugins) {
  std::vector<experiment::SpecError> errors;
  std::set<std::string> reported;  // one error per entry and message
  const auto report = [&](const experiment::Location& where, const std::string& path,
                          const std::string& message) {
    if (reported.insert(where.str() + path + message).second)
      errors.emplace_back(where, path, message);
  };
  // Built once per dataset configuration: loading data is the slow part.
  std::map<std::string, std::shared_ptr<Dataset>> datasets;
  std::set<std::string> failed_datasets, checked_pairs;
  for (const auto& run : runs) {
    std::shared_ptr<Dataset> data;
    std::string data_key;
    if (run.dataset) {
      data_key = *run.dataset + json::object(run.dataset_params);
      if (failed_datasets.contains(data_key)) continue;
      if (const auto it = datasets.find(data_key); it != datasets.end()) {
        data = it->second;
      } else {
        try {
          const DatasetContext context{static_cast<std::uint64_t>(run.seed),
                                       spec.source_path.parent_path()};
          data = plugins.make_dataset(*run.dataset, run.dataset_params, context);
          if (data->size(Split::Train) == 0)
            throw std::invalid_argument("the training split is empty");
          datasets.emplace(data_key, data);
        } catch (const std::exception& e) {
          failed_datasets.insert(data_key);
          report(run.dataset_where, run.dataset_key_path, e.what());
          continue;
        }
      }
    }
    const std::string pair_key = run.model + json::object(run.model_params) + "|" + data_key + "|" +
                                 std::to_string(run.train.batch_size);
    if (!checked_pairs.insert(pair_key).second) continue;
    try {
      ModelContext context;
      context.seed = static_cast<std::uint64_t>(run.seed);
      context.max_batch = static_cast<std::size_t>(run.train.batch_size);
      context.threads = 1;
      if (data) context.data = data->info();
      const auto model = plugins.make_model(run.model, run.model_params, context);
      if (model->surface() != nullptr && run.dataset) {
        report(run.dataset_where, run.dataset_key_path,
               "model '" + run.model +
                   "' is a 2-D test function and takes no data; remove the dataset or pair it "
                   "with a model that trains on data (linear, mlp, cnn)");
      } else if (model->surface() == nullptr && !run.dataset) {
        report(run.model_where, run.model_key_path,
               "model '" + run.model + "' trains on data: add a 'dataset:' entry");
      }
    } catch (const std::exception& e) {
      report(run.model_where, run.model_key_path, e.what());
    }
  }
  experiment::throw_errors(std::move(errors));
}

}  // namespace optbench::run
