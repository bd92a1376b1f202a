// The training loop switches a model to eval mode for the validation and
// test splits and back to train mode before training resumes, as a torch
// loop calls model.eval() / model.train().
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "run/recorder.hpp"
#include "run/trainer.hpp"
#include "store/sqlite_store.hpp"
#include "util/temp_dir.hpp"

namespace optbench {
namespace {

// Records the mode it is in at every forward and evaluate.
class ModeModel final : public Model {
 public:
  ModeModel() { params_[0] = {"w", &w_, &g_, 1}; }
  std::span<const ParamBuffer> parameters() override { return params_; }
  void set_training(bool on) override { training_ = on; }
  double forward(const Batch&) override {
    forward_modes.push_back(training_);
    return 1.0;
  }
  void backward() override { g_ = 1.0f; }
  Evaluation evaluate(const Batch& batch) override {
    evaluate_modes.push_back(training_);
    return {1.0, batch.size};
  }

  std::vector<bool> forward_modes, evaluate_modes;
  bool training_ = false;  // starts wrong on purpose: train() must set it

 private:
  float w_ = 0.0f, g_ = 0.0f;
  std::array<ParamBuffer, 1> params_;
};

// Ten training and four test samples of one float each.
class TinyData final : public Dataset {
 public:
  DatasetInfo info() const override { return {Task::Classification, {1}, 2, 1}; }
  std::size_t size(Split split) const override { return split == Split::Train ? 10 : 4; }
  void fill(Split, std::span<const std::size_t> indices, float* inputs,
            float* targets) const override {
    for (std::size_t k = 0; k < indices.size(); ++k) {
      inputs[k] = static_cast<float>(indices[k]);
      targets[k] = static_cast<float>(indices[k] % 2);
    }
  }
};

class CountingOptimizer final : public Optimizer {
 public:
  void attach(std::span<const ParamBuffer>) override {}
  void step() override { ++steps; }
  std::size_t steps = 0;
};

TEST(TrainMode, HeldOutSplitsAreEvaluatedInEvalModeAndTrainingResumesInTrainMode) {
  util::TempDir dir("train-mode");
  auto db = store::SqliteStore::open(dir.path() / "r.db");
  const auto experiment = db.upsert_experiment("modes", "", "name: modes\n", "modes.yaml");
  const std::string name = "modes";
  store::RunRecord record{.experiment = name,
                          .config_hash = std::string(40, 'a'),
                          .optimizer = name,
                          .model = name,
                          .dataset = name,
                          .hyperparams = std::string("{}"),
                          .status = store::RunStatus::Running};
  const auto claim = db.claim_run(experiment, record);
  run::Recorder recorder(db, claim.run_id);

  ModeModel model;
  CountingOptimizer optimizer;
  optimizer.attach(model.parameters());
  TinyData data;
  experiment::TrainSettings settings;
  settings.epochs = 2;
  settings.batch_size = 4;
  // 2 of the 10 training samples held out: 8 trained on, in batches of 4.
  const auto result = run::train(model, optimizer, &data, settings, 0, recorder, {}, {},
                                 experiment::Holdout{.fraction = 0.2, .seed = 1});
  recorder.flush();

  EXPECT_EQ(result.status, store::RunStatus::Done);
  EXPECT_EQ(optimizer.steps, 4u);  // 2 batches per epoch
  // Every training forward in train mode, including the first of epoch 2,
  // which follows epoch 1's evaluations.
  EXPECT_EQ(model.forward_modes, std::vector<bool>(4, true));
  // One validation and one test batch per epoch.
  EXPECT_EQ(model.evaluate_modes, std::vector<bool>(4, false));
  EXPECT_TRUE(model.training_);
}

}  // namespace
}  // namespace optbench
