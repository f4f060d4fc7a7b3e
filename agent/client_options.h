// What the agent's settings make of the Harvester transport, the caches and the Harvester
// target: shared by the agent and the Nomad Autoscaler plugin, which build the same clients.
#pragma once

#include "agent/agent_config.h"
#include "backends/http/http_transport.h"
#include "engine/cache/cluster_caches.h"
#include "engine/harvester/harvester_target.h"

namespace ha {

// The Harvester connection's TLS: CA (file or a kubeconfig's PEM), skip_verify, and a client
// certificate (files or PEM), on an HTTP transport's options.
inline HttpTransport::Options with_harvester_tls(HttpTransport::Options o, const AgentConfig& c) {
  o.ca_file = c.harvester_ca_file;
  o.ca_pem = c.harvester_ca_pem;
  o.insecure = c.harvester_skip_verify;
  o.client_cert_pem = c.harvester_client_cert_pem;
  o.client_key_pem = c.harvester_client_key_pem;
  o.client_cert_file = c.harvester_client_cert_file;
  o.client_key_file = c.harvester_client_key_file;
  return o;
}

inline ClusterCaches::Options cache_options(const AgentConfig& c) {
  ClusterCaches::Options o;
  o.stale_after = c.cache_stale_after;
  return o;
}

// The target reads the caches when cluster_state is "watch" (the default).
inline HarvesterTarget::Options target_options(const AgentConfig& c, ClusterCaches& caches) {
  HarvesterTarget::Options o;
  o.poll_interval = c.poll_interval;
  if (c.watch_cluster_state) o.caches = &caches;
  return o;
}

}  // namespace ha
