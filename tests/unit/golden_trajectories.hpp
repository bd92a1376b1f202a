// Golden optimizer trajectories (tests/golden/*.csv, written by
// gen_optimizer_golden.py from torch.optim 1.13): the parser, the coverage
// rule and the replay shared by the built-in plugins' parity test and the
// docs' NAdam test.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "optbench/optimizer.hpp"
#include "optbench/params.hpp"

namespace optbench::testing {

struct GoldenCase {
  std::string name;
  std::string optimizer;
  int steps = 0;
  optbench::ParamMap settings;
  // expected[t][k]: tensor k after step t + 1.
  std::vector<std::vector<std::vector<float>>> expected;
};

struct Golden {
  std::vector<std::string> tensors;
  std::vector<std::vector<float>> init, a, b;
  std::vector<GoldenCase> cases;
  std::string error;  // why loading failed; empty when it did not
};

inline std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, ','))
    fields.push_back(field);
  return fields;
}

inline std::vector<float> floats_from(const std::vector<std::string>& fields, std::size_t first) {
  std::vector<float> out;
  for (std::size_t k = first; k < fields.size(); ++k) {
    out.push_back(std::strtof(fields[k].c_str(), nullptr));
  }
  return out;
}

inline Golden parse_golden(const std::string& path) {
  Golden g;
  std::ifstream in(path);
  if (!in) {
    g.error = "cannot open " + path;
    return g;
  }
  std::map<std::string, std::size_t> case_index, tensor_index;
  std::string line;
  int line_no = 0;
  const auto fail = [&](const std::string& why) {
    g.error = path + ":" + std::to_string(line_no) + ": " + why;
    return g;
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const auto f = split(line);
    if (f[0] == "tensor" && f.size() >= 4) {
      if (!tensor_index.contains(f[1])) {
        tensor_index[f[1]] = g.tensors.size();
        g.tensors.push_back(f[1]);
        g.init.emplace_back();
        g.a.emplace_back();
        g.b.emplace_back();
      }
      const std::size_t k = tensor_index[f[1]];
      auto values = floats_from(f, 3);
      if (f[2] == "init") {
        g.init[k] = std::move(values);
      } else if (f[2] == "a") {
        g.a[k] = std::move(values);
      } else if (f[2] == "b") {
        g.b[k] = std::move(values);
      } else {
        return fail("unknown tensor field " + f[2]);
      }
    } else if (f[0] == "case" && f.size() == 4) {
      case_index[f[1]] = g.cases.size();
      GoldenCase c;
      c.name = f[1];
      c.optimizer = f[2];
      c.steps = std::stoi(f[3]);
      c.expected.assign(c.steps, std::vector<std::vector<float>>(g.tensors.size()));
      g.cases.push_back(std::move(c));
    } else if (f[0] == "set" && f.size() >= 5 && case_index.contains(f[1])) {
      auto& settings = g.cases[case_index[f[1]]].settings;
      if (f[3] == "real") {
        settings[f[2]] = std::strtod(f[4].c_str(), nullptr);
      } else if (f[3] == "bool") {
        settings[f[2]] = f[4] == "true";
      } else if (f[3] == "reals") {
        std::vector<double> list;
        for (std::size_t k = 4; k < f.size(); ++k)
          list.push_back(std::strtod(f[k].c_str(), nullptr));
        settings[f[2]] = list;
      } else {
        return fail("unknown setting type " + f[3]);
      }
    } else if (f[0] == "step" && f.size() >= 5 && case_index.contains(f[1]) &&
               tensor_index.contains(f[3])) {
      auto& c = g.cases[case_index[f[1]]];
      const int t = std::stoi(f[2]);
      if (t < 1 || t > c.steps) return fail("step out of range");
      c.expected[t - 1][tensor_index[f[3]]] = floats_from(f, 4);
    } else {
      return fail("unparseable record: " + line);
    }
  }
  if (g.cases.empty()) g.error = path + ": no cases";
  return g;
}

/// What the golden cases of `optimizer` leave untested: a case with only the
/// required settings, and for each schema key one case that sets it to
/// something other than its default. Empty when everything is covered.
inline std::vector<std::string> coverage_gaps(const Golden& g, const std::string& optimizer,
                                              const std::vector<ParamSpec>& schema) {
  std::vector<std::string> gaps;
  bool has_default = false;
  std::size_t count = 0;
  for (const auto& c : g.cases) {
    if (c.optimizer != optimizer) continue;
    ++count;
    bool only_required = true;
    for (const auto& [key, value] : c.settings) {
      for (const auto& spec : schema) {
        if (spec.name == key && !spec.required) only_required = false;
      }
    }
    has_default = has_default || only_required;
  }
  if (count == 0) gaps.push_back("no golden case");
  if (!has_default) gaps.push_back("no golden case with the defaults");
  for (const auto& spec : schema) {
    const bool covered = std::any_of(g.cases.begin(), g.cases.end(), [&](const GoldenCase& c) {
      if (c.optimizer != optimizer) return false;
      auto it = c.settings.find(spec.name);
      return it != c.settings.end() && (spec.required || it->second != spec.default_value);
    });
    if (!covered)
      gaps.push_back(std::string("no golden case sets '")
                         .append(spec.name)
                         .append("' to a non-default value"));
  }
  return gaps;
}

struct ReplayResult {
  int mismatches = 0;
  double worst = 0.0;                ///< largest |plugin - torch| seen
  std::vector<std::string> details;  ///< the first five mismatches
};

/// Runs `optimizer` through the case with the golden gradient formula
/// ((2a) p + b cos p, in float32) and compares every parameter after every
/// step with torch's: |plugin - torch| <= abs_tol + rel_tol * |torch|.
inline ReplayResult replay(const Golden& g, const GoldenCase& c, Optimizer& optimizer,
                           double abs_tol, double rel_tol) {
  std::vector<std::vector<float>> value = g.init, grad;
  std::vector<ParamBuffer> buffers;
  for (std::size_t k = 0; k < value.size(); ++k) {
    grad.emplace_back(value[k].size(), 0.0f);
    buffers.push_back({g.tensors[k], value[k].data(), grad[k].data(), value[k].size()});
  }
  optimizer.attach(buffers);
  ReplayResult r;
  for (int t = 0; t < c.steps; ++t) {
    for (std::size_t k = 0; k < value.size(); ++k) {
      for (std::size_t i = 0; i < value[k].size(); ++i) {
        const float p = value[k][i];
        grad[k][i] = (2.0f * g.a[k][i]) * p + g.b[k][i] * std::cos(p);
      }
    }
    optimizer.step();
    for (std::size_t k = 0; k < value.size(); ++k) {
      for (std::size_t i = 0; i < value[k].size(); ++i) {
        const double got = value[k][i], want = c.expected[t][k][i];
        const double err = std::abs(got - want);
        r.worst = std::max(r.worst, err);
        if (!(err <= abs_tol + rel_tol * std::abs(want)) && ++r.mismatches <= 5) {
          std::ostringstream line;
          line << c.name << ": step " << t + 1 << ", " << g.tensors[k] << "[" << i << "] = " << got
               << ", torch " << want << " (|diff| " << err << ")";
          r.details.push_back(line.str());
        }
      }
    }
  }
  return r;
}

}  // namespace optbench::testing
