// SeasonalHistory: a metric's own past, kept by the strategy that reads it, at a fixed
// resolution (each slot holds the largest value seen in it), for as long as the longest
// season plus the lead needs. Memory is bounded: a week at one-minute slots is 10,080 values.
#pragma once

#include <deque>
#include <optional>

#include "base/time.h"

namespace ha {

class SeasonalHistory {
 public:
  SeasonalHistory(Duration resolution, Duration retention);

  // Points must come in time order; a point in the newest slot raises it to its value
  // if larger; an older point is ignored.
  void add(Time t, double value);

  // The slot holding `t`, or the newest slot before it; nullopt when `t` is older than
  // the oldest slot kept.
  std::optional<double> at(Time t) const;
  // The largest value of the slots from `from` to `to`; nullopt when `from` is older than
  // the oldest slot kept or no slot lies in between.
  std::optional<double> peak(Time from, Time to) const;

  std::size_t slots() const { return values_.size(); }

 private:
  std::int64_t slot_of(Time t) const { return t.count() / resolution_.count(); }

  Duration resolution_;
  std::int64_t keep_slots_;
  std::int64_t first_slot_ = 0;               // the slot of values_.front()
  std::deque<std::optional<double>> values_;  // empty slots: no point fell in them
};

}  // namespace ha
