// EventLoop: the engine's only source of time and its only way to wait.
//
// Contract:
//  - now() is monotonic non-decreasing.
//  - at(t, fn) runs fn once on the loop's thread at loop time >= t (t in the past means
//    "as soon as possible"). Callbacks scheduled for the same time run in scheduling order.
//  - cancel(id) prevents a not-yet-run callback from running and returns true; it returns
//    false when the callback already ran, was cancelled, or the id is unknown.
//  - Callbacks may schedule and cancel further callbacks.
// Implementations: SimulatedLoop (sim/), which jumps from event to event, and RealtimeLoop
// (backends/), which waits on the wall clock, optionally sped up.
#pragma once

#include <cstdint>
#include <functional>

#include "base/time.h"

namespace ha {

class EventLoop {
 public:
  using Callback = std::function<void()>;
  using TimerId = std::uint64_t;

  virtual ~EventLoop() = default;

  virtual Time now() const = 0;
  virtual TimerId at(Time when, Callback fn) = 0;
  virtual bool cancel(TimerId id) = 0;

  TimerId after(Duration delay, Callback fn) { return at(now() + delay, std::move(fn)); }
  TimerId post(Callback fn) { return at(now(), std::move(fn)); }
};

}  // namespace ha
