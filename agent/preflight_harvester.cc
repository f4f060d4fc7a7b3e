// Preflight's Harvester checks (see preflight.h): reads and SelfSubjectAccessReviews only.
#include <algorithm>

#include "agent/preflight_context.h"
#include "base/dns_names.h"
#include "engine/harvester/group_config.h"
#include "engine/harvester/vm_builder.h"
#include "engine/policy/plugin_catalog.h"

namespace ha {
namespace {

using nlohmann::json;

constexpr const char* kRoleFix =
    "add them to the Role bound to the token (deploy/harvester/rbac.yaml lists every verb the "
    "agent uses)";

std::string gib(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1LL << 30));
  return buf;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::pair<std::string, std::string> split_id(const std::string& id, const std::string& ns) {
  auto slash = id.find('/');
  if (slash == std::string::npos) return {ns, id};
  return {id.substr(0, slash), id.substr(slash + 1)};
}

// Whether the token may do each of `verbs` on group/resource[/sub] in `ns`: one line.
PreflightCheck may(PreflightContext& ctx, const std::string& group, const std::string& resource,
                   const std::string& subresource, const std::vector<std::string>& verbs,
                   const std::string& ns) {
  std::string what = (subresource.empty() ? resource : resource + "/" + subresource) +
                     (group.empty() ? "" : " (" + group + ")") + " in " + ns;
  std::vector<std::string> missing;
  for (const std::string& verb : verbs) {
    kube_json::AccessCheck check{ns, verb, group, resource, subresource, ""};
    auto allowed = ctx.wait<bool>(
        [&](Done<bool> done) { ctx.harvester().access_review(check, std::move(done)); });
    if (!allowed) {
      return fail("may " + join(verbs) + " " + what + ": " + allowed.error().message,
                  "the token must be able to ask SelfSubjectAccessReviews (every authenticated "
                  "user may)");
    }
    if (!*allowed) missing.push_back(verb);
  }
  if (missing.empty()) return pass("may " + join(verbs) + " " + what);
  return fail("may not " + join(missing) + " " + what, kRoleFix);
}

}  // namespace

PreflightSection harvester_checks(PreflightContext& ctx) {
  PreflightSection s{"Harvester " + ctx.config.harvester_url, {}};
  auto version = ctx.wait<json>(
      [&](Done<json> done) { ctx.harvester().get_json("/version", std::move(done)); });
  if (!version) {
    s.checks.push_back(
        fail("reachable: " + version.error().message,
             "check harvester_url and its CA: Harvester's VIP on port 6443 takes a ServiceAccount "
             "token; Rancher's https://RANCHER/k8s/clusters/local takes a Rancher API token "
             "(docs/harvester.md)"));
    return s;
  }
  s.checks.push_back(pass("reachable: Kubernetes " + version->value("gitVersion", "?")));
  kube_json::AccessCheck probe{"default", "get", "", "namespaces", "", "default"};
  auto token = ctx.wait<bool>(
      [&](Done<bool> done) { ctx.harvester().access_review(probe, std::move(done)); });
  if (token) {
    s.checks.push_back(pass("token accepted"));
  } else {
    s.checks.push_back(fail("token: " + token.error().message,
                            "use a token of this cluster: a ServiceAccount token "
                            "(kubectl create token) for port 6443, a Rancher API token for "
                            "Rancher's /k8s/clusters/local"));
  }
  return s;
}

