// Wire cost of evaluating Harvester policies at scale: what an evaluation's reads cost Nomad
// and Harvester, listing at each one (cluster_state = "list") or from the caches (the
// default "watch": a VM watch, blocking node queries, the allocation event stream).
// 2,000 Running VMs and their Nomad nodes running 4,000 allocations, three policies (node
// groups of ~667, one node class each) behind the mock servers on 127.0.0.1; the HTTP
// clients count requests and the bytes of every answer. Each iteration is one evaluation
// round: per policy, its check's nomad-apm query (percentage-allocated_cpu of its class)
// and the target's status.
// Counters, per evaluation (one policy's metric and status):
//   harvester_requests, harvester_bytes, nomad_requests, nomad_bytes: in the round itself;
//   nomad_bytes_amortized: plus the caches' periodic full answers: a blocking query answers
//     unchanged every 5 min (one node list per class per 30 evaluations at the usual 10 s
//     interval), and the allocation cache lists again every 30 min (one list per 540
//     evaluations, the three policies sharing it); the stream's heartbeats ({} every 30 s)
//     are counted as they come;
//   node_lists_bytes, allocation_list_bytes: those full answers' sizes, once each;
//   harvester_bytes_amortized: plus the VM cache's resync list (one per group per 30 min);
//     the watch's bookmarks are a few hundred bytes a minute;
//   bytes_amortized: both APIs, amortized;
//   first_round_requests, first_round_bytes: the first round, as an agent starts (watch:
//     its caches' first lists, which the round waits for, bounded, rather than read each
//     node).
// Goal (issue #15): no full list in steady state, at least 100x fewer bytes than listing.
#include <benchmark/benchmark.h>

#include <future>
#include <thread>

#include "backends/api/vm_labels.h"
#include "backends/http/harvester_http_api.h"
#include "backends/http/nomad_http_api.h"
#include "base/log.h"
#include "engine/harvester/group_config.h"
#include "engine/harvester/harvester_target.h"
#include "engine/nomad/nomad_apm.h"
#include "mock_servers.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

constexpr int kVms = 2000;
constexpr int kPolicies = 3;
constexpr double kEvaluationsPerWait = 30;     // 5 min of blocking wait / 10 s interval
constexpr double kEvaluationsPerResync = 180;  // the caches' 30 min resync lists / 10 s

std::string group_name(int i) {
  return "group-" + std::to_string(i);
}

struct Cluster {
  MockServers servers{{}, {}};
  RealtimeLoop client_loop;
  HttpTransport nomad_transport{client_loop, {}};
  HttpTransport harvester_transport{client_loop, {}};
  std::unique_ptr<NomadHttpApi> nomad_api;
  std::unique_ptr<HarvesterHttpApi> harvester_api;
  std::unique_ptr<ClusterCaches> caches;
  NullLogger log;
  std::unique_ptr<HarvesterTarget> target;
  std::unique_ptr<NomadApmSource> apm;
  std::vector<PluginConfig> policies;

