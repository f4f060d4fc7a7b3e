// HarvesterModel: KubeVirt's start and stop subresources (pkg/virt-api/rest/lifecycle.go),
// what the VM controller does when a VMI ends (pkg/virt-controller/watch/vm/vm.go,
// syncRunStrategy), live migration, pause, and Harvester's host maintenance (the node drain
// controller, KubeVirt's eviction webhook and evacuation controller). Sources and timings in
// docs/models.md.
#include <algorithm>

#include "backends/memory/harvester_model.h"

namespace ha {
namespace {

Error conflict(const std::string& name, const std::string& why) {
  return make_error(
      "Operation cannot be fulfilled on virtualmachine.kubevirt.io \"" + name + "\": " + why,
      ErrorKind::kConflict);
}

// Whether the VM has a VMI that is not final (being scheduled, running or stopping).
bool has_instance(const std::string& phase) {
  return phase == "Starting" || phase == "Running" || phase == "Migrating" || phase == "Paused" ||
         phase == "Stopping" || phase == "ErrorUnschedulable";
}

bool running_instance(const std::string& phase) {
  return phase == "Running" || phase == "Migrating" || phase == "Paused";
}

bool may_live_migrate(const VirtualMachineSpec& spec) {
  return spec.eviction_strategy == "LiveMigrate" ||
         spec.eviction_strategy == "LiveMigrateIfPossible";
}

}  // namespace

Result<Unit> HarvesterModel::start(const std::string& ns, const std::string& name) {
  Vm* vm = find(ns, name);
  if (vm == nullptr) return vm_not_found(name);
  const std::string phase = vm->vm->printable_status;
  if (phase == "Terminating") return conflict(name, "VM is terminating");
  if (has_instance(phase)) return conflict(name, "VM is already running");
  std::string strategy = vm->vm->spec.effective_run_strategy();
  if (strategy == "Always" || strategy == "Once") {
    return conflict(name, strategy + " does not support manual start requests");
  }
  changing(*vm, "start");
  if (strategy == "Halted") {  // started as Always (legacy: running true)
    VirtualMachineSpec& spec = edit(*vm).spec;
    if (spec.running) {
      spec.running = true;
    } else {
      spec.run_strategy = "Always";
    }
  }  // RerunOnFailure, Manual: a start request, the spec unchanged
  // The restarted client joins again; its old, down registration is purged first.
  if (nomad_ != nullptr && !vm->nomad_node_id.empty()) {
    static_cast<void>(nomad_->purge_node(vm->nomad_node_id));
    vm->nomad_node_id.clear();
  }
  if (!fits(vm->vm->spec)) {
    set_phase(*vm, "ErrorUnschedulable");
    return Unit{};
  }
  boot({ns, name}, config_.start);
  return Unit{};
}

Result<Unit> HarvesterModel::stop(const std::string& ns, const std::string& name) {
  Vm* vm = find(ns, name);
  if (vm == nullptr) return vm_not_found(name);
  const std::string phase = vm->vm->printable_status;
  if (phase == "Terminating") return conflict(name, "VM is terminating");
  std::string strategy = vm->vm->spec.effective_run_strategy();
  bool instance = has_instance(phase);
  if ((strategy == "RerunOnFailure" || strategy == "Manual" || strategy == "Halted") && !instance) {
    return conflict(name, "VM is not running");
  }
  if (strategy == "Halted") {
    return conflict(name, "Halted only supports manual stop requests with a shorter graceperiod");
  }
  changing(*vm, "stop");
  if (strategy == "Always" || strategy == "Once") {  // to Halted (legacy: running false)
    VirtualMachineSpec& spec = edit(*vm).spec;
    if (spec.running) {
      spec.running = false;
    } else {
      spec.run_strategy = "Halted";
    }
  }  // RerunOnFailure, Manual: a stop request
  if (phase == "Stopping") return Unit{};
  if (auto host = interrupt(*vm)) next_migrations(*host);
  if (!instance) {  // nothing runs: stopped at once
    move_to(*vm, std::nullopt);
    set_phase(*vm, "Stopped");
    return Unit{};
  }
  // The guest shuts down; its Nomad client heartbeats until it is off.
  set_phase(*vm, "Stopping");
  Key key{ns, name};
  vm->timer = loop_.after(config_.stop.sample(rng_), [this, key] {
    if (Vm* stopped = find(key.first, key.second)) {
      stopped->timer.reset();
      client_stops(*stopped);
      std::optional<int> host = stopped->host;
      move_to(*stopped, std::nullopt);
      set_phase(*stopped, "Stopped");
      if (host) next_migrations(*host);  // a host in maintenance may be empty now
    }
  });
  return Unit{};
}

Result<Unit> HarvesterModel::migrate(const std::string& ns, const std::string& name) {
  Vm* vm = find(ns, name);
  if (vm == nullptr || !running_instance(vm->vm->printable_status)) {
    return conflict(name, "VM is not running");
  }
  if (vm->migrating) return conflict(name, "in-flight migration detected");
  vm->migrating = true;
  ++hosts_[static_cast<std::size_t>(*vm->host)].migrating;
  set_running_phase(*vm);
  Key key{ns, name};
  loop_.after(config_.migrate.sample(rng_), [this, key] { migration_done(key); });
  return Unit{};
}

void HarvesterModel::migration_done(const Key& key) {
  Vm* vm = find(key.first, key.second);
  if (vm == nullptr || !vm->migrating) return;  // ended otherwise (deleted, stopped, failed)
  int from = *vm->host;
  vm->migrating = false;
  Host& source = hosts_[static_cast<std::size_t>(from)];
  --source.migrating;
  bool cordoned = source.cordoned;
  source.cordoned = true;  // the target is another host that takes VMs
  move_to(*vm, place(vm->vm->spec));
  source.cordoned = cordoned;
  set_running_phase(*vm);
  next_migrations(from);
}

Result<Unit> HarvesterModel::pause(const std::string& ns, const std::string& name) {
  Vm* vm = find(ns, name);
  if (vm == nullptr || !running_instance(vm->vm->printable_status)) {
    return conflict(name, "VM is not running");
  }
  if (vm->paused) return conflict(name, "VMI is already paused");
  vm->paused = true;
  set_running_phase(*vm);
  client_stops(*vm);  // its client misses its heartbeats: the node goes down
  return Unit{};
}

Result<Unit> HarvesterModel::unpause(const std::string& ns, const std::string& name) {
  Vm* vm = find(ns, name);
  if (vm == nullptr || !running_instance(vm->vm->printable_status)) {
    return conflict(name, "VM is not running");
  }
  if (!vm->paused) return conflict(name, "VMI is not paused");
  vm->paused = false;
  set_running_phase(*vm);
  node_up(*vm);  // its client heartbeats again
  return Unit{};
}

Result<Unit> HarvesterModel::fail_guest(const std::string& ns, const std::string& name) {
  Vm* vm = find(ns, name);
  if (vm == nullptr) return vm_not_found(name);
  const std::string phase = vm->vm->printable_status;
  if (!has_instance(phase) || phase == "Stopping") return conflict(name, "VM is not running");
  if (auto host = interrupt(*vm)) next_migrations(*host);
  client_stops(*vm);
  move_to(*vm, std::nullopt);
  std::string strategy = vm->vm->spec.effective_run_strategy();
  if (strategy == "Always" || strategy == "RerunOnFailure") {
    // A VMI that ran is replaced at once (no start backoff): it boots from its disk again,
    // and its Nomad client comes back with the same node.
    boot({ns, name}, config_.start);
  } else {
    set_phase(*vm, "Stopped");
  }
  return Unit{};
}

std::int64_t HarvesterModel::fail_guests(double share) {
  std::vector<Key> failing;
  for (const auto& [key, vm] : vms_) {
    if (running_instance(vm.vm->printable_status) && fault(share)) failing.push_back(key);
  }
  for (const Key& key : failing) static_cast<void>(fail_guest(key.first, key.second));
  return static_cast<std::int64_t>(failing.size());
}

std::optional<int> HarvesterModel::host_of(const std::string& ns, const std::string& name) const {
  const Vm* vm = find(ns, name);
  return vm == nullptr ? std::nullopt : vm->host;
}

std::optional<int> HarvesterModel::interrupt(Vm& vm) {
  if (vm.timer) loop_.cancel(*vm.timer);
  vm.timer = std::nullopt;
  vm.paused = false;
  if (!vm.migrating || !vm.host) return std::nullopt;
  vm.migrating = false;
  --hosts_[static_cast<std::size_t>(*vm.host)].migrating;
  return vm.host;
}

int HarvesterModel::place(const VirtualMachineSpec& spec) const {
  // The scheduler's choice among hosts that take VMs: with the preferred anti-affinity, the
  // host with the fewest VMIs of the same label value; then the least loaded (Kubernetes'
  // LeastAllocated score); then the first.
  std::string group;
  if (!spec.anti_affinity_label.empty()) {
    auto it = spec.labels.find(spec.anti_affinity_label);
    if (it != spec.labels.end()) group = it->second;
  }
  auto load = [&](const Host& h) {
    auto same = group.empty() ? h.spread.end() : h.spread.find(group);
    return std::pair{same == h.spread.end() ? 0 : same->second, h.vmis};
  };
  int best = -1;
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    if (hosts_[h].cordoned) continue;
    if (best < 0 || load(hosts_[h]) < load(hosts_[static_cast<std::size_t>(best)])) {
      best = static_cast<int>(h);
    }
  }
  return best < 0 ? 0 : best;
}

