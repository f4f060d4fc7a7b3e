// Faults of the standalone mock servers (mock-nomad/mock-harvester --faults, and the
// loopback admin endpoint /_mock/faults): the scenario's fault syntax with times counted
// from when they are set, limited to what one API can show, replaced or cleared while the
// server runs; once cleared, the server serves normally again.
#include "apps/fault_control.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <set>
#include <thread>

#include "backends/api/vm_labels.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "backends/wire/kubevirt_json.h"
#include "harvester_test_cluster.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

bool fails(FaultInjector& injector, const char* op) {
  auto f = injector.decide(op);
  return f && f->error;
}

TEST(FaultControl, TimesCountFromWhenTheFaultsAreSetAndClearEndsThem) {
  SimulatedLoop loop;
  NomadModel nomad(loop);
  FaultInjector injector;
  FaultControl control(loop, "nomad", injector, nullptr, &nomad);
  loop.run_until(1h);
  Diagnostics diags;
  ASSERT_TRUE(control.replace(
      json::parse(R"([{"kind": "outage", "api": "nomad", "from": "10s", "until": "1m"}])"),
      "f.json", diags));
  loop.run_until(1h + 5s);
  EXPECT_FALSE(fails(injector, "list_nodes"));
  loop.run_until(1h + 11s);
  EXPECT_TRUE(fails(injector, "list_nodes"));
  loop.run_until(1h + 61s);
  EXPECT_FALSE(fails(injector, "list_nodes"));  // the window closed

  ASSERT_TRUE(control.replace(json::parse(R"({"faults": [{"kind": "api_errors", "api": "nomad",
      "op": "drain_node", "error_rate": 1, "status": "conflict"}]})"),
                              "f.json", diags));
  auto f = injector.decide("drain_node");
  ASSERT_TRUE(f && f->error);
  EXPECT_EQ(f->error->kind, ErrorKind::kConflict);
  EXPECT_FALSE(fails(injector, "list_nodes"));
  EXPECT_EQ(control.describe()["faults"][0]["op"], "drain_node");
  control.clear();
  EXPECT_FALSE(fails(injector, "drain_node"));
  EXPECT_TRUE(control.describe()["faults"].empty());
  EXPECT_TRUE(diags.empty());
}

TEST(FaultControl, RefusesWhatOneServerCannotShowAndKeepsTheFaultsItHad) {
  SimulatedLoop loop;
  NomadModel nomad(loop);
  FaultInjector injector;
  FaultControl control(loop, "nomad", injector, nullptr, &nomad);
  Diagnostics diags;
  ASSERT_TRUE(control.replace(json::parse(R"([{"kind": "outage", "api": "nomad", "from": "0s",
      "until": "1h"}])"),
                              "f.json", diags));
  loop.run_until(1s);
  ASSERT_FALSE(control.replace(json::parse(R"([{"kind": "node_never_joins", "rate": 1},
      {"kind": "outage", "api": "harvester", "from": "0s", "until": "1m"},
      {"kind": "api_errors", "api": "nomad", "error_rate": 2}])"),
                               "bad.json", diags));
  std::set<std::string> found;
  for (const Diagnostic& d : diags) found.insert(d.to_string());
  EXPECT_EQ(found,
            (std::set<std::string>{"bad.json: /0/kind: a mock nomad server alone can show only: "
                                   "api_errors, outage, latency_spike, drain_stuck",
                                   "bad.json: /1/api: this server is the nomad API",
                                   "bad.json: /2/error_rate: expected a number from 0 to 1"}));
  EXPECT_TRUE(fails(injector, "get_node"));  // the outage set before still holds
  EXPECT_EQ(control.describe()["faults"].size(), 1u);

  auto [status, body] = control.admin("PUT", R"({"faults": 3})");
  EXPECT_EQ(status, 400);
  EXPECT_NE(body.find("request body: /faults: expected an array of faults"), std::string::npos)
      << body;
  std::tie(status, body) = control.admin("PUT", "[{");
  EXPECT_EQ(status, 400);
  EXPECT_NE(body.find("invalid JSON"), std::string::npos) << body;
}

TEST(FaultAdmin, AnswersLoopbackPeersOnly) {
  EXPECT_TRUE(is_loopback_peer("127.0.0.1"));
  EXPECT_TRUE(is_loopback_peer("127.3.2.1"));
  EXPECT_TRUE(is_loopback_peer("::1"));
  EXPECT_TRUE(is_loopback_peer("::ffff:127.0.0.1"));
  EXPECT_FALSE(is_loopback_peer("10.0.0.7"));
  EXPECT_FALSE(is_loopback_peer("::ffff:192.168.1.2"));
  EXPECT_FALSE(is_loopback_peer("fe80::1"));
  EXPECT_FALSE(is_loopback_peer(""));
}

// A mock server with its fault admin endpoint, on its own loop thread.
template <typename Model, typename Server>
struct AdminServer {
  RealtimeLoop loop;
  std::unique_ptr<Model> model;
  FaultInjector injector;
  std::unique_ptr<FaultControl> control;
  std::unique_ptr<Server> server;
  std::thread loop_thread;
  std::unique_ptr<httplib::Client> client;

