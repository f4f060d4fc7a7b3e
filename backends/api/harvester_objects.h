// The Kubernetes objects of a Harvester cluster besides VirtualMachines that the autoscaler
// reads or writes: VirtualMachineImages (harvesterhci.io/v1beta1), StorageClasses,
// NetworkAttachmentDefinitions (k8s.cni.cncf.io/v1), Namespaces, Secrets and
// PersistentVolumeClaims (v1). Field meanings follow the upstream types
// (harvester/harvester pkg/apis/harvesterhci.io/v1beta1/image.go, k8s.io/api core/v1 and
// storage/v1); see docs/models.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/time.h"

namespace ha {

struct OwnerReference {
  std::string api_version, kind, name, uid;
  bool controller = false, block_owner_deletion = false;
};

// What the API server keeps of every object (metadata). uid, resource_version and
// creation_time are the server's; a create leaves them empty.
struct ObjectMeta {
  std::string name;
  std::string namespace_;  // empty for cluster-scoped objects
  std::map<std::string, std::string> labels, annotations;
  std::vector<OwnerReference> owner_references;
  std::string uid, resource_version;
  Time creation_time{0};
};

// A VM image. Harvester imports it (status.progress to 100, condition Imported=True) and makes
// a StorageClass whose volumes are clones of it: status.storageClassName (`lh-<uid>`, or the
// legacy `longhorn-<name>`). A volume of any other class is blank.
struct VmImage {
  ObjectMeta meta;
  std::string display_name;              // spec.displayName
  std::string source_type = "download";  // spec.sourceType
  std::string url;                       // spec.url
  std::string storage_class;             // status.storageClassName; empty until initialized
  std::int64_t size_bytes = 0;           // status.size
  std::int64_t virtual_size_bytes = 0;   // status.virtualSize: the disk it holds
  int progress = 0;                      // status.progress, 0-100
  bool imported = false;                 // condition Imported=True
  std::string message;                   // the Imported condition's message, when not imported
  // "namespace/name", as harvesterhci.io/imageId and policies write it.
  std::string id() const { return meta.namespace_ + "/" + meta.name; }
};

struct StorageClass {
  ObjectMeta meta;
  std::string provisioner = "driver.longhorn.io";
  std::map<std::string, std::string> parameters;  // an image's class: backingImage
  std::string reclaim_policy = "Delete";
  std::string volume_binding_mode = "Immediate";
  bool allow_volume_expansion = true;
  bool is_default = false;  // storageclass.kubernetes.io/is-default-class
};

struct NetworkAttachment {
  ObjectMeta meta;
  std::string config;  // spec.config, the CNI configuration (JSON text)
};

struct Namespace {
  ObjectMeta meta;
};

struct Secret {
  ObjectMeta meta;
  std::string type = "Opaque";
  std::map<std::string, std::string> data;  // decoded (base64 on the wire)
};

struct PersistentVolumeClaim {
  ObjectMeta meta;
  std::vector<std::string> access_modes;
  std::string volume_mode;    // Block | Filesystem
  std::string storage_class;  // spec.storageClassName
  std::int64_t storage_bytes = 0;
  std::string phase = "Pending";  // status.phase: Pending, Bound
};

}  // namespace ha