PreflightSection policy_checks(PreflightContext& ctx, const Policy& policy) {
  PreflightSection s{"policy " + policy.id + " (" + policy.file + ")", {}};
  auto parsed = parse_group_config(policy.target.config);
  if (!parsed) {
    s.checks.push_back(fail(parsed.error().message, "correct the target's key"));
    return s;
  }
  const HarvesterGroupConfig& c = *parsed;
  s.checks.push_back(pass("node_group_name \"" + c.node_group + "\": a DNS label of " +
                          std::to_string(c.node_group.size()) + " characters (VMs are named " +
                          c.node_group + "-xxxxx)"));
  auto ns = ctx.wait<json>([&](Done<json> done) {
    ctx.harvester().get_json("/api/v1/namespaces/" + c.namespace_, std::move(done));
  });
  if (ns) {
    s.checks.push_back(pass("namespace " + c.namespace_ + " exists"));
  } else if (ns.error().kind == ErrorKind::kNotFound) {
    s.checks.push_back(
        fail("namespace " + c.namespace_ + " does not exist",
             "kubectl create namespace " + c.namespace_ + " (or set the target's namespace)"));
  } else {
    s.checks.push_back(fail("namespace " + c.namespace_ + ": " + ns.error().message,
                            "grant get on namespaces/" + c.namespace_ + ", or check by hand"));
  }
  s.checks.push_back(may(ctx, "kubevirt.io", "virtualmachines", "",
                         {"get", "list", "watch", "create", "patch", "delete"}, c.namespace_));
  s.checks.push_back(
      may(ctx, "subresources.kubevirt.io", "virtualmachines", "start", {"update"}, c.namespace_));
  s.checks.push_back(
      may(ctx, "subresources.kubevirt.io", "virtualmachines", "stop", {"update"}, c.namespace_));
  s.checks.push_back(may(ctx, "", "secrets", "", {"create"}, c.namespace_));
  s.checks.push_back(may(ctx, "", "persistentvolumeclaims", "", {"get"}, c.namespace_));

  if (c.image.empty()) {
    s.checks.push_back(fail("image: not set: a VM could not boot",
                            "set image = \"NAMESPACE/NAME\" of its VirtualMachineImage object"));
  } else {
    auto [image_ns, image_name] = split_id(c.image, c.namespace_);
    s.checks.push_back(may(ctx, "harvesterhci.io", "virtualmachineimages", "", {"get"}, image_ns));
    auto image = ctx.wait<VmImage>(
        [&](Done<VmImage> done) { ctx.harvester().get_image(c.image, std::move(done)); });
    if (!image && image.error().kind == ErrorKind::kNotFound) {
      s.checks.push_back(fail("image " + c.image + " not found",
                              "name the image by its object name, not its display name: "
                              "kubectl get virtualmachineimages -n " +
                                  image_ns + " (NAME, e.g. image-8zr4m)"));
    } else if (!image) {
      s.checks.push_back(fail("image " + c.image + ": " + image.error().message, kRoleFix));
    } else if (!image->imported || image->storage_class.empty()) {
      s.checks.push_back(
          fail("image " + c.image + " (\"" + image->display_name + "\") is not ready: " +
                   (image->imported ? "no storage class"
                                    : "progress " + std::to_string(image->progress) + "%"),
               "wait for its import to finish (Harvester's Images page); without its storage class "
               "a VM's disk would be blank"));
    } else {
      auto disk = root_disk_bytes(c, *image);
      if (!disk) {
        s.checks.push_back(fail(disk.error().message, "raise disk_size, or leave it out"));
      } else {
        s.checks.push_back(pass("image " + c.image + " (\"" + image->display_name +
                                "\") imported, storage class " + image->storage_class +
                                ", virtual size " + gib(image->virtual_size_bytes) +
                                "; root disks of " + gib(*disk)));
      }
    }
  }
  if (!c.network.empty()) {
    auto [net_ns, net_name] = split_id(c.network, c.namespace_);
    std::string path = "/apis/k8s.cni.cncf.io/v1/namespaces/" + net_ns +
                       "/network-attachment-definitions/" + net_name;
    auto nad =
        ctx.wait<json>([&](Done<json> done) { ctx.harvester().get_json(path, std::move(done)); });
    if (nad) {
      s.checks.push_back(pass("network " + c.network + " exists"));
    } else {
      s.checks.push_back(fail("network " + c.network + ": " + nad.error().message,
                              "name a VM network of Harvester as NAMESPACE/NAME (kubectl get "
                              "network-attachment-definitions -A)"));
    }
  }
  std::string user_data = render_user_data(c, c.node_group + "-00000");
  s.checks.push_back(pass("cloud-init: " + std::to_string(user_data.size()) + " bytes, " +
                          (user_data.size() <= kMaxInlineUserData
                               ? std::string("inline")
                               : "in a Secret <vm>-cloudinit the VM owns (over 2,048 bytes)")));
  return s;
}

}  // namespace ha
