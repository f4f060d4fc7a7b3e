// sweep: many variants of one scenario. A grid is KEY=V1,V2,... per --grid; the variants
// are every combination (the first grid key varies slowest), each a list of --set style
// overrides. Their headline figures make sweep.csv; the variants no other beats on both
// cost (node-hours) and p95 pending time form the Pareto front.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "sim/overrides.h"

namespace ha {

struct GridAxis {
  std::string key;
  std::vector<std::string> values;
};

// "policy.p.min=1,2,4": an error names the argument when there is no '=', no value, an
// empty value or a repeated value.
Result<GridAxis> parse_grid_axis(const std::string& text);

// Every combination; at least one axis, at most `limit` variants (an error past it).
Result<std::vector<std::vector<Override>>> expand_grid(const std::vector<GridAxis>& axes,
                                                       std::size_t limit);

struct VariantFigures {
  double cost = 0;       // cost (node-hours and stopped VM-hours at their prices)
  double pending = 0;    // pending_seconds.p95
  double vs_oracle = 0;  // cost_vs_oracle (0: no reference, the workload was empty)
};

// A report.json's cost, p95 pending time and ratio to perfect foresight.
VariantFigures report_figures(const nlohmann::ordered_json& report);
// A report's "stopped_vm_hours,cost,cost_vs_oracle" for a CSV row (empty fields if absent).
std::string priced_columns(const nlohmann::ordered_json& report);

// Positions of the Pareto-optimal variants (minimizing both figures), cheapest first.
std::vector<std::size_t> pareto_front(const std::vector<VariantFigures>& variants);

// A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& value);

// One sweep.csv row's columns, from a variant's overrides and report.
std::string sweep_csv_header(const std::vector<GridAxis>& axes);
std::string sweep_csv_row(std::size_t variant, const std::vector<Override>& overrides,
                          const nlohmann::ordered_json& report, bool pareto);

}  // namespace ha
