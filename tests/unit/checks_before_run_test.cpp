// Every check before the first run, through the optbench binary: model and
// dataset settings and their pairing are refused in --dry-run and before
// training, at their line, exit 2, nothing stored; every error of a file is
// reported; and the messages say what was expected.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "test_support.hpp"
#include "tiny_mnist.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;
using testing::run_optbench;

class ChecksBeforeRun : public testing::TinyMnistTest {
 protected:
  ChecksBeforeRun() : TinyMnistTest(100, 20) {}
  /// Writes `yaml` as x.yaml, runs it with --dry-run and then for real;
  /// both must refuse it the same way, before anything is stored.
  std::string refused(const std::string& yaml) {
    testing::write_file(dir_ / "x.yaml", yaml);
    const auto dry = run_optbench("run " + (dir_ / "x.yaml").string() + " --dry-run");
    EXPECT_EQ(dry.exit_code, 2) << dry.out;
    const auto real = run_optbench("run " + (dir_ / "x.yaml").string() + " --no-plots --db " +
                                   (dir_ / "r.db").string());
    EXPECT_EQ(real.exit_code, 2) << real.out;
    EXPECT_FALSE(fs::exists(dir_ / "r.db")) << "nothing may be stored";
    EXPECT_EQ(dry.out, real.out);
    return dry.out;
  }
  /// refused() for a sequential model of `layers` (as written after
  /// `layers: `) on the tiny images.
  std::string refused_layers(const std::string& layers) {
    return refused("name: shapes\nmodel:\n  name: sequential\n  layers: " + layers +
                   "\ndataset: {name: idx, dir: data, flatten: false}\noptimizers:\n"
                   "  - {name: sgd, lr: 0.1}\n");
  }
};

TEST_F(ChecksBeforeRun, ModelSettingsAndPairingsAreRefusedAtTheirLine) {
  const std::string out = refused(R"(name: pairs
models:
  - {name: mlp, hidden: [200.5]}
  - {name: cnn}
  - {name: linear}
dataset: {name: idx, dir: data}
optimizers:
  - {name: sgd, lr: 0.1}
)");
  // All three, not only the first.
  EXPECT_TRUE(testing::contains(
      out, "x.yaml:3:6: models[0]: mlp: hidden: expected whole numbers, got 200.5"))
      << out;
  EXPECT_TRUE(testing::contains(out, "x.yaml:4:6: models[1]: cnn: needs image samples shaped"))
      << out;
  EXPECT_TRUE(testing::contains(out, "set the dataset's flatten: false")) << out;
  EXPECT_TRUE(testing::contains(out, "x.yaml:5:6: models[2]: linear: needs a regression dataset"))
      << out;
  EXPECT_TRUE(testing::contains(out, "3 errors; nothing was run")) << out;
}

TEST_F(ChecksBeforeRun, AMissingDataFolderIsRefusedAtTheDatasetEntry) {
  const std::string out = refused(R"(name: nodata
model: {name: mlp}
dataset: {name: idx, dir: no-such-folder}
optimizers:
  - {name: sgd, lr: 0.1}
)");
  EXPECT_TRUE(testing::contains(out, "x.yaml:3:11: dataset: ")) << out;
  EXPECT_TRUE(testing::contains(out, "no-such-folder/train-images-idx3-ubyte")) << out;
  EXPECT_TRUE(testing::contains(out, "not found")) << out;
}

TEST_F(ChecksBeforeRun, AMalformedHeaderIsRefusedBeforeAnyRun) {
  fs::create_directories(dir_ / "bad");
  testing::write_file(dir_ / "bad/train-images-idx3-ubyte",
                      testing::idx_bytes(0x0999, {1, 28, 28}, std::string(784, '\0')));
  testing::write_file(dir_ / "bad/train-labels-idx1-ubyte", testing::idx_bytes(0x801, {1}, "\1"));
  const std::string out = refused(R"(name: badheader
model: {name: mlp}
dataset: {name: idx, dir: bad}
optimizers:
  - {name: sgd, lr: 0.1}
)");
  EXPECT_TRUE(testing::contains(out, "x.yaml:3:11: dataset: ")) << out;
  EXPECT_TRUE(testing::contains(out, "expected IDX magic 0x00000803 (images), found 0x00000999"))
      << out;
}

TEST_F(ChecksBeforeRun, ModelsWithoutTheirDataOrWithDataTheyCannotUse) {
  std::string out = refused(R"(name: nodataset
model: {name: mlp}
optimizers:
  - {name: sgd, lr: 0.1}
)");
  EXPECT_TRUE(testing::contains(out, "x.yaml:2:9: model: mlp: this model needs a dataset")) << out;

  // A 2-D function used to "train" 4 steps on the images and exit 0.
  out = refused(R"(name: function-on-images
model: {name: quadratic}
dataset: {name: idx, dir: data}
optimizers:
  - {name: sgd, lr: 0.1}
)");
  EXPECT_TRUE(
      testing::contains(out,
                        "x.yaml:3:11: dataset: model 'quadratic' is a 2-D test function and "
                        "takes no data"))
      << out;
}

