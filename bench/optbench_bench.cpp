// optbench's workloads for bench/run.sh, against PyTorch. Everything runs
// on one thread (ModelContext::threads = 1) with its data generated in memory
// before timing starts, so the figures are the cost of the step itself. The
// plugins are this build's, loaded through the registry exactly as a run
// loads them. bench/run.sh runs this with --benchmark_format=json, runs
// bench/peer_torch.py for the same shapes, and prints the comparison; see
// bench/README.md for what each figure means.
#include <benchmark/benchmark.h>
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "optbench/random.hpp"
#include "registry/registry.hpp"
#include "run/recorder.hpp"
#include "run/runner.hpp"
#include "run/trainer.hpp"
#include "store/sqlite_store.hpp"
#include "util/temp_dir.hpp"

namespace {

using namespace optbench;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kBatch = 64;
// Batches cycled through by the network benchmarks. One fixed batch would be
// memorized within a few hundred steps, and the vanishing gradients that
// follow can reach subnormal floats, which would time the FPU's slow path
// instead of the step. peer_torch.py cycles the same number.
constexpr std::size_t kBatchPool = 32;

/// This build's plugins, or the folder named by OPTBENCH_BENCH_PLUGIN_DIR,
/// which lets one binary time another build's plugins (say, a model before
/// and after a change) with everything else equal.
const registry::Registry& plugins() {
  static const registry::Registry r = [] {
    const char* dir = std::getenv("OPTBENCH_BENCH_PLUGIN_DIR");
    return registry::Registry::load({dir && *dir ? dir : OPTBENCH_BENCH_PLUGIN_DIR});
  }();
  return r;
}

/// A fresh folder "optbench-bench-XXXXXX", removed with its contents.
struct TempDir : util::TempDir {
  TempDir() : util::TempDir("bench") {}
};

/// A store with one experiment and one claimed run to write history into.
struct StoreWithRun {
  TempDir dir;
  store::SqliteStore db = store::SqliteStore::open(dir.path() / "bench.db");
  std::int64_t run_id = 0;

  StoreWithRun() {
    const auto experiment = db.upsert_experiment("bench", "", "", "");
    store::RunRecord run;
    run.config_hash = "bench";
    run.optimizer = "bench";
    run.status = store::RunStatus::Running;
    run_id = db.claim_run(experiment, run).run_id;
  }
};

/// Classification samples of a given shape with uniform [-1, 1) inputs (the
/// range of the seed runs' symmetric normalization) and random labels.
class MemoryDataset final : public Dataset {
 public:
  MemoryDataset(std::vector<std::size_t> shape, std::size_t classes, std::size_t samples,
                std::uint64_t seed)
      : shape_(std::move(shape)), classes_(classes), samples_(samples) {
    sample_size_ = 1;
    for (auto d : shape_)
      sample_size_ *= d;
    Rng rng(seed);
    inputs_.resize(samples_ * sample_size_);
    for (auto& x : inputs_)
      x = static_cast<float>(rng.uniform(-1.0, 1.0));
    labels_.resize(samples_);
    for (auto& y : labels_)
      y = static_cast<float>(rng.below(classes_));
  }

  DatasetInfo info() const override { return {Task::Classification, shape_, classes_, 1}; }
  std::size_t size(Split split) const override { return split == Split::Train ? samples_ : 0; }
  void fill(Split, std::span<const std::size_t> indices, float* inputs,
            float* targets) const override {
    for (std::size_t k = 0; k < indices.size(); ++k) {
      std::copy_n(inputs_.data() + indices[k] * sample_size_, sample_size_,
                  inputs + k * sample_size_);
      targets[k] = labels_[indices[k]];
    }
  }

  const float* inputs(std::size_t first) const { return inputs_.data() + first * sample_size_; }
  const float* labels(std::size_t first) const { return labels_.data() + first; }

 private:
  std::vector<std::size_t> shape_;
  std::size_t classes_, samples_, sample_size_;
  std::vector<float> inputs_, labels_;
};

/// A model with its optimizer attached and a pool of batches to step on.
struct Trainee {
  MemoryDataset data;
  std::shared_ptr<Model> model;
  std::shared_ptr<Optimizer> optimizer;

