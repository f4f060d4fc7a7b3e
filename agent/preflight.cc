#include "agent/preflight.h"

#include "agent/nomad_tls.h"
#include "agent/preflight_context.h"

namespace ha {
namespace {

HttpTransport::Options transport(const std::string& ca_file, const std::string& ca_pem,
                                 bool insecure) {
  HttpTransport::Options o;
  o.ca_file = ca_file;
  o.ca_pem = ca_pem;
  o.insecure = insecure;
  o.max_attempts = 2;  // an answer soon: a check that fails says so
  o.user_agent = "harvester-autoscaler-preflight";
  return o;
}

HttpTransport::Options harvester_transport(const AgentConfig& c) {
  HttpTransport::Options o =
      transport(c.harvester_ca_file, c.harvester_ca_pem, c.harvester_skip_verify);
  o.client_cert_pem = c.harvester_client_cert_pem;
  o.client_key_pem = c.harvester_client_key_pem;
  o.client_cert_file = c.harvester_client_cert_file;
  o.client_key_file = c.harvester_client_key_file;
  return o;
}

}  // namespace

PreflightContext::PreflightContext(const AgentConfig& c)
    : config(c),
      loop_(1.0, std::chrono::duration_cast<Duration>(
                     std::chrono::system_clock::now().time_since_epoch())),
      harvester_transport_(loop_, harvester_transport(c)),
      nomad_transport_(loop_, with_nomad_tls(transport("", "", false), c)),
      harvester_(harvester_transport_, {c.harvester_url, c.harvester_token}),
      nomad_(nomad_transport_, {c.nomad_url(), c.nomad_token, c.nomad_region, c.nomad_namespace}),
      thread_([this] { loop_.run(); }) {}

PreflightContext::~PreflightContext() {
  loop_.stop();
  thread_.join();
}

std::vector<PreflightSection> run_preflight(const AgentConfig& config,
                                            const CompiledPolicies& policies) {
  PreflightContext ctx(config);
  std::vector<PreflightSection> out;
  out.push_back(harvester_checks(ctx));
  for (const auto& compiled : policies) {
    if (compiled->policy().target.name == "harvester") {
      out.push_back(policy_checks(ctx, compiled->policy()));
    }
  }
  out.push_back(nomad_checks(ctx, policies));
  return out;
}

}  // namespace ha
