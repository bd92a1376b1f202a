#include "run/halving.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <ostream>
#include <set>

#include "store/reader.hpp"
#include "store/sqlite_store.hpp"

namespace optbench::run {

namespace {

std::string entry_of(const std::string& trial) {
  return trial.substr(0, trial.find(" #"));
}

void add(SweepResult& total, const SweepResult& part) {
  total.total += part.total;
  total.skipped += part.skipped;
  total.done += part.done;
  total.diverged += part.diverged;
  total.failed += part.failed;
  total.interrupted += part.interrupted;
  total.taken_over += part.taken_over;
  total.stop_signal = part.stop_signal;
}

// The rung's score of each (problem, trial): the mean final validation
// accuracy (negated, so lower is better) where the runs have one, else the
// mean final validation loss. A trial with a seed that did not finish
// cleanly scores +inf: it never goes on.
std::vector<TrialScore> score_rung(const store::Reader& db, const std::string& experiment,
                                   const std::vector<const experiment::RunSpec*>& rung) {
  std::map<std::string, const store::RunRecord*> by_hash;
  const auto records = db.runs(experiment);
  for (const auto& r : records)
    by_hash[r.config_hash] = &r;
  struct Sum {
    double total = 0.0;
    std::size_t n = 0;
    bool broken = false;
  };
  std::map<std::pair<std::string, std::string>, Sum> sums;
  std::vector<std::pair<std::string, std::string>> order;
  for (const auto* run : rung) {
    const auto key = std::pair{run->problem_key, run->trial};
    if (!sums.contains(key)) order.push_back(key);
    Sum& s = sums[key];
    const auto it = by_hash.find(run->config_hash);
    const bool finished = it != by_hash.end() && (it->second->status == store::RunStatus::Done ||
                                                  it->second->status == store::RunStatus::Pruned);
    if (!finished) {
      s.broken = true;
      continue;
    }
    const auto accuracy = db.metrics(it->second->id, "accuracy", "validation");
    const auto loss = db.metrics(it->second->id, "loss", "validation");
    const double value = !accuracy.empty() ? -accuracy.back().value
                         : !loss.empty()   ? loss.back().value
                                           : std::numeric_limits<double>::infinity();
    if (!std::isfinite(value)) s.broken = true;
    s.total += value;
    ++s.n;
  }
  std::vector<TrialScore> out;
  for (const auto& key : order) {
    const Sum& s = sums[key];
    out.push_back({key.first, key.second,
                   s.broken || s.n == 0 ? std::numeric_limits<double>::infinity()
                                        : s.total / static_cast<double>(s.n)});
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> promote(const std::vector<TrialScore>& scores,
                                                         std::int64_t eta) {
  std::map<std::pair<std::string, std::string>, std::vector<const TrialScore*>> groups;
  std::vector<std::pair<std::string, std::string>> group_order;
  for (const auto& s : scores) {
    const auto key = std::pair{s.problem, entry_of(s.trial)};
    if (!groups.contains(key)) group_order.push_back(key);
    groups[key].push_back(&s);
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& key : group_order) {
    auto list = groups[key];
    std::stable_sort(list.begin(), list.end(),
                     [](const TrialScore* a, const TrialScore* b) { return a->score < b->score; });
    const std::size_t keep = std::max<std::size_t>(1, list.size() / static_cast<std::size_t>(eta));
    for (std::size_t k = 0; k < keep && k < list.size(); ++k) {
      if (std::isfinite(list[k]->score)) out.emplace_back(list[k]->problem, list[k]->trial);
    }
  }
  return out;
}

SweepResult run_halving(const experiment::ExperimentSpec& spec,
                        const std::vector<experiment::RunSpec>& runs,
                        const registry::Registry& plugins, const Options& options) {
  int rungs = 1;
  for (const auto& r : runs)
    rungs = std::max(rungs, r.rungs);
  // Every configuration starts at the first rung.
  std::set<std::pair<std::string, std::string>> alive;
  for (const auto& r : runs)
    alive.emplace(r.problem_key, r.trial);

  SweepResult total;
  for (int k = 0; k < rungs; ++k) {
    std::vector<experiment::RunSpec> batch;
    std::vector<const experiment::RunSpec*> rung;
    for (const auto& r : runs) {
      if (r.rung == k && alive.contains({r.problem_key, r.trial})) {
        batch.push_back(r);
        rung.push_back(&r);
      }
    }
    if (options.log) {
      *options.log << "successive halving, rung " << k + 1 << " of " << rungs << ": "
                   << batch.size() << " runs\n";
    }
    // The whole search is the grid: no rung's runs fall out of it.
    add(total, run_sweep(spec, batch, plugins, options, &runs));
    if (total.stop_signal || k + 1 == rungs) break;

    auto db = store::SqliteStore::open(options.db);
    const auto scores = score_rung(db, spec.name, rung);
    const auto next = promote(scores, spec.search->eta);
    alive = {next.begin(), next.end()};
    // Below the last rung a run is never a result: the configuration went
    // on to a longer run, or it was stopped here.
    std::map<std::string, std::int64_t> ids;
    for (const auto& record : db.runs(spec.name))
      ids[record.config_hash] = record.id;
    for (const auto* run : rung) {
      const auto it = ids.find(run->config_hash);
      if (it == ids.end()) continue;
      const bool promoted = alive.contains({run->problem_key, run->trial});
      db.prune_run(it->second, promoted ? "promoted: trained on in a longer run of the search"
                                        : "stopped by successive halving after " +
                                              std::to_string(run->train.epochs) + " epochs");
    }
  }
  return total;
}

}  // namespace optbench::run
