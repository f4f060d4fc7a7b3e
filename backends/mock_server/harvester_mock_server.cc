#include "backends/mock_server/harvester_mock_server.h"
#include "backends/mock_server/tls_server.h"

#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <future>

#include "backends/mock_server/kubernetes_discovery.h"
#include "backends/mock_server/kubernetes_replies.h"
#include "backends/mock_server/mock_faults.h"
#include "backends/mock_server/server_setup.h"
#include "backends/wire/kubevirt_json.h"

namespace ha {
namespace {

using nlohmann::json;
namespace kv = kubevirt_json;

constexpr const char* kVms = R"(/apis/kubevirt.io/v1/namespaces/([^/]+)/virtualmachines)";
constexpr const char* kVmis = R"(/apis/kubevirt.io/v1/namespaces/([^/]+)/virtualmachineinstances)";

void status_error(httplib::Response& res, int code, const std::string& reason,
                  const std::string& message, const std::string& name = "") {
  send_json(res, code, kv::status_error(code, reason, message, name));
}

}  // namespace

HarvesterMockServer::HarvesterMockServer(RealtimeLoop& loop, HarvesterModel& model, Options options)
    : MockHttpServer(loop, make_mock_server({options.tls_cert, options.tls_key, options.client_ca},
                                            ClientCertificates::kIfGiven)),
      model_(model),
      options_(std::move(options)) {
  routes();
}

HarvesterMockServer::~HarvesterMockServer() {
  stop();
}

Result<int> HarvesterMockServer::start(const std::string& host, int port) {
  if (!http().is_valid()) {
    return make_error("cannot use the TLS certificate " + options_.tls_cert + " with key " +
                          options_.tls_key + " (missing, unreadable or not a matching PEM pair)",
                      ErrorKind::kInvalid);
  }
  return MockHttpServer::start(host, port);
}

// Kubernetes' Status reason for an injected error's code.
const char* fault_reason(int status) {
  switch (status) {
    case 409:
      return "AlreadyExists";
    case 404:
      return "NotFound";
    case 504:
      return "Timeout";
    case 410:
      return "Expired";
    default:
      return "ServiceUnavailable";
  }
}

// The memory backends' name of the call a request makes ("" for none faults apply to).
std::string HarvesterMockServer::operation(const httplib::Request& req) {
  static const std::regex vms(R"(/apis/kubevirt.io/v1/namespaces/[^/]+/virtualmachines)");
  static const std::regex vm(R"(/apis/kubevirt.io/v1/namespaces/[^/]+/virtualmachines/[^/]+)");
  static const std::regex vmis(
      R"(/apis/kubevirt.io/v1/namespaces/[^/]+/virtualmachineinstances(/[^/]+)?)");
  static const std::regex sub(
      R"(/apis/subresources.kubevirt.io/v1/namespaces/[^/]+/virtualmachines/[^/]+/(start|stop))");
  static const std::regex image(
      R"(/apis/harvesterhci.io/v1beta1/namespaces/[^/]+/virtualmachineimages/[^/]+)");
  static const std::regex secrets(R"(/api/v1/namespaces/[^/]+/secrets)");
  const std::string& m = req.method;
  std::smatch match;
  if (std::regex_match(req.path, vms)) {
    std::string watch = req.get_param_value("watch");
    if (m == "GET" && (watch == "true" || watch == "1")) return "watch_vms";
    return m == "POST" ? "create_vm" : "list_vms";
  }
  if (std::regex_match(req.path, vm)) {
    return m == "DELETE" ? "delete_vm" : m == "PATCH" ? "patch_vm" : "get_vm";
  }
  if (std::regex_match(req.path, vmis)) return "list_vms";
  if (std::regex_match(req.path, match, sub)) return match[1].str() + "_vm";
  if (m == "GET" && std::regex_match(req.path, image)) return "get_image";
  if (m == "POST" && std::regex_match(req.path, secrets)) return "create_secret";
  return "";
}

void HarvesterMockServer::routes() {
  httplib::Server& s = http();
  answer_unrouted(
      s,
      {"/version", "/api", "/api/v1", "/apis", "/apis/kubevirt.io/v1", "/openapi/v2",
       "/openapi/v3(/.*)?", std::string(kVms) + "(/[^/]+)?", std::string(kVmis) + "(/[^/]+)?",
       R"(/apis/subresources.kubevirt.io/v1/namespaces/[^/]+/virtualmachines/[^/]+/(start|stop|migrate))",
       R"(/apis/subresources.kubevirt.io/v1/namespaces/[^/]+/virtualmachineinstances/[^/]+/(pause|unpause))",
       "/api/v1/namespaces(/[^/]+)?",
       R"(/api/v1/namespaces/[^/]+/(secrets|persistentvolumeclaims)(/[^/]+)?)",
       R"(/apis/storage.k8s.io/v1/storageclasses(/[^/]+)?)",
       R"(/apis/harvesterhci.io/v1beta1/(namespaces/[^/]+/)?virtualmachineimages(/[^/]+)?)",
       R"(/apis/k8s.cni.cncf.io/v1/(namespaces/[^/]+/)?network-attachment-definitions(/[^/]+)?)",
       "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"},
      [](httplib::Response& res, int status) {
        if (status == 404) {
          status_error(res, 404, "NotFound", "the server could not find the requested resource");
        } else if (status == 405) {
          status_error(res, 405, "MethodNotAllowed",
                       "the server does not allow this method on the requested "
                       "resource");
        } else {
          status_error(res, status, status < 500 ? "BadRequest" : "InternalError",
                       "the request could not be handled (HTTP " + std::to_string(status) + ")");
        }
      });
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    inject_delay(options_.delay);
    if (!options_.token.empty() &&
        req.get_header_value("Authorization") != "Bearer " + options_.token &&
        !(!options_.client_ca.empty() && verified_client(req))) {
      status_error(res, 401, "Unauthorized", "Unauthorized");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (options_.rbac) {
      std::string watch = req.get_param_value("watch");
      RequestAttributes a =
          request_attributes(req.method, req.path, watch == "true" || watch == "1");
      if (!options_.rbac->allows(a)) {
        send_json(res, 403,
                  kv::status_error(403, "Forbidden", options_.rbac->forbidden_message(a), a.name,
                                   a.resource, a.group));
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    auto fault = decide_mock_fault(options_.faults, operation(req), res, loop().speed());
    if (!fault) return httplib::Server::HandlerResponse::Unhandled;
    status_error(res, fault->first, fault_reason(fault->first), fault->second);
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    finish_applied_fault(res, [](httplib::Response& r, int status, const std::string& message) {
      status_error(r, status, fault_reason(status), message);
    });
    if (options_.writes) {
      options_.writes->record("harvester", req.method, req.target, res.status,
                              req.get_header_value("User-Agent"));
    }
  });
  if (options_.fault_admin) add_fault_admin(s, options_.fault_admin);

  add_kubernetes_discovery(s);
  object_routes();

  s.Get(kVms, [this](const httplib::Request& req, httplib::Response& res) {
    std::string ns = req.matches[1];
    std::string selector = req.get_param_value("labelSelector");
    std::string watch = req.get_param_value("watch");
    if (watch == "true" || watch == "1") return this->watch(req, res, ns, selector);
    list(req, res, ns, selector);
  });
  s.Get(std::string(kVms) + "/([^/]+)",
        [this](const httplib::Request& req, httplib::Response& res) {
          std::string ns = req.matches[1], name = req.matches[2];
          auto vm = on_loop([&] { return model_.get(ns, name); });
          if (!vm) return model_error(res, vm.error(), name);
          send_json(res, 200, kv::virtual_machine(as_served(*vm)));
        });
  // VirtualMachineInstances, read-only: what KubeVirt runs for each started VM.
  s.Get(kVmis, [this](const httplib::Request& req, httplib::Response& res) {
    std::string ns = req.matches[1];
    auto [list, version] = on_loop([&] {
      return std::pair{model_.list(ns, req.get_param_value("labelSelector")),
                       model_.resource_version()};
    });
    if (!list) return status_error(res, 400, "BadRequest", list.error().message);
    send_json(res, 200,
              kv::virtual_machine_instance_list(as_served(*list), std::to_string(version)));
  });
  s.Get(std::string(kVmis) + "/([^/]+)", [this](const httplib::Request& req,
                                                httplib::Response& res) {
    std::string ns = req.matches[1], name = req.matches[2];
    auto vm = on_loop([&] { return model_.get(ns, name); });
    json vmi = vm ? kv::virtual_machine_instance(as_served(*vm)) : json();
    if (vmi.is_null()) {
      return status_error(res, 404, "NotFound",
                          "virtualmachineinstances.kubevirt.io \"" + name + "\" not found", name);
    }
    send_json(res, 200, vmi);
  });

  s.Post(kVms, [this](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!parse_body(req, res, body)) return;
    auto spec = kv::read_virtual_machine_spec(body);
    if (!spec) return status_error(res, 422, "Invalid", spec.error().message);
    std::string ns = req.matches[1];
    if (!spec->namespace_.empty() && spec->namespace_ != ns) {
      return status_error(res, 400, "BadRequest",
                          "the namespace of the provided object does not match the namespace "
                          "sent on the request");
    }
    spec->namespace_ = ns;
    auto created = on_loop([&] { return model_.create(*spec); });
    if (!created && created.error().message.rfind("namespaces ", 0) == 0) {
      return model_error(res, created.error(), ns, "namespaces", "");
    }
    if (!created) return model_error(res, created.error(), spec->name);
    send_json(res, 201, kv::virtual_machine(as_served(*created)));
  });
  s.Delete(std::string(kVms) + "/([^/]+)",
           [this](const httplib::Request& req, httplib::Response& res) {
             std::string ns = req.matches[1], name = req.matches[2];
             // DeleteOptions in the body: its preconditions must hold.
             json options = json::parse(req.body, nullptr, false);
             std::string uid, version;
             if (options.is_object() && options.contains("preconditions") &&
                 options["preconditions"].is_object()) {
               uid = options["preconditions"].value("uid", "");
               version = options["preconditions"].value("resourceVersion", "");
             }
             auto deleted = on_loop([&]() -> Result<VirtualMachine> {
               auto vm = model_.get(ns, name);
               if (!vm) return vm;
               if (auto e = failed_precondition(*vm, uid, version)) return *e;
               if (auto r = model_.remove(ns, name); !r) return r.error();
               return model_.get(ns, name);
             });
             if (!deleted) return model_error(res, deleted.error(), name);
             send_json(res, 200, kv::virtual_machine(as_served(*deleted)));
           });
  s.Patch(std::string(kVms) + "/([^/]+)",
          [this](const httplib::Request& req, httplib::Response& res) {
            std::string ns = req.matches[1], name = req.matches[2];
            std::string type = req.get_header_value("Content-Type");
            if (type.rfind("application/merge-patch+json", 0) != 0) {
              return status_error(res, 415, "UnsupportedMediaType",
                                  "the mock server accepts application/merge-patch+json only");
            }
            json patch;
            if (!parse_body(req, res, patch)) return;
            auto patched = on_loop([&]() -> Result<VirtualMachine> {
              auto vm = model_.get(ns, name);
              if (!vm) return vm;
              if (const auto* uid = patch.contains("metadata") && patch["metadata"].is_object() &&
                                            patch["metadata"].contains("uid")
                                        ? &patch["metadata"]["uid"]
                                        : nullptr;
                  uid && *uid != vm->uid) {
                return make_error("Precondition failed: UID in precondition: " + uid->dump() +
                                      ", UID in object meta: " + vm->uid,
                                  ErrorKind::kConflict);
              }
              auto spec = kv::read_virtual_machine_spec(
                  kv::merge_patch(kv::virtual_machine(as_served(*vm)), patch));
              if (!spec) return make_error(spec.error().message, ErrorKind::kInvalid);
              if (auto admitted = model_.admit(*spec); !admitted) return admitted.error();
              // A change of the run strategy (or of spec.running) starts or stops the VM, as
              // KubeVirt's controller acts on it.
              bool halted = spec->effective_run_strategy() == "Halted";
              if (halted != (vm->spec.effective_run_strategy() == "Halted")) {
                auto r = halted ? model_.stop(ns, name) : model_.start(ns, name);
                if (!r) return r.error();
              }
              return model_.set_metadata(ns, name, spec->labels, spec->annotations);
            });
            if (!patched) return model_error(res, patched.error(), name);
            send_json(res, 200, kv::virtual_machine(as_served(*patched)));
          });
  auto subresource = [this](const httplib::Request& req, httplib::Response& res) {
    std::string ns = req.matches[1], name = req.matches[2], action = req.matches[3];
    auto r = on_loop([&] {
      if (action == "start") return model_.start(ns, name);
      if (action == "stop") return model_.stop(ns, name);
      if (action == "migrate") return model_.migrate(ns, name);
      if (action == "pause") return model_.pause(ns, name);
      return model_.unpause(ns, name);
    });
    if (!r) return model_error(res, r.error(), name, "virtualmachine", "kubevirt.io");
    res.status = 202;
  };
  s.Put(
      R"(/apis/subresources.kubevirt.io/v1/namespaces/([^/]+)/virtualmachines/([^/]+)/(start|stop|migrate))",
      subresource);
  s.Put(
      R"(/apis/subresources.kubevirt.io/v1/namespaces/([^/]+)/virtualmachineinstances/([^/]+)/(pause|unpause))",
      subresource);
}

VirtualMachine HarvesterMockServer::as_served(VirtualMachine vm) const {
  if (options_.wall_time) {
    vm.creation_time = options_.wall_time(vm.creation_time);
    if (vm.ready_changed) vm.ready_changed = options_.wall_time(*vm.ready_changed);
  }
  return vm;
}

VmList HarvesterMockServer::as_served(const VmList& vms) const {
  if (!options_.wall_time) return vms;
  VmList out;
  out.reserve(vms.size());
  for (const auto& vm : vms) out.push_back(std::make_shared<const VirtualMachine>(as_served(*vm)));
  return out;
}

}  // namespace ha
