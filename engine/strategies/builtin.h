// The built-in strategy plugins; looked up by name through find_strategy (strategy.h).
#pragma once

#include "engine/strategy.h"

namespace ha::strategies {

const StrategyPlugin& target_value_plugin();
const StrategyPlugin& threshold_plugin();
const StrategyPlugin& fixed_value_plugin();
const StrategyPlugin& pass_through_plugin();
const StrategyPlugin& predictive_plugin();

}  // namespace ha::strategies
