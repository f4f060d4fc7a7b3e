// Namespaces, as Nomad's HTTP API serves them: a list without `namespace` shows the default
// namespace only, `namespace=*` every one (command/agent/http.go parseNamespace;
// nomad/alloc_endpoint.go, job_endpoint.go, eval_endpoint.go); the event stream without it
// shows the default namespace and the events of no namespace (nomad/stream/subscription.go).
// The clients must read every namespace: work outside "default" is work on the pool.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <thread>
#include "backends/mock_server/nomad_mock_server.h"
#include "nomad_contract_fixture.h"

namespace ha::testing {
namespace {

// The contract cluster, plus a batch job in "analytics" (placed) and a job too large for
// any node in "ml" (blocked).
void add_namespaced_jobs(NomadModel& m) {
  NomadJobSpec etl{"etl", "batch", {{"step", 1, 500, 256, std::chrono::hours(1)}}, "analytics"};
  static_cast<void>(m.register_job(etl));
  NomadJobSpec train{"train", "service", {{"gpu", 1, 64000, 256, std::nullopt}}, "ml"};
  static_cast<void>(m.register_job(train));
}

class NomadNamespaces : public NomadContract {
 protected:
  void SetUp() override {
    start([this](NomadModel& m) {
      cluster.build(m);
      add_namespaced_jobs(m);
    });
  }
};

TEST_P(NomadNamespaces, AllocationsOfEveryNamespaceAreRead) {
  run_until([] { return true; });
  auto listed = sync<AllocationListAt>(
      [](NomadApi& api, Done<AllocationListAt> d) { api.watch_allocations(0, 5s, d); });
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  std::map<std::string, std::string> ns_of;  // job -> namespace
  for (const auto& a : listed->allocations) ns_of[a.job_id] = a.namespace_;
  ASSERT_EQ(ns_of.size(), 2u) << "api and etl";
  EXPECT_EQ(ns_of["etl"], "analytics");
  EXPECT_TRUE(ns_of["api"] == "default" || ns_of["api"].empty());
}

TEST_P(NomadNamespaces, JobsAndBlockedEvaluationsOfEveryNamespaceAreRead) {
  auto jobs = sync<std::vector<NomadJobSummary>>(
      [](NomadApi& api, Done<std::vector<NomadJobSummary>> d) { api.list_jobs(d); });
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  std::map<std::string, std::string> ns_of;
  for (const auto& j : *jobs) ns_of[j.job_id] = j.namespace_;
  EXPECT_EQ(ns_of, (std::map<std::string, std::string>{
                       {"api", "default"}, {"etl", "analytics"}, {"train", "ml"}}));
  auto evals =
      sync<std::vector<NomadEvaluation>>([](NomadApi& api, Done<std::vector<NomadEvaluation>> d) {
        api.list_evaluations("blocked", d);
      });
  ASSERT_TRUE(evals.ok()) << evals.error().message;
  ASSERT_EQ(evals->size(), 1u);
  EXPECT_EQ(evals->at(0).job_id, "train");
  EXPECT_EQ(evals->at(0).namespace_, "ml");
}

TEST_P(NomadNamespaces, TheEventStreamCarriesEveryNamespace) {
  std::vector<NomadEvent> events;
  std::size_t frames = 0;
  std::unique_ptr<WatchHandle> handle;
  backend->loop().post([&] {
    handle = backend->api().stream_events(
        {"Allocation"}, 0,
        [&](const NomadEventFrame& f) {
          ++frames;
          events.insert(events.end(), f.events.begin(), f.events.end());
        },
        [](Result<Unit>) {});
  });
  // A stream from index 0 starts now: the server's first heartbeat says it has subscribed
  // (over HTTP that can take a while under a sanitizer), and only later work is its to see.
  run_until([&] { return frames > 0; });
  ASSERT_GT(frames, 0u) << "no first heartbeat";
  // More work in "analytics": its placement is an event of that namespace.
  auto scaled = sync<Unit>(
      [](NomadApi& api, Done<Unit> d) { api.scale_job("etl", "step", 2, "test", "analytics", d); });
  ASSERT_TRUE(scaled.ok()) << scaled.error().message;
  run_until([&] {
    return std::any_of(events.begin(), events.end(),
                       [](const NomadEvent& e) { return e.namespace_ == "analytics"; });
  });
  bool seen = std::any_of(events.begin(), events.end(), [](const NomadEvent& e) {
    return e.namespace_ == "analytics" && e.allocation && e.allocation->job_id == "etl";
  });
  EXPECT_TRUE(seen) << events.size() << " events, none of namespace analytics";
  backend->loop().post([&] { handle.reset(); });
  run_until([] { return true; });
}

INSTANTIATE_TEST_SUITE_P(Backends, NomadNamespaces, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

// The mock server itself: without `namespace`, a list is of the default namespace only.
TEST(MockNomadNamespaces, ListsWithoutANamespaceShowTheDefaultOne) {
  RealtimeLoop loop;
  NomadModel model{loop};
  static_cast<void>(model.register_node({"web-1", "hashistack", "dc1", "default", 4000, 8192, {}}));
  static_cast<void>(model.register_job({"api", "service", {{"g", 1, 500, 256, std::nullopt}}}));
  add_namespaced_jobs(model);
  std::thread thread([&] { loop.run(); });
  NomadMockServer server(loop, model, {});
  auto port = server.start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.error().message;
  httplib::Client client("127.0.0.1", *port);
  auto count = [&](const std::string& path) {
    auto res = client.Get(path);
    return res && res->status == 200 ? nlohmann::json::parse(res->body).size() : 999u;
  };
  EXPECT_EQ(count("/v1/allocations"), 1u);
  EXPECT_EQ(count("/v1/allocations?namespace=*"), 2u);
  EXPECT_EQ(count("/v1/allocations?namespace=analytics"), 1u);
  EXPECT_EQ(count("/v1/jobs"), 1u);
  EXPECT_EQ(count("/v1/jobs?namespace=*"), 3u);
  EXPECT_EQ(count("/v1/evaluations?status=blocked"), 0u);
  EXPECT_EQ(count("/v1/evaluations?status=blocked&namespace=ml"), 1u);
  server.stop();
  loop.stop();
  thread.join();
}

}  // namespace
}  // namespace ha::testing
