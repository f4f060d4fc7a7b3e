#include "engine/cache/vm_cache.h"

#include "base/backoff.h"

namespace ha {

VmCache::VmCache(EventLoop& loop, HarvesterApi& api, Options options, std::uint64_t seed)
    : loop_(loop), api_(api), options_(std::move(options)), rng_(seed) {}

VmCache::~VmCache() {
  stop();
}

void VmCache::start() {
  if (running_) return;
  running_ = true;
  list();
}

void VmCache::stop() {
  running_ = false;
  ++*epoch_;
  if (watch_) watch_->cancel();
  watch_.reset();
  if (retry_) loop_.cancel(*retry_);
  retry_.reset();
}

std::shared_ptr<const VmView> VmCache::view() const {
  if (!view_) {
    VmList vms;
    vms.reserve(store_.size());
    for (const auto& [name, vm] : store_) vms.push_back(vm);
    view_ = std::make_shared<const VmView>(std::move(vms));
  }
  return view_;
}

std::shared_ptr<const VirtualMachine> VmCache::find(const std::string& name) const {
  auto it = store_.find(name);
  return it == store_.end() ? nullptr : it->second;
}

std::optional<Duration> VmCache::staleness() const {
  if (!heard_) return std::nullopt;
  return loop_.now() - *heard_;
}

void VmCache::list() {
  if (watch_) watch_->cancel();
  watch_.reset();
  ++stats_.lists;
  if (stats_.lists > 1) ++stats_.relists;
  std::weak_ptr<std::uint64_t> epoch = epoch_;
  std::uint64_t mine = *epoch_;
  api_.list_vms_versioned(options_.ns, options_.label_selector,
                          [this, epoch, mine](Result<VmSnapshot> listed) {
                            auto e = epoch.lock();
                            if (!e || *e != mine || !running_) return;
                            if (!listed) {
                              ++stats_.failures;
                              return retry_after_failure(true);
                            }
                            if (replace_store(std::move(listed->items))) view_.reset();
                            version_ = listed->resource_version;
                            heard_ = listed_at_ = loop_.now();
                            synced_ = true;
                            failures_in_a_row_ = 0;
                            watch();
                          });
}

bool VmCache::replace_store(VmList items) {
  // A resync usually finds what the watch already brought, the very same objects (a
  // model's copy-on-write VMs; a server's objects decode anew, and compare by version):
  // then the view, and what readers derived from it, stay.
  auto same = [](const VirtualMachine& a, const VirtualMachine& b) {
    return &a == &b || (!a.resource_version.empty() && a.resource_version == b.resource_version);
  };
  bool changed = items.size() != store_.size();
  if (!changed) {
    auto kept = store_.begin();
    for (const auto& vm : items) {  // a list comes in name order, as the store keeps it
      if (kept == store_.end() || kept->first != vm->spec.name || !same(*kept->second, *vm)) {
        changed = true;
        break;
      }
      ++kept;
    }
  }
  if (!changed) return false;
  store_.clear();
  for (auto& vm : items) store_[vm->spec.name] = std::move(vm);
  return true;
}

void VmCache::watch() {
  ++stats_.watches;
  std::weak_ptr<std::uint64_t> epoch = epoch_;
  std::uint64_t mine = *epoch_;
  watch_ = api_.watch_vms(
      options_.ns, options_.label_selector, version_, options_.watch_timeout,
      [this, epoch, mine](const VmChange& change) {
        auto e = epoch.lock();
        if (e && *e == mine && running_) apply(change);
      },
      [this, epoch, mine](Result<Unit> result) {
        auto e = epoch.lock();
        if (e && *e == mine && running_) ended(std::move(result));
      });
}

void VmCache::apply(const VmChange& change) {
  ++stats_.events;
  heard_ = loop_.now();
  failures_in_a_row_ = 0;
  if (!change.resource_version.empty()) version_ = change.resource_version;
  if (change.type == VmChange::Type::kBookmark || change.vm == nullptr) return;
  if (change.type == VmChange::Type::kDeleted) {
    store_.erase(change.vm->spec.name);
  } else {
    store_[change.vm->spec.name] = change.vm;
  }
  view_.reset();
}

void VmCache::ended(Result<Unit> result) {
  // Over: its handle may go (handles share their state with the callbacks, so this is safe
  // from inside one).
  watch_.reset();
  if (result.ok()) {
    heard_ = loop_.now();
    if (loop_.now() - listed_at_ >= options_.resync) return list();
    return watch();
  }
  if (result.error().kind == ErrorKind::kGone) return list();
  ++stats_.failures;
  retry_after_failure(failures_in_a_row_ >= 2);
}

void VmCache::retry_after_failure(bool relist) {
  ++failures_in_a_row_;
  std::weak_ptr<std::uint64_t> epoch = epoch_;
  std::uint64_t mine = *epoch_;
  retry_ = loop_.after(backoff(), [this, epoch, mine, relist] {
    auto e = epoch.lock();
    if (!e || *e != mine || !running_) return;
    retry_.reset();
    if (relist || !synced_) {
      list();
    } else {
      watch();
    }
  });
}

Duration VmCache::backoff() {
  return jittered_backoff(options_.backoff_base, options_.backoff_cap, failures_in_a_row_, rng_);
}

}  // namespace ha
