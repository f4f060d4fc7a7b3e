#include "sim/chaos.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "sim/simulation.h"

namespace ha {
namespace {

using Min = std::chrono::minutes;
using Sec = std::chrono::seconds;

template <typename T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

Duration between(std::mt19937_64& rng, Duration lo, Duration hi) {
  auto s =
      std::uniform_int_distribution<std::int64_t>(std::chrono::duration_cast<Sec>(lo).count(),
                                                  std::chrono::duration_cast<Sec>(hi).count())(rng);
  return Sec(s);
}

}  // namespace

std::vector<FaultSpec> random_faults(std::mt19937_64& rng, Duration duration) {
  static const std::vector<std::string> kKinds = {
      "api_errors",        "api_errors",       "outage",           "latency_spike",
      "vm_stuck_starting", "vm_unschedulable", "node_never_joins", "drain_stuck",
      "agent_crash",       "host_maintenance", "vm_restarts"};
  static const std::vector<std::string> kHarvesterOps = {"*",      "create_vm", "delete_vm",
                                                         "get_vm", "list_vms",  "watch_vms"};
  static const std::vector<std::string> kNomadOps = {
      "*",        "list_nodes", "list_allocations", "stream_events",
      "get_node", "drain_node", "node_allocations", "purge_node"};
  std::vector<FaultSpec> out;
  int n = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < n; ++i) {
    FaultSpec f;
    f.kind = pick(rng, kKinds);
    f.pointer = "random fault " + std::to_string(i);
    f.from = between(rng, Duration(0), duration);
    if (f.kind == "agent_crash") {
      f.when = pick(rng, std::vector<std::string>{"any", "scale_in", "scale_out"});
      f.restart_after = between(rng, Sec(5), Min(10));
      out.push_back(f);
      continue;
    }
    if (f.kind == "host_maintenance") {  // one host, or an upgrade of every host in turn
      f.host = uniform(rng, 0, 1) < 0.5 ? static_cast<int>(rng() % 8) : -1;
      out.push_back(f);
      continue;
    }
    if (f.kind == "vm_restarts") {
      f.rate = uniform(rng, 0, 0.3);
      out.push_back(f);
      continue;
    }
    if (f.kind == "outage") {
      f.until = f.from + between(rng, Min(1), Min(90));
    } else if (uniform(rng, 0, 1) < 0.5) {
      f.until = f.from + between(rng, Min(10), duration);
    }
    if (f.is_api_fault()) {
      f.api = pick(rng, std::vector<std::string>{"nomad", "harvester"});
      if (f.kind != "outage") f.op = pick(rng, f.api == "nomad" ? kNomadOps : kHarvesterOps);
    }
    if (f.kind == "outage") {
      f.rate = 1;
    } else if (f.kind == "latency_spike") {
      f.latency = between(rng, Sec(1), Sec(60));
    } else if (f.kind == "api_errors") {
      f.rate = uniform(rng, 0, 0.3);
      f.timeout_rate = uniform(rng, 0, 0.1);
      f.timeout = between(rng, Sec(5), Sec(60));
      f.status = pick(rng, std::vector<ErrorKind>{ErrorKind::kUnavailable, ErrorKind::kConflict,
                                                  ErrorKind::kNotFound});
      // A watch ends dropped (unavailable) or expired (410 Gone); an event stream dropped.
      if (f.op == "watch_vms") {
        f.status = pick(rng, std::vector<ErrorKind>{ErrorKind::kUnavailable, ErrorKind::kGone});
      }
      if (f.op == "stream_events") f.status = ErrorKind::kUnavailable;
      // A 404 is a race someone else won (the VM or node is gone); an unapplied one would
      // be a lie no real server tells.
      f.applied = f.status == ErrorKind::kNotFound || uniform(rng, 0, 1) < 0.3;
    } else {
      f.rate = uniform(rng, 0, f.kind == "drain_stuck" ? 0.5 : 0.3);
    }
    out.push_back(f);
  }
  return out;
}

ChaosSummary run_chaos(const Scenario& scenario, const std::vector<Policy>& policies,
                       const Workload& workload, const ChaosOptions& options,
                       const std::function<void(std::int64_t, std::int64_t)>& progress) {
  auto started = std::chrono::steady_clock::now();
  ChaosSummary summary;
  summary.runs = options.runs;
  std::mutex mu;
  std::map<std::int64_t, nlohmann::ordered_json> failing;  // by run, the first few
  std::atomic<std::int64_t> next{0}, done{0};
  auto worker = [&] {
    for (std::int64_t i = next++; i < options.runs; i = next++) {
      Scenario s = scenario;
      s.seed = scenario.seed + static_cast<std::uint64_t>(i);
      std::mt19937_64 rng(s.seed * 0x9e3779b97f4a7c15ULL + 17);
      std::vector<FaultSpec> drawn = random_faults(rng, s.duration);
      s.faults.insert(s.faults.end(), drawn.begin(), drawn.end());
      // Half the runs also have a Nomad client of the group's class on a VM made by hand:
      // nothing may touch it (the ownership invariants).
      s.cluster.unowned_nodes += static_cast<std::int64_t>(rng() % 2);
      auto result = run_simulation(s, policies, workload);
      std::lock_guard lock(mu);
      summary.faults += static_cast<std::int64_t>(s.faults.size());
      if (!result) {
        ++summary.errors;
        if (failing.size() < options.max_examples) {
          failing[i] = {{"run", i}, {"seed", s.seed}, {"error", result.error().message}};
        }
      } else {
        const auto& r = result->report;
        summary.agent_crashes += r["faults"]["agent_crashes"].get<std::int64_t>();
        summary.host_maintenances += r["faults"]["host_maintenances"].get<std::int64_t>();
        summary.guest_restarts += r["faults"]["guest_restarts"].get<std::int64_t>();
        const auto& iv = r["invariant_violations"];
        summary.deleted_while_migrating += iv["deleted_while_migrating"].get<std::int64_t>();
        summary.volumes_left += iv["volumes_left"].get<std::int64_t>();
        std::int64_t v = r["invariant_violations"]["count"].get<std::int64_t>();
        if (v > 0) {
          summary.violations += v;
          ++summary.runs_with_violations;
          nlohmann::ordered_json faults = nlohmann::ordered_json::array();
          for (const FaultSpec& f : s.faults) faults.push_back(f.to_json());
          failing[i] = {{"run", i},
                        {"seed", s.seed},
                        {"unowned_nodes", s.cluster.unowned_nodes},
                        {"faults", faults},
                        {"violations", r["invariant_violations"]["first"]}};
          while (failing.size() > options.max_examples) failing.erase(std::prev(failing.end()));
        }
      }
      if (progress) progress(++done, options.runs);
    }
  };
  std::vector<std::thread> threads;
  unsigned n = std::max(
      1u, std::min<unsigned>(options.threads,
                             static_cast<unsigned>(std::max<std::int64_t>(1, options.runs))));
  for (unsigned t = 0; t < n; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  for (auto& [run, j] : failing) summary.first_violations.push_back(std::move(j));
  summary.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace ha
