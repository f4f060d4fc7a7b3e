// NomadModel: nodes and observation. Jobs: nomad_jobs.cc; placement and drains:
// nomad_scheduling.cc.
#include "backends/memory/nomad_model.h"

#include "backends/api/vm_labels.h"

namespace ha {

NomadModel::NomadModel(EventLoop& loop, std::uint64_t seed, Placement placement)
    : loop_(loop), ids_(seed), placement_(placement) {}

NomadModel::Node* NomadModel::find(const std::string& node_id) {
  auto it = node_by_id_.find(node_id);
  if (it == node_by_id_.end() || nodes_[it->second].purged) return nullptr;
  return &nodes_[it->second];
}

const NomadModel::Node* NomadModel::find(const std::string& node_id) const {
  return const_cast<NomadModel*>(this)->find(node_id);
}

std::uint32_t NomadModel::node_index(const Node& n) const {
  return static_cast<std::uint32_t>(&n - nodes_.data());
}

bool NomadModel::schedulable(const Node& n) const {
  return !n.purged && n.info.status == "ready" && n.info.scheduling_eligibility == "eligible";
}

void NomadModel::refresh_schedulable(std::uint32_t index) {
  Node& n = nodes_[index];
  Totals& cls = capacity_by_class_[n.info.node_class];
  if (n.counted) {
    --cls.nodes_ready;
    cls.cpu_capacity -= n.info.cpu_mhz;
    cls.memory_capacity -= n.info.memory_mb;
    cls.cpu_allocated -= n.counted_cpu_used;
    cls.memory_allocated -= n.counted_memory_used;
    n.counted = false;
  }
  if (schedulable(n)) {
    ++cls.nodes_ready;
    cls.cpu_capacity += n.info.cpu_mhz;
    cls.memory_capacity += n.info.memory_mb;
    cls.cpu_allocated += n.cpu_used;
    cls.memory_allocated += n.memory_used;
    n.counted = true;
    n.counted_cpu_used = n.cpu_used;
    n.counted_memory_used = n.memory_used;
  }
  if (n.indexed_free_cpu) by_free_cpu_.erase({*n.indexed_free_cpu, index});
  n.indexed_free_cpu.reset();
  if (schedulable(n)) {
    n.indexed_free_cpu = n.info.cpu_mhz - n.cpu_used;
    by_free_cpu_.insert({*n.indexed_free_cpu, index});
  }
}

std::string NomadModel::register_node(const NomadNodeSpec& spec) {
  Node n;
  n.info.id = ids_.next();
  n.info.name = spec.name;
  n.info.node_class = spec.node_class;
  n.info.datacenter = spec.datacenter;
  n.info.node_pool = spec.node_pool;
  n.info.status = "ready";
  n.info.scheduling_eligibility = "eligible";
  n.info.cpu_mhz = spec.cpu_mhz;
  n.info.memory_mb = spec.memory_mb;
  n.info.meta = spec.meta;
  n.info.meta.emplace("unique.hostname", spec.name);
  n.info.create_index = n.info.modify_index = ++index_;
  nodes_changed();
  auto index = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back(std::move(n));
  record_node_event(nodes_.back(), "NodeRegistration");
  if (on_node_status) on_node_status(spec.name, "ready");
  node_by_id_[nodes_.back().info.id] = index;
  listed_.insert(index);
  listed_by_name_[std::string(node_short_name(spec.name))].insert(index);
  refresh_schedulable(index);
  place_system_allocs(index);
  schedule_pending();
  return nodes_[index].info.id;
}

void NomadModel::nodes_changed() {
  nodes_index_ = index_;
  // Posted: waiters run after the update that woke them is complete.
  for (auto& f : node_waiters_) loop_.post(std::move(f));
  node_waiters_.clear();
}

Result<Unit> NomadModel::set_node_down(const std::string& node_id) {
  Node* n = find(node_id);
  if (n == nullptr) return make_error("node not found", ErrorKind::kNotFound);
  std::uint32_t index = node_index(*n);
  n->info.status = "down";
  touch(*n, "NodeStreamEvent");
  if (on_node_status) on_node_status(n->info.name, "down");
  refresh_schedulable(index);
  n->client_alive = false;  // a down node's client does not heartbeat
  if (n->heartbeat_miss) loop_.cancel(*n->heartbeat_miss);
  n->heartbeat_miss.reset();
  std::vector<std::uint32_t> allocs(n->allocs.begin(), n->allocs.end());
  for (std::uint32_t a : allocs) {
    bool system = jobs_[allocs_[a].job].type == "system";
    end_alloc(a, NomadAllocEvent::Kind::kLost, !system);
  }
  std::vector<std::uint32_t> stopping(n->stopping.begin(), n->stopping.end());
  for (std::uint32_t a : stopping) client_stopped_alloc(a, true);
  schedule_pending();
  if (n->drain) check_drain_done(index);
  if (node_gc_threshold_ > Duration(0)) {
    std::uint64_t down_at = n->info.modify_index;
    loop_.after(node_gc_threshold_, [this, index, down_at] {
      Node& node = nodes_[index];
      // Collected only if nothing happened to the node since it went down.
      if (!node.purged && node.info.modify_index == down_at) {
        static_cast<void>(purge_node(node.info.id));
      }
    });
  }
  return Unit{};
}

Result<Unit> NomadModel::client_stopped(const std::string& node_id) {
  auto it = node_by_id_.find(node_id);
  if (it == node_by_id_.end()) return make_error("node not found", ErrorKind::kNotFound);
  std::uint32_t index = it->second;
  Node& n = nodes_[index];
  n.client_alive = false;
  if (n.purged || n.info.status == "down" || n.heartbeat_miss) return Unit{};
  n.heartbeat_miss = loop_.after(kHeartbeatMiss, [this, index] {
    Node& missed = nodes_[index];
    missed.heartbeat_miss.reset();
    if (!missed.purged && !missed.client_alive) static_cast<void>(set_node_down(missed.info.id));
  });
  return Unit{};
}

Result<Unit> NomadModel::set_node_up(const std::string& node_id) {
  Node* n = find(node_id);
  if (n == nullptr || n->purged) return make_error("node not found", ErrorKind::kNotFound);
  n->client_alive = true;
  if (n->heartbeat_miss) loop_.cancel(*n->heartbeat_miss);
  n->heartbeat_miss.reset();
  if (n->info.status == "ready") return Unit{};
  std::uint32_t index = node_index(*n);
  n->info.status = "ready";
  touch(*n, "NodeStreamEvent");
  if (on_node_status) on_node_status(n->info.name, "ready");
  refresh_schedulable(index);
  place_system_allocs(index);
  schedule_pending();
  return Unit{};
}

Result<Unit> NomadModel::purge_node(const std::string& node_id) {
  Node* n = find(node_id);
  if (n == nullptr) return make_error("node not found", ErrorKind::kNotFound);
  bool client_alive = n->client_alive;
  // Deregistered: its allocations are lost to the scheduler, whatever its client still runs.
  if (n->info.status != "down") static_cast<void>(set_node_down(node_id));
  n->client_alive = client_alive;
  if (n->drain && n->drain->deadline_timer) loop_.cancel(*n->drain->deadline_timer);
  n->purged = true;
  listed_.erase(node_index(*n));
  if (auto named = listed_by_name_.find(std::string(node_short_name(n->info.name)));
      named != listed_by_name_.end()) {
    named->second.erase(node_index(*n));
    if (named->second.empty()) listed_by_name_.erase(named);
  }
  ++index_;
  nodes_changed();
  record_node_event(*n, "NodeDeregistration");
  if (n->client_alive) {
    // Its next heartbeat is answered "node not found", and the client registers again with
    // the node ID its data dir keeps (nomad/node_endpoint.go UpdateStatus, client/client.go
    // retryRegisterNode): the purge did not stick.
    std::uint32_t index = node_index(*n);
    loop_.after(kHeartbeatInterval, [this, index] { reregister(index); });
  }
  return Unit{};
}

void NomadModel::reregister(std::uint32_t index) {
  Node& n = nodes_[index];
  if (!n.purged || !n.client_alive) return;  // stopped meanwhile: it stays purged
  ++reregistered_after_purge_;
  n.purged = false;
  n.drain.reset();
  n.info.status = "ready";  // eligibility as its client last knew it
  n.info.modify_index = ++index_;
  listed_.insert(index);
  listed_by_name_[std::string(node_short_name(n.info.name))].insert(index);
  nodes_changed();
  record_node_event(n, "NodeRegistration");
  if (on_node_status) on_node_status(n.info.name, "ready");
  refresh_schedulable(index);
  place_system_allocs(index);
  schedule_pending();
}

Result<Unit> NomadModel::set_eligibility(const std::string& node_id, bool eligible) {
  Node* n = find(node_id);
  if (n == nullptr) return make_error("node not found", ErrorKind::kNotFound);
  if (eligible && n->drain) {
    return make_error("can not set node's scheduling eligibility to eligible while it is draining");
  }
  const char* want = eligible ? "eligible" : "ineligible";
  if (on_node_change) on_node_change(n->info.name, want);
  if (n->info.scheduling_eligibility == want) return Unit{};
  n->info.scheduling_eligibility = want;
  touch(*n, "NodeEligibility");
  refresh_schedulable(node_index(*n));
  if (eligible) {
    place_system_allocs(node_index(*n));
    schedule_pending();
  }
  return Unit{};
}

NodeList NomadModel::list_nodes(const NomadNodeFilter& filter) const {
  // Lists of a class are kept until the node table changes: a blocking query answered after
  // its wait, or a cache's and a status's lists between two changes, cost a copy.
  std::pair<std::uint64_t, NodeList>* kept = nullptr;
  if (filter.name.empty() && filter.vm_meta.empty()) {
    kept = &listed_by_filter_[{filter.node_class, filter.node_pool}];
    if (kept->first == nodes_index_ && nodes_index_ != 0) return kept->second;
  }
  NodeList out;
  out.reserve(filter.name.empty() ? listed_.size() : 1);
  static const std::set<std::uint32_t> kNone;
  const std::set<std::uint32_t>* candidates = &listed_;
  if (!filter.name.empty() && filter.vm_meta.empty()) {
    auto named = listed_by_name_.find(std::string(node_short_name(filter.name)));
    candidates = named == listed_by_name_.end() ? &kNone : &named->second;
  }
  for (std::uint32_t i : *candidates) {
    const Node& n = nodes_[i];
    if (!filter.node_class.empty() && n.info.node_class != filter.node_class) continue;
    if (!filter.node_pool.empty() && n.info.node_pool != filter.node_pool) continue;
    bool vm_meta = !filter.vm_meta.empty() &&
                   vm_labels::has(n.info.meta, vm_labels::kNodeVmMeta, filter.vm_meta);
    if (!filter.name.empty() && !node_name_matches(n.info.name, filter.name) && !vm_meta) continue;
    if (!n.stub || n.stub->modify_index != n.info.modify_index ||
        n.stub->drain != n.drain.has_value()) {
      auto stub = std::make_shared<NomadNodeStub>(n.info);
      stub->drain = n.drain.has_value();
      n.stub = std::move(stub);
    }
    out.push_back(n.stub);
  }
  if (kept != nullptr) *kept = {nodes_index_, out};
  return out;
}

Result<NomadNode> NomadModel::node(const std::string& node_id) const {
  const Node* n = find(node_id);
  if (n == nullptr) return make_error("node not found", ErrorKind::kNotFound);
  NomadNode out = n->info;
  out.drain = n->drain.has_value();
  if (n->drain) out.drain_strategy = n->drain->spec;
  return out;
}

std::vector<NomadAllocationStub> NomadModel::node_allocations(const std::string& node_id) const {
  std::vector<NomadAllocationStub> out;
  const Node* n = find(node_id);
  if (n == nullptr) return out;  // as Nomad: [] for an unknown node
  for (std::uint32_t index : n->allocs) out.push_back(stub(allocs_[index]));
  for (std::uint32_t index : n->stopping) out.push_back(stub(allocs_[index]));
  return out;
}

std::vector<std::pair<NomadAllocationStub, std::string>> NomadModel::all_allocations() const {
  std::vector<std::pair<NomadAllocationStub, std::string>> out;
  for (std::uint32_t i : listed_) {
    const Node& n = nodes_[i];
    for (std::uint32_t index : n.allocs) out.emplace_back(stub(allocs_[index]), n.info.name);
  }
  return out;
}

std::optional<std::string> NomadModel::node_id_by_name(const std::string& name) const {
  auto named = listed_by_name_.find(name);
  if (named == listed_by_name_.end()) return std::nullopt;
  return nodes_[*named->second.rbegin()].info.id;  // the newest registration
}

std::optional<NomadModel::NodeState> NomadModel::node_state_by_name(const std::string& name) const {
  auto named = listed_by_name_.find(name);
  if (named == listed_by_name_.end()) return std::nullopt;
  const Node& n = nodes_[*named->second.rbegin()];
  return NodeState{n.info.status, n.info.scheduling_eligibility == "eligible", n.drain.has_value()};
}

void NomadModel::record_node_event(const Node& n, const char* type) {
  if (!events_wanted_) return;
  auto node = std::make_shared<NomadNode>(n.info);
  node->drain = n.drain.has_value();
  if (n.drain) node->drain_strategy = n.drain->spec;
  NomadEvent e{"Node", type, n.info.id, "", index_, nullptr, std::move(node), nullptr};
  events_.record({index_, {std::move(e)}});
}

NomadModel::Totals NomadModel::totals(const std::string& node_class) const {
  Totals t = work_;
  for (const auto& [cls, c] : capacity_by_class_) {
    if (!node_class.empty() && cls != node_class) continue;
    t.nodes_ready += c.nodes_ready;
    t.cpu_capacity += c.cpu_capacity;
    t.memory_capacity += c.memory_capacity;
    t.cpu_allocated += c.cpu_allocated;
    t.memory_allocated += c.memory_allocated;
  }
  return t;
}

NomadModel::Totals NomadModel::totals_by_scan(const std::string& node_class) const {
  Totals t;
  for (const Node& n : nodes_) {
    if (!schedulable(n) || (!node_class.empty() && n.info.node_class != node_class)) continue;
    ++t.nodes_ready;
    t.cpu_capacity += n.info.cpu_mhz;
    t.memory_capacity += n.info.memory_mb;
    t.cpu_allocated += n.cpu_used;
    t.memory_allocated += n.memory_used;
  }
  for (const Alloc& a : allocs_) {
    if (!a.live) continue;
    if (a.state == AllocState::kRunning) {
      ++t.allocs_running;
    } else {
      const NomadTaskGroupSpec& g = jobs_[a.job].groups[a.group].spec;
      ++t.allocs_pending;
      t.cpu_pending += g.cpu_mhz;
      t.memory_pending += g.memory_mb;
    }
  }
  return t;
}

}  // namespace ha
