#include "run/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "optbench/random.hpp"
#include "run/stop.hpp"

namespace optbench::run {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

bool diverged(double loss, double limit) {
  return !std::isfinite(loss) || loss > limit;
}

// Polled once a step: a relaxed load, lost in the cost of the step.
bool interrupted(TrainResult& result, std::int64_t step) {
  if (!stop_requested()) return false;
  result.status = store::RunStatus::Interrupted;
  result.error =
      "interrupted by " + describe_signal(stop_signal()) + " at step " + std::to_string(step);
  return true;
}

// Gives the optimizer the scheduled rates of step `t` (an epoch index for
// per-epoch schedules) and records the lr at `step` when `record` is set.
void apply_schedule(const ScheduleUse& use, Optimizer& optimizer, std::int64_t t, std::int64_t step,
                    std::int64_t epoch, bool record, Recorder& recorder, double wall) {
  if (!use.schedule) return;
  const Rates rates = use.schedule->at(t, use.base);
  optimizer.set_lr(rates.lr);
  if (use.schedule->sets_momentum()) optimizer.set_momentum(rates.momentum);
  if (record) recorder.metric(step, epoch, "train", "lr", rates.lr, wall);
}

TrainResult train_function(Model& model, Optimizer& optimizer,
                           const experiment::TrainSettings& settings, Recorder& recorder,
                           const ScheduleUse& schedule) {
  const auto t0 = Clock::now();
  const auto params = model.parameters();
  const float* x = params[0].value;
  TrainResult result;
  // Point k is where the k-th loss is evaluated; the last point (k = steps)
  // is the end of the path, so `steps` updates give steps + 1 points.
  for (std::int64_t k = 0;; ++k) {
    const double loss = model.forward({});
    // record_every thins every series alike: the path is drawn from the
    // same steps as the loss, and its end is always kept.
    const bool last =
        k == settings.steps || diverged(loss, settings.diverge_above) || stop_requested();
    if (k % settings.record_every == 0 || last) {
      recorder.position(k, x[0], x[1]);
      recorder.metric(k, 0, "train", "loss", loss, seconds_since(t0));
    }
    result.final_loss = loss;
    result.steps = k;
    if (diverged(loss, settings.diverge_above)) {
      result.status = store::RunStatus::Diverged;
      result.error = "loss " + std::to_string(loss) + " at step " + std::to_string(k);
      return result;
    }
    // The stop request is sticky, so `last` already saw any that ends here.
    if (k == settings.steps || (last && interrupted(result, k))) return result;
    model.backward();
    apply_schedule(schedule, optimizer, k, k, 0, k % settings.record_every == 0, recorder,
                   seconds_since(t0));
    optimizer.step();
  }
}

struct Evaluation {
  double loss = 0.0;  ///< mean over the samples
  double accuracy = 0.0;
};

TrainResult train_data(Model& model, Optimizer& optimizer, const Dataset& data,
                       const experiment::TrainSettings& settings, std::uint64_t seed,
                       Recorder& recorder, const EpochCallback& on_epoch,
                       const ScheduleUse& schedule, const experiment::Holdout& validation,
                       const Progress& progress) {
  const auto t0 = Clock::now();
  const bool report_progress = progress.every > 0 && progress.line;
  const auto progress_period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(report_progress ? progress.every : 0.0));
  const auto info = data.info();
  const std::size_t sample_size = std::accumulate(
      info.sample_shape.begin(), info.sample_shape.end(), std::size_t{1}, std::multiplies<>());
  const std::size_t n_train = data.size(Split::Train);
  const std::size_t n_test = data.size(Split::Test);
  const auto batch = static_cast<std::size_t>(settings.batch_size);
  if (n_train == 0) throw std::runtime_error("the dataset's training split is empty");
  const auto steps_per_epoch = static_cast<std::int64_t>((n_train + batch - 1) / batch);
  if (steps_per_epoch * settings.epochs / settings.record_every + 1 >
      experiment::kMaxPointsPerSeries) {
    throw std::runtime_error("train: " + std::to_string(settings.epochs) + " epochs of " +
                             std::to_string(steps_per_epoch) + " steps with record_every " +
                             std::to_string(settings.record_every) + " would record more than " +
                             std::to_string(experiment::kMaxPointsPerSeries) +
                             " loss points; raise record_every or lower epochs");
  }

