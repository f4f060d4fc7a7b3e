// Fault injection for the memory backends, per operation name ("drain_node", "create_vm",
// ...; "*" matches every operation): random error and timeout rates, latency spikes, lost
// answers (the change is made but the caller sees an error, as when a response is lost or a
// racing client got there first), and scripted failures of the next N calls.
// Rules can be added and removed while a run goes on (fault windows of a scenario); every
// call is thread-safe (the mock servers decide on their request threads).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"

namespace ha {

struct FaultRule {
  double error_rate = 0;    // share of calls that fail with `message`
  double timeout_rate = 0;  // share of calls that hang for `timeout`, then fail
  Duration timeout = std::chrono::seconds(30);
  std::string message = "injected fault";
  ErrorKind kind = ErrorKind::kUnavailable;  // of the errors (not the timeouts)
  // The failing calls still take effect: the caller sees an error for a change that was
  // made (a 409 on a create that landed, a 404 on a delete that did, a lost answer).
  bool applied = false;
  Duration extra_latency{0};  // added to every call the rule matches
};

struct InjectedFault {
  std::optional<Error> error;  // none: the call goes through, only later
  Duration delay{0};           // extra latency, or the time until a timeout fires
  bool timeout = false;        // `delay` replaces the call's latency
  bool applied = false;        // make the change before answering with `error`
};

class FaultInjector {
 public:
  using RuleId = std::uint64_t;
  explicit FaultInjector(std::uint64_t seed = 1) : rng_(seed) {}

  // Replaces every rule of `op` with this one.
  void set_rule(const std::string& op, FaultRule rule);
  // Adds a rule next to the others (the first that fires decides); remove it by its id.
  RuleId add_rule(const std::string& op, FaultRule rule);
  void remove_rule(RuleId id) {
    std::lock_guard lock(mu_);
    rules_.erase(id);
  }
  void clear() {
    std::lock_guard lock(mu_);
    rules_.clear();
    scripted_.clear();
  }
  // The next `n` calls of `op` fail with `message`.
  void fail_next(const std::string& op, int n, std::string message = "injected fault") {
    std::lock_guard lock(mu_);
    scripted_[op] = {n, std::move(message)};
  }

  // Decides the fate of one call of `op`: nullopt lets it through unchanged.
  std::optional<InjectedFault> decide(std::string_view op);

  // How many calls it failed (errors and timeouts) and only delayed, so far.
  struct Counts {
    std::uint64_t failed = 0, delayed = 0;
  };
  Counts counts() {
    std::lock_guard lock(mu_);
    return counts_;
  }

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
  RuleId next_id_ = 1;
  Counts counts_;
  std::map<RuleId, std::pair<std::string, FaultRule>> rules_;  // in the order added
  std::map<std::string, std::pair<int, std::string>, std::less<>> scripted_;
};

}  // namespace ha
