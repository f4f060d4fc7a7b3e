// Test doubles for the engine seams, completing through a SimulatedLoop like real backends.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "backends/api/metrics_source.h"
#include "engine/target.h"
#include "sim/simulated_loop.h"

namespace ha::testing {

// A target whose count changes `scale_delay` after a scale request.
class FakeTarget final : public Target {
 public:
  explicit FakeTarget(EventLoop& loop, std::int64_t count = 1) : loop_(loop), count_(count) {}

  Result<void> set_config(const PluginConfig&) override { return {}; }
  void status(const PluginConfig&, StatusCallback done) override {
    ++status_calls;
    if (fail_status) {
      loop_.post([done] { done(make_error("status unavailable")); });
      return;
    }
    TargetStatus s{ready, count_, meta};
    loop_.post([done, s] { done(s); });
  }
  void scale(const ScaleRequest& request, const PluginConfig&, ScaleCallback done) override {
    requests.push_back(request);
    loop_.after(scale_delay, [this, request, done] {
      if (fail_scale) {
        done(make_error("quota exceeded"));
        return;
      }
      if (!request.dry_run) count_ = request.action.count;
      done(ScaleResult{false, request.dry_run ? "would scale" : ""});
    });
  }

  std::int64_t count() const { return count_; }
  void set_count(std::int64_t count) { count_ = count; }
  bool ready = true;
  bool fail_status = false;
  bool fail_scale = false;
  Duration scale_delay{0};
  std::map<std::string, std::string> meta;
  std::vector<ScaleRequest> requests;
  int status_calls = 0;

 private:
  EventLoop& loop_;
  std::int64_t count_;
};

// A metrics source answering from a function of (query, time), after `latency`.
class ScriptedSource final : public MetricsSource {
 public:
  using Script = std::function<Result<TimeSeries>(const std::string& query, TimeRange range)>;
  ScriptedSource(EventLoop& loop, Script script) : loop_(loop), script_(std::move(script)) {}

  void query(const std::string& q, TimeRange range, Callback done) override {
    ++queries;
    ranges.push_back(range);
    auto result = script_(q, range);
    loop_.after(latency, [done, result] { done(result); });
  }

  Duration latency{0};
  int queries = 0;
  std::vector<TimeRange> ranges;

 private:
  EventLoop& loop_;
  Script script_;
};

}  // namespace ha::testing
