// HarvesterTarget: status, dispatch and scale-out. Scale-in: harvester_scale_in.cc.
#include "engine/harvester/harvester_target.h"

#include <unordered_set>

#include "backends/api/vm_labels.h"

namespace ha {
namespace {

// Past this, a deletion or creation a view has not yet shown is not waited for any more.
constexpr Duration kLongAgo = std::chrono::minutes(10);

}  // namespace

HarvesterTarget::HarvesterTarget(EventLoop& loop, NomadApi& nomad, HarvesterApi& harvester,
                                 Logger& log, Options options)
    : loop_(loop),
      nomad_(nomad),
      harvester_(harvester),
      log_(log),
      options_(options),
      // Names come from a counter; starting it at the start time keeps a restarted agent
      // from re-using the names of VMs its predecessor made (and Nomad's nodes of them).
      name_counter_(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::seconds>(loop.now()).count())) {}

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

void HarvesterTarget::snapshot(const HarvesterGroupConfig& c,
                               std::function<void(Result<Snapshot>)> done) {
  auto snap = std::make_shared<Snapshot>();
  auto error = std::make_shared<std::optional<Error>>();
  std::string selector = vm_labels::group_selector(c.node_group);
  bool list_vms = true;
  if (ClusterCaches* caches = options_.caches) {
    if (const VmCache& vms = caches->vms(c.namespace_, selector); caches->usable(vms)) {
      snap->vms = vms.view();
      list_vms = false;
    }
    if (const NodeCache& nodes = caches->nodes(c.nomad_node_class()); caches->usable(nodes)) {
      snap->nodes = nodes.view();
      snap->node_resources = true;
    }
  }
  bool list_nodes = snap->nodes == nullptr;
  auto outstanding = std::make_shared<int>((list_vms ? 1 : 0) + (list_nodes ? 1 : 0));
  auto finish = [this, group = c.node_group, snap, error, outstanding, done = std::move(done)]() {
    if (--*outstanding > 0) return;
    if (*error) {
      done(**error);
    } else {
      forget_settled(group, *snap);
      done(std::move(*snap));
    }
  };
  if (*outstanding == 0) {
    *outstanding = 1;
    loop_.post(guarded(finish));  // answers come on the loop, never inside the call
    return;
  }
  if (list_vms) {
    harvester_.list_vms(
        c.namespace_, selector, guarded([snap, error, finish](Result<VmList> r) mutable {
          if (!r) {
            *error = make_error("listing VMs: " + r.error().message, r.error().kind);
          } else {
            snap->vms = std::make_shared<const VmView>(std::move(*r));
          }
          finish();
        }));
  }
  if (list_nodes) {
    nomad_.list_nodes({c.nomad_node_class(), c.node_pool, ""},
                      guarded([snap, error, finish](Result<NodeList> r) mutable {
                        if (!r) {
                          *error = make_error("listing Nomad nodes: " + r.error().message,
                                              r.error().kind);
                        } else {
                          snap->nodes = std::make_shared<const NodeView>(std::move(*r));
                        }
                        finish();
                      }));
  }
}

void HarvesterTarget::forget_settled(const std::string& node_group, const Snapshot& s) {
  auto group = groups_.find(node_group);
  if (group == groups_.end()) return;
  std::erase_if(group->second.deleted, [this, &s](const auto& entry) {
    const VirtualMachine* vm = s.vm_named(entry.first);
    return vm == nullptr || vm->printable_status == "Terminating" ||
           loop_.now() - entry.second > kLongAgo;
  });
  std::erase_if(group->second.created, [this, &s](const auto& entry) {
    return s.vm_named(entry.first) != nullptr || loop_.now() - entry.second > kLongAgo;
  });
  std::erase_if(group->second.started, [this, &s](const auto& entry) {
    const VirtualMachine* vm = s.vm_named(entry.first);
    return vm == nullptr || !is_parked(*vm) || loop_.now() - entry.second > kLongAgo;
  });
  // A stop this run made is confirmed when a view shows it; a parked VM a view shows gone,
  // or running again (started by someone else), leaves the pool.
  auto& pool = group->second.parked;
  for (auto it = pool.begin(); it != pool.end();) {
    const VirtualMachine* vm = s.vm_named(it->first);
    bool parked = vm != nullptr && is_parked(*vm);
    bool gone = it->second.confirmed
                    ? !parked
                    : vm == nullptr || (!parked && loop_.now() - it->second.since > kLongAgo);
    it->second.confirmed = it->second.confirmed || parked;
    it = gone ? pool.erase(it) : std::next(it);
  }
}

