// The mock servers' HTTP or HTTPS server, with client certificates when asked: as
// kube-apiserver (a certificate verified when given, a token still enough) or as a Nomad
// agent with verify_https_client (no request without a certificate its CA signed).
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

namespace ha {

struct TlsServerFiles {
  std::string cert, key;  // both empty: plain HTTP
  std::string client_ca;  // empty: no client certificates asked for
};

enum class ClientCertificates { kIfGiven, kRequired };

// An invalid server (is_valid() false) when the files do not make a TLS context.
std::unique_ptr<httplib::Server> make_mock_server(const TlsServerFiles& files,
                                                  ClientCertificates mode);

// Whether the request came with a client certificate the client CA signed.
bool verified_client(const httplib::Request& req);

}  // namespace ha
