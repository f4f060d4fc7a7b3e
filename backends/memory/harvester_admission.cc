// HarvesterModel: what the API server and the admission webhooks do to a VirtualMachine
// create, in their order (sources in docs/models.md):
//  1. kube-apiserver: the namespace must exist (404); the name must be a DNS-1123 subdomain
//     and the CRD's schema has cpu.cores an integer (422 Invalid);
//  2. Harvester's mutator (pkg/webhook/resources/virtualmachine/mutator.go): every multus
//     network's NetworkAttachmentDefinition is read (a missing one fails the call, 500);
//     requests from the limits with overcommit-config; domain.memory.guest; cores at least 1;
//     terminationGracePeriodSeconds 120 when unset;
//  3. KubeVirt's validator (vms-admitter.go, vmi-create-admitter.go): exactly one of
//     spec.running and spec.runStrategy; a known run strategy; inline cloud-init user data of
//     at most 2,048 bytes;
//  4. Harvester's validator (validator.go): memory.guest or limits.memory set; a claim's
//     imageId matching the backing image of its storage class.
#include "backends/memory/harvester_model.h"

#include <cmath>

#include "base/dns_names.h"

namespace ha {
namespace {

constexpr std::int64_t kMi = 1LL << 20;

Error invalid(const std::string& name, const std::string& field, const std::string& problem) {
  return make_error(
      "VirtualMachine.kubevirt.io \"" + name + "\" is invalid: " + field + ": " + problem,
      ErrorKind::kInvalid);
}

Error denied(const char* webhook, const std::string& message,
             ErrorKind kind = ErrorKind::kInvalid) {
  return make_error(
      std::string("admission webhook \"") + webhook + "\" denied the request: " + message, kind);
}

}  // namespace

Result<Unit> HarvesterModel::admit(const VirtualMachineSpec& s) const {
  if (!namespaces_.count(s.namespace_)) {
    return make_error("namespaces \"" + s.namespace_ + "\" not found", ErrorKind::kNotFound);
  }
  if (!is_dns1123_subdomain(s.name)) {
    return invalid(s.name, "metadata.name",
                   "Invalid value: \"" + s.name +
                       "\": a lowercase RFC 1123 subdomain must consist of lower case "
                       "alphanumeric characters, '-' or '.', and must start and end with an "
                       "alphanumeric character (e.g. 'example.com', regex used for validation is "
                       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  }
  if (s.cpu_cores != std::floor(s.cpu_cores) || s.cpu_cores < 0) {
    const char* field = "spec.template.spec.domain.cpu.cores";
    return invalid(s.name, field,
                   std::string("Invalid value: \"number\": ") + field +
                       " in body must be of type integer: \"number\"");
  }
  if (!s.network.empty()) {
    auto slash = s.network.find('/');
    std::string ns = slash == std::string::npos ? s.namespace_ : s.network.substr(0, slash);
    std::string name = slash == std::string::npos ? s.network : s.network.substr(slash + 1);
    if (!networks_.count({ns, name})) {
      return denied("mutator.harvesterhci.io",
                    "network-attachment-definitions.k8s.cni.cncf.io \"" + name + "\" not found",
                    ErrorKind::kOther);
    }
  }
  const char* kubevirt = "virtualmachine-validator.kubevirt.io";
  if (s.running && !s.run_strategy.empty()) {
    return denied(kubevirt,
                  "Running and RunStrategy are mutually exclusive. Note that Running is "
                  "deprecated, please use RunStrategy instead");
  }
  if (!s.running && s.run_strategy.empty())
    return denied(kubevirt, "RunStrategy must be specified");
  static const std::set<std::string> kStrategies = {"Halted", "Manual", "Always", "RerunOnFailure",
                                                    "Once"};
  if (!s.run_strategy.empty() && !kStrategies.count(s.run_strategy)) {
    return denied(kubevirt, "Invalid RunStrategy (" + s.run_strategy + ")");
  }
  if (s.user_data.size() > 2048) {
    // The writer puts the root disk's volume first, then the cloud-init disk.
    std::string path =
        "spec.template.spec.volumes[" + std::to_string(s.root_disk ? 1 : 0) + "].cloudInitNoCloud";
    return denied(kubevirt, path +
                                " userdata exceeds 2048 byte limit. Should use UserDataSecretRef "
                                "for larger data.");
  }
  const char* harvester = "validator.harvesterhci.io";
  if (s.memory_bytes <= 0 && s.guest_memory_bytes <= 0) {
    return denied(harvester, "either memory.guest or resources.limits.memory must be set");
  }
  if (s.root_disk && !s.root_disk->storage_class.empty()) {
    auto sc = storage_classes_.find(s.root_disk->storage_class);
    if (sc != storage_classes_.end() && sc->second.parameters.count("backingImage")) {
      const std::string& backing = sc->second.parameters.at("backingImage");
      for (const auto& [key, image] : images_) {
        if ("vmi-" + image.meta.uid != backing || image.id() == s.root_disk->image_id) continue;
        return denied(harvester, "imageId \"" + s.root_disk->image_id +
                                     "\" in volume template does not match backing image of "
                                     "storage class \"" +
                                     sc->first + "\" (expected \"" + image.id() + "\")");
      }
    }
  }
  return Unit{};
}

void HarvesterModel::mutate(VirtualMachineSpec& s) const {
  if (s.cpu_limit_millis > 0) {
    s.cpu_request_millis = s.cpu_limit_millis * 100 / config_.overcommit_cpu;
  }
  if (s.memory_bytes > 0) {
    s.memory_request_bytes = s.memory_bytes * 100 / config_.overcommit_memory / kMi * kMi;
    s.guest_memory_bytes =
        config_.guest_overhead_ratio ? s.memory_bytes : s.memory_bytes - 100 * kMi;
  }
  if (s.cpu_cores < 1) s.cpu_cores = 1;
  if (!s.termination_grace_seconds) s.termination_grace_seconds = 120;
}

}  // namespace ha
