#include "engine/strategies/seasonal_history.h"

#include <algorithm>

namespace ha {

SeasonalHistory::SeasonalHistory(Duration resolution, Duration retention)
    : resolution_(std::max(resolution, Duration(1))),
      keep_slots_(std::max<std::int64_t>(1, retention / resolution_ + 1)) {}

void SeasonalHistory::add(Time t, double value) {
  std::int64_t slot = slot_of(t);
  if (values_.empty()) {
    first_slot_ = slot;
    values_.push_back(value);
    return;
  }
  std::int64_t last = first_slot_ + static_cast<std::int64_t>(values_.size()) - 1;
  if (slot < last) return;
  if (slot == last) {
    values_.back() = std::max(values_.back().value_or(value), value);
    return;
  }
  if (slot - last > keep_slots_) {  // a gap longer than we keep: start over
    values_.clear();
    first_slot_ = slot;
  } else {
    for (std::int64_t s = last + 1; s < slot; ++s) values_.push_back(std::nullopt);
  }
  values_.push_back(value);
  while (static_cast<std::int64_t>(values_.size()) > keep_slots_) {
    values_.pop_front();
    ++first_slot_;
  }
}

std::optional<double> SeasonalHistory::at(Time t) const {
  std::int64_t slot = slot_of(t);
  if (values_.empty() || slot < first_slot_) return std::nullopt;
  std::int64_t i =
      std::min<std::int64_t>(slot - first_slot_, static_cast<std::int64_t>(values_.size()) - 1);
  for (; i >= 0; --i) {
    if (values_[static_cast<std::size_t>(i)]) return values_[static_cast<std::size_t>(i)];
  }
  return std::nullopt;
}

std::optional<double> SeasonalHistory::peak(Time from, Time to) const {
  std::int64_t a = slot_of(from), b = slot_of(to);
  if (values_.empty() || a < first_slot_) return std::nullopt;
  std::optional<double> best;
  std::int64_t end =
      std::min<std::int64_t>(b - first_slot_, static_cast<std::int64_t>(values_.size()) - 1);
  for (std::int64_t i = a - first_slot_; i <= end; ++i) {
    const auto& v = values_[static_cast<std::size_t>(i)];
    if (v) best = std::max(best.value_or(*v), *v);
  }
  return best;
}

}  // namespace ha
