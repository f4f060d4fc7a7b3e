#include "backends/memory/harvester_model.h"

#include <cctype>

#include "backends/api/vm_labels.h"
#include "backends/memory/ids.h"
#include "backends/memory/label_selector.h"

namespace ha {
namespace {

// RFC 1123 label, as Kubernetes requires of VirtualMachine names.
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return name.front() != '-' && name.back() != '-';
}

std::string not_found(const std::string& name) {
  return "virtualmachines.kubevirt.io \"" + name + "\" not found";
}

bool consumes_capacity(const std::string& phase) {
  return phase != "ErrorUnschedulable" && phase != "Stopped";
}

}  // namespace

HarvesterModel::HarvesterModel(EventLoop& loop, NomadModel* nomad, HarvesterModelConfig config,
                               std::uint64_t seed)
    : loop_(loop),
      nomad_(nomad),
      config_(std::move(config)),
      rng_(seed),
      fault_rng_(seed ^ 0xfa175eedULL),
      changes_(config_.watch_window) {}

HarvesterModel::Vm* HarvesterModel::find(const std::string& ns, const std::string& name) {
  auto it = vms_.find({ns, name});
  return it == vms_.end() ? nullptr : &it->second;
}

VirtualMachine& HarvesterModel::edit(Vm& vm) {
  // Always a fresh copy: lists handed out (to other threads, by the mock servers) keep
  // reading the old one. Checking use_count() first would race with those threads dropping
  // theirs (a relaxed load; ThreadSanitizer found it), and a VM changes a few times a life.
  vm.vm = std::make_shared<VirtualMachine>(*vm.vm);
  ++generation_;
  return *vm.vm;
}

void HarvesterModel::set_phase(Vm& vm, const std::string& phase) {
  VirtualMachine& v = edit(vm);
  // Capacity is counted as phases change (an empty phase: not yet counted).
  bool was = !v.printable_status.empty() && consumes_capacity(v.printable_status);
  bool is = consumes_capacity(phase);
  if (was != is) {
    int sign = is ? 1 : -1;
    consuming_.count += sign;
    consuming_.cpu_cores += sign * v.spec.cpu_cores;
    consuming_.memory_bytes += sign * v.spec.memory_bytes;
  }
  stopped_ += (phase == "Stopped" ? 1 : 0) - (v.printable_status == "Stopped" ? 1 : 0);
  if (!v.ready_changed || (v.printable_status == "Running") != (phase == "Running")) {
    v.ready_changed = loop_.now();
  }
  v.printable_status = phase;
  v.resource_version = std::to_string(++resource_version_);
  publish(vm);
  if (on_phase) on_phase({v.spec.namespace_, v.spec.name, phase, loop_.now()});
}

bool HarvesterModel::fits(const VirtualMachineSpec& spec) const {
  if (consuming_.count + 1 > config_.max_vms) return false;
  if (config_.cpu_cores_capacity > 0 &&
      consuming_.cpu_cores + spec.cpu_cores > config_.cpu_cores_capacity) {
    return false;
  }
  return config_.memory_bytes_capacity <= 0 ||
         consuming_.memory_bytes + spec.memory_bytes <= config_.memory_bytes_capacity;
}

Result<VirtualMachine> HarvesterModel::create(const VirtualMachineSpec& spec) {
  if (!valid_name(spec.name)) {
    return make_error("VirtualMachine.kubevirt.io \"" + spec.name +
                          "\" is invalid: metadata.name: must be a lowercase RFC 1123 label",
                      ErrorKind::kInvalid);
  }
  if (find(spec.namespace_, spec.name) != nullptr) {
    return make_error("virtualmachines.kubevirt.io \"" + spec.name + "\" already exists",
                      ErrorKind::kConflict);
  }
  Vm vm;
  vm.vm = std::make_shared<VirtualMachine>();
  vm.vm->spec = spec;
  vm.vm->uid = IdGenerator(++uid_counter_ ^ 0x5eedULL).next();
  vm.vm->creation_time = loop_.now();
  bool schedulable = fits(spec);
  Key key{spec.namespace_, spec.name};
  Vm& stored = vms_.emplace(key, std::move(vm)).first->second;
  if (!spec.running) {
    set_phase(stored, "Stopped");
  } else if (!schedulable || fault(boot_faults_.unschedulable)) {
    set_phase(stored, "ErrorUnschedulable");
  } else {
    set_phase(stored, "Provisioning");
    stored.timer =
        loop_.after(config_.provision.sample(rng_), [this, key] { boot(key, config_.boot); });
  }
  return *stored.vm;
}