  explicit Cluster(bool watch) {
    std::promise<void> made;
    servers.server_loop.post([&] {
      for (int i = 0; i < kVms; ++i) {
        VirtualMachineSpec s;
        int g = i % kPolicies;
        s.name = group_name(g) + "-" + std::to_string(i);
        s.namespace_ = "nomad";
        s.labels = {{vm_labels::kNodeGroup, group_name(g)},
                    {vm_labels::kNodeClass, "class-" + std::to_string(g)}};
        s.cpu_cores = 4;
        s.memory_bytes = 8LL << 30;
        // The guest's Nomad client takes its class from the user data, as the target writes it.
        HarvesterGroupConfig group;
        group.node_group = group_name(g);
        group.node_class = "class-" + std::to_string(g);
        group.namespace_ = "nomad";
        s.user_data = render_user_data(group, s.name);
        static_cast<void>(servers.harvester.create_running(s));
      }
      // Two allocations per node.
      static_cast<void>(servers.nomad.register_job(
          {"work", "service", {{"web", 2 * kVms, 1000, 1024, std::nullopt}}}));
      made.set_value();
    });
    made.get_future().get();
    nomad_api = std::make_unique<NomadHttpApi>(
        nomad_transport, NomadHttpApi::Options{servers.nomad_url, "", "", ""});
    harvester_api = std::make_unique<HarvesterHttpApi>(
        harvester_transport, HarvesterHttpApi::Options{servers.harvester_url, ""});
    HarvesterTarget::Options o;
    if (watch) {
      caches = std::make_unique<ClusterCaches>(client_loop, *harvester_api, *nomad_api,
                                               ClusterCaches::Options{});
      o.caches = caches.get();
    }
    target = std::make_unique<HarvesterTarget>(client_loop, *nomad_api, *harvester_api, log, o);
    apm = std::make_unique<NomadApmSource>(client_loop, *nomad_api, caches.get());
    for (int g = 0; g < kPolicies; ++g) {
      policies.push_back({{"node_group_name", group_name(g)},
                          {"node_class", "class-" + std::to_string(g)},
                          {"namespace", "nomad"},
                          {"cpu_request", "4"},
                          {"memory_request", "8Gi"},
                          {"image", "default/image-bench"}});
    }
  }
  ~Cluster() {
    std::promise<void> stopped;
    client_loop.post([&] {
      if (caches) caches->stop();
      stopped.set_value();
    });
    std::thread client([this] { client_loop.run(); });
    stopped.get_future().get();
    client_loop.stop();
    client.join();
    target.reset();
    caches.reset();
  }

  // Per policy its metric and its status; runs the client loop until all answered. False
  // on an error or a wrong answer.
  std::string failure;  // the first failed answer's
  bool evaluate_round() {
    int answered = 0;
    bool ok = true;
    client_loop.post([&] {
      for (const PluginConfig& p : policies) {
        apm->query(
            "percentage-allocated_cpu/node_class=" + p.at("node_class"), {},
            [&](Result<TimeSeries> m) {
              // About 25 (2 x 1000 of 8000 MHz a node), as binpack placed them.
              bool good = m.ok() && !m->empty() && m->back().value > 20 && m->back().value < 30;
              if (!good && ok) {
                failure = m.ok() ? "metric " + std::to_string(m->empty() ? -1.0 : m->back().value)
                                 : m.error().message;
              }
              ok = ok && good;
              if (++answered == 2 * kPolicies) client_loop.stop();
            });
        target->status(p, [&](Result<TargetStatus> s) {
          bool good = s.ok() && (s->count == kVms / kPolicies || s->count == kVms / kPolicies + 1);
          if (!good && ok) {
            failure = s.ok() ? "count " + std::to_string(s->count) : s.error().message;
          }
          ok = ok && good;
          if (++answered == 2 * kPolicies) client_loop.stop();
        });
      }
    });
    client_loop.run();
    return ok;
  }
  // Runs the client loop for `d` (the caches' list and watches land meanwhile).
  void run_for(std::chrono::milliseconds d) {
    client_loop.post([this, d] { client_loop.after(d, [this] { client_loop.stop(); }); });
    client_loop.run();
  }
  // Every group's VM list, as the VM caches' resync takes it.
  void list_vms_of_each_group() {
    int answered = 0;
    client_loop.post([&] {
      for (int g = 0; g < kPolicies; ++g) {
        harvester_api->list_vms("nomad", vm_labels::group_selector(group_name(g)),
                                [&](Result<VmList>) {
                                  if (++answered == kPolicies) client_loop.stop();
                                });
      }
    });
    client_loop.run();
  }
  // The full answers of the node caches' blocking queries: a node list per class.
  void list_nodes_of_each_class() {
    int answered = 0;
    client_loop.post([&] {
      for (int g = 0; g < kPolicies; ++g) {
        nomad_api->watch_nodes({"class-" + std::to_string(g), "", ""}, 0, 1s,
                               [&](Result<NodeListAt>) {
                                 if (++answered == kPolicies) client_loop.stop();
                               });
      }
    });
    client_loop.run();
  }
  // The allocation cache's list (at its start and each resync).
  void list_allocations() {
    client_loop.post([&] {
      nomad_api->watch_allocations(0, 1s, [&](Result<AllocationListAt>) { client_loop.stop(); });
    });
    client_loop.run();
  }
  bool caches_usable() {
    bool all = true;
    client_loop.post([&] {
      for (const auto& s : caches->states()) all = all && s.usable;
      client_loop.stop();
    });
    client_loop.run();
    return all;
  }
};

