#include "backends/wire/kubevirt_json.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <optional>
#include <string_view>

namespace ha::kubevirt_json {
namespace {

constexpr const char* kRootDisk = "disk-0";
constexpr const char* kCloudInit = "cloudinitdisk";
constexpr const char* kNic = "nic-0";

// The phase of the VMI a VM in `status` has; empty when it has none.
std::string instance_phase(const std::string& s) {
  if (s == "Starting") return "Scheduled";
  if (s == "ErrorUnschedulable") return "Pending";
  if (s == "Running" || s == "Migrating" || s == "Paused" || s == "Stopping" ||
      s == "Terminating") {
    return "Running";
  }
  return "";
}

bool is_ready(const std::string& phase) {
  return phase == "Running" || phase == "Migrating";
}

json claim_template(const VolumeClaimTemplate& d) {
  json metadata = {{"name", d.claim_name}};
  if (!d.labels.empty()) metadata["labels"] = d.labels;
  if (!d.image_id.empty()) metadata["annotations"] = {{kImageId, d.image_id}};
  json spec = {{"accessModes", {"ReadWriteMany"}},
               {"resources", {{"requests", {{"storage", bytes_quantity(d.storage_bytes)}}}}},
               {"volumeMode", "Block"}};
  if (!d.storage_class.empty()) spec["storageClassName"] = d.storage_class;
  return {{"metadata", metadata}, {"spec", spec}};
}

json domain(const VirtualMachineSpec& s) {
  json limits = json::object(), requests = json::object();
  if (s.cpu_limit_millis > 0) limits["cpu"] = millis_quantity(s.cpu_limit_millis);
  if (s.memory_bytes > 0) limits["memory"] = bytes_quantity(s.memory_bytes);
  if (s.cpu_request_millis > 0) requests["cpu"] = millis_quantity(s.cpu_request_millis);
  if (s.memory_request_bytes > 0) requests["memory"] = bytes_quantity(s.memory_request_bytes);
  json resources = json::object();
  if (!limits.empty()) resources["limits"] = limits;
  if (!requests.empty()) resources["requests"] = requests;
  json disks = json::array(), interfaces = json::array();
  if (s.root_disk) {
    disks.push_back({{"name", kRootDisk}, {"bootOrder", 1}, {"disk", {{"bus", "virtio"}}}});
  }
  disks.push_back({{"name", kCloudInit}, {"disk", {{"bus", "virtio"}}}});
  if (!s.network.empty()) {
    interfaces.push_back({{"name", kNic}, {"model", "virtio"}, {"bridge", json::object()}});
  }
  json cpu = {{"cores", s.cpu_cores}, {"sockets", 1}, {"threads", 1}};
  // A whole number is written as an integer (the API's schema type); a fraction, or one no
  // integer holds, as it is, which the API refuses.
  if (std::fabs(s.cpu_cores) < 1e15 && s.cpu_cores == std::trunc(s.cpu_cores)) {
    cpu["cores"] = static_cast<std::int64_t>(s.cpu_cores);
  }
  json d = {{"cpu", cpu},
            {"resources", resources},
            {"devices", {{"disks", disks}, {"interfaces", interfaces}}}};
  if (s.guest_memory_bytes > 0) d["memory"] = {{"guest", bytes_quantity(s.guest_memory_bytes)}};
  return d;
}

}  // namespace

std::string bytes_quantity(std::int64_t bytes) {
  constexpr std::int64_t kGi = 1LL << 30, kMi = 1LL << 20;
  if (bytes > 0 && bytes % kGi == 0) return std::to_string(bytes / kGi) + "Gi";
  if (bytes > 0 && bytes % kMi == 0) return std::to_string(bytes / kMi) + "Mi";
  return std::to_string(bytes);
}

std::string millis_quantity(std::int64_t millis) {
  if (millis % 1000 == 0) return std::to_string(millis / 1000);
  return std::to_string(millis) + "m";
}

std::string timestamp(Time t) {
  std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(t).count();
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<Time> parse_timestamp(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  if (*end == '.') {
    ++end;
    while (*end >= '0' && *end <= '9') ++end;
  }
  if (std::string_view(end) != "Z") return std::nullopt;
  // Loop time counts signed nanoseconds in 64 bits: years 1900 to 2200 fit (fuzzing found
  // year 1013 overflowing). Before 1970 is a negative loop time: emulate's model starts at
  // zero and its initial VMs were created a day before.
  if (tm.tm_year < 0 || tm.tm_year > 300) return std::nullopt;
  return std::chrono::seconds(timegm(&tm));
}

std::string claim_templates(const VolumeClaimTemplate& disk) {
  return json::array({claim_template(disk)}).dump();
}

json virtual_machine_spec(const VirtualMachineSpec& s) {
  json annotations = s.annotations;
  if (s.root_disk && !s.annotations.count(kClaimTemplates)) {
    annotations[kClaimTemplates] = claim_templates(*s.root_disk);
  }
  json template_labels = s.labels;
  template_labels["harvesterhci.io/vmName"] = s.name;
  json networks = json::array(), volumes = json::array();
  if (!s.network.empty()) {
    networks.push_back({{"name", kNic}, {"multus", {{"networkName", s.network}}}});
  }
  if (s.root_disk) {
    volumes.push_back(
        {{"name", kRootDisk}, {"persistentVolumeClaim", {{"claimName", s.root_disk->claim_name}}}});
  }
  json cloud_init = json::object();
  if (!s.user_data_secret.empty()) {
    cloud_init["secretRef"] = {{"name", s.user_data_secret}};
  } else {
    cloud_init["userData"] = s.user_data;
  }
  volumes.push_back({{"name", kCloudInit}, {"cloudInitNoCloud", cloud_init}});
  json pod = {{"domain", domain(s)}, {"networks", networks}, {"volumes", volumes}};
  if (!s.eviction_strategy.empty()) pod["evictionStrategy"] = s.eviction_strategy;
  if (!s.hostname.empty()) pod["hostname"] = s.hostname;
  if (s.termination_grace_seconds) {
    pod["terminationGracePeriodSeconds"] = *s.termination_grace_seconds;
  }
  if (!s.anti_affinity_label.empty()) {
    auto value = s.labels.find(s.anti_affinity_label);
    json expression = {{"key", s.anti_affinity_label}, {"operator", "Exists"}};
    if (value != s.labels.end()) {
      expression = {{"key", s.anti_affinity_label},
                    {"operator", "In"},
                    {"values", json::array({value->second})}};
    }
    pod["affinity"] = {
        {"podAntiAffinity",
         {{"preferredDuringSchedulingIgnoredDuringExecution",
           json::array({{{"weight", 100},
                         {"podAffinityTerm",
                          {{"labelSelector", {{"matchExpressions", json::array({expression})}}},
                           {"topologyKey", "kubernetes.io/hostname"}}}}})}}}};
  }
  json spec = {{"template",
                // Harvester's schema requires a name in the template's ObjectMeta; Harvester itself
                // labels the VMI with the VM's name (harvesterhci.io/vmName).
                {{"metadata",
                  {{"name", s.name},
                   {"labels", template_labels},
                   {"annotations",
                    {{"harvesterhci.io/sshNames", "[]"},
                     {"harvesterhci.io/waitForLeaseInterfaceNames", "[]"}}}}},
                 {"spec", pod}}}};
  if (!s.run_strategy.empty()) spec["runStrategy"] = s.run_strategy;
  if (s.running) spec["running"] = *s.running;
  return {{"apiVersion", "kubevirt.io/v1"},
          {"kind", "VirtualMachine"},
          {"metadata",
           {{"name", s.name},
            {"namespace", s.namespace_},
            {"labels", s.labels},
            {"annotations", annotations}}},
          {"spec", spec}};
}

json virtual_machine(const VirtualMachine& vm) {
  json j = virtual_machine_spec(vm.spec);
  j["metadata"]["uid"] = vm.uid;
  j["metadata"]["resourceVersion"] = vm.resource_version;
  j["metadata"]["creationTimestamp"] = timestamp(vm.creation_time);
  j["metadata"]["generation"] = 1;
  bool ready = is_ready(vm.printable_status);
  j["status"] = {{"printableStatus", vm.printable_status},
                 {"created", !instance_phase(vm.printable_status).empty()},
                 {"ready", ready}};
  if (vm.ready_changed) {
    json ready_condition = {{"type", "Ready"},
                            {"status", ready ? "True" : "False"},
                            {"lastProbeTime", nullptr},
                            {"lastTransitionTime", timestamp(*vm.ready_changed)}};
    if (instance_phase(vm.printable_status).empty()) {
      ready_condition["reason"] = "VMINotExists";
      ready_condition["message"] = "VMI does not exist";
    }
    json conditions = json::array({ready_condition});
    if (vm.printable_status == "Paused") {
      conditions.push_back({{"type", "Paused"},
                            {"status", "True"},
                            {"reason", "PausedByUser"},
                            {"message", "VMI was paused by user"},
                            {"lastProbeTime", nullptr},
                            {"lastTransitionTime", timestamp(*vm.ready_changed)}});
    }
    j["status"]["conditions"] = conditions;
  }
  if (!vm.spec.run_strategy.empty() && !instance_phase(vm.printable_status).empty()) {
    j["status"]["runStrategy"] = vm.spec.run_strategy;
  }
  return j;
}

json virtual_machine_list(const VmList& vms, const std::string& resource_version) {
  json items = json::array();
  for (const auto& vm : vms) items.push_back(virtual_machine(*vm));
  return {{"apiVersion", "kubevirt.io/v1"},
          {"kind", "VirtualMachineList"},
          {"metadata", {{"resourceVersion", resource_version}}},
          {"items", items}};
}

json virtual_machine_instance(const VirtualMachine& vm) {
  std::string phase = instance_phase(vm.printable_status);
  if (phase.empty()) return nullptr;
  json vmj = virtual_machine_spec(vm.spec);
  json metadata = vmj["spec"]["template"]["metadata"];
  metadata["namespace"] = vm.spec.namespace_;
  metadata["uid"] = vm.uid + "-vmi";
  metadata["resourceVersion"] = vm.resource_version;
  metadata["creationTimestamp"] = timestamp(vm.creation_time);
  metadata["ownerReferences"] = {{{"apiVersion", "kubevirt.io/v1"},
                                  {"kind", "VirtualMachine"},
                                  {"name", vm.spec.name},
                                  {"uid", vm.uid},
                                  {"controller", true},
                                  {"blockOwnerDeletion", true}}};
  json status = {{"phase", phase}};
  if (!vm.host.empty()) {
    status["nodeName"] = vm.host;
    metadata["labels"]["kubevirt.io/nodeName"] = vm.host;
  }
  json conditions = json::array();
  std::string since = vm.ready_changed ? timestamp(*vm.ready_changed) : timestamp(vm.creation_time);
  conditions.push_back({{"type", "Ready"},
                        {"status", is_ready(vm.printable_status) ? "True" : "False"},
                        {"lastProbeTime", nullptr},
                        {"lastTransitionTime", since}});
  if (vm.printable_status == "Paused") {
    conditions.push_back({{"type", "Paused"},
                          {"status", "True"},
                          {"reason", "PausedByUser"},
                          {"lastProbeTime", nullptr},
                          {"lastTransitionTime", since}});
  }
  status["conditions"] = conditions;
  if (vm.printable_status == "Migrating") {
    status["migrationState"] = {{"startTimestamp", since}, {"sourceNode", vm.host}};
  }
  return {{"apiVersion", "kubevirt.io/v1"},
          {"kind", "VirtualMachineInstance"},
          {"metadata", metadata},
          {"spec", vmj["spec"]["template"]["spec"]},
          {"status", status}};
}

json virtual_machine_instance_list(const VmList& vms, const std::string& resource_version) {
  json items = json::array();
  for (const auto& vm : vms) {
    json vmi = virtual_machine_instance(*vm);
    if (!vmi.is_null()) items.push_back(std::move(vmi));
  }
  return {{"apiVersion", "kubevirt.io/v1"},
          {"kind", "VirtualMachineInstanceList"},
          {"metadata", {{"resourceVersion", resource_version}}},
          {"items", items}};
}

json status_error(int code, const std::string& reason, const std::string& message,
                  const std::string& name, const std::string& kind, const std::string& group) {
  json j = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason},
            {"code", code}};
  if (!name.empty()) {
    j["details"] = {{"name", name}, {"kind", kind}};
    if (!group.empty()) j["details"]["group"] = group;
  }
  return j;
}

json merge_patch(json target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      target.erase(key);
    } else {
      target[key] = merge_patch(target.contains(key) ? target[key] : json(nullptr), value);
    }
  }
  return target;
}

}  // namespace ha::kubevirt_json