// A layer list that cannot be built is found before the first run, in
// either spelling, naming the layer's position and both shapes.
TEST_F(ChecksBeforeRun, ASequentialShapeErrorIsRefusedAtTheModelEntry) {
  std::string out =
      refused_layers(R"("conv 8 5, maxpool 2, conv 8 5, maxpool 2, conv 8 5, linear 10")");
  EXPECT_TRUE(
      testing::contains(out,
                        "x.yaml:3:3: model: sequential: layers[4] 'conv 8 5' cannot take an "
                        "input of shape (8, 4, 4): nn: conv3 needs a (C, H, W) input of at "
                        "least 5x5"))
      << out;
  out = refused_layers("[conv: {out: 8, kernel: 5}, relu, maxpool: 2, linear: 7]");
  EXPECT_TRUE(
      testing::contains(out,
                        "x.yaml:3:3: model: sequential: the last layer gives (7) per sample; "
                        "the dataset needs (10) (one logit per class)"))
      << out;
}

// The YAML spelling of a layer list is one model; a list of such lists
// sweeps models, as a list of strings does.
TEST_F(ChecksBeforeRun, AYamlLayerListIsOneModelAndAListOfThemSweeps) {
  testing::write_file(dir_ / "x.yaml", R"(name: yaml-layers
model:
  name: sequential
  layers: [[conv: {out: 4, kernel: 5}, batchnorm, relu, maxpool: 2, dropout: 0.25, flatten, linear: 10],
           [linear: 10]]
dataset: {name: idx, dir: data, flatten: false}
optimizers:
  - {name: sgd, lr: 0.1}
)");
  const auto dry = run_optbench("run " + (dir_ / "x.yaml").string() + " --dry-run");
  EXPECT_EQ(dry.exit_code, 0) << dry.out;
  EXPECT_TRUE(testing::contains(dry.out, "2 runs")) << dry.out;
  testing::write_file(dir_ / "y.yaml", R"(name: yaml-layers-one
model:
  name: sequential
  input: [1, 28, 28]
  layers: [conv: {out: 4, kernel: 5}, batchnorm, relu, maxpool: 2, dropout: 0.25, flatten, linear: 10]
dataset: {name: idx, dir: data, flatten: false}
optimizers:
  - {name: sgd, lr: 0.1}
train: {epochs: 1, batch_size: 20}
)");
  const auto real = run_optbench("run " + (dir_ / "y.yaml").string() + " --no-plots --db " +
                                 (dir_ / "r.db").string());
  EXPECT_EQ(real.exit_code, 0) << real.out;
  EXPECT_TRUE(testing::contains(real.out, "1 run")) << real.out;
}

// Finding 10: every error of a file, each with what was expected.
TEST_F(ChecksBeforeRun, EveryErrorOfAFileIsReportedWithAClearMessage) {
  const std::string out = refused(R"(name: messages
model: {name: mlp, hidden: []}
dataset: {name: idx, dir: data}
optimizers:
  - {name: sgd, lr: -1}
  - {name: adam, lrr: 1}
seeds: {range: [0, 3]}
)");
  EXPECT_TRUE(testing::contains(out,
                                "x.yaml:2:28: model.hidden: expected a non-empty list of real "
                                "numbers, got an empty list"))
      << out;
  EXPECT_TRUE(testing::contains(out,
                                "x.yaml:5:21: optimizers[0].lr: lr: expected a real number >= 0, "
                                "got -1"))
      << out;
  EXPECT_FALSE(testing::contains(out, "missing required key 'lr'")) << "given, though refused\n"
                                                                    << out;
  EXPECT_TRUE(testing::contains(out,
                                "x.yaml:6:18: optimizers[1].lrr: unknown hyperparameter of adam "
                                "'lrr' (did you mean 'lr'?)"))
      << out;
  EXPECT_TRUE(testing::contains(
      out, "x.yaml:7:8: seeds: expected a value or a list of values, got a mapping"))
      << out;
  EXPECT_FALSE(testing::contains(out, "logspace")) << out;
  EXPECT_TRUE(testing::contains(out, "4 errors; nothing was run")) << out;
}

TEST_F(ChecksBeforeRun, RunWithoutAFileAndOneRunSayWhatTheyMean) {
  auto r = run_optbench("run");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(testing::contains(r.out, "give its YAML file: optbench run FILE.yaml")) << r.out;
  EXPECT_FALSE(testing::contains(r.out, "--file")) << r.out;

  testing::write_file(dir_ / "one.yaml", R"(name: one
model: {name: quadratic}
optimizers:
  - {name: sgd, lr: 0.1}
)");
  r = run_optbench("run " + (dir_ / "one.yaml").string() + " --dry-run");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "experiment one: 1 run\n")) << r.out;
}

}  // namespace
}  // namespace optbench
