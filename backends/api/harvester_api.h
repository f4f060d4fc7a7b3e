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
#include "base/time.h"

namespace ha {

struct VirtualMachineSpec {
  std::string name;
  std::string namespace_;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  double cpu_cores = 0;           // spec.template.spec.domain.cpu.cores
  std::int64_t memory_bytes = 0;  // spec.template.spec.domain.resources.requests.memory
  std::string image;
  std::string network;
  std::string user_data;  // cloud-init
  bool running = true;    // spec.running
};

struct VirtualMachine {
  VirtualMachineSpec spec;
  std::string uid;
  std::string resource_version;
  Time creation_time{0};
  // status.printableStatus: Provisioning, Starting, Running, Stopping, Stopped,
  // Terminating, ErrorUnschedulable, ...
  std::string printable_status;
  // The lastTransitionTime of status.conditions' Ready: when the VM last became ready or
  // stopped being. A Stopped VM's is when it stopped (KubeVirt keeps it across restarts of
  // whoever stopped it). None when the server gives no such condition.
  std::optional<Time> ready_changed;
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
  // Deletes the VM and its volumes.
  virtual void delete_vm(const std::string& ns, const std::string& name, Done<Unit> done) = 0;
  virtual void start_vm(const std::string& ns, const std::string& name, Done<Unit> done) = 0;
  virtual void stop_vm(const std::string& ns, const std::string& name, Done<Unit> done) = 0;
};

}  // namespace ha
