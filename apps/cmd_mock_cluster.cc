// `mock-cluster`: both mock APIs over one shared model, with a scenario's workload replayed on
// the sped-up wall clock. A VM created through the Kubernetes API boots, runs and joins as a
// Nomad node; a deleted VM's node goes down. This is what the agent is pointed at in the
// end-to-end test, and what an operator can point a trial agent at.
#include <future>
#include <iostream>
#include <thread>

#include "apps/cli.h"
#include "apps/options.h"
#include "apps/serve_util.h"
#include "backends/memory/nomad_memory_api.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "backends/mock_server/prometheus_mock_server.h"
#include "sim/scenario_loader.h"
#include "sim/scenario_run.h"

namespace ha::cli {
namespace {

constexpr const char* kMockClusterHelp =
    "Usage: harvester-autoscaler mock-cluster --scenario FILE [--speed 60]\n"
    "         [--nomad-listen 127.0.0.1:4646] [--harvester-listen 127.0.0.1:6443]\n"
    "         [--nomad-token-file F] [--harvester-token-file F] [--harvester-role-file F]\n"
    "         [--tls-cert F --tls-key F] [--nomad-tls-cert F --nomad-tls-key F\n"
    "         [--nomad-client-ca F]]\n"
    "         [--scale-services] [--prometheus-listen 127.0.0.1:9090] [--write-log FILE]\n\n"
    "Serves the mock Nomad and Harvester APIs over one cluster model: the scenario's initial\n"
    "nodes, its workload replayed in wall-clock time sped up by --speed (VM boot times too),\n"
    "VMs created over the Kubernetes API joining Nomad as nodes. Nothing scales it: point an\n"
    "agent at it. Runs until SIGINT or SIGTERM, then prints what the cluster went through\n"
    "(nodes, VMs, invariant violations). Binds loopback unless told.\n\n"
    "Rate-csv services: --scale-services has their task-group policies scale them, as an\n"
    "application's autoscaler would (else they keep their first count unless an agent scales\n"
    "them). --prometheus-listen serves their series over Prometheus' query API\n"
    "(/api/v1/query, /api/v1/query_range; selectors only): service_load,\n"
    "service_load_per_alloc and service_running, labelled job and group.\n\n"
    "Nomad Variables and their locks (/v1/var/:path?lock-acquire, ...) are served on the\n"
    "wall clock, whatever --speed: several agents with high_availability on elect one.\n"
    "--write-log records every request that may change the cluster with its User-Agent, so\n"
    "a test can tell which agent made each change.\n\n";

std::string token_from(const po::variables_map& vm, const char* option) {
  if (!vm.count(option)) return "";
  auto token = read_token_file(vm[option].as<std::string>());
  if (!token) throw InputError{token.error().message};
  return *token;
}

// The rate-csv services' samples, as Prometheus series (read on the loop).
std::vector<PrometheusMockServer::Series> service_series(const ScenarioRun& run) {
  std::vector<PrometheusMockServer::Series> series;
  for (const auto& replay : run.services()) {
    const ServiceReplay* r = replay.get();
    for (std::string query : {"load", "load_per_alloc", "running"}) {
      series.push_back({{{"__name__", "service_" + query},
                         {"job", r->service().job},
                         {"group", r->service().group}},
                        [r, query](Time t) { return r->value_at(query, t); }});
    }
  }
  return series;
}

}  // namespace

int run_mock_cluster(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                                //
      ("scenario", po::value<std::string>(), "scenario file (cluster, workload)")             //
      ("speed", po::value<double>()->default_value(60), "simulated seconds per wall second")  //
      ("nomad-listen", po::value<std::string>()->default_value("127.0.0.1:4646"), "HOST:PORT")(
          "harvester-listen", po::value<std::string>()->default_value("127.0.0.1:6443"),
          "HOST:PORT")                                                                 //
      ("nomad-token-file", po::value<std::string>(), "require this Nomad ACL token")   //
      ("harvester-token-file", po::value<std::string>(), "require this bearer token")  //
      ("harvester-role-file", po::value<std::string>(),
       "bind the bearer token to the Role(s) in this manifest (RBAC)")                        //
      ("tls-cert", po::value<std::string>(), "serve Harvester over HTTPS with this (PEM)")    //
      ("tls-key", po::value<std::string>(), "the certificate's private key (PEM)")            //
      ("nomad-tls-cert", po::value<std::string>(), "serve Nomad over HTTPS with this (PEM)")  //
      ("nomad-tls-key", po::value<std::string>(), "that certificate's private key (PEM)")     //
      ("nomad-client-ca", po::value<std::string>(),
       "require Nomad clients' certificates signed by this CA (verify_https_client)")  //
      ("event-heartbeat", po::value<std::string>()->default_value("30s"),
       "a quiet event stream's heartbeat (Nomad's is 30s)")                                 //
      ("scale-services", "the scenario's task-group policies scale its rate-csv services")  //
      ("prometheus-listen", po::value<std::string>(),
       "HOST:PORT: serve the services' series over Prometheus' query API")  //
      ("write-log", po::value<std::string>(),
       "FILE: one JSON line per request that may change the cluster (who, what, when)")  //
      ("request-log", po::value<std::string>(),
       "FILE: as --write-log, for every request (reads too)");
  auto vm = parse_options(args, options, nullptr);
  if (vm.count("help")) {
    out << kMockClusterHelp << options;
    return kExitOk;
  }
  if (!vm.count("scenario")) throw UsageError{"--scenario is required"};
  double speed = vm["speed"].as<double>();
  if (!(speed > 0)) throw UsageError{"--speed must be > 0"};
  auto nomad_listen = parse_listen(vm["nomad-listen"].as<std::string>(), "--nomad-listen");
  if (!nomad_listen) throw UsageError{nomad_listen.error().message};
  auto harvester_listen =
      parse_listen(vm["harvester-listen"].as<std::string>(), "--harvester-listen");
  if (!harvester_listen) throw UsageError{harvester_listen.error().message};
  std::optional<ListenAddress> prometheus_listen;
  if (vm.count("prometheus-listen")) {
    auto l = parse_listen(vm["prometheus-listen"].as<std::string>(), "--prometheus-listen");
    if (!l) throw UsageError{l.error().message};
    prometheus_listen = *l;
  }
  if (vm.count("tls-cert") != vm.count("tls-key")) {
    throw UsageError{"--tls-cert and --tls-key go together"};
  }
  NomadMockServer::Options nomad_options;
  auto nomad_tls =
      check_tls_flags({vm.count("nomad-tls-cert") ? vm["nomad-tls-cert"].as<std::string>() : "",
                       vm.count("nomad-tls-key") ? vm["nomad-tls-key"].as<std::string>() : "",
                       vm.count("nomad-client-ca") ? vm["nomad-client-ca"].as<std::string>() : ""},
                      "nomad-");
  if (!nomad_tls) throw UsageError{nomad_tls.error().message};
  nomad_options.tls_cert = nomad_tls->cert;
  nomad_options.tls_key = nomad_tls->key;
  nomad_options.client_ca = nomad_tls->client_ca;
  auto heartbeat = parse_event_heartbeat(vm["event-heartbeat"].as<std::string>());
  if (!heartbeat) throw UsageError{heartbeat.error().message};
  nomad_options.event_heartbeat = *heartbeat;
  nomad_options.token = token_from(vm, "nomad-token-file");
  HarvesterMockServer::Options harvester_options;
  harvester_options.token = token_from(vm, "harvester-token-file");
  if (vm.count("harvester-role-file")) {
    if (harvester_options.token.empty()) {
      throw UsageError{"--harvester-role-file needs --harvester-token-file"};
    }
    auto policy = RbacPolicy::load(vm["harvester-role-file"].as<std::string>());
    if (!policy) throw InputError{"--harvester-role-file: " + policy.error().message};
    harvester_options.rbac = std::make_shared<const RbacPolicy>(std::move(*policy));
  }
  if (vm.count("tls-cert")) {
    harvester_options.tls_cert = vm["tls-cert"].as<std::string>();
    harvester_options.tls_key = vm["tls-key"].as<std::string>();
  }

  std::unique_ptr<WriteLog> writes;
  if (vm.count("write-log") && vm.count("request-log")) {
    throw UsageError{"--write-log and --request-log: give one"};
  }
  if (vm.count("write-log") || vm.count("request-log")) {
    bool reads = vm.count("request-log") > 0;
    auto opened = WriteLog::open(vm[reads ? "request-log" : "write-log"].as<std::string>(), reads);
    if (!opened) throw InputError{"--write-log: " + opened.error().message};
    writes = std::move(*opened);
    nomad_options.writes = harvester_options.writes = writes.get();
  }

  Diagnostics diags;
  std::vector<Override> none;
  std::string file = vm["scenario"].as<std::string>();
  auto loaded = load_scenario(file, none, diags);
  if (!diags.empty()) return report(diags, err);
  if (!loaded) throw InputError{loaded.error().message};

  // Loop time is scenario time: zero at start, as in simulate. Clients see wall-clock
  // creation times (an agent judges VM ages by its own clock).
  RealtimeLoop loop(speed);
  auto wall_start =
      std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch());
  harvester_options.wall_time = [wall_start, speed](Time t) {
    return wall_start +
           Duration(static_cast<Duration::rep>(static_cast<double>(t.count()) / speed));
  };
  auto run = ScenarioRun::create(loop, loaded->scenario, loaded->policies, loaded->workload);
  if (!run) throw InputError{file + ": " + run.error().message};
  // The scenario's API faults are injected by the servers (503/409/404/504, delays).
  FaultInjector nomad_faults(loaded->scenario.seed + 4),
      harvester_faults(loaded->scenario.seed + 5);
  nomad_options.faults = &nomad_faults;
  harvester_options.faults = &harvester_faults;
  // --scale-services: the services' policies reach the model as an engine would, through
  // the memory API with the scenario's Nomad latency.
  NomadMemoryApi services_api(loop, (*run)->nomad(), loaded->scenario.cluster.nomad_api, nullptr,
                              loaded->scenario.seed);
  NomadApi* services_engine = vm.count("scale-services") ? &services_api : nullptr;
  if (auto r = (*run)->start({services_engine, nullptr, nullptr, &nomad_faults, &harvester_faults});
      !r) {
    throw InputError{file + ": " + r.error().message};
  }
  NomadMockServer nomad_server(loop, (*run)->nomad(), nomad_options);
  HarvesterMockServer harvester_server(loop, (*run)->harvester(), harvester_options);
  PrometheusMockServer prometheus_server(loop, service_series(**run), {speed, wall_start, ""});
  std::thread loop_thread([&loop] { loop.run(); });
  auto stop_loop = [&] {
    nomad_server.stop();
    harvester_server.stop();
    prometheus_server.stop();
    loop.stop();
    loop_thread.join();
  };
  auto nomad_port = nomad_server.start(nomad_listen->host, nomad_listen->port);
  auto harvester_port = harvester_server.start(harvester_listen->host, harvester_listen->port);
  Result<int> prometheus_port = 0;
  if (prometheus_listen) {
    prometheus_port = prometheus_server.start(prometheus_listen->host, prometheus_listen->port);
  }
  for (const Result<int>* port : {&nomad_port, &harvester_port, &prometheus_port}) {
    if (!*port) {
      stop_loop();
      throw InputError{port->error().message};
    }
  }
  out << "mock Nomad listening on " << (nomad_options.tls_cert.empty() ? "http" : "https") << "://"
      << nomad_listen->host << ":" << *nomad_port
      << (nomad_options.token.empty() ? " (no token required)" : " (token required)")
      << (nomad_options.client_ca.empty() ? "" : " (client certificate required)") << "\n"
      << "mock Harvester listening on " << (harvester_options.tls_cert.empty() ? "http" : "https")
      << "://" << harvester_listen->host << ":" << *harvester_port
      << (harvester_options.token.empty() ? " (no token required)" : " (bearer token required)")
      << "\n"
      << (prometheus_listen ? "mock Prometheus listening on http://" + prometheus_listen->host +
                                  ":" + std::to_string(*prometheus_port) + "\n"
                            : "")
      << "replaying " << loaded->scenario.name << " at " << speed << "x"
      << (vm.count("scale-services") ? ", services scaled by their policies" : "") << "\n"
      << std::flush;
  wait_for_shutdown_signal();

  // What the cluster went through, read on the loop before it stops.
  std::promise<nlohmann::ordered_json> summary;
  loop.post([&] {
    auto totals = (*run)->nomad().totals();
    nlohmann::ordered_json report = (*run)->report(loop.events_processed(), 0).report;
    summary.set_value({{"simulated_seconds", to_seconds(loop.now())},
                       {"nodes_ready", totals.nodes_ready},
                       {"vms", (*run)->harvester().size()},
                       {"allocations_pending", totals.allocs_pending},
                       {"invariant_violations", report["invariant_violations"]}});
  });
  nlohmann::ordered_json s = summary.get_future().get();
  stop_loop();
  out << "mock cluster stopped: " << s.dump() << "\n";
  return kExitOk;
}

}  // namespace ha::cli
