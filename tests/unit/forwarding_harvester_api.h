// A HarvesterApi that passes every call to another one: test doubles derive from it and
// override only the calls they change (a stale list, dropped watches).
#pragma once

#include "backends/api/harvester_api.h"

namespace ha::testing {

class ForwardingHarvesterApi : public HarvesterApi {
 public:
  explicit ForwardingHarvesterApi(HarvesterApi& inner) : inner_(inner) {}

  void list_vms(const std::string& ns, const std::string& s, Done<VmList> d) override {
    inner_.list_vms(ns, s, std::move(d));
  }
  void list_vms_versioned(const std::string& ns, const std::string& s,
                          Done<VmSnapshot> d) override {
    inner_.list_vms_versioned(ns, s, std::move(d));
  }
  std::unique_ptr<WatchHandle> watch_vms(const std::string& ns, const std::string& s,
                                         const std::string& version, Duration timeout,
                                         std::function<void(const VmChange&)> on_change,
                                         Done<Unit> d) override {
    return inner_.watch_vms(ns, s, version, timeout, std::move(on_change), std::move(d));
  }
  void get_vm(const std::string& ns, const std::string& n, Done<VirtualMachine> d) override {
    inner_.get_vm(ns, n, std::move(d));
  }
  void create_vm(const VirtualMachineSpec& spec, Done<VirtualMachine> d) override {
    inner_.create_vm(spec, std::move(d));
  }
  void delete_vm(const std::string& ns, const std::string& n, Done<Unit> d) override {
    inner_.delete_vm(ns, n, std::move(d));
  }
  void delete_vm_if(const std::string& ns, const std::string& n, const std::string& uid,
                    const std::string& rv, Done<Unit> d) override {
    inner_.delete_vm_if(ns, n, uid, rv, std::move(d));
  }
  void start_vm(const std::string& ns, const std::string& n, Done<Unit> d) override {
    inner_.start_vm(ns, n, std::move(d));
  }
  void stop_vm(const std::string& ns, const std::string& n, Done<Unit> d) override {
    inner_.stop_vm(ns, n, std::move(d));
  }
  void annotate_vm(const std::string& ns, const std::string& n, const std::string& uid,
                   const std::map<std::string, std::string>& a, Done<VirtualMachine> d) override {
    inner_.annotate_vm(ns, n, uid, a, std::move(d));
  }
  void get_image(const std::string& id, Done<VmImage> d) override {
    inner_.get_image(id, std::move(d));
  }
  void create_secret(const Secret& s, Done<Unit> d) override {
    inner_.create_secret(s, std::move(d));
  }

 protected:
  HarvesterApi& inner_;
};

}  // namespace ha::testing