bool HarvesterModel::fault(double rate) {
  if (rate <= 0) return false;
  return std::uniform_real_distribution<double>(0.0, 1.0)(fault_rng_) < rate;
}

void HarvesterModel::boot(const Key& key, const Latency& latency) {
  Vm* vm = find(key.first, key.second);
  if (vm == nullptr) return;
  set_phase(*vm, "Starting");
  if (fault(boot_faults_.stuck_starting)) return;  // never boots
  vm->timer = loop_.after(latency.sample(rng_), [this, key] {
    Vm* running = find(key.first, key.second);
    if (running == nullptr) return;
    set_phase(*running, "Running");
    if (fault(boot_faults_.never_join)) {
      running->timer.reset();
      return;
    }
    running->timer = loop_.after(config_.nomad_join.sample(rng_), [this, key] { join(key); });
  });
}

void HarvesterModel::join(const Key& key) {
  Vm* joining = find(key.first, key.second);
  if (joining == nullptr) return;
  joining->timer.reset();
  if (nomad_ != nullptr) {
    const VirtualMachineSpec& s = joining->vm->spec;
    auto cls = s.labels.find(vm_labels::kNodeClass);
    NomadNodeSpec node;
    node.name = s.name;
    node.node_class = cls == s.labels.end() ? "" : cls->second;
    node.datacenter = config_.datacenter;
    node.cpu_mhz =
        static_cast<std::int64_t>(s.cpu_cores * static_cast<double>(config_.cpu_mhz_per_core));
    node.memory_mb = s.memory_bytes / (1024 * 1024);
    node.meta["harvester.vm"] = s.namespace_ + "/" + s.name;
    joining->nomad_node_id = nomad_->register_node(node);
  }
  if (on_phase) on_phase({key.first, key.second, "Joined", loop_.now()});
}

Result<VirtualMachine> HarvesterModel::create_running(const VirtualMachineSpec& spec) {
  auto created = create(spec);
  if (!created) return created;
  Vm& vm = *find(spec.namespace_, spec.name);
  if (vm.vm->printable_status != "Provisioning") return *vm.vm;  // unschedulable or stopped
  if (vm.timer) loop_.cancel(*vm.timer);
  vm.timer.reset();
  edit(vm).creation_time = loop_.now() - kRunningSince;
  set_phase(vm, "Running");
  join({spec.namespace_, spec.name});
  return *vm.vm;
}

void HarvesterModel::node_down(Vm& vm) {
  if (nomad_ != nullptr && !vm.nomad_node_id.empty()) {
    static_cast<void>(nomad_->set_node_down(vm.nomad_node_id));
  }
}

void HarvesterModel::publish(Vm& vm) {
  VmWatchEvent event;
  event.type = vm.published ? VmWatchEvent::Type::kModified : VmWatchEvent::Type::kAdded;
  event.resource_version = resource_version_;
  event.object = vm.vm;
  event.previous = std::move(vm.published);
  vm.published = vm.vm;
  changes_.record(std::move(event));
}

void HarvesterModel::changing(const Vm& vm, const char* change) {
  if (on_change) {
    on_change({vm.vm->spec.namespace_, vm.vm->spec.name, change, vm.vm->spec.labels});
  }
}

Result<Unit> HarvesterModel::remove(const std::string& ns, const std::string& name) {
  Vm* vm = find(ns, name);
  if (vm == nullptr) return make_error(not_found(name), ErrorKind::kNotFound);
  if (vm->vm->printable_status == "Terminating") return Unit{};
  changing(*vm, "delete");
  if (vm->timer) loop_.cancel(*vm->timer);
  // Terminating first, then the node stops heartbeating: observers of the phase change see
  // the node as it was when the VM was deleted.
  set_phase(*vm, "Terminating");
  node_down(*vm);
  Key key{ns, name};
  vm->timer = loop_.after(config_.terminate.sample(rng_), [this, key] {
    // The VM and its volumes are gone, and the capacity it held until now is free.
    if (auto gone = vms_.find(key); gone != vms_.end()) {
      const VirtualMachine& v = *gone->second.vm;
      --consuming_.count;
      consuming_.cpu_cores -= v.spec.cpu_cores;
      consuming_.memory_bytes -= v.spec.memory_bytes;
      auto last = std::make_shared<VirtualMachine>(v);
      last->resource_version = std::to_string(++resource_version_);
      VmWatchEvent event{VmWatchEvent::Type::kDeleted, resource_version_, last, last};
      vms_.erase(gone);
      ++generation_;
      changes_.record(std::move(event));
    }
    if (on_phase) on_phase({key.first, key.second, "Deleted", loop_.now()});
  });
  return Unit{};
}

