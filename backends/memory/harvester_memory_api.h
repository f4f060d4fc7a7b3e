// HarvesterApi over a HarvesterModel: every call completes on the loop after the modelled
// API latency, and may be failed by a FaultInjector.
#pragma once

#include "backends/memory/harvester_model.h"
#include "backends/memory/model_call.h"

namespace ha {

class HarvesterMemoryApi final : public HarvesterApi {
 public:
  HarvesterMemoryApi(EventLoop& loop, HarvesterModel& model, Latency latency,
                     FaultInjector* faults = nullptr, std::uint64_t seed = 2)
      : model_(model), caller_(loop, latency, faults, seed) {}

  void list_vms(const std::string& ns, const std::string& label_selector,
                Done<VmList> done) override {
    caller_.call<VmList>(
        "list_vms", [this, ns, label_selector] { return model_.list(ns, label_selector); },
        std::move(done));
  }
  void get_vm(const std::string& ns, const std::string& name, Done<VirtualMachine> done) override {
    caller_.call<VirtualMachine>(
        "get_vm", [this, ns, name] { return model_.get(ns, name); }, std::move(done));
  }
  void create_vm(const VirtualMachineSpec& spec, Done<VirtualMachine> done) override {
    caller_.call<VirtualMachine>(
        "create_vm", [this, spec] { return model_.create(spec); }, std::move(done));
  }
  void delete_vm(const std::string& ns, const std::string& name, Done<Unit> done) override {
    caller_.call<Unit>(
        "delete_vm", [this, ns, name] { return model_.remove(ns, name); }, std::move(done));
  }
  void start_vm(const std::string& ns, const std::string& name, Done<Unit> done) override {
    caller_.call<Unit>(
        "start_vm", [this, ns, name] { return model_.start(ns, name); }, std::move(done));
  }
  void stop_vm(const std::string& ns, const std::string& name, Done<Unit> done) override {
    caller_.call<Unit>(
        "stop_vm", [this, ns, name] { return model_.stop(ns, name); }, std::move(done));
  }

 private:
  HarvesterModel& model_;
  ModelCaller caller_;
};

}  // namespace ha
