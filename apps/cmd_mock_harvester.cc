// `mock-harvester`: the mock Harvester (Kubernetes/KubeVirt) API over the in-memory model,
// for trying the clients, the agent or kubectl against (see
// backends/mock_server/harvester_mock_server.h).
#include <chrono>
#include <iostream>
#include <thread>

#include "apps/cli.h"
#include "apps/options.h"
#include "apps/serve_util.h"
#include "backends/memory/harvester_seed.h"
#include "backends/mock_server/harvester_mock_server.h"

namespace ha::cli {

int run_mock_harvester(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                            //
      ("listen", po::value<std::string>()->default_value("127.0.0.1:6443"), "HOST:PORT")  //
      ("token-file", po::value<std::string>(), "require this bearer token")               //
      ("tls-cert", po::value<std::string>(), "serve HTTPS with this certificate (PEM)")   //
      ("tls-key", po::value<std::string>(), "the certificate's private key (PEM)")        //
      ("client-ca", po::value<std::string>(),
       "with TLS: accept client certificates this CA signed (PEM), as a token")  //
      ("role-file", po::value<std::string>(),
       "bind the token to the Role(s) in this Kubernetes manifest (RBAC: 403 outside it)")  //
      ("namespace", po::value<std::vector<std::string>>()->composing(),
       "NS: a namespace the cluster has (repeatable; default has `default`)")  //
      ("image", po::value<std::vector<std::string>>()->composing(),
       "NS/NAME: an imported VirtualMachineImage with its storage class (repeatable)")  //
      ("network", po::value<std::vector<std::string>>()->composing(),
       "NS/NAME: a VLAN NetworkAttachmentDefinition (repeatable)")                          //
      ("faults", po::value<std::string>(), "inject these faults (JSON, times from start)")  //
      ("fault-admin", "serve GET/PUT/DELETE /_mock/faults to loopback peers");
  auto vm = parse_options(args, options, nullptr);
  if (vm.count("help")) {
    out << "Usage: harvester-autoscaler mock-harvester [--listen 127.0.0.1:6443] [--token-file F]\n"
           "                                           [--role-file F] [--tls-cert F --tls-key F]\n"
           "                                           [--client-ca F]\n"
           "                                           [--namespace NS] [--image NS/NAME]\n"
           "                                           [--network NS/NAME]\n"
           "                                           [--faults FILE] [--fault-admin]\n\n"
           "Serves a Harvester cluster's Kubernetes API over the in-memory Harvester model, in\n"
           "Harvester's wire format, until SIGINT or SIGTERM: KubeVirt VirtualMachines (list\n"
           "with labelSelector, get, create, merge patch, delete, watch, start/stop/migrate,\n"
           "pause), VirtualMachineInstances, VirtualMachineImages, StorageClasses,\n"
           "NetworkAttachmentDefinitions, Namespaces, Secrets, PersistentVolumeClaims and\n"
           "SelfSubjectAccessReviews, with the admission and controllers of docs/models.md.\n"
           "The cluster starts with what --namespace, --image and --network name. HTTPS with\n"
           "--tls-cert and --tls-key (kubectl sends its token only over TLS); --role-file binds\n"
           "the token to a Role (as deploy/harvester-rbac.yaml). Binds loopback unless told.\n"
           "--faults injects faults written as a scenario's \"faults\" (docs/scenarios.md;\n"
           "harvester API faults, vm_stuck_starting, vm_unschedulable), counted from start;\n"
           "--fault-admin lets them be read, replaced and cleared over HTTP\n"
           "(docs/cli.md).\n\n"
        << options;
    return kExitOk;
  }
  auto listen = parse_listen(vm["listen"].as<std::string>());
  if (!listen) throw UsageError{listen.error().message};
  if (vm.count("tls-cert") != vm.count("tls-key")) {
    throw UsageError{"--tls-cert and --tls-key go together"};
  }
  HarvesterMockServer::Options server_options;
  if (vm.count("token-file")) {
    auto token = read_token_file(vm["token-file"].as<std::string>());
    if (!token) throw InputError{token.error().message};
    server_options.token = *token;
  }
  if (vm.count("tls-cert")) {
    server_options.tls_cert = vm["tls-cert"].as<std::string>();
    server_options.tls_key = vm["tls-key"].as<std::string>();
  }
  if (vm.count("client-ca")) {
    if (!vm.count("tls-cert")) throw UsageError{"--client-ca needs --tls-cert and --tls-key"};
    server_options.client_ca = vm["client-ca"].as<std::string>();
  }
  if (vm.count("role-file")) {
    if (server_options.token.empty()) throw UsageError{"--role-file needs --token-file"};
    auto policy = RbacPolicy::load(vm["role-file"].as<std::string>());
    if (!policy) throw InputError{"--role-file: " + policy.error().message};
    server_options.rbac = std::make_shared<const RbacPolicy>(std::move(*policy));
  }
  auto list = [&vm](const char* key) {
    return vm.count(key) ? vm[key].as<std::vector<std::string>>() : std::vector<std::string>();
  };
  for (const std::string& id : list("image")) {
    if (id.find('/') == std::string::npos) throw UsageError{"--image " + id + ": expected NS/NAME"};
  }
  for (const std::string& id : list("network")) {
    if (id.find('/') == std::string::npos) {
      throw UsageError{"--network " + id + ": expected NS/NAME"};
    }
  }
  // Loop time is Unix time, so that timestamps on the wire (creationTimestamp) are real.
  RealtimeLoop loop(1.0, std::chrono::duration_cast<Duration>(
                             std::chrono::system_clock::now().time_since_epoch()));
  HarvesterModel model(loop, nullptr, HarvesterModelConfig{});
  for (const std::string& ns : list("namespace")) model.add_namespace(ns);
  for (const std::string& id : list("image")) seed_group_objects(model, "default", id, "");
  for (const std::string& id : list("network")) seed_group_objects(model, "default", "", id);
  FaultInjector injector;
  FaultControl faults(loop, "harvester", injector, &model, nullptr);
  server_options.faults = &injector;
  if (vm.count("faults")) {
    Diagnostics diags;
    if (!load_faults_file(vm["faults"].as<std::string>(), faults, diags)) return report(diags, err);
  }
  if (vm.count("fault-admin")) server_options.fault_admin = fault_admin_on_loop(loop, faults);
  std::thread loop_thread([&loop] { loop.run(); });
  HarvesterMockServer server(loop, model, server_options);
  auto port = server.start(listen->host, listen->port);
  if (!port) {
    loop.stop();
    loop_thread.join();
    throw InputError{port.error().message};
  }
  out << "mock Harvester listening on " << (server_options.tls_cert.empty() ? "http" : "https")
      << "://" << listen->host << ":" << *port
      << (server_options.token.empty() ? " (no token required)" : " (bearer token required)")
      << "\n"
      << std::flush;
  wait_for_shutdown_signal();
  server.stop();
  loop.stop();
  loop_thread.join();
  out << "mock Harvester stopped\n";
  return kExitOk;
}

}  // namespace ha::cli
