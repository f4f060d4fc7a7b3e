#include "backends/http/harvester_http_api.h"

#include "backends/http/http_response.h"
#include "backends/wire/kubevirt_json.h"

namespace ha {
namespace {

using nlohmann::json;

std::string vms_path(const std::string& ns) {
  return "/apis/kubevirt.io/v1/namespaces/" + url_escape(ns) + "/virtualmachines";
}

Result<Unit> ignore_body(const json&) {
  return Unit{};
}

}  // namespace

HarvesterHttpApi::HarvesterHttpApi(HttpTransport& transport, Options options)
    : transport_(transport), options_(std::move(options)) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
}

template <typename T, typename Parse>
void HarvesterHttpApi::call(const std::string& method, const std::string& path,
                            const std::string& query, const std::string& body, Done<T> done,
                            Parse parse) {
  HttpRequest r;
  r.method = method;
  r.path = path;
  r.url = options_.url + path + (query.empty() ? "" : "?" + query);
  r.headers["Accept"] = "application/json";
  if (!options_.token.empty()) r.headers["Authorization"] = "Bearer " + options_.token;
  if (!body.empty()) {
    r.headers["Content-Type"] =
        method == "PATCH" ? "application/merge-patch+json" : "application/json";
    r.body = body;
  }
  send_json_call(transport_, std::move(r), std::move(done), std::move(parse));
}

void HarvesterHttpApi::list_vms(const std::string& ns, const std::string& label_selector,
                                Done<VmList> done) {
  call<VmList>("GET", vms_path(ns),
               label_selector.empty() ? "" : "labelSelector=" + url_escape(label_selector), "",
               std::move(done),
               [](const json& j) { return kubevirt_json::read_virtual_machine_list(j); });
}

void HarvesterHttpApi::list_vms_versioned(const std::string& ns, const std::string& label_selector,
                                          Done<VmSnapshot> done) {
  call<VmSnapshot>(
      "GET", vms_path(ns),
      label_selector.empty() ? "" : "labelSelector=" + url_escape(label_selector), "",
      std::move(done), [](const json& j) -> Result<VmSnapshot> {
        auto items = kubevirt_json::read_virtual_machine_list(j);
        if (!items) return items.error();
        const json* meta = j.contains("metadata") ? &j["metadata"] : nullptr;
        if (meta == nullptr || !meta->contains("resourceVersion") ||
            !(*meta)["resourceVersion"].is_string()) {
          return make_error("metadata.resourceVersion: missing or not a string");
        }
        return VmSnapshot{std::move(*items), (*meta)["resourceVersion"].get<std::string>()};
      });
}

void HarvesterHttpApi::get_vm(const std::string& ns, const std::string& name,
                              Done<VirtualMachine> done) {
  call<VirtualMachine>("GET", vms_path(ns) + "/" + url_escape(name), "", "", std::move(done),
                       [](const json& j) { return kubevirt_json::read_virtual_machine(j); });
}

void HarvesterHttpApi::create_vm(const VirtualMachineSpec& spec, Done<VirtualMachine> done) {
  call<VirtualMachine>("POST", vms_path(spec.namespace_), "",
                       kubevirt_json::virtual_machine_spec(spec).dump(), std::move(done),
                       [](const json& j) { return kubevirt_json::read_virtual_machine(j); });
}

void HarvesterHttpApi::delete_vm(const std::string& ns, const std::string& name, Done<Unit> done) {
  // Harvester deletes the claims named in its removedPersistentVolumeClaims annotation.
  call<Unit>("DELETE", vms_path(ns) + "/" + url_escape(name), "", "", std::move(done), ignore_body);
}

void HarvesterHttpApi::delete_vm_if(const std::string& ns, const std::string& name,
                                    const std::string& uid, const std::string& resource_version,
                                    Done<Unit> done) {
  json options = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!uid.empty()) options["preconditions"]["uid"] = uid;
  if (!resource_version.empty()) options["preconditions"]["resourceVersion"] = resource_version;
  call<Unit>("DELETE", vms_path(ns) + "/" + url_escape(name), "", options.dump(), std::move(done),
             ignore_body);
}

void HarvesterHttpApi::start_vm(const std::string& ns, const std::string& name, Done<Unit> done) {
  call<Unit>("PUT",
             "/apis/subresources.kubevirt.io/v1/namespaces/" + url_escape(ns) +
                 "/virtualmachines/" + url_escape(name) + "/start",
             "", "", std::move(done), ignore_body);
}

void HarvesterHttpApi::stop_vm(const std::string& ns, const std::string& name, Done<Unit> done) {
  call<Unit>("PUT",
             "/apis/subresources.kubevirt.io/v1/namespaces/" + url_escape(ns) +
                 "/virtualmachines/" + url_escape(name) + "/stop",
             "", "", std::move(done), ignore_body);
}

void HarvesterHttpApi::annotate_vm(const std::string& ns, const std::string& name,
                                   const std::string& uid,
                                   const std::map<std::string, std::string>& annotations,
                                   Done<VirtualMachine> done) {
  // A uid in the patch is a precondition: the API server refuses it (409) if the VM of that
  // name is another one now.
  json patch = {{"metadata", {{"annotations", annotations}}}};
  if (!uid.empty()) patch["metadata"]["uid"] = uid;
  call<VirtualMachine>("PATCH", vms_path(ns) + "/" + url_escape(name), "", patch.dump(),
                       std::move(done),
                       [](const json& j) { return kubevirt_json::read_virtual_machine(j); });
}

void HarvesterHttpApi::get_image(const std::string& id, Done<VmImage> done) {
  auto slash = id.find('/');
  if (slash == std::string::npos) {
    transport_.loop().post([done = std::move(done), id] {
      done(make_error("image \"" + id + "\": expected namespace/name", ErrorKind::kInvalid));
    });
    return;
  }
  call<VmImage>("GET",
                "/apis/harvesterhci.io/v1beta1/namespaces/" + url_escape(id.substr(0, slash)) +
                    "/virtualmachineimages/" + url_escape(id.substr(slash + 1)),
                "", "", std::move(done), [](const json& j) { return kube_json::read_image(j); });
}

void HarvesterHttpApi::create_secret(const Secret& secret, Done<Unit> done) {
  call<Unit>("POST", "/api/v1/namespaces/" + url_escape(secret.meta.namespace_) + "/secrets", "",
             kube_json::secret(secret).dump(), std::move(done), ignore_body);
}

void HarvesterHttpApi::get_json(const std::string& path, Done<json> done) {
  call<json>("GET", path, "", "", std::move(done), [](const json& j) -> Result<json> { return j; });
}

void HarvesterHttpApi::access_review(const kube_json::AccessCheck& check, Done<bool> done) {
  call<bool>("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "",
             kube_json::access_review(check).dump(), std::move(done),
             [](const json& j) { return kube_json::read_access_review_allowed(j); });
}

}  // namespace ha
