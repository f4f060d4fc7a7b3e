// HarvesterApi over a HarvesterModel: every call completes on the loop after the modelled
// API latency, and may be failed by a FaultInjector.
#pragma once

#include "backends/memory/harvester_model.h"
#include "backends/memory/model_call.h"
#include "backends/memory/model_vm_watch.h"

namespace ha {

class HarvesterMemoryApi final : public HarvesterApi {
 public:
  HarvesterMemoryApi(EventLoop& loop, HarvesterModel& model, Latency latency,
                     FaultInjector* faults = nullptr, std::uint64_t seed = 2)
      : loop_(loop),
        model_(model),
        faults_(faults),
        caller_(loop, latency, faults, seed),
        rng_(seed) {}

  void list_vms(const std::string& ns, const std::string& label_selector,
                Done<VmList> done) override {
    caller_.call<VmList>(
        "list_vms", [this, ns, label_selector] { return model_.list(ns, label_selector); },
        std::move(done));
  }
  void list_vms_versioned(const std::string& ns, const std::string& label_selector,
                          Done<VmSnapshot> done) override {
    caller_.call<VmSnapshot>(
        "list_vms",
        [this, ns, label_selector]() -> Result<VmSnapshot> {
          auto list = model_.list(ns, label_selector);
          if (!list) return list.error();
          return VmSnapshot{std::move(*list), std::to_string(model_.resource_version())};
        },
        std::move(done));
  }
  std::unique_ptr<WatchHandle> watch_vms(const std::string& ns, const std::string& label_selector,
                                         const std::string& resource_version, Duration timeout,
                                         std::function<void(const VmChange&)> on_change,
                                         Done<Unit> done) override {
    return watch_model_vms(loop_, model_, ns, label_selector, resource_version, timeout,
                           std::move(on_change), std::move(done),
                           decide_watch_faults(faults_, "watch_vms", timeout, rng_));
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
  void delete_vm_if(const std::string& ns, const std::string& name, const std::string& uid,
                    const std::string& resource_version, Done<Unit> done) override {
    caller_.call<Unit>(
        "delete_vm",
        [this, ns, name, uid, resource_version]() -> Result<Unit> {
          auto vm = model_.get(ns, name);
          if (!vm) return vm.error();
          if (auto e = failed_precondition(*vm, uid, resource_version)) return *e;
          return model_.remove(ns, name);
        },
        std::move(done));
  }
  void start_vm(const std::string& ns, const std::string& name, Done<Unit> done) override {
    caller_.call<Unit>(
        "start_vm", [this, ns, name] { return model_.start(ns, name); }, std::move(done));
  }
  void stop_vm(const std::string& ns, const std::string& name, Done<Unit> done) override {
    caller_.call<Unit>(
        "stop_vm", [this, ns, name] { return model_.stop(ns, name); }, std::move(done));
  }
  void annotate_vm(const std::string& ns, const std::string& name, const std::string& uid,
                   const std::map<std::string, std::string>& annotations,
                   Done<VirtualMachine> done) override {
    caller_.call<VirtualMachine>(
        "patch_vm",
        [this, ns, name, uid, annotations]() -> Result<VirtualMachine> {
          auto vm = model_.get(ns, name);
          if (!vm) return vm;
          if (!uid.empty() && vm->uid != uid) {
            return make_error("Precondition failed: UID in precondition: " + uid +
                                  ", UID in object meta: " + vm->uid,
                              ErrorKind::kConflict);
          }
          auto merged = vm->spec.annotations;
          for (const auto& [k, v] : annotations) merged[k] = v;
          return model_.set_metadata(ns, name, vm->spec.labels, std::move(merged));
        },
        std::move(done));
  }
  void get_image(const std::string& id, Done<VmImage> done) override {
    caller_.call<VmImage>(
        "get_image",
        [this, id]() -> Result<VmImage> {
          auto slash = id.find('/');
          if (slash == std::string::npos) {
            return make_error("image \"" + id + "\": expected namespace/name", ErrorKind::kInvalid);
          }
          return model_.get_image(id.substr(0, slash), id.substr(slash + 1));
        },
        std::move(done));
  }
  void create_secret(const Secret& secret, Done<Unit> done) override {
    caller_.call<Unit>(
        "create_secret",
        [this, secret]() -> Result<Unit> {
          auto created = model_.create_secret(secret);
          if (!created) return created.error();
          return Unit{};
        },
        std::move(done));
  }

 private:
  EventLoop& loop_;
  HarvesterModel& model_;
  FaultInjector* faults_;
  ModelCaller caller_;
  std::mt19937_64 rng_;  // where injected errors end watches
};

}  // namespace ha