  template <typename Options, typename Make>
  AdminServer(const char* api, Options options, Make make_model) {
    model = make_model(loop);
    if constexpr (std::is_same_v<Model, NomadModel>) {
      control = std::make_unique<FaultControl>(loop, api, injector, nullptr, model.get());
    } else {
      control = std::make_unique<FaultControl>(loop, api, injector, model.get(), nullptr);
    }
    options.faults = &injector;
    options.fault_admin = fault_admin_on_loop(loop, *control);
    loop_thread = std::thread([this] { loop.run(); });
    server = std::make_unique<Server>(loop, *model, options);
    auto port = server->start("127.0.0.1", 0);
    EXPECT_TRUE(port.ok());
    client = std::make_unique<httplib::Client>("127.0.0.1", port.ok() ? *port : 0);
  }
  ~AdminServer() {
    server->stop();
    loop.stop();
    loop_thread.join();
  }
  httplib::Result put_faults(const std::string& faults) {
    return client->Put(kFaultAdminPath, faults, "application/json");
  }
};

TEST(FaultAdmin, MockNomadTakesFaultsBehindItsTokenAndServesAgainWhenCleared) {
  NomadMockServer::Options options;
  options.token = "s3cret";
  AdminServer<NomadModel, NomadMockServer> s("nomad", options, [](RealtimeLoop& loop) {
    auto m = std::make_unique<NomadModel>(loop);
    m->register_node({"web-1", "hashistack", "dc1", "default", 4000, 8192, {}});
    return m;
  });
  EXPECT_EQ(s.client->Get(kFaultAdminPath)->status, 403);  // the server's own token check
  s.client->set_default_headers({{"X-Nomad-Token", "s3cret"}});
  ASSERT_EQ(s.client->Get("/v1/nodes")->status, 200);

  auto set = s.put_faults(R"([{"kind": "outage", "api": "nomad", "from": "0s", "until": "1h"}])");
  ASSERT_EQ(set->status, 200) << set->body;
  auto down = s.client->Get("/v1/nodes");
  EXPECT_EQ(down->status, 503);
  EXPECT_NE(down->body.find("injected outage"), std::string::npos);

  auto bad = s.put_faults(R"([{"kind": "vm_stuck_starting", "rate": 1}])");
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("/0/kind"), std::string::npos) << bad->body;
  auto now = s.client->Get(kFaultAdminPath);
  ASSERT_EQ(now->status, 200);
  EXPECT_EQ(json::parse(now->body)["faults"][0]["kind"], "outage");  // unchanged

  EXPECT_EQ(s.client->Delete(kFaultAdminPath)->status, 200);
  EXPECT_EQ(s.client->Get("/v1/nodes")->status, 200);
}

TEST(FaultAdmin, MockHarvesterLeavesVmsStartingUntilTheFaultIsCleared) {
  HarvesterMockServer::Options options;
  AdminServer<HarvesterModel, HarvesterMockServer> s("harvester", options, [](RealtimeLoop& loop) {
    HarvesterModelConfig c;
    c.provision = c.boot = c.nomad_join = c.stop = c.terminate = Latency::constant(1ms);
    auto model = std::make_unique<HarvesterModel>(loop, nullptr, c);
    testing::seed_test_cluster(*model);
    return model;
  });
  const std::string vms = "/apis/kubevirt.io/v1/namespaces/nomad/virtualmachines";
  auto create = [&](const std::string& name) {
    VirtualMachineSpec spec = testing::test_vm(name);
    return s.client->Post(vms, kubevirt_json::virtual_machine_spec(spec).dump(),
                          "application/json");
  };
  auto status_of = [&](const std::string& name) {
    auto r = s.client->Get(vms + "/" + name);
    return json::parse(r->body)["status"]["printableStatus"].get<std::string>();
  };
  ASSERT_EQ(s.put_faults(R"([{"kind": "vm_stuck_starting", "rate": 1},
      {"kind": "api_errors", "api": "harvester", "op": "delete_vm", "error_rate": 1,
       "status": "not_found"}])")
                ->status,
            200);
  ASSERT_EQ(create("web-1")->status, 201);
  std::this_thread::sleep_for(200ms);  // two hundred times its boot time
  EXPECT_EQ(status_of("web-1"), "Starting");
  auto refused = s.client->Delete(vms + "/web-1");
  EXPECT_EQ(refused->status, 404);
  EXPECT_EQ(json::parse(refused->body)["kind"], "Status");

  ASSERT_EQ(s.client->Delete(kFaultAdminPath)->status, 200);
  ASSERT_EQ(create("web-2")->status, 201);
  std::string phase;
  for (int i = 0; i < 500 && phase != "Running"; ++i) {
    std::this_thread::sleep_for(10ms);
    phase = status_of("web-2");
  }
  EXPECT_EQ(phase, "Running");
  EXPECT_EQ(s.client->Delete(vms + "/web-1")->status, 200);
}

}  // namespace
}  // namespace ha
