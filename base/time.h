// Time in the engine is a count of nanoseconds since the event loop's epoch. The engine never
// reads the system clock: every "now" comes from an EventLoop (see event_loop.h).
#pragma once

#include <chrono>
#include <cstdint>

namespace ha {

using Duration = std::chrono::nanoseconds;
// A point in loop time: nanoseconds since the loop's epoch (simulation start, or the Unix
// epoch for the real-time loop).
using Time = std::chrono::nanoseconds;

constexpr Duration seconds(double s) {
  return Duration(static_cast<std::int64_t>(s * 1e9));
}
constexpr double to_seconds(Duration d) {
  return static_cast<double>(d.count()) / 1e9;
}

}  // namespace ha
