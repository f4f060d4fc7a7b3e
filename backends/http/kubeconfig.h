// Reading a Harvester connection from a kubeconfig file (the one Harvester's UI downloads,
// RKE2's rke2.yaml, Rancher's), with yaml-cpp: the context (the current one unless named),
// its cluster's server and CA (certificate-authority, a path relative to the file, or
// certificate-authority-data) or insecure-skip-tls-verify, and its user's credentials: a
// bearer token (token or tokenFile) and/or a client certificate and key
// (client-certificate[-data], client-key[-data]; the data wins, as in client-go). Exec and
// auth-provider plugins are not supported: an error says so. Errors name the file and the
// entry, never a token or a key.
#pragma once

#include <string>

#include "base/result.h"

namespace ha {

struct KubeconfigConnection {
  std::string server;  // https://host:port
  std::string token;   // bearer token (may be empty with a client certificate)
  std::string client_cert_pem, client_key_pem;    // client-certificate-data, -key-data
  std::string client_cert_file, client_key_file;  // client-certificate, client-key
  std::string ca_file;                            // certificate-authority, made absolute
  std::string ca_pem;                             // certificate-authority-data, decoded
  bool insecure = false;
};

Result<KubeconfigConnection> read_kubeconfig(const std::string& path,
                                             const std::string& context = "");

}  // namespace ha
