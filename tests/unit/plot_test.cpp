#include "plot/plot.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "experiment/chart_kinds.hpp"
#include "store/sqlite_store.hpp"
#include "sweep_fixture.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace optbench::plot;
using namespace optbench::store;
using namespace optbench::testing;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

double f(double x0, double x1) {
  return 0.2 * x0 * x0 + 2.0 * x1 * x1;
}

struct Path {
  std::vector<TrajectoryPoint> points;
  std::vector<MetricPoint> loss;
};

void record(Path& path, std::int64_t step, double x0, double x1) {
  path.points.push_back({step, x0, x1});
  path.loss.push_back({step, 0, "train", "loss", f(x0, x1), 0.01 * static_cast<double>(step)});
}

/// Gradient descent variants on f, so the paths look like the real thing.
enum class Method { Sgd, Momentum, AdaGrad, Adam };

Path optimize(Method method, double lr, double x0, double x1, int steps) {
  Path path;
  double v0 = 0, v1 = 0, s0 = 0, s1 = 0;
  record(path, 0, x0, x1);
  for (int t = 1; t <= steps; ++t) {
    const double g0 = 0.4 * x0, g1 = 4.0 * x1;
    switch (method) {
      case Method::Sgd:
        x0 -= lr * g0;
        x1 -= lr * g1;
        break;
      case Method::Momentum:
        v0 = 0.9 * v0 - lr * g0;
        v1 = 0.9 * v1 - lr * g1;
        x0 += v0;
        x1 += v1;
        break;
      case Method::AdaGrad:
        s0 += g0 * g0;
        s1 += g1 * g1;
        x0 -= lr * g0 / (std::sqrt(s0) + 1e-7);
        x1 -= lr * g1 / (std::sqrt(s1) + 1e-7);
        break;
      case Method::Adam: {
        v0 = 0.9 * v0 + 0.1 * g0;
        v1 = 0.9 * v1 + 0.1 * g1;
        s0 = 0.999 * s0 + 0.001 * g0 * g0;
        s1 = 0.999 * s1 + 0.001 * g1 * g1;
        const double c1 = 1 - std::pow(0.9, t), c2 = 1 - std::pow(0.999, t);
        x0 -= lr * (v0 / c1) / (std::sqrt(s0 / c2) + 1e-8);
        x1 -= lr * (v1 / c1) / (std::sqrt(s1 / c2) + 1e-8);
        break;
      }
    }
    record(path, t, x0, x1);
  }
  return path;
}

/// A quadratic bowl experiment: four optimizer configurations, Adam with
/// three seeds, SGD with a learning rate that diverges.
/// A results DB shared by one suite's tests, filled by the suite's
/// SetUpTestSuite, read through open().
class StoreSuite : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static SqliteStore open() {
    return SqliteStore::open(dir_->path() / "results.db", SqliteStore::Mode::ReadOnly);
  }

  static Options options(const fs::path& out, std::vector<Format> formats) {
    Options o;
    o.out_dir = out;
    o.formats = std::move(formats);
    return o;
  }

  static TempDir* dir_;
};

TempDir* StoreSuite::dir_ = nullptr;

class PlotTest : public StoreSuite {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    SqliteStore db = SqliteStore::open(dir_->path() / "results.db");
    const std::int64_t exp = db.upsert_experiment("quad-demo", "Quadratic bowl: optimizers",
                                                  "name: quad-demo\n", "quad-demo.yaml");
    db.put_surface(exp, quadratic_surface("quadratic", 60, f));