  Trainee(const std::string& model_name, std::vector<std::size_t> shape,
          const std::string& optimizer_name, std::size_t samples = kBatch * kBatchPool,
          int threads = 1)
      : data(std::move(shape), 10, samples, 1) {
    ModelContext context;
    context.data = data.info();
    context.max_batch = kBatch;
    context.seed = 0;
    context.threads = threads;
    model = plugins().make_model(model_name, {}, context);
    optimizer = plugins().make_optimizer(optimizer_name, {});
    optimizer->attach(model->parameters());
  }

  Batch batch(std::size_t k) const {
    const std::size_t first = (k % kBatchPool) * kBatch;
    return {data.inputs(first), data.labels(first), kBatch};
  }

  double step(std::size_t k) {
    const double loss = model->forward(batch(k));
    model->backward();
    optimizer->step();
    return loss;
  }
};

enum class Phase { Forward, ForwardBackward, Step };

void network_step(benchmark::State& state, const std::string& model, std::vector<std::size_t> shape,
                  Phase phase = Phase::Step, int threads = 1) {
  Trainee t(model, std::move(shape), "adadelta", kBatch * kBatchPool, threads);
  // The first step binds oneDNN's primitives and touches every buffer.
  t.step(0);
  std::size_t k = 1;
  for (auto _ : state) {
    switch (phase) {
      case Phase::Forward:
        benchmark::DoNotOptimize(t.model->forward(t.batch(k++)));
        break;
      case Phase::ForwardBackward:
        benchmark::DoNotOptimize(t.model->forward(t.batch(k++)));
        t.model->backward();
        break;
      case Phase::Step:
        benchmark::DoNotOptimize(t.step(k++));
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// 1. MLP 784-200-10, ReLU, cross-entropy, batch 64: forward + backward +
// Adadelta step. The _forward and _forward_backward parts split the step's
// time into forward, backward (their difference) and the optimizer (the
// rest), without oneDNN's verbose mode distorting the small primitives.
void BM_mlp_step(benchmark::State& state) {
  network_step(state, "mlp", {784});
}
void BM_mlp_forward(benchmark::State& state) {
  network_step(state, "mlp", {784}, Phase::Forward);
}
void BM_mlp_forward_backward(benchmark::State& state) {
  network_step(state, "mlp", {784}, Phase::ForwardBackward);
}
BENCHMARK(BM_mlp_step)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_mlp_forward)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_mlp_forward_backward)->Unit(benchmark::kMicrosecond);

// 2. The seed CNN on 1x28x28, batch 64, same step and parts.
void BM_cnn_step(benchmark::State& state) {
  network_step(state, "cnn", {1, 28, 28});
}
void BM_cnn_forward(benchmark::State& state) {
  network_step(state, "cnn", {1, 28, 28}, Phase::Forward);
}
void BM_cnn_forward_backward(benchmark::State& state) {
  network_step(state, "cnn", {1, 28, 28}, Phase::ForwardBackward);
}
BENCHMARK(BM_cnn_step)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_cnn_forward)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_cnn_forward_backward)->Unit(benchmark::kMillisecond);

// One run on every core (--threads-per-run 2 here): the same CNN step with
// ModelContext::threads = 2, timed by the wall clock (CPU time would add up
// both threads).
void BM_cnn_step_2_threads(benchmark::State& state) {
  network_step(state, "cnn", {1, 28, 28}, Phase::Step, 2);
}
BENCHMARK(BM_cnn_step_2_threads)->Unit(benchmark::kMillisecond)->UseRealTime();

