// Faults a scenario injects (`"faults": [...]`, every kind in docs/scenarios.md): API errors,
// outages and latency spikes per API and operation, VMs stuck or unschedulable, nodes that
// never join, drains that never finish, and an agent crash. `chaos` draws random ones.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "engine/policy/hcl_json.h"

namespace ha {

struct FaultSpec {
  // api_errors | outage | latency_spike | vm_stuck_starting | vm_unschedulable |
  // node_never_joins | drain_stuck | agent_crash | host_maintenance | vm_restarts
  std::string kind;
  std::string api;       // nomad | harvester (API faults)
  std::string op = "*";  // the operation (create_vm, drain_node, ...; * for all)
  double rate = 0;       // error rate (api_errors) or share of VMs / drains affected
  double timeout_rate = 0;
  Duration timeout = std::chrono::seconds(30);
  ErrorKind status = ErrorKind::kUnavailable;  // api_errors: unavailable|conflict|not_found
  bool applied = false;  // api_errors: the change is made, the answer is an error
  Duration latency{0};   // latency_spike: added to every call
  Time from{0};          // the fault's window (agent_crash: when)
  std::optional<Time> until;
  std::string when = "any";  // agent_crash: any | scale_in | scale_out (first one after `from`)
  Duration restart_after = std::chrono::seconds(60);  // agent_crash
  int host = -1;        // host_maintenance: the host; -1 every host in turn (an upgrade)
  std::string pointer;  // where it is in the file, for messages

  // Faults that happen once, at `from` (an agent crash, a host maintenance, guests failing).
  bool is_event() const {
    return kind == "agent_crash" || kind == "host_maintenance" || kind == "vm_restarts";
  }
  bool is_api_fault() const {
    return kind == "api_errors" || kind == "outage" || kind == "latency_spike";
  }
  // The fault as scenario JSON (chaos prints the faults it drew in this form).
  nlohmann::ordered_json to_json() const;
};

// Reads the `faults` array (at `pointer`), reporting problems through `reader`.
std::vector<FaultSpec> read_faults(const nlohmann::json& faults, const std::string& pointer,
                                   hcl_json::Reader& reader);

}  // namespace ha
