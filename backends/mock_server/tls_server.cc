#include "backends/mock_server/tls_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace ha {

std::unique_ptr<httplib::Server> make_mock_server(const TlsServerFiles& f,
                                                  ClientCertificates mode) {
  if (f.cert.empty() && f.key.empty()) return std::make_unique<httplib::Server>();
  if (f.client_ca.empty()) {
    return std::make_unique<httplib::SSLServer>(f.cert.c_str(), f.key.c_str());
  }
  int verify = SSL_VERIFY_PEER;
  if (mode == ClientCertificates::kRequired) verify |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  return std::make_unique<httplib::SSLServer>([f, verify](SSL_CTX& ctx) {
    if (SSL_CTX_use_certificate_chain_file(&ctx, f.cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(&ctx, f.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(&ctx, f.client_ca.c_str(), nullptr) != 1) {
      return false;
    }
    SSL_CTX_set_client_CA_list(&ctx, SSL_load_client_CA_file(f.client_ca.c_str()));
    SSL_CTX_set_verify(&ctx, verify, nullptr);
    return true;
  });
}

bool verified_client(const httplib::Request& req) {
  if (req.ssl == nullptr) return false;
  X509* peer = SSL_get1_peer_certificate(req.ssl);
  if (peer == nullptr) return false;
  X509_free(peer);
  return SSL_get_verify_result(req.ssl) == X509_V_OK;
}

}  // namespace ha