// 3. Rosenbrock + Adam through run::train, which records every step's point
// and loss into a Recorder over a real SQLite file. One benchmark iteration
// is a whole run of kSteps steps (the trainer owns the loop), so the
// Recorder's flushes every 8192 points and its final flush are in the time;
// the "per_step" counter is the time of one step.
void BM_fn2d_step(benchmark::State& state) {
  constexpr std::int64_t kSteps = 32768;
  StoreWithRun sink;
  ModelContext context;
  context.threads = 1;
  experiment::TrainSettings settings;
  settings.steps = kSteps;
  settings.record_every = 1;
  for (auto _ : state) {
    // A new model and optimizer per run start from the same point; building
    // them costs microseconds against a run of tens of milliseconds.
    state.PauseTiming();
    auto model = plugins().make_model("rosenbrock", {}, context);
    auto optimizer = plugins().make_optimizer("adam", {});
    optimizer->attach(model->parameters());
    state.ResumeTiming();
    run::Recorder recorder(sink.db, sink.run_id);
    const auto result = run::train(*model, *optimizer, nullptr, settings, 0, recorder);
    recorder.flush();
    benchmark::DoNotOptimize(result.final_loss);
  }
  state.counters["per_step"] = benchmark::Counter(
      static_cast<double>(kSteps),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(state.iterations() * kSteps);
}
BENCHMARK(BM_fn2d_step)->Unit(benchmark::kMillisecond);

// The same step without the trainer and recorder: forward, backward, Adam.
// What BM_fn2d_step's per_step adds to this is the cost of recording.
void BM_fn2d_bare(benchmark::State& state) {
  ModelContext context;
  context.threads = 1;
  auto model = plugins().make_model("rosenbrock", {}, context);
  auto optimizer = plugins().make_optimizer("adam", {});
  optimizer->attach(model->parameters());
  for (auto _ : state) {
    benchmark::DoNotOptimize(model->forward({}));
    model->backward();
    optimizer->step();
  }
}
BENCHMARK(BM_fn2d_bare)->Unit(benchmark::kNanosecond);

// 4. One optimizer step on a single 10M-element tensor: memory-bound, so the
// figure is bytes/s. Adam reads param, grad, m, v and writes param, m, v
// (7 x 4 bytes per element); Adadelta likewise with its square_avg and
// acc_delta; momentum reads param, grad, buf and writes param, buf (5 x 4).
void optimizer_step(benchmark::State& state, const std::string& name, int floats_moved) {
  constexpr std::size_t kN = 10'000'000;
  std::vector<float> value(kN), grad(kN);
  Rng rng(3);
  for (std::size_t i = 0; i < kN; ++i) {
    value[i] = static_cast<float>(rng.uniform(-1.0, 1.0));
    grad[i] = static_cast<float>(rng.uniform(-1e-2, 1e-2));
  }
  const ParamBuffer buffer{"w", value.data(), grad.data(), kN};
  // One thread, as the triad limit and the peer: the loops split a tensor
  // between the calling thread's OpenMP threads, two here by default.
  omp_set_num_threads(1);
  auto optimizer = plugins().make_optimizer(name, {});
  optimizer->attach(std::span(&buffer, 1));
  // Faults in the state pages allocated by attach before timing.
  optimizer->step();
  for (auto _ : state) {
    optimizer->step();
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kN) * floats_moved * 4);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kN));
}
void BM_optimizer_step_adam(benchmark::State& state) {
  optimizer_step(state, "adam", 7);
}
void BM_optimizer_step_momentum(benchmark::State& state) {
  optimizer_step(state, "momentum", 5);
}
void BM_optimizer_step_adadelta(benchmark::State& state) {
  optimizer_step(state, "adadelta", 7);
}
BENCHMARK(BM_optimizer_step_adam)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_optimizer_step_momentum)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_optimizer_step_adadelta)->Unit(benchmark::kMillisecond);

// The Adadelta step of BM_mlp_step alone: the MLP's four tensors (159,010
// floats each for param, grad and the two averages, 2.5 MB in all) stay in
// L3, so unlike the 10M-element step this is bound by the arithmetic (two
// square roots and a division per element), not by memory.
void BM_mlp_adadelta_step(benchmark::State& state) {
  Trainee t("mlp", {784}, "adadelta");
  // Real gradients, then the state faulted in; later steps reuse them.
  t.step(0);
  std::size_t n = 0;
  for (const auto& p : t.model->parameters())
    n += p.n;
  for (auto _ : state) {
    t.optimizer->step();
    benchmark::ClobberMemory();
  }
  state.counters["params"] = static_cast<double>(n);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_mlp_adadelta_step)->Unit(benchmark::kMicrosecond);

