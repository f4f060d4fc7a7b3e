#include "apps/optimize_output.h"

#include <sstream>

#include "apps/cli.h"
#include "apps/sweep_output.h"
#include "base/duration.h"
#include "engine/policy/policy_hcl_writer.h"
#include "engine/policy/policy_parser.h"
#include "sim/html_text.h"
#include "sim/scenario_loader.h"
#include "sim/sweep_html.h"

namespace ha::cli {
namespace {

// The largest unserved_load_fraction of the report's rate-driven services; none without one.
std::optional<double> worst_unserved_load(const nlohmann::ordered_json& report) {
  std::optional<double> worst;
  if (auto it = report.find("services"); it != report.end()) {
    for (const auto& s : *it) {
      worst = std::max(worst.value_or(0), s.value("unserved_load_fraction", 0.0));
    }
  }
  return worst;
}

}  // namespace

RunFigures run_figures(const VariantRun& run) {
  if (!run.report) return {0, 0, true, 0};
  VariantFigures f = report_figures(*run.report);
  return {f.cost, f.pending, false, worst_unserved_load(*run.report).value_or(0)};
}

std::string optimize_csv(const std::vector<SearchAxis>& axes, const std::vector<OptimizeRun>& rows,
                         const OptimizeSummary& s) {
  std::string csv = "run,rung,duration_s,candidate";
  for (const SearchAxis& a : axes) csv += "," + a.key;
  csv +=
      ",node_hours,node_hours_vs_oracle,stopped_vm_hours,cost,cost_vs_oracle,pending_p95_s,"
      "unserved_load,meets_slo,promoted,winner,error\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const OptimizeRun& row = rows[i];
    std::ostringstream line;
    line << i << ',' << row.rung + 1 << ','
         << format_number(std::chrono::duration<double>(row.duration).count()) << ','
         << row.candidate->id;
    for (const Override& o : row.candidate->overrides) line << ',' << csv_field(o.value);
    RunFigures f = run_figures(row.run);
    line << ',';
    if (!f.failed) {
      const auto& r = *row.run.report;
      line << r["node_hours"].dump() << ',';
      if (r["node_hours_vs_oracle"].is_number()) line << r["node_hours_vs_oracle"].dump();
      line << ',' << priced_columns(r) << ',' << r["pending_seconds"]["p95"].dump() << ','
           << (worst_unserved_load(r) ? nlohmann::json(f.unserved).dump() : "");
    } else {
      line << ",,,,,,";  // no node-hours, ratio, prices, p95 or unserved load
    }
    line << ',' << (meets(f, s.goal) ? "yes" : "no") << ',' << (row.promoted ? "yes" : "no") << ','
         << (i == s.best ? "yes" : "no") << ',' << csv_field(row.run.error) << '\n';
    csv += line.str();
  }
  return csv;
}

std::string optimize_html(const std::vector<OptimizeRun>& rows, const OptimizeSummary& s) {
  std::vector<SweepPoint> points;
  std::vector<VariantFigures> vf;
  std::optional<std::size_t> winner_point;
  for (std::size_t row : s.last_rung) {
    if (!rows[row].run.report) continue;
    vf.push_back(report_figures(*rows[row].run.report));
    if (row == s.best) winner_point = points.size();
    points.push_back({"#" + std::to_string(rows[row].candidate->id) + " " +
                          describe(rows[row].candidate->overrides),
                      vf.back(), false});
  }
  for (std::size_t i : pareto_front(vf)) points[i].pareto = true;
  SweepPage page;
  page.heading = "Optimize";
  page.winner = winner_point;
  page.goal_pending = s.goal.pending_p95_seconds;
  page.intro_html =
      "<p>Goal: " + html_escape(describe_goal(s.goal)) + ". " + std::to_string(s.candidates) +
      " candidates over " + std::to_string(s.rungs) + " rungs, then " + std::to_string(s.refined) +
      " refining runs at full length; the chart and first table hold the full-length runs. " +
      (s.met ? "Chosen: " : "No candidate met the goal; closest: ") +
      html_escape(describe(rows[s.best].candidate->overrides)) + ".</p>\n";
  page.extra_html =
      "<h2>Every run</h2>\n<table>\n<tr><th>run</th><th>rung</th><th>length</th>"
      "<th>candidate</th><th>cost</th><th>p95 pending (s)</th><th>unserved load (%)</th>"
      "<th>meets goal</th><th>promoted</th></tr>\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const OptimizeRun& row = rows[i];
    RunFigures f = run_figures(row.run);
    page.extra_html += "<tr" + std::string(i == s.best ? " class=\"winner\"" : "") + "><td>" +
                       std::to_string(i) + "</td><td>" + std::to_string(row.rung + 1) +
                       "</td><td>" + html_escape(format_duration(row.duration)) +
                       "</td><td class=\"variant\">#" + std::to_string(row.candidate->id) + " " +
                       html_escape(describe(row.candidate->overrides)) + "</td><td>" +
                       (f.failed ? html_escape(row.run.error) : format_number(f.cost)) +
                       "</td><td>" + (f.failed ? "-" : format_number(f.pending)) + "</td><td>" +
                       (f.failed ? "-" : format_number(100 * f.unserved)) + "</td><td>" +
                       (meets(f, s.goal) ? "yes" : "no") + "</td><td>" +
                       (row.promoted ? "yes" : "") + "</td></tr>\n";
  }
  page.extra_html += "</table>\n";
  return render_sweep_html(s.scenario, points, page);
}

std::string winner_figures(const nlohmann::ordered_json& r) {
  bool priced = r.contains("cost");
  std::string out = "node-hours " + format_number(r["node_hours"].get<double>());
  if (priced && r["stopped_vm_hours"].get<double>() > 0) {
    out += " and stopped VM-hours " + format_number(r["stopped_vm_hours"].get<double>()) +
           ", cost " + format_number(r["cost"].get<double>());
  }
  const auto& ratio = r[priced ? "cost_vs_oracle" : "node_hours_vs_oracle"];
  out += " (" + (ratio.is_number() ? format_number(ratio.get<double>()) + "x" : std::string("-")) +
         " perfect foresight), p95 pending " +
         format_number(r["pending_seconds"]["p95"].get<double>()) + " s";
  if (auto unserved = worst_unserved_load(r)) {
    out += ", unserved load " + format_number(100 * *unserved) + " %";
  }
  return out;
}

bool write_winner(const std::string& file, const std::vector<Override>& fixed,
                  const std::string& scenario, const std::string& slo, const OptimizeRun& best,
                  const std::filesystem::path& dir, std::ostream& err) {
  std::vector<Override> overrides = fixed;
  overrides.insert(overrides.end(), best.candidate->overrides.begin(),
                   best.candidate->overrides.end());
  Diagnostics diags;
  auto loaded = load_scenario(file, overrides, diags);
  if (!loaded) {
    err << "reloading the winner: "
        << (diags.empty() ? loaded.error().message : diags.front().to_string()) << "\n";
    return false;
  }
  nlohmann::json policies = to_hcl_json(loaded->policies);
  const auto& report = *best.run.report;
  std::string header = "Chosen by `harvester-autoscaler optimize` for " + scenario + " (" + slo +
                       "): " + describe(best.candidate->overrides) + "\n" + winner_figures(report);
  return write_output_file((dir / "best-policy.hcl").string(), write_policies_hcl(policies, header),
                           err) &&
         write_output_file((dir / "best-policy.json").string(), policies.dump(2) + "\n", err) &&
         write_output_file((dir / "best-report.json").string(), report.dump(2) + "\n", err);
}

}  // namespace ha::cli
