#include "backends/mock_server/kubernetes_discovery.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "backends/mock_server/server_setup.h"

namespace ha {
namespace {

using nlohmann::json;

json resource_list() {
  json verbs = {"delete", "get", "list", "patch", "create", "update", "watch"};
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", "kubevirt.io/v1"},
          {"resources",
           {{{"name", "virtualmachines"},
             {"singularName", "virtualmachine"},
             {"namespaced", true},
             {"kind", "VirtualMachine"},
             {"verbs", verbs},
             {"shortNames", {"vm", "vms"}}},
            {{"name", "virtualmachineinstances"},
             {"singularName", "virtualmachineinstance"},
             {"namespaced", true},
             {"kind", "VirtualMachineInstance"},
             {"verbs", {"get", "list"}},
             {"shortNames", {"vmi", "vmis"}}}}}};
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
    send_json(res, 200,
              {{"kind", "APIResourceList"}, {"groupVersion", "v1"}, {"resources", json::array()}});
  });
  s.Get("/apis", [](const httplib::Request&, httplib::Response& res) {
    json version = {{"groupVersion", "kubevirt.io/v1"}, {"version", "v1"}};
    send_json(
        res, 200,
        {{"kind", "APIGroupList"},
         {"apiVersion", "v1"},
         {"groups",
          {{{"name", "kubevirt.io"}, {"versions", {version}}, {"preferredVersion", version}}}}});
  });
  s.Get("/apis/kubevirt.io/v1", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, resource_list());
  });
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
