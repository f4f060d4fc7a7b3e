#include <span>

#include "engine/strategies/builtin.h"

namespace ha {
namespace {

std::span<const StrategyPlugin* const> all_strategies() {
  static const StrategyPlugin* const kAll[] = {
      &strategies::target_value_plugin(), &strategies::threshold_plugin(),
      &strategies::fixed_value_plugin(), &strategies::pass_through_plugin(),
      &strategies::predictive_plugin()};
  return kAll;
}

}  // namespace

const StrategyPlugin* find_strategy(std::string_view name) {
  for (const StrategyPlugin* s : all_strategies()) {
    if (s->name() == name) return s;
  }
  return nullptr;
}

std::vector<std::string> strategy_names() {
  std::vector<std::string> names;
  for (const StrategyPlugin* s : all_strategies()) names.emplace_back(s->name());
  return names;
}

}  // namespace ha
