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
  double vms = 0;           // VMs that exist and are not stopped (paid for as nodes)
  double pending = 0;       // allocations waiting for capacity
  double oracle_nodes = 0;  // the perfect-foresight reference (sim/oracle.h)
  double stopped_vms = 0;   // the warm pool's stopped VMs (paid for as disks)
};

// A scale action, marked on the charts' time axis where it was decided.
struct ActionMark {
  double time_s = 0;
  bool up = true;
};

std::string render_report_html(const nlohmann::ordered_json& report,
                               const std::vector<SeriesPoint>& series,
                               const std::vector<ActionMark>& actions = {});

}  // namespace ha
