#include "backends/memory/vm_change_log.h"

#include <algorithm>

namespace ha {

const char* watch_event_type(VmWatchEvent::Type type) {
  switch (type) {
    case VmWatchEvent::Type::kAdded:
      return "ADDED";
    case VmWatchEvent::Type::kModified:
      return "MODIFIED";
    case VmWatchEvent::Type::kDeleted:
      return "DELETED";
  }
  return "MODIFIED";
}

std::optional<VmWatchEvent> as_seen_by(const VmWatchEvent& event, const std::string& ns,
                                       const LabelSelector& selector) {
  if (event.object == nullptr || event.object->spec.namespace_ != ns) return std::nullopt;
  bool was = event.previous != nullptr && selector.matches(event.previous->spec.labels);
  bool is =
      event.type != VmWatchEvent::Type::kDeleted && selector.matches(event.object->spec.labels);
  if (!was && !is) return std::nullopt;
  VmWatchEvent seen = event;
  if (!was) {
    seen.type = VmWatchEvent::Type::kAdded;
  } else if (!is) {
    seen.type = VmWatchEvent::Type::kDeleted;
  } else {
    seen.type = VmWatchEvent::Type::kModified;
  }
  return seen;
}

void VmChangeLog::record(VmWatchEvent event) {
  events_.push_back(std::move(event));
  if (events_.size() > window_) {
    dropped_through_ = events_.front().resource_version;
    events_.pop_front();
  }
  for (auto& [id, subscriber] : subscribers_) subscriber(events_.back());
}

std::optional<std::vector<VmWatchEvent>> VmChangeLog::since(std::uint64_t after) const {
  if (after < dropped_through_) return std::nullopt;
  auto first = std::upper_bound(
      events_.begin(), events_.end(), after,
      [](std::uint64_t v, const VmWatchEvent& e) { return v < e.resource_version; });
  return std::vector<VmWatchEvent>(first, events_.end());
}

std::uint64_t VmChangeLog::subscribe(Subscriber subscriber) {
  std::uint64_t id = next_id_++;
  subscribers_.emplace(id, std::move(subscriber));
  return id;
}

void VmChangeLog::unsubscribe(std::uint64_t id) {
  subscribers_.erase(id);
}

std::uint64_t VmChangeLog::oldest_resumable() const {
  return dropped_through_;
}

}  // namespace ha
