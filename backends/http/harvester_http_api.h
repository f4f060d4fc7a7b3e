// HarvesterHttpApi: HarvesterApi over Harvester's Kubernetes API (a real Harvester, or the
// mock server), through an HttpTransport. The bearer token goes in the Authorization header
// and nowhere else. A Kubernetes Status error keeps its message and maps its code to an error
// kind (404 kNotFound, 409 kConflict, 400/422 kInvalid, 401/403 kInvalid, 429/5xx
// kUnavailable); messages name the method and path.
#pragma once

#include <string>

#include "backends/api/harvester_api.h"
#include "backends/http/http_transport.h"
#include "backends/wire/kube_objects_json.h"

namespace ha {

class HarvesterHttpApi final : public HarvesterApi {
 public:
  struct Options {
    std::string url = "https://127.0.0.1:6443";  // the Kubernetes API endpoint
    std::string token;                           // from env, a file or a kubeconfig
  };
  HarvesterHttpApi(HttpTransport& transport, Options options);

  void list_vms(const std::string& ns, const std::string& label_selector,
                Done<VmList> done) override;
  void list_vms_versioned(const std::string& ns, const std::string& label_selector,
                          Done<VmSnapshot> done) override;
  // harvester_http_watch.cc
  std::unique_ptr<WatchHandle> watch_vms(const std::string& ns, const std::string& label_selector,
                                         const std::string& resource_version, Duration timeout,
                                         std::function<void(const VmChange&)> on_change,
                                         Done<Unit> done) override;
  void get_vm(const std::string& ns, const std::string& name, Done<VirtualMachine> done) override;
  void create_vm(const VirtualMachineSpec& spec, Done<VirtualMachine> done) override;
  void delete_vm(const std::string& ns, const std::string& name, Done<Unit> done) override;
  void delete_vm_if(const std::string& ns, const std::string& name, const std::string& uid,
                    const std::string& resource_version, Done<Unit> done) override;
  void start_vm(const std::string& ns, const std::string& name, Done<Unit> done) override;
  void stop_vm(const std::string& ns, const std::string& name, Done<Unit> done) override;
  void annotate_vm(const std::string& ns, const std::string& name, const std::string& uid,
                   const std::map<std::string, std::string>& annotations,
                   Done<VirtualMachine> done) override;
  void get_image(const std::string& id, Done<VmImage> done) override;
  void create_secret(const Secret& secret, Done<Unit> done) override;

  // For preflight: any object's JSON by its API path, and a SelfSubjectAccessReview (whether
  // this token may do `check`).
  void get_json(const std::string& path, Done<nlohmann::json> done);
  void access_review(const kube_json::AccessCheck& check, Done<bool> done);

 private:
  // Builds the request (URL, bearer token, content type) and sends it with send_json_call.
  template <typename T, typename Parse>
  void call(const std::string& method, const std::string& path, const std::string& query,
            const std::string& body, Done<T> done, Parse parse);

  HttpTransport& transport_;
  Options options_;
};

}  // namespace ha
