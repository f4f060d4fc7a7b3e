// HarvesterModel: a Harvester cluster in memory, on an EventLoop: KubeVirt VirtualMachines
// and the objects they stand on (namespaces, images and their storage classes, networks,
// Secrets, PersistentVolumeClaims), spread over Harvester hosts. Each behaviour follows the
// real system's source and takes its time (docs/models.md has the table):
//  - admission: what the API server, KubeVirt's and Harvester's webhooks refuse (422), and
//    what Harvester's mutator stores (requests from the limits, guest memory, grace period)
//    (harvester_admission.h);
//  - Harvester's VM controller creates the claims of harvesterhci.io/volumeClaimTemplates as
//    written; a disk of its image's storage class is a clone of the image, any other is
//    blank: the VM boots but its Nomad client never joins. On removal it deletes exactly the
//    claims named in harvesterhci.io/removedPersistentVolumeClaims; Kubernetes' garbage
//    collector deletes the Secrets the VM owns (harvester_storage.cc);
//  - the lifecycle as status.printableStatus: Provisioning (the claims bind) -> Starting
//    (booting; a cloud-init Secret must exist) -> Running, then the VM's Nomad client joins
//    the NomadModel as a node named after the VM, with the node class of its labels.
//    Deleting: Terminating (the Nomad node goes down) -> gone. A VM that does not fit the
//    cluster's capacity ends ErrorUnschedulable. start/stop as KubeVirt's subresources for
//    each run strategy; live migration (Migrating, the node stays up), pause, a guest
//    failure restarted per run strategy, and host maintenance (harvester_hosts.cc).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

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
  // A live migration, start to switch-over (KubeVirt's completionTimeoutPerGiB is 150 s).
  Latency migrate = Latency::lognormal(std::chrono::seconds(40), std::chrono::seconds(120));
  // A host in maintenance, once empty, is back after this (an upgrade reboots it).
  Latency host_reboot = Latency::constant(std::chrono::minutes(10));
  std::int64_t max_vms = 1000;             // VMs that may be scheduled at once
  double cpu_cores_capacity = 0;           // 0: unlimited
  std::int64_t memory_bytes_capacity = 0;  // 0: unlimited
  std::int64_t cpu_mhz_per_core = 2000;    // Nomad's CpuShares per vCPU
  std::string datacenter = "dc1";
  // Harvester hosts VMs run on (host maintenance empties one).
  int hosts = 3;
  // KubeVirt's parallelOutboundMigrationsPerNode.
  int parallel_outbound_migrations = 2;
  // Harvester's overcommit-config: a request is the limit x 100 / this percentage.
  int overcommit_cpu = 1000, overcommit_memory = 150;
  // additional-guest-memory-overhead-ratio set (Harvester's default "1.5"): the guest gets its
  // whole limit; else 100Mi is reserved from it.
  bool guest_overhead_ratio = true;
  // The cluster's default StorageClass (a claim naming none gets it: a blank disk).
  std::string default_storage_class = "harvester-longhorn";
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
// it is made, with the VM's labels and phase as they were (the invariant checker's checks).
struct VmChangeEvent {
  std::string namespace_;
  std::string name;
  std::string change;
  std::map<std::string, std::string> labels;
  std::string phase;
};

// The API server's 404 for a VM: kNotFound `virtualmachines.kubevirt.io "<name>" not found`.
Error vm_not_found(const std::string& name);

// The API server's answer to a write whose preconditions (DeleteOptions.preconditions) no
// longer hold: kConflict "Precondition failed: ..."; none when they hold (empty ones do).
std::optional<Error> failed_precondition(const VirtualMachine& vm, const std::string& uid,
                                         const std::string& resource_version);

class HarvesterModel {
 public:
  HarvesterModel(EventLoop& loop, NomadModel* nomad, HarvesterModelConfig config,
                 std::uint64_t seed = 1);

