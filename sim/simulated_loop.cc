#include "sim/simulated_loop.h"

#include <algorithm>

namespace ha {

EventLoop::TimerId SimulatedLoop::at(Time when, Callback fn) {
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  s.armed = true;
  heap_.push_back(Entry{std::max(when, now_), next_seq_++, slot});
  std::push_heap(heap_.begin(), heap_.end(), later);
  ++live_;
  return make_id(slot, s.generation);
}

bool SimulatedLoop::cancel(TimerId id) {
  auto slot = static_cast<std::uint32_t>(id & 0xffffffffu);
  auto gen = static_cast<std::uint32_t>(id >> 32);
  if (slot >= slots_.size()) return false;
  Slot& s = slots_[slot];
  if (!s.armed || s.generation != gen) return false;
  // The heap entry stays; it is skipped when popped. The slot is recycled only then.
  s.armed = false;
  s.fn = nullptr;
  --live_;
  return true;
}

void SimulatedLoop::pop_top(Entry& out) {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  out = heap_.back();
  heap_.pop_back();
}

bool SimulatedLoop::step() {
  while (!heap_.empty()) {
    Entry e;
    pop_top(e);
    Slot& s = slots_[e.slot];
    bool armed = s.armed;
    Callback fn = std::move(s.fn);
    s.fn = nullptr;
    s.armed = false;
    ++s.generation;
    free_slots_.push_back(e.slot);
    if (!armed) continue;  // cancelled
    --live_;
    now_ = e.when;
    ++processed_;
    fn();
    return true;
  }
  return false;
}

std::uint64_t SimulatedLoop::run(std::uint64_t max_events) {
  std::uint64_t n = 0;
  while (n < max_events && step()) ++n;
  return n;
}

std::uint64_t SimulatedLoop::run_until(Time until) {
  std::uint64_t n = 0;
  while (!heap_.empty()) {
    // Skip cancelled entries at the top so that heap_.front() is a live event.
    const Entry& top = heap_.front();
    if (!slots_[top.slot].armed) {
      Entry dead;
      pop_top(dead);
      Slot& s = slots_[dead.slot];
      ++s.generation;
      free_slots_.push_back(dead.slot);
      continue;
    }
    if (top.when > until) break;
    step();
    ++n;
  }
  now_ = std::max(now_, until);
  return n;
}

}  // namespace ha
