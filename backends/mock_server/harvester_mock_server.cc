#include "backends/mock_server/harvester_mock_server.h"

#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <future>

#include "backends/mock_server/kubernetes_discovery.h"
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

// A model error as the Kubernetes API server reports it.
void model_error(httplib::Response& res, const Error& e, const std::string& name) {
  switch (e.kind) {
    case ErrorKind::kNotFound:
      return status_error(res, 404, "NotFound", e.message, name);
    case ErrorKind::kConflict:
      return status_error(
          res, 409,
          e.message.find("already exists") != std::string::npos ? "AlreadyExists" : "Conflict",
          e.message, name);
    case ErrorKind::kInvalid:
      return status_error(res, 422, "Invalid", e.message, name);
    default:
      return status_error(res, 500, "InternalError", e.message, name);
  }
}

bool parse_body(const httplib::Request& req, httplib::Response& res, json& out) {
  out = json::parse(req.body, nullptr, false);
  if (out.is_discarded() || !out.is_object()) {
    status_error(res, 400, "BadRequest", "the request body is not a JSON object");
    return false;
  }
  return true;
}

}  // namespace

namespace {

std::unique_ptr<httplib::Server> make_server(const HarvesterMockServer::Options& o) {
  if (o.tls_cert.empty() && o.tls_key.empty()) return std::make_unique<httplib::Server>();
  return std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
}

}  // namespace

HarvesterMockServer::HarvesterMockServer(RealtimeLoop& loop, HarvesterModel& model, Options options)
    : MockHttpServer(loop, make_server(options)), model_(model), options_(std::move(options)) {
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
  return "";
}

void HarvesterMockServer::routes() {
  httplib::Server& s = http();
  answer_unrouted(
      s,
      {"/version", "/api", "/api/v1", "/apis", "/apis/kubevirt.io/v1", "/openapi/v2",
       "/openapi/v3(/.*)?", std::string(kVms) + "(/[^/]+)?", std::string(kVmis) + "(/[^/]+)?",
       R"(/apis/subresources.kubevirt.io/v1/namespaces/[^/]+/virtualmachines/[^/]+/(start|stop))"},
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
        req.get_header_value("Authorization") != "Bearer " + options_.token) {
      status_error(res, 401, "Unauthorized", "Unauthorized");
      return httplib::Server::HandlerResponse::Handled;
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
    if (!created) return model_error(res, created.error(), spec->name);
    send_json(res, 201, kv::virtual_machine(as_served(*created)));
  });
  s.Delete(std::string(kVms) + "/([^/]+)",
           [this](const httplib::Request& req, httplib::Response& res) {
             std::string ns = req.matches[1], name = req.matches[2];
             auto deleted = on_loop([&]() -> Result<VirtualMachine> {
               auto vm = model_.get(ns, name);
               if (!vm) return vm;
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
              auto spec = kv::read_virtual_machine_spec(
                  kv::merge_patch(kv::virtual_machine(as_served(*vm)), patch));
              if (!spec) return make_error(spec.error().message, ErrorKind::kInvalid);
              if (spec->running != vm->spec.running) {
                auto r = spec->running ? model_.start(ns, name) : model_.stop(ns, name);
                if (!r) return r.error();
              }
              return model_.set_metadata(ns, name, spec->labels, spec->annotations);
            });
            if (!patched) return model_error(res, patched.error(), name);
            send_json(res, 200, kv::virtual_machine(as_served(*patched)));
          });
  auto subresource = [this](const httplib::Request& req, httplib::Response& res) {
    std::string ns = req.matches[1], name = req.matches[2], action = req.matches[3];
    auto r =
        on_loop([&] { return action == "start" ? model_.start(ns, name) : model_.stop(ns, name); });
    if (!r) return model_error(res, r.error(), name);
    res.status = 202;
  };
  s.Put(
      R"(/apis/subresources.kubevirt.io/v1/namespaces/([^/]+)/virtualmachines/([^/]+)/(start|stop))",
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