Result<Unit> HarvesterModel::stop(const std::string& ns, const std::string& name) {
  Vm* vm = find(ns, name);
  if (vm == nullptr) return make_error(not_found(name), ErrorKind::kNotFound);
  const std::string phase = vm->vm->printable_status;
  if (phase == "Terminating") {
    return make_error("VM " + name + " is terminating", ErrorKind::kConflict);
  }
  if (phase == "Stopped" || phase == "Stopping") return Unit{};
  changing(*vm, "stop");
  if (vm->timer) loop_.cancel(*vm->timer);
  edit(*vm).spec.running = false;
  // As for a deletion: observers of the phase change see the node as it was.
  set_phase(*vm, "Stopping");
  node_down(*vm);
  Key key{ns, name};
  vm->timer = loop_.after(config_.stop.sample(rng_), [this, key] {
    if (Vm* stopped = find(key.first, key.second)) {
      stopped->timer.reset();
      set_phase(*stopped, "Stopped");
    }
  });
  return Unit{};
}

Result<Unit> HarvesterModel::start(const std::string& ns, const std::string& name) {
  Vm* vm = find(ns, name);
  if (vm == nullptr) return make_error(not_found(name), ErrorKind::kNotFound);
  const std::string phase = vm->vm->printable_status;
  if (phase != "Stopped" && phase != "ErrorUnschedulable") {
    return phase == "Terminating"
               ? Result<Unit>(make_error("VM " + name + " is terminating", ErrorKind::kConflict))
               : Result<Unit>(Unit{});
  }
  changing(*vm, "start");
  edit(*vm).spec.running = true;
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

Result<VirtualMachine> HarvesterModel::get(const std::string& ns, const std::string& name) const {
  auto it = vms_.find({ns, name});
  if (it == vms_.end()) return make_error(not_found(name), ErrorKind::kNotFound);
  return *it->second.vm;
}

Result<VirtualMachine> HarvesterModel::set_metadata(
    const std::string& ns, const std::string& name, std::map<std::string, std::string> labels,
    std::map<std::string, std::string> annotations) {
  Vm* vm = find(ns, name);
  if (vm == nullptr) return make_error(not_found(name), ErrorKind::kNotFound);
  changing(*vm, "metadata");
  VirtualMachine& v = edit(*vm);
  v.spec.labels = std::move(labels);
  v.spec.annotations = std::move(annotations);
  v.resource_version = std::to_string(++resource_version_);
  publish(*vm);
  return v;
}

std::int64_t HarvesterModel::count_active(const std::string& ns, const std::string& key,
                                          const std::string& value) const {
  std::int64_t n = 0;
  for (const auto& [k, vm] : vms_) {
    if (k.first != ns || vm.vm->printable_status == "Terminating") continue;
    auto it = vm.vm->spec.labels.find(key);
    n += it != vm.vm->spec.labels.end() && it->second == value ? 1 : 0;
  }
  return n;
}

Result<VmList> HarvesterModel::list(const std::string& ns,
                                    const std::string& label_selector) const {
  auto cached = list_cache_.find({ns, label_selector});
  if (cached != list_cache_.end() && cached->second.generation == generation_) {
    return cached->second.vms;
  }
  auto selector = LabelSelector::parse(label_selector);
  if (!selector) return make_error(selector.error().message, ErrorKind::kInvalid);
  VmList out;
  // Keys sort by namespace first: visit only this namespace's VMs.
  for (auto it = vms_.lower_bound({ns, ""}); it != vms_.end() && it->first.first == ns; ++it) {
    if (selector->matches(it->second.vm->spec.labels)) out.push_back(it->second.vm);
  }
  if (list_cache_.size() >= kListCacheSize) list_cache_.clear();
  list_cache_[{ns, label_selector}] = {generation_, out};
  return out;
}

}  // namespace ha