void BM_StatusWireCost(benchmark::State& state) {
  bool watch = state.range(0) == 1;
  Cluster cluster(watch);
  // The first round, as an agent starts: its caches (watch) on their first lists.
  if (!cluster.evaluate_round()) {
    state.SkipWithError(("an evaluation failed: " + cluster.failure).c_str());
    return;
  }
  state.counters["first_round_requests"] = static_cast<double>(
      cluster.harvester_transport.attempts() + cluster.nomad_transport.attempts());
  state.counters["first_round_bytes"] = static_cast<double>(
      cluster.harvester_transport.bytes_received() + cluster.nomad_transport.bytes_received());
  for (int i = 0; watch && !cluster.caches_usable() && i < 200; ++i) cluster.run_for(50ms);
  cluster.run_for(200ms);
  std::uint64_t h_requests = cluster.harvester_transport.attempts();
  std::uint64_t h_bytes = cluster.harvester_transport.bytes_received();
  std::uint64_t n_requests = cluster.nomad_transport.attempts();
  std::uint64_t n_bytes = cluster.nomad_transport.bytes_received();
  std::int64_t rounds = 0;
  for (auto _ : state) {
    if (!cluster.evaluate_round()) {
      state.SkipWithError(("an evaluation failed: " + cluster.failure).c_str());
      return;
    }
    ++rounds;
  }
  double evaluations = static_cast<double>(rounds * kPolicies);
  double nomad_bytes = static_cast<double>(cluster.nomad_transport.bytes_received() - n_bytes);
  double harvester_bytes =
      static_cast<double>(cluster.harvester_transport.bytes_received() - h_bytes);
  state.counters["harvester_requests"] =
      static_cast<double>(cluster.harvester_transport.attempts() - h_requests) / evaluations;
  state.counters["harvester_bytes"] = harvester_bytes / evaluations;
  state.counters["nomad_requests"] =
      static_cast<double>(cluster.nomad_transport.attempts() - n_requests) / evaluations;
  state.counters["nomad_bytes"] = nomad_bytes / evaluations;
  if (watch) {
    // One full node answer per class per kEvaluationsPerWait evaluations of its policy, one
    // allocation list per kEvaluationsPerResync rounds: their sizes, measured here.
    std::uint64_t before = cluster.nomad_transport.bytes_received();
    cluster.list_nodes_of_each_class();
    double node_lists = static_cast<double>(cluster.nomad_transport.bytes_received() - before);
    before = cluster.nomad_transport.bytes_received();
    cluster.list_allocations();
    double allocation_list = static_cast<double>(cluster.nomad_transport.bytes_received() - before);
    state.counters["node_lists_bytes"] = node_lists;
    state.counters["allocation_list_bytes"] = allocation_list;
    state.counters["nomad_bytes_amortized"] = nomad_bytes / evaluations +
                                              node_lists / kPolicies / kEvaluationsPerWait +
                                              allocation_list / kPolicies / kEvaluationsPerResync;
    before = cluster.harvester_transport.bytes_received();
    cluster.list_vms_of_each_group();
    double vm_lists = static_cast<double>(cluster.harvester_transport.bytes_received() - before);
    state.counters["harvester_bytes_amortized"] =
        harvester_bytes / evaluations + vm_lists / kPolicies / kEvaluationsPerResync;
  } else {
    state.counters["nomad_bytes_amortized"] = nomad_bytes / evaluations;
    state.counters["harvester_bytes_amortized"] = harvester_bytes / evaluations;
  }
  state.counters["bytes_amortized"] = state.counters["nomad_bytes_amortized"].value +
                                      state.counters["harvester_bytes_amortized"].value;
  state.SetLabel(watch ? "watch" : "list");
}
BENCHMARK(BM_StatusWireCost)->Arg(0)->Arg(1)->Iterations(5)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ha

BENCHMARK_MAIN();
