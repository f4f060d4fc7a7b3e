// HarvesterMockServer: a Harvester cluster's Kubernetes API, served with cpp-httplib over a
// HarvesterModel, in the wire format of Harvester's API server:
//   GET    /apis/kubevirt.io/v1/namespaces/NS/virtualmachines[?labelSelector=...]
//   GET    /apis/kubevirt.io/v1/namespaces/NS/virtualmachines/NAME
//   POST   /apis/kubevirt.io/v1/namespaces/NS/virtualmachines          (201; the model's
//          admission answers 422/404/500 as the API server and its webhooks do)
//   PATCH  /apis/kubevirt.io/v1/namespaces/NS/virtualmachines/NAME     (merge patch: labels,
//          annotations, spec.running, spec.runStrategy; metadata.uid a precondition)
//   DELETE /apis/kubevirt.io/v1/namespaces/NS/virtualmachines/NAME
//   PUT    /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachines/NAME/start|stop|migrate
//   PUT /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachineinstances/NAME/pause|unpause
//   GET    .../virtualmachines?watch=true (resourceVersion, labelSelector, bookmarks, 410 Gone,
//          timeoutSeconds: see harvester_list_watch.cc); lists carry metadata.resourceVersion
//   GET    /apis/kubevirt.io/v1/namespaces/NS/virtualmachineinstances[/NAME] (read-only,
//          derived from the VMs: see kubevirt_json::virtual_machine_instance)
//   namespaces, storageclasses, virtualmachineimages, network-attachment-definitions
//   (get, list); secrets (get, list, create, delete); persistentvolumeclaims (get, list,
//   delete); selfsubjectaccessreviews (create): harvester_object_routes.cc
//   GET    /version, /api, /apis, /openapi/v2 and v3, ... (for kubectl: kubernetes_discovery.h)
// Errors are Kubernetes `Status` objects (NotFound 404, AlreadyExists 409, Invalid 422,
// BadRequest 400, Unauthorized 401, Forbidden 403). With a token set, every request needs
// `Authorization: Bearer TOKEN`; with an RBAC policy too, it must be allowed by the token's
// Role (kubernetes_rbac.h). HTTPS when given a certificate and key.
// Model access is posted to the loop, as in NomadMockServer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "backends/memory/faults.h"
#include "backends/memory/harvester_model.h"
#include "backends/mock_server/kubernetes_rbac.h"
#include "backends/mock_server/mock_admin.h"
#include "backends/mock_server/mock_http_server.h"
#include "backends/mock_server/write_log.h"
#include "backends/runtime/realtime_loop.h"
#include "base/result.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ha {

class HarvesterMockServer final : public MockHttpServer {
 public:
  struct Options {
    std::string token;  // empty: no authentication
    // Both set: serve HTTPS with this certificate (PEM files), as Harvester does; kubectl
    // sends a bearer token only over TLS. Empty: plain HTTP.
    std::string tls_cert, tls_key;
    // Injected latency: every request waits this long before it is handled.
    std::chrono::milliseconds delay{0};
    // Model time to the wall-clock time served as creationTimestamp (mock-cluster's model
    // runs sped up from zero; a client judging VM ages needs wall time). Unset: as is.
    std::function<Time(Time)> wall_time = nullptr;
    // Injected API faults by operation (see mock_faults.h); null: none. Must outlive us.
    FaultInjector* faults = nullptr;
    // Set: serve the loopback-only fault admin endpoint /_mock/faults (mock_admin.h).
    FaultAdmin fault_admin = nullptr;
    // Set: every request that may change something is recorded there. Must outlive us.
    WriteLog* writes = nullptr;
    // How often a watch that allows bookmarks gets one (the API server: about a minute).
    std::chrono::milliseconds watch_bookmark_interval = std::chrono::seconds(60);
    // Set: the token is bound to this Role; what it does not allow is refused (403).
    std::shared_ptr<const RbacPolicy> rbac;
    // Set (with TLS): a client certificate this CA signed authenticates a request as a
    // bearer token does (RKE2's rke2.yaml admin); without one the token is still needed.
    std::string client_ca;
  };
  HarvesterMockServer(RealtimeLoop& loop, HarvesterModel& model, Options options);
  ~HarvesterMockServer();

  // As MockHttpServer::start; an unreadable certificate or key is an error naming the files.
  Result<int> start(const std::string& host, int port);

 private:
  void routes();
  void object_routes();  // harvester_object_routes.cc
  static std::string operation(const httplib::Request& req);
  VirtualMachine as_served(VirtualMachine vm) const;
  VmList as_served(const VmList& vms) const;
  // harvester_list_watch.cc
  void list(const httplib::Request& req, httplib::Response& res, const std::string& ns,
            const std::string& selector);
  void watch(const httplib::Request& req, httplib::Response& res, const std::string& ns,
             const std::string& selector);

  HarvesterModel& model_;
  Options options_;
};

}  // namespace ha
