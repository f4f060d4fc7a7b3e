// The Nomad contract suites' fixture: a small cluster (two "hashistack" nodes, one "gpu",
// job "api" with two allocations and a scaling policy) behind the memory API or the HTTP
// client and mock server, by the suite's parameter.
#pragma once

#include "backends/http/nomad_http_api.h"
#include "backends/memory/nomad_memory_api.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "contract_fixture.h"

namespace ha::testing {

using namespace std::chrono_literals;

// The cluster every contract case starts from.
struct Cluster {
  std::string a, b, gpu, policy_id;
  void build(NomadModel& m) {
    a = m.register_node({"web-1", "hashistack", "dc1", "default", 4000, 8192, {}});
    b = m.register_node({"web-2", "hashistack", "dc1", "default", 4000, 8192, {}});
    gpu = m.register_node({"gpu-1", "gpu", "dc1", "default", 8000, 16384, {}});
    static_cast<void>(m.register_job({"api", "service", {{"g", 2, 500, 256, std::nullopt}}}));
    NomadScalingPolicy p;
    p.namespace_ = "default";
    p.job = "api";
    p.group = "g";
    p.min = 1;
    p.max = 8;
    p.policy = {{"cooldown", "1m"}, {"check", {{{"cpu", {{{"source", "nomad-apm"}}}}}}}};
    policy_id = m.add_scaling_policy(p);
  }
};

class NomadContract : public ContractTest<NomadApi> {
 protected:
  void SetUp() override {
    start([this](NomadModel& m) { cluster.build(m); });
  }
  void start(const std::function<void(NomadModel&)>& setup) {
    if (GetParam() == "memory") {
      backend =
          std::make_unique<MemoryContractBackend<NomadApi, NomadModel, NomadMemoryApi>>(setup);
    } else {
      NomadMockServer::Options server;
      server.token = "t0ken";
      backend = std::make_unique<
          HttpContractBackend<NomadApi, NomadModel, NomadMockServer, NomadHttpApi>>(
          setup, server, [](const std::string& url) {
            NomadHttpApi::Options o;
            o.address = url;
            o.token = "t0ken";
            return o;
          });
    }
  }
  Result<NodeList> nodes(NomadNodeFilter f = {}) {
    return sync<NodeList>([f](NomadApi& api, Done<NodeList> d) { api.list_nodes(f, d); });
  }
  Result<NomadNode> node(const std::string& id) {
    return sync<NomadNode>([id](NomadApi& api, Done<NomadNode> d) { api.get_node(id, d); });
  }
  Cluster cluster;
  const Cluster* c = &cluster;
};

}  // namespace ha::testing
