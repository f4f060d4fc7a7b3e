#include "backends/wire/kube_objects_json.h"

#include "backends/wire/json_path.h"
#include "backends/wire/kubevirt_json.h"
#include "base/base64.h"
#include "base/quantity.h"

namespace ha::kube_json {
namespace {

using kubevirt_json::bytes_quantity;
using kubevirt_json::timestamp;

std::string text(const json& j, std::initializer_list<const char*> path) {
  const json* v = json_at(j, path);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

json typed(const char* api_version, const char* kind, const ObjectMeta& meta) {
  return {{"apiVersion", api_version}, {"kind", kind}, {"metadata", object_meta(meta)}};
}

json condition(const char* type, bool status, const std::string& reason, Time since,
               const std::string& message = "") {
  json c = {{"type", type},
            {"status", status ? "True" : "Unknown"},
            {"reason", reason},
            {"lastUpdateTime", timestamp(since)},
            {"lastTransitionTime", timestamp(since)}};
  if (!message.empty()) c["message"] = message;
  return c;
}

}  // namespace

json object_meta(const ObjectMeta& m) {
  json j = {{"name", m.name}};
  if (!m.namespace_.empty()) j["namespace"] = m.namespace_;
  if (!m.uid.empty()) {
    j["uid"] = m.uid;
    j["resourceVersion"] = m.resource_version;
    j["creationTimestamp"] = timestamp(m.creation_time);
  }
  if (!m.labels.empty()) j["labels"] = m.labels;
  if (!m.annotations.empty()) j["annotations"] = m.annotations;
  if (!m.owner_references.empty()) {
    json owners = json::array();
    for (const OwnerReference& o : m.owner_references) {
      json r = {{"apiVersion", o.api_version}, {"kind", o.kind}, {"name", o.name}, {"uid", o.uid}};
      if (o.controller) r["controller"] = true;
      if (o.block_owner_deletion) r["blockOwnerDeletion"] = true;
      owners.push_back(r);
    }
    j["ownerReferences"] = owners;
  }
  return j;
}

Result<ObjectMeta> read_object_meta(const json& j) {
  ObjectMeta m;
  const json* meta = json_at(j, {"metadata"});
  if (meta == nullptr || !meta->is_object()) {
    return make_error("metadata: missing or not an object", ErrorKind::kInvalid);
  }
  m.name = text(*meta, {"name"});
  m.namespace_ = text(*meta, {"namespace"});
  m.uid = text(*meta, {"uid"});
  m.resource_version = text(*meta, {"resourceVersion"});
  try {
    if (const json* l = json_at(*meta, {"labels"}); l && !l->is_null()) {
      m.labels = l->get<std::map<std::string, std::string>>();
    }
    if (const json* a = json_at(*meta, {"annotations"}); a && !a->is_null()) {
      m.annotations = a->get<std::map<std::string, std::string>>();
    }
  } catch (const json::exception&) {
    return make_error("metadata.labels/annotations: expected string values", ErrorKind::kInvalid);
  }
  if (const json* owners = json_at(*meta, {"ownerReferences"}); owners && owners->is_array()) {
    for (const json& o : *owners) {
      OwnerReference r{text(o, {"apiVersion"}), text(o, {"kind"}), text(o, {"name"}),
                       text(o, {"uid"})};
      r.controller = o.value("controller", false);
      r.block_owner_deletion = o.value("blockOwnerDeletion", false);
      m.owner_references.push_back(r);
    }
  }
  return m;
}

json namespace_object(const Namespace& ns) {
  json j = typed("v1", "Namespace", ns.meta);
  j["spec"] = {{"finalizers", {"kubernetes"}}};
  j["status"] = {{"phase", "Active"}};
  return j;
}

json image(const VmImage& i) {
  json j = typed("harvesterhci.io/v1beta1", "VirtualMachineImage", i.meta);
  j["metadata"]["labels"]["harvesterhci.io/imageDisplayName"] = i.display_name;
  j["spec"] = {
      {"backend", "backingimage"},
      {"displayName", i.display_name},
      {"sourceType", i.source_type},
      {"retry", 3},
      {"storageClassParameters",
       {{"migratable", "true"}, {"numberOfReplicas", "3"}, {"staleReplicaTimeout", "30"}}}};
  if (!i.url.empty()) j["spec"]["url"] = i.url;
  json status = {{"progress", i.progress}, {"failed", 0}};
  json conditions = json::array();
  if (!i.storage_class.empty()) {
    status["storageClassName"] = i.storage_class;
    conditions.push_back(condition("Initialized", true, "Initialized", i.meta.creation_time));
  }
  if (i.imported) {
    status["size"] = i.size_bytes;
    status["virtualSize"] = i.virtual_size_bytes;
    conditions.push_back(condition("Imported", true, "Imported", i.meta.creation_time));
  } else {
    conditions.push_back(
        condition("Imported", false, "Importing", i.meta.creation_time, i.message));
  }
  status["conditions"] = conditions;
  j["status"] = status;
  return j;
}

json storage_class(const StorageClass& sc) {
  json j = typed("storage.k8s.io/v1", "StorageClass", sc.meta);
  j["provisioner"] = sc.provisioner;
  j["parameters"] = sc.parameters;
  j["reclaimPolicy"] = sc.reclaim_policy;
  j["volumeBindingMode"] = sc.volume_binding_mode;
  j["allowVolumeExpansion"] = sc.allow_volume_expansion;
  return j;
}

json network(const NetworkAttachment& n) {
  json j = typed("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", n.meta);
  j["spec"] = {{"config", n.config}};
  return j;
}

json secret(const Secret& s) {
  json j = typed("v1", "Secret", s.meta);
  j["type"] = s.type;
  json data = json::object();
  for (const auto& [key, value] : s.data) data[key] = base64_encode(value);
  j["data"] = data;
  return j;
}

json claim(const PersistentVolumeClaim& c) {
  json j = typed("v1", "PersistentVolumeClaim", c.meta);
  j["spec"] = {{"accessModes", c.access_modes},
               {"resources", {{"requests", {{"storage", bytes_quantity(c.storage_bytes)}}}}},
               {"volumeMode", c.volume_mode}};
  if (!c.storage_class.empty()) j["spec"]["storageClassName"] = c.storage_class;
  j["status"] = {{"phase", c.phase}};
  if (c.phase == "Bound") {
    j["spec"]["volumeName"] = "pvc-" + c.meta.uid;
    j["status"]["accessModes"] = c.access_modes;
    j["status"]["capacity"] = {{"storage", bytes_quantity(c.storage_bytes)}};
  }
  return j;
}

json list(const std::string& api_version, const std::string& kind, std::vector<json> items,
          const std::string& resource_version) {
  return {{"apiVersion", api_version},
          {"kind", kind},
          {"metadata", {{"resourceVersion", resource_version}}},
          {"items", std::move(items)}};
}

Result<VmImage> read_image(const json& j) {
  auto meta = read_object_meta(j);
  if (!meta) return meta.error();
  VmImage i;
  i.meta = *meta;
  i.display_name = text(j, {"spec", "displayName"});
  i.source_type = text(j, {"spec", "sourceType"});
  i.url = text(j, {"spec", "url"});
  i.storage_class = text(j, {"status", "storageClassName"});
  if (const json* p = json_at(j, {"status", "progress"}); p && p->is_number()) {
    i.progress = p->get<int>();
  }
  for (auto [key, out] :
       {std::pair{"size", &i.size_bytes}, std::pair{"virtualSize", &i.virtual_size_bytes}}) {
    const json* v = json_at(j, {"status", key});
    if (v && !v->is_null() && !v->is_number()) {
      return make_error(std::string("status.") + key + ": expected a number", ErrorKind::kInvalid);
    }
    if (v && v->is_number()) *out = v->get<std::int64_t>();
  }
  if (const json* conditions = json_at(j, {"status", "conditions"});
      conditions && conditions->is_array()) {
    for (const json& c : *conditions) {
      if (c.value("type", json()) != "Imported") continue;
      i.imported = c.value("status", json()) == "True";
      i.message = c.value("message", std::string());
    }
  }
  return i;
}

Result<Secret> read_secret(const json& j) {
  auto meta = read_object_meta(j);
  if (!meta) return meta.error();
  Secret s;
  s.meta = *meta;
  if (std::string type = text(j, {"type"}); !type.empty()) s.type = type;
  if (const json* data = json_at(j, {"data"}); data && data->is_object()) {
    for (const auto& [key, value] : data->items()) {
      auto decoded = value.is_string() ? base64_decode(value.get<std::string>())
                                       : Result<std::string>(make_error("not a string"));
      if (!decoded) {
        return make_error("data." + key + ": " + decoded.error().message, ErrorKind::kInvalid);
      }
      s.data[key] = *decoded;
    }
  }
  if (const json* data = json_at(j, {"stringData"}); data && data->is_object()) {
    for (const auto& [key, value] : data->items()) {
      if (value.is_string()) s.data[key] = value.get<std::string>();
    }
  }
  return s;
}

Result<PersistentVolumeClaim> read_claim(const json& j) {
  auto meta = read_object_meta(j);
  if (!meta) return meta.error();
  PersistentVolumeClaim c;
  c.meta = *meta;
  c.storage_class = text(j, {"spec", "storageClassName"});
  c.volume_mode = text(j, {"spec", "volumeMode"});
  if (std::string phase = text(j, {"status", "phase"}); !phase.empty()) c.phase = phase;
  if (std::string size = text(j, {"spec", "resources", "requests", "storage"}); !size.empty()) {
    auto bytes = parse_quantity(size);
    if (!bytes) {
      return make_error("spec.resources.requests.storage: " + bytes.error().message,
                        ErrorKind::kInvalid);
    }
    c.storage_bytes = static_cast<std::int64_t>(*bytes);
  }
  return c;
}

Result<Namespace> read_namespace(const json& j) {
  auto meta = read_object_meta(j);
  if (!meta) return meta.error();
  return Namespace{*meta};
}

Result<NetworkAttachment> read_network(const json& j) {
  auto meta = read_object_meta(j);
  if (!meta) return meta.error();
  return NetworkAttachment{*meta, text(j, {"spec", "config"})};
}

json access_review(const AccessCheck& c) {
  json attributes = {{"verb", c.verb}, {"group", c.group}, {"resource", c.resource}};
  if (!c.namespace_.empty()) attributes["namespace"] = c.namespace_;
  if (!c.subresource.empty()) attributes["subresource"] = c.subresource;
  if (!c.name.empty()) attributes["name"] = c.name;
  return {{"apiVersion", "authorization.k8s.io/v1"},
          {"kind", "SelfSubjectAccessReview"},
          {"spec", {{"resourceAttributes", attributes}}}};
}

Result<AccessCheck> read_access_review(const json& j) {
  const json* a = json_at(j, {"spec", "resourceAttributes"});
  if (a == nullptr || !a->is_object()) {
    return make_error("spec.resourceAttributes: missing (only resource checks are answered)",
                      ErrorKind::kInvalid);
  }
  return AccessCheck{text(*a, {"namespace"}), text(*a, {"verb"}),        text(*a, {"group"}),
                     text(*a, {"resource"}),  text(*a, {"subresource"}), text(*a, {"name"})};
}

json access_review_answer(const AccessCheck& check, bool allowed, const std::string& reason) {
  json j = access_review(check);
  j["metadata"] = {{"creationTimestamp", nullptr}};
  j["status"] = {{"allowed", allowed}};
  if (!reason.empty()) j["status"]["reason"] = reason;
  return j;
}

Result<bool> read_access_review_allowed(const json& j) {
  const json* allowed = json_at(j, {"status", "allowed"});
  if (allowed == nullptr || !allowed->is_boolean()) {
    return make_error("status.allowed: missing or not a boolean", ErrorKind::kInvalid);
  }
  return allowed->get<bool>();
}

}  // namespace ha::kube_json
