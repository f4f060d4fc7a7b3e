// HarvesterTarget: scale-out (naming, cancelling its own drains, creating VMs with their
// image's storage class and cloud-init Secret). Waiting for them: harvester_boot_watch.cc.
#include <algorithm>

#include "backends/api/vm_labels.h"
#include "base/duration.h"
#include "engine/harvester/harvester_target.h"
#include "engine/harvester/vm_builder.h"

namespace ha {

std::string HarvesterTarget::new_vm_name(const HarvesterGroupConfig& c, const Snapshot& s) {
  const Group& group = groups_[c.node_group];
  while (true) {
    // splitmix64 of a counter: short, unique, and the same in every run.
    std::uint64_t z = ++name_counter_ * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ULL;
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "%05llx", static_cast<unsigned long long>(z & 0xfffff));
    std::string name = c.node_group + "-" + suffix;
    bool taken = group.creating.count(name) > 0 || s.vm_named(name) != nullptr;
    if (!taken) return name;
  }
}

void HarvesterTarget::scale_out(const HarvesterGroupConfig& c, const ScaleRequest& request,
                                const Snapshot& s, std::int64_t from, std::int64_t to,
                                ScaleCallback done) {
  auto need = static_cast<std::size_t>(to - from);
  Group& group = groups_[c.node_group];
  if (group.backoff_until && loop_.now() < *group.backoff_until) {
    std::string why = "node group " + c.node_group + " is backed off for " +
                      format_duration(*group.backoff_until - loop_.now()) + " after " +
                      std::to_string(group.failed_scale_outs) + " failed scale-outs";
    log_.log(LogLevel::kWarn, loop_.now(), "scale out refused",
             {{"node_group", c.node_group}, {"reason", why}});
    loop_.post([done, why] { done(make_error(why, ErrorKind::kUnavailable)); });
    return;
  }
  std::vector<std::string> reusable;
  for (const auto& [node, vm] : group.draining) {
    // A node whose VM is being deleted is past taking back; one being taken back is taken.
    if (reusable.size() < need && !group.deleting.count(node) && !group.reclaiming.count(node)) {
      reusable.push_back(node);
    }
  }
  if (c.dry_run) {
    std::size_t starts = startable(c, s, need - reusable.size()).size();
    std::string plan = "would cancel " + std::to_string(reusable.size()) + " drains, start " +
                       std::to_string(starts) + " stopped VMs and create " +
                       std::to_string(need - reusable.size() - starts) + " VMs in " + c.namespace_;
    log_.log(LogLevel::kInfo, loop_.now(), "dry-run scale out",
             {{"node_group", c.node_group}, {"plan", plan}});
    loop_.post([done, plan] { done(ScaleResult{false, "dry-run: " + plan}); });
    return;
  }
  std::size_t action = record({0,
                               c.node_group,
                               Direction::kUp,
                               from,
                               to,
                               need,
                               loop_.now(),
                               {},
                               {},
                               {},
                               {},
                               0,
                               {},
                               request.action.reason,
                               0,
                               0});
  // After the drains cancelled: the pool's stopped VMs, then new ones for the rest.
  auto start_then_create = [this, c, action, need, s, done] {
    std::size_t left = need - actions_[action].reused_nodes;
    auto vms = std::make_shared<std::map<std::string, int>>();  // 0 boot, 1 run, 2 ok, -1 failed
    start_parked(c, action, startable(c, s, left), vms, [this, c, action, left, s, vms, done] {
      create_vms(c, action, left - actions_[action].started_vms, s, vms, done);
    });
  };
  if (reusable.empty()) {
    start_then_create();
    return;
  }
  // Cancel drains first; each node kept saves a VM. The node stays in `draining` with its
  // scale-in, which holds off draining and deleting it while it is `reclaiming`: a cancel
  // that fails leaves it to that scale-in as if nothing happened (it is not orphaned).
  auto outstanding = std::make_shared<std::size_t>(reusable.size());
  for (const std::string& node : reusable) {
    group.reclaiming.insert(node);
    nomad_.drain_node(
        node, std::nullopt, true,
        guarded([this, c, action, node, outstanding, start_then_create](Result<Unit> r) {
          Group& g = groups_[c.node_group];
          g.reclaiming.erase(node);
          if (r) {
            g.draining.erase(node);
            ++actions_[action].reused_nodes;
          } else {
            log_.log(
                LogLevel::kWarn, loop_.now(), "could not take a draining node back",
                {{"node_group", c.node_group}, {"node_id", node}, {"error", r.error().message}});
          }
          if (--*outstanding > 0) return;
          start_then_create();
        }));
  }
}