  // --- VirtualMachines (harvester_model.cc, admission: harvester_admission.cc)
  // As the API server's create: admission (kInvalid with the message the API gives), then the
  // mutator's defaults, then Harvester's VM controller makes its claims.
  Result<VirtualMachine> create(const VirtualMachineSpec& spec);
  // The checks of a create or an update, in their order (harvester_admission.cc).
  Result<Unit> admit(const VirtualMachineSpec& spec) const;
  // A VM that is already Running with its Nomad node joined and its claim bound (a
  // simulation's starting point), created kRunningSince ago; its namespace is made if
  // missing. One whose claim cannot bind is left waiting for it, as create leaves it.
  static constexpr Duration kRunningSince = std::chrono::hours(24);
  Result<VirtualMachine> create_running(const VirtualMachineSpec& spec);
  Result<Unit> remove(const std::string& ns, const std::string& name);
  Result<VirtualMachine> get(const std::string& ns, const std::string& name) const;
  // Replaces the VM's labels and annotations (a metadata patch); a new resourceVersion.
  Result<VirtualMachine> set_metadata(const std::string& ns, const std::string& name,
                                      std::map<std::string, std::string> labels,
                                      std::map<std::string, std::string> annotations);
  std::uint64_t resource_version() const { return resource_version_; }
  // Every change to a VM, for watches: ADDED, MODIFIED (a phase, labels or run strategy),
  // DELETED (when it is gone, not when deletion starts), each with its resourceVersion.
  VmChangeLog& changes() { return changes_; }
  const VmChangeLog& changes() const { return changes_; }
  // `label_selector` in Kubernetes syntax; an invalid one is a kInvalid error.
  Result<VmList> list(const std::string& ns, const std::string& label_selector) const;

  // --- KubeVirt's subresources and what happens to running VMs (harvester_hosts.cc)
  // start and stop as the subresources do for the VM's run strategy: Halted is started as
  // Always; RerunOnFailure and Manual take a start or stop request; Always and Once are
  // stopped by becoming Halted. kConflict with KubeVirt's message otherwise.
  Result<Unit> start(const std::string& ns, const std::string& name);
  Result<Unit> stop(const std::string& ns, const std::string& name);
  // A live migration to another host: Migrating, then Running; the guest and its Nomad node
  // keep running. kConflict unless Running.
  Result<Unit> migrate(const std::string& ns, const std::string& name);
  // The VMI paused or resumed: Paused (Ready false); the Nomad client misses its heartbeats and
  // its node goes down, and comes back when resumed.
  Result<Unit> pause(const std::string& ns, const std::string& name);
  Result<Unit> unpause(const std::string& ns, const std::string& name);
  // The guest fails (a crash, or its pod evicted): the VMI ends; Always and RerunOnFailure
  // start a new one at once (Starting, then Running, its Nomad client back), others stay
  // Stopped.
  Result<Unit> fail_guest(const std::string& ns, const std::string& name);
  // Each VM whose guest runs fails with probability `share` (drawn from the fault stream);
  // returns how many did.
  std::int64_t fail_guests(double share);
  // Host maintenance: the host is cordoned; its VMs that may live-migrate (evictionStrategy
  // LiveMigrate or LiveMigrateIfPossible) migrate away, parallel_outbound_migrations at a
  // time; the others are evicted (fail_guest). Once empty the host reboots (host_reboot) and
  // takes VMs again; `done` then runs. As Harvester's maintenance mode and KubeVirt's
  // evacuation do.
  Result<Unit> maintain_host(int host, std::function<void()> done = nullptr);
  // Every host from `from` on, in turn, as a Harvester upgrade does.
  void upgrade_hosts(std::function<void()> done = nullptr, int from = 0);
  int hosts() const { return config_.hosts; }
  // The host the VM's VMI runs on; none when it has no VMI.
  std::optional<int> host_of(const std::string& ns, const std::string& name) const;