bool HarvesterTarget::is_parked(const VirtualMachine& vm) {
  const std::string& phase = vm.printable_status;
  return phase != "Terminating" && (vm.spec.effective_run_strategy() == "Halted" ||
                                    phase == "Stopped" || phase == "Stopping");
}

std::unordered_set<std::string_view> HarvesterTarget::leaving_vms(const Group& group) {
  std::unordered_set<std::string_view> out;
  for (const auto& [node, vm] : group.draining) out.insert(vm);
  for (const std::string& vm : group.removing) out.insert(vm);
  for (const auto& [vm, at] : group.deleted) out.insert(vm);
  for (const auto& [vm, at] : group.parked) out.insert(vm);
  return out;
}

HarvesterTarget::Counted HarvesterTarget::count(const HarvesterGroupConfig& c,
                                                const Snapshot& s) const {
  Counted out;
  auto group = groups_.find(c.node_group);
  std::unordered_set<std::string_view> leaving;
  if (group != groups_.end()) leaving = leaving_vms(group->second);
  for (const auto& vm : s.vms->vms()) {
    if (vm->printable_status == "Terminating" || leaving.count(vm->spec.name)) continue;
    // A stopped VM of the pool is not counted, unless this run is starting it.
    if (is_parked(*vm) && (group == groups_.end() || !group->second.started.count(vm->spec.name))) {
      continue;
    }
    out.active.push_back(vm.get());
  }
  out.count = static_cast<std::int64_t>(out.active.size());
  if (group != groups_.end()) {
    for (const std::string& name : group->second.creating) out.count += s.vm_named(name) ? 0 : 1;
    for (const auto& [name, at] : group->second.created) out.count += s.vm_named(name) ? 0 : 1;
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
    const Group::ViewFacts& facts = view_facts(c, *s);
    Group& group = groups_[c.node_group];
    // As count(): the group's own VMs on their way out are not counted, VMs whose creation
    // was accepted are until a view shows them.
    std::unordered_set<std::string_view> leaving = leaving_vms(group);
    std::int64_t leaving_live = 0, missing = 0;
    for (std::string_view name : leaving) {
      const VirtualMachine* vm = s->vm_named(name);
      leaving_live += vm != nullptr && vm->printable_status != "Terminating" && !is_parked(*vm);
    }
    for (const std::string& name : group.creating) missing += s->vm_named(name) ? 0 : 1;
    for (const auto& [name, at] : group.created) missing += s->vm_named(name) ? 0 : 1;
    for (const auto& [name, at] : group.started) {
      const VirtualMachine* vm = s->vm_named(name);
      missing += vm != nullptr && is_parked(*vm) ? 1 : 0;
    }
    TargetStatus status;
    status.count = facts.live - leaving_live + missing;
    bool vms_ready =
        missing == 0 && std::all_of(facts.out_of_service.begin(), facts.out_of_service.end(),
                                    [&leaving](const VirtualMachine* vm) {
                                      return leaving.count(vm->spec.name) > 0;
                                    });
    // As upstream's IsPoolReady: a pool node initializing or draining (an operator's drain,
    // say) holds every action back until it settles.
    status.ready = vms_ready && facts.unsettled.empty();
    status.reason = facts.unsettled;
    // Only a group with a VM out of service can hold something to settle.
    if (!vms_ready) {
      reconcile(c, *s, facts.not_serving);
    } else {
      group.out_of_service.clear();
    }
    if (!facts.parked.empty()) tend_pool(c, facts.parked);
    // The last scaling event lives in the cluster too: the newest VM's creation. A restarted
    // agent's first status carries it, and the evaluator honours its cooldown (no burst).
    // Once this run has scaled, its own event is the newer one.
    std::optional<Time> last = group.last_event;
    if (!last && leaving_live == 0) {
      last = facts.newest_creation;
    } else if (!last) {
      for (const VirtualMachine* vm : count(c, *s).active) {
        if (vm->creation_time != Time::max() && (!last || vm->creation_time > *last)) {
          last = vm->creation_time;
        }
      }
    }
    if (last) status.meta[kTargetMetaLastEvent] = std::to_string(last->count());
    done(std::move(status));
  });
}

