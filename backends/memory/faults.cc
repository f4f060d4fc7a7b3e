#include "backends/memory/faults.h"

namespace ha {

std::optional<InjectedFault> FaultInjector::decide(std::string_view op) {
  for (std::string_view key : {op, std::string_view("*")}) {
    auto it = scripted_.find(key);
    if (it != scripted_.end() && it->second.first > 0) {
      --it->second.first;
      return InjectedFault{
          make_error(std::string(op) + ": " + it->second.second, ErrorKind::kUnavailable),
          std::nullopt};
    }
  }
  for (std::string_view key : {op, std::string_view("*")}) {
    auto it = rules_.find(key);
    if (it == rules_.end()) continue;
    const FaultRule& rule = it->second;
    std::uniform_real_distribution<double> u(0.0, 1.0);
    double draw = u(rng_);
    if (draw < rule.error_rate) {
      return InjectedFault{
          make_error(std::string(op) + ": " + rule.message, ErrorKind::kUnavailable), std::nullopt};
    }
    if (draw < rule.error_rate + rule.timeout_rate) {
      return InjectedFault{make_error(std::string(op) + ": timed out", ErrorKind::kTimeout),
                           rule.timeout};
    }
  }
  return std::nullopt;
}

}  // namespace ha
