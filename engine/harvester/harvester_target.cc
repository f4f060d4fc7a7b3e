// HarvesterTarget: status, dispatch and scale-out. Scale-in: harvester_scale_in.cc.
#include "engine/harvester/harvester_target.h"

#include <unordered_set>

#include "backends/api/vm_labels.h"

namespace ha {

HarvesterTarget::HarvesterTarget(EventLoop& loop, NomadApi& nomad, HarvesterApi& harvester,
                                 Logger& log, Options options)
    : loop_(loop), nomad_(nomad), harvester_(harvester), log_(log), options_(options) {}

HarvesterTarget::~HarvesterTarget() {
  *alive_ = false;
}

PluginConfig HarvesterTarget::with_env_overrides(
    PluginConfig config, const std::function<std::optional<std::string>(const char*)>& getenv) {
  if (auto url = getenv("HARVESTER_URL"); url && !url->empty()) config["harvester_url"] = *url;
  if (auto token = getenv("HARVESTER_TOKEN"); token && !token->empty()) {
    config["auth_token"] = *token;
  }
  return config;
}

Result<void> HarvesterTarget::set_config(const PluginConfig& config) {
  // Connection settings are used by the HTTP backends this target is given; here they are
  // only checked, not kept. Error messages name keys, never token values.
  if (options_.require_connection) {
    auto url = config.find("harvester_url");
    if (url == config.end() || url->second.empty()) {
      return make_error("target harvester: harvester_url: missing (set it or HARVESTER_URL)",
                        ErrorKind::kInvalid);
    }
    if (url->second.rfind("https://", 0) != 0 && url->second.rfind("http://", 0) != 0) {
      return make_error(
          "target harvester: harvester_url: \"" + url->second + "\" is not an http(s) URL",
          ErrorKind::kInvalid);
    }
    auto token = config.find("auth_token");
    if (token == config.end() || token->second.empty()) {
      return make_error("target harvester: auth_token: missing (set it or HARVESTER_TOKEN)",
                        ErrorKind::kInvalid);
    }
  }
  return {};
}

void HarvesterTarget::Snapshot::index_by_name() {
  by_name.clear();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    // A VM restarted under the same name may leave an older, down registration behind:
    // the newest registration wins.
    auto [it, added] = by_name.emplace(nodes[i].name, i);
    if (!added && nodes[i].create_index > nodes[it->second].create_index) it->second = i;
  }
}

void HarvesterTarget::Snapshot::index_vms() {
  vm_by_name.clear();
  vm_by_name.reserve(vms.size());
  for (std::size_t i = 0; i < vms.size(); ++i) vm_by_name.emplace(vms[i].spec.name, i);
}

const VirtualMachine* HarvesterTarget::Snapshot::vm_named(const std::string& name) const {
  auto it = vm_by_name.find(name);
  return it == vm_by_name.end() ? nullptr : &vms[it->second];
}

const NomadNodeStub* HarvesterTarget::Snapshot::node_named(const std::string& name) const {
  auto it = by_name.find(name);
  return it == by_name.end() ? nullptr : &nodes[it->second];
}

void HarvesterTarget::snapshot(const HarvesterGroupConfig& c,
                               std::function<void(Result<Snapshot>)> done) {
  auto snap = std::make_shared<Snapshot>();
  auto error = std::make_shared<std::optional<Error>>();
  auto outstanding = std::make_shared<int>(2);
  auto finish = [snap, error, outstanding, done = std::move(done)]() {
    if (--*outstanding > 0) return;
    if (*error) {
      done(**error);
    } else {
      done(std::move(*snap));
    }
  };
  harvester_.list_vms(c.namespace_, std::string(vm_labels::kNodeGroup) + "=" + c.node_group,
                      guarded([snap, error, finish](Result<std::vector<VirtualMachine>> r) mutable {
                        if (!r) {
                          *error = make_error("listing VMs: " + r.error().message, r.error().kind);
                        } else {
                          snap->vms = std::move(*r);
                          snap->index_vms();
                        }
                        finish();
                      }));
  nomad_.list_nodes({c.node_class, ""},
                    guarded([snap, error, finish](Result<std::vector<NomadNodeStub>> r) mutable {
                      if (!r) {
                        *error =
                            make_error("listing Nomad nodes: " + r.error().message, r.error().kind);
                      } else {
                        snap->nodes = std::move(*r);
                        snap->index_by_name();
                      }
                      finish();
                    }));
}

