// HarvesterApi: KubeVirt VirtualMachines through Harvester's Kubernetes API
// (/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachines; schemas in
// third_party/harvester/swagger.json). Implemented by the memory model and the HTTP client.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/api/async.h"
#include "backends/api/harvester_objects.h"
#include "base/time.h"

namespace ha {

// A disk made from a claim template of the annotation harvesterhci.io/volumeClaimTemplates:
// Harvester's VM controller creates the PersistentVolumeClaim exactly as written (it fills in
// no storage class and sets no owner).
struct VolumeClaimTemplate {
  std::string claim_name;  // the claim's metadata.name
  // Annotation harvesterhci.io/imageId, "namespace/name"; empty for a blank disk.
  std::string image_id;
  // spec.storageClassName: the image's status.storageClassName for a disk holding the image;
  // empty when none is written (the cluster's default class: a blank disk).
  std::string storage_class;
  std::int64_t storage_bytes = 0;             // spec.resources.requests.storage
  std::map<std::string, std::string> labels;  // the claim's metadata.labels
};

struct VirtualMachineSpec {
  std::string name;
  std::string namespace_;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  double cpu_cores = 0;               // template domain.cpu.cores: a whole number on the wire
  std::int64_t memory_bytes = 0;      // domain.resources.limits.memory (the guest's memory)
  std::int64_t cpu_limit_millis = 0;  // domain.resources.limits.cpu; 0: none
  // What Harvester's mutating webhook derives from the limits and stores (requests.cpu,
  // requests.memory, domain.memory.guest); a create leaves them 0.
  std::int64_t cpu_request_millis = 0;
  std::int64_t memory_request_bytes = 0;
  std::int64_t guest_memory_bytes = 0;
  std::optional<VolumeClaimTemplate> root_disk;  // the boot disk (bootOrder 1)
  std::string network;                           // networks[0].multus.networkName, "namespace/name"
  std::string user_data;         // cloudInitNoCloud.userData (inline: at most 2,048 bytes)
  std::string user_data_secret;  // cloudInitNoCloud.secretRef.name (a Secret, key userdata)
  // spec.runStrategy (Always, RerunOnFailure, Manual, Halted, Once); empty when unset.
  std::string run_strategy;
  // spec.running, deprecated, when set. KubeVirt refuses a VM with both.
  std::optional<bool> running;
  // template evictionStrategy (LiveMigrate, LiveMigrateIfPossible, External, None); empty:
  // the cluster's, which is None: a host drain shuts the VM down.
  std::string eviction_strategy;
  // A preferred pod anti-affinity across hosts (topologyKey kubernetes.io/hostname) on this
  // template label having the VM's own value; empty: none.
  std::string anti_affinity_label;
  std::optional<std::int64_t> termination_grace_seconds;
  std::string hostname;  // template spec.hostname; empty: the guest takes the VM's name

  // The run strategy in effect: runStrategy, else Always or Halted from spec.running (Halted
  // when neither is set), as KubeVirt reads it.
  std::string effective_run_strategy() const {
    if (!run_strategy.empty()) return run_strategy;
    return running.value_or(false) ? "Always" : "Halted";
  }
  // The image the VM boots: its root disk's, if any.
  std::string image() const { return root_disk ? root_disk->image_id : std::string(); }
};

struct VirtualMachine {
  VirtualMachineSpec spec;
  std::string uid;
  std::string resource_version;
  Time creation_time{0};
  // status.printableStatus: Provisioning, Starting, Running, Migrating, Paused, Stopping,
  // Stopped, Terminating, ErrorUnschedulable, ErrorPvcNotFound, ...
  std::string printable_status;
  // The lastTransitionTime of status.conditions' Ready: when the VM last became ready or
  // stopped being. A Stopped VM's is when it stopped (KubeVirt keeps it across restarts of
  // whoever stopped it). None when the server gives no such condition.
  std::optional<Time> ready_changed;
  // The Harvester host its VMI runs on (the VMI's status.nodeName); empty without a VMI.
  std::string host;
};

// A list's items are shared and immutable: a VM in a list is a snapshot that no one
// changes (the model copies on write), so listing a large group copies no VM.
using VmList = std::vector<std::shared_ptr<const VirtualMachine>>;

// A list with the version of the state it shows (metadata.resourceVersion): a watch from
// that version misses nothing and repeats nothing. Versions are opaque strings.
struct VmSnapshot {
  VmList items;
  std::string resource_version;
};

// One event of a VM watch. kBookmark carries only a newer version (no VM).
struct VmChange {
  enum class Type { kAdded, kModified, kDeleted, kBookmark };
  Type type = Type::kAdded;
  std::shared_ptr<const VirtualMachine> vm;
  std::string resource_version;
};

class HarvesterApi {
 public:
  virtual ~HarvesterApi() = default;
  // `label_selector` in Kubernetes syntax ("a=b,c=d").
  virtual void list_vms(const std::string& ns, const std::string& label_selector,
                        Done<VmList> done) = 0;
  // The same list with its resourceVersion, for a watch to start from.
  virtual void list_vms_versioned(const std::string& ns, const std::string& label_selector,
                                  Done<VmSnapshot> done) = 0;
  // Watches the VMs of `ns` matching `label_selector` from `resource_version` (from a
  // list, or the last event seen): `on_change` runs for each change after it, in order, with
  // bookmarks; `done` runs once when the watch ends: ok when the server closed it (after
  // `timeout`, or for its own reasons: watch again from the last version seen), kGone when
  // the version is too old (list again), another error otherwise. Both on the loop.
  virtual std::unique_ptr<WatchHandle> watch_vms(
      const std::string& ns, const std::string& label_selector, const std::string& resource_version,
      Duration timeout, std::function<void(const VmChange&)> on_change, Done<Unit> done) = 0;
  virtual void get_vm(const std::string& ns, const std::string& name,
                      Done<VirtualMachine> done) = 0;
  virtual void create_vm(const VirtualMachineSpec& spec, Done<VirtualMachine> done) = 0;
  // Deletes the VM. Harvester then deletes the claims its annotation
  // harvesterhci.io/removedPersistentVolumeClaims names, and no others.
  virtual void delete_vm(const std::string& ns, const std::string& name, Done<Unit> done) = 0;
  // The same, only if the VM is still the object `uid` at `resource_version` (DeleteOptions
  // preconditions): a VM changed since it was read (started migrating, restarted) is not
  // deleted, kConflict.
  virtual void delete_vm_if(const std::string& ns, const std::string& name, const std::string& uid,
                            const std::string& resource_version, Done<Unit> done) = 0;
  // KubeVirt's start and stop subresources (what they do depends on the run strategy).
  virtual void start_vm(const std::string& ns, const std::string& name, Done<Unit> done) = 0;
  virtual void stop_vm(const std::string& ns, const std::string& name, Done<Unit> done) = 0;
  // Merges `annotations` into the VM's (a merge patch of metadata.annotations), if its uid is
  // still `uid` (else kConflict); answers the VM as patched.
  virtual void annotate_vm(const std::string& ns, const std::string& name, const std::string& uid,
                           const std::map<std::string, std::string>& annotations,
                           Done<VirtualMachine> done) = 0;
  // A VirtualMachineImage; `id` is "namespace/name".
  virtual void get_image(const std::string& id, Done<VmImage> done) = 0;
  // Creates a Secret (kConflict if its name is taken).
  virtual void create_secret(const Secret& secret, Done<Unit> done) = 0;
};

}  // namespace ha
