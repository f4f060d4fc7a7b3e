// ClusterCaches: the caches of one agent (or one simulation), shared by every policy: VMs
// per (namespace, label selector), Nomad nodes per node class, and Nomad allocations. A cache is
// made and started the first time it is asked for and runs until stop() or destruction.
//
// `usable` is the one rule every reader follows: a cache answers only once it has synced
// and while it has heard from its server within `stale_after`; otherwise the reader lists
// (and /v1/health reports the cache as not current).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/cache/allocation_cache.h"
#include "engine/cache/node_cache.h"
#include "engine/cache/vm_cache.h"

namespace ha {

class ClusterCaches {
 public:
  struct Options {
    VmCache::Options vm;      // ns and label_selector are set per cache
    NodeCache::Options node;  // filter is set per cache
    AllocationCache::Options allocations;
    Duration stale_after = std::chrono::minutes(10);
    // How long after a cache starts a reader waits for its first list (when_first_synced).
    Duration first_sync_wait = std::chrono::seconds(10);
  };
  // One cache's figures, for metrics and health.
  struct State {
    std::string name;  // "vms:NAMESPACE/SELECTOR", "nodes:NODE_CLASS" or "allocations"
    std::uint64_t events = 0;
    std::uint64_t relists = 0;
    std::optional<Duration> staleness;
    bool usable = false;
    // Allocations only: why the cache left the event stream for blocking queries ("": it
    // has not).
    std::string fell_back = {};
  };

  // A healthy, quiet cache hears from its server at least once per watch timeout or
  // blocking wait: both are shortened to half of `stale_after` when longer, so that quiet
  // never reads as stale.
  ClusterCaches(EventLoop& loop, HarvesterApi& harvester, NomadApi& nomad, Options options);
  ClusterCaches(const ClusterCaches&) = delete;
  ClusterCaches& operator=(const ClusterCaches&) = delete;

  VmCache& vms(const std::string& ns, const std::string& label_selector);
  NodeCache& nodes(const std::string& node_class);
  AllocationCache& allocations();
  bool usable(const VmCache& cache) const { return current(cache.synced(), cache.staleness()); }
  bool usable(const AllocationCache& cache) const {
    return current(cache.synced(), cache.staleness());
  }
  template <typename Answer, typename View>
  bool usable(const BlockingQueryCache<Answer, View>& cache) const {
    return current(cache.synced(), cache.staleness());
  }
  void stop();

  // Calls `then` (on the loop, never inside this call) once the node cache and, if given,
  // the allocation cache are usable; or at once when neither is on its first list; or once
  // `first_sync_wait` after the youngest of them started. An evaluation right after start
  // waits for the first lists rather than reading every node of the pool (2N+1 requests:
  // 6,000 for three checks at 1,000 nodes), and never longer than that bound.
  void when_first_synced(NodeCache& nodes, AllocationCache* allocations,
                         std::function<void()> then);

  // Every cache: VMs, then nodes, each in name order, then allocations.
  std::vector<State> states() const;

 private:
  bool current(bool synced, std::optional<Duration> staleness) const {
    return synced && staleness && *staleness <= options_.stale_after;
  }

  EventLoop& loop_;
  HarvesterApi& harvester_;
  NomadApi& nomad_;
  Options options_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<VmCache>> vms_;
  std::map<std::string, std::unique_ptr<NodeCache>> nodes_;
  std::unique_ptr<AllocationCache> allocations_;
  std::map<const void*, Time> started_;  // each cache's start, for when_first_synced
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ha