void HarvesterModel::move_to(Vm& vm, std::optional<int> host) {
  if (vm.host) {
    Host& from = hosts_[static_cast<std::size_t>(*vm.host)];
    --from.vmis;
    if (!vm.spread.empty() && --from.spread[vm.spread] == 0) from.spread.erase(vm.spread);
  }
  vm.host = host;
  if (vm.host) {
    Host& to = hosts_[static_cast<std::size_t>(*vm.host)];
    ++to.vmis;
    if (!vm.spread.empty()) ++to.spread[vm.spread];
  }
}

Result<Unit> HarvesterModel::maintain_host(int host, std::function<void()> done) {
  if (host < 0 || host >= config_.hosts) {
    return make_error("no host " + std::to_string(host), ErrorKind::kNotFound);
  }
  Host& h = hosts_[static_cast<std::size_t>(host)];
  if (h.cordoned) return make_error("host already in maintenance", ErrorKind::kConflict);
  h.cordoned = true;
  h.maintained = done ? std::move(done) : [] {};
  std::vector<Key> evict;
  for (const auto& [key, vm] : vms_) {
    if (vm.host != host || !has_instance(vm.vm->printable_status)) continue;
    if (vm.vm->printable_status == "Stopping") continue;  // leaving anyway
    // KubeVirt's eviction webhook: a running VMI that may live-migrate is marked for
    // evacuation (the drain waits); any other is evicted and its guest goes down.
    if (may_live_migrate(vm.vm->spec) && running_instance(vm.vm->printable_status)) {
      if (!vm.migrating) h.to_migrate.push_back(key);
    } else {
      evict.push_back(key);
    }
  }
  for (const Key& key : evict) static_cast<void>(fail_guest(key.first, key.second));
  next_migrations(host);
  return Unit{};
}

