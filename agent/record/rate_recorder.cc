#include "agent/record/rate_recorder.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include <nlohmann/json.hpp>

#include "agent/record/workload_recorder.h"

namespace ha {

RateRecorder::RateRecorder(PrometheusSource& prometheus, std::vector<RecordedLoad> queries,
                           std::function<Time(Time)> cluster_time, Options options)
    : prometheus_(prometheus), cluster_time_(std::move(cluster_time)), options_(options) {
  for (RecordedLoad& q : queries) {
    if (q.job == "*") {
      template_ = q.query;
    } else {
      loads_.push_back(std::move(q));
    }
  }
  next_.resize(loads_.size());
}

namespace {

void replace_all(std::string& s, const std::string& what, const std::string& with) {
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
    s.replace(at, what.size(), with);
}

}  // namespace

void RateRecorder::add_groups(const std::vector<ScaledGroup>& groups) {
  if (!template_) return;
  for (const ScaledGroup& g : groups) {
    std::string key = WorkloadRecorder::job_key(g.ns, g.job);
    bool known = std::any_of(loads_.begin(), loads_.end(), [&](const RecordedLoad& l) {
      return l.job == key && l.group == g.group;
    });
    if (known || g.job.empty() || g.group.empty()) continue;
    std::string query = *template_;
    replace_all(query, "{{namespace}}", g.ns.empty() ? "default" : g.ns);
    replace_all(query, "{{job}}", g.job);
    replace_all(query, "{{group}}", g.group);
    loads_.push_back({key, g.group, query, {}});
    next_.emplace_back();
  }
}

void RateRecorder::fetch(Time since, Time now, std::function<void()> done) {
  if (loads_.empty()) return done();
  auto left = std::make_shared<std::size_t>(loads_.size());
  auto one_done = [left, done = std::move(done)] {
    if (--*left == 0) done();
  };
  for (std::size_t i = 0; i < loads_.size(); ++i) {
    if (!next_[i]) next_[i] = since;
    fetch_one(i, now, one_done);
  }
}

// One request of at most max_points points from next_[i], then the next, until `now`.
void RateRecorder::fetch_one(std::size_t i, Time now, std::function<void()> done) {
  auto step = std::chrono::duration_cast<Duration>(options_.step / options_.clock_speed);
  step = std::max<Duration>(step, std::chrono::milliseconds(1));
  Time from = *next_[i];
  if (from > now) return done();
  Time to = std::min(now, from + step * (options_.max_points - 1));
  ++loads_[i].requests;
  prometheus_.query_range(
      loads_[i].query, {from, to}, step,
      [this, i, now, from, to, step, done = std::move(done)](Result<TimeSeries> r) mutable {
        RecordedLoad& load = loads_[i];
        if (!r) {
          load.last_error = r.error().message;
          return done();  // asked again from `from` at the next fetch
        }
        load.last_error.clear();
        for (const MetricPoint& p : *r) {
          if (!std::isfinite(p.value)) continue;
          Time at = cluster_time_(p.time);
          if (load.points.empty() || at > load.points.back().time)
            load.points.push_back({at, p.value});
        }
        next_[i] = from + step * ((to - from) / step + 1);
        fetch_one(i, now, std::move(done));
      });
}

nlohmann::json RateRecorder::save() const {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < loads_.size(); ++i) {
    nlohmann::json points = nlohmann::json::array();
    for (const MetricPoint& p : loads_[i].points) points.push_back({p.time.count(), p.value});
    out.push_back({{"job", loads_[i].job},
                   {"group", loads_[i].group},
                   {"query", loads_[i].query},
                   {"next_ns", next_[i] ? nlohmann::json(next_[i]->count()) : nlohmann::json()},
                   {"requests", loads_[i].requests},
                   {"points", points}});
  }
  return out;
}

Result<Unit> RateRecorder::load(const nlohmann::json& state) {
  if (!state.is_array()) return make_error("rates: expected an array", ErrorKind::kInvalid);
  for (std::size_t k = 0; k < state.size(); ++k) {
    std::string at = "rates[" + std::to_string(k) + "]";
    try {
      const nlohmann::json& s = state[k];
      // A group the template gave in an earlier run is this run's too.
      std::string job = s.at("job").get<std::string>(), group = s.at("group").get<std::string>();
      bool known = std::any_of(loads_.begin(), loads_.end(), [&](const RecordedLoad& l) {
        return l.job == job && l.group == group;
      });
      if (!known && template_) {
        loads_.push_back({job, group, s.at("query").get<std::string>(), {}});
        next_.emplace_back();
      }
      for (std::size_t i = 0; i < loads_.size(); ++i) {
        if (loads_[i].job != s.at("job").get<std::string>() ||
            loads_[i].group != s.at("group").get<std::string>()) {
          continue;
        }
        std::vector<MetricPoint> points;
        for (const auto& p : s.at("points")) {
          points.push_back({Time(p.at(0).get<std::int64_t>()), p.at(1).get<double>()});
        }
        loads_[i].points = std::move(points);
        loads_[i].requests = s.at("requests").get<std::int64_t>();
        const auto& next = s.at("next_ns");
        next_[i] =
            next.is_null() ? std::nullopt : std::optional<Time>(Time(next.get<std::int64_t>()));
      }
    } catch (const nlohmann::json::exception& e) {
      return make_error(at + ": " + e.what(), ErrorKind::kInvalid);
    }
  }
  return Unit{};
}

Result<RecordedLoad> parse_rate_query(const std::string& text) {
  auto bad = [&text](const std::string& why) {
    return make_error("--rate-query \"" + text + "\": " + why +
                          " (expected JOB/GROUP=QUERY, or *=QUERY naming {{job}} or {{group}})",
                      ErrorKind::kInvalid);
  };
  if (text.rfind("*=", 0) == 0) {
    RecordedLoad load{"*", "", text.substr(2), {}};
    if (load.query.find("{{job}}") == std::string::npos &&
        load.query.find("{{group}}") == std::string::npos) {
      return bad("a * query names neither {{job}} nor {{group}}: every group would get one load");
    }
    return load;
  }
  // JOB may be NAMESPACE/ID: the group follows the last '/' before the first '='.
  std::size_t equals = text.find('=');
  if (equals == std::string::npos) return bad("no '=' before the query");
  std::size_t slash = text.rfind('/', equals);
  if (slash == std::string::npos || slash == 0) return bad("no JOB/ before the group");
  RecordedLoad load;
  load.job = text.substr(0, slash);
  load.group = text.substr(slash + 1, equals - slash - 1);
  load.query = text.substr(equals + 1);
  if (load.group.empty()) return bad("the group is empty");
  if (load.query.find_first_not_of(" \t") == std::string::npos) return bad("the query is empty");
  return load;
}

}  // namespace ha