const HarvesterTarget::Group::ViewFacts& HarvesterTarget::view_facts(const HarvesterGroupConfig& c,
                                                                     const Snapshot& s) {
  std::optional<Group::ViewFacts>& kept = groups_[c.node_group].facts;
  if (kept && kept->vms == s.vms && kept->nodes == s.nodes) return *kept;
  Group::ViewFacts f{s.vms, s.nodes, 0, {}, {}, {}, std::nullopt};
  NomadPool pool = c.pool();
  for (const auto& n : s.nodes->nodes()) {
    if (!pool.contains(*n) || drained_by_autoscaler(*n)) continue;
    if (auto why = unsettled_reason(*n, c.node_filter)) {
      f.unsettled += (f.unsettled.empty() ? "" : "; ") + *why;
    }
  }
  for (const auto& vm : s.vms->vms()) {
    if (vm->printable_status == "Terminating") continue;
    if (is_parked(*vm)) {
      f.parked.push_back(vm.get());
      continue;
    }
    ++f.live;
    if (vm->creation_time != Time::max() &&
        (!f.newest_creation || vm->creation_time > *f.newest_creation)) {
      f.newest_creation = vm->creation_time;
    }
    const NomadNodeStub* node = s.node_named(vm->spec.name);
    // A VM live-migrating serves all along (its guest and its node keep running).
    bool running = (vm->printable_status == "Running" || vm->printable_status == "Migrating") &&
                   node != nullptr && node->status == "ready";
    if (running && !node->drain && node->scheduling_eligibility == "eligible") continue;
    f.not_serving.push_back(vm.get());
    if (!(running && cordoned_by_others(*node, c.node_group))) f.out_of_service.push_back(vm.get());
  }
  kept = std::move(f);
  return *kept;
}

bool HarvesterTarget::cordoned_by_others(const NomadNodeStub& node, const std::string& node_group) {
  if (!node.drain && node.scheduling_eligibility == "eligible") return false;
  return !vm_labels::has(node.last_drain_meta, vm_labels::kNodeGroup, node_group) ||
         node.last_drain_status == "canceled";
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
    const std::string& unsettled = view_facts(c, *s).unsettled;
    if (to < from && !unsettled.empty()) {
      // As upstream's scale-in node selection (FilterNodesWithOptions): no node is picked
      // from an unsettled pool; the next evaluation asks again.
      done(make_error(
          "node group " + c.node_group + ": failed to identify nodes within pool: " + unsettled,
          ErrorKind::kUnavailable));
      return;
    }
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

bool HarvesterTarget::in_flight(Direction direction) const {
  for (const auto& a : actions_) {
    if (a.direction != direction) continue;
    bool open = direction == Direction::kUp ? !a.all_ready && a.failures.empty()
                                            : open_parts_.count(a.id - 1) > 0;
    if (open) return true;
  }
  return false;
}

void HarvesterTarget::finish_record(std::size_t index) {
  groups_[actions_[index].node_group].last_event = loop_.now();
  if (on_action_done) on_action_done(actions_[index]);
}

}  // namespace ha
