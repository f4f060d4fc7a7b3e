// The benchmarks' cluster on the wire: one Nomad and one Harvester model behind mock-nomad
// and mock-harvester on 127.0.0.1, served from a loop and thread of their own. Declare it
// before the clients that use it: it stops the servers last.
#pragma once

#include <stdexcept>
#include <string>
#include <thread>

#include "backends/memory/harvester_seed.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "backends/mock_server/nomad_mock_server.h"

namespace ha {

struct MockServers {
  RealtimeLoop server_loop;
  NomadModel nomad{server_loop};
  HarvesterModel harvester{server_loop, &nomad, [] {
                             HarvesterModelConfig c;
                             c.max_vms = 1000000;
                             return c;
                           }()};
  NomadMockServer nomad_server;
  HarvesterMockServer harvester_server;
  std::thread server_thread{[this] { server_loop.run(); }};
  std::string nomad_url, harvester_url;  // http://127.0.0.1:PORT

  MockServers(NomadMockServer::Options nomad_options,
              HarvesterMockServer::Options harvester_options)
      : nomad_server(server_loop, nomad, std::move(nomad_options)),
        harvester_server(server_loop, harvester, std::move(harvester_options)) {
    seed_group_objects(harvester, "nomad", "default/image-bench", "");
    seed_group_objects(harvester, "bench", "", "");
    nomad_url = url_of(nomad_server.start("127.0.0.1", 0));
    harvester_url = url_of(harvester_server.start("127.0.0.1", 0));
  }
  static std::string url_of(Result<int> port) {
    if (!port) throw std::runtime_error("mock server: " + port.error().message);
    return "http://127.0.0.1:" + std::to_string(*port);
  }
  ~MockServers() {
    nomad_server.stop();
    harvester_server.stop();
    server_loop.stop();
    server_thread.join();
  }
};

}  // namespace ha
