// A watch of a HarvesterModel's VMs through its change log, as HarvesterMemoryApi::watch_vms
// serves it: the changes after the version replayed, then each new one, every event handed
// to the caller in a task of its own on the loop (never from inside the model's update). A
// version older than the log holds ends the watch with kGone; after `timeout` it ends with
// a bookmark of the newest version, then ok, as an API server's watch does.
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "backends/api/harvester_api.h"
#include "backends/memory/faults.h"
#include "backends/memory/harvester_model.h"

namespace ha {

// What an injected fault does to one watch (the memory API's faults on "watch_vms").
struct WatchFaults {
  Duration delay{0};  // every event, and the end, arrive this much later
  // Set: the watch ends with this error this long after it started (a dropped stream:
  // kUnavailable; an expired one: kGone), its events delivered until then.
  std::optional<Duration> end_after;
  Error error;
};

// The fate of one watch or stream of operation `op` ("watch_vms", "stream_events"): an
// injected error ends it at a uniformly drawn point of its first `span` (a dropped stream,
// or a 410); a latency spike delays every event. No injector: no fault.
WatchFaults decide_watch_faults(FaultInjector* faults, std::string_view op, Duration span,
                                std::mt19937_64& rng);

std::unique_ptr<WatchHandle> watch_model_vms(EventLoop& loop, HarvesterModel& model,
                                             const std::string& ns,
                                             const std::string& label_selector,
                                             const std::string& resource_version, Duration timeout,
                                             std::function<void(const VmChange&)> on_change,
                                             Done<Unit> done, const WatchFaults& faults = {});

}  // namespace ha
