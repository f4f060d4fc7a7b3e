// Reading KubeVirt VirtualMachines: what the autoscaler and the models need of one, in the
// shapes real clients write (either of spec.running and spec.runStrategy; the root disk as
// the volume of the bootOrder 1 disk, or the first disk, and its claim template). A value of
// the wrong type is an error naming its JSON path; what is absent is left empty.
#include <cmath>

#include "backends/wire/json_path.h"
#include "backends/wire/kubevirt_json.h"
#include "base/quantity.h"

namespace ha::kubevirt_json {
namespace {

Error bad(const std::string& path, const std::string& what) {
  return make_error(path + ": " + what, ErrorKind::kInvalid);
}

// The largest quantity read, in base units (8 PiB of memory): past it the cast to int64 of a
// cpu in millicores would be undefined (found by fuzzing).
constexpr double kMaxQuantity = 9e15;

// A quantity at `path` under the template's domain, in base units; 0 when absent.
Result<double> quantity(const json& j, std::initializer_list<const char*> path,
                        const std::string& name) {
  const json* q = json_at(j, path);
  if (q == nullptr || q->is_null()) return 0.0;
  double value = 0;
  if (q->is_number()) {
    value = q->get<double>();
  } else if (q->is_string()) {
    auto parsed = parse_quantity(q->get<std::string>());
    if (!parsed) return bad(name, parsed.error().message);
    value = *parsed;
  } else {
    return bad(name, "expected a quantity");
  }
  if (!(std::fabs(value) <= kMaxQuantity)) return bad(name, "out of range");
  return value;
}

// The claim templates of the annotation, by claim name.
Result<std::map<std::string, VolumeClaimTemplate>> read_claims(const std::string& text) {
  std::map<std::string, VolumeClaimTemplate> out;
  json parsed = json::parse(text, nullptr, false);
  if (!parsed.is_array()) {
    return bad(std::string("metadata.annotations[") + kClaimTemplates + "]",
               "not a JSON array of claims");
  }
  for (const json& c : parsed) {
    const json* name = json_at(c, {"metadata", "name"});
    if (name == nullptr || !name->is_string()) continue;
    VolumeClaimTemplate t;
    t.claim_name = name->get<std::string>();
    if (const json* image = json_at(c, {"metadata", "annotations", kImageId});
        image && image->is_string()) {
      t.image_id = image->get<std::string>();
    }
    if (const json* labels = json_at(c, {"metadata", "labels"}); labels && labels->is_object()) {
      for (const auto& [k, v] : labels->items()) {
        if (v.is_string()) t.labels[k] = v.get<std::string>();
      }
    }
    if (const json* sc = json_at(c, {"spec", "storageClassName"}); sc && sc->is_string()) {
      t.storage_class = sc->get<std::string>();
    }
    auto size = quantity(c, {"spec", "resources", "requests", "storage"}, "storage");
    if (size) t.storage_bytes = static_cast<std::int64_t>(*size);
    out[t.claim_name] = t;
  }
  return out;
}

// The claim the VM boots from: the volume of the disk with bootOrder 1, else of the first
// disk that is a persistentVolumeClaim.
std::string root_claim(const json& pod) {
  const json* disks = json_at(pod, {"domain", "devices", "disks"});
  const json* volumes = json_at(pod, {"volumes"});
  if (volumes == nullptr || !volumes->is_array()) return "";
  auto claim_of = [&](const std::string& volume) -> std::string {
    for (const json& v : *volumes) {
      if (v.value("name", json()) != volume) continue;
      const json* claim = json_at(v, {"persistentVolumeClaim", "claimName"});
      return claim && claim->is_string() ? claim->get<std::string>() : "";
    }
    return "";
  };
  if (disks != nullptr && disks->is_array()) {
    for (const json& d : *disks) {
      if (d.value("bootOrder", json()) == 1 && d.contains("name") && d["name"].is_string()) {
        return claim_of(d["name"].get<std::string>());
      }
    }
  }
  for (const json& v : *volumes) {
    const json* claim = json_at(v, {"persistentVolumeClaim", "claimName"});
    if (claim && claim->is_string()) return claim->get<std::string>();
  }
  return "";
}

}  // namespace

Result<VirtualMachineSpec> read_virtual_machine_spec(const json& j) {
  VirtualMachineSpec s;
  const json* name = json_at(j, {"metadata", "name"});
  if (!name || !name->is_string()) return bad("metadata.name", "missing or not a string");
  s.name = name->get<std::string>();
  if (const json* ns = json_at(j, {"metadata", "namespace"}); ns && ns->is_string()) {
    s.namespace_ = ns->get<std::string>();
  }
  try {
    if (const json* l = json_at(j, {"metadata", "labels"}); l && !l->is_null()) {
      s.labels = l->get<std::map<std::string, std::string>>();
    }
    if (const json* a = json_at(j, {"metadata", "annotations"}); a && !a->is_null()) {
      s.annotations = a->get<std::map<std::string, std::string>>();
    }
  } catch (const json::exception&) {
    return bad("metadata.labels/annotations", "expected string values");
  }
  const json* running = json_at(j, {"spec", "running"});
  if (running && !running->is_null()) {
    // (a string here used to throw out of the reader: found by fuzzing)
    if (!running->is_boolean()) return bad("spec.running", "expected true or false");
    s.running = running->get<bool>();
  }
  if (const json* rs = json_at(j, {"spec", "runStrategy"}); rs && !rs->is_null()) {
    if (!rs->is_string()) return bad("spec.runStrategy", "expected a string");
    s.run_strategy = rs->get<std::string>();
  }
  static const json kNull;
  const json* pod_ptr = json_at(j, {"spec", "template", "spec"});
  const json& pod = pod_ptr ? *pod_ptr : kNull;
  const json* cores = json_at(pod, {"domain", "cpu", "cores"});
  if (cores && !cores->is_null()) {
    if (!cores->is_number()) {
      return bad("spec.template.spec.domain.cpu.cores", "expected a number");
    }
    // The API server decodes cores into a uint32: a number outside it is refused there.
    double n = cores->get<double>();
    if (!(n >= 0 && n <= 4294967295.0)) {
      return bad("spec.template.spec.domain.cpu.cores", "out of range of uint32");
    }
    s.cpu_cores = n;
  }
  const std::string domain = "spec.template.spec.domain.";
  auto read = [&](std::initializer_list<const char*> path, const char* name, double scale,
                  std::int64_t& out) -> std::optional<Error> {
    auto q = quantity(pod, path, domain + name);
    if (!q) return q.error();
    out = static_cast<std::int64_t>(*q * scale);
    return std::nullopt;
  };
  for (auto e : {read({"domain", "resources", "limits", "cpu"}, "resources.limits.cpu", 1000,
                      s.cpu_limit_millis),
                 read({"domain", "resources", "limits", "memory"}, "resources.limits.memory", 1,
                      s.memory_bytes),
                 read({"domain", "resources", "requests", "cpu"}, "resources.requests.cpu", 1000,
                      s.cpu_request_millis),
                 read({"domain", "resources", "requests", "memory"}, "resources.requests.memory", 1,
                      s.memory_request_bytes),
                 read({"domain", "memory", "guest"}, "memory.guest", 1, s.guest_memory_bytes)}) {
    if (e) return *e;
  }
  if (const json* nets = json_at(pod, {"networks"}); nets && nets->is_array() && !nets->empty()) {
    if (const json* n = json_at((*nets)[0], {"multus", "networkName"}); n && n->is_string()) {
      s.network = n->get<std::string>();
    }
  }
  if (const json* vols = json_at(pod, {"volumes"}); vols && vols->is_array()) {
    for (const json& v : *vols) {
      if (const json* u = json_at(v, {"cloudInitNoCloud", "userData"}); u && u->is_string()) {
        s.user_data = u->get<std::string>();
      }
      if (const json* r = json_at(v, {"cloudInitNoCloud", "secretRef", "name"});
          r && r->is_string()) {
        s.user_data_secret = r->get<std::string>();
      }
    }
  }
  if (std::string claim = root_claim(pod); !claim.empty()) {
    VolumeClaimTemplate disk;
    disk.claim_name = claim;
    if (auto text = s.annotations.find(kClaimTemplates); text != s.annotations.end()) {
      auto claims = read_claims(text->second);
      if (!claims) return claims.error();
      if (auto t = claims->find(claim); t != claims->end()) disk = t->second;
    }
    s.root_disk = disk;
  }
  if (const json* e = json_at(pod, {"evictionStrategy"}); e && e->is_string()) {
    s.eviction_strategy = e->get<std::string>();
  }
  if (const json* h = json_at(pod, {"hostname"}); h && h->is_string())
    s.hostname = h->get<std::string>();
  if (const json* g = json_at(pod, {"terminationGracePeriodSeconds"});
      g && g->is_number_integer()) {
    s.termination_grace_seconds = g->get<std::int64_t>();
  }
  if (const json* terms = json_at(
          pod, {"affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution"});
      terms && terms->is_array()) {
    for (const json& t : *terms) {
      if (json_at(t, {"podAffinityTerm", "topologyKey"}) == nullptr ||
          t["podAffinityTerm"]["topologyKey"] != "kubernetes.io/hostname") {
        continue;
      }
      const json* exprs = json_at(t, {"podAffinityTerm", "labelSelector", "matchExpressions"});
      if (exprs && exprs->is_array() && !exprs->empty() && (*exprs)[0].contains("key") &&
          (*exprs)[0]["key"].is_string()) {
        s.anti_affinity_label = (*exprs)[0]["key"].get<std::string>();
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
  if (const json* uid = json_at(j, {"metadata", "uid"}); uid && uid->is_string()) {
    vm.uid = uid->get<std::string>();
  }
  if (const json* rv = json_at(j, {"metadata", "resourceVersion"}); rv && rv->is_string()) {
    vm.resource_version = rv->get<std::string>();
  }
  if (const json* st = json_at(j, {"status", "printableStatus"}); st && st->is_string()) {
    vm.printable_status = st->get<std::string>();
  }
  vm.creation_time = Time::max();  // unknown: never judged stuck by its age
  if (const json* ts = json_at(j, {"metadata", "creationTimestamp"}); ts && !ts->is_null()) {
    auto t = ts->is_string() ? parse_timestamp(ts->get<std::string>()) : std::nullopt;
    if (!t) return bad("metadata.creationTimestamp", "not an RFC 3339 time");
    vm.creation_time = *t;
  }
  if (const json* conditions = json_at(j, {"status", "conditions"});
      conditions && conditions->is_array()) {
    for (std::size_t i = 0; i < conditions->size(); ++i) {
      const json& c = (*conditions)[i];
      if (!c.is_object() || c.value("type", json()) != "Ready") continue;
      const json* ts = json_at(c, {"lastTransitionTime"});
      if (!ts || ts->is_null()) continue;
      auto t = ts->is_string() ? parse_timestamp(ts->get<std::string>()) : std::nullopt;
      if (!t) {
        return bad("status.conditions[" + std::to_string(i) + "].lastTransitionTime",
                   "not an RFC 3339 time");
      }
      vm.ready_changed = *t;
    }
  }
  return vm;
}

Result<VmList> read_virtual_machine_list(const json& j) {
  const json* items = json_at(j, {"items"});
  if (!items || !(items->is_array() || items->is_null())) {
    return bad("items", "missing or not an array");
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

}  // namespace ha::kubevirt_json
