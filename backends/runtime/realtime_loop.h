// RealtimeLoop: EventLoop on the wall clock, optionally sped up by a factor (speed 60 makes
// one wall second one loop minute). Used by emulate and agent modes.
//
// Thread-safety: at(), cancel(), post() and stop() may be called from any thread (I/O
// completion threads post their results here); callbacks run on the thread inside run().
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <unordered_map>

#include "base/event_loop.h"

namespace ha {

class RealtimeLoop final : public EventLoop {
 public:
  // `epoch` is the loop time at construction (e.g. the Unix time, for the agent's logs).
  explicit RealtimeLoop(double speed = 1.0, Time epoch = Time(0));

  Time now() const override;
  TimerId at(Time when, Callback fn) override;
  bool cancel(TimerId id) override;

  // Runs callbacks as their times come until stop() is called. A stop() made while no run
  // is going ends the next run at once; each stop() ends one run.
  void run();
  // Runs until stop() or until loop time reaches `until`.
  void run_until(Time until);
  void stop();

  double speed() const { return speed_; }
  // Callbacks run so far (for reports).
  std::uint64_t events_processed() const;

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point wall_for(Time t) const;

  const double speed_;
  const Time epoch_;
  const Clock::time_point wall_start_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  // Ordered by (time, id); ids grow, so same-time callbacks keep scheduling order.
  std::map<std::pair<Time, TimerId>, Callback> timers_;
  std::unordered_map<TimerId, Time> when_by_id_;
  TimerId next_id_ = 1;
  bool stopped_ = false;
  std::uint64_t events_ = 0;
};

}  // namespace ha
