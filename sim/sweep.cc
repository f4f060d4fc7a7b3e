#include "sim/sweep.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <sstream>

namespace ha {

Result<GridAxis> parse_grid_axis(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return make_error("--grid \"" + text + "\": expected KEY=V1,V2,...");
  }
  GridAxis axis;
  axis.key = text.substr(0, eq);
  std::stringstream values(text.substr(eq + 1));
  std::set<std::string> seen;
  for (std::string v; std::getline(values, v, ',');) {
    if (v.empty()) return make_error("--grid \"" + text + "\": empty value");
    if (!seen.insert(v).second) return make_error("--grid \"" + text + "\": " + v + " twice");
    axis.values.push_back(v);
  }
  if (axis.values.empty() || text.back() == ',') {
    return make_error("--grid \"" + text + "\": expected at least one value after '='");
  }
  return axis;
}

Result<std::vector<std::vector<Override>>> expand_grid(const std::vector<GridAxis>& axes,
                                                       std::size_t limit) {
  if (axes.empty()) return make_error("no --grid given: nothing to sweep");
  std::set<std::string> keys;
  std::size_t total = 1;
  for (const GridAxis& a : axes) {
    if (!keys.insert(a.key).second) return make_error("--grid " + a.key + " given twice");
    total *= a.values.size();
    if (total > limit) {
      return make_error("the grid has more than " + std::to_string(limit) + " variants");
    }
  }
  std::vector<std::vector<Override>> variants(total);
  for (std::size_t i = 0; i < total; ++i) {
    std::size_t rest = i;
    for (std::size_t a = axes.size(); a-- > 0;) {  // last axis varies fastest
      const GridAxis& axis = axes[a];
      variants[i].push_back({axis.key, axis.values[rest % axis.values.size()], false});
      rest /= axis.values.size();
    }
    std::reverse(variants[i].begin(), variants[i].end());
  }
  return variants;
}

VariantFigures report_figures(const nlohmann::ordered_json& r) {
  // Reports from before the warm pool have node-hours only: then those are the cost.
  bool priced = r.contains("cost");
  const auto& ratio = r[priced ? "cost_vs_oracle" : "node_hours_vs_oracle"];
  return {r[priced ? "cost" : "node_hours"].get<double>(),
          r["pending_seconds"]["p95"].get<double>(), ratio.is_number() ? ratio.get<double>() : 0.0};
}

std::string priced_columns(const nlohmann::ordered_json& r) {
  if (!r.contains("cost")) return ",,";
  const auto& ratio = r["cost_vs_oracle"];
  return r["stopped_vm_hours"].dump() + ',' + r["cost"].dump() + ',' +
         (ratio.is_number() ? ratio.dump() : "");
}

std::vector<std::size_t> pareto_front(const std::vector<VariantFigures>& v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&v](std::size_t a, std::size_t b) {
    return v[a].cost != v[b].cost ? v[a].cost < v[b].cost : v[a].pending < v[b].pending;
  });
  // Cheapest first: a variant is on the front when it waits less than every cheaper one.
  // Exact ties on both figures all stay on the front.
  std::vector<std::size_t> front;
  for (std::size_t i : order) {
    if (front.empty() || v[i].pending < v[front.back()].pending ||
        (v[i].pending == v[front.back()].pending && v[i].cost == v[front.back()].cost)) {
      front.push_back(i);
    }
  }
  return front;
}

std::string sweep_csv_header(const std::vector<GridAxis>& axes) {
  std::string h = "variant";
  for (const GridAxis& a : axes) h += "," + a.key;
  h += ",node_hours,node_hours_vs_oracle,stopped_vm_hours,cost,cost_vs_oracle,pending_p50_s,"
       "pending_p95_s,pending_max_s,scale_out,scale_"
       "in,"
       "scale_out_latency_p50_s,never_placed,accuracy_under,accuracy_over,"
       "invariant_violations,pareto";
  return h;
}

std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string sweep_csv_row(std::size_t variant, const std::vector<Override>& overrides,
                          const nlohmann::ordered_json& r, bool pareto) {
  std::ostringstream row;
  row << variant;
  for (const Override& o : overrides) row << ',' << csv_field(o.value);
  // Empty when the workload needs no node (no reference to compare with).
  auto ratio = r.value("node_hours_vs_oracle", nlohmann::ordered_json());
  row << ',' << r["node_hours"].dump() << ',' << (ratio.is_number() ? ratio.dump() : "") << ','
      << priced_columns(r) << ',' << r["pending_seconds"]["p50"].dump() << ','
      << r["pending_seconds"]["p95"].dump() << ',' << r["pending_seconds"]["max"].dump() << ','
      << r["actions"]["scale_out"].dump() << ',' << r["actions"]["scale_in"].dump() << ','
      << r["scale_out_latency_seconds"]["p50"].dump() << ','
      << r["allocations"]["never_placed"].dump() << ',' << r["elasticity"]["accuracy_under"].dump()
      << ',' << r["elasticity"]["accuracy_over"].dump() << ','
      << r["invariant_violations"]["count"].dump() << ',' << (pareto ? "yes" : "no");
  return row.str();
}

}  // namespace ha
