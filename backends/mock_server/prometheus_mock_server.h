// PrometheusMockServer: the part of Prometheus' HTTP API that the autoscaler's `prometheus`
// source and `record --prometheus-address` read, over series that a model computes: GET or
// POST /api/v1/query (`query`, `time`) and /api/v1/query_range (`query`, `start`, `end`,
// `step`), answered as Prometheus answers them (`status`, `data.resultType` vector or
// matrix, `[unix_seconds, "value"]` pairs; errors with `errorType` bad_data and status 400).
//
// It evaluates selectors only: `name`, `name{label="v", other!="w"}`. Anything else (a
// function, an aggregation, a range selector) is a 400 that says so. A range query
// evaluates at start, start + step, ... up to end, as Prometheus does, and refuses more
// than 11,000 points per series.
//
// Times on the wire are Unix seconds. The series live in model time, which runs `speed`
// times faster than the wall clock from `wall_start` (mock-cluster's clock): a point at
// model time t is served at Unix time wall_start + t / speed. Points after the model's now
// are not served (Prometheus has not scraped them yet).
//
// Threads: a series' value is read on the loop's thread, like every model access.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backends/mock_server/mock_http_server.h"

namespace ha {

class PrometheusMockServer final : public MockHttpServer {
 public:
  struct Series {
    std::map<std::string, std::string> labels;  // with __name__
    // The value at model time t (called on the loop); nullopt: none (yet).
    std::function<std::optional<double>(Time t)> value_at;
  };
  struct Options {
    double speed = 1;        // model seconds per wall second
    Duration wall_start{0};  // Unix time (since the epoch) of model time 0
    std::string token;       // empty: none required; else Authorization: Bearer
  };

  PrometheusMockServer(RealtimeLoop& loop, std::vector<Series> series, Options options);
  ~PrometheusMockServer();

  // start(host, port) and stop(): see MockHttpServer.

 private:
  void routes();
  Time model_time(double unix_seconds) const;
  double unix_seconds(Time model) const;

  std::vector<Series> series_;
  Options options_;
};

}  // namespace ha
