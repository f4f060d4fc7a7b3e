// PrometheusSource: the `prometheus` metrics source over Prometheus' HTTP API, as the Nomad
// Autoscaler's prometheus plugin queries it: an instant query (GET /api/v1/query?query=&time=)
// when the range is a single instant, else a range query (GET /api/v1/query_range with
// start, end and step=1s). Scalar, vector and matrix results are read; a query returning
// more than one series is an error (upstream: "only 1 is expected"), none gives no points.
// Times on the wire are Unix seconds: the agent's loop time.
#pragma once

#include <string>

#include "backends/api/metrics_source.h"
#include "backends/http/http_transport.h"

namespace ha {

class PrometheusSource final : public MetricsSource {
 public:
  struct Options {
    std::string address = "http://127.0.0.1:9090";
    std::string token;  // optional bearer token (from a file or env), never logged
  };
  PrometheusSource(HttpTransport& transport, Options options);
  void query(const std::string& query, TimeRange range, Callback done) override;
  // A range query evaluated every `step` (Prometheus answers at most 11,000 points per
  // series: a long range needs a coarser step, or several queries).
  void query_range(const std::string& query, TimeRange range, Duration step, Callback done);

  // The points of a Prometheus API answer (the JSON body), for `query`; errors name it.
  static Result<TimeSeries> read_response(const std::string& query, const std::string& body);

 private:
  void send(const std::string& path, const std::string& query, const std::string& times,
            Callback done);

  HttpTransport& transport_;
  Options options_;
};

}  // namespace ha