HarvesterTarget::Counted HarvesterTarget::count(const HarvesterGroupConfig& c,
                                                const Snapshot& s) const {
  Counted out;
  auto group = groups_.find(c.node_group);
  std::unordered_set<std::string_view> leaving;
  if (group != groups_.end()) {
    for (const auto& [node, vm] : group->second.draining) leaving.insert(vm);
  }
  for (const VirtualMachine& vm : s.vms) {
    if (vm.printable_status == "Terminating" || leaving.count(vm.spec.name)) continue;
    out.active.push_back(&vm);
  }
  out.count = static_cast<std::int64_t>(out.active.size());
  if (group != groups_.end()) {
    for (const std::string& name : group->second.creating) out.count += s.vm_named(name) ? 0 : 1;
  }
  return out;
}

void HarvesterTarget::status(const PluginConfig& policy_config, StatusCallback done) {
  auto config = parse_group_config(policy_config);
  if (!config) {
    loop_.post([done, e = config.error()] { done(e); });
    return;
  }
  snapshot(*config, [this, c = *config, done](Result<Snapshot> s) {
    if (!s) {
      done(s.error());
      return;
    }
    Counted counted = count(c, *s);
    TargetStatus status;
    status.count = counted.count;
    status.ready = counted.count == static_cast<std::int64_t>(counted.active.size());
    for (const VirtualMachine* vm : counted.active) {
      const NomadNodeStub* node = s->node_named(vm->spec.name);
      status.ready = status.ready && vm->printable_status == "Running" && node != nullptr &&
                     node->status == "ready" && node->scheduling_eligibility == "eligible" &&
                     !node->drain;
    }
    const Group& group = groups_[c.node_group];
    if (group.last_event)
      status.meta[kTargetMetaLastEvent] = std::to_string(group.last_event->count());
    done(std::move(status));
  });
}

void HarvesterTarget::scale(const ScaleRequest& request, const PluginConfig& policy_config,
                            ScaleCallback done) {
  auto config = parse_group_config(policy_config);
  if (!config) {
    loop_.post([done, e = config.error()] { done(e); });
    return;
  }
  HarvesterGroupConfig c = *config;
  c.dry_run = c.dry_run || request.dry_run;
  snapshot(c, [this, c, request, done](Result<Snapshot> s) {
    if (!s) {
      done(s.error());
      return;
    }
    std::int64_t from = count(c, *s).count;
    std::int64_t to = std::clamp(request.action.count, request.min, request.max);
    if (to == from) {
      done(
          ScaleResult{true, "node group " + c.node_group + " already has " + std::to_string(from)});
    } else if (to > from) {
      scale_out(c, request, *s, from, to, done);
    } else {
      scale_in(c, request, *s, from, to, done);
    }
  });
}

std::size_t HarvesterTarget::record(ScaleActionRecord r) {
  r.id = actions_.size() + 1;
  actions_.push_back(std::move(r));
  return actions_.size() - 1;
}

void HarvesterTarget::finish_record(std::size_t index) {
  groups_[actions_[index].node_group].last_event = loop_.now();
  if (on_action_done) on_action_done(actions_[index]);
}

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
  std::vector<std::string> reusable;
  for (const auto& [node, vm] : group.draining) {
    if (reusable.size() < need) reusable.push_back(node);
  }
  if (c.dry_run) {
    std::string plan = "would cancel " + std::to_string(reusable.size()) + " drains and create " +
                       std::to_string(need - reusable.size()) + " VMs in " + c.namespace_;
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
                               request.action.reason});
  if (reusable.empty()) {
    create_vms(c, action, need, s, done);
    return;
  }
  // Cancel drains first; each node kept saves a VM. The node leaves `draining` before the
  // call so that its pending deletion stops; a failed cancel puts it back.
  auto outstanding = std::make_shared<std::size_t>(reusable.size());
  for (const std::string& node : reusable) {
    std::string vm = group.draining[node];
    group.draining.erase(node);
    nomad_.drain_node(
        node, std::nullopt, true,
        guarded([this, c, action, need, s, done, node, vm, outstanding](Result<Unit> r) {
          if (r) {
            ++actions_[action].reused_nodes;
          } else {
            groups_[c.node_group].draining[node] = vm;
            actions_[action].failures.push_back("cancel drain of " + node + ": " +
                                                r.error().message);
          }
          if (--*outstanding > 0) return;
          create_vms(c, action, need - actions_[action].reused_nodes, s, done);
        }));
  }
}

