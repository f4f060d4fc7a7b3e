// One test per fault kind: the default scenario (its first 20 h) with that fault from 3h
// to 9h. Each shows that the fault took effect, that the invariants held throughout (count
// within [min, max], no VM deleted under running work, no VM left out of service, no
// allocation lost), and that the system converged once the fault cleared: nothing failing
// logged from 10h on, scale-outs completing again, every allocation placed, the run ending
// with as many nodes as a run without faults.
#include <gtest/gtest.h>

#include <map>

#include "sim/fault_spec.h"
#include "sim/scenario_loader.h"
#include "sim/simulation.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr Time kFrom = 3h, kUntil = 9h, kSettled = 10h;

struct LogLine {
  Time at;
  LogLevel level;
  std::string message;
  std::map<std::string, std::string, std::less<>> fields;
  std::string text() const {
    std::string t = message;
    for (const auto& [k, v] : fields) t += " " + k + "=" + v;
    return t;
  }
};

class CapturingLogger final : public Logger {
 public:
  std::vector<LogLine> lines;
  void log(LogLevel level, Time when, std::string_view message,
           std::initializer_list<LogField> fields) override {
    LogLine l{when, level, std::string(message), {}};
    for (const auto& [k, v] : fields) l.fields.emplace(std::string(k), v);
    lines.push_back(std::move(l));
  }
  bool enabled(LogLevel level) const override { return level >= LogLevel::kInfo; }
};

struct FaultRun {
  json report;
  std::vector<LogLine> lines;

