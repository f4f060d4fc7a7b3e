// AgentMetrics: what the agent serves on /v1/metrics, in the Prometheus text exposition
// format (version 0.0.4):
//   harvester_autoscaler_evaluations_total{policy,outcome}       counter
//   harvester_autoscaler_scale_actions_total{policy,direction,result}  counter (ok|failed)
//   harvester_autoscaler_errors_total{source}                    counter
//   harvester_autoscaler_scale_latency_seconds{direction}        histogram: decision to VMs
//       running and joined (out), or to the last VM deleted (in)
//   harvester_autoscaler_vms{node_group,phase}                   gauge: owned VMs per phase
//   harvester_autoscaler_policies                                gauge: policies evaluated
//   harvester_autoscaler_leader                                  gauge: 1 on the active agent,
//       0 on a standby (high availability; 1 without it)
//   harvester_autoscaler_cache_events_total{cache}               counter: watch events applied
//   harvester_autoscaler_cache_relists_total{cache}              counter: lists after the first
//   harvester_autoscaler_cache_staleness_seconds{cache}          gauge: since last heard from
//       its server (NaN before its first list)
// Thread-safe: the loop records, the HTTP server's threads render.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace ha {

class AgentMetrics {
 public:
  void record_evaluation(const std::string& policy, const std::string& outcome);
  void record_action(const std::string& policy, const std::string& direction, bool ok);
  void record_error(const std::string& source);
  void observe_latency(const std::string& direction, double seconds);
  // Replaces the VM counts of one node group.
  void set_vms(const std::string& node_group, const std::map<std::string, std::int64_t>& phases);
  void set_policies(std::int64_t n);
  void set_leader(bool leader);
  struct CacheFigures {
    std::uint64_t events = 0, relists = 0;
    std::optional<double> staleness_seconds;
    bool current = false;  // synced and heard from within its bound
  };
  // Replaces every cache's figures (the caches the agent runs now).
  void set_caches(std::map<std::string, CacheFigures> caches);
  // The first cache not current, if any (for /v1/health).
  std::optional<std::string> cache_not_current() const;

  std::string render() const;

  // Upper bounds of the latency buckets, in seconds (+Inf is implied).
  static const std::vector<double>& latency_buckets();

 private:
  struct Histogram {
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative
    double sum = 0;
    std::uint64_t count = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> evaluations_;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> actions_;
  std::map<std::string, std::uint64_t> errors_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, std::map<std::string, std::int64_t>> vms_;
  std::int64_t policies_ = 0;
  bool leader_ = false;
  std::map<std::string, CacheFigures> caches_;
};

}  // namespace ha
