// Fault injection for the memory backends, per operation name ("drain_node", "create_vm",
// ...; "*" matches every operation): random error and timeout rates, and scripted failures
// of the next N calls.
#pragma once

#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "engine/time.h"

namespace ha {

struct FaultRule {
  double error_rate = 0;    // share of calls that fail with `message`
  double timeout_rate = 0;  // share of calls that hang for `timeout`, then fail
  Duration timeout = std::chrono::seconds(30);
  std::string message = "injected fault";
};

struct InjectedFault {
  Error error;
  std::optional<Duration> delay;  // set for a timeout: fail after this long
};

class FaultInjector {
 public:
  explicit FaultInjector(std::uint64_t seed = 1) : rng_(seed) {}

  void set_rule(const std::string& op, FaultRule rule) { rules_[op] = std::move(rule); }
  void clear() {
    rules_.clear();
    scripted_.clear();
  }
  // The next `n` calls of `op` fail with `message`.
  void fail_next(const std::string& op, int n, std::string message = "injected fault") {
    scripted_[op] = {n, std::move(message)};
  }

  // Decides the fate of one call of `op`: nullopt lets it through.
  std::optional<InjectedFault> decide(std::string_view op);

 private:
  std::mt19937_64 rng_;
  std::map<std::string, FaultRule, std::less<>> rules_;
  std::map<std::string, std::pair<int, std::string>, std::less<>> scripted_;
};

}  // namespace ha
