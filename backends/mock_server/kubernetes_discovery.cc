#include "backends/mock_server/kubernetes_discovery.h"

#include <httplib.h>

#include <map>
#include <nlohmann/json.hpp>

#include "backends/mock_server/server_setup.h"

namespace ha {
namespace {

using nlohmann::json;

struct Resource {
  const char* group_version;
  const char* name;
  const char* singular;
  bool namespaced;
  const char* kind;
  std::vector<const char*> verbs, short_names;
};

// What the mock serves, as the real API server's discovery documents list it.
const std::vector<Resource>& resources() {
  static const std::vector<Resource> kResources = {
      {"v1", "namespaces", "namespace", false, "Namespace", {"create", "get", "list"}, {"ns"}},
      {"v1", "secrets", "secret", true, "Secret", {"create", "delete", "get", "list"}, {}},
      {"v1",
       "persistentvolumeclaims",
       "persistentvolumeclaim",
       true,
       "PersistentVolumeClaim",
       {"delete", "get", "list"},
       {"pvc"}},
      {"kubevirt.io/v1",
       "virtualmachines",
       "virtualmachine",
       true,
       "VirtualMachine",
       {"delete", "get", "list", "patch", "create", "update", "watch"},
       {"vm", "vms"}},
      {"kubevirt.io/v1",
       "virtualmachineinstances",
       "virtualmachineinstance",
       true,
       "VirtualMachineInstance",
       {"get", "list"},
       {"vmi", "vmis"}},
      {"subresources.kubevirt.io/v1", "virtualmachines/start", "", true, "", {"update"}, {}},
      {"subresources.kubevirt.io/v1", "virtualmachines/stop", "", true, "", {"update"}, {}},
      {"subresources.kubevirt.io/v1", "virtualmachines/migrate", "", true, "", {"update"}, {}},
      {"subresources.kubevirt.io/v1",
       "virtualmachineinstances/pause",
       "",
       true,
       "",
       {"update"},
       {}},
      {"subresources.kubevirt.io/v1",
       "virtualmachineinstances/unpause",
       "",
       true,
       "",
       {"update"},
       {}},
      {"harvesterhci.io/v1beta1",
       "virtualmachineimages",
       "virtualmachineimage",
       true,
       "VirtualMachineImage",
       {"get", "list"},
       {"vmimage", "vmimages"}},
      {"k8s.cni.cncf.io/v1",
       "network-attachment-definitions",
       "network-attachment-definition",
       true,
       "NetworkAttachmentDefinition",
       {"get", "list"},
       {"net-attach-def"}},
      {"storage.k8s.io/v1",
       "storageclasses",
       "storageclass",
       false,
       "StorageClass",
       {"get", "list"},
       {"sc"}},
      {"authorization.k8s.io/v1",
       "selfsubjectaccessreviews",
       "selfsubjectaccessreview",
       false,
       "SelfSubjectAccessReview",
       {"create"},
       {}},
  };
  return kResources;
}

json resource_list(const std::string& group_version) {
  json items = json::array();
  for (const Resource& r : resources()) {
    if (group_version != r.group_version) continue;
    json item = {{"name", r.name},
                 {"singularName", r.singular},
                 {"namespaced", r.namespaced},
                 {"kind", r.kind},
                 {"verbs", r.verbs}};
    if (!r.short_names.empty()) item["shortNames"] = r.short_names;
    items.push_back(item);
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group_version},
          {"resources", items}};
}

}  // namespace

void add_kubernetes_discovery(httplib::Server& server) {
  httplib::Server& s = server;
  s.Get("/version", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, {{"major", "1"}, {"minor", "29"}, {"gitVersion", "v1.29.0"}});
  });
  s.Get("/api", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200,
              {{"kind", "APIVersions"},
               {"versions", {"v1"}},
               {"serverAddressByClientCIDRs", json::array()}});
  });
  s.Get("/api/v1", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, resource_list("v1"));
  });
  // Every group version with resources, in the order first listed.
  std::vector<std::string> group_versions;
  for (const Resource& r : resources()) {
    std::string gv = r.group_version;
    if (gv != "v1" &&
        std::find(group_versions.begin(), group_versions.end(), gv) == group_versions.end()) {
      group_versions.push_back(gv);
    }
  }
  s.Get("/apis", [group_versions](const httplib::Request&, httplib::Response& res) {
    json groups = json::array();
    for (const std::string& gv : group_versions) {
      auto slash = gv.find('/');
      json version = {{"groupVersion", gv}, {"version", gv.substr(slash + 1)}};
      groups.push_back({{"name", gv.substr(0, slash)},
                        {"versions", json::array({version})},
                        {"preferredVersion", version}});
    }
    send_json(res, 200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}});
  });
  for (const std::string& gv : group_versions) {
    s.Get("/apis/" + gv, [gv](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, resource_list(gv));
    });
  }
  // OpenAPI v3 for kubevirt.io/v1 with an open VirtualMachine schema (as a CRD without a
  // structural schema): kubectl's client-side validation accepts the object and the server
  // validates it.
  s.Get("/openapi/v3", [](const httplib::Request&, httplib::Response& res) {
    send_json(
        res, 200,
        {{"paths",
          {{"apis/kubevirt.io/v1", {{"serverRelativeURL", "/openapi/v3/apis/kubevirt.io/v1"}}}}}});
  });
  s.Get("/openapi/v3/apis/kubevirt.io/v1", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200,
              {{"openapi", "3.0.0"},
               {"info", {{"title", "Kubernetes"}, {"version", "v1.29.0"}}},
               {"paths", json::object()},
               {"components",
                {{"schemas",
                  {{"io.kubevirt.v1.VirtualMachine",
                    {{"type", "object"},
                     {"x-kubernetes-preserve-unknown-fields", true},
                     {"x-kubernetes-group-version-kind",
                      {{{"group", "kubevirt.io"},
                        {"version", "v1"},
                        {"kind", "VirtualMachine"}}}}}}}}}}});
  });

  // OpenAPI v2, which kubectl apply downloads (in protobuf only) for its patch logic: a
  // minimal gnostic openapi_v2.Document {swagger: "2.0", info: {title, version}, paths: {}},
  // encoded by hand. With no definitions, kubectl treats VirtualMachine as a type it has no
  // schema for (as a CRD) and falls back to JSON merge patches.
  s.Get("/openapi/v2", [](const httplib::Request&, httplib::Response& res) {
    static const std::string kTitle = "Kubernetes", kVersion = "v1.29.0";
    std::string info;
    info += '\x0a';  // Info.title (field 1, length-delimited)
    info += static_cast<char>(kTitle.size());
    info += kTitle;
    info += '\x12';  // Info.version (field 2)
    info += static_cast<char>(kVersion.size());
    info += kVersion;
    std::string doc =
        "\x0a\x03"
        "2.0";      // Document.swagger (field 1)
    doc += '\x12';  // Document.info (field 2)
    doc += static_cast<char>(info.size());
    doc += info;
    doc += std::string("\x42\x00", 2);  // Document.paths (field 8), empty
    res.status = 200;
    res.set_content(doc, "application/octet-stream");  // as kube-apiserver answers
  });
}

}  // namespace ha
