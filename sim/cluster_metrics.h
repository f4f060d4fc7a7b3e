// ClusterMetrics: samples the Nomad model every `step` of simulated time, keeps the series
// for the report, and answers the queries policies make through the `sim` and `nomad-apm`
// sources, with the nomad-apm names: percentage-allocated_cpu, percentage-allocated_memory,
// plus pending_allocations and node_count (an optional "node_" prefix and a
// "/node_class=..." suffix, as upstream's long form, are accepted).
#pragma once

#include <string>
#include <vector>

#include "backends/api/metrics_source.h"
#include "backends/memory/nomad_model.h"

namespace ha {

class ClusterMetrics final : public MetricsSource {
 public:
  struct Sample {
    Time time{0};
    NomadModel::Totals totals;
  };

  ClusterMetrics(EventLoop& loop, const NomadModel& nomad, Duration step, std::string node_class);

  // Takes a sample now and then every step until `until`.
  void start(Time until);
  void query(const std::string& query, TimeRange range, Callback done) override;

  const std::vector<Sample>& samples() const { return samples_; }
  Duration step() const { return step_; }

  // The value of `query` in one sample; an error names an unknown query.
  static Result<double> value(const std::string& query, const NomadModel::Totals& t);

 private:
  void sample(Time until);

  EventLoop& loop_;
  const NomadModel& nomad_;
  Duration step_;
  std::string node_class_;
  std::vector<Sample> samples_;
};

}  // namespace ha
