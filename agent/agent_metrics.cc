#include "agent/agent_metrics.h"

#include <sstream>

namespace ha {
namespace {

// Label values escape backslash, double quote and newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return '"' + out + '"';
}

std::string number(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

const std::vector<double>& AgentMetrics::latency_buckets() {
  static const std::vector<double> kBuckets = {5, 10, 30, 60, 120, 300, 600, 1200, 3600};
  return kBuckets;
}

void AgentMetrics::record_evaluation(const std::string& policy, const std::string& outcome) {
  std::lock_guard lock(mu_);
  ++evaluations_[{policy, outcome}];
}

void AgentMetrics::record_action(const std::string& policy, const std::string& direction, bool ok) {
  std::lock_guard lock(mu_);
  ++actions_[{policy, direction, ok ? "ok" : "failed"}];
}

void AgentMetrics::record_error(const std::string& source) {
  std::lock_guard lock(mu_);
  ++errors_[source];
}

void AgentMetrics::observe_latency(const std::string& direction, double seconds) {
  std::lock_guard lock(mu_);
  Histogram& h = latency_[direction];
  const auto& bounds = latency_buckets();
  h.counts.resize(bounds.size() + 1);
  std::size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i]) ++i;
  ++h.counts[i];
  h.sum += seconds;
  ++h.count;
}

void AgentMetrics::set_vms(const std::string& node_group,
                           const std::map<std::string, std::int64_t>& phases) {
  std::lock_guard lock(mu_);
  vms_[node_group] = phases;
}

void AgentMetrics::set_policies(std::int64_t n) {
  std::lock_guard lock(mu_);
  policies_ = n;
}

void AgentMetrics::set_leader(bool leader) {
  std::lock_guard lock(mu_);
  leader_ = leader;
}

void AgentMetrics::set_caches(std::map<std::string, CacheFigures> caches) {
  std::lock_guard lock(mu_);
  caches_ = std::move(caches);
}

std::optional<std::string> AgentMetrics::cache_not_current() const {
  std::lock_guard lock(mu_);
  for (const auto& [name, c] : caches_) {
    if (!c.current) return name;
  }
  return std::nullopt;
}

std::string AgentMetrics::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  header(out, "harvester_autoscaler_evaluations_total", "counter",
         "Policy evaluations by outcome.");
  for (const auto& [key, n] : evaluations_) {
    out << "harvester_autoscaler_evaluations_total{policy=" << label(key.first)
        << ",outcome=" << label(key.second) << "} " << n << '\n';
  }
  header(out, "harvester_autoscaler_scale_actions_total", "counter",
         "Scaling actions sent to targets, by direction and result.");
  for (const auto& [key, n] : actions_) {
    out << "harvester_autoscaler_scale_actions_total{policy=" << label(std::get<0>(key))
        << ",direction=" << label(std::get<1>(key)) << ",result=" << label(std::get<2>(key)) << "} "
        << n << '\n';
  }
  header(out, "harvester_autoscaler_errors_total", "counter",
         "Errors by source (evaluation, policy_source, vm_listing).");
  for (const auto& [source, n] : errors_) {
    out << "harvester_autoscaler_errors_total{source=" << label(source) << "} " << n << '\n';
  }
  header(out, "harvester_autoscaler_scale_latency_seconds", "histogram",
         "Decision to VMs running and joined (out) or to the last VM deleted (in).");
  const auto& bounds = latency_buckets();
  for (const auto& [direction, h] : latency_) {
    std::uint64_t cumulative = 0;
    std::string d = label(direction);
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      cumulative += i < h.counts.size() ? h.counts[i] : 0;
      out << "harvester_autoscaler_scale_latency_seconds_bucket{direction=" << d << ",le=\""
          << (i < bounds.size() ? number(bounds[i]) : "+Inf") << "\"} " << cumulative << '\n';
    }
    out << "harvester_autoscaler_scale_latency_seconds_sum{direction=" << d << "} " << number(h.sum)
        << '\n'
        << "harvester_autoscaler_scale_latency_seconds_count{direction=" << d << "} " << h.count
        << '\n';
  }
  header(out, "harvester_autoscaler_vms", "gauge", "VMs the autoscaler owns, by phase.");
  for (const auto& [group, phases] : vms_) {
    for (const auto& [phase, n] : phases) {
      out << "harvester_autoscaler_vms{node_group=" << label(group) << ",phase=" << label(phase)
          << "} " << n << '\n';
    }
  }
  header(out, "harvester_autoscaler_policies", "gauge", "Policies being evaluated.");
  out << "harvester_autoscaler_policies " << policies_ << '\n';
  header(out, "harvester_autoscaler_leader", "gauge",
         "1 when this agent is the active one (high availability), else 0.");
  out << "harvester_autoscaler_leader " << (leader_ ? 1 : 0) << '\n';
  header(out, "harvester_autoscaler_cache_events_total", "counter",
         "Watch events applied to each cache (bookmarks included).");
  for (const auto& [name, c] : caches_) {
    out << "harvester_autoscaler_cache_events_total{cache=" << label(name) << "} " << c.events
        << '\n';
  }
  header(out, "harvester_autoscaler_cache_relists_total", "counter",
         "Full lists each cache took after its first (410 Gone, failures, resyncs).");
  for (const auto& [name, c] : caches_) {
    out << "harvester_autoscaler_cache_relists_total{cache=" << label(name) << "} " << c.relists
        << '\n';
  }
  header(out, "harvester_autoscaler_cache_staleness_seconds", "gauge",
         "Seconds since each cache last heard from its server.");
  for (const auto& [name, c] : caches_) {
    out << "harvester_autoscaler_cache_staleness_seconds{cache=" << label(name) << "} "
        << (c.staleness_seconds ? number(*c.staleness_seconds) : "NaN") << '\n';
  }
  return out.str();
}

}  // namespace ha
