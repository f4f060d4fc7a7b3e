// Shared fixture: the Harvester target on the in-memory Nomad and Harvester models, on
// simulated time, with fault injection on both APIs.
#pragma once

#include <gtest/gtest.h>

#include "backends/api/vm_labels.h"
#include "backends/memory/harvester_memory_api.h"
#include "backends/memory/nomad_memory_api.h"
#include "engine/harvester/harvester_target.h"
#include "harvester_test_cluster.h"
#include "sim/simulated_loop.h"

namespace ha::testing {

using namespace std::chrono_literals;

struct HarvesterTargetTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel nomad{loop};
  HarvesterModelConfig harvester_config = [] {
    HarvesterModelConfig c;
    c.provision = Latency::constant(10s);
    c.boot = Latency::constant(60s);
    c.nomad_join = Latency::constant(15s);
    c.terminate = Latency::constant(20s);
    c.max_vms = 20;
    return c;
  }();
  HarvesterModel harvester{loop, &nomad, harvester_config};
  bool seeded = (seed_test_cluster(harvester), true);
  FaultInjector faults;
  NomadMemoryApi nomad_api{loop, nomad, Latency::constant(100ms), &faults};
  HarvesterMemoryApi harvester_api{loop, harvester, Latency::constant(1s), &faults};
  NullLogger log;
  HarvesterTarget target{loop, nomad_api, harvester_api, log};
  HarvesterTarget* subject = &target;  // what status() and scale() drive
  PluginConfig config{{"node_group_name", "web"},    {"node_class", "hashistack"},
                      {"namespace", "nomad"},        {"cpu_request", "4"},
                      {"memory_request", "8Gi"},     {"image", kTestImage},
                      {"node_drain_deadline", "5m"}, {"node_selector_strategy", "least_busy"}};

  Result<TargetStatus> status() {
    std::optional<Result<TargetStatus>> out;
    subject->status(config, [&](Result<TargetStatus> r) { out = std::move(r); });
    while (!out && loop.step()) {
    }
    return std::move(*out);
  }
  Result<ScaleResult> scale(std::int64_t count, std::int64_t min = 0, std::int64_t max = 100,
                            bool dry_run = false) {
    std::optional<Result<ScaleResult>> out;
    start_scale(count, min, max, dry_run, out);
    while (!out && loop.step()) {
    }
    return std::move(*out);
  }
  void start_scale(std::int64_t count, std::int64_t min, std::int64_t max, bool dry_run,
                   std::optional<Result<ScaleResult>>& out) {
    ScaleRequest request;
    request.action.count = count;
    request.action.direction = Direction::kUp;
    request.min = min;
    request.max = max;
    request.dry_run = dry_run;
    subject->scale(request, config, [&out](Result<ScaleResult> r) { out = std::move(r); });
  }
  // A group of `n` joined nodes, ready for work.
  void grow_to(std::int64_t n) {
    auto r = scale(n);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  std::vector<std::string> vm_names() {
    std::vector<std::string> out;
    auto vms = harvester.list("nomad", "");
    for (const auto& vm : *vms) out.push_back(vm->spec.name);
    return out;
  }
};

}  // namespace ha::testing
