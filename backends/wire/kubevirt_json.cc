#include "backends/wire/kubevirt_json.h"

#include <chrono>
#include <ctime>
#include <optional>
#include <string_view>

#include "base/quantity.h"

namespace ha::kubevirt_json {
namespace {

constexpr const char* kImageAnnotation = "harvesterhci.io/volumeClaimTemplates";

std::string memory_quantity(std::int64_t bytes) {
  constexpr std::int64_t kGi = 1LL << 30, kMi = 1LL << 20;
  if (bytes > 0 && bytes % kGi == 0) return std::to_string(bytes / kGi) + "Gi";
  if (bytes > 0 && bytes % kMi == 0) return std::to_string(bytes / kMi) + "Mi";
  return std::to_string(bytes);
}

// Loop time as an RFC 3339 timestamp (loop time counts from the Unix epoch in the agent).
std::string timestamp(Time t) {
  std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(t).count();
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// An RFC 3339 UTC timestamp ("2026-12-01T10:00:00Z", fractions allowed) as loop time.
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

const json* at(const json& j, std::initializer_list<const char*> path) {
  const json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

// The phase of the VMI a VM in `status` has; empty when it has none.
std::string instance_phase(const std::string& s) {
  return s == "Starting"                                             ? "Scheduled"
         : s == "ErrorUnschedulable"                                 ? "Pending"
         : (s == "Running" || s == "Stopping" || s == "Terminating") ? "Running"
                                                                     : "";
}

}  // namespace

json virtual_machine_spec(const VirtualMachineSpec& s) {
  json claims = json::array();
  if (!s.image.empty()) {
    claims.push_back(
        {{"metadata",
          {{"name", s.name + "-disk-0"}, {"annotations", {{"harvesterhci.io/imageId", s.image}}}}},
         {"spec",
          {{"accessModes", {"ReadWriteMany"}},
           {"resources", {{"requests", {{"storage", "10Gi"}}}}},
           {"volumeMode", "Block"}}}});
  }
  json template_labels = s.labels;
  template_labels["harvesterhci.io/vmName"] = s.name;
  json annotations = s.annotations;
  if (!s.image.empty()) annotations[kImageAnnotation] = claims.dump();
  json networks = json::array(), interfaces = json::array();
  if (!s.network.empty()) {
    networks.push_back({{"name", "nic-1"}, {"multus", {{"networkName", s.network}}}});
    interfaces.push_back({{"name", "nic-1"}, {"model", "virtio"}, {"bridge", json::object()}});
  }
  json volumes = json::array(), disks = json::array();
  if (!s.image.empty()) {
    volumes.push_back(
        {{"name", "disk-0"}, {"persistentVolumeClaim", {{"claimName", s.name + "-disk-0"}}}});
    disks.push_back({{"name", "disk-0"}, {"disk", {{"bus", "virtio"}}}, {"bootOrder", 1}});
  }
  volumes.push_back({{"name", "cloudinitdisk"}, {"cloudInitNoCloud", {{"userData", s.user_data}}}});
  disks.push_back({{"name", "cloudinitdisk"}, {"disk", {{"bus", "virtio"}}}});
  return {{"apiVersion", "kubevirt.io/v1"},
          {"kind", "VirtualMachine"},
          {"metadata",
           {{"name", s.name},
            {"namespace", s.namespace_},
            {"labels", s.labels},
            {"annotations", annotations}}},
          {"spec",
           {{"running", s.running},
            {"template",
             // Harvester's schema requires a name in the template's ObjectMeta; Harvester
             // itself labels the VMI with the VM's name (harvesterhci.io/vmName).
             {{"metadata", {{"name", s.name}, {"labels", template_labels}}},
              {"spec",
               {{"domain",
                 {{"cpu", {{"cores", s.cpu_cores}}},
                  {"resources", {{"requests", {{"memory", memory_quantity(s.memory_bytes)}}}}},
                  {"devices", {{"disks", disks}, {"interfaces", interfaces}}}}},
                {"networks", networks},
                {"volumes", volumes}}}}}}}};
}

json virtual_machine(const VirtualMachine& vm) {
  json j = virtual_machine_spec(vm.spec);
  j["metadata"]["uid"] = vm.uid;
  j["metadata"]["resourceVersion"] = vm.resource_version;
  j["metadata"]["creationTimestamp"] = timestamp(vm.creation_time);
  j["metadata"]["generation"] = 1;
  bool ready = vm.printable_status == "Running";
  j["status"] = {{"printableStatus", vm.printable_status},
                 {"created", vm.printable_status != "Stopped"},
                 {"ready", ready}};
  if (vm.ready_changed) {
    json ready_condition = {{"type", "Ready"},
                            {"status", ready ? "True" : "False"},
                            {"lastTransitionTime", timestamp(*vm.ready_changed)}};
    if (instance_phase(vm.printable_status).empty()) ready_condition["reason"] = "VMINotExists";
    j["status"]["conditions"] = json::array({ready_condition});
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
  if (phase == "Running") status["nodeName"] = "harvester-node-0";
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

Result<VirtualMachineSpec> read_virtual_machine_spec(const json& j) {
  VirtualMachineSpec s;
  const json* name = at(j, {"metadata", "name"});
  if (!name || !name->is_string()) {
    return make_error("metadata.name: missing or not a string", ErrorKind::kInvalid);
  }
  s.name = name->get<std::string>();
  if (const json* ns = at(j, {"metadata", "namespace"}); ns && ns->is_string()) {
    s.namespace_ = ns->get<std::string>();
  }
  try {
    if (const json* l = at(j, {"metadata", "labels"}); l && !l->is_null()) {
      s.labels = l->get<std::map<std::string, std::string>>();
    }
    if (const json* a = at(j, {"metadata", "annotations"}); a && !a->is_null()) {
      s.annotations = a->get<std::map<std::string, std::string>>();
    }
  } catch (const json::exception&) {
    return make_error("metadata.labels/annotations: expected string values", ErrorKind::kInvalid);
  }
  if (auto claims = s.annotations.find(kImageAnnotation); claims != s.annotations.end()) {
    json parsed = json::parse(claims->second, nullptr, false);
    if (parsed.is_array() && !parsed.empty()) {
      if (const json* image = at(parsed[0], {"metadata", "annotations", "harvesterhci.io/imageId"});
          image && image->is_string()) {
        s.image = image->get<std::string>();
      }
    }
    s.annotations.erase(claims);
  }
  const json* running = at(j, {"spec", "running"});
  if (running && !running->is_null() && !running->is_boolean()) {
    // (a string here used to throw out of the reader: found by fuzzing)
    return make_error("spec.running: expected true or false", ErrorKind::kInvalid);
  }
  s.running = running == nullptr || running->is_null() || running->get<bool>();
  const json* cores = at(j, {"spec", "template", "spec", "domain", "cpu", "cores"});
  if (cores && cores->is_number()) s.cpu_cores = cores->get<double>();
  const json* memory =
      at(j, {"spec", "template", "spec", "domain", "resources", "requests", "memory"});
  if (memory && memory->is_string()) {
    auto bytes = parse_quantity(memory->get<std::string>());
    if (!bytes) {
      return make_error(
          "spec.template.spec.domain.resources.requests.memory: " + bytes.error().message,
          ErrorKind::kInvalid);
    }
    s.memory_bytes = static_cast<std::int64_t>(*bytes);
  }
  if (const json* nets = at(j, {"spec", "template", "spec", "networks"});
      nets && nets->is_array() && !nets->empty()) {
    if (const json* n = at((*nets)[0], {"multus", "networkName"}); n && n->is_string()) {
      s.network = n->get<std::string>();
    }
  }
  if (const json* vols = at(j, {"spec", "template", "spec", "volumes"}); vols && vols->is_array()) {
    for (const json& v : *vols) {
      if (const json* u = at(v, {"cloudInitNoCloud", "userData"}); u && u->is_string()) {
        s.user_data = u->get<std::string>();
      }
    }
  }
  return s;
}

Result<VirtualMachine> read_virtual_machine(const json& j) {
  auto spec = read_virtual_machine_spec(j);
  if (!spec) return spec.error();
  VirtualMachine vm;
  vm.spec = std::move(*spec);
  if (const json* uid = at(j, {"metadata", "uid"}); uid && uid->is_string()) {
    vm.uid = uid->get<std::string>();
  }
  if (const json* rv = at(j, {"metadata", "resourceVersion"}); rv && rv->is_string()) {
    vm.resource_version = rv->get<std::string>();
  }
  if (const json* st = at(j, {"status", "printableStatus"}); st && st->is_string()) {
    vm.printable_status = st->get<std::string>();
  }
  vm.creation_time = Time::max();  // unknown: never judged stuck by its age
  if (const json* ts = at(j, {"metadata", "creationTimestamp"}); ts && !ts->is_null()) {
    auto t = ts->is_string() ? parse_timestamp(ts->get<std::string>()) : std::nullopt;
    if (!t)
      return make_error("metadata.creationTimestamp: not an RFC 3339 time", ErrorKind::kInvalid);
    vm.creation_time = *t;
  }
  if (const json* conditions = at(j, {"status", "conditions"});
      conditions && conditions->is_array()) {
    for (std::size_t i = 0; i < conditions->size(); ++i) {
      const json& c = (*conditions)[i];
      if (!c.is_object() || c.value("type", json()) != "Ready") continue;
      const json* ts = at(c, {"lastTransitionTime"});
      if (!ts || ts->is_null()) continue;
      auto t = ts->is_string() ? parse_timestamp(ts->get<std::string>()) : std::nullopt;
      if (!t) {
        return make_error(
            "status.conditions[" + std::to_string(i) + "].lastTransitionTime: not an RFC 3339 time",
            ErrorKind::kInvalid);
      }
      vm.ready_changed = *t;
    }
  }
  return vm;
}

Result<VmList> read_virtual_machine_list(const json& j) {
  const json* items = at(j, {"items"});
  if (!items || !(items->is_array() || items->is_null())) {
    return make_error("items: missing or not an array", ErrorKind::kInvalid);
  }
  VmList out;
  if (items->is_null()) return out;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto vm = read_virtual_machine((*items)[i]);
    if (!vm) {
      return make_error("items[" + std::to_string(i) + "]." + vm.error().message,
                        ErrorKind::kInvalid);
    }
    out.push_back(std::make_shared<const VirtualMachine>(std::move(*vm)));
  }
  return out;
}

json status_error(int code, const std::string& reason, const std::string& message,
                  const std::string& name) {
  json j = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason},
            {"code", code}};
  if (!name.empty()) {
    j["details"] = {{"name", name}, {"group", "kubevirt.io"}, {"kind", "virtualmachines"}};
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
