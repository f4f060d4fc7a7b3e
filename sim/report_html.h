// report.html: one self-contained page (inline SVG, no scripts, no external assets) with
// the run's headline figures and charts of demand vs supply, node count and pending work.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ha {

struct SeriesPoint {
  double time_s = 0;
  double demand_nodes = 0;  // nodes the placed-plus-pending work needs
  double supply_nodes = 0;  // Nomad nodes ready and eligible
  double vms = 0;           // VMs that exist (what is paid for)
  double pending = 0;       // allocations waiting for capacity
};

std::string render_report_html(const nlohmann::ordered_json& report,
                               const std::vector<SeriesPoint>& series);

}  // namespace ha
