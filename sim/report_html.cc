#include "sim/report_html.h"

#include "sim/html_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

namespace ha {
namespace {

constexpr double kWidth = 920, kHeight = 236, kLeft = 50, kBottom = 24, kTop = 26;
constexpr std::size_t kMaxPoints = 1500;

struct Line {
  std::string label;
  std::string color;
  std::function<double(const SeriesPoint&)> value;
  bool dashed = false;
};

// A round time step in seconds (minutes or hours a clock reader would pick).
double round_time_step(double span_s, int most) {
  for (double s : {60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0,
                   86400.0, 172800.0, 259200.0, 604800.0}) {
    if (span_s / s <= most) return s;
  }
  return round_step(span_s / 86400, most) * 86400;
}

std::string time_label(double t_s, double step_s) {
  if (step_s < 3600) return format_number(t_s / 60) + " min";
  if (step_s < 86400) return format_number(t_s / 3600) + " h";
  return format_number(t_s / 86400) + " d";
}

// One chart: lines over time, y from 0 to a round value above the largest, round ticks on
// both axes, and each scale action marked on the time axis (up: green, down: purple).
std::string chart(const std::string& title, const std::vector<SeriesPoint>& series,
                  const std::vector<Line>& lines, const std::vector<ActionMark>& actions) {
  std::ostringstream svg;
  double t_max = series.empty() ? 1 : std::max(series.back().time_s, 1.0);
  double y_top = 1;
  for (const auto& p : series) {
    for (const auto& l : lines) y_top = std::max(y_top, l.value(p));
  }
  double y_step = std::max(round_step(y_top, 5), y_top < 5 ? 1.0 : 0.0);
  double y_max = std::ceil(y_top / y_step) * y_step;
  double t_step = round_time_step(t_max, 8);
  double plot_w = kWidth - kLeft - 10, plot_h = kHeight - kBottom - kTop;
  auto x = [&](double t) { return kLeft + t / t_max * plot_w; };
  auto y = [&](double v) { return kTop + plot_h - v / y_max * plot_h; };
  std::size_t stride = std::max<std::size_t>(1, series.size() / kMaxPoints);
  svg << "<h2>" << html_escape(title) << "</h2>\n<svg width=\"" << kWidth << "\" height=\""
      << kHeight << "\" viewBox=\"0 0 " << kWidth << ' ' << kHeight << "\" role=\"img\">\n"
      << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << plot_w << "\" height=\""
      << plot_h << "\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n";
  for (double v = 0; v <= y_max + y_step / 2; v += y_step) {
    svg << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + plot_w << "\" y1=\"" << y(v)
        << "\" y2=\"" << y(v) << "\" stroke=\"#eee\"/>\n<text x=\"" << kLeft - 6 << "\" y=\""
        << y(v) + 4 << "\" font-size=\"11\" text-anchor=\"end\">" << format_number(v)
        << "</text>\n";
  }
  for (double t = 0; t <= t_max + 1e-6; t += t_step) {
    svg << "<text x=\"" << x(t) << "\" y=\"" << kHeight - 6
        << "\" font-size=\"11\" text-anchor=\"middle\">" << time_label(t, t_step) << "</text>\n";
  }
  for (const ActionMark& a : actions) {
    if (a.time_s > t_max) continue;
    double base = kTop + plot_h;
    svg << "<line class=\"action\" x1=\"" << format_number(x(a.time_s)) << "\" x2=\""
        << format_number(x(a.time_s)) << "\" y1=\"" << base << "\" y2=\"" << base - 6
        << "\" stroke=\"" << (a.up ? "#2ca02c" : "#9467bd") << "\" stroke-width=\"1.5\"/>\n";
  }
  for (std::size_t li = 0; li < lines.size(); ++li) {
    const Line& l = lines[li];
    svg << "<polyline fill=\"none\" stroke=\"" << l.color << "\" stroke-width=\"1.5\""
        << (l.dashed ? " stroke-dasharray=\"5 3\"" : "") << " points=\"";
    for (std::size_t i = 0; i < series.size(); i += stride) {
      svg << format_number(x(series[i].time_s)) << ',' << format_number(y(l.value(series[i])))
          << ' ';
    }
    svg << "\"/>\n<text x=\"" << kLeft + 160 * static_cast<double>(li) << "\" y=\"" << kTop - 8
        << "\" font-size=\"12\" fill=\"" << l.color << "\">&#9632; " << html_escape(l.label)
        << "</text>\n";
  }
  if (!actions.empty()) {
    svg << "<text x=\"" << kLeft + plot_w << "\" y=\"" << kTop - 8
        << "\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">ticks on the time axis: "
        << "scale-out (green), scale-in (purple)</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

void row(std::ostringstream& html, const std::string& name, const std::string& value) {
  html << "<tr><th>" << html_escape(name) << "</th><td>" << html_escape(value) << "</td></tr>\n";
}

std::string num(const nlohmann::ordered_json& j) {
  return j.is_number_float() ? format_number(j.get<double>()) : j.dump();
}

}  // namespace

std::string render_report_html(const nlohmann::ordered_json& r,
                               const std::vector<SeriesPoint>& series,
                               const std::vector<ActionMark>& actions) {
  std::ostringstream html;
  std::string name = r["scenario"].get<std::string>();
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
       << html_escape(name) << " - harvester-autoscaler simulation</title>\n<style>"
       << "body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse}"
       << "th,td{padding:3px 12px;border-bottom:1px solid #eee;text-align:left}"
       << "th{font-weight:600;color:#555}h2{font-size:16px;margin:20px 0 6px}"
       << "</style></head><body>\n<h1>Scenario " << html_escape(name) << "</h1>\n<table>\n";
  row(html, "seed", num(r["seed"]));
  row(html, "simulated", format_number(r["simulated_seconds"].get<double>() / 3600) + " h");
  row(html, "node-hours (running VMs)", num(r["node_hours"]));
  if (r.contains("cost")) {
    row(html, "stopped VM-hours (warm pool)", num(r["stopped_vm_hours"]));
    row(html, "cost; over perfect foresight's",
        num(r["cost"]) + "; " +
            (r["cost_vs_oracle"].is_null() ? "-" : num(r["cost_vs_oracle"]) + "x"));
  }
  if (r.contains("oracle_node_hours")) {
    row(html, "perfect-foresight node-hours; this run over it",
        num(r["oracle_node_hours"]) + "; " +
            (r["node_hours_vs_oracle"].is_null() ? "-" : num(r["node_hours_vs_oracle"]) + "x"));
  }
  if (r.contains("unmoved_node_hours")) {
    row(html, "the same when work never moves (best fit); this run over it",
        num(r["unmoved_node_hours"]) + "; " +
            (r["node_hours_vs_unmoved"].is_null() ? "-" : num(r["node_hours_vs_unmoved"]) + "x"));
  }
  const auto& p = r["pending_seconds"];
  row(html, "pending seconds p50 / p95 / max",
      num(p["p50"]) + " / " + num(p["p95"]) + " / " + num(p["max"]));
  row(html, "scale-out latency p50 / p95 (s)",
      num(r["scale_out_latency_seconds"]["p50"]) + " / " +
          num(r["scale_out_latency_seconds"]["p95"]));
  row(html, "scale-in latency p50 / p95 (s)",
      num(r["scale_in_latency_seconds"]["p50"]) + " / " +
          num(r["scale_in_latency_seconds"]["p95"]));
  row(html, "actions out / in",
      num(r["actions"]["scale_out"]) + " / " + num(r["actions"]["scale_in"]));
  row(html, "allocations total / never placed",
      num(r["allocations"]["total"]) + " / " + num(r["allocations"]["never_placed"]));
  const auto& e = r["elasticity"];
  row(html, "elasticity θU / θO / τU / τO / υ (%)",
      num(e["accuracy_under"]) + " / " + num(e["accuracy_over"]) + " / " +
          num(e["timeshare_under"]) + " / " + num(e["timeshare_over"]) + " / " +
          num(e["instability"]));
  if (r.contains("jobs") && r["jobs"]["count"].get<std::int64_t>() > 0) {
    const auto& j = r["jobs"];
    row(html, "batch jobs completed / started; makespan p50 / p95 (s)",
        num(j["completed"]) + " / " + num(j["count"]) + "; " + num(j["makespan_seconds"]["p50"]) +
            " / " + num(j["makespan_seconds"]["p95"]));
  }
  if (r.contains("services")) {
    for (const auto& svc : r["services"]) {
      row(html,
          "service " + svc["job"].get<std::string>() + "/" + svc["group"].get<std::string>() +
              ": running max; overloaded s; unserved load",
          num(svc["running_max"]) + "; " + num(svc["overloaded_seconds"]) + "; " +
              format_number(100 * svc["unserved_load_fraction"].get<double>()) + " %");
    }
  }
  row(html, "invariant violations", num(r["invariant_violations"]["count"]));
  row(html, "events / wall seconds", num(r["events"]) + " / " + num(r["wall_seconds"]));
  html << "</table>\n";
  Line oracle{"perfect foresight", "#555", [](const SeriesPoint& s) { return s.oracle_nodes; },
              true};
  html << chart("Demand vs supply (nodes)", series,
                {{"demand", "#d62728", [](const SeriesPoint& s) { return s.demand_nodes; }},
                 {"ready nodes", "#1f77b4", [](const SeriesPoint& s) { return s.supply_nodes; }},
                 oracle},
                actions);
  std::vector<Line> vms = {{"VMs", "#2ca02c", [](const SeriesPoint& s) { return s.vms; }}, oracle};
  if (std::any_of(series.begin(), series.end(),
                  [](const SeriesPoint& s) { return s.stopped_vms > 0; })) {
    vms.push_back(
        {"stopped VMs (warm pool)", "#9467bd", [](const SeriesPoint& s) { return s.stopped_vms; }});
  }
  html << chart("VMs (cost)", series, vms, actions);
  html << chart("Pending allocations", series,
                {{"pending", "#ff7f0e", [](const SeriesPoint& s) { return s.pending; }}}, actions);
  html << "</body></html>\n";
  return html.str();
}

}  // namespace ha
