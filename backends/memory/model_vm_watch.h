// A watch of a HarvesterModel's VMs through its change log, as HarvesterMemoryApi::watch_vms
// serves it: the changes after the version replayed, then each new one, every event handed
// to the caller in a task of its own on the loop (never from inside the model's update). A
// version older than the log holds ends the watch with kGone; after `timeout` it ends with
// a bookmark of the newest version, then ok, as an API server's watch does.
#pragma once

#include <memory>
#include <string>

#include "backends/api/harvester_api.h"
#include "backends/memory/harvester_model.h"

namespace ha {

std::unique_ptr<WatchHandle> watch_model_vms(EventLoop& loop, HarvesterModel& model,
                                             const std::string& ns,
                                             const std::string& label_selector,
                                             const std::string& resource_version, Duration timeout,
                                             std::function<void(const VmChange&)> on_change,
                                             Done<Unit> done);

}  // namespace ha
