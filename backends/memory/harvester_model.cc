#include "backends/memory/harvester_model.h"

#include "backends/memory/guest_nomad_config.h"

#include "backends/api/vm_labels.h"
#include "backends/memory/ids.h"

namespace ha {
namespace {

bool consumes_capacity(const std::string& phase) {
  return phase != "ErrorUnschedulable" && phase != "Stopped";
}

// KubeVirt's VM Ready condition: true while its VMI is ready, which a live migration keeps.
bool ready(const std::string& phase) {
  return phase == "Running" || phase == "Migrating";
}

}  // namespace

HarvesterModel::HarvesterModel(EventLoop& loop, NomadModel* nomad, HarvesterModelConfig config,
                               std::uint64_t seed)
    : loop_(loop),
      nomad_(nomad),
      config_(std::move(config)),
      rng_(seed),
      fault_rng_(seed ^ 0xfa175eedULL),
      changes_(config_.watch_window),
      hosts_(static_cast<std::size_t>(std::max(1, config_.hosts))) {
  config_.hosts = static_cast<int>(hosts_.size());
  // What every Harvester has: the default namespace and the default storage class (the
  // harvester chart's harvester-longhorn).
  add_namespace("default");
  if (!config_.default_storage_class.empty()) {
    StorageClass sc;
    sc.meta.name = config_.default_storage_class;
    sc.meta.annotations["harvesterhci.io/is-reserved-storageclass"] = "true";
    sc.parameters = {
        {"migratable", "true"}, {"numberOfReplicas", "3"}, {"staleReplicaTimeout", "30"}};
    sc.is_default = true;
    add_storage_class(sc);
  }
}

HarvesterModel::Vm* HarvesterModel::find(const std::string& ns, const std::string& name) {
  auto it = vms_.find({ns, name});
  return it == vms_.end() ? nullptr : &it->second;
}

const HarvesterModel::Vm* HarvesterModel::find(const std::string& ns,
                                               const std::string& name) const {
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
    if (!is && phase != "ErrorUnschedulable") retry_unschedulable();
  }
  unschedulable_ += (phase == "ErrorUnschedulable" ? 1 : 0) -
                    (v.printable_status == "ErrorUnschedulable" ? 1 : 0);
  stopped_ += (phase == "Stopped" ? 1 : 0) - (v.printable_status == "Stopped" ? 1 : 0);
  if (!v.ready_changed || ready(v.printable_status) != ready(phase)) v.ready_changed = loop_.now();
  v.printable_status = phase;
  v.host = vm.host ? "harvester-node-" + std::to_string(*vm.host) : "";
  v.resource_version = std::to_string(++resource_version_);
  publish(vm);
  if (on_phase) on_phase({v.spec.namespace_, v.spec.name, phase, loop_.now()});
}