    add_run(db, exp, "g1-sgd", "SGD lr=0.6", 0, RunStatus::Diverged, diverging_sgd());
    add_run(db, exp, "g2-momentum", "Momentum lr=0.1", 0, RunStatus::Done,
            optimize(Method::Momentum, 0.1, -4.5, 2.0, 40));
    add_run(db, exp, "g3-adagrad", "AdaGrad lr=1.5", 0, RunStatus::Done,
            optimize(Method::AdaGrad, 1.5, -4.5, 2.0, 40));
    for (int seed = 0; seed < 3; ++seed) {
      add_run(db, exp, "g4-adam", "Adam lr=0.3", seed, RunStatus::Done,
              optimize(Method::Adam, 0.3, -4.5 + 0.3 * seed, 2.0 - 0.2 * seed, 40));
    }
  }

  /// SGD beyond the stable step size on x1: the path leaves the window and
  /// the loss ends in inf and NaN.
  static Path diverging_sgd() {
    Path path = optimize(Method::Sgd, 0.6, -4.5, 2.0, 12);
    path.points.push_back({13, -1.0, 1e300});
    path.points.push_back({14, kNaN, kInf});
    path.loss.push_back({13, 0, "train", "loss", kInf, 0.13});
    path.loss.push_back({14, 0, "train", "loss", kNaN, 0.14});
    return path;
  }

  static void add_run(SqliteStore& db, std::int64_t exp, const std::string& group,
                      const std::string& label, int seed, RunStatus status, const Path& path,
                      const std::string& problem = "quadratic") {
    RunRecord run;
    run.config_hash = group + "-seed" + std::to_string(seed);
    run.group_key = group;
    run.problem_key = problem;
    run.optimizer = group.substr(group.find('-') + 1);
    run.label = label;
    run.model = "quadratic";
    run.hyperparams = "{}";
    run.seed = seed;
    run.lr = 0.1;
    const std::int64_t id = db.claim_run(exp, run).run_id;
    db.append_trajectory(id, path.points);
    db.append_metrics(id, path.loss);
    db.finish_run(id, status, "", 0.5, static_cast<std::int64_t>(path.points.size()),
                  path.loss.back().value);
  }
};

const std::vector<std::string> kLabels{"SGD lr=0.6", "Momentum lr=0.1", "AdaGrad lr=1.5",
                                       "Adam lr=0.3"};

TEST(Escape, LeavesPlainTextAlone) {
  EXPECT_EQ(optbench::plot::escape("Adam lr=0.2 (β2=0.999), ok; 'x'"),
            "Adam lr=0.2 (β2=0.999), ok; 'x'");
  EXPECT_EQ(optbench::plot::escape(""), "");
}

