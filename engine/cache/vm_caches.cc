#include "engine/cache/vm_caches.h"

namespace ha {

VmCache& VmCaches::get(const std::string& ns, const std::string& label_selector) {
  auto& slot = caches_[{ns, label_selector}];
  if (!slot) {
    VmCache::Options o = options_.cache;
    o.ns = ns;
    o.label_selector = label_selector;
    // Each cache its own jitter: caches that fail together do not retry in step.
    slot = std::make_unique<VmCache>(loop_, api_, std::move(o), 7 + caches_.size());
    slot->start();
  }
  return *slot;
}

bool VmCaches::usable(const VmCache& cache) const {
  auto staleness = cache.staleness();
  return cache.synced() && staleness && *staleness <= options_.stale_after;
}

void VmCaches::stop() {
  for (auto& [key, cache] : caches_) cache->stop();
}

void VmCaches::for_each(
    const std::function<void(const std::string& name, const VmCache&)>& f) const {
  for (const auto& [key, cache] : caches_) f(key.first + "/" + key.second, *cache);
}

}  // namespace ha
