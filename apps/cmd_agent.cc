// `agent`: the long-running autoscaler (agent/agent.h). Signals: SIGHUP reloads the policies,
// SIGINT/SIGTERM shut down (waiting for scale actions in flight up to the shutdown timeout).
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "agent/agent.h"
#include "apps/cli.h"
#include "apps/options.h"
#include "backends/runtime/stream_logger.h"
#include "version.h"

namespace ha::cli {
namespace {

constexpr const char* kAgentHelp =
    "Usage: harvester-autoscaler agent [--config FILE] [options]\n\n"
    "Runs the autoscaler against Nomad and Harvester: evaluates the policies of --policy-dir\n"
    "(or the config's policy.dir) with the nomad-apm source, scales Harvester VMs and Nomad\n"
    "task groups, and serves /v1/health and /v1/metrics (Prometheus text) on --http-bind.\n"
    "The config is JSON in the shape of the Nomad Autoscaler's agent config (see\n"
    "docs/agent.md); flags override it. Tokens come from files or from NOMAD_TOKEN and\n"
    "HARVESTER_TOKEN, never from flags. SIGHUP reloads the policies; SIGINT or SIGTERM stops\n"
    "after the scale actions in flight (up to shutdown_timeout, 30s).\n\n";

}  // namespace

int run_agent(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                             //
      ("config", po::value<std::string>(), "agent config file (JSON)")                     //
      ("nomad-address", po::value<std::string>(), "Nomad HTTP API address")                //
      ("nomad-token-file", po::value<std::string>(), "file holding the Nomad ACL token")   //
      ("harvester-url", po::value<std::string>(), "Harvester (Kubernetes) API URL")        //
      ("harvester-token-file", po::value<std::string>(), "file holding the bearer token")  //
      ("kubeconfig", po::value<std::string>(), "Harvester URL, CA and token from a kubeconfig")(
          "policy-dir", po::value<std::string>(), "directory of policy files (*.json)")   //
      ("http-bind", po::value<std::string>(), "HOST:PORT of /v1/health and /v1/metrics")  //
      ("dry-run", "decide and log, but change nothing")                                   //
      ("log-level", po::value<std::string>(), "trace, debug, info, warn or error")        //
      ("log-json", "log one JSON object per line");
  auto vm = parse_options(args, options, nullptr);
  if (vm.count("help")) {
    out << kAgentHelp << options;
    return kExitOk;
  }
  AgentFlags flags;
  auto opt = [&vm](const char* name) -> std::optional<std::string> {
    if (!vm.count(name)) return std::nullopt;
    return vm[name].as<std::string>();
  };
  flags.nomad_address = opt("nomad-address");
  flags.nomad_token_file = opt("nomad-token-file");
  flags.harvester_url = opt("harvester-url");
  flags.harvester_token_file = opt("harvester-token-file");
  flags.policy_dir = opt("policy-dir");
  flags.kubeconfig = opt("kubeconfig");
  flags.http_bind = opt("http-bind");
  flags.log_level = opt("log-level");
  flags.dry_run = vm.count("dry-run") > 0;
  flags.log_json = vm.count("log-json") > 0;
  auto config = load_agent_config(opt("config"), flags, [](const char* name) {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
  if (!config) throw InputError{config.error().message};
  config->product = "harvester-autoscaler/" HA_VERSION;

  // Signals go to this thread only (sigwait below), so every thread the agent starts must
  // inherit the mask: block them before any is created.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  StreamLogger log(err, {config->log_level, config->log_json, true});
  Agent agent(*config, log);
  auto port = agent.start();
  if (!port) throw InputError{port.error().message};
  out << "agent serving /v1/health and /v1/metrics on http://" << config->http_bind_address << ":"
      << *port << (config->dry_run ? " (dry run)" : "") << "\n"
      << std::flush;
  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      static_cast<void>(agent.reload());  // a failure is logged; the old policies keep running
      continue;
    }
    bool clean = agent.shutdown();
    out << "agent stopped" << (clean ? "" : " (scale actions were still in flight)") << "\n";
    return kExitOk;
  }
}

}  // namespace ha::cli