void HarvesterModel::next_migrations(int host) {
  Host& h = hosts_[static_cast<std::size_t>(host)];
  while (h.migrating < config_.parallel_outbound_migrations && !h.to_migrate.empty()) {
    Key key = h.to_migrate.front();
    h.to_migrate.erase(h.to_migrate.begin());
    Vm* vm = find(key.first, key.second);
    if (vm == nullptr || vm->host != host || vm->migrating) continue;
    static_cast<void>(migrate(key.first, key.second));
  }
  if (!h.maintained || h.rebooting || h.migrating > 0 || !h.to_migrate.empty()) return;
  for (const auto& [key, vm] : vms_) {
    if (vm.host == host && has_instance(vm.vm->printable_status)) return;  // still stopping
  }
  evacuated(host);
}

void HarvesterModel::evacuated(int host) {
  hosts_[static_cast<std::size_t>(host)].rebooting = true;
  loop_.after(config_.host_reboot.sample(rng_), [this, host] {
    Host& h = hosts_[static_cast<std::size_t>(host)];
    h.cordoned = h.rebooting = false;
    auto done = std::move(h.maintained);
    h.maintained = nullptr;
    if (done) done();
  });
}

void HarvesterModel::upgrade_hosts(std::function<void()> done, int from) {
  if (from >= config_.hosts) {
    if (done) done();
    return;
  }
  auto r = maintain_host(from, [this, from, done] { upgrade_hosts(done, from + 1); });
  if (!r) upgrade_hosts(done, from + 1);  // already in maintenance: the next one
}

}  // namespace ha
