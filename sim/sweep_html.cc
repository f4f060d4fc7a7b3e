#include "sim/sweep_html.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "sim/html_text.h"

namespace ha {
namespace {

constexpr double kWidth = 900, kHeight = 520, kLeft = 70, kRight = 20, kTop = 20, kBottom = 50;

}  // namespace

std::string render_sweep_html(const std::string& scenario, const std::vector<SweepPoint>& points,
                              const SweepPage& page) {
  double max_cost = 1, max_pending = 1;
  for (const SweepPoint& p : points) {
    max_cost = std::max(max_cost, p.figures.cost);
    max_pending = std::max(max_pending, p.figures.pending);
  }
  if (page.goal_pending) max_pending = std::max(max_pending, *page.goal_pending);
  // Both axes start at 0 and end on the round tick at or above the largest value plus 5 %.
  double cost_step = round_step(max_cost * 1.05, 5);
  double pending_step = round_step(max_pending * 1.05, 5);
  max_cost = std::ceil(max_cost * 1.05 / cost_step) * cost_step;
  max_pending = std::ceil(max_pending * 1.05 / pending_step) * pending_step;
  auto x = [&](double v) { return kLeft + v / max_cost * (kWidth - kLeft - kRight); };
  auto y = [&](double v) {
    return kHeight - kBottom - v / max_pending * (kHeight - kTop - kBottom);
  };

  std::ostringstream svg;
  svg << "<svg width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">\n"
      << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kWidth - kLeft - kRight
      << "\" height=\"" << kHeight - kTop - kBottom << "\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n";
  for (double cost = 0; cost <= max_cost + cost_step / 2; cost += cost_step) {
    svg << "<text x=\"" << x(cost) << "\" y=\"" << kHeight - kBottom + 16
        << "\" text-anchor=\"middle\">" << format_number(cost) << "</text>\n";
  }
  for (double pending = 0; pending <= max_pending + pending_step / 2; pending += pending_step) {
    svg << "<text x=\"" << kLeft - 6 << "\" y=\"" << y(pending) + 4 << "\" text-anchor=\"end\">"
        << format_number(pending) << "</text>\n";
  }
  svg << "<text x=\"" << (kWidth + kLeft) / 2 << "\" y=\"" << kHeight - 8
      << "\" text-anchor=\"middle\">cost: node-hours (+ stopped VM-hours at their price)</text>\n"
      << "<text transform=\"translate(16," << (kHeight - kBottom + kTop) / 2
      << ") rotate(-90)\" text-anchor=\"middle\">p95 pending seconds</text>\n";
  if (page.goal_pending) {
    double gy = y(*page.goal_pending);
    svg << "<line x1=\"" << kLeft << "\" x2=\"" << kWidth - kRight << "\" y1=\"" << gy << "\" y2=\""
        << gy << "\" stroke=\"#2ca02c\" stroke-dasharray=\"6 4\"/>\n"
        << "<text x=\"" << kWidth - kRight - 4 << "\" y=\"" << gy - 4
        << "\" text-anchor=\"end\" fill=\"#2ca02c\">goal: p95 pending "
        << format_number(*page.goal_pending) << " s</text>\n";
  }
  std::vector<const SweepPoint*> front;
  for (const SweepPoint& p : points) {
    if (p.pareto) front.push_back(&p);
  }
  std::sort(front.begin(), front.end(), [](const SweepPoint* a, const SweepPoint* b) {
    return a->figures.cost < b->figures.cost;
  });
  svg << "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\" points=\"";
  for (const SweepPoint* p : front)
    svg << x(p->figures.cost) << ',' << y(p->figures.pending) << ' ';
  svg << "\"/>\n";
  for (std::size_t i = 0; i < points.size(); ++i) {
    const SweepPoint& p = points[i];
    svg << "<circle cx=\"" << x(p.figures.cost) << "\" cy=\"" << y(p.figures.pending) << "\" r=\""
        << (p.pareto ? 6 : 4) << "\" fill=\"" << (p.pareto ? "#d62728" : "#1f77b4")
        << "\" fill-opacity=\"0.8\"><title>#" << i << " " << html_escape(p.label)
        << "</title></circle>\n";
    if (page.winner == i) {
      svg << "<circle cx=\"" << x(p.figures.cost) << "\" cy=\"" << y(p.figures.pending)
          << "\" r=\"10\" fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2.5\"/>\n";
    }
    if (p.pareto) {
      svg << "<text x=\"" << x(p.figures.cost) + 8 << "\" y=\"" << y(p.figures.pending) - 6
          << "\">#" << i << "</text>\n";
    }
  }
  svg << "</svg>\n";

  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
       << html_escape(scenario) << " - harvester-autoscaler</title>\n<style>"
       << "body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse}"
       << "th,td{padding:3px 12px;border-bottom:1px solid #eee;text-align:left}"
       << "th{font-weight:600;color:#555}tr.pareto td{color:#d62728;font-weight:600}"
       << "tr.winner td{background:#e8f5e9}td.variant{overflow-wrap:anywhere;max-width:60em}"
       << "</style></head><body>\n<h1>" << html_escape(page.heading) << " " << html_escape(scenario)
       << "</h1>\n<p>" << points.size() << " variants; " << front.size()
       << " on the Pareto front (red: no other variant is both cheaper and quicker"
       << (page.winner ? "; ringed green: the one chosen" : "") << ").</p>\n"
       << page.intro_html << svg.str() << "<table>\n<tr><th>#</th><th>variant</th><th>cost</th>"
       << "<th>x perfect foresight</th><th>p95 pending (s)</th><th>Pareto</th></tr>\n";
  for (std::size_t i = 0; i < points.size(); ++i) {
    const SweepPoint& p = points[i];
    const char* row_class = page.winner == i ? " class=\"winner\""
                            : p.pareto       ? " class=\"pareto\""
                                             : "";
    html << "<tr" << row_class << "><td>" << i << "</td><td class=\"variant\">"
         << html_escape(p.label) << "</td><td>" << format_number(p.figures.cost) << "</td><td>"
         << (p.figures.vs_oracle > 0 ? format_number(p.figures.vs_oracle) : "-") << "</td><td>"
         << format_number(p.figures.pending) << "</td><td>" << (p.pareto ? "yes" : "")
         << "</td></tr>\n";
  }
  html << "</table>\n" << page.extra_html << "</body></html>\n";
  return html.str();
}

}  // namespace ha
