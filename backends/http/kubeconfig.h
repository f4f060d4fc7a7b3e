// Reading a Harvester connection from a kubeconfig file (the one Harvester's UI downloads),
// with yaml-cpp: the context (the current one unless named), its cluster's server and CA
// (certificate-authority, a path relative to the file, or certificate-authority-data) or
// insecure-skip-tls-verify, and its user's bearer token (token or tokenFile). Client
// certificates and exec plugins are not supported: an error says so. Errors name the file
// and the entry, never a token.
#pragma once

#include <string>

#include "base/result.h"

namespace ha {

struct KubeconfigConnection {
  std::string server;   // https://host:port
  std::string token;    // bearer token
  std::string ca_file;  // certificate-authority, made absolute
  std::string ca_pem;   // certificate-authority-data, decoded
  bool insecure = false;
};

Result<KubeconfigConnection> read_kubeconfig(const std::string& path,
                                             const std::string& context = "");

}  // namespace ha
