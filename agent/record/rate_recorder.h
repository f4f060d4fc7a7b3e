// RateRecorder: `record --prometheus-address --rate-query JOB/GROUP=QUERY`: the load of the
// task groups that scale with it, read from Prometheus, so that the scenario replays them as
// rate-csv services (rate_services.h) instead of as a fixed count of allocations.
//
// Each fetch() asks Prometheus for what each query's range has gained since the last fetch
// (range queries every `step` of the cluster's clock, at most `max_points` points a request,
// so a week at one minute is two requests and Prometheus' 11,000-point limit is never met),
// and keeps the points on the cluster's clock. A failed request is kept as the query's
// last error and asked again from the same point at the next fetch: a Prometheus that was
// down for a while leaves no hole, as long as it still holds the samples.
//
// All calls on the loop; the loop's time is Unix time (Prometheus' times on the wire).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "backends/api/async.h"
#include "backends/http/prometheus_source.h"

namespace ha {

struct RecordedLoad {
  std::string job, group, query;
  std::vector<MetricPoint> points;  // the cluster's clock, oldest first
  std::string last_error = {};      // of the last fetch that failed ("" after a success)
  std::int64_t requests = 0;
};

class RateRecorder {
 public:
  struct Options {
    Duration step = std::chrono::minutes(1);  // of the cluster's clock
    double clock_speed = 1;                   // the cluster's clock against the loop's
    std::int64_t max_points = 10000;          // a request's, at most
  };
  // `queries`' job, group and query set; a job "*" is the template of add_groups().
  // `cluster_time` maps the loop's time onto the cluster's (ClusterRecorder::cluster_time).
  RateRecorder(PrometheusSource& prometheus, std::vector<RecordedLoad> queries,
               std::function<Time(Time)> cluster_time, Options options);

  // With a template (`*=QUERY`): a query for each of these groups that has none yet, the
  // template's {{namespace}}, {{job}} (the job's ID) and {{group}} filled in; the load is
  // named by WorkloadRecorder::job_key(). Without a template, nothing.
  struct ScaledGroup {
    std::string ns, job, group;
  };
  void add_groups(const std::vector<ScaledGroup>& groups);

  // Fetches every query from where the last fetch ended (`since` at the first) up to `now`
  // (loop times); `done` once every answer is in.
  void fetch(Time since, Time now, std::function<void()> done);
  const std::vector<RecordedLoad>& loads() const { return loads_; }

  // What a resumed recording needs: the points and where each query's next fetch starts.
  // load() takes the points of the queries it still has (by job and group) and drops the
  // others; its errors name the field.
  nlohmann::json save() const;
  Result<Unit> load(const nlohmann::json& state);

 private:
  void fetch_one(std::size_t i, Time now, std::function<void()> done);

  PrometheusSource& prometheus_;
  std::optional<std::string> template_;  // `*=QUERY`'s query
  std::vector<RecordedLoad> loads_;
  std::vector<std::optional<Time>> next_;  // per query: the loop time its next range starts
  std::function<Time(Time)> cluster_time_;
  Options options_;
};

// `JOB/GROUP=QUERY` (the first '=' after a '/' ends the group), or `*=QUERY` (job "*", a
// template naming {{job}} or {{group}}); an error says what is wrong.
Result<RecordedLoad> parse_rate_query(const std::string& text);

}  // namespace ha
