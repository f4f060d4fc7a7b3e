// InvariantChecker: the promises the autoscaler makes, checked on every VM phase change of
// a simulation (not sampled, so nothing slips between samples):
//  - the node group never has more VMs (not terminating, not stopped) than the policies' max;
//  - deleting or stopping a Running VM never takes the group below the policies' min;
//  - no VM is deleted or stopped while its Nomad client still runs allocations: non-system
//    ones (the drain must have moved them first, or its deadline stopped them, and their
//    kill_timeout passed), and system ones unless the drain leaves them running;
//  - no VM whose Nomad node was ready within the last provision timeout is deleted without a
//    completed drain of that node, and none is deleted while live-migrating (a Harvester
//    upgrade moves every VM: a VM moving, or rebooted by KubeVirt, is not stuck);
//  - the group never has more Stopped VMs than its warm pool's size (0 without one);
//  - no VM without the group's ownership label is ever changed (deleted, stopped, started,
//    relabelled), nor its Nomad node drained or made (in)eligible;
//  - no owned VM stays out of service (not Running with a ready, eligible node) longer than
//    the autoscaler needs to bring it in or take it away (a leaked or stuck VM; sampled),
//    except the warm pool's stopped VMs;
//  - no allocation is lost: at the end every batch allocation of the trace is complete,
//    running or queued (and so reported as pending);
//  - no purged node registers again (purged while its guest's client still heartbeated).
// Violations are counted, and the first few kept with their time, for report.json.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "backends/memory/harvester_model.h"
#include "backends/memory/nomad_model.h"

namespace ha {

class InvariantChecker {
 public:
  struct Limits {
    std::string namespace_;
    std::string node_group;
    std::int64_t min = 0;
    std::int64_t max = INT64_MAX;
    std::int64_t warm_pool_size = 0;
    Duration provision_timeout = std::chrono::minutes(15);
    bool drain_ignores_system_jobs = true;  // every policy's node_drain_ignore_system_jobs
  };
  InvariantChecker(EventLoop& loop, const HarvesterModel& harvester, const NomadModel& nomad,
                   Limits limits);

  // Feed every phase event of the Harvester model.
  void on_phase(const VmPhaseEvent& e);
  // Feed every change asked of a VM, and of a Nomad node.
  void on_vm_change(const VmChangeEvent& e);
  void on_node_change(const std::string& node_name, const char* change);
  // Feed every change of a Nomad node's status.
  void on_node_status(const std::string& node_name, const std::string& status);

  // Samples the owned VMs every `step` until `end`; one out of service for longer than
  // `settle` is a violation (once per VM and spell).
  void watch_leaks(Duration settle, Duration step, Time end);
  // At the end: `expected` allocations per batch job (by job ID) against the model's counts.
  void check_allocations(const std::map<std::string, std::int64_t>& expected);
  // At the end: the group's volumes must have gone with their VMs.
  void check_volumes();
  // At the end: no node purged while its client still ran (it registers again).
  void check_purges();
  std::int64_t deleted_while_migrating() const { return deleted_migrating_; }
  std::int64_t volumes_left() const { return volumes_left_; }
  // Allocations still running on their client when their VM was deleted or stopped.
  std::int64_t allocations_killed() const { return allocations_killed_; }

  std::int64_t active() const { return active_; }  // owned VMs not terminating nor stopped
  std::int64_t violations() const { return violations_; }
  const nlohmann::ordered_json& examples() const { return examples_; }

 private:
  struct Seen {
    bool owned = false;
    std::string phase;
    std::string name;  // the VM's, its node's
  };
  void violate(std::string what);
  // Whether a VM in `phase` counts against the group's [min, max].
  static bool counted(const std::string& phase);
  bool owned(const std::map<std::string, std::string>& labels) const;
  void sample_leaks(Duration settle, Duration step, Time end);

  EventLoop& loop_;
  const HarvesterModel& harvester_;
  const NomadModel& nomad_;
  Limits limits_;
  std::unordered_map<std::string, Seen> vms_;  // by "namespace/name"
  struct OutOfService {
    Time since{0};
    bool reported = false;
    std::string why;
  };
  std::unordered_map<std::string, OutOfService> out_of_service_;  // by "namespace/name"
  // What the last full sample saw: while no phase event came and the node table did not
  // change, the VMs out of service are the same ones and a sample needs only their ages.
  std::uint64_t phase_events_ = 0;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> sampled_at_;  // events, node index
  std::int64_t active_ = 0;
  std::int64_t stopped_ = 0;  // owned VMs Stopped
  std::int64_t violations_ = 0;
  std::int64_t deleted_migrating_ = 0, volumes_left_ = 0, allocations_killed_ = 0;
  // When each node (by name) was last ready, for the ones down now.
  std::unordered_map<std::string, Time> last_ready_;
  nlohmann::ordered_json examples_ = nlohmann::ordered_json::array();
};

}  // namespace ha
