// `mock-nomad`: the mock Nomad HTTP API over the in-memory model, for trying the clients,
// the agent or Nomad's own tools against (see backends/mock_server/nomad_mock_server.h).
#include <chrono>
#include <iostream>
#include <thread>

#include "apps/cli.h"
#include "apps/options.h"
#include "apps/serve_util.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "sim/scenario_loader.h"

namespace ha::cli {

int run_mock_nomad(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                                  //
      ("listen", po::value<std::string>()->default_value("127.0.0.1:4646"), "HOST:PORT")        //
      ("token-file", po::value<std::string>(), "require this ACL token (X-Nomad-Token)")        //
      ("scenario", po::value<std::string>(), "start with the scenario's initial client nodes")  //
      ("faults", po::value<std::string>(), "inject these faults (JSON, times from start)")      //
      ("fault-admin", "serve GET/PUT/DELETE /_mock/faults to loopback peers")                   //
      ("tls-cert", po::value<std::string>(), "serve HTTPS with this certificate (PEM)")         //
      ("tls-key", po::value<std::string>(), "the certificate's private key (PEM)")              //
      ("client-ca", po::value<std::string>(),
       "require client certificates signed by this CA (Nomad's verify_https_client)")  //
      ("event-heartbeat", po::value<std::string>()->default_value("30s"),
       "a quiet event stream's heartbeat (Nomad's is 30s)");
  auto vm = parse_options(args, options, nullptr);
  if (vm.count("help")) {
    out << "Usage: harvester-autoscaler mock-nomad [--listen 127.0.0.1:4646] [--token-file F]\n"
           "                                       [--scenario FILE] [--faults FILE] "
           "[--fault-admin]\n"
           "                                       [--tls-cert F --tls-key F [--client-ca F]]\n\n"
           "Serves the part of Nomad's HTTP API the autoscaler uses (nodes, drain, eligibility,\n"
           "purge, node allocations, job scale, status/leader) over the in-memory Nomad model,\n"
           "in Nomad's wire format, until SIGINT or SIGTERM. Binds loopback unless told.\n"
           "--faults injects faults written as a scenario's \"faults\" (docs/scenarios.md;\n"
           "nomad API faults and drain_stuck), counted from start; --fault-admin lets them be\n"
           "read, replaced and cleared over HTTP (docs/cli.md).\n\n"
        << options;
    return kExitOk;
  }
  auto listen = parse_listen(vm["listen"].as<std::string>());
  if (!listen) throw UsageError{listen.error().message};
  NomadMockServer::Options server_options;
  auto tls = check_tls_flags({vm.count("tls-cert") ? vm["tls-cert"].as<std::string>() : "",
                              vm.count("tls-key") ? vm["tls-key"].as<std::string>() : "",
                              vm.count("client-ca") ? vm["client-ca"].as<std::string>() : ""});
  if (!tls) throw UsageError{tls.error().message};
  server_options.tls_cert = tls->cert;
  server_options.tls_key = tls->key;
  server_options.client_ca = tls->client_ca;
  auto heartbeat = parse_event_heartbeat(vm["event-heartbeat"].as<std::string>());
  if (!heartbeat) throw UsageError{heartbeat.error().message};
  server_options.event_heartbeat = *heartbeat;
  if (vm.count("token-file")) {
    auto token = read_token_file(vm["token-file"].as<std::string>());
    if (!token) throw InputError{token.error().message};
    server_options.token = *token;
  }
  // Loop time is Unix time, so that timestamps on the wire (creationTimestamp) are real.
  RealtimeLoop loop(1.0, std::chrono::duration_cast<Duration>(
                             std::chrono::system_clock::now().time_since_epoch()));
  NomadModel model(loop);
  if (vm.count("scenario")) {
    Diagnostics diags;
    std::vector<Override> none;
    auto loaded = load_scenario(vm["scenario"].as<std::string>(), none, diags);
    if (!diags.empty()) return report(diags, err);
    if (!loaded) throw InputError{loaded.error().message};
    const ClusterSpec& c = loaded->scenario.cluster;
    for (std::int64_t i = 0; i < c.initial_nodes; ++i) {
      std::string name = c.node_class + "-" + std::to_string(i);
      model.register_node({name, c.node_class, "dc1", "default", c.cpu_mhz, c.memory_mb, {}});
    }
  }
  FaultInjector injector;
  FaultControl faults(loop, "nomad", injector, nullptr, &model);
  server_options.faults = &injector;
  if (vm.count("faults")) {
    Diagnostics diags;
    if (!load_faults_file(vm["faults"].as<std::string>(), faults, diags)) return report(diags, err);
  }
  if (vm.count("fault-admin")) server_options.fault_admin = fault_admin_on_loop(loop, faults);
  std::thread loop_thread([&loop] { loop.run(); });
  NomadMockServer server(loop, model, server_options);
  auto port = server.start(listen->host, listen->port);
  if (!port) {
    loop.stop();
    loop_thread.join();
    throw InputError{port.error().message};
  }
  out << "mock Nomad listening on " << (server_options.tls_cert.empty() ? "http" : "https") << "://"
      << listen->host << ":" << *port
      << (server_options.token.empty() ? " (no token required)" : " (token required)") << "\n"
      << std::flush;
  wait_for_shutdown_signal();
  server.stop();
  loop.stop();
  loop_thread.join();
  out << "mock Nomad stopped\n";
  return kExitOk;
}

}  // namespace ha::cli
