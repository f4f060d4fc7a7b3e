// VmCaches: the VM caches of one agent (or one simulation), one per (namespace, label
// selector), shared by every policy whose target names that node group. A cache is made and
// started the first time it is asked for and runs until stop() or destruction.
//
// `usable` is the one rule every reader follows: a cache answers for its group only once it
// has synced and while it has heard from its server within `stale_after`; otherwise the
// reader lists (and health reports the cache as not current).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "engine/cache/vm_cache.h"

namespace ha {

class VmCaches {
 public:
  struct Options {
    VmCache::Options cache;  // ns and label_selector are set per cache
    Duration stale_after = std::chrono::minutes(10);
  };

  VmCaches(EventLoop& loop, HarvesterApi& api, Options options)
      : loop_(loop), api_(api), options_(std::move(options)) {}
  VmCaches(const VmCaches&) = delete;
  VmCaches& operator=(const VmCaches&) = delete;

  VmCache& get(const std::string& ns, const std::string& label_selector);
  bool usable(const VmCache& cache) const;
  void stop();

  // Each cache with its name ("namespace/selector"), in name order.
  void for_each(const std::function<void(const std::string& name, const VmCache&)>& f) const;
  std::size_t size() const { return caches_.size(); }
  const Options& options() const { return options_; }

 private:
  EventLoop& loop_;
  HarvesterApi& api_;
  Options options_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<VmCache>> caches_;
};

}  // namespace ha