  // A line at `level` or above in [from, to) containing `needle`.
  bool logged(Time from, Time to, std::string_view needle, LogLevel level = LogLevel::kInfo) const {
    for (const LogLine& l : lines) {
      if (l.at >= from && l.at < to && l.level >= level &&
          l.text().find(needle) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  bool warned(Time from, Time to, std::string_view needle) const {
    return logged(from, to, needle, LogLevel::kWarn);
  }
  // Failures logged in [from, to): warnings and errors other than a scale-in reduced to fit.
  std::vector<std::string> failures(Time from, Time to) const {
    std::vector<std::string> out;
    for (const LogLine& l : lines) {
      if (l.at >= from && l.at < to && l.level >= LogLevel::kWarn &&
          l.message != "scale-in reduced") {
        out.push_back(std::to_string(to_seconds(l.at)) + " " + l.text());
      }
    }
    return out;
  }
  bool scaled_out_after(Time t) const {
    for (const LogLine& l : lines) {
      if (l.at >= t && l.message == "policy evaluated" &&
          l.text().find("running and joined") != std::string::npos &&
          l.text().find("outcome=scaled") != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  // The longest wait from "draining node" to "deleting VM" of one VM drained in [from, to).
  Duration longest_drain(Time from, Time to) const {
    std::map<std::string, Time> started;
    Duration longest{0};
    for (const LogLine& l : lines) {
      auto vm = l.fields.find("vm");
      if (vm == l.fields.end()) continue;
      if (l.message == "draining node" && l.at >= from && l.at < to) started[vm->second] = l.at;
      if (l.message == "deleting VM" && started.count(vm->second)) {
        longest = std::max(longest, l.at - started[vm->second]);
        started.erase(vm->second);
      }
    }
    return longest;
  }
};

FaultRun run_with(std::vector<FaultSpec> faults) {
  Diagnostics diags;
  std::vector<Override> none;
  auto l = load_scenario(std::string(HA_SOURCE_DIR) + "/scenarios/default.json", none, diags);
  EXPECT_TRUE(l.ok());
  l->scenario.duration = std::chrono::hours(20);  // the fault, its clearing and 11 h after
  l->scenario.faults = std::move(faults);
  CapturingLogger log;
  auto out = run_simulation(l->scenario, l->policies, l->workload, {}, &log);
  EXPECT_TRUE(out.ok()) << out.error().message;
  return {json::parse(out->report.dump()), std::move(log.lines)};
}

const FaultRun& baseline() {
  static const FaultRun run = run_with({});
  return run;
}

// The fault written as in a scenario file, its window 3h to 9h.
FaultSpec fault(const std::string& text) {
  Diagnostics diags;
  hcl_json::Reader reader("test", diags);
  json j = json::parse(text);
  if (j["kind"] != "agent_crash") {
    j["from"] = "3h";
    j["until"] = "9h";
  }
  auto specs = read_faults(json::array({j}), "/faults", reader);
  EXPECT_TRUE(diags.empty()) << diags[0].to_string();
  return specs.at(0);
}

// The checks every kind shares: invariants, convergence.
void expect_safe_and_converged(const FaultRun& run) {
  EXPECT_EQ(run.report["invariant_violations"]["count"], 0)
      << run.report["invariant_violations"].dump();
  auto late = run.failures(kSettled, Time::max());
  EXPECT_TRUE(late.empty()) << late.size() << " failures after the fault, first: " << late[0];
  EXPECT_TRUE(run.scaled_out_after(kSettled));
  EXPECT_EQ(run.report["allocations"]["never_placed"], 0);
  EXPECT_EQ(run.report["final_nodes"], baseline().report["final_nodes"]);
}

TEST(FaultKinds, LatencySpikeSlowsScaleOutsAndPasses) {
  auto run = run_with({fault(
      R"({"kind": "latency_spike", "api": "harvester", "op": "create_vm", "latency": "5m"})")});
  EXPECT_GT(run.report["faults"]["api_calls_delayed"], 10);
  EXPECT_GT(run.report["scale_out_latency_seconds"]["p95"].get<double>(),
            baseline().report["scale_out_latency_seconds"]["p95"].get<double>() + 60);
  expect_safe_and_converged(run);
}

TEST(FaultKinds, NomadTimeouts) {
  auto run = run_with({fault(R"({"kind": "api_errors", "api": "nomad", "timeout_rate": 1})")});
  EXPECT_TRUE(run.warned(kFrom, kUntil, "timed out"));
  expect_safe_and_converged(run);
}

TEST(FaultKinds, NomadOutage) {
  auto run = run_with({fault(R"({"kind": "outage", "api": "nomad"})")});
  EXPECT_TRUE(run.warned(kFrom, kUntil, "injected outage"));
  expect_safe_and_converged(run);
}

TEST(FaultKinds, HarvesterOutage) {
  auto run = run_with({fault(R"({"kind": "outage", "api": "harvester"})")});
  EXPECT_TRUE(run.warned(kFrom, kUntil, "injected outage"));
  expect_safe_and_converged(run);
}

// Watch faults: the caches lose their watch (dropped, or expired with 410), hear of changes
// late, or cannot get a node answer; the engine lists meanwhile and nothing goes wrong.
TEST(FaultKinds, WatchesExpire) {
  auto run = run_with({fault(
      R"({"kind": "api_errors", "api": "harvester", "op": "watch_vms", "error_rate": 1,
          "status": "gone"})")});
  EXPECT_GT(run.report["faults"]["api_calls_failed"], 10);
  expect_safe_and_converged(run);
}

TEST(FaultKinds, WatchesDropped) {
  auto run = run_with(
      {fault(R"({"kind": "api_errors", "api": "harvester", "op": "watch_vms", "error_rate": 1})")});
  EXPECT_GT(run.report["faults"]["api_calls_failed"], 10);
  expect_safe_and_converged(run);
}

TEST(FaultKinds, WatchEventsDelayed) {
  auto run = run_with({fault(
      R"({"kind": "latency_spike", "api": "harvester", "op": "watch_vms", "latency": "2m"})")});
  EXPECT_GT(run.report["faults"]["api_calls_delayed"], 10);
  expect_safe_and_converged(run);
}

TEST(FaultKinds, NodeQueriesFail) {
  auto run = run_with(
      {fault(R"({"kind": "api_errors", "api": "nomad", "op": "list_nodes", "error_rate": 1})")});
  EXPECT_GT(run.report["faults"]["api_calls_failed"], 10);
  expect_safe_and_converged(run);
}

TEST(FaultKinds, ConflictOnCreatesThatLanded) {
  // The VM exists though the answer was an error: found by name and adopted, not a failure.
  auto run = run_with({fault(R"({"kind": "api_errors", "api": "harvester", "op": "create_vm",
      "error_rate": 0.5, "status": "conflict", "applied": true})")});
  EXPECT_GT(run.report["faults"]["api_calls_failed"], 5);
  EXPECT_TRUE(run.logged(kFrom, kUntil, "created VM (its answer was lost)"));
  EXPECT_FALSE(run.warned(kFrom, kUntil, "VM creation failed"));
  expect_safe_and_converged(run);
}

TEST(FaultKinds, ConflictOnCreatesThatDidNotLand) {
  auto run = run_with({fault(R"({"kind": "api_errors", "api": "harvester", "op": "create_vm",
      "error_rate": 0.5, "status": "conflict"})")});
  EXPECT_TRUE(run.warned(kFrom, kUntil, "VM creation failed"));
  EXPECT_FALSE(run.logged(kFrom, kUntil, "its answer was lost"));
  expect_safe_and_converged(run);
}

TEST(FaultKinds, NotFoundOnDeletesThatLanded) {
  auto run = run_with({fault(R"({"kind": "api_errors", "api": "harvester", "op": "delete_vm",
      "error_rate": 0.5, "status": "not_found", "applied": true})")});
  EXPECT_GT(run.report["faults"]["api_calls_failed"], 10);
  expect_safe_and_converged(run);
}

TEST(FaultKinds, NotFoundOnDeletesThatDidNot) {
  // The VM is still there though the answer says it is gone: its node is not purged (the
  // VM never went), so reconcile finds it drained and ready and returns it to service.
  auto run = run_with({fault(R"({"kind": "api_errors", "api": "harvester", "op": "delete_vm",
      "error_rate": 0.5, "status": "not_found"})")});
  EXPECT_GT(run.report["faults"]["api_calls_failed"], 10);
  EXPECT_TRUE(run.warned(kFrom, kSettled, "reconcile: rolling back an unfinished scale-in"));
  expect_safe_and_converged(run);
}

TEST(FaultKinds, NotFoundOnDrainsThatLanded) {
  auto run = run_with({fault(R"({"kind": "api_errors", "api": "nomad", "op": "drain_node",
      "error_rate": 0.5, "status": "not_found", "applied": true})")});
  EXPECT_TRUE(run.warned(kFrom, kUntil, "drain failed; retrying"));
  expect_safe_and_converged(run);
}

TEST(FaultKinds, VmsStuckStarting) {
  auto run = run_with({fault(R"({"kind": "vm_stuck_starting", "rate": 1})")});
  EXPECT_TRUE(run.warned(kFrom, kUntil, "node group backed off"));
  expect_safe_and_converged(run);
}

TEST(FaultKinds, VmsUnschedulable) {
  auto run = run_with({fault(R"({"kind": "vm_unschedulable", "rate": 1})")});
  EXPECT_TRUE(run.warned(kFrom, kUntil, "node group backed off"));
  expect_safe_and_converged(run);
}

TEST(FaultKinds, NodesThatNeverJoin) {
  auto run = run_with({fault(R"({"kind": "node_never_joins", "rate": 1})")});
  EXPECT_TRUE(run.warned(kFrom, kUntil, "node group backed off"));
  expect_safe_and_converged(run);
}

TEST(FaultKinds, DrainsThatNeverFinishEndAtTheirDeadline) {
  auto run = run_with({fault(R"({"kind": "drain_stuck", "rate": 1})")});
  EXPECT_GE(run.longest_drain(kFrom, kUntil), 9min);  // the policy's drain deadline: 10m
  EXPECT_LT(baseline().longest_drain(kFrom, kUntil), 1min);
  EXPECT_LT(run.longest_drain(kSettled, Time::max()), 1min);
  expect_safe_and_converged(run);
}

TEST(FaultKinds, AgentCrashDuringAScaleOut) {
  auto run = run_with({fault(R"({"kind": "agent_crash", "at": "4h", "when": "scale_out",
                          "restart_after": "2m"})")});
  EXPECT_EQ(run.report["faults"]["agent_crashes"], 1);
  expect_safe_and_converged(run);
}

}  // namespace
}  // namespace ha
