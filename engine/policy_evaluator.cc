#include "engine/policy_evaluator.h"

#include <map>
#include <tuple>
#include <vector>

#include "engine/config_values.h"

namespace ha {

std::string_view to_string(EvaluationOutcome outcome) {
  switch (outcome) {
    case EvaluationOutcome::kNotReady:
      return "not-ready";
    case EvaluationOutcome::kError:
      return "error";
    case EvaluationOutcome::kNoAction:
      return "no-action";
    case EvaluationOutcome::kCooldown:
      return "cooldown";
    case EvaluationOutcome::kBusy:
      return "busy";
    case EvaluationOutcome::kDryRun:
      return "dry-run";
    case EvaluationOutcome::kScaled:
      return "scaled";
    case EvaluationOutcome::kScaleFailed:
      break;
  }
  return "scale-failed";
}

struct PolicyEvaluator::Evaluation {
  Time started{0};
  std::int64_t current = 0;
  std::vector<Result<TimeSeries>> metrics;
  std::size_t outstanding = 0;
};

PolicyEvaluator::PolicyEvaluator(EventLoop& loop, std::shared_ptr<const CompiledPolicy> policy,
                                 Target& target, SourceLookup sources, Logger& log, RecordSink sink)
    : loop_(loop),
      policy_(std::move(policy)),
      target_(target),
      sources_(std::move(sources)),
      log_(log),
      sink_(std::move(sink)),
      alive_(std::make_shared<bool>(true)) {}

PolicyEvaluator::~PolicyEvaluator() {
  stop();
  *alive_ = false;
}

void PolicyEvaluator::start() {
  if (running_) return;
  running_ = true;
  timer_ = loop_.after(policy().evaluation_interval, [this] { tick(); });
}

void PolicyEvaluator::stop() {
  running_ = false;
  if (timer_) loop_.cancel(*timer_);
  timer_.reset();
}

void PolicyEvaluator::tick() {
  timer_ = loop_.after(policy().evaluation_interval, [this] { tick(); });
  if (!may_act_ || may_act_()) evaluate_now();
}

void PolicyEvaluator::evaluate_now() {
  if (current_) {
    log_.log(LogLevel::kDebug, loop_.now(), "skipping evaluation, previous one still running",
             {{"policy_id", policy().id}});
    return;
  }
  auto eval = std::make_shared<Evaluation>();
  current_ = eval;
  eval->started = loop_.now();
  std::weak_ptr<bool> alive = alive_;
  target_.status(policy().target.config, [this, alive, eval](Result<TargetStatus> status) {
    if (!alive.expired() && *alive.lock()) on_status(eval, std::move(status));
  });
}

void PolicyEvaluator::on_status(std::shared_ptr<Evaluation> eval, Result<TargetStatus> status) {
  if (!status) {
    finish(eval, EvaluationOutcome::kError, 0, Direction::kNone,
           "failed to get target status: " + status.error().message);
    return;
  }
  eval->current = status->count;
  if (first_status_) {
    // A scaling event shortly before this evaluator started (e.g. by a previous agent
    // process) still holds its cooldown, as upstream's checkForOutOfBandEvents does.
    first_status_ = false;
    auto it = status->meta.find(kTargetMetaLastEvent);
    if (it != status->meta.end()) {
      if (auto ns = parse_int64(it->second)) {
        Time until = Time(*ns) + policy().cooldown_on_scale_up;
        if (until > loop_.now()) cooldown_until_ = until;
      }
    }
  }
  if (!status->ready) {
    finish(eval, EvaluationOutcome::kNotReady, status->count, Direction::kNone,
           status->reason.empty() ? "target not ready" : "target not ready: " + status->reason);
    return;
  }
  query_checks(std::move(eval));
}

void PolicyEvaluator::query_checks(std::shared_ptr<Evaluation> eval) {
  const Policy& p = policy();
  eval->metrics.assign(p.checks.size(), Result<TimeSeries>(TimeSeries{}));

  // Checks asking the same source the same question share one query (upstream's cache).
  using Key = std::tuple<std::string, std::string, Duration, Duration, bool>;
  std::map<Key, std::vector<std::size_t>> queries;
  for (std::size_t i = 0; i < p.checks.size(); ++i) {
    if (!policy_->needs_metrics(i)) continue;
    const CheckSpec& c = p.checks[i];
    queries[Key{c.source, c.query, c.query_window, c.query_window_offset, c.query_instant}]
        .push_back(i);
  }
  eval->outstanding = queries.size();
  if (queries.empty()) {
    on_metrics(std::move(eval));
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  for (auto& [key, checks] : queries) {
    const CheckSpec& c = p.checks[checks.front()];
    TimeRange range;
    range.to = loop_.now() - c.query_window_offset;
    range.from = c.query_instant ? range.to : range.to - c.query_window;
    MetricsSource* source = sources_ ? sources_(c.source) : nullptr;
    auto deliver = [this, alive, eval, checks = checks](Result<TimeSeries> result) {
      if (alive.expired() || !*alive.lock()) return;
      for (std::size_t i : checks) eval->metrics[i] = result;
      if (--eval->outstanding == 0) on_metrics(eval);
    };
    if (source == nullptr) {
      loop_.post([deliver, name = c.source] {
        deliver(make_error("metrics source \"" + name + "\" is not configured"));
      });
    } else {
      source->query(c.query, range, deliver);
    }
  }
}

void PolicyEvaluator::on_metrics(std::shared_ptr<Evaluation> eval) {
  auto decision = decide(*policy_, eval->current, eval->metrics);
  if (!decision) {
    finish(eval, EvaluationOutcome::kError, eval->current, Direction::kNone,
           decision.error().message);
    return;
  }
  act(std::move(eval), *decision);
}

void PolicyEvaluator::act(std::shared_ptr<Evaluation> eval, const PolicyDecision& decision) {
  const ScalingAction& action = decision.action;
  if (!decision.needed) {
    finish(eval, EvaluationOutcome::kNoAction, action.count, Direction::kNone,
           action.reason.empty() ? "no check asked for a change" : action.reason);
    return;
  }
  if (cooldown_until_ && loop_.now() >= *cooldown_until_) cooldown_until_.reset();
  if (cooldown_until_) {
    finish(eval, EvaluationOutcome::kCooldown, action.count, action.direction,
           "policy in cooldown for " + std::to_string(to_seconds(*cooldown_until_ - loop_.now())) +
               "s; wanted: " + action.reason);
    return;
  }
  if (scaling_) {
    finish(eval, EvaluationOutcome::kBusy, action.count, action.direction,
           "target still scaling; wanted: " + action.reason);
    return;
  }
  if (may_act_ && !may_act_()) {
    current_.reset();
    log_.log(LogLevel::kInfo, loop_.now(), "not scaling: this agent may not act now",
             {{"policy_id", policy().id}, {"wanted", action.reason}});
    return;
  }
  // The evaluation's record is written when the target completes; meanwhile further
  // evaluations run (and report kBusy if they want a change), as upstream's handler does.
  scaling_ = true;
  current_.reset();
  ScaleRequest request{action, policy().dry_run(), policy().id, policy().min, policy().max};
  std::weak_ptr<bool> alive = alive_;
  target_.scale(
      request, policy().target.config, [this, alive, eval, request](Result<ScaleResult> result) {
        if (alive.expired() || !*alive.lock()) return;
        scaling_ = false;
        const ScalingAction& a = request.action;
        if (!result) {
          finish(eval, EvaluationOutcome::kScaleFailed, a.count, a.direction,
                 a.reason + "; scale failed: " + result.error().message);
          return;
        }
        if (!result->no_op) {
          Duration cd =
              a.direction == Direction::kUp ? policy().cooldown_on_scale_up : policy().cooldown;
          cooldown_until_ = loop_.now() + cd;
        }
        std::string reason = a.reason;
        if (!result->summary.empty()) reason += "; " + result->summary;
        finish(eval, request.dry_run ? EvaluationOutcome::kDryRun : EvaluationOutcome::kScaled,
               a.count, a.direction, std::move(reason));
      });
}

void PolicyEvaluator::finish(std::shared_ptr<Evaluation> eval, EvaluationOutcome outcome,
                             std::int64_t desired, Direction direction, std::string reason) {
  if (current_ == eval) current_.reset();
  EvaluationRecord record{loop_.now(), policy().id, outcome,          eval->current,
                          desired,     direction,   std::move(reason)};
  LogLevel level =
      outcome == EvaluationOutcome::kError || outcome == EvaluationOutcome::kScaleFailed
          ? LogLevel::kWarn
      : outcome == EvaluationOutcome::kScaled || outcome == EvaluationOutcome::kDryRun
          ? LogLevel::kInfo
          : LogLevel::kDebug;
  if (log_.enabled(level)) {
    log_.log(level, record.time, "policy evaluated",
             {{"policy_id", record.policy_id},
              {"outcome", std::string(to_string(outcome))},
              {"from", std::to_string(record.current)},
              {"to", std::to_string(record.desired)},
              {"direction", std::string(to_string(direction))},
              {"reason", record.reason}});
  }
  if (sink_) sink_(record);
}

}  // namespace ha
