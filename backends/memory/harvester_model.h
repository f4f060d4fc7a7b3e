// HarvesterModel: KubeVirt VirtualMachines on a Harvester cluster, in memory, on an
// EventLoop. Lifecycle as `status.printableStatus`: Provisioning (volumes cloned) ->
// Starting (booting) -> Running, then the VM's Nomad client joins the NomadModel as a node
// named after the VM, with the node class of its labels. Deleting: Terminating (the Nomad
// node goes down) -> gone with its volumes. A VM that does not fit the cluster's capacity
// ends ErrorUnschedulable.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "backends/api/harvester_api.h"
#include "backends/memory/latency.h"
#include "backends/memory/nomad_model.h"
#include "backends/memory/vm_change_log.h"
#include "base/event_loop.h"

namespace ha {

struct HarvesterModelConfig {
  Latency provision = Latency::constant(std::chrono::seconds(10));
  Latency boot = Latency::lognormal(std::chrono::seconds(60), std::chrono::seconds(120));
  Latency nomad_join = Latency::constant(std::chrono::seconds(15));
  Latency stop = Latency::constant(std::chrono::seconds(10));
  // Starting a stopped VM: its disks are there and cloud-init has run, so it boots faster
  // than a new VM (then joins Nomad after nomad_join, as a new one does).
  Latency start = Latency::constant(std::chrono::seconds(30));
  Latency terminate = Latency::constant(std::chrono::seconds(20));
  std::int64_t max_vms = 1000;             // VMs that may be scheduled at once
  double cpu_cores_capacity = 0;           // 0: unlimited
  std::int64_t memory_bytes_capacity = 0;  // 0: unlimited
  std::int64_t cpu_mhz_per_core = 2000;    // Nomad's CpuShares per vCPU
  std::string datacenter = "dc1";
  // Changes kept for watches to resume from (Kubernetes' watch cache holds about as many).
  std::size_t watch_window = 10000;
};

// A change of a VM's printable status, for observers (latency figures, invariants).
struct VmPhaseEvent {
  std::string namespace_;
  std::string name;
  std::string phase;  // the new printableStatus, "Deleted" when gone, "Joined" for Nomad
  Time time{0};
};

// A change asked of an existing VM ("delete", "stop", "start", "metadata"), reported before
// it is made, with the VM's labels as they were (the invariant checker's ownership check).
struct VmChangeEvent {
  std::string namespace_;
  std::string name;
  std::string change;
  std::map<std::string, std::string> labels;
};

class HarvesterModel {
 public:
  HarvesterModel(EventLoop& loop, NomadModel* nomad, HarvesterModelConfig config,
                 std::uint64_t seed = 1);

  Result<VirtualMachine> create(const VirtualMachineSpec& spec);
  // A VM that is already Running with its Nomad node joined (a simulation's starting point),
  // created kRunningSince ago.
  static constexpr Duration kRunningSince = std::chrono::hours(24);
  Result<VirtualMachine> create_running(const VirtualMachineSpec& spec);
  Result<Unit> remove(const std::string& ns, const std::string& name);
  Result<Unit> start(const std::string& ns, const std::string& name);
  Result<Unit> stop(const std::string& ns, const std::string& name);
  Result<VirtualMachine> get(const std::string& ns, const std::string& name) const;
  // Replaces the VM's labels and annotations (a metadata patch); a new resourceVersion.
  Result<VirtualMachine> set_metadata(const std::string& ns, const std::string& name,
                                      std::map<std::string, std::string> labels,
                                      std::map<std::string, std::string> annotations);
  std::uint64_t resource_version() const { return resource_version_; }
  // Every change to a VM, for watches: ADDED, MODIFIED (a phase, labels or spec.running),
  // DELETED (when it is gone, not when deletion starts), each with its resourceVersion.
  VmChangeLog& changes() { return changes_; }
  const VmChangeLog& changes() const { return changes_; }
  // `label_selector` in Kubernetes syntax; an invalid one is a kInvalid error.
  Result<VmList> list(const std::string& ns, const std::string& label_selector) const;

  std::size_t size() const { return vms_.size(); }
  // VMs in `ns` carrying label `key`=`value` that are not terminating; no copies made.
  std::int64_t count_active(const std::string& ns, const std::string& key,
                            const std::string& value) const;
  // VMs that hold Harvester capacity (not stopped, not unschedulable); kept as a count.
  std::int64_t consuming() const { return consuming_.count; }
  // VMs Stopped: they cost storage, not compute; kept as a count.
  std::int64_t stopped() const { return stopped_; }
  std::function<void(const VmPhaseEvent&)> on_phase;
  std::function<void(const VmChangeEvent&)> on_change;

  // Faults (scenario `faults`, chaos): shares of the VMs created from now on that stay
  // Starting for ever, end ErrorUnschedulable although they fit, or run without their Nomad
  // client ever joining. Drawn from their own random stream, so a run without faults is
  // the same as before.
  struct BootFaults {
    double stuck_starting = 0, unschedulable = 0, never_join = 0;
  };
  void set_boot_faults(BootFaults faults) { boot_faults_ = faults; }

 private:
  struct Vm {
    // Shared with lists handed out, never changed in place: edit() replaces it.
    std::shared_ptr<VirtualMachine> vm;
    std::optional<EventLoop::TimerId> timer;
    std::string nomad_node_id;
    // The VM as the change log last showed it (null: not yet).
    std::shared_ptr<const VirtualMachine> published;
  };
  using Key = std::pair<std::string, std::string>;  // namespace, name

  Vm* find(const std::string& ns, const std::string& name);
  void changing(const Vm& vm, const char* change);  // reports to on_change
  void publish(Vm& vm);                             // to the change log
  VirtualMachine& edit(Vm& vm);
  void set_phase(Vm& vm, const std::string& phase);
  // Starting -> Running after `latency` (boot, or start for a stopped VM) -> joined.
  void boot(const Key& key, const Latency& latency);
  void join(const Key& key);
  bool fits(const VirtualMachineSpec& spec) const;
  bool fault(double rate);
  void node_down(Vm& vm);

  EventLoop& loop_;
  NomadModel* nomad_;
  HarvesterModelConfig config_;
  std::mt19937_64 rng_;
  BootFaults boot_faults_;
  std::mt19937_64 fault_rng_;
  std::map<Key, Vm> vms_;
  // Bumped by every change to a VM or to the set of VMs (edit() and deletion).
  std::uint64_t generation_ = 0;
  // The last answer per (namespace, selector), valid while generation_ is unchanged: a
  // simulation's evaluations list the same group tens of thousands of times, mostly with
  // nothing changed in between. A handful of entries; cleared past kListCacheSize.
  struct CachedList {
    std::uint64_t generation = 0;
    VmList vms;
  };
  static constexpr std::size_t kListCacheSize = 16;
  mutable std::map<std::pair<std::string, std::string>, CachedList> list_cache_;
  std::uint64_t resource_version_ = 1;
  VmChangeLog changes_;
  std::uint64_t uid_counter_ = 0;
  std::int64_t stopped_ = 0;
  struct Usage {
    std::int64_t count = 0, memory_bytes = 0;
    double cpu_cores = 0;
  } consuming_;  // what VMs holding capacity use, for fits()
};

}  // namespace ha
