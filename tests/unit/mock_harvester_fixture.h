// The mock Harvester on 127.0.0.1 over a fast HarvesterModel (every phase takes 1 ms), with
// a plain HTTP client: the fixture of the mock's API and watch tests (its names are members,
// so that test files sharing a unity translation unit do not clash).
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

#include "backends/api/vm_labels.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "backends/wire/kubevirt_json.h"
#include "harvester_test_cluster.h"

namespace ha {

struct MockHarvesterTest : ::testing::Test {
  using json = nlohmann::json;
  static constexpr const char* kVms = "/apis/kubevirt.io/v1/namespaces/nomad/virtualmachines";

  static VirtualMachineSpec vm_spec(const std::string& name, const std::string& group = "web") {
    VirtualMachineSpec s = testing::test_vm(name, group);
    s.labels = {{vm_labels::kNodeGroup, group}};
    s.annotations["note"] = "test";
    s.memory_bytes = 8LL << 30;
    s.user_data = "#cloud-config\nruncmd: []\n";
    return s;
  }
  RealtimeLoop loop;
  HarvesterModel model{loop, nullptr, fast()};
  std::unique_ptr<HarvesterMockServer> server;
  std::thread loop_thread;
  std::unique_ptr<httplib::Client> client;
  int port = 0;
  FaultInjector faults;

  static HarvesterModelConfig fast() {
    HarvesterModelConfig c;
    c.provision = c.boot = c.nomad_join = c.stop = c.terminate =
        Latency::constant(std::chrono::milliseconds(1));
    c.watch_window = 50;  // small: a watch from an old version is soon gone
    return c;
  }
  void start(const std::string& token = "", std::shared_ptr<const RbacPolicy> rbac = nullptr) {
    testing::seed_test_cluster(model);  // before the loop's thread owns the model
    loop_thread = std::thread([this] { loop.run(); });
    HarvesterMockServer::Options options;
    options.token = token;
    options.rbac = std::move(rbac);
    options.faults = &faults;
    server = std::make_unique<HarvesterMockServer>(loop, model, options);
    auto bound = server->start("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok());
    port = *bound;
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    if (!token.empty()) client->set_bearer_token_auth(token.c_str());
  }
  void TearDown() override {
    if (server) server->stop();
    loop.stop();
    if (loop_thread.joinable()) loop_thread.join();
  }
  // The VM's printableStatus once it equals `want` or 5 s have passed (the model's phases take
  // a millisecond each here, but a loaded machine may be slow).
  std::string wait_for(const std::string& name, const std::string& want) {
    std::string now;
    for (int i = 0; i < 500; ++i) {
      auto r = client->Get(std::string(kVms).append("/").append(name));
      now = r->status == 404 ? "absent"
                             : json::parse(r->body)["status"]["printableStatus"].get<std::string>();
      if (now == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return now;
  }
  httplib::Result create(const VirtualMachineSpec& s) {
    return client->Post(kVms, kubevirt_json::virtual_machine_spec(s).dump(), "application/json");
  }
};

}  // namespace ha
