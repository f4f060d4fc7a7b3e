// The agent's connection settings for Nomad (nomad { ca_cert client_cert client_key
// tls_server_name skip_verify }, or NOMAD_CACERT ...; the socket of a unix:// address) on
// an HTTP transport's options.
#pragma once

#include "agent/agent_config.h"
#include "backends/http/http_transport.h"

namespace ha {

inline HttpTransport::Options with_nomad_tls(HttpTransport::Options o, const AgentConfig& c) {
  o.ca_file = c.nomad_ca_cert;
  o.insecure = c.nomad_skip_verify;
  o.client_cert_file = c.nomad_client_cert;
  o.client_key_file = c.nomad_client_key;
  o.tls_server_name = c.nomad_tls_server_name;
  o.unix_socket = c.nomad_socket();
  return o;
}

}  // namespace ha