TEST(Escape, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(optbench::plot::escape(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(optbench::plot::escape(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(optbench::plot::escape(R"(\")"), R"(\\\")");
}

TEST(Escape, NeutralizesBackquotesAndMacros) {
  const std::string out = optbench::plot::escape("`id` @m");
  EXPECT_EQ(out.find('`'), std::string::npos);
  EXPECT_EQ(out.find('@'), std::string::npos);
  EXPECT_EQ(out, R"(\140id\140 \100m)");
}

TEST(Escape, TurnsControlCharactersIntoSpaces) {
  EXPECT_EQ(optbench::plot::escape("a\nb\rc\td\x7f"
                                   "e"),
            "a b c d e");
  EXPECT_EQ(optbench::plot::escape(std::string("x\0y", 3)), "x y");
}

// The escaped text, printed by gnuplot itself, is the original text: nothing
// was executed, expanded or cut short.
TEST(Escape, RoundTripsThroughGnuplot) {
  TempDir dir;
  const fs::path canary = dir.path() / "canary";
  const std::vector<std::string> texts{
      "plain",
      "x`touch " + canary.string() + "`",
      "\"; system(\"touch " + canary.string() + "\"); \"",
      R"(back\slash \" \\n)",
      "m = 1; @m",
      "unicode αβγ",
  };
  const fs::path script = dir.path() / "script.gp";
  const fs::path printed = dir.path() / "printed.txt";
  {
    std::ofstream out(script);
    out << "set print \"" << optbench::plot::escape(printed.string()) << "\"\n";
    for (const std::string& text : texts)
      out << "print \"" << optbench::plot::escape(text) << "\"\n";
  }
  const std::string command = "gnuplot -d '" + script.string() + "' 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(printed);
  for (const std::string& text : texts) {
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line, text);
  }
  EXPECT_FALSE(fs::exists(canary));
}

TEST(Kinds, ListsAllKinds) {
  const auto& kinds = optbench::plot::kinds();
  EXPECT_EQ(kinds, (std::vector<std::string>{"contours", "loss", "epochs", "iteration_epoch",
                                             "time", "lr", "surface", "profile"}));
}

// Every kind an experiment may list has a chart behind it: asking for it gets
// as far as looking the experiment up, where an unknown kind is refused first.
TEST_F(PlotTest, EveryKindTheExperimentLanguageNamesIsDrawn) {
  TempDir out;
  const SqliteStore db = open();
  for (const auto& kind : optbench::experiment::chart_kinds()) {
    try {
      optbench::plot::draw(db, "no-such-experiment", {kind}, options(out.path(), {Format::Png}));
      ADD_FAILURE() << kind << ": drew charts of an experiment that does not exist";
    } catch (const std::invalid_argument& e) {
      ADD_FAILURE() << kind << ": " << e.what();
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("no experiment named"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(
      optbench::plot::draw(db, "no-such-experiment", {"bars"}, options(out.path(), {Format::Png})),
      std::invalid_argument);
}

TEST_F(PlotTest, ContoursPngAndSvg) {
  TempDir out;
  const SqliteStore db = open();
  const auto files = optbench::plot::draw(db, "quad-demo", {"contours"},
                                          options(out.path(), {Format::Png, Format::Svg}));
  const fs::path png = out.path() / "quad-demo-contours-quadratic.png";
  const fs::path svg = out.path() / "quad-demo-contours-quadratic.svg";
  ASSERT_EQ(files, (std::vector<fs::path>{png, svg}));

  const PngSize size = png_size(png);
  EXPECT_EQ(size.width, 1200u);
  EXPECT_EQ(size.height, 900u);
  // A real chart, not an empty canvas.
  EXPECT_GT(fs::file_size(png), 20000u);

  const std::string text = read_file(svg);
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("</svg>"), std::string::npos);
  for (const std::string& label : kLabels)
    EXPECT_NE(text.find(label), std::string::npos) << label;
  EXPECT_NE(text.find("Quadratic bowl: optimizers"), std::string::npos);
  EXPECT_NE(text.find(">x0<"), std::string::npos);
  EXPECT_NE(text.find(">x1<"), std::string::npos);
}

TEST_F(PlotTest, LossPngAndSvg) {
  TempDir out;
  const SqliteStore db = open();
  const auto files = optbench::plot::draw(db, "quad-demo", {"loss"},
                                          options(out.path(), {Format::Png, Format::Svg}));
  const fs::path png = out.path() / "quad-demo-loss-quadratic.png";
  const fs::path svg = out.path() / "quad-demo-loss-quadratic.svg";
  ASSERT_EQ(files, (std::vector<fs::path>{png, svg}));

  // 1500 wide: the key sits right of the plot area.
  const PngSize size = png_size(png);
  EXPECT_EQ(size.width, 1500u);
  EXPECT_EQ(size.height, 900u);

  const std::string text = read_file(svg);
  EXPECT_NE(text.find("<svg"), std::string::npos);
  for (const std::string& label : kLabels)
    EXPECT_NE(text.find(label), std::string::npos) << label;
  EXPECT_NE(text.find("3 seeds"), std::string::npos);
  EXPECT_NE(text.find("SGD lr=0.6 (diverged)"), std::string::npos);
  EXPECT_NE(text.find(">step<"), std::string::npos);
  EXPECT_NE(text.find(">loss<"), std::string::npos);
  // The seeds' band: a filled, semi-transparent polygon in Adam's colour
  // (the fourth configuration in sorted order).
  EXPECT_NE(text.find("fill = 'rgb(214,  39,  40)'"), std::string::npos);
  EXPECT_NE(text.find("fill-opacity"), std::string::npos);
}

TEST_F(PlotTest, LinearAxisAndDefaultKindsDrawEverything) {
  TempDir out;
  const SqliteStore db = open();
  Options o = options(out.path() / "new" / "dir", {Format::Png});
  o.log_y = false;
  const auto files = optbench::plot::draw(db, "quad-demo", {}, o);
  // No epoch charts: the paths have no epochs. The loss over time applies,
  // and the surface is stored. No lr chart (one lr per optimizer) and no
  // profile (no target loss).
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].filename(), "quad-demo-contours-quadratic.png");
  EXPECT_EQ(files[1].filename(), "quad-demo-loss-quadratic.png");
  EXPECT_EQ(files[2].filename(), "quad-demo-time-quadratic.png");
  EXPECT_EQ(files[3].filename(), "quad-demo-surface-quadratic.png");
  // Charts with a key beside the plot area (loss, time) are wider.
  for (const fs::path& file : files) {
    const bool keyed = file.filename().string().find("-loss-") != std::string::npos ||
                       file.filename().string().find("-time-") != std::string::npos;
    EXPECT_EQ(png_size(file).width, keyed ? 1500u : 1200u) << file;
  }
}

TEST_F(PlotTest, EpochKindsDoNotApplyToFunctions) {
  TempDir out;
  const SqliteStore db = open();
  EXPECT_TRUE(optbench::plot::draw(db, "quad-demo", {"epochs", "iteration_epoch"},
                                   options(out.path(), {Format::Png, Format::Svg}))
                  .empty());
  EXPECT_TRUE(fs::is_empty(out.path()));
}

TEST_F(PlotTest, UnknownKindListsKnownKinds) {
  TempDir out;
  const SqliteStore db = open();
  try {
    optbench::plot::draw(db, "quad-demo", {"loss", "histogram"},
                         options(out.path(), {Format::Png}));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("histogram"), std::string::npos) << message;
    EXPECT_NE(message.find("contours"), std::string::npos) << message;
    EXPECT_NE(message.find("loss"), std::string::npos) << message;
  }
  // Nothing was drawn before the bad kind was noticed.
  EXPECT_TRUE(fs::is_empty(out.path()));
}

TEST_F(PlotTest, MissingExperimentIsNamed) {
  TempDir out;
  const SqliteStore db = open();
  try {
    optbench::plot::draw(db, "no-such-experiment", {}, options(out.path(), {Format::Png}));
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-experiment"), std::string::npos) << e.what();
  }
}

/// Points PATH at an empty directory, so no gnuplot can be found.
class NoGnuplotOnPath {
 public:
  NoGnuplotOnPath() {
    if (const char* path = std::getenv("PATH")) saved_ = path;
    setenv("PATH", empty_.path().c_str(), 1);
  }
  ~NoGnuplotOnPath() { setenv("PATH", saved_.c_str(), 1); }

 private:
  TempDir empty_;
  std::string saved_;
};

// Also checks that a gnuplot gone before its input was written (SIGPIPE)
// is an exception, not the end of the program.
TEST_F(PlotTest, GnuplotFailureIsReportedAndLeavesNoFile) {
  TempDir out;
  const SqliteStore db = open();
  std::string message;
  {
    NoGnuplotOnPath no_gnuplot;
    try {
      optbench::plot::draw(db, "quad-demo", {"contours"}, options(out.path(), {Format::Png}));
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
  }
  EXPECT_NE(message.find("contour chart"), std::string::npos) << message;
  EXPECT_NE(message.find("quadratic"), std::string::npos) << message;
  EXPECT_NE(message.find("exit status 127"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_empty(out.path()));
}

// Labels, titles and problem keys are store data, possibly written by
// anyone's experiment file: none of it may run a command.
TEST(PlotSafety, HostileLabelsExecuteNothing) {
  TempDir dir;
  const fs::path canary = dir.path() / "canary";
  const std::string backquotes = "x`touch " + canary.string() + "`";
  const std::string system_call = "\"; system(\"touch " + canary.string() + "\"); \"";
  {
    SqliteStore db = SqliteStore::open(dir.path() / "results.db");
    const std::int64_t exp =
        db.upsert_experiment("evil`touch " + canary.string() + "`", backquotes + " @x", "", "");
    Surface s;
    s.problem_key = "p`touch " + canary.string() + "`";
    s.nx = s.ny = 3;
    s.x0_min = s.x1_min = -1;
    s.x0_max = s.x1_max = 1;
    s.values = {2, 1, 2, 1, 0, 1, 2, 1, 2};
    db.put_surface(exp, s);
    int n = 0;
    for (const std::string& label : {backquotes, system_call, std::string("line\nbreak\\")}) {
      RunRecord run;
      run.config_hash = "h" + std::to_string(n);
      run.group_key = "g" + std::to_string(n++);
      run.problem_key = s.problem_key;
      run.optimizer = "sgd";
      run.label = label;
      run.model = "bowl";
      run.hyperparams = "{}";
      const std::int64_t id = db.claim_run(exp, run).run_id;
      const std::vector<TrajectoryPoint> points{{0, 0.5, 0.5}, {1, 0.2, 0.1}};
      const std::vector<MetricPoint> loss{{0, 0, "train", "loss", 0.5, 0},
                                          {1, 0, "train", "loss", 0.05, 0}};
      db.append_trajectory(id, points);
      db.append_metrics(id, loss);
      db.finish_run(id, RunStatus::Done, "", 0.1, 1, 0.05);
    }
  }
  const SqliteStore db = SqliteStore::open(dir.path() / "results.db", SqliteStore::Mode::ReadOnly);
  Options o;
  o.out_dir = dir.path() / "charts";
  o.formats = {Format::Png, Format::Svg};
  const auto files = optbench::plot::draw(db, "evil`touch " + canary.string() + "`", {}, o);
  EXPECT_FALSE(fs::exists(canary));
  // contours, loss and surface, as PNG and SVG.
  ASSERT_EQ(files.size(), 6u);
  for (const fs::path& file : files) {
    EXPECT_TRUE(fs::exists(file)) << file;
    EXPECT_EQ(file.parent_path(), o.out_dir);
    for (char c : file.filename().string()) {
      const bool safe =
          std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      EXPECT_TRUE(safe) << "unsafe character in " << file;
    }
  }
  // The labels are shown as written.
  const std::string svg = read_file(files[3]);
  EXPECT_NE(svg.find("x`touch "), std::string::npos);
  EXPECT_NE(svg.find("system("), std::string::npos);
}

TEST(PlotSafety, NoSurfaceMeansNoContours) {
  TempDir dir;
  {
    SqliteStore db = SqliteStore::open(dir.path() / "results.db");
    const std::int64_t exp = db.upsert_experiment("mlp", "", "", "");
    RunRecord run;
    run.config_hash = "h";
    run.group_key = "g";
    run.problem_key = "mlp/mnist";
    run.optimizer = "sgd";
    run.label = "SGD";
    run.model = "mlp";
    run.dataset = "mnist";
    run.hyperparams = "{}";
    const std::int64_t id = db.claim_run(exp, run).run_id;
    const std::vector<MetricPoint> loss{{0, 0, "train", "loss", 2.3, 0},
                                        {1, 0, "train", "loss", -1.0, 0},
                                        {2, 0, "train", "loss", 1.1, 0}};
    db.append_metrics(id, loss);
    db.finish_run(id, RunStatus::Done, "", 0.1, 2, 1.1);
  }
  const SqliteStore db = SqliteStore::open(dir.path() / "results.db", SqliteStore::Mode::ReadOnly);
  Options o;
  o.out_dir = dir.path() / "charts";
  EXPECT_TRUE(optbench::plot::draw(db, "mlp", {"contours"}, o).empty());
  const auto files = optbench::plot::draw(db, "mlp", {}, o);
  ASSERT_EQ(files.size(), 1u);
  // "/" is not allowed in a file name.
  EXPECT_EQ(files[0].filename(), "mlp-loss-mlp_mnist.png");
}

// --- runs trained on data ---------------------------------------------------

constexpr int kEpochs = 3;
constexpr int kStepsPerEpoch = 10;

struct DataRun {
  std::string group, label, problem;
  int seed = 0;
  double rate = 0.1;           ///< how fast the loss falls
  double step_seconds = 0.01;  ///< cost of one step
  bool test_split = true;
};

/// What the trainer records for a run on data: the loss at every step, the
/// epoch's mean loss and duration, and the test loss and accuracy.
std::vector<MetricPoint> trained(const DataRun& r) {
  std::vector<MetricPoint> points;
  const double jitter = 1.0 + 0.05 * r.seed;
  auto loss_at = [&](int step) { return 2.3 * jitter * std::exp(-r.rate * step) + 0.05; };
  int step = 0;
  for (int epoch = 0; epoch < kEpochs; ++epoch) {
    double sum = 0.0;
    for (int k = 0; k < kStepsPerEpoch; ++k, ++step) {
      const double loss = loss_at(step) * (1.0 + 0.1 * std::sin(step + r.seed));
      sum += loss;
      points.push_back({step, epoch, "train", "loss", loss, r.step_seconds * step});
    }
    const double wall = r.step_seconds * step;
    points.push_back({step, epoch, "train", "epoch_loss", sum / kStepsPerEpoch, wall});
    points.push_back(
        {step, epoch, "train", "epoch_seconds", r.step_seconds * kStepsPerEpoch, wall});
    if (r.test_split) {
      const double test_loss = 1.2 * loss_at(step);
      points.push_back({step, epoch, "test", "loss", test_loss, wall});
      points.push_back({step, epoch, "test", "accuracy", 1.0 - 0.35 * test_loss, wall});
    }
  }
  return points;
}

void add_data_run(SqliteStore& db, std::int64_t exp, const DataRun& r) {
  RunRecord run;
  run.config_hash = r.group + "-seed" + std::to_string(r.seed);
  run.group_key = r.group;
  run.problem_key = r.problem;
  run.optimizer = r.group.substr(r.group.find('-') + 1);
  run.label = r.label;
  run.model = r.problem.substr(0, r.problem.find('/'));
  run.dataset = r.problem.substr(r.problem.find('/') + 1);
  run.hyperparams = "{}";
  run.seed = r.seed;
  run.lr = 0.1;
  const std::vector<MetricPoint> points = trained(r);
  const std::int64_t id = db.claim_run(exp, run).run_id;
  db.append_metrics(id, points);
  db.finish_run(id, RunStatus::Done, "", r.step_seconds * kEpochs * kStepsPerEpoch,
                kEpochs * kStepsPerEpoch, points.back().value);
}

/// An MLP on digits with SGD (one seed) and Adam (three seeds), and a
/// linear model on a dataset without a test split.
class DataPlotTest : public StoreSuite {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    SqliteStore db = SqliteStore::open(dir_->path() / "results.db");
    const std::int64_t exp =
        db.upsert_experiment("mlp-demo", "MLP on digits: optimizers", "name: mlp-demo\n", "");
    add_data_run(db, exp, {"g1-sgd", "SGD lr=0.1", "mlp/digits", 0, 0.05, 0.01});
    for (int seed = 0; seed < 3; ++seed)
      add_data_run(db, exp, {"g2-adam", "Adam lr=0.001", "mlp/digits", seed, 0.12, 0.015});
    add_data_run(db, exp,
                 {"g3-momentum", "Momentum lr=0.05", "linear/synthetic", 0, 0.08, 0.002, false});
  }
};

/// Every drawn file, in order, for `kind` over both problems.
std::vector<fs::path> both_problems(const fs::path& dir, const std::string& kind) {
  return chart_files(dir, "mlp-demo", kind, {"linear_synthetic", "mlp_digits"});
}

TEST_F(DataPlotTest, EpochsPngAndSvg) {
  TempDir out;
  const SqliteStore db = open();
  const auto files = optbench::plot::draw(db, "mlp-demo", {"epochs"},
                                          options(out.path(), {Format::Png, Format::Svg}));
  ASSERT_EQ(files, both_problems(out.path(), "epochs"));

  // Loss and accuracy side by side.
  const PngSize mlp = png_size(files[2]);
  EXPECT_EQ(mlp.width, 1800u);  // two panels and the key beside them
  EXPECT_EQ(mlp.height, 700u);
  EXPECT_GT(fs::file_size(files[2]), 20000u);
  const std::string svg = read_file(files[3]);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("MLP on digits: optimizers"), std::string::npos);
  EXPECT_NE(svg.find("SGD lr=0.1"), std::string::npos);
  EXPECT_NE(svg.find("Adam lr=0.001 (mean \u00b1 std of 3 seeds)"), std::string::npos);
  EXPECT_NE(svg.find(">epoch<"), std::string::npos);
  EXPECT_NE(svg.find(">test accuracy (fraction correct)<"), std::string::npos);
  EXPECT_NE(svg.find("solid: train, dashed: test"), std::string::npos);
  // Adam's band (its colour is the second of the palette) and the dashed
  // test lines.
  EXPECT_NE(svg.find("fill = 'rgb(255, 127,  14)'"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);

  // Without a test split: the loss panel alone, train only.
  const PngSize linear = png_size(files[0]);
  EXPECT_EQ(linear.width, 1500u);
  EXPECT_EQ(linear.height, 900u);
  const std::string single = read_file(files[1]);
  EXPECT_NE(single.find("Momentum lr=0.05"), std::string::npos);
  EXPECT_NE(single.find("loss per epoch (train)"), std::string::npos);
  EXPECT_EQ(single.find("test accuracy"), std::string::npos);
  EXPECT_EQ(single.find("SGD lr=0.1"), std::string::npos);
}

TEST_F(DataPlotTest, IterationEpochPngAndSvg) {
  TempDir out;
  const SqliteStore db = open();
  const auto files = optbench::plot::draw(db, "mlp-demo", {"iteration_epoch"},
                                          options(out.path(), {Format::Png, Format::Svg}));
  ASSERT_EQ(files, both_problems(out.path(), "iteration_epoch"));

  // One 1250 x 480 row per configuration under the title.
  const PngSize mlp = png_size(files[2]);
  EXPECT_EQ(mlp.width, 1250u);
  EXPECT_EQ(mlp.height, 90u + 2 * 480u);
  EXPECT_EQ(png_size(files[0]).height, 90u + 480u);

  const std::string svg = read_file(files[3]);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("SGD lr=0.1"), std::string::npos);
  EXPECT_NE(svg.find("Adam lr=0.001 (mean \u00b1 std of 3 seeds)"), std::string::npos);
  EXPECT_NE(svg.find(">iteration loss<"), std::string::npos);
  EXPECT_NE(svg.find(">epoch loss<"), std::string::npos);
  EXPECT_NE(svg.find(">iteration<"), std::string::npos);
  EXPECT_NE(svg.find(">epoch<"), std::string::npos);
  EXPECT_NE(read_file(files[1]).find("Momentum lr=0.05"), std::string::npos);
}

TEST_F(DataPlotTest, TimePngAndSvg) {
  TempDir out;
  const SqliteStore db = open();
  const auto files = optbench::plot::draw(db, "mlp-demo", {"time"},
                                          options(out.path(), {Format::Png, Format::Svg}));
  ASSERT_EQ(files, both_problems(out.path(), "time"));
  const PngSize size = png_size(files[2]);
  EXPECT_EQ(size.width, 1500u);
  EXPECT_EQ(size.height, 900u);
  const std::string svg = read_file(files[3]);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("SGD lr=0.1"), std::string::npos);
  EXPECT_NE(svg.find("Adam lr=0.001 (mean \u00b1 std of 3 seeds)"), std::string::npos);
  EXPECT_NE(svg.find(">seconds<"), std::string::npos);
  EXPECT_NE(svg.find(">loss<"), std::string::npos);
}

TEST_F(DataPlotTest, DefaultKindsDrawAllThatApply) {
  TempDir out;
  const SqliteStore db = open();
  Options o = options(out.path(), {Format::Png});
  o.log_y = false;
  const auto files = optbench::plot::draw(db, "mlp-demo", {}, o);
  std::vector<std::string> names;
  for (const fs::path& file : files)
    names.push_back(file.filename().string());
  // No contours: nothing here is a 2-D function.
  EXPECT_EQ(names, (std::vector<std::string>{
                       "mlp-demo-loss-linear_synthetic.png",
                       "mlp-demo-loss-mlp_digits.png",
                       "mlp-demo-epochs-linear_synthetic.png",
                       "mlp-demo-epochs-mlp_digits.png",
                       "mlp-demo-iteration_epoch-linear_synthetic.png",
                       "mlp-demo-iteration_epoch-mlp_digits.png",
                       "mlp-demo-time-linear_synthetic.png",
                       "mlp-demo-time-mlp_digits.png",
                   }));
  for (const fs::path& file : files)
    EXPECT_GT(png_size(file).width, 0u) << file;
}

TEST(IterationEpoch, DrawsAtMostEightRows) {
  TempDir dir;
  {
    SqliteStore db = SqliteStore::open(dir.path() / "results.db");
    const std::int64_t exp = db.upsert_experiment("grid", "", "", "");
    for (int i = 0; i < 10; ++i) {
      const std::string n = std::to_string(i);
      add_data_run(db, exp, {"g" + n + "-sgd", "SGD lr=0." + n, "mlp/digits", 0, 0.01 * (i + 1)});
    }
  }
  const SqliteStore db = SqliteStore::open(dir.path() / "results.db", SqliteStore::Mode::ReadOnly);
  Options o;
  o.out_dir = dir.path() / "charts";
  o.formats = {Format::Png, Format::Svg};
  const auto files = optbench::plot::draw(db, "grid", {"iteration_epoch"}, o);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(png_size(files[0]).height, 90u + 8 * 480u);
  const std::string svg = read_file(files[1]);
  EXPECT_NE(svg.find("first 8 of 10 configurations"), std::string::npos);
  EXPECT_NE(svg.find("SGD lr=0.7"), std::string::npos);
  EXPECT_EQ(svg.find("SGD lr=0.8"), std::string::npos);
}

}  // namespace