  // Everything the step loop touches is allocated here, once.
  std::vector<float> inputs(batch * sample_size), targets(batch * info.target_size);
  std::vector<std::size_t> order, held_out;
  split_validation(n_train, validation, order, held_out);
  const std::size_t n_fit = order.size();
  const std::size_t fit_steps = (n_fit + batch - 1) / batch;  // per epoch
  // The mean loss and the accuracy over `indices` of `split`, in batches.
  // Held-out splits are scored in eval mode (dropout off, normalization on
  // its running statistics), as torch's model.eval(); training resumes in
  // train mode.
  const auto evaluate = [&](Split split, std::span<const std::size_t> indices) {
    model.set_training(false);
    Evaluation e;
    std::size_t correct = 0;
    for (std::size_t begin = 0; begin < indices.size(); begin += batch) {
      const std::size_t count = std::min(batch, indices.size() - begin);
      data.fill(split, indices.subspan(begin, count), inputs.data(), targets.data());
      const auto r = model.evaluate({inputs.data(), targets.data(), count});
      e.loss += r.loss * static_cast<double>(count);
      correct += r.correct;
    }
    e.loss /= static_cast<double>(indices.size());
    e.accuracy = static_cast<double>(correct) / static_cast<double>(indices.size());
    model.set_training(true);
    return e;
  };
  std::vector<std::size_t> test_indices(n_test);
  std::iota(test_indices.begin(), test_indices.end(), std::size_t{0});
  // A stream of its own, so that shuffling does not depend on how many
  // numbers the model drew for its weights.
  Rng shuffle_rng(seed ^ 0x5eed5eed5eed5eedULL);

  TrainResult result;
  std::int64_t step = 0;
  model.set_training(true);
  for (std::int64_t epoch = 0; epoch < settings.epochs; ++epoch) {
    const auto epoch_t0 = Clock::now();
    if (settings.shuffle) {
      for (std::size_t i = n_fit - 1; i > 0; --i)
        std::swap(order[i], order[shuffle_rng.below(i + 1)]);
    }
    double loss_sum = 0.0;
    std::size_t batches = 0;
    auto next_progress = epoch_t0 + progress_period;
    for (std::size_t begin = 0; begin < n_fit; begin += batch) {
      if (interrupted(result, step)) {
        result.steps = step;
        return result;
      }
      const std::size_t count = std::min(batch, n_fit - begin);
      data.fill(Split::Train, std::span(order).subspan(begin, count), inputs.data(),
                targets.data());
      const double loss = model.forward({inputs.data(), targets.data(), count});
      if (step % settings.record_every == 0 || diverged(loss, settings.diverge_above)) {
        recorder.metric(step, epoch + 1, "train", "loss", loss, seconds_since(t0));
      }
      if (diverged(loss, settings.diverge_above)) {
        result.status = store::RunStatus::Diverged;
        result.error = "loss " + std::to_string(loss) + " at step " + std::to_string(step);
        result.steps = step;
        result.final_loss = loss;
        return result;
      }
      model.backward();
      // Epochs are stored counting from 1; the schedule counts from 0.
      apply_schedule(schedule, optimizer, schedule.per_epoch ? epoch : step, step, epoch + 1,
                     step % settings.record_every == 0, recorder, seconds_since(t0));
      optimizer.step();
      loss_sum += loss;
      ++batches;
      ++step;
      if (report_progress && begin + count < n_fit) {
        const auto now = Clock::now();
        if (now >= next_progress) {
          next_progress = now + progress_period;
          const double seconds = std::chrono::duration<double>(now - epoch_t0).count();
          const double samples = static_cast<double>(begin + count);
          char text[160];
          std::snprintf(text, sizeof text,
                        "epoch %lld/%lld, step %zu/%zu (%.0f%%), mean loss %.6f, %.0f samples/s",
                        static_cast<long long>(epoch + 1), static_cast<long long>(settings.epochs),
                        batches, fit_steps, 100.0 * samples / static_cast<double>(n_fit),
                        loss_sum / static_cast<double>(batches), samples / seconds);
          progress.line(text);
        }
      }
    }
    const double wall = seconds_since(t0);
    const double epoch_loss = loss_sum / static_cast<double>(batches);
    // Epochs count from 1 in the store, as on screen and in the charts.
    recorder.metric(step, epoch + 1, "train", "epoch_loss", epoch_loss, wall);
    recorder.metric(step, epoch + 1, "train", "epoch_seconds", seconds_since(epoch_t0), wall);
    // The epoch's mean, not its last mini-batch's loss: that batch may be
    // a small remainder, and one batch is noisy.
    result.final_loss = epoch_loss;
    char line[256];
    int used = std::snprintf(line, sizeof line, "epoch %lld/%lld train loss %.6f",
                             static_cast<long long>(epoch + 1),
                             static_cast<long long>(settings.epochs), epoch_loss);
    const bool classification = info.task == Task::Classification;
    if (!held_out.empty()) {
      const auto v = evaluate(Split::Train, held_out);
      recorder.metric(step, epoch + 1, "validation", "loss", v.loss, wall);
      if (classification)
        recorder.metric(step, epoch + 1, "validation", "accuracy", v.accuracy, wall);
      // Accuracy as a fraction, as stored, summarized, exported and charted.
      used += std::snprintf(
          line + used, sizeof line - static_cast<std::size_t>(used),
          classification ? ", validation loss %.6f, accuracy %.4f" : ", validation loss %.6f",
          v.loss, v.accuracy);
    }
    if (n_test > 0) {
      const auto t = evaluate(Split::Test, test_indices);
      recorder.metric(step, epoch + 1, "test", "loss", t.loss, wall);
      result.final_test_loss = t.loss;
      if (classification) {
        recorder.metric(step, epoch + 1, "test", "accuracy", t.accuracy, wall);
        result.final_accuracy = t.accuracy;
        std::snprintf(line + used, sizeof line - static_cast<std::size_t>(used),
                      ", test loss %.6f, test accuracy %.4f", t.loss, t.accuracy);
      } else {
        std::snprintf(line + used, sizeof line - static_cast<std::size_t>(used), ", test loss %.6f",
                      t.loss);
      }
    }
    recorder.flush();
    if (on_epoch) {
      // The run's remaining time at the pace of its epochs so far.
      const double done = static_cast<double>(epoch + 1);
      const double eta = seconds_since(t0) / done * (static_cast<double>(settings.epochs) - done);
      std::string text = line;
      char tail[48];
      std::snprintf(tail, sizeof tail, ", ETA %.0f s", eta);
      on_epoch(text.append(tail));
    }
  }
  result.steps = step;
  return result;
}

}  // namespace