void HarvesterTarget::create_vms(const HarvesterGroupConfig& c, std::size_t action, std::size_t n,
                                 Snapshot s, std::shared_ptr<std::map<std::string, int>> vms,
                                 ScaleCallback done) {
  if (n == 0 && !vms->empty()) {
    watch_boot(c, action, vms, loop_.now() + options_.provision_timeout, done);
    return;
  }
  if (n == 0) {
    actions_[action].all_running = actions_[action].all_ready = loop_.now();
    finish_record(action);
    done(ScaleResult{
        false, "reused " + std::to_string(actions_[action].reused_nodes) + " draining nodes"});
    return;
  }
  // The names are taken (and counted as creations in flight) now, before the image is read:
  // a scale-out decided meanwhile must not create them a second time.
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) {
    names.push_back(new_vm_name(c, s));
    groups_[c.node_group].creating.insert(names.back());
  }
  with_image(
      c, guarded([this, c, action, n, names, vms, done](Result<VmImage> image) {
        Result<std::int64_t> disk =
            image ? root_disk_bytes(c, *image) : Result<std::int64_t>(image.error());
        if (!disk) {
          // Nothing can boot: every VM of the scale-out fails, and the group backs off.
          for (const std::string& name : names) {
            groups_[c.node_group].creating.erase(name);
            actions_[action].failures.push_back(disk.error().message);
          }
          log_.log(LogLevel::kWarn, loop_.now(), "VM creation failed",
                   {{"node_group", c.node_group}, {"error", disk.error().message}});
          watch_boot(c, action, vms, loop_.now() + options_.provision_timeout, done);
          return;
        }
        auto outstanding = std::make_shared<std::size_t>(n);
        for (const std::string& name : names) {
          NewVm built = build_vm(c, name, std::to_string(actions_[action].id), *image, *disk,
                                 claim_suffix(name, loop_.now()));
          // Each answer ends in `settled`: the VM is booting (0) or failed (-1).
          auto settled = [this, c, action, vms, outstanding, name, done](
                             std::optional<Error> failure, const char* how) {
            if (!failure) {
              (*vms)[name] = 0;
              groups_[c.node_group].booting.insert(name);
              groups_[c.node_group].created[name] = loop_.now();
              log_.log(LogLevel::kInfo, loop_.now(), how,
                       {{"node_group", c.node_group}, {"vm", name}});
            } else {
              actions_[action].failures.push_back("create " + name + ": " + failure->message);
              log_.log(LogLevel::kWarn, loop_.now(), "VM creation failed",
                       {{"node_group", c.node_group}, {"vm", name}, {"error", failure->message}});
            }
            if (--*outstanding > 0) return;
            watch_boot(c, action, vms, loop_.now() + options_.provision_timeout, done);
          };
          std::string action_id = built.spec.annotations.at(vm_labels::kAction);
          auto cloud_init = built.cloud_init;
          harvester_.create_vm(
              built.spec,
              guarded([this, c, name, action_id, settled, cloud_init](Result<VirtualMachine> r) {
                groups_[c.node_group].creating.erase(name);
                if (r) {
                  if (cloud_init) {
                    create_cloud_init(c, *cloud_init, name, r->uid,
                                      loop_.now() + options_.provision_timeout);
                  }
                  settled(std::nullopt, "created VM");
                  return;
                }
                // The name is this action's alone: a VM of that name with the group's label and
                // this action's annotation is the one asked for, made though its answer was lost
                // (a timeout, a 409 to a retried request). It is watched as created, not counted
                // as a failure that would back the group off.
                harvester_.get_vm(
                    c.namespace_, name,
                    guarded([this, c, name, action_id, settled, cloud_init,
                             e = r.error()](Result<VirtualMachine> vm) {
                      if (vm &&
                          vm_labels::has(vm->spec.labels, vm_labels::kNodeGroup, c.node_group) &&
                          vm_labels::has(vm->spec.annotations, vm_labels::kAction, action_id)) {
                        if (cloud_init) {
                          create_cloud_init(c, *cloud_init, name, vm->uid,
                                            loop_.now() + options_.provision_timeout);
                        }
                        settled(std::nullopt, "created VM (its answer was lost)");
                      } else {
                        settled(e, nullptr);
                      }
                    }));
              }));
        }
      }));
}

void HarvesterTarget::with_image(const HarvesterGroupConfig& c,
                                 std::function<void(Result<VmImage>)> then) {
  if (c.image.empty()) {
    then(
        make_error("target harvester: image: missing: a VM needs the VirtualMachineImage it "
                   "boots from (namespace/name of its object, e.g. default/image-8zr4m)",
                   ErrorKind::kInvalid));
    return;
  }
  Group& group = groups_[c.node_group];
  if (group.image && group.image->id() == c.image) {
    then(*group.image);
    return;
  }
  harvester_.get_image(
      c.image, guarded([this, c, then](Result<VmImage> image) {
        if (!image) {
          then(make_error("image " + c.image + ": " + image.error().message, image.error().kind));
          return;
        }
        std::string why;
        if (!image->imported) {
          why = "not imported (progress " + std::to_string(image->progress) + "%" +
                (image->message.empty() ? "" : ": " + image->message) + ")";
        } else if (image->storage_class.empty()) {
          why =
              "has no storage class (status.storageClassName): a disk of any "
              "other class would be blank";
        }
        if (!why.empty()) {
          then(make_error("image " + c.image + " " + why, ErrorKind::kUnavailable));
          return;
        }
        groups_[c.node_group].image = *image;
        then(std::move(*image));
      }));
}

void HarvesterTarget::create_cloud_init(const HarvesterGroupConfig& c, Secret secret,
                                        const std::string& vm, const std::string& vm_uid,
                                        Time until) {
  // Owned by the VM, as the node driver's: Kubernetes deletes it with the VM.
  secret.meta.owner_references = {{"kubevirt.io/v1", "VirtualMachine", vm, vm_uid, false, false}};
  harvester_.create_secret(
      secret, guarded([this, c, secret, vm, vm_uid, until](Result<Unit> r) {
        if (r || r.error().kind == ErrorKind::kConflict) return;
        log_.log(LogLevel::kWarn, loop_.now(), "creating the cloud-init Secret failed",
                 {{"node_group", c.node_group},
                  {"secret", secret.meta.name},
                  {"error", r.error().message}});
        if (loop_.now() >= until) return;  // the VM will miss its deadline
        loop_.after(options_.poll_interval, guarded([this, c, secret, vm, vm_uid, until] {
                      create_cloud_init(c, secret, vm, vm_uid, until);
                    }));
      }));
}

}  // namespace ha
