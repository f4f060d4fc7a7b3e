// SimulatedLoop: discrete-event implementation of EventLoop. now() jumps to the time of the
// next event; nothing ever sleeps. Single-threaded.
#pragma once

#include <cstdint>
#include <vector>

#include "base/event_loop.h"

namespace ha {

class SimulatedLoop final : public EventLoop {
 public:
  explicit SimulatedLoop(Time start = Time(0)) : now_(start) {}

  Time now() const override { return now_; }
  TimerId at(Time when, Callback fn) override;
  bool cancel(TimerId id) override;

  // Runs the earliest pending event; returns false when none is pending.
  bool step();
  // Runs events until none is left or `max_events` have run; returns how many ran.
  std::uint64_t run(std::uint64_t max_events = UINT64_MAX);
  // Runs every event scheduled at or before `until`, then sets now() to `until`.
  std::uint64_t run_until(Time until);

  std::size_t pending() const { return live_; }
  std::uint64_t events_processed() const { return processed_; }

 private:
  struct Entry {
    Time when;
    std::uint64_t seq;  // tie-break: scheduling order
    std::uint32_t slot;
  };
  struct Slot {
    Callback fn;
    std::uint32_t generation = 0;
    bool armed = false;
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.when != b.when ? a.when > b.when : a.seq > b.seq;
  }
  static TimerId make_id(std::uint32_t slot, std::uint32_t gen) {
    return (static_cast<TimerId>(gen) << 32) | slot;
  }
  void pop_top(Entry& out);

  Time now_;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t processed_ = 0;
  std::size_t live_ = 0;
};

}  // namespace ha