  // --- Namespaces, images, classes, networks, Secrets, claims (harvester_storage.cc)
  void add_namespace(const std::string& name);
  // An image as Harvester keeps it; one that is imported gets its storage class made if it
  // has none (`lh-<uid>` and the class of that name, backingImage `vmi-<uid>`).
  VmImage add_image(VmImage image);
  void add_storage_class(StorageClass sc);
  void add_network(NetworkAttachment network);
  Result<Namespace> get_namespace(const std::string& name) const;
  Result<VmImage> get_image(const std::string& ns, const std::string& name) const;
  Result<StorageClass> get_storage_class(const std::string& name) const;
  Result<NetworkAttachment> get_network(const std::string& ns, const std::string& name) const;
  Result<Secret> get_secret(const std::string& ns, const std::string& name) const;
  Result<PersistentVolumeClaim> get_claim(const std::string& ns, const std::string& name) const;
  std::vector<Namespace> namespaces() const;
  std::vector<VmImage> images(const std::string& ns) const;  // "" for every namespace
  std::vector<StorageClass> storage_classes() const;
  std::vector<NetworkAttachment> networks(const std::string& ns) const;
  std::vector<Secret> secrets(const std::string& ns) const;
  std::vector<PersistentVolumeClaim> claims(const std::string& ns) const;
  Result<Secret> create_secret(Secret secret);
  Result<Unit> delete_secret(const std::string& ns, const std::string& name);
  Result<Unit> delete_claim(const std::string& ns, const std::string& name);
  // Claims no VM refers to, carrying `label` = `value` (a deleted VM's volumes left behind).
  std::vector<PersistentVolumeClaim> orphaned_claims(const std::string& label,
                                                     const std::string& value) const;

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
    std::optional<int> host;       // where its VMI runs (changed by move_to only)
    std::string spread;            // its anti-affinity label's value ("" none)
    bool paused = false;           // the VMI's Paused condition
    bool migrating = false;        // a migration under way (status.migrationState)
    bool waiting_secret = false;   // booting, held until its cloud-init Secret exists
    bool never_schedules = false;  // the fault vm_unschedulable: no capacity frees it
  };
  using Key = std::pair<std::string, std::string>;  // namespace, name

  void mutate(VirtualMachineSpec& spec) const;  // harvester_admission.cc
  Vm* find(const std::string& ns, const std::string& name);
  const Vm* find(const std::string& ns, const std::string& name) const;
  void changing(const Vm& vm, const char* change);  // reports to on_change
  void publish(Vm& vm);                             // to the change log
  VirtualMachine& edit(Vm& vm);
  void set_phase(Vm& vm, const std::string& phase);
  // The phase of a VM whose VMI runs: Migrating, Paused or Running.
  void set_running_phase(Vm& vm);
  // Provisioning: its claims bind (provision), then it boots.
  void provision(const Key& key);
  // Starting -> Running after `latency` (boot, or start for a stopped VM) -> joined.
  void boot(const Key& key, const Latency& latency);
  void run(const Key& key);
  void join(const Key& key);
  // Whether the guest the VM boots has its Nomad client and its user data: a root disk that
  // is a clone of its image (or no root disk: a guest set up outside the model), and user
  // data inline or in its Secret.
  bool guest_joins(const Vm& vm) const;
  bool fits(const VirtualMachineSpec& spec) const;
  bool fault(double rate);
  // Its guest's Nomad client stops heartbeating (shut down, crashed, paused): Nomad marks
  // the node down a heartbeat TTL and grace later (NomadModel::client_stopped).
  void client_stops(Vm& vm);
  void node_up(Vm& vm);
  void release_capacity(const VirtualMachine& vm);
  // The scheduler retries pending pods: once capacity frees, VMs ErrorUnschedulable (the
  // oldest first) that fit now are scheduled.
  void retry_unschedulable();
  std::int64_t unschedulable_ = 0;
  bool retry_posted_ = false;
  // harvester_hosts.cc
  int place(const VirtualMachineSpec& spec) const;  // the host a new VMI goes to
  // Ends what the VM's VMI had under way (its timers, the pause, a migration, whose slot on
  // its host is freed); returns that host when a migration ended (its next ones may start).
  std::optional<int> interrupt(Vm& vm);
  // Puts the VM's VMI on `host` (none: it has none), keeping the hosts' counts.
  void move_to(Vm& vm, std::optional<int> host);
  void migration_done(const Key& key);
  void next_migrations(int host);
  void evacuated(int host);
  // harvester_storage.cc: Harvester's VM controller and Kubernetes' garbage collector.
  void create_claims(const VirtualMachine& vm);
  // Whether the VM's claims are there and bound; `missing` when one will never be (no PVC).
  bool claims_bound(const VirtualMachine& vm, bool& missing);
  void removed(const VirtualMachine& vm);
  std::string new_uid();
  void stamp(ObjectMeta& meta);  // uid, resourceVersion, creationTimestamp

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

  std::map<std::string, Namespace> namespaces_;
  std::map<Key, VmImage> images_;
  std::map<std::string, StorageClass> storage_classes_;
  std::map<Key, NetworkAttachment> networks_;
  std::map<Key, Secret> secrets_;
  std::map<Key, PersistentVolumeClaim> claims_;
  // Hosts: cordoned ones take no new VMIs; each one's migrations queued and under way.
  struct Host {
    bool cordoned = false;
    std::vector<Key> to_migrate;
    int migrating = 0;
    std::function<void()> maintained;  // maintain_host's `done`
    bool rebooting = false;
    int vmis = 0;                                 // VMIs on it
    std::unordered_map<std::string, int> spread;  // of them, by anti-affinity value
  };
  std::vector<Host> hosts_;
};

}  // namespace ha
