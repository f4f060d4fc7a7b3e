// The mock Nomad server on 127.0.0.1: Nomad's paths, JSON field names, headers, status codes
// and plain-text errors, checked with a plain HTTP client and against the reference examples.
#include "backends/mock_server/nomad_mock_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <set>
#include <thread>

#include "backends/wire/nomad_json.h"
#include "nomad_reference.h"

namespace ha {
namespace {

using nlohmann::json;
using testing::nomad_reference;
using namespace std::chrono_literals;

std::set<std::string> keys(const json& j) {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items()) out.insert(k);
  return out;
}

struct MockNomadTest : ::testing::Test {
  RealtimeLoop loop;
  NomadModel model{loop};
  std::unique_ptr<NomadMockServer> server;
  std::thread loop_thread;
  std::unique_ptr<httplib::Client> client;
  std::string node_a, node_b;

  FaultInjector faults;

  void start(std::string token = "") {
    node_a = model.register_node({"web-1", "hashistack", "dc1", "default", 4000, 8192, {}});
    node_b = model.register_node({"web-2", "hashistack", "dc1", "default", 4000, 8192, {}});
    static_cast<void>(model.register_job({"api", "service", {{"g", 2, 500, 256, std::nullopt}}}));
    loop_thread = std::thread([this] { loop.run(); });
    NomadMockServer::Options options{token};
    options.faults = &faults;
    server = std::make_unique<NomadMockServer>(loop, model, options);
    auto port = server->start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.error().message;
    client = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }
  void TearDown() override {
    if (server) server->stop();
    loop.stop();
    if (loop_thread.joinable()) loop_thread.join();
  }
  httplib::Result put(const std::string& path, const json& body) {
    return client->Put(path, body.dump(), "application/json");
  }
};

TEST_F(MockNomadTest, ListsNodesAsNodeListStubs) {
  start();
  auto res = client->Get("/v1/nodes");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_FALSE(res->get_header_value("X-Nomad-Index").empty());
  EXPECT_EQ(res->get_header_value("X-Nomad-KnownLeader"), "true");
  json body = json::parse(res->body);
  ASSERT_EQ(body.size(), 2u);
  // Same field names as Nomad's own NodeListStub (the reference example), nothing invented.
  std::set<std::string> want = keys(nomad_reference("node-list.json")[0]);
  for (const auto& k : keys(body[0])) EXPECT_TRUE(want.count(k)) << k;
  EXPECT_EQ(body[0]["SchedulingEligibility"], "eligible");
  auto stub = nomad_json::read_node_stub(body[1]);
  ASSERT_TRUE(stub.ok()) << stub.error().message;
  EXPECT_EQ(stub->id, node_b);
  EXPECT_EQ(stub->name, "web-2");
  EXPECT_EQ(stub->node_class, "hashistack");

  auto named = client->Get("/v1/nodes", httplib::Params{{"filter", "Name == \"web-2\""}}, {});
  ASSERT_TRUE(named);
  EXPECT_EQ(json::parse(named->body).size(), 1u);
  auto bad = client->Get("/v1/nodes", httplib::Params{{"filter", "Status != \"x\""}}, {});
  EXPECT_EQ(bad->status, 400);
}

TEST_F(MockNomadTest, ReadsANodeAndAnswersUnknownOnesAsNomadDoes) {
  start();
  auto res = client->Get("/v1/node/" + node_a);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json body = json::parse(res->body);
  std::set<std::string> want = keys(nomad_reference("node.json"));
  for (const auto& k : keys(body)) EXPECT_TRUE(want.count(k)) << k;
  auto node = nomad_json::read_node(body);
  ASSERT_TRUE(node.ok()) << node.error().message;
  EXPECT_EQ(node->cpu_mhz, 4000);
  EXPECT_EQ(node->memory_mb, 8192);
  EXPECT_EQ(node->meta.at("unique.hostname"), "web-1");

  auto missing = client->Get("/v1/node/00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, "node not found");
  EXPECT_EQ(missing->get_header_value("Content-Type"), "text/plain; charset=utf-8");
}

TEST_F(MockNomadTest, DrainsThroughTheWireAndReportsItOnTheNode) {
  start();
  json request = nomad_json::drain_request(
      node_a, NomadDrainSpec{1h, true, {{"harvester-autoscaler/node-group", "web"}}}, false);
  EXPECT_EQ(keys(request), keys(nomad_reference("drain-request.json")));
  EXPECT_EQ(request["Meta"]["harvester-autoscaler/node-group"], "web");
  auto res = put("/v1/node/" + node_a + "/drain", request);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(keys(json::parse(res->body)), keys(nomad_reference("drain-response.json")));
  json node = json::parse(client->Get("/v1/node/" + node_a)->body);
  EXPECT_EQ(node["SchedulingEligibility"], "ineligible");
  // The drain's Meta is kept as LastDrain.Meta, on the node and on its list stub.
  EXPECT_EQ(node["LastDrain"]["Meta"]["harvester-autoscaler/node-group"], "web");
  auto listed = nomad_json::read_node_stub(json::parse(client->Get("/v1/nodes")->body)[0]);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(listed->last_drain_meta.at("harvester-autoscaler/node-group"), "web");
  // Its service allocations migrate at once, so the drain may already be over.
  if (node["DrainStrategy"].is_null()) {
    EXPECT_EQ(node["Drain"], false);
    EXPECT_EQ(node["LastDrain"]["Status"], "complete");
  } else {
    EXPECT_EQ(node["Drain"], true);
    EXPECT_EQ(node["DrainStrategy"]["Deadline"].get<std::int64_t>(), 3'600'000'000'000);
  }

  auto cancel = put("/v1/node/" + node_a + "/drain", nomad_json::drain_request(node_a, {}, true));
  ASSERT_EQ(cancel->status, 200);
  auto read = nomad_json::read_node(json::parse(client->Get("/v1/node/" + node_a)->body));
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->drain_strategy.has_value());
  EXPECT_EQ(read->last_drain_status, node["DrainStrategy"].is_null() ? "complete" : "canceled");
  EXPECT_EQ(read->scheduling_eligibility, "eligible");

  auto empty = client->Put("/v1/node/" + node_a + "/drain", "", "application/json");
  EXPECT_EQ(empty->status, 400);
  EXPECT_EQ(empty->body, "Request body is empty");
  auto unknown = put("/v1/node/nope/drain", request);
  EXPECT_EQ(unknown->status, 500);  // an RPC error in Nomad, not a 404
}

TEST_F(MockNomadTest, EligibilityPurgeAndAllocations) {
  start();
  auto allocs = client->Get("/v1/node/" + node_a + "/allocations");
  ASSERT_EQ(allocs->status, 200);
  json list = json::parse(allocs->body);
  for (const auto& a : list) {
    auto read = nomad_json::read_allocation(a);
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(read->job_type, "service");
    EXPECT_EQ(read->cpu_mhz, 500);  // Resources.CPU, which the Nomad Autoscaler reads
  }
  EXPECT_EQ(json::parse(client->Get("/v1/node/nope/allocations")->body), json::array());
  auto off = put("/v1/node/" + node_b + "/eligibility", {{"Eligibility", "ineligible"}});
  ASSERT_EQ(off->status, 200);
  EXPECT_EQ(json::parse(client->Get("/v1/node/" + node_b)->body)["SchedulingEligibility"],
            "ineligible");
  auto bad = put("/v1/node/" + node_b + "/eligibility", {{"Eligibility", "maybe"}});
  EXPECT_EQ(bad->status, 500);
  EXPECT_EQ(bad->body, "invalid scheduling eligibility \"maybe\"");
  ASSERT_EQ(client->Post("/v1/node/" + node_b + "/purge")->status, 200);
  EXPECT_EQ(json::parse(client->Get("/v1/nodes")->body).size(), 1u);
}

TEST_F(MockNomadTest, MetricsAsTheInMemorySinkAndAsPrometheusText) {
  start();
  auto r = client->Get("/v1/metrics");
  ASSERT_EQ(r->status, 200);
  json m = json::parse(r->body);
  EXPECT_EQ(keys(m), keys(nomad_reference("metrics.json")));
  double allocated = 0, unallocated = 0;
  for (const json& g : m["Gauges"]) {
    EXPECT_EQ(keys(g), keys(nomad_reference("metrics.json")["Gauges"][0]));
    if (g["Name"] == "nomad.client.allocated.cpu") allocated += g["Value"].get<double>();
    if (g["Name"] == "nomad.client.unallocated.cpu") unallocated += g["Value"].get<double>();
  }
  EXPECT_EQ(allocated, 2 * 500);  // the two allocations of "api"
  EXPECT_EQ(allocated + unallocated, 2 * 4000);
  auto text = client->Get("/v1/metrics?format=prometheus");
  ASSERT_EQ(text->status, 200);
  EXPECT_EQ(text->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(text->body.find("# TYPE nomad_client_allocated_cpu gauge\n"), std::string::npos);
  EXPECT_NE(text->body.find("nomad_client_unallocated_memory{datacenter=\"dc1\",host=\"web-1\""),
            std::string::npos)
      << text->body;
  EXPECT_EQ(client->Get("/v1/metrics?format=xml")->status, 400);
}

TEST_F(MockNomadTest, ScalesAJobTaskGroup) {
  start();
  auto status = client->Get("/v1/job/api/scale");
  ASSERT_EQ(status->status, 200);
  json body = json::parse(status->body);
  EXPECT_EQ(keys(body), keys(nomad_reference("job-scale-status.json")));
  auto read = nomad_json::read_job_scale_status(body);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->task_groups.at("g").desired, 2);

  json request = nomad_json::scaling_request("api", "g", 3, "scaling up", "default");
  for (const auto& k : keys(request))
    EXPECT_TRUE(keys(nomad_reference("job-scale-request.json")).count(k)) << k;
  auto scaled = put("/v1/job/api/scale", request);
  ASSERT_EQ(scaled->status, 200) << scaled->body;
  EXPECT_FALSE(scaled->get_header_value("X-Nomad-Index").empty());
  EXPECT_EQ(json::parse(client->Get("/v1/job/api/scale")->body)["TaskGroups"]["g"]["Desired"], 3);

  EXPECT_EQ(put("/v1/job/nope/scale", nomad_json::scaling_request("nope", "g", 1, "", ""))->status,
            404);
  EXPECT_EQ(client->Get("/v1/job/nope/scale")->body, "job not found");
  auto group = put("/v1/job/api/scale", nomad_json::scaling_request("api", "x", 1, "", ""));
  EXPECT_EQ(group->status, 400);
  EXPECT_EQ(group->body, "task group \"x\" specified for scaling does not exist in job");
  auto negative = put("/v1/job/api/scale", nomad_json::scaling_request("api", "g", -1, "", ""));
  EXPECT_EQ(negative->body, "scaling action count can't be negative");
  auto mismatch = put("/v1/job/api/scale", nomad_json::scaling_request("other", "g", 1, "", ""));
  EXPECT_EQ(mismatch->body, "job ID in payload did not match URL");
}

TEST_F(MockNomadTest, ChecksTheTokenWhenOneIsSet) {
  start("s3cret");
  auto none = client->Get("/v1/nodes");
  EXPECT_EQ(none->status, 403);
  EXPECT_EQ(none->body, "Permission denied");
  auto wrong = client->Get("/v1/nodes", {{"X-Nomad-Token", "guess"}});
  EXPECT_EQ(wrong->status, 403);
  EXPECT_EQ(wrong->body, "ACL token not found");
  EXPECT_EQ(client->Get("/v1/nodes", {{"X-Nomad-Token", "s3cret"}})->status, 200);
  EXPECT_EQ(client->Get("/v1/nodes", {{"Authorization", "Bearer s3cret"}})->status, 200);
}

TEST_F(MockNomadTest, BlockingQueriesWaitForAChange) {
  start();
  auto first = client->Get("/v1/nodes");
  std::uint64_t index = std::stoull(first->get_header_value("X-Nomad-Index"));
  // Nothing changes: the answer comes after the wait, with the same index.
  auto same = client->Get("/v1/nodes?index=" + std::to_string(index) + "&wait=100ms");
  EXPECT_EQ(std::stoull(same->get_header_value("X-Nomad-Index")), index);
  // A change during the wait ends it with the new index.
  std::thread change([this] {
    std::this_thread::sleep_for(50ms);
    loop.post([this] { static_cast<void>(model.set_eligibility(node_a, false)); });
  });
  auto changed = client->Get("/v1/nodes?index=" + std::to_string(index) + "&wait=30s");
  change.join();
  EXPECT_GT(std::stoull(changed->get_header_value("X-Nomad-Index")), index);
  EXPECT_EQ(client->Get("/v1/nodes?index=x")->status, 400);
  EXPECT_EQ(client->Get("/v1/nodes?index=1&wait=soon")->body, "Invalid wait time");
}

TEST_F(MockNomadTest, ListsEveryAllocationAndBlocksOnIt) {
  start();
  auto all = client->Get("/v1/allocations");
  ASSERT_EQ(all->status, 200);
  json allocs = json::parse(all->body);
  ASSERT_EQ(allocs.size(), 2u);  // job api's group g, count 2
  std::size_t on_nodes =
      json::parse(client->Get("/v1/node/" + node_a + "/allocations")->body).size() +
      json::parse(client->Get("/v1/node/" + node_b + "/allocations")->body).size();
  EXPECT_EQ(on_nodes, 2u);
  for (const json& a : allocs) {
    EXPECT_EQ(a["JobID"], "api");
    EXPECT_EQ(a["TaskGroup"], "g");
    EXPECT_TRUE(a["NodeID"] == node_a || a["NodeID"] == node_b) << a;
    EXPECT_EQ(a["NodeName"], a["NodeID"] == node_a ? "web-1" : "web-2");
  }
  std::string id = allocs[0]["ID"];
  EXPECT_EQ(json::parse(client->Get("/v1/allocations?prefix=" + id.substr(0, 8))->body).size(), 1u);
  // List stubs: resources only when asked for, as AllocatedResources per task.
  EXPECT_FALSE(allocs[0].contains("AllocatedResources"));
  EXPECT_EQ(allocs[0]["JobType"], "service");
  json stub = json::parse(client->Get("/v1/allocations?resources=true")->body)[0];
  EXPECT_EQ(stub["AllocatedResources"]["Tasks"]["g"]["Cpu"]["CpuShares"], 500);
  EXPECT_EQ(client->Get("/v1/allocations?resources=maybe")->status, 400);
  json node = json::parse(client->Get("/v1/nodes?resources=1")->body)[0];
  EXPECT_GT(node["NodeResources"]["Cpu"]["CpuShares"].get<int>(), 0);
  EXPECT_FALSE(json::parse(client->Get("/v1/nodes")->body)[0].contains("NodeResources"));
  EXPECT_EQ(client->Get("/v1/nodes?resources=yes")->status, 400);
  std::uint64_t index = std::stoull(all->get_header_value("X-Nomad-Index"));
  std::thread change([this] {
    std::this_thread::sleep_for(50ms);
    loop.post([this] { static_cast<void>(model.scale_job("api", "g", 3)); });
  });
  auto grown = client->Get("/v1/allocations?index=" + std::to_string(index) + "&wait=30s");
  change.join();
  EXPECT_GT(std::stoull(grown->get_header_value("X-Nomad-Index")), index);
  EXPECT_EQ(json::parse(grown->body).size(), 3u);
}

// Injected faults answer as a failing Nomad: the status, a plain-text message, and for an
// applied fault the change made all the same.
TEST_F(MockNomadTest, InjectedFaultsAnswerWithTheirStatusAndAppliedOnesChangeTheModel) {
  start();
  FaultRule refuse;
  refuse.error_rate = 1;
  auto id = faults.add_rule("drain_node", refuse);
  json drain = {{"DrainSpec", {{"Deadline", 60000000000}}}};
  auto r = put("/v1/node/" + node_a + "/drain", drain);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("injected"), std::string::npos);
  auto eligibility = [this] {
    auto n = client->Get("/v1/node/" + node_a);
    return n ? json::parse(n->body)["SchedulingEligibility"].get<std::string>() : "";
  };
  EXPECT_EQ(eligibility(), "eligible");  // not applied
  faults.remove_rule(id);

  FaultRule lost = refuse;
  lost.kind = ErrorKind::kConflict;
  lost.applied = true;
  faults.add_rule("drain_node", lost);
  r = put("/v1/node/" + node_a + "/drain", drain);
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 409);
  EXPECT_FALSE(r->has_header("X-Mock-Injected-Fault"));
  EXPECT_EQ(eligibility(), "ineligible");  // applied
  auto other = client->Get("/v1/nodes");   // other operations go through
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
}

}  // namespace
}  // namespace ha
