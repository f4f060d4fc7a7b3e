// Scale latency over the wire: the HTTP clients against the mock servers on 127.0.0.1, each
// request delayed by the server (an injected latency standing in for a real API server).
// A scale-out of 50 VMs is 50 creates; a scale-in of 50 nodes is 50 drains, then 50 deletes.
// Goal (issue #6): issued in parallel, a batch takes within 1.5x of ONE request's latency.
// Counters: latency_ratio = batch wall time / single request wall time (measured here, same
// path); requests_per_second sustained by the client during the batch.
#include <benchmark/benchmark.h>

#include <future>
#include <thread>

#include "backends/api/vm_labels.h"
#include "backends/http/harvester_http_api.h"
#include "backends/http/nomad_http_api.h"
#include "mock_servers.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kDelay = 50ms;

// Both mocks over one model on a server loop; the clients on their own loop.
struct Wire {
  MockServers servers{{"", std::chrono::minutes(5), kDelay}, harvester_options()};
  static HarvesterMockServer::Options harvester_options() {
    HarvesterMockServer::Options o;
    o.delay = kDelay;
    return o;
  }
  RealtimeLoop client_loop;
  HttpTransport transport{client_loop, {}};
  std::unique_ptr<NomadHttpApi> nomad_api;
  std::unique_ptr<HarvesterHttpApi> harvester_api;
  int serial = 0;

  Wire() {
    nomad_api = std::make_unique<NomadHttpApi>(
        transport, NomadHttpApi::Options{servers.nomad_url, "", "", ""});
    harvester_api = std::make_unique<HarvesterHttpApi>(
        transport, HarvesterHttpApi::Options{servers.harvester_url, ""});
  }

  VirtualMachineSpec spec() {
    VirtualMachineSpec s;
    s.name = "bench-" + std::to_string(serial++);
    s.namespace_ = "bench";
    s.labels = {{vm_labels::kNodeGroup, "bench"}, {vm_labels::kNodeClass, "c"}};
    s.cpu_cores = 1;
    s.cpu_limit_millis = 1000;
    s.memory_bytes = 1LL << 30;
    s.run_strategy = "RerunOnFailure";
    return s;
  }
  // n VMs Running and joined, made directly in the model; returns (VM name, node ID).
  std::vector<std::pair<std::string, std::string>> running_nodes(int n) {
    std::promise<std::vector<std::pair<std::string, std::string>>> out;
    servers.server_loop.post([&] {
      std::vector<std::pair<std::string, std::string>> made;
      for (int i = 0; i < n; ++i) {
        VirtualMachineSpec s = spec();
        static_cast<void>(servers.harvester.create_running(s));
        made.emplace_back(s.name, servers.nomad.node_id_by_name(s.name).value_or(""));
      }
      out.set_value(made);
    });
    return out.get_future().get();
  }
  // Starts `n` calls with `issue(i, done)` (all at once, or each after the previous one
  // when serial) and runs the client loop until every one has answered.
  void run(int n, bool one_by_one,
           const std::function<void(int, std::function<void(bool)>)>& issue) {
    int answered = 0;
    bool failed = false;
    std::function<void(int)> start = [&](int i) {
      issue(i, [&, i](bool ok) {
        failed = failed || !ok;
        if (++answered == n) return client_loop.stop();
        if (one_by_one) start(i + 1);
      });
    };
    client_loop.post([&] {
      if (one_by_one) return start(0);
      for (int i = 0; i < n; ++i) start(i);
    });
    client_loop.run();
    if (failed) throw std::runtime_error("a request failed");
  }
  double single_create_seconds() {
    auto t0 = Clock::now();
    run(1, false, [this](int, std::function<void(bool)> done) {
      harvester_api->create_vm(spec(), [done](Result<VirtualMachine> r) { done(r.ok()); });
    });
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }
};

void report(benchmark::State& state, double seconds, double single, int requests) {
  state.SetIterationTime(seconds);
  state.counters["latency_ratio"] = seconds / single;
  state.counters["requests_per_second"] = requests / seconds;
  state.counters["single_request_ms"] = single * 1000;
}

void BM_ScaleOutCreates(benchmark::State& state) {
  Wire wire;
  const int n = static_cast<int>(state.range(0));
  const bool serial = state.range(1) != 0;
  double single = wire.single_create_seconds();
  for (auto _ : state) {
    auto t0 = Clock::now();
    wire.run(n, serial, [&wire](int, std::function<void(bool)> done) {
      wire.harvester_api->create_vm(wire.spec(),
                                    [done](Result<VirtualMachine> r) { done(r.ok()); });
    });
    report(state, std::chrono::duration<double>(Clock::now() - t0).count(), single, n);
  }
}
BENCHMARK(BM_ScaleOutCreates)
    ->ArgsProduct({{50}, {0, 1}})
    ->ArgNames({"vms", "serial"})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

void BM_ScaleInDrainsThenDeletes(benchmark::State& state) {
  Wire wire;
  const int n = static_cast<int>(state.range(0));
  double single = wire.single_create_seconds();
  for (auto _ : state) {
    auto nodes = wire.running_nodes(n);
    auto t0 = Clock::now();
    wire.run(n, false, [&](int i, std::function<void(bool)> done) {
      wire.nomad_api->drain_node(nodes[i].second, NomadDrainSpec{1min, false}, false,
                                 [done](Result<Unit> r) { done(r.ok()); });
    });
    wire.run(n, false, [&](int i, std::function<void(bool)> done) {
      wire.harvester_api->delete_vm("bench", nodes[i].first,
                                    [done](Result<Unit> r) { done(r.ok()); });
    });
    // Two rounds of requests: the goal is within 1.5x of two single requests.
    report(state, std::chrono::duration<double>(Clock::now() - t0).count(), 2 * single, 2 * n);
  }
}
BENCHMARK(BM_ScaleInDrainsThenDeletes)
    ->Arg(50)
    ->ArgName("nodes")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace ha

BENCHMARK_MAIN();
