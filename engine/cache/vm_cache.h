// VmCache: one group's VirtualMachines kept current from a watch, as client-go's reflector
// keeps an informer's store: list once (with its resourceVersion), then watch from that
// version and apply each change. A watch the server ends (its timeout) is resumed from the
// last version seen; a version the server no longer holds (kGone, 410) and a watch that keeps
// failing mean listing again, after a capped, jittered backoff for failures. A full list is
// also taken at least every `resync` as a bound on any drift.
//
// A cache never authorizes destruction on its own: its VMs are what the server said at some
// time; callers re-read a VM before acting on it. All calls on the loop.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "backends/api/harvester_api.h"
#include "base/event_loop.h"
#include "engine/cache/vm_view.h"

namespace ha {

class VmCache {
 public:
  struct Options {
    std::string ns;
    std::string label_selector;
    Duration watch_timeout = std::chrono::minutes(5);  // asked of the server per watch
    Duration resync = std::chrono::minutes(30);        // a full list at least this often
    Duration backoff_base = std::chrono::seconds(1);
    Duration backoff_cap = std::chrono::seconds(30);
  };
  struct Stats {
    std::uint64_t events = 0;   // watch events applied (bookmarks included)
    std::uint64_t lists = 0;    // full lists taken (the first included)
    std::uint64_t relists = 0;  // lists after the first: 410s, failures, resyncs
    std::uint64_t watches = 0;  // watches opened
    std::uint64_t failures = 0;
  };

  VmCache(EventLoop& loop, HarvesterApi& api, Options options, std::uint64_t seed = 7);
  ~VmCache();
  VmCache(const VmCache&) = delete;
  VmCache& operator=(const VmCache&) = delete;

  void start();
  void stop();

  // True once a list has been applied.
  bool synced() const { return synced_; }
  // The VMs in name order (as a list gives them within a namespace), as an immutable view;
  // a new view after a change, built when first asked for.
  std::shared_ptr<const VmView> view() const;
  const VmList& vms() const { return view()->vms(); }
  std::shared_ptr<const VirtualMachine> find(const std::string& name) const;
  // The version the cache has reached, and how long since the server was last heard from
  // (a list, an event or the clean end of a watch); nullopt before the first list.
  const std::string& resource_version() const { return version_; }
  std::optional<Duration> staleness() const;
  const Stats& stats() const { return stats_; }

 private:
  void list();
  void watch();
  void apply(const VmChange& change);
  void ended(Result<Unit> result);
  void retry_after_failure(bool relist);
  Duration backoff();

  EventLoop& loop_;
  HarvesterApi& api_;
  Options options_;
  std::mt19937_64 rng_;
  bool running_ = false;
  bool synced_ = false;
  std::map<std::string, std::shared_ptr<const VirtualMachine>> store_;
  // Replaces the store with a list's items; false when they are what it held already.
  bool replace_store(VmList items);
  mutable std::shared_ptr<const VmView> view_;  // null after a change
  std::string version_;
  std::optional<Time> heard_;
  Time listed_at_{0};
  int failures_in_a_row_ = 0;
  std::unique_ptr<WatchHandle> watch_;
  std::optional<EventLoop::TimerId> retry_;
  // Completions of calls made before a stop() check it: none acts on a stopped cache.
  std::shared_ptr<std::uint64_t> epoch_ = std::make_shared<std::uint64_t>(0);
  Stats stats_;
};

}  // namespace ha
