#include "backends/runtime/realtime_loop.h"

namespace ha {

RealtimeLoop::RealtimeLoop(double speed, Time epoch)
    : speed_(speed > 0 ? speed : 1.0), epoch_(epoch), wall_start_(Clock::now()) {}

Time RealtimeLoop::now() const {
  auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - wall_start_);
  return epoch_ + Duration(static_cast<std::int64_t>(static_cast<double>(wall.count()) * speed_));
}

RealtimeLoop::Clock::time_point RealtimeLoop::wall_for(Time t) const {
  auto loop_offset = static_cast<double>((t - epoch_).count()) / speed_;
  return wall_start_ + std::chrono::nanoseconds(static_cast<std::int64_t>(loop_offset));
}

EventLoop::TimerId RealtimeLoop::at(Time when, Callback fn) {
  std::lock_guard lock(mu_);
  TimerId id = next_id_++;
  timers_.emplace(std::make_pair(when, id), std::move(fn));
  when_by_id_.emplace(id, when);
  wake_.notify_one();
  return id;
}

bool RealtimeLoop::cancel(TimerId id) {
  std::lock_guard lock(mu_);
  auto it = when_by_id_.find(id);
  if (it == when_by_id_.end()) return false;
  timers_.erase(std::make_pair(it->second, id));
  when_by_id_.erase(it);
  return true;
}

void RealtimeLoop::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  wake_.notify_all();
}

std::uint64_t RealtimeLoop::events_processed() const {
  std::lock_guard lock(mu_);
  return events_;
}

void RealtimeLoop::run() {
  run_until(Time::max());
}

void RealtimeLoop::run_until(Time until) {
  std::unique_lock lock(mu_);
  while (true) {
    // A stop() is consumed by the run it ends, also when it came before the run began
    // (a thread told to stop before its loop started must not run forever).
    if (stopped_) {
      stopped_ = false;
      return;
    }
    if (now() >= until) return;
    if (timers_.empty()) {
      if (until == Time::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, wall_for(until));
      }
      continue;
    }
    auto first = timers_.begin();
    Time when = first->first.first;
    if (when > now()) {
      wake_.wait_until(lock, wall_for(std::min(when, until)));
      continue;
    }
    Callback fn = std::move(first->second);
    when_by_id_.erase(first->first.second);
    timers_.erase(first);
    ++events_;
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace ha
