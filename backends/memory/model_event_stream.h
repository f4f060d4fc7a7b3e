// Nomad's event stream over a NomadModel's event log, as NomadMemoryApi::stream_events
// serves it: a heartbeat first, then the retained frames at or after the index (all of them
// for 0, as Nomad replays its buffer), then each new frame, with only the events of the
// asked topics, and a heartbeat every `heartbeat` while quiet. Every frame is handed to the
// caller in a task of its own on the loop, never from inside the model's update. The stream
// runs until cancelled, or until an injected fault ends it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/memory/model_vm_watch.h"
#include "backends/memory/nomad_model.h"

namespace ha {

std::unique_ptr<WatchHandle> stream_model_events(
    EventLoop& loop, NomadModel& model, const std::vector<std::string>& topics, std::uint64_t index,
    Duration heartbeat, std::function<void(const NomadEventFrame&)> on_frame, Done<Unit> done,
    const WatchFaults& faults = {});

}  // namespace ha
