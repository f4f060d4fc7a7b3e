// ServiceReplay: one rate-csv service in a simulation. It registers the service job, and
// as the `sim` metrics source of the service's task-group policy it answers, per sample
// (every `step`, windowed like the cluster metrics):
//   load            the trace's load at that time
//   load_per_alloc  load / running allocations of the group (load itself when none runs)
//   running         running allocations of the group
// It also keeps what the report needs: how long the load exceeded what the running
// allocations serve, and allocation-hours.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "backends/api/metrics_source.h"
#include "backends/memory/nomad_model.h"
#include "sim/workload.h"

namespace ha {

class ServiceReplay final : public MetricsSource {
 public:
  ServiceReplay(EventLoop& loop, NomadModel& nomad, const RateDrivenService& service,
                Duration step);

  // Registers the job with its initial_count, else enough allocations for the load at time
  // zero, clamped to
  // [min_count, max_count] (the policy's limits), and samples until `until`.
  Result<void> start(std::int64_t min_count, std::int64_t max_count, Time until);
  void query(const std::string& query, TimeRange range, Callback done) override;

  double load_at(Time t) const;
  // What query() answers, at the last sample at or before t (nullopt: none yet, or a query
  // it does not know), for a server that serves the samples (mock-cluster's Prometheus).
  std::optional<double> value_at(const std::string& query, Time t) const;
  const RateDrivenService& service() const { return service_; }
  nlohmann::ordered_json report() const;

 private:
  struct Sample {
    Time time{0};
    double load = 0;
    std::int64_t running = 0;
  };
  void sample(Time until);
  static bool knows(const std::string& query);
  static double value(const std::string& query, const Sample& s);

  EventLoop& loop_;
  NomadModel& nomad_;
  const RateDrivenService& service_;
  Duration step_;
  std::vector<Sample> samples_;
  double overloaded_seconds_ = 0, alloc_seconds_ = 0, unserved_load_seconds_ = 0, load_seconds_ = 0;
};

}  // namespace ha