TrainResult train(Model& model, Optimizer& optimizer, const Dataset* data,
                  const experiment::TrainSettings& settings, std::uint64_t seed, Recorder& recorder,
                  const EpochCallback& on_epoch, const ScheduleUse& schedule,
                  const experiment::Holdout& validation, const Progress& progress) {
  if (!data) return train_function(model, optimizer, settings, recorder, schedule);
  return train_data(model, optimizer, *data, settings, seed, recorder, on_epoch, schedule,
                    validation, progress);
}

void split_validation(std::size_t n, const experiment::Holdout& validation,
                      std::vector<std::size_t>& fit, std::vector<std::size_t>& held_out) {
  fit.resize(n);
  std::iota(fit.begin(), fit.end(), std::size_t{0});
  held_out.clear();
  if (validation.fraction <= 0.0) return;
  const auto count = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::floor(static_cast<double>(n) * validation.fraction)));
  if (count >= n) {
    throw std::runtime_error("validation: holding out " + std::to_string(count) + " of " +
                             std::to_string(n) + " training samples leaves none to train on");
  }
  Rng rng(static_cast<std::uint64_t>(validation.seed) ^ 0x7a11da7e7a11da7eULL);
  for (std::size_t i = n - 1; i > 0; --i)
    std::swap(fit[i], fit[rng.below(i + 1)]);
  held_out.assign(fit.begin(), fit.begin() + static_cast<std::ptrdiff_t>(count));
  fit.erase(fit.begin(), fit.begin() + static_cast<std::ptrdiff_t>(count));
  std::sort(held_out.begin(), held_out.end());
  std::sort(fit.begin(), fit.end());
}

store::Surface sample_surface(const Surface2D& surface, const std::string& problem_key,
                              const std::string& model, int n) {
  store::Surface s;
  s.problem_key = problem_key;
  s.model = model;
  s.nx = s.ny = n;
  const auto w = surface.plot_window();
  s.x0_min = w[0], s.x0_max = w[1], s.x1_min = w[2], s.x1_max = w[3];
  const auto m = surface.minimum();
  s.min_x0 = m[0], s.min_x1 = m[1];
  s.values.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) {
    const double x1 = s.x1_min + (s.x1_max - s.x1_min) * j / (n - 1);
    for (int i = 0; i < n; ++i) {
      const double x0 = s.x0_min + (s.x0_max - s.x0_min) * i / (n - 1);
      s.values[static_cast<std::size_t>(j) * n + i] = surface.value(x0, x1);
    }
  }
  return s;
}

}  // namespace optbench::run
