// HarvesterTarget: scale-in (select, check fit, ask for the drains); what follows the
// drains: harvester_drain_watch.cc.
#include <algorithm>
#include <unordered_set>

#include "backends/api/vm_labels.h"
#include "base/duration.h"
#include "engine/harvester/harvester_target.h"
#include "engine/harvester/node_selection.h"

namespace ha {

void HarvesterTarget::scale_in(const HarvesterGroupConfig& c, const ScaleRequest& request,
                               const Snapshot& s, std::int64_t from, std::int64_t to,
                               ScaleCallback done) {
  // Removable: owned VMs counted as active, Running, whose node is ready and eligible.
  Counted counted = count(c, s);
  auto candidates = std::make_shared<std::vector<NodeCandidate>>();
  for (const VirtualMachine* vm : counted.active) {
    const NomadNodeStub* node = s.node_named(vm->spec.name);
    if (vm->printable_status != "Running" || node == nullptr || node->status != "ready" ||
        node->scheduling_eligibility != "eligible" || node->drain) {
      continue;
    }
    NodeCandidate candidate;
    static_cast<NomadNodeStub&>(candidate.node) = *node;
    candidate.vm = vm->spec.name;
    candidates->push_back(std::move(candidate));
  }
  auto remove = static_cast<std::size_t>(from - to);
  if (candidates->empty()) {
    loop_.post([done] { done(ScaleResult{true, "scale-in skipped: no ready node to remove"}); });
    return;
  }
  // Allocations of every candidate, and their details (capacity) unless the node view came
  // from the cache, whose stubs carry them: N requests, not 2N. Either way each chosen
  // node's VM is read fresh before its drain (drain_selected).
  bool read_nodes = !s.node_resources ||
                    std::any_of(candidates->begin(), candidates->end(), [](const NodeCandidate& n) {
                      return n.node.cpu_mhz <= 0;  // a Nomad that lists no capacities
                    });
  auto outstanding = std::make_shared<std::size_t>(candidates->size() * (read_nodes ? 2 : 1));
  auto failed = std::make_shared<std::optional<Error>>();
  auto decide = [this, c, request, candidates, remove, from, done, outstanding, failed] {
    if (--*outstanding > 0) return;
    if (*failed) {
      done(**failed);
      return;
    }
    auto chosen = select_nodes(*candidates, c.selector, remove);
    std::string note;
    if (chosen.size() < remove) {
      note = "only " + std::to_string(chosen.size()) + " of " + std::to_string(remove) +
             " nodes can be removed with selector " + c.selector;
    }
    auto staying = [&] {
      std::unordered_set<const NodeCandidate*> leaving(chosen.begin(), chosen.end());
      std::vector<const NodeCandidate*> out;
      for (const auto& cand : *candidates) {
        if (!leaving.count(&cand)) out.push_back(&cand);
      }
      return out;
    };
    std::size_t wanted = chosen.size();
    while (!chosen.empty() && !work_fits_elsewhere(chosen, staying())) chosen.pop_back();
    if (chosen.size() < wanted) {
      note += (note.empty() ? "" : "; ") + std::string("shrunk from ") + std::to_string(wanted) +
              " to " + std::to_string(chosen.size()) +
              " nodes: their allocations would not fit on the remaining nodes";
    }
    if (chosen.empty()) {
      done(ScaleResult{true, "scale-in skipped: " + note});
      return;
    }
    std::vector<std::pair<std::string, std::string>> nodes;  // node id, VM name
    std::string names;
    for (const NodeCandidate* n : chosen) {
      nodes.emplace_back(n->node.id, n->vm);
      names += (names.empty() ? "" : ", ") + n->vm;
    }
    if (c.dry_run) {
      std::string plan = "would drain (deadline " + format_duration(c.drain_deadline) + ") and " +
                         (c.warm_pool_size > 0 ? "stop (warm pool) or delete " : "delete ") + names;
      if (!note.empty()) plan += " (" + note + ")";
      log_.log(LogLevel::kInfo, loop_.now(), "dry-run scale in",
               {{"node_group", c.node_group}, {"plan", plan}});
      done(ScaleResult{false, "dry-run: " + plan});
      return;
    }
    if (!note.empty()) {
      log_.log(LogLevel::kWarn, loop_.now(), "scale-in reduced",
               {{"node_group", c.node_group}, {"reason", note}});
    }
    std::size_t action = record({0,
                                 c.node_group,
                                 Direction::kDown,
                                 from,
                                 from - static_cast<std::int64_t>(nodes.size()),
                                 nodes.size(),
                                 loop_.now(),
                                 {},
                                 {},
                                 {},
                                 {},
                                 0,
                                 {},
                                 note.empty() ? request.action.reason : note,
                                 0,
                                 0});
    drain_selected(c, action, std::move(nodes), done);
  };
  for (std::size_t i = 0; i < candidates->size(); ++i) {
    const std::string id = (*candidates)[i].node.id;
    if (read_nodes) {
      nomad_.get_node(id, guarded([candidates, i, failed, decide](Result<NomadNode> r) mutable {
                        if (r) {
                          (*candidates)[i].node = std::move(*r);
                        } else {
                          *failed = make_error("reading node " + (*candidates)[i].node.id + ": " +
                                               r.error().message);
                        }
                        decide();
                      }));
    }
    nomad_.node_allocations(id, guarded([candidates, i, failed, decide](
                                            Result<std::vector<NomadAllocationStub>> r) mutable {
                              if (r) {
                                (*candidates)[i].allocations = std::move(*r);
                              } else {
                                *failed =
                                    make_error("reading allocations of node " +
                                               (*candidates)[i].node.id + ": " + r.error().message);
                              }
                              decide();
                            }));
  }
}

void HarvesterTarget::drain_selected(const HarvesterGroupConfig& c, std::size_t action,
                                     std::vector<std::pair<std::string, std::string>> nodes,
                                     ScaleCallback done) {
  Group& group = groups_[c.node_group];
  open_parts_[action] = nodes.size();
  auto outstanding = std::make_shared<std::size_t>(nodes.size());
  // A drain Nomad never accepted moved nothing: it is retried each poll for as long as the
  // drain deadline (15 min without one), then the node is kept, never deleted with its work.
  Duration retry_for = c.drain_deadline.count() > 0 ? c.drain_deadline : std::chrono::minutes(15);
  for (const auto& [node_id, vm_name] : nodes) {
    // Copies: a lambda cannot capture structured bindings (clang before 16).
    const std::string node = node_id, vm = vm_name;
    group.draining[node] = vm;  // leaving from now on, as status counts
    log_.log(LogLevel::kInfo, loop_.now(), "draining node",
             {{"node_group", c.node_group}, {"node_id", node}, {"vm", vm}});
    auto answered = [this, action, outstanding, done] {
      if (--*outstanding > 0) return;
      std::size_t n = actions_[action].planned;
      done(ScaleResult{false, "draining " + std::to_string(n) + " nodes"});
    };
    // The choice was made on a view that may be a cache's: the VM is read fresh, and its node
    // drained only if the VM is still this group's and Running.
    harvester_.get_vm(
        c.namespace_, vm,
        guarded([this, c, action, node, vm, until = loop_.now() + retry_for,
                 answered](Result<VirtualMachine> fresh) {
          switch (drain_claim(c.node_group, node)) {  // a scale-out may have taken it back
            case DrainClaim::kReleased:
              answered();
              part_done(action);
              return;
            case DrainClaim::kOnHold:
              answered();
              retry_drain(c, action, node, vm, until);
              return;
            case DrainClaim::kOurs:
              break;
          }
          std::string why;
          if (!fresh) {
            why = fresh.error().kind == ErrorKind::kNotFound
                      ? "its VM is gone"
                      : "its VM could not be read: " + fresh.error().message;
          } else if (!vm_labels::has(fresh->spec.labels, vm_labels::kNodeGroup, c.node_group)) {
            why = "its VM lacks the ownership label of " + c.node_group;
          } else if (fresh->printable_status != "Running") {
            why = "its VM is " + fresh->printable_status;
          }
          if (why.empty()) {
            // And the node, fresh: the one whose client says (meta harvester.vm, which the
            // built-in user data writes) it runs in this VM, or one that says nothing.
            nomad_.get_node(
                node, guarded([this, c, action, node, vm, until, answered](Result<NomadNode> n) {
                  std::string expected = c.namespace_ + "/" + vm, why;
                  if (!n) {
                    why = "its node could not be read: " + n.error().message;
                  } else if (auto meta = n->meta.find(vm_labels::kNodeVmMeta);
                             meta != n->meta.end() && meta->second != expected) {
                    why = "its node runs in VM " + meta->second + ", not " + expected;
                  } else {
                    request_drain(c, action, node, vm, until, answered);
                    return;
                  }
                  actions_[action].failures.push_back("drain " + vm + ": not drained: " + why);
                  log_.log(LogLevel::kWarn, loop_.now(), "not draining node",
                           {{"node_group", c.node_group},
                            {"node_id", node},
                            {"vm", vm},
                            {"reason", why}});
                  groups_[c.node_group].draining.erase(node);
                  answered();
                  part_done(action);
                }));
            return;
          }
          actions_[action].failures.push_back("drain " + vm + ": not drained: " + why);
          log_.log(LogLevel::kWarn, loop_.now(), "not draining node",
                   {{"node_group", c.node_group}, {"node_id", node}, {"vm", vm}, {"reason", why}});
          groups_[c.node_group].draining.erase(node);
          answered();
          part_done(action);
        }));
  }
}

void HarvesterTarget::request_drain(const HarvesterGroupConfig& c, std::size_t action,
                                    std::string node, std::string vm, Time retry_until,
                                    std::function<void()> answered) {
  NomadDrainSpec spec{
      c.drain_deadline,
      c.drain_ignore_system_jobs,
      {{vm_labels::kNodeGroup, c.node_group}, {"message", vm_labels::kDrainMessage}}};
  nomad_.drain_node(
      node, spec, false,
      guarded([this, c, action, node, vm, retry_until, answered](Result<Unit> r) {
        if (answered) answered();
        if (drain_claim(c.node_group, node) == DrainClaim::kReleased) {
          part_done(action);  // a scale-out took this node back meanwhile
          return;
        }
        if (r) {
          // The deadline runs from the drain Nomad accepted, as Nomad's own does.
          Time give_up = c.drain_deadline.count() > 0
                             ? loop_.now() + c.drain_deadline + options_.drain_grace
                             : Time::max();
          watch_drain(c, action, node, vm, give_up);
          return;
        }
        actions_[action].failures.push_back("drain " + vm + ": " + r.error().message);
        if (loop_.now() < retry_until) {
          log_.log(LogLevel::kWarn, loop_.now(), "drain failed; retrying",
                   {{"node_group", c.node_group}, {"vm", vm}, {"error", r.error().message}});
          retry_drain(c, action, node, vm, retry_until);
          return;
        }
        log_.log(LogLevel::kError, loop_.now(), "drain never accepted; node kept, VM not deleted",
                 {{"node_group", c.node_group}, {"vm", vm}, {"error", r.error().message}});
        groups_[c.node_group].draining.erase(node);
        // In case a call did land unseen: cancel it (reconcile also rolls such nodes back).
        nomad_.drain_node(node, std::nullopt, true, [](Result<Unit>) {});
        part_done(action);
      }));
}

void HarvesterTarget::retry_drain(const HarvesterGroupConfig& c, std::size_t action,
                                  std::string node, std::string vm, Time retry_until) {
  loop_.after(options_.poll_interval, guarded([this, c, action, node, vm, retry_until] {
                switch (drain_claim(c.node_group, node)) {
                  case DrainClaim::kReleased:
                    part_done(action);  // taken back: do not drain it again
                    return;
                  case DrainClaim::kOnHold:
                    retry_drain(c, action, node, vm, retry_until);
                    return;
                  case DrainClaim::kOurs:
                    request_drain(c, action, node, vm, retry_until, nullptr);
                }
              }));
}

HarvesterTarget::DrainClaim HarvesterTarget::drain_claim(const std::string& node_group,
                                                         const std::string& node_id) {
  const Group& group = groups_[node_group];
  if (!group.draining.count(node_id)) return DrainClaim::kReleased;
  return group.reclaiming.count(node_id) ? DrainClaim::kOnHold : DrainClaim::kOurs;
}

void HarvesterTarget::part_done(std::size_t action) {
  auto it = open_parts_.find(action);
  if (--it->second > 0) return;
  open_parts_.erase(it);
  finish_record(action);
}

}  // namespace ha
