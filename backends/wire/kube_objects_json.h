// The wire format of the Kubernetes objects besides VirtualMachines (harvester_objects.h):
// Namespace, Secret, PersistentVolumeClaim (v1), StorageClass (storage.k8s.io/v1),
// VirtualMachineImage (harvesterhci.io/v1beta1), NetworkAttachmentDefinition
// (k8s.cni.cncf.io/v1), and SelfSubjectAccessReview (authorization.k8s.io/v1), as the API
// server writes them (schemas: third_party/harvester/swagger.json, third_party/kubernetes/).
// Readers take what the autoscaler needs and fail naming the field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backends/api/harvester_objects.h"
#include "base/result.h"

namespace ha::kube_json {

using nlohmann::json;

json object_meta(const ObjectMeta& meta);
Result<ObjectMeta> read_object_meta(const json& j);

json namespace_object(const Namespace& ns);
json image(const VmImage& image);
json storage_class(const StorageClass& sc);
json network(const NetworkAttachment& network);
json secret(const Secret& secret);
json claim(const PersistentVolumeClaim& claim);
// A List of `items` ("v1", "SecretList", ...).
json list(const std::string& api_version, const std::string& kind, std::vector<json> items,
          const std::string& resource_version);

Result<VmImage> read_image(const json& j);
Result<Secret> read_secret(const json& j);
Result<PersistentVolumeClaim> read_claim(const json& j);
Result<Namespace> read_namespace(const json& j);
Result<NetworkAttachment> read_network(const json& j);

// What a SelfSubjectAccessReview asks (spec.resourceAttributes).
struct AccessCheck {
  std::string namespace_, verb, group, resource, subresource, name;
};
json access_review(const AccessCheck& check);
Result<AccessCheck> read_access_review(const json& j);
// The review with its status, as the API server answers it (201).
json access_review_answer(const AccessCheck& check, bool allowed, const std::string& reason);
Result<bool> read_access_review_allowed(const json& j);

}  // namespace ha::kube_json
