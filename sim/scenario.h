// Scenario files (JSON; every key in docs/scenarios.md): which cluster to model, which
// workload traces to replay, which policies to run, for how long.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "backends/memory/latency.h"
#include "base/time.h"
#include "engine/policy/diagnostic.h"
#include "sim/fault_spec.h"

namespace ha {

struct WorkloadSpec {
  std::string format;      // allocs-csv | swf | rate-csv | alibaba-batch
  std::string path;        // resolved against the scenario file's directory
  nlohmann::json options;  // the entry as written (format-specific keys, already checked)
  std::string pointer;     // where the entry is, for later messages
  std::string policy;      // rate-csv: the task-group policy file, resolved
};

struct ClusterSpec {
  std::int64_t initial_nodes = 0;
  // Nomad clients of the same class on VMs the autoscaler does not own (made by hand: no
  // ownership label). They run work, and nothing may drain, stop or delete them.
  std::int64_t unowned_nodes = 0;
  std::int64_t cpu_mhz = 0;
  std::int64_t memory_mb = 0;
  std::string node_class;
  std::int64_t max_vms = 0;
  Latency vm_boot = Latency::constant(std::chrono::seconds(90));
  Latency nomad_join = Latency::constant(std::chrono::seconds(15));
  Latency vm_provision = Latency::constant(std::chrono::seconds(0));
  Latency vm_terminate = Latency::constant(std::chrono::seconds(20));
  Latency vm_start = Latency::constant(std::chrono::seconds(30));  // a stopped VM's
  // What an hour of a running VM (a node) and of a stopped one (its disks) cost, in any unit.
  double price_node_hour = 1;
  double price_stopped_vm_hour = 0.05;
  Latency harvester_api = Latency::constant(std::chrono::milliseconds(200));
  Latency nomad_api = Latency::constant(std::chrono::milliseconds(20));
  Duration node_gc_threshold = std::chrono::hours(24);  // Nomad's default
};

struct Scenario {
  std::string name;
  std::string file;
  std::uint64_t seed = 1;
  Duration duration{0};
  ClusterSpec cluster;
  std::vector<WorkloadSpec> workload;
  std::vector<std::string> policies;  // resolved paths
  std::vector<FaultSpec> faults;
  // How the simulated agent learns the group's VMs: "watch" (shared, watch-fed caches, as the
  // agent runs) or "list" (a list at every evaluation, to compare the two).
  std::string cluster_state = "watch";
};

// Parses a scenario; every problem is appended to `diags` as FILE: JSON-pointer: reason.
Scenario parse_scenario(std::string_view text, const std::string& file, Diagnostics& diags);

}  // namespace ha
