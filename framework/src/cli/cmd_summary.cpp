// optbench summary: a verdict per problem (which optimizer wins, by how
// much, how sure), then per configuration final losses and accuracy over
// seeds, time to a target loss, rank per problem and best lr per optimizer.
#include <initializer_list>
#include <iostream>
#include <utility>

#include "cli/command.hpp"
#include "cli/text_table.hpp"
#include "results/leaderboard.hpp"
#include "results/summary.hpp"
#include "results/summary_table.hpp"
#include "results/target.hpp"
#include "results/verdict.hpp"
#include "store/backend.hpp"
#include "util/json.hpp"

namespace optbench::cli {

namespace {

void print_text(const results::Table& table, std::ostream& out) {
  const auto rows = results::human_rows(table);
  TextTable text(rows.front());
  for (std::size_t r = 1; r < rows.size(); ++r)
    text.add(rows[r]);
  text.print(out);
}

/// Writes each table as JSON to stdout, after its prefix (what closes the
/// previous member and the table's key).
void write_json_tables(
    std::initializer_list<std::pair<const char*, const results::Table*>> tables) {
  for (const auto& [prefix, table] : tables) {
    std::cout << prefix;
    results::write_json(*table, std::cout);
  }
}

void print_summary(const std::string& experiment, const results::Summary& summary,
                   const std::vector<results::ProblemVerdict>& verdicts,
                   const std::string& format) {
  const results::Table configs = results::config_table(summary);
  const results::Table best = results::best_lr_table(summary);
  const results::Table chosen = results::verdict_table(verdicts);
  const results::Table wins = results::win_table(verdicts);
  if (format == "csv") {
    results::write_csv(configs, std::cout);
  } else if (format == "json") {
    std::cout << "{\"experiment\":" << json::quote(experiment)
              << ",\"target_loss\":" << (summary.target ? json::number(*summary.target) : "null")
              << ",\n\"ranked_by\":{";
    for (std::size_t i = 0; i < summary.ranked_by.size(); ++i) {
      std::cout << (i ? "," : "") << json::quote(summary.ranked_by[i].first) << ':'
                << json::quote(summary.ranked_by[i].second);
    }
    std::cout << "},\n\"verdicts\":[";
    for (std::size_t i = 0; i < verdicts.size(); ++i)
      std::cout << (i ? "," : "") << json::quote(verdicts[i].line);
    write_json_tables({{"],\n\"chosen\":", &chosen},
                       {",\n\"win_probabilities\":", &wins},
                       {",\n\"configurations\":", &configs},
                       {",\"best_lr\":", &best}});
    std::cout << "}\n";
  } else {
    for (const auto& v : verdicts)
      std::cout << "verdict: " << v.line << "\n";
    std::cout << "\n";
    if (!chosen.rows.empty()) {
      std::cout << "chosen configuration per optimizer, 95% bootstrap interval over seeds:\n";
      print_text(chosen, std::cout);
      if (!wins.rows.empty()) {
        std::cout << "\nprobability that the optimizer beats the other across seeds:\n";
        print_text(wins, std::cout);
      }
      std::cout << "\n";
    }
    std::cout << "experiment " << experiment << ", target loss "
              << (summary.target ? results::short_number(*summary.target) : "(none)") << "\n";
    for (const auto& [problem, measure] : summary.ranked_by)
      std::cout << "ranked by final " << measure << " on " << problem << "\n";
    std::cout << "\n";
    print_text(configs, std::cout);
    if (!best.rows.empty()) {
      std::cout << "\nbest learning rate per optimizer and problem:\n";
      print_text(best, std::cout);
    }
  }
}

/// The suite's leaderboard: every optimizer on every problem, then the
/// performance profile across the problems.
void print_leaderboard(const results::Leaderboard& board, std::size_t problems,
                       const std::string& format) {
  const results::Table entries = results::leaderboard_table(board);
  const results::Table profile = results::profile_table(board);
  if (format == "csv") {
    results::write_csv(entries, std::cout);
  } else if (format == "json") {
    write_json_tables({{"{\"leaderboard\":", &entries}, {",\n\"profile\":", &profile}});
    std::cout << "}\n";
  } else {
    std::cout << "leaderboard over " << problems
              << " experiments: each optimizer's best configuration per problem; metric "
                 "mean +- sd over seeds; steps to each experiment's target loss over the "
                 "seeds that reached it\n";
    print_text(entries, std::cout);
    std::cout << "\nperformance profile: share of the problems on which the optimizer reached "
                 "the target within tau times the steps of the fastest optimizer there\n";
    print_text(profile, std::cout);
  }
}

}  // namespace

int cmd_summary(const std::vector<std::string>& args) {
  po::options_description options("summary options");
  add_db_option(options);
  options.add_options()("experiment,e", po::value<std::string>(),
                        "only this experiment (default: every one)")(
      "format", po::value<std::string>()->default_value("text"), "text, csv or json")(
      "all", po::bool_switch(), "also the runs an edit of the experiment set aside")(
      "leaderboard", po::bool_switch(),
      "one leaderboard across the experiments (a suite: one problem per experiment, each "
      "with its target_loss) and their performance profile");
  add_target_option(options);
  po::variables_map vm;
  if (!parse("summary",
             "[--db FILE] [--experiment NAME] [--target LOSS] [--format text|csv|json] "
             "[--leaderboard]",
             options, {}, args, vm)) {
    return kOk;
  }
  const auto format = vm["format"].as<std::string>();
  if (format != "text" && format != "csv" && format != "json") {
    throw UsageError("--format: unknown format '" + format + "' (expected text, csv or json)");
  }
  const auto given_target = target_option(vm);
  const auto reader = open_results(vm["db"].as<std::string>());
  const store::Reader& db = *reader;
  const auto scope = vm["all"].as<bool>() ? store::Scope::All : store::Scope::Current;
  std::vector<store::ExperimentRecord> experiments;
  if (vm.count("experiment")) {
    const auto name = vm["experiment"].as<std::string>();
    auto record = db.experiment(name);
    if (!record) {
      throw std::invalid_argument("no experiment '" + name + "' in " + vm["db"].as<std::string>());
    }
    experiments.push_back(std::move(*record));
  } else {
    experiments = db.experiments();
  }
  if (vm["leaderboard"].as<bool>()) {
    print_leaderboard(results::leaderboard(db, experiments, given_target, scope),
                      experiments.size(), format);
    return kOk;
  }
  if (experiments.size() > 1 && format != "text") {
    throw UsageError("--format " + format + " needs --experiment NAME (the database holds " +
                     std::to_string(experiments.size()) + " experiments)");
  }
  for (std::size_t i = 0; i < experiments.size(); ++i) {
    const auto& e = experiments[i];
    const auto target = given_target ? given_target : results::target_from_yaml(e.yaml);
    if (i) std::cout << "\n";
    print_summary(e.name, results::summarize(db, e.name, target, scope),
                  results::verdicts(db, e.name), format);
  }
  return kOk;
}

}  // namespace optbench::cli
