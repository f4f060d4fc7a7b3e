// PolicyEvaluator: runs one policy on an EventLoop, as upstream's policy handler does
// (hashicorp/nomad-autoscaler policy/handler.go), without threads or a wall clock:
// every evaluation_interval: target status -> skip while not ready -> query every check
// (in parallel; identical queries once) -> strategies -> combine -> cap -> scale -> cooldown.
// Each evaluation ends in exactly one EvaluationRecord, also logged with its reason.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "backends/api/metrics_source.h"
#include "base/event_loop.h"
#include "base/log.h"
#include "engine/policy_decision.h"
#include "engine/target.h"

namespace ha {

enum class EvaluationOutcome {
  kNotReady,     // the target said it is not ready
  kError,        // status, query or strategy failed
  kNoAction,     // no change needed
  kCooldown,     // a change was wanted during the cooldown
  kBusy,         // a change was wanted while the previous scale was still running
  kDryRun,       // the change was handed to the target in dry-run mode
  kScaled,       // the target accepted the change
  kScaleFailed,  // the target refused or failed the change
};

std::string_view to_string(EvaluationOutcome outcome);

struct EvaluationRecord {
  Time time{0};
  std::string policy_id;
  EvaluationOutcome outcome = EvaluationOutcome::kNoAction;
  std::int64_t current = 0;
  std::int64_t desired = 0;
  Direction direction = Direction::kNone;
  std::string reason;
};

class PolicyEvaluator {
 public:
  using SourceLookup = std::function<MetricsSource*(std::string_view name)>;
  using RecordSink = std::function<void(const EvaluationRecord&)>;

  PolicyEvaluator(EventLoop& loop, std::shared_ptr<const CompiledPolicy> policy, Target& target,
                  SourceLookup sources, Logger& log, RecordSink sink = nullptr);
  ~PolicyEvaluator();
  PolicyEvaluator(const PolicyEvaluator&) = delete;
  PolicyEvaluator& operator=(const PolicyEvaluator&) = delete;

  // Evaluates every evaluation_interval, the first time one interval from now.
  void start();
  // No further evaluations start; one already in flight completes.
  void stop();
  // Starts one evaluation now (skipped if one is already in flight).
  void evaluate_now();
  // While `may_act` says no, the periodic evaluations are skipped and one under way stops
  // before it scales (an agent that is not, or no longer, the leader). Unset: always yes.
  void set_gate(std::function<bool()> may_act) { may_act_ = std::move(may_act); }

  const Policy& policy() const { return policy_->policy(); }
  bool scaling() const { return scaling_; }
  std::optional<Time> cooldown_until() const { return cooldown_until_; }

 private:
  struct Evaluation;
  void tick();
  void on_status(std::shared_ptr<Evaluation> eval, Result<TargetStatus> status);
  void query_checks(std::shared_ptr<Evaluation> eval);
  void on_metrics(std::shared_ptr<Evaluation> eval);
  void act(std::shared_ptr<Evaluation> eval, const PolicyDecision& decision);
  void finish(std::shared_ptr<Evaluation> eval, EvaluationOutcome outcome, std::int64_t desired,
              Direction direction, std::string reason);

  EventLoop& loop_;
  std::shared_ptr<const CompiledPolicy> policy_;
  Target& target_;
  SourceLookup sources_;
  Logger& log_;
  RecordSink sink_;

  // Shared with callbacks so that a callback arriving after destruction does nothing.
  std::shared_ptr<bool> alive_;
  std::optional<EventLoop::TimerId> timer_;
  bool running_ = false;
  std::shared_ptr<Evaluation> current_;  // the evaluation in flight, if any
  bool scaling_ = false;
  std::function<bool()> may_act_;
  bool first_status_ = true;
  std::optional<Time> cooldown_until_;
};

}  // namespace ha