void HarvesterModel::set_running_phase(Vm& vm) {
  std::string phase = vm.migrating ? "Migrating" : vm.paused ? "Paused" : "Running";
  if (vm.vm->printable_status != phase ||
      vm.vm->host != "harvester-node-" + std::to_string(*vm.host)) {
    set_phase(vm, phase);
  }
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

Result<VirtualMachine> HarvesterModel::create(const VirtualMachineSpec& requested) {
  if (auto admitted = admit(requested); !admitted) return admitted.error();
  VirtualMachineSpec spec = requested;
  mutate(spec);
  if (find(spec.namespace_, spec.name) != nullptr) {
    return make_error("virtualmachines.kubevirt.io \"" + spec.name + "\" already exists",
                      ErrorKind::kConflict);
  }
  Vm vm;
  vm.vm = std::make_shared<VirtualMachine>();
  vm.vm->spec = spec;
  if (auto value = spec.labels.find(spec.anti_affinity_label);
      !spec.anti_affinity_label.empty() && value != spec.labels.end()) {
    vm.spread = value->second;
  }
  vm.vm->uid = new_uid();
  vm.vm->creation_time = loop_.now();
  bool schedulable = fits(spec);
  Key key{spec.namespace_, spec.name};
  Vm& stored = vms_.emplace(key, std::move(vm)).first->second;
  // Harvester's VM controller makes the claims as soon as it sees the VM.
  create_claims(*stored.vm);
  std::string strategy = spec.effective_run_strategy();
  if (strategy == "Halted" || strategy == "Manual") {
    set_phase(stored, "Stopped");
  } else if (!schedulable || fault(boot_faults_.unschedulable)) {
    stored.never_schedules = schedulable;  // the fault: no capacity would help
    set_phase(stored, "ErrorUnschedulable");
  } else {
    provision(key);
  }
  return *stored.vm;
}

bool HarvesterModel::fault(double rate) {
  if (rate <= 0) return false;
  return std::uniform_real_distribution<double>(0.0, 1.0)(fault_rng_) < rate;
}

void HarvesterModel::provision(const Key& key) {
  Vm* vm = find(key.first, key.second);
  if (!vm->vm->spec.root_disk) {  // nothing to bind (a guest set up outside the model)
    boot(key, config_.boot);
    return;
  }
  set_phase(*vm, "WaitingForVolumeBinding");
  vm->timer = loop_.after(config_.provision.sample(rng_), [this, key] {
    Vm* waiting = find(key.first, key.second);
    if (waiting == nullptr) return;
    waiting->timer.reset();
    bool missing = false;
    if (claims_bound(*waiting->vm, missing)) {
      boot(key, config_.boot);
    } else if (missing) {
      // KubeVirt makes the VMI, whose claim does not exist (Harvester made none: its image
      // was not found).
      set_phase(*waiting, "ErrorPvcNotFound");
    }  // else its claim stays unbound: it waits for ever
  });
}

void HarvesterModel::boot(const Key& key, const Latency& latency) {
  Vm* vm = find(key.first, key.second);
  if (vm == nullptr) return;
  move_to(*vm, place(vm->vm->spec));
  set_phase(*vm, "Starting");
  if (fault(boot_faults_.stuck_starting)) return;  // never boots
  vm->timer = loop_.after(latency.sample(rng_), [this, key] { run(key); });
}

void HarvesterModel::run(const Key& key) {
  Vm* vm = find(key.first, key.second);
  if (vm == nullptr) return;
  vm->timer.reset();
  const VirtualMachineSpec& spec = vm->vm->spec;
  // The virt-launcher pod mounts the cloud-init Secret: without it the VMI does not start.
  vm->waiting_secret =
      !spec.user_data_secret.empty() && !secrets_.count({spec.namespace_, spec.user_data_secret});
  if (vm->waiting_secret) return;
  set_running_phase(*vm);
  if (!guest_joins(*vm) || fault(boot_faults_.never_join)) return;
  vm->timer = loop_.after(config_.nomad_join.sample(rng_), [this, key] { join(key); });
}

bool HarvesterModel::guest_joins(const Vm& vm) const {
  const VirtualMachineSpec& spec = vm.vm->spec;
  if (spec.root_disk) {
    auto claim = claims_.find({spec.namespace_, spec.root_disk->claim_name});
    auto image = std::find_if(images_.begin(), images_.end(), [&](const auto& i) {
      return i.second.id() == spec.root_disk->image_id;
    });
    // A disk of any class but its image's is created empty: nothing boots from it.
    if (claim == claims_.end() || image == images_.end() || !image->second.imported ||
        claim->second.meta.annotations.count("harvesterhci.io/imageId") == 0 ||
        claim->second.storage_class != image->second.storage_class) {
      return false;
    }
  }
  if (!spec.user_data_secret.empty()) {
    // KubeVirt reads the key userdata, else userData; a Secret without either gives the guest
    // no user data, and cloud-init never starts the Nomad client.
    auto secret = secrets_.find({spec.namespace_, spec.user_data_secret});
    return secret != secrets_.end() &&
           (secret->second.data.count("userdata") || secret->second.data.count("userData"));
  }
  return !spec.user_data.empty() || !spec.root_disk;
}

void HarvesterModel::join(const Key& key) {
  Vm* joining = find(key.first, key.second);
  if (joining == nullptr) return;
  joining->timer.reset();
  if (nomad_ != nullptr && !joining->nomad_node_id.empty()) {
    node_up(*joining);  // the same client back (its node ID is kept on its disk)
  } else if (nomad_ != nullptr) {
    // The guest's Nomad client registers with what its config says: the config the user
    // data wrote (class, datacenter, pool, meta), Nomad's defaults for the rest.
    const VirtualMachineSpec& s = joining->vm->spec;
    std::string user_data = s.user_data;
    if (!s.user_data_secret.empty()) {
      auto secret = secrets_.find({s.namespace_, s.user_data_secret});
      if (secret != secrets_.end()) {
        auto key = secret->second.data.find("userdata");
        if (key == secret->second.data.end()) key = secret->second.data.find("userData");
        if (key != secret->second.data.end()) user_data = key->second;
      }
    }
    GuestNomadConfig guest = read_guest_nomad_config(user_data);
    NomadNodeSpec node;
    node.name = guest.name.value_or(s.hostname.empty() ? s.name : s.hostname);
    node.node_class = guest.node_class.value_or("");
    node.datacenter = guest.datacenter.value_or(config_.datacenter);
    node.node_pool = guest.node_pool.value_or("default");
    node.meta = std::move(guest.meta);
    node.cpu_mhz =
        static_cast<std::int64_t>(s.cpu_cores * static_cast<double>(config_.cpu_mhz_per_core));
    node.memory_mb = s.memory_bytes / (1024 * 1024);
    joining->nomad_node_id = nomad_->register_node(node);
  }
  if (on_phase) on_phase({key.first, key.second, "Joined", loop_.now()});
}

Result<VirtualMachine> HarvesterModel::create_running(const VirtualMachineSpec& requested) {
  VirtualMachineSpec spec = requested;
  if (spec.run_strategy.empty() && !spec.running) spec.run_strategy = "Always";
  add_namespace(spec.namespace_);
  auto created = create(spec);
  if (!created) return created;
  Vm& vm = *find(spec.namespace_, spec.name);
  const std::string& phase = vm.vm->printable_status;
  if (phase != "WaitingForVolumeBinding" && phase != "Starting") return *vm.vm;
  // It has run for a while: its claim is bound, unless it never could be (then it waits, as
  // any VM whose claim does not bind).
  if (bool missing = false; !claims_bound(*vm.vm, missing)) return *vm.vm;
  if (vm.timer) loop_.cancel(*vm.timer);
  vm.timer.reset();
  if (!vm.host) move_to(vm, place(spec));
  edit(vm).creation_time = loop_.now() - kRunningSince;
  if (spec.root_disk) {  // its disk is as old as it is
    auto claim = claims_.find({spec.namespace_, spec.root_disk->claim_name});
    if (claim != claims_.end()) claim->second.meta.creation_time = vm.vm->creation_time;
  }
  set_phase(vm, "Running");
  join({spec.namespace_, spec.name});
  return *vm.vm;
}

void HarvesterModel::client_stops(Vm& vm) {
  if (nomad_ != nullptr && !vm.nomad_node_id.empty()) {
    static_cast<void>(nomad_->client_stopped(vm.nomad_node_id));
  }
}

void HarvesterModel::node_up(Vm& vm) {
  if (nomad_ != nullptr && !vm.nomad_node_id.empty()) {
    static_cast<void>(nomad_->set_node_up(vm.nomad_node_id));
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
    on_change({vm.vm->spec.namespace_, vm.vm->spec.name, change, vm.vm->spec.labels,
               vm.vm->printable_status});
  }
}

void HarvesterModel::release_capacity(const VirtualMachine& v) {
  --consuming_.count;
  consuming_.cpu_cores -= v.spec.cpu_cores;
  consuming_.memory_bytes -= v.spec.memory_bytes;
  retry_unschedulable();
}

void HarvesterModel::retry_unschedulable() {
  if (unschedulable_ <= 0 || retry_posted_) return;
  retry_posted_ = true;
  loop_.post([this] {
    retry_posted_ = false;
    std::vector<std::pair<Time, Key>> waiting;
    for (const auto& [key, vm] : vms_) {
      if (vm.vm->printable_status == "ErrorUnschedulable" && !vm.never_schedules) {
        waiting.emplace_back(vm.vm->creation_time, key);
      }
    }
    std::sort(waiting.begin(), waiting.end());
    for (const auto& [created, key] : waiting) {
      Vm* vm = find(key.first, key.second);
      if (vm == nullptr || !fits(vm->vm->spec)) continue;
      // Counted again as it leaves ErrorUnschedulable, so the next one sees it.
      provision(key);
    }
  });
}

Result<Unit> HarvesterModel::remove(const std::string& ns, const std::string& name) {
  Vm* vm = find(ns, name);
  if (vm == nullptr) return vm_not_found(name);
  if (vm->vm->printable_status == "Terminating") return Unit{};
  changing(*vm, "delete");
  std::optional<int> migrated_from = interrupt(*vm);
  // The guest shuts down; its Nomad client heartbeats until the VM is gone.
  set_phase(*vm, "Terminating");
  if (migrated_from) next_migrations(*migrated_from);
  Key key{ns, name};
  vm->timer = loop_.after(config_.terminate.sample(rng_), [this, key] {
    // The VM is gone, and the capacity it held until now is free. Harvester's finalizer
    // deletes the claims it names; the garbage collector what it owns.
    if (auto gone = vms_.find(key); gone != vms_.end()) {
      client_stops(gone->second);
      const VirtualMachine& v = *gone->second.vm;
      move_to(gone->second, std::nullopt);
      release_capacity(v);
      removed(v);
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

Result<VirtualMachine> HarvesterModel::set_metadata(
    const std::string& ns, const std::string& name, std::map<std::string, std::string> labels,
    std::map<std::string, std::string> annotations) {
  Vm* vm = find(ns, name);
  if (vm == nullptr) return vm_not_found(name);
  changing(*vm, "metadata");
  VirtualMachine& v = edit(*vm);
  v.spec.labels = std::move(labels);
  v.spec.annotations = std::move(annotations);
  v.resource_version = std::to_string(++resource_version_);
  publish(*vm);
  return v;
}

std::string HarvesterModel::new_uid() {
  return IdGenerator(++uid_counter_ ^ 0x5eedULL).next();
}

}  // namespace ha
