#include "engine/cache/cluster_caches.h"

#include <algorithm>

namespace ha {

ClusterCaches::ClusterCaches(EventLoop& loop, HarvesterApi& harvester, NomadApi& nomad,
                             Options options)
    : loop_(loop), harvester_(harvester), nomad_(nomad), options_(std::move(options)) {
  Duration heard_within = options_.stale_after / 2;
  options_.vm.watch_timeout = std::min(options_.vm.watch_timeout, heard_within);
  options_.node.wait = std::min(options_.node.wait, heard_within);
  options_.allocations.blocking.wait = std::min(options_.allocations.blocking.wait, heard_within);
}

VmCache& ClusterCaches::vms(const std::string& ns, const std::string& label_selector) {
  auto& slot = vms_[{ns, label_selector}];
  if (!slot) {
    VmCache::Options o = options_.vm;
    o.ns = ns;
    o.label_selector = label_selector;
    // Each cache its own jitter: caches that fail together do not retry in step.
    slot = std::make_unique<VmCache>(loop_, harvester_, std::move(o), 7 + vms_.size());
    started_[slot.get()] = loop_.now();
    slot->start();
  }
  return *slot;
}

NodeCache& ClusterCaches::nodes(const std::string& node_class) {
  auto& slot = nodes_[node_class];
  if (!slot) {
    NodeCache::Options o = options_.node;
    o.filter = NomadNodeFilter{node_class, "", ""};
    slot = std::make_unique<NodeCache>(loop_, nomad_, std::move(o), 1000 + nodes_.size());
    started_[slot.get()] = loop_.now();
    slot->start();
  }
  return *slot;
}

AllocationCache& ClusterCaches::allocations() {
  if (!allocations_) {
    allocations_ = std::make_unique<AllocationCache>(loop_, nomad_, options_.allocations);
    started_[allocations_.get()] = loop_.now();
    allocations_->start();
  }
  return *allocations_;
}

void ClusterCaches::when_first_synced(NodeCache& nodes, AllocationCache* allocations,
                                      std::function<void()> then) {
  bool ready = usable(nodes) && (allocations == nullptr || usable(*allocations));
  // A cache past its first list that is not usable (stale, failing) will not become so by
  // waiting a moment; one still on its first list within the bound will.
  auto waiting_on = [this](const void* cache, bool synced) {
    return !synced && loop_.now() < started_[cache] + options_.first_sync_wait;
  };
  bool wait = !ready && (waiting_on(&nodes, nodes.synced()) ||
                         (allocations && waiting_on(allocations, allocations->synced())));
  if (!wait) {
    loop_.post(std::move(then));
    return;
  }
  loop_.after(std::chrono::milliseconds(100), [this, alive = std::weak_ptr<bool>(alive_), &nodes,
                                               allocations, then = std::move(then)]() mutable {
    if (alive.expired()) return;
    when_first_synced(nodes, allocations, std::move(then));
  });
}

void ClusterCaches::stop() {
  for (auto& [key, cache] : vms_) cache->stop();
  for (auto& [key, cache] : nodes_) cache->stop();
  if (allocations_) allocations_->stop();
}

std::vector<ClusterCaches::State> ClusterCaches::states() const {
  std::vector<State> out;
  for (const auto& [key, c] : vms_) {
    out.push_back({"vms:" + key.first + "/" + key.second, c->stats().events, c->stats().relists,
                   c->staleness(), usable(*c)});
  }
  for (const auto& [node_class, c] : nodes_) {
    out.push_back({"nodes:" + node_class, c->stats().changes, c->stats().relists, c->staleness(),
                   usable(*c)});
  }
  if (const AllocationCache* c = allocations_.get()) {
    out.push_back({"allocations", c->stats().changes, c->stats().relists, c->staleness(),
                   usable(*c), c->streaming() ? "" : "event stream refused: " + c->refusal()});
  }
  return out;
}

}  // namespace ha