// 5. SqliteStore::append_metrics with the Recorder's batch size, into a fresh file
// per repetition so that the index size does not drift between them.
void BM_store_insert(benchmark::State& state) {
  constexpr std::size_t kPoints = 8192;
  StoreWithRun sink;
  std::vector<store::MetricPoint> points(kPoints);
  std::int64_t step = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (auto& p : points) {
      p = {step, 0, "train", "loss", 1.0 / static_cast<double>(step + 1), 1e-3 * step};
      ++step;
    }
    state.ResumeTiming();
    sink.db.append_metrics(sink.run_id, points);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPoints));
}
BENCHMARK(BM_store_insert)->Unit(benchmark::kMillisecond);

// 6. Logging overhead: the MLP trained through run::train for kSteps steps
// with every step's loss recorded (record_every 1) against the same trainer
// recording only step 0 (record_every huge), and against a bare
// forward/backward/step loop with no trainer at all. On this shared machine
// two identical runs differ by several percent while the effect sought is
// under one, so the variants run as adjacent pairs (in alternating order, so
// that neither always follows the other) and the figure is the median of the
// per-pair ratios: a disturbance hits one pair, not the median. Times are
// the thread's CPU time, which leaves out time spent preempted by other
// processes (not time taken by the hypervisor); wall-clock ratios are
// reported beside them. BM_record_metric below measures the recording work
// alone, as a cross-check that does not depend on this noise.
double seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double clock_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Timing {
  double wall = 1e30, cpu = 1e30;
};

