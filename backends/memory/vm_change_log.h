// VmChangeLog: the recent history of a HarvesterModel's VirtualMachines, as Kubernetes' watch
// cache keeps it: every change as an event with the resourceVersion it made, the last
// `window` of them retained, and subscribers told of each as it happens. A watch resumes
// from a resourceVersion with since(); one older than the retained window is gone (the API
// server's 410 Gone, "too old resource version"), and the watcher must list again.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/api/harvester_api.h"
#include "backends/memory/label_selector.h"

namespace ha {

struct VmWatchEvent {
  enum class Type { kAdded, kModified, kDeleted };
  Type type = Type::kAdded;
  std::uint64_t resource_version = 0;
  // The VM after the change; for kDeleted its last state, with the deletion's version.
  std::shared_ptr<const VirtualMachine> object;
  // The VM as the previous event showed it (null for kAdded): whether a watch with a label
  // selector saw it before (see as_seen_by).
  std::shared_ptr<const VirtualMachine> previous;
};

// "ADDED", "MODIFIED", "DELETED": the watch event types of the Kubernetes API.
const char* watch_event_type(VmWatchEvent::Type type);

// `event` as a watch of namespace `ns` with `selector` sees it, as the API server's watch
// cache sends it: a VM whose labels come to match is ADDED, one whose labels stop matching
// is DELETED; nothing for VMs the watch never saw and still does not.
std::optional<VmWatchEvent> as_seen_by(const VmWatchEvent& event, const std::string& ns,
                                       const LabelSelector& selector);

class VmChangeLog {
 public:
  using Subscriber = std::function<void(const VmWatchEvent&)>;

  explicit VmChangeLog(std::size_t window) : window_(window == 0 ? 1 : window) {}

  // Appends `event` (versions must increase) and tells every subscriber, in the order they
  // subscribed.
  void record(VmWatchEvent event);
  // The events after version `after`, oldest first; nullopt when some of them are no longer
  // retained (410 Gone). Any version at or after the newest gives an empty list.
  std::optional<std::vector<VmWatchEvent>> since(std::uint64_t after) const;
  // A subscriber is called on the model's loop thread, after the change is made; it may not
  // subscribe or unsubscribe from inside the call.
  std::uint64_t subscribe(Subscriber subscriber);
  void unsubscribe(std::uint64_t id);
  std::size_t subscribers() const { return subscribers_.size(); }
  // The oldest version a watch may resume from: the one before the first retained event.
  std::uint64_t oldest_resumable() const;

 private:
  std::size_t window_;
  std::deque<VmWatchEvent> events_;
  std::uint64_t dropped_through_ = 0;  // the newest version no longer retained
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Subscriber> subscribers_;
};

}  // namespace ha
