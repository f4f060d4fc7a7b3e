// `record --prometheus-address URL --rate-query JOB/GROUP=QUERY...`: the options, and the
// Prometheus client and RateRecorder they make (agent/record/rate_recorder.h).
#pragma once

#include <functional>
#include <memory>

#include "agent/record/rate_recorder.h"
#include "apps/options.h"
#include "backends/http/http_transport.h"

namespace ha::cli {

void add_rate_options(po::options_description& options);

struct RecordRates {
  std::unique_ptr<HttpTransport> transport;
  std::unique_ptr<PrometheusSource> prometheus;
  std::unique_ptr<RateRecorder> recorder;  // null without --rate-query
};
// From the options; throws UsageError for a malformed one, InputError for an unreadable
// token file. `cluster_time` maps the loop's time onto the cluster's.
RecordRates record_rates(const po::variables_map& vm, EventLoop& loop,
                         std::function<Time(Time)> cluster_time, double clock_speed);

}  // namespace ha::cli