void HarvesterTarget::create_vms(const HarvesterGroupConfig& c, std::size_t action, std::size_t n,
                                 Snapshot s, ScaleCallback done) {
  if (n == 0) {
    actions_[action].all_running = actions_[action].all_ready = loop_.now();
    finish_record(action);
    done(ScaleResult{
        false, "reused " + std::to_string(actions_[action].reused_nodes) + " draining nodes"});
    return;
  }
  auto vms =
      std::make_shared<std::map<std::string, int>>();  // name -> 0 boot, 1 run, 2 ok, -1 failed
  auto outstanding = std::make_shared<std::size_t>(n);
  Group& group = groups_[c.node_group];
  for (std::size_t i = 0; i < n; ++i) {
    VirtualMachineSpec spec;
    spec.name = new_vm_name(c, s);
    spec.namespace_ = c.namespace_;
    spec.labels = {{vm_labels::kNodeGroup, c.node_group}, {vm_labels::kNodeClass, c.node_class}};
    spec.annotations = {{"harvester-autoscaler/action", std::to_string(actions_[action].id)}};
    spec.cpu_cores = c.cpu_cores;
    spec.memory_bytes = c.memory_bytes;
    spec.image = c.image;
    spec.network = c.network;
    spec.user_data = render_user_data(c, spec.name);
    group.creating.insert(spec.name);
    std::string name = spec.name;
    harvester_.create_vm(
        spec, guarded([this, c, action, vms, outstanding, name, done](Result<VirtualMachine> r) {
          groups_[c.node_group].creating.erase(name);
          if (r) {
            (*vms)[name] = 0;
          } else {
            actions_[action].failures.push_back("create " + name + ": " + r.error().message);
          }
          if (--*outstanding > 0) return;
          watch_boot(c, action, vms, loop_.now() + options_.provision_timeout, done);
        }));
  }
}

void HarvesterTarget::watch_boot(const HarvesterGroupConfig& c, std::size_t action,
                                 std::shared_ptr<std::map<std::string, int>> vms, Time deadline,
                                 ScaleCallback done) {
  auto settle = [this, c, action, vms, done] {
    ScaleActionRecord& r = actions_[action];
    std::size_t ok = 0;
    for (const auto& [name, state] : *vms) ok += state == 2 ? 1 : 0;
    finish_record(action);
    std::string summary = "created " + std::to_string(ok) + " VMs, running and joined";
    if (r.reused_nodes > 0)
      summary += ", reused " + std::to_string(r.reused_nodes) + " draining nodes";
    if (r.failures.empty()) {
      done(ScaleResult{false, summary});
    } else {
      done(make_error(summary + "; " + std::to_string(r.failures.size()) +
                      " failed: " + r.failures.front()));
    }
  };
  bool open = std::any_of(vms->begin(), vms->end(),
                          [](const auto& v) { return v.second >= 0 && v.second < 2; });
  if (!open) {
    settle();
    return;
  }
  loop_.after(
      options_.poll_interval, guarded([this, c, action, vms, deadline, done, settle] {
        snapshot(c, [this, c, action, vms, deadline, done, settle](Result<Snapshot> s) {
          if (s) {
            for (auto& [name, state] : *vms) {
              if (state < 0 || state == 2) continue;
              const VirtualMachine* vm = s->vm_named(name);
              std::string failure;
              if (vm == nullptr) {
                failure = "VM " + name + " disappeared";
              } else if (vm->printable_status == "ErrorUnschedulable") {
                failure = "VM " + name + " is ErrorUnschedulable (no capacity on Harvester)";
              } else if (loop_.now() >= deadline) {
                failure = "VM " + name + " not running and joined within the provision timeout";
              }
              if (!failure.empty()) {
                // Clean up: a VM that will not serve is not left behind.
                state = -1;
                actions_[action].failures.push_back(failure);
                if (vm != nullptr) {
                  harvester_.delete_vm(c.namespace_, name, [](Result<Unit>) {});
                }
                continue;
              }
              if (vm->printable_status == "Running" && state == 0) state = 1;
              const NomadNodeStub* node = s->node_named(name);
              if (state == 1 && node != nullptr && node->status == "ready") state = 2;
            }
            ScaleActionRecord& r = actions_[action];
            bool all_running =
                std::all_of(vms->begin(), vms->end(), [](auto& v) { return v.second != 0; });
            bool all_ready = std::all_of(vms->begin(), vms->end(),
                                         [](auto& v) { return v.second == 2 || v.second < 0; });
            if (all_running && !r.all_running) r.all_running = loop_.now();
            if (all_ready && !r.all_ready) r.all_ready = loop_.now();
          }
          watch_boot(c, action, vms, deadline, done);
        });
      }));
}

}  // namespace ha