template <class F>
Timing timed(F&& body) {
  const auto t0 = Clock::now();
  const double c0 = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
  body();
  return {seconds(t0), clock_seconds(CLOCK_THREAD_CPUTIME_ID) - c0};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void BM_logging_overhead(benchmark::State& state) {
  constexpr std::int64_t kSteps = 50;
  Trainee t("mlp", {784}, "adadelta", kBatch * kSteps);
  StoreWithRun sink;
  experiment::TrainSettings settings;
  settings.epochs = 1;
  settings.batch_size = kBatch;
  settings.diverge_above = std::numeric_limits<double>::infinity();
  const auto trainer = [&](std::int64_t record_every) {
    settings.record_every = record_every;
    run::Recorder recorder(sink.db, sink.run_id);
    run::train(*t.model, *t.optimizer, &t.data, settings, 0, recorder);
    recorder.flush();
  };
  const auto bare = [&] {
    for (std::int64_t k = 0; k < kSteps; ++k) {
      const std::size_t first = static_cast<std::size_t>(k) * kBatch;
      benchmark::DoNotOptimize(
          t.model->forward({t.data.inputs(first), t.data.labels(first), kBatch}));
      t.model->backward();
      t.optimizer->step();
    }
  };
  bare();  // binds the primitives and warms the caches
  std::vector<double> vs_unlogged, vs_unlogged_wall, vs_bare, vs_bare_wall, logged_cpu,
      unlogged_cpu, bare_cpu;
  bool logged_first = true;
  for (auto _ : state) {
    Timing logged, unlogged;
    if (logged_first) {
      logged = timed([&] { trainer(1); });
      unlogged = timed([&] { trainer(std::numeric_limits<std::int64_t>::max()); });
    } else {
      unlogged = timed([&] { trainer(std::numeric_limits<std::int64_t>::max()); });
      logged = timed([&] { trainer(1); });
    }
    logged_first = !logged_first;
    const Timing loop = timed(bare);
    vs_unlogged.push_back(logged.cpu / unlogged.cpu);
    vs_unlogged_wall.push_back(logged.wall / unlogged.wall);
    vs_bare.push_back(logged.cpu / loop.cpu);
    vs_bare_wall.push_back(logged.wall / loop.wall);
    logged_cpu.push_back(logged.cpu);
    unlogged_cpu.push_back(unlogged.cpu);
    bare_cpu.push_back(loop.cpu);
  }
  state.counters["steps"] = kSteps;
  state.counters["record_every_1_ms"] = 1e3 * median(logged_cpu);
  state.counters["record_every_max_ms"] = 1e3 * median(unlogged_cpu);
  state.counters["bare_loop_ms"] = 1e3 * median(bare_cpu);
  state.counters["overhead_pct"] = 100.0 * (median(vs_unlogged) - 1.0);
  state.counters["overhead_wall_pct"] = 100.0 * (median(vs_unlogged_wall) - 1.0);
  state.counters["overhead_vs_bare_pct"] = 100.0 * (median(vs_bare) - 1.0);
  state.counters["overhead_vs_bare_wall_pct"] = 100.0 * (median(vs_bare_wall) - 1.0);
}
BENCHMARK(BM_logging_overhead)->Unit(benchmark::kMillisecond)->Iterations(60)->Repetitions(1);

// What record_every 1 adds to each step of run::train, alone: one
// Recorder::metric call with its clock read, and its share of the flushes
// (one 8192-point transaction per 8192 calls).
void BM_record_metric(benchmark::State& state) {
  StoreWithRun sink;
  run::Recorder recorder(sink.db, sink.run_id);
  const auto t0 = Clock::now();
  std::int64_t step = 0;
  for (auto _ : state) {
    recorder.metric(step, 0, "train", "loss", 1.0 / static_cast<double>(step + 1), seconds(t0));
    ++step;
  }
  recorder.flush();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_record_metric)->Unit(benchmark::kNanosecond);

// 7. Jobs scaling: the real runner (run::run_sweep) on an experiment loaded
// from YAML text, 4 MLP runs of 200 steps each (one epoch of 12,800 generated
// IDX images, batch 64, every loss recorded), with jobs = 1 and jobs = 2. The
// two are interleaved and the fastest of each kept, as above; each sweep
// writes a fresh database, since a second sweep on one file would skip the
// finished runs.
void write_idx(const std::filesystem::path& file, std::uint32_t magic,
               const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& payload) {
  std::ofstream out(file, std::ios::binary);
  const auto put32 = [&out](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.put(static_cast<char>((v >> shift) & 0xff));
  };
  put32(magic);
  for (auto d : dims)
    put32(d);
  out.write(reinterpret_cast<const char*>(payload.data()),
            static_cast<std::streamsize>(payload.size()));
}

void BM_jobs_scaling(benchmark::State& state) {
  constexpr std::uint32_t kSamples = 200 * kBatch;
  TempDir dir;
  Rng rng(5);
  std::vector<std::uint8_t> pixels(std::size_t{kSamples} * 28 * 28), labels(kSamples);
  for (auto& p : pixels)
    p = static_cast<std::uint8_t>(rng.below(256));
  for (auto& l : labels)
    l = static_cast<std::uint8_t>(rng.below(10));
  const auto images_file = dir.path() / "train-images-idx3-ubyte";
  const auto labels_file = dir.path() / "train-labels-idx1-ubyte";
  write_idx(images_file, 0x803, {kSamples, 28, 28}, pixels);
  write_idx(labels_file, 0x801, {kSamples}, labels);

  std::string yaml = "name: bench-jobs\ndataset: {name: idx, train_images: '";
  yaml.append(images_file.string()).append("', train_labels: '");
  yaml.append(labels_file.string()).append("'}\n");
  yaml.append(
      "model: {name: mlp, hidden: [200]}\n"
      "optimizers:\n"
      "  - {name: adadelta, rho: [0.9, 0.95, 0.99, 0.999]}\n"
      "train: {epochs: 1, batch_size: 64, record_every: 1}\n"
      "seeds: [0]\n");
  const auto spec = experiment::load_text(yaml, "bench-jobs.yaml", plugins());
  const auto runs = experiment::expand(spec, plugins());

  int sweep_index = 0;
  const auto sweep = [&](int jobs) {
    run::Options options;
    options.db = dir.path() / ("sweep-" + std::to_string(sweep_index++) + ".db");
    options.jobs = jobs;
    const auto t0 = Clock::now();
    const double c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    const auto result = run::run_sweep(spec, runs, plugins(), options);
    const Timing s{seconds(t0), clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0};
    if (result.done != runs.size()) state.SkipWithError("a run of the jobs sweep did not finish");
    return s;
  };
  // The sweep with the fastest wall time, and its CPU time: CPU / wall near
  // `jobs` means every worker had a core to itself the whole time, so a
  // speedup short of `jobs` then comes from the work growing (CPU jobs 2 >
  // CPU jobs 1: shared caches, memory bandwidth, store locks spinning), and a
  // ratio well under `jobs` means the workers waited: for a core taken by
  // another process, or for each other.
  // The control: the same 4 x 200 MLP steps as bare loops on in-memory
  // data, on 1 and on 2 plain threads, with no runner, store or dataset
  // plugin. Its speedup is what this machine offered at that moment; the
  // runner's speedup can only be judged against it.
  std::vector<std::unique_ptr<Trainee>> trainees;
  for (std::size_t r = 0; r < runs.size(); ++r)
    trainees.push_back(std::make_unique<Trainee>("mlp", std::vector<std::size_t>{784}, "adadelta"));
  const auto control = [&](int jobs) {
    const auto work = [&](std::size_t first) {
      for (std::size_t r = first; r < trainees.size(); r += static_cast<std::size_t>(jobs)) {
        for (std::size_t k = 0; k < 200; ++k)
          benchmark::DoNotOptimize(trainees[r]->step(k));
      }
    };
    const auto t0 = Clock::now();
    const double c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    std::vector<std::thread> threads;
    for (int j = 1; j < jobs; ++j)
      threads.emplace_back(work, static_cast<std::size_t>(j));
    work(0);
    for (auto& thread : threads)
      thread.join();
    return Timing{seconds(t0), clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0};
  };
  for (auto& t : trainees)
    t->step(0);  // binds the primitives outside the timing

  Timing one, two, control_one, control_two;
  const auto keep = [](Timing& best, const Timing& b) {
    if (b.wall < best.wall) best = b;
  };
  for (auto _ : state) {
    keep(one, sweep(1));
    keep(two, sweep(2));
    keep(control_one, control(1));
    keep(control_two, control(2));
  }
  state.counters["runs"] = static_cast<double>(runs.size());
  state.counters["jobs_1_s"] = one.wall;
  state.counters["jobs_2_s"] = two.wall;
  state.counters["jobs_1_cpu_s"] = one.cpu;
  state.counters["jobs_2_cpu_s"] = two.cpu;
  state.counters["speedup"] = one.wall / two.wall;
  state.counters["control_1_s"] = control_one.wall;
  state.counters["control_2_s"] = control_two.wall;
  state.counters["control_2_cpu_s"] = control_two.cpu;
  state.counters["control_speedup"] = control_one.wall / control_two.wall;
}
BENCHMARK(BM_jobs_scaling)->Unit(benchmark::kMillisecond)->Iterations(4)->Repetitions(1);

// Interleaved pairs (bench/interleave.py): with --serve-steps the binary
// reads lines "WORKLOAD SECONDS" on stdin, trains that step for at least
// SECONDS and answers "WORKLOAD STEPS SECONDS". mlp and cnn run on one thread
// timed by the thread's CPU time; the PyTorch peer answers the same lines,
// and the driver alternates short slices of the two, so that both sides of
// each pair see the machine in the same moment. cnn@1 and cnn@2 are the CNN
// on one and on two threads timed by the wall clock: the driver alternates
// them for the thread-scaling ratio, which two separate benchmarks minutes
// apart measured at different moments of a shared machine.
int serve_steps() {
  std::map<std::string, std::unique_ptr<Trainee>> trainees;
  std::string workload;
  double budget = 0;
  while (std::cin >> workload >> budget) {
    const bool by_wall = workload == "cnn@1" || workload == "cnn@2";
    if (workload != "mlp" && workload != "cnn" && !by_wall) {
      std::cerr << "optbench_bench --serve-steps: unknown workload '" << workload
                << "' (mlp, cnn, cnn@1 or cnn@2)\n";
      return 2;
    }
    auto& slot = trainees[workload];
    if (!slot) {
      slot = workload == "mlp"
                 ? std::make_unique<Trainee>("mlp", std::vector<std::size_t>{784}, "adadelta")
                 : std::make_unique<Trainee>("cnn", std::vector<std::size_t>{1, 28, 28}, "adadelta",
                                             kBatch * kBatchPool, workload == "cnn@2" ? 2 : 1);
      slot->step(0);  // binds oneDNN's primitives outside the timing
    }
    const auto now = [by_wall] {
      return by_wall ? clock_seconds(CLOCK_MONOTONIC) : clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    };
    std::size_t steps = 0;
    const double t0 = now();
    double used = 0;
    do {
      benchmark::DoNotOptimize(slot->step(++steps));
      used = now() - t0;
    } while (used < budget);
    std::cout << workload << ' ' << steps << ' ' << used << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--serve-steps") return serve_steps();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
